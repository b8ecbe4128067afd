"""Data (home): load the training, serving and evaluation data, pick the analysis options, see what is wrong."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dvtools.errors import DvtoolsError
from dvtools.ui import analysis, anomaly_view, cache, components, progress, state, uploads
from dvtools.ui.format import human_bytes, md_escape, plural
from dvtools.ui.frame import require_frame
from dvtools.ui.state import DatasetRef

require_frame()  # deep links run through app.py's navigation

NONE = "(none)"
ENVIRONMENTS = (NONE, "TRAINING", "SERVING")
UPLOAD_TYPES = ["csv", "tsv", "txt", "parquet", "pq", "jsonl", "ndjson", "json", "feather", "arrow", "gz",
                "pb", "binpb", "pbtxt", "textproto", "tfrecord", "tfrecords"]  # the last six: TFDV statistics
LINKS = (
    ("pages/feature_stats.py", "Statistics: every feature side by side", ":material/bar_chart:"),
    ("pages/schema_editor.py", "Schema: review and edit what the data should look like", ":material/schema:"),
    ("pages/anomalies.py", "Anomalies: every finding, with a fix", ":material/report:"),
    ("pages/drift_skew.py", "Skew & drift: distances and example-level skew", ":material/compare_arrows:"),
)


# --------------------------------------------------------------------------- callbacks


def _uploader_key(role: str) -> str:
    """The uploader's widget key: a new one after each upload (see :func:`_on_upload`)."""
    n = st.session_state.get(f"_upload_generation_{role}", 0)
    return f"upload_{role}" if n == 0 else f"upload_{role}_{n}"


def _on_upload(role: str, key: str) -> None:
    """A user dropped a file: load it, then hand the uploader back empty (the panel below shows what is loaded).

    Streamlit deep-copies a widget's value on every run that draws the widget: an uploader holding a
    300 MB file would copy 300 MB (0.2-0.7 s) on every run of this page. So the bytes move into the
    dataset (no copy: ``getvalue`` shares the upload's buffer), Streamlit's own record of the file is
    dropped (the dataset now holds the only reference; *Clear* frees it) and the uploader gets a new key.
    """
    f = st.session_state.get(key)
    if f is None:  # the file was removed before its run came: nothing was loaded from it
        return
    state.stage_dataset(role, analysis.ref_from_upload(f.name, f.getvalue()))  # put back if it cannot be loaded
    uploads.forget(f)
    st.session_state[f"_upload_generation_{role}"] = st.session_state.get(f"_upload_generation_{role}", 0) + 1


def _open_demo() -> None:
    analysis.load_demo()


def _set_label(value: str) -> None:
    label = None if value == NONE else value
    if label == state.get_option("label"):
        return
    state.set_option("label", label)
    if state.schema_origin() == "inferred":  # re-infer: the label is not expected in serving data
        state.set_schema(None, "inferred")
    if label is not None and state.get_option("environment") is None:
        state.set_option("environment", "SERVING")


def _set_environment(value: str) -> None:
    state.set_option("environment", None if value == NONE else value)


def _set_slice(value: str) -> None:
    state.set_option("slice_by", None if value == NONE else value)


# --------------------------------------------------------------------------- sections


def _clear(role: str) -> None:
    state.set_dataset(role, None)
    state.clear_load_error(role)


def _failed_load(role: str) -> None:
    """The role's last upload that could not be loaded: its one-line error, and which file is still loaded."""
    failed = state.load_error(role)
    if failed is None:
        return
    name, error, kept = failed
    st.error(md_escape(error if name in error else f"{name}: {error}"), icon=":material/error:")
    st.caption(md_escape(f"{name} was not loaded; still loaded: {kept}." if kept else f"{name} was not loaded."))


def _dataset_status(role: str, pending: dict[str, DatasetRef]) -> Any:
    """What is loaded for ``role``: name and size, then its figures, or "computing" with a bar.

    A dataset that cannot be loaded is not: the slot gets back what it had (:func:`state.reject_dataset`) and
    the error shows above it. Returns the slot for the progress bar when the statistics are still to
    compute, else None.
    """
    _failed_load(role)
    ref = state.get_dataset(role)
    if ref is None:
        if state.load_error(role) is None:
            st.caption("Nothing loaded yet.")
        return None
    computing = role in pending
    stats, error = None, None
    if not computing:
        try:
            stats = cache.statistics_for(ref)  # computed: costs nothing
            state.keep_dataset(role)
        except DvtoolsError as e:
            if state.staged(role):  # an upload that failed elsewhere: not loaded, the slot gets back what it had
                state.reject_dataset(role, str(e))
                st.rerun()  # the frame (sidebar, badges) without it
            error = str(e)  # e.g. a server-side path: the pages name it; Clear unloads it
    size = components.dataset_size(ref)
    name_col, clear_col = st.columns([3, 1], vertical_alignment="center")
    name_col.text(ref.name + (" (statistics file: no rows)" if not ref.has_rows else ""))
    if size is not None and error is None:  # never "Loaded" above an error
        name_col.caption(f"{human_bytes(size)} · computing statistics" if computing else f"Loaded · {human_bytes(size)}")
    clear_col.button("Clear", key=f"clear_{role}", icon=":material/close:", on_click=_clear, args=(role,),
                     help="Unload this dataset (drop a file above to replace it).")
    if computing:  # the bar's slot, "queued" until its turn (the page computes the datasets one by one)
        slot = st.empty()
        slot.progress(0.0, text=md_escape(f"Computing statistics of {ref.name}: queued"))
        return slot
    if error is not None:
        st.error(md_escape(error), icon=":material/error:")  # under the role's own uploader
        return None
    assert stats is not None
    facts = components.dataset_facts(stats)
    c1, c2, c3 = st.columns(3)
    c1.metric("Rows", facts["rows"], help=f"{stats.num_examples:,} rows")
    c2.metric("Columns", facts["columns"], help=f"{stats.num_features:,} columns")
    c3.metric("Malformed rows", facts["malformed rows skipped"],
              help=f"{stats.num_malformed_rows:,} rows skipped because they could not be parsed (e.g. the wrong "
                   "number of fields); the warnings below say where.")
    components.show_messages(stats.warnings, "warning")
    return None


def _uploader(role: str, pending: dict[str, DatasetRef]) -> Any:
    loaded = state.get_dataset(role) is not None
    key = _uploader_key(role)
    st.file_uploader(state.ROLE_LABELS[role], type=UPLOAD_TYPES, key=key, on_change=_on_upload, args=(role, key),
                     help="A data file, or a statistics JSON written by `dvtools stats`."
                          + (" Drop a file here to replace the loaded one." if loaded else ""))
    return _dataset_status(role, pending)


def _drop_stale_options(columns: list[str]) -> list[str]:
    """Forget options naming columns the loaded data does not have (e.g. the demo's, after an upload)."""
    dropped = []
    label = state.get_option("label")
    if label is not None and label not in columns:
        _set_label(NONE)
        dropped.append(f"label column {label!r}")
    slice_by = state.get_option("slice_by")
    if slice_by is not None and slice_by not in columns:
        state.set_option("slice_by", None)
        dropped.append(f"slice column {slice_by!r}")
    keys = state.get_option("keys") or []
    if any(k not in columns for k in keys):
        state.set_option("keys", [k for k in keys if k in columns])
        dropped.append("key columns " + ", ".join(repr(k) for k in keys if k not in columns))
    return dropped


def _options(data: analysis.Loaded) -> None:
    stats = data.reference_stats or data.current_stats
    if stats is None:
        return
    columns = list(stats.features)
    dropped = _drop_stale_options(columns)
    if dropped:  # rerun so the frame (sidebar, badge) sees the cleaned options too
        st.session_state["_dropped_options"] = dropped
        st.rerun()
    st.subheader("Options")
    dropped = st.session_state.pop("_dropped_options", None)
    if dropped:
        st.caption(md_escape("Not in the loaded data, so no longer used: " + "; ".join(dropped) + "."))
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        label = state.get_option("label")
        components.bound_selectbox("Label column", [NONE, *columns], value=label or NONE,
                                   key="opt_label_select", on_change=_set_label,
                                   help="The prediction target: kept out of the serving checks.")
    with c2:
        components.bound_multiselect("Key columns (feature skew)", columns, value=state.get_option("keys") or [],
                                     key="opt_keys_select", on_change=lambda v: state.set_option("keys", v),
                                     help="Columns that identify an example in both datasets, to join "
                                          "training and serving rows and compare them value by value.")
    with c3:
        components.bound_selectbox("Slice by", [NONE, *columns], value=state.get_option("slice_by") or NONE,
                                   key="opt_slice_select", on_change=_set_slice,
                                   help="Compute statistics per value of this column as well.")
    with c4:
        components.bound_selectbox("Environment (validation)", list(ENVIRONMENTS),
                                   value=state.get_option("environment") or NONE,
                                   key="opt_environment_select", on_change=_set_environment,
                                   help="SERVING skips the features the schema does not expect in serving "
                                        "data (the label).")


def _summary(data: analysis.Loaded) -> None:
    st.subheader("What is wrong")
    pairs = sorted(data.pairs, key=lambda p: p.role != "current")  # serving first, as every page's default
    for pair in pairs:
        _pair_summary(data, pair)
    for path, label, icon in LINKS:
        components.page_link(path, label, icon)


def _pair_summary(data: analysis.Loaded, pair: analysis.Pair) -> None:
    """Errors, warnings, drifted features and the top anomalies of one pair (serving or evaluation vs training)."""
    st.markdown(f"**{md_escape(pair.label)}**")
    try:
        found = analysis.anomalies(data, pair)
        problem = None
    except Exception as e:  # noqa: BLE001 - the summary must not take the home page down
        found, problem = [], f"validation failed: {type(e).__name__}: {e}"
    counts = components.severity_counts(found)
    comparison, why = components.try_comparison(pair.reference.ref, pair.current.ref,
                                                **analysis.comparison_options(data, pair))
    c1, c2, c3 = st.columns(3)
    c1.metric("Errors", f"{counts['ERROR']:,}")
    c2.metric("Warnings", f"{counts['WARNING']:,}")
    if comparison is not None and comparison.nothing_compared:
        c3.metric("Drifted features", "nothing compared", help=md_escape(comparison.nothing_compared_reason()))
    elif comparison is not None:
        c3.metric("Drifted features", f"{len(comparison.drifted):,} of {len(comparison.features):,}",
                  help="The drift/skew engine's verdicts, as on the Anomalies and Skew & drift pages"
                       + (f"; not compared: {anomaly_view.not_compared_text(comparison)}" if comparison.not_compared
                          else ""))
    else:
        c3.metric("Drifted features", "–", help=why)
    if problem:
        components.show_messages([problem], "error")
    if found:
        rank = {"ERROR": 0, "WARNING": 1}
        top = sorted(found, key=lambda a: rank.get(str(a.severity), 2))[:5]
        st.caption(f"Top {len(top)} of {plural(len(found), 'anomaly')}")
        st.text("\n".join(f"{a.severity} · {a.feature or '(dataset)'}: {a.description}" for a in top))
    elif not problem:
        st.success(md_escape(f"No anomalies: {pair.current.label} matches the schema in use and the training data."),
                   icon=":material/check_circle:")


# --------------------------------------------------------------------------- page

st.title("dvtools")
st.caption("Validate machine-learning data: statistics, schema, anomalies, training/serving skew and drift, "
           "for training, evaluation and serving data side by side.")

pending = dict(progress.pending_datasets())  # statistics still to compute: shown "computing", computed below
nothing = all(state.get_dataset(r) is None for r in state.ROLES)

st.button("Open the demo", key="load_demo", type="primary" if nothing else "secondary",
          icon=":material/directions_run:", on_click=_open_demo,
          help="A runners-app training, evaluation and serving set with planted problems (20,000, 5,000 and 8,000 rows).")

slots = {}
left, right = st.columns(2, gap="large")
with left:
    slots["reference"] = _uploader("reference", pending)
with right:
    slots["current"] = _uploader("current", pending)
limit = st.get_option("server.maxUploadSize")
st.caption(f"Uploads up to {limit:,} MB. Larger files: start the app with "
           "`streamlit run app.py -- --reference PATH --current PATH`.")
with st.expander("Evaluation data (optional)", expanded="evaluation" in pending
                 or state.get_dataset("evaluation") is not None or state.load_error("evaluation") is not None):
    slots["evaluation"] = _uploader("evaluation", pending)

if pending:  # compute each with its bar in its own panel; the frame then reruns with everything in place
    st.empty()  # in place of the previous run's empty-state box, which would stay on screen meanwhile
    for role, ref in pending.items():
        try:
            cache.statistics_for(ref, container=slots.get(role), label=f"Computing statistics of {ref.name}")
            state.keep_dataset(role)
        except DvtoolsError as e:  # an upload is not loaded: the slot gets back what it had, the panel says why
            if state.staged(role):
                state.reject_dataset(role, str(e))
elif nothing:
    components.empty_state(
        "Load the training data and the serving data to compare them (evaluation data too, below), or one "
        "file to profile it; or open the demo to see every kind of problem dvtools finds."
    )
else:
    data = analysis.loaded()
    _options(data)
    if data.ready:
        _summary(data)
    elif data.with_stats():
        if data.errors:
            what = "Fix the dataset that could not be loaded (see the error above) to compare it with the training data."
        elif data.reference_stats is not None:
            what = "Load the serving data (or evaluation data) to compare it with the training data."
        else:
            other = next(d.name.lower() for d in data.with_stats())
            what = f"Load the training data to compare the {other} data with it."
        st.info(what, icon=":material/arrow_forward:")
        components.page_link(*LINKS[0])
