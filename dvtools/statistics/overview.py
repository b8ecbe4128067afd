"""Facets Overview-style tables of the figures of each feature in the reference and current data.

Two shapes: :func:`overview_long` (the dashboard's, as Facets Overview lays it out: one row per
feature *and* dataset, the two rows of a feature next to each other) and :func:`overview_frame`
(one row per feature, ``ref``/``cur`` columns side by side). Pure pandas; the dashboard renders
these frames, the CLI and notebooks can print them. Sort keys mirror Facets: feature order, name,
missing share, zeros share, non-uniformity, and the distribution distance between the two datasets;
:func:`sort_overview` sorts either shape, keeping a feature's rows together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dvtools.statistics.model import DatasetStatistics, FeatureStatistics
from dvtools.statistics.quality import feature_alerts

NUMERIC_COLUMNS = ["count", "missing", "mean", "std", "zeros", "min", "median", "max"]
CATEGORICAL_COLUMNS = ["count", "missing", "unique", "top", "freq_top", "avg_length"]
DATASETS = ("training", "serving")
NOT_IN_DATASET = "not in this dataset"
SORT_KEYS = ("feature order", "name", "missing share", "zeros share", "non-uniformity", "distribution distance")


def is_numeric_feature(f: FeatureStatistics) -> bool:
    """Numeric table (INT, FLOAT, TIMESTAMP; lists of those) vs categorical table (the rest)."""
    return f.value_view.logical_type.is_numeric


def _inner(f: FeatureStatistics) -> FeatureStatistics:
    return f.value_view


def numeric_row(f: FeatureStatistics | None) -> dict[str, Any]:
    """The Facets numeric figures of one feature (NaN where absent)."""
    if f is None:
        return dict.fromkeys(NUMERIC_COLUMNS, math.nan)
    n = _inner(f).numeric
    present = _inner(f).num_present  # the values' count: the flattened values for a LIST feature
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


def overview_long(
    reference: DatasetStatistics | None,
    current: DatasetStatistics | None = None,
    *,
    numeric: bool,
    distances: dict[str, float] | None = None,
    labels: tuple[str, str] = DATASETS,
) -> pd.DataFrame:
    """Facets Overview layout: one row per feature of that kind and loaded dataset (two datasets).

    :func:`overview_rows` of ``(labels[0], reference)`` and ``(labels[1], current)``, with
    ``distances`` (feature -> distance) on both rows of a feature.
    """
    sides = [(labels[0], reference), (labels[1], current)]
    return overview_rows(sides, numeric=numeric, distances={label: distances or {} for label, _ in sides})


def overview_rows(
    sides: Sequence[tuple[str, DatasetStatistics | None]],
    *,
    numeric: bool,
    distances: Mapping[str, Mapping[str, float]] | None = None,
) -> pd.DataFrame:
    """Facets Overview layout for any number of datasets: one row per feature of that kind and dataset.

    ``sides``: ``(label, statistics)`` in display order (None statistics: not loaded, left out);
    the first one decides a feature's kind when it has the feature. Columns: ``feature``, ``type``
    (that dataset's logical type), ``dataset`` (the label), the figures (:data:`NUMERIC_COLUMNS` or
    :data:`CATEGORICAL_COLUMNS`), ``alerts`` (that dataset's data-quality alert messages, ``"; "``
    between them), ``distance`` (``distances[label][feature]``: that dataset's distance to the
    training data, NaN when absent), then the sort helpers ``order`` (position of the feature) and
    ``non-uniformity`` (of the last dataset that has the feature), and ``alert_kinds`` (a tuple of
    the alerts' kinds; ``("absent",)`` where the feature is not in that dataset).

    Features present in any dataset are listed (the first dataset's order first), a feature's rows
    next to each other in ``sides`` order. When several datasets are loaded every feature has a
    row in each, a feature missing from one with empty figures and the alert
    :data:`NOT_IN_DATASET` there.
    """
    loaded = [(label, s) for label, s in sides if s is not None]
    figures = NUMERIC_COLUMNS if numeric else CATEGORICAL_COLUMNS
    columns = ["feature", "type", "dataset", *figures, "alerts", "distance", "order", "non-uniformity", "alert_kinds"]
    if not loaded:
        return pd.DataFrame(columns=columns)
    names = list(dict.fromkeys(n for _, s in loaded for n in s.features))
    fn = numeric_row if numeric else categorical_row
    rows = []
    for order, name in enumerate(names):
        present = [s.features[name] for _, s in loaded if name in s.features]
        if is_numeric_feature(present[0]) != numeric:
            continue
        nonuni = non_uniformity(present[-1])
        for label, s in loaded:
            fs = s.features.get(name)
            row: dict[str, Any] = {"feature": name, "type": (fs or present[0]).logical_type.value, "dataset": label}
            row |= fn(fs)
            found = [] if fs is None else feature_alerts(fs)
            row["alerts"] = NOT_IN_DATASET if fs is None else "; ".join(a.message for a in found)
            distance = ((distances or {}).get(label) or {}).get(name, math.nan)
            row |= {"distance": distance, "order": order, "non-uniformity": nonuni}
            row["alert_kinds"] = ("absent",) if fs is None else tuple(a.kind for a in found)
            rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def _sort_value(df: pd.DataFrame, suffix: str) -> pd.Series:
    """Per-row maximum of a figure: the ``<figure>`` column (long shape) or every ``<side> <figure>`` column."""
    cols = [c for c in df.columns if c == suffix or c.endswith(f" {suffix}")]
    return df[cols].apply(pd.to_numeric, errors="coerce").max(axis=1) if cols else pd.Series(0.0, index=df.index)


def sort_overview(df: pd.DataFrame, key: str, *, descending: bool | None = None) -> pd.DataFrame:
    """Sort an overview frame (either shape) by one of :data:`SORT_KEYS`.

    Keys are per feature: the rows of one feature (:func:`overview_long`) stay together, in their
    order, under every sort. A share sorts on the largest over the datasets (e.g. missing share =
    the maximum over a feature's rows); features without a value sort last.
    """
    if df.empty:
        return df
    col, default_desc = {
        "feature order": ("order", False),
        "name": ("feature", False),
        "missing share": ("_missing", True),
        "zeros share": ("_zeros", True),
        "non-uniformity": ("non-uniformity", True),
        "distribution distance": ("distance", True),
    }[key]
    desc = default_desc if descending is None else descending
    d = df.assign(_row=np.arange(len(df)), _missing=_sort_value(df, "missing"), _zeros=_sort_value(df, "zeros"))
    # One key per feature (the maximum over its rows), the feature's first row fixing ties and pair order.
    per_feature = d.groupby("feature", sort=False, dropna=False)
    d["_key"] = per_feature[col].transform("max") if col != "feature" else d["feature"]
    d["_first"] = per_feature["_row"].transform("min")
    d = d.sort_values("_key", ascending=not desc, na_position="last", kind="stable")
    # Stable sort on the key only reorders features; bring each feature's rows back together, in order.
    rank = pd.Series(np.arange(len(d)), index=d.index).groupby(d["_first"]).transform("min")
    d = d.assign(_rank=rank).sort_values(["_rank", "_row"], kind="stable")
    return d.drop(columns=["_row", "_missing", "_zeros", "_key", "_first", "_rank"])
