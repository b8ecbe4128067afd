"""Merge laws: stats(whole) == merge(stats(parts)) for any split; commutativity; identity; sketch bounds."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pyarrow as pa
import pytest
from _stats_helpers import assert_same_stats, exact_fields, folded, numeric_oracle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dvtools.statistics import DatasetAccumulator, make_accumulator, sketches
from dvtools.statistics.model import QUANTILE_LEVELS
from dvtools.statistics.sketches import (
    EXACT_DISTINCT_LIMIT,
    EXACT_QUANTILE_LIMIT,
    FREQUENT_ITEMS_CAPACITY,
    QuantileSketch,
    ValueCounter,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ints = st.one_of(st.none(), st.integers(-(2**62), 2**62), st.integers(-3, 3))
floats = st.one_of(
    st.none(),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, 1.5]),
    st.floats(-1e9, 1e9, allow_subnormal=False),
)
strings = st.one_of(st.none(), st.sampled_from(["", " a", "Zürich", "東京", "12", "$1", "a"]), st.text(max_size=6))
bools = st.one_of(st.none(), st.booleans())
int_lists = st.one_of(st.none(), st.lists(st.one_of(st.none(), st.integers(-5, 5)), max_size=4))

KINDS = {
    "int": (pa.int64(), ints),
    "float": (pa.float64(), floats),
    "string": (pa.string(), strings),
    "bool": (pa.bool_(), bools),
    "list": (pa.list_(pa.int64()), int_lists),
}


@st.composite
def split_column(draw: st.DrawFn, kind: str) -> tuple[pa.DataType, list, list[pa.Array]]:
    """Values, and a split into 1..4 contiguous parts (possibly empty, possibly all-null)."""
    t, elem = KINDS[kind]
    values = draw(st.lists(elem, max_size=40))
    nparts = draw(st.integers(1, 4))
    cuts = sorted(draw(st.lists(st.integers(0, len(values)), min_size=nparts - 1, max_size=nparts - 1)))
    bounds = [0, *cuts, len(values)]
    arr = pa.array(values, t)
    # slices of one array: parts with non-zero offsets, as batches of a table are
    parts = [arr.slice(a, b - a) for a, b in zip(bounds, bounds[1:], strict=False)]
    if draw(st.booleans()):
        parts.append(pa.nulls(draw(st.integers(0, 3)), t))  # an all-null (or empty) part
        values = values + [None] * len(parts[-1])
    order = draw(st.permutations(range(len(parts))))
    return t, values, [parts[i] for i in order]


@pytest.mark.parametrize("kind", list(KINDS))
@SETTINGS
@given(data=st.data())
def test_merge_of_parts_equals_whole(kind: str, data: st.DataObject) -> None:
    t, values, parts = data.draw(split_column(kind))
    whole = make_accumulator(t)
    whole.add(pa.array(values, t))
    merged = folded(t, parts)
    assert_same_stats(merged.finalize("x"), whole.finalize("x"))


@pytest.mark.parametrize("kind", list(KINDS))
@SETTINGS
@given(data=st.data())
def test_merge_commutative_with_identity(kind: str, data: st.DataObject) -> None:
    t, _, parts = data.draw(split_column(kind))
    a, b = folded(t, parts[:1]), folded(t, parts[1:])
    ab = pickle.loads(pickle.dumps(a))
    ab.merge(pickle.loads(pickle.dumps(b)))
    ba = pickle.loads(pickle.dumps(b))
    ba.merge(pickle.loads(pickle.dumps(a)))
    assert_same_stats(ab.finalize("x"), ba.finalize("x"), rel=1e-12)
    left = make_accumulator(t)
    left.merge(pickle.loads(pickle.dumps(a)))  # empty <- a
    right = pickle.loads(pickle.dumps(a))
    right.merge(make_accumulator(t))  # a <- empty
    fa = a.finalize("x")
    assert left.finalize("x").to_dict() == fa.to_dict() == right.finalize("x").to_dict()


@SETTINGS
@given(data=st.data())
def test_float_moments_and_quantiles_against_numpy(data: st.DataObject) -> None:
    t, values, parts = data.draw(split_column("float"))
    f = folded(t, parts).finalize("x")
    o = numeric_oracle(values)
    n = f.numeric
    scale = max(abs(o["min"]), abs(o["max"])) if o["num_finite"] else 0.0
    for key in ("num_finite", "num_nan", "num_pos_inf", "num_neg_inf", "num_zeros"):
        assert getattr(n, key) == o[key]
    if o["num_finite"]:
        assert math.isclose(n.mean, o["mean"], rel_tol=1e-9, abs_tol=1e-9 * scale)
        assert math.isclose(n.std, o["std"], rel_tol=1e-9, abs_tol=1e-9 * scale)
        assert n.quantiles == o["quantiles"]
        assert n.histogram.counts == o["hist_counts"]
    assert f.num_missing == sum(v is None for v in values)


@SETTINGS
@given(data=st.data())
def test_dataset_accumulator_batches_equal_whole(data: st.DataObject) -> None:
    n = data.draw(st.integers(0, 30))
    cols = {k: data.draw(st.lists(KINDS[k][1], min_size=n, max_size=n)) for k in KINDS}
    table = pa.table({k: pa.array(v, KINDS[k][0]) for k, v in cols.items()})
    cut = data.draw(st.integers(0, n))
    whole = DatasetAccumulator(table.schema)
    whole.add_batch(table)
    a, b = DatasetAccumulator(table.schema), DatasetAccumulator(table.schema)
    for batch in table.slice(0, cut).to_batches():
        a.add_batch(batch)
    for batch in table.slice(cut).to_batches():
        b.add_batch(batch)
    sw, sm = whole.finalize(), b.merge(a).finalize()
    assert sm.num_examples == sw.num_examples == n
    for name in cols:
        assert_same_stats(sm[name], sw[name])


# ---- sketch mode ------------------------------------------------------------------------------------


def _true_rank_gap(sorted_data: np.ndarray, value: float, q: float) -> float:
    """Distance of ``q`` from the set of ranks ``value`` occupies in the data (0 if inside)."""
    lo = np.searchsorted(sorted_data, value, side="left") / sorted_data.size
    hi = np.searchsorted(sorted_data, value, side="right") / sorted_data.size
    return 0.0 if lo <= q <= hi else min(abs(q - lo), abs(q - hi))


def test_kll_quantiles_after_merging_three_parts() -> None:
    rng = np.random.default_rng(2024)
    data = np.concatenate([rng.normal(0, 1, 150_000), rng.exponential(30, 100_000), rng.integers(0, 5, 50_000)])
    rng.shuffle(data)
    parts = np.array_split(data, 3)  # 100k each: exact, exact, exact -> merged beyond the limit -> KLL
    assert all(p.size <= EXACT_QUANTILE_LIMIT for p in parts)
    acc = folded(pa.float64(), [pa.array(p) for p in parts])
    f = acc.finalize("x")
    n = f.numeric
    assert not n.quantiles_exact
    s = np.sort(data)
    gaps = {q: _true_rank_gap(s, n.quantiles[q], q) for q in QUANTILE_LEVELS}
    assert max(gaps.values()) <= 0.01, gaps
    # exact figures stay exact in sketch mode
    assert (n.num_finite, n.min, n.max, n.num_zeros) == (data.size, s[0], s[-1], int((data == 0).sum()))
    assert math.isclose(n.mean, data.mean(), rel_tol=1e-9)
    assert math.isclose(n.std, data.std(), rel_tol=1e-9)
    # histogram from the sketch: each bucket within 2 % of n (two CDF queries of <= 1 % each)
    true_counts = np.histogram(data, bins=np.array(n.histogram.edges))[0]
    assert np.max(np.abs(np.array(n.histogram.counts) - true_counts)) <= 0.02 * data.size
    assert math.isclose(sum(n.histogram.counts), data.size, rel_tol=1e-9)


def test_quantile_sketch_exact_plus_kll_merge_both_orders() -> None:
    rng = np.random.default_rng(5)
    big, small = rng.uniform(0, 1, 150_000), rng.uniform(10, 11, 20_000)
    truth = np.sort(np.concatenate([big, small]))
    for first, second in ((big, small), (small, big)):
        a, b = QuantileSketch(), QuantileSketch()
        a.update(first)
        b.update(second)
        assert a.is_exact != b.is_exact
        a.merge(b)
        assert a.n == truth.size and not a.is_exact
        qs = np.linspace(0.01, 0.99, 25)
        got = a.quantiles(qs)
        assert max(_true_rank_gap(truth, v, q) for v, q in zip(got, qs, strict=True)) <= 0.01
        pts = np.array([0.5, 1.0, 10.5])
        true_cdf = np.searchsorted(truth, pts, side="right") / truth.size
        assert np.max(np.abs(a.cdf(pts) - true_cdf)) <= 0.01


@pytest.mark.parametrize("kind", ["string", "int"])
def test_hyperloglog_distinct_within_2_percent(kind: str) -> None:
    rng = np.random.default_rng(99)
    n_distinct = 250_000
    ids = rng.permutation(n_distinct * 7)[:n_distinct] - 3 * n_distinct  # negative and positive ints
    repeats = rng.choice(ids, 50_000)  # duplicates must not be counted twice
    allv = np.concatenate([ids, repeats])
    rng.shuffle(allv)
    arr = pa.array([f"user-{v}" for v in allv]) if kind == "string" else pa.array(allv)
    t = arr.type
    parts = [arr.slice(0, 90_000), arr.slice(90_000, 90_000), arr.slice(180_000)]
    f = folded(t, parts).finalize("x")
    assert not f.values.exact
    assert abs(f.unique - n_distinct) <= 0.02 * n_distinct, f.unique
    assert f.values.counter.total == allv.size


def test_hll_regression_exact_side_switching_during_merge() -> None:
    """Regression: merging a sketch into a counter whose pending values exceed the exact limit
    rebuilt HyperLogLog from the pruned (10k) values and lost ~150k distinct values."""
    a = ValueCounter(pa.int64())
    a.update(pa.array(np.arange(150_000)))  # pending, not compacted: still "exact"
    b = ValueCounter(pa.int64())
    b.update(pa.array(np.arange(1_000_000, 1_250_000)))
    b.update(pa.array(np.arange(1_000_000, 1_000_010)))
    b.merge(ValueCounter(pa.int64()))  # compacts b: sketch mode
    assert a.is_exact and not b.is_exact
    a.merge(b)
    assert abs(a.distinct() - 400_000) <= 0.02 * 400_000


def test_misra_gries_bounds_after_merge() -> None:
    rng = np.random.default_rng(17)
    heavy = np.repeat(np.arange(40), np.linspace(300, 4000, 40).astype(int))  # 40 heavy hitters
    medium = np.repeat(np.arange(1000, 3000), 25)  # 2000 values x 25
    tail = rng.permutation(np.arange(10_000, 400_000))[:250_000]  # mostly unique
    data = np.concatenate([heavy, medium, tail])
    rng.shuffle(data)
    parts = np.array_split(data, 3)
    f = folded(pa.int64(), [pa.array(p) for p in parts]).finalize("x")
    vc = f.values
    assert not vc.exact
    total = data.size
    assert vc.counter.total == total
    cap = FREQUENT_ITEMS_CAPACITY
    assert 0 < vc.error_bound <= total / (cap + 1)
    uniq, counts = np.unique(data, return_counts=True)
    true = dict(zip(uniq.tolist(), counts.tolist(), strict=True))
    got = vc.as_dict()
    assert len(got) <= cap
    for v, c in got.items():
        assert true[v] - vc.error_bound <= c <= true[v], v
    margin = 1
    for v, c in true.items():
        if c > total / (cap + 1) + margin:
            assert v in got, v
    assert {int(v) for v in range(40)} <= set(got)
    # values are listed by count desc, ties by value
    listed = list(zip(vc.values, vc.counts, strict=True))
    assert listed == sorted(listed, key=lambda vc_: (-vc_[1], vc_[0]))
    assert abs(vc.unique - uniq.size) <= 0.02 * uniq.size


def test_string_counter_stays_exact_up_to_limit() -> None:
    n = EXACT_DISTINCT_LIMIT
    arr = pa.array([f"v{i}" for i in range(n)] + ["v0"])
    f = folded(pa.string(), [arr.slice(0, n // 2), arr.slice(n // 2)]).finalize("x")
    assert f.values.exact and f.unique == n and f.top_values(1) == [("v0", 2)]
    assert f.values.error_bound == 0 and len(f.values.values) == n


def test_merge_is_deterministic_for_exact_fields_in_sketch_mode() -> None:
    """Exact counters (counts, min, max, zeros, totals) stay exact however large the data."""
    rng = np.random.default_rng(1)
    data = rng.integers(-1000, 1000, 240_000)
    parts = [pa.array(p) for p in np.array_split(data, 4)]
    f1 = folded(pa.int64(), parts).finalize("x")
    f2 = folded(pa.int64(), parts[::-1]).finalize("x")
    for f in (f1, f2):
        assert (f.numeric.min, f.numeric.max, f.numeric.num_zeros) == (-1000, 999, int((data == 0).sum()))
        assert f.values.exact and f.values.as_dict() == dict(zip(*np.unique(data, return_counts=True), strict=True))
    assert exact_fields(f1)["values"] == exact_fields(f2)["values"]


def test_sketch_constants_as_documented() -> None:
    assert sketches.EXACT_QUANTILE_LIMIT == 100_000 and sketches.KLL_K >= 400  # k=400: <= 0.68 % rank error
    assert sketches.EXACT_DISTINCT_LIMIT == 100_000 and sketches.FREQUENT_ITEMS_CAPACITY == 10_000
    # HyperLogLog standard error 1.04/sqrt(m) must leave the 2 % budget at >= 2.4 sigma
    assert 1.04 / math.sqrt(2**sketches.HLL_PRECISION) * 2.4 <= 0.02


def test_counters_record_their_hash_version_and_do_not_merge_foreign_registers() -> None:
    """Regression: the HLL hash version was written but never checked: registers of different hash
    functions were merged (wrong distinct count), and a loaded counter re-recorded the current version."""
    n = EXACT_DISTINCT_LIMIT + 20_000
    a = ValueCounter(pa.int64())
    a.update(pa.array(np.arange(n)))
    b = ValueCounter(pa.int64())
    b.update(pa.array(np.arange(n, 2 * n)))
    est_a, est_b = a.distinct(), b.distinct()
    assert not a.is_exact and a.hash_version == sketches.hash_version()
    d = b.to_dict()
    d["hash"] = "some-other-hash-v0"
    foreign = ValueCounter.from_dict(d, pa.int64())
    assert foreign.hash_version == "some-other-hash-v0"
    assert foreign.to_dict()["hash"] == "some-other-hash-v0"  # round trip keeps the recorded version
    a.merge(foreign)
    # not the register-wise union (about 2n): the larger of the two estimates
    assert a.distinct() == max(est_a, est_b)
    assert a.hash_version == sketches.hash_version()
    # a same-version merge still unions the registers
    c = ValueCounter.from_dict(b.to_dict(), pa.int64())
    same = ValueCounter.from_dict(ValueCounter.from_dict(a.to_dict(), pa.int64()).to_dict(), pa.int64())
    assert same.distinct() == a.distinct()  # the fallback floor survives JSON
    c2 = ValueCounter(pa.int64())
    c2.update(pa.array(np.arange(n)))
    c2.merge(c)
    assert abs(c2.distinct() - 2 * n) <= 0.02 * 2 * n
