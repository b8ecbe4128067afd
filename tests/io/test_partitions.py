"""Partitioning for distributed reads: CSV byte ranges, Parquet row groups and columns, table slices.

Read in-process here (no Dask): every plan must give back exactly the rows of a local read.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dvtools.io import open_source, read_table
from dvtools.io.partitions import (
    CsvRange,
    ParquetRowGroups,
    PartitionRestart,
    TableSlice,
    WholePart,
    apply_restart,
    commit_reports,
    plan_partitions,
)


@pytest.fixture(params=["read", "mapped"])
def both_readings(request, monkeypatch):
    """A CSV range read with ``read`` (this process) and from a memory map (as in a worker process)."""
    import dvtools.io.partitions as partitions

    monkeypatch.setattr(partitions, "_MAP_FILES", request.param == "mapped")
    return request.param


def _read_plan(stream, plan) -> pa.Table:
    batches = [b for p in plan for b in p.batches(stream.schema, 1000)]
    return pa.Table.from_batches(batches, schema=stream.schema)


def _csv(path: Path, n: int, *, crlf: bool = False, trailing_newline: bool = True, bom: bool = False) -> Path:
    nl = "\r\n" if crlf else "\n"
    lines = ["id,name,x"] + [f"{i},n{i % 13},{i * 0.5}" for i in range(n)]
    text = nl.join(lines) + (nl if trailing_newline else "")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


@pytest.mark.usefixtures("both_readings")
@pytest.mark.parametrize(("crlf", "trailing", "bom"), [(False, True, False), (True, False, True), (False, False, False)])
@pytest.mark.parametrize("partition_bytes", [7, 1000, 4096])
def test_csv_ranges_cover_every_row_once(tmp_path: Path, crlf: bool, trailing: bool, bom: bool,
                                         partition_bytes: int) -> None:
    path = _csv(tmp_path / "d.csv", 3000, crlf=crlf, trailing_newline=trailing, bom=bom)
    stream = open_source(path)
    plan = plan_partitions(stream, partition_bytes=partition_bytes)
    assert all(isinstance(p, CsvRange) for p in plan) and len(plan) > 2
    assert [p.index for p in plan] == list(range(len(plan)))
    assert _read_plan(stream, plan).equals(read_table(path))


@pytest.mark.usefixtures("both_readings")
def test_csv_range_boundary_exactly_at_line_start(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b"a,b\n" + b"".join(b"%03d,x\n" % i for i in range(400)))  # every line is 6 bytes
    stream = open_source(path)
    plan = plan_partitions(stream, partition_bytes=600)  # 4 + 600k: boundaries fall on line starts too
    assert len(plan) > 2
    got = _read_plan(stream, plan)
    assert got.column("a").to_pylist() == list(range(400))


@pytest.mark.usefixtures("both_readings")
@pytest.mark.parametrize("kind", ["renamed", "latin-1", "bare-cr", "upload"])
def test_csv_ranges_after_the_first_read_like_the_whole_file(tmp_path: Path, kind: str) -> None:
    """Ranges after the first are parsed in place without the header line: same names, encoding, escapes."""
    path = tmp_path / "d.csv"
    header = "id,,x" if kind == "renamed" else "id,name,x"  # an empty name is renamed by the part
    rows = [f"{i},n{i % 13}{'é' if kind == 'latin-1' else ''},{i * 0.5}" for i in range(3000)]
    if kind == "bare-cr":
        rows[2500] = "2500,a\rb,1.0"  # a bare CR in a later range: the part re-reads escaped
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode("latin-1" if kind == "latin-1" else "utf-8"))
    source = path.read_bytes() if kind == "upload" else path
    stream = open_source(source, name="d.csv")
    whole = read_table(open_source(source, name="d.csv"))
    for _ in range(3):  # a restart (the bare CR) applies the part's new reading and plans again
        plan = plan_partitions(stream, partition_bytes=4096, in_memory=kind == "upload")
        assert len(plan) > 2 and all(isinstance(p, CsvRange) for p in plan)
        batches, restart = [], None
        for p in plan:
            try:
                batches.extend(p.batches(stream.schema, 1000))
            except PartitionRestart as r:
                restart = (p, r.update)
                break
        if restart is None:
            break
        apply_restart(stream, *restart)
    got = pa.Table.from_batches(batches, schema=stream.schema)
    assert got.equals(whole)
    assert got.column_names == whole.column_names


def test_csv_small_or_quoted_newlines_is_one_partition(tmp_path: Path) -> None:
    small = _csv(tmp_path / "small.csv", 10)
    assert [type(p) for p in plan_partitions(open_source(small), partition_bytes=1 << 20)] == [WholePart]
    quoted = tmp_path / "q.csv"
    quoted.write_text('a,b\n1,"two\nlines"\n' + "".join(f'{i},"x{i}"\n' for i in range(2000)))
    stream = open_source(quoted)
    plan = plan_partitions(stream, partition_bytes=100)
    assert [type(p) for p in plan] == [WholePart]
    assert _read_plan(stream, plan).equals(read_table(quoted))
    # quotes without newlines do not prevent splitting
    plain = tmp_path / "p.csv"
    plain.write_text("a,b\n" + "".join(f'{i},"x, {i}"\n' for i in range(2000)))
    stream = open_source(plain)
    plan = plan_partitions(stream, partition_bytes=1000)
    assert len(plan) > 2 and all(isinstance(p, CsvRange) for p in plan)
    assert _read_plan(stream, plan).equals(read_table(plain))


@pytest.mark.usefixtures("both_readings")
def test_csv_range_restart_and_malformed_rows_like_local(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    rows = [f"{i},{i % 5}" for i in range(5000)]
    rows[3000] = "1.5,1"
    rows[4000] = "7,1,extra"  # malformed: three fields
    path.write_text("a,b\n" + "\n".join(rows) + "\n")
    local = open_source(path, block_size=4096)
    local_table = read_table(local)
    stream = open_source(path, block_size=4096)
    assert stream.schema.field("a").type == pa.int64()
    for _ in range(3):
        plan = plan_partitions(stream, partition_bytes=2000)
        restarts, reports = [], {}
        batches = []
        for p in plan:
            try:
                batches.extend(p.batches(stream.schema, 1000))
            except PartitionRestart as r:
                restarts.append((p, r.update))
            else:
                reports[p.index] = p.report()
        if not restarts:
            break
        assert len(restarts) == 1
        for p, update in restarts:
            apply_restart(stream, p, update)
    commit_reports(stream, plan, reports)
    assert stream.schema == local.schema and stream.schema.field("a").type == pa.float64()
    assert pa.Table.from_batches(batches, schema=stream.schema).equals(local_table)
    assert stream.warnings == local.warnings
    assert stream.num_malformed_rows == local.num_malformed_rows == 1
    assert any("first at line 4002" in w for w in stream.warnings)


def test_parquet_row_groups_and_column_split(tmp_path: Path) -> None:
    n = 10_000
    table = pa.table({"a": np.arange(n), "b": np.arange(n) * 0.5, "s": [f"v{i % 7}" for i in range(n)],
                      "t": [None] * n})
    path = tmp_path / "d.parquet"
    pq.write_table(table, path, row_group_size=1000)
    stream = open_source(path)
    plan = plan_partitions(stream, partition_bytes=1)
    assert [p.row_groups for p in plan] == [[g] for g in range(10)]  # type: ignore[attr-defined]
    assert _read_plan(stream, plan).equals(read_table(path))
    assert len(plan_partitions(stream)) == 1
    split = plan_partitions(stream, min_partitions=3, keep_column="s")
    assert all(isinstance(p, ParquetRowGroups) for p in split) and len(split) == 3
    owned = [c for p in split for c in p.owned]
    assert sorted(owned) == sorted(table.column_names)
    for p in split:
        assert "s" in p.columns
        got = pa.Table.from_batches(list(p.batches(stream.schema, 1000)))
        assert got.column_names == list(p.columns)


def test_table_slices_pickle_only_their_rows() -> None:
    table = pa.table({"a": np.arange(200_000), "s": [str(i) for i in range(200_000)]})
    stream = open_source(table)
    plan = plan_partitions(stream, partition_bytes=table.nbytes // 8)
    assert all(isinstance(p, TableSlice) for p in plan) and len(plan) >= 8
    sizes = [len(pickle.dumps(p)) for p in plan]
    assert max(sizes) < table.nbytes / 4
    back = [pickle.loads(pickle.dumps(p)) for p in plan]
    assert _read_plan(stream, back).equals(table)
