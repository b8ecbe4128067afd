"""The dashboard frame: server arguments, sidebar status, page navigation with count badges."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dvtools.ui import analysis, state
from dvtools.ui.format import human_count, md_escape

PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"


def _set_compare_role() -> None:
    state.set_option("compare_role", st.session_state["compare_role_radio"])


BADGE_ERROR = "_badge_error"  # the one-line validation error the Anomalies page shows instead of its list


def validation_error(e: BaseException) -> str:
    """A validation failure as one line (for the badge's page and the sidebar)."""
    return " ".join(f"validation failed: {type(e).__name__}: {e}".split())


def _sidebar(data: analysis.Loaded, n_anomalies: int | None) -> None:
    with st.sidebar:
        if state.get_dataset("evaluation") is not None:
            options = {"current": "Serving", "evaluation": "Evaluation"}
            st.session_state["compare_role_radio"] = analysis.compared_role()
            st.radio("Compare training with", list(options), format_func=options.__getitem__,
                     key="compare_role_radio", horizontal=True, on_change=_set_compare_role,
                     help="Validate and compare the serving data, or the evaluation data, against the "
                     "training data and the schema.")
        st.caption("Datasets")
        for role in ("reference", analysis.compared_role()):
            ref = state.get_dataset(role)
            s = data.reference_stats if role == "reference" else data.current_stats
            label = "Evaluation (current)" if role == "evaluation" else state.ROLE_LABELS[role]
            if ref is None:
                st.text(f"{label}: not loaded")
            elif s is None:
                st.text(f"{label}: {ref.name} (error)")
            else:
                st.text(f"{label}:\n{ref.name}\n{human_count(s.num_examples)} rows · {s.num_features} columns")
        if data.ready and n_anomalies is None:
            st.caption("Validation failed: see the Anomalies page")
        elif data.ready:
            st.caption(f"{n_anomalies} anomalies against the schema in use ({state.schema_origin()})")


def _sidebar_computing(pending: list[tuple[str, state.DatasetRef]]) -> None:
    with st.sidebar:
        st.caption("Datasets")
        for role, ref in pending:
            st.text(f"{state.ROLE_LABELS.get(role, role)}:\n{ref.name}\ncomputing statistics…")


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
    """Count badges: features with quality alerts, schema features, drifted features ('' when unknown)."""
    from dvtools.ui import cache, components

    stats_badge = schema_badge = drift_badge = ""
    shown = data.current if data.current_stats is not None else data.reference
    try:
        if shown is not None and (data.current_stats or data.reference_stats) is not None:
            stats_badge = f" ({cache.alerted_features_for(shown)} alerts)"
        schema = analysis.schema_in_use(data) if data.reference_stats is not None else state.get_schema()
        if schema is not None:
            schema_badge = f" ({len(schema.features)})"
    except Exception:  # noqa: BLE001, S110 - a badge must never break navigation
        pass
    if data.ready:
        comparison, _ = components.try_comparison(data.reference, data.current, **analysis.comparison_options(data))
        if comparison is not None:
            drift_badge = " (nothing compared)" if comparison.nothing_compared else f" ({len(comparison.drifted)})"
    return stats_badge, schema_badge, drift_badge


def run() -> None:
    """Build the navigation and run the selected page."""
    errors = analysis.apply_server_arguments()
    for e in errors:  # they name paths on the server: shown literally
        st.error(md_escape(e), icon=":material/error:")
    from dvtools.ui.progress import pending_datasets

    pending = pending_datasets()  # statistics still to compute: no badges; the page shows them computing
    data: analysis.Loaded | None = None
    n: int | None = None
    badge = stats_badge = schema_badge = drift_badge = ""
    if not pending:
        data = analysis.loaded()
        try:
            n = len(analysis.anomalies(data))
            st.session_state.pop(BADGE_ERROR, None)
        except Exception as e:  # noqa: BLE001 - the badge must never break navigation
            st.session_state[BADGE_ERROR] = validation_error(e)
            n = None
        badge = (" (!)" if n is None else f" ({n})") if data.ready else ""
        stats_badge, schema_badge, drift_badge = _badges(data)
    pages = [
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
    if data is None:
        _sidebar_computing(pending)
    else:
        _sidebar(data, n)
    from dvtools.ui import downloads

    downloads.reserve_slot()  # the pages' download buttons go here, above a page's own sidebar panels
    st.navigation(pages).run()
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
