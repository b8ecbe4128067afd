"""Facets Overview-style tables: reference and current figures side by side, per feature.

Pure pandas; the dashboard renders these frames, the CLI and notebooks can print them. Sort keys
mirror Facets: feature order, name, missing share, zeros share, non-uniformity, and the
distribution distance between the two datasets.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from dvtools.statistics.model import DatasetStatistics, FeatureStatistics, LogicalType
from dvtools.statistics.quality import feature_alerts

NUMERIC_COLUMNS = ["count", "missing", "mean", "std", "zeros", "min", "median", "max"]
CATEGORICAL_COLUMNS = ["count", "missing", "unique", "top", "freq_top", "avg_length"]
SORT_KEYS = ("feature order", "name", "missing share", "zeros share", "non-uniformity", "distribution distance")


def is_numeric_feature(f: FeatureStatistics) -> bool:
    """Numeric table (INT, FLOAT, TIMESTAMP; lists of those) vs categorical table (the rest)."""
    inner = f.values_statistics if f.logical_type == LogicalType.LIST and f.values_statistics else f
    return inner.logical_type.is_numeric


def _inner(f: FeatureStatistics) -> FeatureStatistics:
    return f.values_statistics if f.logical_type == LogicalType.LIST and f.values_statistics else f


def numeric_row(f: FeatureStatistics | None) -> dict[str, Any]:
    """The Facets numeric figures of one feature (NaN where absent)."""
    if f is None:
        return dict.fromkeys(NUMERIC_COLUMNS, math.nan)
    n = _inner(f).numeric
    present = f.num_present
    return {
        "count": f.count,
        "missing": f.missing_fraction,
        "mean": n.mean if n else math.nan,
        "std": n.std if n else math.nan,
        "zeros": (n.num_zeros / present if present else 0.0) if n else math.nan,
        "min": n.min if n else math.nan,
        "median": n.median if n else math.nan,
        "max": n.max if n else math.nan,
    }


def categorical_row(f: FeatureStatistics | None) -> dict[str, Any]:
    """The Facets categorical figures of one feature."""
    if f is None:
        return {"count": math.nan, "missing": math.nan, "unique": math.nan, "top": None, "freq_top": math.nan,
                "avg_length": math.nan}
    inner = _inner(f)
    top = inner.top_values(1)
    return {
        "count": f.count,
        "missing": f.missing_fraction,
        "unique": inner.unique if inner.unique is not None else math.nan,
        "top": None if not top else str(top[0][0]),
        "freq_top": top[0][1] if top else math.nan,
        "avg_length": inner.string.avg_length if inner.string else math.nan,
    }


def non_uniformity(f: FeatureStatistics) -> float:
    """How far from uniform a feature's distribution is (1 - normalized entropy), as Facets sorts."""
    inner = _inner(f)
    if inner.values is not None and inner.values.counts:
        c = np.asarray(inner.values.counts, dtype=float)
    elif inner.numeric is not None and inner.numeric.histogram.counts:
        c = np.asarray(inner.numeric.histogram.counts, dtype=float)
    else:
        return 0.0
    c = c[c > 0]
    if c.size <= 1:
        return 1.0
    p = c / c.sum()
    return float(1.0 - (-(p * np.log(p)).sum()) / math.log(c.size))


def overview_frame(
    reference: DatasetStatistics,
    current: DatasetStatistics | None = None,
    *,
    numeric: bool,
    distances: dict[str, float] | None = None,
) -> pd.DataFrame:
    """One row per feature of that kind; columns ``ref <figure>`` and ``cur <figure>`` plus sort helpers.

    Features present in either dataset are listed (reference order first); a feature missing on
    one side has empty figures there. ``distances`` (feature -> distance) fills the distance column.
    """
    names = list(reference.features)
    if current is not None:
        names += [n for n in current.features if n not in reference.features]
    rows = []
    for order, name in enumerate(names):
        rf = reference.features.get(name)
        cf = current.features.get(name) if current is not None else None
        base = rf or cf
        assert base is not None
        if is_numeric_feature(base) != numeric:
            continue
        fn = numeric_row if numeric else categorical_row
        row: dict[str, Any] = {"feature": name, "type": base.logical_type.value, "order": order}
        for side, fs in (("ref", rf), ("cur", cf)) if current is not None else (("ref", rf),):
            for k, v in fn(fs).items():
                row[f"{side} {k}"] = v
        row["alerts"] = "; ".join(a.message for a in feature_alerts(cf or rf))  # type: ignore[arg-type]
        row["non-uniformity"] = non_uniformity(cf or rf)  # type: ignore[arg-type]
        row["distance"] = (distances or {}).get(name, math.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def sort_overview(df: pd.DataFrame, key: str, *, descending: bool | None = None) -> pd.DataFrame:
    """Sort an overview frame by one of :data:`SORT_KEYS`."""
    if df.empty:
        return df
    col, default_desc = {
        "feature order": ("order", False),
        "name": ("feature", False),
        "missing share": ("missing_max", True),
        "zeros share": ("zeros_max", True),
        "non-uniformity": ("non-uniformity", True),
        "distribution distance": ("distance", True),
    }[key]
    d = df.copy()
    d["missing_max"] = d[[c for c in d.columns if c.endswith(" missing")]].max(axis=1)
    zc = [c for c in d.columns if c.endswith(" zeros")]
    d["zeros_max"] = d[zc].max(axis=1) if zc else 0.0
    desc = default_desc if descending is None else descending
    d = d.sort_values(col, ascending=not desc, na_position="last", kind="stable")
    return d.drop(columns=["missing_max", "zeros_max"])
