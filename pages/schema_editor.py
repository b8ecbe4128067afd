"""Schema: review and edit the schema in use (inferred, edited or uploaded); download or upload one."""

from __future__ import annotations

import streamlit as st

from dvtools.ui import schema_panel
from dvtools.ui.frame import require_frame

require_frame()  # deep links run through app.py's navigation

# Both grids fit a 1400 px window beside the sidebar with 2rem side padding (this page only).
st.html("<style>[data-testid='stMainBlockContainer']{padding-left:2rem;padding-right:2rem}</style>")
st.title("Schema")
schema_panel.editor()
