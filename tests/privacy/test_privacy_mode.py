"""Detection in the statistics pass, PII_DETECTED, the ``sensitive`` flag and privacy mode (library level)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from planted import planted_table

from dvtools.errors import StatisticsFormatError
from dvtools.privacy import (
    PiiConfig,
    PrivacyPolicy,
    mask_rows,
    pii_findings,
    redact_statistics,
    redact_together,
    salted_hash,
    tally_table,
)
from dvtools.privacy.masking import RARE_VALUES
from dvtools.schema import infer_schema
from dvtools.schema.serialization import schema_from_dict, schema_to_dict
from dvtools.schema.tfdv import schema_from_pbtxt, schema_to_pbtxt
from dvtools.statistics import DatasetAccumulator, compute_statistics
from dvtools.statistics.model import DatasetStatistics
from dvtools.statistics.quality import feature_alerts
from dvtools.ui.schema_grid import rows_to_schema, schema_to_rows
from dvtools.validation import AnomalyType, accept_anomaly, validate_statistics

PLANTED_KINDS = {"email": "email", "phone": "phone", "card_number": "payment_card", "iban": "iban",
                 "ip_address": "ip_address", "ssn": "us_ssn", "customer_name": "person_name"}


@pytest.fixture(scope="module")
def planted() -> tuple[pa.Table, set[str]]:
    return planted_table()


@pytest.fixture(scope="module")
def stats(planted) -> DatasetStatistics:  # noqa: ANN001
    return compute_statistics(planted[0], batch_size=64, workers=2)


def _leaks(text: str, planted: set[str]) -> list[str]:
    return sorted(v for v in planted if v in text)


# ---------------------------------------------------------------------------------------------- the fold
def test_engine_tallies_equal_a_direct_tally_whatever_the_batches(planted, stats) -> None:  # noqa: ANN001
    table = planted[0]
    direct = tally_table(table)
    assert {f.name for f in stats if f.pii is None} == {"amount"}  # a float not named like a coordinate
    for name, tally in direct.items():
        c = tally.finalize()
        got = stats[name].pii
        if got is None:
            assert not c.matches
            continue
        assert got.num_values == c.num_values
        assert [(m.kind, m.count, m.example) for m in got.matches] == [(m.kind.value, m.count, m.example)
                                                                        for m in c.matches]
    other = compute_statistics(table, batch_size=1_000, workers=1)
    assert {f.name: f.pii for f in other} == {f.name: f.pii for f in stats}  # batches and threads do not matter


def test_tallies_merge_like_the_accumulators(planted) -> None:  # noqa: ANN001
    table = planted[0]
    config = PiiConfig()
    whole = DatasetAccumulator(table.schema, pii=config)
    whole.add_batch(table)
    a, b = DatasetAccumulator(table.schema, pii=config), DatasetAccumulator(table.schema, pii=config)
    a.add_batch(table.slice(0, 100))
    b.add_batch(table.slice(100))
    merged = b.merge(a).finalize()  # merge order does not matter
    assert {f.name: f.pii for f in merged} == {f.name: f.pii for f in whole.finalize()}


def test_columns_without_detectors_cost_nothing() -> None:
    s = compute_statistics(pd.DataFrame({"x": np.arange(50, dtype=np.int32), "f": np.linspace(0, 1, 50),
                                         "latitude": np.linspace(48.1, 48.9, 50), "s": ["a"] * 50}))
    assert s["x"].pii is None and s["f"].pii is None  # int32 cannot hold a card number; a plain float: no detector
    assert s["latitude"].pii is not None and s["s"].pii is not None
    assert compute_statistics(pd.DataFrame({"s": ["a"]}), detect_pii=False)["s"].pii is None


def test_pii_round_trips_and_is_validated(stats) -> None:  # noqa: ANN001
    back = DatasetStatistics.from_json(stats.to_json())
    assert {f.name: f.pii for f in back} == {f.name: f.pii for f in stats}
    d = json.loads(stats.to_json())
    old = json.loads(stats.to_json())
    for f in old["features"]:
        f.pop("pii", None)
    assert all(f.pii is None for f in DatasetStatistics.from_dict(old))  # files written before detection load
    email = next(f for f in d["features"] if f["name"] == "email")
    for bad, message in (
        ({"num_values": 10**9, "matches": []}, "exceeds the"),
        ({"num_values": 10, "matches": [{"kind": "email", "count": 11, "example": "x"}]}, "exceeds its num_values"),
        ({"num_values": 10, "matches": [{"kind": "dna", "count": 1, "example": "x"}]}, "kind must be one of"),
        ({"num_values": 10, "matches": [{"kind": "email", "count": 1, "example": "x" * 500}]}, "at most 200"),
        ({"num_values": 10, "matches": "no"}, "must be a list"),
    ):
        email["pii"] = bad
        with pytest.raises(StatisticsFormatError, match=message):
            DatasetStatistics.from_dict(json.loads(json.dumps(d)))


# ---------------------------------------------------------------------------------------------- decision
def test_findings_alert_and_anomaly_are_one_decision(stats) -> None:  # noqa: ANN001
    found = pii_findings(stats)
    assert {n: f.kind.value for n, f in found.items()} == PLANTED_KINDS
    anomalies = [a for a in validate_statistics(stats, None) if a.type == AnomalyType.PII_DETECTED]
    assert {a.feature for a in anomalies} == set(PLANTED_KINDS)
    for a in anomalies:
        alert = next(x for x in feature_alerts(stats[a.feature], found[a.feature]) if x.kind == "pii")
        assert alert.message == a.description
        assert a.details["detector"] == PLANTED_KINDS[a.feature] and a.severity.value == "WARNING"
        assert f"{found[a.feature].share:.1%}" in a.description
    assert not [x for x in feature_alerts(stats["city"], found.get("city")) if x.kind == "pii"]


def test_accepting_marks_sensitive_and_silences_that_detector(stats) -> None:  # noqa: ANN001
    schema = infer_schema(stats)
    a = next(a for a in validate_statistics(stats, schema) if a.type == AnomalyType.PII_DETECTED)
    accepted = accept_anomaly(schema, a)
    f = accepted.feature(a.feature)
    assert f.sensitive and f"accept:PII_DETECTED:{a.details['detector']}" in f.notes
    assert a.feature not in {x.feature for x in validate_statistics(stats, accepted) if x.type == a.type}


# ---------------------------------------------------------------------------------------------- schema
def test_sensitive_is_inferred_and_round_trips(stats) -> None:  # noqa: ANN001
    schema = infer_schema(stats)
    assert {f.name for f in schema.features if f.sensitive} == set(PLANTED_KINDS)
    assert [f.sensitive for f in schema_from_dict(schema_to_dict(schema)).features] == \
        [f.sensitive for f in schema.features]
    text = schema_to_pbtxt(schema)
    assert text.count('"dvtools.sensitive=true"') == len(PLANTED_KINDS)
    assert [f.sensitive for f in schema_from_pbtxt(text).features] == [f.sensitive for f in schema.features]
    rows = schema_to_rows(schema)
    rows.loc[rows["name"] == "city", "sensitive"] = True
    rows.loc[rows["name"] == "email", "sensitive"] = False
    edited, problems = rows_to_schema(rows, schema)
    assert not problems and edited.feature("city").sensitive and not edited.feature("email").sensitive


# ---------------------------------------------------------------------------------------------- redaction
def test_redacted_statistics_hold_no_planted_value(planted, stats) -> None:  # noqa: ANN001
    raw_json = stats.to_json()
    assert _leaks(raw_json, planted[1])  # the test can fail: raw statistics do hold them
    red = redact_statistics(stats)
    text = red.to_json()
    assert not _leaks(text, planted[1])
    assert red.privacy["features"] == sorted(PLANTED_KINDS) and stats.privacy is None
    again = DatasetStatistics.from_json(text)
    assert redact_statistics(again).to_json() == text  # idempotent (and loadable)
    email = red["email"]
    top = dict(email.top_values(5))
    assert top[RARE_VALUES] == 300 - 15  # k-anonymity: the 285 values seen once are one row
    frequent = planted[0].column("email")[0].as_py()
    assert any(label.startswith(frequent[0]) and label.endswith(".org") and "*" in label for label in top)
    assert abs(email.unique - stats["email"].unique) <= 3  # the distinct count survives (HLL estimate)
    assert email.num_present == stats["email"].num_present and red["city"].to_dict() == stats["city"].to_dict()


def test_numbers_of_sensitive_features_are_coarse(stats) -> None:  # noqa: ANN001
    from dvtools.schema.model import Schema

    schema = infer_schema(stats)
    schema.feature("amount").sensitive = True
    red = redact_statistics(stats, PrivacyPolicy(granularity=50.0), schema=schema)
    raw, n = stats["amount"].numeric, red["amount"].numeric
    assert n.min <= raw.min and n.max >= raw.max
    assert n.min % 50 == 0 and n.max % 50 == 0
    assert all(math.isclose(v / 50, round(v / 50)) for v in n.quantiles.values())
    assert all(math.isclose(e / 50, round(e / 50)) for e in n.histogram.edges) and n.histogram.num_buckets <= 10
    assert math.isclose(sum(n.histogram.counts), raw.num_finite)
    assert n.sketch.from_histogram  # the exact values are gone with the quantile sketch
    assert red["age"].to_dict() == stats["age"].to_dict()
    assert isinstance(schema, Schema)
    back = DatasetStatistics.from_json(red.to_json())  # consistent for the integrity checks
    assert back["amount"].numeric.min == n.min


def test_strict_and_off(stats) -> None:  # noqa: ANN001
    assert redact_statistics(stats, PrivacyPolicy("off")) is stats
    strict = redact_statistics(stats, PrivacyPolicy("strict"))
    assert "city" in strict.privacy["features"]
    assert dict(strict["city"].top_values()) .keys() == {"P****", "R***", "O***", "L***"}


def test_hashes_keep_domains_comparable(planted) -> None:  # noqa: ANN001
    salt = b"a-project-salt-of-16+"
    table = planted[0]
    a = compute_statistics(table.slice(0, 200))
    b = compute_statistics(table.slice(0, 150))
    ra, rb = redact_together([a, b], PrivacyPolicy(salt=salt))
    frequent = table.column("ssn")[0].as_py()
    h = salted_hash(frequent, salt)
    assert h in dict(ra["ssn"].top_values()) and h in dict(rb["ssn"].top_values())
    assert not _leaks(ra.to_json() + rb.to_json(), planted[1])


def test_redact_together_uses_the_union() -> None:
    a = compute_statistics(pd.DataFrame({"contact": [f"p{i}@example.org" for i in range(40)]}))
    b = compute_statistics(pd.DataFrame({"contact": ["x"] * 40}))
    ra, rb = redact_together([a, b])
    assert ra.privacy["features"] == rb.privacy["features"] == ["contact"]
    assert dict(rb["contact"].top_values()) == {"x": 40}  # one letter: the generic mask has nothing to hide


def test_mask_rows(planted) -> None:  # noqa: ANN001
    table, values = planted
    sensitive = {"email": None, "ssn": None, "amount": None}
    out = mask_rows(table.to_pandas(), sensitive, PrivacyPolicy(granularity=10.0))
    text = out.to_csv()
    assert not [v for v in values if v in text and (v in set(table.column("email").to_pylist())
                                                    or v in set(table.column("ssn").to_pylist()))]
    assert (out["amount"] % 10 == 0).all() and out["city"].equals(table.column("city").to_pandas())
    assert isinstance(mask_rows(table, sensitive), pa.Table)
    assert mask_rows(table, sensitive, PrivacyPolicy("off")) is table


def test_checking_distinct_values_counts_the_same(planted, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from dvtools.privacy import tally as tally_module

    table = pa.concat_tables([planted[0]] * 6)  # every value repeated: the distinct-value path applies
    table = table.append_column("dob", pa.array(["1985-03-12", "2030-01-01", "12.05.1970", "x"] * (len(table) // 4)))
    fast = tally_table(table)
    monkeypatch.setattr(tally_module, "DISTINCT_MIN_ROWS", 10**9)
    slow = tally_table(table)
    for name in table.column_names:
        assert fast[name].state() == slow[name].state(), name
        assert fast[name].example_digest() == slow[name].example_digest(), name
    assert dict(fast["dob"].counts)  # the weighted date-of-birth path counted something


def test_privacy_marker_is_validated_and_inference_gives_no_domain(stats) -> None:  # noqa: ANN001
    red = redact_statistics(stats, PrivacyPolicy("strict"))
    d = json.loads(red.to_json())
    assert d["privacy"]["mode"] == "strict" and d["privacy"]["k"] == 10
    schema = infer_schema(DatasetStatistics.from_dict(d))
    assert all(f.domain is None and f.sensitive for f in schema.features if f.name in red.privacy["features"])
    d["privacy"]["mode"] = "sometimes"
    with pytest.raises(StatisticsFormatError, match="privacy mode must be on or strict"):
        DatasetStatistics.from_dict(d)
