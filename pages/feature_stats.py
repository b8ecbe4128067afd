"""Statistics: Facets Overview-style tables (numeric, categorical), one row per feature and dataset."""

from __future__ import annotations

import streamlit as st

from dvtools.ui import analysis, components, state, stats_panel
from dvtools.ui.frame import require_frame

require_frame()  # deep links run through app.py's navigation

# The numeric table fits a 1400 px window beside the sidebar with the main area's side
# padding at 2rem instead of 5rem (this page only: a style tag takes no room and runs no script).
st.html("<style>[data-testid='stMainBlockContainer']{padding-left:2rem;padding-right:2rem}</style>")
st.title("Statistics")
data = analysis.loaded()
components.show_messages(data.error_messages(), "error")
if not data.with_stats():
    components.empty_state("Load a dataset (or open the demo) on the Data page to see its statistics here.",
                           links=[("pages/data.py", "Go to Data", ":material/upload_file:")])
    st.stop()

slice_by = state.get_option("slice_by")
slice_label = None
if slice_by:
    data, slice_label = stats_panel.narrow_to_slice(data, slice_by)
st.caption(stats_panel.describe(data, slice_by, slice_label))

distances, why = stats_panel.distances(data, slice_by, slice_label) if data.pairs else ({}, None)
overview = stats_panel.overview(data, distances)
if overview.empty:
    st.info("The dataset has no columns.", icon=":material/filter_alt_off:")
    st.stop()
stats_panel.tables(data, overview, stats_panel.by_dataset(data), bool(distances), why)  # a fragment
stats_panel.charts(data, overview, stats_panel.largest_distances(distances))  # a fragment

# Downloads (dvtools/ui/downloads.py; the data helper's block): files for this page, bytes built on click.
from dvtools.ui import downloads  # noqa: E402

downloads.statistics_downloads()
