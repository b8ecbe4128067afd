"""Comparison of feature distributions between two datasets (skew and drift)."""

from dvtools._lazy import attach

# name -> module: imported on first use (see dvtools._lazy).
_API = {
    "POLICIES": "dvtools.comparison.comparators",
    "Comparison": "dvtools.comparison.comparators",
    "ConceptShiftResult": "dvtools.comparison.concept",
    "DriftVerdict": "dvtools.comparison.comparators",
    "FeatureComparison": "dvtools.comparison.comparators",
    "FeatureSkewResult": "dvtools.comparison.keyed_skew",
    "ShiftVerdict": "dvtools.comparison.concept",
    "SpanComparison": "dvtools.comparison.spans",
    "compare_spans": "dvtools.comparison.spans",
    "compare_statistics": "dvtools.comparison.comparators",
    "comparison_to_html": "dvtools.comparison.report",
    "comparison_to_json": "dvtools.comparison.report",
    "comparison_to_text": "dvtools.comparison.report",
    "concept_shift": "dvtools.comparison.concept",
    "feature_skew": "dvtools.comparison.keyed_skew",
    "split_spans": "dvtools.comparison.spans",
}

__getattr__, __dir__, __all__ = attach(__name__, _API)
