"""The dashboard works offline: with the demo loaded, no page asks anything of another host, and no page
logs a JavaScript error.

Every request and websocket the browser opens is recorded while the demo is opened and every page is
visited through the sidebar navigation; each must go to the app's own server (127.0.0.1). Screenshots
land in ``test-artifacts/e2e/offline_*.png``.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.e2e

TIMEOUT = 90_000  # ms: the first statistics of a cold server include imports
LOCAL_HOSTS = {"127.0.0.1"}
NETWORK_SCHEMES = {"http", "https", "ws", "wss"}
# Sidebar label -> a text the page shows once it has rendered with the demo loaded.
PAGES = {
    "Data": "What is wrong",
    "Statistics": "Numeric features",
    "Schema": "Download schema.json",
    "Anomalies": "DISTRIBUTION_DRIFT",  # a card of the first page (errors first)
    "Skew & drift": "Distribution skew / drift",
    "Slices & fairness": "By gender",
}


def _wait_idle(page) -> None:  # noqa: ANN001
    """Wait until Streamlit has finished the current run (no running indicator)."""
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=TIMEOUT)


def _click_until(page, target, marker: str, artifacts, name: str) -> None:  # noqa: ANN001
    """Click ``target`` until ``marker`` shows: a click while the app is still busy can be dropped."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(3):
        _wait_idle(page)
        target.click(timeout=TIMEOUT)
        try:
            page.get_by_text(marker).first.wait_for(timeout=TIMEOUT // 3)
            return
        except PlaywrightTimeout:
            continue
    page.screenshot(path=str(artifacts / f"offline_failed_{name}.png"), full_page=True)
    raise AssertionError(f"{marker!r} did not show after clicking three times ({name})")


def _external(urls: list[str]) -> list[str]:
    """Network URLs whose host is not the app's server (data: and blob: URLs are not network requests)."""
    out = []
    for url in urls:
        u = urlparse(url)
        if u.scheme in NETWORK_SCHEMES and u.hostname not in LOCAL_HOSTS:
            out.append(url)
        elif u.scheme not in NETWORK_SCHEMES | {"data", "blob", "about"}:
            out.append(url)  # an unexpected kind of URL counts as external too
    return out


def test_every_page_is_offline_and_error_free(page, app_url, artifacts):  # noqa: ANN001
    assert urlparse(app_url).hostname in LOCAL_HOSTS
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("websocket", lambda ws: requests.append(ws.url))

    page.goto(app_url, timeout=TIMEOUT)
    demo = page.get_by_role("button", name="Open the demo")
    demo.wait_for(timeout=TIMEOUT)
    _click_until(page, demo, "What is wrong", artifacts, "demo")

    nav = page.locator("[data-testid='stSidebarNav']")
    for i, (label, marker) in enumerate(PAGES.items()):
        _click_until(page, nav.get_by_text(label, exact=False).first, marker, artifacts, label)
        _wait_idle(page)
        slug = re.sub(r"[^a-z]+", "_", label.lower()).strip("_")
        page.screenshot(path=str(artifacts / f"offline_{i}_{slug}.png"), full_page=True)
        assert page.locator("[data-testid='stException']").count() == 0, label

    assert any(urlparse(u).hostname in LOCAL_HOSTS for u in requests)  # the recorder saw the app's own traffic
    assert any(urlparse(u).scheme in ("ws", "wss") for u in requests)  # and its websocket
    assert _external(requests) == []
    assert page.console_errors == [], page.console_errors


def test_external_url_filter():
    assert _external(["http://127.0.0.1:8501/static/x.js", "ws://127.0.0.1:8501/_stcore/stream",
                      "data:image/png;base64,AA", "blob:http://127.0.0.1:8501/1"]) == []
    assert _external(["https://fonts.gstatic.com/x.woff2", "http://localhost:8501/", "ftp://x/"]) == [
        "https://fonts.gstatic.com/x.woff2", "http://localhost:8501/", "ftp://x/"]
