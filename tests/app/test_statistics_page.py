"""The Statistics page: Facets-style tables with hand-computed figures, sorting, filtering, paging, safety."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dvtools.statistics.engine import compute_statistics

STATS = "pages/feature_stats.py"

# 5 rows; figures computed by hand below.
REF = pd.DataFrame({
    "alpha": [1.0, 2.0, None, 4.0, 0.0],  # missing 1/5, zeros 1/4, mean 7/4, median 1.5
    "beta": [10, 20, 30, 40, 50],  # mean 30, population std sqrt(200), median 30
    "gamma_share": [None, None, None, 1.5, 2.5],  # missing 3/5, mean 2
    "color": ["red", "blue", "red", None, "red"],  # missing 1/5, 2 distinct, top red x3, avg length 13/4
})
CUR = pd.DataFrame({
    "alpha": [1.0, 1.0, 1.0, 1.0, 1.0],
    "beta": [110, 120, 130, 140, 150],  # mean 130
    "gamma_share": [1.0, 2.0, 3.0, 4.0, 5.0],
    "color": ["red", "red", "red", "red", "blue"],
})


def _tables(at) -> dict[str, pd.DataFrame]:
    """Numeric and categorical tables (by the columns they show), indexed by feature."""
    out = {}
    for d in at.dataframe:
        df = d.value
        kind = "numeric" if any(c.endswith(" mean") for c in df.columns) else "categorical"
        out[kind] = df.set_index("feature", drop=False)
    return out


def test_empty_state(page):
    at = page(STATS)
    assert not at.exception
    assert any("Data page" in i.value for i in at.info)
    assert not at.dataframe


def test_reference_only_figures(page):
    at = page(STATS, reference=REF)
    assert not at.exception
    t = _tables(at)
    num, cat = t["numeric"], t["categorical"]
    assert list(num["feature"]) == ["alpha", "beta", "gamma_share"]
    assert not [c for c in num.columns if c.startswith("cur ")]  # one dataset: one side
    a = num.loc["alpha"]
    assert a["ref count"] == 5
    assert a["ref missing"] == pytest.approx(0.2)
    assert a["ref mean"] == pytest.approx(1.75)
    assert a["ref std"] == pytest.approx(math.sqrt(8.75 / 4))
    assert a["ref zeros"] == pytest.approx(0.25)
    assert (a["ref min"], a["ref median"], a["ref max"]) == pytest.approx((0.0, 1.5, 4.0))
    b = num.loc["beta"]
    assert (b["ref mean"], b["ref std"], b["ref median"]) == pytest.approx((30.0, math.sqrt(200), 30.0))
    assert num.loc["gamma_share", "ref missing"] == pytest.approx(0.6)
    assert "60.0% missing" in num.loc["gamma_share", "alerts"]
    c = cat.loc["color"]
    assert (c["ref missing"], c["ref unique"], c["ref top"], c["ref freq_top"], c["ref avg_length"]) == (
        pytest.approx(0.2), 2, "red", 3, pytest.approx(13 / 4))
    assert "20.0% missing" in c["alerts"]


def test_both_sides_and_sort_by_missing(page):
    at = page(STATS, reference=REF, current=CUR)
    assert not at.exception
    num = _tables(at)["numeric"]
    assert num.loc["beta", "ref mean"] == pytest.approx(30.0)
    assert num.loc["beta", "cur mean"] == pytest.approx(130.0)
    assert num.loc["alpha", "cur zeros"] == 0 and num.loc["alpha", "cur missing"] == 0
    # Side by side: each figure's training column right before its serving column.
    cols = list(num.columns)
    assert cols.index("cur mean") == cols.index("ref mean") + 1
    at.selectbox(key="stats_sort").select("missing share").run()
    assert not at.exception
    assert list(_tables(at)["numeric"]["feature"])[0] == "gamma_share"
    at.toggle(key="stats_desc").set_value(True).run()
    assert list(_tables(at)["numeric"]["feature"])[-1] == "gamma_share"
    at.selectbox(key="stats_sort").select("name").run()
    assert list(_tables(at)["numeric"]["feature"]) == ["gamma_share", "beta", "alpha"]


def test_filter_narrows_rows(page):
    at = page(STATS, reference=REF, current=CUR)
    at.text_input(key="stats_filter").input("ALP").run()
    assert not at.exception
    t = _tables(at)
    assert list(t["numeric"]["feature"]) == ["alpha"]
    assert "categorical" not in t
    at.text_input(key="stats_filter").input("zzz").run()
    assert not at.exception and not at.dataframe
    assert any("No feature matches" in i.value for i in at.info)


def test_charts_only_for_open_panels(page):
    at = page(STATS, reference=REF, current=CUR)
    assert not at.exception
    assert len(at.expander) == 4
    assert len(at.get("plotly_chart")) == 3  # the first three panels are open, the others lazy
    at.radio(key="stats_buckets").set_value("quantiles").run()
    at.toggle(key="stats_log").set_value(True).run()
    at.toggle(key="stats_percent").set_value(False).run()
    assert not at.exception and len(at.get("plotly_chart")) == 3


def test_pagination_keeps_many_features_usable(page):
    rng = np.random.default_rng(0)
    wide = pd.DataFrame({f"f{i:03d}": rng.normal(size=5).round(3) for i in range(120)})
    at = page(STATS, reference=wide)
    assert not at.exception
    assert len(_tables(at)["numeric"]) == 50
    assert len(at.expander) == 50 and len(at.get("plotly_chart")) == 3
    at.number_input(key="stats_page").set_value(3).run()
    num = _tables(at)["numeric"]
    assert list(num["feature"]) == [f"f{i:03d}" for i in range(100, 120)]
    # A filter that shrinks the list brings the page back in range.
    at.text_input(key="stats_filter").input("f00").run()
    assert not at.exception
    assert list(_tables(at)["numeric"]["feature"]) == [f"f{i:03d}" for i in range(10)]


def test_statistics_file_without_rows(page, bytes_ref):
    stats = compute_statistics(REF.to_csv(index=False).encode(), name="train.csv")
    at = page(STATS, reference=bytes_ref(stats.to_json().encode(), "train_stats.json"), current=CUR)
    assert not at.exception
    num = _tables(at)["numeric"]
    assert num.loc["alpha", "ref mean"] == pytest.approx(1.75)
    assert num.loc["beta", "cur mean"] == pytest.approx(130.0)


def test_serving_only(page, csv_ref):
    at = page(STATS, current=csv_ref(CUR, "serve.csv"))
    assert not at.exception
    assert _tables(at)["numeric"].loc["beta", "ref mean"] == pytest.approx(130.0)
    assert any("reference-only" in c.value for c in at.caption)


def test_malicious_names_are_literal(page, markdown_texts):
    bad, bold = "<img src=x onerror=alert(1)>", "**bold**"
    df = pd.DataFrame({bad: [1.0, 2.0, 3.0], bold: ["<b>x</b>", "y", "y"]})
    at = page(STATS, reference=df, current=df)
    assert not at.exception
    t = _tables(at)
    assert bad in list(t["numeric"]["feature"])
    assert bold in list(t["categorical"]["feature"])
    assert t["categorical"].loc[bold, "ref top"] == "y"
    for text in markdown_texts(at):
        assert bad not in text and bold not in text and "<b>x" not in text
    assert [e.label for e in at.expander][0].startswith("\\<img")
