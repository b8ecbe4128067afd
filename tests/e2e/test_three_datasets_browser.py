"""Training, evaluation and serving in a real browser: every page names each dataset by its role, in its colour.

Screenshots land in ``test-artifacts/e2e/three_*.png`` (people look at them). No JavaScript
console error may occur.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

TIMEOUT = 90_000  # ms: the first statistics of a cold server include imports


def _nav(page, label: str) -> None:  # noqa: ANN001
    page.locator("[data-testid='stSidebarNav']").get_by_text(label, exact=False).first.click()


def _wait_idle(page) -> None:  # noqa: ANN001
    page.wait_for_timeout(300)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=TIMEOUT)


def test_three_datasets_side_by_side(page, fresh_server, artifacts, tmp_path):  # noqa: ANN001
    from dvtools.demo import LABEL, demo_frames

    train, serve = demo_frames()
    evaluation = train.sample(4_000, random_state=1)
    paths = {}
    for role, frame in (("reference", train.drop(evaluation.index)), ("evaluation", evaluation), ("current", serve)):
        paths[role] = tmp_path / f"runs_{role}.csv"
        frame.to_csv(paths[role], index=False)
    url = fresh_server("--reference", str(paths["reference"]), "--evaluation", str(paths["evaluation"]),
                       "--current", str(paths["current"]), "--label", LABEL)
    page.goto(url, timeout=TIMEOUT)
    page.get_by_text("What is wrong").first.wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    sidebar = page.locator("[data-testid='stSidebar']").inner_text()
    for name in ("Training", "Evaluation", "Serving"):
        assert name in sidebar
    assert "Evaluation vs Training" in sidebar and "Serving vs Training" in sidebar
    assert not re.search(r"\b(reference|current)\b", sidebar, re.IGNORECASE), sidebar

    _nav(page, "Statistics")
    page.get_by_text("Numeric features").first.wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    page.locator(".st-key-stats_expand_all label").first.click()  # charts with all three datasets
    page.locator(".js-plotly-plot").first.wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    page.screenshot(path=str(artifacts / "three_statistics.png"), full_page=True)

    _nav(page, "Anomalies")
    page.get_by_text("Serving vs Training").first.wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    assert page.get_by_role("heading", name="Evaluation vs Training").count() == 1
    page.screenshot(path=str(artifacts / "three_anomalies.png"), full_page=True)
    page.get_by_role("button", name="Accept").first.click()
    _wait_idle(page)
    page.get_by_role("button", name="Undo accept").wait_for(timeout=TIMEOUT)
    page.screenshot(path=str(artifacts / "three_anomalies_accepted.png"))
    page.get_by_role("button", name="Undo accept").click()
    _wait_idle(page)
    page.get_by_text("Undone").first.wait_for(timeout=TIMEOUT)

    _nav(page, "Skew & drift")
    page.get_by_text("Drifted features").first.wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    page.screenshot(path=str(artifacts / "three_drift_serving.png"), full_page=True)
    page.locator(".st-key-drift_pair_picker").get_by_text("Evaluation").click()
    _wait_idle(page)
    page.get_by_text("Evaluation (runs_evaluation.csv) compared with").first.wait_for(timeout=TIMEOUT)
    page.locator(".st-key-drift_timeline label").first.click()
    page.locator(".st-key-drift_timeline_chart .js-plotly-plot").wait_for(timeout=TIMEOUT)
    _wait_idle(page)
    page.screenshot(path=str(artifacts / "three_drift_evaluation.png"), full_page=True)

    _nav(page, "Slices & fairness")
    _wait_idle(page)
    page.screenshot(path=str(artifacts / "three_fairness.png"), full_page=True)
    assert not page.console_errors, page.console_errors
