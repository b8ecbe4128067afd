"""Property tests: random schemas round-trip through JSON and through TFDV's pbtxt / binary proto."""

from __future__ import annotations

from google.protobuf import text_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tensorflow_metadata.proto.v0 import schema_pb2

from dvtools.schema import (
    BoolDomain,
    Comparator,
    DatasetConstraints,
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
    schema_from_json,
    schema_from_pbtxt,
    schema_from_proto,
    schema_to_json,
    schema_to_pbtxt,
)
from dvtools.schema.tfdv import NOTE_PREFIX

INT64 = st.integers(-(2**63), 2**63 - 1)
COUNT = st.integers(0, 2**63 - 1)
text = st.text(max_size=12)
names = st.text(min_size=1, max_size=12)
free_text = text.filter(lambda s: not s.startswith(NOTE_PREFIX))
fraction = st.floats(0.0, 1.0)
bound = st.floats(allow_nan=False)  # includes +/-inf, subnormals, huge values
opt = st.none


def _ordered(strategy, make):
    return st.tuples(st.none() | strategy, st.none() | strategy).map(
        lambda t: make(*sorted(t)) if None not in t else make(*t)
    )


int_domains = _ordered(INT64, IntDomain)
float_domains = st.builds(
    lambda b, nan, inf: FloatDomain(b[0], b[1], nan, inf),
    st.tuples(st.none() | bound, st.none() | bound).map(lambda t: tuple(sorted(t)) if None not in t else t),
    st.booleans(), st.booleans(),
)
string_domains = st.builds(
    StringDomain,
    st.lists(text, unique=True, max_size=6),
    st.none() | names.map(lambda n: "dom:" + n),  # never the feature's own name (reads back as None)
)
bool_domains = st.builds(BoolDomain, st.none() | text, st.none() | text)
DOMAINS = {
    FeatureType.INT: int_domains,
    FeatureType.FLOAT: float_domains,
    FeatureType.STRING: string_domains,
    FeatureType.BYTES: string_domains,
    FeatureType.BOOL: bool_domains | string_domains,
    FeatureType.TIMESTAMP: int_domains | float_domains,
}
comparators = st.builds(Comparator, st.none() | fraction, st.none() | fraction)
environments = st.lists(st.sampled_from(["TRAINING", "SERVING", "EVAL"]) | names, unique=True, max_size=3)


@st.composite
def features(draw, name: str) -> Feature:
    ftype = draw(st.sampled_from(list(FeatureType)))
    return Feature(
        name=name,
        type=ftype,
        presence=draw(st.builds(Presence, st.none() | fraction | st.just(1.0), st.none() | COUNT)),
        required=draw(st.booleans()),
        value_count=draw(st.none() | _ordered(st.integers(0, 2**40), ValueCount)),
        domain=draw(st.none() | DOMAINS[ftype]),
        is_categorical=draw(st.booleans()),
        not_in_environment=draw(environments),
        in_environment=draw(environments),
        deprecated=draw(st.booleans()),
        skew_comparator=draw(comparators),
        drift_comparator=draw(comparators),
        description=draw(free_text),
        notes=draw(st.lists(text, max_size=2)),
    )


num_examples = st.tuples(st.none() | st.floats(0, 10), st.none() | st.floats(0, 10)).map(
    lambda t: NumExamplesComparator(*sorted(t)) if None not in t else NumExamplesComparator(*t)
)


@st.composite
def schemas(draw) -> Schema:
    feature_names = draw(st.lists(names, unique=True, max_size=6))
    return Schema(
        features=[draw(features(n)) for n in feature_names],
        default_environments=draw(environments),
        dataset_constraints=DatasetConstraints(draw(st.none() | COUNT), draw(num_examples),
                                               draw(num_examples)),
        notes=draw(st.lists(text, max_size=2)),
    )


SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(schemas())
def test_json_round_trip(schema):
    text_ = schema_to_json(schema)
    back = schema_from_json(text_)
    assert back == schema
    assert schema_to_json(back) == text_


@SETTINGS
@given(schemas())
def test_pbtxt_round_trip(schema):
    text_ = schema_to_pbtxt(schema)
    proto = text_format.Parse(text_, schema_pb2.Schema())  # what tfdv.load_schema_text does
    assert schema_from_pbtxt(text_) == schema
    assert schema_from_proto(schema_pb2.Schema.FromString(proto.SerializeToString())) == schema
    # TFDV reads 32-bit float bounds: they must contain every value our exact bounds accept
    for f, fp in zip(schema.features, proto.feature, strict=True):
        if isinstance(f.domain, FloatDomain):
            if f.domain.min is not None:
                assert fp.float_domain.min <= f.domain.min
            if f.domain.max is not None:
                assert fp.float_domain.max >= f.domain.max


@settings(max_examples=25, deadline=None)
@given(schemas())
def test_load_sniffs_both_formats(schema):
    assert load_schema(schema_to_json(schema).encode()) == schema
    assert load_schema(schema_to_pbtxt(schema).encode()) == schema
