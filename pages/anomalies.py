"""Anomalies: every finding against the schema and the reference, with thresholds, accept and drill-down."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dvtools.errors import DvtoolsError
from dvtools.schema.model import Schema
from dvtools.ui import analysis, anomaly_view, cache, comparator_controls, components, state
from dvtools.ui.charts import SEVERITY_COLORS
from dvtools.ui.format import human_count, md_escape
from dvtools.ui.frame import require_frame, validation_error
from dvtools.validation import EXPLANATIONS, AnomalyNotAcceptable, accept_anomaly
from dvtools.validation.anomalies import Anomaly

require_frame()  # deep links run through app.py's navigation

MAX_CARDS = 60
DRILLDOWN_ROWS = 20
BADGE = {"ERROR": "red", "WARNING": "orange"}
MESSAGE = "_anomalies_message"  # (kind, text) shown once after an accept


# --------------------------------------------------------------------------- thresholds


def _seed(key: str, value: float) -> None:
    if key not in st.session_state:
        st.session_state[key] = value


def _apply_thresholds() -> None:
    """Slider callback: new global thresholds (validation reruns; statistics are cached)."""
    ss = st.session_state
    th = state.get_thresholds()
    ratio = float(ss.get("thr_min_examples", 0.0))
    try:
        new = anomaly_view.with_globals(
            th, missing_share_tolerance=float(ss["thr_missing"]), range_tolerance=float(ss["thr_range"]),
            min_examples_ratio=ratio if ratio > 0 else None,
        )
    except DvtoolsError as e:
        ss[MESSAGE] = ("error", str(e))
        return
    state.set_thresholds(new)


def _set_override() -> None:
    ss = st.session_state
    feature = ss.get("thr_feature")
    if feature is None:
        return
    try:
        new = anomaly_view.with_override(
            state.get_thresholds(), feature, linf=ss.get("thr_feature_linf"), js=ss.get("thr_feature_js"),
            missing_share_tolerance=ss.get("thr_feature_missing"), range_tolerance=ss.get("thr_feature_range"),
        )
    except DvtoolsError as e:
        ss[MESSAGE] = ("error", str(e))
        return
    state.set_thresholds(new)


def _clear_override() -> None:
    feature = st.session_state.get("thr_feature")
    if feature is not None:
        state.set_thresholds(anomaly_view.without_override(state.get_thresholds(), feature))


def _thresholds_panel(features: list[str], reference_rows: int) -> None:
    th = state.get_thresholds()
    with st.sidebar:
        st.subheader("Drift / skew")
        comparator_controls.render(reference_rows)
        st.subheader("Validation thresholds")
        _seed("thr_missing", th.missing_share_tolerance)
        _seed("thr_range", th.range_tolerance)
        _seed("thr_min_examples", th.min_examples_ratio or 0.0)
        st.slider("Missing-share tolerance", 0.0, 1.0, step=0.01, key="thr_missing", on_change=_apply_thresholds,
                  help="MISSING_SHARE_INCREASE when the missing share rises by more than this (0.05 = 5 points).")
        st.slider("Range tolerance", 0.0, 0.5, step=0.005, key="thr_range", on_change=_apply_thresholds,
                  help="Share of values allowed outside a schema range before the range anomaly fires.")
        st.slider("Min examples ratio", 0.0, 1.0, step=0.05, key="thr_min_examples", on_change=_apply_thresholds,
                  help="COMPARATOR_LOW_NUM_EXAMPLES when current rows / reference rows is below this (0 = off).")
        with st.expander("Per-feature overrides"):
            if not features:
                st.caption("No features.")
                return
            st.selectbox("Feature", features, key="thr_feature")
            st.caption("Blank = the global value (or the schema's). L-infinity / Jensen-Shannon here win over "
                       "every other layer for this feature.")
            c1, c2 = st.columns(2)
            c1.number_input("L-infinity", 0.0, 1.0, value=None, step=0.01, key="thr_feature_linf")
            c2.number_input("Jensen-Shannon", 0.0, 1.0, value=None, step=0.01, key="thr_feature_js")
            c1.number_input("Missing tolerance", 0.0, 1.0, value=None, step=0.01, key="thr_feature_missing")
            c2.number_input("Range tolerance", 0.0, 1.0, value=None, step=0.005, key="thr_feature_range")
            c1.button("Set override", key="thr_override_set", on_click=_set_override)
            c2.button("Clear", key="thr_override_clear", on_click=_clear_override)
            if th.per_feature:
                st.dataframe(anomaly_view.overrides_frame(th), hide_index=True, key="thr_overrides")


# --------------------------------------------------------------------------- accept


def _accept(anomaly: Anomaly) -> None:
    """Button callback: change the schema so the anomaly is expected."""
    data = analysis.loaded()
    schema = analysis.schema_in_use(data)
    if schema is None:
        return
    try:
        new = accept_anomaly(schema, anomaly, current=data.current_stats)
    except (AnomalyNotAcceptable, DvtoolsError, ValueError) as e:
        st.session_state[MESSAGE] = ("error", f"cannot accept: {e}")
        return
    state.set_schema(new, "edited")
    where = anomaly.feature if anomaly.feature is not None else "the dataset"
    st.session_state[MESSAGE] = ("success", f"Accepted {anomaly.type.value} for {where}: the schema was changed "
                                            "(see the Schema page; Reset there to undo every edit).")


# --------------------------------------------------------------------------- display


def _severity_style(v: object) -> str:
    color = SEVERITY_COLORS.get(str(v))
    return f"color: white; background-color: {color}; font-weight: 600" if color else ""


def _table(rows: pd.DataFrame) -> None:
    styled = rows.drop(columns=["index"]).style.map(_severity_style, subset=["severity"])
    st.dataframe(styled, hide_index=True, key="anomaly_table", height=min(38 + 35 * max(len(rows), 1), 420),
                 column_config={"description": st.column_config.TextColumn(width="large"),
                                "details": st.column_config.TextColumn(width="medium")})


def _details(a: Anomaly) -> None:
    items = anomaly_view.details_items(a)
    if items:
        st.dataframe(pd.DataFrame(items, columns=["detail", "value"]), hide_index=True)
    for name, table in anomaly_view.details_tables(a).items():
        st.caption(name.replace("_", " "))
        st.dataframe(table, hide_index=True, height=min(38 + 35 * len(table), 300))


def _explanation(a: Anomaly) -> None:
    ex = EXPLANATIONS.get(a.type)
    if ex is None:
        st.caption("No explanation for this type.")
        return
    st.markdown(f"**What it means.** {ex.meaning}")
    st.markdown("**Likely causes.**\n" + "\n".join(f"- {c}" for c in ex.likely_causes))
    st.markdown(f"**What to do.** {ex.what_to_do}")


def _drilldown(a: Anomaly, schema: Schema | None, data: analysis.Loaded, key: str) -> None:
    ref = data.current
    if ref is None or not ref.has_rows:
        st.info("Drill-down needs the raw serving data: the current dataset is a statistics file.",
                icon=":material/info:")
        return
    exp = st.expander("Rows that cause it", key=f"drill:{key}", on_change="rerun", icon=":material/table_rows:")
    if not exp.open:
        return
    with exp:
        try:
            table = cache.table_for(ref)
        except DvtoolsError as e:
            st.error(md_escape(str(e)), icon=":material/error:")
            return
        if table is None:
            st.info("Drill-down needs the raw serving data.", icon=":material/info:")
            return
        f = schema.get(a.feature) if schema is not None and a.feature is not None else None
        total = anomaly_view.drilldown_count(table, a, f)
        rows = anomaly_view.drilldown_rows(table, a, f, limit=DRILLDOWN_ROWS)
        if not total:
            st.caption("No row of the loaded data shows it (the statistics may come from a sample or a sketch).")
            return
        st.caption(f"{human_count(total)} rows of {human_count(table.num_rows)} — the first {rows.num_rows} "
                   f"(`row` = data row number in the file, from 0):")
        st.dataframe(rows.to_pandas(), hide_index=True)


def _card(a: Anomaly, schema: Schema | None, data: analysis.Loaded, key: str) -> None:
    sev = a.severity.value
    ex = EXPLANATIONS.get(a.type)
    feature = a.feature if a.feature is not None else anomaly_view.DATASET_LABEL
    uid = components.stable_key("card", key)
    with st.container(border=True, key=uid):
        left, right = st.columns([6, 1], vertical_alignment="center")
        with left:
            title = f" — {md_escape(ex.title)}" if ex else ""
            st.markdown(f":{BADGE.get(sev, 'gray')}-badge[{sev}] **{md_escape(feature)}** · "
                        f"`{a.type.value}`{title}")
        with right:
            if anomaly_view.acceptable(schema, a):
                st.button("Accept", key=key, on_click=_accept, args=(a,), icon=":material/check:",
                          help="Change the schema so this is expected from now on.")
        st.markdown(md_escape(a.description))
        st.caption(f"observed: {md_escape(anomaly_view.format_value(a.observed))} · "
                   f"expected: {md_escape(anomaly_view.format_value(a.expected))}")
        c1, c2 = st.columns(2)
        # Lazy: a closed expander's content is not built (up to 60 cards, on every rerun of a slider).
        with c1, st.expander("Numbers behind it", key=f"{uid}_numbers", on_change="rerun") as numbers:
            if numbers.open:
                _details(a)
        with c2, st.expander("What does this mean?", key=f"{uid}_explanation", on_change="rerun") as meaning:
            if meaning.open:
                _explanation(a)
        if anomaly_view.supports_drilldown(a):
            _drilldown(a, schema, data, key)


def _summary(anomalies: list[Anomaly]) -> None:
    s = anomaly_view.count_summary(anomalies)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Anomalies", f"{s['total']:,}")
    c2.metric("Errors", f"{s['errors']:,}")
    c3.metric("Warnings", f"{s['warnings']:,}")
    c4.metric("Features affected", f"{s['features']:,}")


# --------------------------------------------------------------------------- page


def main() -> None:
    """Render the page."""
    st.title("Anomalies")
    msg = st.session_state.pop(MESSAGE, None)
    if msg:
        components.show_messages([msg[1]], "error" if msg[0] == "error" else "info")
        st.toast(md_escape(msg[1]), icon=":material/error:" if msg[0] == "error" else ":material/check:")
    data = analysis.loaded()
    components.show_messages(data.error_lines(), "error")
    if not data.ready:
        components.empty_state("Load the training (reference) and serving (current) data on the Data page "
                               "(or open the demo) to validate them.",
                               links=[("pages/data.py", "Load data", ":material/upload_file:")])
        return
    schema = analysis.schema_in_use(data)
    assert data.current_stats is not None
    features = list(dict.fromkeys([*(schema.feature_names if schema else []), *data.current_stats.features]))
    assert data.reference_stats is not None
    _thresholds_panel(features, data.reference_stats.num_examples)
    try:
        anomalies = analysis.anomalies(data)
    except Exception as e:  # noqa: BLE001 - any failure: one line here, "(!)" on the navigation badge
        components.show_messages([validation_error(e)], "error")
        return
    env = state.get_option("environment")
    compared = "Evaluation" if analysis.compared_role() == "evaluation" else "Serving (current)"
    st.caption(f"{compared} data against the schema in use ({md_escape(state.schema_origin())}) and the "
               f"training (reference) statistics" + (f"; environment {md_escape(env)}" if env else "")
               + f"; {analysis.comparator_role()} comparators.")
    try:
        comparison = analysis.comparison(data)
    except Exception:  # noqa: BLE001 - validation already reported a failure above, if any
        comparison = None
    if comparison is not None:
        if comparison.nothing_compared:
            st.warning(md_escape(comparison.nothing_compared_reason().capitalize() + ": no distribution checked."),
                       icon=":material/warning:")
        elif comparison.not_compared:
            st.caption("Not compared: " + md_escape(anomaly_view.not_compared_text(comparison))
                       + " (Skew & drift page: compare anyway).")
    if not anomalies:
        st.success("No anomalies: the serving data matches the schema and the reference within the thresholds.",
                   icon=":material/check_circle:")
        return
    _summary(anomalies)
    c1, c2, c3 = st.columns(3)
    sevs = c1.multiselect("Severity", ["ERROR", "WARNING"], key="anom_severity", placeholder="all")
    types = c2.multiselect("Type", sorted({a.type.value for a in anomalies}), key="anom_type", placeholder="all")
    feats = c3.multiselect("Feature", list(dict.fromkeys(
        a.feature if a.feature is not None else anomaly_view.DATASET_LABEL for a in anomalies)),
        key="anom_feature", placeholder="all")
    shown = anomaly_view.filter_anomalies(anomalies, severities=sevs, types=types, features=feats)
    rows = anomaly_view.anomaly_rows(anomalies)
    _table(rows[rows["index"].isin([i for i, _ in shown])])
    if not shown:
        st.info("No anomaly matches the filters.", icon=":material/filter_alt:")
        return
    if len(shown) > MAX_CARDS:
        st.caption(f"Cards for the first {MAX_CARDS} of {len(shown):,}: filter to see the others.")
    used: set[str] = set()
    per_severity = anomaly_view.count_summary([a for _, a in shown])
    heading = None
    for i, a in shown[:MAX_CARDS]:
        if a.severity.value != heading:
            heading = a.severity.value
            n = per_severity["errors"] if heading == "ERROR" else per_severity["warnings"]
            st.subheader(f"{'Errors' if heading == 'ERROR' else 'Warnings'} ({n:,})")
        key = anomaly_view.anomaly_key(a)
        if key in used:
            key = f"{key}#{i}"
        used.add(key)
        _card(a, schema, data, key)


main()

# Downloads (dvtools/ui/downloads.py; the data helper's block): files for this page, bytes built on click.
from dvtools.ui import downloads  # noqa: E402

downloads.anomaly_downloads()
