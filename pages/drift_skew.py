"""Skew & drift: a pair (evaluation or serving vs training), distances with thresholds, skew, concept shift, timeline."""

from __future__ import annotations

import streamlit as st

from dvtools.ui import analysis, components, drift_panel
from dvtools.ui.frame import require_frame

require_frame()  # deep links run through app.py's navigation

st.title("Skew & drift")
data = analysis.loaded()
components.show_messages(data.error_messages(), "error")
if not data.ready:
    components.empty_state("Load the training data and the serving or evaluation data on the Data page "
                           "(or open the demo) to compare them.",
                           links=[("pages/data.py", "Load data", ":material/upload_file:")])
    st.stop()
pair = drift_panel.pick_pair(data)
drift_panel.distances(pair.role)  # a fragment: a threshold moved reruns the verdicts and the timeline alone
st.divider()
drift_panel.feature_skew(pair)
st.divider()
drift_panel.concept_shift(pair)
