"""Mergeable per-feature accumulators: ``create -> add(array) -> merge(other) -> finalize()``.

Each accumulator folds Arrow arrays of one column into exact counters (counts, nulls, min, max,
mean and M2 merged with Chan's formula, zeros, lengths) and sketches (quantiles, value counts).
``merge`` is associative and commutative with the empty accumulator as identity, which is what
lets batches, threads, processes and Dask workers each fold a part and combine the results.
"""

from __future__ import annotations

import math
import re
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dvtools._arrow import array, from_numpy, to_numpy
from dvtools.statistics.maths import merge_moments, moments
from dvtools.statistics.model import (
    FeatureStatistics,
    LogicalType,
    StringStatistics,
    ValueCounts,
    logical_type_of,
    numeric_from_sketch,
)
from dvtools.statistics.sketches import QuantileSketch, ValueCounter

# The one definition of "a number stored as text", shared by the statistics (``num_numeric_like``,
# the Statistics page's "numbers stored as text" alert) and validation (UNEXPECTED_DATA_TYPE): a
# number, optionally with a sign, a currency sign, thousands separators, an exponent, and a percent
# sign or a short unit of at most 5 letters ("12", "-3.5e2", "$12.50", "1,200", "45%", "129 ft",
# "12.5kg", "3 min"). The mantissa needs a digit: "e5" or "E1" are not numbers. Digits and spaces are
# ASCII (as in Arrow's RE2 regexes).
NUMERIC_LIKE = (
    r"^\s*[-+]?[$€£¥]?\s*((\d{1,3}(,\d{3})+|\d+)(\.\d+)?|\.\d+)([eE][-+]?\d+)?\s*(%|[A-Za-z]{1,5}\.?)?\s*$"
)
_NUMERIC_LIKE_RE = re.compile(NUMERIC_LIKE, re.ASCII)


def looks_numeric(value: object) -> bool:
    """Whether ``value`` is a string holding a number (see :data:`NUMERIC_LIKE`)."""
    return isinstance(value, str) and _NUMERIC_LIKE_RE.match(value) is not None


class FeatureAccumulator(Protocol):
    """What every per-feature accumulator offers."""

    def add(self, arr: pa.Array) -> None:
        """Fold one chunk of the column."""

    def merge(self, other: FeatureAccumulator) -> None:
        """Fold another accumulator of the same feature."""

    def finalize(self, name: str) -> FeatureStatistics:
        """The finalized statistics."""


class _Base:
    def __init__(self, arrow_type: pa.DataType) -> None:
        self.arrow_type = arrow_type
        self.count = 0
        self.nulls = 0

    def _count(self, arr: pa.Array) -> None:
        self.count += len(arr)
        self.nulls += arr.null_count

    def _merge_counts(self, other: _Base) -> None:
        self.count += other.count
        self.nulls += other.nulls

    def _feature(self, name: str, lt: LogicalType | None = None) -> FeatureStatistics:
        return FeatureStatistics(
            name=name,
            arrow_type=str(self.arrow_type),
            logical_type=lt or logical_type_of(self.arrow_type),
            count=self.count,
            num_missing=self.nulls,
        )


class NumericMoments:
    """Exact moments and special-value counts plus a quantile sketch of a float64 stream."""

    def __init__(self) -> None:
        self.n = 0
        self.mean = 0.0
        self.m2 = 0.0
        self.min = math.inf
        self.max = -math.inf
        self.zeros = 0
        self.nan = 0
        self.pinf = 0
        self.ninf = 0
        self.sketch = QuantileSketch()

    def add_values(self, vals: np.ndarray, *, maybe_nonfinite: bool, sorted_values: np.ndarray | None = None) -> None:
        """Fold float64 values (no nulls); NaN/inf are counted apart when ``maybe_nonfinite``.

        ``sorted_values``: the same finite values sorted, when the caller has them (the sketch takes those).
        """
        if vals.size == 0:
            return
        if maybe_nonfinite:
            finite_mask = np.isfinite(vals)
            if not finite_mask.all():
                bad = vals[~finite_mask]
                nan = int(np.isnan(bad).sum())
                pinf = int((bad == np.inf).sum())
                self.nan += nan
                self.pinf += pinf
                self.ninf += int(bad.size - nan - pinf)
                vals = vals[finite_mask]
                if vals.size == 0:
                    return
            # -0.0 -> 0.0: one zero, so min/max/quantiles (and their JSON) do not depend on the batch order
            vals = vals + 0.0
        n, mean, m2 = moments(vals)
        self.n, self.mean, self.m2 = merge_moments(self.n, self.mean, self.m2, n, mean, m2)
        self.min = min(self.min, float(vals.min()))
        self.max = max(self.max, float(vals.max()))
        self.zeros += int(vals.size - np.count_nonzero(vals))
        presorted = sorted_values is not None and not maybe_nonfinite
        self.sketch.update(sorted_values if presorted else vals, is_sorted=presorted)  # type: ignore[arg-type]

    def merge(self, o: NumericMoments) -> None:
        """Fold ``o``."""
        self.n, self.mean, self.m2 = merge_moments(self.n, self.mean, self.m2, o.n, o.mean, o.m2)
        self.min = min(self.min, o.min)
        self.max = max(self.max, o.max)
        self.zeros += o.zeros
        self.nan += o.nan
        self.pinf += o.pinf
        self.ninf += o.ninf
        self.sketch.merge(o.sketch)

    def finalize(self, num_buckets: int):  # -> NumericStatistics
        """Quantiles and histograms from the sketch."""
        return numeric_from_sketch(
            self.sketch,
            num_finite=self.n,
            mean=self.mean,
            m2=self.m2,
            vmin=self.min,
            vmax=self.max,
            num_zeros=self.zeros,
            num_nan=self.nan,
            num_pos_inf=self.pinf,
            num_neg_inf=self.ninf,
            num_buckets=num_buckets,
        )


#: The one unit of TIMESTAMP numeric statistics (see :attr:`FeatureStatistics.time_unit`).
TIME_UNIT = "us"
_US_PER_UNIT = {"s": 1_000_000, "ms": 1_000, "us": 1}


def timestamps_as_micros(arr: pa.Array) -> np.ndarray:
    """Microseconds since 1970-01-01 UTC (float64) of a non-null timestamp or date array.

    ``timestamp[s|ms|us]`` and ``date64`` (ms) are scaled exactly (float64 holds every integer
    microsecond within years 1685-2255 exactly, and rounds beyond); ``timestamp[ns]`` is truncated
    toward the earlier microsecond (floor division: sub-microsecond digits are dropped);
    ``date32`` days become their midnight.
    """
    t = arr.type
    if pa.types.is_date32(t):
        return to_numpy(arr.cast(pa.int32())).astype(np.float64) * 86_400_000_000
    ints = to_numpy(arr.cast(pa.int64()))
    if pa.types.is_date64(t):
        return ints.astype(np.float64) * 1_000
    if t.unit == "ns":
        return (ints // 1_000).astype(np.float64)
    return ints.astype(np.float64) * _US_PER_UNIT[t.unit]


class NumericAccumulator(_Base):
    """INT, FLOAT and TIMESTAMP columns; timestamps and dates as microseconds since 1970 (``TIME_UNIT``)."""

    def __init__(self, arrow_type: pa.DataType, num_buckets: int = 10) -> None:
        super().__init__(arrow_type)
        self.lt = logical_type_of(arrow_type)
        self.num_buckets = num_buckets
        self.m = NumericMoments()
        # Integers get value counts too: few distinct values can make an int column categorical.
        # uint64 values beyond the int64 range are counted as uint64.
        self.values = ValueCounter(_int_counter_type(arrow_type)) if self.lt == LogicalType.INT else None
        # Exact int extremes: float64 rounds integers above 2**53 (9007199254740993 -> ...992.0).
        self.imin: int | None = None
        self.imax: int | None = None

    def add(self, arr: pa.Array) -> None:
        """Fold a chunk."""
        self._count(arr)
        if arr.null_count:
            arr = arr.drop_null()
        if len(arr) == 0:
            return
        t = arr.type
        if pa.types.is_timestamp(t) or pa.types.is_date(t):
            self.m.add_values(timestamps_as_micros(arr), maybe_nonfinite=False)
            return
        if pa.types.is_decimal(t):
            arr = arr.cast(pa.float64())
        if self.values is not None:
            counter_type = _int_counter_type(arr.type)
            if arr.type != counter_type:
                arr = arr.cast(counter_type)
            # Value counts by sorting (numpy's sort releases the GIL and is ~10x faster than a hash table
            # on many distinct integers, e.g. ids); the sorted values also give the exact extremes.
            raw = to_numpy(arr)
            ints = np.sort(raw)
            values, counts = sorted_counts(ints)
            self.values.add_counts(from_numpy(values), counts)
            lo, hi = int(ints[0]), int(ints[-1])
            self.imin = lo if self.imin is None else min(self.imin, lo)
            self.imax = hi if self.imax is None else max(self.imax, hi)
            # Moments over the values in their order (float sums depend on it), the sketch over sorted ones.
            self.m.add_values(raw.astype(np.float64), maybe_nonfinite=False, sorted_values=ints.astype(np.float64))
            return
        vals = to_numpy(arr).astype(np.float64, copy=False)
        self.m.add_values(vals, maybe_nonfinite=self.lt == LogicalType.FLOAT)

    def merge(self, other: NumericAccumulator) -> None:  # type: ignore[override]
        """Fold ``other``."""
        self._merge_counts(other)
        self.m.merge(other.m)
        if self.values is not None and other.values is not None:
            self.values.merge(other.values)
        if other.imin is not None:
            self.imin = other.imin if self.imin is None else min(self.imin, other.imin)
        if other.imax is not None:
            self.imax = other.imax if self.imax is None else max(self.imax, other.imax)

    def finalize(self, name: str) -> FeatureStatistics:
        """Finalized statistics."""
        f = self._feature(name, self.lt)
        if self.lt == LogicalType.TIMESTAMP:
            f.time_unit = TIME_UNIT
        f.numeric = self.m.finalize(self.num_buckets)
        if self.imin is not None and self.imax is not None and f.numeric.num_finite:
            f.numeric.min, f.numeric.max = int(self.imin), int(self.imax)
        if self.values is not None:
            f.values = ValueCounts.from_counter(self.values)
        return f


class LengthTally:
    """Exact length figures of strings or bytes: total, min, max and empty count, mergeable."""

    def __init__(self) -> None:
        self.total = 0
        self.min: int | None = None
        self.max: int | None = None
        self.empty = 0

    def add(self, lengths: np.ndarray, counts: np.ndarray | None = None) -> None:
        """Fold lengths (each weighted by its count when given)."""
        if lengths.size == 0:
            return
        if counts is None:
            self.total += int(lengths.sum())
            self.empty += int((lengths == 0).sum())
        else:
            self.total += int(np.dot(lengths, counts))
            self.empty += int(counts[lengths == 0].sum())
        lo, hi = int(lengths.min()), int(lengths.max())
        self.min = lo if self.min is None else min(self.min, lo)
        self.max = hi if self.max is None else max(self.max, hi)

    def merge(self, other: LengthTally) -> None:
        """Fold ``other``."""
        self.total += other.total
        self.empty += other.empty
        if other.min is not None:
            self.min = other.min if self.min is None else min(self.min, other.min)
        if other.max is not None:
            self.max = other.max if self.max is None else max(self.max, other.max)

    def statistics(self, present: int, *, padded: int = 0) -> StringStatistics:
        """The finalized length figures over ``present`` values."""
        return StringStatistics(
            avg_length=self.total / present if present else math.nan,
            min_length=self.min or 0,
            max_length=self.max or 0,
            num_empty=self.empty,
            num_whitespace_padded=padded,
            num_numeric_like=0,
        )


class StringAccumulator(_Base):
    """STRING columns (dictionary-encoded ones are decoded)."""

    def __init__(self, arrow_type: pa.DataType) -> None:
        super().__init__(arrow_type)
        self.values = ValueCounter(pa.string())
        self.lengths = LengthTally()
        self.padded = 0

    def add(self, arr: pa.Array) -> tuple[pa.Array, np.ndarray] | None:
        """Fold a chunk; length and hygiene figures are computed once per distinct value.

        Returns the chunk's distinct non-null values and their counts (None when all are missing).
        """
        self._count(arr)
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        if not pa.types.is_string(arr.type):
            # large_string, and the other types counted as strings (dictionary of ints, time, duration)
            arr = arr.cast(pa.string())
        if arr.null_count == len(arr):
            return None
        values, counts = self.values.update(arr)
        lengths = to_numpy(pc.utf8_length(values)).astype(np.int64)
        self.lengths.add(lengths, counts)
        trimmed = to_numpy(pc.utf8_length(pc.utf8_trim_whitespace(values)))
        self.padded += int(counts[(trimmed != lengths) & (lengths > 0)].sum())
        return values, counts

    def merge(self, other: StringAccumulator) -> None:  # type: ignore[override]
        """Fold ``other``."""
        self._merge_counts(other)
        self.values.merge(other.values)
        self.lengths.merge(other.lengths)
        self.padded += other.padded

    def finalize(self, name: str) -> FeatureStatistics:
        """Finalized statistics."""
        f = self._feature(name, LogicalType.STRING)
        f.string = self.lengths.statistics(self.count - self.nulls, padded=self.padded)
        f.values = ValueCounts.from_counter(self.values)
        if f.values.values:
            # Over the counted values: exact while value counts are exact, else the frequent ones.
            vals = array(f.values.values, pa.string())
            numeric = pc.match_substring_regex(vals, NUMERIC_LIKE)
            f.string.num_numeric_like = int(np.asarray(f.values.counts)[to_numpy(numeric)].sum())
        return f


class BytesAccumulator(_Base):
    """BYTES columns: presence and lengths only (values are opaque)."""

    def __init__(self, arrow_type: pa.DataType) -> None:
        super().__init__(arrow_type)
        self.lengths = LengthTally()

    def add(self, arr: pa.Array) -> None:
        """Fold a chunk."""
        self._count(arr)
        if arr.null_count:
            arr = arr.drop_null()
        if len(arr) == 0:
            return
        self.lengths.add(to_numpy(pc.binary_length(arr)).astype(np.int64))

    def merge(self, other: BytesAccumulator) -> None:  # type: ignore[override]
        """Fold ``other``."""
        self._merge_counts(other)
        self.lengths.merge(other.lengths)

    def finalize(self, name: str) -> FeatureStatistics:
        """Finalized statistics."""
        f = self._feature(name, LogicalType.BYTES)
        f.string = self.lengths.statistics(self.count - self.nulls)
        return f


class BoolAccumulator(_Base):
    """BOOL columns: true/false counts (also exposed as value counts)."""

    def __init__(self, arrow_type: pa.DataType) -> None:
        super().__init__(arrow_type)
        self.true = 0

    def add(self, arr: pa.Array) -> None:
        """Fold a chunk."""
        self._count(arr)
        self.true += int(pc.sum(arr).as_py() or 0)

    def merge(self, other: BoolAccumulator) -> None:  # type: ignore[override]
        """Fold ``other``."""
        self._merge_counts(other)
        self.true += other.true

    def finalize(self, name: str) -> FeatureStatistics:
        """Finalized statistics."""
        f = self._feature(name, LogicalType.BOOL)
        f.num_true = self.true
        f.num_false = self.count - self.nulls - self.true
        counter = ValueCounter(pa.bool_())
        pairs = [(v, c) for v, c in ((True, f.num_true), (False, f.num_false)) if c > 0]
        if pairs:
            counter.add_counts(from_numpy(np.array([v for v, _ in pairs])), np.array([c for _, c in pairs], dtype=np.int64))
        f.values = ValueCounts.from_counter(counter)
        return f


class ListAccumulator(_Base):
    """LIST columns: number of values per row, then statistics of the flattened values."""

    def __init__(self, arrow_type: pa.DataType, num_buckets: int = 10) -> None:
        super().__init__(arrow_type)
        self.num_buckets = num_buckets
        self.lengths = NumericMoments()
        self.child = make_accumulator(self._child_type(arrow_type), num_buckets)

    @staticmethod
    def _child_type(arrow_type: pa.DataType) -> pa.DataType:
        return arrow_type.value_type

    def _parts(self, arr: pa.Array) -> tuple[np.ndarray, pa.Array]:
        """Values per row (float64) and the flattened values of a null-free chunk."""
        return to_numpy(pc.list_value_length(arr)).astype(np.float64), pc.list_flatten(arr)

    def add(self, arr: pa.Array) -> None:
        """Fold a chunk."""
        self._count(arr)
        if arr.null_count:
            arr = arr.drop_null()
        if len(arr) == 0:
            return
        lens, values = self._parts(arr)
        self.lengths.add_values(lens, maybe_nonfinite=False)
        self.child.add(values)

    def merge(self, other: ListAccumulator) -> None:  # type: ignore[override]
        """Fold ``other``."""
        self._merge_counts(other)
        self.lengths.merge(other.lengths)
        self.child.merge(other.child)

    def finalize(self, name: str) -> FeatureStatistics:
        """Finalized statistics."""
        f = self._feature(name, LogicalType.LIST)
        f.list_lengths = self.lengths.finalize(self.num_buckets)
        f.values_statistics = self.child.finalize(name)
        return f


class MapAccumulator(ListAccumulator):
    """MAP columns, as TFDV treats a list: number of entries per row, then statistics of the keys.

    A map's keys are its vocabulary (``{"color": ..., "size": ...}``): their value counts say which
    keys occur and how often, ``list_lengths`` how many entries a row has; schema inference then
    types the column by its key type with a ``value_count`` and a key domain, and validation checks
    serving maps the same way. The map's values are not summarized (their meaning depends on the key).
    """

    @staticmethod
    def _child_type(arrow_type: pa.DataType) -> pa.DataType:
        return arrow_type.key_type

    def _parts(self, arr: pa.Array) -> tuple[np.ndarray, pa.Array]:
        """Entries per row (float64) and the keys of a null-free chunk."""
        offsets = to_numpy(arr.offsets)
        return np.diff(offsets).astype(np.float64), arr.keys.slice(int(offsets[0]), int(offsets[-1] - offsets[0]))


class PresenceAccumulator(_Base):
    """STRUCT, NULL and other columns: presence only."""

    def add(self, arr: pa.Array) -> None:
        """Fold a chunk."""
        self._count(arr)

    def merge(self, other: PresenceAccumulator) -> None:  # type: ignore[override]
        """Fold ``other``."""
        self._merge_counts(other)

    def finalize(self, name: str) -> FeatureStatistics:
        """Finalized statistics."""
        return self._feature(name)


def make_accumulator(arrow_type: pa.DataType, num_buckets: int = 10) -> FeatureAccumulator:
    """The accumulator for a column of ``arrow_type``."""
    lt = logical_type_of(arrow_type)
    if lt.is_numeric:
        return NumericAccumulator(arrow_type, num_buckets)
    if lt == LogicalType.STRING and not pa.types.is_null(arrow_type) and _castable_to_string(arrow_type):
        return StringAccumulator(arrow_type)
    if lt == LogicalType.BYTES:
        return BytesAccumulator(arrow_type)
    if lt == LogicalType.BOOL:
        return BoolAccumulator(arrow_type)
    if pa.types.is_map(arrow_type):
        return MapAccumulator(arrow_type, num_buckets)
    if lt == LogicalType.LIST:
        return ListAccumulator(arrow_type, num_buckets)
    return PresenceAccumulator(arrow_type)


def seal(acc: FeatureAccumulator) -> None:
    """Settle an accumulator's pending work now (value-count compaction), e.g. on a worker thread."""
    values = getattr(acc, "values", None)
    if isinstance(values, ValueCounter):
        values.compact()
    child = getattr(acc, "child", None)
    if child is not None:
        seal(child)


def sorted_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values, their counts as int64) of a sorted non-empty numpy array."""
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    return values[starts], np.diff(np.append(starts, values.size)).astype(np.int64)


def _int_counter_type(t: pa.DataType) -> pa.DataType:
    """Value type of an integer column's counter: int64, or uint64 for uint64 columns."""
    return pa.uint64() if pa.types.is_uint64(t) else pa.int64()


def _castable_to_string(t: pa.DataType) -> bool:
    """Whether values of ``t`` (a type counted as STRING) can be read as text; else presence only."""
    if pa.types.is_dictionary(t):
        t = t.value_type
    try:
        pa.nulls(0, t).cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True
