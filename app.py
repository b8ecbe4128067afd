"""dvtools dashboard: ``streamlit run app.py`` (optionally ``-- --reference PATH --current PATH``).

The router and frame only: page config, server-side arguments, the anomaly badge and the
navigation. Every page lives in ``pages/`` and every computation in ``dvtools/``.
"""

from pathlib import Path

import streamlit as st

# A bundled icon: a Material icon name would make the browser fetch it from Google's servers.
st.set_page_config(page_title="dvtools", page_icon=str(Path(__file__).parent / "dvtools/ui/assets/favicon.png"),
                   layout="wide")

from dvtools.ui.frame import run  # noqa: E402  (set_page_config must come first)

run()
