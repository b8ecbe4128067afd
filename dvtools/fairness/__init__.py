"""Fairness and labels: who is represented in the data, and how good the labels are.

:func:`group_report` (statistics per group: shares, label rates, missing values, drift within
groups) and :func:`label_report` (rows: label distribution and prior shift, conflicting labels,
duplicates and leakage, rater agreement).
"""

from dvtools.fairness.groups import FOUR_FIFTHS, GroupReport, GroupThresholds, group_report
from dvtools.fairness.labels import LabelReport, LabelThresholds, RaterAgreement, label_report

__all__ = ["FOUR_FIFTHS", "GroupReport", "GroupThresholds", "LabelReport", "LabelThresholds", "RaterAgreement",
           "group_report", "label_report"]
