"""Export to TFDV's DatasetFeatureStatisticsList: parses, and every number agrees with ours."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import statistics_pb2 as sp

from dvtools.statistics import DatasetStatistics, SlicedAccumulator
from dvtools.statistics.tfdv import ALL_EXAMPLES, to_tfdv_bytes, to_tfdv_proto, to_tfdv_text

N = 2000


@pytest.fixture(scope="module")
def stats() -> DatasetStatistics:
    rng = np.random.default_rng(8)
    f = rng.normal(5, 2, N)
    f[::50] = np.nan
    f[3::101] = 0.0
    table = pa.table({
        "i": pa.array(rng.integers(-3, 9, N), mask=rng.random(N) < 0.1),
        "f": f,
        "s": pa.array([None if k % 13 == 0 else ["red", "green", "blue", "Zürich", ""][k % 7 % 5] for k in range(N)]),
        "b": pa.array([None if k % 10 == 0 else k % 4 == 0 for k in range(N)]),
        "t": pa.array(np.arange(N).astype("datetime64[D]")),
        "l": pa.array([None if k % 6 == 0 else [float(k % 5)] * (k % 3) for k in range(N)]),
        "ls": pa.array([["a", "b", "a"][: k % 4] for k in range(N)]),
        "st": pa.array([{"x": k} if k % 3 else None for k in range(N)]),
        "by": pa.array([b"\x00" * (k % 4) for k in range(N)]),
        "c": pa.array([float(k % 2) * 0 + 7.0 for k in range(N)]),  # constant
        "k": pa.array([["p", "q"][k % 2] for k in range(N)]),
    })
    acc = SlicedAccumulator(table.schema, "k")
    for batch in table.to_batches(max_chunksize=700):
        acc.add_batch(batch)
    return acc.finalize()


def _by_name(ds: sp.DatasetFeatureStatistics) -> dict[str, sp.FeatureNameStatistics]:
    return {f.path.step[0]: f for f in ds.features}


def test_parses_as_dataset_feature_statistics_list(stats: DatasetStatistics) -> None:
    proto = to_tfdv_proto(stats)
    assert isinstance(proto, sp.DatasetFeatureStatisticsList)
    parsed = sp.DatasetFeatureStatisticsList()
    parsed.ParseFromString(to_tfdv_bytes(stats))
    assert parsed == proto
    assert text_format.Parse(to_tfdv_text(stats), sp.DatasetFeatureStatisticsList()) == proto
    assert [d.name for d in proto.datasets] == [ALL_EXAMPLES, "k=p", "k=q"]
    assert [d.num_examples for d in proto.datasets] == [N, N // 2, N // 2]
    assert [f.path.step[0] for f in proto.datasets[0].features] == list(stats.features)


EXPECTED_TYPES = {
    "i": sp.FeatureNameStatistics.INT, "f": sp.FeatureNameStatistics.FLOAT, "s": sp.FeatureNameStatistics.STRING,
    "b": sp.FeatureNameStatistics.INT, "t": sp.FeatureNameStatistics.INT, "l": sp.FeatureNameStatistics.FLOAT,
    "ls": sp.FeatureNameStatistics.STRING, "st": sp.FeatureNameStatistics.STRUCT,
    "by": sp.FeatureNameStatistics.BYTES, "c": sp.FeatureNameStatistics.FLOAT,
}


@pytest.mark.parametrize("dataset", [0, 1, 2])
def test_numbers_agree(stats: DatasetStatistics, dataset: int) -> None:
    proto = to_tfdv_proto(stats)
    ours = stats if dataset == 0 else list(stats.slices.values())[dataset - 1]
    feats = _by_name(proto.datasets[dataset])
    for name, t in EXPECTED_TYPES.items():
        assert feats[name].type == t, name
    for name in ("i", "f", "t", "c", "l"):
        f = ours[name]
        inner = f.values_statistics if f.list_lengths is not None else f
        n = inner.numeric
        ns = feats[name].num_stats
        cs = ns.common_stats
        assert (cs.num_non_missing, cs.num_missing) == (f.num_present, f.num_missing), name
        assert cs.num_non_missing + cs.num_missing == ours.num_examples
        assert (ns.mean, ns.std_dev, ns.min, ns.max, ns.median) == pytest.approx(
            (n.mean, n.std, n.min, n.max, n.median), rel=1e-12), name
        assert ns.num_zeros == n.num_zeros
        kinds = [h.type for h in ns.histograms]
        assert kinds == [sp.Histogram.STANDARD, sp.Histogram.QUANTILES]
        for h in ns.histograms:
            assert h.num_nan == n.num_nan
            assert sum(b.sample_count for b in h.buckets) == pytest.approx(n.num_finite)
            assert h.buckets[0].low_value == n.min and h.buckets[-1].high_value == n.max
            lows = [b.low_value for b in h.buckets]
            assert lows == sorted(lows)
        std = [b.sample_count for b in ns.histograms[0].buckets]
        assert std == list(n.histogram.counts)
    # strings
    s, ss = ours["s"], feats["s"].string_stats
    assert (ss.common_stats.num_non_missing, ss.common_stats.num_missing) == (s.num_present, s.num_missing)
    assert ss.unique == s.unique
    assert [(v.value, v.frequency) for v in ss.top_values] == [(str(v), float(c)) for v, c in s.top_values()]
    assert [(b.label, b.sample_count) for b in ss.rank_histogram.buckets] == [
        (v.value, v.frequency) for v in ss.top_values]
    assert ss.avg_length == pytest.approx(s.string.avg_length, rel=1e-6)  # a float32 field
    # booleans as INT 0/1
    b, bs = ours["b"], feats["b"].num_stats
    p = b.num_true / (b.num_true + b.num_false)
    assert (bs.mean, bs.std_dev, bs.num_zeros, bs.min, bs.max) == pytest.approx(
        (p, math.sqrt(p * (1 - p)), b.num_false, 0.0 if b.num_false else 1.0, 1.0 if b.num_true else 0.0))
    assert bs.common_stats.num_missing == b.num_missing
    # lists: values per row, over present rows
    for name in ("l", "ls"):
        f = ours[name]
        cs = (feats[name].num_stats if name == "l" else feats[name].string_stats).common_stats
        assert (cs.min_num_values, cs.max_num_values) == (f.list_lengths.min, f.list_lengths.max)
        assert cs.avg_num_values == pytest.approx(f.list_lengths.mean, rel=1e-6)  # float32
        assert cs.tot_num_values == f.values_statistics.count
    assert feats["st"].struct_stats.common_stats.num_missing == ours["st"].num_missing
    assert feats["by"].bytes_stats.max_num_bytes == ours["by"].string.max_length == (3 if dataset != 1 else 2)
    assert feats["by"].bytes_stats.avg_num_bytes == pytest.approx(ours["by"].string.avg_length)


def test_raw_counts_against_data() -> None:
    """TFDV numbers against numpy on the raw data (not just against our own statistics)."""
    vals = np.array([1.0, 2.0, 2.0, 0.0, np.nan, 10.0, -4.0])
    acc = SlicedAccumulator(pa.schema([("x", pa.float64())]), None)
    acc.add_batch(pa.record_batch([pa.array(vals)], names=["x"]))
    ns = to_tfdv_proto(acc.finalize()).datasets[0].features[0].num_stats
    finite = vals[np.isfinite(vals)]
    assert ns.common_stats.num_non_missing == 7 and ns.common_stats.num_missing == 0
    assert (ns.mean, ns.std_dev, ns.min, ns.max, ns.median) == pytest.approx(
        (finite.mean(), finite.std(), -4.0, 10.0, np.median(finite)))
    assert ns.num_zeros == 1
    std = ns.histograms[0]
    assert [b.sample_count for b in std.buckets] == np.histogram(finite, np.linspace(-4, 10, 11))[0].tolist()
    assert std.num_nan == 1


def test_empty_and_all_null_features_export() -> None:
    schema = pa.schema([("f", pa.float64()), ("s", pa.string()), ("b", pa.bool_()), ("l", pa.list_(pa.int64()))])
    acc = SlicedAccumulator(schema, None)
    acc.add_batch(pa.table({n: pa.nulls(4, schema.field(n).type) for n in schema.names}))
    proto = to_tfdv_proto(acc.finalize())
    feats = _by_name(proto.datasets[0])
    assert feats["f"].num_stats.common_stats.num_missing == 4
    assert list(feats["f"].num_stats.histograms) == []
    assert feats["s"].string_stats.unique == 0 and feats["s"].string_stats.common_stats.num_missing == 4
    assert feats["b"].num_stats.common_stats.num_non_missing == 0
    empty = to_tfdv_proto(SlicedAccumulator(schema, None).finalize())
    assert empty.datasets[0].num_examples == 0 and len(empty.datasets[0].features) == 4
