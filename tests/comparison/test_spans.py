"""compare_spans and split_spans."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cmp_helpers import stats_of

from dvtools.comparison import compare_spans, split_spans
from dvtools.errors import UsageError


def span(seed: int, n: int = 3000, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(shift, 1.0, n), "c": rng.choice(["a", "b", "c"], n)})


def test_only_the_drifting_span_is_flagged():
    spans = {"d1": stats_of(span(1)), "d2": stats_of(span(2)), "d3": stats_of(span(3, shift=1.0))}
    res = compare_spans(spans)
    assert res.flagged == ["d3"] and res.drifted_spans == ["d3"] and res.changed_spans == ["d3"]
    t = res.table
    assert len(t) == 6 and list(t.columns[:4]) == ["span", "feature", "method", "threshold"]
    row = t[(t.span == "d3") & (t.feature == "x")].iloc[0]
    assert row.verdict_to_previous == "drift" and row.verdict_to_reference == "drift"
    assert row.method == "jensen_shannon_divergence"
    first = t[t.span == "d1"]
    assert first.distance_to_previous.isna().all() and (first.distance_to_reference == 0).all()
    assert list(res.spans_table.num_examples_ratio.round(3).fillna(-1)) == [-1, 1.0, 1.0]
    assert list(res.spans_table.drifted_to_reference) == [0, 0, 1]


@pytest.mark.parametrize("policy", ["tfdv", "auto"])
def test_deciding_methods_alone_give_the_same_tables(policy):
    """``methods=()`` (what the dashboard's timeline asks for) computes less, decides the same."""
    spans = {"d1": stats_of(span(1)), "d2": stats_of(span(2, shift=0.3)), "d3": stats_of(span(3, shift=1.0))}
    reference = stats_of(span(4))
    full = compare_spans(spans, reference=reference, policy=policy)
    lean = compare_spans(spans, reference=reference, policy=policy, methods=())
    pd.testing.assert_frame_equal(full.table, lean.table)
    pd.testing.assert_frame_equal(full.spans_table, lean.spans_table)
    assert set(lean.to_reference["d3"]["x"].distances) < set(full.to_reference["d3"]["x"].distances)


def test_reference_by_name_or_statistics_and_num_examples():
    spans = [stats_of(span(1)), stats_of(span(2, n=1000)), stats_of(span(3))]
    res = compare_spans(spans, reference=stats_of(span(9)), policy="auto")
    assert res.reference == "(reference)" and set(res.to_reference) == {"0", "1", "2"}
    assert res.num_examples_anomalies == ["1", "2"]  # 1/3 of the previous, then 3x
    assert res.flagged == ["1", "2"] and res.drifted_spans == []
    by_name = compare_spans({"a": spans[0], "b": spans[2]}, reference="b")
    assert by_name.reference == "b" and set(by_name.to_reference) == {"a"}
    with pytest.raises(UsageError):
        compare_spans(spans, reference="zzz")
    with pytest.raises(UsageError):
        compare_spans([])


def frame_by_day() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    days = np.repeat(pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-05", "2024-04-01"]), [100, 200, 300, 50])
    ts = days + pd.to_timedelta(rng.integers(0, 86_400, len(days)), unit="s")
    x = rng.normal(size=len(days))
    x[-50:] += 3
    df = pd.DataFrame({"ts": ts, "x": x})
    df.loc[3, "ts"] = pd.NaT
    return df


def test_split_spans_by_day_week_month():
    df = frame_by_day()
    days = split_spans(df, timestamp="ts", freq="D")
    assert {k: v.num_examples for k, v in days.items()} == {
        "2024-03-01": 99, "2024-03-02": 200, "2024-03-05": 300, "2024-04-01": 50}
    assert days["2024-03-01"].warnings == ["1 rows without a 'ts' value belong to no span"]
    assert days["2024-03-02"]["x"].num_present == 200
    weeks = split_spans(df, timestamp="ts", freq="W")  # weeks start on Monday: 2024-02-26, 03-04, 04-01
    assert {k: v.num_examples for k, v in weeks.items()} == {"2024-02-26": 299, "2024-03-04": 300, "2024-04-01": 50}
    months = split_spans(df.assign(ts=df.ts.dt.strftime("%Y-%m-%d %H:%M:%S")), timestamp="ts", freq="M")
    assert {k: v.num_examples for k, v in months.items()} == {"2024-03": 599, "2024-04": 50}
    res = compare_spans(days)
    assert res.drifted_spans == ["2024-04-01"]
    assert "ts" not in set(res.table.feature)  # the span column is not compared
    with pytest.raises(UsageError):
        split_spans(df, timestamp="nope")
    with pytest.raises(UsageError):
        split_spans(df, timestamp="ts", freq="Y")
    with pytest.raises(UsageError):
        split_spans(df, timestamp="x")
