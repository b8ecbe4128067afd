"""anomaly_view: anomaly tables and filters, accept check, drill-down rows, drift re-evaluation."""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa
import pytest

from dvtools.comparison import compare_statistics
from dvtools.errors import UsageError
from dvtools.schema import Feature, FeatureType, FloatDomain, IntDomain, Schema, StringDomain, infer_schema
from dvtools.statistics.engine import compute_statistics
from dvtools.ui import anomaly_view as av
from dvtools.ui import drift_view as dv
from dvtools.validation import Anomaly, AnomalyType, Severity, Thresholds, accept_anomaly, validate_statistics
from dvtools.validation import drilldown as dd

T = AnomalyType

DAY_US = 86_400_000_000  # a day in microseconds: the unit of date/timestamp statistics and schema ranges

TABLE = pa.table({
    "id": [0, 1, 2, 3, 4, 5, 6, 7],
    "os": ["iOS 17", "iOS 18", None, "Android 14", "Android 15", "iOS 17", "ios 17 ", "iOS 18"],
    "age": pa.array([30, 150, 45, None, 17, 70, 71, 18], pa.int64()),
    "hr": [150.0, 0.0, float("nan"), float("inf"), None, 0.0, 120.0, -float("inf")],
    "elev": ["100", "1,300 ft", None, " 12.5 ", "-3", "n/a", "7e2", "12 ft"],
    "day": pa.array([19875, 19900, 19910, 19870, None, 19902, 19903, 19875], pa.int32()).cast(pa.date32()),
    "tags": pa.array([["a"], ["a", "zz"], [], None, ["b"], ["zz", "zz"], ["a", "b"], ["c"]]),
})
SCHEMA = Schema([
    Feature("id", FeatureType.INT),
    Feature("os", FeatureType.STRING, domain=StringDomain(["iOS 17", "Android 14"])),
    Feature("age", FeatureType.INT, domain=IntDomain(18, 70)),
    Feature("hr", FeatureType.FLOAT, domain=FloatDomain(50.0, 220.0, disallow_nan=True, disallow_inf=True)),
    Feature("elev", FeatureType.INT),
    Feature("day", FeatureType.TIMESTAMP, domain=IntDomain(19875 * DAY_US, 19902 * DAY_US)),  # microseconds
    Feature("tags", FeatureType.STRING, domain=StringDomain(["a", "b"])),
])


def _a(feature: str | None, type_: T, observed=None, expected=None, **details) -> Anomaly:
    return Anomaly(feature, type_, Severity.ERROR, "d", observed, expected, details)


def _ids(a: Anomaly) -> list[int]:
    rows = dd.drilldown_rows(TABLE, a, SCHEMA.get(a.feature) if a.feature else None, limit=100)
    assert rows.column_names[:2] == ["row", a.feature]
    assert rows.column("row").to_pylist() == rows.column("id").to_pylist()
    assert dd.drilldown_count(TABLE, a, SCHEMA.get(a.feature)) == rows.num_rows
    return rows.column("id").to_pylist()


# ---- drill-down ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("anomaly", "expected"), [
    (_a("os", T.ENUM_TYPE_UNEXPECTED_STRING_VALUES, unexpected=[["iOS 18", 2]]), [1, 4, 6, 7]),
    (_a("os", T.CATEGORY_VARIANTS, groups=[[{"value": "iOS 17", "count": 2, "in_domain": True},
                                            {"value": "ios 17 ", "count": 1, "in_domain": False}]]), [6]),
    (_a("os", T.FEATURE_TYPE_LOW_FRACTION_PRESENT, 0.875, 1.0), [2]),
    (_a("os", T.MISSING_SHARE_INCREASE, 0.125, 0.05), [2]),
    (_a("age", T.INT_TYPE_BIG_INT, 150, 70), [1, 6]),
    (_a("age", T.INT_TYPE_SMALL_INT, 17, 18), [4]),
    (_a("hr", T.FLOAT_TYPE_SMALL_FLOAT, -math.inf, 50.0), [1, 5, 7]),
    (_a("hr", T.FLOAT_TYPE_BIG_FLOAT, math.inf, 220.0), [3]),
    (_a("hr", T.FLOAT_TYPE_HAS_NAN, 1, 0), [2]),
    (_a("hr", T.FLOAT_TYPE_HAS_INF, 2, 0), [3, 7]),
    (_a("hr", T.ZERO_AS_MISSING_MARKER, 0.3, 0.0), [1, 5]),
    (_a("elev", T.UNEXPECTED_DATA_TYPE, "STRING", "INT", expected_type="INT", source="schema"), [1, 5, 7]),
    (_a("day", T.INT_TYPE_BIG_INT, 19910 * DAY_US, 19902 * DAY_US), [2, 6]),
    (_a("day", T.INT_TYPE_SMALL_INT, 19870 * DAY_US, 19875 * DAY_US), [3]),
    (_a("tags", T.ENUM_TYPE_UNEXPECTED_STRING_VALUES, unexpected=[["zz", 3], ["c", 1]]), [1, 5, 7]),
])
def test_drilldown_returns_exactly_the_offending_rows(anomaly, expected):
    assert dd.supports_drilldown(anomaly)
    assert _ids(anomaly) == expected


def test_drilldown_limit_and_unsupported():
    a = _a("age", T.INT_TYPE_BIG_INT, 150, 70)
    assert dd.drilldown_rows(TABLE, a, SCHEMA.get("age"), limit=1).column("id").to_pylist() == [1]
    for b in (_a("age", T.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH, 0.5, 0.1), _a(None, T.DATASET_LOW_NUM_EXAMPLES),
              _a("missing_column", T.INT_TYPE_BIG_INT, 1, 0)):
        assert dd.drilldown_mask(TABLE, b, None) is None
        assert dd.drilldown_rows(TABLE, b, None).num_rows == 0


def test_drilldown_without_a_schema_domain_uses_the_anomaly():
    a = _a("os", T.ENUM_TYPE_UNEXPECTED_STRING_VALUES, unexpected=[["iOS 18", 2], ["Android 15", 1]])
    assert dd.drilldown_rows(TABLE, a, None).column("id").to_pylist() == [1, 4, 7]
    b = _a("age", T.INT_TYPE_BIG_INT, 150, 70)
    assert dd.drilldown_rows(TABLE, b, None).column("id").to_pylist() == [1, 6]


def test_drilldown_keeps_a_column_called_row():
    t = TABLE.append_column("row", pa.array(["x"] * TABLE.num_rows))
    rows = dd.drilldown_rows(t, _a("age", T.INT_TYPE_SMALL_INT, 17, 18), SCHEMA.get("age"))
    assert rows.column_names[:2] == ["_row", "age"] and rows.column("row").to_pylist() == ["x"]


def test_drilldown_on_the_demo_matches_the_anomaly_counts():
    from dvtools.demo import demo_csv_bytes
    from dvtools.io import read_table

    train, serve = demo_csv_bytes()
    ref, cur = compute_statistics(train, name="t.csv"), compute_statistics(serve, name="s.csv")
    schema = infer_schema(ref, label="completed")
    table = read_table(serve, name="s.csv")
    found = validate_statistics(cur, schema, reference=ref, environment="SERVING",
                                thresholds=Thresholds(linf=0.1, js=0.1))
    checked = 0
    for a in found:
        n = dd.drilldown_count(table, a, schema.get(a.feature) if a.feature else None)
        if a.type == T.ENUM_TYPE_UNEXPECTED_STRING_VALUES:
            assert n == a.details["num_unexpected"]
            checked += 1
        elif a.type in (T.INT_TYPE_BIG_INT, T.FLOAT_TYPE_SMALL_FLOAT, T.FLOAT_TYPE_HAS_INF):
            expected = a.details.get("num_outside", a.observed)
            assert n == round(float(expected))
            checked += 1
        elif a.type == T.UNEXPECTED_DATA_TYPE:
            assert n == table.num_rows  # every "1,300 ft" string
            checked += 1
    assert checked >= 6


# ---- anomaly rows, filters, keys, accept ---------------------------------------------------------

ANOMALIES = [
    Anomaly("os", T.ENUM_TYPE_UNEXPECTED_STRING_VALUES, Severity.ERROR, "2 unexpected values", 2, 0,
            {"unexpected": [["iOS 18", 2], ["<b>x</b>", 1]], "share": 0.25}),
    Anomaly(None, T.COMPARATOR_LOW_NUM_EXAMPLES, Severity.ERROR, "too few", 0.4, 0.5, {}),
    Anomaly("<img src=x onerror=alert(1)>", T.CONSTANT_COLUMN, Severity.WARNING, "constant", 1, 3, {"value": "road"}),
    Anomaly("hr", T.FLOAT_TYPE_SMALL_FLOAT, Severity.WARNING, "below", 0.0, 102.0, {"share": 0.3}),
]


def test_anomaly_rows_and_summary():
    df = av.anomaly_rows(ANOMALIES)
    assert list(df.columns) == ["index", "severity", "feature", "type", "description", "observed", "expected",
                                "details"]
    assert list(df["feature"]) == ["os", "(dataset)", "<img src=x onerror=alert(1)>", "hr"]
    assert list(df["observed"]) == ["2", "0.4", "1", "0"]
    assert "iOS 18" in df.loc[0, "details"]
    s = av.count_summary(ANOMALIES)
    assert (s["total"], s["errors"], s["warnings"], s["features"]) == (4, 2, 2, 3)
    assert av.count_summary([])["by_type"] == {}


def test_filters():
    pick = av.filter_anomalies
    assert [i for i, _ in pick(ANOMALIES)] == [0, 1, 2, 3]
    assert [i for i, _ in pick(ANOMALIES, severities=["WARNING"])] == [2, 3]
    assert [i for i, _ in pick(ANOMALIES, types=["CONSTANT_COLUMN", "COMPARATOR_LOW_NUM_EXAMPLES"])] == [1, 2]
    assert [i for i, _ in pick(ANOMALIES, features=["(dataset)", "hr"], severities=["ERROR"])] == [1]


def test_keys_are_stable_and_distinct():
    keys = [av.anomaly_key(a) for a in ANOMALIES]
    assert keys[0] == "accept:ENUM_TYPE_UNEXPECTED_STRING_VALUES:os"
    assert keys[1] == "accept:COMPARATOR_LOW_NUM_EXAMPLES:"
    assert len(set(keys)) == len(keys)


def test_details():
    items = dict(av.details_items(ANOMALIES[0]))
    assert items == {"share": "25.00%"}
    tables = av.details_tables(ANOMALIES[0])
    assert tables["unexpected"].to_dict("records") == [{"value": "iOS 18", "count": 2}, {"value": "<b>x</b>", "count": 1}]


def test_acceptable_matches_accept_anomaly_on_the_demo():
    from dvtools.demo import demo_frames

    train, serve = demo_frames()
    ref, cur = compute_statistics(train), compute_statistics(serve)
    schema = infer_schema(ref, label="completed")
    found = validate_statistics(cur, schema, reference=ref, environment="SERVING",
                                thresholds=Thresholds(linf=0.1, js=0.1, min_examples_ratio=0.5))
    assert any(a.type == T.COMPARATOR_LOW_NUM_EXAMPLES for a in found)
    for a in found:
        try:
            accept_anomaly(schema, a, current=cur)
            ok = True
        except ValueError:
            ok = False
        assert av.acceptable(schema, a) == ok, a


def test_not_acceptable():
    s = SCHEMA
    assert not av.acceptable(None, ANOMALIES[0])
    assert not av.acceptable(s, _a("nope", T.INT_TYPE_BIG_INT, 1, 0))
    assert not av.acceptable(s, _a("id", T.INT_TYPE_BIG_INT, 1, 0))  # no range to widen
    assert not av.acceptable(s, _a("os", T.COMPARATOR_L_INFTY_HIGH, 0.3, 0.1, threshold_source="override"))
    assert not av.acceptable(s, _a("os", T.SCHEMA_NEW_COLUMN))  # already in the schema
    assert av.acceptable(s, _a("new", T.SCHEMA_NEW_COLUMN))


# ---- thresholds ---------------------------------------------------------------------------------


def test_threshold_helpers():
    th = Thresholds(linf=0.1, js=0.1)
    g = av.with_globals(th, linf=0.5, min_examples_ratio=0.3)
    assert (g.linf, g.js, g.min_examples_ratio, th.linf) == (0.5, 0.1, 0.3, 0.1)
    o = av.with_override(g, "age", js=0.4, missing_share_tolerance=float("nan"))
    assert o.per_feature["age"].js == 0.4 and o.per_feature["age"].missing_share_tolerance is None
    assert g.per_feature == {}
    assert av.overrides_frame(o).to_dict("records")[0]["js"] == 0.4
    assert av.with_override(o, "age").per_feature == {}
    assert av.without_override(o, "age").per_feature == {}
    with pytest.raises(UsageError, match=r"age\.linf"):
        av.with_override(th, "age", linf=2.0)
    with pytest.raises(UsageError):
        av.with_globals(th, linf=1.5)


# ---- drift --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def comparison():
    import numpy as np

    rng = np.random.default_rng(1)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 3000), "c": rng.choice(["a", "b"], 3000, p=[.5, .5]),
                        "same": rng.normal(0, 1, 3000), "k": [f"id{i}" for i in range(3000)]})
    cur = pd.DataFrame({"x": rng.normal(0.5, 1, 2000), "c": rng.choice(["a", "b"], 2000, p=[.8, .2]),
                        "same": rng.normal(0, 1, 2000), "k": [f"id{i}" for i in range(2000)]})
    return compare_statistics(compute_statistics(ref), compute_statistics(cur), policy="tfdv")


def test_drift_table_lays_out_the_engine_verdicts(comparison):
    df = dv.drift_table(comparison)
    assert list(df.columns[:8]) == ["feature", "kind", "method", "statistic", "threshold", "threshold_source",
                                    "verdict", "past"]
    by = df.set_index("feature")
    for f in comparison.features:  # nothing re-decided: the engine's verdict, threshold and source
        assert by.loc[f.feature, "verdict"] == f.verdict.value
        assert by.loc[f.feature, "threshold_source"] == f.threshold_source
    assert df.iloc[0]["verdict"] == "drift"  # drifted first
    assert "jensen_shannon_distance" in df.columns and "l_infinity" in df.columns
    assert "k" not in set(dv.drift_table(comparison, exclude=["k"])["feature"])


def test_threshold_helpers_change_the_engine_layers(comparison):
    th = Thresholds(policy="tfdv")
    assert av.effective_method(th, "categorical", 2000) == "l_infinity"
    th = av.with_method(th, "categorical", "psi")
    assert av.effective_method(th, "categorical", 2000) == "psi" and av.effective_threshold(th, "categorical", 2000) == 0.2
    th = av.with_method_threshold(th, "psi", 0.5)
    assert av.effective_threshold(th, "categorical", 2000) == 0.5
    th = av.with_compare(th, "k", True)
    assert th.per_feature["k"].compare is True and av.with_compare(th, "k", None).per_feature == {}
    assert dv.past_threshold("ks", 0.01, 0.05) == pytest.approx(5.0)
    assert dv.past_threshold("psi", 0.1, 0.2) == pytest.approx(0.5)


def test_feature_findings(comparison):
    f = dict(dv.feature_findings(comparison["x"]))
    assert "(jensen_shannon_divergence 0.0" in f["verdict"]
    assert "outside the training range" in f


def test_slider_range_by_method():
    import math

    r = av.slider_range("l_infinity", [0.3])
    assert (r.low, r.high) == (0.0, 1.0)
    assert r.clamp(3.0) == 1.0 and r.clamp(-1) == 0.0 and r.clamp(math.nan) == 0.0 and r.clamp(0.4) == 0.4
    r = av.slider_range("psi", [4.0, 0.1])  # PSI: beyond 1, up to 1.2 x the largest observed
    assert r.low == 0.0 and r.high >= 4.8 and r.high < 5.5
    assert av.slider_range("normalized_wasserstein", [0.2]).high == 2.0  # at least 2
    r = av.slider_range("ks")
    assert (r.low, r.high) == (0.0005, 0.2) and r.step < 0.001


def test_detail_tables_name_the_datasets_by_role():
    """Share columns say whose share it is (training/evaluation), never reference/current."""
    a = Anomaly("os", T.COMPARATOR_L_INFTY_HIGH, Severity.WARNING, "drifted", observed=0.3, expected=0.1,
                details={"largest_changes": [["iOS", 0.5, 0.2]], "bins": ["[0, 1)", "[1, 2]"],
                         "reference_counts": [3, 1], "current_counts": [1, 3]})
    tables = av.details_tables(a, ("training", "evaluation"))
    assert list(tables["largest_changes"].columns) == ["category", "training share", "evaluation share"]
    assert list(tables["histogram"].columns) == ["bin", "training share", "evaluation share"]
    assert tables["histogram"]["evaluation share"].tolist() == ["25.00%", "75.00%"]


def test_summary_line():
    from dvtools.ui.anomaly_view import summary_line

    assert summary_line({"total": 26, "errors": 12, "warnings": 14, "features": 9, "by_type": {}}) == \
        "12 errors · 14 warnings · 9 features affected"
    assert summary_line({"total": 1, "errors": 1, "warnings": 0, "features": 1, "by_type": {}}) == \
        "1 error · 0 warnings · 1 feature affected"
