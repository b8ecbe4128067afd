"""dvtools dashboard: ``streamlit run app.py`` (optionally ``-- --reference PATH --current PATH``).

The router and frame only: page config, server-side arguments, the anomaly badge and the
navigation. Every page lives in ``pages/`` and every computation in ``dvtools/``.
"""

import streamlit as st

st.set_page_config(page_title="dvtools", page_icon=":material/fact_check:", layout="wide")

from dvtools.ui.frame import run  # noqa: E402  (set_page_config must come first)

run()
