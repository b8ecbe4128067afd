"""The curated public API: every exported name resolves, and the README's example runs."""

from __future__ import annotations

import re
from pathlib import Path

import dvtools

EXPECTED = {
    "Anomaly", "AnomalyType", "DataLoadError", "DatasetStatistics", "DvtoolsError", "Feature", "FeatureStatistics",
    "LogicalType", "Schema", "SchemaError", "Severity", "StatisticsFormatError", "Thresholds", "UsageError",
    "__version__", "accept_anomaly", "compare_spans", "compare_statistics", "compute_statistics", "concept_shift",
    "feature_skew", "group_report", "infer_schema", "label_report", "load_schema", "load_statistics", "open_source",
    "read_table", "save_schema",
    "save_statistics", "validate_statistics",
}


def test_public_api_is_pinned_and_resolves():
    assert set(dvtools.__all__) == EXPECTED
    for name in dvtools.__all__:
        assert getattr(dvtools, name) is not None


def test_readme_python_example_runs(tmp_path, monkeypatch):
    import pandas as pd

    from dvtools.demo import write_demo

    t, _ = write_demo(str(tmp_path))  # writes train.csv and serving.csv
    pd.read_csv(t).to_parquet(tmp_path / "train.parquet")  # the example reads train.parquet
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    code = re.search(r"## Python API\s+```python\n(.*?)```", readme, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - our own documentation
    anomalies = scope["anomalies"]
    assert any(a.type.value == "ENUM_TYPE_UNEXPECTED_STRING_VALUES" and a.feature == "device_os" for a in anomalies)
    assert scope["comparison"].drift_share > 0
