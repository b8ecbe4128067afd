"""Each anomaly type: a pair of datasets that must raise it, and a near miss that must not."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from validation_helpers import SCENARIOS, T, only, stats_of, types_of, without_drift

from dvtools.errors import UsageError
from dvtools.schema.model import (
    BoolDomain,
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
)
from dvtools.statistics.model import ValueCounts
from dvtools.statistics.sketches import HLL_PRECISION, ValueCounter, _b64
from dvtools.validation import (
    CHECKS,
    AnomalyType,
    FeatureThresholds,
    Severity,
    Thresholds,
    validate_statistics,
)
from dvtools.validation.anomalies import FAIRNESS_TYPES
from dvtools.validation.checks import CheckContext


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_fires(name: str) -> None:
    sc = SCENARIOS[name]()
    anomalies = sc.run()
    assert sc.type in types_of(anomalies, sc.feature), anomalies
    a = only([a for a in anomalies if a.feature == sc.feature], sc.type)
    assert a.description
    assert a.severity in (Severity.ERROR, Severity.WARNING)


def test_every_type_has_a_scenario_and_a_check() -> None:
    produced = {t for c in CHECKS.values() for t in c.types}
    # SCHEMA_TRAINING_SERVING_SKEW is TFDV's; dvtools reports skew with the comparator types.
    # Group types come from dvtools.fairness.group_report (tested in tests/fairness).
    assert produced == set(AnomalyType) - {AnomalyType.SCHEMA_TRAINING_SERVING_SKEW} - FAIRNESS_TYPES
    assert {SCENARIOS[n]().type for n in SCENARIOS} == produced


def test_checks_are_callable_alone() -> None:
    cur = stats_of(pd.DataFrame({"a": [1.0, None]}))
    f = Feature("a", FeatureType.FLOAT, presence=Presence(min_fraction=0.9))
    ctx = CheckContext(feature="a", current=cur["a"], schema_feature=f, num_examples=2)
    assert [a.type for a in CHECKS["presence"](ctx)] == [T.FEATURE_TYPE_LOW_FRACTION_PRESENT]
    assert CHECKS["num_examples"].scope == "dataset"


# --------------------------------------------------------------------------- schema shape


def test_missing_column_near_miss_and_deprecated() -> None:
    schema = Schema([Feature("a", FeatureType.INT), Feature("b", FeatureType.STRING)])
    assert validate_statistics(stats_of(pd.DataFrame({"a": [1], "b": ["x"]})), schema) == []
    schema.feature("b").deprecate()
    assert validate_statistics(stats_of(pd.DataFrame({"a": [1]})), schema) == []
    a = only(SCENARIOS["missing_column"]().run(), T.SCHEMA_MISSING_COLUMN)
    assert a.severity == Severity.ERROR and a.feature == "b"


def test_new_column_severity_and_near_miss() -> None:
    sc = SCENARIOS["new_column"]()
    a = only(sc.run(), T.SCHEMA_NEW_COLUMN)
    assert a.severity == Severity.ERROR and "STRING" in a.description
    sc.schema.add_feature(Feature("extra", FeatureType.STRING))
    assert sc.run() == []


def test_deprecated_features_are_skipped_entirely() -> None:
    schema = Schema(
        [
            Feature(
                "a",
                FeatureType.INT,
                domain=IntDomain(0, 1),
                deprecated=True,
                presence=Presence(min_fraction=1.0),
            )
        ]
    )
    cur = stats_of(pd.DataFrame({"a": [5.5, None]}))
    assert validate_statistics(cur, schema) == []


# --------------------------------------------------------------------------- presence


@pytest.mark.parametrize(("present", "fires"), [(905, False), (900, False), (899, True), (890, True)])
def test_low_fraction_present_boundary(present: int, fires: bool) -> None:
    schema = Schema([Feature("a", FeatureType.FLOAT, presence=Presence(min_fraction=0.9))])
    cur = stats_of(pd.DataFrame({"a": [1.0] * present + [None] * (1000 - present)}))
    anomalies = validate_statistics(cur, schema)
    assert (T.FEATURE_TYPE_LOW_FRACTION_PRESENT in types_of(anomalies)) == fires
    if present == 890:
        a = anomalies[0]
        assert "89.0%" in a.description and "90.0%" in a.description
        assert a.observed == pytest.approx(0.89) and a.expected == 0.9


def test_low_fraction_description_shows_distinct_numbers() -> None:
    schema = Schema([Feature("a", FeatureType.FLOAT, presence=Presence(min_fraction=0.9))])
    cur = stats_of(pd.DataFrame({"a": [1.0] * 8999 + [None] * 1001}))
    a = only(validate_statistics(cur, schema), T.FEATURE_TYPE_LOW_FRACTION_PRESENT)
    assert "89.99%" in a.description and "90.00%" in a.description


def test_low_number_present_near_miss() -> None:
    schema = Schema([Feature("a", FeatureType.FLOAT, presence=Presence(min_count=10))])
    assert validate_statistics(stats_of(pd.DataFrame({"a": [1.0] * 10 + [None] * 10})), schema) == []


def test_not_present_supersedes_other_presence_findings() -> None:
    sc = SCENARIOS["not_present"]()
    anomalies = sc.run()
    assert types_of(anomalies) == [T.FEATURE_TYPE_NOT_PRESENT]
    # Not required and no reference: an all-null column is not an anomaly.
    schema = Schema([Feature("a", FeatureType.FLOAT)])
    assert validate_statistics(sc.current, schema) == []


@pytest.mark.parametrize(
    ("lists", "expected"),
    [
        ([[1], [1, 2], [1, 2, 3]], []),
        ([[1], [], [1, 2]], [T.FEATURE_TYPE_LOW_NUMBER_VALUES]),
        ([[1], [1, 2, 3, 4]], [T.FEATURE_TYPE_HIGH_NUMBER_VALUES]),
        ([[], [1, 2, 3, 4]], [T.FEATURE_TYPE_LOW_NUMBER_VALUES, T.FEATURE_TYPE_HIGH_NUMBER_VALUES]),
    ],
)
def test_value_count(lists: list[list[int]], expected: list[AnomalyType]) -> None:
    schema = Schema([Feature("l", FeatureType.INT, value_count=ValueCount(1, 3))])
    cur = stats_of({"l": pa.array(lists, pa.list_(pa.int64()))})
    assert types_of(validate_statistics(cur, schema)) == expected


def test_value_count_share_in_description() -> None:
    a = only(SCENARIOS["low_values"]().run(), T.FEATURE_TYPE_LOW_NUMBER_VALUES)
    assert "25.0%" in a.description and a.observed == 0 and a.expected == 1


# --------------------------------------------------------------------------- string domain


def test_unexpected_values_description_and_details() -> None:
    anomalies = SCENARIOS["enum"]().run()
    a = only(anomalies, T.ENUM_TYPE_UNEXPECTED_STRING_VALUES)
    assert a.severity == Severity.ERROR
    assert a.description == "3 unexpected values (20.0% of examples): 'XL' (12), 'xs' (5), 'XXL' (3)"
    assert a.details["unexpected"] == [["XL", 12], ["xs", 5], ["XXL", 3]]
    assert a.details["num_unexpected"] == 20 and a.details["share"] == pytest.approx(0.2)
    assert a.details["exact"] is True and a.details["truncated"] is False


def test_unexpected_values_near_miss() -> None:
    schema = Schema([Feature("size", FeatureType.STRING, domain=StringDomain(["S", "M", "L"]))])
    assert validate_statistics(stats_of(pd.DataFrame({"size": ["S", "M", "L", None]})), schema) == []


def test_unexpected_values_checks_every_distinct_value_and_truncates_details() -> None:
    values = [f"v{i:03d}" for i in range(120)]
    schema = Schema([Feature("s", FeatureType.STRING, domain=StringDomain(["ok"]))])
    cur = stats_of(pd.DataFrame({"s": ["ok"] * 1000 + values}))
    a = only(validate_statistics(cur, schema), T.ENUM_TYPE_UNEXPECTED_STRING_VALUES)
    assert a.details["num_unexpected_values"] == 120 and len(a.details["unexpected"]) == 50
    assert a.details["truncated"] is True
    assert "120 unexpected values" in a.description and "... and 115 more" in a.description


def test_unexpected_values_not_exact_says_so() -> None:
    schema = Schema([Feature("s", FeatureType.STRING, domain=StringDomain(["a"]))])
    cur = stats_of(pd.DataFrame({"s": ["a", "b"]}))
    hll = _b64(np.zeros(1 << HLL_PRECISION, dtype=np.uint8).tobytes())
    counter = ValueCounter.from_dict(
        {"values": ["a", "b"], "counts": [1, 1], "total": 2, "error_bound": 1, "hll": hll}, pa.string()
    )
    cur["s"].values = ValueCounts.from_counter(counter)
    a = only(validate_statistics(cur, schema), T.ENUM_TYPE_UNEXPECTED_STRING_VALUES)
    assert a.details["exact"] is False and "rare unexpected values may be missed" in a.description


def test_unexpected_values_in_list_feature() -> None:
    schema = Schema([Feature("tags", FeatureType.STRING, domain=StringDomain(["a", "b"]))])
    cur = stats_of({"tags": pa.array([["a", "b"], ["c"], ["a"]], pa.list_(pa.string()))})
    a = only(validate_statistics(cur, schema), T.ENUM_TYPE_UNEXPECTED_STRING_VALUES)
    assert "25.0% of values" in a.description


# --------------------------------------------------------------------------- ranges


def test_range_near_misses() -> None:
    schema = Schema(
        [
            Feature("age", FeatureType.INT, domain=IntDomain(0, 100)),
            Feature("x", FeatureType.FLOAT, domain=FloatDomain(0.0, 1.0)),
        ]
    )
    cur = stats_of(pd.DataFrame({"age": [0, 50, 100], "x": [0.0, 0.5, 1.0]}))
    assert validate_statistics(cur, schema) == []


def test_range_description_share_and_severity() -> None:
    a = only(SCENARIOS["big_int"]().run(), T.INT_TYPE_BIG_INT)
    assert a.severity == Severity.WARNING
    assert a.description == "max 250 is above the schema's max 100: 1.0% of values (1) are above"
    assert a.observed == 250 and a.expected == 100 and a.details["share"] == pytest.approx(0.01)
    b = only(SCENARIOS["small_float"]().run(), T.FLOAT_TYPE_SMALL_FLOAT)
    assert "min -0.5 is below the schema's min 0: 25.0% of values (1)" in b.description


@pytest.mark.parametrize(("outside", "fires"), [(1, False), (5, False), (6, True)])
def test_range_tolerance(outside: int, fires: bool) -> None:
    schema = Schema([Feature("x", FeatureType.FLOAT, domain=FloatDomain(0.0, 1.0))])
    cur = stats_of(pd.DataFrame({"x": [0.5] * (100 - outside) + [2.0] * outside}))
    anomalies = validate_statistics(cur, schema, thresholds=Thresholds(range_tolerance=0.05))
    assert (T.FLOAT_TYPE_BIG_FLOAT in types_of(anomalies)) == fires


def test_range_counts_infinity_outside() -> None:
    schema = Schema([Feature("x", FeatureType.FLOAT, domain=FloatDomain(0.0, 1.0))])
    cur = stats_of({"x": pa.array([0.5, float("inf")], pa.float64())})
    a = only(validate_statistics(cur, schema), T.FLOAT_TYPE_BIG_FLOAT)
    assert a.observed == math.inf and a.details["share"] == 0.5


def test_range_approximate_beyond_exact_limit() -> None:
    schema = Schema([Feature("x", FeatureType.FLOAT, domain=FloatDomain(0.0, 1.0))])
    x = np.concatenate([np.linspace(0, 1, 140_000), np.linspace(1.5, 2.0, 10_000)])
    a = only(validate_statistics(stats_of(pd.DataFrame({"x": x})), schema), T.FLOAT_TYPE_BIG_FLOAT)
    assert re.search(r"~6\.\d% of values \(~[\d,]+\)", a.description), a.description
    assert a.details["exact"] is False and a.details["share"] == pytest.approx(10_000 / 150_000, abs=0.01)


def test_nan_inf_allowed_by_default() -> None:
    for name in ("nan", "inf"):
        sc = SCENARIOS[name]()
        assert sc.run(Schema([Feature("x", FeatureType.FLOAT, domain=FloatDomain())])) == []
        a = only(sc.run(), sc.type)
        assert a.severity == Severity.ERROR and a.observed == 1


# --------------------------------------------------------------------------- types


def test_type_int_expected_float_found() -> None:
    a = only(SCENARIOS["type_int_float"]().run(), T.UNEXPECTED_DATA_TYPE)
    assert a.severity == Severity.ERROR and a.observed == "FLOAT" and a.expected == "INT"
    assert "ints became floats" in a.description


def test_type_numbers_as_strings_reports_numeric_like_share() -> None:
    schema = Schema([Feature("price", FeatureType.FLOAT)])
    cur = stats_of(pd.DataFrame({"price": ["$12.50", "$3.00", "1,200", "n/a"]}))
    a = only(validate_statistics(cur, schema), T.UNEXPECTED_DATA_TYPE)
    assert "75.0% of the values look numeric" in a.description and "'$12.50'" in a.description
    assert a.details["numeric_like_share"] == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("schema_type", "domain", "values", "fires"),
    [
        (FeatureType.FLOAT, None, [1, 2, 3], False),  # ints fit a float feature
        (FeatureType.INT, None, [True, False], False),  # bools are 0/1
        (FeatureType.BOOL, None, [0, 1, 1], False),  # 0/1 ints fit a bool feature
        (FeatureType.BOOL, None, [0, 1, 2], True),
        (FeatureType.BOOL, None, ["true", "False"], False),
        (FeatureType.BOOL, BoolDomain("yes", "no"), ["yes", "no"], False),
        (FeatureType.BOOL, BoolDomain("yes", "no"), ["yes", "maybe"], True),
        (FeatureType.STRING, None, [1, 2], True),  # codes read as numbers
        (FeatureType.INT, None, ["1", "2"], True),
        (FeatureType.TIMESTAMP, None, ["2024-01-01"], True),
        (FeatureType.FLOAT, None, [True, False], True),
    ],
)
def test_type_compatibility(schema_type: FeatureType, domain, values, fires: bool) -> None:  # noqa: ANN001
    schema = Schema([Feature("v", schema_type, domain=domain)])
    cur = stats_of(pd.DataFrame({"v": values}))
    assert (T.UNEXPECTED_DATA_TYPE in types_of(validate_statistics(cur, schema))) == fires


def test_type_change_against_reference() -> None:
    sc = SCENARIOS["type_reference"]()
    a = only(sc.run(), T.UNEXPECTED_DATA_TYPE)
    assert a.severity == Severity.WARNING and "from INT in the training data to FLOAT" in a.description
    b = only(validate_statistics(sc.current, None, reference=sc.reference), T.UNEXPECTED_DATA_TYPE)
    assert b.severity == Severity.ERROR
    same = stats_of(pd.DataFrame({"n": [4.0, 5.0]}))
    assert without_drift(validate_statistics(same, sc.schema, reference=sc.current)) == []


def test_all_null_column_has_no_type_anomaly() -> None:
    schema = Schema([Feature("v", FeatureType.INT)])
    cur = stats_of(pd.DataFrame({"v": [None, None]}))
    assert validate_statistics(cur, schema) == []


# --------------------------------------------------------------------------- distributions


def test_linf_near_miss_and_threshold_sources() -> None:
    sc = SCENARIOS["linf"]()
    a = only(sc.run(), T.COMPARATOR_L_INFTY_HIGH)
    assert a.details["threshold_source"] == "schema" and a.expected == 0.1
    sc.schema.feature("city").set_threshold(drift_linf=0.2)
    assert sc.run() == []
    # A per-feature override beats the schema; the global default does not.
    over = Thresholds(linf=0.01, per_feature={"city": FeatureThresholds(linf=0.15)})
    b = only(
        validate_statistics(sc.current, sc.schema, reference=sc.reference, thresholds=over),
        T.COMPARATOR_L_INFTY_HIGH,
    )
    assert b.details["threshold_source"] == "override" and b.expected == 0.15
    assert validate_statistics(sc.current, sc.schema, reference=sc.reference, thresholds=Thresholds(linf=0.01)) == []
    # No threshold in the schema: the policy decides (a chi-square test on this small reference) ...
    sc.schema.feature("city").drift_comparator.infinity_norm_threshold = None
    p = only(sc.run(), T.DISTRIBUTION_DRIFT)
    assert p.details["threshold_source"] == "policy" and p.details["method"] == "chi_square"
    # ... unless a global threshold says otherwise.
    c = only(
        validate_statistics(sc.current, sc.schema, reference=sc.reference, thresholds=Thresholds(linf=0.1)),
        T.COMPARATOR_L_INFTY_HIGH,
    )
    assert c.details["threshold_source"] == "global"


def test_skew_comparator_uses_skew_thresholds() -> None:
    sc = SCENARIOS["linf"]()
    f = sc.schema.feature("city")
    f.drift_comparator.infinity_norm_threshold = None
    f.set_threshold(skew_linf=0.1)
    assert T.COMPARATOR_L_INFTY_HIGH not in types_of(sc.run())  # drift: the policy decides
    a = only(
        validate_statistics(sc.current, sc.schema, reference=sc.reference, comparator="skew"),
        T.COMPARATOR_L_INFTY_HIGH,
    )
    assert "skew threshold" in a.description and a.details["comparator"] == "skew"
    with pytest.raises(UsageError):
        validate_statistics(sc.current, sc.schema, comparator="other")  # type: ignore[arg-type]


def test_categorical_int_feature_uses_linf() -> None:
    schema = Schema([Feature("code", FeatureType.INT, is_categorical=True)])
    ref = stats_of(pd.DataFrame({"code": [1] * 50 + [2] * 50}))
    cur = stats_of(pd.DataFrame({"code": [1] * 80 + [2] * 20}))
    a = only(
        validate_statistics(cur, schema, reference=ref, thresholds=Thresholds(linf=0.1, js=1.0)),
        T.COMPARATOR_L_INFTY_HIGH,
    )
    assert a.observed == pytest.approx(0.3)
    assert "1: 50.0% -> 80.0%" in a.description


def test_js_near_miss() -> None:
    sc = SCENARIOS["js"]()
    a = only(sc.run(), T.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH)
    sc.schema.feature("x").set_threshold(drift_js=min(a.observed + 1e-6, 1.0))
    assert sc.run() == []


# --------------------------------------------------------------------------- number of examples


@pytest.mark.parametrize(("n", "fires"), [(49, True), (50, False), (200, False)])
def test_low_num_examples_ratio(n: int, fires: bool) -> None:
    ref = stats_of(pd.DataFrame({"a": range(100)}))
    cur = stats_of(pd.DataFrame({"a": range(n)}))
    schema = Schema([Feature("a", FeatureType.INT)])
    anomalies = validate_statistics(cur, schema, reference=ref, thresholds=Thresholds(min_examples_ratio=0.5))
    assert (T.COMPARATOR_LOW_NUM_EXAMPLES in types_of(anomalies, None)) == fires


def test_num_examples_schema_beats_thresholds() -> None:
    ref = stats_of(pd.DataFrame({"a": range(100)}))
    cur = stats_of(pd.DataFrame({"a": range(45)}))
    schema = Schema(
        [Feature("a", FeatureType.INT)],
        dataset_constraints=DatasetConstraints(
            num_examples_drift_comparator=NumExamplesComparator(min_fraction_threshold=0.4)
        ),
    )
    found = validate_statistics(cur, schema, reference=ref, thresholds=Thresholds(min_examples_ratio=0.5))
    assert without_drift(found) == []


def test_high_num_examples_near_miss_and_dataset_low() -> None:
    sc = SCENARIOS["high_num_examples"]()
    cur = stats_of(pd.DataFrame({"a": range(200)}))
    assert without_drift(validate_statistics(cur, sc.schema, reference=sc.reference)) == []
    sc = SCENARIOS["dataset_low"]()
    assert validate_statistics(stats_of(pd.DataFrame({"a": range(100)})), sc.schema) == []
    a = only(sc.run(), T.DATASET_LOW_NUM_EXAMPLES)
    assert a.feature is None and a.observed == 99 and a.expected == 100


# --------------------------------------------------------------------------- ours


@pytest.mark.parametrize(("present", "fires"), [(925, True), (935, False)])
def test_missing_share_increase(present: int, fires: bool) -> None:
    sc = SCENARIOS["missing_share"]()
    cur = stats_of(pd.DataFrame({"a": [1.0] * present + [None] * (1000 - present)}))
    anomalies = validate_statistics(cur, sc.schema, reference=sc.reference)
    assert (T.MISSING_SHARE_INCREASE in types_of(anomalies)) == fires
    if fires:
        assert "from 2.0% to 7.5%" in anomalies[0].description
        tol = Thresholds(per_feature={"a": FeatureThresholds(missing_share_tolerance=0.1)})
        assert validate_statistics(cur, sc.schema, reference=sc.reference, thresholds=tol) == []


def test_missing_share_superseded_by_low_fraction() -> None:
    sc = SCENARIOS["missing_share"]()
    sc.schema.feature("a").set_presence(min_fraction=0.95)
    assert types_of(sc.run()) == [T.FEATURE_TYPE_LOW_FRACTION_PRESENT]


def test_zero_marker_with_reference_near_miss() -> None:
    sc = SCENARIOS["zero_marker"]()
    a = only(sc.run(), T.ZERO_AS_MISSING_MARKER)
    assert "0 may be standing in for missing values" in a.description
    cur = stats_of(pd.DataFrame({"bp": [0.0] * 8 + list(np.linspace(60, 180, 92))}))
    assert T.ZERO_AS_MISSING_MARKER not in types_of(validate_statistics(cur, sc.schema, reference=sc.reference))


@pytest.mark.parametrize(
    ("values", "fires"),
    [
        ([0] * 15 + list(range(18, 103)), True),  # ages with 0 for unknown
        ([0] * 5 + list(range(18, 113)), False),  # too few zeros
        ([0] * 30 + [1, 2, 3, 4, 5] * 14, False),  # counts: 0 is a genuine value
        ([0.0] * 15 + list(np.linspace(0.01, 100, 85)), False),  # no gap between 0 and the values
        ([0] * 15 + list(range(-50, 35)), False),  # both signs
    ],
)
def test_zero_marker_without_reference(values: list[float], fires: bool) -> None:
    cur = stats_of(pd.DataFrame({"v": values}))
    assert (T.ZERO_AS_MISSING_MARKER in types_of(validate_statistics(cur, None))) == fires


def test_category_variants_rules() -> None:
    a = only(SCENARIOS["variants"]().run(), T.CATEGORY_VARIANTS)
    assert a.description == "1 group of values differs only by case or whitespace: 'NY' (5) / 'ny ' (2)"
    assert validate_statistics(stats_of(pd.DataFrame({"state": ["NY", "NJ"]})), None) == []
    schema = Schema([Feature("state", FeatureType.STRING, domain=StringDomain(["NY", "CA"]))])
    b = only(validate_statistics(stats_of(pd.DataFrame({"state": ["ny", "CA"]})), schema), T.CATEGORY_VARIANTS)
    assert "'NY' (schema)" in b.description
    schema.feature("state").domain.values.append("ny")  # both spellings allowed on purpose
    assert validate_statistics(stats_of(pd.DataFrame({"state": ["ny", "NY"]})), schema) == []


def test_constant_column_near_miss() -> None:
    sc = SCENARIOS["constant"]()
    a = only(sc.run(), T.CONSTANT_COLUMN)
    assert a.description == "every value is 'a' (10 values) while the training data had 2 distinct values"
    assert validate_statistics(stats_of(pd.DataFrame({"c": ["a", "b"]})), sc.schema, reference=sc.reference) == []
    floats_ref = stats_of(pd.DataFrame({"f": [1.0, 2.5]}))
    floats_cur = stats_of(pd.DataFrame({"f": [2.5, 2.5, 2.5]}))
    b = only(validate_statistics(floats_cur, None, reference=floats_ref), T.CONSTANT_COLUMN)
    assert "every value is 2.5" in b.description and "several" in b.description


def test_all_null_column_rules() -> None:
    sc = SCENARIOS["all_null"]()
    # No MISSING_SHARE_INCREASE on top; the engine reports the one-sided distribution as drift.
    assert types_of(sc.run()) == [T.DISTRIBUTION_DRIFT, T.ALL_NULL_COLUMN]
    assert sc.run()[0].severity == Severity.ERROR
    assert validate_statistics(sc.current, sc.schema) == []  # no reference, not required


def test_category_variants_large_vocabulary_path() -> None:
    values = [f"id{i}" for i in range(3000)] + ["New York", "new york ", "new  york"]
    a = only(validate_statistics(stats_of(pd.DataFrame({"s": values})), None), T.CATEGORY_VARIANTS)
    assert a.details["keys"] == ["new york"]
    assert sorted(m["value"] for m in a.details["groups"][0]) == ["New York", "new york "]


def test_numbers_with_units_as_strings() -> None:
    schema = Schema([Feature("elevation_ft", FeatureType.INT)])
    cur = stats_of(pd.DataFrame({"elevation_ft": ["1,300 ft", "98 ft", "120 ft", "unknown"]}))
    a = only(validate_statistics(cur, schema), T.UNEXPECTED_DATA_TYPE)
    assert "75.0% of the values look numeric (e.g. '1,300 ft', '120 ft', '98 ft')" in a.description
    words = stats_of(pd.DataFrame({"elevation_ft": ["high", "low"]}))
    b = only(validate_statistics(words, schema), T.UNEXPECTED_DATA_TYPE)
    assert "0.0% of the values look numeric" in b.description and "stored as text" not in b.description


def test_timestamps_are_described_as_dates() -> None:
    day = 86_400_000_000  # microseconds
    schema = Schema([Feature("t", FeatureType.TIMESTAMP, domain=IntDomain(0, 10 * day))])
    cur = stats_of({"t": pa.array([day, 20 * day], pa.timestamp("us"))})
    a = only(validate_statistics(cur, schema), T.INT_TYPE_BIG_INT)
    assert a.description.startswith("max 1970-01-21 is above the schema's max 1970-01-11: 50.0% of values")


def test_tiny_shares_keep_significant_digits() -> None:
    schema = Schema([Feature("x", FeatureType.FLOAT, domain=FloatDomain(0.0, 1.0))])
    cur = stats_of(pd.DataFrame({"x": [0.5] * 7999 + [2.0]}))
    a = only(validate_statistics(cur, schema), T.FLOAT_TYPE_BIG_FLOAT)
    assert "0.013% of values (1)" in a.description


@pytest.mark.parametrize("values", [
    [-(2**63), 2**63 - 1, 0],  # int64 extremes
    [1_700_000_000_123_456_789, 1_700_000_000_123_456_001, 1_712_345_678_901_234_567],  # ns epochs
    [2**53 + 1, 2**60 + 3, -(2**55) - 7],
])
def test_big_ints_validate_clean_against_their_own_schema(values: list[int]) -> None:
    """Regression: exact int bounds compared with float64 min/max gave false SMALL_INT/BIG_INT."""
    from dvtools.schema.inference import infer_schema

    for data in (values, values * 30_000):  # exact values, then counted beyond the exact limits
        stats = stats_of({"x": pa.array(data, pa.int64())})
        schema = infer_schema(stats)
        assert validate_statistics(stats, schema) == []


def test_float_with_infinities_validates_clean_against_its_own_schema() -> None:
    """Regression: inference kept a finite max although training had +inf: inf counted as out of range."""
    from dvtools.schema.inference import infer_schema

    stats = stats_of({"x": pa.array([1.0, 2.5, math.inf, -math.inf, 1e308, -3.0])})
    schema = infer_schema(stats)
    dom = schema.feature("x").domain
    assert (dom.min, dom.max, dom.disallow_inf) == (None, None, False)
    assert validate_statistics(stats, schema) == []
    only_pos = stats_of({"x": pa.array([1.0, 2.5, math.inf])})
    dom = infer_schema(only_pos).feature("x").domain
    assert (dom.min, dom.max) == (1.0, None)
    assert validate_statistics(only_pos, infer_schema(only_pos)) == []
