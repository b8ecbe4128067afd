"""Put two features' statistics on common ground: aligned categories, shared numeric bins.

Separately binned histograms mislead, so a numeric comparison always uses the *reference's* bin
edges (equal width over the reference range, 10 bins by default) for both sides, plus an
underflow and an overflow bin for current values outside the reference range: exactly the values
users need to see. Counts come from the quantile sketches (exact up to 100k values, KLL beyond).
Categorical comparisons align category counts on the union of both sides' categories.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from dvtools.statistics.model import FeatureStatistics, LogicalType

DEFAULT_BINS = 10


@dataclass(frozen=True)
class AlignedCategories:
    """Category labels with reference and current counts on the same positions."""

    labels: list[Any]
    reference: np.ndarray
    current: np.ndarray
    exact: bool

    @property
    def new_categories(self) -> list[Any]:
        """Categories seen in current but not in reference."""
        pairs = zip(self.labels, self.reference, self.current, strict=True)
        return [v for v, r, c in pairs if r == 0 and c > 0]

    @property
    def vanished_categories(self) -> list[Any]:
        """Categories seen in reference but not in current."""
        pairs = zip(self.labels, self.reference, self.current, strict=True)
        return [v for v, r, c in pairs if c == 0 and r > 0]


@dataclass(frozen=True)
class SharedBins:
    """Counts of both sides on the reference's edges: ``[underflow, bins..., overflow]``."""

    edges: np.ndarray
    reference: np.ndarray
    current: np.ndarray

    @property
    def labels(self) -> list[str]:
        """Human bin labels, underflow and overflow included."""
        return self.labels_with(_fmt)

    def labels_with(self, fmt: Callable[[float], str]) -> list[str]:
        """Bin labels with edges written by ``fmt`` (e.g. as dates)."""
        e = self.edges
        inner = [f"[{fmt(e[i])}, {fmt(e[i + 1])}{']' if i == len(e) - 2 else ')'}" for i in range(len(e) - 1)]
        return [f"< {fmt(e[0])}", *inner, f"> {fmt(e[-1])}"]


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def aligned_categories(reference: FeatureStatistics, current: FeatureStatistics) -> AlignedCategories:
    """Category counts of both sides aligned on the union of their categories (reference order first)."""
    ref = reference.values.as_dict() if reference.values else {}
    cur = current.values.as_dict() if current.values else {}
    labels = list(ref)
    seen = set(ref)
    labels += [v for v in cur if v not in seen]
    r = np.array([ref.get(v, 0) for v in labels], dtype=np.float64)
    c = np.array([cur.get(v, 0) for v in labels], dtype=np.float64)
    exact = bool(reference.values and reference.values.exact and current.values and current.values.exact)
    return AlignedCategories(labels, r, c, exact)


def _numeric(f: FeatureStatistics):  # -> NumericStatistics | None
    if f.numeric is not None:
        return f.numeric
    if f.values_statistics is not None:
        return f.values_statistics.numeric
    return None


def shared_bins(
    reference: FeatureStatistics, current: FeatureStatistics, num_bins: int = DEFAULT_BINS
) -> SharedBins:
    """Histogram counts of both sides on the reference's equal-width edges plus under/overflow bins."""
    rn, cn = _numeric(reference), _numeric(current)
    if rn is None or cn is None:
        raise ValueError(f"feature {reference.name!r} is not numeric on both sides")
    if rn.num_finite == 0:
        lo = cn.min if cn.num_finite else 0.0
        hi = cn.max if cn.num_finite else 1.0
    else:
        lo, hi = rn.min, rn.max
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if lo == hi:
        # A constant reference: one bin around its value, so any other value is under/overflow.
        edges = np.array([lo, hi])
    else:
        edges = np.linspace(lo, hi, num_bins + 1)

    def counts(n) -> np.ndarray:  # noqa: ANN001
        out = np.zeros(len(edges) + 1)
        if n.num_finite == 0:
            return out
        sk = n.sketch
        below = sk.cdf(edges[:1], inclusive=False)[0]
        cum = sk.cdf(edges, inclusive=True)  # P(X <= e_i)
        left = sk.cdf(edges[:-1], inclusive=False)  # P(X < e_i)
        inner = np.append(left[1:], cum[-1]) - left
        out[0] = below
        out[1:-1] = np.clip(inner, 0, None)
        out[-1] = 1.0 - cum[-1]
        return np.clip(out, 0, None) * n.num_finite

    return SharedBins(edges, counts(rn), counts(cn))


def is_categorical(f: FeatureStatistics, categorical_hint: bool | None = None) -> bool:
    """Whether a feature is compared by category frequencies rather than numeric bins."""
    if categorical_hint is not None:
        return categorical_hint
    return f.logical_type in (LogicalType.STRING, LogicalType.BOOL, LogicalType.BYTES)


def sketch_values(sketch) -> np.ndarray | None:  # noqa: ANN001 - a QuantileSketch
    """Sorted finite values kept by an *exact* quantile sketch, or ``None`` once it is a KLL sketch.

    Exact sketches (up to 100k values) keep every value, which lets KS and Wasserstein be computed
    exactly (equal to ``scipy.stats.ks_2samp`` / ``wasserstein_distance``) instead of on a grid.
    """
    if not sketch.is_exact:
        return None
    if sketch.n == 0:
        return np.empty(0)
    return sketch._values()
