"""dvtools: data validation for machine-learning data.

Compute mergeable statistics of a training and a serving dataset, infer and edit a schema,
find anomalies, and measure skew and drift, from Python, the ``dvtools`` CLI or the dashboard::

    import dvtools as dv
    train = dv.compute_statistics("train.parquet")
    serve = dv.compute_statistics("serve.csv")
    schema = dv.infer_schema(train, label="label")
    anomalies = dv.validate_statistics(serve, schema, reference=train, environment="SERVING")
    comparison = dv.compare_statistics(train, serve)
"""

from __future__ import annotations

from dvtools._lazy import attach

__version__ = "0.1.0"

# name -> module: imported on first use, so `import dvtools` stays fast.
_API = {
    "DataLoadError": "dvtools.errors",
    "DvtoolsError": "dvtools.errors",
    "SchemaError": "dvtools.errors",
    "StatisticsFormatError": "dvtools.errors",
    "UsageError": "dvtools.errors",
    "open_source": "dvtools.io",
    "read_table": "dvtools.io",
    "compute_statistics": "dvtools.statistics",
    "DatasetStatistics": "dvtools.statistics",
    "FeatureStatistics": "dvtools.statistics",
    "LogicalType": "dvtools.statistics",
    "load_statistics": "dvtools.artifacts",
    "save_statistics": "dvtools.artifacts",
    "Schema": "dvtools.schema",
    "Feature": "dvtools.schema",
    "infer_schema": "dvtools.schema",
    "load_schema": "dvtools.schema",
    "save_schema": "dvtools.schema",
    "Anomaly": "dvtools.validation",
    "AnomalyType": "dvtools.validation",
    "Severity": "dvtools.validation",
    "Thresholds": "dvtools.validation",
    "validate_statistics": "dvtools.validation",
    "accept_anomaly": "dvtools.validation",
    "compare_statistics": "dvtools.comparison",
    "compare_spans": "dvtools.comparison",
    "feature_skew": "dvtools.comparison",
    "concept_shift": "dvtools.comparison",
    "group_report": "dvtools.fairness",
    "label_report": "dvtools.fairness",
}

__getattr__, _dir, _names = attach(__name__, _API)
__all__ = sorted([*_names, "__version__"])


def __dir__() -> list[str]:
    return __all__
