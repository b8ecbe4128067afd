"""CSV specifics: type widening, null markers, delimiter and encoding detection, malformed rows."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dvtools.io.csvfile as csvfile
from dvtools.io import DEFAULT_NULL_VALUES, open_source, read_table
from dvtools.io.csvfile import sniff_delimiter

SMALL_BLOCK = 64 * 1024


@pytest.fixture(scope="module")
def widening_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300k rows: ints in the first block, then "n/a" and "1.5" much later."""
    path = tmp_path_factory.mktemp("widen") / "w.csv"
    values = [str(i) for i in range(300_000)]
    values[200_000] = "n/a"
    values[250_000] = "1.5"
    path.write_text("a,b\n" + "".join(f"{v},r{i % 7}\n" for i, v in enumerate(values)))
    return path


def test_widening_int_to_float_fold(widening_csv: Path) -> None:
    stream = open_source(widening_csv, block_size=SMALL_BLOCK)
    assert stream.schema.field("a").type == pa.int64()  # inferred from the first block
    schemas: list[pa.Schema] = []

    def create(schema: pa.Schema) -> dict[str, float]:
        schemas.append(schema)
        return {"sum": 0.0, "nulls": 0, "rows": 0}

    def step(acc: dict[str, float], batch: pa.RecordBatch) -> None:
        assert batch.schema == schemas[-1]
        acc["sum"] += pc.sum(batch.column("a")).as_py() or 0
        acc["nulls"] += batch.column("a").null_count
        acc["rows"] += batch.num_rows

    acc = stream.fold(create, step)
    assert len(schemas) == 2 and schemas[-1].field("a").type == pa.float64()
    assert stream.schema.field("a").type == pa.float64()
    expected = sum(range(300_000)) - 200_000 - 250_000 + 1.5
    assert acc == {"sum": expected, "nulls": 1, "rows": 300_000}
    assert (
        f"{widening_csv}: column 'a': type changed after the first block (int64 -> float64); "
        "read as float64"
    ) in stream.warnings
    # Types are settled now: iterating again is one pass with the final schema.
    assert sum(b.num_rows for b in stream) == 300_000


def test_widening_iteration_is_consistent(widening_csv: Path) -> None:
    stream = open_source(widening_csv, block_size=SMALL_BLOCK)
    batches = list(stream)  # resolve_schema() runs a typing pass first
    assert all(b.schema == stream.schema for b in batches)
    table = pa.Table.from_batches(batches)
    assert table.schema.field("a").type == pa.float64()
    column = table.column("a")
    assert column.null_count == 1 and column[200_000].as_py() is None and column[250_000].as_py() == 1.5
    assert column[299_999].as_py() == 299_999.0


def test_widening_int_to_string_and_read_table(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("a\n" + "".join(f"{i}\n" for i in range(30_000)) + "oops\n7\n")
    table = read_table(path, block_size=16 * 1024)
    assert table.schema == pa.schema([("a", pa.string())])
    assert table.column("a").to_pylist()[-3:] == ["29999", "oops", "7"]


def test_widening_null_then_values_and_bool_to_string(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    body = "".join(",true\n" for _ in range(20_000))
    path.write_text("a,b\n" + body + "5,maybe\n")
    stream = open_source(path, block_size=16 * 1024)
    assert stream.schema == pa.schema([("a", pa.null()), ("b", pa.bool_())])
    table = read_table(stream)
    assert table.schema == pa.schema([("a", pa.int64()), ("b", pa.string())])
    assert table.column("a").to_pylist()[-1] == 5 and table.column("b").to_pylist()[-1] == "maybe"
    assert len([w for w in stream.warnings if "type changed" in w]) == 2


def test_head_is_optimistic(widening_csv: Path) -> None:
    stream = open_source(widening_csv, block_size=SMALL_BLOCK)
    head = stream.head(3)
    assert head.num_rows == 3 and head.column("a").to_pylist() == [0, 1, 2]


def test_null_markers_numeric_vs_string(tmp_path: Path) -> None:
    path = tmp_path / "nulls.csv"
    path.write_text(
        "i,f,s,allnull,flag\n"
        "1,1.5,x,,true\n"
        "n/a,NaN,,NA,NULL\n"
        'NULL,nan,"NA",null,false\n'
        "none,N/A,None,n/a,none\n"
        ",2.5,,,\n"
    )
    stream = open_source(path)
    assert stream.schema == pa.schema(
        [("i", pa.int64()), ("f", pa.float64()), ("s", pa.string()), ("allnull", pa.null()),
         ("flag", pa.bool_())]
    )
    t = read_table(stream)
    assert t.column("i").to_pylist() == [1, None, None, None, None]
    f = t.column("f").to_pylist()
    assert f == [1.5, None, None, None, 2.5]  # "NaN" is missing, not a float NaN
    assert not any(isinstance(v, float) and math.isnan(v) for v in f)
    # unquoted markers/empties are missing in strings too; quoted values are kept as written
    assert t.column("s").to_pylist() == ["x", None, "NA", None, None]
    assert t.column("flag").to_pylist() == [True, None, False, None, None]


def test_custom_null_values(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("a\n1\n-999\n")
    assert read_table(path, null_values=("-999", "")).column("a").to_pylist() == [1, None]
    assert "NaN" in DEFAULT_NULL_VALUES


@pytest.mark.parametrize("delimiter", [",", ";", "|", "\t"])
def test_delimiter_sniffing(tmp_path: Path, delimiter: str) -> None:
    path = tmp_path / "d.csv"
    rows = [["name", "amount", "note"], ["a", "1", '"x, y; z | w"'], ["b", "2", "plain"], ["c", "3", ""]]
    path.write_text("\n".join(delimiter.join(r) for r in rows) + "\n")
    table = read_table(path)
    assert table.column_names == ["name", "amount", "note"]
    assert table.column("note").to_pylist() == ["x, y; z | w", "plain", None]
    assert table.column("amount").to_pylist() == [1, 2, 3]


def test_sniffer_prefers_consistent_delimiter_and_default() -> None:
    assert sniff_delimiter("a;b\n1,5;2,5\n3,0;4\n", ",") == ";"
    assert sniff_delimiter("single\n1\n2\n", ",") == ","
    assert sniff_delimiter("single\n1\n2\n", "\t") == "\t"
    assert sniff_delimiter('a,b\n"1;2",3\n', ",") == ","


def test_tsv_default_and_explicit_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_text("a\tb\n1\t2\n")
    assert read_table(path).column_names == ["a", "b"]
    path2 = tmp_path / "colon.csv"
    path2.write_text("a:b\n1:2\n")
    assert read_table(path2, delimiter=":").column_names == ["a", "b"]


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffname,v\ncafé,1\n".encode())
    stream = open_source(path)
    assert stream.schema.names == ["name", "v"]
    assert read_table(stream).column("name").to_pylist() == ["café"]
    assert stream.warnings == []


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes("name,v\ncafé,1\n".encode("utf-16"))
    assert read_table(path).to_pylist() == [{"name": "café", "v": 1}]


def test_latin1_fallback(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("name,v\ncafé,1\nSão Paulo,2\n".encode("latin-1"))
    stream = open_source(path)
    assert read_table(stream).column("name").to_pylist() == ["café", "São Paulo"]
    assert stream.warnings == [f"{path}: file is not valid UTF-8; read as latin-1"]


def test_latin1_after_the_checked_head_restarts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvfile, "HEAD_BYTES", 1024)
    path = tmp_path / "late.csv"
    rows = b"".join(b"x%d,%d\n" % (i, i) for i in range(5000))
    path.write_bytes(b"name,v\n" + rows + "é,1\n".encode("latin-1"))
    stream = open_source(path, block_size=1024)
    assert stream.warnings == []
    table = read_table(stream)
    assert table.column("name").to_pylist()[-1] == "é" and table.num_rows == 5001
    assert f"{path}: file is not valid UTF-8; read as latin-1" in stream.warnings


def test_malformed_rows_counted(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    lines = ["a,b,c"] + [f"{i},{i},{i}" for i in range(40)]
    lines[16] = "1,2"  # line 17
    lines[20] = "1,2,3,4"
    lines[30] = "only"
    path.write_text("\n".join(lines) + "\n")
    stream = open_source(path)
    table = read_table(stream)
    assert table.num_rows == 37
    assert stream.num_malformed_rows == 3
    assert f"{path}: 3 malformed rows skipped (wrong number of fields), first at line 17" in stream.warnings


def test_malformed_rows_count_once_across_passes(widening_csv: Path, tmp_path: Path) -> None:
    path = tmp_path / "ragged_widen.csv"
    text = widening_csv.read_text().splitlines()
    text[10] = "1,2,3"
    path.write_text("\n".join(text) + "\n")
    stream = open_source(path, block_size=SMALL_BLOCK)
    rows = stream.fold(lambda schema: [0], lambda acc, b: [acc[0] + b.num_rows])
    assert rows == [299_999]
    assert stream.num_malformed_rows == 1
    assert any("1 malformed row skipped" in w and "line 11" in w for w in stream.warnings)


def test_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('a,b\n1,"line one\nline two"\n2,x\n')
    assert read_table(path).column("b").to_pylist() == ["line one\nline two", "x"]


_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=8
).filter(lambda s: s.strip() == s and s.lower() not in {v.lower() for v in DEFAULT_NULL_VALUES})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    ints=st.lists(st.integers(-(2**62), 2**62), min_size=1, max_size=20),
    data=st.data(),
)
def test_csv_round_trip_property(tmp_path: Path, ints: list[int], data: st.DataObject) -> None:
    n = len(ints)
    finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
    floats = data.draw(st.lists(finite, min_size=n, max_size=n))
    # A letter prefix keeps strings from being inferred as numbers, bools or dates.
    words = data.draw(st.lists(_TEXT.map(lambda s: "w" + s), min_size=n, max_size=n))
    table = pa.table({"i": pa.array(ints, pa.int64()), "f": pa.array(floats, pa.float64()), "s": words})
    path = tmp_path / "prop.csv"
    pcsv.write_csv(table, path)
    got = read_table(path)
    assert got.column("i").to_pylist() == ints
    assert got.column("f").cast(pa.float64()).to_pylist() == floats
    assert got.column("s").to_pylist() == words
