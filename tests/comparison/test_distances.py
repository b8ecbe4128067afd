"""Tests of dvtools.comparison.distances against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial.distance import jensenshannon

from dvtools.comparison.distances import (
    DISTANCE_RANGES,
    benjamini_hochberg,
    bonferroni,
    chi_square,
    hellinger,
    histogram_from_cdf,
    jensen_shannon_divergence,
    ks_from_cdfs,
    l_infinity,
    normalize,
    normalized_wasserstein,
    psi,
    wasserstein_from_quantiles,
)

VECTOR_DISTANCES = {
    "l_infinity": l_infinity,
    "jensen_shannon_divergence": jensen_shannon_divergence,
    "hellinger": hellinger,
}
SYMMETRIC = list(VECTOR_DISTANCES.values())
ALL_VECTOR = {**VECTOR_DISTANCES, "psi": psi}


def ecdf(sample: np.ndarray):
    """Exact empirical CDF F(x) = P(X <= x) and its left limit P(X < x)."""
    s = np.sort(np.asarray(sample, dtype=float))

    def right(x):
        return np.searchsorted(s, x, side="right") / s.size

    def left(x):
        return np.searchsorted(s, x, side="left") / s.size

    return right, left


# --------------------------------------------------------------------------- normalize


def test_normalize_ints_and_floats():
    np.testing.assert_allclose(normalize([1, 3]), [0.25, 0.75])
    np.testing.assert_allclose(normalize(np.array([0.5, 1.5, 0.0])), [0.25, 0.75, 0.0])
    assert normalize([2, 2]).dtype == np.float64


def test_normalize_all_zero_and_empty_give_zeros_not_nan():
    out = normalize([0, 0, 0])
    assert out.tolist() == [0.0, 0.0, 0.0]
    assert normalize([]).shape == (0,)


def test_normalize_huge_counts_do_not_overflow():
    np.testing.assert_allclose(normalize([1e308, 1e308, 0.0]), [0.5, 0.5, 0.0])


@pytest.mark.parametrize(
    "bad",
    [[1, -1], [1, float("nan")], [1, float("inf")], [[1, 2], [3, 4]], ["a", "b"]],
)
def test_normalize_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        normalize(bad)


@pytest.mark.parametrize("fn", list(ALL_VECTOR.values()))
def test_vector_functions_validate_shape_and_sign(fn):
    with pytest.raises(ValueError, match="same shape"):
        fn([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="non-negative"):
        fn([1, -2], [1, 2])


# --------------------------------------------------------------------------- edge cases


@pytest.mark.parametrize("name", list(ALL_VECTOR))
def test_both_empty_or_all_zero_is_zero(name):
    fn = ALL_VECTOR[name]
    assert fn([], []) == 0.0
    assert fn([0, 0, 0], [0.0, 0.0, 0.0]) == 0.0


@pytest.mark.parametrize("name", list(VECTOR_DISTANCES))
def test_one_side_all_zero_is_range_maximum(name):
    fn = VECTOR_DISTANCES[name]
    high = DISTANCE_RANGES[name][1]
    assert fn([0, 0, 0], [1, 2, 3]) == high
    assert fn([1, 2, 3], [0, 0, 0]) == high


def test_js_one_side_zero_other_base():
    assert jensen_shannon_divergence([0, 0], [1, 1], base=math.e) == pytest.approx(math.log(2))


def test_psi_one_side_zero_is_finite_epsilon_rule():
    # p all-zero -> p becomes epsilon everywhere; q = [0.5, 0.5].
    eps = 1e-4
    expected = 2 * (0.5 - eps) * math.log(0.5 / eps)
    assert psi([0, 0], [1, 1]) == pytest.approx(expected, rel=1e-12)


def test_distance_ranges_cover_every_method():
    assert set(DISTANCE_RANGES) == {
        "l_infinity",
        "jensen_shannon_divergence",
        "hellinger",
        "psi",
        "chi_square",
        "ks",
        "wasserstein",
        "normalized_wasserstein",
    }
    for low, high in DISTANCE_RANGES.values():
        assert low == 0.0 and high > low


# --------------------------------------------------------------------------- fixed data


def test_l_infinity_hand_computed():
    # p = [0.1, 0.2, 0.7], q = [0.3, 0.3, 0.4] -> max(|-0.2|, |-0.1|, |0.3|) = 0.3
    assert l_infinity([1, 2, 7], [3, 3, 4]) == pytest.approx(0.3)
    # Disjoint supports -> 1.
    assert l_infinity([5, 0], [0, 3]) == 1.0


JS_CASES = [
    ([1, 2, 3, 4], [4, 3, 2, 1]),
    ([10, 0, 5, 0], [0, 3, 5, 1]),  # zero bins on either side
    ([1, 0], [0, 1]),  # disjoint supports -> 1 in base 2
    ([0.2, 0.5, 0.3], [0.21, 0.49, 0.3]),
    ([1000, 1, 1, 1, 1], [1, 1, 1, 1, 1000]),
]


@pytest.mark.parametrize(("p", "q"), JS_CASES)
@pytest.mark.parametrize("base", [2.0, math.e, 10.0])
def test_js_equals_scipy_distance_squared(p, q, base):
    expected = jensenshannon(p, q, base=base) ** 2
    assert jensen_shannon_divergence(p, q, base=base) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_js_disjoint_is_one_in_base_two():
    assert jensen_shannon_divergence([3, 0, 0], [0, 1, 1]) == pytest.approx(1.0)


def test_js_rejects_bad_base():
    for base in (1.0, 0.0, -2.0, float("inf")):
        with pytest.raises(ValueError):
            jensen_shannon_divergence([1, 2], [2, 1], base=base)


def test_hellinger_hand_computed_three_bins():
    # p = [1/4, 1/4, 1/2], q = [1/4, 1/2, 1/4]
    # BC = sqrt(1/16) + sqrt(1/8) + sqrt(1/8) = 0.25 + 2 * 0.35355339 = 0.95710678
    # H = sqrt(1 - BC) = 0.20710678...
    expected = math.sqrt(1 - (0.25 + 2 * math.sqrt(0.125)))
    assert hellinger([1, 1, 2], [1, 2, 1]) == pytest.approx(expected, rel=1e-12)
    assert hellinger([0.25, 0.25, 0.5], [0.25, 0.5, 0.25]) == pytest.approx(0.2071067811865, rel=1e-9)
    assert hellinger([1, 0], [0, 1]) == pytest.approx(1.0)


def test_psi_hand_computed_three_bins():
    # p (reference) = [0.2, 0.3, 0.5], q (current) = [0.3, 0.3, 0.4]
    # PSI = 0.1 ln(1.5) + 0 + (-0.1) ln(0.8) = 0.0405465 + 0.0223144 = 0.0628609
    expected = 0.1 * math.log(1.5) + (-0.1) * math.log(0.8)
    assert psi([2, 3, 5], [3, 3, 4]) == pytest.approx(expected, rel=1e-12)
    assert psi([2, 3, 5], [3, 3, 4]) == pytest.approx(0.0628609, abs=1e-7)


def test_psi_zero_bin_replaced_by_epsilon():
    # p = [0.5, 0.5, 0] -> [0.5, 0.5, 1e-4] (not renormalized); q = [0.4, 0.4, 0.2]
    expected = 2 * (-0.1) * math.log(0.8) + (0.2 - 1e-4) * math.log(0.2 / 1e-4)
    assert psi([1, 1, 0], [2, 2, 1]) == pytest.approx(expected, rel=1e-12)
    eps = 1e-3
    expected = 2 * (-0.1) * math.log(0.8) + (0.2 - eps) * math.log(0.2 / eps)
    assert psi([1, 1, 0], [2, 2, 1], epsilon=eps) == pytest.approx(expected, rel=1e-12)
    # A bin empty on both sides contributes nothing.
    assert psi([2, 3, 5, 0], [3, 3, 4, 0]) == pytest.approx(psi([2, 3, 5], [3, 3, 4]), rel=1e-12)
    with pytest.raises(ValueError):
        psi([1], [1], epsilon=0.0)


CHI_CASES = [
    ([10, 20, 30], [15, 15, 30]),
    ([100, 0, 5, 7], [80, 3, 9, 0]),
    ([1.5, 2.5, 6.0], [2.0, 2.0, 4.0]),  # weighted (float) counts
    ([500, 300, 200, 0, 0], [400, 350, 250, 0, 0]),
]


@pytest.mark.parametrize(("ref", "cur"), CHI_CASES)
def test_chi_square_equals_scipy_contingency(ref, cur):
    ref_a, cur_a = np.asarray(ref, float), np.asarray(cur, float)
    keep = (ref_a > 0) | (cur_a > 0)
    res = stats.chi2_contingency(np.vstack([ref_a[keep], cur_a[keep]]), correction=False)
    statistic, p_value, dof = chi_square(ref, cur)
    assert statistic == pytest.approx(res.statistic, rel=1e-12)
    assert p_value == pytest.approx(res.pvalue, rel=1e-9, abs=1e-300)
    assert dof == res.dof
    assert isinstance(dof, int)


def test_chi_square_degenerate_cases():
    assert chi_square([5, 0], [7, 0]) == (0.0, 1.0, 0)  # one category left: dof 0
    assert chi_square([0, 0], [0, 0]) == (0.0, 1.0, 0)
    assert chi_square([], []) == (0.0, 1.0, 0)
    assert chi_square([3, 4, 5], [0, 0, 0]) == (0.0, 1.0, 0)  # empty side: untestable
    # Categories absent in both are dropped before computing dof.
    assert chi_square([10, 0, 20], [12, 0, 18])[2] == 1


# --------------------------------------------------------------------------- KS


@pytest.mark.parametrize(
    "samples",
    [
        ("normal", 300, 200, 0.3),
        ("normal", 1000, 1500, 0.0),
        ("integers", 400, 250, 1.0),  # many ties
    ],
)
def test_ks_from_exact_ecdfs_matches_ks_2samp(samples):
    kind, n1, n2, shift = samples
    rng = np.random.default_rng(12345)
    if kind == "normal":
        x, y = rng.normal(0, 1, n1), rng.normal(shift, 1, n2)
    else:
        x, y = rng.integers(0, 10, n1).astype(float), rng.integers(0, 10, n2) + shift
    points = np.union1d(x, y)
    fx, _ = ecdf(x)
    fy, _ = ecdf(y)
    d, p_value = ks_from_cdfs(points, fx(points), fy(points), n1, n2)
    ref = stats.ks_2samp(x, y, method="asymp")
    assert d == ref.statistic  # exact
    assert p_value == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-12)


def test_ks_edge_cases_and_validation():
    assert ks_from_cdfs([], [], [], 10, 10) == (0.0, 1.0)
    assert ks_from_cdfs([1.0], [0.5], [0.1], 0, 10) == (0.0, 1.0)
    d, p_value = ks_from_cdfs([0.0, 1.0], [0.5, 1.0], [0.5, 1.0], 50, 50)
    assert (d, p_value) == (0.0, 1.0)
    d, p_value = ks_from_cdfs([0.0], [1.0], [0.0], 1, 1)  # n_eff = 0.5 -> at least 1
    assert d == 1.0 and 0.0 <= p_value <= 1.0
    with pytest.raises(ValueError, match="same shape"):
        ks_from_cdfs([0.0, 1.0], [0.5], [0.5, 1.0], 5, 5)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        ks_from_cdfs([0.0], [1.5], [0.5], 5, 5)
    with pytest.raises(ValueError):
        ks_from_cdfs([0.0], [0.5], [0.5], -1, 5)


# --------------------------------------------------------------------------- Wasserstein


def test_wasserstein_equal_sizes_sorted_samples_is_exact():
    rng = np.random.default_rng(99)
    m = 500
    x, y = rng.normal(0, 1, m), rng.exponential(2.0, m)
    # Quantile functions at u_i = (i + 0.5) / m of an empirical distribution = sorted sample.
    w = wasserstein_from_quantiles(np.sort(x), np.sort(y))
    assert w == pytest.approx(stats.wasserstein_distance(x, y), rel=1e-12)


@pytest.mark.parametrize("shift", [0.0, 0.5])
def test_wasserstein_large_unequal_samples_within_one_percent(shift):
    rng = np.random.default_rng(2024)
    x, y = rng.normal(0, 1, 20_000), rng.normal(shift, 1, 30_000)
    m = 1000
    u = (np.arange(m) + 0.5) / m
    w = wasserstein_from_quantiles(np.quantile(x, u), np.quantile(y, u))
    expected = stats.wasserstein_distance(x, y)
    # Observed relative errors with this seed: ~0.3% (shift 0) and ~0.03% (shift 0.5).
    assert w == pytest.approx(expected, rel=0.01)


def test_wasserstein_validation_and_empty():
    assert wasserstein_from_quantiles([], []) == 0.0
    with pytest.raises(ValueError, match="same shape"):
        wasserstein_from_quantiles([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="finite"):
        wasserstein_from_quantiles([1.0, np.nan], [1.0, 2.0])


def test_normalized_wasserstein():
    ref, cur = [0.0, 1.0, 2.0, 3.0], [1.0, 2.0, 3.0, 4.0]  # W1 = 1
    assert normalized_wasserstein(ref, cur, 2.0) == pytest.approx(0.5)
    assert normalized_wasserstein(ref, ref, 0.0) == 0.0
    assert normalized_wasserstein(ref, cur, 0.0) == math.inf
    with pytest.raises(ValueError):
        normalized_wasserstein(ref, cur, -1.0)
    with pytest.raises(ValueError):
        normalized_wasserstein(ref, cur, float("nan"))


# --------------------------------------------------------------------------- multiple testing


def test_benjamini_hochberg_hand_computed():
    # m = 5; sorted 0.005, 0.01, 0.03, 0.04, 0.2 -> p*m/rank = 0.025, 0.025, 0.05, 0.05, 0.2
    out = benjamini_hochberg([0.01, 0.04, 0.03, 0.005, 0.2])
    np.testing.assert_allclose(out, [0.025, 0.05, 0.05, 0.025, 0.2], rtol=1e-12)
    # Step-up monotonicity: p*m/rank = 0.04, 0.04, 0.028, 0.5 -> running min from the top.
    np.testing.assert_allclose(benjamini_hochberg([0.01, 0.02, 0.021, 0.5]), [0.028, 0.028, 0.028, 0.5])
    # Capped at 1: 0.9*2/1 = 1.8 -> min(1.8, 0.95) = 0.95.
    np.testing.assert_allclose(benjamini_hochberg([0.9, 0.95]), [0.95, 0.95])
    assert benjamini_hochberg([]).shape == (0,)
    with pytest.raises(ValueError):
        benjamini_hochberg([0.5, 1.5])


def test_bonferroni():
    np.testing.assert_allclose(bonferroni([0.01, 0.3, 0.5]), [0.03, 0.9, 1.0])
    assert bonferroni([]).shape == (0,)
    with pytest.raises(ValueError):
        bonferroni([-0.1])


# --------------------------------------------------------------------------- histogram_from_cdf


def test_histogram_from_cdf_boundaries_hand_computed():
    sample = [0, 1, 1, 2, 3]
    edges = [1, 2, 3]
    right, left = ecdf(sample)
    # (-inf,1): {0}; [1,2): {1,1}; [2,3]: {2,3}; (3,inf): {}
    np.testing.assert_allclose(histogram_from_cdf(edges, right, 5, cdf_left=left), [1, 2, 2, 0], atol=1e-12)
    # Without cdf_left, P(X<=x) is used everywhere: atoms on an edge go to the bin on its left.
    np.testing.assert_allclose(histogram_from_cdf(edges, right, 5), [3, 1, 1, 0], atol=1e-12)
    np.testing.assert_allclose(
        histogram_from_cdf(edges, right, 5, cdf_left=left, underflow_overflow=False), [2, 2], atol=1e-12
    )


def test_histogram_from_cdf_matches_numpy_histogram_with_ties():
    rng = np.random.default_rng(5)
    sample = rng.integers(-3, 14, 2000).astype(float)  # values land exactly on edges
    edges = np.arange(0.0, 11.0, 2.0)  # 0, 2, ..., 10
    right, left = ecdf(sample)
    counts = histogram_from_cdf(edges, right, sample.size, cdf_left=left)
    interior, _ = np.histogram(sample, bins=edges)
    expected = np.concatenate([[np.sum(sample < edges[0])], interior, [np.sum(sample > edges[-1])]])
    np.testing.assert_allclose(counts, expected, rtol=0, atol=1e-9)
    assert counts.sum() == pytest.approx(sample.size)


def test_histogram_from_cdf_continuous_cdf():
    edges = np.array([-1.0, 0.0, 1.0])
    counts = histogram_from_cdf(edges, stats.norm.cdf, 1000.0)
    phi = stats.norm.cdf
    expected = 1000 * np.array([phi(-1), phi(0) - phi(-1), phi(1) - phi(0), 1 - phi(1)])
    np.testing.assert_allclose(counts, expected, rtol=1e-12)


def test_histogram_from_cdf_validation():
    with pytest.raises(ValueError, match="at least 2"):
        histogram_from_cdf([1.0], stats.norm.cdf, 10)
    with pytest.raises(ValueError, match="strictly increasing"):
        histogram_from_cdf([1.0, 1.0, 2.0], stats.norm.cdf, 10)
    with pytest.raises(ValueError):
        histogram_from_cdf([0.0, 1.0], stats.norm.cdf, -1)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        histogram_from_cdf([0.0, 1.0], lambda x: 2 * np.ones_like(x), 10)


def test_histogram_from_cdf_noisy_cdf_never_negative():
    # A non-monotone sketch CDF is made monotone: no negative counts, total preserved.
    counts = histogram_from_cdf([0.0, 1.0, 2.0], lambda x: np.array([0.6, 0.5, 0.9])[: x.size], 10.0)
    assert np.all(counts >= 0)
    assert counts.sum() == pytest.approx(10.0)


# --------------------------------------------------------------------------- drift sanity


def test_shifted_mean_drifts_identical_distribution_does_not():
    rng = np.random.default_rng(20240601)
    ref = rng.normal(0.0, 1.0, 10_000)
    same = rng.normal(0.0, 1.0, 10_000)
    shifted = rng.normal(0.5, 1.0, 10_000)
    edges = np.histogram_bin_edges(ref, bins=10)  # the reference's bins, shared by both sides

    def hist(sample):
        right, left = ecdf(sample)
        return histogram_from_cdf(edges, right, sample.size, cdf_left=left)

    h_ref, h_same, h_shift = hist(ref), hist(same), hist(shifted)
    # Values with this seed (10 bins + underflow/overflow):
    #   JS (base 2)   same 0.00049   shifted 0.0434   (JS distance = sqrt: 0.022 vs 0.208)
    #   Hellinger     same 0.020     shifted 0.175
    #   L-infinity    same 0.0147    shifted 0.104
    #   PSI           same 0.0018    shifted 0.248
    #   chi-square p  same 0.21      shifted ~1e-245
    #   norm. W1      same 0.019     shifted 0.515
    # A mean shift of 0.5 sd is a JS *divergence* of only ~0.04: a 0.1 threshold on the
    # divergence would miss it, while 0.1 on the JS distance (Evidently's convention) flags it.
    js_same = jensen_shannon_divergence(h_ref, h_same)
    js_shift = jensen_shannon_divergence(h_ref, h_shift)
    assert js_same < 0.005
    assert js_shift > 0.02
    assert js_shift > 20 * js_same
    assert math.sqrt(js_shift) > 0.1 > math.sqrt(js_same)
    assert hellinger(h_ref, h_same) < 0.05 < 0.1 < hellinger(h_ref, h_shift)
    assert l_infinity(h_ref, h_same) < 0.05 < l_infinity(h_ref, h_shift)
    assert psi(h_ref, h_same) < 0.1 < 0.2 < psi(h_ref, h_shift)
    assert chi_square(h_ref, h_same)[1] > 0.01 > 1e-10 > chi_square(h_ref, h_shift)[1]

    m = 1000
    u = (np.arange(m) + 0.5) / m
    q_ref = np.quantile(ref, u)
    std = float(np.std(ref))
    assert normalized_wasserstein(q_ref, np.quantile(same, u), std) < 0.1
    assert normalized_wasserstein(q_ref, np.quantile(shifted, u), std) > 0.4

    points = np.union1d(ref, shifted)
    f_ref, _ = ecdf(ref)
    f_shift, _ = ecdf(shifted)
    d, p_value = ks_from_cdfs(points, f_ref(points), f_shift(points), ref.size, shifted.size)
    assert d > 0.15 and p_value < 1e-10


# --------------------------------------------------------------------------- properties

count_value = st.one_of(
    st.integers(min_value=0, max_value=10**6),
    st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False),
)


@st.composite
def vector_pairs(draw, min_size=0, max_size=12):
    n = draw(st.integers(min_value=min_size, max_value=max_size))
    p = draw(st.lists(count_value, min_size=n, max_size=n))
    q = draw(st.lists(count_value, min_size=n, max_size=n))
    return p, q


@settings(max_examples=200, deadline=None)
@given(vector_pairs())
def test_property_identity_range_nonnegativity(pair):
    p, q = pair
    for name, fn in ALL_VECTOR.items():
        assert fn(p, p) == 0.0, name
        low, high = DISTANCE_RANGES[name]
        value = fn(p, q)
        assert low <= value <= high, (name, value)
        assert not math.isnan(value)


@settings(max_examples=200, deadline=None)
@given(vector_pairs())
def test_property_symmetry(pair):
    p, q = pair
    for fn in SYMMETRIC:
        assert fn(p, q) == pytest.approx(fn(q, p), rel=1e-12, abs=1e-15)


@settings(max_examples=200, deadline=None)
@given(vector_pairs(min_size=1))
def test_property_js_matches_scipy(pair):
    p, q = pair
    if sum(p) <= 0 or sum(q) <= 0:
        return
    p_arr, q_arr = np.asarray(p, float), np.asarray(q, float)
    if np.any((p_arr > 0) & (p_arr / p_arr.sum() < 1e-300)) or np.any(
        (q_arr > 0) & (q_arr / q_arr.sum() < 1e-300)
    ):
        return  # scipy's (p+q)/2 can underflow to 0 for subnormal probabilities
    expected = jensenshannon(p_arr, q_arr, base=2) ** 2
    assert jensen_shannon_divergence(p, q) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(vector_pairs(min_size=1))
def test_property_known_inequalities(pair):
    # Hellinger^2 <= TV <= sqrt(2) * Hellinger, and L-infinity <= TV (TV = L1 / 2).
    p, q = pair
    if sum(p) <= 0 or sum(q) <= 0:
        return
    tv = 0.5 * float(np.abs(normalize(p) - normalize(q)).sum())
    h = hellinger(p, q)
    assert h**2 <= tv + 1e-12
    assert tv <= math.sqrt(2) * h + 1e-12
    assert l_infinity(p, q) <= tv + 1e-12


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0.0, max_value=1.0), max_size=30))
def test_property_multiple_testing(p_values):
    raw = np.asarray(p_values, dtype=float)
    bh = benjamini_hochberg(raw)
    bonf = bonferroni(raw)
    assert bh.shape == raw.shape == bonf.shape
    assert np.all(bh >= raw - 1e-15) and np.all(bh <= 1.0)
    assert np.all(bonf >= bh - 1e-12)  # Bonferroni is the more conservative
    order = np.argsort(raw, kind="stable")
    assert np.all(np.diff(bh[order]) >= -1e-15)  # adjustment preserves the order


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.floats(min_value=-100, max_value=100), min_size=1, max_size=50),
    st.lists(st.floats(min_value=-100, max_value=100), min_size=1, max_size=50),
)
def test_property_histogram_from_cdf_sums_to_n(sample, raw_edges):
    edges = np.unique(np.asarray(raw_edges + [101.0], dtype=float))
    right, left = ecdf(np.asarray(sample))
    counts = histogram_from_cdf(edges, right, len(sample), cdf_left=left)
    assert counts.shape == (edges.size + 1,)
    assert np.all(counts >= 0)
    assert counts.sum() == pytest.approx(len(sample))
