"""Rater agreement: Cohen's kappa, Fleiss' kappa and Krippendorff's alpha from mergeable count matrices.

Each statistic is a pure function of counts that add up over batches, so agreement over millions
of rated items is computed in one streamed pass with memory bounded by the number of categories:

* Cohen's kappa (Cohen 1960), two raters: the confusion matrix of the items both rated;
  ``kappa = (p_o - p_e) / (1 - p_e)`` with ``p_e`` from the two raters' marginals (unweighted,
  as scikit-learn's ``cohen_kappa_score``).
* Fleiss' kappa (Fleiss 1971), ``m`` raters: the items every rater rated (Fleiss assumes the same
  number of ratings per item), through ``sum_u P_u`` and the category totals.
* Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's alpha-reliability"): the
  coincidence matrix ``o_ck = sum_u (n_uc n_uk - [c=k] n_uc) / (m_u - 1)`` over items with at
  least two ratings (missing ratings allowed), ``alpha = 1 - (n - 1) sum o_ck d_ck / sum n_c n_k d_ck``
  with the nominal, ordinal or interval metric ``d``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from dvtools.errors import UsageError

LEVELS = ("nominal", "ordinal", "interval")


def cohen_kappa(confusion: NDArray[np.float64]) -> float:
    """Cohen's kappa of a square confusion matrix (rows: rater 1, columns: rater 2); NaN when undefined."""
    c = np.asarray(confusion, dtype=float)
    total = c.sum()
    if total == 0:
        return math.nan
    p_o = np.trace(c) / total
    p_e = float((c.sum(1) * c.sum(0)).sum()) / (total * total)
    if p_e == 1.0:
        return math.nan
    return float((p_o - p_e) / (1.0 - p_e))


def fleiss_kappa(sum_p: float, totals: NDArray[np.float64], num_items: int, num_raters: int) -> float:
    """Fleiss' kappa from ``sum_u P_u`` (per-item agreement), category totals, items and raters per item."""
    if num_items == 0 or num_raters < 2:
        return math.nan
    p_bar = sum_p / num_items
    p_j = np.asarray(totals, dtype=float) / (num_items * num_raters)
    p_e = float((p_j * p_j).sum())
    if p_e == 1.0:
        return math.nan
    return float((p_bar - p_e) / (1.0 - p_e))


def item_agreement(counts: NDArray[np.float64], num_raters: int) -> NDArray[np.float64]:
    """Fleiss' ``P_u`` per item: the share of agreeing rater pairs, from per-item category counts."""
    n = np.asarray(counts, dtype=float)
    return ((n * n).sum(1) - num_raters) / (num_raters * (num_raters - 1))


def coincidences(counts: NDArray[np.float64]) -> NDArray[np.float64]:
    """Krippendorff's coincidence matrix of items x categories counts (items with under two ratings add nothing)."""
    n = np.asarray(counts, dtype=float)
    m = n.sum(1)
    keep = m >= 2
    if not keep.any():
        return np.zeros((n.shape[1], n.shape[1]))
    n, m = n[keep], m[keep]
    w = n / (m - 1)[:, None]
    return w.T @ n - np.diag(w.sum(0))


def _delta(level: str, values: Sequence[float] | None, n_c: NDArray[np.float64]) -> NDArray[np.float64]:
    k = len(n_c)
    if level == "nominal":
        return 1.0 - np.eye(k)
    if level == "ordinal":
        # Ranks in order: d(c, k) = (sum_{g=c..k} n_g - (n_c + n_k) / 2)^2.
        cum = np.concatenate([[0.0], np.cumsum(n_c)])
        i, j = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
        lo, hi = np.minimum(i, j), np.maximum(i, j)
        s = cum[hi + 1] - cum[lo]
        return (s - (n_c[i] + n_c[j]) / 2.0) ** 2
    if level == "interval":
        if values is None:
            raise UsageError("interval alpha needs numeric category values")
        v = np.asarray(values, dtype=float)
        return (v[:, None] - v[None, :]) ** 2
    raise UsageError(f"unknown level of measurement {level!r}: use one of {', '.join(LEVELS)}")


def krippendorff_alpha(coincidence: NDArray[np.float64], level: str = "nominal",
                       values: Sequence[float] | None = None) -> float:
    """Krippendorff's alpha of a coincidence matrix whose categories are in order (ordinal, interval).

    ``values``: the categories' numbers (interval level). NaN when fewer than two pairable values
    or no expected disagreement (every value the same).
    """
    o = np.asarray(coincidence, dtype=float)
    n_c = o.sum(1)
    n = n_c.sum()
    if n <= 1:
        return math.nan
    d = _delta(level, values, n_c)
    expected = float((np.outer(n_c, n_c) * d).sum())
    if expected == 0:
        return math.nan
    return float(1.0 - (n - 1) * float((o * d).sum()) / expected)
