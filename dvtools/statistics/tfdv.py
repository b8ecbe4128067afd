"""TFDV's ``DatasetFeatureStatisticsList`` both ways: export our statistics, import TFDV's.

Export (``dvtools stats --format tfdv|tfdv-text``), so TFDV and Facets users can load our output:

* ``--format tfdv`` writes the binary ``DatasetFeatureStatisticsList``: read it with
  ``tfdv.load_stats_binary(path)``; ``--format tfdv-text`` writes the text format: read it with
  ``tfdv.load_stats_text(path)``. (``tfdv.load_statistics`` reads the TFRecord file that
  ``tfdv.generate_statistics_*`` and TFX StatisticsGen write; it cannot read either of ours.)
* The whole dataset is the ``DatasetFeatureStatistics`` named ``"All Examples"`` (TFDV's default
  slice name); each slice follows, named ``"column=value"``.
* String features carry the top 20 values (``top_values``, TFDV's ``num_top_values``) *and* a rank
  histogram of up to 1,000 values (``rank_histogram``, TFDV's ``num_rank_histogram_buckets``), which
  is what ``tfdv.infer_schema`` builds string domains from and what TFDV's L-infinity comparator
  reads: so the domains inferred from our statistics are those inferred from TFDV's own.
* TFDV has no BOOL or TIMESTAMP type: booleans are exported as INT 0/1 and timestamps as INT
  microseconds since the epoch (the statistics' unit).
* The median is ours: the average of the two middle values for an even count of exact values
  (numpy's linear interpolation), where TFDV reports the upper one of its quantiles; on KLL sketches
  both are approximate.

Import (:func:`statistics_from_tfdv`; ``dvtools validate``, ``dvtools compare`` and the dashboard
accept TFDV statistics wherever they accept ours): the binary list, its text format and the TFRecord
file StatisticsGen writes (each record a serialized ``DatasetFeatureStatisticsList``; framing:
length ``uint64``, masked CRC-32C of the length ``uint32``, data, masked CRC-32C of the data
``uint32``, checked). TFDV's statistics carry histograms and top values, not our sketches, so:

* numeric CDFs and quantiles are interpolated from TFDV's 10-bucket QUANTILES histogram
  (:class:`~dvtools.statistics.sketches.HistogramSketch`: never exact); the 1 %, 5 %, 25 %, 75 %, 95 %
  and 99 % quantiles are not known (NaN); the median is TFDV's;
* numeric JS, PSI and Hellinger use TFDV's own binning (``shared_bins(..., binning="tfdv")``: its
  STANDARD histograms, kept as they were), and KS and Wasserstein are not computed: the
  comparison says so per feature;
* category counts are the rank histogram's (exact counts; complete when TFDV listed every value,
  else an ``(other)`` remainder as for our own frequent-items counters).

This is said once, as a warning of the loaded statistics.
"""

from __future__ import annotations

import base64
import math
import re
import struct
import zlib

import numpy as np
import pyarrow as pa
from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import statistics_pb2 as sp

from dvtools.errors import StatisticsFormatError
from dvtools.statistics.model import (
    QUANTILE_LEVELS,
    DatasetStatistics,
    FeatureStatistics,
    Histogram,
    LogicalType,
    NumericStatistics,
    StringStatistics,
    ValueCounts,
)
from dvtools.statistics.sketches import HLL_PRECISION, HistogramSketch, ValueCounter, hash_version

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


#: TFDV's defaults: top values listed, and buckets of the rank histogram.
TOP_VALUES = 20
RANK_HISTOGRAM_BUCKETS = 1000


def feature_to_proto(f: FeatureStatistics, out: sp.FeatureNameStatistics, top_k: int = TOP_VALUES,
                     rank_k: int = RANK_HISTOGRAM_BUCKETS) -> None:
    """Fill one ``FeatureNameStatistics`` (string features: ``top_k`` top values, ``rank_k`` ranks)."""
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
            for rank, (v, c) in enumerate(inner.values.top(max(top_k, rank_k))):
                if rank < top_k:
                    tv = ss.top_values.add()
                    tv.value = str(v)
                    tv.frequency = float(c)
                if rank >= rank_k:
                    continue
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


# --------------------------------------------------------------------------- import

#: How TFDV statistics files are recognized and parsed: ``tfdv`` (binary), ``tfdv-text``, ``tfrecord``.
TFDV_FORMATS = ("tfdv", "tfdv-text", "tfrecord")

IMPORT_WARNING = (
    "statistics imported from TFDV ({fmt}): they carry histograms, not dvtools sketches, so numeric "
    "quantiles and CDFs are interpolated from TFDV's 10 quantile buckets, numeric JS/PSI/Hellinger use "
    "TFDV's histograms (binning 'tfdv'), and KS and Wasserstein are not computed"
)

_CRC_TABLE: list[int] = []
_TEXT_START = re.compile(rb"\A(?:\s|#[^\n]*\n)*datasets\s*[{:<]")
MAX_STATISTICS_BYTES = 2 * 1024**3  # protobuf's own message limit


def _crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), table-driven (a TFRecord's checksum)."""
    if not _CRC_TABLE:
        for i in range(256):
            c = i
            for _ in range(8):
                c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
            _CRC_TABLE.append(c)
    table, crc = _CRC_TABLE, 0xFFFFFFFF
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC: ``((crc >> 15 | crc << 17) + 0xa282ead8) mod 2**32``."""
    crc = _crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


#: Records up to this size get their data checksum verified (pure Python CRC: ~2 MB/s).
CRC_CHECK_MAX_BYTES = 4 * 1024**2


def tfrecord_records(data: bytes, name: str = "file") -> list[bytes]:
    """The records of a TFRecord file (uncompressed), checksums verified; one-line errors."""
    out, pos = [], 0
    while pos < len(data):
        if len(data) - pos < 12:
            raise StatisticsFormatError(f"{name}: truncated TFRecord header at byte {pos}")
        header = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (hcrc,) = struct.unpack("<I", data[pos + 8:pos + 12])
        if masked_crc32c(header) != hcrc:
            raise StatisticsFormatError(f"{name}: TFRecord length checksum mismatch at byte {pos}")
        start, end = pos + 12, pos + 12 + length
        if end + 4 > len(data):
            raise StatisticsFormatError(f"{name}: truncated TFRecord record at byte {pos}")
        record = data[start:end]
        (dcrc,) = struct.unpack("<I", data[end:end + 4])
        if length <= CRC_CHECK_MAX_BYTES and masked_crc32c(record) != dcrc:
            raise StatisticsFormatError(f"{name}: TFRecord data checksum mismatch in the record at byte {pos}")
        out.append(record)
        pos = end + 4
    return out


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while pos < len(data) and shift < 64:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
    return -1, pos


def _binary_walk(head: bytes, size: int) -> bool:
    """True when ``head`` (the first bytes of a ``size``-byte file) chains field-1 messages to the end.

    A binary ``DatasetFeatureStatisticsList`` is a sequence of ``datasets`` fields (tag ``0x0a``, a
    length, the message). Only the part in ``head`` can be checked; a file whose first message goes
    beyond ``head`` must at least end inside the file.
    """
    pos, seen = 0, 0
    while pos < size:
        if pos >= len(head):
            return seen > 0
        if head[pos] != 0x0A:
            return False
        length, nxt = _varint(head, pos + 1)
        if length < 0 or nxt + length > size:
            return False
        if nxt < len(head):  # the dataset message itself starts with a known field tag
            first = head[nxt] if length else 0x0A
            if length and first not in (0x0A, 0x10, 0x1A, 0x21, 0x2A):
                return False
        pos, seen = nxt + length, seen + 1
    return seen > 0 and pos == size


_DATA_SUFFIXES = {".csv", ".tsv", ".txt.gz", ".parquet", ".pq", ".jsonl", ".ndjson", ".json", ".arrow", ".feather",
                  ".ipc", ".orc", ".avro", ".gz", ".zst", ".bz2", ".xz", ".zip"}


def tfdv_format(head: bytes, size: int | None = None, name: str = "") -> str | None:
    """``"tfdv"``, ``"tfdv-text"`` or ``"tfrecord"`` when ``head`` starts TFDV statistics, else ``None``.

    ``head``: the file's first bytes (the whole file for exact binary detection); ``size``: the
    file's size (default ``len(head)``). Recognized by content: a TFRecord by its length checksum,
    the text format by its first field ``datasets``, the binary format by its chain of
    ``datasets`` messages ending exactly at the end of the file. Files named as data (``.csv``,
    ``.parquet``, ``.json``...) are never taken for TFDV statistics.
    """
    size = len(head) if size is None else size
    lower = name.lower()
    if any(lower.endswith(sfx) for sfx in _DATA_SUFFIXES) or size == 0:
        return None
    if len(head) >= 12:
        (length,) = struct.unpack("<Q", head[:8])
        (hcrc,) = struct.unpack("<I", head[8:12])
        if masked_crc32c(head[:8]) == hcrc:  # 1 in 2**32 by chance; a truncated record is then reported
            return "tfrecord"
    if _TEXT_START.match(head[:4096]):
        return "tfdv-text"
    if _binary_walk(head, size):
        return "tfdv"
    return None


def parse_tfdv(data: bytes, fmt: str, name: str = "file") -> sp.DatasetFeatureStatisticsList:
    """Parse TFDV statistics bytes of format ``fmt`` (:data:`TFDV_FORMATS`); one-line errors."""
    out = sp.DatasetFeatureStatisticsList()
    try:
        if fmt == "tfdv":
            out.ParseFromString(data)
        elif fmt == "tfdv-text":
            text_format.Parse(data.decode("utf-8"), out)
        elif fmt == "tfrecord":
            for record in tfrecord_records(data, name):
                part = sp.DatasetFeatureStatisticsList()
                part.ParseFromString(record)
                out.datasets.extend(part.datasets)
        else:
            raise StatisticsFormatError(f"{name}: unknown TFDV statistics format {fmt!r}")
    except StatisticsFormatError:
        raise
    except Exception as e:  # DecodeError, ParseError, UnicodeDecodeError: the bytes are not what they claim
        msg = " ".join(str(e).split())[:200]
        raise StatisticsFormatError(f"{name}: not readable as TFDV statistics ({fmt}): {type(e).__name__}: {msg}") from None
    if not out.datasets:
        raise StatisticsFormatError(f"{name}: TFDV statistics without any dataset")
    return out


def _feature_name(f: sp.FeatureNameStatistics) -> str:
    if f.HasField("path") and f.path.step:
        return ".".join(f.path.step)
    return f.name


def _common_of(f: sp.FeatureNameStatistics) -> sp.CommonStatistics | None:
    which = f.WhichOneof("stats")
    if which is None:
        return None
    return getattr(f, which).common_stats


def _hist(n: sp.NumericStatistics, kind: int) -> sp.Histogram | None:
    return next((h for h in n.histograms if h.type == kind), None)


def _contiguous(h: sp.Histogram) -> tuple[list[float], list[float]]:
    """Finite buckets of a histogram as our ``edges``/``counts`` (a gap becomes an empty bucket)."""
    edges: list[float] = []
    counts: list[float] = []
    for b in sorted(h.buckets, key=lambda b: (b.low_value, b.high_value)):
        if not (math.isfinite(b.low_value) and math.isfinite(b.high_value)):
            continue
        if edges and b.low_value > edges[-1]:
            counts.append(0.0)
            edges.append(b.low_value)
        elif edges and b.low_value < edges[-1]:
            continue  # overlapping buckets: TFDV never writes them
        if not edges:
            edges.append(b.low_value)
        edges.append(b.high_value)
        counts.append(b.sample_count)
    return edges, counts


def _numeric_from(n: sp.NumericStatistics, num_values: int) -> NumericStatistics:
    std_h, q_h = _hist(n, sp.Histogram.STANDARD), _hist(n, sp.Histogram.QUANTILES)
    num_nan = int((std_h or q_h).num_nan) if (std_h or q_h) is not None else 0
    num_finite = max(num_values - num_nan, 0)
    basis = q_h if q_h is not None and q_h.buckets else std_h
    edges, counts = _contiguous(basis) if basis is not None else ([], [])
    if not edges and num_finite:
        edges, counts = [n.min, n.max], [float(num_finite)]
    standard = [(b.low_value, b.high_value, b.sample_count) for b in std_h.buckets] if std_h is not None else []
    sketch = HistogramSketch(edges, counts, standard=standard, num_nan=num_nan)
    quantiles = dict.fromkeys(QUANTILE_LEVELS, math.nan)
    if q_h is not None and q_h.buckets and num_finite:
        qe = np.asarray(edges)
        cum = np.concatenate([[0.0], np.cumsum(counts)]) / max(sum(counts), 1e-300)
        for q in QUANTILE_LEVELS:  # only the levels that are bucket boundaries of TFDV's quantiles
            hit = np.flatnonzero(np.abs(cum - q) < 1e-9)
            if hit.size:
                quantiles[q] = float(qe[hit[0]])
    if num_finite:
        quantiles[0.5] = float(n.median)
    std_e, std_c = _contiguous(std_h) if std_h is not None else ([], [])
    if not std_e and num_finite:
        std_e, std_c = [n.min, n.max], [float(num_finite)]
    empty = not num_finite
    return NumericStatistics(
        num_finite=num_finite,
        mean=math.nan if empty else float(n.mean),
        std=math.nan if empty else float(n.std_dev),
        min=math.nan if empty else float(n.min),
        max=math.nan if empty else float(n.max),
        num_zeros=int(n.num_zeros),
        num_nan=num_nan,
        num_pos_inf=0,
        num_neg_inf=0,
        quantiles=quantiles,
        histogram=Histogram("standard", tuple(std_e), tuple(std_c)),
        quantiles_histogram=Histogram("quantiles", tuple(edges), tuple(counts)),
        sketch=sketch,
    )


def _values_from(ss: sp.StringStatistics, total: int, value_type: pa.DataType) -> ValueCounts:
    buckets = list(ss.rank_histogram.buckets) or [
        sp.RankHistogram.Bucket(label=tv.value, sample_count=tv.frequency) for tv in ss.top_values]
    merged: dict[str, int] = {}
    for b in buckets:
        merged[b.label] = merged.get(b.label, 0) + int(round(b.sample_count))
    listed = sum(merged.values())
    unique = max(int(ss.unique), len(merged))
    complete = unique <= len(merged) and listed >= total
    values = list(merged)
    typed = pa.array(values, type=pa.string()).cast(value_type) if value_type != pa.string() else pa.array(values)
    counter = ValueCounter(value_type)
    counter.add_counts(typed, np.asarray(list(merged.values()), dtype=np.int64))
    counter.total = max(total, listed)
    if not complete:
        # Not every value is listed: a frequent-items counter whose distinct count is TFDV's.
        d = counter.to_dict()
        d["hll"] = base64.b64encode(zlib.compress(bytes(2**HLL_PRECISION))).decode("ascii")
        d["hash"] = hash_version()
        d["distinct_floor"] = unique
        counter = ValueCounter.from_dict(d, value_type)
    return ValueCounts.from_counter(counter)


_NUMERIC_TYPES = {sp.FeatureNameStatistics.INT: (LogicalType.INT, "int64"),
                  sp.FeatureNameStatistics.FLOAT: (LogicalType.FLOAT, "double")}


def feature_from_proto(f: sp.FeatureNameStatistics, num_examples: int) -> FeatureStatistics | None:
    """Our statistics of one TFDV feature (``None`` for features without statistics)."""
    cs = _common_of(f)
    if cs is None:
        return None
    name = _feature_name(f)
    present, missing = int(cs.num_non_missing), int(cs.num_missing)
    count = max(num_examples, present + missing)
    num_values = int(cs.tot_num_values) or int(round(cs.avg_num_values * present))
    is_list = cs.max_num_values > 1 or (present and cs.min_num_values != 1) or num_values != present
    which = f.WhichOneof("stats")
    if which == "num_stats" and f.type in _NUMERIC_TYPES:
        lt, arrow = _NUMERIC_TYPES[f.type]
        inner = FeatureStatistics(name, arrow, lt, num_values, 0, numeric=_numeric_from(f.num_stats, num_values))
    elif which == "string_stats":
        ss = f.string_stats
        inner = FeatureStatistics(name, "string", LogicalType.STRING, num_values, 0,
                                  values=_values_from(ss, num_values, pa.string()))
        if ss.avg_length or ss.common_stats.num_non_missing:
            inner.string = StringStatistics(float(ss.avg_length), 0, 0, 0, 0, 0)
    elif which == "bytes_stats":
        bs = f.bytes_stats
        inner = FeatureStatistics(name, "binary", LogicalType.BYTES, num_values, 0,
                                  string=StringStatistics(float(bs.avg_num_bytes), int(bs.min_num_bytes),
                                                          int(bs.max_num_bytes), 0, 0, 0))
    elif which == "struct_stats":
        return FeatureStatistics(name, "struct", LogicalType.STRUCT, count, missing)
    else:
        return None
    if not is_list:
        inner.count, inner.num_missing = count, missing
        return inner
    lengths = _list_lengths(cs)
    return FeatureStatistics(name, f"list<{inner.arrow_type}>", LogicalType.LIST, count, missing,
                             list_lengths=lengths, values_statistics=inner)


def _list_lengths(cs: sp.CommonStatistics) -> NumericStatistics:
    h = cs.num_values_histogram
    edges, counts = _contiguous(h) if h.buckets else ([float(cs.min_num_values), float(cs.max_num_values)],
                                                       [float(cs.num_non_missing)])
    present = int(cs.num_non_missing)
    quantiles = dict.fromkeys(QUANTILE_LEVELS, math.nan)
    return NumericStatistics(
        num_finite=present, mean=float(cs.avg_num_values), std=math.nan,
        min=float(cs.min_num_values), max=float(cs.max_num_values), num_zeros=0, num_nan=0, num_pos_inf=0,
        num_neg_inf=0, quantiles=quantiles,
        histogram=Histogram("standard", (float(cs.min_num_values), float(cs.max_num_values)), (float(present),)),
        quantiles_histogram=Histogram("quantiles", tuple(edges), tuple(counts)),
        sketch=HistogramSketch(edges, counts),
    )


def _dataset_from_proto(ds: sp.DatasetFeatureStatistics) -> DatasetStatistics:
    n = int(ds.num_examples)
    feats: dict[str, FeatureStatistics] = {}
    for f in ds.features:
        fs = feature_from_proto(f, n)
        if fs is not None:
            feats[fs.name] = fs
    return DatasetStatistics(num_examples=n, features=feats, name=ds.name)


def statistics_from_tfdv(data: bytes, fmt: str | None = None, name: str = "file") -> DatasetStatistics:
    """Our :class:`DatasetStatistics` of TFDV statistics bytes (format detected when ``fmt`` is None).

    The dataset named ``"All Examples"`` (or else the first) is the whole; the others become
    slices (``"column=value"`` names give the slice column, as our export writes them). The load
    warning says what TFDV statistics cannot carry (see the module docstring).
    """
    fmt = fmt or tfdv_format(data, len(data), name)
    if fmt is None:
        raise StatisticsFormatError(f"{name}: not a TFDV statistics file")
    lst = parse_tfdv(data, fmt, name)
    whole = next((d for d in lst.datasets if d.name == ALL_EXAMPLES), lst.datasets[0])
    stats = _dataset_from_proto(whole)
    rest = [d for d in lst.datasets if d is not whole]
    if rest:
        cols = {d.name.split("=", 1)[0] for d in rest if "=" in d.name}
        column = cols.pop() if len(cols) == 1 and all("=" in d.name for d in rest) else "slice"
        stats.slice_column = column
        stats.slices = {(d.name.split("=", 1)[1] if column != "slice" else d.name): _dataset_from_proto(d)
                        for d in rest}
    label = {"tfdv": "binary DatasetFeatureStatisticsList", "tfdv-text": "text DatasetFeatureStatisticsList",
             "tfrecord": "TFRecord of DatasetFeatureStatisticsList"}[fmt]
    stats.sources = [name]
    stats.warnings.append(IMPORT_WARNING.format(fmt=label))
    return stats
