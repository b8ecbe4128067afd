"""Validation: statistics against a schema (and a reference) -> anomalies, accept, explanations."""

from dvtools._lazy import attach

# name -> module: imported on first use (see dvtools._lazy).
_API = {
    "CHECKS": "dvtools.validation.checks",
    "EXPLANATIONS": "dvtools.validation.explanations",
    "Anomaly": "dvtools.validation.anomalies",
    "AnomalyNotAcceptable": "dvtools.validation.accept",
    "AnomalyType": "dvtools.validation.anomalies",
    "CheckContext": "dvtools.validation.checks",
    "Explanation": "dvtools.validation.explanations",
    "FeatureThresholds": "dvtools.validation.thresholds",
    "Severity": "dvtools.validation.anomalies",
    "Thresholds": "dvtools.validation.thresholds",
    "accept_anomaly": "dvtools.validation.accept",
    "anomalies_table": "dvtools.validation.validate",
    "anomalies_to_json": "dvtools.validation.validate",
    "skew_anomalies": "dvtools.validation.skew",
    "validate_slices": "dvtools.validation.validate",
    "validate_statistics": "dvtools.validation.validate",
    "validate_with": "dvtools.validation.validate",
}

__getattr__, __dir__, __all__ = attach(__name__, _API)
