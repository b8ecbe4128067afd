"""Export statistics as TFDV's ``DatasetFeatureStatisticsList`` protobuf.

So TFDV and Facets users can load our output (``tfdv.load_statistics``, Facets Overview). The
whole dataset is the ``DatasetFeatureStatistics`` named ``"All Examples"`` (TFDV's default slice
name); each slice follows, named ``"column=value"``. TFDV has no BOOL or TIMESTAMP type: booleans
are exported as INT 0/1 and timestamps as INT microseconds since the epoch (the statistics' unit).
"""

from __future__ import annotations

import math

from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import statistics_pb2 as sp

from dvtools.statistics.model import DatasetStatistics, FeatureStatistics, LogicalType, NumericStatistics

ALL_EXAMPLES = "All Examples"

_TYPES = {
    LogicalType.INT: sp.FeatureNameStatistics.INT,
    LogicalType.BOOL: sp.FeatureNameStatistics.INT,
    LogicalType.TIMESTAMP: sp.FeatureNameStatistics.INT,
    LogicalType.FLOAT: sp.FeatureNameStatistics.FLOAT,
    LogicalType.STRING: sp.FeatureNameStatistics.STRING,
    LogicalType.BYTES: sp.FeatureNameStatistics.BYTES,
    LogicalType.STRUCT: sp.FeatureNameStatistics.STRUCT,
    LogicalType.NULL: sp.FeatureNameStatistics.STRING,
}


def _num(x: float) -> float:
    return 0.0 if x is None or math.isnan(x) else float(x)


def _common(f: FeatureStatistics, cs: sp.CommonStatistics) -> None:
    cs.num_non_missing = f.num_present
    cs.num_missing = f.num_missing
    if f.list_lengths is not None and f.list_lengths.num_finite:
        ll = f.list_lengths
        cs.min_num_values = int(ll.min)
        cs.max_num_values = int(ll.max)
        cs.avg_num_values = float(ll.mean)
        cs.tot_num_values = int(round(ll.mean * ll.num_finite))
    elif f.num_present:
        cs.min_num_values = 1
        cs.max_num_values = 1
        cs.avg_num_values = 1.0
        cs.tot_num_values = f.num_present


def _histogram(n: NumericStatistics, which: str, h: sp.Histogram) -> None:
    src = n.histogram if which == "standard" else n.quantiles_histogram
    h.type = sp.Histogram.STANDARD if which == "standard" else sp.Histogram.QUANTILES
    h.num_nan = n.num_nan
    for i, c in enumerate(src.counts):
        b = h.buckets.add()
        b.low_value = src.edges[i]
        b.high_value = src.edges[i + 1]
        b.sample_count = c


def _numeric(f: FeatureStatistics, n: NumericStatistics, ns: sp.NumericStatistics) -> None:
    ns.mean = _num(n.mean)
    ns.std_dev = _num(n.std)
    ns.num_zeros = n.num_zeros
    ns.min = _num(n.min)
    ns.max = _num(n.max)
    ns.median = _num(n.median)
    if n.num_finite:
        _histogram(n, "standard", ns.histograms.add())
        _histogram(n, "quantiles", ns.histograms.add())


def _bool_numeric(f: FeatureStatistics, ns: sp.NumericStatistics) -> None:
    t, fa = f.num_true or 0, f.num_false or 0
    n = t + fa
    if not n:
        return
    p = t / n
    ns.mean = p
    ns.std_dev = math.sqrt(p * (1 - p))
    ns.num_zeros = fa
    ns.min = 0.0 if fa else 1.0
    ns.max = 1.0 if t else 0.0
    ns.median = 1.0 if p > 0.5 else 0.0


def feature_to_proto(f: FeatureStatistics, out: sp.FeatureNameStatistics, top_k: int = 20) -> None:
    """Fill one ``FeatureNameStatistics``."""
    out.path.step.append(f.name)
    inner = f.value_view
    out.type = _TYPES.get(inner.logical_type, sp.FeatureNameStatistics.STRING)
    lt = inner.logical_type
    if lt in (LogicalType.INT, LogicalType.FLOAT, LogicalType.TIMESTAMP, LogicalType.BOOL):
        _common(f, out.num_stats.common_stats)
        if lt == LogicalType.BOOL:
            _bool_numeric(inner, out.num_stats)
        elif inner.numeric is not None:
            _numeric(inner, inner.numeric, out.num_stats)
    elif lt == LogicalType.BYTES:
        _common(f, out.bytes_stats.common_stats)
        if inner.string is not None:
            out.bytes_stats.avg_num_bytes = _num(inner.string.avg_length)
            out.bytes_stats.min_num_bytes = inner.string.min_length
            out.bytes_stats.max_num_bytes = inner.string.max_length
    elif lt == LogicalType.STRUCT:
        _common(f, out.struct_stats.common_stats)
    else:
        ss = out.string_stats
        _common(f, ss.common_stats)
        if inner.values is not None:
            ss.unique = inner.values.unique
            for rank, (v, c) in enumerate(inner.values.top(top_k)):
                tv = ss.top_values.add()
                tv.value = str(v)
                tv.frequency = float(c)
                b = ss.rank_histogram.buckets.add()
                b.low_rank = rank
                b.high_rank = rank
                b.label = str(v)
                b.sample_count = float(c)
        if inner.string is not None:
            ss.avg_length = _num(inner.string.avg_length)


def dataset_to_proto(stats: DatasetStatistics, out: sp.DatasetFeatureStatistics, name: str) -> None:
    """Fill one ``DatasetFeatureStatistics``."""
    out.name = name
    out.num_examples = stats.num_examples
    for f in stats:
        feature_to_proto(f, out.features.add())


def to_tfdv_proto(stats: DatasetStatistics) -> sp.DatasetFeatureStatisticsList:
    """The whole dataset (``All Examples``) then each slice, as TFDV writes them."""
    out = sp.DatasetFeatureStatisticsList()
    dataset_to_proto(stats, out.datasets.add(), ALL_EXAMPLES)
    for label, sl in stats.slices.items():
        dataset_to_proto(sl, out.datasets.add(), f"{stats.slice_column}={label}")
    return out


def to_tfdv_bytes(stats: DatasetStatistics) -> bytes:
    """Binary protobuf (what ``tfdv.load_stats_binary`` reads)."""
    return to_tfdv_proto(stats).SerializeToString()


def to_tfdv_text(stats: DatasetStatistics) -> str:
    """Text protobuf (what ``tfdv.load_stats_text`` reads)."""
    return text_format.MessageToString(to_tfdv_proto(stats))
