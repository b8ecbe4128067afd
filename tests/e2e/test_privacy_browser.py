"""Privacy mode in a real browser: the Statistics, Anomalies and Schema pages of planted personal data.

Every websocket frame the browser receives (the elements, dataframes as Arrow bytes, charts as
Plotly JSON), the final DOM (``page.content()``) and the data of every Plotly chart are searched
for the planted raw values. Screenshots land in ``test-artifacts/e2e/``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "privacy"))
from planted import planted_table  # noqa: E402

pytestmark = pytest.mark.e2e

TIMEOUT = 90_000


def _wait_idle(page) -> None:  # noqa: ANN001
    page.wait_for_timeout(500)
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden", timeout=TIMEOUT)


def _charts(page) -> str:  # noqa: ANN001
    return page.evaluate("""() => JSON.stringify([...document.querySelectorAll('.js-plotly-plot')]
        .map(el => ({data: el.data, layout: el.layout})))""")


def test_statistics_and_anomalies_pages_hold_no_planted_value(page, fresh_server, artifacts, tmp_path):  # noqa: ANN001
    train, p1 = planted_table(seed=7)
    serve, p2 = planted_table(seed=8)
    planted = p1 | p2
    pq.write_table(train, tmp_path / "train.parquet")
    pq.write_table(serve, tmp_path / "serve.parquet")
    url = fresh_server("--reference", str(tmp_path / "train.parquet"), "--current", str(tmp_path / "serve.parquet"))
    frames: list[bytes] = []

    def on_ws(ws) -> None:  # noqa: ANN001
        ws.on("framereceived", lambda payload: frames.append(payload if isinstance(payload, bytes)
                                                             else payload.encode("utf-8")))

    page.on("websocket", on_ws)
    dumps = []
    page.goto(url)
    _wait_idle(page)
    for path, marker in (("statistics", "Numeric features"), ("anomalies", "PII_DETECTED"), ("schema", "Schema in use")):
        page.locator("[data-testid='stSidebarNav']").get_by_text(path.capitalize(), exact=False).first.click()
        page.get_by_text(marker).first.wait_for(timeout=TIMEOUT)
        _wait_idle(page)
        page.locator("[data-testid='stDataFrame'] canvas").first.wait_for(timeout=TIMEOUT)
        page.wait_for_timeout(1500)  # the grids draw their cells after they appear
        page.screenshot(path=str(artifacts / f"privacy_{path}.png"), full_page=True)
        dumps.append(page.content().encode("utf-8") + _charts(page).encode("utf-8"))
    blob = b"".join(frames) + b"".join(dumps)
    assert b"looks like personal data" in blob and b"***-**-" in blob  # the pages did render the masked data
    found = sorted(v for v in planted if v.encode("utf-8") in blob)
    assert not found, found[:5]
    assert not page.console_errors, page.console_errors
