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

from dvtools.comparison.distances import histogram_from_cdf
from dvtools.statistics.model import FeatureStatistics

DEFAULT_BINS = 10


@dataclass(frozen=True)
class AlignedCategories:
    """Category labels with reference and current counts on the same positions."""

    labels: list[Any]
    reference: np.ndarray
    current: np.ndarray
    exact: bool
    has_other: bool = False
    """True when the last label is the ``(other)`` bucket (values a non-exact counter does not list)."""

    @property
    def new_categories(self) -> list[Any]:
        """Categories seen in current but not in reference."""
        return [v for v, r, c in self._real() if r == 0 and c > 0]

    @property
    def vanished_categories(self) -> list[Any]:
        """Categories seen in reference but not in current."""
        return [v for v, r, c in self._real() if c == 0 and r > 0]

    def _real(self) -> list[tuple[Any, float, float]]:
        pairs = list(zip(self.labels, self.reference, self.current, strict=True))
        return pairs[:-1] if self.has_other else pairs


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


OTHER = "(other)"


def aligned_categories(reference: FeatureStatistics, current: FeatureStatistics) -> AlignedCategories:
    """Category counts of both sides aligned on the union of their categories (reference order first).

    The one alignment used everywhere (``compare`` and ``validate``'s L-infinity alike): when a
    side's counter is no longer exact, the values it does not list are pooled in a last ``(other)``
    category (``has_other``), so shares are of all present values. When the two sides' logical
    types differ, values are aligned as text (``True`` -> ``"true"``, ``1`` -> ``"1"``).
    """
    rvals, cvals = reference.values, current.values
    rd = rvals.as_dict() if rvals else {}
    cd = cvals.as_dict() if cvals else {}
    if reference.logical_type != current.logical_type and rd and cd:
        rd, cd = _as_text_keys(rd), _as_text_keys(cd)
    labels = list(rd)
    seen = set(rd)
    labels += [v for v in cd if v not in seen]
    r = np.array([rd.get(v, 0) for v in labels], dtype=np.float64)
    c = np.array([cd.get(v, 0) for v in labels], dtype=np.float64)
    r_other = max(float(rvals.counter.total) - float(r.sum()), 0.0) if rvals else 0.0
    c_other = max(float(cvals.counter.total) - float(c.sum()), 0.0) if cvals else 0.0
    has_other = r_other > 0 or c_other > 0
    if has_other:
        labels.append(OTHER)
        r = np.append(r, r_other)
        c = np.append(c, c_other)
    exact = bool(rvals and rvals.exact and cvals and cvals.exact)
    return AlignedCategories(labels, r, c, exact, has_other)


def _as_text_keys(d: dict[Any, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for k, v in d.items():
        key = ("true" if k else "false") if isinstance(k, bool) else str(k)
        out[key] = out.get(key, 0) + v
    return out


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

    def counts(n) -> np.ndarray:  # noqa: ANN001 - a NumericStatistics
        if n.num_finite == 0:
            return np.zeros(len(edges) + 1)
        sk = n.sketch
        if len(edges) == 2 and edges[0] == edges[1]:
            # A single point: underflow, the point itself, overflow.
            below = float(sk.cdf(edges[:1], inclusive=False)[0])
            at_most = float(sk.cdf(edges[:1], inclusive=True)[0])
            out = np.array([below, at_most - below, 1.0 - at_most])
            return np.clip(out, 0, None) * n.num_finite
        return histogram_from_cdf(edges, lambda x: sk.cdf(x, inclusive=True), float(n.num_finite),
                                  cdf_left=lambda x: sk.cdf(x, inclusive=False))

    return SharedBins(edges, counts(rn), counts(cn))


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
