"""Regression tests for the code-review findings on dvtools.comparison (one test per finding at least)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from cmp_helpers import stats_of

from dvtools.comparison import compare_statistics, comparison_to_html, comparison_to_json, comparison_to_text, distributions
from dvtools.comparison._common import jsonable, pct, share_text
from dvtools.comparison.distances import histogram_from_cdf, l_infinity
from dvtools.comparison.distributions import aligned_categories, shared_bins

PLANTED = {"route_type", "distance_km", "elevation_ft", "temperature_c", "heart_rate", "age", "city", "device_os"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from dvtools.demo import write_demo

    folder = tmp_path_factory.mktemp("demo")
    train, serve = write_demo(str(folder))
    t = pd.read_csv(train)
    idx = np.random.default_rng(7).permutation(len(t))
    half = len(t) // 2
    a, b = folder / "a.csv", folder / "b.csv"
    t.iloc[idx[:half]].to_csv(a, index=False)
    t.iloc[idx[half:]].to_csv(b, index=False)
    return train, serve, str(a), str(b)


# ---- 1. identifier-like and high-cardinality features


@pytest.mark.parametrize("policy", ["auto", "tfdv"])
def test_random_halves_of_the_demo_do_not_drift(demo, policy, capsys):
    from dvtools.artifacts import statistics_of
    from dvtools.cli import main

    _, _, a, b = demo
    comp = compare_statistics(statistics_of(a)[0], statistics_of(b)[0], policy=policy)
    assert [f.feature for f in comp.drifted] == []
    # Identifiers and timestamps are not compared by default (their role, inferred from the statistics).
    assert comp.not_compared_by_role == {"run_id": "identifier", "runner_id": "identifier", "runner_email": "identifier",
                                         "run_date": "timestamp"}
    ids = compare_statistics(statistics_of(a)[0], statistics_of(b)[0], policy=policy,
                             roles={"run_id": "feature", "runner_id": "feature"})
    assert ids["run_id"].kind == "identifier" and ids["run_id"].verdict.value == "no drift"
    assert "identifier-like: distribution not compared" in ids["run_id"].notes
    assert ids["runner_id"].verdict.value == "no drift"
    assert main(["compare", a, b, "--policy", policy]) == 0
    capsys.readouterr()


def test_demo_serving_still_drifts_on_the_planted_features(demo):
    from dvtools.artifacts import statistics_of

    train, serve, _, _ = demo
    comp = compare_statistics(statistics_of(train)[0], statistics_of(serve)[0], policy="auto")
    assert PLANTED <= {f.feature for f in comp.drifted}
    assert comp.dataset_drift


def test_high_cardinality_compared_on_top_categories_with_a_test():
    rng = np.random.default_rng(3)
    ids = np.array([f"u{i}" for i in range(3000)])
    same = stats_of({"u": rng.choice(ids, 10_000)}), stats_of({"u": rng.choice(ids, 10_000)})
    fc = compare_statistics(*same)["u"]
    assert fc.kind == "categorical" and fc.verdict.value == "no drift"
    assert any("high-cardinality" in n for n in fc.notes)
    # a real change (a third of the rows move to one new value) still drifts
    moved = rng.choice(ids, 10_000).astype(object)
    moved[:3500] = "new"
    fc = compare_statistics(same[0], stats_of({"u": moved.astype(str)}))["u"]
    assert fc.verdict.value == "drift" and fc.p_values["chi_square"] < 0.05


# ---- 9. concept-shift bucket labels


def test_concept_bucket_labels_dates_and_distinct_numbers():
    from dvtools.comparison import concept_shift

    rng = np.random.default_rng(0)
    n = 3000
    days = rng.integers(19_890, 19_920, n).astype("int32")
    t = pa.table({
        "d": pa.array(days, type=pa.int32()).cast(pa.date32()),
        "ts": pa.array(days.astype("int64") * 86_400, type=pa.timestamp("s")),
        "x": 19_890 + rng.random(n) * 0.01,
        "y": rng.integers(0, 2, n),
    })
    r = concept_shift(t, t, label="y")
    for name in ("d", "ts"):
        labels = [b.bucket for b in r[name].buckets]
        assert labels[0].startswith("< 2024-06-") and "e+" not in "".join(labels), labels
        assert len(set(labels)) == len(labels)
        counts = [b.count_reference for b in r[name].buckets]
        assert min(counts) > 0.05 * n  # rows land in the buckets of the statistics' scale
    labels = [b.bucket for b in r["x"].buckets]
    assert len(set(labels)) == len(labels), labels


# ---- 10. skipped features and dropped label rows are reported


def test_reports_show_skipped_features_and_dropped_labels():
    from dvtools.comparison import concept_shift, feature_skew

    ref = pd.DataFrame({"id": range(100), "x": np.arange(100.0), "lst": [[1]] * 100,
                        "y": [None] * 7 + [1] * 93})
    cur = ref.copy()
    cur["lst"] = ["a"] * 100
    comp = compare_statistics(stats_of(ref), stats_of(cur), exclude=["id"])
    skew = feature_skew(ref, cur, key="id")
    assert "lst" in skew.skipped_features
    concept = concept_shift(ref, cur, label="y", features=["x", "nope"])
    assert concept.skipped_features and concept.null_labels_reference == 7
    text = comparison_to_text(comp, skew, concept)
    assert "Not compared: lst" in text and "Not analysed: nope" in text
    assert "without a label left out: 7 of 100 training" in text
    html = comparison_to_html(comp, skew=skew, concept=concept)
    assert "Not compared: lst" in html and "Not analysed: nope" in html and "without a label left out" in html
    doc = json.loads(comparison_to_json(comp, skew, concept))
    assert "lst" in doc["feature_skew"]["skipped_features"]
    assert "nope" in doc["concept_shift"]["skipped_features"]
    assert doc["concept_shift"]["null_labels_reference"] == 7


# ---- 8. shares never round to 0 % or 100 %


def test_share_text_never_rounds_to_zero_or_full():
    assert share_text(4 / 20_004, 1) == "<0.1%"
    assert share_text(20_000 / 20_004, 1) == ">99.9%"
    assert share_text(0.0, 1) == "0.0%" and share_text(1.0, 1) == "100.0%"
    assert pct(1e-7) == "<0.01%" and pct(1 - 1e-7) == ">99.99%" and pct(0.5) == "50.00%"
    assert pct(None) == "" and pct(math.nan) == ""


# ---- 11. one category alignment for compare and validate


def test_compare_and_aligned_categories_agree_with_inexact_counters(monkeypatch):
    import dvtools.statistics.sketches as sk

    monkeypatch.setattr(sk, "EXACT_DISTINCT_LIMIT", 50)
    monkeypatch.setattr(sk, "FREQUENT_ITEMS_CAPACITY", 20)
    rng = np.random.default_rng(5)
    ref = stats_of({"c": np.r_[np.repeat(["a", "b"], 2000), [f"r{i}" for i in range(400)]]})
    cur = stats_of({"c": np.r_[np.repeat(["a", "b"], [3000, 1000]), [f"r{i}" for i in rng.integers(0, 400, 2000)]]})
    assert not ref["c"].values.exact
    al = aligned_categories(ref["c"], cur["c"])
    assert al.has_other and al.labels[-1] == "(other)"
    assert al.reference.sum() == ref["c"].num_present and al.current.sum() == cur["c"].num_present
    assert "(other)" not in al.new_categories + al.vanished_categories
    fc = compare_statistics(ref, cur, policy="tfdv")["c"]
    assert fc.distances["l_infinity"] == pytest.approx(l_infinity(al.reference, al.current), abs=1e-12)


def test_aligned_categories_aligns_types_as_text():
    ref = stats_of({"f": pa.array([True, False, True])})
    cur = stats_of({"f": pa.array(["true", "false", "false"])})
    al = aligned_categories(ref["f"], cur["f"])
    assert sorted(al.labels) == ["false", "true"] and not al.has_other


# ---- 12. JSON: NaN as "NaN", as statistics files and validate


def test_compare_json_writes_nan_as_string():
    assert jsonable({"a": math.nan, "b": math.inf, "c": -math.inf, "d": None}) == {
        "a": "NaN", "b": "Infinity", "c": "-Infinity", "d": None}
    ref = stats_of({"u": [f"id{i}" for i in range(100)]})
    cur = stats_of({"u": [f"other{i}" for i in range(100)]})
    comp = compare_statistics(ref, cur, roles={"u": "feature"})  # compared anyway: the identifier-like path
    doc = json.loads(comparison_to_json(comp))
    assert doc["comparison"]["features"][0]["statistic"] == "NaN"  # identifier-like: not compared


# ---- 13. dead code: shared_bins uses histogram_from_cdf, is_categorical is gone


def test_shared_bins_equal_histogram_from_cdf_and_numpy():
    rng = np.random.default_rng(1)
    x_ref, x_cur = rng.normal(size=3000), rng.normal(0.5, 1.2, 2000)
    ref, cur = stats_of({"x": x_ref}), stats_of({"x": x_cur})
    sb = shared_bins(ref["x"], cur["x"], binning="equal-width")
    edges = np.linspace(x_ref.min(), x_ref.max(), 11)
    expected = np.r_[(x_cur < edges[0]).sum(), np.histogram(x_cur, edges)[0], (x_cur > edges[-1]).sum()]
    np.testing.assert_allclose(sb.current, expected)
    sk = cur["x"].numeric.sketch
    via = histogram_from_cdf(edges, lambda e: sk.cdf(e, inclusive=True), len(x_cur),
                             cdf_left=lambda e: sk.cdf(e, inclusive=False))
    np.testing.assert_allclose(sb.current, via)
    # a constant reference: one bin at its value, everything else under/overflow
    const = stats_of({"x": np.full(10, 2.0)})
    sb = shared_bins(const["x"], stats_of({"x": np.array([1.0, 2.0, 2.0, 3.0])})["x"])
    np.testing.assert_allclose(sb.current, [1, 2, 1])
    assert not hasattr(distributions, "is_categorical")


# ---- 3. internal column names cannot collide with the data's


def test_feature_skew_with_columns_named_like_internal_ones():
    from dvtools.comparison import feature_skew

    ref = pd.DataFrame({"id": [1, 2, 3, 3], "__dvtools_row": [1, 2, 3, 4], "__dvtools_r0": ["a", "b", "c", "d"]})
    cur = pd.DataFrame({"id": [1, 2, 3], "__dvtools_row": [1, 2, 5], "__dvtools_r0": ["a", "x", "c"]})
    r = feature_skew(ref, cur, key="id")
    assert {f.feature: f.num_mismatches for f in r.features} == {"__dvtools_row": 1, "__dvtools_r0": 1}
    assert r.duplicate_keys_reference == 1
    r = feature_skew(ref, cur, key=["id", "__dvtools_row"], partitions=3)
    assert r.num_joined == 2 and r["__dvtools_r0"].num_mismatches == 1
