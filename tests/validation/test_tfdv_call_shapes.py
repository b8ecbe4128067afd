"""TFDV's call shapes: drift against a previous span and skew against serving in one call; per-slice validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dvtools as dv
from dvtools.errors import UsageError
from dvtools.validation import validate_slices, validate_statistics, validate_with


def _frame(rng: np.random.Generator, n: int, shift: float = 0.0, cities=("a", "b", "c")) -> pd.DataFrame:
    return pd.DataFrame({"x": rng.normal(shift, 1.0, n), "city": rng.choice(list(cities), n)})


def test_previous_and_serving_in_one_call_equal_the_two_separate_validations():
    rng = np.random.default_rng(0)
    train = dv.compute_statistics(_frame(rng, 5000))
    previous = dv.compute_statistics(_frame(rng, 5000, shift=1.0))  # drift: x moved between spans
    serving = dv.compute_statistics(_frame(rng, 5000, cities=("a", "b", "z")))  # skew: a new city mix
    schema = dv.infer_schema(train)
    both = validate_with(train, schema, previous=previous, serving=serving)
    drift = validate_statistics(train, schema, reference=previous, comparator="drift")
    skew = validate_statistics(serving, schema, reference=train, comparator="skew")
    dist = {"COMPARATOR_L_INFTY_HIGH", "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH", "DISTRIBUTION_DRIFT"}
    assert {(a.feature, a.type.value) for a in both} == (
        {(a.feature, a.type.value) for a in drift} | {(a.feature, a.type.value) for a in skew if a.type.value in dist})
    by_comparator = {(a.feature, a.details.get("comparator")) for a in both if a.type.value in dist}
    assert ("x", "drift") in by_comparator and ("city", "skew") in by_comparator
    # Schema anomalies of the serving data (its unexpected city) are not the training data's.
    assert not any(a.type.value == "ENUM_TYPE_UNEXPECTED_STRING_VALUES" for a in both)
    assert [a.severity.value for a in both] == sorted((a.severity.value for a in both), key=["ERROR", "WARNING"].index)


def test_each_slice_is_validated_against_the_references_slice():
    rng = np.random.default_rng(1)
    ref = _frame(rng, 6000)
    cur = _frame(rng, 6000)
    cur.loc[cur["city"] == "b", "x"] += 2.0  # only slice b drifts
    ref_stats = dv.compute_statistics(ref, slice_by="city")
    cur_stats = dv.compute_statistics(cur, slice_by="city")
    schema = dv.infer_schema(ref_stats)
    out = validate_slices(cur_stats, schema, reference=ref_stats)
    assert set(out) == set(cur_stats.slices)
    dist = {"COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH", "DISTRIBUTION_DRIFT"}
    drifted = {k for k, found in out.items() if any(a.feature == "x" and a.type.value in dist for a in found)}
    assert [k for k in drifted if "b" in k] and not [k for k in drifted if "b" not in k]
    with pytest.raises(UsageError, match="no slices"):
        validate_slices(dv.compute_statistics(cur), schema)
