"""Download buttons where they belong, with bytes built on click that are what they say they are.

The page runs in AppTest with ``st.download_button`` wrapped to keep each button's data callable;
each callable is then called here, outside any script run, as Streamlit calls it on a click.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
import streamlit as st


@pytest.fixture
def buttons(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """key -> (label, data, file_name) of every download button of the last runs."""
    seen: dict[str, Any] = {}
    real = st.download_button

    def recording(label, data, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        seen[kwargs.get("key")] = (label, data, kwargs.get("file_name"))
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", recording)
    return seen


def test_anomalies_page_offers_report_json_and_csv(demo_page, buttons):
    at = demo_page("pages/anomalies.py")
    keys = {b.key for b in at.sidebar.get("download_button")}
    assert keys == {"dl_report_html_current", "dl_anomalies_json_current", "dl_anomalies_csv_current"}
    for key in keys:
        assert callable(buttons[key][1])  # lazy: nothing built during the run
    shown = int(next(m.value for m in at.metric if m.label == "Anomalies").replace(",", ""))

    found = json.loads(buttons["dl_anomalies_json_current"][1]())["anomalies"]
    assert len(found) == shown > 0
    rows = list(csv.DictReader(io.StringIO(buttons["dl_anomalies_csv_current"][1]().decode("utf-8"))))
    assert len(rows) == shown
    assert [(r["feature"] or None, r["type"]) for r in rows] == [(a["feature"], a["type"]) for a in found]
    report = buttons["dl_report_html_current"][1]().decode("utf-8")
    assert report.startswith("<!DOCTYPE html>") and "<h2>Anomalies</h2>" in report
    for a in found:  # every anomaly is listed in the report
        assert a["type"] in report and (a["feature"] or "(dataset)") in report
    assert buttons["dl_report_html_current"][2] == "dvtools_report_serving.html"


def test_statistics_page_offers_json_and_tfdv_per_dataset(demo_page, buttons):
    at = demo_page("pages/feature_stats.py")
    keys = {b.key for b in at.sidebar.get("download_button")}
    assert keys == {"dl_stats_json_training", "dl_stats_tfdv_training", "dl_stats_json_serving",
                    "dl_stats_tfdv_serving"}
    from tensorflow_metadata.proto.v0 import statistics_pb2

    from dvtools.artifacts import statistics_from_bytes

    data = buttons["dl_stats_json_training"][1]()
    assert json.loads(data)["num_examples"] == 20_000
    training = statistics_from_bytes(data, "training_statistics.json")
    tfdv = statistics_pb2.DatasetFeatureStatisticsList.FromString(buttons["dl_stats_tfdv_serving"][1]())
    assert len(tfdv.datasets) == 1 and tfdv.datasets[0].num_examples == 8_000
    serving = statistics_from_bytes(buttons["dl_stats_json_serving"][1](), "serving_statistics.json")
    assert {f.path.step[0] if f.path.step else f.name for f in tfdv.datasets[0].features} == set(serving.features)
    assert training.num_examples == 20_000 and "completed" in training.features  # the label: training only
    assert buttons["dl_stats_tfdv_serving"][2] == "serving_statistics.pb"


def test_no_downloads_without_data(app):
    app.run()
    app.switch_page("pages/anomalies.py").run()
    assert not app.exception and not app.sidebar.get("download_button")
