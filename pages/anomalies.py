"""Anomalies: every finding against the schema and the training data, per pair, with thresholds, accept and undo."""

from __future__ import annotations

import streamlit as st

from dvtools.ui import analysis, anomaly_panel, components
from dvtools.ui.frame import require_frame

require_frame()  # deep links run through app.py's navigation

st.title("Anomalies")
data = analysis.loaded()
components.show_messages(data.error_messages(), "error")
if not data.ready:
    components.empty_state("Load the training data and the serving or evaluation data on the Data page "
                           "(or open the demo) to validate them.",
                           links=[("pages/data.py", "Load data", ":material/upload_file:")])
    st.stop()
anomaly_panel.results()  # a fragment: thresholds, filters, accept and undo rerun it alone
anomaly_panel.download_buttons()  # sidebar: files built on click from the fragment's latest anomalies
