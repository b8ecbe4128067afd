"""Every statistic of every column kind against numpy/pandas computed independently (exact mode).

Standard deviations are population ones (ddof=0). Quantiles are numpy's linear interpolation;
standard histograms are ``np.histogram`` on ``linspace(min, max, 11)``.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa
import pytest
from _stats_helpers import (
    assert_numeric,
    feature_stats,
    numeric_oracle,
    same_float,
    string_oracle,
    value_counts_oracle,
)

from dvtools.statistics import DatasetAccumulator, LogicalType, QuantileSketch

INF = math.inf
NAN = math.nan

INTS = [3, -7, 0, None, 12, 3, 3, 0, 2**40, -(2**35), None, 12, 5]
FLOATS = [1.5, None, NAN, INF, -INF, 0.0, -0.0, 2.25, -3.75, 1e-300, 1e12, NAN, None, 1.5, 7.0, INF]
STRINGS = [
    "Zürich", "東京", "🙂👍", "", " padded", "padded ", "\ttab", "a\n", "\u00a0nbsp", "\u3000ideo",
    "12", "$12.50", "1,200", "-3.5e2", "45%", "€ 7", "e5", "1,20", "12a", ".5", "+.5e-3", "   ",
    None, "Zürich", "東京", "", None, "x", "X", "Zürich", "1e5", "$", "-", "1,234,567.89",
]
# Hand-labelled: which strings are numeric-like (number with optional sign, currency sign,
# thousands separators, decimals, exponent, percent; surrounding whitespace allowed).
# A short unit after the number is allowed too ("12a", like "129 ft": the shared definition
# accumulators.looks_numeric, also used by validation's UNEXPECTED_DATA_TYPE).
NUMERIC_LIKE = {"12", "$12.50", "1,200", "-3.5e2", "45%", "€ 7", ".5", "+.5e-3", "1e5", "1,234,567.89", "12a"}
BOOLS = [True, False, None, True, True, None, False, True]


def test_int_column_every_field() -> None:
    f = feature_stats(pa.array(INTS, pa.int64()))
    assert f.logical_type == LogicalType.INT
    assert (f.count, f.num_missing, f.num_present) == (13, 2, 11)
    assert_numeric(f, INTS)
    expected = value_counts_oracle(INTS)
    assert f.top_values(100) == expected
    assert f.unique == len(expected) == 7
    assert f.values is not None and f.values.exact and f.values.error_bound == 0
    assert f.top_values(2) == [(3, 3), (0, 2)]  # tie 0/12 broken by value


@pytest.mark.parametrize("t", [pa.int8(), pa.int16(), pa.int32(), pa.uint8(), pa.uint32(), pa.uint64()])
def test_int_widths(t: pa.DataType) -> None:
    vals = [1, 2, None, 2, 0, 100]
    f = feature_stats(pa.array(vals, t))
    assert f.logical_type == LogicalType.INT
    assert_numeric(f, vals)
    assert f.top_values() == value_counts_oracle(vals)


def test_float_column_every_field() -> None:
    f = feature_stats(pa.array(FLOATS, pa.float64()))
    assert f.logical_type == LogicalType.FLOAT
    assert (f.count, f.num_missing, f.num_present) == (16, 2, 14)
    assert_numeric(f, FLOATS)
    n = f.numeric
    assert (n.num_nan, n.num_pos_inf, n.num_neg_inf, n.num_zeros, n.num_finite) == (2, 2, 1, 2, 9)
    assert f.values is None  # floats are not counted by value


def test_float32_column() -> None:
    vals = [1.5, None, NAN, -2.0, 0.0, 3.25]
    f = feature_stats(pa.array(vals, pa.float32()))
    assert_numeric(f, vals)


def test_random_floats_against_numpy() -> None:
    rng = np.random.default_rng(7)
    vals = np.concatenate([rng.lognormal(3, 2, 5000), -rng.exponential(5, 3000), np.zeros(50)])
    rng.shuffle(vals)
    f = feature_stats(pa.array(vals))
    assert_numeric(f, vals)
    assert sum(f.numeric.histogram.counts) == vals.size


def test_string_column_every_field() -> None:
    f = feature_stats(pa.array(STRINGS, pa.string()))
    assert f.logical_type == LogicalType.STRING
    assert (f.count, f.num_missing, f.num_present) == (len(STRINGS), 2, len(STRINGS) - 2)
    expected = value_counts_oracle(STRINGS)
    assert f.top_values(1000) == expected
    assert f.top_values(3) == [("Zürich", 3), ("", 2), ("東京", 2)]  # "" < "東京" by code point
    assert f.unique == len(expected)
    o = string_oracle(STRINGS)
    s = f.string
    assert s is not None
    assert same_float(s.avg_length, o["avg_length"], rel=1e-15)
    assert (s.min_length, s.max_length, s.num_empty) == (o["min_length"], o["max_length"], o["num_empty"])
    assert s.num_whitespace_padded == o["num_whitespace_padded"] == 7
    present = [v for v in STRINGS if v is not None]
    assert s.num_numeric_like == sum(v in NUMERIC_LIKE for v in present)
    assert f.numeric is None


@pytest.mark.parametrize("value", sorted(NUMERIC_LIKE))
def test_numeric_like_positive(value: str) -> None:
    assert feature_stats(pa.array([value])).string.num_numeric_like == 1


@pytest.mark.parametrize("value", ["e5", "E1", "$", "-", ".", "1,20", "abc", "", "1.2.3", "%", "$-", "ft", "12 apples",
                                   "١٢"])
def test_numeric_like_negative(value: str) -> None:
    """Regression: "e5"/"E1" (an exponent without mantissa) counted as numbers."""
    assert feature_stats(pa.array([value])).string.num_numeric_like == 0


@pytest.mark.parametrize("t", [pa.large_string(), pa.dictionary(pa.int32(), pa.string())])
def test_string_encodings_equal_plain(t: pa.DataType) -> None:
    plain = feature_stats(pa.array(STRINGS, pa.string()))
    other = feature_stats(pa.array(STRINGS, pa.string()).cast(t))
    assert other.logical_type == LogicalType.STRING
    assert other.top_values(1000) == plain.top_values(1000)
    assert other.string == plain.string
    assert (other.count, other.num_missing) == (plain.count, plain.num_missing)


def test_bool_column() -> None:
    f = feature_stats(pa.array(BOOLS))
    assert f.logical_type == LogicalType.BOOL
    assert (f.count, f.num_missing, f.num_true, f.num_false) == (8, 2, 4, 2)
    assert f.top_values() == value_counts_oracle(BOOLS) == [(True, 4), (False, 2)]
    assert f.unique == 2


def test_timestamp_with_timezone() -> None:
    vals = [dt.datetime(2021, 3, 1, 12, 0, tzinfo=dt.UTC), None, dt.datetime(1969, 12, 31, tzinfo=dt.UTC),
            dt.datetime(2030, 1, 1, 0, 0, 0, 1, tzinfo=dt.UTC), dt.datetime(1970, 1, 1, tzinfo=dt.UTC)]
    arr = pa.array(vals, pa.timestamp("us", tz="Europe/Zurich"))
    f = feature_stats(arr)
    assert f.logical_type == LogicalType.TIMESTAMP
    micros = [None if v is None else (v - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
              for v in vals]
    assert_numeric(f, micros)
    assert f.numeric.num_zeros == 1  # the epoch itself
    assert (f.count, f.num_missing) == (5, 1)


@pytest.mark.parametrize("unit", ["s", "ms", "ns"])
def test_timestamp_units(unit: str) -> None:
    arr = np.array(["2020-01-01T00:00:01", "2019-06-30T12:00:00", "NaT", "2020-01-01T00:00:01"],
                   dtype=f"datetime64[{unit}]")
    f = feature_stats(pa.array(arr, pa.timestamp(unit)))
    micros = [None if np.isnat(v) else int(v.astype("datetime64[us]").astype(np.int64)) for v in arr]
    assert_numeric(f, micros)  # normalized to microseconds since the epoch
    assert f.time_unit == "us" and f.arrow_type == f"timestamp[{unit}]"


def test_date32_and_date64() -> None:
    days = [dt.date(2020, 2, 29), None, dt.date(1960, 1, 1), dt.date(2020, 2, 29)]
    oracle = [None if d is None else (d - dt.date(1970, 1, 1)).days * 86_400_000_000 for d in days]
    f = feature_stats(pa.array(days, pa.date32()))
    assert f.logical_type == LogicalType.TIMESTAMP
    assert_numeric(f, oracle)  # midnights in microseconds since the epoch
    f64 = feature_stats(pa.array(days, pa.date64()))
    assert_numeric(f64, oracle)


def test_decimal_column() -> None:
    from decimal import Decimal

    vals = [Decimal("1.25"), None, Decimal("-3.50"), Decimal("0.00"), Decimal("1.25")]
    f = feature_stats(pa.array(vals, pa.decimal128(6, 2)))
    assert f.logical_type == LogicalType.FLOAT
    assert_numeric(f, [None if v is None else float(v) for v in vals])


def _lengths(rows: list) -> list[int]:
    return [len(r) for r in rows if r is not None]


def _flat(rows: list) -> list:
    return [v for r in rows if r is not None for v in r]


def test_list_of_int() -> None:
    rows = [[1, 2, 3], None, [], [4, None], [0, 0, 0, 0, 7], [2]]
    f = feature_stats(pa.array(rows, pa.list_(pa.int64())))
    assert f.logical_type == LogicalType.LIST
    assert (f.count, f.num_missing) == (6, 1)
    ll = f.list_lengths
    lengths = _lengths(rows)
    assert (ll.min, ll.max) == (min(lengths), max(lengths)) == (0, 5)
    assert same_float(ll.mean, np.mean(lengths), rel=1e-15)
    assert ll.num_zeros == 1  # the empty list
    inner = f.values_statistics
    flat = _flat(rows)
    assert inner.logical_type == LogicalType.INT
    assert (inner.count, inner.num_missing) == (len(flat), 1)
    assert_numeric(inner, flat)
    assert inner.top_values() == value_counts_oracle(flat)


@pytest.mark.parametrize("t", [pa.list_(pa.string()), pa.large_list(pa.string())])
def test_list_of_string(t: pa.DataType) -> None:
    rows = [["a", "東京"], ["a"], None, [], ["", None, "a"], ["Zürich", "b", "b", "a"]]
    f = feature_stats(pa.array(rows, t))
    lengths = _lengths(rows)
    assert (f.list_lengths.min, f.list_lengths.max) == (0, 4)
    assert same_float(f.list_lengths.mean, sum(lengths) / len(lengths), rel=1e-15)
    assert_numeric_lengths = numeric_oracle(lengths)
    assert f.list_lengths.quantiles == assert_numeric_lengths["quantiles"]
    inner = f.values_statistics
    flat = _flat(rows)
    assert inner.top_values() == value_counts_oracle(flat) == [("a", 4), ("b", 2), ("", 1), ("Zürich", 1),
                                                                ("東京", 1)]
    o = string_oracle(flat)
    assert (inner.string.min_length, inner.string.max_length, inner.string.num_empty) == (0, 6, 1)
    assert same_float(inner.string.avg_length, o["avg_length"], rel=1e-15)


def test_struct_presence_only() -> None:
    rows = [{"a": 1, "b": "x"}, None, {"a": None, "b": None}, {"a": 2, "b": "y"}]
    f = feature_stats(pa.array(rows, pa.struct([("a", pa.int64()), ("b", pa.string())])))
    assert f.logical_type == LogicalType.STRUCT
    assert (f.count, f.num_missing, f.num_present) == (4, 1, 3)
    assert f.numeric is None and f.string is None and f.values is None


def test_bytes_lengths() -> None:
    vals = [b"ab", None, b"", b"\x00\xff\x10"]
    f = feature_stats(pa.array(vals, pa.binary()))
    assert f.logical_type == LogicalType.BYTES
    assert (f.string.min_length, f.string.max_length, f.string.num_empty) == (0, 3, 1)
    assert same_float(f.string.avg_length, 5 / 3, rel=1e-15)


ONE_ROW = [
    (pa.int64(), 42), (pa.float64(), -2.5), (pa.string(), "only"), (pa.bool_(), False),
    (pa.timestamp("ms"), dt.datetime(2020, 1, 1)), (pa.list_(pa.int64()), [5, 5]),
]


@pytest.mark.parametrize(("t", "value"), ONE_ROW, ids=[str(t) for t, _ in ONE_ROW])
def test_one_row_column(t: pa.DataType, value: object) -> None:
    f = feature_stats(pa.array([value], t))
    assert (f.count, f.num_missing) == (1, 0)
    if f.numeric is not None:
        n = f.numeric
        v = float(pa.array([value], t).cast(pa.timestamp("us")).cast(pa.int64()).to_pylist()[0]) \
            if pa.types.is_timestamp(t) else value
        assert n.min == n.max == n.mean == n.median == v
        assert n.std == 0.0
        assert n.histogram.counts == (1.0,) and n.histogram.edges == (v, v)
        assert all(q == v for q in n.quantiles.values())
    if f.string is not None:
        assert (f.string.min_length, f.string.max_length, f.string.avg_length) == (4, 4, 4.0)
        assert f.top_values() == [("only", 1)]
    if t == pa.bool_():
        assert (f.num_true, f.num_false) == (0, 1)
    if f.list_lengths is not None:
        assert f.list_lengths.mean == 2.0
        assert f.values_statistics.top_values() == [(5, 2)]


ALL_TYPES = [
    pa.int64(), pa.uint64(), pa.float64(), pa.float32(), pa.string(), pa.large_string(),
    pa.dictionary(pa.int32(), pa.string()), pa.bool_(), pa.timestamp("us", tz="UTC"), pa.date32(),
    pa.decimal128(5, 2), pa.binary(), pa.list_(pa.int64()), pa.list_(pa.string()),
    pa.struct([("a", pa.int64())]), pa.null(),
]


def _check_no_values(f, rows: int) -> None:
    assert (f.count, f.num_missing, f.num_present) == (rows, rows, 0)
    if f.numeric is not None:
        n = f.numeric
        assert n.num_finite == n.num_zeros == n.num_nan == n.num_pos_inf == n.num_neg_inf == 0
        assert all(math.isnan(x) for x in (n.mean, n.std, n.min, n.max, n.median))
        assert all(math.isnan(q) for q in n.quantiles.values())
        assert n.histogram.counts == () and n.quantiles_histogram.counts == ()
    if f.string is not None:
        assert math.isnan(f.string.avg_length)
        assert (f.string.min_length, f.string.max_length, f.string.num_empty) == (0, 0, 0)
    if f.values is not None:
        assert f.unique == 0 and f.top_values() == []
    if f.num_true is not None:
        assert f.num_true == f.num_false == 0
    if f.list_lengths is not None:
        assert f.list_lengths.num_finite == 0
        assert f.values_statistics.count == 0


@pytest.mark.parametrize("t", ALL_TYPES, ids=str)
def test_all_null_column(t: pa.DataType) -> None:
    _check_no_values(feature_stats(pa.nulls(5, t)), 5)


def test_empty_table_every_type() -> None:
    schema = pa.schema([(f"c{i}", t) for i, t in enumerate(ALL_TYPES)])
    table = schema.empty_table()
    acc = DatasetAccumulator(schema)
    acc.add_batch(table)
    stats = acc.finalize()
    assert stats.num_examples == 0
    assert list(stats.features) == schema.names
    for f in stats:
        _check_no_values(f, 0)
        assert f.missing_fraction == 0.0
    # no batch at all gives the same
    assert DatasetAccumulator(schema).finalize().to_json() == stats.to_json()


def test_chunked_table_equals_single_chunk() -> None:
    rng = np.random.default_rng(3)
    ints = rng.integers(-50, 50, 3000).tolist()
    strs = [None if i % 7 == 0 else f"s{i % 13}" for i in range(3000)]
    whole = pa.table({"i": ints, "s": strs})
    chunked = pa.concat_tables([whole.slice(0, 1000), whole.slice(1000, 1), whole.slice(1001, 1999)])
    assert chunked.column("i").num_chunks == 3
    a, b = DatasetAccumulator(whole.schema), DatasetAccumulator(whole.schema)
    a.add_batch(whole)
    b.add_batch(chunked)
    fa, fb = a.finalize(), b.finalize()
    assert fa.to_json() == fb.to_json()
    assert_numeric(fa["i"], ints)
    assert fa["s"].top_values(100) == value_counts_oracle(strs)


def test_quantile_sketch_cdf_and_histogram_exact() -> None:
    rng = np.random.default_rng(11)
    vals = rng.integers(0, 20, 500).astype(float)
    sk = QuantileSketch()
    sk.update(vals)
    pts = np.array([-1.0, 0.0, 5.0, 5.5, 19.0, 25.0])
    s = np.sort(vals)
    assert np.array_equal(sk.cdf(pts), np.searchsorted(s, pts, side="right") / s.size)
    assert np.array_equal(sk.cdf(pts, inclusive=False), np.searchsorted(s, pts, side="left") / s.size)
    edges = np.array([0.0, 3.0, 10.0, 19.0])
    assert np.array_equal(sk.histogram(edges), np.histogram(vals, bins=edges)[0])
    assert np.array_equal(sk.quantiles([0.0, 0.33, 1.0]), np.quantile(vals, [0.0, 0.33, 1.0]))


@pytest.mark.parametrize("value", ["129 ft", "12.5kg", "3 min", "1,300 ft", "45 %"])
def test_numbers_with_units_are_numeric_like_as_validation_says(value: str) -> None:
    """Regression: the statistics' definition refused units that validation's accepted."""
    from dvtools.statistics.accumulators import looks_numeric

    assert feature_stats(pa.array([value])).string.num_numeric_like == 1
    assert looks_numeric(value)
