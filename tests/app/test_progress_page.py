"""Statistics are computed in the open: a bar where the dataset is shown, "computing" on the Data page, once.

The computation is interrupted with ``st.stop()`` half-way (as a user's rerun interrupts it), so the
element tree shows what was on screen *while* statistics were being computed.
"""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit as st

from dvtools.statistics.engine import Progress
from dvtools.ui import cache

SMALL = pd.DataFrame({"x": list(range(50)), "label": ["a", "b"] * 25})


@pytest.fixture(autouse=True)
def _fresh_store() -> None:
    """Each test starts with no statistics computed (the store is per process, like a server's)."""
    cache._store.clear()


@pytest.fixture
def computations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the datasets whose statistics were computed (the real computation, counted)."""
    seen: list[str] = []
    real = cache._compute

    def counted(ref, slice_by, progress):  # noqa: ANN001, ANN202
        seen.append(ref.name)
        return real(ref, slice_by, progress)

    monkeypatch.setattr(cache, "_compute", counted)
    return seen


def _bars(at) -> list[str]:  # noqa: ANN001
    return [p.text.replace("\\", "") for p in at.progress]  # Markdown-escaped: file names are shown literally


def _halfway_then_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    def halfway(ref, slice_by, progress):  # noqa: ANN001, ANN202
        import time

        time.sleep(0.15)  # past the bar's update throttle
        progress(Progress(rows=500_000, bytes_read=155_000_000, total_bytes=310_000_000, total_rows=None,
                          parts_done=0, total_parts=1))
        st.stop()

    monkeypatch.setattr(cache, "_compute", halfway)


def test_data_page_shows_the_dataset_computing(app, monkeypatch):
    app.run()
    _halfway_then_stop(monkeypatch)
    app.file_uploader(key="upload_reference").set_value(("big.csv", SMALL.to_csv(index=False).encode(),
                                                          "text/csv")).run()
    assert not app.exception
    assert "big.csv" in [t.value for t in app.text]
    assert [c.value for c in app.caption].count("Nothing loaded yet.") == 2  # serving and evaluation only
    bars = _bars(app)
    assert bars == ["Computing statistics of big.csv: 50% · 155 MB of 310 MB read · 500,000 rows"], bars
    assert any("computing statistics" in t.value for t in app.sidebar.text)


def test_statistics_are_computed_once_and_the_bar_goes(app, computations):
    app.run()
    app.file_uploader(key="upload_reference").set_value(("train.csv", SMALL.to_csv(index=False).encode(),
                                                          "text/csv")).run()
    app.file_uploader(key="upload_current").set_value(("serve.csv", SMALL.head(20).to_csv(index=False).encode(),
                                                        "text/csv")).run()
    assert not app.exception
    assert [m.value for m in app.metric if m.label == "Rows"] == ["50", "20"]
    assert not app.progress  # the bars are gone once the statistics are in
    for path in ("pages/feature_stats.py", "pages/anomalies.py", "pages/data.py"):
        app.switch_page(path).run()
        assert not app.exception
    assert computations == ["train.csv", "serve.csv"]  # later runs and pages reuse the stored statistics


def test_another_page_shows_the_bar_too(app, monkeypatch, csv_ref):
    app.run()
    app.switch_page("pages/feature_stats.py")
    _halfway_then_stop(monkeypatch)
    app.session_state["dataset_reference"] = csv_ref(SMALL, "deep.csv")
    app.run()
    assert not app.exception
    assert _bars(app) == [
        "Computing statistics of deep.csv: 50% · 155 MB of 310 MB read · 500,000 rows"]


def test_coming_back_shows_what_is_loaded_with_clear(app):
    app.run()
    app.file_uploader(key="upload_reference").set_value(("train.csv", SMALL.to_csv(index=False).encode(),
                                                          "text/csv")).run()
    assert any(b.key == "clear_reference" for b in app.button)  # the uploader is handed back empty: Clear unloads
    app.switch_page("pages/feature_stats.py").run()
    app.switch_page("pages/data.py").run()
    assert not app.exception
    assert "train.csv" in [t.value for t in app.text]
    assert any(c.value.startswith("Loaded · ") and c.value.endswith(" B") for c in app.caption)
    assert ("Rows", "50") in [(m.label, m.value) for m in app.metric]
    app.button(key="clear_reference").click().run()
    assert not app.exception
    assert "dataset_reference" not in app.session_state
    assert any(c.value == "Nothing loaded yet." for c in app.caption)
