"""The Slices & fairness page's cached computations and figures (thin glue over :mod:`dvtools.fairness`).

Group and label reports are computed once per (dataset digests, options) with
``st.cache_resource`` (frozen results, no pickle round trip); thresholds are part of the key,
since they decide the findings inside the report. Figures are pure: report in, figure out; every
group name drawn is HTML-escaped (plotly renders a subset of HTML in labels).
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dvtools.fairness import FOUR_FIFTHS, GroupReport, GroupThresholds, LabelReport, group_report, label_report
from dvtools.fairness.groups import SIDE_LABELS, group_name, grouping_name
from dvtools.ui import cache
from dvtools.ui.roles import COLORS as SIDE_COLORS  # the dashboard's one palette: a dataset's colour everywhere
from dvtools.ui.state import DatasetRef


def _source(ref: DatasetRef | None, group_columns: tuple[str, ...]) -> Any:
    """What group_report reads: the server file, the parsed upload, or statistics (sliced by the group column)."""
    if ref is None:
        return None
    if not ref.has_rows:
        return cache.statistics_for(ref, group_columns[0] if len(group_columns) == 1 else None)
    return ref.path if ref.path is not None else cache.table_for(ref)


@st.cache_resource(max_entries=8, show_spinner=False)
def _groups(digests: tuple[str | None, ...], groups: tuple[str, ...], label: str | None, thresholds: GroupThresholds,
            bins: int, options_key: str, _refs: tuple[DatasetRef | None, ...], _options: dict[str, Any]) -> GroupReport:
    ref, cur, ev = (_source(r, groups) for r in _refs)
    return group_report(ref, cur, ev, groups=list(groups), label=label, thresholds=thresholds, bins=bins,
                        schema=_options.get("schema"), drift_thresholds=_options.get("thresholds"),
                        environment=_options.get("environment"), comparator=_options.get("comparator", "drift"),
                        exclude=_options.get("exclude", ()))


def group_report_for(reference: DatasetRef, current: DatasetRef | None, evaluation: DatasetRef | None,
                     groups: tuple[str, ...], label: str | None, thresholds: GroupThresholds, bins: int = 5,
                     options: dict[str, Any] | None = None) -> GroupReport:
    """The group report of the loaded datasets (raises DvtoolsError on bad input or options).

    ``options``: :func:`dvtools.ui.analysis.comparison_options` (schema, environment, comparator,
    thresholds, key columns), so drift within groups is judged as on the Skew & drift page.
    """
    refs = (reference, current, evaluation)
    opts = dict(options or {})
    return _groups(tuple(r.digest if r is not None else None for r in refs), groups, label, thresholds, bins,
                   cache.options_key(**opts), refs, opts)


@st.cache_resource(max_entries=6, show_spinner=False)
def _labels(digest: str, ref_digest: str | None, label: str | None, raters: tuple[str, ...], group: str | None,
            exclude: tuple[str, ...], schema_key: str, _data: DatasetRef, _reference: DatasetRef | None,
            _schema: Any) -> LabelReport:
    src = _data.path if _data.path is not None else cache.table_for(_data)
    ref = None
    if _reference is not None:
        ref = _reference.path if _reference.path is not None else cache.table_for(_reference)
    return label_report(src, label=label, raters=list(raters), reference=ref, group=group, exclude=list(exclude),
                        schema=_schema)


def label_report_for(data: DatasetRef, reference: DatasetRef | None, label: str | None, raters: tuple[str, ...],
                     group: str | None, exclude: tuple[str, ...] = (), schema: Any = None,
                     schema_key: str = "") -> LabelReport:
    """The label report of one loaded dataset (needs rows), compared with ``reference`` when given.

    ``schema`` (the one in use; ``schema_key`` its digest, for the cache): its roles say which columns
    are identifiers and timestamps, its accept notes silence accepted findings.
    """
    return _labels(data.digest, reference.digest if reference is not None else None, label, raters, group,
                   tuple(sorted(exclude)), schema_key, data, reference, schema)


# --------------------------------------------------------------------------- tables and figures (pure)


def findings_frame(anomalies: Any) -> pd.DataFrame:
    """Findings as a plain table (severity, type, column, finding): cells are text, never Markdown."""
    return pd.DataFrame([{"severity": a.severity.value, "type": a.type.value, "column": a.feature or "(dataset)",
                          "finding": a.description} for a in anomalies],
                        columns=["severity", "type", "column", "finding"])


def shares_figure(report: GroupReport, grouping: tuple[str, ...], height: int = 320) -> go.Figure:
    """Share of examples per group, one bar per dataset side by side."""
    rows = [g for g in report.shares if g.grouping == grouping]
    fig = go.Figure()
    for side in report.sides:
        fig.add_bar(x=[html.escape(" · ".join(g.group)) for g in rows], y=[g.shares.get(side, 0.0) for g in rows],
                    name=SIDE_LABELS[side], marker_color=SIDE_COLORS[side])
    fig.update_layout(barmode="group", height=height, margin={"l": 40, "r": 10, "t": 40, "b": 40},
                      title={"text": f"Share of examples by {html.escape(grouping_name(grouping))}", "font": {"size": 14}},
                      yaxis={"tickformat": "~%", "title": "share"}, legend={"orientation": "h", "y": -0.25})
    return fig


def rates_figure(report: GroupReport, grouping: tuple[str, ...], value: str | None, height: int = 320) -> go.Figure:
    """Label rate per group and dataset, with the four-fifths line of the highest training rate (a reference)."""
    rates = [r for r in report.label_rates if r.grouping == grouping and r.value == value]
    groups = list(dict.fromkeys(r.group for r in rates))
    fig = go.Figure()
    for side in report.sides:
        by = {r.group: r.rate for r in rates if r.side == side}
        if by:
            fig.add_bar(x=[html.escape(" · ".join(g)) for g in groups], y=[by.get(g) for g in groups],
                        name=SIDE_LABELS[side], marker_color=SIDE_COLORS[side])
    top = max((r.rate for r in rates if r.side == "reference"), default=None)
    what = f"share of {report.label}={value}" if value is not None else f"mean {report.label}"
    if top is not None and value is not None:
        fig.add_hline(y=FOUR_FIFTHS * top, line_dash="dot", line_color="#57606a",
                      annotation_text="four-fifths of the highest training rate",
                      annotation_position="top left")
    fig.update_layout(barmode="group", height=height, margin={"l": 40, "r": 10, "t": 40, "b": 40},
                      title={"text": html.escape(f"{what} by {grouping_name(grouping)}"), "font": {"size": 14}},
                      yaxis={"tickformat": "~%" if value is not None else None},
                      legend={"orientation": "h", "y": -0.25})
    return fig


def missing_frame(report: GroupReport, grouping: tuple[str, ...], side: str = "reference") -> pd.DataFrame:
    """Missing share per feature (rows) and group (columns) in one dataset, features with any gap first."""
    rows = [m for m in report.missing if m.grouping == grouping and m.side == side]
    if not rows:
        return pd.DataFrame()
    df = pd.DataFrame([{"feature": m.feature, "group": " · ".join(m.group), "missing": m.missing_share,
                        "overall": m.overall_share} for m in rows])
    wide = df.pivot_table(index="feature", columns="group", values="missing", aggfunc="first")
    wide.insert(0, "overall", df.groupby("feature")["overall"].first())
    gap = wide.drop(columns="overall").max(axis=1) - wide["overall"]
    return wide.loc[gap.sort_values(ascending=False).index].reset_index()


def drift_frame(report: GroupReport) -> pd.DataFrame:
    """Drifted features per group and dataset; those drifted only within the group first."""
    rows = [{"group": group_name(d.grouping, d.group), "dataset": SIDE_LABELS[d.side],
             "examples (training)": d.num_reference, "examples (other)": d.num_current,
             "drifted only in this group": ", ".join(d.drifted_only_here), "drifted": ", ".join(d.drifted),
             "count": len(d.drifted)} for d in report.drift]
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    return df.sort_values(["drifted only in this group", "count"], ascending=[False, False]).drop(columns="count")
