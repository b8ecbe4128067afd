"""Validation: statistics against a schema (and a reference) -> anomalies, accept, explanations."""

from dvtools.validation.accept import AnomalyNotAcceptable, accept_anomaly
from dvtools.validation.anomalies import Anomaly, AnomalyType, Severity
from dvtools.validation.checks import CHECKS, CheckContext
from dvtools.validation.explanations import EXPLANATIONS, Explanation
from dvtools.validation.skew import skew_anomalies
from dvtools.validation.thresholds import FeatureThresholds, Thresholds
from dvtools.validation.validate import anomalies_table, anomalies_to_json, validate_statistics

__all__ = [
    "CHECKS",
    "EXPLANATIONS",
    "Anomaly",
    "AnomalyNotAcceptable",
    "AnomalyType",
    "CheckContext",
    "Explanation",
    "FeatureThresholds",
    "Severity",
    "Thresholds",
    "accept_anomaly",
    "anomalies_table",
    "anomalies_to_json",
    "skew_anomalies",
    "validate_statistics",
]
