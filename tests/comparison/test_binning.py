"""Shared bins: quantile bins see the bulk of heavy-tailed columns; ``tfdv`` reproduces TFDV's JS."""

from __future__ import annotations

import math

import numpy as np
import pytest
from cmp_helpers import stats_of
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tensorflow_metadata.proto.v0 import statistics_pb2 as sp

from dvtools.comparison import compare_statistics
from dvtools.comparison.distances import hellinger, jensen_shannon_divergence, psi
from dvtools.comparison.distributions import QUANTILE_BINS, shared_bins, tfdv_align
from dvtools.statistics.tfdv import feature_to_proto

JS_DISTANCE_THRESHOLD = 0.1  # the auto policy's JS distance threshold (Evidently's)
PSI_THRESHOLD = 0.1  # PSI's "moderate change" rule of thumb
OUTLIERS = np.array([700.0, 650.0, 520.0, 410.0, 380.0])


def fares(rng: np.random.Generator, n: int, scale: float = 1.0) -> np.ndarray:
    """Fare-like: lognormal bulk (median ~12, 99 % under 60) and a few extreme values, kept as they are."""
    bulk = rng.lognormal(2.5, 0.6, n - OUTLIERS.size) * scale
    return rng.permutation(np.r_[bulk, OUTLIERS])


def binned(ref, cur, binning: str = "quantile") -> dict[str, float]:
    """Binned distances of two arrays (or two DatasetStatistics of a column ``x``)."""
    r = ref if not isinstance(ref, np.ndarray) else stats_of({"x": ref})
    c = cur if not isinstance(cur, np.ndarray) else stats_of({"x": cur})
    sb = shared_bins(r["x"], c["x"], binning=binning)
    js = jensen_shannon_divergence(sb.reference, sb.current)
    return {"js": js, "js_distance": math.sqrt(js), "psi": psi(sb.reference, sb.current),
            "hellinger": hellinger(sb.reference, sb.current)}


# ---------------------------------------------------------------- the bulk of a heavy tail


@pytest.mark.parametrize("n", [20_000, 150_000])  # exact sketches, then KLL sketches
def test_bulk_shift_of_heavy_tail_is_flagged(n):
    rng = np.random.default_rng(7)
    ref, cur = stats_of({"x": fares(rng, n)}), stats_of({"x": fares(rng, n, scale=1.3)})
    d = binned(ref, cur)
    assert d["js_distance"] >= JS_DISTANCE_THRESHOLD
    assert d["psi"] >= PSI_THRESHOLD
    fc = compare_statistics(ref, cur)["x"]
    assert fc.distances["jensen_shannon_distance"] == pytest.approx(d["js_distance"], rel=1e-12)
    # The default policy's verdict: drift, decided by the quantile-binned JS distance.
    assert (fc.primary_method, fc.verdict.value) == ("jensen_shannon_distance", "drift")
    # The former equal-width bins were blind to it: nearly every value sits in the first bin.
    assert binned(ref, cur, "equal-width")["js_distance"] < JS_DISTANCE_THRESHOLD / 2


@pytest.mark.parametrize("seed", range(20))
def test_random_splits_of_heavy_tail_are_never_flagged(seed):
    rng = np.random.default_rng(1000 + seed)
    data = fares(rng, 20_000)
    half = rng.permutation(data.size)[: data.size // 2]
    mask = np.zeros(data.size, dtype=bool)
    mask[half] = True
    d = binned(data[mask], data[~mask])
    assert d["js_distance"] < JS_DISTANCE_THRESHOLD / 2
    fc = compare_statistics(stats_of({"x": data[mask]}), stats_of({"x": data[~mask]}))["x"]
    assert fc.verdict.value == "no drift"
    assert d["psi"] < PSI_THRESHOLD / 2
    assert d["hellinger"] < JS_DISTANCE_THRESHOLD / 2


@pytest.mark.parametrize("binning", ["quantile", "tfdv", "equal-width"])
@pytest.mark.parametrize("kind", ["fares", "zeros", "ints", "constant"])
def test_identical_inputs_give_zero(binning, kind):
    rng = np.random.default_rng(3)
    x = {"fares": fares(rng, 5000), "zeros": np.where(rng.random(5000) < 0.68, 0.0, rng.exponential(5, 5000)),
         "ints": rng.integers(0, 7, 5000), "constant": np.full(50, 4.0)}[kind]
    d = binned(x, x.copy(), binning)
    assert d == {"js": 0.0, "js_distance": 0.0, "psi": 0.0, "hellinger": 0.0}


# ---------------------------------------------------------------- ties and discrete values


def test_heavy_value_gets_a_bin_of_its_own():
    rng = np.random.default_rng(5)
    tips = np.where(rng.random(10_000) < 0.68, 0.0, rng.exponential(5, 10_000))
    sb = shared_bins(stats_of({"t": tips})["t"], stats_of({"t": tips})["t"])
    assert sb.labels[1] == "= 0"
    assert sb.reference[1] == pytest.approx((tips == 0).sum())
    assert sb.labels[2].startswith("(0, ")  # the positive values start right after the zeros
    assert len(sb.edges) - 1 <= QUANTILE_BINS + 2
    # A lower share of zeros, positives unchanged in shape: seen.
    fewer = np.where(rng.random(10_000) < 0.55, 0.0, rng.exponential(5, 10_000))
    assert binned(tips, fewer)["js_distance"] >= JS_DISTANCE_THRESHOLD


def test_a_three_percent_value_inside_a_quantile_bin_is_isolated():
    rng = np.random.default_rng(8)
    x = np.r_[rng.random(9700), np.full(300, 0.0725)]  # 3 %: between the 5 % and 10 % quantiles
    sb = shared_bins(stats_of({"x": x})["x"], stats_of({"x": x})["x"])
    i = sb.labels.index("= 0.0725")
    assert sb.reference[i] == pytest.approx((x == 0.0725).sum())


def test_low_cardinality_integers_one_bin_per_value():
    x = np.repeat(np.arange(5), [100, 300, 50, 500, 50])
    sb = shared_bins(stats_of({"i": x})["i"], stats_of({"i": np.r_[x, 9]})["i"])
    assert sb.labels == ["< 0", "= 0", "= 1", "= 2", "= 3", "= 4", "> 4"]
    np.testing.assert_array_equal(sb.reference, [0, 100, 300, 50, 500, 50, 0])
    np.testing.assert_array_equal(sb.current, [0, 100, 300, 50, 500, 50, 1])


def test_quantile_bins_hold_equal_mass_and_match_numpy():
    rng = np.random.default_rng(9)
    ref, cur = rng.normal(size=4000), rng.normal(0.3, 1.1, 3000)
    sb = shared_bins(stats_of({"x": ref})["x"], stats_of({"x": cur})["x"])
    edges = np.r_[ref.min(), np.quantile(ref, np.arange(1, QUANTILE_BINS) / QUANTILE_BINS), ref.max()]
    np.testing.assert_allclose(sb.edges, edges)
    np.testing.assert_allclose(sb.reference[1:-1], np.histogram(ref, edges)[0])
    assert sb.reference[1:-1] == pytest.approx(np.full(QUANTILE_BINS, ref.size / QUANTILE_BINS), abs=1)
    expected = np.r_[(cur < edges[0]).sum(), np.histogram(cur, edges)[0], (cur > edges[-1]).sum()]
    np.testing.assert_allclose(sb.current, expected)


def test_integer_edges_are_integers():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 100_000, 5000)
    sb = shared_bins(stats_of({"i": x})["i"], stats_of({"i": x})["i"])
    assert np.all(sb.edges == np.round(sb.edges))
    assert sb.reference.sum() == x.size


def test_unknown_binning_is_refused():
    s = stats_of({"x": [1.0, 2.0]})["x"]
    with pytest.raises(ValueError, match="unknown binning"):
        shared_bins(s, s, binning="deciles")


# ---------------------------------------------------------------- TFDV's JS, reimplemented from its description
# TFDV anomalies/metrics.cc, JensenShannonDivergence(Histogram&, Histogram&): buckets with an infinite bound and
# zero-width buckets are set aside; when the two bucket-boundary sets differ, each histogram is re-bucketed on
# the union by walking the sorted boundaries with one index (zero buckets before, within and after its buckets,
# each bucket's count split by width); point masses are appended per point value, infinite masses as one
# mismatching bucket per side, NaN counts as two buckets (0, nan2) and (nan1, 0) -- the re-bucketed histograms
# no longer carry num_nan. Each side is normalized by its total, KL uses log2 over buckets with p > 0 and
# q > 0, JS = (KL(P||M) + KL(Q||M)) / 2, capped at 1.


def _oracle_js(h1: sp.Histogram, h2: sp.Histogram) -> float:
    def strip(h):
        kept, points, inf = sp.Histogram(num_nan=h.num_nan), {}, 0.0
        for b in h.buckets:
            if not (math.isfinite(b.low_value) and math.isfinite(b.high_value)):
                inf += b.sample_count
            elif b.low_value == b.high_value:
                points[b.low_value] = points.get(b.low_value, 0.0) + b.sample_count
            else:
                kept.buckets.add(low_value=b.low_value, high_value=b.high_value, sample_count=b.sample_count)
        return kept, points, inf

    def rebucket(h, bounds):
        out, idx = [], 0
        for b in h.buckets:
            while b.low_value > bounds[idx]:
                out.append(0.0)
                idx += 1
            covered = []
            while b.high_value > bounds[idx]:
                covered.append(bounds[idx])
                idx += 1
            covered.append(bounds[idx])
            for lo, hi in zip(covered[:-1], covered[1:], strict=True):
                out.append((hi - lo) / (b.high_value - b.low_value) * b.sample_count)
        out += [0.0] * (len(bounds) - 1 - idx)
        return out

    (k1, p1, i1), (k2, p2, i2) = strip(h1), strip(h2)
    s1 = {v for b in k1.buckets for v in (b.low_value, b.high_value)}
    s2 = {v for b in k2.buckets for v in (b.low_value, b.high_value)}
    nan1, nan2 = k1.num_nan, k2.num_nan
    if s1 != s2:
        bounds = sorted(s1 | s2)
        c1, c2 = rebucket(k1, bounds), rebucket(k2, bounds)
        nan1 = nan2 = 0
    else:
        c1, c2 = [b.sample_count for b in k1.buckets], [b.sample_count for b in k2.buckets]
    for v in sorted(set(p1) | set(p2)):
        c1.append(p1.get(v, 0.0))
        c2.append(p2.get(v, 0.0))
    if i1:
        c1, c2 = [*c1, i1], [*c2, 0.0]
    if i2:
        c1, c2 = [*c1, 0.0], [*c2, i2]
    if nan1 > 0 or nan2 > 0:
        c1, c2 = [*c1, 0.0, nan1], [*c2, nan2, 0.0]
    t1, t2 = sum(c1), sum(c2)
    p, q = [c / t1 for c in c1], [c / t2 for c in c2]
    m = [(a + b) / 2 for a, b in zip(p, q, strict=True)]

    def kl(x, y):
        return sum(a * math.log2(a / b) for a, b in zip(x, y, strict=True) if a > 0 and b > 0)

    return min((kl(p, m) + kl(q, m)) / 2, 1.0)


def _standard(f) -> sp.Histogram:
    out = sp.FeatureNameStatistics()
    feature_to_proto(f, out)
    return next(h for h in out.num_stats.histograms if h.type == sp.Histogram.STANDARD)


def _tfdv_js(ref: np.ndarray, cur: np.ndarray) -> tuple[float, float]:
    r, c = stats_of({"x": ref})["x"], stats_of({"x": cur})["x"]
    sb = shared_bins(r, c, binning="tfdv")
    return jensen_shannon_divergence(sb.reference, sb.current), _oracle_js(_standard(r), _standard(c))


@pytest.mark.parametrize("case", ["split", "shift", "same_range", "constant_side", "nan_same_bounds",
                                  "nan_other_bounds", "both_constant"])
def test_tfdv_mode_matches_tfdv_algorithm(case):
    rng = np.random.default_rng(21)
    data = fares(rng, 4000)
    ref, cur = {
        "split": (data[:2000], data[2000:]),
        "shift": (data, fares(rng, 3000, 1.3)),
        "same_range": (np.r_[0.0, rng.random(500), 1.0], np.r_[0.0, rng.random(300) ** 2, 1.0]),
        "constant_side": (np.full(100, 3.0), rng.normal(3, 1, 200)),
        "nan_same_bounds": (np.r_[0.0, rng.random(500), 1.0, np.nan], np.r_[0.0, rng.random(300), 1.0, [np.nan] * 9]),
        "nan_other_bounds": (np.r_[rng.random(500), np.nan], np.r_[rng.random(300) * 2, np.nan]),
        "both_constant": (np.full(10, 1.0), np.full(20, 2.0)),
    }[case]
    ours, oracle = _tfdv_js(ref, cur)
    assert ours == pytest.approx(oracle, abs=1e-6)
    if case == "split":
        # TFDV's approximation errs the other way: a random split reads as a large divergence
        # whenever the extreme values do not fall evenly (here the maxima differ).
        assert ref.max() != cur.max()


def test_tfdv_mode_random_splits_read_as_drift_while_quantile_does_not():
    rng = np.random.default_rng(4)
    data = np.r_[rng.lognormal(2.5, 0.6, 9999), 700.0]
    ref, cur = data[:5000], data[5000:]  # the one extreme value lands in the current half
    ours, oracle = _tfdv_js(ref, cur)
    assert ours == pytest.approx(oracle, abs=1e-6)
    assert ours > 0.1  # flagged by TFDV's own threshold
    assert binned(ref, cur)["js_distance"] < JS_DISTANCE_THRESHOLD / 2


def _proto(buckets, num_nan) -> sp.Histogram:
    h = sp.Histogram(num_nan=num_nan, type=sp.Histogram.STANDARD)
    for lo, hi, c in buckets:
        h.buckets.add(low_value=lo, high_value=hi, sample_count=c)
    return h


_values = st.integers(-20, 20).map(float)


@st.composite
def histograms(draw):
    """Sorted, non-overlapping buckets (possibly with gaps), point buckets and infinite buckets."""
    cuts = sorted(set(draw(st.lists(_values, min_size=2, max_size=8))))
    buckets = []
    for lo, hi in zip(cuts[:-1], cuts[1:], strict=True):
        if draw(st.booleans()) or not buckets:
            buckets.append((lo, hi, float(draw(st.integers(0, 50)))))
    for v in draw(st.lists(_values, max_size=2)):
        buckets.append((v, v, float(draw(st.integers(1, 9)))))
    if draw(st.booleans()):
        buckets.append((-math.inf, math.inf, float(draw(st.integers(1, 9)))))
    return buckets, draw(st.integers(0, 3))


@settings(max_examples=200, deadline=None)
@given(histograms(), histograms())
def test_tfdv_align_matches_oracle_on_arbitrary_histograms(h1, h2):
    (b1, n1), (b2, n2) = h1, h2
    finite = [[b for b in bs if math.isfinite(b[0]) and math.isfinite(b[1]) and b[0] != b[1]] for bs in (b1, b2)]
    bounds = [{x for lo, hi, _ in bs for x in (lo, hi)} for bs in finite]
    # TFDV keeps equal-boundary histograms as they are: a gap on one side only fails its size check.
    assume(bounds[0] != bounds[1] or len(finite[0]) == len(finite[1]))
    _, c1, c2, labels = tfdv_align(b1, n1, b2, n2)
    if c1.sum() == 0 or c2.sum() == 0:
        return  # TFDV refuses to normalize an empty histogram
    assert len(c1) == len(c2)
    assert jensen_shannon_divergence(c1, c2) == pytest.approx(_oracle_js(_proto(b1, n1), _proto(b2, n2)), abs=1e-9)
    assert c1.sum() == pytest.approx(sum(c for *_, c in b1) + (n1 if "NaN (training)" in labels else 0))


_samples = st.lists(st.one_of(st.integers(-5, 5).map(float), st.floats(-1e6, 1e6, allow_nan=False)), min_size=1,
                    max_size=300)


@settings(max_examples=150, deadline=None)
@given(_samples, _samples, st.booleans())
def test_quantile_bins_partition_both_sides(ref, cur, integer):
    r = np.round(ref).astype(np.int64) if integer else np.asarray(ref)
    c = np.round(cur).astype(np.int64) if integer else np.asarray(cur)
    sb = shared_bins(stats_of({"x": r})["x"], stats_of({"x": c})["x"])
    e = sb.edges
    assert len(e) == 2 and e[0] == e[1] if r.min() == r.max() else np.all(np.diff(e) > 0)
    assert e[0] == r.min() and e[-1] == r.max()
    assert sb.reference.sum() == pytest.approx(r.size) and sb.current.sum() == pytest.approx(c.size)
    assert sb.reference[0] == 0 and sb.reference[-1] == 0  # nothing of the reference outside its own range
    assert sb.current[0] == pytest.approx((c < r.min()).sum()) and sb.current[-1] == pytest.approx((c > r.max()).sum())
    assert len(sb.labels) == len(sb.reference) == len(sb.current)
    values, counts = np.unique(r, return_counts=True)
    # No float lies between two adjacent floats: at the top, the last closed bin holds both.
    assume(values.size < 2 or values[-2] != np.nextafter(values[-1], -np.inf))
    for v, k in zip(values, counts, strict=True):  # a value with >= 1/40 of the mass is a bin of its own
        if k / r.size >= 0.5 / QUANTILE_BINS and r.min() != r.max():
            # position of the bin holding v: [e[i-1], e[i]), the last one closed
            i = len(e) - 1 if v == e[-1] else int(np.searchsorted(e, v, side="right"))
            assert sb.reference[i] == pytest.approx(k), (v, sb.labels[i])


@pytest.mark.parametrize("seed", range(20))
def test_a_few_hundred_current_rows_of_the_same_distribution_are_not_drift(seed):
    # 300 serving rows against 50,000 training rows: 21 bins of ~15 values each differ by a JS
    # distance near 0.1 by chance alone; the significance gate (chi-square on the same bins) keeps
    # that noise from being a drift verdict, while a real shift of the same size sample passes it.
    rng = np.random.default_rng(5000 + seed)
    ref = stats_of({"x": fares(rng, 50_000)})
    same = compare_statistics(ref, stats_of({"x": fares(rng, 300)}))["x"]
    assert same.spec.gated and same.verdict.value != "drift", (same.statistic, same.gate_p_value)
    shifted = compare_statistics(ref, stats_of({"x": fares(rng, 300, scale=1.6)}))["x"]
    assert shifted.verdict.value == "drift", (shifted.statistic, shifted.gate_p_value)
