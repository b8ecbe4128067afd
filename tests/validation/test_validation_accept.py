"""accept_anomaly: validate -> accept -> validate again -> that anomaly is gone."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest
from validation_helpers import SCENARIOS, T, only, stats_of

from dvtools.schema.model import Feature, FeatureType, FloatDomain, Schema, StringDomain
from dvtools.validation import (
    Anomaly,
    AnomalyNotAcceptable,
    FeatureThresholds,
    Severity,
    Thresholds,
    accept_anomaly,
    validate_statistics,
)


def _fires(sc, schema: Schema) -> bool:  # noqa: ANN001
    return any(a.type == sc.type and a.feature == sc.feature for a in sc.run(schema))


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_accept_then_gone(name: str) -> None:
    sc = SCENARIOS[name]()
    anomaly = only([a for a in sc.run() if a.feature == sc.feature], sc.type)
    before = sc.schema.copy()
    accepted = accept_anomaly(sc.schema, anomaly, current=sc.current)
    assert sc.schema == before, "the given schema must not change"
    accepted.check()
    assert not _fires(sc, accepted), sc.run(accepted)


def test_accept_specific_edits() -> None:
    sc = SCENARIOS["low_fraction"]()
    s = accept_anomaly(sc.schema, sc.run()[0])
    assert s.feature("a").presence.min_fraction == 0.89

    sc = SCENARIOS["big_int"]()
    s = accept_anomaly(sc.schema, only(sc.run(), T.INT_TYPE_BIG_INT))
    assert (s.feature("age").domain.min, s.feature("age").domain.max) == (0, 250)

    sc = SCENARIOS["enum"]()
    s = accept_anomaly(sc.schema, sc.run()[0])  # no current: the listed values suffice
    assert s.feature("size").domain.values == ["S", "M", "L", "XL", "xs", "XXL"]

    sc = SCENARIOS["linf"]()
    s = accept_anomaly(sc.schema, sc.run()[0])
    assert s.feature("city").drift_comparator.infinity_norm_threshold == 0.196

    sc = SCENARIOS["missing_column"]()
    assert accept_anomaly(sc.schema, sc.run()[0]).feature("b").deprecated

    sc = SCENARIOS["type_int_float"]()
    s = accept_anomaly(sc.schema, sc.run()[0])
    assert s.feature("n").type == FeatureType.FLOAT

    sc = SCENARIOS["new_column"]()
    s = accept_anomaly(sc.schema, sc.run()[0], current=sc.current)
    assert s.feature("extra").type == FeatureType.STRING

    sc = SCENARIOS["variants"]()
    s = accept_anomaly(sc.schema, sc.run()[0])
    assert s.feature("state").notes == ["accept:CATEGORY_VARIANTS:ny"]


def test_accepted_variants_only_silence_their_group() -> None:
    sc = SCENARIOS["variants"]()
    s = accept_anomaly(sc.schema, sc.run()[0])
    cur = stats_of(pd.DataFrame({"state": ["NY", "ny ", "CA", "ca"]}))
    a = only(validate_statistics(cur, s), T.CATEGORY_VARIANTS)
    assert a.details["keys"] == ["ca"]


def test_accept_type_change_against_reference_is_specific() -> None:
    sc = SCENARIOS["type_reference"]()
    s = accept_anomaly(sc.schema, sc.run()[0])
    assert s.feature("n").notes == ["accept:UNEXPECTED_DATA_TYPE:INT->FLOAT"]
    assert s.feature("n").type == FeatureType.FLOAT
    # The opposite change still fires.
    assert validate_statistics(sc.reference, s, reference=sc.current)[0].type == T.UNEXPECTED_DATA_TYPE


def test_accept_truncated_unexpected_values_needs_current() -> None:
    schema = Schema([Feature("s", FeatureType.STRING, domain=StringDomain(["ok"]))])
    cur = stats_of(pd.DataFrame({"s": [f"v{i}" for i in range(80)]}))
    a = validate_statistics(cur, schema)[0]
    with pytest.raises(ValueError, match="current="):
        accept_anomaly(schema, a)
    s = accept_anomaly(schema, a, current=cur)
    assert len(s.feature("s").domain.values) == 81 and validate_statistics(cur, s) == []


def test_accept_inf_then_range_removes_the_bound() -> None:
    schema = Schema([Feature("x", FeatureType.FLOAT, domain=FloatDomain(0.0, 1.0, disallow_inf=True))])
    cur = stats_of({"x": pa.array([0.5, float("inf")], pa.float64())})
    # Disallowed infinity is reported once, as HAS_INF (not also as out of range).
    assert [a.type for a in validate_statistics(cur, schema)] == [T.FLOAT_TYPE_HAS_INF]
    schema = accept_anomaly(schema, validate_statistics(cur, schema)[0])
    # Once allowed, +inf is above the finite max.
    assert [a.type for a in validate_statistics(cur, schema)] == [T.FLOAT_TYPE_BIG_FLOAT]
    schema = accept_anomaly(schema, validate_statistics(cur, schema)[0])
    assert schema.feature("x").domain.max is None and validate_statistics(cur, schema) == []


def test_unacceptable_anomalies_raise_value_error() -> None:
    schema = Schema([Feature("a", FeatureType.INT)])
    skew = Anomaly("a", T.SCHEMA_TRAINING_SERVING_SKEW, Severity.ERROR, "x")
    with pytest.raises(ValueError, match="cannot be accepted"):
        accept_anomaly(schema, skew)
    unknown = Anomaly("zz", T.INT_TYPE_BIG_INT, Severity.WARNING, "x", 5, 1)
    with pytest.raises(AnomalyNotAcceptable):
        accept_anomaly(schema, unknown)
    sc = SCENARIOS["new_column"]()
    with pytest.raises(ValueError, match="current"):
        accept_anomaly(sc.schema, sc.run()[0])


def test_threshold_from_override_cannot_be_accepted_in_schema() -> None:
    sc = SCENARIOS["linf"]()
    th = Thresholds(per_feature={"city": FeatureThresholds(linf=0.05)})
    a = validate_statistics(sc.current, sc.schema, reference=sc.reference, thresholds=th)[0]
    with pytest.raises(ValueError, match="override"):
        accept_anomaly(sc.schema, a)


def test_accept_everything_clears_the_report() -> None:
    """Accept every anomaly of a messy pair, one by one: nothing is left."""
    ref = stats_of(pd.DataFrame({"a": [1, 2, 3, 4] * 25, "s": ["NY", "CA"] * 50, "x": [0.1, 0.9] * 50}))
    cur = stats_of(
        pd.DataFrame({"a": [1.0, 2, None, 4] * 25, "s": ["NY", "ny ", "XL", "CA"] * 25, "x": [0.5, 7.0] * 50, "new": 1})
    )
    schema = Schema(
        [
            Feature("a", FeatureType.INT).with_domain((1, 3)),
            Feature("s", FeatureType.STRING).with_domain(["NY", "CA"]),
            Feature("x", FeatureType.FLOAT).with_domain((0.0, 1.0)),
            Feature("gone", FeatureType.STRING),
        ]
    )
    th = Thresholds(linf=0.1, js=0.1)
    anomalies = validate_statistics(cur, schema, reference=ref, thresholds=th)
    assert len(anomalies) >= 8
    for _ in range(20):
        anomalies = validate_statistics(cur, schema, reference=ref, thresholds=th)
        if not anomalies:
            break
        schema = accept_anomaly(schema, anomalies[0], current=cur)
    assert anomalies == []
