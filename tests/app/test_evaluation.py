"""An evaluation dataset can take the serving side's place: every page then compares training with it."""

from __future__ import annotations

import pandas as pd

from dvtools.demo import demo_frames


def test_compare_training_with_evaluation(app, csv_ref):  # noqa: ANN001
    train, serve = demo_frames()
    evaluation = train.sample(5_000, random_state=1)  # a held-out split of the same distribution
    app.session_state["dataset_reference"] = csv_ref(train, "train.csv")
    app.session_state["dataset_current"] = csv_ref(serve, "serve.csv")
    app.session_state["dataset_evaluation"] = csv_ref(evaluation, "eval.csv")
    app.run()
    assert not app.exception
    radio = app.sidebar.radio(key="compare_role_radio")
    assert radio.value == "current"
    serving_sidebar = " ".join(t.value for t in app.sidebar.text)
    assert "serve.csv" in serving_sidebar and "eval.csv" not in serving_sidebar

    radio.set_value("evaluation").run()
    assert not app.exception
    sidebar = " ".join(t.value for t in app.sidebar.text)
    assert "eval.csv" in sidebar and "Evaluation (current)" in sidebar

    app.switch_page("pages/anomalies.py").run()
    assert not app.exception
    page_text = " ".join(str(e.value) for e in app.markdown) + " ".join(str(e.value) for e in app.caption)
    # A random split of training has none of serving's planted problems.
    assert "ENUM_TYPE_UNEXPECTED_STRING_VALUES" not in page_text
    assert "UNEXPECTED_DATA_TYPE" not in page_text


def test_no_choice_without_evaluation(app, csv_ref):  # noqa: ANN001
    train, serve = demo_frames()
    app.session_state["dataset_reference"] = csv_ref(pd.DataFrame(train.head(100)), "train.csv")
    app.session_state["dataset_current"] = csv_ref(pd.DataFrame(serve.head(100)), "serve.csv")
    app.run()
    assert not app.exception
    assert len(app.sidebar.radio) == 0


def test_serving_uses_the_skew_comparator_and_evaluation_the_drift_comparator(app, csv_ref):  # noqa: ANN001
    from dvtools.schema import infer_schema
    from dvtools.statistics.engine import compute_statistics

    train, serve = demo_frames()
    evaluation = train.sample(5_000, random_state=2)
    schema = infer_schema(compute_statistics(train), label="completed")
    schema.feature("run_name").set_threshold(skew_linf=0.002)  # only the skew comparator says anything
    app.session_state["dataset_reference"] = csv_ref(train, "train.csv")
    app.session_state["dataset_current"] = csv_ref(serve, "serve.csv")
    app.session_state["dataset_evaluation"] = csv_ref(evaluation, "eval.csv")
    app.session_state["schema"], app.session_state["schema_origin"] = schema, "uploaded"
    app.run()
    app.switch_page("pages/drift_skew.py").run()
    assert not app.exception

    def run_name(at) -> tuple[str, str, str]:  # noqa: ANN001
        table = next(d.value for d in at.dataframe if {"feature", "threshold_source"} <= set(d.value.columns))
        row = table.set_index("feature").loc["run_name"]
        return row["method"], row["threshold_source"], row["verdict"]

    # Serving: skew. The schema's skew comparator (L-infinity 0.002) decides run_name, and it drifts.
    assert run_name(app) == ("l_infinity", "schema", "drift")
    assert any("skew comparators" in c.value for c in app.caption)
    # Evaluation: drift. The schema has no drift comparator for run_name: the policy decides (no drift).
    app.sidebar.radio(key="compare_role_radio").set_value("evaluation").run()
    assert not app.exception
    assert run_name(app) == ("jensen_shannon_distance", "policy", "no drift")
    assert any("drift comparators" in c.value for c in app.caption)
