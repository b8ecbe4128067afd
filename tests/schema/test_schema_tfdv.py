"""TFDV interoperability: schema.pbtxt / schema_pb2 round trips and real TFDV-written schemas."""

from __future__ import annotations

import math

import numpy as np
import pytest
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import schema_pb2

from dvtools.errors import SchemaError
from dvtools.schema import (
    SERVING,
    TRAINING,
    BoolDomain,
    Comparator,
    Feature,
    FeatureType,
    FloatDomain,
    IntDomain,
    NumExamplesComparator,
    Presence,
    Schema,
    StringDomain,
    ValueCount,
    load_schema,
    schema_from_pbtxt,
    schema_from_proto,
    schema_to_pbtxt,
    schema_to_proto,
)


def _parse_like_tfdv(text: str) -> schema_pb2.Schema:
    """What ``tfdv.load_schema_text`` does."""
    return text_format.Parse(text, schema_pb2.Schema())


def _proto_feature(proto: schema_pb2.Schema, name: str) -> schema_pb2.Feature:
    return next(f for f in proto.feature if f.name == name)


# ---- ours -> pbtxt -> ours ------------------------------------------------------------------------
def test_pbtxt_round_trip(rich_schema):
    text = schema_to_pbtxt(rich_schema)
    assert schema_from_pbtxt(text) == rich_schema
    assert schema_from_pbtxt(text.encode()) == rich_schema
    assert schema_from_proto(schema_to_proto(rich_schema)) == rich_schema
    assert schema_to_pbtxt(schema_from_pbtxt(text)) == text


def test_our_pbtxt_parses_with_schema_pb2_as_tfdv_does(rich_schema):
    proto = _parse_like_tfdv(schema_to_pbtxt(rich_schema))
    assert [f.name for f in proto.feature] == rich_schema.feature_names
    assert list(proto.default_environment) == [TRAINING, SERVING]


def test_pbtxt_uses_tfdv_conventions(rich_schema):
    proto = _parse_like_tfdv(schema_to_pbtxt(rich_schema))
    city = _proto_feature(proto, "city")
    assert city.type == schema_pb2.BYTES
    assert city.domain == "city"  # named top-level string domain, as TFDV writes
    assert [d.name for d in proto.string_domain] == ["city", "countries", "tags"]
    assert list(proto.string_domain[0].value) == ["Lyon", "Paris", "Nice"]
    assert _proto_feature(proto, "city2").domain == "city"  # same name and values: shared
    # always-present scalar: shape [1]; otherwise value_count 1..1
    assert [d.size for d in city.shape.dim] == [1]
    bucket = _proto_feature(proto, "bucket")
    assert (bucket.value_count.min, bucket.value_count.max) == (1, 1)
    assert bucket.int_domain.is_categorical
    flag = _proto_feature(proto, "flag")
    assert flag.type == schema_pb2.INT and flag.HasField("bool_domain")
    answer = _proto_feature(proto, "answer")
    assert answer.type == schema_pb2.BYTES and answer.bool_domain.true_value == "yes"
    ts = _proto_feature(proto, "ts")
    assert ts.type == schema_pb2.INT and ts.int_domain.max == 1_700_000_000_000_000_000
    assert _proto_feature(proto, "ts2").HasField("time_domain")
    assert _proto_feature(proto, "blob").lifecycle_stage == schema_pb2.DEPRECATED
    label = _proto_feature(proto, "label")
    assert list(label.not_in_environment) == [SERVING]
    assert label.presence.min_fraction == 1.0 and label.presence.min_count == 1
    price = _proto_feature(proto, "price")
    assert price.skew_comparator.jensen_shannon_divergence.threshold == 0.05
    assert price.drift_comparator.infinity_norm.threshold == 0.3
    assert proto.dataset_constraints.min_examples_count == 100
    assert proto.dataset_constraints.num_examples_drift_comparator.max_fraction_threshold == 1.25


def test_float_bounds_are_widened_for_tfdv_and_exact_for_us():
    s = Schema([Feature("x", FeatureType.FLOAT, domain=FloatDomain(0.1, 0.3))])
    proto = schema_to_proto(s)
    fd = proto.feature[0].float_domain
    assert np.float32(fd.min) <= np.float32(0.1) and fd.min <= 0.1
    assert fd.max >= 0.3
    assert schema_from_proto(proto) == s
    # a hand edit of the bound in the pbtxt wins over the stale exact value
    proto.feature[0].float_domain.min = 0.05
    assert schema_from_proto(proto).feature("x").domain.min == 0.05
    # float32-exact bounds need no tag
    s2 = Schema([Feature("x", FeatureType.FLOAT, domain=FloatDomain(0.5, 2.0))])
    assert not schema_to_proto(s2).feature[0].annotation.tag


def test_huge_float_bounds():
    s = Schema([Feature("x", FeatureType.FLOAT, domain=FloatDomain(-1e300, 1e300))])
    proto = schema_to_proto(s)
    assert proto.feature[0].float_domain.min <= -3.4e38  # widened to -max float32, not narrowed
    assert schema_from_proto(proto) == s


def test_string_domain_name_clash_is_written_inline():
    s = Schema([
        Feature("a", FeatureType.STRING, domain=StringDomain(["x", "y"], "shared"), is_categorical=True),
        Feature("b", FeatureType.STRING, domain=StringDomain(["z"], "shared"), is_categorical=True),
        Feature("c", FeatureType.STRING, domain=StringDomain(["x", "y"], "shared"), is_categorical=False),
        Feature("shared", FeatureType.STRING, domain=StringDomain(["q"]), is_categorical=True),
    ])
    proto = schema_to_proto(s)
    assert [d.name for d in proto.string_domain] == ["shared"]
    assert proto.feature[1].WhichOneof("domain_info") == "string_domain"
    assert proto.feature[2].WhichOneof("domain_info") == "string_domain"
    assert proto.feature[3].WhichOneof("domain_info") == "string_domain"
    assert schema_from_pbtxt(schema_to_pbtxt(s)) == s


def test_types_without_a_native_tfdv_form_round_trip():
    s = Schema([
        Feature("b", FeatureType.BYTES, domain=StringDomain(["\x00"])),
        Feature("bool_as_strings", FeatureType.BOOL, domain=StringDomain(["Y", "N"]), is_categorical=True),
        Feature("ts_float", FeatureType.TIMESTAMP, domain=FloatDomain(0.0, 1.5)),
        Feature("cat_string_no_vocab", FeatureType.STRING, is_categorical=True),
        Feature("cat_int_no_range", FeatureType.INT, is_categorical=True),
        Feature("int_empty_domain", FeatureType.INT, domain=IntDomain()),
        Feature("float_flags_only", FeatureType.FLOAT, domain=FloatDomain(disallow_nan=True)),
        Feature("required_without_fraction", FeatureType.INT, Presence(None, 5), required=True),
        Feature("empty_presence", FeatureType.INT, Presence()),
        Feature("open_value_count", FeatureType.INT, value_count=ValueCount()),
        Feature("both_envs", FeatureType.INT, in_environment=["A"], not_in_environment=["B"]),
    ])
    assert schema_from_pbtxt(schema_to_pbtxt(s)) == s


def test_empty_schema_round_trips():
    assert schema_from_pbtxt(schema_to_pbtxt(Schema())) == Schema()


def test_empty_feature_name_is_rejected():
    with pytest.raises(SchemaError, match="must not be empty"):
        schema_to_pbtxt(Schema([Feature("", FeatureType.INT)]))


# ---- real TFDV-written schemas --------------------------------------------------------------------
def test_chicago_taxi_schema_written_by_tfdv(data_dir):
    s = load_schema(data_dir / "chicago_taxi_schema_gen.pbtxt")
    assert len(s.features) == 18
    types = {f.name: f.type for f in s.features}
    assert types["company"] == types["payment_type"] == FeatureType.STRING
    assert types["fare"] == types["tips"] == types["pickup_latitude"] == FeatureType.FLOAT
    assert types["trip_start_hour"] == types["trip_seconds"] == FeatureType.INT
    pay = s.feature("payment_type")
    assert pay.domain == StringDomain(["Cash", "Credit Card", "Dispute", "No Charge", "Pcard", "Unknown",
                                       "Prcard"])
    assert pay.is_categorical
    company = s.feature("company")
    assert isinstance(company.domain, StringDomain) and len(company.domain.values) == 61
    assert "Taxi Affiliation Services" in company.domain.values
    for f in s.features:
        assert f.presence == Presence(1.0, 1) and f.required
        assert f.value_count is None  # shape [1] or nothing: scalar
        assert f.notes == []
    assert s.default_environments == []
    assert s.notes == []
    # and it survives our writer
    assert schema_from_pbtxt(schema_to_pbtxt(s)) == s


def test_chicago_taxi_user_schema(data_dir):
    s = load_schema((data_dir / "chicago_taxi_user_schema.pbtxt").read_bytes(), name="schema.pbtxt")
    assert len(s.features) == 18
    company = s.feature("company")
    assert company.presence == Presence(None, 1) and not company.required
    assert company.value_count is None  # value_count {min: 1 max: 1}: a scalar
    assert len(company.domain.values) == 50
    assert s.feature("payment_type").presence == Presence(1.0, 1)
    tract = s.feature("pickup_census_tract")
    assert tract.type == FeatureType.STRING and tract.presence == Presence(None, 0)
    assert s.feature("dropoff_census_tract").type == FeatureType.FLOAT
    assert s.feature("trip_start_timestamp").type == FeatureType.INT


def test_penguin_schema(data_dir):
    s = load_schema(data_dir / "penguin_schema.pbtxt")
    assert s.feature_names == ["body_mass_g", "culmen_depth_mm", "culmen_length_mm", "flipper_length_mm",
                               "island", "sex", "species"]
    assert s.feature("species").domain == StringDomain(["Adelie", "Chinstrap", "Gentoo"])
    assert s.feature("sex").domain.values == ["FEMALE", "MALE", "."]
    assert s.feature("body_mass_g").type == FeatureType.INT
    assert s.feature("culmen_depth_mm").type == FeatureType.FLOAT
    assert s.feature("island").type == FeatureType.STRING and s.feature("island").is_categorical


def test_tfdv_schema_with_environments_comparators_and_unsupported_fields(data_dir):
    s = load_schema(data_dir / "tfdv_environments_schema.pbtxt")
    assert s.default_environments == [TRAINING, SERVING]
    label = s.feature("label")
    assert label.type == FeatureType.STRING
    assert label.not_in_environment == [SERVING]
    assert label.in_env(SERVING, s.default_environments) is False
    assert label.presence == Presence(None, 1) and label.value_count is None

    pay = s.feature("payment_type")
    assert pay.domain == StringDomain(["Cash", "Credit Card"])  # inline, named like its feature
    assert pay.skew_comparator == Comparator(infinity_norm_threshold=0.01)
    assert pay.drift_comparator == Comparator(infinity_norm_threshold=0.05)
    assert pay.required

    fare = s.feature("fare")
    assert fare.domain == FloatDomain(0.1, 1000.5)  # float32 in the proto, read as the written decimals
    assert fare.presence == Presence(0.9, 10) and not fare.required
    assert fare.drift_comparator == Comparator(jensen_shannon_divergence_threshold=0.1)

    tags = s.feature("tags")
    assert tags.value_count == ValueCount(0, 5)
    assert tags.domain == IntDomain(0, 9) and tags.is_categorical

    assert s.feature("is_weekend").type == FeatureType.BOOL
    assert s.feature("is_weekend").domain == BoolDomain()
    assert s.feature("answer").domain == BoolDomain("yes", "no")

    ts = s.feature("trip_start_timestamp")
    assert ts.type == FeatureType.TIMESTAMP and ts.domain is None
    assert "time format UNIX_SECONDS" in ts.notes

    assert s.feature("old_feature").deprecated
    photo = s.feature("photo")
    assert photo.type == FeatureType.BYTES and photo.in_environment == [TRAINING]
    assert any("image_domain" in n for n in photo.notes)
    emb = s.feature("embedding")
    assert emb.value_count == ValueCount(4, 4)
    assert any("distribution_constraints" in n for n in emb.notes)

    assert s.dataset_constraints.min_examples_count == 100
    assert s.dataset_constraints.num_examples_drift_comparator == NumExamplesComparator(0.8, 1.2)
    assert any("sparse_feature" in n for n in s.notes)


def test_schema_level_int_and_float_domains_by_reference():
    s = schema_from_pbtxt("""
        feature { name: "a" type: INT domain: "ages" }
        feature { name: "b" type: FLOAT domain: "ratios" }
        int_domain { name: "ages" min: 0 max: 130 }
        float_domain { name: "ratios" min: 0 max: 1 }
    """)
    assert s.feature("a").domain == IntDomain(0, 130)
    assert s.feature("b").domain == FloatDomain(0.0, 1.0)


def test_legacy_and_other_lifecycle_stages():
    s = schema_from_pbtxt("""
        feature { name: "a" type: INT deprecated: true }
        feature { name: "b" type: INT lifecycle_stage: ALPHA }
        feature { name: "c" type: INT lifecycle_stage: PRODUCTION }
        feature { name: "d" type: STRUCT }
        feature { name: "e" }
    """)
    assert s.feature("a").deprecated and s.feature("b").deprecated and not s.feature("c").deprecated
    assert any("ALPHA" in n for n in s.feature("b").notes)
    assert s.feature("d").type == FeatureType.STRING and s.feature("d").notes
    assert s.feature("e").type == FeatureType.STRING and s.feature("e").notes


def test_foreign_annotations_and_comparators_are_noted():
    s = schema_from_pbtxt("""
        feature {
          name: "a" type: INT
          annotation { tag: "groupby_col" tag: "dvtools.mystery=1" comment: "plain comment" }
          skew_comparator { normalized_abs_difference { threshold: 0.2 } }
        }
        dataset_constraints { max_examples_count: 10 }
        annotation { tag: "x" comment: "schema comment" }
    """)
    a = s.feature("a")
    assert a.description == "plain comment"
    assert any("groupby_col" in n for n in a.notes)
    assert any("dvtools.mystery" in n for n in a.notes)
    assert any("normalized_abs_difference" in n for n in a.notes)
    assert not a.skew_comparator.is_set
    assert "schema comment" in s.notes
    assert any("max_examples_count" in n for n in s.notes)


def test_unknown_fields_do_not_crash():
    s = schema_from_pbtxt("""
        feature { name: "a" type: INT some_future_field: 3 future_block { x: 1 } }
        future_top_level { y: "z" }
    """)
    assert s.feature_names == ["a"]
    assert any("some_future_field" in n for n in s.notes)


@pytest.mark.parametrize("text, match", [
    ('feature { name: "a" ', "not a valid schema.pbtxt"),
    ('feature { name: "a" type: STRING }', "no value named STRING"),
    ('feature { name: "a" type: INT presence { min_fraction: "x" } }', "not a valid schema.pbtxt"),
    ('feature { name: "a" type: BYTES domain: "nowhere" }', "refers to domain 'nowhere'"),
    ('feature { type: INT }', "has no name"),
    ('feature { name: "a" type: INT int_domain { min: 5 max: 1 } }', "min 5 is greater than max 1"),
    ('feature { name: "a" type: INT } feature { name: "a" type: FLOAT }', "listed twice"),
    ('feature { name: "a" type: INT presence { min_fraction: 2 } }', "min_fraction"),
    ('feature { name: "a" type: BYTES int_domain { min: 1 } }', "does not fit type STRING"),
    ("feature { " * 5000 + "}" * 5000, "not a valid schema.pbtxt"),  # a deeply nested unknown field (issue 10)
    ('feature { name: "a" x ' + "{ " * 5000 + "}" * 5000 + " }", "not a valid schema.pbtxt"),
])
def test_malformed_pbtxt_is_a_one_line_schema_error(text, match):
    with pytest.raises(SchemaError, match=match) as e:
        schema_from_pbtxt(text)
    assert "\n" not in str(e.value)


def test_tfdv_float_values_read_as_shortest_decimal():
    s = schema_from_pbtxt('feature { name: "x" type: FLOAT float_domain { min: 0.3 max: 1e10 } }')
    assert s.feature("x").domain == FloatDomain(0.3, 1e10)
    assert not math.isnan(s.feature("x").domain.min)


def test_int_bounds_beyond_int64_are_left_open_in_the_proto_and_exact_in_a_tag():
    """Regression: a uint64 column's bounds (or any int bound beyond int64) crashed the pbtxt writer."""
    import pyarrow as pa

    from dvtools.schema import infer_schema
    from dvtools.statistics import DatasetAccumulator

    table = pa.table({"u": pa.array([2**63 + 5, 2**64 - 1, 2**63 + 5], pa.uint64()),
                      "i": pa.array([-(2**63), 2**63 - 1, 0], pa.int64())})
    acc = DatasetAccumulator(table.schema)
    acc.add_batch(table)
    schema = infer_schema(acc.finalize())
    assert schema.feature("u").domain == IntDomain(2**63 + 5, 2**64 - 1)
    text = schema_to_pbtxt(schema)
    proto = _parse_like_tfdv(text)
    u = _proto_feature(proto, "u")
    assert not u.int_domain.HasField("min") and not u.int_domain.HasField("max")  # widened: open
    assert f"dvtools.int_domain.max={2**64 - 1}" in u.annotation.tag
    i = _proto_feature(proto, "i").int_domain
    assert (i.min, i.max) == (-(2**63), 2**63 - 1)  # int64 extremes fit: no tag
    assert schema_from_pbtxt(text) == schema
    # a bound beyond int64 on one side only
    s = Schema([Feature("x", FeatureType.INT, domain=IntDomain(-(2**70), 3))])
    assert schema_from_pbtxt(schema_to_pbtxt(s)) == s
