"""Mergeable statistics of datasets: compute, merge, serialize, export to TFDV."""

from dvtools.statistics.accumulators import make_accumulator
from dvtools.statistics.engine import DatasetAccumulator, SlicedAccumulator, compute_statistics
from dvtools.statistics.model import (
    QUANTILE_LEVELS,
    DatasetStatistics,
    FeatureStatistics,
    Histogram,
    LogicalType,
    NumericStatistics,
    StringStatistics,
    ValueCounts,
)
from dvtools.statistics.sketches import QuantileSketch, ValueCounter

__all__ = [
    "QUANTILE_LEVELS",
    "DatasetAccumulator",
    "DatasetStatistics",
    "FeatureStatistics",
    "Histogram",
    "LogicalType",
    "NumericStatistics",
    "QuantileSketch",
    "SlicedAccumulator",
    "StringStatistics",
    "ValueCounter",
    "ValueCounts",
    "compute_statistics",
    "make_accumulator",
]
