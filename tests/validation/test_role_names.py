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


# ---- the engine's own text: drift-table notes, bin labels, skip reasons, skew and concept warnings ----------
# What the Skew & drift page, the CLI and the HTML report print besides the anomalies: the same names, passed
# down the same way (``names=``, default by comparator), never the library's reference/current.


def _no_library_words(texts: list[str]) -> None:
    for t in texts:
        assert not LIBRARY_WORDS.search(t), t


def _comparison_texts(c) -> list[str]:  # noqa: ANN001 - a Comparison
    """Every text of a comparison a page or a report shows: the drift table's notes, findings, reasons, bin labels."""
    from dvtools.ui import drift_view

    table = drift_view.drift_table(c)
    texts = [str(n) for n in table["notes"]] + list(c.not_compared.values())
    for f in c.features:
        texts += [text for _, text in drift_view.feature_findings(f, c.names)]
        texts += [str(label) for label in f.evidence.get("bins", [])]
    if c.nothing_compared:
        texts.append(c.nothing_compared_reason())
    return texts


def _row_texts(r) -> list[str]:  # noqa: ANN001 - a FeatureSkewResult or ConceptShiftResult
    return [*r.skipped_features.values(), *r.warnings]


@pytest.fixture(scope="module")
def demo_tables():  # noqa: ANN201
    import pyarrow as pa

    from dvtools import demo

    train, serve = demo.demo_frames()
    tables = {role: pa.Table.from_pandas(df, preserve_index=False)
              for role, df in (("training", train), ("serving", serve), ("evaluation", demo.evaluation_frame()))}
    return tables, {role: stats_of(t) for role, t in tables.items()}


@pytest.mark.parametrize(("comparator", "role"), [("skew", "serving"), ("drift", "evaluation")])
def test_demo_notes_reasons_and_warnings_name_the_roles(demo_tables, comparator, role):  # noqa: ANN001
    """The demo, as the dashboard computes it: measured once, judged per threshold; then the row analyses."""
    from dvtools.comparison.concept import concept_shift
    from dvtools.validation.validate import drift_comparison, drift_measurement

    tables, stats = demo_tables
    measured = drift_measurement(stats["training"], stats[role], None, comparator=comparator)
    for policy in ("auto", "tfdv"):
        c = drift_comparison(stats["training"], stats[role], None, comparator=comparator, measured=measured,
                             thresholds=Thresholds(policy=policy))
        assert c.names == ("training", role)
        texts = _comparison_texts(c)
        _no_library_words(texts)
        if role == "serving":  # the planted type change of elevation_ft, by role
            assert "type changed: INT in the training data, STRING in the serving data" in texts
    names = dataset_names(comparator)
    concept = concept_shift(tables["training"], tables[role], label="completed", names=names,
                            reference_statistics=stats["training"])
    skew = feature_skew(tables["training"], tables[role], key="run_id", names=names,
                        features=["distance_km", "weather", "elevation_ft"])
    _no_library_words(_row_texts(concept) + _row_texts(skew))
    if role == "serving":  # columns dropped by the new logging; "1,300 ft" strings in a numeric feature
        assert concept.skipped_features["weather"] == "not in the serving data"
        assert skew.skipped_features["weather"] == "not in the serving data"
        assert any(w.startswith("elevation_ft: 8,000 serving values not a number") for w in concept.warnings)


def _changed_pair(n: int = 120):  # noqa: ANN202
    """Training and the other dataset: a type change, a column missing on each side, a one-sided empty column,
    NaN and infinite values (TFDV's one-sided buckets), duplicate and null keys, a label."""
    import math

    import pyarrow as pa

    ref = pa.table({
        "id": [None if i == 5 else i % (n - 3) for i in range(n)],  # a null key, three duplicates
        "t": [i % 7 for i in range(n)],
        "gone": [float(i) for i in range(n)],
        "e": [float(i % 5) for i in range(n)],
        "f": [math.inf if i == 0 else float(i % 9) for i in range(n)],
        "y": ["a" if i % 3 else "b" for i in range(n)],
    })
    cur = pa.table({
        "id": [None if i == 7 else i % (n - 2) for i in range(n)],
        "t": [f"{i % 7} units" for i in range(n)],
        "new": [float(i) for i in range(n)],
        "e": pa.array([None] * n, pa.float64()),
        "f": [math.nan if i % 10 == 0 else float(i % 9) for i in range(n)],
        "y": ["a" if i % 2 else "b" for i in range(n)],
    })
    return ref, cur


@pytest.mark.parametrize("how", [{"comparator": "skew"}, {"comparator": "drift"},
                                 {"comparator": "skew", "names": ("june", "july")}])
def test_changed_pair_notes_reasons_and_warnings_name_the_roles(how):  # noqa: ANN001
    from dvtools.comparison import compare_statistics
    from dvtools.comparison.concept import concept_shift

    ref, cur = _changed_pair()
    names = dataset_names(how["comparator"], how.get("names"))
    first, second = names
    texts: list[str] = []
    for policy in ("auto", "tfdv"):
        c = compare_statistics(stats_of(ref), stats_of(cur), policy=policy, exclude=["id"], **how)
        assert c.names == names
        texts += _comparison_texts(c)
    concept = concept_shift(ref, cur, label="y", features=["t", "gone", "new", "f"], names=names)
    skew = feature_skew(ref, cur, key="id", features=["t", "gone", "new"], names=names)
    texts += _row_texts(concept) + _row_texts(skew)
    _no_library_words(texts)
    said = "\n".join(texts)
    for phrase in (f"type changed: INT in the {first} data, STRING in the {second} data",
                   f"no values in the {second} data",  # e: all null on the second side
                   f"NaN ({second})", f"infinite ({first})",  # TFDV's one-sided buckets
                   f"not in the {second} data",
                   f"not in the {first} data",
                   f"duplicate keys in the {first} data", f"{second} rows repeat an earlier key",
                   f"1 {first} row has a null key", f"1 {second} row has a null key"):
        assert phrase in said, (phrase, said)
    assert concept.skipped_features == {"gone": f"not in the {second} data", "new": f"not in the {first} data"}
    assert skew.skipped_features == {"gone": f"not in the {second} data", "new": f"not in the {first} data"}
    # Errors name the dataset by role too.
    with pytest.raises(UsageError, match=f"key column 'gone' is not in the {second} data"):
        feature_skew(ref, cur, key="gone", names=names)
    with pytest.raises(UsageError, match=f"label column 'new' is not in the {first} data"):
        concept_shift(ref, cur, label="new", names=names)


def test_cli_compare_with_key_and_label_names_the_roles(tmp_path, capsys):  # noqa: ANN001
    import pyarrow.csv as pacsv

    from dvtools.cli import main

    ref, cur = _changed_pair()
    paths = tmp_path / "train.csv", tmp_path / "serve.csv"
    pacsv.write_csv(ref, paths[0])
    pacsv.write_csv(cur, paths[1])
    for fmt in ("text", "html"):
        out_file = tmp_path / f"r.{fmt}"
        rc = main(["compare", str(paths[0]), str(paths[1]), "--key", "id", "--label", "y", "--comparator", "skew",
                   "--privacy", "off", "--format", fmt, "-o", str(out_file)])
        capsys.readouterr()
        assert rc == 1
        page = out_file.read_text()
        assert "not in the serving data" in page and "rows repeat an earlier key" in page
        assert "type changed: INT in the training data, STRING in the serving data" in page
        # The HTML page's own markup and script carry library words (JSON keys, CSS); its text must not.
        visible = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", page, flags=re.S)
        _no_library_words([visible])
    rc = main(["compare", str(paths[0]), str(paths[1]), "--key", "nope", "--comparator", "drift", "--privacy", "off"])
    err = capsys.readouterr().err
    assert rc == 2 and "key column 'nope' is not in the training data" in err and not LIBRARY_WORDS.search(err)
