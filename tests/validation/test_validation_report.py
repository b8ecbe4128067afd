"""Environments, ordering, JSON/table output, explanations, thresholds and a performance sanity run."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from validation_helpers import SCENARIOS, T, stats_of, types_of, without_drift

import dvtools.validation as v
from dvtools.errors import UsageError
from dvtools.schema.model import (
    SERVING,
    TRAINING,
    Feature,
    FeatureType,
    FloatDomain,
    IntDomain,
    Presence,
    Schema,
    StringDomain,
)
from dvtools.validation import (
    EXPLANATIONS,
    AnomalyType,
    FeatureThresholds,
    Severity,
    Thresholds,
    anomalies_table,
    anomalies_to_json,
    validate_statistics,
)


def _env_schema() -> Schema:
    return Schema(
        [
            Feature("x", FeatureType.FLOAT),
            Feature("label", FeatureType.INT, presence=Presence(min_fraction=1.0), not_in_environment=[SERVING]),
        ],
        default_environments=[TRAINING, SERVING],
    )


def test_label_not_reported_in_serving() -> None:
    serving = stats_of(pd.DataFrame({"x": [1.0, 2.0]}))
    assert validate_statistics(serving, _env_schema(), environment=SERVING) == []
    for env in (TRAINING, None):
        anomalies = validate_statistics(serving, _env_schema(), environment=env)
        assert types_of(anomalies, "label") == [T.SCHEMA_MISSING_COLUMN]


def test_label_present_in_serving_is_not_a_new_column_nor_checked() -> None:
    serving = stats_of(pd.DataFrame({"x": [1.0, 2.0], "label": [None, None]}))
    assert validate_statistics(serving, _env_schema(), environment=SERVING) == []


def test_in_environment_restricts_a_feature() -> None:
    schema = Schema(
        [Feature("x", FeatureType.FLOAT), Feature("t", FeatureType.INT, in_environment=[TRAINING])],
        default_environments=[TRAINING, SERVING],
    )
    serving = stats_of(pd.DataFrame({"x": [1.0]}))
    assert validate_statistics(serving, schema, environment=SERVING) == []
    assert types_of(validate_statistics(serving, schema, environment=TRAINING)) == [T.SCHEMA_MISSING_COLUMN]


def test_unknown_environment_raises() -> None:
    with pytest.raises(UsageError, match="SERVNG"):
        validate_statistics(stats_of(pd.DataFrame({"x": [1.0]})), _env_schema(), environment="SERVNG")
    # A schema without environments accepts any name.
    validate_statistics(stats_of(pd.DataFrame({"x": [1.0]})), Schema([Feature("x", FeatureType.FLOAT)]), environment="ANY")


def test_sorted_errors_first_then_feature_order() -> None:
    schema = Schema(
        [
            Feature("b", FeatureType.INT, domain=IntDomain(0, 1)),
            Feature("a", FeatureType.STRING, domain=StringDomain(["x"])),
            Feature("c", FeatureType.FLOAT, presence=Presence(min_fraction=1.0)),
        ]
    )
    cur = stats_of(pd.DataFrame({"a": ["y", "x"], "b": [5, 0], "c": [1.0, None], "d": [1, 2]}))
    got = [(a.severity, a.feature, a.type) for a in validate_statistics(cur, schema)]
    assert got == [
        (Severity.ERROR, "a", T.ENUM_TYPE_UNEXPECTED_STRING_VALUES),
        (Severity.ERROR, "c", T.FEATURE_TYPE_LOW_FRACTION_PRESENT),
        (Severity.ERROR, "d", T.SCHEMA_NEW_COLUMN),
        (Severity.WARNING, "b", T.INT_TYPE_BIG_INT),
    ]


def test_json_contract() -> None:
    schema = Schema([Feature("x", FeatureType.FLOAT, domain=FloatDomain(0.0, 1.0))])
    cur = stats_of({"x": pa.array([0.5, float("inf")], pa.float64())})
    anomalies = validate_statistics(cur, schema) + SCENARIOS["enum"]().run()
    doc = json.loads(anomalies_to_json(anomalies))
    assert list(doc) == ["anomalies"] and len(doc["anomalies"]) == 2
    first = doc["anomalies"][0]
    assert set(first) == {"feature", "type", "severity", "description", "observed", "expected", "details"}
    assert first["observed"] == "Infinity" and first["type"] == "FLOAT_TYPE_BIG_FLOAT"
    assert doc["anomalies"][1]["details"]["unexpected"][0] == ["XL", 12]
    assert json.loads(anomalies_to_json([])) == {"anomalies": []}


def test_table_output() -> None:
    anomalies = SCENARIOS["enum"]().run() + SCENARIOS["dataset_low"]().run()
    text = anomalies_table(anomalies, width=100)
    lines = text.splitlines()
    assert lines[0].startswith("SEVERITY") and "DESCRIPTION" in lines[0]
    assert "(dataset)" in text and "ENUM_TYPE_UNEXPECTED_STRING_VALUES" in text
    assert "\033[" not in text
    assert all(len(line) <= 100 for line in lines)
    assert lines[-1] == "2 errors, 0 warnings"
    assert "\033[31m" in anomalies_table(anomalies, width=100, color=True)
    assert anomalies_table([]) == "No anomalies found."


def test_every_type_is_explained() -> None:
    assert set(EXPLANATIONS) == set(AnomalyType)
    for t, e in EXPLANATIONS.items():
        assert e.title and e.meaning and e.what_to_do, t
        assert len(e.likely_causes) >= 2, t


def test_public_api() -> None:
    for name in (
        "Anomaly",
        "AnomalyType",
        "Severity",
        "Thresholds",
        "FeatureThresholds",
        "validate_statistics",
        "accept_anomaly",
        "anomalies_to_json",
        "anomalies_table",
        "EXPLANATIONS",
        "CHECKS",
    ):
        assert name in v.__all__ and hasattr(v, name)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"linf": 1.5},
        {"js": -0.1},
        {"missing_share_tolerance": 2.0},
        {"min_examples_ratio": -1.0},
        {"min_examples_ratio": 2.0, "max_examples_ratio": 1.0},
        {"per_feature": {"a": FeatureThresholds(js=3.0)}},
    ],
)
def test_bad_thresholds_raise(kwargs: dict) -> None:
    with pytest.raises(UsageError):
        Thresholds(**kwargs)


def test_accept_notes_silence_a_type() -> None:
    sc = SCENARIOS["constant"]()
    sc.schema.feature("c").notes.append("accept:CONSTANT_COLUMN")
    assert without_drift(sc.run()) == []
    sc = SCENARIOS["dataset_low"]()
    sc.schema.notes.append("accept:DATASET_LOW_NUM_EXAMPLES")
    assert sc.run() == []


def test_validation_is_pure() -> None:
    sc = SCENARIOS["linf"]()
    before = sc.schema.copy()
    first = sc.run()
    assert sc.run() == first and sc.schema == before


def test_performance_sanity_300_features() -> None:
    rng = np.random.default_rng(0)
    n = 2000
    cols, feats = {}, []
    for i in range(100):
        cols[f"num{i}"] = rng.normal(i, 1.0, n)
        feats.append(Feature(f"num{i}", FeatureType.FLOAT, domain=FloatDomain(i - 3.0, i + 3.0)).set_threshold(drift_js=0.1))
        cols[f"int{i}"] = rng.integers(0, 50, n)
        feats.append(Feature(f"int{i}", FeatureType.INT, domain=IntDomain(0, 49)))
        cols[f"cat{i}"] = rng.choice(["a", "b", "c", "d", "A "], n)
        feats.append(
            Feature(f"cat{i}", FeatureType.STRING, domain=StringDomain(["a", "b", "c", "d"])).set_threshold(drift_linf=0.05)
        )
    cur = stats_of(pd.DataFrame(cols))
    ref = stats_of(pd.DataFrame({k: np.roll(c, 7) for k, c in cols.items()}))
    schema = Schema(feats)
    validate_statistics(cur, schema, reference=ref)  # warm the sketches' sorted-value caches
    t0 = time.perf_counter()
    anomalies = validate_statistics(cur, schema, reference=ref, thresholds=Thresholds(linf=0.05, js=0.1))
    elapsed = time.perf_counter() - t0
    print(f"\nvalidated 300 features in {elapsed * 1000:.1f} ms ({len(anomalies)} anomalies)")
    assert len(anomalies) >= 100  # 'A ' is unexpected in every categorical feature
