"""Plotly figures for the dashboard and HTML reports. Pure: statistics in, figures out.

One visual language: each dataset has its one colour (:data:`dvtools.ui.roles.COLORS`: training
blue, evaluation green, serving orange) and its role as legend name. The figures take the training
data (``reference``), the serving data (``current``) and optionally the evaluation data
(``evaluation``). Numeric features are drawn on the training data's bins with underflow/overflow
bins so values outside the training range stand out; categorical features as grouped top-value bars.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go

from dvtools.comparison.distributions import aligned_categories, shared_bins
from dvtools.statistics.model import FeatureStatistics, LogicalType, timestamp_text
from dvtools.ui.roles import COLORS, NAMES  # the one palette

REFERENCE_COLOR = COLORS["reference"]
EVALUATION_COLOR = COLORS["evaluation"]
CURRENT_COLOR = COLORS["current"]
REFERENCE_NAME = NAMES["reference"].lower()
EVALUATION_NAME = NAMES["evaluation"].lower()
CURRENT_NAME = NAMES["current"].lower()
SEVERITY_COLORS = {"ERROR": "#d62728", "WARNING": "#e0a100"}


def _inner(f: FeatureStatistics | None) -> FeatureStatistics | None:
    return f.value_view if f is not None else None


def _sides(reference: FeatureStatistics | None, current: FeatureStatistics | None,
           evaluation: FeatureStatistics | None = None) -> list[tuple[FeatureStatistics, str, str]]:
    """``(values, legend name, colour)`` of each dataset that has the feature: training, evaluation, serving."""
    out = []
    for f, name, color in ((reference, REFERENCE_NAME, REFERENCE_COLOR), (evaluation, EVALUATION_NAME, EVALUATION_COLOR),
                           (current, CURRENT_NAME, CURRENT_COLOR)):
        inner = _inner(f)
        if inner is not None:
            out.append((inner, name, color))
    return out


#: The legend sits above the plot, right-aligned: rotated tick labels below can never run into it.
LEGEND = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1.0}


def _layout(fig: go.Figure, title: str, *, log_y: bool, percent: bool, height: int,
            x_title: str = "value") -> go.Figure:
    y_title = "share of the dataset's values" if percent else "count of values"
    yaxis: dict = {"type": "log" if log_y else "linear", "title": {"text": y_title}, "automargin": True}
    if log_y:
        # One labelled tick per decade (a log axis labelled "2 10 5 2 1 5" reads as noise).
        yaxis |= {"dtick": 1, "tickformat": ".0%" if percent else "~s", "minor": {"showgrid": False}}
    elif percent:
        yaxis["tickformat"] = "~%"
    fig.update_layout(
        title={"text": title, "font": {"size": 14}, "x": 0, "xanchor": "left"},
        barmode="group",
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend=LEGEND,
        yaxis=yaxis,
        xaxis={"title": {"text": x_title}, "automargin": True},
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
                   height: int = 300, title: str | None = None,
                   evaluation: FeatureStatistics | None = None) -> go.Figure:
    """Overlaid histogram of one numeric feature on the training data's bins (+ under/overflow)."""
    ref = _inner(reference)
    present = [f for f, _, _ in _sides(reference, current, evaluation)]
    base = present[0] if present else None
    fig = go.Figure()
    if base is None or base.numeric is None:
        return _layout(fig, title or "", log_y=log_y, percent=percent, height=height)
    name = title if title is not None else html.escape(base.name)
    fmt = _edge_formatter(base)
    if buckets == "quantiles" and ref is not None and ref.numeric is not None and ref.numeric.num_finite:
        qh = ref.numeric.quantiles_histogram
        edges = np.unique(np.asarray(qh.edges))
        labels = [f"[{fmt(edges[i])}, {fmt(edges[i + 1])})" for i in range(len(edges) - 1)]
        for f, label, color in _sides(reference, current, evaluation):
            if f.numeric is None:
                continue
            counts = f.numeric.sketch.histogram(edges) if len(edges) > 1 else np.array([f.numeric.num_finite])
            fig.add_bar(x=labels or [fmt(edges[0])], y=_norm(np.asarray(counts, float), percent), name=label,
                        marker_color=color)
        return _layout(fig, f"{name} (training deciles)", log_y=log_y, percent=percent, height=height,
                       x_title="training decile bins")
    numeric = [(f, label, color) for f, label, color in _sides(reference, current, evaluation) if f.numeric is not None]
    basis = numeric[0][0]  # training when it has numbers: its equal-width bins for every dataset
    # The standard chart is a histogram: the training data's equal-width bins (the drift engine's own bins,
    # quantile or TFDV's, are in its comparison's evidence). Edges depend on the basis only.
    binned = [(shared_bins(basis, f, binning="equal-width"), label, color) for f, label, color in numeric]
    sb = binned[0][0]
    if base.logical_type == LogicalType.TIMESTAMP:
        # Time bins are labelled by their start: full ranges of datetimes do not fit an axis.
        e = sb.edges
        labels = [f"< {fmt(e[0])}", *(f"from {fmt(x)}" for x in e[:-1]), f"> {fmt(e[-1])}"]
    else:
        labels = sb.labels_with(fmt)
    keep = np.ones(len(labels), dtype=bool)
    # Hide empty underflow/overflow bins: they only matter when something falls there.
    keep[0] = any(b.current[0] > 0 for b, _, _ in binned)
    keep[-1] = any(b.current[-1] > 0 for b, _, _ in binned)
    x = [lab for lab, k in zip(labels, keep, strict=True) if k]
    for b, label, color in binned:
        fig.add_bar(x=x, y=_norm(np.asarray(b.current, float), percent)[keep], name=label, marker_color=color)
    return _layout(fig, name, log_y=log_y, percent=percent, height=height,
                   x_title="date bins" if base.logical_type == LogicalType.TIMESTAMP else "value bins")


QUANTILE_LEVELS = tuple(i / 20 for i in range(21))  # 0 %, 5 %, ..., 100 %


def quantile_figure(reference: FeatureStatistics | None, current: FeatureStatistics | None = None, *,
                    height: int = 300, title: str | None = None,
                    evaluation: FeatureStatistics | None = None) -> go.Figure:
    """Facets' quantile view: the value at each 5 % level of every dataset, as lines (a shift reads as a gap)."""
    sides = _sides(reference, current, evaluation)
    base = sides[0][0] if sides else None
    fig = go.Figure()
    is_time = base is not None and base.logical_type == LogicalType.TIMESTAMP
    for f, label, color in sides:
        if f.numeric is None or not f.numeric.num_finite:
            continue
        values = f.numeric.sketch.quantiles(list(QUANTILE_LEVELS))
        fmt = _edge_formatter(f)
        fig.add_scatter(x=[q * 100 for q in QUANTILE_LEVELS], y=values, mode="lines+markers", name=label,
                        line={"color": color}, customdata=[fmt(v) for v in values],
                        hovertemplate="%{x:.0f}%: %{customdata}<extra></extra>")
    fig.update_layout(title={"text": title if title is not None else html.escape(base.name if base else ""),
                             "font": {"size": 14}, "x": 0, "xanchor": "left"},
                      height=height, margin={"l": 10, "r": 10, "t": 60, "b": 10}, legend=LEGEND,
                      xaxis={"title": {"text": "quantile (% of values at or below)"}, "ticksuffix": "%",
                             "automargin": True},
                      yaxis={"title": {"text": "value" + (" (epoch units)" if is_time else "")}, "automargin": True})
    return fig


def cumulative_figure(reference: FeatureStatistics | None, current: FeatureStatistics | None = None, *,
                      height: int = 300, title: str | None = None,
                      evaluation: FeatureStatistics | None = None) -> go.Figure:
    """Facets' cumulative value-frequency chart: share of rows covered by the k most frequent values."""
    sides = _sides(reference, current, evaluation)
    base = sides[0][0] if sides else None
    fig = go.Figure()
    for f, label, color in sides:
        if f.values is None:
            continue
        counts = np.sort(np.asarray([c for _, c in f.values.top(10_000)], dtype=float))[::-1]
        total = float(f.values.counter.total) or float(counts.sum()) or 1.0
        if not len(counts):
            continue
        fig.add_scatter(x=np.arange(1, len(counts) + 1), y=np.cumsum(counts) / total, mode="lines", name=label,
                        line={"color": color, "shape": "hv"})
    fig.update_layout(title={"text": title if title is not None else html.escape(base.name if base else ""),
                             "font": {"size": 14}, "x": 0, "xanchor": "left"},
                      height=height, margin={"l": 10, "r": 10, "t": 60, "b": 10}, legend=LEGEND,
                      xaxis={"title": {"text": "number of most frequent values (log scale)"}, "type": "log",
                             "automargin": True},
                      yaxis={"title": {"text": "share of values covered"}, "tickformat": "~%", "range": [0, 1.02],
                             "automargin": True})
    return fig


def categorical_figure(reference: FeatureStatistics | None, current: FeatureStatistics | None = None, *,
                       top: int = 20, log_y: bool = False, percent: bool = True, height: int = 300,
                       title: str | None = None, evaluation: FeatureStatistics | None = None) -> go.Figure:
    """Grouped bars of the most frequent values (union of every dataset's top values)."""
    sides = _sides(reference, current, evaluation)
    base = sides[0][0] if sides else None
    fig = go.Figure()
    if base is None:
        return _layout(fig, title or "", log_y=log_y, percent=percent, height=height)
    # Every dataset aligned on the training data's categories (plus its own): one label order for all.
    aligned = [(aligned_categories(base, f), label, color) for f, label, color in sides]
    all_labels = list(dict.fromkeys(lab for ac, _, _ in aligned for lab in ac.labels))
    shares = []
    for ac, label, color in aligned:
        by = dict(zip(ac.labels, ac.current, strict=True))
        counts = np.asarray([float(by.get(lab, 0.0)) for lab in all_labels])
        shares.append((counts, label, color))
    total = sum(c / (c.sum() or 1) for c, _, _ in shares)
    order = np.argsort(-total, kind="stable")[:top]
    # Plotly renders <b>, <a>, <br> in text: category values from the data are escaped to show literally.
    labels = [html.escape(str(all_labels[i])) for i in order]
    for counts, label, color in shares:
        t = counts.sum()
        y = counts[order] / t if percent and t else counts[order]
        fig.add_bar(x=labels, y=y, name=label, marker_color=color)
    fig.update_xaxes(type="category", tickangle=-35 if max((len(t) for t in labels), default=0) > 8 else 0)
    # Long labels take room below the bars: grow the figure rather than squash the plot.
    longest = min(max((len(t) for t in labels), default=0), 40)
    return _layout(fig, title if title is not None else html.escape(base.name), log_y=log_y, percent=percent,
                   height=max(height, 240 + 5 * longest), x_title=f"most frequent values (top {top})")


def feature_figure(reference: FeatureStatistics | None, current: FeatureStatistics | None = None,
                   view: str = "distribution", **kwargs: object) -> go.Figure:
    """The right chart for the feature's kind; ``view``: ``distribution``, ``quantiles`` (numeric) or ``cumulative``.

    ``evaluation=`` (in ``kwargs``) adds the evaluation data in its colour.
    """
    evaluation = kwargs.get("evaluation")
    present = [f for f in (reference, evaluation, current) if f is not None]
    base = _inner(present[0]) if present else None  # type: ignore[arg-type]
    numeric = base is not None and base.numeric is not None and base.logical_type.is_numeric
    if view in ("quantiles", "cumulative"):
        keep = {k: v for k, v in kwargs.items() if k in ("height", "title", "evaluation")}
        if numeric:
            return quantile_figure(reference, current, **keep)  # type: ignore[arg-type]
        return cumulative_figure(reference, current, **keep)  # type: ignore[arg-type]
    if numeric:
        return numeric_figure(reference, current, **kwargs)  # type: ignore[arg-type]
    kwargs.pop("buckets", None)
    return categorical_figure(reference, current, **kwargs)  # type: ignore[arg-type]


def distance_figure(features: list[str], values: list[float], threshold: float, *, method: str,
                    height: int = 320) -> go.Figure:
    """Per-feature distance bars with the threshold drawn as a line; bars above it in orange."""
    colors = [CURRENT_COLOR if v >= threshold else REFERENCE_COLOR for v in values]
    fig = go.Figure(go.Bar(x=features, y=values, marker_color=colors, name=method))
    # The label right of the plot area, on a background: never hidden behind the first bar.
    fig.add_hline(y=threshold, line_dash="dash", line_color="#d62728",
                  annotation_position="top right", annotation={"text": f"threshold {threshold:g}", "xanchor": "right",
                              "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.85)", "font": {"color": "#d62728"}})
    fig.update_layout(height=height, margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      yaxis={"title": {"text": method}, "automargin": True},
                      xaxis={"type": "category", "title": {"text": "feature"}, "automargin": True}, showlegend=False)
    return fig


def span_times(spans: list[Any]) -> list[Any] | None:
    """Span labels as datetimes (a real time axis), or None when they are not all times.

    Accepts ISO text (``2024-06-03``), datetimes and pandas Periods/Timestamps (a period's start).
    """
    import pandas as pd

    out = []
    for s in spans:
        if isinstance(s, pd.Period):
            out.append(s.start_time.to_pydatetime())
            continue
        text = str(s).split("/")[0].strip()  # "2024-06-03/2024-06-09": the span's start
        try:
            out.append(pd.Timestamp(text).to_pydatetime())
        except (ValueError, TypeError):
            return None
    return out


def timeline_figure(spans: list[Any], series: dict[str, list[float | None]], threshold: float | None = None, *,
                    title: str = "distance to the training data", y_title: str = "distance to the training data",
                    height: int = 320) -> go.Figure:
    """Distance of each span per feature, as lines on a real time axis (gaps between spans show as gaps).

    Spans that are not times (labels such as ``span 1``) are drawn in order on a category axis.
    Missing values (``None``) break the line rather than joining across a span without data.
    """
    times = span_times(spans)
    x = times if times is not None else [str(s) for s in spans]
    fig = go.Figure()
    for name, ys in series.items():
        fig.add_scatter(x=x, y=ys, mode="lines+markers", name=name, connectgaps=False)
    if threshold is not None:
        fig.add_hline(y=threshold, line_dash="dash", line_color="#d62728",
                      annotation_position="top right", annotation={"text": f"threshold {threshold:g}", "xanchor": "right",
                                  "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.85)",
                                  "font": {"color": "#d62728"}})
    fig.update_layout(title={"text": title, "font": {"size": 14}, "x": 0, "xanchor": "left"}, height=height,
                      margin={"l": 10, "r": 10, "t": 60, "b": 10}, legend=LEGEND,
                      xaxis={"type": "date" if times is not None else "category",
                             "title": {"text": "span start"}, "automargin": True},
                      yaxis={"title": {"text": y_title}, "automargin": True, "rangemode": "tozero"})
    return fig


#: Bar colours of the drift chart by verdict (the rest: the training colour).
VERDICT_COLORS = {"drift": CURRENT_COLOR, "possible drift": "#f5c28f"}


def drift_figure(features: list[str], past: list[float], verdicts: list[str], *, height: int = 320) -> go.Figure:
    """How far each feature is past its threshold (statistic ÷ threshold; tests: threshold ÷ p), coloured by verdict.

    Ratios are capped at 1e6; a log axis when one ratio is over 20 (it would flatten every other
    bar), with the threshold label placed in log units.
    """
    values = [min(float(v), 1e6) for v in past]
    fig = distance_figure([html.escape(str(f)) for f in features], values, 1.0, height=height,
                          method="statistic ÷ threshold (tests: threshold ÷ p); 1 = the threshold")
    fig.data[0].marker.color = [VERDICT_COLORS.get(v, REFERENCE_COLOR) for v in verdicts]
    if values and max(values) > 20 and min(values) > 0:
        fig.update_yaxes(type="log")
        for ann in fig.layout.annotations:  # annotations on a log axis are placed in log10 units
            ann.y = 0.0
    return fig
