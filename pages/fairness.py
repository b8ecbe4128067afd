"""Slices & fairness: who is in the data per group, label rates and missing values per group, label quality."""

from __future__ import annotations

import streamlit as st

from dvtools.errors import DvtoolsError
from dvtools.fairness.groups import SIDE_LABELS, grouping_name
from dvtools.ui import analysis, components, fairness_view, state
from dvtools.ui.format import human_count, human_percent, md_escape
from dvtools.ui.frame import require_frame
from dvtools.validation.group_thresholds import group_thresholds

require_frame()  # deep links run through app.py's navigation

st.title("Slices & fairness")
data = analysis.loaded()
if data.reference is None or data.reference_stats is None:
    components.empty_state("Load a training dataset first.",
                           links=[("pages/data.py", "Load data", ":material/upload_file:")])
    st.stop()
assert data.reference_stats is not None
columns = list(data.reference_stats.features)
label = state.get_option("label")
keys = tuple(str(k) for k in state.get_option("keys") or [])
evaluation = data.evaluation if data.evaluation_stats is not None else None


def _masked(rows: object) -> object:
    """Example rows with sensitive columns masked (privacy mode, issue 13)."""
    import pandas as pd

    from dvtools.ui import cache

    return cache.display_rows(rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows))


def _remember(name: str, key: str) -> None:
    state.set_option(name, st.session_state[key])


groups_tab, labels_tab = st.tabs(["Groups", "Labels and raters"])

# --------------------------------------------------------------------------- groups
with groups_tab:
    options = analysis.comparison_options(data)
    schema = options.get("schema")
    # The session's choice, else the columns the schema marks as group columns.
    default = [c for c in state.get_option("groups") or (schema.group_columns() if schema is not None else [])
               if c in columns][:2]
    if "fair_groups" not in st.session_state:
        st.session_state["fair_groups"] = default
    chosen = st.multiselect("Group columns (one, or two for intersections)", columns, key="fair_groups",
                            max_selections=2, on_change=_remember, args=("groups", "fair_groups"),
                            help="Sensitive attributes such as gender, age band, country or device. Numeric "
                                 "columns are bucketed on the training data's quantiles.")
    base = group_thresholds(options.get("thresholds"))  # the session's group thresholds (defaults: GroupThresholds)
    with st.expander("Thresholds"):
        c1, c2, c3, c4, c5 = st.columns(5)
        min_share = c1.number_input("Minimum share", 0.0, 1.0, base.min_share, step=0.005, format="%.3f",
                                    key="fair_min_share")
        min_count = c2.number_input("Minimum examples", 0, 1_000_000, base.min_count, step=10, key="fair_min_count")
        max_change = c3.number_input("Share change", 0.0, 1.0, base.max_share_change, step=0.01, format="%.2f",
                                     key="fair_change")
        ratio = c4.number_input("Label rate ratio", 0.0, 1.0, base.min_rate_ratio, step=0.05, format="%.2f",
                                key="fair_ratio", help="Lowest group rate / highest below this is a disparity. 0.8 "
                                                       "is the four-fifths line: a reference, not a verdict.")
        gap = c5.number_input("Missing gap", 0.0, 1.0, base.max_missing_gap, step=0.01, format="%.2f",
                              key="fair_missing_gap", help="A feature missing this much more often in a group than "
                                                           "overall (and twice as often) is a data-quality disparity.")
    if not chosen:
        st.info("Choose one or two group columns.", icon=":material/arrow_forward:")
    else:
        current = data.current if data.current_stats is not None else None
        try:
            th = group_thresholds(base, min_share=float(min_share), min_count=int(min_count),
                                  max_share_change=float(max_change), min_rate_ratio=float(ratio),
                                  max_missing_gap=float(gap))
            with st.spinner("Computing statistics per group…"):
                report = fairness_view.group_report_for(
                    data.reference, current, evaluation, tuple(chosen),
                    label if label in columns else None, th, options=options)
        except DvtoolsError as e:
            components.show_messages([f"group report failed: {e}"], "error")
            st.stop()
        components.show_messages(report.warnings, "warning")
        errors = sum(1 for a in report.anomalies if a.severity.value == "ERROR")
        m1, m2, m3 = st.columns(3)
        m1.metric("Groups", f"{sum(1 for g in report.shares if g.grouping == report.groupings[-1])}")
        m2.metric("Findings", f"{len(report.anomalies)}", help=f"{errors} errors")
        changes = report.share_change.get(grouping_name(report.groupings[0]), {})
        if changes:
            side, value = next(iter(changes.items()))
            m3.metric(f"Share change vs {SIDE_LABELS[side]} (L-infinity)", human_percent(value))
        if report.anomalies:
            st.dataframe(fairness_view.findings_frame(report.anomalies), hide_index=True, key="fair_findings",
                         column_config={"finding": components.text_column("finding", width="large")})
        else:
            st.success("No group finding at these thresholds.", icon=":material/check_circle:")
        for i, g in enumerate(report.groupings):
            st.subheader(f"By {md_escape(grouping_name(g))}")
            c1, c2 = st.columns(2)
            c1.plotly_chart(fairness_view.shares_figure(report, g), width="stretch", key=f"fair_shares_{i}",
                            config={"displaylogo": False})
            values = list(dict.fromkeys(r.value for r in report.label_rates if r.grouping == g))
            if values:
                c2.plotly_chart(fairness_view.rates_figure(report, g, values[0]), width="stretch",
                                key=f"fair_rates_{i}", config={"displaylogo": False})
            elif label is None:
                c2.caption("Choose a label column on the Data page to see label rates per group.")
            missing = fairness_view.missing_frame(report, g)
            if not missing.empty:
                with st.expander(f"Missing values per group ({SIDE_LABELS['reference']})"):
                    pct = {c: st.column_config.NumberColumn(str(c), format="percent") for c in missing.columns
                           if c != "feature"}
                    st.dataframe(missing, hide_index=True, column_config=pct, key=f"fair_missing_{i}")
        drift = fairness_view.drift_frame(report)
        if not drift.empty:
            st.subheader("Drift within groups")
            st.caption("The Skew & drift page's comparison, per group: a shift one group sees can hide in the "
                       "whole population." + (f" Key columns left out: {md_escape(', '.join(keys))}." if keys else ""))
            st.dataframe(drift, hide_index=True, key="fair_drift")

# --------------------------------------------------------------------------- labels
with labels_tab:
    sides = {d.role: d for d in data.with_stats()}  # training, evaluation, serving: by role
    role = st.radio("Dataset", list(sides), format_func=lambda r: sides[r].label, horizontal=True,
                    key="fair_label_side",
                    help="Evaluation and serving rows are also matched against the training rows (leakage).")
    ref = sides[role].ref
    if not ref.has_rows:
        st.info("This needs the raw rows: the dataset is a statistics file.", icon=":material/info:")
        st.stop()
    stats = sides[role].stats
    assert stats is not None
    cols = list(stats.features)
    if "fair_raters" not in st.session_state:
        st.session_state["fair_raters"] = [c for c in state.get_option("raters") or [] if c in cols]
    raters = st.multiselect("Rater columns (one label per rater)", cols, key="fair_raters",
                            on_change=_remember, args=("raters", "fair_raters"))
    group_options = ["(none)", *cols]
    first = next((c for c in state.get_option("groups") or [] if c in cols), "(none)")
    group = st.selectbox("Agreement per group of", group_options, index=group_options.index(first),
                         key="fair_rater_group")
    use_label = label if label in cols else None
    if use_label is None and len(raters) < 2:
        st.info("Choose a label column on the Data page, or two or more rater columns.",
                icon=":material/arrow_forward:")
        st.stop()
    if len(raters) == 1:
        st.info("Rater agreement needs two or more rater columns.", icon=":material/info:")
        raters = []
    try:
        with st.spinner("Hashing rows and counting ratings…"):
            opts = analysis.comparison_options(data)
            lr = fairness_view.label_report_for(ref, data.reference if role != "reference" else None, use_label,
                                                tuple(raters), None if group == "(none)" else group, keys,
                                                schema=opts["schema"], schema_key=opts["schema_key"])
    except DvtoolsError as e:
        components.show_messages([f"label report failed: {e}"], "error")
        st.stop()
    components.show_messages(lr.warnings, "warning")
    m = st.columns(4)
    m[0].metric("Examples", human_count(lr.num_examples))
    m[1].metric("Conflicting labels", human_count(lr.conflicts), help=f"{human_count(lr.conflict_groups)} groups "
                "of identical features with different labels")
    m[2].metric("Duplicates", human_count(lr.duplicates))
    if lr.num_examples_reference is not None:
        m[3].metric("Rows also in training", human_count(lr.overlap), help="Leakage between the datasets")
    elif lr.imbalance_ratio is not None:
        m[3].metric("Class imbalance", f"{lr.imbalance_ratio:.1f} : 1")
    if lr.anomalies:
        st.dataframe(fairness_view.findings_frame(lr.anomalies), hide_index=True, key="fair_label_findings",
                     column_config={"finding": components.text_column("finding", width="large")})
    left_out = list(dict.fromkeys([*keys, *lr.identifiers]))
    st.caption("Rows compared on their features; left out: identifiers "
               + (md_escape(", ".join(left_out)) or "none") + ", timestamps "
               + (md_escape(", ".join(lr.timestamps)) or "none") + ".")
    if use_label is not None:
        st.dataframe(lr.to_frame("labels"), hide_index=True, key="fair_label_dist",
                     column_config={c: st.column_config.NumberColumn(c, format="percent")
                                    for c in ("share", "share_reference")})
    if lr.agreement is not None:
        st.subheader("Rater agreement")
        st.dataframe(lr.to_frame("agreement").dropna(axis=1, how="all"), hide_index=True, key="fair_agreement")
        st.caption("Krippendorff's alpha (missing ratings allowed; 0.667 is the usual floor), Fleiss' kappa over "
                   "items every rater rated, Cohen's kappa per pair, each rater's agreement with the others' majority.")
    for kind, rows in lr.examples.items():
        if rows:
            with st.expander(f"Examples: {kind}"):
                st.dataframe(_masked(rows), hide_index=True, key=f"fair_examples_{kind}")
