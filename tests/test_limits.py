"""Resource limits live in one module, match the shipped configuration, and are documented (issue 10)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from dvtools import limits

ROOT = Path(__file__).resolve().parents[1]


def test_upload_limit_matches_the_streamlit_config() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == limits.MAX_UPLOAD_BYTES


def test_every_limit_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in limits.__all__:
        if name.isupper() or name.endswith("_limit"):
            assert f"`{name}" in readme, name


def test_record_size_limit_comes_from_the_environment(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("DVTOOLS_MAX_RECORD_BYTES", "12345")
    assert limits.max_record_bytes() == 12345
    monkeypatch.setenv("DVTOOLS_MAX_RECORD_BYTES", "not a number")
    assert limits.max_record_bytes() == limits.DEFAULT_MAX_RECORD_BYTES


def test_kll_bound_holds_for_large_sketches() -> None:
    import numpy as np
    from datasketches import kll_doubles_sketch

    sk = kll_doubles_sketch(1000)
    for _ in range(20):
        sk.update(np.random.default_rng(0).random(500_000))
    assert len(sk.serialize()) < limits.kll_serialized_bytes_limit(1000)
