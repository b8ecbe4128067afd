"""Start-up stays light: which modules ``import dvtools`` and the CLI's quick paths load (in a fresh interpreter).

Heavy libraries load only on the code path that needs them: scipy (distances' p-values), plotly and
streamlit (dashboard), tensorflow-metadata/protobuf (TFDV files), dask (the Dask engine), polars
(hashing beyond the exact distinct limit), datasketches (statistics of earlier versions). pandas
is not loaded either: pyarrow imports it on its first ``pa.array``/``pa.scalar``/``Array.to_numpy``
or ``Table.group_by`` call, so the statistics and validation paths convert through
``dvtools._arrow`` instead. ``dvtools stats`` and ``validate`` of a small CSV file pin the exact set
of dvtools modules they load and the third-party packages (numpy and pyarrow, and pyarrow's
cloudpickle): a module added to these paths on purpose is added to the lists below.
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


STATS_MODULES = {
    "dvtools", "dvtools._arrow", "dvtools._lazy", "dvtools.artifacts", "dvtools.cli", "dvtools.comparison",
    "dvtools.defaults",  # constants only (the CLI's parser reads them)
    # personal-data detection is part of the statistics pass (numpy and pyarrow only; phonenumbers on first phone)
    "dvtools.privacy", "dvtools.privacy.detect", "dvtools.privacy.detectors", "dvtools.privacy.masking",
    "dvtools.privacy.phones", "dvtools.privacy.redact", "dvtools.privacy.tally", "dvtools.privacy.validators",
    "dvtools.comparison._common", "dvtools.errors", "dvtools.io", "dvtools.io._base", "dvtools.io.columnar",
    "dvtools.io.csvfile", "dvtools.io.files", "dvtools.io.sources", "dvtools.jsonsafe", "dvtools.limits",
    "dvtools.statistics", "dvtools.statistics.accumulators", "dvtools.statistics.engine", "dvtools.statistics.maths",
    "dvtools.statistics.model", "dvtools.statistics.sketches", "dvtools.statistics.tfrecord", "dvtools.terminal",
}
VALIDATE_MODULES = STATS_MODULES | {
    "dvtools.comparison.comparators", "dvtools.comparison.distances", "dvtools.comparison.distributions",
    "dvtools.schema", "dvtools.schema.inference", "dvtools.schema.model",
    "dvtools.schema.serialization", "dvtools.statistics.quality", "dvtools.validation",
    "dvtools.validation.anomalies", "dvtools.validation.checks", "dvtools.validation.group_thresholds",
    "dvtools.validation.thresholds",
    "dvtools.validation.validate",
}
THIRD_PARTY = {"numpy", "pyarrow", "cloudpickle"}  # cloudpickle: imported by pyarrow itself
# pyarrow modules a CSV input never needs: parquet/fs pull in ssl and sockets, dataset/acero come with
# Table.group_by and load pandas.
UNNEEDED = ("pandas", "numpy.ma", "pyarrow.parquet", "pyarrow.fs", "pyarrow.dataset", "pyarrow.acero",
            "pyarrow.json", "pyarrow.feather", "pyarrow.pandas_compat", "ssl")


def _third_party(modules: set[str]) -> set[str]:
    """Top-level packages outside the standard library (interpreter and site internals, ``_*``, ignored)."""
    tops = {m.split(".")[0] for m in modules}
    return {t for t in tops if t not in sys.stdlib_module_names and not t.startswith("_") and t != "cython_runtime"}


def _pin(mods: set[str], expected: set[str]) -> None:
    ours = {m for m in mods if m == "dvtools" or m.startswith("dvtools.")}
    assert ours == expected, (f"dvtools modules on this path changed: new {sorted(ours - expected)}, "
                              f"gone {sorted(expected - ours)} (update the list if that is intended)")
    assert _third_party(mods) == {"dvtools", *THIRD_PARTY}
    assert _loaded(mods, HEAVY + UNNEEDED) == []


def test_stats_of_tiny_file_loads_only_what_it_needs(tiny: Path) -> None:
    mods = _modules_after("from dvtools.cli import main\nassert main(['stats', 'tiny.csv', '-o', 'out.json']) == 0",
                          tiny)
    _pin(mods, STATS_MODULES)


@pytest.mark.parametrize("fmt", ["parquet", "arrow", "jsonl"])
def test_stats_of_tiny_typed_file_loads_no_pandas(tiny: Path, fmt: str) -> None:
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    table = pcsv.read_csv(tiny / "tiny.csv")
    if fmt == "parquet":
        pq.write_table(table, tiny / "tiny.parquet")
    elif fmt == "arrow":
        feather.write_feather(table, tiny / "tiny.arrow")
    else:
        (tiny / "tiny.jsonl").write_text('{"a": 1, "b": "x", "c": 2.5}\n{"a": 2, "b": null, "c": null}\n')
    assert isinstance(table, pa.Table)
    mods = _modules_after(f"from dvtools.cli import main\nassert main(['stats', 'tiny.{fmt}', '-o', 'o.json']) == 0",
                          tiny)
    assert _loaded(mods, HEAVY + ("pandas", "numpy.ma", "pyarrow.dataset", "pyarrow.acero")) == []
    assert _third_party(mods) == {"dvtools", *THIRD_PARTY}


def test_validate_of_tiny_file_loads_only_what_it_needs(tiny: Path) -> None:
    from dvtools.cli import main

    cwd = os.getcwd()
    try:
        os.chdir(tiny)
        assert main(["schema", "infer", "tiny.csv", "-o", "schema.json"]) == 0
    finally:
        os.chdir(cwd)
    mods = _modules_after(
        "from dvtools.cli import main\nassert main(['validate', 'tiny.csv', '--schema', 'schema.json']) == 0", tiny)
    _pin(mods, VALIDATE_MODULES)


def test_validate_against_statistics_files_loads_no_pandas(tiny: Path) -> None:
    from dvtools.cli import main

    cwd = os.getcwd()
    try:
        os.chdir(tiny)
        assert main(["stats", "tiny.csv", "-o", "stats.json"]) == 0
        assert main(["schema", "infer", "stats.json", "-o", "schema.json"]) == 0
    finally:
        os.chdir(cwd)
    mods = _modules_after("from dvtools.cli import main\n"
                          "assert main(['validate', 'stats.json', '--schema', 'schema.json']) == 0", tiny)
    assert _loaded(mods, HEAVY + UNNEEDED) == []
    assert _third_party(mods) == {"dvtools", *THIRD_PARTY}


def test_public_names_still_resolve_lazily(tmp_path: Path) -> None:
    code = ("import dvtools\nfrom dvtools.comparison import compare_statistics\nfrom dvtools.validation import *\n"
            "from dvtools.schema import infer_schema, schema_to_pbtxt\n"
            "assert callable(dvtools.compute_statistics) and 'compute_statistics' in dir(dvtools)\n"
            "assert callable(compare_statistics) and callable(validate_statistics)\n")
    mods = _modules_after(code, tmp_path)
    assert "dvtools.comparison.comparators" in mods and "dvtools.schema.tfdv" in mods
