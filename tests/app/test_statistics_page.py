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
    """Numeric and categorical tables (by the columns they show): one row per feature and dataset."""
    out = {}
    for d in at.dataframe:
        df = d.value
        out["numeric" if "mean" in df.columns else "categorical"] = df
    return out


def _row(table: pd.DataFrame, feature: str, dataset: str = "training") -> pd.Series:
    rows = table[(table["feature"] == feature) & (table["dataset"] == dataset)]
    assert len(rows) == 1, (feature, dataset, rows)
    return rows.iloc[0]


def _shown(text: str) -> float:
    """A figure the table shows as text (mean, std, bounds: 4 significant digits) read back as a number."""
    return float(text.replace(",", ""))


def _features(table: pd.DataFrame) -> list[str]:
    """Features in table order (each once)."""
    return list(dict.fromkeys(table["feature"]))


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
    assert list(num["feature"]) == ["alpha", "beta", "gamma_share"]  # one dataset: one row per feature
    assert set(num["dataset"]) == {"training"}
    assert list(num.columns) == ["feature", "type", "dataset", "dist_training", "alerts", "count", "missing", "mean",
                                 "std", "zeros", "min", "median", "max"]
    a = _row(num, "alpha")
    assert a["count"] == 5
    assert a["missing"] == pytest.approx(0.2)
    assert (a["mean"], a["std"]) == ("1.75", "1.479")  # as shown: significant digits, no trailing zeros
    assert _shown(a["std"]) == pytest.approx(math.sqrt(8.75 / 4), rel=1e-3)
    assert a["zeros"] == pytest.approx(0.25)
    assert [_shown(a[k]) for k in ("min", "median", "max")] == pytest.approx([0.0, 1.5, 4.0])
    b = _row(num, "beta")
    assert [_shown(b[k]) for k in ("mean", "std", "median")] == pytest.approx([30.0, math.sqrt(200), 30.0], rel=1e-3)
    assert _row(num, "gamma_share")["missing"] == pytest.approx(0.6)
    assert _row(num, "gamma_share")["alerts"] == "missing"  # the alert's word (drawn as a red pill)
    c = _row(cat, "color")
    assert (c["missing"], c["unique"], c["top"], c["freq_top"], c["avg_length"]) == (
        pytest.approx(0.2), 2, "red", 3, pytest.approx(13 / 4))
    assert c["alerts"] == "missing"


def test_both_sides_one_row_each_and_sort_by_missing(page):
    at = page(STATS, reference=REF, current=CUR)
    assert not at.exception
    num = _tables(at)["numeric"]
    # Facets layout: a training row then a serving row per feature, one column per figure.
    assert list(num["feature"]) == ["alpha", "alpha", "beta", "beta", "gamma_share", "gamma_share"]
    assert list(num["dataset"]) == ["training", "serving"] * 3
    # A sparkline column per dataset (a chart column has one colour: each dataset's own).
    assert list(num.columns) == ["feature", "type", "dataset", "dist_training", "dist_serving", "alerts", "distance",
                                 "count", "missing", "mean", "std", "zeros", "min", "median", "max"]
    assert _row(num, "beta")["mean"] == "30"
    assert _row(num, "beta", "serving")["mean"] == "130"
    assert _row(num, "alpha", "serving")["zeros"] == 0 and _row(num, "alpha", "serving")["missing"] == 0
    assert "missing" in _row(num, "gamma_share")["alerts"].split(", ")  # each dataset's own alerts
    assert "missing" not in _row(num, "gamma_share", "serving")["alerts"].split(", ")
    # Each compared dataset's distance to training on its own row; the training row has none.
    assert pd.isna(_row(num, "beta")["distance"]) and _row(num, "beta", "serving")["distance"] > 0
    at.selectbox(key="stats_sort").select("missing share").run()
    assert not at.exception
    num = _tables(at)["numeric"]
    assert list(num["feature"][:2]) == ["gamma_share", "gamma_share"]  # the pair stays together
    assert list(num["dataset"]) == ["training", "serving"] * 3
    at.toggle(key="stats_desc").set_value(True).run()
    assert _features(_tables(at)["numeric"])[-1] == "gamma_share"
    at.selectbox(key="stats_sort").select("name").run()
    num = _tables(at)["numeric"]
    assert list(num["feature"]) == ["gamma_share", "gamma_share", "beta", "beta", "alpha", "alpha"]
    assert list(num["dataset"]) == ["training", "serving"] * 3
    # Missing share sorts on the larger of the two: alpha (20% in training, 0% in serving) before beta.
    at.toggle(key="stats_desc").set_value(False).run()
    at.selectbox(key="stats_sort").select("missing share").run()
    assert _features(_tables(at)["numeric"]) == ["gamma_share", "alpha", "beta"]
    at.selectbox(key="stats_sort").select("distribution distance").run()
    num = _tables(at)["numeric"]
    firsts = num.drop_duplicates("feature")["distance"].tolist()
    assert firsts == sorted(firsts, reverse=True)
    assert list(num["dataset"]) == ["training", "serving"] * 3


def test_filter_narrows_rows(page):
    at = page(STATS, reference=REF, current=CUR)
    at.text_input(key="stats_filter").input("ALP").run()
    assert not at.exception
    t = _tables(at)
    assert list(t["numeric"]["feature"]) == ["alpha", "alpha"]
    assert "categorical" not in t
    at.text_input(key="stats_filter").input("zzz").run()
    assert not at.exception and not at.dataframe
    assert any("No feature matches" in i.value for i in at.info)


def test_charts_only_for_open_panels(page):
    at = page(STATS, reference=REF, current=CUR)
    assert not at.exception
    assert len(at.expander) == 4  # one panel per feature, not per row
    assert len(at.get("plotly_chart")) == 0  # closed panels build nothing (plotly loads on demand)
    first = at.expander[0]
    at.session_state[first.key] = True  # the user opens one
    at.run()
    assert len(at.get("plotly_chart")) == 1
    at.radio(key="stats_buckets").set_value("quantiles").run()
    at.toggle(key="stats_log").set_value(True).run()
    at.toggle(key="stats_percent").set_value(False).run()
    assert not at.exception and len(at.get("plotly_chart")) == 1


def test_pagination_keeps_many_features_usable(page):
    rng = np.random.default_rng(0)
    wide = pd.DataFrame({f"f{i:03d}": rng.normal(size=5).round(3) for i in range(120)})
    at = page(STATS, reference=wide)
    assert not at.exception
    assert len(_tables(at)["numeric"]) == 25  # 25 features a page by default
    assert len(at.expander) == 10 and len(at.get("plotly_chart")) == 0  # charts: 10 a page, opened on demand
    at.number_input(key="stats_page").set_value(5).run()
    num = _tables(at)["numeric"]
    assert list(num["feature"]) == [f"f{i:03d}" for i in range(100, 120)]
    # A filter that shrinks the list brings the page back in range.
    at.text_input(key="stats_filter").input("f00").run()
    assert not at.exception
    assert list(_tables(at)["numeric"]["feature"]) == [f"f{i:03d}" for i in range(10)]


def test_pages_count_features_not_rows(page):
    rng = np.random.default_rng(1)
    wide = pd.DataFrame({f"f{i:03d}": rng.normal(size=5).round(3) for i in range(60)})
    at = page(STATS, reference=wide, current=wide * 2)
    assert not at.exception
    num = _tables(at)["numeric"]
    assert len(num) == 50 and _features(num) == [f"f{i:03d}" for i in range(25)]  # 25 features, 2 rows each
    assert any("features 1–25 of 60" in c.value for c in at.caption)
    at.number_input(key="stats_page").set_value(3).run()
    num = _tables(at)["numeric"]
    assert _features(num) == [f"f{i:03d}" for i in range(50, 60)]
    assert list(num["dataset"]) == ["training", "serving"] * 10


def test_statistics_file_without_rows(page, bytes_ref):
    stats = compute_statistics(REF.to_csv(index=False).encode(), name="train.csv")
    at = page(STATS, reference=bytes_ref(stats.to_json().encode(), "train_stats.json"), current=CUR)
    assert not at.exception
    num = _tables(at)["numeric"]
    assert _row(num, "alpha")["mean"] == "1.75"
    assert _row(num, "beta", "serving")["mean"] == "130"


def test_serving_only(page, csv_ref):
    at = page(STATS, current=csv_ref(CUR, "serve.csv"))
    assert not at.exception
    num = _tables(at)["numeric"]
    assert set(num["dataset"]) == {"serving"}
    assert _row(num, "beta", "serving")["mean"] == "130"
    assert any("one dataset loaded" in c.value for c in at.caption)


def test_feature_on_one_side_and_dates(page):
    ref = REF.assign(when=pd.to_datetime(["2024-06-01", "2024-06-02", "2024-06-03", "2024-06-04", "2024-06-05"]))
    cur = CUR.drop(columns=["gamma_share"]).assign(when=ref["when"] + pd.Timedelta(days=30))
    at = page(STATS, reference=ref, current=cur)
    assert not at.exception
    num = _tables(at)["numeric"]
    gone = _row(num, "gamma_share", "serving")
    assert gone["alerts"] == "not in this dataset" and math.isnan(gone["count"])
    assert list(num["dataset"]) == ["training", "serving"] * 4
    assert _row(num, "when", "serving")["type"] == "TIMESTAMP"
    when = _row(num, "when")  # dates as dates, the spread as a duration (population std of 5 days: sqrt 2)
    assert (when["min"], when["median"], when["max"], when["std"]) == ("2024-06-01", "2024-06-03", "2024-06-05",
                                                                       "1.4 days")
    assert _row(num, "when", "serving")["min"] == "2024-07-01"


def test_table_is_plain_data_with_coloured_pills_and_readable_headers(page):
    """No Styler: figures the column formats, alerts as pills (red missing, amber zeros), headers that fit."""
    import json

    from dvtools.ui import stats_table

    ref = REF.assign(zero_heavy=[0.0, 0.0, 0.0, 1.0, 2.0])  # 60 % zeros: an amber alert
    at = page(STATS, reference=ref, current=CUR)
    assert not at.exception
    table = next(d for d in at.dataframe if "mean" in d.value.columns)
    assert not table.proto.arrow_data.HasField("styler")
    config = json.loads(table.proto.columns)
    assert config["missing"]["type_config"]["format"] == "percent" and config["count"]["type_config"]["format"]
    colours = {o["value"]: o["color"] for o in config["alerts"]["type_config"]["options"]}
    assert colours["missing"] == colours["all missing"] == "#d62728" and colours["zeros"] == "#e0a100"
    num = table.value
    assert _row(num, "zero_heavy")["alerts"].split(", ")[0] == "zeros"
    assert _row(num, "gamma_share")["alerts"] == "missing"
    # Two datasets: the sparkline headers are the datasets' names, in full, in columns wide enough for them.
    headers = {k: (v["label"], v["width"]) for k, v in config.items() if k.startswith("dist_")}
    assert headers == {"dist_training": ("training", 72), "dist_serving": ("serving", 72)}
    for n in (1, 2, 3, 4):
        for label in ("training", "evaluation", "serving"):
            text, width = stats_table.spark_header(label, n)
            assert stats_table.header_fits(text, width) and width <= 110
    assert stats_table.spark_header("evaluation", 3) == ("eval", 54)


def test_malicious_names_are_literal(page, markdown_texts):
    bad, bold = "<img src=x onerror=alert(1)>", "**bold**"
    df = pd.DataFrame({bad: [1.0, 2.0, 3.0], bold: ["<b>x</b>", "y", "y"]})
    at = page(STATS, reference=df, current=df)
    assert not at.exception
    t = _tables(at)
    assert bad in list(t["numeric"]["feature"])
    assert bold in list(t["categorical"]["feature"])
    assert _row(t["categorical"], bold)["top"] == "y"
    for text in markdown_texts(at):
        assert bad not in text and bold not in text and "<b>x" not in text
    assert [e.label for e in at.expander][0].startswith("\\<img")


# --------------------------------------------------------------------------- slices (Data page "Slice by")


def _demo_app(app, **options):
    from dvtools.demo import demo_csv_bytes
    from dvtools.ui.state import DatasetRef, digest_bytes

    train, serve = demo_csv_bytes()
    app.session_state["dataset_reference"] = DatasetRef("runs_training.csv", digest_bytes(train), "data", train)
    app.session_state["dataset_current"] = DatasetRef("runs_serving.csv", digest_bytes(serve), "data", serve)
    for name, value in options.items():
        app.session_state[f"opt_{name}"] = value
    app.run()
    app.switch_page(STATS).run()
    assert not app.exception
    return app


def test_slice_by_shows_one_slice_of_both_datasets(app):
    from dvtools.demo import demo_frames

    train, serve = demo_frames()
    at = _demo_app(app, slice_by="route_type", keys=["run_id"])
    box = at.selectbox(key="stats_slice")
    assert box.value == "(all)"
    assert {"road", "trail", "track"} <= set(box.options)
    assert _row(_tables(at)["numeric"], "distance_km")["count"] == len(train)
    box.set_value("track").run()
    assert not at.exception
    n_track = int((train["route_type"] == "track").sum())
    assert n_track and not (serve["route_type"] == "track").any()
    num, cat = _tables(at)["numeric"], _tables(at)["categorical"]
    for name in ("distance_km", "elevation_ft"):
        assert _row(num, name)["count"] == n_track
    assert _row(cat, "route_type")["top"] == "track" and _row(cat, "route_type")["unique"] == 1
    # The serving data has no track run: its side of the slice is empty.
    assert _row(num, "distance_km", "serving")["alerts"] == "not in this dataset"
    assert any("slice route\\_type = track" in c.value and ": 0 rows" in c.value for c in at.caption)
    box = at.selectbox(key="stats_slice").set_value("road").run()
    assert not at.exception
    n_road = int((train["route_type"] == "road").sum())
    num = _tables(at)["numeric"]
    assert _row(num, "distance_km")["count"] == n_road
    assert _row(num, "distance_km", "serving")["count"] == int((serve["route_type"] == "road").sum())
    assert _row(num, "distance_km", "serving")["distance"] >= 0  # the slice compared (a distance, not NaN)


def test_slices_capped_warning(page):
    ref = pd.DataFrame({"k": [f"v{i}" for i in range(300)], "x": range(300)})
    at = page(STATS, reference=ref)
    at.session_state["opt_slice_by"] = "k"
    at.run()
    assert not at.exception
    assert any("only the first values seen" in w.value for w in at.warning)
    at.selectbox(key="stats_slice").set_value("v1").run()
    assert not at.exception
    assert _row(_tables(at)["numeric"], "x")["count"] == 1


def test_charts_of_list_and_timestamp_features(app):
    import io
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from dvtools.ui.analysis import ref_from_upload

    def table(shift: int) -> pa.Table:
        n = 40
        return pa.table({
            "tags": pa.array([[i % 3, i % 5 + shift] for i in range(n)], pa.list_(pa.int64())),
            "words": pa.array([["a", "b"] if i % 2 else ["c"] for i in range(n)], pa.list_(pa.string())),
            "ts": pa.array([1_700_000_000 + 3600 * (i + shift) for i in range(n)], pa.timestamp("s")),
            "day": pa.array([19_000 + i + shift for i in range(n)], pa.date32()),
        })

    def ref(t: pa.Table, name: str):
        buf = io.BytesIO()
        pq.write_table(t, buf)
        return ref_from_upload(name, buf.getvalue())

    app.session_state["dataset_reference"] = ref(table(0), "train.parquet")
    app.session_state["dataset_current"] = ref(table(7), "serve.parquet")
    app.session_state["stats_page_size"] = 25
    app.run()
    app.switch_page(STATS).run()
    assert not app.exception
    assert len(app.get("plotly_chart")) == 0  # charts are built when opened
    app.toggle(key="stats_expand_all").set_value(True).run()
    assert not app.exception
    figures = {f["layout"]["title"]["text"]: f for f in (json.loads(c.proto.spec) for c in app.get("plotly_chart"))}
    assert set(figures) == {"tags", "words", "ts", "day"}
    assert all(len(f["data"]) == 2 for f in figures.values())  # training and serving bars
    assert figures["tags"]["data"][0]["x"][0] == "[0, 0.4)"  # the flattened values
    assert {"a", "b", "c"} <= set(figures["words"]["data"][0]["x"])
    assert figures["ts"]["data"][0]["x"][0] == "from 2023-11-14 22:13"  # bins labelled by their start time
    assert figures["day"]["data"][0]["x"][0] == "from 2022-01-08"  # midnight: the date alone
    app.radio(key="stats_buckets").set_value("quantiles").run()
    assert not app.exception
    assert len(app.get("plotly_chart")) == 4


def test_sparklines_expand_all_and_quantile_view(demo_page):
    import json

    at = demo_page(STATS)
    assert not at.exception
    num = _tables(at)["numeric"]
    numbers = num[num["type"] != "STRING"]  # elevation_ft is text in serving: no numeric bars for that row
    assert len(numbers) == len(num) - 1
    own = [row[f"dist_{row['dataset']}"] for _, row in numbers.iterrows()]  # each row's bars in its dataset's column
    assert all(isinstance(v, list | np.ndarray) and len(v) > 0 for v in own)
    other = [row["dist_serving" if row["dataset"] == "training" else "dist_training"] for _, row in num.iterrows()]
    assert all(v is None or (isinstance(v, float) and math.isnan(v)) or len(v) == 0 for v in other)
    labels = [e.label for e in at.expander]
    # The most changed features first, identifier-like columns (run_id, runner_id) never among the first.
    assert not any(lab.startswith(("run\\_id", "runner\\_id")) for lab in labels[:3])
    assert "JS distance" in labels[0]
    at.toggle(key="stats_expand_all").set_value(True).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == len(at.expander) == 10  # every chart of the page open
    at.radio(key="stats_view").set_value("quantiles").run()
    assert not at.exception
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    titles = {s["layout"]["xaxis"]["title"]["text"] for s in specs}
    assert "quantile (% of values at or below)" in titles  # numeric: Facets' quantile view
    assert "number of most frequent values (log scale)" in titles  # categorical: cumulative value frequency
    assert all(s["layout"]["yaxis"]["title"]["text"] for s in specs)  # axis titles everywhere


def test_sparklines_are_binned_once_per_server(page, monkeypatch):
    """A second session, a sort and a new page reuse the sparklines of the same statistics (issue 11: first visit)."""
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from dvtools.ui import stats_view

    calls: list[str] = []
    real = stats_view.sparklines

    def counting(*sides):  # noqa: ANN002, ANN202
        calls.append(next(f.name for f in sides if f is not None))
        return real(*sides)

    monkeypatch.setattr(stats_view, "sparklines", counting)
    ref = REF.assign(alpha=REF["alpha"] + 0.125)  # statistics no other test has (a fresh memo)
    at = page(STATS, reference=ref, current=CUR)
    assert not at.exception and sorted(calls) == ["alpha", "beta", "color", "gamma_share"]
    first = {k: _tables(at)[k] for k in ("numeric", "categorical")}
    at.selectbox(key="stats_sort").set_value("name").run()
    assert not at.exception and len(calls) == 4
    app_py = str(Path(__file__).resolve().parents[2] / "app.py")
    again = AppTest.from_file(app_py, default_timeout=60)  # another browser session, same server
    again.session_state["_server_args_applied"] = True
    again.session_state["dataset_reference"] = at.session_state["dataset_reference"]
    again.session_state["dataset_current"] = at.session_state["dataset_current"]
    again.run()
    again.switch_page(STATS).run()
    assert not again.exception and len(calls) == 4
    second = _tables(again)
    for kind, table in first.items():  # the same bars, from the memo
        assert [list(x) for x in second[kind]["dist_training"]] == [list(x) for x in table["dist_training"]]
