"""A large upload in a real browser: the Data page shows the dataset computing, with a progress bar, then its figures.

"Must not happen": "Nothing loaded yet." under the training uploader after the upload finished.
"""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.e2e

TIMEOUT = 180_000  # ms: a cold server on a loaded machine


WATCH_PROGRESS_JS = """() => {
  window.__progress = [];
  const look = () => {
    const bar = document.querySelector('[data-testid="stProgress"]');
    if (!bar) return;
    const column = document.querySelector('[data-testid="stColumn"]');
    const entry = [bar.innerText, column ? column.innerText : ''];
    const last = window.__progress[window.__progress.length - 1];
    if (!last || last[0] !== entry[0] || last[1] !== entry[1]) window.__progress.push(entry);
  };
  new MutationObserver(look).observe(document.body, {childList: true, subtree: true, characterData: true});
}"""


def _big_csv(path, rows: int = 600_000) -> None:  # noqa: ANN001
    """~40 MB of CSV (a few columns of each kind), written by pyarrow in a second or two."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(3)
    table = pa.table({
        "id": np.arange(rows), "amount": rng.normal(100, 15, rows).round(3),
        "city": pa.array(rng.choice(["Lyon", "Oslo", "Lima", "Pune"], rows)),
        "note": pa.array([f"item-{i % 9973}-{'x' * (i % 17)}" for i in range(rows)]),
        "flag": rng.integers(0, 2, rows).astype(bool), "score": rng.random(rows),
    })
    pcsv.write_csv(table, str(path))


def test_large_upload_shows_progress_then_figures(page, app_url, artifacts, tmp_path):  # noqa: ANN001
    big = tmp_path / "large_upload.csv"
    _big_csv(big)
    page.goto(app_url, timeout=TIMEOUT)
    page.get_by_text("Open the demo").first.wait_for(timeout=TIMEOUT)
    page.screenshot(path=str(artifacts / "20_data_empty.png"), full_page=True)

    # The bar is watched from inside the page: the pass may end before a poll from here sees it (a
    # loaded machine), so every bar text and the training column's text beside it are recorded.
    page.evaluate(WATCH_PROGRESS_JS)
    training_input = "[class*='st-key-upload_reference'] [data-testid='stFileUploaderDropzoneInput']"  # by key, not position
    page.locator(training_input).first.set_input_files(str(big))
    page.wait_for_function("() => window.__progress.length > 0", timeout=TIMEOUT)
    moving = re.compile(r"Computing statistics of large_upload\.csv: \d+% · [\d.,]+ MB of [\d.,]+ MB read")
    page.wait_for_function(f"() => window.__progress.some(([bar]) => new RegExp({json.dumps(moving.pattern)}).test(bar))",
                           timeout=TIMEOUT)  # a bar that moves: a share read with bytes of the total
    seen = page.evaluate("() => window.__progress")
    bar, column = seen[0]  # when the bar first showed
    assert "Computing statistics of large_upload.csv" in bar, seen
    assert "large_upload.csv" in column and "Nothing loaded yet." not in column, seen
    if page.locator("[data-testid='stProgress']").count():
        page.screenshot(path=str(artifacts / "21_data_computing.png"), full_page=True)

    rows = page.locator("[data-testid='stMetric']").filter(has_text="Rows").first
    rows.wait_for(timeout=TIMEOUT)
    assert rows.locator("[data-testid='stMetricValue']").inner_text().strip() == "600k"  # fits: "1,234,…" did not
    assert page.locator("[data-testid='stProgress']").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(artifacts / "22_data_loaded.png"), full_page=True)
    assert page.console_errors == [], page.console_errors
