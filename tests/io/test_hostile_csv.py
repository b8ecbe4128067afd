"""CSV defects found by the hostile-input campaign (issue 10): each test is named after what it protects."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import dvtools
from dvtools.errors import DataLoadError
from dvtools.io import open_source, read_table
from dvtools.io.partitions import plan_partitions

HEAD = 4 * 1024 * 1024


def _stats(path: Path, **kw: object) -> dvtools.DatasetStatistics:
    return dvtools.compute_statistics(str(path), **kw)


# -- item 1: BOM + invalid UTF-8 ---------------------------------------------------------------------

def test_bom_file_with_a_latin1_byte_after_the_head_keeps_its_first_column(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    rows = [b"\xef\xbb\xbfname,v"] + [b"alice,%d" % i for i in range(400_000)] + [b"caf\xe9,1"]
    path.write_bytes(b"\n".join(rows) + b"\n")
    assert path.stat().st_size > HEAD
    stats = _stats(path)
    assert list(stats.features) == ["name", "v"]
    assert stats["name"].num_missing == 0 and stats.num_examples == 400_001
    assert stats["name"].top_values(1)[0] == ("alice", 400_000)
    assert any("1 invalid byte replaced by U+FFFD" in w for w in stats.warnings), stats.warnings


def test_small_bom_file_with_a_latin1_byte_is_read_as_utf8_not_latin1(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfname,v\nabc,1\ncaf\xe9,2\n")
    table = read_table(str(path))
    assert table.column_names == ["name", "v"]
    assert table["name"].to_pylist() == ["abc", "caf\ufffd"]


def test_utf8_file_with_a_bad_byte_late_keeps_its_non_ascii_values(tmp_path: Path) -> None:
    path = tmp_path / "zurich.csv"
    rows = [b"ort,v"] + [b"z\xc3\xbcrich,%d" % i for i in range(400_000)] + [b"caf\xe9,1"]
    path.write_bytes(b"\n".join(rows) + b"\n")
    stats = _stats(path)
    assert stats["ort"].top_values(1)[0] == ("zürich", 400_000)


def test_ascii_head_then_latin1_is_still_read_as_latin1(tmp_path: Path) -> None:
    path = tmp_path / "cp1252.csv"
    rows = [b"city,v"] + [b"paris,%d" % i for i in range(400_000)] + [b"caf\xe9,1"]
    path.write_bytes(b"\n".join(rows) + b"\n")
    stats = _stats(path)
    assert ("café", 1) in stats["city"].top_values(2)
    assert any("read as latin-1" in w for w in stats.warnings)


# -- item 2: QUOTE_ALL ------------------------------------------------------------------------------

@pytest.fixture
def quote_all(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    df = pd.DataFrame({"price": [1.5, None, 3.25, 4.0] * 100, "qty": [1, 2, None, None] * 100,
                       "ok": [True, False, None, True] * 100, "name": ["a", "b", "", "c"] * 100})
    path = tmp_path / "quoted.csv"
    df.to_csv(path, index=False, quoting=csv.QUOTE_ALL)
    return path, df


def test_quoted_empty_numeric_cells_are_missing_like_pandas(quote_all: tuple[Path, pd.DataFrame]) -> None:
    path, _ = quote_all
    stats = _stats(path)
    oracle = pd.read_csv(path)
    for col in ("price", "qty"):
        f = stats[col]
        assert f.logical_type.value in ("FLOAT", "INT"), (col, f.logical_type)
        assert f.num_missing == int(oracle[col].isna().sum())
        assert f.numeric.min == oracle[col].min() and f.numeric.max == oracle[col].max()
    assert stats["ok"].num_missing == 100
    assert stats["name"].logical_type.value == "STRING"
    assert stats["name"].num_missing == 0  # "" in a text column is an empty string (the documented rule)


def test_quoted_numeric_file_validates_against_a_schema_from_the_clean_file(
        quote_all: tuple[Path, pd.DataFrame], tmp_path: Path) -> None:
    path, df = quote_all
    clean = tmp_path / "clean.csv"
    df.to_csv(clean, index=False)
    schema = dvtools.infer_schema(_stats(clean))
    anomalies = dvtools.validate_statistics(_stats(path), schema)
    assert [a for a in anomalies if a.type.value == "UNEXPECTED_DATA_TYPE"] == []


def test_quoted_column_with_text_after_the_first_block_widens_to_string(tmp_path: Path) -> None:
    path = tmp_path / "late_text.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, quoting=csv.QUOTE_ALL)
        w.writerow(["n", "pad"])
        for i in range(300_000):
            w.writerow([i if i % 3 else "", "x" * 10])
        w.writerow(["oops", "x"])
    stats = _stats(path)
    assert stats["n"].logical_type.value == "STRING"
    assert stats.num_examples == 300_001
    assert any("'n'" in w and "string" in w for w in stats.warnings)


# -- item 11: time zones that come and go -----------------------------------------------------------

@pytest.mark.parametrize("first,later", [("+01:00", ""), ("", "+01:00")])
def test_timestamps_with_and_without_zone_widen_instead_of_failing(tmp_path: Path, first: str, later: str) -> None:
    path = tmp_path / "tz.csv"
    rows = ["ts,v"] + [f"2024-01-01T00:00:{i % 60:02d}{first},{i}" for i in range(200_000)]
    rows += [f"2024-01-02T00:00:00{later},{i}" for i in range(10)]
    path.write_text("\n".join(rows) + "\n")
    code = f"import dvtools; s = dvtools.compute_statistics({str(path)!r}); print(s.num_examples)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "200010"
    assert "leaked" not in proc.stderr


# -- item 12: a field longer than a block -----------------------------------------------------------

def test_csv_field_longer_than_two_blocks_is_read_like_pandas(tmp_path: Path) -> None:
    path = tmp_path / "long_field.csv"
    lines = ["a,b"] + [f"{i},y" for i in range(1000)] + ['1,"' + "x" * (9 * 1024 * 1024) + '"', "2,z"]
    path.write_text("\n".join(lines) + "\n")
    stats = _stats(path)
    assert stats.num_examples == len(pd.read_csv(path)) == 1002


def test_csv_row_over_the_record_size_limit_is_a_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "too_long.csv"
    path.write_text("a,b\n1," + "x" * (5 * 1024 * 1024) + "\n")  # over two blocks of the limit
    with pytest.raises(DataLoadError, match=r"a row is longer than 2,097,152 bytes, the record-size limit"):
        read_table(str(path), block_size=1 << 20, max_record_bytes=2 << 20)


# -- item 18: empty header names --------------------------------------------------------------------

def test_trailing_comma_header_gets_a_named_column_and_a_pbtxt_schema(tmp_path: Path) -> None:
    path = tmp_path / "trailing.csv"
    path.write_text("a,b,\n1,2,\n3,4,\n")
    stats = _stats(path)
    assert list(stats.features) == ["a", "b", "column_3"]
    assert any("empty column name" in w and "column_3" in w for w in stats.warnings)
    out = tmp_path / "schema.pbtxt"
    from dvtools.schema import load_schema, save_schema

    save_schema(dvtools.infer_schema(stats), out)
    assert [f.name for f in load_schema(out).features] == ["a", "b", "column_3"]


def test_empty_header_names_never_collide_with_real_ones(tmp_path: Path) -> None:
    path = tmp_path / "collide.csv"
    path.write_text("column_2,,x\n1,2,3\n")
    assert read_table(str(path)).column_names == ["column_2", "column_2_2", "x"]


# -- the I/O boundary: byte-range partitions read what the local reader reads -----------------------

def test_csv_ranges_read_quoted_all_file_like_the_local_reader(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    pd.DataFrame({"p": [1.5, None, 3.0] * 20_000, "s": ["a", "", "b"] * 20_000}).to_csv(
        path, index=False, quoting=csv.QUOTE_ALL)
    stream = open_source(str(path))
    plan = plan_partitions(stream, partition_bytes=100_000)
    assert len(plan) > 2
    batches = [b for p in plan for b in p.batches(stream.schema, 65_536)]
    ranged = pa.Table.from_batches(batches, schema=stream.schema)
    assert ranged.equals(read_table(str(path)))
    assert ranged["p"].null_count == 20_000


def test_quoted_column_with_nothing_but_empty_cells_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "empty_quoted.csv"
    path.write_text('"a","b"\n"",""\n"","x"\n')
    stats = _stats(path)
    assert stats["a"].num_missing == 2
    assert stats["b"].num_missing == 0 and stats["b"].logical_type.value == "STRING"


def test_hexadecimal_text_is_not_read_as_an_integer(tmp_path: Path) -> None:
    path = tmp_path / "hex.csv"
    path.write_text("h,n\n0x1F,1\n0x20,2\n")
    table = read_table(str(path))
    assert table["h"].to_pylist() == ["0x1F", "0x20"]
    assert table["n"].type == pa.int64()


_PIECES = st.lists(st.sampled_from([b"0", b"x", b"X", b"a", b"\n", b"00x"]), max_size=30).map(b"".join)


@given(st.binary(max_size=64) | _PIECES)
def test_hex_prefix_scan_matches_a_bytes_search(data: bytes) -> None:
    """The numpy scan for ``0x``/``0X`` (run on every CSV range) agrees with the plain bytes search."""
    from dvtools.io.csvfile import _has_hex_prefix

    assert _has_hex_prefix(data) == (b"0x" in data or b"0X" in data)
    assert _has_hex_prefix(bytearray(data)) == _has_hex_prefix(data)


@given(_PIECES, st.integers(1, 5))
def test_hex_prefix_scan_across_chunk_boundaries(data: bytes, chunk: int) -> None:
    """The scan walks the range in chunks: a ``0`` ending one chunk and an ``x`` starting the next is found."""
    from dvtools.io import csvfile

    saved = csvfile._HEX_CHUNK
    csvfile._HEX_CHUNK = chunk
    try:
        assert csvfile._has_hex_prefix(data) == (b"0x" in data or b"0X" in data)
    finally:
        csvfile._HEX_CHUNK = saved


@given(st.binary(max_size=300))
def test_binary_detection_counts_control_bytes_like_a_python_loop(head: bytes) -> None:
    """``binary_problem`` counts control bytes with ``bytes.translate``; the verdict equals a per-byte count's."""
    from dvtools.io._base import _MAGIC, binary_problem

    control = set(range(0x00, 0x09)) | set(range(0x0E, 0x20)) | {0x7F}
    if any(head.startswith(m) for m, _ in _MAGIC) or b"\x00" in head:
        return
    expected = "not a text file (binary content)" if head and sum(b in control for b in head) > 0.01 * len(head) else None
    assert binary_problem(head) == expected
