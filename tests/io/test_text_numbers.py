"""Numbers and line breaks as pandas reads them, in the first block and in later ones (issue 10, item 18 and the fuzzer).

``+5`` is the integer 5; ``0x1F`` is text (never silently 31); a bare CR inside a value of an LF
file is part of the value (rows neither split nor counted malformed). Each oracle is pandas.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import dvtools
from dvtools.io import open_source, read_table
from dvtools.io.partitions import PartitionRestart, apply_restart, commit_reports, plan_partitions

BLOCK = 4096  # small blocks: the planted value lands well after the first one


def _rows(n: int) -> bytes:
    return b"".join(b"%d,%d\n" % (i, i % 7) for i in range(n))


def _write(tmp_path: Path, planted: bytes, name: str = "f.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(b"a,b\n" + _rows(3000) + planted + _rows(3000))
    return path


def test_plus_sign_integer_is_an_int_like_pandas_in_the_first_block() -> None:
    data = b"a,b\n+5,1\n-3,2\n7,3\n"
    stats = dvtools.compute_statistics(data, name="plus.csv")
    expected = pd.read_csv(io.BytesIO(data))
    assert str(expected["a"].dtype) == "int64"
    assert stats["a"].logical_type.value == "INT"
    assert (stats["a"].numeric.min, stats["a"].numeric.max) == (-3, 7) == (expected["a"].min(), expected["a"].max())


def test_plus_sign_integer_in_a_later_block_keeps_the_column_int(tmp_path: Path) -> None:
    path = _write(tmp_path, b"+7000000,5\n")
    stream = open_source(path, block_size=BLOCK)
    table = read_table(stream)
    expected = pd.read_csv(path)
    assert str(expected["a"].dtype) == "int64"
    assert table.schema.field("a").type == pa.int64()
    assert table.column("a").to_pylist() == expected["a"].tolist()
    assert not any("type changed" in w for w in stream.warnings)


def test_hex_text_in_the_first_block_stays_text() -> None:
    stats = dvtools.compute_statistics(b"a,b\n0x1F,1\n12,2\n", name="hex.csv")
    assert stats["a"].logical_type.value == "STRING"


def test_hex_text_in_a_later_block_makes_the_column_string_not_an_int(tmp_path: Path) -> None:
    path = _write(tmp_path, b"0x1F,5\n")
    stream = open_source(path, block_size=BLOCK)
    table = read_table(stream)
    expected = pd.read_csv(path)
    assert expected["a"].dtype == object or str(expected["a"].dtype).startswith("str")
    assert pa.types.is_string(table.schema.field("a").type)
    assert table.column("a").to_pylist() == expected["a"].astype(str).tolist()  # "0x1F" kept, never 31
    assert table.schema.field("b").type == pa.int64()
    assert any("'a'" in w and "string" in w for w in stream.warnings)


def test_hex_text_in_a_text_column_changes_no_integer_column(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,s\n" + b"".join(b"%d,v%d\n" % (i, i) for i in range(3000)) + b"1,0x1F\n")
    table = read_table(open_source(path, block_size=BLOCK))
    assert table.schema.field("a").type == pa.int64()
    assert table.column("s").to_pylist()[-1] == "0x1F"


@pytest.mark.parametrize("quoted", [False, True])
def test_bare_cr_inside_a_value_of_an_lf_file_is_data_not_a_malformed_row(quoted: bool) -> None:
    value = b'"a\rb"' if quoted else b"a\rb"
    data = b"c0,c1,c2\n1,x,2\n," + value + b",\n3,y\\z,4\n"
    stats = dvtools.compute_statistics(data, name="cr.csv")
    expected = pd.read_csv(io.BytesIO(data), lineterminator="\n")
    assert stats.num_examples == len(expected) == 3
    assert stats.num_malformed_rows == 0
    assert sorted(v for v, _ in stats["c1"].top_values(5)) == sorted(expected["c1"].tolist())  # "a\rb", "y\\z"


def test_bare_cr_in_a_later_block_is_data_too(tmp_path: Path) -> None:
    path = _write(tmp_path, b"7,x\ry\n")
    stream = open_source(path, block_size=BLOCK)
    table = read_table(stream)
    assert table.num_rows == 6001 and stream.num_malformed_rows == 0
    assert "x\ry" in table.column("b").to_pylist()


def test_bare_cr_and_hex_text_found_by_csv_byte_ranges_like_a_local_read(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    rows = [f"{i},{i % 5}" for i in range(5000)]
    rows[3000] = "0x1F,1"
    rows[4000] = "7,a\rb"
    path.write_bytes(("a,b\n" + "\n".join(rows) + "\n").encode())
    local = open_source(path, block_size=BLOCK)
    local_table = read_table(local)
    stream = open_source(path, block_size=BLOCK)
    for _ in range(5):
        plan = plan_partitions(stream, partition_bytes=2000)
        restarts, reports, batches = [], {}, []
        for p in plan:
            try:
                batches.extend(p.batches(stream.schema, 1000))
            except PartitionRestart as r:
                restarts.append((p, r.update))
            else:
                reports[p.index] = p.report()
        if not restarts:
            break
        for p, update in restarts:
            apply_restart(stream, p, update)
    commit_reports(stream, plan, reports)
    assert stream.schema == local.schema
    assert pa.types.is_string(stream.schema.field("a").type) and pa.types.is_string(stream.schema.field("b").type)
    assert pa.Table.from_batches(batches, schema=stream.schema).equals(local_table)
    assert local_table.num_rows == 5000 and stream.num_malformed_rows == local.num_malformed_rows == 0
