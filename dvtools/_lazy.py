"""Lazy package exports: a name is imported from its module on first use, so start-up stays fast.

``import dvtools`` (and the CLI's ``stats``/``validate`` paths) must not pay for scipy, pandas or the
comparison package unless they are used; packages list their public names with the module each
lives in and get a module ``__getattr__`` that imports it on demand (PEP 562).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def attach(package: str, api: dict[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``(__getattr__, __dir__, __all__)`` for ``package`` exporting ``name -> module`` from ``api``."""
    names = sorted(api)

    def __getattr__(name: str) -> Any:  # noqa: N807 - the PEP 562 hook
        module = api.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module), name)
        import sys

        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:  # noqa: N807 - the PEP 562 hook
        return list(names)

    return __getattr__, __dir__, names
