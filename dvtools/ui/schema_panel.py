"""The Schema page's editor: the schema in use, its toolbar (reset, download, upload), the editable grids.

Everything below the page's title is one fragment (:func:`editor`), so an edit reruns the editor and not the app.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dvtools.errors import DvtoolsError
from dvtools.schema import load_schema, schema_to_json, schema_to_pbtxt
from dvtools.schema.model import FeatureRole, Schema
from dvtools.ui import analysis, components, state
from dvtools.ui.format import md_escape, plural
from dvtools.ui.frame import live_navigation, validation_error
from dvtools.ui.schema_grid import (
    TYPES,
    environment_options,
    rows_to_schema,
    schema_to_rows,
    time_types,
    with_dataset_constraints,
    with_grid_edits,
)

GRID_OWN = "_schema_grid_own"  # (schema version the grid itself produced, editor epoch kept)
GRID_BASE = "_schema_grid_base"  # (grid key, the schema whose rows the grids show: see _grid_base)
# Two grids over the same rows, each narrow enough to show every column of every feature without scrolling:
# what a value must look like, then where and how strictly it is compared.
GRID_PARTS = (
    ("Type, presence and values", ("name", "type", "required", "min_fraction", "min_count", "min", "max",
                                   "allow_nan", "allow_inf", "categorical", "values")),
    ("Role, environments, drift and skew thresholds", ("name", "role", "sensitive", "group", "not_in_environments",
                                                 "drift_linf", "drift_js", "skew_linf", "skew_js", "deprecated",
                                                 "notes")),
)
ROW_HEIGHT = 35  # st.data_editor's row height in pixels: grids are as tall as their rows
BOUND_HELP = ("A number; for a date or timestamp feature a date (2024-06-01) or a date and time "
              "(2024-06-01 12:30:00, UTC).")
ORIGIN_TEXT = {
    "inferred": "inferred from the training data",
    "edited": "edited here or by accepting anomalies",
    "uploaded": "uploaded",
}


# --------------------------------------------------------------------------- callbacks


def _reset() -> None:
    state.set_schema(None, "inferred")  # analysis.schema_in_use infers it again


def _on_upload() -> None:
    f = st.session_state.get("schema_upload")
    if f is None:
        st.session_state.pop("_schema_upload_error", None)
        return
    try:
        schema = load_schema(f.getvalue(), name=f.name)
    except DvtoolsError as e:
        st.session_state["_schema_upload_error"] = f"{f.name}: {e}"
        return
    st.session_state.pop("_schema_upload_error", None)
    state.set_schema(schema, "uploaded")


# --------------------------------------------------------------------------- sections


def _pbtxt(schema: Schema) -> str:
    """The TFDV text schema, or (when the schema holds something TFDV cannot express) a file saying why."""
    try:
        return schema_to_pbtxt(schema)
    except DvtoolsError as e:
        return f"# TFDV schema.pbtxt unavailable: {' '.join(str(e).split())}\n"


def _toolbar(schema: Schema | None, data: analysis.Loaded) -> None:
    c1, c2, c3 = st.columns([1, 1, 1])
    with c1:
        st.button("Reset to inferred", key="schema_reset", icon=":material/restart_alt:", on_click=_reset,
                  disabled=data.reference_stats is None,
                  help="Drop every edit and use the schema inferred from the training data again.")
    if schema is not None:
        # The bytes are built when a button is clicked (a callable), not on every run of the page.
        frozen = schema.copy()  # the schema of this run: the session's may change before the click
        with c2:
            st.download_button("Download schema.json", lambda: schema_to_json(frozen), file_name="schema.json",
                               mime="application/json", key="schema_download_json", icon=":material/download:",
                               on_click="ignore")
        with c3:
            st.download_button("Download TFDV schema.pbtxt", lambda: _pbtxt(frozen), file_name="schema.pbtxt",
                               mime="text/plain", key="schema_download_pbtxt", icon=":material/download:",
                               on_click="ignore",
                               help="TensorFlow Data Validation's text format (what tfdv.load_schema_text reads).")
    with st.expander("Upload a schema to use instead", icon=":material/upload_file:",
                     expanded=schema is None):
        st.file_uploader("A dvtools schema.json or a TFDV schema.pbtxt",
                         type=["json", "pbtxt", "textproto", "txt", "prototxt", "pb"], key="schema_upload",
                         on_change=_on_upload)
    err = st.session_state.get("_schema_upload_error")
    if err:
        st.error(md_escape(err), icon=":material/error:")


def _bound_width(rows: pd.DataFrame) -> int:
    """Pixels for the min/max text columns: room for their longest text (a date, a date and time)."""
    longest = max((len(str(v)) for c in ("min", "max") for v in rows[c]), default=0)
    return max(70, min(170, 16 + 7 * longest))


def _column_config(schema: Schema, bound_width: int | None = None) -> dict[str, object]:
    cc = st.column_config
    # No min/max on the widget: an out-of-range value reaches rows_to_schema, which says what is wrong
    # (a widget bound would revert it silently).
    share = {"format": "%g"}
    return {
        "name": cc.TextColumn("feature", disabled=True, pinned=True, width=130),
        "type": cc.SelectboxColumn("type", options=list(TYPES), required=True, width=96),
        "role": cc.SelectboxColumn("role", options=[r.value for r in FeatureRole], required=True, width=96,
                                   help="feature, label, identifier or timestamp: identifiers and timestamps are "
                                        "not judged as distributions."),
        "sensitive": cc.CheckboxColumn("sensitive", width=78, help="Personal data: privacy mode masks its values in "
                                                                   "every output (inferred from detection)."),
        "group": cc.CheckboxColumn("group", width=64, help="A group column (sensitive attribute such as gender or "
                                   "age band): Slices & fairness and dvtools fairness group by it by default."),
        "required": cc.CheckboxColumn("required", width=74, help="Must be present in every example (TFDV: presence)."),
        "min_fraction": cc.NumberColumn("min fraction", step=0.0001, width=92, help="Least share of examples with a value.",
                                        **share),
        "min_count": cc.NumberColumn("min count", min_value=0, step=1, format="%d", width=84,
                                     help="Least number of examples with a value."),
        "categorical": cc.CheckboxColumn("categorical", width=92, help="Compare as categories (L-infinity) rather than "
                                                             "as numbers."),
        "values": cc.TextColumn("allowed values", width=140,
                                help='Comma-separated allowed strings; quote a value holding a comma, a quote or '
                                     'edge spaces ("1,300 ft", "boston "). Blank: any value.'),
        "min": cc.TextColumn("min", help="Smallest allowed value (blank: unbounded). " + BOUND_HELP,
                             width=bound_width, alignment="right"),
        "max": cc.TextColumn("max", help="Largest allowed value (blank: unbounded). " + BOUND_HELP,
                             width=bound_width, alignment="right"),
        "allow_nan": cc.CheckboxColumn("NaN ok", width=66, help="FLOAT features: NaN values are allowed."),
        "allow_inf": cc.CheckboxColumn("inf ok", width=60, help="FLOAT features: infinite values are allowed."),
        "not_in_environments": cc.MultiselectColumn("not in environments", options=environment_options(schema),
                                                    accept_new_options=True,
                                                    help="Environments where the feature is not expected "
                                                         "(e.g. the label in SERVING)."),
        "skew_linf": cc.NumberColumn("skew L∞", step=0.001, help="Training/serving skew threshold (categorical).",
                                     **share),
        "skew_js": cc.NumberColumn("skew JS", step=0.001, help="Training/serving skew threshold (numeric).",
                                   **share),
        "drift_linf": cc.NumberColumn("drift L∞", step=0.001, help="Drift threshold (categorical).", **share),
        "drift_js": cc.NumberColumn("drift JS", step=0.001, help="Drift threshold (numeric).", **share),
        "deprecated": cc.CheckboxColumn("deprecated", help="No longer validated."),
        "notes": cc.TextColumn("notes", disabled=True, width="large"),
    }


def _editor_key() -> str:
    """The grid's key: a new one after any schema change the grid did not make itself (accept, reset)."""
    version = state.schema_version()
    own = st.session_state.get(GRID_OWN)
    epoch = own[1] if own and own[0] == version else version
    return f"schema_grid_{epoch}"


def _grid_base(key: str, schema: Schema) -> Schema:
    """The schema the grids' rows show: the schema in use when the grids (``key``) were first drawn.

    The grids keep their edit state (every edit since) only while their data stays the same: new
    data resets it, and the reset is one more run of the page. So the rows stay those of this base
    and the edits are read over it; the schema in use is that base with the grids' edits. A new key
    (a change the grids did not make), or grids whose edit state is gone (the page was left), start
    from the schema in use.
    """
    held = st.session_state.get(GRID_BASE)
    kept = all(f"{key}_{'ab'[i]}" in st.session_state for i in range(len(GRID_PARTS)))
    if held is None or held[0] != key or not kept:
        held = (key, schema)
        st.session_state[GRID_BASE] = held
    return held[1]


def _grid_edits(key: str) -> list:
    """Each grid's edit state (as ``st.data_editor`` keeps it: every edit since the grid was drawn)."""
    return [st.session_state.get(f"{key}_{'ab'[i]}") for i in range(len(GRID_PARTS))]


def _apply_edit(key: str, types: dict[str, str]) -> None:
    """A grid's on_change: apply a valid edit before the run, so that one run shows it (page, sidebar, badges).

    The run checks the grids' values again (:func:`_grid`): whatever this did not apply (an invalid
    cell) is listed there, and an edit it read differently is applied there (with a second run).
    """
    schema = state.get_schema()
    held = st.session_state.get(GRID_BASE)
    if schema is None or held is None or held[0] != key:
        return
    new, _ = rows_to_schema(with_grid_edits(schema_to_rows(held[1], types), _grid_edits(key)), schema, types)
    if new != schema:
        state.set_schema(new, "edited")
        st.session_state[GRID_OWN] = (state.schema_version(), int(key.rsplit("_", 1)[1]))


def _grid(schema: Schema, data: analysis.Loaded) -> None:
    key = _editor_key()
    # Dates and timestamps show as ISO text, in the unit of the training data's column.
    types = time_types(data.reference_stats)
    base = _grid_base(key, schema)
    rows = schema_to_rows(base, types)  # the grids' data: the base's rows (their edits are the grids' state)
    height = 3 + ROW_HEIGHT * (len(rows) + 1)  # every feature visible: the page scrolls, not the grid
    config = _column_config(base, _bound_width(rows))
    edited = rows.copy()
    for i, (title, columns) in enumerate(GRID_PARTS):
        st.markdown(f"**{title}**")
        part = st.data_editor(rows[list(columns)], key=f"{key}_{'ab'[i]}", hide_index=True, num_rows="fixed",
                              disabled=[c for c in ("name", "notes") if c in columns],
                              column_config={c: config[c] for c in columns},
                              height=height, width="stretch", on_change=_apply_edit, args=(key, types))
        for c in columns[1:]:
            edited[c] = part[c]
    new, errors = rows_to_schema(edited, schema, types)
    if errors:
        st.error("Not applied: the schema keeps the previous values of these features until the cell is fixed:\n\n"
                 + "\n".join(f"- {md_escape(e)}" for e in errors), icon=":material/error:")
    if new != schema:  # not applied by _apply_edit (read differently): apply it now, then draw it again
        state.set_schema(new, "edited")
        st.session_state[GRID_OWN] = (state.schema_version(), int(key.rsplit("_", 1)[1]))
        st.rerun()  # so the navigation badge and the sidebar count show the new anomalies


def _dataset_constraints(schema: Schema) -> None:
    dc = schema.dataset_constraints
    comp = dc.num_examples_drift_comparator
    v = state.schema_version()
    st.subheader("Dataset constraints")
    c1, c2, c3 = st.columns(3)
    n = c1.number_input("Min examples", min_value=0, step=1, value=dc.min_examples_count, key=f"schema_min_examples_{v}",
                        placeholder="no minimum", help="DATASET_LOW_NUM_EXAMPLES below this many rows.")
    lo = c2.number_input("Min ratio to training rows", min_value=0.0, step=0.05, value=comp.min_fraction_threshold,
                         key=f"schema_min_ratio_{v}", placeholder="no minimum", format="%.3f",
                         help="COMPARATOR_LOW_NUM_EXAMPLES when evaluation (or serving) rows / training rows is "
                              "below this.")
    hi = c3.number_input("Max ratio to training rows", min_value=0.0, step=0.05, value=comp.max_fraction_threshold,
                         key=f"schema_max_ratio_{v}", placeholder="no maximum", format="%.3f",
                         help="COMPARATOR_HIGH_NUM_EXAMPLES when evaluation (or serving) rows / training rows is "
                              "above this.")
    new, errors = with_dataset_constraints(schema, min_examples_count=n, min_examples_ratio=lo,
                                           max_examples_ratio=hi)
    components.show_messages(errors, "error")
    if not errors and new != schema:
        state.set_schema(new, "edited")
        st.rerun()


def _notes(schema: Schema) -> None:
    """What loading (an uploaded file) or inference noticed about the whole schema; per-feature notes are in the grid."""
    if not schema.notes:
        return
    with st.expander(f"Notes from loading/inference ({len(schema.notes)})", icon=":material/info:",
                     key="schema_notes"):
        st.markdown("\n".join(f"- {md_escape(n)}" for n in schema.notes))


def _anomaly_count(data: analysis.Loaded) -> None:
    if not data.ready:
        return
    counts = []
    for pair in data.pairs:  # evaluation and serving, each named by its role
        try:
            counts.append(f"{plural(len(analysis.anomalies(data, pair)), 'anomaly')} in {pair.current.label}")
        except Exception as e:  # noqa: BLE001 - a validation bug must not take the schema editor down
            components.show_messages([validation_error(e)], "error")
            return
    st.caption(md_escape("; ".join(counts) + " against this schema."))
    components.page_link("pages/anomalies.py", "See the anomalies", ":material/report:")


# --------------------------------------------------------------------------- page


@st.fragment
def editor() -> None:
    """Everything below the title: a fragment, so an edit reruns the schema's parts and not the app.

    Its last call keeps the navigation's badges and the sidebar's counts true (the Schema page is a
    live page, :data:`dvtools.ui.frame.LIVE_PAGES`): an edit that changes an anomaly count redraws
    them in place.
    """
    data = analysis.loaded()
    components.show_messages(data.error_messages(), "error")
    schema = analysis.schema_in_use(data)
    if schema is None:
        components.empty_state("Load the training data on the Data page to infer a schema, "
                               "or upload a schema file below.",
                               links=[("pages/data.py", "Load data", ":material/upload_file:")])
        _toolbar(None, data)
    else:
        origin = state.schema_origin()
        src = ""
        if origin == "inferred" and data.reference is not None:
            src = f" ({md_escape(data.reference.name)})"
        envs = ", ".join(md_escape(e) for e in schema.default_environments) or "none"
        st.markdown(f"**Schema in use:** {ORIGIN_TEXT.get(origin, md_escape(origin))}{src} · "
                    f"{len(schema.features):,} features · environments: {envs}")
        _toolbar(schema, data)
        _notes(schema)
        _anomaly_count(data)
        st.subheader("Features")
        st.caption("Edit a cell and press Enter: valid edits apply at once (the Anomalies page follows); a row "
                   "with a problem is not applied and is listed below the grid.")
        _grid(schema, data)
        _dataset_constraints(schema)
    live_navigation(data)
