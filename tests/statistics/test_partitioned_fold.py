"""The local engine's partitioned fold: large inputs read and folded per partition on the worker threads.

Properties: the result is byte-identical whatever the number of threads (the plan depends on the
input only, partitions merge in plan order); exact figures equal those of the serial fold (the
input read on the calling thread); widenings and malformed rows read as in a serial pass. The
partition size is made small here so that a few MB give many partitions. Also: exact value counts
of nearly distinct text by sorting hashes (``sketches._hash_counts``), collisions included.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from dvtools.io import open_source
from dvtools.io.partitions import CsvRange, ParquetRowGroups
from dvtools.statistics import DatasetStatistics, engine, sketches
from dvtools.statistics.engine import compute_statistics
from dvtools.statistics.sketches import ValueCounter

N = 40_000
BATCH = 4_096


def _table(n: int = N, seed: int = 11) -> pa.Table:
    rng = np.random.default_rng(seed)
    cats = np.array(["red", "green", "blue", "grey", "black"])
    return pa.table({
        "id": pa.array(rng.permutation(n)),
        "x": pa.array(rng.normal(10, 3, n), mask=rng.random(n) < 0.02),
        "n": pa.array(rng.integers(0, 50, n), mask=rng.random(n) < 0.05),
        "cat": pa.array(cats[rng.choice(5, n)]),
        "s": pa.array([f"u{v}" for v in rng.integers(0, 10**9, n)]),
        "b": pa.array(rng.random(n) < 0.3),
    })


@pytest.fixture
def small_partitions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "LOCAL_PARTITION_BYTES", 128 * 1024)
    monkeypatch.setattr(engine, "PARTITION_MIN_ROWS", 4 * BATCH)


def _source(path: Path, block_size: int | None) -> object:
    """The path, or a fresh stream with small CSV blocks (types inferred from the first 64 KiB only)."""
    return path if block_size is None else open_source(path, block_size=block_size, batch_size=BATCH)


def _serial(path: Path, monkeypatch: pytest.MonkeyPatch, block_size: int | None = None,
            **kw: object) -> DatasetStatistics:
    with monkeypatch.context() as m:
        m.setattr(engine, "_plan", lambda stream, batch_size: None)
        return compute_statistics(_source(path, block_size), batch_size=BATCH, **kw)


def _by_workers(path: Path, block_size: int | None = None, **kw: object) -> DatasetStatistics:
    """Statistics by 1, 2 and 3 workers (the default way), and 2 worker threads or processes: byte-identical."""
    runs = {w: compute_statistics(_source(path, block_size), workers=w, batch_size=BATCH, **kw) for w in (1, 2, 3)}
    forced = []
    for mode in ("threads", "processes"):
        with pytest.MonkeyPatch.context() as m:
            m.setenv("DVTOOLS_FOLD", mode)
            forced.append(compute_statistics(_source(path, block_size), workers=2, batch_size=BATCH, **kw).to_json())
    assert runs[1].to_json() == runs[2].to_json() == runs[3].to_json() == forced[0] == forced[1]
    return runs[2]


def _assert_exact_fields_equal(a: DatasetStatistics, b: DatasetStatistics) -> None:
    assert (a.num_examples, a.num_malformed_rows, a.warnings, list(a.features)) == (
        b.num_examples, b.num_malformed_rows, b.warnings, list(b.features))
    for name, f in a.features.items():
        g = b.features[name]
        assert (f.arrow_type, f.count, f.num_missing, f.num_true, f.num_false) == (
            g.arrow_type, g.count, g.num_missing, g.num_true, g.num_false), name
        if f.numeric is not None:
            for key in ("num_finite", "min", "max", "num_zeros"):
                assert getattr(f.numeric, key) == getattr(g.numeric, key), (name, key)
            assert math.isclose(f.numeric.mean, g.numeric.mean, rel_tol=1e-12)
            assert math.isclose(f.numeric.std, g.numeric.std, rel_tol=1e-9)
        if f.string is not None:
            assert (f.string.min_length, f.string.max_length, f.string.num_empty) == (
                g.string.min_length, g.string.max_length, g.string.num_empty), name
        if f.values is not None and f.values.exact and g.values.exact:
            assert (f.values.values, f.values.counts) == (g.values.values, g.values.counts), name
        if f.pii is not None or g.pii is not None:
            assert f.pii == g.pii, name


def test_csv_ranges_identical_across_workers_with_malformed_rows(
        tmp_path: Path, small_partitions: None, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "plain.csv"
    pcsv.write_csv(_table(), plain)
    lines = plain.read_bytes().split(b"\n")
    lines.insert(9_001, b"1,2,3,4,5,6,7,8,9")  # two malformed rows (too many fields), far apart
    lines.insert(31_001, b"1,2,3,4,5,6,7,8,9")
    path = tmp_path / "data.csv"
    path.write_bytes(b"\n".join(lines))
    plan = engine._plan(open_source(path, batch_size=BATCH), BATCH)
    assert plan is not None and len(plan) >= 8 and all(isinstance(p, CsvRange) for p in plan)
    parted = _by_workers(path)
    serial = _serial(path, monkeypatch)
    assert parted.num_examples == N and parted.num_malformed_rows == 2
    assert any("2 malformed rows skipped" in w and "first at line 9002" in w for w in parted.warnings)
    _assert_exact_fields_equal(parted, serial)


def test_csv_widening_in_a_later_range_as_a_serial_pass(
        tmp_path: Path, small_partitions: None, monkeypatch: pytest.MonkeyPatch) -> None:
    ints = [str(i) for i in range(60_000)]
    ints[45_000] = "2.5"
    flags = ["true" if i % 3 else "false" for i in range(60_000)]
    flags[52_000] = "maybe"
    rows = "".join(f"{a},{f},k{i % 4}\n" for i, (a, f) in enumerate(zip(ints, flags, strict=True)))
    path = tmp_path / "widen.csv"
    path.write_text("a,flag,k\n" + rows)
    assert open_source(path, block_size=64 * 1024).schema.field("a").type == pa.int64()
    parted = _by_workers(path, 64 * 1024)
    assert parted["a"].arrow_type == "double" and parted["flag"].arrow_type == "string"
    assert len(parted.warnings) == 2 and all("type changed after the first block" in w for w in parted.warnings)
    _assert_exact_fields_equal(parted, _serial(path, monkeypatch, 64 * 1024))


def test_one_row_group_parquet_split_by_columns(
        tmp_path: Path, small_partitions: None, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "one.parquet"
    pq.write_table(_table(), path)  # one row group
    plan = engine._plan(open_source(path, batch_size=BATCH), BATCH)
    assert plan is not None and len(plan) == engine.LOCAL_PARTITIONS
    assert all(isinstance(p, ParquetRowGroups) for p in plan) and len({p.group for p in plan}) == len(plan)
    seen: list[object] = []
    parted = _by_workers(path, progress=seen.append)
    assert seen and seen[-1].rows == N and seen[-1].fraction == 1.0
    _assert_exact_fields_equal(parted, _serial(path, monkeypatch))


def test_small_inputs_are_not_partitioned(tmp_path: Path) -> None:
    path = tmp_path / "small.parquet"
    pq.write_table(_table(1_000), path)
    assert engine._plan(open_source(path), engine.DEFAULT_BATCH_SIZE) is None


def test_hash_counts_equal_value_counts() -> None:
    rng = np.random.default_rng(5)
    values = [None if i % 11 == 0 else f"v{x}" for i, x in enumerate(rng.integers(0, 60_000, 90_000))]
    arr = pa.array(values, pa.string())
    counted = sketches._hash_counts(arr)
    assert counted is not None
    got_values, got_counts, hashes = counted
    vc = pc.value_counts(arr.drop_null())
    truth = dict(zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True))
    assert dict(zip(got_values.to_pylist(), got_counts.tolist(), strict=True)) == truth
    assert np.array_equal(hashes, sketches.hash_array(got_values))
    unique = pa.array([f"id{i}" for i in range(70_000)])
    u_values, u_counts, _ = sketches._hash_counts(unique)  # type: ignore[misc]
    assert u_values.equals(unique) and (u_counts == 1).all()


def test_hash_collision_falls_back_to_exact_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    arr = pa.array([f"id{i % 69_999}" for i in range(sketches.HASH_COUNT_MIN_ROWS + 5_000)])
    monkeypatch.setattr(sketches, "hash_array", lambda a: np.zeros(len(a) - a.null_count, dtype=np.uint64))
    assert sketches._hash_counts(arr) is None  # every value "collides": detected, not miscounted
    counter = ValueCounter(pa.string())
    values, counts = counter.update(arr)
    vc = pc.value_counts(arr)
    assert dict(zip(values.to_pylist(), counts.tolist(), strict=True)) == dict(
        zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True))


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_uploads_are_cut_like_files_locally_but_not_for_dask(tmp_path: Path, small_partitions: None, fmt: str) -> None:
    """An upload (bytes in memory) is read and folded in parallel like the same file on disk, with the same figures.

    The Dask plan keeps it whole: its ranges would each ship the whole buffer to a worker.
    """
    from dvtools.io.partitions import WholePart, plan_partitions

    path = tmp_path / f"data.{fmt}"
    if fmt == "csv":
        pcsv.write_csv(_table(), path)
    else:
        pq.write_table(_table(), path)
    data = path.read_bytes()
    kind = CsvRange if fmt == "csv" else ParquetRowGroups
    plan = engine._plan(open_source(data, name=path.name, batch_size=BATCH), BATCH)
    assert plan is not None and len(plan) >= 4 and all(isinstance(p, kind) for p in plan)
    dask_plan = plan_partitions(open_source(data, name=path.name, batch_size=BATCH), partition_bytes=128 * 1024,
                                min_partitions=2)
    assert [type(p) for p in dask_plan] == [WholePart]
    runs = {w: compute_statistics(data, name=path.name, workers=w, batch_size=BATCH) for w in (1, 2)}
    assert runs[1].to_json() == runs[2].to_json()
    _assert_exact_fields_equal(runs[2], compute_statistics(path, workers=2, batch_size=BATCH))


# -- worker processes --------------------------------------------------------------------------------

@pytest.fixture
def fold_modes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records, per partitioned pass, whether its partitions were folded in worker processes."""
    seen: list[bool] = []
    start = engine._PartitionFold._start

    def spy(self: engine._PartitionFold, plan: list[object], warm_up: object) -> None:
        start(self, plan, warm_up)  # type: ignore[arg-type]
        seen.append(self.processes)

    monkeypatch.setattr(engine._PartitionFold, "_start", spy)
    return seen


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_files_fold_in_processes_uploads_on_threads(tmp_path: Path, small_partitions: None, fold_modes: list[bool],
                                                    monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """CSV ranges of a file are folded in worker processes with 2+ workers (Parquet: when asked), uploads on threads."""
    path = tmp_path / f"data.{fmt}"
    if fmt == "csv":
        pcsv.write_csv(_table(), path)
    else:
        pq.write_table(_table(), path, row_group_size=5_000)
    default = compute_statistics(path, workers=2, batch_size=BATCH)
    upload = compute_statistics(path.read_bytes(), name=path.name, workers=2, batch_size=BATCH)
    one = compute_statistics(path, workers=1, batch_size=BATCH)
    monkeypatch.setenv("DVTOOLS_FOLD", "threads")
    threads = compute_statistics(path, workers=2, batch_size=BATCH)
    monkeypatch.setenv("DVTOOLS_FOLD", "processes")
    in_processes = compute_statistics(path, workers=2, batch_size=BATCH)
    assert fold_modes == [fmt == "csv", False, False, False, True]
    assert default.to_json() == in_processes.to_json() == one.to_json() == threads.to_json()
    _assert_exact_fields_equal(in_processes, upload)
    _assert_exact_fields_equal(in_processes, _serial(path, monkeypatch))


def test_a_call_from_another_thread_folds_on_threads(tmp_path: Path, small_partitions: None,
                                                     fold_modes: list[bool]) -> None:
    """Off the main thread (the dashboard's script runner) nothing is forked: other threads may hold locks."""
    import threading

    path = tmp_path / "data.csv"
    pcsv.write_csv(_table(), path)
    out: list[DatasetStatistics] = []
    t = threading.Thread(target=lambda: out.append(compute_statistics(path, workers=2, batch_size=BATCH)))
    t.start()
    t.join()
    assert fold_modes == [False] and out[0].to_json() == compute_statistics(path, workers=1, batch_size=BATCH).to_json()


def test_fold_mode_must_be_known(tmp_path: Path, small_partitions: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from dvtools.errors import UsageError

    path = tmp_path / "data.csv"
    pcsv.write_csv(_table(), path)
    monkeypatch.setenv("DVTOOLS_FOLD", "fibers")
    with pytest.raises(UsageError, match="DVTOOLS_FOLD must be one of auto, processes, threads"):
        compute_statistics(path, workers=2, batch_size=BATCH)


def _corrupt_parquet(tmp_path: Path) -> Path:
    """A Parquet file with intact metadata whose later row groups hold garbage pages."""
    path = tmp_path / "corrupt.parquet"
    pq.write_table(_table(), path, row_group_size=5_000, compression="none")
    raw = bytearray(path.read_bytes())
    meta = pq.ParquetFile(path).metadata
    rg = meta.row_group(meta.num_row_groups - 2)
    start = rg.column(1).data_page_offset
    raw[start:start + 4_000] = b"\xff" * 4_000
    path.write_bytes(bytes(raw))
    return path


def test_a_worker_process_error_is_the_same_one_line_error(tmp_path: Path, small_partitions: None,
                                                            fold_modes: list[bool],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Bad data met in a worker process raises the DataLoadError a thread (or a serial pass) raises; no worker is left."""
    import multiprocessing

    from dvtools.errors import DataLoadError

    path = _corrupt_parquet(tmp_path)
    messages = []
    for mode in ("processes", "threads"):
        monkeypatch.setenv("DVTOOLS_FOLD", mode)
        with pytest.raises(DataLoadError) as e:
            compute_statistics(path, workers=2, batch_size=BATCH)
        messages.append(str(e.value))
    assert fold_modes == [True, False]
    assert messages[0] == messages[1] and "\n" not in messages[0] and "corrupt Parquet data" in messages[0]
    assert multiprocessing.active_children() == []


def _die(*args: object) -> object:
    os._exit(3)  # a worker killed (out of memory, a signal): no exception travels back


def test_a_dead_worker_process_is_a_one_line_error(tmp_path: Path, small_partitions: None,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    from dvtools.errors import DvtoolsError

    path = tmp_path / "data.csv"
    pcsv.write_csv(_table(), path)
    monkeypatch.setattr(engine, "_fold_partition_in_process", _die)
    with pytest.raises(DvtoolsError, match=r"^a statistics worker process ended unexpectedly .*DVTOOLS_FOLD=threads$"):
        compute_statistics(path, workers=2, batch_size=BATCH)
    assert multiprocessing.active_children() == []


def test_interrupt_stops_the_worker_processes(tmp_path: Path, small_partitions: None, fold_modes: list[bool]) -> None:
    """Ctrl-C (KeyboardInterrupt in the main thread) ends the pass and terminates the workers (they ignore SIGINT)."""
    import multiprocessing

    path = tmp_path / "data.csv"
    pcsv.write_csv(_table(), path)

    def interrupt(progress: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        compute_statistics(path, workers=2, batch_size=BATCH, progress=interrupt)
    assert fold_modes == [True]
    assert multiprocessing.active_children() == []


def test_partition_restart_pickles_with_its_update() -> None:
    """A worker process returns a widening as a PartitionRestart: its update must survive pickling."""
    import pickle

    from dvtools.io.partitions import PartitionRestart

    r = pickle.loads(pickle.dumps(PartitionRestart({"schema": "x", "n": 2})))
    assert isinstance(r, PartitionRestart) and r.update == {"schema": "x", "n": 2}
