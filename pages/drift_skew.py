"""Skew & drift: per-feature distances with a movable threshold, feature skew, concept shift, timeline."""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import streamlit as st

from dvtools.errors import DvtoolsError
from dvtools.statistics.model import LogicalType
from dvtools.ui import analysis, anomaly_view, cache, comparator_controls, components, state
from dvtools.ui.charts import CURRENT_COLOR, REFERENCE_COLOR, distance_figure, feature_figure, timeline_figure
from dvtools.ui.format import human_count, human_number, md_escape
from dvtools.ui.frame import require_frame

require_frame()  # deep links run through app.py's navigation

VERDICT_COLORS = {"drift": CURRENT_COLOR, "possible drift": "#f5c28f"}
MAX_TIMELINE_FEATURES = 8
ROLE_TEXT = {"skew": "serving vs training: the schema's skew comparators apply",
             "drift": "evaluation vs training: the schema's drift comparators apply"}


def _verdict_style(v: object) -> str:
    return {"drift": "background-color: rgba(240, 137, 43, 0.35)",
            "possible drift": "background-color: rgba(240, 137, 43, 0.15)"}.get(str(v), "")


# --------------------------------------------------------------------------- drift


def _drift_chart(table: pd.DataFrame) -> None:
    shown = table[pd.to_numeric(table["past"], errors="coerce").notna()]
    if shown.empty:
        st.caption("No feature has a statistic.")
        return
    values = [min(float(v), 1e6) for v in shown["past"]]
    fig = distance_figure([html.escape(str(f)) for f in shown["feature"]], values, 1.0,
                          method="statistic ÷ threshold (tests: threshold ÷ p); 1 = the threshold")
    fig.data[0].marker.color = [VERDICT_COLORS.get(v, REFERENCE_COLOR) for v in shown["verdict"]]
    if max(values) > 20 and min(values) > 0:
        fig.update_yaxes(type="log")  # one huge ratio would flatten every other bar
        for ann in fig.layout.annotations:  # annotations on a log axis are placed in log10 units
            ann.y = 0.0
    st.plotly_chart(fig, width="stretch", key="drift_chart", config={"displaylogo": False})


def _drift_table(table: pd.DataFrame) -> None:
    cc = st.column_config
    pct = {c: cc.NumberColumn(c.replace("_", " "), format="percent") for c in
           ("missing_reference", "missing_current", "missing_change", "out_of_range_share")}
    st.dataframe(table.style.map(_verdict_style, subset=["verdict"]), hide_index=True,
                 column_config={"statistic": cc.NumberColumn(format="%.4g"),
                                "threshold": cc.NumberColumn(format="%.4g"),
                                "threshold_source": cc.TextColumn("threshold from"),
                                "past": cc.NumberColumn("past threshold", format="%.3g"), **pct},
                 height=min(38 + 35 * max(len(table), 1), 460))


def _feature_detail(comparison: Any, data: analysis.Loaded, ordered: list[str]) -> None:
    names = list(dict.fromkeys([*ordered, *comparison.not_compared, *comparison.only_in_reference,
                                *comparison.only_in_current]))
    if not names:
        return
    st.subheader("One feature")
    feature = st.selectbox("Feature", names, key="drift_feature")
    assert data.reference_stats is not None and data.current_stats is not None
    ref = data.reference_stats.features.get(feature)
    cur = data.current_stats.features.get(feature)
    c1, c2 = st.columns([3, 2])
    with c1:
        fig = feature_figure(ref, cur, height=320, title=html.escape(str(feature)))
        st.plotly_chart(fig, width="stretch", key="drift_feature_chart", config={"displaylogo": False})
    with c2:
        if feature in comparison:
            st.markdown("\n".join(f"- **{md_escape(what)}**: {md_escape(text)}"
                                   for what, text in anomaly_view.feature_findings(comparison[feature])))
        elif feature in comparison.not_compared:
            st.info(md_escape(f"Not compared: {comparison.not_compared[feature]}."), icon=":material/info:")
        elif feature in comparison.only_in_reference:
            st.info("Only in the training (reference) data: nothing to compare.", icon=":material/info:")
        else:
            st.info("Only in the compared data: nothing to compare.", icon=":material/info:")


def _drift(data: analysis.Loaded) -> None:
    st.subheader("Distribution skew / drift")
    assert data.reference is not None and data.current is not None
    assert data.reference_stats is not None and data.current_stats is not None
    try:
        comparison = analysis.comparison(data)
    except DvtoolsError as e:
        components.show_messages([f"comparison failed: {e}"], "error")
        return
    with st.expander("Thresholds (shared with the Anomalies page)", expanded=True, icon=":material/tune:"):
        comparator_controls.render(data.reference_stats.num_examples, comparison)
    st.caption(md_escape(f"Policy {comparison.policy}; {ROLE_TEXT[comparison.comparator]}."))
    if comparison.nothing_compared:
        st.warning(md_escape(comparison.nothing_compared_reason().capitalize() + "."), icon=":material/warning:")
        comparator_controls.not_compared(comparison)
        return
    table = anomaly_view.drift_table(comparison)
    c1, c2, c3 = st.columns(3)
    c1.metric("Drifted features", f"{len(comparison.drifted)} of {len(comparison.features)}")
    c2.metric("Possible drift", f"{len(comparison.possibly_drifted)}")
    c3.metric("Not compared", f"{len(comparison.not_compared)}",
              help="Identifiers, timestamps and key columns (and features without comparable values).")
    _drift_chart(table)
    _drift_table(table)
    comparator_controls.not_compared(comparison)
    gone = [md_escape(n) for n in comparison.only_in_reference]
    new = [md_escape(n) for n in comparison.only_in_current]
    if gone or new:
        st.caption("Not in both datasets: " + "; ".join(
            ([f"only in training: {', '.join(gone)}"] if gone else [])
            + ([f"only in the compared data: {', '.join(new)}"] if new else [])))
    _feature_detail(comparison, data, list(table["feature"]))


# --------------------------------------------------------------------------- feature skew


def _rows_reason(data: analysis.Loaded) -> str | None:
    sides = [("training (reference)", data.reference), ("serving (current)", data.current)]
    for label, ref in sides:
        if ref is not None and not ref.has_rows:
            return f"the {label} dataset is a statistics file: this needs the raw rows of both datasets"
    return None


def _skew(data: analysis.Loaded) -> None:
    st.subheader("Feature skew (same examples, different values)")
    keys = state.get_option("keys") or []
    if not keys:
        components.empty_state("Choose key columns on the Data page to join training and serving examples.",
                               links=[("pages/data.py", "Choose key columns", ":material/key:")])
        return
    reason = _rows_reason(data)
    if reason:
        st.info(f"Unavailable: {reason}.", icon=":material/info:")
        return
    assert data.reference is not None and data.current is not None
    try:
        with st.spinner("Joining the examples…"):
            result = cache.feature_skew_for(data.reference, data.current, tuple(keys))
    except DvtoolsError as e:
        components.show_messages([f"feature skew failed: {e}"], "error")
        return
    st.caption(f"Joined on {md_escape(', '.join(keys))}: {human_count(result.num_joined)} examples on both sides; "
               f"{human_count(result.only_in_reference)} only in training, {human_count(result.only_in_current)} "
               "only in serving.")
    components.show_messages(result.warnings, "warning")
    frame = anomaly_view.skew_frame(result)
    st.dataframe(frame, hide_index=True, key="skew_table",
                 column_config={"mismatch_share": st.column_config.NumberColumn("mismatch share", format="percent")},
                 height=min(38 + 35 * max(len(frame), 1), 400))
    mismatched = [str(f) for f, n in zip(frame["feature"], frame["num_mismatches"], strict=True) if n]
    if not mismatched:
        st.success("Every joined example has the same values on both sides.", icon=":material/check_circle:")
        return
    feature = st.selectbox("Mismatching pairs of", mismatched, key="skew_feature")
    st.dataframe(anomaly_view.skew_samples(result, feature), hide_index=True)


# --------------------------------------------------------------------------- concept shift


def _concept(data: analysis.Loaded) -> None:
    st.subheader("Covariate vs concept shift")
    label = state.get_option("label")
    if not label:
        components.empty_state("Choose the label column on the Data page to see whether P(label | feature) "
                               "changed.", links=[("pages/data.py", "Choose the label", ":material/label:")])
        return
    reason = _rows_reason(data)
    assert data.reference_stats is not None and data.current_stats is not None
    for side, stats in (("training (reference)", data.reference_stats), ("serving (current)", data.current_stats)):
        if label not in stats:
            reason = f"the {side} data has no column {label!r}"
    if reason:
        st.info(md_escape(f"Unavailable: {reason}."), icon=":material/info:")
        return
    assert data.reference is not None and data.current is not None
    try:
        with st.spinner("Comparing P(label | feature)…"):
            result = cache.concept_shift_for(data.reference, data.current, label)
    except DvtoolsError as e:
        components.show_messages([f"concept shift failed: {e}"], "error")
        return
    components.show_messages(result.warnings, "warning")
    c1, c2 = st.columns([1, 2])
    with c1:
        st.caption(f"Label {md_escape(label)}: distribution change (L-infinity {human_number(result.label_shift)})")
        st.dataframe(anomaly_view.label_frame(result), hide_index=True)
    with c2:
        frame = anomaly_view.concept_frame(result)
        st.dataframe(frame.style.map(_shift_style, subset=["verdict"]), hide_index=True, key="concept_table",
                     height=min(38 + 35 * max(len(frame), 1), 420))
    if result.skipped_features:
        st.caption("Not analyzed: " + "; ".join(f"{md_escape(k)} ({md_escape(v)})"
                                                for k, v in result.skipped_features.items()))


def _shift_style(v: object) -> str:
    return {"concept shift": "background-color: rgba(214, 39, 40, 0.25)",
            "both": "background-color: rgba(214, 39, 40, 0.25)",
            "covariate shift": "background-color: rgba(240, 137, 43, 0.25)"}.get(str(v), "")


# --------------------------------------------------------------------------- timeline


def _timeline(data: analysis.Loaded) -> None:
    st.subheader("Timeline")
    assert data.current_stats is not None and data.current is not None and data.reference is not None
    stamps = [f.name for f in data.current_stats if f.logical_type == LogicalType.TIMESTAMP]
    if not stamps:
        st.caption("The serving data has no timestamp column to split it into spans.")
        return
    if not data.current.has_rows:
        st.caption("Splitting into spans needs the raw serving rows (the current dataset is a statistics file).")
        return
    c1, c2, c3 = st.columns([2, 1, 1])
    ts = c1.selectbox("Timestamp column", stamps, key="drift_timestamp")
    freq = c2.segmented_control("Span", ["day", "week", "month"], default="week", key="drift_freq",
                                required=True) or "week"
    on = c3.toggle("Split the serving data", key="drift_timeline",
                   help="One pass over the serving rows; each span is compared with the training data.")
    if not on:
        return
    try:
        th = state.get_thresholds()  # the session's policy and global thresholds, as every page
        result = cache.spans_for(data.current, data.reference_stats, reference_digest=data.reference.digest,
                                 timestamp=ts, freq=freq[0].upper(), policy=th.policy,
                                 thresholds=th.comparison_options()["thresholds"])  # with a progress bar
    except DvtoolsError as e:
        components.show_messages([f"timeline failed: {e}"], "error")
        return
    spans, series, threshold = anomaly_view.timeline_series(result, limit=MAX_TIMELINE_FEATURES)
    if not spans:
        st.caption("No span to show.")
        return
    fig = timeline_figure(spans, {html.escape(k): v for k, v in series.items()}, threshold,
                          title=f"distance of each {freq} to the training data (policy {state.get_thresholds().policy}; "
                                f"most drifted features)")
    st.plotly_chart(fig, width="stretch", key="drift_timeline_chart", config={"displaylogo": False})
    st.dataframe(result.spans_table, hide_index=True)


# --------------------------------------------------------------------------- page


def main() -> None:
    """Render the page."""
    st.title("Skew & drift")
    data = analysis.loaded()
    components.show_messages(data.error_lines(), "error")
    if not data.ready:
        components.empty_state("Load the training (reference) and serving (current) data on the Data page "
                               "(or open the demo) to compare them.",
                               links=[("pages/data.py", "Load data", ":material/upload_file:")])
        return
    _drift(data)
    st.divider()
    _skew(data)
    st.divider()
    _concept(data)
    st.divider()
    _timeline(data)


main()
