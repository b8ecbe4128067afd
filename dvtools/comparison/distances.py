"""Distances, divergences and tests between two distributions of one feature.

The numerical core of skew/drift comparison. Every function here is pure and works on
*summaries* produced by the statistics layer, never on raw rows:

* aligned count or frequency vectors (histogram counts on shared bins, category counts
  aligned on the union of categories): :func:`normalize`, :func:`l_infinity`,
  :func:`jensen_shannon_divergence`, :func:`hellinger`, :func:`psi`, :func:`chi_square`;
* CDFs evaluated at common points: :func:`ks_from_cdfs`;
* quantile functions evaluated at common probability levels:
  :func:`wasserstein_from_quantiles`, :func:`normalized_wasserstein`;
* a CDF and reference bin edges, to put a current distribution on the reference's bins:
  :func:`histogram_from_cdf`;
* multiple-testing corrections over many features: :func:`benjamini_hochberg`, :func:`bonferroni`.

Conventions shared by the vector functions:

* Inputs may be ints or floats (weighted counts are fine). They must be 1-D, of equal shape,
  finite and non-negative; otherwise ``ValueError`` (one-line message) is raised.
* Vectors are normalized separately (each to sum 1) before comparison, as TFDV does
  ("separate total" normalization).
* Both sides empty or all-zero: nothing differs, the distance is ``0.0``.
* Exactly one side all-zero (e.g. a feature absent from the current data): the distance is
  the maximum of the method's range (``1.0`` for L-infinity, JS in base 2 and Hellinger),
  i.e. "completely different". PSI, which has no finite maximum, applies its epsilon rule.

:data:`DISTANCE_RANGES` lists the range of each method.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DISTANCE_RANGES",
    "benjamini_hochberg",
    "bonferroni",
    "chi_square",
    "hellinger",
    "histogram_from_cdf",
    "jensen_shannon_divergence",
    "ks_from_cdfs",
    "l_infinity",
    "normalize",
    "normalized_wasserstein",
    "psi",
    "wasserstein_from_quantiles",
]

#: Effective sample size above which the KS p-value uses the limiting distribution.
KS_LIMITING_N = 10_000

#: Range ``(low, high)`` of the value each method returns (``high`` may be ``inf``).
#: ``jensen_shannon_divergence`` is for the default base 2 (base ``b`` gives ``[0, log_b 2]``);
#: ``chi_square`` is the statistic (its p-value is in ``[0, 1]``); ``ks`` is the statistic D.
DISTANCE_RANGES: dict[str, tuple[float, float]] = {
    "l_infinity": (0.0, 1.0),
    "jensen_shannon_divergence": (0.0, 1.0),
    "hellinger": (0.0, 1.0),
    "psi": (0.0, math.inf),
    "chi_square": (0.0, math.inf),
    "ks": (0.0, 1.0),
    "wasserstein": (0.0, math.inf),
    "normalized_wasserstein": (0.0, math.inf),
}

# Tolerance for CDF values slightly outside [0, 1] because of floating-point rounding.
_CDF_TOLERANCE = 1e-9


# --------------------------------------------------------------------------- validation


def _as_real_vector(x: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return ``x`` as a 1-D float64 array of finite values, or raise ``ValueError``."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values")
    return arr


def _as_counts(x: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return ``x`` as a 1-D float64 array of finite non-negative values."""
    arr = _as_real_vector(x, name)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative")
    return arr


def _same_shape(a: NDArray[np.float64], b: NDArray[np.float64], names: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{names} must have the same shape, got {a.shape} and {b.shape}")


def _count_pair(p: ArrayLike, q: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    pa = _as_counts(p, "p")
    qa = _as_counts(q, "q")
    _same_shape(pa, qa, "p and q")
    return pa, qa


def _normalized_pair(
    p: ArrayLike, q: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], bool, bool]:
    """Validate, normalize, and report whether each side has any mass."""
    pa, qa = _count_pair(p, q)
    return normalize(pa), normalize(qa), bool(np.any(pa > 0)), bool(np.any(qa > 0))


# --------------------------------------------------------------------------- vectors


def normalize(counts: ArrayLike) -> NDArray[np.float64]:
    """Normalize non-negative counts to probabilities that sum to 1.

    ``counts`` is a 1-D vector of finite, non-negative ints or floats. An empty or all-zero
    vector is returned as all zeros (same shape, never NaN): it describes "no data", which the
    distance functions treat explicitly. Raises ``ValueError`` on negative, non-finite or
    non-1-D input.
    """
    arr = _as_counts(counts, "counts")
    with np.errstate(over="ignore"):
        total = arr.sum()
    if total <= 0:
        return np.zeros_like(arr)
    if not np.isfinite(total):  # the sum overflowed: rescale by the maximum first
        arr = arr / arr.max()
        total = arr.sum()
    return arr / total


def l_infinity(p: ArrayLike, q: ArrayLike) -> float:
    """L-infinity (Chebyshev) distance ``max_i |p_i - q_i|`` of the normalized vectors.

    Definition: TFDV's "L-infinity norm" drift/skew comparator for categorical features
    (``LInftyDistance`` in TFDV ``anomalies/metrics.cc``): each side's value counts are
    normalized by their own total, then the largest absolute difference of frequencies over
    the union of values is taken. Here the vectors are already aligned on that union, with 0
    for a value absent on one side.

    Log base: none (no logarithm). Range: ``[0, 1]``.
    Zero-probability bins: need no special handling; a bin empty on one side contributes the
    other side's frequency. Both sides all-zero -> ``0.0``; exactly one side all-zero ->
    ``1.0`` (the range maximum).
    """
    pn, qn, p_any, q_any = _normalized_pair(p, q)
    if p_any != q_any:
        return 1.0
    if not p_any or pn.size == 0:
        return 0.0
    return float(min(np.max(np.abs(pn - qn)), 1.0))


def jensen_shannon_divergence(p: ArrayLike, q: ArrayLike, *, base: float = 2.0) -> float:
    """Jensen-Shannon divergence (not the distance) of the normalized vectors.

    Definition: ``JS(P, Q) = (KL(P || M) + KL(Q || M)) / 2`` with ``M = (P + Q) / 2`` and
    ``KL(P || M) = sum_i p_i log(p_i / m_i)`` (Lin 1991, "Divergence measures based on the
    Shannon entropy"). This is the quantity TFDV's ``jensen_shannon_divergence`` comparator
    thresholds (``JensenShannonDivergence`` in TFDV ``anomalies/metrics.cc``, which uses
    ``log2`` and caps the result at 1). It equals
    ``scipy.spatial.distance.jensenshannon(p, q, base=base) ** 2`` (scipy returns the square
    root, the JS *distance*).

    Log base: ``base`` (default 2, i.e. bits). Range: ``[0, log_base(2)]``, so ``[0, 1]`` in
    base 2; results are clipped to that range to absorb rounding.
    Zero-probability bins: terms with ``p_i = 0`` (resp. ``q_i = 0``) contribute 0
    (``0 log 0 = 0``); ``m_i > 0`` whenever the term is non-zero, so no smoothing is needed.
    Both sides all-zero -> ``0.0``; exactly one side all-zero -> ``log_base(2)`` (the range
    maximum, ``1.0`` in base 2).

    For numeric features, pass the two histograms' counts on shared bins (see
    :func:`histogram_from_cdf`). TFDV aligns histograms with different boundaries by taking the
    union of the boundaries and splitting each bucket's count assuming values are uniform
    inside it; point-mass buckets, infinite-bound buckets and NaN counts become extra buckets.
    """
    if not (math.isfinite(base) and base > 0 and base != 1):
        raise ValueError(f"base must be a finite positive number other than 1, got {base}")
    pn, qn, p_any, q_any = _normalized_pair(p, q)
    upper = math.log(2.0) / math.log(base)
    if p_any != q_any:
        return upper
    if not p_any:
        return 0.0
    # v_i log(v_i / m_i) with m_i = (p_i + q_i) / 2, written as v_i log(2 v_i / (p_i + q_i)):
    # p_i + q_i >= v_i > 0 on the mask, and no halving can underflow to 0.
    s = pn + qn
    total = 0.0
    for v in (pn, qn):
        mask = v > 0
        total += float(np.sum(v[mask] * np.log(2.0 * v[mask] / s[mask])))
    js = total / 2.0 / math.log(base)
    return float(min(max(js, 0.0), upper))


def hellinger(p: ArrayLike, q: ArrayLike) -> float:
    """Hellinger distance of the normalized vectors.

    Definition: ``H(P, Q) = sqrt(1 - sum_i sqrt(p_i q_i)) = ||sqrt(P) - sqrt(Q)||_2 / sqrt(2)``
    (Hellinger 1909; e.g. Le Cam & Yang, "Asymptotics in Statistics", 2000). Computed with the
    second form, which cannot go negative under the square root.

    Log base: none (no logarithm). Range: ``[0, 1]`` (1 for disjoint supports).
    Zero-probability bins: need no special handling (``sqrt(0) = 0``). Both sides all-zero ->
    ``0.0``; exactly one side all-zero -> ``1.0`` (the range maximum).
    """
    pn, qn, p_any, q_any = _normalized_pair(p, q)
    if p_any != q_any:
        return 1.0
    if not p_any:
        return 0.0
    h = float(np.sqrt(np.sum((np.sqrt(pn) - np.sqrt(qn)) ** 2) / 2.0))
    return min(max(h, 0.0), 1.0)


def psi(p: ArrayLike, q: ArrayLike, *, epsilon: float = 1e-4) -> float:
    """Compute the Population Stability Index of current ``q`` against reference ``p``.

    Definition: ``PSI = sum_i (q_i - p_i) * ln(q_i / p_i)`` over the normalized vectors, with
    ``p`` the reference and ``q`` the current distribution (Yurdakul 2018, "Statistical
    properties of population stability index"; the form used by Evidently's ``psi`` stattest).
    It is the symmetrized KL divergence ``KL(Q||P) + KL(P||Q)`` of the (smoothed) frequencies.
    Rule of thumb: < 0.1 no significant change, 0.1-0.2 moderate, >= 0.2 significant.

    Log base: natural log (e). Range: ``[0, inf)``; each term is non-negative.
    Zero-probability bins: after normalization, every frequency equal to 0 (on either side) is
    replaced by ``epsilon`` (default ``1e-4``, Evidently's choice); the vectors are **not**
    renormalized afterwards. A bin empty on both sides thus contributes 0. Both sides
    all-zero -> ``0.0``. Exactly one side all-zero -> that side becomes ``epsilon`` everywhere,
    giving a large but finite value.
    """
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"epsilon must be a finite positive number, got {epsilon}")
    pn, qn, p_any, q_any = _normalized_pair(p, q)
    if not p_any and not q_any:
        return 0.0
    ps = np.where(pn > 0, pn, epsilon)
    qs = np.where(qn > 0, qn, epsilon)
    # log(q) - log(p) rather than log(q / p): the ratio could overflow for tiny p.
    return float(max(np.sum((qs - ps) * (np.log(qs) - np.log(ps))), 0.0))


def chi_square(ref_counts: ArrayLike, cur_counts: ArrayLike) -> tuple[float, float, int]:
    """Pearson chi-square test of homogeneity of two count vectors.

    Definition: the 2 x K contingency table with rows ``ref_counts`` and ``cur_counts``;
    expected counts ``E_rk = row_r * col_k / N``; statistic ``sum (O - E)^2 / E``;
    ``dof = (2 - 1) * (K' - 1)``; p-value from the chi-square survival function (Pearson 1900).
    No continuity correction: equals ``scipy.stats.chi2_contingency(table, correction=False)``.
    Returns ``(statistic, p_value, dof)``.

    Log base: none. Range: statistic in ``[0, inf)``, p-value in ``[0, 1]``.
    Zero-probability bins: categories with a count of 0 in *both* rows are dropped first
    (their expected count would be 0); ``K'`` is the number of categories left. A category
    present in only one row is kept (its expected count is positive). If ``dof`` is 0
    (at most one category left), or one row is all-zero (homogeneity cannot be tested),
    the result is ``(0.0, 1.0, 0)``.

    Counts are assumed to be unweighted frequencies; the p-value is only meaningful then and
    when expected counts are not tiny (the usual rule: at least 5 in most cells).
    """
    ref, cur = _as_counts(ref_counts, "ref_counts"), _as_counts(cur_counts, "cur_counts")
    _same_shape(ref, cur, "ref_counts and cur_counts")
    keep = (ref > 0) | (cur > 0)
    table = np.vstack([ref[keep], cur[keep]])
    dof = table.shape[1] - 1
    row = table.sum(axis=1)
    if dof <= 0 or np.any(row <= 0):
        return 0.0, 1.0, 0
    col = table.sum(axis=0)
    expected = np.outer(row, col) / row.sum()
    statistic = float(np.sum((table - expected) ** 2 / expected))
    from scipy import stats  # imported here: scipy costs ~1 s of start-up

    p_value = float(stats.chi2.sf(statistic, dof))
    return statistic, min(max(p_value, 0.0), 1.0), int(dof)


# --------------------------------------------------------------------------- CDFs and quantiles


def _as_cdf_values(x: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = _as_real_vector(x, name)
    if np.any(arr < -_CDF_TOLERANCE) or np.any(arr > 1 + _CDF_TOLERANCE):
        raise ValueError(f"{name} must contain probabilities in [0, 1]")
    return np.clip(arr, 0.0, 1.0)


def ks_from_cdfs(
    points: ArrayLike, ref_cdf: ArrayLike, cur_cdf: ArrayLike, n_ref: int, n_cur: int
) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov test from two CDFs evaluated at common points.

    Definition: ``D = max_x |F_ref(x) - F_cur(x)|`` over ``points``, where ``ref_cdf[i]`` and
    ``cur_cdf[i]`` are ``F(points[i]) = P(X <= points[i])`` (Kolmogorov 1933, Smirnov 1939).
    The p-value is the two-sided asymptotic one of ``scipy.stats.ks_2samp(method='asymp')``:
    ``scipy.stats.kstwo.sf(D, round(n_eff))`` with effective sample size
    ``n_eff = n_ref * n_cur / (n_ref + n_cur)`` (rounded to at least 1); above
    ``KS_LIMITING_N`` Kolmogorov's limiting distribution ``kstwobign.sf(D * sqrt(n_eff))``, which
    it converges to. Returns ``(D, p_value)``.

    Exactness: when both CDFs are the exact empirical CDFs of the two samples and ``points``
    contain every sample value (their union), ``D`` equals ``ks_2samp``'s statistic exactly;
    the p-value is then the asymptotic one. When the CDFs come from quantile sketches or
    histograms, or ``points`` is a coarser grid, ``D`` is approximate (a grid can only
    under-estimate the supremum) and so is the p-value, which is moreover computed as if the
    data were continuous and the samples exact: treat it as a guide, not an exact test.

    Log base: none. Range: ``D`` in ``[0, 1]``, p-value in ``[0, 1]``.
    Zero-probability bins: not applicable. No points -> ``(0.0, 1.0)``. ``n_ref`` or
    ``n_cur`` equal to 0 (an empty side) -> ``(0.0, 1.0)``: there is nothing to test.
    """
    pts = _as_real_vector(points, "points")
    fr = _as_cdf_values(ref_cdf, "ref_cdf")
    fc = _as_cdf_values(cur_cdf, "cur_cdf")
    _same_shape(pts, fr, "points and ref_cdf")
    _same_shape(pts, fc, "points and cur_cdf")
    for name, n in (("n_ref", n_ref), ("n_cur", n_cur)):
        if not (math.isfinite(n) and n >= 0):
            raise ValueError(f"{name} must be a finite non-negative number, got {n}")
    if pts.size == 0 or n_ref == 0 or n_cur == 0:
        return 0.0, 1.0
    d = float(min(np.max(np.abs(fr - fc)), 1.0))
    n_eff = float(n_ref) * float(n_cur) / (float(n_ref) + float(n_cur))
    n_int = max(1.0, float(np.round(n_eff)))
    from scipy import stats  # imported here: scipy costs ~1 s of start-up

    if n_int > KS_LIMITING_N:
        # Kolmogorov's limiting distribution: same value to ~1e-3 at this size, and ~1000x
        # faster than kstwo's exact finite-n series (which took ~0.8 s per feature at 1M rows).
        p_value = float(stats.kstwobign.sf(d * math.sqrt(n_int)))
    else:
        p_value = float(stats.kstwo.sf(d, n_int))
    return d, min(max(p_value, 0.0), 1.0)


def wasserstein_from_quantiles(ref_quantiles: ArrayLike, cur_quantiles: ArrayLike) -> float:
    """1-Wasserstein (earth mover's) distance from two quantile functions.

    Definition: ``W1(F, G) = integral_0^1 |F^-1(u) - G^-1(u)| du`` (Vallender 1974), which in
    one dimension also equals ``integral |F(x) - G(x)| dx``. Approximated by the midpoint rule:
    ``ref_quantiles[i]`` and ``cur_quantiles[i]`` must be ``F^-1(u_i)`` and ``G^-1(u_i)`` at the
    same evenly spaced levels ``u_i = (i + 0.5) / m``, ``i = 0..m-1``, and the result is
    ``mean_i |ref_quantiles[i] - cur_quantiles[i]|``.

    Exactness: for two empirical distributions of the same size ``m``, the quantiles at the
    midpoints are the sorted samples and the result equals
    ``scipy.stats.wasserstein_distance`` exactly (up to rounding). Otherwise the error shrinks
    as ``m`` grows (the quantile functions are step functions or smooth).

    Log base: none. Range: ``[0, inf)``, in the feature's units.
    Zero-probability bins: not applicable. Both inputs empty -> ``0.0``.
    """
    a = _as_real_vector(ref_quantiles, "ref_quantiles")
    b = _as_real_vector(cur_quantiles, "cur_quantiles")
    _same_shape(a, b, "ref_quantiles and cur_quantiles")
    if a.size == 0:
        return 0.0
    diff = np.abs(a - b)
    if not np.all(np.isfinite(diff)):  # a - b overflowed: average scaled values
        scale = float(np.max(np.abs(np.concatenate([a, b]))))
        return float(np.mean(np.abs(a / scale - b / scale)) * scale)
    return float(np.mean(diff))


def normalized_wasserstein(ref_quantiles: ArrayLike, cur_quantiles: ArrayLike, ref_std: float) -> float:
    """1-Wasserstein distance divided by the reference standard deviation.

    Definition: ``W1(F, G) / std(reference)``, with ``W1`` from
    :func:`wasserstein_from_quantiles` (same input contract). This is Evidently's
    "Wasserstein distance (normed)" drift test for numeric features (stattest ``wasserstein``,
    drift when the value is ``>= 0.1``): drift measured in reference standard deviations,
    unit-free. Evidently divides by ``max(np.std(reference), 0.001)`` (population std,
    ``ddof=0``); pass that std (``ddof=0``) to match it away from the zero case.

    Log base: none. Range: ``[0, inf)``.
    Zero-probability bins: not applicable. ``ref_std == 0`` (a constant reference): returns
    ``0.0`` if ``W1 == 0`` (nothing moved) and ``inf`` otherwise (any movement is infinitely
    many reference standard deviations). ``ref_std`` must be finite and non-negative.
    """
    if not (math.isfinite(ref_std) and ref_std >= 0):
        raise ValueError(f"ref_std must be a finite non-negative number, got {ref_std}")
    w1 = wasserstein_from_quantiles(ref_quantiles, cur_quantiles)
    if ref_std == 0:
        return 0.0 if w1 == 0 else math.inf
    return w1 / ref_std


def histogram_from_cdf(
    edges: ArrayLike,
    cdf: Callable[[np.ndarray], np.ndarray],
    n: float,
    *,
    underflow_overflow: bool = True,
    cdf_left: Callable[[np.ndarray], np.ndarray] | None = None,
) -> NDArray[np.float64]:
    """Return the expected counts of a distribution in the bins defined by ``edges``.

    Used to put the current distribution (known through a CDF, e.g. from a quantile sketch)
    on the reference histogram's bin edges, so both can be compared bin by bin.

    ``edges`` are strictly increasing finite numbers ``e_0 < ... < e_k`` (``k >= 1``); ``cdf``
    is a vectorized ``F(x) = P(X <= x)`` returning numbers in ``[0, 1]``; ``cdf_left`` is the
    optional left limit ``F(x-) = P(X < x)``, which falls back to ``cdf`` when absent (exact
    for continuous distributions; with atoms, mass exactly at an edge then goes to the bin on
    the edge's left); ``n`` is the total count (``>= 0``). Counts are ``n`` times:

    * ``(-inf, e_0)``: ``F(e_0-)`` (only with ``underflow_overflow``);
    * ``[e_{i-1}, e_i)`` for ``i = 1..k-1``: ``F(e_i-) - F(e_{i-1}-)`` (closed on the left);
    * ``[e_{k-1}, e_k]``: ``F(e_k) - F(e_{k-1}-)`` (the last interior bin includes ``e_k``);
    * ``(e_k, inf)``: ``1 - F(e_k)`` (only with ``underflow_overflow``).

    The interior bins follow ``numpy.histogram``'s convention. With ``underflow_overflow``
    (default) the result has ``k + 2`` entries and sums to ``n``; without, ``k`` entries and the
    mass outside ``[e_0, e_k]`` is dropped. CDF values are clipped to ``[0, 1]`` and made
    non-decreasing along the edges (guarding against sketch noise), so counts are never
    negative.

    Log base: none. Range: each count in ``[0, n]``.
    Zero-probability bins: a bin with no mass gets count 0; no smoothing is applied.
    """
    e = _as_real_vector(edges, "edges")
    if e.size < 2:
        raise ValueError(f"edges must contain at least 2 values, got {e.size}")
    if np.any(np.diff(e) <= 0):
        raise ValueError("edges must be strictly increasing")
    if not (math.isfinite(n) and n >= 0):
        raise ValueError(f"n must be a finite non-negative number, got {n}")
    left_fn = cdf if cdf_left is None else cdf_left
    f_left = _as_cdf_values(np.asarray(left_fn(e[:-1]), dtype=np.float64).reshape(-1), "cdf_left values")
    f_last = _as_cdf_values(np.asarray(cdf(e[-1:]), dtype=np.float64).reshape(-1), "cdf values")
    if f_left.size != e.size - 1 or f_last.size != 1:
        raise ValueError("cdf and cdf_left must return one value per input point")
    cumulative = np.concatenate([[0.0], f_left, f_last, [1.0]])
    cumulative = np.maximum.accumulate(cumulative)
    counts = np.diff(cumulative * float(n))  # scale first: integer-valued n*F stay exact
    if not underflow_overflow:
        counts = counts[1:-1]
    return counts


# --------------------------------------------------------------------------- multiple testing


def _as_p_values(p_values: ArrayLike) -> NDArray[np.float64]:
    arr = _as_real_vector(p_values, "p_values")
    if np.any(arr < 0) or np.any(arr > 1):
        raise ValueError("p_values must be in [0, 1]")
    return arr


def benjamini_hochberg(p_values: ArrayLike) -> NDArray[np.float64]:
    """Benjamini-Hochberg false-discovery-rate adjusted p-values.

    Definition: with the ``m`` p-values sorted ascending, ``p_(1) <= ... <= p_(m)``, the
    adjusted value of rank ``i`` is ``min_{j >= i} min(1, m p_(j) / j)`` (Benjamini & Hochberg
    1995, "Controlling the false discovery rate"); results are returned in the input order.
    Same values as ``statsmodels.stats.multitest.multipletests(p, method='fdr_bh')[1]``.
    Rejecting where the adjusted value is ``<= alpha`` controls the FDR at ``alpha`` for
    independent (or positively dependent) tests.

    Log base: none. Range: each value in ``[0, 1]`` and ``>=`` its raw p-value.
    Zero-probability bins: not applicable. Empty input -> empty output. Raises ``ValueError``
    for values outside ``[0, 1]``, non-finite or non-1-D input.
    """
    p = _as_p_values(p_values)
    m = p.size
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    adjusted = np.empty_like(p)
    adjusted[order] = np.clip(ranked, 0.0, 1.0)
    return adjusted


def bonferroni(p_values: ArrayLike) -> NDArray[np.float64]:
    """Bonferroni family-wise-error adjusted p-values ``min(1, m p_i)``.

    Definition: Dunn 1961 / Bonferroni inequality; same as statsmodels'
    ``multipletests(p, method='bonferroni')``. Controls the family-wise error rate under any
    dependence.

    Log base: none. Range: each value in ``[0, 1]``.
    Zero-probability bins: not applicable. Empty input -> empty output.
    """
    p = _as_p_values(p_values)
    return np.minimum(p * p.size, 1.0)
