"""Covariate shift vs concept shift: which of P(x) and P(y | x) changed.

Definitions (as in the course): *covariate shift* is a change of the input distribution P(x)
with the relationship P(y | x) unchanged; *concept shift* is a change of P(y | x) (the same input
now means another label); *label (prior) shift* is a change of P(y). Statistics alone cannot tell
them apart, so :func:`concept_shift` reads the rows of both datasets, streaming, in two passes:

1. The reference's statistics (given, or computed) fix the buckets of every feature: numeric
   features by the reference's quantiles at ``num_buckets`` equal-mass levels (deciles by
   default; ties merged), categorical ones (STRING, BOOL, INT with <= 20 distinct values) by the
   reference's 20 most frequent values plus ``(other)``; missing values get a ``(missing)`` bucket.
   The label is categorical (STRING, BOOL, INT with <= 20 distinct values: classes are the
   reference's 20 most frequent plus ``(other)``) or numeric (regression).
2. Both datasets are streamed batch by batch; per feature, ``numpy.bincount`` accumulates counts
   per (bucket, class), or per bucket the count, sum and sum of squares of a numeric label.
   Memory: a few small arrays per feature, independent of the number of rows.

Per feature:

* ``covariate_shift``: Jensen-Shannon *distance* (base 2, square root of the divergence) between
  the bucket frequencies of the two sides: the change of P(x).
* per bucket with at least ``min_bucket_count`` rows on *both* sides, the conditional shift:
  categorical label: L-infinity distance between the class distributions P(y | bucket) (largest
  change of a class probability) with a chi-square homogeneity test; numeric label: difference of
  the mean label, in reference label standard deviations, with Welch's t-test.
* ``max_shift`` (bucket, reference vs current), and ``weighted_shift``: the mean of the bucket
  shifts weighted by the bucket's pooled row count.

Verdict (:class:`ShiftVerdict`): covariate shift when ``covariate_shift >= covariate_threshold``
(0.1, the ``auto`` drift policy's categorical threshold); concept shift when some bucket's
conditional shift is ``>= concept_threshold`` (0.1 = ten percentage points of a class probability
for categorical labels; 0.2 reference standard deviations, Cohen's "small" effect, for numeric
labels) *and* significant at ``alpha / number of compared buckets`` (Bonferroni over the feature's
buckets, ``alpha = 0.01``), so small buckets' noise does not count as a concept change; ``both``
when both hold, ``none`` otherwise.

Caveats: a bucket is a range of values, not one value: if P(x) moves *within* a wide bucket
(the open-ended first and last ones) and y depends on x there, P(y | bucket) moves too, a
covariate effect that can look like a concept one; finer buckets reduce it. And P(y | x_i) for
one feature also changes when *other* features shift with it (the analysis is one feature at a
time, marginal over the others).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import stats

from dvtools.comparison._common import dataset_names, jsonable, open_stream
from dvtools.comparison.distances import chi_square, jensen_shannon_divergence, l_infinity
from dvtools.errors import UsageError
from dvtools.statistics.model import (
    DatasetStatistics,
    FeatureStatistics,
    LogicalType,
    time_unit_nanos,
    timestamp_iso,
    timestamp_text,
)

__all__ = ["BucketShift", "ConceptShiftResult", "FeatureConceptShift", "ShiftVerdict", "concept_shift"]

TOP_CATEGORIES = 20
LOW_CARDINALITY_MAX = 20
MISSING = "(missing)"
OTHER = "(other)"


class ShiftVerdict(StrEnum):
    """What changed for one feature: P(x), P(y | x), both, or neither."""

    NONE = "none"
    COVARIATE = "covariate shift"
    CONCEPT = "concept shift"
    BOTH = "both"


@dataclass
class BucketShift:
    """One bucket of a feature: its frequency and the label given the bucket, on both sides.

    ``reference``/``current``: class shares (categorical label) or ``{"mean", "std"}`` of the label.
    ``shift`` is NaN and ``compared`` False when a side has fewer than ``min_bucket_count`` rows.
    """

    bucket: str
    count_reference: int
    count_current: int
    share_reference: float
    share_current: float
    reference: dict[str, float]
    current: dict[str, float]
    shift: float
    p_value: float
    compared: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return jsonable(self.__dict__)


@dataclass
class FeatureConceptShift:
    """Covariate and conditional-label shift of one feature (see the module docstring)."""

    feature: str
    kind: str
    covariate_shift: float
    max_shift: float
    max_shift_bucket: str | None
    max_shift_reference: float
    max_shift_current: float
    max_shift_class: str | None
    max_shift_p_value: float
    weighted_shift: float
    significant_shift: float
    num_buckets_compared: int
    verdict: ShiftVerdict
    buckets: list[BucketShift] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        d = {k: v for k, v in self.__dict__.items() if k != "buckets"}
        d["buckets"] = [b.to_dict() for b in self.buckets]
        return jsonable(d)


@dataclass
class ConceptShiftResult:
    """Result of :func:`concept_shift`: the label's change and each feature's shifts and verdict.

    ``label_reference``/``label_current``: class shares (categorical label) or mean/std/count
    (numeric). ``label_shift``: L-infinity of the class shares, or the absolute mean difference in
    reference standard deviations.
    """

    label: str
    label_kind: str
    classes: list[str]
    label_reference: dict[str, float]
    label_current: dict[str, float]
    label_shift: float
    features: list[FeatureConceptShift]
    num_reference: int
    num_current: int
    null_labels_reference: int = 0
    null_labels_current: int = 0
    covariate_threshold: float = 0.1
    concept_threshold: float = 0.1
    alpha: float = 0.01
    skipped_features: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> FeatureConceptShift:
        for f in self.features:
            if f.feature == name:
                return f
        raise KeyError(name)

    @property
    def concept_shifted(self) -> list[FeatureConceptShift]:
        """Features whose verdict includes concept shift."""
        return [f for f in self.features if f.verdict in (ShiftVerdict.CONCEPT, ShiftVerdict.BOTH)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        d = {k: v for k, v in self.__dict__.items() if k != "features"}
        d["features"] = [f.to_dict() for f in self.features]
        return jsonable(d)

    def to_frame(self) -> pd.DataFrame:
        """One row per feature: covariate shift, largest and weighted conditional shift, verdict."""
        cols = ["feature", "kind", "covariate_shift", "max_shift", "max_shift_bucket", "max_shift_class",
                "max_shift_reference", "max_shift_current", "max_shift_p_value", "weighted_shift",
                "num_buckets_compared", "verdict"]
        return pd.DataFrame([{c: (getattr(f, c).value if c == "verdict" else getattr(f, c)) for c in cols}
                             for f in self.features], columns=cols)


# --------------------------------------------------------------------------- bucketing


def _low_cardinality(f: FeatureStatistics) -> bool:
    return (f.logical_type == LogicalType.INT and f.values is not None and f.values.exact
            and 0 < f.values.unique <= LOW_CARDINALITY_MAX)


def _is_categorical(f: FeatureStatistics) -> bool:
    return f.logical_type in (LogicalType.STRING, LogicalType.BOOL) or _low_cardinality(f)


def _as_text(arr: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if pa.types.is_string(arr.type):
        return arr
    return arr.cast(pa.string())


def _as_float(arr: pa.Array, unit_type: str | None = None) -> np.ndarray:
    """Values as float64, nulls as NaN; dates/timestamps as numbers of ``unit_type``'s unit.

    ``unit_type`` is the type the statistics' figures are in (:attr:`FeatureStatistics.numeric_type`,
    e.g. ``timestamp[us]``), so rows are bucketed on the same scale as the statistics' quantiles
    whatever the column's own unit; ``None`` keeps the column's integer ticks.
    """
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    t = arr.type
    scale = 1.0
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        per_tick = time_unit_nanos(str(t))
        per_unit = time_unit_nanos(unit_type) if unit_type else None
        if per_tick and per_unit:
            scale = per_tick / per_unit
    if pa.types.is_timestamp(t) or pa.types.is_date64(t) or pa.types.is_duration(t):
        arr = arr.cast(pa.int64())
    elif pa.types.is_date32(t):
        arr = arr.cast(pa.int32())
    if not pa.types.is_floating(arr.type):
        arr = arr.cast(pa.float64())
    out = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=np.float64)
    return out * scale if scale != 1.0 else out


def _date_text(x: float, unit_type: str) -> str:
    try:
        return timestamp_iso(x, unit_type)  # exact; a midnight shows as the date alone
    except ValueError:
        return timestamp_text(x, unit_type)


def _edge_labels(edges: np.ndarray, f: FeatureStatistics) -> list[str]:
    """Text of bucket edges that tells every edge apart.

    Dates for TIMESTAMP features, else numbers with as many significant digits (4 to 17) as needed
    for distinct edges to read differently.
    """
    numbers: list[str] = []
    for digits in range(4, 18):
        numbers = [f"{x:.{digits}g}" for x in edges]
        if len(set(numbers)) == len(numbers):
            break
    if f.logical_type != LogicalType.TIMESTAMP:
        return numbers
    dates = [_date_text(float(x), f.numeric_type) for x in edges]
    if len(set(dates)) == len(dates) and all(dates):
        return dates
    return [f"{d} ({n})" if d else n for d, n in zip(dates, numbers, strict=True)]


class _Buckets:
    """Maps a column to bucket indices; the last bucket is ``(missing)``."""

    def __init__(self, f: FeatureStatistics, num_buckets: int) -> None:
        self.name = f.name
        if _is_categorical(f):
            self.kind = "categorical"
            top = [v for v, _ in f.top_values(TOP_CATEGORIES)]
            value_type = pa.bool_() if f.logical_type == LogicalType.BOOL else (
                pa.int64() if f.logical_type == LogicalType.INT else pa.string())
            self.categories = _as_text(pa.array(top, type=value_type))
            self.labels = [*self.categories.to_pylist(), OTHER, MISSING]
            self.edges = np.empty(0)
            self.unit_type = None
        else:
            self.kind = "numeric"
            assert f.numeric is not None
            levels = np.linspace(0.0, 1.0, num_buckets + 1)[1:-1]
            q = f.numeric.sketch.quantiles(levels) if f.numeric.num_finite else np.empty(0)
            self.edges = np.unique(q[np.isfinite(q)])
            self.unit_type = f.numeric_type
            e = _edge_labels(self.edges, f)
            if len(e) == 0:
                self.labels = ["(all values)", MISSING]
            else:
                self.labels = [f"< {e[0]}", *(f"[{a}, {b})" for a, b in zip(e[:-1], e[1:], strict=True)),
                               f">= {e[-1]}", MISSING]

    @property
    def size(self) -> int:
        return len(self.labels)

    def index(self, arr: pa.Array) -> np.ndarray:
        """Bucket index of each row (``size - 1`` for missing values)."""
        missing = self.size - 1
        if self.kind == "categorical":
            text = _as_text(arr)
            idx = pc.index_in(text, value_set=self.categories)
            idx = pc.fill_null(idx, len(self.categories))
            out = np.asarray(idx.to_numpy(zero_copy_only=False), dtype=np.int64)
            out[np.asarray(text.is_null().to_numpy(zero_copy_only=False))] = missing
            return out
        x = _as_float(arr, self.unit_type)
        out = np.searchsorted(self.edges, x, side="right").astype(np.int64)
        out[np.isnan(x)] = missing
        return out


class _Label:
    """Encodes the label column: class index (categorical) or float value (numeric)."""

    def __init__(self, f: FeatureStatistics) -> None:
        if _is_categorical(f):
            self.kind = "categorical"
            top = [v for v, _ in f.top_values(TOP_CATEGORIES)]
            value_type = pa.bool_() if f.logical_type == LogicalType.BOOL else (
                pa.int64() if f.logical_type == LogicalType.INT else pa.string())
            self.values = _as_text(pa.array(top, type=value_type))
            self.classes = [*self.values.to_pylist(), OTHER]
        elif f.logical_type.is_numeric:
            self.kind = "numeric"
            self.classes = []
        else:
            raise UsageError(f"label column {f.name!r} is {f.logical_type.value}: "
                             "it must be numeric or categorical")

    def encode(self, arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """Return (valid mask, encoded values) of the label column."""
        if self.kind == "categorical":
            text = _as_text(arr)
            valid = ~np.asarray(text.is_null().to_numpy(zero_copy_only=False))
            idx = pc.fill_null(pc.index_in(text, value_set=self.values), len(self.values))
            return valid, np.asarray(idx.to_numpy(zero_copy_only=False), dtype=np.int64)
        y = _as_float(arr)
        return np.isfinite(y), y


class _Side:
    """Accumulated counts of one dataset."""

    def __init__(self, buckets: list[_Buckets], label: _Label) -> None:
        self.rows = 0
        self.null_labels = 0
        self.unparsed: dict[str, tuple[int, str]] = {}  # numeric feature -> (text values not numbers, the first)
        n_cls = len(label.classes)
        self.label = label
        self.buckets = buckets
        if label.kind == "categorical":
            self.class_counts = np.zeros(n_cls)
            self.counts = [np.zeros((b.size, n_cls)) for b in buckets]
        else:
            self.y = np.zeros(3)  # count, sum, sum of squares
            self.counts = [np.zeros((b.size, 3)) for b in buckets]


_NUMBER = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"


def _parse_numbers(arr: pa.Array) -> tuple[pa.Array, int, str]:
    """Text values as float64 where they are numbers, else null: (values, how many were not, the first such)."""
    ok = pc.fill_null(pc.match_substring_regex(arr, _NUMBER), True)  # nulls stay null, not "not a number"
    bad = int(pc.sum(pc.invert(ok)).as_py() or 0)
    example = ""
    if bad:
        example = str(pc.filter(arr, pc.invert(ok))[0].as_py())
    return pc.if_else(ok, arr, pa.scalar(None, arr.type)).cast(pa.float64()), bad, example


def _accumulate(side: _Side, batch: pa.RecordBatch, label: str, warnings: list[str], basis: str) -> None:
    """Fold one batch into ``side``; ``basis``: what the warnings call the dataset that fixed the buckets."""
    side.rows += batch.num_rows
    col = batch.column(label)
    valid, y = side.label.encode(col)
    side.null_labels += int((~valid).sum())
    y = y[valid]
    categorical = side.label.kind == "categorical"
    n_cls = len(side.label.classes)
    if categorical:
        side.class_counts += np.bincount(y, minlength=n_cls)
    else:
        side.y += (y.size, y.sum(), np.square(y).sum())
    names = batch.schema.names
    for b, acc in zip(side.buckets, side.counts, strict=True):
        if b.name not in names:
            idx = np.full(int(valid.sum()), b.size - 1, dtype=np.int64)
        else:
            column = batch.column(b.name)
            if b.kind != "categorical" and (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
                column, bad, example = _parse_numbers(column)  # "26 ft" in a numeric feature: that value missing
                if bad:
                    count, first = side.unparsed.get(b.name, (0, example))
                    side.unparsed[b.name] = (count + bad, first)
            try:
                idx = b.index(column)[valid]
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
                why = " ".join(str(e).split())
                msg = f"{b.name}: values cannot be bucketed like the {basis} data's ({why}); counted as missing"
                if msg not in warnings:
                    warnings.append(msg)
                idx = np.full(int(valid.sum()), b.size - 1, dtype=np.int64)
        if categorical:
            acc += np.bincount(idx * n_cls + y, minlength=b.size * n_cls).reshape(b.size, n_cls)
        else:
            acc[:, 0] += np.bincount(idx, minlength=b.size)
            acc[:, 1] += np.bincount(idx, weights=y, minlength=b.size)
            acc[:, 2] += np.bincount(idx, weights=np.square(y), minlength=b.size)


def _fold(source: Any, buckets: list[_Buckets], label: _Label, label_name: str,
          warnings: list[str], which: str, basis: str) -> _Side:
    stream = open_stream(source)
    if label_name not in stream.schema.names:
        raise UsageError(f"label column {label_name!r} is not in the {which} data")

    def step(acc: _Side, batch: pa.RecordBatch) -> None:
        _accumulate(acc, batch, label_name, warnings, basis)

    return stream.fold(lambda _schema: _Side(buckets, label), step)


# --------------------------------------------------------------------------- analysis


def _mean_std(count: float, s: float, ss: float) -> tuple[float, float]:
    if count <= 0:
        return math.nan, math.nan
    mean = s / count
    var = max(ss / count - mean * mean, 0.0)
    return mean, math.sqrt(var)


def _analyze(b: _Buckets, ref: np.ndarray, cur: np.ndarray, label: _Label, label_std: float, *,
             min_count: int, covariate_threshold: float, concept_threshold: float,
             alpha: float) -> FeatureConceptShift:
    categorical = label.kind == "categorical"
    n_ref_b = ref.sum(axis=1) if categorical else ref[:, 0]
    n_cur_b = cur.sum(axis=1) if categorical else cur[:, 0]
    tot_r, tot_c = float(n_ref_b.sum()), float(n_cur_b.sum())
    covariate = math.sqrt(jensen_shannon_divergence(n_ref_b, n_cur_b))
    buckets: list[BucketShift] = []
    for i, name in enumerate(b.labels):
        nr, nc = float(n_ref_b[i]), float(n_cur_b[i])
        if nr == 0 and nc == 0:
            continue
        compared = nr >= min_count and nc >= min_count
        if categorical:
            rd = {c: float(v / nr) if nr else math.nan for c, v in zip(label.classes, ref[i], strict=True)}
            cd = {c: float(v / nc) if nc else math.nan for c, v in zip(label.classes, cur[i], strict=True)}
            shift = l_infinity(ref[i], cur[i]) if compared else math.nan
            p = chi_square(ref[i], cur[i])[1] if compared else math.nan
        else:
            mr, sr = _mean_std(*ref[i])
            mc, sc = _mean_std(*cur[i])
            rd, cd = {"mean": mr, "std": sr}, {"mean": mc, "std": sc}
            if compared:
                shift = abs(mc - mr) / label_std if label_std > 0 else (0.0 if mc == mr else math.inf)
                p = _welch_p(mr, sr, nr, mc, sc, nc)
            else:
                shift, p = math.nan, math.nan
        buckets.append(BucketShift(name, int(nr), int(nc), nr / tot_r if tot_r else 0.0,
                                   nc / tot_c if tot_c else 0.0, rd, cd, shift, p, compared))
    done = [x for x in buckets if x.compared]
    max_b = max(done, key=lambda x: x.shift) if done else None
    weights = np.array([x.count_reference + x.count_current for x in done], dtype=np.float64)
    weighted = float(np.average([x.shift for x in done], weights=weights)) if done else math.nan
    level = alpha / max(len(done), 1)
    significant = [x.shift for x in done if x.p_value < level]
    sig_shift = max(significant) if significant else 0.0
    is_cov = covariate >= covariate_threshold
    is_concept = sig_shift >= concept_threshold
    verdict = (ShiftVerdict.BOTH if is_cov and is_concept else ShiftVerdict.COVARIATE if is_cov
               else ShiftVerdict.CONCEPT if is_concept else ShiftVerdict.NONE)
    max_cls, max_r, max_c = None, math.nan, math.nan
    if max_b is not None:
        if categorical:
            max_cls = max(label.classes, key=lambda c: abs(max_b.current[c] - max_b.reference[c]))
            max_r, max_c = max_b.reference[max_cls], max_b.current[max_cls]
        else:
            max_r, max_c = max_b.reference["mean"], max_b.current["mean"]
    return FeatureConceptShift(
        feature=b.name, kind=b.kind, covariate_shift=covariate,
        max_shift=max_b.shift if max_b else math.nan, max_shift_bucket=max_b.bucket if max_b else None,
        max_shift_reference=max_r, max_shift_current=max_c, max_shift_class=max_cls,
        max_shift_p_value=max_b.p_value if max_b else math.nan, weighted_shift=weighted,
        significant_shift=sig_shift, num_buckets_compared=len(done), verdict=verdict, buckets=buckets,
    )


def _welch_p(m1: float, s1: float, n1: float, m2: float, s2: float, n2: float) -> float:
    """Two-sided Welch t-test p-value from summary figures (population stds converted to sample)."""
    if n1 < 2 or n2 < 2:
        return math.nan
    v1 = s1 * s1 * n1 / (n1 - 1)
    v2 = s2 * s2 * n2 / (n2 - 1)
    if v1 == 0 and v2 == 0:
        return 1.0 if m1 == m2 else 0.0
    res = stats.ttest_ind_from_stats(m1, math.sqrt(v1), n1, m2, math.sqrt(v2), n2, equal_var=False)
    return float(res.pvalue)


def concept_shift(
    reference_data: Any,
    current_data: Any,
    *,
    label: str,
    features: Sequence[str] | None = None,
    num_buckets: int = 10,
    min_bucket_count: int = 30,
    covariate_threshold: float = 0.1,
    concept_threshold: float | None = None,
    alpha: float = 0.01,
    reference_statistics: DatasetStatistics | None = None,
    names: tuple[str, str] | None = None,
) -> ConceptShiftResult:
    """Tell covariate shift (P(x) changes) from concept shift (P(y | x) changes), per feature.

    ``reference_data``/``current_data``: anything :func:`dvtools.io.open_source` reads (rows are
    needed). ``label``: the target column. ``features``: default every other column present on
    both sides. ``num_buckets``: equal-mass buckets of numeric features. ``min_bucket_count``:
    rows needed on each side for a bucket's conditional shift to be computed.
    ``concept_threshold``: default 0.1 (categorical label) or 0.2 (numeric label).
    ``reference_statistics``: statistics of ``reference_data`` if already computed (saves a pass).
    ``names``: what the skip reasons, warnings and errors call the two datasets (default
    ``("training", "evaluation")``: :func:`~dvtools.comparison._common.dataset_names`).
    See the module docstring for the method and verdict rules.
    """
    names = dataset_names("drift", names)
    if num_buckets < 2:
        raise UsageError(f"num_buckets must be at least 2, got {num_buckets}")
    if min_bucket_count < 2:
        raise UsageError(f"min_bucket_count must be at least 2, got {min_bucket_count}")
    if not (0 < alpha < 1):
        raise UsageError(f"alpha must be in (0, 1), got {alpha}")
    if reference_statistics is None:
        from dvtools.statistics.engine import compute_statistics

        reference_statistics = compute_statistics(reference_data)
    ref_stats = reference_statistics
    if label not in ref_stats.features:
        raise UsageError(f"label column {label!r} is not in the {names[0]} data")
    lab = _Label(ref_stats.features[label])
    if concept_threshold is None:
        concept_threshold = 0.1 if lab.kind == "categorical" else 0.2
    cur_names = set(open_stream(current_data).schema.names)
    skipped: dict[str, str] = {}
    wanted = [n for n in ref_stats.features if n != label] if features is None else [
        n for n in features if n != label]
    buckets: list[_Buckets] = []
    for n in wanted:
        f = ref_stats.features.get(n)
        if f is None:
            skipped[n] = f"not in the {names[0]} data"
        elif n not in cur_names:
            skipped[n] = f"not in the {names[1]} data"
        elif not (_is_categorical(f) or (f.logical_type.is_numeric and f.numeric is not None)):
            skipped[n] = f"{f.logical_type.value} features are not bucketed"
        else:
            buckets.append(_Buckets(f, num_buckets))
    warnings: list[str] = []
    ref = _fold(reference_data, buckets, lab, label, warnings, names[0], names[0])
    cur = _fold(current_data, buckets, lab, label, warnings, names[1], names[0])
    for which, side in zip(names, (ref, cur), strict=True):
        for name, (count, first) in side.unparsed.items():
            shown = first if len(first) <= 40 else first[:39] + "…"
            warnings.append(f"{name}: {count:,} {which} value{'s' if count != 1 else ''} not a number "
                            f"(e.g. {shown!r}) in a numeric feature; counted as missing")
    if lab.kind == "categorical":
        rt, ct = ref.class_counts.sum(), cur.class_counts.sum()
        label_ref = {c: float(v / rt) if rt else math.nan
                     for c, v in zip(lab.classes, ref.class_counts, strict=True)}
        label_cur = {c: float(v / ct) if ct else math.nan
                     for c, v in zip(lab.classes, cur.class_counts, strict=True)}
        label_shift = l_infinity(ref.class_counts, cur.class_counts)
        label_std = math.nan
    else:
        mr, sr = _mean_std(*ref.y)
        mc, sc = _mean_std(*cur.y)
        label_ref = {"mean": mr, "std": sr, "count": float(ref.y[0])}
        label_cur = {"mean": mc, "std": sc, "count": float(cur.y[0])}
        label_std = sr
        label_shift = abs(mc - mr) / sr if sr > 0 else (0.0 if mc == mr else math.inf)
    results = [
        _analyze(b, r, c, lab, label_std, min_count=min_bucket_count, covariate_threshold=covariate_threshold,
                 concept_threshold=concept_threshold, alpha=alpha)
        for b, r, c in zip(buckets, ref.counts, cur.counts, strict=True)
    ]
    return ConceptShiftResult(
        label=label, label_kind=lab.kind, classes=lab.classes, label_reference=label_ref,
        label_current=label_cur, label_shift=label_shift, features=results, num_reference=ref.rows,
        num_current=cur.rows, null_labels_reference=ref.null_labels, null_labels_current=cur.null_labels,
        covariate_threshold=covariate_threshold, concept_threshold=concept_threshold, alpha=alpha,
        skipped_features=skipped, warnings=warnings,
    )
