"""The dashboard frame: server arguments, sidebar status, page navigation with count badges."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec

import streamlit as st

from dvtools.ui import analysis, roles, state
from dvtools.ui.format import human_count, md_escape, plural

PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"
P = ParamSpec("P")


BADGE_ERROR = "_badge_error"  # the one-line validation error the Anomalies page shows instead of its list


def validation_error(e: BaseException) -> str:
    """A validation failure as one line (for the badge's page and the sidebar)."""
    return " ".join(f"validation failed: {type(e).__name__}: {e}".split())


def _sidebar(data: analysis.Loaded, found: list[tuple[analysis.Pair, int | None]] | None) -> None:
    """The datasets, then each pair's anomaly count (``found`` None: a live page draws the counts itself)."""
    with st.sidebar:
        from dvtools.ui.privacy_view import privacy_switch  # privacy mode (issue 13): one global switch

        privacy_switch()
        st.caption("Datasets")
        for role in roles.ORDER:
            d = data.get(role)
            if d is None:
                if role != "evaluation":  # evaluation data is optional
                    st.text(f"{roles.name(role)}: not loaded")
            elif d.stats is None:
                st.text(f"{d.label}: error")
            else:
                st.text(f"{d.name}:\n{d.ref.name}\n{human_count(d.stats.num_examples)} rows · "
                        f"{plural(d.stats.num_features, 'column')}")
        # The counts' place, kept for the run of a live page's fragment (it writes into it: an outside container).
        st.session_state[COUNTS_SLOT] = st.container()
    if found is not None:
        _pair_counts(found)


COUNTS_SLOT = "_counts_slot"  # the sidebar container of the pairs' counts, reserved by the last full run


def _pair_counts(found: list[tuple[analysis.Pair, int | None]]) -> None:
    """Each pair's anomaly count, in the sidebar (under the datasets)."""
    with _or_sidebar(st.session_state.get(COUNTS_SLOT)):
        for pair, n in found:
            if n is None:
                st.caption(f"{pair.title}: validation failed (see the Anomalies page)")
            else:
                st.caption(f"{pair.title}: {plural(n, 'anomaly')} against the schema in use ({state.schema_origin()})")


def _sidebar_computing(pending: list[tuple[str, state.DatasetRef]]) -> None:
    with st.sidebar:
        st.caption("Datasets")
        for role, ref in pending:
            st.text(f"{roles.name(role)}:\n{ref.name}\ncomputing statistics…")


def _finish(pending: list[tuple[str, state.DatasetRef]]) -> None:
    """Compute what the page did not (with progress), then rerun so the sidebar and the badges count it."""
    from dvtools.errors import DvtoolsError
    from dvtools.ui import cache

    for _, ref in pending:
        try:
            cache.statistics_for(ref)
        except DvtoolsError:  # stored: the pages show it
            pass
    st.rerun()


def _badges(data: analysis.Loaded) -> tuple[str, str, str]:
    """Count badges: features with quality alerts, schema features, drifted features ('' when unknown).

    The drift badge counts the features drifted in any pair (evaluation or serving vs training),
    each pair's comparison being THE cached one the Skew & drift page shows.
    """
    from dvtools.ui import cache, components

    stats_badge = schema_badge = drift_badge = ""
    shown = next((d for d in reversed(data.with_stats())), None)  # serving, else evaluation, else training
    try:
        if shown is not None:
            stats_badge = f" ({cache.alerted_features_for(shown.ref)} with alerts)"
        schema = analysis.schema_in_use(data) if data.reference_stats is not None else state.get_schema()
        if schema is not None:
            schema_badge = f" ({len(schema.features)})"
    except Exception:  # noqa: BLE001, S110 - a badge must never break navigation
        pass
    drifted: set[str] = set()
    compared = nothing = 0
    for pair in data.pairs:
        comparison, _ = components.try_comparison(pair.reference.ref, pair.current.ref,
                                                  **analysis.comparison_options(data, pair))
        if comparison is not None:
            compared += 1
            nothing += bool(comparison.nothing_compared)
            drifted |= {f.feature for f in comparison.drifted}
    if compared:
        drift_badge = " (nothing compared)" if nothing == compared else f" ({len(drifted)})"
    return stats_badge, schema_badge, drift_badge


def _anomaly_badge(data: analysis.Loaded) -> tuple[list[tuple[analysis.Pair, int | None]], str]:
    """Each pair's anomaly count (None: validation failed) and the Anomalies badge: the total, or (!)."""
    found: list[tuple[analysis.Pair, int | None]] = []
    errors_seen = []
    for pair in data.pairs:  # each pair's anomalies, memoized: the Anomalies page reads the same lists
        try:
            found.append((pair, len(analysis.anomalies(data, pair))))
        except Exception as e:  # noqa: BLE001 - the badge must never break navigation
            errors_seen.append(f"{pair.title}: {validation_error(e)}")
            found.append((pair, None))
    if errors_seen:
        st.session_state[BADGE_ERROR] = "; ".join(errors_seen)
    else:
        st.session_state.pop(BADGE_ERROR, None)
    failed = any(n is None for _, n in found)
    return found, (" (!)" if failed else f" ({sum(n or 0 for _, n in found)})") if found else ""


NAV_COUNTS = "_nav_counts"  # the badges the navigation shows, as last built


def _fragment_rerun() -> bool:
    """Whether this run reruns fragments only (the navigation was not rebuilt)."""
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:  # pragma: no cover - internal module moved: check every time
        return True
    ctx = get_script_run_ctx()
    return ctx is None or bool(getattr(ctx, "fragment_ids_this_run", None) or ())


def _badges_now(data: analysis.Loaded) -> tuple[str, ...]:
    """The badges the navigation would show now (every count memoized or cached: milliseconds)."""
    return (_anomaly_badge(data)[1], *_badges(data))


LIVE_PAGES = frozenset({"anomalies", "schema"})
"""Pages whose fragment keeps the navigation and the sidebar's counts true itself (:func:`live_navigation`)."""
NAV_PAGE = "_nav_page"  # the url path of the page the last full run ran


def _live_page() -> bool:
    return st.session_state.get(NAV_PAGE) in LIVE_PAGES


def changes_counts(callback: Callable[P, None]) -> Callable[P, None]:
    """Wrap a widget callback of a fragment whose change may alter a count the navigation shows.

    On a live page (:data:`LIVE_PAGES`) the fragment's own run redraws the navigation and the
    counts (:func:`live_navigation`): nothing more to do. Elsewhere, after the callback, the badges
    are counted with the new state (the anomalies and comparisons the run then reads come from the
    same memos): when one differs from what the navigation shows, the callback asks for a full app
    run (``st.rerun()`` in a callback replaces the interaction's fragment run: one run, not the
    fragment and then the app), otherwise the fragment alone runs.
    """
    @functools.wraps(callback)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> None:
        callback(*args, **kwargs)
        shown = st.session_state.get(NAV_COUNTS)
        if shown is None or not _fragment_rerun():
            return  # statistics still computing, or a full run: it draws the navigation anyway
        if _live_page():
            return  # the fragment's run redraws the navigation in place
        if _badges_now(analysis.loaded()) != shown:
            st.rerun()

    return wrapped


def refresh_navigation_if_stale(data: analysis.Loaded) -> None:
    """In a fragment: rerun the whole app when a badge of the navigation no longer tells the truth.

    A fragment (a threshold moved on Skew & drift) does not redraw the navigation. The
    callbacks that change counts are :func:`changes_counts` and ask for the app run themselves;
    this is the net for any other change: when a count the navigation shows is no longer true,
    the app reruns once (every result cached or memoized), otherwise the fragment alone runs.
    Live pages use :func:`live_navigation` instead.
    """
    shown = st.session_state.get(NAV_COUNTS)
    if shown is None or not _fragment_rerun():
        return  # a full run has just built the navigation
    if _badges_now(data) != shown:
        st.rerun(scope="app")


def live_navigation(data: analysis.Loaded) -> None:
    """In a live page's fragment: keep the navigation's badges and the sidebar's counts true, without an app run.

    Call it in the fragment on every run (its full-run call draws the sidebar's counts, which
    the frame leaves to live pages). On a fragment rerun whose change altered a badge (an
    accepted anomaly, a moved threshold), the navigation is sent again with the new titles
    (``st.navigation`` without ``run()``: the same pages, the same current page; the browser
    updates the menu in place); the counts are redrawn in their sidebar place every run. So an
    accept costs one fragment run, not a run of the whole app.
    """
    found, badge = _anomaly_badge(data)
    if _fragment_rerun():
        shown = st.session_state.get(NAV_COUNTS)
        now = (badge, *_badges(data))
        if shown is not None and now != shown:
            st.navigation(_pages(now))
            st.session_state[NAV_COUNTS] = now
    _pair_counts(found)


def _pages(badges: tuple[str, str, str, str]) -> list[Any]:
    """The navigation's pages, titled with ``(anomalies, statistics, schema, drift)`` badges."""
    badge, stats_badge, schema_badge, drift_badge = badges
    return [
        st.Page(str(PAGES_DIR / "data.py"), title="Data", icon=":material/upload_file:", default=True),
        st.Page(str(PAGES_DIR / "feature_stats.py"), title=f"Statistics{stats_badge}", icon=":material/bar_chart:",
                url_path="statistics"),
        st.Page(str(PAGES_DIR / "schema_editor.py"), title=f"Schema{schema_badge}", icon=":material/schema:",
                url_path="schema"),
        st.Page(str(PAGES_DIR / "anomalies.py"), title=f"Anomalies{badge}", icon=":material/report:",
                url_path="anomalies"),
        st.Page(str(PAGES_DIR / "drift_skew.py"), title=f"Skew & drift{drift_badge}", icon=":material/compare_arrows:",
                url_path="drift"),
        st.Page(str(PAGES_DIR / "fairness.py"), title="Slices & fairness", icon=":material/diversity_3:",
                url_path="fairness"),
    ]


def run() -> None:
    """Build the navigation and run the selected page."""
    from dvtools._arrow import choose_memory_pool

    choose_memory_pool()
    errors = analysis.apply_server_arguments()
    for e in errors:  # they name paths on the server: shown literally
        st.error(md_escape(e), icon=":material/error:")
    from dvtools.ui.progress import pending_datasets

    pending = pending_datasets()  # statistics still to compute: no badges; the page shows them computing
    data: analysis.Loaded | None = None
    found: list[tuple[analysis.Pair, int | None]] = []
    badges = ("", "", "", "")
    if pending:
        st.session_state.pop(NAV_COUNTS, None)
    else:
        data = analysis.loaded()
        found, badge = _anomaly_badge(data)
        badges = (badge, *_badges(data))
        st.session_state[NAV_COUNTS] = badges
    page = st.navigation(_pages(badges))  # the menu is its own message: drawn above the sidebar's elements
    st.session_state[NAV_PAGE] = page.url_path
    if data is None:
        _sidebar_computing(pending)
    else:
        _sidebar(data, None if page.url_path in LIVE_PAGES else found)
    from dvtools.ui import downloads

    downloads.reserve_slot()  # the pages' download buttons go here, above a page's own sidebar panels
    page.run()
    if pending:  # the page computed them (with progress); whatever it did not read, compute now, then redraw
        _finish(pending)


def require_frame() -> None:
    """Send a page file run on its own back through ``app.py``'s navigation.

    Streamlit keeps a legacy mode for apps with a ``pages/`` folder: until ``st.navigation`` has run
    once in the server process, a deep link such as ``/anomalies`` runs ``pages/anomalies.py``
    directly, without the frame (server arguments, sidebar, badges). Each page calls this first:
    in that case it switches the legacy mode off and reruns, so the frame runs and routes the link.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # pragma: no cover - internal module moved: keep the page working
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


def _or_sidebar(slot: Any) -> Any:
    """``slot``, or the sidebar itself when none was reserved."""
    return st.sidebar if slot is None else slot
