"""A deep link as the very first request of a fresh server still runs through app.py's frame.

Streamlit keeps a legacy mode for apps with a ``pages/`` folder until ``st.navigation`` has run once
in the process; without ``require_frame`` a first visit to ``/anomalies`` ran the page file alone:
no sidebar badges, no server arguments (``--demo``), the legacy page list.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_first_request_deep_link_gets_the_frame_and_the_demo(page, artifacts, fresh_server):  # noqa: ANN001
    url = fresh_server("--demo")
    page.goto(f"{url}/anomalies", timeout=90_000)
    nav = page.locator("[data-testid='stSidebarNav']")
    nav.get_by_text("Skew & drift").first.wait_for(timeout=90_000)
    page.get_by_text("DISTRIBUTION_DRIFT").first.wait_for(timeout=90_000)  # a card of the first page (errors)
    assert nav.get_by_text("feature stats").count() == 0  # the legacy page list is not shown
    page.screenshot(path=str(artifacts / "09_deep_link.png"))
    # The frontend first probes /anomalies/_stcore/* for a base path (404) before using the root.
    unexpected = [e for e in page.console_errors if "404" not in e]
    assert unexpected == [], unexpected
