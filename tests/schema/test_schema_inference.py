"""Schema inference rules on small hand-built tables."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from dvtools.errors import UsageError
from dvtools.schema import (
    SERVING,
    TRAINING,
    BoolDomain,
    FeatureType,
    FloatDomain,
    IntDomain,
    Presence,
    StringDomain,
    ValueCount,
    category_variants,
    infer_schema,
    schema_from_json,
    schema_from_pbtxt,
    schema_to_json,
    schema_to_pbtxt,
    with_default_thresholds,
)

N = 40


def _infer(stats_of, columns: dict, **kw):
    return infer_schema(stats_of(pa.table(columns)), **kw)


# ---- presence -------------------------------------------------------------------------------------
def test_always_present_feature_is_required_with_min_fraction_one(stats_of):
    s = _infer(stats_of, {"a": pa.array(range(N), pa.int64())})
    f = s.feature("a")
    assert f.presence == Presence(min_fraction=1.0, min_count=1)
    assert f.required is True


def test_feature_with_missing_values_gets_min_count_only(stats_of):
    values = [None if i % 20 == 0 else i for i in range(N)]  # 5 % missing
    f = _infer(stats_of, {"a": pa.array(values, pa.int64())}).feature("a")
    assert f.presence == Presence(min_fraction=None, min_count=1)
    assert f.required is False
    assert any("missing in 2 of 40" in n for n in f.notes)


def test_entirely_null_typed_column_keeps_its_type_without_presence_constraint(stats_of):
    f = _infer(stats_of, {"a": pa.array([None] * 5, pa.float64())}).feature("a")
    assert f.type == FeatureType.FLOAT
    assert f.presence == Presence(min_count=0)
    assert f.domain is None
    assert any("entirely null" in n for n in f.notes)


def test_null_typed_column_is_string_with_note(stats_of):
    f = _infer(stats_of, {"a": pa.nulls(5)}).feature("a")
    assert f.type == FeatureType.STRING
    assert f.presence.min_count == 0
    assert any("no type in the data" in n for n in f.notes)
    assert any("entirely null" in n for n in f.notes)


def test_struct_column_is_string_with_note(stats_of):
    arr = pa.array([{"x": 1, "y": "a"}] * 4)
    f = _infer(stats_of, {"s": arr}).feature("s")
    assert f.type == FeatureType.STRING
    assert f.domain is None
    assert any("struct column" in n for n in f.notes)


# ---- strings --------------------------------------------------------------------------------------
def test_low_cardinality_string_gets_sorted_domain_and_is_categorical(stats_of):
    f = _infer(stats_of, {"c": ["red", "green", "blue", "green"] * 10}).feature("c")
    assert f.type == FeatureType.STRING
    assert f.domain == StringDomain(["blue", "green", "red"])
    assert f.is_categorical is True


def test_identifier_string_gets_no_domain(stats_of):
    f = _infer(stats_of, {"id": [f"user-{i}" for i in range(N)]}).feature("id")
    assert f.domain is None
    assert f.is_categorical is False
    assert any("identifier" in n for n in f.notes)


def test_string_with_too_many_values_gets_no_domain(stats_of):
    values = [f"v{i % 10}" for i in range(N)]
    assert _infer(stats_of, {"c": values}).feature("c").domain is not None
    f = _infer(stats_of, {"c": values}, max_domain_size=5).feature("c")
    assert f.domain is None and not f.is_categorical
    assert any("too many for a domain" in n for n in f.notes)


def test_string_with_half_distinct_values_gets_no_domain(stats_of):
    # 30 distinct among 40: more than half distinct -> free text, not a vocabulary
    values = [f"t{i}" for i in range(30)] + ["t0"] * 10
    f = _infer(stats_of, {"c": values}).feature("c")
    assert f.domain is None


def test_case_and_whitespace_variants_are_noted_not_merged(stats_of):
    f = _infer(stats_of, {"state": ["NY", "ny ", "Ny", "CA", "CA", "TX"] * 8}).feature("state")
    assert f.domain == StringDomain(["CA", "NY", "Ny", "TX", "ny "])
    notes = [n for n in f.notes if n.startswith("values differ only by case/whitespace")]
    assert len(notes) == 1
    for v in ("'NY'", "'ny '", "'Ny'"):
        assert v in notes[0]
    assert "'CA'" not in notes[0]


def test_category_variants():
    assert category_variants(["NY", "ny ", "Ny", "CA"]) == [["NY", "ny ", "Ny"]]
    assert category_variants(["a", "b", "a"]) == []
    assert category_variants([" x", "X", None, "y", "Y ", "x "]) == [[" x", "X", "x "], ["y", "Y "]]
    assert category_variants([]) == []
    assert category_variants(["Straße", "STRASSE"]) == [["Straße", "STRASSE"]]  # casefold, not lower


def test_bytes_column_has_no_domain(stats_of):
    f = _infer(stats_of, {"b": pa.array([b"\x00\x01", b"\x02"] * 10)}).feature("b")
    assert f.type == FeatureType.BYTES
    assert f.domain is None


# ---- integers -------------------------------------------------------------------------------------
def test_small_unique_int_is_categorical_with_range(stats_of):
    f = _infer(stats_of, {"k": pa.array([1, 2, 3, 5] * 10, pa.int64())}).feature("k")
    assert f.type == FeatureType.INT
    assert f.is_categorical is True
    assert f.domain == IntDomain(1, 5)
    assert "categorical integer values: 1, 2, 3, 5" in f.notes


def test_many_unique_int_is_not_categorical(stats_of):
    f = _infer(stats_of, {"k": pa.array([i % 25 for i in range(100)], pa.int64())}).feature("k")
    assert f.is_categorical is False
    assert f.domain == IntDomain(0, 24)
    f = _infer(stats_of, {"k": pa.array([i % 25 for i in range(100)], pa.int64())},
               categorical_int_max_unique=30).feature("k")
    assert f.is_categorical is True


def test_id_like_int_is_not_categorical(stats_of):
    f = _infer(stats_of, {"id": pa.array(range(10), pa.int64())}).feature("id")
    assert f.is_categorical is False
    assert f.domain == IntDomain(0, 9)


def test_large_int64_bounds_are_exact(stats_of):
    big = 2**62 + 1
    f = _infer(stats_of, {"k": pa.array([big, -big, 0] * 3, pa.int64())}).feature("k")
    assert f.domain == IntDomain(-big, big)


def test_no_ranges_when_disabled(stats_of):
    s = _infer(stats_of, {"i": pa.array([1, 2] * 10, pa.int64()), "x": pa.array([0.5, 1.5] * 10)},
               infer_ranges=False)
    assert s.feature("i").domain is None
    assert s.feature("i").is_categorical is True
    assert s.feature("x").domain == FloatDomain(None, None, disallow_nan=True, disallow_inf=True)


# ---- floats ---------------------------------------------------------------------------------------
def test_float_range_and_nan_inf_flags(stats_of):
    s = _infer(stats_of, {
        "clean": pa.array([0.25, -3.5, 10.0, 2.0] * 5),
        "nan": pa.array([1.0, float("nan"), 2.0, 3.0] * 5),
        "inf": pa.array([1.0, float("inf"), 2.0, float("-inf")] * 5),
    })
    assert s.feature("clean").domain == FloatDomain(-3.5, 10.0, disallow_nan=True, disallow_inf=True)
    nan = s.feature("nan").domain
    assert nan == FloatDomain(1.0, 3.0, disallow_nan=False, disallow_inf=True)
    assert any("NaN" in n for n in s.feature("nan").notes)
    # training had +inf and -inf: both sides stay open (a finite bound would reject its own infinities)
    assert s.feature("inf").domain == FloatDomain(None, None, disallow_nan=True, disallow_inf=False)
    assert s.feature("clean").is_categorical is False


def test_all_nan_float_has_flags_but_no_bounds(stats_of):
    f = _infer(stats_of, {"x": pa.array([float("nan")] * 4)}).feature("x")
    assert f.domain == FloatDomain(None, None, disallow_nan=False, disallow_inf=True)


# ---- bool, timestamp, list ------------------------------------------------------------------------
def test_bool_gets_bool_domain(stats_of):
    f = _infer(stats_of, {"b": [True, False, True] * 5}).feature("b")
    assert f.type == FeatureType.BOOL
    assert f.domain == BoolDomain()


def test_timestamp_range_on_integer_representation(stats_of):
    stamps = ["2021-03-01T00:00:00", "2021-03-02T12:30:00.123456789", "2021-02-27T00:00:00"]
    times = pd.to_datetime(stamps * 4, format="ISO8601")
    col = pa.array(times.to_numpy(), pa.timestamp("ns"))
    f = _infer(stats_of, {"t": col}).feature("t")
    assert f.type == FeatureType.TIMESTAMP
    assert isinstance(f.domain, IntDomain)
    # statistics hold microseconds since the epoch (ns truncated toward the earlier microsecond)
    micros = [v // 1000 for v in col.cast(pa.int64()).to_pylist()]
    assert (f.domain.min, f.domain.max) == (min(micros), max(micros))
    note = next(n for n in f.notes if n.startswith("timestamp range"))
    assert "microseconds since 1970-01-01" in note and "2021-02-27" in note and "timestamp[ns]" in note


def test_date_column_range_in_days(stats_of):
    col = pa.array([dt.date(2020, 1, 1), dt.date(2020, 1, 11)] * 5, pa.date32())
    f = _infer(stats_of, {"d": col}).feature("d")
    assert f.type == FeatureType.TIMESTAMP
    day = 86_400_000_000
    assert f.domain == IntDomain(18262 * day, 18272 * day)  # midnights in microseconds since the epoch
    assert any("in microseconds" in n and "2020-01-11" in n for n in f.notes)


def test_list_feature_takes_element_type_and_value_count(stats_of):
    s = _infer(stats_of, {
        "nums": pa.array([[1.5, 2.0], [3.0], [], [4.0, 5.0, 6.0]] * 5, pa.list_(pa.float64())),
        "tags": pa.array([["a", "b"], ["a"], None, ["b", "c"]] * 5, pa.list_(pa.string())),
    })
    nums = s.feature("nums")
    assert nums.type == FeatureType.FLOAT
    assert nums.value_count == ValueCount(0, 3)
    assert nums.domain == FloatDomain(1.5, 6.0, disallow_nan=True, disallow_inf=True)
    tags = s.feature("tags")
    assert tags.type == FeatureType.STRING
    assert tags.value_count == ValueCount(1, 2)
    assert tags.domain == StringDomain(["a", "b", "c"])
    assert tags.presence == Presence(min_count=1)


def test_scalar_features_have_no_value_count(stats_of):
    assert _infer(stats_of, {"a": [1, 2]}).feature("a").value_count is None


# ---- label, environments, defaults ----------------------------------------------------------------
def test_label_is_not_in_serving(stats_of):
    s = _infer(stats_of, {"x": [1.0, 2.0], "y": [0, 1]}, label="y")
    assert s.default_environments == [TRAINING, SERVING]
    assert s.feature("y").not_in_environment == [SERVING]
    assert s.feature("x").not_in_environment == []
    assert s.feature("y").in_env(SERVING, s.default_environments) is False
    assert s.feature("y").in_env(TRAINING, s.default_environments) is True
    assert s.dataset_constraints.min_examples_count is None
    assert all(not f.skew_comparator.is_set and not f.drift_comparator.is_set for f in s.features)


def test_unknown_label_is_a_usage_error(stats_of):
    with pytest.raises(UsageError, match="'nope'"):
        _infer(stats_of, {"x": [1.0]}, label="nope")


def test_custom_environments(stats_of):
    s = _infer(stats_of, {"x": [1.0]}, environments=("A", "B", "C"))
    assert s.default_environments == ["A", "B", "C"]


def test_pandas_dataframe_input(stats_of):
    df = pd.DataFrame({
        "city": ["Paris", "Lyon", "Paris", "Nice"] * 10,
        "price": np.linspace(1.0, 2.0, N),
        "rooms": [1, 2, 3, 2] * 10,
        "promo": [True, False] * 20,
    })
    s = infer_schema(stats_of(df), label="price")
    assert [f.type for f in s.features] == [FeatureType.STRING, FeatureType.FLOAT, FeatureType.INT,
                                            FeatureType.BOOL]
    assert s.feature("city").domain == StringDomain(["Lyon", "Nice", "Paris"])
    assert s.feature("price").domain.min == 1.0 and s.feature("price").domain.max == 2.0
    assert s.feature("rooms").is_categorical


def test_with_default_thresholds(stats_of):
    s = _infer(stats_of, {
        "c": ["a", "b"] * 10,
        "k": pa.array([1, 2] * 10, pa.int64()),
        "i": pa.array(range(20), pa.int64()),
        "x": [0.5, 1.0] * 10,
        "b": [True, False] * 10,
        "raw": pa.array([b"a", b"b"] * 10),
    })
    s.feature("x").set_threshold(drift_js=0.3)
    out = with_default_thresholds(s, linf=0.2, js=0.05)
    assert not s.feature("c").drift_comparator.is_set  # input untouched
    for name in ("c", "k", "b"):
        f = out.feature(name)
        assert f.skew_comparator.infinity_norm_threshold == 0.2
        assert f.drift_comparator.infinity_norm_threshold == 0.2
        assert f.drift_comparator.jensen_shannon_divergence_threshold is None
    assert out.feature("i").drift_comparator.jensen_shannon_divergence_threshold == 0.05
    assert out.feature("i").skew_comparator.jensen_shannon_divergence_threshold == 0.05
    assert out.feature("x").drift_comparator.jensen_shannon_divergence_threshold == 0.3  # kept
    assert out.feature("x").skew_comparator.jensen_shannon_divergence_threshold == 0.05
    assert not out.feature("raw").drift_comparator.is_set
    again = with_default_thresholds(out, linf=0.5, js=0.5, overwrite=True)
    assert again.feature("x").drift_comparator.jensen_shannon_divergence_threshold == 0.5


def test_inferred_schema_round_trips(stats_of):
    times = pa.array([0, 10**18, 2 * 10**18], pa.timestamp("ns"))
    s = _infer(stats_of, {
        "c": ["NY", "ny ", "CA"] * 4,
        "n": pa.array([None, 1.25, 2.5] * 4),
        "t": pa.concat_arrays([times] * 4),
        "l": pa.array([[1, 2], [3]] * 6),
        "y": [0, 1, 1] * 4,
    }, label="y")
    s = with_default_thresholds(s)
    assert schema_from_json(schema_to_json(s)) == s
    assert schema_from_pbtxt(schema_to_pbtxt(s)) == s


def test_nan_free_float_bounds_are_finite(stats_of):
    f = _infer(stats_of, {"x": pa.array([1e308, -1e308])}).feature("x")
    assert math.isfinite(f.domain.min) and math.isfinite(f.domain.max)


def test_list_of_lists_and_all_null_list(stats_of):
    s = _infer(stats_of, {
        "nested": pa.array([[[1], [2, 3]], [[4]]] * 3, pa.list_(pa.list_(pa.int64()))),
        "empty": pa.array([None] * 6, pa.list_(pa.string())),
    })
    nested = s.feature("nested")
    assert nested.type == FeatureType.STRING and nested.value_count == ValueCount(1, 2)
    assert nested.domain is None and any("nested list" in n for n in nested.notes)
    empty = s.feature("empty")
    assert empty.type == FeatureType.STRING and empty.presence == Presence(min_count=0)
