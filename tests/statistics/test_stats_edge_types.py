"""Arrow types and arrays at the edges: regressions of engine bugs found while testing."""

from __future__ import annotations

import datetime as dt
import json
import math
import warnings

import numpy as np
import pyarrow as pa
import pytest
from _stats_helpers import assert_numeric, feature_stats, value_counts_oracle

from dvtools.statistics import DatasetAccumulator, DatasetStatistics, LogicalType, make_accumulator


def _round_trip(arr: pa.Array) -> DatasetStatistics:
    acc = DatasetAccumulator(pa.schema([("x", arr.type)]))
    acc.add_batch(pa.table({"x": arr}))
    stats = acc.finalize()
    text = stats.to_json()
    back = DatasetStatistics.from_json(text)
    assert back.to_json() == text
    return back


@pytest.mark.parametrize(("arr", "expected"), [
    (pa.array([1, 2, None, 1]).dictionary_encode(), [("1", 2), ("2", 1)]),
    (pa.array([dt.time(1, 2), None, dt.time(1, 2)], pa.time64("us")), [("01:02:00.000000", 2)]),
    (pa.array([dt.timedelta(seconds=5), None], pa.duration("s")), [("5", 1)]),
], ids=["dictionary<int>", "time64", "duration"])
def test_non_string_types_counted_as_strings(arr: pa.Array, expected: list) -> None:
    """Regression: StringAccumulator called utf8_length on non-string values and raised."""
    f = feature_stats(arr)
    assert f.logical_type == LogicalType.STRING
    assert f.top_values() == expected
    assert (f.count, f.num_missing) == (len(arr), arr.null_count)
    assert f.string.max_length == max(len(v) for v, _ in expected)
    _round_trip(arr)


@pytest.mark.parametrize("arr", [
    pa.array([[("a", 1)], None, []], pa.map_(pa.string(), pa.int64())),
    pa.UnionArray.from_sparse(pa.array([0, 1], pa.int8()), [pa.array([1, 2]), pa.array(["a", "b"])]),
    pa.array([(1, 2, 3), None], pa.month_day_nano_interval()),
], ids=["map", "union", "interval"])
def test_types_without_text_form_get_presence_only(arr: pa.Array) -> None:
    """Regression: map/union/interval columns crashed the pass (value_counts / cast to string)."""
    f = feature_stats(arr)
    assert (f.count, f.num_missing) == (len(arr), arr.null_count)
    assert f.values is None and f.numeric is None
    _round_trip(arr)


def test_uint64_beyond_int64_range() -> None:
    """Regression: uint64 values >= 2**63 raised on the cast to int64 for value counts."""
    vals = [2**64 - 1, 0, None, 2**63, 2**64 - 1, 5]
    arr = pa.array(vals, pa.uint64())
    f = feature_stats(arr)
    assert f.top_values() == value_counts_oracle(vals) == [(2**64 - 1, 2), (0, 1), (5, 1), (2**63, 1)]
    assert f.numeric.max == 2**64 - 1 and f.numeric.min == 0 and f.numeric.num_zeros == 1  # exact ints
    back = _round_trip(arr)
    assert back["x"].top_values() == f.top_values()
    lst = feature_stats(pa.array([[2**64 - 1], None, [1, 2**64 - 1]], pa.list_(pa.uint64())))
    assert lst.values_statistics.top_values() == [(2**64 - 1, 2), (1, 1)]


def test_negative_zero_is_zero() -> None:
    """Regression: -0.0 made min/max/quantiles (and their JSON) depend on the order of the batches."""
    a, b = make_accumulator(pa.float64()), make_accumulator(pa.float64())
    a.add(pa.array([-0.0, 1.0]))
    b.add(pa.array([0.0, -0.0]))
    a.merge(b)
    f = a.finalize("x")
    assert f.numeric.num_zeros == 3
    assert math.copysign(1.0, f.numeric.min) == 1.0 and math.copysign(1.0, f.numeric.quantiles[0.01]) == 1.0
    assert '"min": -0.0' not in json.dumps(f.to_dict())


def test_extreme_magnitudes_raise_no_warnings() -> None:
    """Regression: a range beyond float64 gave overflow RuntimeWarnings (errors here) and NaN edges."""
    vals = [-1.7976931348623157e308, 1.7976931348623157e308, 1e308, 1e308]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = feature_stats(pa.array(vals))
        one = make_accumulator(pa.float64())
        one.add(pa.array(vals[:1]))
        two = make_accumulator(pa.float64())
        two.add(pa.array(vals[1:]))
        one.merge(two)
        merged = one.finalize("x")
    n = f.numeric
    assert (n.min, n.max, n.num_finite) == (vals[0], vals[1], 4)
    assert n.mean == pytest.approx(0.5e308, rel=1e-12) and merged.numeric.mean == pytest.approx(0.5e308, rel=1e-12)
    assert all(math.isfinite(e) for e in n.histogram.edges + n.quantiles_histogram.edges)
    assert sum(n.histogram.counts) == 4
    assert n.quantiles[0.5] == 1e308


def test_accumulator_add_accepts_chunked_arrays() -> None:
    chunks = [[1, None, 3], [], [3, 4]]
    flat = [v for c in chunks for v in c]
    for t in (pa.int64(), pa.float64(), pa.string(), pa.bool_()):
        vals = [c if t != pa.string() else [None if v is None else str(v) for v in c] for c in chunks]
        if t == pa.bool_():
            vals = [[None if v is None else v > 2 for v in c] for c in chunks]
        acc = make_accumulator(t)
        acc.add(pa.chunked_array(vals, t))
        direct = make_accumulator(t)
        direct.add(pa.array([v for c in vals for v in c], t))
        assert acc.finalize("x").to_dict() == direct.finalize("x").to_dict()
    assert_numeric(feature_stats(pa.chunked_array(chunks, pa.int64())), flat)


def test_dictionary_chunks_with_different_dictionaries() -> None:
    c1 = pa.DictionaryArray.from_arrays(pa.array([0, 1, 0]), pa.array(["x", "y"]))
    c2 = pa.DictionaryArray.from_arrays(pa.array([1, None, 0]), pa.array(["z", "x"]))
    f = feature_stats(pa.chunked_array([c1, c2]))
    assert f.top_values() == [("x", 3), ("y", 1), ("z", 1)]
    assert f.num_missing == 1


def test_timestamps_with_different_timezones_same_instants() -> None:
    instants = [dt.datetime(2022, 3, 27, 1, 30, tzinfo=dt.UTC), None, dt.datetime(2022, 10, 30, 0, 59, tzinfo=dt.UTC)]
    a = feature_stats(pa.array(instants, pa.timestamp("ms", tz="UTC")))
    b = feature_stats(pa.array(instants, pa.timestamp("ms", tz="America/New_York")))
    c = feature_stats(pa.array([None if x is None else x.replace(tzinfo=None) for x in instants], pa.timestamp("ms")))
    assert a.numeric.to_dict() == b.numeric.to_dict() == c.numeric.to_dict()
    assert a.numeric.min == instants[0].timestamp() * 1_000_000  # microseconds, whatever the unit


def test_large_binary_and_fixed_size_binary() -> None:
    for t in (pa.large_binary(), pa.binary(3)):
        vals = [b"abc", None, b"xyz"]
        f = feature_stats(pa.array(vals, t))
        assert f.logical_type == LogicalType.BYTES
        assert (f.string.min_length, f.string.max_length, f.string.avg_length) == (3, 3, 3.0)


def test_nested_list_of_list() -> None:
    rows = [[[1, 2], [3]], None, [], [[4]]]
    f = feature_stats(pa.array(rows, pa.list_(pa.list_(pa.int64()))))
    assert (f.list_lengths.min, f.list_lengths.max) == (0, 2)
    inner = f.values_statistics
    assert inner.logical_type == LogicalType.LIST and inner.count == 3
    assert_numeric(inner.values_statistics, [1, 2, 3, 4])
    _round_trip(pa.array(rows, pa.list_(pa.list_(pa.int64()))))


def test_sliced_array_offsets() -> None:
    base = pa.array(["pad", "a", None, "bb", "a", "tail"])
    f = feature_stats(base.slice(1, 4))
    assert f.top_values() == [("a", 2), ("bb", 1)] and f.num_missing == 1
    ints = pa.array(np.arange(20)).slice(7, 5)
    assert_numeric(feature_stats(ints), list(range(7, 12)))


def test_same_timestamps_from_parquet_and_csv_have_the_same_statistics(tmp_path) -> None:
    """Regression: Parquet (us) and CSV (s) kept their own unit: same instants looked out of range."""
    import pyarrow.parquet as pq

    from dvtools.schema.inference import infer_schema
    from dvtools.statistics import compute_statistics
    from dvtools.statistics.model import display_number, timestamp_iso
    from dvtools.validation import validate_statistics

    texts = ["2024-01-01 10:00:00", "2024-03-05 00:00:00", "2023-12-31 23:59:59", "2024-02-29 12:30:00"] * 3
    (tmp_path / "a.csv").write_text("t\n" + "\n".join(texts) + "\n")
    times = pa.array([dt.datetime.fromisoformat(x) for x in texts], pa.timestamp("us"))
    pq.write_table(pa.table({"t": times}), tmp_path / "a.parquet")
    from_csv = compute_statistics(str(tmp_path / "a.csv"), workers=1)
    from_parquet = compute_statistics(str(tmp_path / "a.parquet"), workers=1)
    c, p = from_csv["t"], from_parquet["t"]
    assert c.arrow_type != p.arrow_type  # each keeps its own type for display
    assert c.numeric.to_dict() == p.numeric.to_dict()
    assert c.time_unit == p.time_unit == "us"
    assert p.numeric.min == dt.datetime(2023, 12, 31, 23, 59, 59, tzinfo=dt.UTC).timestamp() * 1_000_000
    assert timestamp_iso(p.numeric.max, p.numeric_type) == "2024-03-05"
    assert display_number(c, c.numeric.min) == "2023-12-31 23:59:59"
    for stats, other in ((from_csv, from_parquet), (from_parquet, from_csv)):
        anomalies = validate_statistics(stats, infer_schema(other))
        assert anomalies == [], [a.description for a in anomalies]
    # JSON round trip keeps the unit
    back = DatasetStatistics.from_json(from_csv.to_json())
    assert back["t"].time_unit == "us" and back["t"].numeric_type == "timestamp[us]"


def test_dates_are_microseconds_and_range_messages_show_iso_dates() -> None:
    from dvtools.schema.inference import infer_schema
    from dvtools.schema.model import FeatureRole
    from dvtools.validation import validate_statistics

    train = DatasetStatistics(2, {"d": feature_stats(pa.array([dt.date(2020, 1, 1), dt.date(2020, 1, 11)], pa.date32()),
                                                      "d")})
    late = DatasetStatistics(1, {"d": feature_stats(pa.array([dt.date(2021, 5, 6)], pa.date64()), "d")})
    schema = infer_schema(train)
    # A date column is a timestamp by role: not range-checked unless it is made a plain feature.
    assert schema.feature("d").role == FeatureRole.TIMESTAMP
    assert validate_statistics(late, schema) == []
    schema.feature("d").role = FeatureRole.FEATURE
    msgs = [a.description for a in validate_statistics(late, schema)]
    assert any("2021-05-06" in m and "2020-01-11" in m for m in msgs), msgs
