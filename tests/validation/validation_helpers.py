"""Shared helpers for the validation tests: statistics from small frames, scenarios per anomaly type."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from dvtools.privacy import PiiConfig
from dvtools.schema.model import (
    DatasetConstraints,
    Feature,
    FeatureRole,
    FeatureType,
    FloatDomain,
    IntDomain,
    NumExamplesComparator,
    Presence,
    Schema,
    StringDomain,
    ValueCount,
)
from dvtools.statistics.engine import DatasetAccumulator
from dvtools.statistics.model import DatasetStatistics
from dvtools.validation import Anomaly, AnomalyType, Thresholds, validate_statistics

T = AnomalyType


def stats_of(data: pd.DataFrame | pa.Table | dict[str, Any]) -> DatasetStatistics:
    """Finalized statistics of a DataFrame, a Table or a dict of columns (no io needed)."""
    if isinstance(data, pd.DataFrame):
        table = pa.Table.from_pandas(data, preserve_index=False)
    elif isinstance(data, dict):
        table = pa.table(data)
    else:
        table = data
    acc = DatasetAccumulator(table.schema, pii=PiiConfig())
    acc.add_batch(table)
    return acc.finalize()


def types_of(anomalies: list[Anomaly], feature: str | None = "__any__") -> list[AnomalyType]:
    return [a.type for a in anomalies if feature == "__any__" or a.feature == feature]


#: Anomaly types the drift/skew engine produces (a reference with another distribution fires them).
DRIFT_TYPES = frozenset({AnomalyType.COMPARATOR_L_INFTY_HIGH, AnomalyType.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH,
                         AnomalyType.DISTRIBUTION_DRIFT})


def without_drift(anomalies: list[Anomaly]) -> list[Anomaly]:
    """The anomalies other than the engine's drift verdicts (for tests of the other checks)."""
    return [a for a in anomalies if a.type not in DRIFT_TYPES]


def only(anomalies: list[Anomaly], type_: AnomalyType) -> Anomaly:
    found = [a for a in anomalies if a.type == type_]
    assert len(found) == 1, f"expected one {type_}, got {anomalies}"
    return found[0]


@dataclass
class Scenario:
    """A schema, current and reference statistics and options for which ``type`` must fire."""

    type: AnomalyType
    feature: str | None
    schema: Schema | None
    current: DatasetStatistics
    reference: DatasetStatistics | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)

    def run(self, schema: Schema | None = None) -> list[Anomaly]:
        return validate_statistics(
            self.current,
            schema if schema is not None else self.schema,
            reference=self.reference,
            **self.kwargs,
        )


def _s(*features: Feature, **kw: Any) -> Schema:
    return Schema(list(features), **kw)


def _present(n: int, total: int, value: float = 1.0) -> list[float | None]:
    return [value] * n + [None] * (total - n)


def build_scenarios() -> dict[str, Callable[[], Scenario]]:
    """One firing scenario per anomaly type (and variant)."""
    sc: dict[str, Callable[[], Scenario]] = {}

    sc["missing_column"] = lambda: Scenario(
        T.SCHEMA_MISSING_COLUMN,
        "b",
        _s(Feature("a", FeatureType.INT), Feature("b", FeatureType.STRING)),
        stats_of(pd.DataFrame({"a": [1, 2, 3]})),
    )
    sc["new_column"] = lambda: Scenario(
        T.SCHEMA_NEW_COLUMN,
        "extra",
        _s(Feature("a", FeatureType.INT)),
        stats_of(pd.DataFrame({"a": [1, 2, 3], "extra": ["x", "y", None]})),
    )
    sc["low_fraction"] = lambda: Scenario(
        T.FEATURE_TYPE_LOW_FRACTION_PRESENT,
        "a",
        _s(Feature("a", FeatureType.FLOAT, presence=Presence(min_fraction=0.9))),
        stats_of(pd.DataFrame({"a": _present(890, 1000)})),
    )
    sc["low_number"] = lambda: Scenario(
        T.FEATURE_TYPE_LOW_NUMBER_PRESENT,
        "a",
        _s(Feature("a", FeatureType.FLOAT, presence=Presence(min_count=10))),
        stats_of(pd.DataFrame({"a": _present(9, 20)})),
    )
    sc["not_present"] = lambda: Scenario(
        T.FEATURE_TYPE_NOT_PRESENT,
        "a",
        _s(Feature("a", FeatureType.FLOAT, presence=Presence(min_count=1, min_fraction=0.5))),
        stats_of({"a": pa.array([None] * 10, pa.float64())}),
    )
    sc["low_values"] = lambda: Scenario(
        T.FEATURE_TYPE_LOW_NUMBER_VALUES,
        "l",
        _s(Feature("l", FeatureType.INT, value_count=ValueCount(1, 3))),
        stats_of({"l": pa.array([[1], [1, 2], [], [1, 2, 3]], pa.list_(pa.int64()))}),
    )
    sc["high_values"] = lambda: Scenario(
        T.FEATURE_TYPE_HIGH_NUMBER_VALUES,
        "l",
        _s(Feature("l", FeatureType.INT, value_count=ValueCount(1, 3))),
        stats_of({"l": pa.array([[1], [1, 2], [1, 2, 3, 4]], pa.list_(pa.int64()))}),
    )
    sc["enum"] = lambda: Scenario(
        T.ENUM_TYPE_UNEXPECTED_STRING_VALUES,
        "size",
        _s(Feature("size", FeatureType.STRING, domain=StringDomain(["S", "M", "L"]))),
        stats_of(pd.DataFrame({"size": ["S"] * 50 + ["M"] * 30 + ["XL"] * 12 + ["xs"] * 5 + ["XXL"] * 3})),
    )
    sc["big_int"] = lambda: Scenario(
        T.INT_TYPE_BIG_INT,
        "age",
        _s(Feature("age", FeatureType.INT, domain=IntDomain(0, 100))),
        stats_of(pd.DataFrame({"age": list(range(1, 100)) + [250]})),
    )
    sc["small_int"] = lambda: Scenario(
        T.INT_TYPE_SMALL_INT,
        "age",
        _s(Feature("age", FeatureType.INT, domain=IntDomain(0, 100))),
        stats_of(pd.DataFrame({"age": list(range(1, 100)) + [-1]})),
    )
    sc["big_float"] = lambda: Scenario(
        T.FLOAT_TYPE_BIG_FLOAT,
        "x",
        _s(Feature("x", FeatureType.FLOAT, domain=FloatDomain(0.0, 1.0))),
        stats_of(pd.DataFrame({"x": [0.1, 0.5, 0.9, 1.5]})),
    )
    sc["small_float"] = lambda: Scenario(
        T.FLOAT_TYPE_SMALL_FLOAT,
        "x",
        _s(Feature("x", FeatureType.FLOAT, domain=FloatDomain(0.0, 1.0))),
        stats_of(pd.DataFrame({"x": [-0.5, 0.5, 0.9, 1.0]})),
    )
    sc["nan"] = lambda: Scenario(
        T.FLOAT_TYPE_HAS_NAN,
        "x",
        _s(Feature("x", FeatureType.FLOAT, domain=FloatDomain(disallow_nan=True))),
        stats_of({"x": pa.array([1.0, float("nan"), 2.0], pa.float64(), from_pandas=False)}),
    )
    sc["inf"] = lambda: Scenario(
        T.FLOAT_TYPE_HAS_INF,
        "x",
        _s(Feature("x", FeatureType.FLOAT, domain=FloatDomain(disallow_inf=True))),
        stats_of({"x": pa.array([1.0, float("inf"), 2.0], pa.float64())}),
    )
    sc["type_int_float"] = lambda: Scenario(
        T.UNEXPECTED_DATA_TYPE,
        "n",
        _s(Feature("n", FeatureType.INT)),
        stats_of(pd.DataFrame({"n": [1.0, 2.0, None]})),
    )
    sc["type_reference"] = lambda: Scenario(
        T.UNEXPECTED_DATA_TYPE,
        "n",
        _s(Feature("n", FeatureType.FLOAT)),
        stats_of(pd.DataFrame({"n": [1.5, 2.0, 3.0]})),
        stats_of(pd.DataFrame({"n": [1, 2, 3]})),
    )
    sc["linf"] = lambda: Scenario(
        T.COMPARATOR_L_INFTY_HIGH,
        "city",
        _s(Feature("city", FeatureType.STRING).set_threshold(drift_linf=0.1)),
        stats_of(pd.DataFrame({"city": ["NY"] * 63 + ["CA"] * 90 + ["TX"] * 47})),
        stats_of(pd.DataFrame({"city": ["NY"] * 12 + ["CA"] * 50 + ["TX"] * 38})),
    )

    def js() -> Scenario:
        rng = np.random.default_rng(7)
        return Scenario(
            T.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH,
            "x",
            _s(Feature("x", FeatureType.FLOAT).set_threshold(drift_js=0.05)),
            stats_of(pd.DataFrame({"x": rng.normal(1.0, 1.0, 2000)})),
            stats_of(pd.DataFrame({"x": rng.normal(0.0, 1.0, 3000)})),
        )

    sc["js"] = js
    sc["low_num_examples"] = lambda: Scenario(
        T.COMPARATOR_LOW_NUM_EXAMPLES,
        None,
        _s(Feature("a", FeatureType.INT)),
        stats_of(pd.DataFrame({"a": range(49)})),
        stats_of(pd.DataFrame({"a": range(100)})),
        {"thresholds": Thresholds(min_examples_ratio=0.5)},
    )
    sc["high_num_examples"] = lambda: Scenario(
        T.COMPARATOR_HIGH_NUM_EXAMPLES,
        None,
        _s(
            Feature("a", FeatureType.INT),
            dataset_constraints=DatasetConstraints(
                num_examples_drift_comparator=NumExamplesComparator(max_fraction_threshold=2.0)
            ),
        ),
        stats_of(pd.DataFrame({"a": range(201)})),
        stats_of(pd.DataFrame({"a": range(100)})),
    )
    sc["dataset_low"] = lambda: Scenario(
        T.DATASET_LOW_NUM_EXAMPLES,
        None,
        _s(Feature("a", FeatureType.INT), dataset_constraints=DatasetConstraints(min_examples_count=100)),
        stats_of(pd.DataFrame({"a": range(99)})),
    )
    sc["missing_share"] = lambda: Scenario(
        T.MISSING_SHARE_INCREASE,
        "a",
        _s(Feature("a", FeatureType.FLOAT)),
        stats_of(pd.DataFrame({"a": _present(925, 1000)})),
        stats_of(pd.DataFrame({"a": _present(980, 1000)})),
    )
    sc["zero_marker"] = lambda: Scenario(
        T.ZERO_AS_MISSING_MARKER,
        "bp",
        _s(Feature("bp", FeatureType.FLOAT)),
        stats_of(pd.DataFrame({"bp": [0.0] * 21 + list(np.linspace(60, 180, 79))})),
        stats_of(pd.DataFrame({"bp": [0.0] + list(np.linspace(60, 180, 79)) + [None] * 20})),
    )
    sc["variants"] = lambda: Scenario(
        T.CATEGORY_VARIANTS,
        "state",
        _s(Feature("state", FeatureType.STRING)),
        stats_of(pd.DataFrame({"state": ["NY"] * 5 + ["ny "] * 2 + ["CA"] * 3})),
    )
    sc["constant"] = lambda: Scenario(
        T.CONSTANT_COLUMN,
        "c",
        _s(Feature("c", FeatureType.STRING)),
        stats_of(pd.DataFrame({"c": ["a"] * 10})),
        stats_of(pd.DataFrame({"c": ["a", "b"] * 5})),
    )
    sc["all_null"] = lambda: Scenario(
        T.ALL_NULL_COLUMN,
        "c",
        _s(Feature("c", FeatureType.FLOAT)),
        stats_of({"c": pa.array([None] * 10, pa.float64())}),
        stats_of(pd.DataFrame({"c": [1.0] * 10})),
    )
    sc["distribution_drift"] = lambda: Scenario(
        T.DISTRIBUTION_DRIFT,
        "city",
        _s(Feature("city", FeatureType.STRING)),
        stats_of(pd.DataFrame({"city": ["NY"] * 63 + ["CA"] * 90 + ["TX"] * 47})),
        stats_of(pd.DataFrame({"city": ["NY"] * 12 + ["CA"] * 50 + ["TX"] * 38})),
    )
    sc["duplicate_identifiers"] = lambda: Scenario(
        T.DUPLICATE_IDENTIFIERS,
        "id",
        _s(Feature("id", FeatureType.STRING, role=FeatureRole.IDENTIFIER)),
        stats_of(pd.DataFrame({"id": [f"s{i}" for i in range(40)] + ["s1", "s2"]})),
        stats_of(pd.DataFrame({"id": [f"t{i}" for i in range(50)]})),
    )
    sc["pii"] = lambda: Scenario(
        T.PII_DETECTED,
        "contact",
        _s(Feature("contact", FeatureType.STRING)),
        stats_of(pd.DataFrame({"contact": [f"person{i}@example.org" for i in range(30)]})),
    )
    return sc


SCENARIOS = build_scenarios()
