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


def sparklines(*sides: FeatureStatistics | None) -> tuple[list[float], ...]:
    """Bar heights for each dataset's row of a feature (training first), on the same bins and scale.

    Numeric features: shares of values per bin of the shared bins the verdict uses (the first
    dataset's quantile edges plus under/overflow bins, empty outer bins dropped); categorical
    ones: the shares of the most frequent values of all datasets together. Every row is scaled by
    the largest share, so one bar height means the same share in every row (the table's column
    spans 0..1). A dataset without the feature (or without numbers where the others have them)
    gets an empty list.
    """
    views = [f.value_view if f is not None else None for f in sides]
    present = [f for f in views if f is not None]
    if not present:
        return tuple([] for _ in views)
    base = present[0]
    numeric = base.numeric is not None and base.logical_type.is_numeric and not base.is_categorical_kind
    counts: list[np.ndarray | None] = []
    if numeric:
        with_numbers = [f for f in present if f.numeric is not None and f.numeric.num_finite]
        if not with_numbers:
            return tuple([] for _ in views)
        basis = with_numbers[0]  # the training data when it has numbers: its bins for every dataset
        for f in views:
            if f is None or f.numeric is None:
                counts.append(None)
                continue
            try:
                counts.append(np.asarray(shared_bins(basis, f).current, float))
            except ValueError:
                counts.append(None)
        known = [c for c in counts if c is not None]
        if not known or len({len(c) for c in known}) != 1:
            return tuple([] for _ in views)
        keep = np.ones(len(known[0]), dtype=bool)
        keep[0] = any(c[0] > 0 for c in known)
        keep[-1] = any(c[-1] > 0 for c in known)
        counts = [c[keep] if c is not None else None for c in counts]
    else:
        aligned = [aligned_categories(base, f) if f is not None else None for f in views]
        labels = list(dict.fromkeys(lab for ac in aligned if ac is not None for lab in ac.labels))
        for ac in aligned:
            if ac is None:
                counts.append(None)
                continue
            by = dict(zip(ac.labels, ac.current, strict=True))
            counts.append(np.asarray([float(by.get(lab, 0.0)) for lab in labels]))
        total = sum(c / (c.sum() or 1) for c in counts if c is not None)
        order = np.argsort(-np.asarray(total), kind="stable")[:SPARK_TOP]
        counts = [c[order] if c is not None else None for c in counts]
    shares = [c / (c.sum() or 1) if c is not None else None for c in counts]
    top = max((float(x.max(initial=0)) for x in shares if x is not None), default=0.0) or 1.0
    return tuple([round(float(v) / top, 4) for v in x] if x is not None else [] for x in shares)


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
