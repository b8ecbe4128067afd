"""JSON round trips (exact and KLL modes, slices), format errors, pickling of accumulators."""

from __future__ import annotations

import copy
import json
import math
import pickle

import numpy as np
import pyarrow as pa
import pytest
from _stats_helpers import assert_same_stats

from dvtools.errors import StatisticsFormatError
from dvtools.statistics import DatasetAccumulator, DatasetStatistics, SlicedAccumulator, make_accumulator

rng = np.random.default_rng(123)


def _table(n: int) -> pa.Table:
    """Every column kind, with nulls, NaN and infinities."""
    f = rng.normal(10, 3, n)
    f[::97] = np.nan
    f[5::211] = np.inf
    f[7::223] = -np.inf
    return pa.table({
        "i": pa.array(rng.integers(-5, 50, n), mask=rng.random(n) < 0.1),
        "f": pa.array(f, mask=rng.random(n) < 0.05),
        "s": pa.array([None if k % 11 == 0 else ["Zürich", "東京", "", " pad", "12", "🙂"][k % 6] for k in range(n)]),
        "b": pa.array([None if k % 5 == 0 else k % 3 == 0 for k in range(n)]),
        "t": pa.array((rng.integers(0, 10**9, n)).astype("datetime64[s]")).cast(pa.timestamp("s", tz="UTC")),
        "l": pa.array([None if k % 9 == 0 else list(range(k % 4)) for k in range(n)]),
        "ls": pa.array([[str(k % 3)] * (k % 2) for k in range(n)]),
        "st": pa.array([{"a": k} if k % 4 else None for k in range(n)]),
        "by": pa.array([bytes(k % 3) for k in range(n)]),
        "nul": pa.nulls(n),
        "k": pa.array([["x", "y", None][k % 3] for k in range(n)]),
    })


def _stats(table: pa.Table, slice_by: str | None = None) -> DatasetStatistics:
    acc = SlicedAccumulator(table.schema, slice_by)
    for batch in table.to_batches(max_chunksize=50_000):
        acc.add_batch(batch)
    return acc.finalize(sources=["mem"], warnings=["w1"], name="demo")


@pytest.fixture(scope="module")
def exact_stats() -> DatasetStatistics:
    return _stats(_table(3000), slice_by="k")


@pytest.fixture(scope="module")
def kll_stats() -> DatasetStatistics:
    big = pa.table({
        "f": rng.normal(0, 1, 250_000),
        "i": rng.integers(0, 300_000, 250_000),  # > 100k distinct: Misra-Gries + HyperLogLog
        "s": pa.array(rng.integers(0, 300_000, 250_000).astype(str)),
        "k": pa.array(np.where(rng.random(250_000) < 0.5, "a", "b")),
    })
    return _stats(big, slice_by="k")


def _assert_round_trip(stats: DatasetStatistics) -> DatasetStatistics:
    text = stats.to_json()
    back = DatasetStatistics.from_json(text)
    assert back.to_json() == text
    assert back.to_json(indent=2) == stats.to_json(indent=2)
    assert json.loads(text)["format"] == "dvtools.statistics" and json.loads(text)["version"] == 1
    for d1, d2 in [(stats, back), *((stats.slices[k], back.slices[k]) for k in stats.slices)]:
        assert (d1.num_examples, d1.sources, d1.warnings, d1.name, d1.slice_column, d1.slices_capped) == (
            d2.num_examples, d2.sources, d2.warnings, d2.name, d2.slice_column, d2.slices_capped)
        assert list(d1.features) == list(d2.features)
        for f1 in d1:
            f2 = d2[f1.name]
            assert (f1.count, f1.num_missing, f1.logical_type, f1.arrow_type) == (
                f2.count, f2.num_missing, f2.logical_type, f2.arrow_type)
            assert (f1.unique, f1.top_values(50), f1.num_true, f1.num_false) == (
                f2.unique, f2.top_values(50), f2.num_true, f2.num_false)
            assert (f1.string is None) == (f2.string is None)
            if f1.string is not None:  # via to_dict: NaN average length of all-null columns
                assert f1.string.to_dict() == f2.string.to_dict()
            if f1.values is not None:
                assert (f1.values.exact, f1.values.error_bound) == (f2.values.exact, f2.values.error_bound)
            for n1, n2 in ((f1.numeric, f2.numeric), (f1.list_lengths, f2.list_lengths)):
                assert (n1 is None) == (n2 is None)
                if n1 is None:
                    continue
                for key in ("num_finite", "num_zeros", "num_nan", "num_pos_inf", "num_neg_inf", "histogram",
                            "quantiles_histogram", "quantiles_exact"):
                    assert getattr(n1, key) == getattr(n2, key), key
                for key in ("mean", "std", "min", "max", "median"):
                    a, b = getattr(n1, key), getattr(n2, key)
                    assert a == b or (math.isnan(a) and math.isnan(b)), key
                assert n1.sketch.n == n2.sketch.n
                qs = np.linspace(0, 1, 101)
                assert np.array_equal(n1.sketch.quantiles(qs), n2.sketch.quantiles(qs), equal_nan=True)
                pts = np.linspace(n1.min / 2, n1.max / 2, 37) * 2 if n1.num_finite else np.zeros(3)
                assert np.array_equal(n1.sketch.cdf(pts), n2.sketch.cdf(pts))
    return back


def test_json_round_trip_exact_mode_with_slices(exact_stats: DatasetStatistics) -> None:
    assert exact_stats.slice_column == "k" and set(exact_stats.slices) == {"x", "y", "(missing)"}
    assert exact_stats["f"].numeric.quantiles_exact
    back = _assert_round_trip(exact_stats)
    assert back["nul"].missing_fraction == 1.0 and back["st"].num_missing == 750
    assert back["f"].numeric.num_nan > 0 and back["f"].numeric.num_pos_inf > 0


def test_json_round_trip_kll_mode(kll_stats: DatasetStatistics) -> None:
    f = kll_stats["f"].numeric
    assert not f.quantiles_exact
    assert not kll_stats["i"].values.exact and not kll_stats["s"].values.exact
    back = _assert_round_trip(kll_stats)
    merged = back.slices["a"]["f"].numeric.sketch
    merged.merge(back.slices["b"]["f"].numeric.sketch)  # deserialized KLL sketches still merge
    assert merged.n == f.num_finite


def test_json_of_nan_and_infinities_is_strict_json(exact_stats: DatasetStatistics) -> None:
    """NaN/inf figures (empty columns, avg length of all-null columns) are strings, not bare NaN."""
    def strict(text: str) -> None:
        json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))

    strict(exact_stats.to_json())
    t = pa.table({"s": pa.nulls(3, pa.string()), "f": [math.nan, math.inf, None], "l": pa.nulls(3, pa.list_(pa.int8()))})
    acc = DatasetAccumulator(t.schema)
    acc.add_batch(t)
    stats = acc.finalize()
    text = stats.to_json()
    strict(text)
    back = DatasetStatistics.from_json(text)
    assert math.isnan(back["s"].string.avg_length) and math.isnan(back["f"].numeric.mean)
    assert back["f"].numeric.num_pos_inf == 1 and math.isnan(back["l"].list_lengths.median)
    _assert_round_trip(stats)


def test_json_round_trip_empty_dataset() -> None:
    stats = _stats(_table(0))
    assert stats.num_examples == 0
    _assert_round_trip(stats)


def test_json_round_trip_extreme_floats() -> None:
    """Regression: a range overflowing float64 (-1e308..1e308) made NaN histogram edges (to_json raised)."""
    t = pa.table({"x": [-1.7e308, 1.7e308, 0.0, 5.0], "y": [1e308, 1e308, 1e308, None]})
    stats = DatasetAccumulator(t.schema)
    stats.add_batch(t)
    s = stats.finalize()
    n = s["x"].numeric
    assert all(math.isfinite(e) for e in n.histogram.edges)
    assert n.histogram.edges[0] == -1.7e308 and n.histogram.edges[-1] == 1.7e308
    assert sum(n.histogram.counts) == 4 and n.histogram.counts[0] == 1 and n.histogram.counts[-1] == 1
    assert all(math.isfinite(v) for v in n.quantiles.values())
    assert n.quantiles[0.5] == 2.5 and n.mean == pytest.approx(1.25, abs=1e292)
    assert s["y"].numeric.mean == 1e308
    _assert_round_trip(s)


def _mutated(stats: DatasetStatistics, edit) -> str:
    d = json.loads(stats.to_json())
    edit(d)
    return json.dumps(d)


BAD = {
    "no format tag": lambda d: d.pop("format"),
    "other format": lambda d: d.update(format="tfdv.statistics"),
    "version 2": lambda d: d.update(version=2),
    "version as string": lambda d: d.update(version="1"),
    "version true": lambda d: d.update(version=True),
    "no features": lambda d: d.pop("features"),
    "feature not an object": lambda d: d.update(features=["x"]),
    "bad logical type": lambda d: d["features"][0].update(logical_type="COMPLEX"),
    "count not a number": lambda d: d["features"][0].update(count="many"),
    "sketch not base64": lambda d: d["features"][1]["numeric"]["sketch"].update(data="!!notbase64"),
    "sketch not zlib": lambda d: d["features"][1]["numeric"]["sketch"].update(data="AAAA"),
    "kll bytes truncated": lambda d: d["features"][1]["numeric"]["sketch"].update(kind="kll", data="eJwDAAAAAAE="),
    "histogram missing": lambda d: d["features"][1]["numeric"].pop("histogram"),
    "slice malformed": lambda d: d.update(slices=[["x"]]),
    "slice of another version": lambda d: d["slices"][0][1].update(version=7),
    "values of wrong type": lambda d: d["features"][2]["values"].update(values=[1, 2]),
}


@pytest.mark.parametrize("edit", list(BAD.values()), ids=list(BAD))
def test_from_json_rejects_malformed(exact_stats: DatasetStatistics, edit) -> None:
    text = _mutated(exact_stats, edit)
    with pytest.raises(StatisticsFormatError) as e:
        DatasetStatistics.from_json(text)
    assert "\n" not in str(e.value) and str(e.value)


@pytest.mark.parametrize("text", ["", "{", "[1, 2]", "null", "\"text\"", b"\xff\xfe\x00", "[" * 50_000],
                         ids=["empty", "truncated", "list", "null", "string", "bad bytes", "deep"])
def test_from_json_rejects_non_statistics(text: str | bytes) -> None:
    with pytest.raises(StatisticsFormatError) as e:
        DatasetStatistics.from_json(text)
    assert "\n" not in str(e.value)


def test_from_json_error_messages_name_the_problem(exact_stats: DatasetStatistics) -> None:
    with pytest.raises(StatisticsFormatError, match="format tag"):
        DatasetStatistics.from_json(_mutated(exact_stats, BAD["other format"]))
    with pytest.raises(StatisticsFormatError, match="version 2"):
        DatasetStatistics.from_json(_mutated(exact_stats, BAD["version 2"]))
    with pytest.raises(StatisticsFormatError, match="not valid JSON"):
        DatasetStatistics.from_json("{")


# ---- pickle ------------------------------------------------------------------------------------------

PICKLE_COLUMNS = {
    "i": (pa.int64(), [1, None, 3, 3]),
    "u": (pa.uint64(), [2**64 - 1, 0, None]),
    "f": (pa.float64(), [1.5, math.nan, None, -math.inf]),
    "s": (pa.string(), ["a", "", None, "東京"]),
    "d": (pa.dictionary(pa.int8(), pa.string()), ["a", None, "a"]),
    "b": (pa.bool_(), [True, None, False]),
    "t": (pa.timestamp("ms", tz="UTC"), [0, None, 5]),
    "l": (pa.list_(pa.string()), [["a"], None, []]),
    "st": (pa.struct([("a", pa.int64())]), [{"a": 1}, None]),
    "by": (pa.binary(), [b"x", None]),
}


@pytest.mark.parametrize("col", list(PICKLE_COLUMNS))
def test_pickled_accumulator_merges_like_the_original(col: str) -> None:
    t, vals = PICKLE_COLUMNS[col]
    a, b = make_accumulator(t), make_accumulator(t)
    a.add(pa.array(vals, t))
    b.add(pa.array(vals[::-1], t))
    a2 = pickle.loads(pickle.dumps(a))
    a2.merge(pickle.loads(pickle.dumps(b)))
    a.merge(b)
    assert_same_stats(a2.finalize(col), a.finalize(col), rel=0)


def test_pickled_dataset_accumulators_in_sketch_mode() -> None:
    t = pa.table({"f": rng.normal(size=120_000), "s": pa.array(rng.integers(0, 10**9, 120_000).astype(str))})
    whole = SlicedAccumulator(t.schema, None)
    whole.add_batch(t)
    parts = []
    for batch in t.to_batches(max_chunksize=40_000):
        acc = SlicedAccumulator(t.schema, None)
        acc.add_batch(batch)
        parts.append(pickle.loads(pickle.dumps(acc)))
    merged = parts[0]
    for p in parts[1:]:
        merged.merge(p)
    merged = pickle.loads(pickle.dumps(merged))
    s1, s2 = merged.finalize(), whole.finalize()
    assert not s1["f"].numeric.quantiles_exact and not s1["s"].values.exact
    assert s1["f"].numeric.num_finite == 120_000 and s1["s"].values.counter.total == 120_000
    assert abs(s1["s"].unique - s2["s"].unique) <= 0.02 * s2["s"].unique
    assert abs(s1["f"].numeric.quantiles[0.5] - np.median(t["f"])) < 0.05


def test_deepcopy_of_statistics_is_independent(exact_stats: DatasetStatistics) -> None:
    clone = copy.deepcopy(exact_stats)
    assert clone.to_json() == exact_stats.to_json()


def test_pickled_sliced_accumulators_merge() -> None:
    t = _table(600)
    direct = _stats(t, slice_by="k")
    parts = []
    for lo in (0, 250, 250, 600):  # includes an empty part
        acc = SlicedAccumulator(t.schema, "k")
        acc.add_batch(t.slice(lo, 250 if lo < 600 else 0))
        parts.append(pickle.loads(pickle.dumps(acc)))
    merged = parts[0]
    for p in parts[1:]:
        merged.merge(p)
    stats = pickle.loads(pickle.dumps(merged)).finalize(sources=["mem"], warnings=["w1"], name="demo")
    parts_rows = 250 + 250 + 250 + 0
    assert stats.num_examples == parts_rows
    sl = _stats(pa.concat_tables([t.slice(0, 250), t.slice(250, 250), t.slice(250, 250)]), slice_by="k")
    assert list(stats.slices) == list(sl.slices) == list(direct.slices)
    for label in sl.slices:
        for f in sl.slices[label]:
            assert_same_stats(stats.slices[label][f.name], f)
