"""Data is text, never a link: URLs, www names and e-mail addresses in names and values (issue 10, item 9).

Streamlit's markdown links bare URLs even when ``md_escape`` backslash-escapes them; this drives the
real dashboard in Chromium over data full of them and checks that no ``<a>`` element points anywhere
the data says.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.e2e

URL_NAME = "https://evil-name.example/col"
VALUES = ["https://evil-value.example/a", "www.evil-www.com", "x@evil-mail.com", "plain"]


def _data(tmp_path: Path) -> tuple[Path, Path]:
    n = 400
    train = pd.DataFrame({URL_NAME: [VALUES[3]] * n, "city": ["Paris", "Rome"] * (n // 2), "n": range(n)})
    serve = pd.DataFrame({URL_NAME: [VALUES[i % 4] for i in range(n)], "city": ["Paris", "www.evil-city.com"] * (n // 2),
                          "n": range(n)})
    ref, cur = tmp_path / "train.csv", tmp_path / "serving.csv"
    train.to_csv(ref, index=False)
    serve.to_csv(cur, index=False)
    return ref, cur


def _data_links(page) -> list[str]:  # noqa: ANN001
    hrefs = page.eval_on_selector_all("a", "els => els.map(e => (e.getAttribute('href') || '') + ' ' + e.innerText)")
    return [h for h in hrefs if "evil" in h]


def test_urls_in_names_and_values_never_become_links(page, artifacts, fresh_server, tmp_path):  # noqa: ANN001
    ref, cur = _data(tmp_path)
    url = fresh_server("--reference", str(ref), "--current", str(cur))
    page.goto(f"{url}/anomalies", timeout=90_000)
    page.get_by_text("ENUM_TYPE_UNEXPECTED_STRING_VALUES").first.wait_for(timeout=90_000)
    for expander in page.locator("[data-testid='stExpander'] summary").all()[:6]:
        expander.click()
    page.wait_for_timeout(1500)
    assert page.get_by_text("evil-value", exact=False).count() > 0  # the values are shown, as text
    page.screenshot(path=str(artifacts / "20_no_links_anomalies.png"), full_page=True)
    assert _data_links(page) == []
    for path, marker in (("statistics", "city"), ("drift", "Drifted features"), ("", "train.csv")):
        page.goto(f"{url}/{path}", timeout=90_000)
        page.get_by_text(marker).filter(visible=True).first.wait_for(timeout=90_000)  # grids keep hidden copies
        for expander in page.locator("[data-testid='stExpander'] summary").all()[:4]:  # charts drawn on opening
            expander.click()
        page.wait_for_timeout(1500)
        page.screenshot(path=str(artifacts / f"20_no_links_{path or 'data'}.png"), full_page=True)
        assert _data_links(page) == [], path
