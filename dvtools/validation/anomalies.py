"""Anomalies: what validation finds, as frozen values (never exceptions).

Types use TFDV's ``AnomalyInfo.Type`` names where TFDV has one, so TFX users recognize them. Types
TFDV has no name for are ours and marked ``dvtools`` in :data:`OUR_TYPES` and in the docs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """ERROR fails a pipeline; WARNING is worth a look."""

    ERROR = "ERROR"
    WARNING = "WARNING"


class AnomalyType(StrEnum):
    """Kinds of anomaly (TFDV names first, then dvtools' own)."""

    SCHEMA_MISSING_COLUMN = "SCHEMA_MISSING_COLUMN"
    SCHEMA_NEW_COLUMN = "SCHEMA_NEW_COLUMN"
    FEATURE_TYPE_LOW_FRACTION_PRESENT = "FEATURE_TYPE_LOW_FRACTION_PRESENT"
    FEATURE_TYPE_LOW_NUMBER_PRESENT = "FEATURE_TYPE_LOW_NUMBER_PRESENT"
    FEATURE_TYPE_NOT_PRESENT = "FEATURE_TYPE_NOT_PRESENT"
    FEATURE_TYPE_LOW_NUMBER_VALUES = "FEATURE_TYPE_LOW_NUMBER_VALUES"
    FEATURE_TYPE_HIGH_NUMBER_VALUES = "FEATURE_TYPE_HIGH_NUMBER_VALUES"
    ENUM_TYPE_UNEXPECTED_STRING_VALUES = "ENUM_TYPE_UNEXPECTED_STRING_VALUES"
    INT_TYPE_BIG_INT = "INT_TYPE_BIG_INT"
    INT_TYPE_SMALL_INT = "INT_TYPE_SMALL_INT"
    FLOAT_TYPE_BIG_FLOAT = "FLOAT_TYPE_BIG_FLOAT"
    FLOAT_TYPE_SMALL_FLOAT = "FLOAT_TYPE_SMALL_FLOAT"
    FLOAT_TYPE_HAS_NAN = "FLOAT_TYPE_HAS_NAN"
    FLOAT_TYPE_HAS_INF = "FLOAT_TYPE_HAS_INF"
    UNEXPECTED_DATA_TYPE = "UNEXPECTED_DATA_TYPE"
    SCHEMA_TRAINING_SERVING_SKEW = "SCHEMA_TRAINING_SERVING_SKEW"
    COMPARATOR_L_INFTY_HIGH = "COMPARATOR_L_INFTY_HIGH"
    COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH = "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH"
    COMPARATOR_LOW_NUM_EXAMPLES = "COMPARATOR_LOW_NUM_EXAMPLES"
    COMPARATOR_HIGH_NUM_EXAMPLES = "COMPARATOR_HIGH_NUM_EXAMPLES"
    DATASET_LOW_NUM_EXAMPLES = "DATASET_LOW_NUM_EXAMPLES"
    # dvtools' own (TFDV has no name for these)
    MISSING_SHARE_INCREASE = "MISSING_SHARE_INCREASE"
    ZERO_AS_MISSING_MARKER = "ZERO_AS_MISSING_MARKER"
    CATEGORY_VARIANTS = "CATEGORY_VARIANTS"
    CONSTANT_COLUMN = "CONSTANT_COLUMN"
    ALL_NULL_COLUMN = "ALL_NULL_COLUMN"
    DISTRIBUTION_DRIFT = "DISTRIBUTION_DRIFT"
    DUPLICATE_IDENTIFIERS = "DUPLICATE_IDENTIFIERS"
    # groups and labels (dvtools.fairness)
    GROUP_UNDERREPRESENTED = "GROUP_UNDERREPRESENTED"
    GROUP_SHARE_CHANGED = "GROUP_SHARE_CHANGED"
    LABEL_RATE_DISPARITY = "LABEL_RATE_DISPARITY"
    GROUP_MISSING_DISPARITY = "GROUP_MISSING_DISPARITY"
    GROUP_DRIFT = "GROUP_DRIFT"
    LABEL_CONFLICT = "LABEL_CONFLICT"
    DUPLICATE_EXAMPLES = "DUPLICATE_EXAMPLES"
    DATASET_OVERLAP = "DATASET_OVERLAP"
    RATER_DISAGREEMENT = "RATER_DISAGREEMENT"


FAIRNESS_TYPES = frozenset({
    AnomalyType.GROUP_UNDERREPRESENTED,
    AnomalyType.GROUP_SHARE_CHANGED,
    AnomalyType.LABEL_RATE_DISPARITY,
    AnomalyType.GROUP_MISSING_DISPARITY,
    AnomalyType.GROUP_DRIFT,
    AnomalyType.LABEL_CONFLICT,
    AnomalyType.DUPLICATE_EXAMPLES,
    AnomalyType.DATASET_OVERLAP,
    AnomalyType.RATER_DISAGREEMENT,
})
"""Found by :mod:`dvtools.fairness` (``group_report``, ``label_report``), not by a per-feature check."""

OUR_TYPES = frozenset({
    AnomalyType.MISSING_SHARE_INCREASE,
    AnomalyType.ZERO_AS_MISSING_MARKER,
    AnomalyType.CATEGORY_VARIANTS,
    AnomalyType.CONSTANT_COLUMN,
    AnomalyType.ALL_NULL_COLUMN,
    AnomalyType.DISTRIBUTION_DRIFT,
    AnomalyType.DUPLICATE_IDENTIFIERS,
}) | FAIRNESS_TYPES


@dataclass(frozen=True)
class Anomaly:
    """One finding: which feature (None = the dataset), what, how bad, and the numbers behind it.

    ``observed`` and ``expected`` are the measured value and the limit it broke (a share, a count,
    a distance, a bound); ``details`` holds the rest (e.g. the unexpected values with their counts).
    """

    feature: str | None
    type: AnomalyType
    severity: Severity
    description: str
    observed: float | int | str | None = None
    expected: float | int | str | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_ours(self) -> bool:
        """True for anomaly types TFDV has no name for."""
        return self.type in OUR_TYPES

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's ``--format json`` contract)."""
        return {
            "feature": self.feature,
            "type": self.type.value,
            "severity": self.severity.value,
            "description": self.description,
            "observed": self.observed,
            "expected": self.expected,
            "details": self.details,
        }
