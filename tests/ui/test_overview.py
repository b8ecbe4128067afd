"""overview_long: the Facets Overview layout (a row per feature and dataset) and sorting that keeps pairs together."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dvtools.statistics.engine import compute_statistics
from dvtools.statistics.overview import (
    CATEGORICAL_COLUMNS,
    NOT_IN_DATASET,
    NUMERIC_COLUMNS,
    SORT_KEYS,
    overview_frame,
    overview_long,
    sort_overview,
)

REF = compute_statistics(pd.DataFrame({
    "a": [1.0, 2.0, None, 4.0, 0.0],  # missing 20 %, zeros 25 %
    "b": [10, 20, 30, 40, 50],
    "only_ref": [0, 0, 0, 0, 1],  # zeros 80 %
    "color": ["red", "blue", "red", None, "red"],
}))
CUR = compute_statistics(pd.DataFrame({
    "a": [1.0, 1.0, 1.0, 1.0, 1.0],
    "b": [110, None, None, None, 150],  # missing 60 %
    "color": ["red", "red", "red", "red", "blue"],
    "only_cur": [1.5, 2.5, 3.5, 4.5, 5.5],
}))
DIST = {"a": 0.3, "b": 0.9, "color": 0.1}


def _row(df: pd.DataFrame, feature: str, dataset: str) -> pd.Series:
    rows = df[(df["feature"] == feature) & (df["dataset"] == dataset)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_one_row_per_feature_and_dataset():
    df = overview_long(REF, CUR, numeric=True, distances=DIST)
    assert list(df.columns) == ["feature", "type", "dataset", *NUMERIC_COLUMNS, "alerts", "distance", "order",
                                "non-uniformity", "alert_kinds"]
    assert list(df["feature"]) == ["a", "a", "b", "b", "only_ref", "only_ref", "only_cur", "only_cur"]
    assert list(df["dataset"]) == ["training", "serving"] * 4
    a_ref, a_cur = _row(df, "a", "training"), _row(df, "a", "serving")
    assert (a_ref["count"], a_ref["missing"], a_ref["mean"], a_ref["zeros"]) == pytest.approx((5, 0.2, 1.75, 0.25))
    assert (a_cur["missing"], a_cur["mean"], a_cur["std"], a_cur["min"], a_cur["max"]) == pytest.approx(
        (0.0, 1.0, 0.0, 1.0, 1.0))
    assert a_ref["distance"] == a_cur["distance"] == 0.3
    assert "20.0% missing" in a_ref["alerts"] and "missing" not in a_cur["alerts"]  # each dataset's alerts
    assert _row(df, "b", "serving")["missing"] == pytest.approx(0.6)
    assert math.isnan(_row(df, "only_ref", "training")["distance"])
    # A feature in one dataset: its other row is empty and says so.
    gone = _row(df, "only_ref", "serving")
    assert gone["alerts"] == NOT_IN_DATASET and math.isnan(gone["count"]) and math.isnan(gone["mean"])
    assert gone["type"] == "INT" and gone["alert_kinds"] == ("absent",)
    assert "missing" in a_ref["alert_kinds"] and "zeros" in a_ref["alert_kinds"]
    new = _row(df, "only_cur", "training")
    assert new["alerts"] == NOT_IN_DATASET and math.isnan(new["count"])
    assert list(df["order"]) == [0, 0, 1, 1, 2, 2, 4, 4]  # position among all features (color is 3)


def test_categorical_rows():
    df = overview_long(REF, CUR, numeric=False)
    assert list(df.columns) == ["feature", "type", "dataset", *CATEGORICAL_COLUMNS, "alerts", "distance", "order",
                                "non-uniformity", "alert_kinds"]
    ref, cur = _row(df, "color", "training"), _row(df, "color", "serving")
    assert (ref["unique"], ref["top"], ref["freq_top"], ref["avg_length"]) == (2, "red", 3, pytest.approx(13 / 4))
    assert (cur["unique"], cur["top"], cur["freq_top"]) == (2, "red", 4)
    assert math.isnan(ref["distance"])


def test_one_dataset_and_labels():
    df = overview_long(REF, None, numeric=True)
    assert list(df["feature"]) == ["a", "b", "only_ref"] and set(df["dataset"]) == {"training"}
    df = overview_long(None, CUR, numeric=True)
    assert list(df["feature"]) == ["a", "b", "only_cur"] and set(df["dataset"]) == {"serving"}
    df = overview_long(REF, CUR, numeric=False, labels=("train", "serve"))
    assert list(df["dataset"]) == ["train", "serve"]
    empty = overview_long(None, None, numeric=True)
    assert empty.empty and "dataset" in empty.columns
    assert sort_overview(empty, "name").empty


def _pairs_intact(df: pd.DataFrame) -> None:
    assert list(df["dataset"]) == ["training", "serving"] * (len(df) // 2)
    assert (df["feature"].to_numpy()[::2] == df["feature"].to_numpy()[1::2]).all()


def test_sorting_keeps_pairs_and_uses_the_larger_share():
    df = overview_long(REF, CUR, numeric=True, distances=DIST)
    features = lambda d: list(dict.fromkeys(d["feature"]))  # noqa: E731
    for key in SORT_KEYS:
        for desc in (None, True, False):
            _pairs_intact(sort_overview(df, key, descending=desc))
    # Missing share = the larger of the two rows: b (60 % in serving), a (20 %), then the others.
    assert features(sort_overview(df, "missing share")) == ["b", "a", "only_ref", "only_cur"]
    # Zeros: only_ref 80 %, a 25 %, then b and only_cur with none; NaN rows do not count.
    assert features(sort_overview(df, "zeros share")) == ["only_ref", "a", "b", "only_cur"]
    assert features(sort_overview(df, "distribution distance")) == ["b", "a", "only_ref", "only_cur"]  # NaN last
    assert features(sort_overview(df, "distribution distance", descending=False)) == ["a", "b", "only_ref",
                                                                                      "only_cur"]
    assert features(sort_overview(df, "name")) == ["a", "b", "only_cur", "only_ref"]
    assert features(sort_overview(df, "name", descending=True)) == ["only_ref", "only_cur", "b", "a"]
    assert features(sort_overview(df, "feature order", descending=True)) == ["only_cur", "only_ref", "b", "a"]
    out = sort_overview(df, "missing share")
    assert list(out.columns) == list(df.columns)  # no helper column left behind


def test_sorting_regroups_rows_given_apart():
    df = overview_long(REF, CUR, numeric=True)
    shuffled = pd.concat([df.iloc[::2], df.iloc[1::2]])  # every training row, then every serving row
    _pairs_intact(sort_overview(shuffled, "feature order"))


def test_overview_frame_still_sorts():
    wide = overview_frame(REF, CUR, numeric=True, distances=DIST)
    assert list(sort_overview(wide, "missing share")["feature"]) == ["b", "a", "only_ref", "only_cur"]
    assert list(sort_overview(wide, "zeros share")["feature"])[:2] == ["only_ref", "a"]
