"""Slicing: each slice equals statistics of the filtered data; capping; missing and NaN slice values."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from _stats_helpers import assert_same_stats

from dvtools.errors import UsageError
from dvtools.statistics import DatasetAccumulator, DatasetStatistics, SlicedAccumulator


def _plain(table: pa.Table) -> DatasetStatistics:
    acc = DatasetAccumulator(table.schema)
    acc.add_batch(table)
    return acc.finalize()


def _sliced(table: pa.Table, by: str, batch: int = 64, **kw) -> DatasetStatistics:
    acc = SlicedAccumulator(table.schema, by, **kw)
    for b in table.to_batches(max_chunksize=batch):
        acc.add_batch(b)
    return acc.finalize()


def _table(n: int = 500) -> pa.Table:
    rng = np.random.default_rng(4)
    return pa.table({
        "region": pa.array([[None, "north", "south", "east", "東京"][k] for k in rng.integers(0, 5, n)]),
        "x": rng.normal(size=n),
        "i": pa.array(rng.integers(0, 7, n), mask=rng.random(n) < 0.2),
        "s": pa.array([f"v{k % 9}" for k in range(n)]),
        "l": pa.array([[k] * (k % 3) for k in range(n)]),
    })


def test_each_slice_equals_filtered_data() -> None:
    t = _table()
    stats = _sliced(t, "region")
    assert stats.slice_column == "region" and not stats.slices_capped
    assert set(stats.slices) == {"north", "south", "east", "東京", "(missing)"}
    assert list(stats.slices) == sorted(stats.slices)
    total = 0
    for label, sl in stats.slices.items():
        mask = pc.is_null(t["region"]) if label == "(missing)" else pc.equal(t["region"], label)
        expected = _plain(t.filter(pc.fill_null(mask, False)))
        assert sl.num_examples == expected.num_examples > 0
        assert sl.name == f"region={label}"
        total += sl.num_examples
        for f in expected:
            assert_same_stats(sl[f.name], f)
    assert total == t.num_rows
    whole = _plain(t)
    for f in whole:
        assert_same_stats(stats[f.name], f)
    assert stats["region"].num_missing == stats.slices["(missing)"].num_examples


@pytest.mark.parametrize("key", [
    pa.array([1, 2, None, 2, 1, 1], pa.int64()),
    pa.array([True, False, None, False, True, True]),
    pa.array(["a", "b", None, "b", "a", "a"]).dictionary_encode(),
    pa.array([1.5, 2.5, None, 2.5, 1.5, 1.5]),
], ids=["int", "bool", "dictionary", "float"])
def test_slice_by_other_key_types(key: pa.Array) -> None:
    t = pa.table({"k": key, "v": [10, 20, 30, 40, 50, 60]})
    stats = _sliced(t, "k", batch=4)
    counts = {label: sl.num_examples for label, sl in stats.slices.items()}
    assert sorted(counts.values()) == [1, 2, 3]
    assert counts["(missing)"] == 1
    big = max(stats.slices.values(), key=lambda s: s.num_examples)
    assert big["v"].numeric.mean == pytest.approx(40.0)  # rows 0, 4, 5


def test_nan_slice_value_gets_its_rows() -> None:
    """Regression: NaN != NaN, so the "nan" slice was created with no rows and NaN rows were lost."""
    t = pa.table({"k": [1.0, math.nan, None, 1.0, math.nan], "v": [1, 2, 3, 4, 5]})
    stats = _sliced(t, "k", batch=2)
    counts = {label: sl.num_examples for label, sl in stats.slices.items()}
    assert counts == {"1.0": 2, "nan": 2, "(missing)": 1}
    assert stats.slices["nan"]["v"].numeric.mean == 3.5


def test_cap_sets_flag_and_warning() -> None:
    t = pa.table({"k": ["a", "b", "c", "d", "e", "a", "e"], "v": [1, 2, 3, 4, 5, 6, 7]})
    stats = _sliced(t, "k", batch=3, max_slices=3)
    assert stats.slices_capped
    assert list(stats.slices) == ["a", "b", "c"]
    assert any("more than 3 values" in w and "'k'" in w for w in stats.warnings)
    assert stats.slices["a"].num_examples == 2  # kept slices stay complete after the cap
    assert stats.num_examples == 7
    uncapped = _sliced(t, "k", max_slices=5)
    assert not uncapped.slices_capped and uncapped.warnings == []


def test_merge_of_capped_parts_never_gives_partial_slices() -> None:
    """Regression: a part that hit the cap dropped rows of labels the other part kept; the merge then
    reported those slices with part of their rows."""
    t1 = pa.table({"k": ["a", "b", "c", "a"], "v": [1, 2, 3, 4]})
    t2 = pa.table({"k": ["d", "e", "a", "b", "c"], "v": [5, 6, 7, 8, 9]})
    whole = pa.concat_tables([t1, t2])
    for first, second in ((t1, t2), (t2, t1)):
        s1, s2 = SlicedAccumulator(t1.schema, "k", max_slices=3), SlicedAccumulator(t1.schema, "k", max_slices=3)
        s1.add_batch(first)
        s2.add_batch(second)
        stats = s1.merge(s2).finalize()
        assert stats.slices_capped and stats.num_examples == 9
        assert 1 <= len(stats.slices) <= 3
        for label, sl in stats.slices.items():
            expected = whole.filter(pc.equal(whole["k"], label))
            assert sl.num_examples == expected.num_rows, label
            assert sl["v"].numeric.mean == pytest.approx(pc.mean(expected["v"]).as_py())


def test_merge_of_uncapped_parts_keeps_every_slice() -> None:
    t = _table(300)
    parts = [t.slice(0, 100), t.slice(100, 0), t.slice(100)]
    accs = []
    for p in parts:
        a = SlicedAccumulator(t.schema, "region")
        a.add_batch(p)
        accs.append(a)
    merged = accs[2].merge(accs[0]).merge(accs[1]).finalize()
    direct = _sliced(t, "region")
    assert list(merged.slices) == list(direct.slices)
    for label in direct.slices:
        for f in direct.slices[label]:
            assert_same_stats(merged.slices[label][f.name], f)


def test_unknown_slice_column_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="nope"):
        SlicedAccumulator(pa.schema([("a", pa.int64())]), "nope")


def test_no_slicing() -> None:
    t = _table(50)
    stats = _sliced(t, None)
    assert stats.slices == {} and stats.slice_column is None and not stats.slices_capped


def test_negative_zero_slice_is_the_zero_slice() -> None:
    """Regression: -0.0 and 0.0 were two slices, each holding the rows of both (counted twice)."""
    t = pa.table({"k": [0.0, -0.0, 1.0, -0.0], "v": [1, 2, 3, 4]})
    stats = _sliced(t, "k", batch=3)
    assert {label: sl.num_examples for label, sl in stats.slices.items()} == {"0.0": 3, "1.0": 1}
    assert sum(sl.num_examples for sl in stats.slices.values()) == t.num_rows


@pytest.mark.parametrize("t", [pa.list_(pa.int64()), pa.struct([("a", pa.int64())])], ids=str)
def test_nested_slice_column_is_a_usage_error(t: pa.DataType) -> None:
    """Regression: slicing by a list column failed deep in Arrow (no 'unique' kernel)."""
    with pytest.raises(UsageError, match="nested"):
        SlicedAccumulator(pa.schema([("k", t), ("v", pa.int64())]), "k")


def test_many_slice_values_with_threads_keep_the_first_slices_seen() -> None:
    """Regression: with workers>1 and more values than max_slices, merging capped parts lost most slices."""
    from dvtools.statistics import compute_statistics

    n = 40_000
    table = pa.table({"k": pa.array(np.arange(n) // 100), "x": pa.array(np.arange(n, dtype=np.float64))})
    one = compute_statistics(table, slice_by="k", workers=1, batch_size=1000, max_slices=20)
    four = compute_statistics(table, slice_by="k", workers=4, batch_size=1000, max_slices=20)
    assert len(one.slices) == 20
    assert sorted(four.slices) == sorted(one.slices)
    assert four.slices_capped and one.slices_capped
    for label in one.slices:
        assert four.slices[label].num_examples == one.slices[label].num_examples
