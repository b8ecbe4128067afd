"""Column roles: inferred, stored (JSON and pbtxt), and what they change (no drift, range or domain check)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from validation_helpers import stats_of

from dvtools.comparison import compare_statistics
from dvtools.errors import SchemaError
from dvtools.schema import (
    Feature,
    FeatureRole,
    FeatureType,
    Schema,
    infer_schema,
    schema_from_json,
    schema_from_pbtxt,
    schema_to_json,
    schema_to_pbtxt,
)
from dvtools.schema.inference import infer_role
from dvtools.validation import FeatureThresholds, Thresholds, validate_statistics


def _frames(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = 2000

    def frame(start: str, first_id: int) -> pd.DataFrame:
        return pd.DataFrame({
            "event_id": [f"e{first_id + i:07d}" for i in range(n)],
            "user_id": rng.integers(first_id, first_id + 10**6, n),
            "ts": pd.date_range(start, periods=n, freq="min"),
            "created_at": 1_700_000_000 + np.arange(n) * 60 + (first_id // 10),
            "amount": rng.lognormal(3, 1, n),
            "kind": rng.choice(["a", "b", "c"], n),
            "clicked": rng.integers(0, 2, n),
        })

    return frame("2024-01-01", 0), frame("2024-03-01", 10**7)  # serving: later times, new ids


def test_roles_are_inferred():
    train, _ = _frames()
    stats = stats_of(train)
    roles = {f.name: infer_role(f, label="clicked") for f in stats}
    assert roles == {"event_id": "identifier", "user_id": "identifier", "ts": "timestamp", "created_at": "timestamp",
                     "amount": "feature", "kind": "feature", "clicked": "label"}
    # Unique integers without an id-like name stay features; epoch-like numbers need a time-like name.
    other = stats_of(pd.DataFrame({"count": np.arange(500), "seconds": 1_700_000_000 + np.arange(500)}))
    assert {f.name: infer_role(f) for f in other} == {"count": "feature", "seconds": "feature"}
    assert infer_role(other["count"], keys=["count"]) == "identifier"


def test_a_later_timestamp_and_new_ids_are_no_anomaly_and_no_drift():
    train, serve = _frames()
    ref, cur = stats_of(train), stats_of(serve)
    schema = infer_schema(ref, label="clicked")
    assert {f.name: f.role for f in schema.features}["ts"] == FeatureRole.TIMESTAMP
    anomalies = validate_statistics(cur, schema, reference=ref)
    assert not {a.feature for a in anomalies} & {"event_id", "user_id", "ts", "created_at"}, anomalies
    comparison = compare_statistics(ref, cur, schema=schema)
    assert comparison.not_compared_by_role == {"event_id": "identifier", "user_id": "identifier", "ts": "timestamp",
                                               "created_at": "timestamp"}
    assert not comparison.drifted
    # Compared anyway: time moved forward, so the range and the distribution flag it.
    anyway = Thresholds(per_feature={"ts": FeatureThresholds(compare=True), "created_at": FeatureThresholds(compare=True)})
    found = {(a.feature, a.type.value) for a in validate_statistics(cur, schema, reference=ref, thresholds=anyway)}
    assert {("ts", "INT_TYPE_BIG_INT"), ("created_at", "INT_TYPE_BIG_INT")} <= found
    assert {("ts", "DISTRIBUTION_DRIFT"), ("created_at", "DISTRIBUTION_DRIFT")} <= found
    forced = compare_statistics(ref, cur, schema=schema, **anyway.comparison_options())
    assert {"ts", "created_at"} <= {f.feature for f in forced.drifted}


def test_duplicate_identifiers():
    train, serve = _frames()
    serve = pd.concat([serve, serve.head(30)])
    anomalies = validate_statistics(stats_of(serve), infer_schema(stats_of(train)), reference=stats_of(train))
    dup = [a for a in anomalies if a.type.value == "DUPLICATE_IDENTIFIERS"]
    assert [a.feature for a in dup] == ["event_id"] and dup[0].details["num_duplicates"] == 30
    assert dup[0].severity.value == "WARNING"


@pytest.mark.parametrize("role", list(FeatureRole))
def test_roles_round_trip_json_and_pbtxt(role):
    schema = Schema([Feature("x", FeatureType.INT, role=role), Feature("y", FeatureType.STRING)])
    for text, read in ((schema_to_json(schema), schema_from_json), (schema_to_pbtxt(schema), schema_from_pbtxt)):
        back = read(text)
        assert back.feature("x").role == role and back.feature("y").role == FeatureRole.FEATURE
    pbtxt = schema_to_pbtxt(schema)
    assert (f'tag: "dvtools.role={role.value}"' in pbtxt) == (role != FeatureRole.FEATURE)


def test_bad_roles_are_one_line_errors():
    with pytest.raises(SchemaError, match="unknown role 'key'"):
        schema_from_json(schema_to_json(Schema([Feature("x", FeatureType.INT)])).replace('"feature"', '"key"'))
    text = schema_to_pbtxt(Schema([Feature("x", FeatureType.INT, role=FeatureRole.LABEL)])).replace("=label", "=key")
    assert "is not a dvtools role: ignored" in " ".join(schema_from_pbtxt(text).feature("x").notes)
