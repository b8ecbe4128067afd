"""The Anomalies page updates in place: an accept or a threshold move redraws the fragment, not the app.

What must hold in a real browser (the AppTest cannot see it: it runs the whole script every time):
the navigation badge, the sidebar's per-pair counts and the downloaded anomalies follow an accept
and a count-changing threshold move; the open thresholds panel stays open; no console error.
Must not happen: the navigation re-sent before the fragment's elements (the browser then rebuilt
them and the open panel closed), or a stale download after an accept. Screenshots in
``test-artifacts/e2e/anomalies_in_place_*.png``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
TIMEOUT = 90_000  # ms: the first statistics of a cold server include imports


def _wait_idle(page) -> None:  # noqa: ANN001
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=TIMEOUT)
    page.wait_for_function("() => document.querySelector('[data-testid=stApp]')"
                           ".getAttribute('data-test-script-state') !== 'running'", timeout=TIMEOUT)


def _badge(page) -> int:  # noqa: ANN001
    text = page.locator("[data-testid='stSidebarNav'] a").filter(has_text="Anomalies").first.inner_text()
    return int(re.search(r"\((\d+)\)", text).group(1))


def _sidebar_serving_count(page) -> int:  # noqa: ANN001
    text = page.locator("[data-testid='stSidebar']").inner_text()
    return int(re.search(r"Serving vs Training: (\d+) anomal", text).group(1))


def _page_count(page) -> int:  # noqa: ANN001
    metrics = page.locator("[data-testid='stMetric']").filter(has_text="Anomalies")
    return sum(int(metrics.nth(i).locator("[data-testid='stMetricValue']").inner_text().replace(",", ""))
               for i in range(metrics.count()))


def _wait_for(page, condition, what: str) -> None:  # noqa: ANN001
    for _ in range(300):
        if condition():
            return
        page.wait_for_timeout(100)
    page.screenshot(path=str(ARTIFACTS / "anomalies_in_place_failed.png"), full_page=True)
    raise AssertionError(f"timed out waiting for {what}")


def _serving_json(page) -> list[dict]:  # noqa: ANN001
    with page.expect_download(timeout=TIMEOUT) as info:
        page.get_by_role("button", name="Serving anomalies (JSON)").click()
    data = json.loads(open(info.value.path(), encoding="utf-8").read())
    return data["anomalies"] if isinstance(data, dict) else data


def test_accept_and_threshold_update_badge_counts_and_downloads_in_place(page, fresh_server, artifacts):  # noqa: ANN001
    url = fresh_server("--demo")
    page.goto(url, timeout=TIMEOUT)  # not a deep link: its base-path probe is a 404 in the console
    page.get_by_text("What is wrong").first.wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    page.locator("[data-testid='stSidebarNav'] a").filter(has_text="Anomalies").first.click()
    page.get_by_role("heading", name="Serving vs Training").wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    _wait_for(page, lambda: page.locator(".st-key-anom_group_current [data-testid='stMetric']").count() > 0,
              "the serving group's figures")
    total = _page_count(page)
    assert _badge(page) == total > 0

    # Open the thresholds panel, then move a threshold far enough to change the count.
    page.get_by_text("Thresholds (shared with the Skew & drift page)").first.click()
    box = page.locator(".st-key-cmp_thr_categorical_jensen_shannon_distance input").first
    box.wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    page.screenshot(path=str(artifacts / "anomalies_in_place_1_open.png"), full_page=True)
    box.fill("0.9")
    box.press("Enter")
    _wait_for(page, lambda: _page_count(page) < total, "fewer anomalies after the threshold move")
    _wait_idle(page)
    moved = _page_count(page)
    _wait_for(page, lambda: _badge(page) == moved, "the badge to follow the threshold")
    assert _sidebar_serving_count(page) == _serving_metric(page)
    assert box.is_visible() and float(box.input_value()) == 0.9  # the panel stayed open
    page.screenshot(path=str(artifacts / "anomalies_in_place_2_moved.png"), full_page=True)

    # Accept a serving anomaly: the badge, the sidebar's count and the download follow.
    before_json = _serving_json(page)
    serving_before = _serving_metric(page)
    assert len(before_json) == serving_before
    card = page.locator(".st-key-anom_group_current [class*='st-key-card_']").filter(has_text="SCHEMA_MISSING_COLUMN")
    card.first.get_by_role("button", name="Accept").click()  # weather is in the schema, not in serving: one less
    page.get_by_role("button", name="Undo accept").wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    _wait_for(page, lambda: _serving_metric(page) < serving_before, "the serving count to drop")
    after = _page_count(page)
    _wait_for(page, lambda: _badge(page) == after, "the badge to follow the accept")
    assert _sidebar_serving_count(page) == _serving_metric(page) == serving_before - 1
    assert len(_serving_json(page)) == serving_before - 1  # the download is not the list before the accept
    assert box.is_visible()  # still open: the fragment was updated, not the app rebuilt
    assert "(edited)" in page.locator("[data-testid='stSidebar']").inner_text()
    page.screenshot(path=str(artifacts / "anomalies_in_place_3_accepted.png"), full_page=True)

    page.get_by_role("button", name="Undo accept").click()
    page.get_by_text("Undone").first.wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    _wait_for(page, lambda: _badge(page) == _page_count(page) == moved, "the badge after undo")
    assert page.console_errors == []


def _serving_metric(page) -> int:  # noqa: ANN001
    group = page.locator(".st-key-anom_group_current [data-testid='stMetric']").filter(has_text="Anomalies").first
    return int(group.locator("[data-testid='stMetricValue']").inner_text().replace(",", ""))
