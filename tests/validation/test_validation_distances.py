"""Comparator anomalies against distances computed independently from the raw samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import jensenshannon
from validation_helpers import SCENARIOS, T, only, stats_of

from dvtools.schema.model import Feature, FeatureType, Schema
from dvtools.validation import Thresholds, validate_statistics


def test_linf_hand_checked() -> None:
    sc = SCENARIOS["linf"]()
    # Reference: NY 12, CA 50, TX 38 of 100; current: NY 63, CA 90, TX 47 of 200.
    ref = {"NY": 12 / 100, "CA": 50 / 100, "TX": 38 / 100}
    cur = {"NY": 63 / 200, "CA": 90 / 200, "TX": 47 / 200}
    expected = max(abs(cur[k] - ref[k]) for k in ref)  # NY: |0.315 - 0.12| = 0.195
    a = only(sc.run(), T.COMPARATOR_L_INFTY_HIGH)
    assert abs(a.observed - expected) < 1e-12
    assert a.expected == 0.1
    assert a.description == (
        "L-infinity distance 0.195 is above the drift threshold 0.100 (schema); largest change: 'NY': 12.0% -> 31.5%"
    )
    assert a.details["largest_changes"][0] == ["NY", pytest.approx(0.12), pytest.approx(0.315)]


def test_linf_with_new_and_vanished_categories_hand_checked() -> None:
    ref_vals = ["a"] * 30 + ["b"] * 70
    cur_vals = ["a"] * 10 + ["c"] * 40
    # union {a, b, c}: ref (0.3, 0.7, 0), cur (0.2, 0, 0.8)
    expected = max(abs(0.3 - 0.2), abs(0.7 - 0.0), abs(0.0 - 0.8))
    schema = Schema([Feature("s", FeatureType.STRING)])
    a = only(
        validate_statistics(
            stats_of(pd.DataFrame({"s": cur_vals})),
            schema,
            reference=stats_of(pd.DataFrame({"s": ref_vals})),
            thresholds=Thresholds(linf=0.5),
        ),
        T.COMPARATOR_L_INFTY_HIGH,
    )
    assert abs(a.observed - expected) < 1e-12
    assert "'c': 0.0% -> 80.0%" in a.description and a.details["new_categories"] == 1


def _js_reference(ref: np.ndarray, cur: np.ndarray) -> float:
    """JS divergence (base 2) on the reference's 20 quantile bins plus under/overflow bins (no ties in ref)."""
    edges = np.unique(np.r_[ref.min(), np.quantile(ref, np.arange(1, 20) / 20), ref.max()])
    p = np.concatenate([[0], np.histogram(ref, edges)[0], [0]])
    q = np.concatenate([[(cur < edges[0]).sum()], np.histogram(cur, edges)[0], [(cur > edges[-1]).sum()]])
    return float(jensenshannon(p, q, base=2) ** 2)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("shift", "scale"), [(0.0, 1.0), (0.3, 1.0), (1.0, 2.0), (5.0, 1.0)])
def test_js_hand_checked(seed: int, shift: float, scale: float) -> None:
    rng = np.random.default_rng(seed)
    ref = rng.normal(0.0, 1.0, 3000)
    cur = rng.normal(shift, scale, 2000)
    expected = _js_reference(ref, cur)
    schema = Schema([Feature("x", FeatureType.FLOAT).set_threshold(drift_js=0.0)])
    anomalies = validate_statistics(stats_of(pd.DataFrame({"x": cur})), schema, reference=stats_of(pd.DataFrame({"x": ref})))
    if expected == 0.0:
        assert anomalies == []
        return
    a = only(anomalies, T.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH)
    assert abs(a.observed - expected) < 1e-9
    assert a.details["exact"] is True
    # Just above the observed divergence: no anomaly.
    schema.feature("x").set_threshold(drift_js=min(expected + 1e-9, 1.0))
    assert (
        validate_statistics(stats_of(pd.DataFrame({"x": cur})), schema, reference=stats_of(pd.DataFrame({"x": ref}))) == []
    )


def test_js_integers_hand_checked() -> None:
    ref = np.array([1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 10])
    cur = np.array([0, 2, 3, 3, 4, 10, 10, 10, 11, 12])
    expected = _js_reference(ref.astype(float), cur.astype(float))
    schema = Schema([Feature("n", FeatureType.INT)])
    a = only(
        validate_statistics(
            stats_of(pd.DataFrame({"n": cur})),
            schema,
            reference=stats_of(pd.DataFrame({"n": ref})),
            thresholds=Thresholds(js=0.01),
        ),
        T.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH,
    )
    assert abs(a.observed - expected) < 1e-9
    assert "30.0% of evaluation values lie outside the training range [1, 10]" in a.description
