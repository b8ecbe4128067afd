"""Bad input: every case raises a one-line DataLoadError that names the file."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest

from dvtools.errors import DataLoadError
from dvtools.io import open_source, read_table

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


def _raises(source: object, fragment: str, *, name_in_message: str, **kw: object) -> str:
    with pytest.raises(DataLoadError) as exc:
        read_table(source, **kw)
    msg = str(exc.value)
    assert "\n" not in msg and "\r" not in msg, msg
    assert "Traceback" not in msg
    assert name_in_message in msg, msg
    assert fragment in msg, msg
    return msg


def _file(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _half_parquet(tmp_path: Path) -> bytes:
    table = pa.table({"a": list(range(1000)), "b": [str(i) for i in range(1000)]})
    pq.write_table(table, tmp_path / "full.pq")
    data = (tmp_path / "full.pq").read_bytes()
    return data[: len(data) // 2]


CASES: dict[str, tuple[str, Callable[[Path], bytes], str]] = {
    # id: (file name, content, expected message fragment)
    "empty": ("empty.csv", lambda p: b"", "empty (0 bytes)"),
    "blank": ("blank.csv", lambda p: b"\n\n  \n", "only blank lines"),
    "header-only": ("header.csv", lambda p: b"a,b,c\n", "has a header but no data rows"),
    "header-only-no-newline": ("header2.csv", lambda p: b"a,b,c", "has a header but no data rows"),
    "random-bytes": ("random.csv", lambda p: random.Random(0).randbytes(5000), "not a text file"),
    "png-as-csv": ("image.csv", lambda p: PNG + b"\x00" * 100, "PNG image"),
    "parquet-as-csv": ("data.csv", lambda p: b"PAR1" + b"\x00" * 50, "Parquet file"),
    "truncated-parquet": ("half.parquet", _half_parquet, "truncated or corrupt Parquet"),
    "text-as-parquet": ("text.parquet", lambda p: b"a,b\n1,2\n", "not a Parquet file (it looks like text)"),
    "empty-parquet": ("empty.parquet", lambda p: b"", "empty (0 bytes)"),
    "text-as-arrow": ("text.arrow", lambda p: b"a,b\n1,2\n", "not a valid Arrow IPC/Feather file"),
    "all-malformed": ("ragged.csv", lambda p: b"a,b,c\n1,2\n3\n4,5,6,7\n", "all 3 data rows are malformed"),
    "one-malformed": ("ragged1.csv", lambda p: b"a,b,c\n1,2\n", "the only data row is malformed"),
    "duplicate-columns": ("dup.csv", lambda p: b"a,b,a\n1,2,3\n", "duplicate column name 'a'"),
    "unsupported-ext": ("book.xlsx", lambda p: b"PK\x03\x04", "'.xlsx'; supported formats: csv"),
    "no-ext": ("README", lambda p: b"hello", "no file extension"),
    "compressed-parquet": ("t.parquet.gz", lambda p: b"\x1f\x8b", "compressed parquet files are not"),
    "bad-gzip": ("t.csv.gz", lambda p: b"\x1f\x8bnot really gzip data", "cannot decompress"),
    "empty-jsonl": ("e.jsonl", lambda p: b"", "empty (0 bytes)"),
    "jsonl-all-malformed": ("bad.jsonl", lambda p: b"{oops\n[1]\n", "all 2 rows are malformed"),
    "json-scalar": ("scalar.json", lambda p: b"42\n", "malformed"),
    "json-garbage-array": ("arr.json", lambda p: b"[1, 2,", "invalid JSON"),
    "jsonl-binary": ("bin.jsonl", lambda p: PNG, "not a text file"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_file(tmp_path: Path, case: str) -> None:
    filename, content, fragment = CASES[case]
    path = _file(tmp_path, filename, content(tmp_path))
    _raises(path, fragment, name_in_message=filename)
    # The same bytes as an upload name the upload.
    _raises(path.read_bytes(), fragment, name_in_message=filename, name=filename)


def test_file_not_found(tmp_path: Path) -> None:
    _raises(tmp_path / "missing.csv", "file not found", name_in_message="missing.csv")


def test_glob_matching_nothing(tmp_path: Path) -> None:
    _raises(str(tmp_path / "*.parquet"), "no files match", name_in_message="*.parquet")


def test_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("x")
    _raises(tmp_path, "no supported data files", name_in_message=str(tmp_path))


def test_one_bad_file_in_a_list_is_named(tmp_path: Path) -> None:
    good = _file(tmp_path, "good.csv", b"a\n1\n")
    bad = _file(tmp_path, "bad.csv", b"")
    _raises([good, bad], "empty", name_in_message="bad.csv")


def test_empty_list() -> None:
    with pytest.raises(DataLoadError, match="no input files"):
        open_source([])


def test_zero_row_parquet_and_dataframe(tmp_path: Path) -> None:
    pq.write_table(pa.table({"a": pa.array([], pa.int64())}), tmp_path / "zero.parquet")
    _raises(tmp_path / "zero.parquet", "no data rows", name_in_message="zero.parquet")
    _raises(pd.DataFrame({"a": []}), "no data rows", name_in_message="DataFrame")


def test_zero_row_part_in_dataset_is_fine(tmp_path: Path) -> None:
    pq.write_table(pa.table({"a": pa.array([], pa.int64())}), tmp_path / "p0.parquet")
    pq.write_table(pa.table({"a": [1]}), tmp_path / "p1.parquet")
    assert read_table(str(tmp_path / "p*.parquet")).num_rows == 1


def test_duplicate_columns_in_typed_formats(tmp_path: Path) -> None:
    table = pa.Table.from_arrays([pa.array([1]), pa.array([2])], names=["a", "a"])
    pq.write_table(table, tmp_path / "dup.parquet")
    _raises(tmp_path / "dup.parquet", "duplicate column name 'a'", name_in_message="dup.parquet")
    feather.write_feather(table, tmp_path / "dup.feather")
    _raises(tmp_path / "dup.feather", "duplicate column name 'a'", name_in_message="dup.feather")
    _raises(table, "duplicate column name 'a'", name_in_message="Table")


def test_corrupt_parquet_page_fails_while_reading(tmp_path: Path) -> None:
    pq.write_table(pa.table({"a": list(range(5000))}), tmp_path / "c.parquet", compression="snappy")
    data = bytearray((tmp_path / "c.parquet").read_bytes())
    for i in range(8, 200):  # scribble over the first data page, keep header and footer
        data[i] = 0xFF
    _file(tmp_path, "c.parquet", bytes(data))
    _raises(tmp_path / "c.parquet", "", name_in_message="c.parquet")


def test_unreadable_file(tmp_path: Path) -> None:
    path = _file(tmp_path, "secret.csv", b"a\n1\n")
    os.chmod(path, 0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as a user who can read anything")
        _raises(path, "cannot", name_in_message="secret.csv")
    finally:
        os.chmod(path, 0o644)


def test_json_object_file_reads_as_one_row(tmp_path: Path) -> None:
    path = _file(tmp_path, "obj.json", json.dumps({"a": 1}).encode())
    assert read_table(path).to_pylist() == [{"a": 1}]


def test_truncated_gzip_mid_stream(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip

    import dvtools.io.csvfile as csvfile

    monkeypatch.setattr(csvfile, "HEAD_BYTES", 1024)
    data = gzip.compress(b"a,b\n" + b"".join(b"%d,%d\n" % (i, i) for i in range(100_000)))
    path = _file(tmp_path, "cut.csv.gz", data[: len(data) // 2])
    stream = open_source(path, block_size=16 * 1024)  # the head is fine
    with pytest.raises(DataLoadError) as exc:
        stream.fold(lambda schema: 0, lambda acc, batch: acc + batch.num_rows)
    assert str(exc.value).startswith(f"{path}: ") and "\n" not in str(exc.value)
