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


def test_drift_table_carries_the_engines_notes_by_role():
    from dvtools.comparison import compare_statistics
    from dvtools.statistics.engine import compute_statistics

    ref = compute_statistics(pd.DataFrame({"t": [1, 2, 3] * 20, "x": np.arange(60.0)}))
    cur = compute_statistics(pd.DataFrame({"t": ["1", "2", "x"] * 20, "x": np.arange(60.0)}))
    table = drift_view.drift_table(compare_statistics(ref, cur, comparator="skew"))
    notes = table.set_index("feature")["notes"]
    assert "type changed: INT in the training data, STRING in the serving data" in notes["t"]
    assert notes["x"] == ""  # a feature without notes: an empty cell
    assert list(table.columns).index("notes") == list(table.columns).index("out_of_range_share") + 1


def test_concept_tables_have_no_nan_cells_and_no_empty_class():
    """The demo showed "nan" buckets for a feature with no bucket compared, and a "(other) 0.00% 0.00%" class."""
    ref, cur = _frames(numeric_label=False)
    result = concept_shift(ref, cur, label="y", min_bucket_count=100_000)  # no bucket has enough rows
    frame = drift_view.concept_frame(result)
    assert set(frame["max_shift_bucket"]) == {""} and set(frame["max_shift_class"]) == {""}
    label = drift_view.label_frame(result)
    assert set(label["class"]) == {"yes", "no"}  # no "(other)" row: neither dataset has another class


def test_tables_show_every_row_up_to_forty():
    from dvtools.ui.drift_panel import MAX_TABLE_ROWS, _height

    for rows in (1, 13, 30, MAX_TABLE_ROWS):
        assert (_height(rows) - 40) // 35 >= rows  # header + rows + border: none hidden behind a scroll bar
    assert _height(500) == _height(MAX_TABLE_ROWS)
