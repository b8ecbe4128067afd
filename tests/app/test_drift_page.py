"""The Skew & drift page: distances with a movable threshold, one feature, feature skew, concept shift."""

from __future__ import annotations

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


def test_drift_renders_and_the_threshold_moves_the_verdicts(demo):
    n, total = _drifted(demo)
    assert total == 16  # 17 features on both sides, minus the run_id key
    assert 0 < n < total
    table = _frame(demo, "feature", "method", "statistic", "threshold", "verdict", "policy_verdict")
    assert "run_id" not in set(table["feature"])
    assert {"temperature_c", "distance_km", "device_os"} <= set(table.loc[table["verdict"] == "drift", "feature"])
    assert {"l_infinity", "jensen_shannon_divergence", "psi"} <= set(table.columns)  # every distance
    demo.slider(key="drift_threshold").set_value(0.9).run()
    assert not demo.exception
    assert _drifted(demo)[0] < n
    demo.slider(key="drift_threshold").set_value(0.005).run()
    assert _drifted(demo)[0] > n
    assert any("Key columns not shown" in c.value for c in demo.caption)
    assert any("only in training: weather" in c.value and "only in serving: app\\_version" in c.value
               for c in demo.caption)


@pytest.mark.parametrize("policy", ["auto", "tfdv"])
def test_every_page_counts_the_same_drifted_features(demo, policy):
    if policy != "auto":
        demo.button_group(key="drift_policy").set_value(policy).run()
        assert not demo.exception
    n, total = _drifted(demo)  # at the policy's default threshold
    verdict = next(m.value for m in demo.metric if m.label == "Policy verdict (default thresholds)")
    assert verdict == f"{n} drifted"  # the key column counts in neither
    assert total == 16
    # The Data page's summary uses the same comparison (policy, categorical features, keys excluded).
    demo.switch_page("pages/data.py").run()
    assert not demo.exception
    assert next(m.value for m in demo.metric if m.label == "Drifted features") == f"{n:,} of {total:,}"
    # The Statistics page has no distance for the key column.
    demo.switch_page("pages/feature_stats.py").run()
    assert not demo.exception
    cat = next(d.value for d in demo.dataframe if "unique" in d.value.columns)
    assert cat.loc[cat["feature"] == "run_id", "distance"].isna().all()
    assert cat.loc[cat["feature"] == "device_os", "distance"].notna().all()


def test_policy_and_method(demo):
    demo.button_group(key="drift_policy").set_value("tfdv").run()
    assert not demo.exception
    assert demo.session_state["opt_policy"] == "tfdv"
    table = _frame(demo, "feature", "method", "verdict")
    assert set(table["method"]) == {"l_infinity", "jensen_shannon_divergence"}
    demo.selectbox(key="drift_method").set_value("jensen_shannon_distance").run()
    assert not demo.exception
    assert set(_frame(demo, "feature", "method", "verdict")["method"]) == {"jensen_shannon_distance"}


def test_one_feature_findings(demo):
    demo.selectbox(key="drift_feature").set_value("device_os").run()
    assert not demo.exception
    text = "\n".join(m.value for m in demo.markdown)
    assert "new categories" in text and "Android 15" in text
    demo.selectbox(key="drift_feature").set_value("weather").run()
    assert any("Only in the training" in i.value for i in demo.info)


def test_feature_skew_and_concept_shift(demo):
    skew = _frame(demo, "feature", "num_joined", "num_mismatches", "mismatch_share")
    row = skew.set_index("feature").loc["distance_km"]
    assert row["num_joined"] == 2000 and row["mismatch_share"] == 1.0
    assert skew.set_index("feature").loc["pace_min_per_km", "num_mismatches"] == 0
    demo.selectbox(key="skew_feature").set_value("distance_km").run()
    pairs = _frame(demo, "run_id", "training (reference)", "serving (current)")
    assert len(pairs) > 0
    r, c = float(pairs.iloc[0]["training (reference)"]), float(pairs.iloc[0]["serving (current)"])
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
    assert any("raw serving rows" in c.value for c in app.caption)  # timeline
    assert _drifted(app)[1] == 3


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
    slider = demo.slider(key="drift_threshold")
    comparison_methods = set(demo.selectbox(key="drift_method").options)
    assert {"psi", "jensen_shannon_distance"} <= comparison_methods
    # auto: normalized Wasserstein (unbounded) decides numeric features
    assert slider.max >= 2.0
    demo.selectbox(key="drift_method").set_value("psi").run()
    slider = demo.slider(key="drift_threshold")
    assert not demo.exception and slider.min == 0.0 and slider.max >= 2.0
    table = _frame(demo, "feature", "method", "statistic", "verdict")
    assert slider.max >= 1.2 * table["statistic"].astype(float).max() - 1e-9
    slider.set_value(1.5).run()
    assert not demo.exception and demo.session_state["drift_threshold"] == 1.5
    demo.selectbox(key="drift_method").set_value("jensen_shannon_distance").run()
    slider = demo.slider(key="drift_threshold")
    assert not demo.exception and (slider.min, slider.max) == (0.0, 1.0)
    assert 0.0 <= slider.value <= 1.0
    # Same method, other data with a smaller range: the threshold is clamped into it.
    demo.selectbox(key="drift_method").set_value("psi").run()
    high = demo.slider(key="drift_threshold").max
    assert high > 5
    demo.slider(key="drift_threshold").set_value(5.0).run()
    demo.session_state["dataset_current"] = demo.session_state["dataset_reference"]  # PSI 0 everywhere
    demo.run()
    assert not demo.exception
    slider = demo.slider(key="drift_threshold")
    assert slider.max == 2.0 and slider.value == 2.0


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
    slider = app.slider(key="drift_threshold")
    assert (slider.min, slider.max) == (0.0, 0.2)
    assert slider.step < 0.001
