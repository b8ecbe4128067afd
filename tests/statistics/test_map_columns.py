"""MAP columns have real statistics: entries per row and the keys' value counts (issue 10, item 18).

Oracle: the generating Python dicts, counted with ``collections.Counter`` and numpy. A Parquet file
with a map column validates against the schema inferred from it without anomalies; a serving map
with an unknown key is found.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

import dvtools
from dvtools.validation.anomalies import AnomalyType

MAP = pa.map_(pa.string(), pa.int64())
_rows = st.lists(st.none() | st.dictionaries(st.sampled_from("abcdefg"), st.integers(-5, 5), max_size=5),
                 min_size=1, max_size=60)


def _table(rows: list[dict[str, int] | None]) -> pa.Table:
    return pa.table({"m": pa.array([None if r is None else list(r.items()) for r in rows], MAP),
                     "x": pa.array(range(len(rows)), pa.int64())})


@settings(max_examples=40, deadline=None)
@given(_rows, st.integers(1, 7))
def test_map_statistics_count_entries_and_keys_like_python(rows: list[dict[str, int] | None], batch: int) -> None:
    stats = dvtools.compute_statistics(_table(rows).to_batches(max_chunksize=batch))
    f = stats["m"]
    present = [r for r in rows if r is not None]
    assert f.logical_type.value == "LIST" and f.arrow_type.startswith("map<")
    assert f.num_missing == len(rows) - len(present)
    keys = Counter(k for r in present for k in r)
    assert dict(f.values_statistics.top_values(10)) == dict(keys)
    assert f.values_statistics.unique == len(keys)
    if present:
        lengths = np.array([len(r) for r in present], dtype=float)
        assert f.list_lengths.num_finite == len(present)
        assert (f.list_lengths.min, f.list_lengths.max) == (lengths.min(), lengths.max())
        assert np.isclose(f.list_lengths.mean, lengths.mean())


def test_map_column_validates_against_its_own_inferred_schema(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    rows = [None if rng.random() < 0.1 else {k: int(rng.integers(0, 9)) for k in rng.choice(list("abcd"), 2)}
            for _ in range(500)]
    path = tmp_path / "maps.parquet"
    pq.write_table(_table(rows), path)
    stats = dvtools.compute_statistics(str(path))
    schema = dvtools.infer_schema(stats)
    m = schema.feature("m")
    assert m.type.value == "STRING" and sorted(m.domain.values) == sorted({k for r in rows if r for k in r})
    assert m.value_count is not None and m.value_count.min >= 1
    assert dvtools.validate_statistics(stats, schema) == []

    serving = [{"a": 1, "zzz": 2}] * 50
    found = dvtools.validate_statistics(dvtools.compute_statistics(_table(serving)), schema)
    assert [a.type for a in found if a.feature == "m"] == [AnomalyType.ENUM_TYPE_UNEXPECTED_STRING_VALUES]


def test_map_statistics_round_trip_through_json() -> None:
    stats = dvtools.compute_statistics(_table([{"a": 1}, {"a": 2, "b": 3}, None]))
    again = dvtools.DatasetStatistics.from_dict(stats.to_dict())
    assert again["m"].values_statistics.top_values(5) == stats["m"].values_statistics.top_values(5)
    assert again["m"].list_lengths.max == 2
