"""The Skew & drift page's components: the pair picker, distances with thresholds, one feature, skew, concept, timeline.

The user picks the pair (evaluation vs training: the schema's drift comparators; serving vs
training: skew comparators); every section then shows that pair, each dataset named by its role
and file. :func:`distances` is a fragment: a threshold moved there reruns the verdicts, the chart,
the table and the timeline, and nothing else (feature skew and concept shift do not depend on
thresholds). Computations come from :mod:`dvtools.ui.cache`, frames from :mod:`dvtools.ui.drift_view`.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd
import streamlit as st

from dvtools.comparison.spans import EPOCH_UNITS, guess_epoch_unit
from dvtools.errors import DvtoolsError
from dvtools.statistics.model import DatasetStatistics, LogicalType
from dvtools.ui import analysis, cache, comparator_controls, components, drift_view, roles, state
from dvtools.ui.charts import drift_figure, feature_figure, timeline_figure
from dvtools.ui.format import human_count, human_number, md_escape, time_text
from dvtools.ui.frame import refresh_navigation_if_stale

MAX_TIMELINE_FEATURES = 8
PAIR_OPTION = "drift_pair"  # the picked pair's role, through state
EPOCH_UNIT_NAMES = {"s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds"}
VERDICT_STYLES = {"drift": "background-color: rgba(240, 137, 43, 0.35)",
                  "possible drift": "background-color: rgba(240, 137, 43, 0.15)"}
SHIFT_STYLES = {"concept shift": "background-color: rgba(214, 39, 40, 0.25)",
                "both": "background-color: rgba(214, 39, 40, 0.25)",
                "covariate shift": "background-color: rgba(240, 137, 43, 0.25)"}


# --------------------------------------------------------------------------- the pair


def _set_pair() -> None:
    state.set_option(PAIR_OPTION, st.session_state["drift_pair_picker"])


def pick_pair(data: analysis.Loaded) -> analysis.Pair:
    """The pair to show: a choice when evaluation and serving data are both loaded (serving first by default)."""
    pairs = {p.role: p for p in data.pairs}
    chosen = state.get_option(PAIR_OPTION)
    if chosen not in pairs:
        chosen = "current" if "current" in pairs else next(iter(pairs))
    if len(pairs) > 1:
        st.session_state["drift_pair_picker"] = chosen
        st.segmented_control("Compare with training", list(pairs), key="drift_pair_picker", required=True,
                             format_func=lambda r: roles.name(r), on_change=_set_pair,
                             help="Evaluation data is judged by the schema's drift comparators, serving data by "
                                  "its skew comparators (as TFDV does).")
    pair = pairs[chosen]
    st.caption(md_escape(f"{pair.current.label} compared with {pair.reference.label}."))
    return pair


def _sides(pair: analysis.Pair, feature: str) -> dict[str, Any]:
    """The feature's statistics of both datasets of the pair, as :func:`feature_figure` takes them (by role)."""
    assert pair.reference.stats is not None and pair.current.stats is not None
    cur = pair.current.stats.features.get(feature)
    return {"reference": pair.reference.stats.features.get(feature),
            "current": cur if pair.role == "current" else None,
            "evaluation": cur if pair.role == "evaluation" else None}


def _other(pair: analysis.Pair) -> str:
    return pair.current.name.lower()


#: Headers of the concept-shift table (the library's column names are its API).
CONCEPT_LABELS = {"covariate_shift": "covariate shift (JS)", "max_shift": "largest P(label | bucket) shift",
                  "max_shift_bucket": "in bucket", "max_shift_class": "of class", "max_shift_p_value": "its p-value",
                  "weighted_shift": "weighted shift",
                  "num_buckets_compared": "buckets compared"}
MAX_TABLE_ROWS = 40  # rows a table shows before it scrolls (every feature of most datasets: none hidden)


def _height(rows: int) -> int:
    """A table's height in pixels showing all its ``rows`` up to :data:`MAX_TABLE_ROWS` (header, rows, border)."""
    return 38 + 35 * min(max(rows, 1), MAX_TABLE_ROWS) + 2


def _feature_column(names: Any) -> Any:
    """The feature column: pinned, and wide enough for its longest name (up to 280 px): no "pace_min_per_k"."""
    longest = max((len(str(n)) for n in names), default=8)
    return st.column_config.TextColumn("feature", pinned=True, width=min(max(8 * longest + 24, 100), 280))


# --------------------------------------------------------------------------- distances (a fragment)


def _lazy_chart(label: str, key: str) -> Any:
    """A closed expander whose chart is built when the user opens it (``box.open``).

    A page's first Plotly chart costs the browser seconds (loading and running plotly.js), more
    than the rest of the page: the table holds the same figures, so the charts wait until asked for.
    """
    return st.expander(label, expanded=False, key=key, on_change="rerun", icon=":material/bar_chart:")


def _drift_table(table: pd.DataFrame, pair: analysis.Pair) -> None:
    cc = st.column_config
    other = _other(pair)
    labels = drift_view.role_labels(table.columns, other)
    shares = {"missing_reference", "missing_current", "missing_change", "out_of_range_share"}
    pct = {c: cc.NumberColumn(labels.get(c, c.replace("_", " ")), format="percent") for c in shares if c in table}
    named = {c: cc.Column(label) for c, label in labels.items() if c not in shares}
    st.dataframe(table.style.map(lambda v: VERDICT_STYLES.get(str(v), ""), subset=["verdict"]), hide_index=True,
                 key=f"drift_table_{pair.role}",
                 column_config={"feature": _feature_column(table["feature"]),
                                "statistic": cc.NumberColumn(format="%.4g"),
                                "threshold": cc.NumberColumn(format="%.4g"),
                                "threshold_source": cc.TextColumn("threshold from"),
                                "past": cc.NumberColumn("past threshold", format="%.3g"),
                                "notes": cc.TextColumn("notes", width="large"), **named, **pct},
                 height=_height(len(table)))


def _feature_detail(comparison: Any, pair: analysis.Pair, ordered: list[str]) -> None:
    names = list(dict.fromkeys([*ordered, *comparison.not_compared, *comparison.only_in_reference,
                                *comparison.only_in_current]))
    if not names:
        return
    st.subheader("One feature")
    feature = st.selectbox("Feature", names, key="drift_feature")
    c1, c2 = st.columns([3, 2])
    with c1, _lazy_chart("Chart of the feature", "drift_feature_chart_open") as box:
        if box.open:
            sides = _sides(pair, feature)
            fig = feature_figure(sides["reference"], sides["current"], evaluation=sides["evaluation"], height=320,
                                 title=html.escape(str(feature)))
            st.plotly_chart(fig, width="stretch", key="drift_feature_chart", config={"displaylogo": False})
    with c2:
        if feature in comparison:
            st.markdown("\n".join(f"- **{md_escape(what)}**: {md_escape(text)}"
                                  for what, text in drift_view.feature_findings(comparison[feature], pair.names)))
        elif feature in comparison.not_compared:
            st.info(md_escape(f"Not compared: {comparison.not_compared[feature]}."), icon=":material/info:")
        elif feature in comparison.only_in_reference:
            st.info("Only in the training data: nothing to compare.", icon=":material/info:")
        else:
            st.info(md_escape(f"Only in the {_other(pair)} data: nothing to compare."), icon=":material/info:")


def _drift(data: analysis.Loaded, pair: analysis.Pair) -> None:
    st.subheader("Distribution skew / drift")
    assert pair.reference.stats is not None
    try:
        comparison = analysis.comparison(data, pair)
    except DvtoolsError as e:
        components.show_messages([f"comparison failed: {e}"], "error")
        return
    with st.expander("Thresholds (shared with the Anomalies page)", expanded=True, icon=":material/tune:"):
        comparator_controls.render(pair.reference.stats.num_examples, comparison)
    st.caption(md_escape(f"Policy {comparison.policy}; {pair.title.lower()}: the schema's {pair.comparator} "
                         "comparators apply."))
    if comparison.nothing_compared:
        st.warning(md_escape(comparison.nothing_compared_reason().capitalize() + "."), icon=":material/warning:")
        comparator_controls.not_compared(comparison)
        return
    table = drift_view.drift_table(comparison)
    c1, c2, c3 = st.columns(3)
    c1.metric("Drifted features", f"{len(comparison.drifted)} of {len(comparison.features)}")
    c2.metric("Possible drift", f"{len(comparison.possibly_drifted)}")
    c3.metric("Not compared", f"{len(comparison.not_compared)}",
              help="Identifiers, timestamps and key columns (and features without comparable values).")
    shown = table[pd.to_numeric(table["past"], errors="coerce").notna()]
    if shown.empty:
        st.caption("No feature has a statistic.")
    else:
        with _lazy_chart("Chart: each feature's statistic relative to its threshold", "drift_chart_open") as box:
            if box.open:
                st.plotly_chart(drift_figure(list(shown["feature"]), list(shown["past"]), list(shown["verdict"])),
                                width="stretch", key="drift_chart", config={"displaylogo": False})
    _drift_table(table, pair)
    comparator_controls.not_compared(comparison)
    gone = [md_escape(n) for n in comparison.only_in_reference]
    new = [md_escape(n) for n in comparison.only_in_current]
    if gone or new:
        st.caption("Not in both datasets: " + "; ".join(
            ([f"only in training: {', '.join(gone)}"] if gone else [])
            + ([f"only in the {md_escape(_other(pair))} data: {', '.join(new)}"] if new else [])))
    _feature_detail(comparison, pair, list(table["feature"]))


@st.fragment
def distances(role: str) -> None:
    """Thresholds, verdicts, chart, table, one feature and the timeline of the pair ``role`` (a fragment)."""
    data = analysis.loaded()
    refresh_navigation_if_stale(data)  # a changed count: the whole app once, so the badges stay true
    pair = data.pair(role)
    if pair is None:
        return
    _drift(data, pair)
    st.divider()
    timeline(pair)


# --------------------------------------------------------------------------- rows: skew and concept shift


def _rows_reason(pair: analysis.Pair) -> str | None:
    for d in (pair.reference, pair.current):
        if not d.ref.has_rows:
            return f"{d.label} is a statistics file: this needs the raw rows of both datasets"
    return None


def feature_skew(pair: analysis.Pair) -> None:
    """Example-level skew: the pair's rows joined on the key columns, value by value."""
    st.subheader("Feature skew (same examples, different values)")
    keys = state.get_option("keys") or []
    if not keys:
        components.empty_state(f"Choose key columns on the Data page to join training and {_other(pair)} examples.",
                               links=[("pages/data.py", "Choose key columns", ":material/key:")])
        return
    reason = _rows_reason(pair)
    if reason:
        st.info(md_escape(f"Unavailable: {reason}."), icon=":material/info:")
        return
    if not st.toggle(f"Join the training and {_other(pair)} examples", key="skew_on", persist_state="session",
                     help=f"One pass over both datasets' rows, joined on {', '.join(keys)}; each feature's values "
                          "compared example by example."):
        return
    try:  # a progress bar while computed (once per pair of datasets and keys)
        result = cache.feature_skew_for(pair.reference.ref, pair.current.ref, tuple(keys), pair.names)
    except DvtoolsError as e:
        components.show_messages([f"feature skew failed: {e}"], "error")
        return
    st.caption(md_escape(f"Joined on {', '.join(keys)}: {human_count(result.num_joined)} examples in both; "
                         f"{human_count(result.only_in_reference)} only in training, "
                         f"{human_count(result.only_in_current)} only in {_other(pair)}."))
    components.show_messages(result.warnings, "warning")
    if result.num_joined == 0:  # nothing compared: not "every joined example has the same values"
        st.warning(md_escape(f"No example is in both datasets (no {', '.join(keys)} value in common): no value "
                             "could be compared."), icon=":material/warning:")
        return
    frame = drift_view.skew_frame(result)
    cc = st.column_config
    st.dataframe(frame, hide_index=True, key="skew_table",
                 column_config={"feature": _feature_column(frame["feature"]),
                                "num_joined": cc.NumberColumn("joined examples", format="localized"),
                                "num_mismatches": cc.NumberColumn("mismatches", format="localized"),
                                "mismatch_share": cc.NumberColumn("mismatch share", format="percent"),
                                "num_null_mismatches": cc.NumberColumn(
                                    "null on one side", format="localized",
                                    help="Mismatches where one dataset has no value (null) and the other has one."),
                                "comparison": cc.TextColumn("compared", help="exact, with a float tolerance, "
                                                            "or as text (the two datasets' types differ)")},
                 height=_height(len(frame)))
    if result.skipped_features:
        st.caption("Not compared: " + "; ".join(f"{md_escape(k)} ({md_escape(v)})"
                                                for k, v in result.skipped_features.items()))
    mismatched = [str(f) for f, n in zip(frame["feature"], frame["num_mismatches"], strict=True) if n]
    if not mismatched:
        st.success("Every joined example has the same values in both datasets.", icon=":material/check_circle:")
        return
    feature = st.selectbox("Mismatching pairs of", mismatched, key="skew_feature")
    samples = drift_view.skew_samples(result, feature, ("training", _other(pair)))
    st.dataframe(samples, hide_index=True, key="skew_samples", height=_height(len(samples)))


def concept_shift(pair: analysis.Pair) -> None:
    """Covariate vs concept shift: whether P(label | feature) changed between the pair's datasets."""
    st.subheader("Covariate vs concept shift")
    label = state.get_option("label")
    if not label:
        components.empty_state("Choose the label column on the Data page to see whether P(label | feature) "
                               "changed.", links=[("pages/data.py", "Choose the label", ":material/label:")])
        return
    reason = _rows_reason(pair)
    for d in (pair.reference, pair.current):
        if d.stats is not None and label not in d.stats:
            reason = f"{d.label} has no column {label!r}"
    if reason:
        st.info(md_escape(f"Unavailable: {reason}."), icon=":material/info:")
        return
    if not st.toggle(f"Compare P({label} | feature)", key="concept_on", persist_state="session",
                     help="One pass over both datasets' rows: the label's distribution per feature bucket, "
                          "training against the other dataset."):
        return
    try:  # a progress bar while computed (once per pair of datasets and label)
        result = cache.concept_shift_for(pair.reference.ref, pair.current.ref, label, pair.names)
    except DvtoolsError as e:
        components.show_messages([f"concept shift failed: {e}"], "error")
        return
    components.show_messages(result.warnings, "warning")
    c1, c2 = st.columns([1, 2])
    with c1:
        what = "class shares" if result.label_kind == "categorical" else "mean, spread and count"
        st.caption(md_escape(f"Label {label}: {what} (change {human_number(result.label_shift)})"))
        st.dataframe(drift_view.label_frame(result, ("training", _other(pair))), hide_index=True, key="concept_label")
    with c2:
        frame = drift_view.concept_frame(result)
        st.dataframe(frame.style.map(lambda v: SHIFT_STYLES.get(str(v), ""), subset=["verdict"]), hide_index=True,
                     key="concept_table", height=_height(len(frame)),
                     column_config={"feature": _feature_column(frame["feature"]),
                                    **{c: st.column_config.Column(label) for c, label in CONCEPT_LABELS.items()},
                                    **{c: st.column_config.Column(label)
                                       for c, label in drift_view.role_labels(frame.columns, _other(pair)).items()}})
    if result.skipped_features:
        st.caption("Not analyzed: " + "; ".join(f"{md_escape(k)} ({md_escape(v)})"
                                                for k, v in result.skipped_features.items()))


# --------------------------------------------------------------------------- timeline


def time_columns(stats: DatasetStatistics) -> dict[str, str | None]:
    """Columns that can split a dataset into spans: timestamps (None) and epoch numbers (their guessed unit)."""
    out: dict[str, str | None] = {}
    for f in stats:
        if f.logical_type == LogicalType.TIMESTAMP:
            out[f.name] = None
        elif f.logical_type == LogicalType.INT and f.numeric is not None and f.numeric.num_finite:
            unit = guess_epoch_unit(float(f.numeric.min), float(f.numeric.max))
            if unit is not None:
                out[f.name] = unit
    return out


def _epoch_unit(stats: DatasetStatistics, column: str, guess: str) -> str:
    units = list(EPOCH_UNITS)
    key = "drift_epoch_unit"
    if st.session_state.get("_drift_epoch_column") != column:  # a new column: its guess first
        st.session_state["_drift_epoch_column"] = column
        st.session_state[key] = guess
    unit = st.selectbox("Epoch unit", units, key=key, format_func=lambda u: f"{EPOCH_UNIT_NAMES[u]} since 1970",
                        help="The column holds numbers, read as time since 1970-01-01 in this unit "
                             "(guessed from its range).") or guess
    f = stats.features[column]
    assert f.numeric is not None
    first, last = (time_text(float(v), unit, "auto") for v in (f.numeric.min, f.numeric.max))
    st.caption(md_escape(f"{column} holds integers: read as {EPOCH_UNIT_NAMES[unit]} since 1970, "
                         f"{first} to {last}" + (" (the unit guessed from their range)." if unit == guess else ".")))
    return unit


def timeline(pair: analysis.Pair) -> None:
    """The pair's compared dataset split into day/week/month spans, each span's distance to the training data."""
    st.subheader("Timeline")
    assert pair.current.stats is not None
    other = _other(pair)
    columns = time_columns(pair.current.stats)
    if not columns:
        st.caption(md_escape(f"The {other} data has no timestamp (or epoch-time) column to split it into spans."))
        return
    if not pair.current.ref.has_rows:
        st.caption(md_escape(f"Splitting into spans needs the raw rows ({pair.current.label} is a statistics file)."))
        return
    c1, c2, c3 = st.columns([2, 1, 1])
    ts = c1.selectbox("Time column", list(columns), key="drift_timestamp",
                      format_func=lambda c: c if columns[c] is None else f"{c} (epoch number)")
    freq = c2.segmented_control("Span", ["day", "week", "month"], default="week", key="drift_freq",
                                required=True) or "week"
    on = c3.toggle(f"Split the {other} data", key="drift_timeline",
                   help=f"One pass over the {other} rows; each span is compared with the training data.")
    unit = _epoch_unit(pair.current.stats, ts, columns[ts]) if columns[ts] is not None else None
    if not on:
        return
    th = state.get_thresholds()  # the session's policy and global thresholds, as every page
    try:  # a progress bar for the split, then a spinner for the comparison (never both at once)
        result = cache.timeline_for(pair.current.ref, pair.reference.ref, ts, freq[0].upper(), unit, th)
    except DvtoolsError as e:
        components.show_messages([f"timeline failed: {e}"], "error")
        return
    spans, series, threshold = drift_view.timeline_series(result, limit=MAX_TIMELINE_FEATURES)
    if not spans:
        st.caption("No span to show.")
        return
    fig = timeline_figure(spans, {html.escape(k): v for k, v in series.items()}, threshold,
                          title=f"distance of each {freq} of the {other} data to the training data "
                                f"(policy {th.policy}; most drifted features)",
                          y_title="distance to the training data")
    st.plotly_chart(fig, width="stretch", key="drift_timeline_chart", config={"displaylogo": False})
    cc = st.column_config
    st.dataframe(result.spans_table, hide_index=True, key="drift_spans_table", height=_height(len(result.spans_table)),
                 column_config={"num_examples": cc.NumberColumn("examples", format="localized"),
                                "num_examples_ratio": cc.NumberColumn("examples / previous span", format="%.3g"),
                                "num_examples_anomaly": cc.CheckboxColumn(
                                    "example count anomaly", help="Fewer than half or more than twice the previous "
                                    "span's examples."),
                                "drifted_to_previous": cc.NumberColumn("drifted vs previous span"),
                                "drifted_to_reference": cc.NumberColumn("drifted vs training")})
