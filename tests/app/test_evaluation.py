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
