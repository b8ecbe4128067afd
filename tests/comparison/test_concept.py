"""concept_shift: covariate shift (P(x) moves, P(y|x) same) vs concept shift (P(y|x) flips)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dvtools.comparison import ShiftVerdict, concept_shift
from dvtools.errors import UsageError
from dvtools.io import open_source

P_Y = {"a": 0.2, "b": 0.5, "c": 0.8}


def make(seed: int, n: int, p_cat: list[float], flip_b: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cat = rng.choice(np.array(["a", "b", "c"]), n, p=p_cat)
    p = np.array([P_Y[c] for c in cat])
    if flip_b:
        p = np.where(cat == "b", 0.95, p)
    y = (rng.random(n) < p).astype(np.int64)
    noise = rng.normal(size=n)  # independent of everything, same on both sides
    return pd.DataFrame({"cat": cat, "noise": noise, "y": y})


def test_covariate_shift_only():
    ref = make(1, 20_000, [0.6, 0.3, 0.1])
    cur = make(2, 20_000, [0.1, 0.3, 0.6])
    res = concept_shift(ref, cur, label="y")
    cat, noise = res["cat"], res["noise"]
    assert cat.verdict == ShiftVerdict.COVARIATE
    assert cat.covariate_shift > 0.3 and cat.max_shift < 0.05
    # noise is independent of y, so P(y | noise) = P(y), which moved with cat: no covariate shift, and
    # any conditional change is the prior's (the documented one-feature-at-a-time caveat).
    assert noise.covariate_shift < 0.05 and noise.verdict in (ShiftVerdict.NONE, ShiftVerdict.CONCEPT)
    # P(y) moved (prior shift follows the covariate shift), reported on its own
    assert res.label_kind == "categorical" and res.label_shift > 0.2
    assert res.label_reference["1"] < res.label_current["1"]


def test_concept_shift_in_one_bucket():
    ref = make(3, 20_000, [0.5, 0.3, 0.2])
    cur = make(4, 20_000, [0.5, 0.3, 0.2], flip_b=True)
    res = concept_shift(ref, cur, label="y", features=["cat"])
    f = res["cat"]
    assert f.verdict == ShiftVerdict.CONCEPT
    assert f.covariate_shift < 0.05
    assert f.max_shift_bucket == "b"
    assert f.max_shift_class in ("0", "1")  # binary: both classes move by the same amount
    p_ref, p_cur = (0.5, 0.95) if f.max_shift_class == "1" else (0.5, 0.05)
    assert f.max_shift_reference == pytest.approx(p_ref, abs=0.03)
    assert f.max_shift_current == pytest.approx(p_cur, abs=0.03)
    assert f.max_shift == pytest.approx(0.45, abs=0.04)
    other = [b for b in f.buckets if b.bucket in ("a", "c")]
    assert all(b.shift < 0.05 for b in other)
    assert 0 < f.weighted_shift < f.max_shift
    assert [x.feature for x in res.concept_shifted] == ["cat"]


def test_no_shift():
    ref = make(5, 10_000, [0.5, 0.3, 0.2])
    cur = make(6, 10_000, [0.5, 0.3, 0.2])
    res = concept_shift(ref, cur, label="y")
    assert [f.verdict for f in res.features] == [ShiftVerdict.NONE, ShiftVerdict.NONE]


def test_numeric_label_and_feature():
    rng = np.random.default_rng(7)
    n = 20_000
    x_ref, x_cur = rng.normal(size=n), rng.normal(size=n)
    y_ref = 2 * x_ref + rng.normal(size=n)
    y_cur = 2 * x_cur + rng.normal(size=n)
    top = x_cur > np.quantile(x_ref, 0.9)
    y_cur[top] -= 5.0  # P(y | x) changes in the top decile only
    res = concept_shift(pd.DataFrame({"x": x_ref, "y": y_ref}), pd.DataFrame({"x": x_cur, "y": y_cur}), label="y")
    f = res["x"]
    assert res.label_kind == "numeric" and res.concept_threshold == 0.2
    assert f.kind == "numeric" and f.verdict == ShiftVerdict.CONCEPT
    assert f.max_shift_bucket.startswith(">=")
    assert f.max_shift_current - f.max_shift_reference == pytest.approx(-5.0, abs=0.3)
    assert f.num_buckets_compared == 10


def test_batched_equals_single_batch_and_serializes():
    ref = make(8, 5000, [0.5, 0.3, 0.2])
    cur = make(9, 5000, [0.3, 0.3, 0.4], flip_b=True)
    one = concept_shift(ref, cur, label="y")
    many = concept_shift(open_source(ref, batch_size=97), open_source(cur, batch_size=101), label="y")
    assert one.to_dict() == many.to_dict()
    doc = json.loads(json.dumps(one.to_dict(), allow_nan=False))
    assert doc["features"][0]["verdict"] == "both"
    frame = one.to_frame()
    assert list(frame["feature"]) == ["cat", "noise"] and "verdict" in frame


def test_min_bucket_count_and_errors():
    ref = make(10, 2000, [0.5, 0.3, 0.2])
    cur = make(11, 2000, [0.5, 0.3, 0.2])
    res = concept_shift(ref, cur, label="y", features=["cat"], min_bucket_count=900)
    f = res["cat"]
    assert [b.bucket for b in f.buckets if b.compared] == ["a"]  # only "a" has >= 900 rows on both sides
    with pytest.raises(UsageError, match="label column"):
        concept_shift(ref, cur, label="nope")
    with pytest.raises(UsageError):
        concept_shift(ref, cur.drop(columns="y"), label="y")
