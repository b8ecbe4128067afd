"""Data-quality alerts per feature, as users know them from profilers.

Read from statistics alone (no rows). Each alert has a stable ``kind`` and a one-line message.
Limits follow common profiler defaults and are module constants so they can be tuned and
documented: Facets highlights more than 2 % missing and more than 10 % zeros.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from dvtools.statistics.model import FeatureStatistics, LogicalType

MISSING_HIGHLIGHT = 0.02  # Facets: share of missing values worth highlighting
ZEROS_HIGHLIGHT = 0.10  # Facets: share of zeros worth highlighting
HIGH_CARDINALITY = 0.5  # unique / present above this (and > 50 values): high cardinality
IMBALANCE = 0.95  # top value share above this: imbalanced
SKEW = 2.0  # |(mean - median)| / std * 3 (Pearson's second skewness) above this: heavy skew
MIXED_TYPES = (0.05, 0.95)  # share of numeric-like strings strictly within: mixed types


@dataclass(frozen=True)
class QualityAlert:
    """One data-quality alert about one feature."""

    kind: str
    message: str


def category_variants(values: Iterable[Any]) -> list[list[str]]:
    """Groups (of two or more) of distinct values equal after ``strip()`` + ``casefold()``.

    ``["NY", "ny ", "Ny", "CA"]`` -> ``[["NY", "ny ", "Ny"]]``. Groups come in the order of their
    first value, values in input order; exact duplicates and ``None`` are ignored. Used by schema
    inference (notes), validation and the dashboard.
    """
    groups: dict[str, list[str]] = {}
    seen: set[str] = set()
    for v in values:
        if v is None:
            continue
        s = v if isinstance(v, str) else str(v)
        if s in seen:
            continue
        seen.add(s)
        groups.setdefault(s.strip().casefold(), []).append(s)
    return [g for g in groups.values() if len(g) >= 2]


def pearson_skewness(f: FeatureStatistics) -> float:
    """Pearson's second skewness coefficient 3 (mean - median) / std (NaN when undefined)."""
    n = f.numeric
    if n is None or not n.num_finite or not n.std or math.isnan(n.std):
        return math.nan
    return 3.0 * (n.mean - n.median) / n.std


_MEMO: dict[int, tuple[weakref.ref[FeatureStatistics], tuple[QualityAlert, ...]]] = {}


def feature_alerts(f: FeatureStatistics, pii: Any = None) -> list[QualityAlert]:
    """Profiler-style alerts for one feature.

    ``pii``: the feature's :class:`~dvtools.privacy.PiiFinding` (``pii_findings(stats).get(name)``,
    a dataset-level decision: coordinates need both axes), which adds the ``pii`` alert first.

    Remembered per statistics object (finalized statistics do not change): a dashboard page asks
    for the same feature's alerts several times (overview, badge, cells) and the variants check
    reads up to 10,000 values; a sampling profile of the Statistics page put 18 % of its run here.
    """
    first: list[QualityAlert] = []
    if pii is not None:
        from dvtools.privacy.redact import pii_message

        first.append(QualityAlert("pii", pii_message(pii)))
    memo = _MEMO.get(id(f))
    if memo is not None and memo[0]() is f:
        return first + list(memo[1])
    found = _feature_alerts(f)
    key = id(f)
    try:
        ref = weakref.ref(f, lambda _r: _MEMO.pop(key, None))
    except TypeError:  # not weak-referenceable: not remembered
        return first + found
    _MEMO[key] = (ref, tuple(found))
    return first + found


def _feature_alerts(f: FeatureStatistics) -> list[QualityAlert]:
    out: list[QualityAlert] = []
    present = f.num_present
    if f.count and present == 0:
        return [*out, QualityAlert("all_missing", "every value is missing")]
    if f.missing_fraction > MISSING_HIGHLIGHT:
        out.append(QualityAlert("missing", f"{f.missing_fraction:.1%} missing"))
    n = f.numeric
    if n is not None and n.num_finite:
        zero_share = n.num_zeros / present if present else 0.0
        if zero_share > ZEROS_HIGHLIGHT:
            out.append(QualityAlert("zeros", f"{zero_share:.1%} zeros"))
            if n.min >= 0 and zero_share < 0.9 and _zero_is_isolated(f):
                out.append(QualityAlert(
                    "zero_as_missing",
                    f"zeros ({zero_share:.1%}) sit apart from the other values (1st percentile of the "
                    f"non-zero values {_nonzero_p1(f):.4g}): zero may be used as a missing marker",
                ))
        if n.num_nan:
            out.append(QualityAlert("nan", f"{n.num_nan:,} NaN values"))
        if n.num_pos_inf or n.num_neg_inf:
            out.append(QualityAlert("inf", f"{n.num_pos_inf + n.num_neg_inf:,} infinite values"))
        sk = pearson_skewness(f)
        if not math.isnan(sk) and abs(sk) > SKEW:
            out.append(QualityAlert("skewed", f"heavily skewed (Pearson skewness {sk:.2f})"))
    if f.values is not None and present:
        unique = f.values.unique
        if unique == 1:
            out.append(QualityAlert("constant", f"constant: every value is {f.values.values[0]!r}"))
        elif f.values.exact and unique == present and present > 1 and f.logical_type != LogicalType.BOOL:
            out.append(QualityAlert("unique", "all values are unique (an identifier?)"))
        elif f.logical_type == LogicalType.STRING and unique > 50 and unique / present > HIGH_CARDINALITY:
            out.append(QualityAlert("high_cardinality", f"high cardinality: {unique:,} distinct values"))
        top = f.values.counts[0] if f.values.counts else 0
        if unique and unique > 1 and top / present > IMBALANCE:
            out.append(QualityAlert("imbalanced", f"imbalanced: top value {f.values.values[0]!r} is {top / present:.1%}"))
        if f.logical_type == LogicalType.STRING:
            groups = category_variants(f.values.values[:10_000])
            if groups:
                ex = ", ".join(repr(v) for v in groups[0][:3])
                what = "group of values differs" if len(groups) == 1 else "groups of values differ"
                out.append(QualityAlert("variants", f"{len(groups)} {what} only by case/whitespace, e.g. {ex}"))
    s = f.string
    if s is not None and present and f.logical_type == LogicalType.STRING:
        share = s.num_numeric_like / present
        if MIXED_TYPES[0] < share < MIXED_TYPES[1]:
            out.append(QualityAlert("mixed_types", f"mixed types: {share:.1%} of values are numbers written as text"))
        elif share >= MIXED_TYPES[1]:
            out.append(QualityAlert("numbers_as_text", f"{share:.1%} of values are numbers stored as text"))
        if s.num_empty:
            out.append(QualityAlert("empty", f"{s.num_empty:,} empty strings"))
        if s.num_whitespace_padded:
            out.append(QualityAlert("whitespace", f"{s.num_whitespace_padded:,} values with leading/trailing whitespace"))
    return out


def _nonzero_p1(f: FeatureStatistics) -> float:
    """The 1st percentile of the non-zero values of a feature without negative values (estimated).

    Zeros are then the smallest values: the rank ``z + 0.01 (1 - z)`` (``z`` the zeros' share of
    the finite values) is the non-zero values' 1st percentile. The overall 1st percentile would be
    0 whenever more than 1 % of the values are zeros.
    """
    n = f.numeric
    if n is None or not n.num_finite:
        return math.nan
    z = n.num_zeros / n.num_finite
    return float(n.sketch.quantiles([min(1.0, z + 0.01 * (1.0 - z))])[0])


def _zero_is_isolated(f: FeatureStatistics) -> bool:
    """True when the smallest non-zero values are far from zero relative to the spread."""
    n = f.numeric
    if n is None or not n.sketch.n:
        return False
    # Share of values in (0, 5 % of the range]: a continuous quantity near zero fills this band.
    span = n.max - n.min
    if span <= 0:
        return False
    cdf = n.sketch.cdf([0.0, 0.05 * span], inclusive=True)
    near = cdf[1] - cdf[0]
    return bool(near < 0.01)
