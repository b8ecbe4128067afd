"""A user's journey in a real browser: upload two files, read the anomalies, move a threshold, download the schema.

Screenshots of every page land in ``test-artifacts/e2e/``. No JavaScript console error may occur.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

TIMEOUT = 90_000  # ms: the first statistics of a cold server include imports


def _nav(page, label: str) -> None:  # noqa: ANN001
    page.locator("[data-testid='stSidebarNav']").get_by_text(label, exact=False).first.click()


def _anomaly_badge(page) -> int:  # noqa: ANN001
    text = page.locator("[data-testid='stSidebarNav']").get_by_text(re.compile(r"Anomalies")).first.inner_text()
    m = re.search(r"\((\d+)\)", text)
    assert m, f"no count badge in {text!r}"
    return int(m.group(1))


def _uploader(page, role: str):  # noqa: ANN001, ANN202
    """The file input of ``role``'s uploader (reference = training, current = serving), by its widget key.

    Not by position: while a rerun replaces the loaded uploader (a new key), the inputs' order shifts.
    """
    return page.locator(f"[class*='st-key-upload_{role}'] [data-testid='stFileUploaderDropzoneInput']").first


def _wait_idle(page) -> None:  # noqa: ANN001
    """Wait until Streamlit has finished the current run (no running indicator)."""
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=TIMEOUT)
    # Also the app root's state: a run that reruns itself (statistics computed, then the frame redrawn)
    # leaves the status widget hidden for a moment between the two runs.
    page.wait_for_function("() => { const a = document.querySelector('[data-testid=stApp]'); "
                           "return a && !['running', 'rerunRequested', 'initial']"
                           ".includes(a.getAttribute('data-test-script-state')); }", timeout=TIMEOUT)
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=TIMEOUT)


def test_upload_validate_threshold_download(page, app_url, artifacts, tmp_path):  # noqa: ANN001
    from dvtools.demo import write_demo

    train, serve = write_demo(str(tmp_path))
    page.goto(app_url, timeout=TIMEOUT)
    page.get_by_text("Open the demo").first.wait_for(timeout=TIMEOUT)
    page.screenshot(path=str(artifacts / "00_data_empty.png"), full_page=True)

    _uploader(page, "reference").set_input_files(train)
    _wait_idle(page)
    _uploader(page, "current").set_input_files(serve)
    page.get_by_text("What is wrong").first.wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    page.get_by_text("20,000").first.wait_for(timeout=TIMEOUT)
    page.get_by_text("8,000").first.wait_for(timeout=TIMEOUT)
    page.screenshot(path=str(artifacts / "01_data_loaded.png"), full_page=True)
    nav_text = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert re.search(r"Statistics \(\d+ with alerts\)", nav_text), nav_text  # features with alerts, per page
    columns = len(Path(train).read_text().splitlines()[0].split(","))  # the schema: one feature per training column
    assert re.search(rf"Schema \({columns}\)", nav_text) and re.search(r"Skew & drift \(\d+\)", nav_text), nav_text

    _nav(page, "Statistics")
    page.get_by_text("Numeric features").first.wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    page.screenshot(path=str(artifacts / "02_statistics.png"), full_page=True)

    _nav(page, "Anomalies")
    # The first page of cards (errors first); every anomaly is in the table above them.
    page.locator("[data-testid='stMetric']").filter(has_text="Anomalies").first.wait_for(timeout=TIMEOUT)
    page.get_by_text("DISTRIBUTION_DRIFT").first.wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    assert page.get_by_text("route_type").count() > 0  # the first card (device_os's are on page 2)
    before = _anomaly_badge(page)
    assert before > 0
    page.screenshot(path=str(artifacts / "03_anomalies.png"), full_page=True)

    # Set the first drift threshold (categorical features, the default policy's JS distance) to its
    # maximum: categorical drift anomalies disappear (and the badge follows: the app reruns once).
    page.get_by_text("Thresholds (shared with the Skew & drift page)").first.click()
    box = page.locator(".st-key-cmp_thr_categorical_jensen_shannon_distance input").first
    box.wait_for(timeout=TIMEOUT)
    box.fill("1")
    box.press("Enter")
    _wait_idle(page)
    deadline = time.monotonic() + TIMEOUT / 1000  # the badge follows once the app has rerun
    while _anomaly_badge(page) >= before and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    after = _anomaly_badge(page)
    assert after < before
    page.screenshot(path=str(artifacts / "04_anomalies_threshold_moved.png"), full_page=True)

    _nav(page, "Schema")
    button = page.get_by_text("Download schema.json").first
    button.wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    page.screenshot(path=str(artifacts / "05_schema.png"), full_page=True)
    with page.expect_download(timeout=TIMEOUT) as dl:
        button.click()
    target = artifacts / "schema.json"
    dl.value.save_as(str(target))
    schema = json.loads(Path(target).read_text())
    assert schema["format"] == "dvtools.schema"
    names = [f["name"] for f in schema["features"]]
    assert "device_os" in names and "distance_km" in names

    _nav(page, "Skew & drift")
    page.get_by_text("drift", exact=False).first.wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    page.screenshot(path=str(artifacts / "06_drift.png"), full_page=True)

    assert page.console_errors == [], page.console_errors


def test_bad_upload_shows_one_line_error(page, app_url, artifacts, tmp_path):  # noqa: ANN001
    bad = tmp_path / "broken.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00garbage")
    page.goto(app_url, timeout=TIMEOUT)
    page.get_by_text("Open the demo").first.wait_for(timeout=TIMEOUT)
    _uploader(page, "reference").set_input_files(str(bad))
    err = page.locator("[data-testid='stAlertContentError']").filter(has_text="broken.csv").first
    err.wait_for(timeout=TIMEOUT)
    text = err.inner_text()
    message = text[text.index("broken.csv"):]  # after the alert's icon
    assert "\n" not in message.strip() and "Traceback" not in text
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(artifacts / "07_bad_upload.png"), full_page=True)
    assert page.console_errors == [], page.console_errors


def test_untrusted_column_name_is_text(page, app_url, artifacts, tmp_path):  # noqa: ANN001
    evil = tmp_path / "evil.csv"
    evil.write_text('"<img src=x onerror=alert(1)>",**bold**\n1,a\n2,b\n3,a\n')
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(app_url, timeout=TIMEOUT)
    page.get_by_text("Open the demo").first.wait_for(timeout=TIMEOUT)
    _uploader(page, "reference").set_input_files(str(evil))
    _wait_idle(page)
    _nav(page, "Statistics")
    page.get_by_text("Categorical features").first.wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    # shown as text somewhere visible (the grid also keeps hidden accessibility cells with the same text)
    page.get_by_text("<img src=x onerror=alert(1)>").filter(visible=True).first.wait_for(timeout=TIMEOUT)
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []
    page.screenshot(path=str(artifacts / "08_untrusted_names.png"), full_page=True)
