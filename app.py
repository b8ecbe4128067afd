"""dvtools dashboard: ``streamlit run app.py`` (optionally ``-- --reference PATH --current PATH``).

The router and frame only: page config, server-side arguments, the anomaly badge and the
navigation. Every page lives in ``pages/`` and every computation in ``dvtools/``.
"""

from pathlib import Path

import streamlit as st

# A bundled icon: a Material icon name would make the browser fetch it from Google's servers.
st.set_page_config(page_title="dvtools", page_icon=str(Path(__file__).parent / "dvtools/ui/assets/favicon.png"),
                   layout="wide")

from dvtools.ui import preload  # noqa: E402  (set_page_config must come first)
from dvtools.ui.frame import run  # noqa: E402

run()
preload.start()  # once per server, after the first page is drawn: the first comparison's imports (scipy)
