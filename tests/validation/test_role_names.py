"""Anomaly descriptions name the datasets by their roles (training, evaluation, serving), never reference/current.

Every firing scenario of every anomaly type is validated with each way of naming the datasets;
the library's parameter names (``reference=``) stay, the text a user reads does not say them.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from validation_helpers import SCENARIOS, T, only, stats_of

from dvtools.comparison.keyed_skew import feature_skew
from dvtools.defaults import DATASET_NAMES
from dvtools.errors import UsageError
from dvtools.validation import Thresholds, validate_statistics
from dvtools.validation.skew import skew_anomalies
from dvtools.validation.validate import dataset_names, validate_with

LIBRARY_WORDS = re.compile(r"\b(reference|current)\b", re.IGNORECASE)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
@pytest.mark.parametrize("how", [{}, {"comparator": "skew"}, {"comparator": "drift"},
                                 {"names": ("last week", "this week")}])
def test_no_description_says_reference_or_current(name, how):  # noqa: ANN001
    sc = SCENARIOS[name]()
    found = validate_statistics(sc.current, sc.schema, reference=sc.reference, **{**sc.kwargs, **how})
    assert found or sc.reference is None or "comparator" in sc.kwargs  # the scenario still fires
    for a in found:
        assert not LIBRARY_WORDS.search(a.description), a.description


def test_defaults_follow_the_comparator():
    assert dataset_names("skew") == ("training", "serving") == DATASET_NAMES["skew"]
    assert dataset_names("drift") == ("training", "evaluation") == DATASET_NAMES["drift"]
    assert dataset_names("skew", (" train.csv ", "eval")) == ("train.csv", "eval")
    for bad in (("only one",), ("a", ""), ("a", 3)):
        with pytest.raises(UsageError, match="names must be two non-empty strings"):
            dataset_names("drift", bad)  # type: ignore[arg-type]


def _outside() -> tuple:
    ref = stats_of(pd.DataFrame({"n": [float(v) for v in range(1, 11)] * 10}))
    cur = stats_of(pd.DataFrame({"n": [float(v) for v in range(1, 11)] * 7 + [50.0] * 30}))
    return ref, cur


@pytest.mark.parametrize(("how", "said"), [
    ({"comparator": "skew"}, "30.0% of serving values lie outside the training range [1, 10]"),
    ({"comparator": "drift"}, "30.0% of evaluation values lie outside the training range [1, 10]"),
    ({"names": ("training", "serving"), "comparator": "drift"},
     "30.0% of serving values lie outside the training range [1, 10]"),
    ({"names": ("june", "july")}, "30.0% of july values lie outside the june range [1, 10]"),
])
def test_drift_description_names_both_sides(how, said):  # noqa: ANN001
    ref, cur = _outside()
    found = validate_statistics(cur, None, reference=ref, thresholds=Thresholds(js=0.01), **how)
    assert said in only(found, T.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH).description


def test_one_sided_empty_feature_names_the_empty_side():
    ref = stats_of(pd.DataFrame({"c": ["a", "b"] * 50, "d": [None] * 100}))
    cur = stats_of(pd.DataFrame({"c": [None] * 100, "d": ["a", "b"] * 50}))
    found = validate_statistics(cur, None, reference=ref, comparator="skew")
    text = {a.feature: a.description for a in found if a.type in (T.DISTRIBUTION_DRIFT,)}
    assert "no values in the serving data" in text["c"]
    assert "no values in the training data" in text["d"]


def test_row_count_and_constant_columns_say_training():
    sc = SCENARIOS["constant"]()
    a = only(validate_statistics(sc.current, sc.schema, reference=sc.reference, comparator="skew"),
             T.CONSTANT_COLUMN)
    assert a.description.endswith("while the training data had 2 distinct values")


def test_validate_with_names_spans():
    ref, cur = _outside()
    found = validate_with(cur, None, previous=ref, thresholds=Thresholds(js=0.01))
    assert "of new values lie outside the previous range" in found[0].description


def test_feature_skew_example_names_the_roles():
    ref = pd.DataFrame({"id": [1, 2, 3], "x": [1.0, 2.0, 3.0]})
    cur = pd.DataFrame({"id": [1, 2, 3], "x": [1.0, 2.0, 30.0]})
    result = feature_skew(ref, cur, key="id")
    (a,) = skew_anomalies(result)
    assert "e.g. id=3: training 3.0, serving 30.0" in a.description
    (b,) = skew_anomalies(result, names=("training", "evaluation"))
    assert "training 3.0, evaluation 30.0" in b.description and not LIBRARY_WORDS.search(b.description)


def _cli_files(tmp_path):  # noqa: ANN001, ANN202
    n = 200
    train = pd.DataFrame({"id": range(n), "x": [float(i % 10 + 1) for i in range(n)],
                          "c": ["a", "b"] * (n // 2)})
    serve = train.copy()
    serve.loc[: n // 2, "x"] = 50.0  # outside the training range, and different values by key
    serve["c"] = "a"  # constant
    paths = tmp_path / "train.csv", tmp_path / "serve.csv"
    train.to_csv(paths[0], index=False)
    serve.to_csv(paths[1], index=False)
    return paths


@pytest.mark.parametrize(("comparator", "role"), [("skew", "serving"), ("drift", "evaluation")])
def test_cli_validate_names_the_roles(tmp_path, capsys, comparator, role):  # noqa: ANN001
    import json

    from dvtools.cli import main

    train, serve = _cli_files(tmp_path)
    schema = tmp_path / "schema.json"
    assert main(["schema", "infer", str(train), "-o", str(schema)]) == 0
    capsys.readouterr()
    rc = main(["validate", str(serve), "--schema", str(schema), "--baseline", str(train), "--key", "id",
               "--comparator", comparator, "--format", "json", "--privacy", "off"])
    out = capsys.readouterr().out
    assert rc == 1
    text = {(a["feature"], a["type"]): a["description"] for a in json.loads(out)["anomalies"]}
    assert text[("c", "CONSTANT_COLUMN")].endswith("while the training data had 2 distinct values")
    assert f"of {role} values lie outside the training range" in " ".join(
        d for (f, _), d in text.items() if f == "x")
    assert f"training 1.0, {role} 50.0" in text[("x", "SCHEMA_TRAINING_SERVING_SKEW")]
    for d in text.values():
        assert not LIBRARY_WORDS.search(d), d
    main(["validate", str(serve), "--schema", str(schema), "--baseline", str(train), "--comparator", comparator,
          "--privacy", "off"])  # the terminal table too
    assert not LIBRARY_WORDS.search(capsys.readouterr().out)


@pytest.mark.parametrize(("comparator", "role"), [("skew", "serving"), ("drift", "evaluation")])
def test_reports_name_the_roles(tmp_path, capsys, comparator, role):  # noqa: ANN001
    from dvtools.cli import main
    from dvtools.comparison import compare_statistics, comparison_to_html, comparison_to_text

    train, serve = _cli_files(tmp_path)
    rc = main(["compare", str(train), str(serve), "--key", "id",
               "--comparator", comparator, "--privacy", "off"])
    out = capsys.readouterr().out
    assert rc == 1
    assert f"training 200 rows, {role} 200 rows" in out
    assert f"missing training -> {role}" in out and f"example (training -> {role})" in out
    assert not LIBRARY_WORDS.search(out), out
    html_path = tmp_path / "r.html"
    main(["compare", str(train), str(serve), "--comparator", comparator,
          "--format", "html", "-o", str(html_path), "--privacy", "off"])
    capsys.readouterr()
    page = html_path.read_text()
    assert f"training 200 rows, {role} 200 rows" in page and f'"name":"{role}"' in page.replace(" ", "")
    # The API: names given by the caller (the dashboard passes the pair's roles).
    ref, cur = stats_of(pd.read_csv(train)), stats_of(pd.read_csv(serve))
    c = compare_statistics(ref, cur)
    assert "june 200 rows, july 200 rows" in comparison_to_text(c, names=("june", "july"))
    assert "june 200 rows, july 200 rows" in comparison_to_html(c, ref, cur, names=("june", "july"))
    empty = compare_statistics(stats_of(pd.DataFrame({"a": [1]})), stats_of(pd.DataFrame({"b": [1]})),
                               comparator=comparator)
    assert empty.nothing_compared_reason() == (
        f"nothing compared: the datasets have no column in common (training: a; {role}: b)")
