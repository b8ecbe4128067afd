"""TFDV statistics both ways: the rank histogram in our export; TFDV's files (binary, text, TFRecord) imported."""

from __future__ import annotations

import math
import struct

import numpy as np
import pyarrow as pa
import pytest
from google.protobuf import text_format
from hypothesis import given, settings
from hypothesis import strategies as st
from tensorflow_metadata.proto.v0 import statistics_pb2 as sp

from dvtools.artifacts import is_statistics_file, load_statistics, statistics_format, statistics_from_bytes
from dvtools.cli import main
from dvtools.comparison import compare_statistics
from dvtools.errors import StatisticsFormatError
from dvtools.schema import infer_schema
from dvtools.statistics import DatasetStatistics
from dvtools.statistics.engine import DatasetAccumulator
from dvtools.statistics.tfdv import (
    RANK_HISTOGRAM_BUCKETS,
    TOP_VALUES,
    masked_crc32c,
    statistics_from_tfdv,
    tfdv_format,
    to_tfdv_bytes,
    to_tfdv_proto,
    to_tfdv_text,
)


def stats_of(table: pa.Table) -> DatasetStatistics:
    acc = DatasetAccumulator(table.schema)
    for batch in table.to_batches(4096):
        acc.add_batch(batch)
    return acc.finalize()


def tfrecord(*payloads: bytes) -> bytes:
    """TFRecord framing written independently: length, masked CRC of it, data, masked CRC of the data."""
    out = b""
    for p in payloads:
        head = struct.pack("<Q", len(p))
        out += head + struct.pack("<I", masked_crc32c(head)) + p + struct.pack("<I", masked_crc32c(p))
    return out


# ---------------------------------------------------------------- export: rank histogram


def test_export_writes_top_20_and_rank_histogram_of_1000():
    n = 6000
    values = [f"v{k % 1500:04d}" for k in range(n)] + ["v0007"] * 50  # v0007 most frequent
    table = pa.table({"s": values, "few": [["a", "b", "c"][k % 3] for k in range(n + 50)]})
    proto = to_tfdv_proto(stats_of(table))
    s, few = (f.string_stats for f in proto.datasets[0].features)
    assert len(s.top_values) == TOP_VALUES == 20
    assert len(s.rank_histogram.buckets) == RANK_HISTOGRAM_BUCKETS == 1000
    assert s.top_values[0].value == "v0007" and s.rank_histogram.buckets[0].label == "v0007"
    assert [b.low_rank for b in s.rank_histogram.buckets] == list(range(1000))
    assert [tv.value for tv in s.top_values] == [b.label for b in s.rank_histogram.buckets[:20]]
    assert s.unique == 1500
    assert {b.label: b.sample_count for b in few.rank_histogram.buckets} == {"a": 2017, "b": 2017, "c": 2016}


def test_domain_inferred_from_exported_statistics_has_every_value():
    # 60 categories: a 20-value export made a 20-value domain, so ordinary training values were anomalies.
    table = pa.table({"c": [f"cat{k % 60}" for k in range(6000)]})
    back = statistics_from_tfdv(to_tfdv_bytes(stats_of(table)), "tfdv")
    assert back["c"].values.exact and back["c"].unique == 60
    schema = infer_schema(back)
    assert sorted(schema.feature("c").domain.values) == sorted(f"cat{k}" for k in range(60))


# ---------------------------------------------------------------- import


def tfdv_like() -> sp.DatasetFeatureStatisticsList:
    """Statistics shaped as TFDV writes them (built by hand with tensorflow_metadata)."""
    lst = sp.DatasetFeatureStatisticsList()
    ds = lst.datasets.add(name="All Examples", num_examples=1000)
    fare = ds.features.add(type=sp.FeatureNameStatistics.FLOAT)
    fare.path.step.append("fare")
    ns = fare.num_stats
    ns.common_stats.num_non_missing = 990
    ns.common_stats.num_missing = 10
    ns.common_stats.min_num_values = ns.common_stats.max_num_values = 1
    ns.common_stats.avg_num_values = 1.0
    ns.common_stats.tot_num_values = 990
    ns.mean, ns.std_dev, ns.min, ns.max, ns.median, ns.num_zeros = 14.0, 20.0, 2.5, 700.0, 11.0, 0
    std = ns.histograms.add(type=sp.Histogram.STANDARD, num_nan=5)
    edges = np.linspace(2.5, 700.0, 11)
    for lo, hi, c in zip(edges[:-1], edges[1:], [970, 10, 3, 0, 1, 0, 0, 0, 0, 1], strict=True):
        std.buckets.add(low_value=lo, high_value=hi, sample_count=c)
    q = ns.histograms.add(type=sp.Histogram.QUANTILES, num_nan=5)
    qe = [2.5, 5, 6.5, 8, 9.5, 11, 12.5, 15, 18, 25, 700]
    for lo, hi in zip(qe[:-1], qe[1:], strict=True):
        q.buckets.add(low_value=lo, high_value=hi, sample_count=98.5)
    city = ds.features.add(type=sp.FeatureNameStatistics.STRING)
    city.path.step.append("city")
    ss = city.string_stats
    ss.common_stats.num_non_missing = 1000
    ss.common_stats.min_num_values = ss.common_stats.max_num_values = 1
    ss.common_stats.avg_num_values = 1.0
    ss.common_stats.tot_num_values = 1000
    ss.unique, ss.avg_length = 3, 5.0
    for rank, (label, c) in enumerate([("paris", 600), ("rome", 300), ("oslo", 100)]):
        ss.rank_histogram.buckets.add(low_rank=rank, high_rank=rank, label=label, sample_count=c)
        ss.top_values.add(value=label, frequency=c)
    uid = ds.features.add(type=sp.FeatureNameStatistics.STRING)
    uid.path.step.append("uid")
    us = uid.string_stats
    us.common_stats.num_non_missing = 1000
    us.common_stats.min_num_values = us.common_stats.max_num_values = 1
    us.common_stats.avg_num_values = 1.0
    us.common_stats.tot_num_values = 1000
    us.unique = 1000
    for rank in range(10):  # truncated: 10 of 1000 values listed
        us.rank_histogram.buckets.add(low_rank=rank, high_rank=rank, label=f"u{rank}", sample_count=1)
    return lst


@pytest.fixture(params=["tfdv", "tfdv-text", "tfrecord"])
def tfdv_file(request, tmp_path):
    lst = tfdv_like()
    data = {"tfdv": lst.SerializeToString(), "tfdv-text": text_format.MessageToString(lst).encode(),
            "tfrecord": tfrecord(lst.SerializeToString())}[request.param]
    name = {"tfdv": "FeatureStats.pb", "tfdv-text": "stats.pbtxt", "tfrecord": "stats_tfrecord"}[request.param]
    path = tmp_path / name
    path.write_bytes(data)
    return request.param, path


def test_every_tfdv_format_is_recognized_and_imported(tfdv_file):
    fmt, path = tfdv_file
    data = path.read_bytes()
    assert tfdv_format(data, len(data), path.name) == fmt
    assert statistics_format(data, path.name) == fmt
    assert is_statistics_file(path)
    stats = load_statistics(path)
    assert stats.num_examples == 1000 and list(stats.features) == ["fare", "city", "uid"]
    assert len(stats.warnings) == 1 and "KS and Wasserstein are not computed" in stats.warnings[0]
    fare = stats["fare"]
    assert (fare.count, fare.num_missing) == (1000, 10)
    n = fare.numeric
    assert (n.num_finite, n.num_nan, n.min, n.max, n.mean, n.median) == (985, 5, 2.5, 700.0, 14.0, 11.0)
    assert n.quantiles[0.1] == 5.0 and n.quantiles[0.9] == 25.0 and math.isnan(n.quantiles[0.99])
    assert not n.sketch.is_exact and n.sketch.from_histogram
    assert n.sketch.quantiles([0.5])[0] == pytest.approx(11.0)
    city = stats["city"]
    assert city.values.exact and city.values.as_dict() == {"paris": 600, "rome": 300, "oslo": 100}
    uid = stats["uid"]
    assert not uid.values.exact and uid.unique == 1000 and uid.values.counter.total == 1000


def test_import_of_our_own_export_keeps_the_figures():
    rng = np.random.default_rng(4)
    x = rng.lognormal(2, 0.5, 3000)
    table = pa.table({"x": x, "i": rng.integers(0, 5, 3000), "s": rng.choice(["a", "b", "c"], 3000)})
    ours = stats_of(table)
    back = statistics_from_tfdv(to_tfdv_bytes(ours))
    for name in ("x", "i"):
        a, b = ours[name].numeric, back[name].numeric
        assert (a.num_finite, a.min, a.max, a.mean, a.std) == (b.num_finite, b.min, b.max, b.mean, b.std)
        assert a.histogram == b.histogram
    assert back["s"].values.as_dict() == ours["s"].values.as_dict()
    assert statistics_from_tfdv(to_tfdv_text(ours).encode()).to_dict()["features"] == back.to_dict()["features"]


def test_comparison_of_imported_statistics_uses_tfdv_histograms_and_skips_ks():
    stats = statistics_from_tfdv(tfdv_like().SerializeToString())
    other = statistics_from_tfdv(tfdv_like().SerializeToString())
    fc = compare_statistics(stats, other, policy="tfdv")["fare"]
    # TFDV's own quirk, reproduced: NaN counts become two disjoint buckets, (0, nan) and (nan, 0), so
    # identical histograms with 5 NaNs in 990 values differ by exactly 5/990.
    assert fc.distances["jensen_shannon_divergence"] == pytest.approx(5 / 990, rel=1e-12)
    assert math.isnan(fc.distances["ks"]) and math.isnan(fc.distances["normalized_wasserstein"])
    assert any("imported from TFDV" in n for n in fc.notes)
    # Round trip through our JSON keeps the imported histograms.
    again = DatasetStatistics.from_json(stats.to_json())
    assert again["fare"].numeric.sketch.from_histogram
    assert again["fare"].numeric.sketch.standard == stats["fare"].numeric.sketch.standard


def test_bad_tfdv_files_are_one_line_errors(tmp_path):
    good = tfrecord(tfdv_like().SerializeToString())
    bad = bytearray(good)
    bad[20] ^= 0xFF  # corrupt the data: its checksum no longer matches
    with pytest.raises(StatisticsFormatError, match="checksum mismatch"):
        statistics_from_bytes(bytes(bad), "stats_tfrecord")
    with pytest.raises(StatisticsFormatError, match="truncated"):
        statistics_from_bytes(good[:-3], "stats_tfrecord")
    with pytest.raises(StatisticsFormatError, match="not readable as TFDV statistics"):
        statistics_from_tfdv(b"datasets { name: ", "tfdv-text", "s.pbtxt")


@pytest.mark.parametrize("data,name", [(b"a,b\n1,2\n", "x.csv"), (b"PAR1\x00\x00", "x.parquet"),
                                       (b'{"a": 1}\n', "x.jsonl"), (b"\n\n\n", "x"), (b"", "empty"),
                                       (b"datasets {}", "x.csv")])
def test_data_files_are_not_taken_for_statistics(data, name):
    assert statistics_format(data, name) is None


def test_crc32c_known_value():
    from dvtools.statistics.tfdv import _crc32c

    assert _crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value (RFC 3720)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_never_crash_detection_or_import(data):
    fmt = statistics_format(data, "upload")
    if fmt is not None and fmt != "json":
        try:
            statistics_from_tfdv(data, fmt, "upload")
        except StatisticsFormatError:
            pass


# ---------------------------------------------------------------- CLI


def test_cli_validate_and_compare_accept_tfdv_statistics(tfdv_file, tmp_path, capsys):
    _, path = tfdv_file
    schema = tmp_path / "schema.pbtxt"
    assert main(["schema", "infer", str(path), "-o", str(schema)]) == 0
    capsys.readouterr()
    rc = main(["validate", str(path), "--schema", str(schema)])
    out, err = capsys.readouterr()
    assert rc == 0, out + err
    assert err.count("imported from TFDV") == 1
    rc = main(["compare", str(path), str(path), "--policy", "tfdv"])
    out, err = capsys.readouterr()
    assert rc == 0, out + err
    assert err.count("imported from TFDV") == 2  # once per loaded file
