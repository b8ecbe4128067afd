"""The Slices & fairness page in a real browser, on the demo: the planted group and rater cases are shown."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e
TIMEOUT = 120_000


def test_fairness_page_shows_the_planted_cases(page, artifacts, fresh_server):  # noqa: ANN001
    url = fresh_server("--demo")
    page.goto(f"{url}/fairness", timeout=TIMEOUT)
    page.get_by_text("Slices & fairness").first.wait_for(timeout=TIMEOUT)
    page.get_by_text("By gender").first.wait_for(timeout=TIMEOUT)
    page.locator("[data-testid='stPlotlyChart']").first.wait_for(timeout=TIMEOUT)
    page.wait_for_timeout(1500)  # let the charts draw
    page.screenshot(path=str(artifacts / "10_fairness_groups.png"), full_page=True)
    charts = page.locator("[data-testid='stHorizontalBlock']").filter(has=page.locator("[data-testid='stPlotlyChart']"))
    charts.first.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    charts.first.screenshot(path=str(artifacts / "10_fairness_group_charts.png"))
    drift = page.get_by_text("Drift within groups").first
    drift.wait_for(timeout=TIMEOUT)
    drift.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    page.screenshot(path=str(artifacts / "10_fairness_group_drift.png"))
    page.get_by_role("tab", name="Labels and raters").click()
    page.get_by_text("Rater agreement").first.wait_for(timeout=TIMEOUT)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(artifacts / "11_fairness_labels.png"), full_page=True)
    unexpected = [e for e in page.console_errors if "404" not in e]
    assert unexpected == [], unexpected
