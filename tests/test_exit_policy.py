"""The CI exit policy of ``dvtools validate`` and the "nothing compared" error of ``dvtools compare``."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dvtools.cli import main


@pytest.fixture
def training(tmp_path):
    rng = np.random.default_rng(1)
    n = 3000
    tips = np.where(rng.random(n) < 0.68, 0.0, rng.uniform(3, 10, n))  # 0 for 68 % of rides, legitimately
    table = pa.table({
        "ride_id": pa.array([f"r{i}" for i in range(n)]),
        "pickup": pa.array((np.datetime64("2024-01-01T00:00:00", "s") + np.arange(n) * 60).astype("datetime64[s]")),
        "tips": pa.array(tips),
        "vendor": pa.array(["acme"] * n),  # constant
        "fare": pa.array(rng.lognormal(2.5, 0.6, n)),
        "paid": pa.array(rng.integers(0, 2, n)),  # the label
        "location": pa.array([{"lat": float(i), "lon": -float(i)} for i in range(n)]),
        "stops": pa.array([[1, 2][: i % 3] for i in range(n)], pa.list_(pa.int64())),
        "legs": pa.array([[[1.0], [2.0, 3.0]] if i % 2 else [] for i in range(n)], pa.list_(pa.list_(pa.float64()))),
    })
    path = tmp_path / "train.parquet"
    pq.write_table(table, path)
    assert main(["schema", "infer", str(path), "-o", str(tmp_path / "schema.json"), "--label", "paid"]) == 0
    return path, tmp_path / "schema.json"


def test_training_data_passes_its_own_schema(training, capsys):
    data, schema = training
    capsys.readouterr()
    assert main(["validate", str(data), "--schema", str(schema)]) == 0
    out = capsys.readouterr().out
    assert "ERROR" not in out and "ZERO_AS_MISSING_MARKER" in out  # a warning, shown, not failing
    assert main(["validate", str(data), "--schema", str(schema), "--fail-on", "warning"]) == 1
    assert main(["validate", str(data), "--schema", str(schema), "--fail-on", "never"]) == 0
    # Against itself as the baseline: nothing drifts either.
    assert main(["validate", str(data), "--schema", str(schema), "--baseline", str(data)]) == 0


def test_errors_fail_unless_never(training, tmp_path, capsys):
    data, schema = training
    bad = pq.read_table(data).drop_columns(["fare"])
    pq.write_table(bad, tmp_path / "bad.parquet")
    assert main(["validate", str(tmp_path / "bad.parquet"), "--schema", str(schema)]) == 1  # SCHEMA_MISSING_COLUMN
    assert main(["validate", str(tmp_path / "bad.parquet"), "--schema", str(schema), "--fail-on", "never"]) == 0
    capsys.readouterr()


def test_compare_with_no_column_in_common_is_an_error(tmp_path, capsys):
    (tmp_path / "a.csv").write_text("x,y\n1,2\n3,4\n")
    (tmp_path / "b.csv").write_text("u,v\n1,2\n3,4\n")
    capsys.readouterr()
    assert main(["compare", str(tmp_path / "a.csv"), str(tmp_path / "b.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nothing compared: the datasets have no column in common" in err
    assert main(["validate", str(tmp_path / "b.csv"), "--schema", str(_schema_of(tmp_path)),
                 "--baseline", str(tmp_path / "a.csv")]) == 2
    assert "nothing compared" in capsys.readouterr().err


def _schema_of(tmp_path):
    main(["schema", "infer", str(tmp_path / "b.csv"), "-o", str(tmp_path / "s.json")])
    return tmp_path / "s.json"
