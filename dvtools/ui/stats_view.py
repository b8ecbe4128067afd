"""What the Statistics page shows beyond the numbers: sparklines per row, and which charts come first.

Pure functions (no Streamlit): statistics in, lists and names out, so the page stays a composition.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np

from dvtools.comparison.distributions import aligned_categories, shared_bins
from dvtools.statistics.model import FeatureStatistics, LogicalType

#: Bars in a categorical sparkline: the most frequent values of both datasets together.
SPARK_TOP = 10
#: A feature is identifier-like when its distinct values are at least this share of its present values.
IDENTIFIER_SHARE = 0.95
IDENTIFIER_MIN_ROWS = 20
_DISCRETE = (LogicalType.STRING, LogicalType.BYTES, LogicalType.INT)


def is_identifier(*sides: FeatureStatistics | None) -> bool:
    """True when the feature looks like an identifier in every dataset that has it: distinct ~= present.

    Only discrete kinds (strings, bytes, integers) count: distinct floats are normal. The one place
    that decides it for the dashboard, so it can later read the schema's column role instead.
    """
    seen = False
    for f in sides:
        if f is None:
            continue
        f = f.value_view
        unique, present = f.unique, f.num_present
        if f.logical_type not in _DISCRETE or unique is None or present < IDENTIFIER_MIN_ROWS:
            return False
        if unique < IDENTIFIER_SHARE * present:
            return False
        seen = True
    return seen


def sparklines(reference: FeatureStatistics | None, current: FeatureStatistics | None) -> tuple[list[float], list[float]]:
    """Bar heights for the training and the serving row of a feature, on the same bins and scale.

    Numeric features: shares of values per bin of the shared bins the charts use (the reference's
    equal-width edges plus under/overflow bins, empty outer bins dropped); categorical ones: the
    shares of the most frequent values of both datasets. Both rows are scaled by the larger share,
    so one bar height means the same share in both rows (the table's column spans 0..1). A dataset
    without the feature gets an empty list.
    """
    ref, cur = (f.value_view if f is not None else None for f in (reference, current))
    base = ref if ref is not None else cur
    if base is None:
        return [], []
    numeric = base.numeric is not None and base.logical_type.is_numeric and not base.is_categorical_kind
    if numeric:
        one = ref if ref is not None and ref.numeric is not None else cur
        other = cur if cur is not None and cur.numeric is not None else one
        if one is None or one.numeric is None or other is None or not one.numeric.num_finite:
            return [], []
        try:
            sb = shared_bins(one, other)
        except ValueError:
            return [], []
        r, c = np.asarray(sb.reference, float), np.asarray(sb.current, float)
        keep = np.ones(len(r), dtype=bool)
        keep[0], keep[-1] = r[0] + c[0] > 0, r[-1] + c[-1] > 0
        r, c = r[keep], c[keep]
        if one is not ref:  # only the serving side has numbers: its counts are in "reference"
            r, c = np.zeros_like(r), r
        elif other is one and cur is not None:  # serving has the feature but no numbers
            c = np.zeros_like(r)
    else:
        empty = FeatureStatistics(base.name, base.arrow_type, base.logical_type, 0, 0)
        ac = aligned_categories(ref or empty, cur or empty)
        r, c = np.asarray(ac.reference, float), np.asarray(ac.current, float)
        rs, cs = r / (r.sum() or 1), c / (c.sum() or 1)
        order = np.argsort(-(rs + cs), kind="stable")[:SPARK_TOP]
        r, c = r[order], c[order]
    rs, cs = r / (r.sum() or 1), c / (c.sum() or 1)
    top = max(float(rs.max(initial=0)), float(cs.max(initial=0))) or 1.0
    # A side without numbers of its own (text where the other side has numbers) gets no bars.
    has_ref = ref is not None and (not numeric or ref.numeric is not None)
    has_cur = cur is not None and (not numeric or cur.numeric is not None)
    return ([round(float(v) / top, 4) for v in rs] if has_ref else [],
            [round(float(v) / top, 4) for v in cs] if has_cur else [])


def chart_order(features: Iterable[str], distances: Mapping[str, float],
                identifiers: Iterable[str] = ()) -> list[str]:
    """Features for the charts section: the most changed first (largest distance), identifiers last.

    Features without a distance (one dataset loaded, not compared) keep their order after the
    compared ones; identifiers (see :func:`is_identifier`) always come at the end.
    """
    ids = set(identifiers)
    names = list(dict.fromkeys(features))
    position = {n: i for i, n in enumerate(names)}

    def key(n: str) -> tuple[int, float, int]:
        d = distances.get(n, math.nan)
        known = d is not None and not (isinstance(d, float) and math.isnan(d))
        return (2 if n in ids else (0 if known else 1), -float(d) if known else 0.0, position[n])

    return sorted(names, key=key)
