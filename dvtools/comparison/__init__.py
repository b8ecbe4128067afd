"""Comparison of feature distributions between two datasets (skew and drift)."""

from dvtools.comparison.comparators import (
    POLICIES,
    Comparison,
    DriftVerdict,
    FeatureComparison,
    compare_statistics,
)
from dvtools.comparison.concept import ConceptShiftResult, ShiftVerdict, concept_shift
from dvtools.comparison.feature_skew import FeatureSkewResult, feature_skew
from dvtools.comparison.report import comparison_to_html, comparison_to_json, comparison_to_text
from dvtools.comparison.spans import SpanComparison, compare_spans, split_spans

__all__ = [
    "POLICIES",
    "Comparison",
    "ConceptShiftResult",
    "DriftVerdict",
    "FeatureComparison",
    "FeatureSkewResult",
    "ShiftVerdict",
    "SpanComparison",
    "compare_spans",
    "compare_statistics",
    "comparison_to_html",
    "comparison_to_json",
    "comparison_to_text",
    "concept_shift",
    "feature_skew",
    "split_spans",
]
