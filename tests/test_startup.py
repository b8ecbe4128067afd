"""Start-up stays light: which modules ``import dvtools`` and the CLI's quick paths load (in a fresh interpreter).

Heavy libraries load only on the code path that needs them: scipy (distances' p-values), plotly and
streamlit (dashboard), tensorflow-metadata/protobuf (TFDV files), dask (the Dask engine), polars
(hashing beyond the exact distinct limit), datasketches (statistics of earlier versions). pandas
is not imported by dvtools on these paths, but pyarrow imports it on its first conversion
(``pa.array``, ``Array.to_numpy``), so the statistics paths allow it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("scipy", "plotly", "streamlit", "tensorflow_metadata", "google.protobuf", "dask", "distributed",
         "polars", "datasketches", "sklearn", "matplotlib")
ARRAYS = ("numpy", "pyarrow", "pandas")


def _modules_after(code: str, cwd: Path) -> set[str]:
    script = f"import sys, json\n{code}\nprint('\\nMODULES=' + json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=cwd, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    line = next(x for x in out.stdout.splitlines() if x.startswith("MODULES="))
    return set(json.loads(line[len("MODULES="):]))


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return [n for n in names if n in modules]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    (tmp_path / "tiny.csv").write_text("a,b,c\n1,x,2.5\n2,y,3.5\n3,z,\n")
    return tmp_path


def test_import_dvtools_loads_nothing_heavy(tmp_path: Path) -> None:
    mods = _modules_after("import dvtools\nassert dvtools.__version__", tmp_path)
    assert _loaded(mods, HEAVY + ARRAYS) == []
    assert {m for m in mods if m.startswith("dvtools")} == {"dvtools", "dvtools._lazy"}


def test_version_loads_nothing_heavy(tmp_path: Path) -> None:
    code = ("from dvtools.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit as e:\n"
            "    assert e.code == 0\n")
    mods = _modules_after(code, tmp_path)
    assert _loaded(mods, HEAVY + ARRAYS) == []


def test_stats_of_tiny_file_loads_no_heavy_module(tiny: Path) -> None:
    mods = _modules_after("from dvtools.cli import main\nassert main(['stats', 'tiny.csv', '-o', 'out.json']) == 0",
                          tiny)
    assert _loaded(mods, HEAVY) == []
    assert not any(m.startswith(("dvtools.ui", "dvtools.validation", "dvtools.schema")) for m in mods)
    assert not any(m.startswith("dvtools.comparison.") and m != "dvtools.comparison._common" for m in mods)


def test_validate_of_tiny_file_loads_no_heavy_module(tiny: Path) -> None:
    from dvtools.cli import main

    cwd = os.getcwd()
    try:
        os.chdir(tiny)
        assert main(["schema", "infer", "tiny.csv", "-o", "schema.json"]) == 0
    finally:
        os.chdir(cwd)
    mods = _modules_after(
        "from dvtools.cli import main\nassert main(['validate', 'tiny.csv', '--schema', 'schema.json']) == 0", tiny)
    assert _loaded(mods, HEAVY) == []
    assert not any(m.startswith(("dvtools.ui", "dvtools.comparison.comparators", "dvtools.schema.tfdv"))
                   for m in mods)


def test_public_names_still_resolve_lazily(tmp_path: Path) -> None:
    code = ("import dvtools\nfrom dvtools.comparison import compare_statistics\nfrom dvtools.validation import *\n"
            "from dvtools.schema import infer_schema, schema_to_pbtxt\n"
            "assert callable(dvtools.compute_statistics) and 'compute_statistics' in dir(dvtools)\n"
            "assert callable(compare_statistics) and callable(validate_statistics)\n")
    mods = _modules_after(code, tmp_path)
    assert "dvtools.comparison.comparators" in mods and "dvtools.schema.tfdv" in mods
