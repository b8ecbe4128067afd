"""One rule for "is this feature sensitive": statistics and rows (``data_sensitive_features``) agree.

Both decide through :func:`dvtools.privacy.redact.sensitive_columns`: the schema's ``sensitive``
flag, every string column in strict mode (a list of strings too), and detection. The expected
sets are written out by hand from the planted table.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from planted import planted_table

from dvtools.privacy import PrivacyPolicy
from dvtools.privacy import redact as redact_module
from dvtools.privacy.redact import data_sensitive_features, sensitive_features
from dvtools.schema import infer_schema
from dvtools.schema.model import Feature, FeatureType
from dvtools.statistics import compute_statistics

DETECTED = {"email": "email", "phone": "phone", "card_number": "payment_card", "iban": "iban",
            "ip_address": "ip_address", "ssn": "us_ssn", "customer_name": "person_name"}


@pytest.fixture(scope="module")
def table_and_path(tmp_path_factory):  # noqa: ANN001, ANN201
    table, _ = planted_table()
    n = table.num_rows
    table = table.append_column("tags", pa.array([["red", "blue"][: i % 3] for i in range(n)],
                                                 type=pa.list_(pa.string())))
    path = tmp_path_factory.mktemp("rule") / "planted.parquet"
    pq.write_table(table, path)
    return table, str(path)


@pytest.fixture(scope="module")
def schema(table_and_path):  # noqa: ANN001, ANN201
    table, _ = table_and_path
    s = infer_schema(compute_statistics(table))
    for f in s.features:
        f.sensitive = f.name == "amount"  # the schema's flag alone (not detected: numbers)
    s.features.append(Feature("gone", FeatureType.STRING, sensitive=True))  # flagged, not in the data
    return s


@pytest.mark.parametrize(("mode", "expected"), [
    ("on", {**DETECTED, "amount": None}),
    ("strict", {**DETECTED, "amount": None, "city": None, "tags": None}),
    ("off", {}),
])
def test_statistics_and_rows_decide_alike(table_and_path, schema, mode, expected):  # noqa: ANN001
    table, path = table_and_path
    policy = PrivacyPolicy(mode=mode)
    from_stats = sensitive_features(compute_statistics(table), policy, schema)
    from_rows = data_sensitive_features(path, policy, schema)
    assert {k: (str(v.value) if hasattr(v, "value") else v) for k, v in from_stats.items()} == expected
    assert from_rows == from_stats
    assert list(from_rows) == list(from_stats)  # the same order too: schema flags, strict strings, detection


def test_without_schema_detection_and_strict_only(table_and_path):  # noqa: ANN001
    table, path = table_and_path
    for mode in ("on", "strict"):
        policy = PrivacyPolicy(mode=mode)
        assert data_sensitive_features(path, policy) == sensitive_features(compute_statistics(table), policy)
    assert "amount" not in data_sensitive_features(path, PrivacyPolicy())


def test_off_reads_and_detects_nothing(table_and_path, schema, monkeypatch):  # noqa: ANN001
    table, path = table_and_path

    def boom(*_a, **_k):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("detection ran with privacy off")

    monkeypatch.setattr(redact_module, "pii_findings", boom)
    monkeypatch.setattr("dvtools.privacy.detect.detect_pii", boom)
    off = PrivacyPolicy(mode="off")
    assert sensitive_features(compute_statistics(table), off, schema) == {}
    assert data_sensitive_features("/no/such/file.parquet", off, schema) == {}
