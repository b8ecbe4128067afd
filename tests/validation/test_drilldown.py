"""Drill-down in the library: one function gives the count and the first rows, against a pandas oracle."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from dvtools.schema import Feature, FeatureType, IntDomain
from dvtools.validation import Anomaly, AnomalyType, Severity
from dvtools.validation.drilldown import ROW_COLUMN, DrillDown, drilldown, drilldown_count, drilldown_rows


def _big(expected: int) -> Anomaly:
    return Anomaly("age", AnomalyType.INT_TYPE_BIG_INT, Severity.ERROR, "too big", observed=150, expected=expected)


def test_count_and_rows_agree_with_pandas():
    df = pd.DataFrame({"age": [10, 200, 30, 121, None, 500, 99], "name": list("abcdefg")})
    table = pa.Table.from_pandas(df, preserve_index=False)
    feature = Feature("age", FeatureType.INT, domain=IntDomain(0, 120))
    found = drilldown(table, _big(120), feature, limit=2)
    assert isinstance(found, DrillDown)
    oracle = df.index[df["age"] > 120].tolist()
    assert found.count == len(oracle) == drilldown_count(table, _big(120), feature)
    assert found.rows.column(ROW_COLUMN).to_pylist() == oracle[:2]
    assert found.rows.column_names == [ROW_COLUMN, "age", "name"]
    assert drilldown_rows(table, _big(120), feature, limit=10).num_rows == len(oracle)


def test_unsupported_anomaly_gives_none():
    table = pa.table({"age": [1, 2]})
    a = Anomaly(None, AnomalyType.DATASET_LOW_NUM_EXAMPLES, Severity.ERROR, "few", observed=2, expected=10)
    assert drilldown(table, a, None) is None
    assert drilldown_rows(table, a, None).num_rows == 0
    assert drilldown_count(table, a, None) is None
