"""The Dask engine gives the local engine's statistics (exact fields identical, sketches within bounds).

One ``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)`` serves the whole module.
"""

from __future__ import annotations

import builtins
import json
import logging
import math
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from _stats_helpers import assert_same_stats

from dvtools.cli import main
from dvtools.errors import DataLoadError, UsageError
from dvtools.io import open_source, read_table
from dvtools.io.partitions import CsvRange, ParquetRowGroups, plan_partitions
from dvtools.statistics import DatasetStatistics, FeatureStatistics
from dvtools.statistics.distributed import compute_statistics_dask
from dvtools.statistics.engine import SlicedAccumulator, compute_statistics
from dvtools.statistics.model import QUANTILE_LEVELS

distributed = pytest.importorskip("distributed")

N = 120_000  # > 100k distinct ids and floats: value counters and quantile sketches leave exact mode
SMALL_BLOCK = 64 * 1024


@pytest.fixture(scope="module")
def client() -> Any:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.ERROR)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _table(n: int = N, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    x = rng.normal(10, 3, n)
    x[rng.random(n) < 0.01] = 0.0
    y = np.round(rng.exponential(2.0, n), 3)
    y_mask = rng.random(n) < 0.9  # few present values: exact quantiles
    cats = np.array(["red", "green", "blue", "grey", "black"])
    return pa.table({
        "id": pa.array(rng.permutation(n)),
        "x": pa.array(x, mask=rng.random(n) < 0.02),
        "y": pa.array(y, mask=y_mask),
        "n": pa.array(rng.integers(0, 50, n), mask=rng.random(n) < 0.05),
        "cat": pa.array(cats[rng.choice(5, n, p=[0.4, 0.3, 0.15, 0.1, 0.05])]),
        "s": pa.array([f"u{v}" for v in rng.integers(0, 10**9, n)]),  # ~n distinct strings
        "w": pa.array(rng.choice(np.array(["a", " b", "", "c "]), n)),
        "b": pa.array(rng.random(n) < 0.3, mask=rng.random(n) < 0.01),
        "ts": pa.array((1_700_000_000 + rng.integers(0, 10**7, n)) * 1_000_000, pa.timestamp("us")),
    })


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("dist")
    table = _table()
    pq.write_table(table, d / "multi.parquet", row_group_size=20_000)
    pq.write_table(table.slice(0, 30_000), d / "one_group.parquet")
    # CSV with two malformed rows (an extra field) far apart
    import pyarrow.csv as pcsv

    pcsv.write_csv(table, d / "plain.csv")
    lines = (d / "plain.csv").read_bytes().split(b"\n")
    lines.insert(50_001, b"1,2,3,4,5,6,7,8,9,10,11")
    lines.insert(120_001, b"1,2,3,4,5,6,7,8,9,10,11")
    (d / "data.csv").write_bytes(b"\n".join(lines))
    # widening: ints, then a float in a later partition; a bool column turning to text later
    ints = [str(i) for i in range(60_000)]
    ints[45_000] = "2.5"
    flags = ["true" if i % 3 else "false" for i in range(60_000)]
    flags[52_000] = "maybe"
    rows = "".join(f"{a},{f},k{i % 4}\n" for i, (a, f) in enumerate(zip(ints, flags, strict=True)))
    (d / "widen.csv").write_text("a,flag,k\n" + rows)
    return d


@pytest.fixture(scope="module")
def local_multi(data_dir: Path) -> DatasetStatistics:
    return compute_statistics(data_dir / "multi.parquet", slice_by="cat")


# -- comparison ------------------------------------------------------------------------------------

def _rank_ok(sorted_vals: np.ndarray, value: float, q: float, eps: float = 0.01) -> bool:
    n = sorted_vals.size
    lo = np.searchsorted(sorted_vals, value, "left") / n
    hi = np.searchsorted(sorted_vals, value, "right") / n
    return lo - eps <= q <= hi + eps


def _numeric_truth(col: pa.ChunkedArray) -> np.ndarray:
    col = col.drop_null()
    if pa.types.is_timestamp(col.type):  # statistics hold timestamps in microseconds (ns truncated)
        ints = col.cast(pa.int64()).to_numpy()
        scale = {"s": 10**6, "ms": 10**3, "us": 1}
        col = pa.array(ints // 1000 if col.type.unit == "ns" else ints * scale[col.type.unit])
    vals = np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)
    return np.sort(vals[np.isfinite(vals)])


def assert_feature_close(local: FeatureStatistics, dask: FeatureStatistics, truth: pa.ChunkedArray) -> None:
    """Exact fields identical; sketch-mode quantiles, counts and distinct counts within their bounds."""
    exact_numeric = local.numeric is None or (local.numeric.quantiles_exact and dask.numeric.quantiles_exact)
    exact_values = local.values is None or (local.values.exact and dask.values.exact)
    if exact_numeric and exact_values:
        assert_same_stats(local, dask)
        return
    for key in ("name", "arrow_type", "logical_type", "count", "num_missing", "num_true", "num_false"):
        assert getattr(local, key) == getattr(dask, key), key
    if local.numeric is not None:
        a, b = local.numeric, dask.numeric
        for key in ("num_finite", "min", "max", "num_zeros", "num_nan", "num_pos_inf", "num_neg_inf"):
            assert getattr(a, key) == getattr(b, key), key
        scale = max(abs(a.min), abs(a.max))
        assert math.isclose(a.mean, b.mean, rel_tol=1e-9, abs_tol=1e-9 * scale)
        assert math.isclose(a.std, b.std, rel_tol=1e-9, abs_tol=1e-9 * scale)
        vals = _numeric_truth(truth)
        for q in QUANTILE_LEVELS:
            assert _rank_ok(vals, b.quantiles[q], q), (local.name, q, b.quantiles[q])
        assert a.histogram.edges == b.histogram.edges
        true_counts = np.histogram(vals, bins=np.asarray(b.histogram.edges))[0]
        assert np.all(np.abs(np.asarray(b.histogram.counts) - true_counts) <= 0.02 * vals.size)
    if local.string is not None:
        for key in ("min_length", "max_length", "num_empty", "num_whitespace_padded"):
            assert getattr(local.string, key) == getattr(dask.string, key), key
        assert math.isclose(local.string.avg_length, dask.string.avg_length, rel_tol=1e-12)
    if local.values is not None:
        a, b = local.values, dask.values
        if a.exact and b.exact:
            assert (a.values, a.counts) == (b.values, b.counts)
        else:
            present = truth.drop_null()
            true_unique = len(pc.unique(present))
            assert abs(b.unique - true_unique) <= 0.02 * true_unique
            true = dict(zip(*(lambda vc: (vc.field("values").to_pylist(), vc.field("counts").to_pylist()))(
                pc.value_counts(present)), strict=True))
            for v, c in zip(b.values[:100], b.counts[:100], strict=True):
                assert true[v] - b.error_bound <= c <= true[v], (local.name, v)


def assert_close(local: DatasetStatistics, dask: DatasetStatistics, truth: pa.Table) -> None:
    assert dask.num_examples == local.num_examples == truth.num_rows
    assert list(dask.features) == list(local.features)
    assert (dask.sources, dask.warnings, dask.num_malformed_rows, dask.name) == (
        local.sources, local.warnings, local.num_malformed_rows, local.name)
    for name, f in local.features.items():
        assert_feature_close(f, dask.features[name], truth.column(name))
    assert (dask.slice_column, dask.slices_capped, list(dask.slices)) == (
        local.slice_column, local.slices_capped, list(local.slices))
    for label, sl in local.slices.items():
        key = truth.column(local.slice_column)
        mask = pc.equal(key.cast(pa.string()), label)
        assert_close(sl, dask.slices[label], truth.filter(pc.fill_null(mask, False)))


# -- tests -----------------------------------------------------------------------------------------

def test_accumulators_pickle_round_trip() -> None:
    table = _table(120_000)
    acc = SlicedAccumulator(table.schema, "cat")
    for batch in table.to_batches(max_chunksize=40_000):
        acc.add_batch(batch)
    back = pickle.loads(pickle.dumps(acc))
    a, b = acc.finalize(), back.finalize()
    for name in a.features:
        assert a[name].to_dict() == b[name].to_dict()
    assert a.slices.keys() == b.slices.keys()
    assert a["s"].values is not None and not a["s"].values.exact  # sketch mode survived pickling


@pytest.mark.slow
def test_multi_row_group_parquet_with_slices(client: Any, data_dir: Path, local_multi: DatasetStatistics) -> None:
    path = data_dir / "multi.parquet"
    plan = plan_partitions(open_source(path), partition_bytes=1)
    assert len(plan) == N // 20_000 and all(isinstance(p, ParquetRowGroups) for p in plan)
    local = local_multi
    dask = compute_statistics_dask(path, scheduler=client, slice_by="cat", partition_bytes=1)
    assert not local["id"].values.exact and not local["x"].numeric.quantiles_exact
    assert local["y"].numeric.quantiles_exact
    assert_close(local, dask, pq.read_table(path))


@pytest.mark.slow
def test_one_row_group_parquet_split_by_columns(client: Any, data_dir: Path) -> None:
    path = data_dir / "one_group.parquet"
    plan = plan_partitions(open_source(path), min_partitions=2, keep_column="cat")
    assert len(plan) == 2 and {p.group for p in plan} == {1, 2}
    assert all("cat" in p.columns for p in plan) and sum("cat" in p.owned for p in plan) == 1
    local = compute_statistics(path, slice_by="cat")
    dask = compute_statistics_dask(path, scheduler=client.scheduler.address, slice_by="cat")
    assert len(dask.slices) == 5
    assert_close(local, dask, pq.read_table(path))


@pytest.mark.slow
def test_csv_split_in_byte_ranges_with_malformed_rows(client: Any, data_dir: Path) -> None:
    path = data_dir / "data.csv"
    plan = plan_partitions(open_source(path), partition_bytes=1 << 20, min_partitions=2)
    assert len(plan) >= 8 and len(plan) % 2 == 0 and all(isinstance(p, CsvRange) for p in plan)
    local = compute_statistics(path, slice_by="cat")
    dask = compute_statistics_dask(path, scheduler=client, slice_by="cat", partition_bytes=1 << 20)
    assert local.num_malformed_rows == 2
    assert any("2 malformed rows skipped" in w and "first at line 50002" in w for w in local.warnings)
    assert_close(local, dask, read_table(path))


@pytest.mark.slow
def test_csv_widening_in_a_later_partition(client: Any, data_dir: Path) -> None:
    path = data_dir / "widen.csv"
    local_stream = open_source(path, block_size=SMALL_BLOCK)
    assert local_stream.schema.field("a").type == pa.int64()
    assert local_stream.schema.field("flag").type == pa.bool_()
    local = compute_statistics(local_stream, slice_by="k")
    dask = compute_statistics_dask(open_source(path, block_size=SMALL_BLOCK), scheduler=client, slice_by="k",
                                   partition_bytes=64 * 1024)
    assert dask["a"].arrow_type == "double" and dask["flag"].arrow_type == "string"
    assert len(dask.warnings) == 2 and all("type changed after the first block" in w for w in dask.warnings)
    assert_close(local, dask, read_table(open_source(path, block_size=SMALL_BLOCK)))


def test_in_memory_dataframe_and_jsonl(client: Any, tmp_path: Path) -> None:
    table = _table(20_000)
    df = table.to_pandas()
    local = compute_statistics(df, slice_by="cat")
    dask = compute_statistics_dask(df, scheduler=client, slice_by="cat", partition_bytes=100_000)
    assert_close(local, dask, table)
    path = tmp_path / "d.jsonl"
    records = [{"a": i, "b": f"x{i % 3}"} for i in range(3000)] + [{"a": "text", "b": "x"}, {"c": 1}]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\nnot json\n")
    stream = open_source(path, block_size=4096)
    local = compute_statistics(open_source(path, block_size=4096))
    dask = compute_statistics_dask(stream, scheduler=client)
    assert dask.num_malformed_rows == 1 and dask["a"].arrow_type == "string" and "c" in dask
    assert_close(local, dask, read_table(open_source(path, block_size=4096)))


def test_errors(client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really parquet PAR1")
    with pytest.raises(DataLoadError, match="bad.parquet"):
        compute_statistics_dask(bad, scheduler=client)
    with pytest.raises(UsageError, match="slice column 'nope'"):
        compute_statistics_dask(pa.table({"a": [1]}), scheduler=client, slice_by="nope")
    real_import = builtins.__import__

    def no_dask(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".")[0] in ("dask", "distributed"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(UsageError, match=r"pip install 'dvtools\[dask\]'"):
        compute_statistics(pa.table({"a": [1]}), engine="dask")


@pytest.mark.slow
def test_cli_stats_engine_dask(client: Any, data_dir: Path, tmp_path: Path, local_multi: DatasetStatistics,
                               capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "stats.json"
    path = data_dir / "multi.parquet"
    rc = main(["stats", str(path), "--engine", "dask", "--scheduler", client.scheduler.address,
               "--slice-by", "cat", "-o", str(out)])
    assert rc == 0
    assert f"{N:,} examples, 9 features" in capsys.readouterr().out
    dask = DatasetStatistics.from_json(out.read_text())
    assert_close(local_multi, dask, pq.read_table(path))
