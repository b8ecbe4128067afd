"""Round trips and source kinds of dvtools.io.open_source."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.feather as feather
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

from dvtools.errors import DataLoadError, UsageError
from dvtools.io import (
    DEFAULT_NULL_VALUES,
    SUPPORTED_FORMATS,
    BatchStream,
    open_source,
    read_table,
)

TABLE = pa.table(
    {
        "i": pa.array([1, 2, None, 4], pa.int64()),
        "f": pa.array([1.5, None, -3.25, 4.0], pa.float64()),
        "s": pa.array(["a", "b c", "", "d"], pa.string()),
        "b": pa.array([True, False, None, True], pa.bool_()),
    }
)


def _write(table: pa.Table, path: Path, fmt: str) -> None:
    if fmt == "csv":
        pcsv.write_csv(table, path)
    elif fmt == "tsv":
        pcsv.write_csv(table, path, write_options=pcsv.WriteOptions(delimiter="\t"))
    elif fmt == "parquet":
        pq.write_table(table, path, row_group_size=2)
    elif fmt == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in table.to_pylist()))
    elif fmt == "arrow":
        feather.write_feather(table, path)
    elif fmt == "ipc-stream":
        with ipc.new_stream(str(path), table.schema) as w:
            w.write_table(table)
    else:
        raise AssertionError(fmt)


def _check_batches(stream: BatchStream) -> pa.Table:
    batches = list(stream)
    assert all(b.schema == stream.schema for b in batches)
    return pa.Table.from_batches(batches, schema=stream.schema)


@pytest.mark.parametrize(
    ("fmt", "filename"),
    [
        ("csv", "t.csv"), ("csv", "t.CSV"), ("csv", "t.txt"), ("tsv", "t.tsv"), ("tsv", "t.tab"),
        ("parquet", "t.parquet"), ("parquet", "t.pq"), ("jsonl", "t.jsonl"), ("jsonl", "t.ndjson"),
        ("jsonl", "t.json"), ("arrow", "t.arrow"), ("arrow", "t.feather"), ("ipc-stream", "t.ipc"),
    ],
)
def test_round_trip_every_format(tmp_path: Path, fmt: str, filename: str) -> None:
    path = tmp_path / filename
    _write(TABLE, path, fmt)
    stream = open_source(path)
    got = _check_batches(stream)
    assert got.equals(TABLE), got.to_pylist()
    assert stream.sources == [str(path)]
    assert stream.total_bytes == path.stat().st_size
    assert stream.warnings == []
    assert read_table(str(path)).equals(TABLE)


def test_supported_formats() -> None:
    assert set(SUPPORTED_FORMATS) == {"csv", "tsv", "parquet", "jsonl", "arrow"}
    assert DEFAULT_NULL_VALUES == ("", "NA", "N/A", "null", "None", "NaN")


@pytest.mark.parametrize("suffix", [".csv.gz", ".gz", ".tsv.gz", ".jsonl.gz"])
def test_gzip_text(tmp_path: Path, suffix: str) -> None:
    plain = tmp_path / ("p" + suffix.removesuffix(".gz") if suffix != ".gz" else "p.csv")
    _write(TABLE, plain, "jsonl" if "jsonl" in suffix else "tsv" if "tsv" in suffix else "csv")
    path = tmp_path / ("t" + suffix)
    path.write_bytes(gzip.compress(plain.read_bytes()))
    stream = open_source(path)
    assert _check_batches(stream).equals(TABLE)
    assert stream.total_bytes == path.stat().st_size
    assert stream.progress() == 1.0


def test_gzipped_upload_without_gz_name() -> None:
    data = gzip.compress(b"a,b\n1,x\n2,y\n")
    assert read_table(data, name="upload.csv").to_pylist() == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]


def test_format_override(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    pq.write_table(TABLE, path)
    assert read_table(path, format="parquet").equals(TABLE)
    assert read_table(path, format="PQ").equals(TABLE)
    with pytest.raises(UsageError):
        open_source(path, format="xlsx")


def test_multiple_files_list_glob_directory(tmp_path: Path) -> None:
    for k in range(3):
        pq.write_table(TABLE.slice(k, 1), tmp_path / f"part-{k}.parquet")
    (tmp_path / "_SUCCESS").write_text("")
    expected = TABLE.slice(0, 3)
    files = [tmp_path / f"part-{k}.parquet" for k in range(3)]
    assert read_table(files).equals(expected)
    assert read_table(tuple(str(f) for f in files)).equals(expected)
    stream = open_source(str(tmp_path / "*.parquet"))
    assert stream.sources == [str(f) for f in files]
    assert stream.num_rows == 3
    assert _check_batches(stream).equals(expected)
    assert read_table(tmp_path).equals(expected)


def test_multiple_files_widen_int_to_float(tmp_path: Path) -> None:
    pq.write_table(pa.table({"x": pa.array([1, 2], pa.int64())}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"x": pa.array([0.5], pa.float64())}), tmp_path / "b.parquet")
    stream = open_source(str(tmp_path / "*.parquet"))
    assert stream.schema.field("x").type == pa.float64()
    assert _check_batches(stream).column("x").to_pylist() == [1.0, 2.0, 0.5]
    assert any("'x'" in w and "float64" in w and "a.parquet" in w for w in stream.warnings)


def test_multiple_files_incompatible(tmp_path: Path) -> None:
    pq.write_table(pa.table({"x": [1, 2]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"x": ["u", "v"]}), tmp_path / "b.parquet")
    with pytest.raises(DataLoadError, match=r"b\.parquet.*'x'.*a\.parquet") as exc:
        open_source([tmp_path / "a.parquet", tmp_path / "b.parquet"])
    assert "\n" not in str(exc.value)


def test_multiple_csv_files_widen_to_string_and_fill_missing(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x,y\n1,2\n3,4\n")
    (tmp_path / "b.csv").write_text("x,z\nk7,q\n")
    stream = open_source([tmp_path / "a.csv", tmp_path / "b.csv"])
    assert stream.schema == pa.schema([("x", pa.string()), ("y", pa.int64()), ("z", pa.string())])
    got = _check_batches(stream)
    assert got.column("x").to_pylist() == ["1", "3", "k7"]
    assert got.column("y").to_pylist() == [2, 4, None]
    assert any("'y' is missing from" in w and "b.csv" in w for w in stream.warnings)


def test_mixed_formats_in_one_dataset(tmp_path: Path) -> None:
    pq.write_table(pa.table({"x": [1.5]}), tmp_path / "a.parquet")
    (tmp_path / "b.csv").write_text("x\n2\n")
    assert read_table([tmp_path / "a.parquet", tmp_path / "b.csv"]).column("x").to_pylist() == [1.5, 2.0]


def test_bytes_and_file_like(tmp_path: Path) -> None:
    data = b"a;b\n1;x\n2;y\n"
    expected = [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]
    stream = open_source(data, name="upload.csv")
    assert stream.sources == ["upload.csv"]
    assert stream.total_bytes == len(data)
    assert _check_batches(stream).to_pylist() == expected
    assert read_table(bytearray(data), name="u.csv").to_pylist() == expected
    buf = io.BytesIO(data)
    buf.name = "up.csv"  # like streamlit's UploadedFile
    buf.read(3)
    assert read_table(buf).to_pylist() == expected
    assert read_table(io.BytesIO(data), name="x.csv").to_pylist() == expected
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    with open(path, "rb") as f:
        assert read_table(f).to_pylist() == expected
    pq.write_table(TABLE, tmp_path / "t.parquet")
    assert read_table((tmp_path / "t.parquet").read_bytes(), name="T.PARQUET").equals(TABLE)
    with pytest.raises(UsageError):
        open_source(data)


def test_dataframe() -> None:
    df = pd.DataFrame({"i": [1, 2, 3], "s": ["a", None, "c"], "c": pd.Categorical(["x", "y", "x"])})
    stream = open_source(df, batch_size=2)
    assert stream.sources == ["DataFrame"]
    assert stream.schema == pa.schema([("i", pa.int64()), ("s", pa.string()), ("c", pa.string())])
    batches = list(stream)
    assert [b.num_rows for b in batches] == [2, 1]
    assert pa.Table.from_batches(batches).to_pylist() == [
        {"i": 1, "s": "a", "c": "x"}, {"i": 2, "s": None, "c": "y"}, {"i": 3, "s": "c", "c": "x"}
    ]
    assert stream.warnings == []


def test_dataframe_mixed_object_column_and_non_string_names() -> None:
    df = pd.DataFrame({0: [1, "x", None], "ok": [1.0, 2.0, 3.0]})
    stream = open_source(df)
    assert stream.schema == pa.schema([("0", pa.string()), ("ok", pa.float64())])
    assert _check_batches(stream).column("0").to_pylist() == ["1", "x", None]
    assert any("non-string column names" in w for w in stream.warnings)
    assert any("'0' has mixed types" in w for w in stream.warnings)


def test_dataframe_duplicate_names() -> None:
    df = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(DataLoadError, match="DataFrame: duplicate column name 'a'"):
        open_source(df)


def test_table_and_record_batch() -> None:
    stream = open_source(TABLE, batch_size=3)
    assert [b.num_rows for b in stream] == [3, 1]
    assert read_table(TABLE).equals(TABLE)
    assert read_table(TABLE.to_batches()[0]).equals(TABLE)
    assert open_source(TABLE.to_batches()[0]).sources == ["RecordBatch"]
    assert read_table(open_source(TABLE)).equals(TABLE)


def test_fold_and_iteration_agree(tmp_path: Path) -> None:
    big = pa.table({"n": pa.array(range(10_000), pa.int64())})
    pq.write_table(big, tmp_path / "n.parquet", row_group_size=3000)
    stream = open_source(tmp_path / "n.parquet", batch_size=1000)
    assert stream.num_rows == 10_000
    sizes = [b.num_rows for b in stream]
    assert max(sizes) <= 1000 and sum(sizes) == 10_000

    def step(acc: list[int], batch: pa.RecordBatch) -> list[int]:
        return [acc[0] + sum(batch.column(0).to_pylist())]

    assert stream.fold(lambda schema: [0], step) == [sum(range(10_000))]
    assert stream.head(5).column("n").to_pylist() == [0, 1, 2, 3, 4]


def test_progress_reported_while_iterating(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("a,b\n" + "".join(f"{i},{i * 2}\n" for i in range(50_000)))
    stream = open_source(path, block_size=64 * 1024)
    seen = []
    for _ in stream:
        seen.append(stream.bytes_read)
    assert seen == sorted(seen) and len(seen) > 3
    assert stream.progress() == 1.0


def test_jsonl_type_change_after_first_block_uses_python_path(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    rows = [{"a": i, "b": "x"} for i in range(2000)]
    rows += [{"a": 1.5, "b": 7, "c": [1, 2]}, {"a": None, "b": {"k": 1}}]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{not json\n[1, 2]\n")
    stream = open_source(path, block_size=4096, batch_size=500)
    assert stream.schema.field("a").type == pa.int64()  # first block only, until read
    got = stream.fold(lambda schema: [], lambda acc, b: acc.append(b))
    assert stream.schema == pa.schema(
        [("a", pa.float64()), ("b", pa.string()), ("c", pa.list_(pa.int64()))]
    )
    table = pa.Table.from_batches(got)
    assert table.num_rows == 2002
    assert table.column("b").to_pylist()[-3:] == ["x", "7", '{"k": 1}']
    assert stream.num_malformed_rows == 2
    warnings = " | ".join(stream.warnings)
    assert "(int64 -> float64)" in warnings and "'b': mixed value types" in warnings
    assert "2 malformed rows skipped" in warnings and "first at line 2003" in warnings


def test_json_array_file(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(TABLE.to_pylist()))
    assert read_table(path).equals(TABLE)
