"""The Slices & fairness page: every planted demo case is visible; choices and thresholds move the findings."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

PAGE = "pages/fairness.py"
NASTY = "<img src=x onerror=alert(1)>"


def _frames(at: AppTest, *columns: str) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]


def _findings(at: AppTest, key: str = "fair_findings") -> pd.DataFrame:
    """The group findings (first table of findings) or the label findings (the one after the groups tab's)."""
    found = _frames(at, "severity", "type", "column", "finding")
    groups = [f for f in found if f["type"].str.startswith(("GROUP_", "LABEL_RATE")).all()]
    labels = [f for f in found if not f["type"].str.startswith(("GROUP_", "LABEL_RATE")).any()]
    chosen = groups if key == "fair_findings" else labels
    return chosen[0] if chosen else pd.DataFrame(columns=["type", "finding"])


@pytest.fixture
def demo(app: AppTest, demo_page) -> AppTest:  # noqa: ANN001
    app.session_state["opt_groups"] = ["gender"]
    app.session_state["opt_raters"] = ["rater_1", "rater_2", "rater_3"]
    return demo_page(PAGE)


def test_demo_groups_show_every_planted_group_case(demo):
    f = _findings(demo)
    text = " | ".join(f["type"] + ": " + f["finding"])
    assert "GROUP_UNDERREPRESENTED: group gender=nonbinary" in text
    assert "GROUP_SHARE_CHANGED: group gender=female" in text
    assert "LABEL_RATE_DISPARITY" in text and "for gender=female" in text
    assert "GROUP_MISSING_DISPARITY" in text and "heart_rate is missing" in text
    assert len(demo.get("plotly_chart")) >= 2  # shares and label rates
    assert any(m.label == "Findings" for m in demo.metric)


def test_demo_labels_show_conflicts_and_the_biased_rater(demo):
    f = _findings(demo, "fair_label_findings")
    text = " | ".join(f["type"] + ": " + f["finding"])
    assert "LABEL_CONFLICT: 300 rows" in text
    assert "RATER_DISAGREEMENT" in text and "rater_3" in text and "gender=female" in text
    agreement = _frames(demo, "alpha_nominal")[0]
    assert set(agreement["group"]) == {"(all)", "gender=female", "gender=male", "gender=nonbinary"}


def test_serving_rows_shared_with_training_are_found(demo):
    demo.radio(key="fair_label_side").set_value("current").run()
    assert not demo.exception
    f = _findings(demo, "fair_label_findings")
    assert any(f["type"] == "DATASET_OVERLAP")
    assert next(m.value for m in demo.metric if m.label == "Rows also in training") == "200"


def test_thresholds_move_the_findings(demo):
    before = len(_findings(demo))
    demo.number_input(key="fair_ratio").set_value(0.5).run()
    demo.number_input(key="fair_change").set_value(0.5).run()
    after = _findings(demo)
    assert not demo.exception and len(after) < before
    assert not any(after["type"] == "LABEL_RATE_DISPARITY")


def test_intersection_and_untrusted_group_values(page, markdown_texts):
    n = 400
    df = pd.DataFrame({"g": [NASTY, "b"] * (n // 2), "h": ["x", "y", "y", "x"] * (n // 4), "y": [True, False] * (n // 2)})
    at = page(PAGE, reference=df, current=df)
    at.multiselect(key="fair_groups").set_value(["g", "h"]).run()
    assert not at.exception
    assert any("By g × h" in str(s.value) for s in at.subheader)
    assert all(NASTY not in t for t in markdown_texts(at))


def test_without_data_the_page_says_what_to_do(app):
    app.run()
    at = app.switch_page(PAGE).run()
    assert not at.exception
    assert any("Load a training dataset" in i.value for i in at.info)


def test_demo_drift_within_one_group_is_on_the_page(demo):
    f = _findings(demo)
    drift = f[f["type"] == "GROUP_DRIFT"]
    assert list(drift["column"]) == ["pace_min_per_km"]
    assert "within gender=nonbinary" in drift["finding"].iloc[0] and "whole population did not drift" in \
        drift["finding"].iloc[0]
    table = _frames(demo, "drifted only in this group")[0]
    assert table.iloc[0]["group"] == "gender=nonbinary" and table.iloc[0]["drifted only in this group"] == \
        "pace_min_per_km"


def test_the_missing_gap_threshold_moves_the_missing_finding(demo):
    assert "GROUP_MISSING_DISPARITY" in set(_findings(demo)["type"])
    demo.number_input(key="fair_missing_gap").set_value(0.5).run()
    assert not demo.exception
    assert "GROUP_MISSING_DISPARITY" not in set(_findings(demo)["type"])
