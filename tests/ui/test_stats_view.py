"""Statistics page helpers (dvtools.ui.stats_view): sparklines on shared bins, identifiers, chart order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from dvtools.comparison.distributions import shared_bins
from dvtools.statistics.engine import compute_statistics
from dvtools.ui.stats_view import chart_order, is_identifier, sparklines


def _stats(df: pd.DataFrame):  # noqa: ANN202
    return compute_statistics(pa.Table.from_pandas(df, preserve_index=False), name="t")


def test_numeric_sparklines_share_bins_and_scale() -> None:
    rng = np.random.default_rng(1)
    ref = _stats(pd.DataFrame({"x": rng.normal(0, 1, 2000)}))
    cur = _stats(pd.DataFrame({"x": rng.normal(2, 1, 1000)}))
    r, c = sparklines(ref.features["x"], cur.features["x"])
    assert len(r) == len(c) > 3
    assert max(max(r), max(c)) == 1.0 and min(r + c) >= 0.0  # one scale for both rows
    # Oracle: the shares per shared bin, scaled by the larger share.
    sb = shared_bins(ref.features["x"], cur.features["x"])
    rs, cs = sb.reference / sb.reference.sum(), sb.current / sb.current.sum()
    keep = np.ones(len(rs), bool)
    keep[0], keep[-1] = sb.reference[0] + sb.current[0] > 0, sb.reference[-1] + sb.current[-1] > 0
    top = max(rs[keep].max(), cs[keep].max())
    np.testing.assert_allclose(r, rs[keep] / top, atol=1e-4)
    np.testing.assert_allclose(c, cs[keep] / top, atol=1e-4)
    assert c[-1] > 0  # serving values above the training range get the overflow bar


def test_categorical_sparklines_are_top_value_shares() -> None:
    ref = _stats(pd.DataFrame({"c": ["a"] * 60 + ["b"] * 30 + ["c"] * 10}))
    cur = _stats(pd.DataFrame({"c": ["a"] * 20 + ["b"] * 20 + ["d"] * 60}))
    r, c = sparklines(ref.features["c"], cur.features["c"])
    assert len(r) == len(c) == 4
    assert max(r + c) == 1.0
    assert r[0] == 1.0  # "a": the largest share of training (0.6) is the scale
    assert sorted(c, reverse=True)[0] == 1.0  # "d" 0.6 in serving


def test_sparklines_one_side() -> None:
    ref = _stats(pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]}))
    r, c = sparklines(ref.features["x"], None)
    assert r and c == []


def test_identifier_like() -> None:
    n = 200
    s = _stats(pd.DataFrame({"run_id": [f"T{i:05d}" for i in range(n)], "city": ["a", "b"] * (n // 2),
                             "n": np.arange(n), "f": np.linspace(0, 1, n)}))
    assert is_identifier(s.features["run_id"])
    assert is_identifier(s.features["n"])
    assert not is_identifier(s.features["city"])
    assert not is_identifier(s.features["f"])  # distinct floats are normal
    assert not is_identifier(None)


def test_chart_order_most_changed_first_identifiers_last() -> None:
    order = chart_order(["run_id", "a", "b", "c", "d"], {"run_id": 1.0, "a": 0.1, "b": 0.7, "c": float("nan")},
                        identifiers=["run_id"])
    assert order == ["b", "a", "c", "d", "run_id"]


def test_text_on_one_side_gets_no_numeric_bars() -> None:
    # elevation_ft of the demo: numbers in training, text ("26 ft") in serving
    ref = _stats(pd.DataFrame({"e": [1, 2, 3, 4, 5] * 10}))
    cur = _stats(pd.DataFrame({"e": ["26 ft", "30 ft"] * 25}))
    r, c = sparklines(ref.features["e"], cur.features["e"])
    assert r and c == []
