"""Training, evaluation and serving side by side: every page names each dataset by its role and file.

The evaluation data is a random split of the demo's training data (same distribution: none of
serving's planted problems); serving is the demo's serving file.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dvtools.demo import demo_frames
from dvtools.ui import roles

ANOMALIES, DRIFT, STATS = "pages/anomalies.py", "pages/drift_skew.py", "pages/feature_stats.py"
#: Library words a user must not read for a dataset (the role names replace them).
LIBRARY_WORDS = re.compile(r"\b(reference|current)\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def _frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    train, serve = demo_frames()
    evaluation = train.sample(4_000, random_state=1)
    return train.drop(evaluation.index), evaluation, serve


def _load(app: AppTest, csv_ref, *, serving: bool = True, environment: str | None = "SERVING") -> AppTest:  # noqa: ANN001
    train, evaluation, serve = _frames()
    app.session_state["dataset_reference"] = csv_ref(train, "train.csv")
    app.session_state["dataset_evaluation"] = csv_ref(evaluation, "eval.csv")
    if serving:
        app.session_state["dataset_current"] = csv_ref(serve, "serve.csv")
    app.session_state["opt_label"] = "completed"
    app.session_state["opt_keys"] = ["run_id"]
    app.session_state["opt_environment"] = environment
    return app


def _open(app: AppTest, path: str) -> AppTest:
    app.run()
    app.switch_page(path).run()
    assert not app.exception
    return app


def _texts(at: AppTest) -> list[str]:
    out = [str(e.value) for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning",
                                     "error", "success", "text") for e in getattr(at, kind)]
    out += [e.label for e in at.expander] + [m.label for m in at.metric]
    return [t.replace("\\", "") for t in out]


def _page_texts(at: AppTest) -> list[str]:
    """The page's own words: the anomaly descriptions (the library's text, as the CLI prints it) left out."""
    descriptions = {str(d) for t in _anomaly_tables(at) for d in t["description"]}
    return [t for t in _texts(at) if t.replace("\u2060", "") not in descriptions]


def _anomaly_tables(at: AppTest) -> list[pd.DataFrame]:
    """The anomaly tables, one per group with anomalies, in page order (evaluation's first)."""
    return [d.value for d in at.dataframe if {"severity", "feature", "type", "description"} <= set(d.value.columns)]


def _found(table: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(table["feature"], table["type"], strict=True))


def test_sidebar_lists_the_three_datasets_by_role(app, csv_ref):  # noqa: ANN001
    at = _open(_load(app, csv_ref), ANOMALIES)
    sidebar = " ".join(t.value for t in at.sidebar.text)
    for name, file in (("Training", "train.csv"), ("Evaluation", "eval.csv"), ("Serving", "serve.csv")):
        assert f"{name}:\n{file}" in sidebar
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "Evaluation vs Training:" in captions and "Serving vs Training:" in captions
    assert len(at.sidebar.radio) == 0  # no "compare with" swap: both pairs are shown
    assert not LIBRARY_WORDS.search(sidebar + captions)


def test_anomalies_two_labelled_groups_each_from_its_pair(app, csv_ref, monkeypatch):  # noqa: ANN001
    import dvtools.validation.validate as validate

    calls: list[str] = []
    real = validate.drift_comparison

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(kwargs.get("comparator"))
        return real(*args, **kwargs)

    monkeypatch.setattr(validate, "drift_comparison", counted)
    at = _open(_load(app, csv_ref), ANOMALIES)
    headers = [h.value for h in at.header]
    assert headers == ["Evaluation vs Training", "Serving vs Training"]
    # One comparison per pair, judged once (badge, page and validation read the same one).
    assert sorted(calls) == ["drift", "skew"]
    at.run()
    assert not at.exception and sorted(calls) == ["drift", "skew"]  # a rerun judges nothing again
    evaluation, serving = _anomaly_tables(at)
    planted = {("device_os", "ENUM_TYPE_UNEXPECTED_STRING_VALUES"), ("elevation_ft", "UNEXPECTED_DATA_TYPE")}
    assert planted <= _found(serving)
    assert not planted & _found(evaluation)  # a split of training
    assert len(evaluation) < len(serving)
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "Evaluation (eval.csv) against the schema" in captions and "drift comparators" in captions
    assert "Serving (serve.csv) against the schema" in captions and "skew comparators" in captions
    for text in _texts(at):  # the page's words and the library's anomaly descriptions alike
        assert not LIBRARY_WORDS.search(text), text
    for description in [*evaluation["description"], *serving["description"]]:
        assert not LIBRARY_WORDS.search(str(description)), description
    assert any("of serving values lie outside the training range" in str(d) for d in serving["description"])
    # The evaluation data carries the label: SERVING (which leaves it out) applies to the serving data only.
    assert "environment SERVING" in captions.split("Serving (serve.csv)")[1]
    assert "environment" not in captions.split("Serving (serve.csv)")[0].split("Evaluation (eval.csv)")[1]


def test_undo_accept_restores_the_schema_before_the_last_accept(app, csv_ref):  # noqa: ANN001
    at = _open(_load(app, csv_ref), ANOMALIES)
    before = at.session_state["schema"]
    original = set(before.feature("device_os").domain.values)
    assert not any(b.key == "anom_undo" for b in at.button)  # nothing to undo yet
    at.multiselect(key="anom_feature").set_value(["device_os", "app_version"]).run()  # their cards (a page holds 10)
    at.button(key="current:accept:ENUM_TYPE_UNEXPECTED_STRING_VALUES:device_os").click().run()
    at.button(key="current:accept:SCHEMA_NEW_COLUMN:app_version").click().run()
    assert not at.exception
    assert "app_version" in at.session_state["schema"]
    at.button(key="anom_undo").click().run()  # undoes the last accept only
    assert not at.exception
    schema = at.session_state["schema"]
    assert "app_version" not in schema and set(schema.feature("device_os").domain.values) > original
    found = _found(_anomaly_tables(at)[-1])
    assert ("app_version", "SCHEMA_NEW_COLUMN") in found
    assert ("device_os", "ENUM_TYPE_UNEXPECTED_STRING_VALUES") not in found
    at.button(key="anom_undo").click().run()  # and the one before: back to the inferred schema
    assert not at.exception
    assert set(at.session_state["schema"].feature("device_os").domain.values) == original
    assert at.session_state["schema_origin"] == "inferred"
    assert ("device_os", "ENUM_TYPE_UNEXPECTED_STRING_VALUES") in _found(_anomaly_tables(at)[-1])
    assert not any(b.key == "anom_undo" for b in at.button)
    assert any("Undone" in i.value for i in at.info)


def test_statistics_row_per_dataset_per_feature(app, csv_ref):  # noqa: ANN001
    at = _open(_load(app, csv_ref), STATS)
    import json

    from dvtools.ui import stats_table

    table = next(d for d in at.dataframe if {"dataset", "mean", "dist_training"} <= set(d.value.columns))
    num = table.value
    config = json.loads(table.proto.columns)  # what the browser gets: each sparkline column in its dataset's colour
    for label, role in (("training", "reference"), ("evaluation", "evaluation"), ("serving", "current")):
        column = config[f"dist_{label}"]  # three narrow columns: short headers that fit, the help names the dataset
        assert column["label"] == stats_table.SPARK_SHORT[label] and column["help"].startswith(label.capitalize())
        assert stats_table.header_fits(column["label"], column["width"])
        assert column["type_config"] == {  # numeric: an area on the verdict's bins (bars would be under 1 px)
            "type": "area_chart", "y_min": 0.0, "y_max": 1.0, "color": roles.COLORS[role]}
    # Each row names its dataset in a pill of the dataset's colour: no Styler, so the table is plain data.
    assert config["dataset"]["type_config"]["options"] == [
        {"value": label, "color": roles.COLORS[role]}
        for label, role in (("training", "reference"), ("evaluation", "evaluation"), ("serving", "current"))]
    assert not table.proto.arrow_data.HasField("styler")  # no per-cell formats or styles sent
    rows = num[num["feature"] == "distance_km"]
    assert list(rows["dataset"]) == ["training", "evaluation", "serving"]
    assert pd.isna(rows["distance"].iloc[0])  # training: nothing to compare with
    # Evaluation is a split of training: much closer to it than serving (km -> miles on some rows).
    assert rows["distance"].iloc[1] < rows["distance"].iloc[2]
    # A sparkline for every dataset, in its own column (its colour: a chart column has one).
    assert all(len(row[f"dist_{row['dataset']}"]) for _, row in rows.iterrows())
    assert {"dist_training", "dist_evaluation", "dist_serving"} <= set(num.columns)
    caption = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "Training (train.csv): " in caption and "Evaluation (eval.csv): " in caption
    assert "Training in blue, Evaluation in green, Serving in orange" in caption


def test_one_palette_everywhere():
    from dvtools.ui import charts, fairness_view, stats_table

    config = stats_table._column_config(("count",), labels=("training", "evaluation", "serving"))
    assert {k: config[k]["type_config"]["color"] for k in ("dist_training", "dist_evaluation", "dist_serving")} == {
        "dist_training": roles.COLORS["reference"], "dist_evaluation": roles.COLORS["evaluation"],
        "dist_serving": roles.COLORS["current"]}
    assert fairness_view.SIDE_COLORS is roles.COLORS
    assert (charts.REFERENCE_COLOR, charts.EVALUATION_COLOR, charts.CURRENT_COLOR) == tuple(
        roles.COLORS[r] for r in ("reference", "evaluation", "current"))
    assert stats_table.DATASET_COLORS == {"training": roles.COLORS["reference"],
                                          "evaluation": roles.COLORS["evaluation"],
                                          "serving": roles.COLORS["current"]}
    assert len(set(roles.COLORS.values())) == 3


def test_drift_page_pair_picker_and_comparators(app, csv_ref):  # noqa: ANN001
    from dvtools.schema import infer_schema
    from dvtools.statistics.engine import compute_statistics

    train, _, _ = _frames()
    schema = infer_schema(compute_statistics(train), label="completed")
    schema.feature("run_name").set_threshold(skew_linf=0.002)  # only the skew comparator says anything
    _load(app, csv_ref)
    app.session_state["schema"], app.session_state["schema_origin"] = schema, "uploaded"
    at = _open(app, DRIFT)

    def run_name() -> tuple[str, str, str]:
        table = next(d.value for d in at.dataframe if {"feature", "threshold_source"} <= set(d.value.columns))
        row = table.set_index("feature").loc["run_name"]
        return row["method"], row["threshold_source"], row["verdict"]

    picker = at.button_group(key="drift_pair_picker")
    assert picker.value == "current"  # serving first
    assert run_name() == ("l_infinity", "schema", "drift")  # the schema's skew comparator decides
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "Serving (serve.csv) compared with Training (train.csv)" in captions and "skew comparators" in captions
    picker.set_value("evaluation").run()
    assert not at.exception
    assert run_name() == ("jensen_shannon_distance", "policy", "no drift")  # no drift comparator: the policy
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "Evaluation (eval.csv) compared with Training (train.csv)" in captions and "drift comparators" in captions
    at.toggle(key="concept_on").set_value(True).run()  # concept shift computed when asked for
    assert any(list(d.value.columns) == ["class", "training", "evaluation"] for d in at.dataframe)  # the label
    for text in _page_texts(at):
        assert not LIBRARY_WORDS.search(text), text


def test_training_and_evaluation_only(app, csv_ref):  # noqa: ANN001
    at = _open(_load(app, csv_ref, serving=False, environment=None), ANOMALIES)
    assert [h.value for h in at.header] == ["Evaluation vs Training"]
    at.switch_page(DRIFT).run()
    assert not at.exception
    assert len(at.button_group) == 0 or all(b.key != "drift_pair_picker" for b in at.button_group)
    assert any("Evaluation (eval.csv) compared with" in c.value.replace("\\", "") for c in at.caption)


@pytest.mark.parametrize("path", ["pages/data.py", STATS, "pages/schema_editor.py", ANOMALIES, DRIFT,
                                  "pages/fairness.py"])
def test_every_page_runs_with_three_datasets(app, csv_ref, path):  # noqa: ANN001
    _open(_load(app, csv_ref), path)


def test_the_demo_opens_with_three_datasets(app):  # noqa: ANN001
    app.run()
    app.button(key="load_demo").click().run()
    at = _open(app, ANOMALIES)
    assert [h.value for h in at.header] == ["Evaluation vs Training", "Serving vs Training"]
    evaluation, serving = _anomaly_tables(at)
    # The evaluation week's one planted drift (Android 14's rollout), by the drift comparator; serving's by skew.
    assert ("device_os", "DISTRIBUTION_DRIFT") in _found(evaluation)
    assert {("device_os", "ENUM_TYPE_UNEXPECTED_STRING_VALUES"), ("elevation_ft", "UNEXPECTED_DATA_TYPE"),
            ("weather", "SCHEMA_MISSING_COLUMN")} <= _found(serving)
    assert not {f for f, t in _found(evaluation) if t != "PII_DETECTED"} & {"elevation_ft", "weather", "app_version"}
    captions = " ".join(c.value for c in at.caption).replace("\\", "")
    assert "Evaluation (runs_evaluation.csv) against the schema" in captions and "drift comparators" in captions
    for text in _texts(at) + [str(d) for t in (evaluation, serving) for d in t["description"]]:
        assert not LIBRARY_WORDS.search(text), text
    drift = serving.set_index(["feature", "type"]).loc[("temperature_c", "DISTRIBUTION_DRIFT"), "description"]
    assert "of serving values lie outside the training range" in str(drift)
