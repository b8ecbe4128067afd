"""update_schema (TFDV's update_schema): widen a schema until new statistics conform; never narrow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from dvtools.cli import main
from dvtools.errors import UsageError
from dvtools.schema import infer_schema, load_schema
from dvtools.schema.serialization import schema_to_json
from dvtools.statistics.engine import DatasetAccumulator
from dvtools.statistics.tfdv import statistics_from_tfdv, to_tfdv_bytes
from dvtools.validation import validate_statistics
from dvtools.validation.anomalies import AnomalyType as T
from dvtools.validation.update import WIDENING_TYPES, update_schema


def stats_of(df: pd.DataFrame):
    table = pa.Table.from_pandas(df, preserve_index=False)
    acc = DatasetAccumulator(table.schema)
    for batch in table.to_batches(1000):
        acc.add_batch(batch)
    return acc.finalize()


@pytest.fixture(scope="module")
def frames():
    rng = np.random.default_rng(0)
    old = pd.DataFrame({"x": rng.normal(size=800), "c": rng.choice(["a", "b"], 800), "n": rng.integers(0, 10, 800),
                        "gone": rng.random(800)})
    new = pd.DataFrame({"x": rng.normal(size=600) * 3, "c": rng.choice(["a", "b", "z"], 600),
                        "n": rng.integers(-5, 20, 600).astype(float), "extra": rng.choice(["p", "q"], 600)})
    new.loc[::7, "c"] = None
    return old, new


def test_update_widens_until_no_schema_anomaly_and_never_narrows(frames):
    old, new = frames
    schema = infer_schema(stats_of(old))
    before = schema_to_json(schema)
    stats = stats_of(new)
    found = {a.type for a in validate_statistics(stats, schema)}
    assert {T.ENUM_TYPE_UNEXPECTED_STRING_VALUES, T.SCHEMA_NEW_COLUMN, T.FLOAT_TYPE_BIG_FLOAT,
            T.SCHEMA_MISSING_COLUMN} <= found
    result = update_schema(schema, stats)
    left = {a.type for a in validate_statistics(stats, result.schema)}
    assert not left & WIDENING_TYPES
    assert left == {a.type for a in result.kept}
    widened = result.schema
    assert "z" in widened.feature("c").domain.values and {"a", "b"} <= set(widened.feature("c").domain.values)
    assert "extra" in widened
    assert widened.feature("x").domain.max >= new["x"].max() and widened.feature("x").domain.min <= old["x"].min()
    # the column absent from the new statistics is kept as it was (TFDV would propose deprecating it)
    assert "gone" in widened and not widened.feature("gone").deprecated
    assert T.SCHEMA_MISSING_COLUMN in left
    # the old data still conforms: widening only
    assert not {a.type for a in validate_statistics(stats_of(old), widened)} & WIDENING_TYPES
    assert schema_to_json(schema) == before  # the given schema is not changed
    again = update_schema(widened, stats)
    assert again.accepted == []


def test_update_from_tfdv_statistics(frames):
    old, new = frames
    imported = statistics_from_tfdv(to_tfdv_bytes(stats_of(new)))
    result = update_schema(infer_schema(stats_of(old)), imported)
    assert "z" in result.schema.feature("c").domain.values
    assert not {a.type for a in validate_statistics(imported, result.schema)} & WIDENING_TYPES


def test_unknown_environment_is_refused(frames):
    old, new = frames
    schema = infer_schema(stats_of(old), label="n")
    with pytest.raises(UsageError):
        update_schema(schema, stats_of(new), environment="NOWHERE")


def test_cli_schema_update(frames, tmp_path, capsys):
    old, new = frames
    a, b = tmp_path / "old.csv", tmp_path / "new.csv"
    old.to_csv(a, index=False)
    new.to_csv(b, index=False)
    s1, s2 = tmp_path / "schema.pbtxt", tmp_path / "widened.pbtxt"
    assert main(["schema", "infer", str(a), "-o", str(s1)]) == 0
    assert main(["validate", str(b), "--schema", str(s1)]) == 1
    capsys.readouterr()
    assert main(["schema", "update", str(s1), str(b), "-o", str(s2)]) == 0
    out = capsys.readouterr().out
    assert "widened c: ENUM_TYPE_UNEXPECTED_STRING_VALUES" in out and f"wrote {s2}" in out
    assert "extra" in load_schema(str(s2))
    rc = main(["validate", str(b), "--schema", str(s2), "--format", "json"])
    out = capsys.readouterr().out
    assert "SCHEMA_MISSING_COLUMN" in out and "ENUM_TYPE_UNEXPECTED_STRING_VALUES" not in out
    assert rc in (0, 1)
    assert main(["schema", "update", str(s1), str(b), "-o", str(s2), "--environment", "NOWHERE"]) == 2
