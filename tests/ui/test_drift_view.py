"""The Skew & drift frames: the label table by kind, role-named headers, epoch time columns, the timeline axes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dvtools.comparison import concept_shift
from dvtools.ui import drift_view
from dvtools.ui.charts import timeline_figure


def _frames(numeric_label: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(7)
    n = 2_000
    x = rng.normal(0, 1, n)
    y = 100 + 8 * x + rng.normal(0, 1, n) if numeric_label else np.where(x > 0, "yes", "no")
    ref = pd.DataFrame({"x": x, "y": y})
    cur = pd.DataFrame({"x": x + 0.5, "y": (y + 5) if numeric_label else y})
    return ref, cur


def test_numeric_label_shows_its_figures_not_percentages():
    """Regression (issue 11, defect 1): a numeric label's mean printed as "107.96 %", its count as "1000000.00 %"."""
    ref, cur = _frames(numeric_label=True)
    result = concept_shift(ref, cur, label="y")
    assert result.label_kind == "numeric"
    frame = drift_view.label_frame(result, ("training", "evaluation"))
    assert list(frame.columns) == ["figure", "training", "evaluation"]
    cells = frame.set_index("figure")
    assert not any("%" in str(v) for v in frame[["training", "evaluation"]].to_numpy().ravel())
    assert float(cells.loc["mean", "training"].replace(",", "")) == pytest.approx(ref["y"].mean(), rel=1e-5)
    assert cells.loc["count", "training"] == f"{len(ref):,}"  # a whole number, thousands separated


def test_categorical_label_shows_shares():
    ref, cur = _frames(numeric_label=False)
    frame = drift_view.label_frame(concept_shift(ref, cur, label="y"))
    assert list(frame.columns) == ["class", "training", "serving"]
    assert {"yes", "no"} <= set(frame["class"]) and all(str(v).endswith("%") for v in frame["training"])


def test_role_labels_name_the_datasets():
    labels = drift_view.role_labels(["feature", "missing_reference", "missing_current", "max_shift_reference",
                                     "drifted_to_reference"], "evaluation")
    assert labels == {"missing_reference": "missing (training)", "missing_current": "missing (evaluation)",
                      "max_shift_reference": "max shift (training)", "drifted_to_reference": "drifted to training"}
    assert "feature" not in labels
    assert drift_view.role_labels(["current_balance_reference"], "serving") == {
        "current_balance_reference": "current balance (training)"}  # a word inside a name stays


def test_timeline_axis_is_time_with_titles():
    """Regression (defect 6): a categorical x axis made a 5-month gap look like adjacent weeks; no y title."""
    fig = timeline_figure(["2024-01-01", "2024-01-08", "2024-06-03"], {"x": [0.1, 0.2, 0.3]}, 0.1,
                          y_title="distance to the training data")
    assert fig.layout.xaxis.type == "date"
    assert fig.layout.yaxis.title.text == "distance to the training data"
    assert fig.layout.xaxis.title.text
    xs = list(fig.data[0].x)
    assert (xs[2] - xs[1]).days == 147  # the gap is drawn as a gap
