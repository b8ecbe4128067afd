"""The Skew & drift page: distances with a movable threshold, one feature, feature skew, concept shift."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dvtools.statistics.engine import compute_statistics

PAGE = "pages/drift_skew.py"
NASTY = "<img src=x onerror=alert(1)>"


@pytest.fixture
def demo(demo_page) -> AppTest:  # noqa: ANN001
    """The app with the demo loaded as ``analysis.load_demo`` does, on the Skew & drift page."""
    return demo_page(PAGE)


def _drifted(at: AppTest) -> tuple[int, int]:
    value = next(m.value for m in at.metric if m.label == "Drifted features")
    n, _, total = value.partition(" of ")
    return int(n), int(total)


def _frame(at: AppTest, *columns: str) -> pd.DataFrame:
    for d in at.dataframe:
        if set(columns) <= set(d.value.columns):
            return d.value
    raise AssertionError(f"no table with {columns}")


#: The demo's 18 common features (gender included) minus the run_id key, the runner_id and runner_email
#: identifiers, the run_date timestamp and the completed label (not in SERVING, the demo's environment).
COMPARED = 13


def test_drift_renders_and_the_threshold_moves_the_verdicts(demo):
    n, total = _drifted(demo)
    assert total == COMPARED
    assert 0 < n < total
    table = _frame(demo, "feature", "method", "statistic", "threshold", "threshold_source", "verdict")
    assert not set(table["feature"]) & {"run_id", "runner_id", "runner_email", "run_date", "completed"}
    assert {"temperature_c", "distance_km", "device_os"} <= set(table.loc[table["verdict"] == "drift", "feature"])
    assert {"l_infinity", "jensen_shannon_divergence", "psi"} <= set(table.columns)  # every distance
    assert set(table["threshold_source"]) == {"policy"}
    demo.number_input(key="cmp_thr_numeric_jensen_shannon_distance").set_value(0.9).run()
    assert not demo.exception
    fewer = _drifted(demo)[0]
    assert fewer < n
    # auto decides both kinds by the JS distance: its global threshold applies wherever it decides.
    assert set(_frame(demo, "feature", "threshold_source")["threshold_source"]) == {"global"}
    demo.number_input(key="cmp_thr_categorical_jensen_shannon_distance").set_value(0.005).run()
    assert _drifted(demo)[0] > fewer  # more categorical features drift at 0.005 than at 0.1
    captions = " ".join(c.value for c in demo.caption).replace("\\", "")  # Markdown escapes
    assert ("Not compared: key column: run_id; identifier: runner_id, runner_email; timestamp: run_date; "
            "not in environment SERVING: completed") in captions
    assert "only in training: weather" in captions and "only in the serving data: app_version" in captions


@pytest.mark.parametrize("policy", ["auto", "tfdv"])
def test_every_page_counts_the_same_drifted_features(demo, policy):
    if policy != "auto":
        demo.button_group(key="cmp_policy").set_value(policy).run()
        assert not demo.exception
    n, total = _drifted(demo)  # at the policy's default threshold
    assert total == COMPARED
    # The Data page's summary uses the same comparison (policy, categorical features, keys excluded).
    demo.switch_page("pages/data.py").run()
    assert not demo.exception
    assert next(m.value for m in demo.metric if m.label == "Drifted features") == f"{n:,} of {total:,}"
    # The Statistics page has no distance for the key column.
    demo.switch_page("pages/feature_stats.py").run()
    assert not demo.exception
    cat = next(d.value for d in demo.dataframe if "unique" in d.value.columns)
    assert cat.loc[cat["feature"] == "run_id", "distance"].isna().all()
    device_os = cat.loc[cat["feature"] == "device_os"].set_index("dataset")["distance"]
    assert device_os.isna()["training"] and device_os.notna()["serving"]  # serving's distance to training


def test_policy_and_method(demo):
    demo.button_group(key="cmp_policy").set_value("tfdv").run()
    assert not demo.exception
    assert demo.session_state["thresholds"].policy == "tfdv"
    table = _frame(demo, "feature", "method", "verdict")
    assert set(table["method"]) == {"l_infinity", "jensen_shannon_divergence"}
    demo.selectbox(key="cmp_method_categorical").set_value("jensen_shannon_distance").run()
    assert not demo.exception
    table = _frame(demo, "feature", "kind", "method", "verdict")
    assert set(table.loc[table["kind"] == "categorical", "method"]) == {"jensen_shannon_distance"}
    assert set(table.loc[table["kind"] == "numeric", "method"]) == {"jensen_shannon_divergence"}


def test_compare_an_identifier_anyway(demo):
    assert "runner_id" not in set(_frame(demo, "feature", "verdict")["feature"])
    demo.pills(key="cmp_anyway").set_value(["runner_id"]).run()
    assert not demo.exception
    assert demo.session_state["thresholds"].per_feature["runner_id"].compare is True
    assert "runner_id" in set(_frame(demo, "feature", "verdict")["feature"])
    assert _drifted(demo)[1] == COMPARED + 1


def test_one_feature_findings(demo):
    demo.selectbox(key="drift_feature").set_value("device_os").run()
    assert not demo.exception
    text = "\n".join(m.value for m in demo.markdown)
    assert "new categories" in text and "Android 15" in text
    demo.selectbox(key="drift_feature").set_value("weather").run()
    assert any("Only in the training" in i.value for i in demo.info)


def test_first_visit_draws_no_chart_and_runs_no_row_analysis(demo):
    """The first visit shows verdicts and tables; charts and row-level passes wait until asked for (issue 11)."""
    assert not demo.exception
    assert len(demo.get("plotly_chart")) == 0
    labels = [e.label for e in demo.expander]
    assert "Chart: each feature's statistic relative to its threshold" in labels and "Chart of the feature" in labels
    assert not any({"num_joined", "num_mismatches"} <= set(d.value.columns) for d in demo.dataframe)
    assert not any("covariate_shift" in d.value.columns for d in demo.dataframe)
    assert demo.toggle(key="skew_on").value is False and demo.toggle(key="concept_on").value is False
    assert not demo.get("spinner")  # the row analyses show their progress bar, not a spinner beside it
    chart = next(e for e in demo.expander if e.label.startswith("Chart: each"))
    demo.session_state[chart.key] = True  # the user opens it
    demo.run()
    assert not demo.exception
    specs = [json.loads(c.proto.spec) for c in demo.get("plotly_chart")]
    assert len(specs) == 1 and specs[0]["layout"]["yaxis"]["title"]["text"]  # the drift chart, with an axis title
    feature = next(e for e in demo.expander if e.label == "Chart of the feature")
    demo.session_state[feature.key] = True
    demo.selectbox(key="drift_feature").set_value("device_os").run()
    titles = [json.loads(c.proto.spec)["layout"].get("title", {}).get("text") for c in demo.get("plotly_chart")]
    assert not demo.exception and "device_os" in titles


def test_feature_skew_and_concept_shift(demo):
    demo.toggle(key="skew_on").set_value(True).run()
    demo.toggle(key="concept_on").set_value(True).run()
    assert not demo.exception
    skew = _frame(demo, "feature", "num_joined", "num_mismatches", "mismatch_share")
    row = skew.set_index("feature").loc["distance_km"]
    assert row["num_joined"] == 2000 and row["mismatch_share"] == 1.0
    assert skew.set_index("feature").loc["pace_min_per_km", "num_mismatches"] == 0
    demo.selectbox(key="skew_feature").set_value("distance_km").run()
    pairs = _frame(demo, "run_id", "training", "serving")
    assert len(pairs) > 0
    r, c = float(pairs.iloc[0]["training"]), float(pairs.iloc[0]["serving"])
    assert c == pytest.approx(r * 0.621371, abs=0.01)  # miles instead of km
    concept = _frame(demo, "feature", "verdict", "covariate_shift", "max_shift")
    verdicts = dict(zip(concept["feature"], concept["verdict"], strict=True))
    assert verdicts["run_name"] in ("concept shift", "both")
    assert verdicts["temperature_c"] in ("covariate shift", "both")
    label = _frame(demo, "class", "training", "serving")
    assert set(label["class"]) >= {"true", "false"}


def test_timeline(demo):
    demo.toggle(key="drift_timeline").set_value(True).run()
    assert not demo.exception
    spans = _frame(demo, "span", "num_examples")
    assert len(spans) >= 2 and spans["num_examples"].sum() == 8000


def test_statistics_file_side_makes_row_analyses_unavailable(app, csv_ref, bytes_ref):
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0] * 10, "id": range(40), "y": [0, 1] * 20,
                          "when": pd.date_range("2024-01-01", periods=40, freq="D")})
    serve = train.assign(x=train["x"] * 2)
    app.session_state["dataset_reference"] = csv_ref(train, "train.csv")
    app.session_state["dataset_current"] = bytes_ref(compute_statistics(serve).to_json().encode(), "s.json")
    app.session_state["opt_keys"] = ["id"]
    app.session_state["opt_label"] = "y"
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    infos = [i.value for i in app.info]
    assert sum("statistics file" in i for i in infos) == 2  # feature skew and concept shift
    assert any("needs the raw rows" in c.value.replace("\\", "") and "Serving" in c.value for c in app.caption)  # timeline
    assert _drifted(app)[1] == 2  # x and y: "id" is the key, "when" a timestamp


def test_no_keys_no_label_and_a_missing_label(app, csv_ref):
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0] * 10, "y": [0, 1] * 20})
    app.session_state["dataset_reference"] = csv_ref(train, "train.csv")
    app.session_state["dataset_current"] = csv_ref(train[["x"]], "serve.csv")
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    infos = " ".join(i.value for i in app.info)
    assert "Choose key columns" in infos and "Choose the label" in infos
    app.session_state["opt_label"] = "y"
    app.run()
    assert any("has no column" in i.value for i in app.info)


def test_empty_state_and_literal_names(app, csv_ref, markdown_texts):
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    assert any("Data page" in i.value for i in app.info)
    df = pd.DataFrame({NASTY: ["a", "b"] * 10, "x": range(20)})
    app.session_state["dataset_reference"] = csv_ref(df, "a.csv")
    app.session_state["dataset_current"] = csv_ref(df.assign(**{NASTY: ["c"] * 20}), "b.csv")
    app.run()
    assert not app.exception
    assert NASTY in set(_frame(app, "feature", "verdict")["feature"])
    for text in markdown_texts(app):
        assert NASTY not in text


def test_threshold_range_follows_the_method(demo):
    slider = demo.number_input(key="cmp_thr_numeric_jensen_shannon_distance")  # auto: bounded in [0, 1]
    assert (slider.min, slider.max) == (0.0, 1.0) and slider.value == pytest.approx(0.1)
    demo.selectbox(key="cmp_method_numeric").set_value("psi").run()
    slider = demo.number_input(key="cmp_thr_numeric_psi")
    assert not demo.exception and slider.min == 0.0 and slider.max >= 2.0 and slider.value == pytest.approx(0.2)
    table = _frame(demo, "feature", "kind", "method", "statistic", "verdict")
    psi = table.loc[table["kind"] == "numeric", "psi"].astype(float)
    assert slider.max >= 1.2 * psi[psi < float("inf")].max() - 1e-9
    slider.set_value(1.5).run()
    assert not demo.exception and demo.session_state["thresholds"].methods["psi"] == 1.5
    demo.selectbox(key="cmp_method_numeric").set_value("normalized_wasserstein").run()
    slider = demo.number_input(key="cmp_thr_numeric_normalized_wasserstein")  # unbounded, so at least 2
    assert not demo.exception and slider.max >= 2.0 and slider.value == pytest.approx(0.1)


def test_p_value_threshold_range(app, csv_ref):
    import numpy as np

    rng = np.random.default_rng(3)  # a small reference: the auto policy decides with tests (p-values)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 60), "c": rng.choice(["a", "b"], 60)})
    cur = pd.DataFrame({"x": rng.normal(0.5, 1, 60), "c": rng.choice(["a", "b"], 60)})
    app.session_state["dataset_reference"] = csv_ref(ref, "train.csv")
    app.session_state["dataset_current"] = csv_ref(cur, "serve.csv")
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    slider = app.number_input(key="cmp_thr_numeric_ks")
    assert (slider.min, slider.max) == (0.0005, 0.2)
    slider.set_value(0.0005).run()  # the smallest level, exactly (a 0.01-step slider could not)
    assert not app.exception and app.session_state["thresholds"].methods["ks"] == 0.0005


def test_epoch_integer_column_splits_the_timeline(app, csv_ref):  # noqa: ANN001
    """Regression (issue 11, defect 6): an epoch-number timestamp column could not be the timeline's time column."""
    import numpy as np

    rng = np.random.default_rng(5)
    stamps = pd.date_range("2024-03-01", periods=400, freq="6h")
    epoch = (stamps - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)
    train = pd.DataFrame({"x": rng.normal(0, 1, 400), "c": rng.choice(["a", "b"], 400)})
    serve = pd.DataFrame({"event_time": epoch, "x": rng.normal(0.3, 1, 400), "c": rng.choice(["a", "b"], 400)})
    app.session_state["dataset_reference"] = csv_ref(train, "train.csv")
    app.session_state["dataset_current"] = csv_ref(serve, "serve.csv")
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    box = app.selectbox(key="drift_timestamp")
    assert box.options == ["event_time (epoch number)"]
    assert app.selectbox(key="drift_epoch_unit").value == "s"  # guessed from the range
    captions = " ".join(c.value for c in app.caption).replace("\\", "")
    assert "event_time holds integers: read as seconds since 1970, 2024-03-01 to 2024-06-08 18:00:00" in captions
    assert "(the unit guessed from their range)" in captions
    app.toggle(key="drift_timeline").set_value(True).run()
    assert not app.exception
    spans = _frame(app, "span", "num_examples")
    assert spans["num_examples"].sum() == 400 and spans["span"].iloc[0] == "2024-02-26"  # weeks start on Monday
    # The time column is not a feature of the spans (an epoch number would drift in every span).
    import json

    charts = [json.loads(c.proto.spec) for c in app.get("plotly_chart")]
    timeline = next(c for c in charts if "span start" in json.dumps(c["layout"].get("xaxis", {})))
    assert timeline["layout"]["xaxis"]["type"] == "date"
    names = {t.get("name") for t in timeline["data"]}
    assert "x" in names and "event_time" not in names


def _visible_texts(at: AppTest, markdown_texts) -> list[str]:  # noqa: ANN001
    """What a user reads on the page: Markdown, plain text, widget labels, table headers and text cells."""
    out = list(markdown_texts(at)) + [str(t.value) for t in at.text]
    for kind in ("selectbox", "toggle", "multiselect", "segmented_control", "number_input", "button"):
        out += [str(w.label) for w in at.get(kind) if getattr(w, "label", None)]
    for d in at.dataframe:
        config = json.loads(d.proto.columns or "{}")
        frame = d.value
        # A header is its column_config label, else the column name (underscores read as spaces).
        out += [str(config.get(str(c), {}).get("label", c)).replace("_", " ") for c in frame.columns]
        out += [v for c in frame.columns for v in frame[c] if isinstance(v, str)]
    return [t.replace("\\", "") for t in out]  # Markdown-escaped: read literally


def test_no_text_on_the_page_says_reference_or_current(app, markdown_texts):  # noqa: ANN001
    """Issue 11: everywhere the second dataset is named by its role; the engine's notes, the concept-shift
    skip reasons and the feature-skew warnings included (the demo's three datasets, both pairs)."""
    import re

    words = re.compile(r"\b(reference|current)\b", re.IGNORECASE)
    app.run()
    app.button(key="load_demo").click().run()
    app.switch_page(PAGE).run()
    assert not app.exception
    for role, other in (("current", "serving"), ("evaluation", "evaluation")):
        app.segmented_control(key="drift_pair_picker").set_value(role).run()
        app.toggle(key="skew_on").set_value(True).run()
        app.toggle(key="concept_on").set_value(True).run()
        for feature in ("elevation_ft", "weather", "device_os"):
            app.selectbox(key="drift_feature").set_value(feature).run()
            assert not app.exception
            texts = _visible_texts(app, markdown_texts)
            for t in texts:
                assert not words.search(t), (role, t)
        said = "\n".join(texts)
        assert f"{other.capitalize()} (runs_{other}.csv) compared with Training" in said
        if role == "current":  # the planted type change, in the drift table's notes and the feature's findings
            notes = _frame(app, "feature", "notes").set_index("feature")["notes"]
            assert "type changed: INT in the training data, STRING in the serving data" in notes["elevation_ft"]
            assert "not in the serving data" in said  # concept shift: the columns the new logging dropped
            assert "elevation_ft: 8,000 serving values not a number" in said


def test_feature_skew_with_no_key_in_common_says_so(app):
    """The demo's evaluation runs have their own run ids: nothing joined is not "every example has the same values"."""
    app.run()
    app.button(key="load_demo").click().run()
    app.switch_page(PAGE).run()
    app.segmented_control(key="drift_pair_picker").set_value("evaluation").run()
    app.toggle(key="skew_on").set_value(True).run()
    assert not app.exception
    warnings = [w.value.replace("\\", "") for w in app.warning]  # Markdown-escaped: read literally
    assert any("No example is in both datasets (no run_id value in common)" in w for w in warnings)
    assert not any("Every joined example" in s.value for s in app.success)
    assert not any("num_joined" in d.value.columns for d in app.dataframe)
