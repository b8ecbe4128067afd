"""Statistics files are checked on load: one-line errors, never an internal error (issue 10, items 5, 15, 16)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import dvtools
from dvtools.cli import main
from dvtools.errors import DataLoadError, StatisticsFormatError
from dvtools.statistics.model import DatasetStatistics


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"price": rng.normal(10, 2, 300_000), "city": rng.choice(["a", "b", "c"], 300_000),
                       "flag": rng.random(300_000) < 0.5, "user": [f"u{i}" for i in range(300_000)]})
    return json.loads(dvtools.compute_statistics(df).to_json())


def _feature(d: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in d["features"] if f["name"] == name)


def _load(d: dict[str, Any]) -> DatasetStatistics:
    return DatasetStatistics.from_json(json.dumps(d))


def test_a_real_statistics_file_passes_the_checks(doc: dict[str, Any]) -> None:
    assert _load(doc).num_examples == 300_000


MUTATIONS = {
    "min greater than max": (lambda d: _feature(d, "price")["numeric"].update(min=50.0, max=1.0), "min"),
    "negative count": (lambda d: _feature(d, "city").update(count=-5), "count must not be negative"),
    "more missing than count": (lambda d: _feature(d, "city").update(num_missing=10**9), "num_missing"),
    "count as text": (lambda d: _feature(d, "city").update(count="300000"), "count must be a whole number"),
    "mean as a list": (lambda d: _feature(d, "price")["numeric"].update(mean=[1]), "mean must be a number"),
    "unknown type": (lambda d: _feature(d, "city").update(logical_type="BLOB"), "logical_type"),
    "histogram shape": (lambda d: _feature(d, "price")["numeric"]["histogram"]["counts"].append(3.0), "edges"),
    "counts above total": (lambda d: _feature(d, "city")["values"].update(total=1), "more than the total"),
    "feature twice": (lambda d: d["features"].append(dict(d["features"][0])), "listed twice"),
    "features not a list": (lambda d: d.update(features={"a": 1}), "features must be a list"),
    "value counts mismatch": (lambda d: _feature(d, "city")["values"]["counts"].pop(), "counts"),
    "num_true too large": (lambda d: _feature(d, "flag").update(num_true=10**9), "num_true"),
    "quantiles out of order": (lambda d: _feature(d, "price")["numeric"].update(quantiles=[[0.1, 12.0], [0.9, 8.0]]),
                               "out of order"),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS), ids=list(MUTATIONS))
def test_malformed_statistics_give_one_line_errors(doc: dict[str, Any], mutation: str) -> None:
    d = json.loads(json.dumps(doc))
    change, expected = MUTATIONS[mutation]
    change(d)
    with pytest.raises(StatisticsFormatError) as e:
        _load(d)
    msg = str(e.value)
    assert expected in msg and "\n" not in msg and "internal" not in msg, msg


def test_malformed_statistics_in_the_cli_exit_2_without_internal_error(doc: dict[str, Any], tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    d = json.loads(json.dumps(doc))
    _feature(d, "price")["numeric"].update(min=50.0, max=1.0)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(d))
    schema = tmp_path / "schema.json"
    good = tmp_path / "good.json"
    good.write_text(json.dumps(doc))
    assert main(["schema", "infer", str(good), "-o", str(schema)]) == 0
    capsys.readouterr()
    assert main(["validate", str(good), "--schema", str(schema), "--baseline", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dvtools: error: bad.json: invalid statistics file: feature 'price': min") and \
        "internal" not in err


def _bomb(size: int) -> str:
    """``size`` zero bytes, zlib-compressed (about 1,000:1) and base64-encoded, built in 64 MiB steps."""
    co = zlib.compressobj(9)
    step = min(size, 1 << 26)
    parts = [co.compress(bytes(step)) for _ in range(size // step)]
    return base64.b64encode(b"".join([*parts, co.flush()])).decode()


def test_zlib_bomb_in_a_quantile_sketch_is_refused_without_inflating(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    sketch = _feature(d, "price")["numeric"]["sketch"]
    assert sketch["kind"] in ("kll", "kll-levels")
    sketch["data"] = _bomb(1 << 30)  # 1 GiB of zeros in about 1 MB of base64
    with pytest.raises(StatisticsFormatError, match="inflates beyond"):
        _load(d)


def test_zlib_bomb_in_the_distinct_count_sketch_is_refused(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    values = _feature(d, "user")["values"]
    assert values["hll"]  # 300,000 distinct values: beyond exact counting
    values["hll"] = _bomb(1 << 28)
    with pytest.raises(StatisticsFormatError, match="inflates beyond"):
        _load(d)


def test_exact_sketch_whose_size_contradicts_n_is_refused(doc: dict[str, Any]) -> None:
    d = json.loads(json.dumps(doc))
    _feature(d, "price")["numeric"]["sketch"] = {"kind": "exact", "n": 3, "data": base64.b64encode(
        zlib.compress(np.arange(5, dtype=np.float64).tobytes())).decode()}
    with pytest.raises(StatisticsFormatError, match="exact sketch|inflates beyond"):
        _load(d)


def test_zlib_bomb_statistics_file_stays_in_bounded_memory(doc: dict[str, Any], tmp_path: Path) -> None:
    d = json.loads(json.dumps(doc))
    _feature(d, "price")["numeric"]["sketch"]["data"] = _bomb(4 << 30)
    path = tmp_path / "bomb.json"
    path.write_text(json.dumps(d))
    assert path.stat().st_size < 16 << 20
    # Under a 3 GiB address-space cap, inflating the 4 GiB payload would be a MemoryError.
    code = ("import resource\nresource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))\n"
            "import dvtools.artifacts as a\n"
            f"try:\n    a.load_statistics({str(path)!r})\nexcept Exception as e:\n    print(type(e).__name__, e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.stdout.startswith("StatisticsFormatError bomb.json: "), out.stdout + out.stderr
    assert "inflates beyond" in out.stdout


def test_deeply_nested_statistics_file_is_a_one_line_error() -> None:
    text = '{"format": "dvtools.statistics", "version": 1, "x": ' + "[" * 5000 + "]" * 5000 + "}"
    with pytest.raises(StatisticsFormatError, match="nested deeper than"):
        DatasetStatistics.from_json(text)


def test_statistics_file_given_as_data_is_refused_not_merged(doc: dict[str, Any], tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    base = tmp_path / "base.json"
    base.write_text(json.dumps(doc))
    serve = tmp_path / "serve.csv"
    pd.DataFrame({"price": [1.0, 2.0], "city": ["a", "b"]}).to_csv(serve, index=False)
    schema = tmp_path / "schema.json"
    assert main(["schema", "infer", str(base), "-o", str(schema)]) == 0
    capsys.readouterr()
    assert main(["validate", str(serve), str(base), "--schema", str(schema)]) == 2
    err = capsys.readouterr().err
    assert "base.json is a statistics file" in err and "internal" not in err
    with pytest.raises(DataLoadError, match="dvtools statistics file, not data"):
        dvtools.compute_statistics([str(serve), str(base)])


def test_nan_histogram_edge_is_refused_on_load_not_on_save(doc: dict[str, Any]) -> None:
    """Found by the fuzzing suite: a "NaN" edge loaded fine, then writing the statistics failed."""
    d = json.loads(json.dumps(doc))
    _feature(d, "price")["numeric"]["histogram"]["edges"][1] = "NaN"
    with pytest.raises(StatisticsFormatError, match="histogram edges must be finite"):
        _load(d)
