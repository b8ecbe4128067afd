"""Shared helpers of the statistics tests: folding data, and oracles computed with numpy/pandas.

The oracles never call dvtools: they recompute each figure from the raw Python/numpy values.
Standard deviations are population ones (``ddof=0``), as the engine documents.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from dvtools.statistics import DatasetAccumulator, FeatureStatistics, make_accumulator
from dvtools.statistics.model import QUANTILE_LEVELS

NUM_BUCKETS = 10


def feature_stats(arr: pa.Array | pa.ChunkedArray, name: str = "x") -> FeatureStatistics:
    """Statistics of one column, through the DatasetAccumulator (as the engine folds tables)."""
    table = pa.table({name: arr})
    acc = DatasetAccumulator(table.schema)
    acc.add_batch(table)
    return acc.finalize()[name]


def folded(arrow_type: pa.DataType, parts: list[pa.Array]) -> Any:
    """One accumulator per part, merged left to right."""
    accs = []
    for p in parts:
        a = make_accumulator(arrow_type)
        a.add(p)
        accs.append(a)
    first = make_accumulator(arrow_type)
    for a in accs:
        first.merge(a)
    return first


def numeric_oracle(values: list[Any] | np.ndarray) -> dict[str, Any]:
    """Every numeric figure of a column, from numpy alone (None = missing)."""
    present = np.array([v for v in values if v is not None], dtype=np.float64)
    finite = np.sort(present[np.isfinite(present)])
    out: dict[str, Any] = {
        "num_finite": int(finite.size),
        "num_nan": int(np.isnan(present).sum()),
        "num_pos_inf": int(np.isposinf(present).sum()),
        "num_neg_inf": int(np.isneginf(present).sum()),
        "num_zeros": int((finite == 0).sum()),
    }
    if finite.size == 0:
        out.update(mean=math.nan, std=math.nan, min=math.nan, max=math.nan, median=math.nan,
                   quantiles={q: math.nan for q in QUANTILE_LEVELS}, hist_edges=(), hist_counts=(),
                   qhist_edges=(), qhist_counts=())
        return out
    lo, hi = float(finite.min()), float(finite.max())
    out.update(
        mean=float(np.mean(finite)),
        std=float(np.std(finite, ddof=0)),
        min=lo,
        max=hi,
        median=float(np.quantile(finite, 0.5, method="linear")),
        quantiles={q: float(np.quantile(finite, q, method="linear")) for q in QUANTILE_LEVELS},
    )
    if lo < hi:
        edges = np.linspace(lo, hi, NUM_BUCKETS + 1)
        out["hist_edges"] = tuple(edges.tolist())
        out["hist_counts"] = tuple(float(c) for c in np.histogram(finite, bins=edges)[0])
    else:  # constant column: one bucket [v, v] holding every value
        out["hist_edges"] = (lo, hi)
        out["hist_counts"] = (float(finite.size),)
    out["qhist_edges"] = tuple(float(np.quantile(finite, q)) for q in np.linspace(0, 1, NUM_BUCKETS + 1))
    out["qhist_counts"] = tuple([finite.size / NUM_BUCKETS] * NUM_BUCKETS)
    return out


def same_float(a: float, b: float, rel: float = 0.0, abs_: float = 0.0) -> bool:
    """Equal floats, NaN equal to NaN."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if rel == 0.0 and abs_ == 0.0:
        return a == b
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def assert_numeric(f: FeatureStatistics, values: list[Any] | np.ndarray, *, rel: float = 1e-12) -> None:
    """Check every numeric figure of ``f`` against :func:`numeric_oracle` (exact mode)."""
    o = numeric_oracle(values)
    n = f.numeric
    assert n is not None
    for key in ("num_finite", "num_nan", "num_pos_inf", "num_neg_inf", "num_zeros"):
        assert getattr(n, key) == o[key], key
    scale = float(np.max(np.abs([o["min"], o["max"]]))) if o["num_finite"] else 0.0
    assert same_float(n.mean, o["mean"], rel=rel, abs_=rel * scale), (n.mean, o["mean"])
    assert same_float(n.std, o["std"], rel=1e-9, abs_=1e-9 * scale), (n.std, o["std"])
    assert same_float(n.min, o["min"]) and same_float(n.max, o["max"])
    assert same_float(n.median, o["median"])
    assert list(n.quantiles) == list(QUANTILE_LEVELS)
    for q in QUANTILE_LEVELS:
        assert same_float(n.quantiles[q], o["quantiles"][q]), q
    assert n.quantiles_exact
    assert n.histogram.kind == "standard"
    assert n.histogram.edges == o["hist_edges"]
    assert n.histogram.counts == o["hist_counts"]
    assert n.quantiles_histogram.kind == "quantiles"
    assert n.quantiles_histogram.edges == o["qhist_edges"]
    assert n.quantiles_histogram.counts == pytest_approx(o["qhist_counts"])


def pytest_approx(x: Any) -> Any:
    import pytest

    return pytest.approx(x, rel=1e-12, abs=1e-12)


def value_counts_oracle(values: list[Any]) -> list[tuple[Any, int]]:
    """pandas value_counts of the present values, ties broken by value ascending."""
    s = pd.Series([v for v in values if v is not None], dtype=object)
    if s.empty:
        return []
    vc = s.value_counts(dropna=True)
    return sorted(((k, int(c)) for k, c in vc.items()), key=lambda kc: (-kc[1], kc[0]))


def string_oracle(values: list[str | None]) -> dict[str, Any]:
    """Length and hygiene figures with Python's ``len`` (code points) and ``str.strip``."""
    present = [v for v in values if v is not None]
    lengths = [len(v) for v in present]
    return {
        "avg_length": sum(lengths) / len(lengths) if lengths else math.nan,
        "min_length": min(lengths, default=0),
        "max_length": max(lengths, default=0),
        "num_empty": sum(v == "" for v in present),
        "num_whitespace_padded": sum(v != "" and v != v.strip() for v in present),
    }


def exact_fields(f: FeatureStatistics) -> dict[str, Any]:
    """The serialized feature minus mean/std (floating point order-dependent): exact in exact mode."""
    d = f.to_dict()
    _strip_moments(d)
    return d


def _strip_moments(d: Any) -> None:
    if isinstance(d, dict):
        for key in ("numeric", "list_lengths"):
            if d.get(key):
                d[key].pop("mean")
                d[key].pop("std")
        if d.get("values_statistics"):
            _strip_moments(d["values_statistics"])


def moments_of(f: FeatureStatistics) -> list[tuple[float, float, float]]:
    """(mean, std, scale) of the numeric parts of a feature, for tolerance comparisons."""
    out = []
    for n in (f.numeric, f.list_lengths):
        if n is not None:
            scale = max(abs(n.min), abs(n.max)) if n.num_finite else 0.0
            out.append((n.mean, n.std, scale))
    if f.values_statistics is not None:
        out.extend(moments_of(f.values_statistics))
    return out


def assert_same_stats(a: FeatureStatistics, b: FeatureStatistics, rel: float = 1e-9) -> None:
    """Exact fields identical, mean/std within ``rel`` (relative to the data's scale)."""
    assert exact_fields(a) == exact_fields(b)
    for (ma, sa, scale), (mb, sb, _) in zip(moments_of(a), moments_of(b), strict=True):
        assert same_float(ma, mb, rel=rel, abs_=rel * scale), (ma, mb)
        assert same_float(sa, sb, rel=rel, abs_=rel * scale), (sa, sb)
