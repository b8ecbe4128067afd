"""The Anomalies page's components: thresholds, the two labelled groups of findings, cards, accept and undo.

One group per pair: evaluation vs training (the schema's drift comparators) and serving vs
training (skew comparators), each from THE cached comparison of that pair
(:func:`dvtools.ui.analysis.anomalies`). :func:`results` is a fragment: moving a threshold,
filtering, accepting or undoing reruns it alone (statistics, the navigation and the rest of the
page are not built again). State goes through :mod:`dvtools.ui.state`; rows through
:func:`dvtools.validation.drilldown.drilldown`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dvtools.errors import DvtoolsError
from dvtools.schema.model import Schema
from dvtools.statistics.model import LogicalType
from dvtools.ui import analysis, anomaly_view, cache, comparator_controls, components, downloads, state
from dvtools.ui.charts import SEVERITY_COLORS
from dvtools.ui.drift_view import not_compared_text
from dvtools.ui.format import format_pair, human_count, md_escape, plural
from dvtools.ui.frame import changes_counts, live_navigation, validation_error
from dvtools.ui.threshold_input import threshold_input
from dvtools.validation import EXPLANATIONS, AnomalyNotAcceptable, accept_anomaly
from dvtools.validation.anomalies import Anomaly
from dvtools.validation.drilldown import RANGE_TYPES, drilldown, supports_drilldown

CARDS_PER_PAGE = 10  # per group and page; the table above lists every anomaly
DRILLDOWN_ROWS = 20
BADGE = {"ERROR": "red", "WARNING": "orange"}
MESSAGE = "_anomalies_message"  # (kind, text) shown once after an accept or an undo


# --------------------------------------------------------------------------- messages


def _say(kind: str, text: str) -> None:
    st.session_state[MESSAGE] = (kind, text)


def show_message() -> None:
    """The message of the last accept / undo / threshold error, once."""
    msg = st.session_state.pop(MESSAGE, None)
    if msg:
        components.show_messages([msg[1]], "error" if msg[0] == "error" else "info")


# --------------------------------------------------------------------------- thresholds


@changes_counts
def _apply_global(name: str, value: float | None) -> None:
    """A validation threshold changed (None for min examples ratio: off)."""
    if name == "min_examples_ratio" and not value:
        value = None
    try:
        state.set_thresholds(anomaly_view.with_globals(state.get_thresholds(), **{name: value}))
    except DvtoolsError as e:
        _say("error", str(e))


@changes_counts
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
        _say("error", str(e))
        return
    state.set_thresholds(new)


@changes_counts
def _clear_override() -> None:
    feature = st.session_state.get("thr_feature")
    if feature is not None:
        state.set_thresholds(anomaly_view.without_override(state.get_thresholds(), feature))


THRESHOLDS_OPEN = "anom_thresholds"  # the thresholds expander's key (its content is built only while open)
OVERRIDES_OPEN = "anom_overrides"


def thresholds(data: analysis.Loaded, features: list[str], comparison: Any | None = None) -> None:
    """Drift/skew thresholds (shared with Skew & drift), validation thresholds and per-feature overrides.

    Two expanders whose content is built only while open: a closed one is one element on every
    run of the fragment (an accept, a filter); an open one is what a threshold move re-sends.
    ``comparison``: the pair's (:meth:`Loaded.pair`), bounds the drift thresholds' boxes.
    """
    exp = st.expander("Thresholds (shared with the Skew & drift page)", icon=":material/tune:",
                      key=THRESHOLDS_OPEN, on_change="rerun")
    if exp.open:
        th = state.get_thresholds()
        pair = data.pair()
        assert pair is not None and pair.reference.stats is not None
        with exp:
            left, right = st.columns(2)
            with left:  # drift / skew (the labels say which; no caption: fewer elements re-sent per move)
                comparator_controls.render(pair.reference.stats.num_examples, comparison)
            with right:  # validation
                threshold_input("Missing-share tolerance", key="thr_missing", value=th.missing_share_tolerance,
                                on_change=lambda v: _apply_global("missing_share_tolerance", v or 0.0),
                                help="MISSING_SHARE_INCREASE when the missing share rises by more than this "
                                     "(0.05 = 5 points).")
                threshold_input("Range tolerance", key="thr_range", value=th.range_tolerance, high=0.5,
                                on_change=lambda v: _apply_global("range_tolerance", v or 0.0),
                                help="Share of values allowed outside a schema range before the range anomaly "
                                     "fires.")
                threshold_input("Min examples ratio", key="thr_min_examples", value=th.min_examples_ratio or 0.0,
                                on_change=lambda v: _apply_global("min_examples_ratio", v),
                                help="COMPARATOR_LOW_NUM_EXAMPLES when compared rows / training rows is below "
                                     "this (0 = off).")
    over = st.expander("Per-feature overrides", icon=":material/tune:", key=OVERRIDES_OPEN, on_change="rerun")
    if over.open:
        with over:
            _overrides(state.get_thresholds(), features)


def _overrides(th: Any, features: list[str]) -> None:
    if not features:
        st.caption("No features.")
        return
    st.caption("Blank = the global value (or the schema's). L-infinity / Jensen-Shannon here win over "
               "every other layer for this feature.")
    c1, c2, c3, c4, c5 = st.columns([3, 2, 2, 2, 2], vertical_alignment="bottom")
    c1.selectbox("Feature", features, key="thr_feature")
    threshold_input("L-infinity", key="thr_feature_linf", value=None, allow_blank=True, container=c2)
    threshold_input("Jensen-Shannon", key="thr_feature_js", value=None, allow_blank=True, container=c3)
    threshold_input("Missing tolerance", key="thr_feature_missing", value=None, allow_blank=True, container=c4)
    threshold_input("Range tolerance", key="thr_feature_range", value=None, allow_blank=True, container=c5)
    with st.container(horizontal=True):
        st.button("Set override", key="thr_override_set", on_click=_set_override)
        st.button("Clear", key="thr_override_clear", on_click=_clear_override)
    if th.per_feature:
        st.dataframe(anomaly_view.overrides_frame(th), hide_index=True, key="thr_overrides")


# --------------------------------------------------------------------------- accept and undo


@changes_counts
def _accept(role: str, anomaly: Anomaly) -> None:
    """Button callback: change the schema so the anomaly is expected (the schema before goes on the undo stack)."""
    data = analysis.loaded()
    pair = data.pair(role)
    schema = analysis.schema_in_use(data)
    if schema is None or pair is None:
        return
    try:
        new = accept_anomaly(schema, anomaly, current=pair.current.stats)
    except (AnomalyNotAcceptable, DvtoolsError, ValueError) as e:
        _say("error", f"cannot accept: {e}")
        return
    where = anomaly.feature if anomaly.feature is not None else "the dataset"
    what = f"{anomaly.type.value} for {where} ({pair.current.name.lower()} data)"
    state.push_schema_undo(what)
    state.set_schema(new, "edited")
    _say("success", f"Accepted {what}: the schema was changed. \"Undo accept\" restores the schema before it.")


@changes_counts
def _undo() -> None:
    what = state.undo_schema()
    if what is not None:
        _say("success", f"Undone: accepted {what}.")


def undo_bar() -> None:
    """"Undo accept" while an accepted anomaly can be undone (the schema before the last accept comes back)."""
    what = state.last_undo()
    if what is None:
        return
    with st.container(horizontal=True, vertical_alignment="center"):
        st.button("Undo accept", key="anom_undo", icon=":material/undo:", on_click=_undo,
                  help="Restore the schema as it was before the last accepted anomaly.")
        st.caption(md_escape(f"Last accepted: {what}."))


# --------------------------------------------------------------------------- one anomaly


#: The table's columns: plain text; severity a pill in its colour (no Styler: no per-cell styles built or sent).
_TABLE_CONFIG = {
    "severity": st.column_config.MultiselectColumn(
        "severity", options=list(SEVERITY_COLORS), color=list(SEVERITY_COLORS.values()), width="small"),
    "description": st.column_config.TextColumn(width="large"),
    "details": st.column_config.TextColumn(width="medium"),
}
_MEMO = "_anomaly_panel_memo"  # session: {name: (inputs, value)}, one entry per name (see _memo)
_CARD_TEXTS = "_anomaly_card_texts"  # session: {pair role: (the statistics they describe, {anomaly: Markdown})}


def _memo(name: str, inputs: Any, build: Any) -> Any:
    """``build()``, or its value of the last run whose ``inputs`` were equal (one entry per ``name``)."""
    memos = st.session_state.setdefault(_MEMO, {})
    hit = memos.get(name)
    if hit is not None and hit[0] == inputs:
        return hit[1]
    value = build()
    memos[name] = (inputs, value)
    return value


def _content(found: list[Anomaly]) -> tuple[Any, ...]:
    """What a list of anomalies shows: each one with its details (which ``Anomaly.__eq__`` leaves out)."""
    return tuple((a, a.details) for a in found)


def _table(found: list[Anomaly], shown: list[tuple[int, Anomaly]], key: str) -> None:
    """Every anomaly shown (the filters') as one row, built once per content and filter."""
    rows = _memo(f"table:{key}", (_content(found), tuple(i for i, _ in shown)),
                 lambda: anomaly_view.anomaly_table([a for _, a in shown]))  # straight to Arrow, no DataFrame
    st.dataframe(rows, hide_index=True, key=key, height=min(38 + 35 * max(rows.num_rows, 1), 420),
                 column_config=_TABLE_CONFIG)


def _details(a: Anomaly, pair: analysis.Pair) -> None:
    items = anomaly_view.details_items(a)
    if items:
        st.dataframe(pd.DataFrame(items, columns=["detail", "value"]), hide_index=True)
    for name, table in anomaly_view.details_tables(a, pair.names).items():
        st.caption(name.replace("_", " "))
        st.dataframe(table, hide_index=True, height=min(38 + 35 * len(table), 300))


def _explanation(a: Anomaly) -> None:
    ex = EXPLANATIONS.get(a.type)
    if ex is None:
        st.caption("No explanation for this type.")
        return
    st.markdown(f"**What it means.** {ex.meaning}\n\n**Likely causes.**\n"
                + "\n".join(f"- {c}" for c in ex.likely_causes) + f"\n\n**What to do.** {ex.what_to_do}")


def _drilldown(a: Anomaly, schema: Schema | None, pair: analysis.Pair, key: str) -> None:
    """The rows that cause ``a``, inside its open details: read from the data when switched on."""
    ref = pair.current.ref
    if not ref.has_rows:
        st.caption(md_escape(f"Drill-down needs the raw rows: {pair.current.label} is a statistics file."))
        return
    if not st.toggle("Rows that cause it", key=f"drill:{key}",
                     help=f"The first {DRILLDOWN_ROWS} rows of the data that show this anomaly."):
        return
    try:
        table = cache.table_for(ref)
    except DvtoolsError as e:
        st.error(md_escape(str(e)), icon=":material/error:")
        return
    if table is None:
        st.info("Drill-down needs the raw rows.", icon=":material/info:")
        return
    f = schema.get(a.feature) if schema is not None and a.feature is not None else None
    found = drilldown(table, a, f, limit=DRILLDOWN_ROWS)
    if found is None or not found.count:
        st.caption("No row of the loaded data shows it (the statistics may come from a sample or a sketch).")
        return
    st.caption(md_escape(f"{plural(found.count, 'row')} of {human_count(table.num_rows)} in {pair.current.label}"
                         f" — the first {found.rows.num_rows} (row = data row number in the file, from 0):"))
    st.dataframe(cache.display_rows(found.rows.to_pandas()), hide_index=True)  # sensitive columns masked


def observed_expected(a: Anomaly, pair: analysis.Pair) -> tuple[str, str]:
    """Observed and expected as texts that differ whenever the values do (:func:`~dvtools.ui.format.format_pair`).

    Range anomalies carry values of the feature: formatted by its type (a timestamp as a date, in
    its unit); the others carry shares, distances and counts.
    """
    kind, unit = None, None
    stats = pair.current.stats
    if a.type in RANGE_TYPES and a.feature is not None and stats is not None and a.feature in stats.features:
        f = stats.features[a.feature].value_view
        kind = f.logical_type
        unit = components.time_unit(f.numeric_type) if f.logical_type == LogicalType.TIMESTAMP else None
    if isinstance(a.observed, int | float) and isinstance(a.expected, int | float) \
            and not isinstance(a.observed, bool) and not isinstance(a.expected, bool):
        return format_pair(a.observed, a.expected, kind, unit=unit)
    return anomaly_view.format_value(a.observed), anomaly_view.format_value(a.expected)


def card_text(a: Anomaly, pair: analysis.Pair) -> str:
    """A card's one Markdown block: severity badge, feature, type and title; the description; observed and expected.

    Every text from the data (feature names, descriptions, values) is escaped: shown literally.
    """
    sev = a.severity.value
    ex = EXPLANATIONS.get(a.type)
    feature = a.feature if a.feature is not None else anomaly_view.DATASET_LABEL
    title = f" — {md_escape(ex.title)}" if ex else ""
    observed, expected = observed_expected(a, pair)
    return (f":{BADGE.get(sev, 'gray')}-badge[{sev}] **{md_escape(feature)}** · `{a.type.value}`{title}\n\n"
            f"{md_escape(a.description)}\n\n"
            f":gray[observed: {md_escape(observed)} · expected: {md_escape(expected)}]")


DETAILS_LABEL = "Numbers behind it · what it means"
DETAILS_AND_ROWS_LABEL = "Numbers behind it · what it means · rows"


def _card(a: Anomaly, schema: Schema | None, pair: analysis.Pair, key: str) -> None:
    """One anomaly: a bordered block of its Markdown text, Accept, and one expander built when opened.

    Four elements on purpose (the block, the text, the button, the expander): a page of cards is
    what a threshold move or an accept re-sends, and the browser lays out every element it
    receives again. The expander holds the numbers, the explanation and the drill-down to rows.
    """
    uid = components.stable_key("card", key)
    drill = supports_drilldown(a)
    with st.container(border=True, key=uid):
        st.markdown(_card_text(a, pair))
        if anomaly_view.acceptable(schema, a):
            st.button("Accept", key=key, on_click=_accept, args=(pair.role, a), icon=":material/check:",
                      help="Change the schema so this is expected from now on (Undo accept restores it).")
        # Lazy: a closed expander's content is not built (a page of cards, on every rerun of a threshold).
        with st.expander(DETAILS_AND_ROWS_LABEL if drill else DETAILS_LABEL, key=f"{uid}_details",
                         on_change="rerun") as details:
            if details.open:
                _details(a, pair)
                _explanation(a)
                if drill:
                    _drilldown(a, schema, pair, key)


def _card_text(a: Anomaly, pair: analysis.Pair) -> str:
    """:func:`card_text`, built once per anomaly content and dataset statistics (a threshold move keeps most)."""
    stats = pair.current.stats
    memo = st.session_state.setdefault(_CARD_TEXTS, {}).get(pair.role)
    if memo is None or memo[0] is not stats or len(memo[1]) > 512:  # other data: other types and units
        memo = st.session_state[_CARD_TEXTS][pair.role] = (stats, {})
    text = memo[1].get(a)
    if text is None:
        text = memo[1][a] = card_text(a, pair)
    return text



# --------------------------------------------------------------------------- groups


def _summary(found: list[Anomaly]) -> None:
    """The group's count, its errors, warnings and features beneath it: one element (re-sent on every move)."""
    s = anomaly_view.count_summary(found)
    st.metric("Anomalies", f"{s['total']:,}", delta=anomaly_view.summary_line(s), delta_color="off",
              delta_arrow="off")


def _filters(groups: list[tuple[analysis.Pair, list[Anomaly]]]) -> dict[str, list[str]]:
    everything = [a for _, found in groups for a in found]
    if not everything:
        return {}
    with st.container(horizontal=True):
        sevs = st.multiselect("Severity", ["ERROR", "WARNING"], key="anom_severity", placeholder="all")
        types = st.multiselect("Type", sorted({a.type.value for a in everything}), key="anom_type",
                               placeholder="all")
        feats = st.multiselect("Feature", list(dict.fromkeys(
            a.feature if a.feature is not None else anomaly_view.DATASET_LABEL for a in everything)),
            key="anom_feature", placeholder="all")
    return {"severities": sevs, "types": types, "features": feats}


def card_key(pair: analysis.Pair, a: Anomaly) -> str:
    """The Accept button's key: ``<pair role>:accept:<TYPE>:<feature>`` (stable across reruns)."""
    return f"{pair.role}:{anomaly_view.anomaly_key(a)}"


def _group(pair: analysis.Pair, found: list[Anomaly] | None, error: str | None, comparison: Any | None,
           schema: Schema | None, filters: dict[str, list[str]]) -> None:
    st.header(pair.title, anchor=f"anomalies-{pair.role}", divider="gray")
    env = analysis.environment_for(pair)
    context = md_escape(f"{pair.current.label} against the schema in use ({state.schema_origin()}) and "
                        f"{pair.reference.label}" + (f"; environment {env}" if env else "")
                        + f"; the schema's {pair.comparator} comparators.")
    if error is not None:
        st.caption(context)
        components.show_messages([error], "error")
        return
    assert found is not None
    if comparison is not None and not comparison.nothing_compared and comparison.not_compared:
        # One caption, not two: every element here is re-sent on each threshold move.
        context += ("  \nNot compared: " + md_escape(not_compared_text(comparison))
                    + " (Skew & drift page: compare anyway).")
    st.caption(context)
    if comparison is not None and comparison.nothing_compared:
        st.warning(md_escape(comparison.nothing_compared_reason().capitalize() + ": no distribution checked."),
                   icon=":material/warning:")
    if not found:
        st.success(md_escape(f"No anomalies: {pair.current.label} matches the schema and the training data "
                             "within the thresholds."), icon=":material/check_circle:")
        return
    _summary(found)
    shown = anomaly_view.filter_anomalies(found, **filters)
    _table(found, shown, key=f"anomaly_table_{pair.role}")
    if not shown:
        st.info("No anomaly matches the filters.", icon=":material/filter_alt:")
        return
    # A page of cards at a time: every card is a dozen elements the browser lays out again on each rerun.
    start, stop = components.paginate(len(shown), page_size=CARDS_PER_PAGE, key=f"anom_cards_page_{pair.role}",
                                      noun="cards")
    used: set[str] = set()
    per_severity = anomaly_view.count_summary([a for _, a in shown])
    page = shown[start:stop]
    for sev, title, n in (("ERROR", "Errors", per_severity["errors"]), ("WARNING", "Warnings", per_severity["warnings"])):
        cards = [(i, a) for i, a in page if a.severity.value == sev]
        if not cards:
            continue
        with st.container(key=f"anom_cards_{pair.role}_{sev.lower()}"):  # one block per severity: see results()
            st.subheader(f"{title} ({n:,})")
            for i, a in cards:
                key = card_key(pair, a)
                if key in used:
                    key = f"{key}#{i}"
                used.add(key)
                _card(a, schema, pair, key)


# --------------------------------------------------------------------------- downloads

_LIVE_FILES = "_anomaly_files_live"  # session: {button key: Download} of the fragment's last run
_LIVE_INPUTS = "_anomaly_files_inputs"  # what they were built from (see _update_downloads)


def _update_downloads(groups: list[tuple[analysis.Pair, list[Anomaly] | None, Any | None]]) -> None:
    """Give the download buttons this run's anomalies (an accept or a threshold changed them in the fragment).

    ``groups``: each pair with its anomalies and comparison (None: failed, nothing valid to download).
    Rebuilt only when one of them is a new object (a rerun that changed nothing keeps the files).
    """
    live = st.session_state.setdefault(_LIVE_FILES, {})
    valid = [(pair, found, comparison) for pair, found, comparison in groups
             if found is not None and comparison is not None]
    # The files hold these objects (their ids cannot be reused while remembered).
    inputs = tuple((pair.role, id(pair.reference.stats), id(pair.current.stats), id(comparison),
                    tuple(map(id, found))) for pair, found, comparison in valid)
    if live and st.session_state.get(_LIVE_INPUTS) == inputs:
        return
    files: dict[str, downloads.Download] = {}
    for pair, found, comparison in valid:
        files |= {f.key: f for f in downloads.anomaly_files(found, comparison, pair.reference.stats,
                                                                pair.current.stats, pair.role)}
    live.clear()
    live.update(files)
    st.session_state[_LIVE_INPUTS] = inputs


def download_buttons() -> None:
    """The page's files in the sidebar's Download group, built on click from the fragment's latest results.

    The buttons are drawn by the page (a full run: deferred downloads registered from inside a
    fragment are lost when the run ends); their bytes come from the dictionary the fragment
    refreshes on every run, read at click time (outside any script run: no session state there),
    so an accept or a threshold move in the fragment changes what is downloaded.
    """
    live: dict[str, downloads.Download] = st.session_state.setdefault(_LIVE_FILES, {})

    def latest(f: downloads.Download) -> Any:
        return lambda: live.get(f.key, f).build()

    downloads.download_group([downloads.Download(f.label, f.file_name, f.mime, latest(f), f.key, f.help)
                              for f in list(live.values())])


def _comparison(data: analysis.Loaded, pair: analysis.Pair) -> Any | None:
    """THE comparison of a pair, None when it failed (validation reports it; so does Skew & drift)."""
    try:
        return analysis.comparison(data, pair)
    except Exception:  # noqa: BLE001 - the group shows the validation's failure, Skew & drift the comparison's
        return None


@st.fragment
def results() -> None:
    """Thresholds, undo, filters and both groups: a fragment, so a threshold move reruns this alone."""
    data = analysis.loaded()
    schema = analysis.schema_in_use(data)
    features = list(dict.fromkeys([*(schema.feature_names if schema else []),
                                   *(n for p in data.pairs for n in p.current.stats.features)]))  # type: ignore[union-attr]
    comparisons = {pair.role: _comparison(data, pair) for pair in data.pairs}  # once per run, read by every part
    shown_pair = data.pair()
    thresholds(data, features, comparisons.get(shown_pair.role) if shown_pair is not None else None)
    # Every run draws the same blocks in the same places (a message, the undo bar and each group in a
    # container of its own): the browser then updates the elements in place instead of rebuilding all
    # that follow a message that came or went.
    with st.container(key="anom_notices"):
        show_message()
        undo_bar()
    groups: list[tuple[analysis.Pair, list[Anomaly] | None, str | None]] = []
    for pair in data.pairs:
        try:
            groups.append((pair, analysis.anomalies(data, pair), None))
        except Exception as e:  # noqa: BLE001 - any failure: one line here, "(!)" on the navigation badge
            groups.append((pair, None, validation_error(e)))
    filters = _filters([(p, found) for p, found, _ in groups if found])
    for pair, found, error in groups:
        with st.container(key=f"anom_group_{pair.role}"):
            _group(pair, found, error, comparisons[pair.role], schema, filters)
    # The sidebar's buttons (drawn by the page) build the files of this run's lists.
    _update_downloads([(pair, found, comparisons[pair.role]) for pair, found, _ in groups])
    live_navigation(data)  # a changed count: the navigation's badges and the sidebar's counts, redrawn in place
