"""Plotly figures for the dashboard and HTML reports. Pure: statistics in, figures out.

One visual language: the reference (training) is always blue, the current (serving) always
orange. Numeric features are drawn on the reference's bins with underflow/overflow bins so values
outside the training range stand out; categorical features as grouped top-value bars.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go

from dvtools.comparison.distributions import aligned_categories, shared_bins
from dvtools.statistics.model import FeatureStatistics, LogicalType, timestamp_text

REFERENCE_COLOR = "#3266c8"
CURRENT_COLOR = "#f0892b"
REFERENCE_NAME = "training (reference)"
CURRENT_NAME = "serving (current)"
SEVERITY_COLORS = {"ERROR": "#d62728", "WARNING": "#e0a100"}


def _inner(f: FeatureStatistics | None) -> FeatureStatistics | None:
    return f.value_view if f is not None else None


def _layout(fig: go.Figure, title: str, *, log_y: bool, percent: bool, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "font": {"size": 14}},
        barmode="group",
        height=height,
        margin={"l": 40, "r": 10, "t": 40, "b": 40},
        legend={"orientation": "h", "y": -0.25},
        yaxis={"type": "log" if log_y else "linear", "title": "share" if percent else "count",
               "tickformat": "~%" if percent and not log_y else None},
        bargap=0.15,
    )
    return fig


def _compact_time(text: str) -> str:
    """'2024-06-03 16:48:00' -> '2024-06-03 16:48'; midnight -> the date alone (short axis labels)."""
    if text.endswith(" 00:00:00") or text.endswith("T00:00:00"):
        return text[:10]
    return text[:16] if len(text) >= 16 and text[13:14] == ":" else text


def _edge_formatter(f: FeatureStatistics) -> Callable[[float], str]:
    """Bin edges as dates for TIMESTAMP features, else 4 significant digits."""
    if f.logical_type == LogicalType.TIMESTAMP:
        return lambda x: _compact_time(timestamp_text(x, f.numeric_type))  # the unit the figures are in
    return lambda x: f"{x:.4g}"


def _norm(v: np.ndarray, percent: bool) -> np.ndarray:
    if not percent:
        return v
    s = v.sum()
    return v / s if s else v


def numeric_figure(reference: FeatureStatistics | None, current: FeatureStatistics | None = None, *,
                   buckets: str = "standard", log_y: bool = False, percent: bool = True,
                   height: int = 300, title: str | None = None) -> go.Figure:
    """Overlaid histogram of one numeric feature on the reference's bins (+ under/overflow)."""
    ref, cur = _inner(reference), _inner(current)
    base = ref if ref is not None else cur
    fig = go.Figure()
    if base is None or base.numeric is None:
        return _layout(fig, title or "", log_y=log_y, percent=percent, height=height)
    name = title if title is not None else html.escape(base.name)
    fmt = _edge_formatter(base)
    if buckets == "quantiles" and ref is not None and ref.numeric is not None and ref.numeric.num_finite:
        qh = ref.numeric.quantiles_histogram
        edges = np.unique(np.asarray(qh.edges))
        labels = [f"[{fmt(edges[i])}, {fmt(edges[i + 1])})" for i in range(len(edges) - 1)]
        sides = [(ref, REFERENCE_NAME, REFERENCE_COLOR)]
        if cur is not None and cur.numeric is not None:
            sides.append((cur, CURRENT_NAME, CURRENT_COLOR))
        for f, label, color in sides:
            assert f.numeric is not None
            counts = f.numeric.sketch.histogram(edges) if len(edges) > 1 else np.array([f.numeric.num_finite])
            fig.add_bar(x=labels or [fmt(edges[0])], y=_norm(np.asarray(counts, float), percent), name=label,
                        marker_color=color)
        return _layout(fig, f"{name} (reference deciles)", log_y=log_y, percent=percent, height=height)
    other = cur if cur is not None and cur.numeric is not None else ref
    assert other is not None
    # The standard chart is a histogram: the reference's equal-width bins (the drift engine's own bins,
    # quantile or TFDV's, are in its comparison's evidence).
    sb = shared_bins(ref if ref is not None and ref.numeric is not None else other, other, binning="equal-width")
    if base.logical_type == LogicalType.TIMESTAMP:
        # Time bins are labelled by their start: full ranges of datetimes do not fit an axis.
        e = sb.edges
        labels = [f"< {fmt(e[0])}", *(f"from {fmt(x)}" for x in e[:-1]), f"> {fmt(e[-1])}"]
    else:
        labels = sb.labels_with(fmt)
    keep = np.ones(len(labels), dtype=bool)
    # Hide empty underflow/overflow bins: they only matter when something falls there.
    keep[0] = sb.reference[0] + sb.current[0] > 0
    keep[-1] = sb.reference[-1] + sb.current[-1] > 0
    x = [lab for lab, k in zip(labels, keep, strict=True) if k]
    if ref is not None and ref.numeric is not None:
        fig.add_bar(x=x, y=_norm(sb.reference, percent)[keep], name=REFERENCE_NAME, marker_color=REFERENCE_COLOR)
    if cur is not None and cur.numeric is not None:
        fig.add_bar(x=x, y=_norm(sb.current, percent)[keep], name=CURRENT_NAME, marker_color=CURRENT_COLOR)
    return _layout(fig, name, log_y=log_y, percent=percent, height=height)


def categorical_figure(reference: FeatureStatistics | None, current: FeatureStatistics | None = None, *,
                       top: int = 20, log_y: bool = False, percent: bool = True, height: int = 300,
                       title: str | None = None) -> go.Figure:
    """Grouped bars of the most frequent values (union of both sides' top values)."""
    ref, cur = _inner(reference), _inner(current)
    base = ref if ref is not None else cur
    fig = go.Figure()
    if base is None:
        return _layout(fig, title or "", log_y=log_y, percent=percent, height=height)
    empty = FeatureStatistics(base.name, base.arrow_type, base.logical_type, 0, 0)
    ac = aligned_categories(ref or empty, cur or empty)
    total_r, total_c = ac.reference.sum(), ac.current.sum()
    order = np.argsort(-(ac.reference / (total_r or 1) + ac.current / (total_c or 1)), kind="stable")[:top]
    # Plotly renders <b>, <a>, <br> in text: category values from the data are escaped to show literally.
    labels = [html.escape(str(ac.labels[i])) for i in order]
    if ref is not None:
        y = ac.reference[order] / total_r if percent and total_r else ac.reference[order]
        fig.add_bar(x=labels, y=y, name=REFERENCE_NAME, marker_color=REFERENCE_COLOR)
    if cur is not None:
        y = ac.current[order] / total_c if percent and total_c else ac.current[order]
        fig.add_bar(x=labels, y=y, name=CURRENT_NAME, marker_color=CURRENT_COLOR)
    fig.update_xaxes(type="category")
    return _layout(fig, title if title is not None else html.escape(base.name), log_y=log_y, percent=percent,
                   height=height)


def feature_figure(reference: FeatureStatistics | None, current: FeatureStatistics | None = None,
                   **kwargs: object) -> go.Figure:
    """The right chart for the feature's kind."""
    base = _inner(reference if reference is not None else current)
    if base is not None and base.numeric is not None and base.logical_type.is_numeric:
        return numeric_figure(reference, current, **kwargs)  # type: ignore[arg-type]
    kwargs.pop("buckets", None)
    return categorical_figure(reference, current, **kwargs)  # type: ignore[arg-type]


def distance_figure(features: list[str], values: list[float], threshold: float, *, method: str,
                    height: int = 320) -> go.Figure:
    """Per-feature distance bars with the threshold drawn as a line; bars above it in orange."""
    colors = [CURRENT_COLOR if v >= threshold else REFERENCE_COLOR for v in values]
    fig = go.Figure(go.Bar(x=features, y=values, marker_color=colors, name=method))
    fig.add_hline(y=threshold, line_dash="dash", line_color="#d62728",
                  annotation_text=f"threshold {threshold:g}", annotation_position="top left")
    fig.update_layout(height=height, margin={"l": 40, "r": 10, "t": 30, "b": 80}, yaxis_title=method,
                      xaxis={"type": "category"}, showlegend=False)
    return fig


def timeline_figure(spans: list[str], series: dict[str, list[float]], threshold: float | None = None, *,
                    title: str = "distance to reference", height: int = 320) -> go.Figure:
    """Distance of each span per feature, as lines; the threshold as a dashed line."""
    fig = go.Figure()
    for name, ys in series.items():
        fig.add_scatter(x=spans, y=ys, mode="lines+markers", name=name)
    if threshold is not None:
        fig.add_hline(y=threshold, line_dash="dash", line_color="#d62728")
    fig.update_layout(title=title, height=height, margin={"l": 40, "r": 10, "t": 40, "b": 40},
                      xaxis={"type": "category"})
    return fig
