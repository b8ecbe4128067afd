"""The dashboard's privacy switch (one widget, in the sidebar): on, strict or off, through ``state``."""

from __future__ import annotations

import streamlit as st

from dvtools.ui import state

_LABELS = {"on": "On", "strict": "Strict", "off": "Off"}
_KEY = "privacy_mode_switch"


def _changed() -> None:
    state.set_privacy(st.session_state[_KEY] or "on")


def privacy_switch() -> None:
    """Render the switch; changing it reruns every page with the statistics redacted accordingly."""
    st.session_state[_KEY] = state.get_privacy().mode
    st.segmented_control(
        "Privacy", list(_LABELS), format_func=_LABELS.__getitem__, key=_KEY, on_change=_changed,
        help="On (default): values of columns holding personal data (detected, or sensitive in the schema) are "
             "masked in every table, chart and download; values seen fewer than 10 times are aggregated. "
             "Strict: every text column too. Off: raw values.")
