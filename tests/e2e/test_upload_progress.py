"""A large upload in a real browser: the Data page shows the dataset computing, with a progress bar, then its figures.

"Must not happen": "Nothing loaded yet." under the training uploader after the upload finished.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e

TIMEOUT = 180_000  # ms: a cold server on a loaded machine


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

    training_input = "[class*='st-key-upload_reference'] [data-testid='stFileUploaderDropzoneInput']"  # by key, not position
    page.locator(training_input).first.set_input_files(str(big))
    bar = page.locator("[data-testid='stProgress']").first
    bar.wait_for(state="visible", timeout=TIMEOUT)
    training = page.locator("[data-testid='stColumn']").first
    assert "large_upload.csv" in training.inner_text()
    assert "Nothing loaded yet." not in training.inner_text()
    text = page.locator("[data-testid='stProgress']").first.inner_text()
    assert "Computing statistics of large_upload.csv" in text
    # A bar that moves: wait for a share read with bytes of the total.
    page.get_by_text(re.compile(r"Computing statistics of large_upload\.csv: \d+% · [\d.,]+ MB of [\d.,]+ MB read")
                     ).first.wait_for(timeout=TIMEOUT)
    page.screenshot(path=str(artifacts / "21_data_computing.png"), full_page=True)

    rows = page.locator("[data-testid='stMetric']").filter(has_text="Rows").first
    rows.wait_for(timeout=TIMEOUT)
    assert rows.locator("[data-testid='stMetricValue']").inner_text().strip() == "600k"  # fits: "1,234,…" did not
    assert page.locator("[data-testid='stProgress']").count() == 0
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(artifacts / "22_data_loaded.png"), full_page=True)
    assert page.console_errors == [], page.console_errors
