"""Lazy package exports never share a name with a submodule (importing the submodule would replace the export)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import dvtools

PACKAGES = [m.name for m in pkgutil.walk_packages(dvtools.__path__, "dvtools.") if m.ispkg] + ["dvtools"]


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_export_named_like_a_submodule(package: str) -> None:
    pkg = importlib.import_module(package)
    exports = set(getattr(pkg, "__all__", []))
    submodules = {m.name for m in pkgutil.iter_modules(pkg.__path__)}
    assert exports & submodules == set()


def test_feature_skew_is_the_function_after_its_module_is_imported() -> None:
    importlib.import_module("dvtools.comparison.keyed_skew")
    from dvtools.comparison import feature_skew

    assert callable(feature_skew) and feature_skew.__name__ == "feature_skew"
