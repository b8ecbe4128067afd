"""Fuzzed CSV, JSON Lines and Parquet files: dvtools' statistics agree with an independent reader.

Generated tables (random types, nulls, quoting styles incl. ``QUOTE_ALL``, encodings utf-8,
utf-8-sig, utf-16 and latin-1, ``\\n``/``\\r\\n`` line endings) are written with the standard library
or pyarrow and read back by pandas (CSV), ``json`` (JSON Lines) or the generating Python lists
(Parquet); row counts, missing counts, min/max and distinct counts must match, by the documented
rules (a quoted empty cell is an empty string in a text column, missing in a numeric one).
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from _fuzz_budget import budget
from hypothesis import given, settings
from hypothesis import strategies as st

import dvtools

_MARKERS = {"na", "n/a", "null", "none", "nan", "", "#n/a", "#na", "-nan", "1.#ind", "1.#qnan", "<na>", "-1.#ind",
            "-1.#qnan", "#n/a n/a", "-na", "true", "false"}
# A bare "\r" in a value: quoted in CRLF files (the csv writer quotes line-terminator characters), left
# unquoted in LF files, where it is data (the documented rule; pandas agrees with lineterminator="\n").
_TEXT = {"utf-8": "abcxyz ,\"\n\r'éü日本🙂", "utf-8-sig": "abc ,\"\n\rxéü日", "utf-16": "abc ,\"\nßé日",
         "latin-1": "abcxyz ,\"\n\réüß"}
KINDS = ("int", "float", "str", "bool")


def _text(encoding: str) -> st.SearchStrategy[str]:
    # A letter first: never a number, a null marker or a boolean; no other delimiter the sniffer could prefer.
    # Not ending in "\r": at the end of a line that reads as a CRLF line end (ambiguous in any reader).
    return st.builds(lambda a, b: a + b, st.sampled_from("abcdefgh"),
                     st.text(alphabet=_TEXT[encoding], max_size=8)).filter(lambda v: not v.endswith("\r"))


def _value(kind: str, encoding: str) -> st.SearchStrategy[Any]:
    if kind == "int":
        return st.integers(-(2**53), 2**53)
    if kind == "float":
        return st.floats(-1e9, 1e9, allow_nan=False).map(lambda x: round(x, 4)).filter(lambda x: x != int(x))
    if kind == "bool":
        return st.booleans()
    return _text(encoding)


@st.composite
def tables(draw: st.DrawFn, encoding: str = "utf-8") -> tuple[list[str], list[str], list[list[Any]]]:
    ncols = draw(st.integers(2, 5))
    kinds = [draw(st.sampled_from(KINDS)) for _ in range(ncols)]
    names = [f"c{i}_{k}" for i, k in enumerate(kinds)]
    nrows = draw(st.integers(1, 40))
    null_share = draw(st.sampled_from([0.0, 0.2, 0.6]))
    rows = []
    for _ in range(nrows):
        row = []
        for k in kinds:
            null = draw(st.floats(0, 1)) < null_share
            row.append(None if null else draw(_value(k, encoding)))
        rows.append(row)
    return names, kinds, rows


def _check(stats: dvtools.DatasetStatistics, names: list[str], kinds: list[str], expected: pd.DataFrame,
           quoted_text_nulls: bool = False) -> None:
    assert stats.num_examples == len(expected)
    assert sorted(stats.features) == sorted(names)
    for name, kind in zip(names, kinds, strict=True):
        f = stats[name]
        col = expected[name]
        missing = int(col.isna().sum())
        text_nulls = quoted_text_nulls and kind == "str" and col.notna().any()
        if text_nulls:
            assert f.num_missing == 0, name  # "" in a text column is an empty string
        else:
            assert f.num_missing == missing, (name, f.num_missing, missing)
        present = col.dropna()
        if kind in ("int", "float") and len(present) and f.numeric is not None:
            assert math.isclose(f.numeric.min, float(present.min()), rel_tol=1e-12), name
            assert math.isclose(f.numeric.max, float(present.max()), rel_tol=1e-12), name
        if f.unique is not None:
            extra = 1 if text_nulls and missing else 0
            assert f.unique == present.nunique() + extra, (name, f.unique, present.nunique())


def _csv_bytes(names: list[str], rows: list[list[Any]], quoting: int, encoding: str, newline: str,
               plus: bool = False) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, quoting=quoting, lineterminator=newline)
    w.writerow(names)
    for r in rows:
        # plus: positive integers written "+5" (an integer, as pandas reads it)
        w.writerow(["" if v is None else f"+{v}" if plus and type(v) is int and v > 0 else v for v in r])
    return buf.getvalue().encode(encoding)


_QUOTING = {"minimal": csv.QUOTE_MINIMAL, "all": csv.QUOTE_ALL, "nonnumeric": csv.QUOTE_NONNUMERIC}


@settings(max_examples=budget(40))
@given(st.sampled_from(list(_TEXT)).flatmap(lambda enc: st.tuples(st.just(enc), tables(enc))),
       st.sampled_from(list(_QUOTING)), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_fuzzed_csv_agrees_with_pandas(case: tuple[str, Any], quoting: str, newline: str, plus: bool) -> None:
    encoding, (names, kinds, rows) = case
    data = _csv_bytes(names, rows, _QUOTING[quoting], encoding, newline, plus=plus and quoting != "nonnumeric")
    # An LF file's lines end at LF only: a bare CR is data (pandas' C parser splits there unless told).
    lf = {"lineterminator": "\n"} if newline == "\n" else {}
    expected = pd.read_csv(io.BytesIO(data), encoding=encoding, keep_default_na=False, na_values=[""], **lf)
    stats = dvtools.compute_statistics(data, name="fuzz.csv")
    # QUOTE_ALL and QUOTE_NONNUMERIC write a null text cell as "": an empty string by the quoted-cell rule
    # (missing in a column with no other value).
    _check(stats, names, kinds, expected, quoted_text_nulls=quoting in ("all", "nonnumeric"))


@settings(max_examples=budget(30))
@given(tables(), st.booleans())
def test_fuzzed_jsonl_agrees_with_the_json_module(table: tuple[list[str], list[str], list[list[Any]]],
                                                  ascii_only: bool) -> None:
    names, kinds, rows = table
    lines = []
    for r in rows:
        rec = {n: v for n, v in zip(names, r, strict=True) if v is not None or n == names[0]}
        lines.append(json.dumps(rec, ensure_ascii=ascii_only))
    data = ("\n".join(lines) + "\n").encode("utf-8")
    records = [json.loads(line) for line in data.decode().splitlines()]
    expected = pd.DataFrame([[rec.get(n) for n in names] for rec in records], columns=names, dtype=object)
    present = [n for n in names if any(rec.get(n) is not None for rec in records) or n == names[0]]
    stats = dvtools.compute_statistics(data, name="fuzz.jsonl")
    seen = [n for n in names if n in stats]
    assert set(present) <= set(seen)
    _check(stats, seen, [kinds[names.index(n)] for n in seen], expected[seen])


_ARROW = {"int": pa.int64(), "float": pa.float64(), "str": pa.string(), "bool": pa.bool_()}


@settings(max_examples=budget(30))
@given(tables(), st.integers(1, 50))
def test_fuzzed_parquet_agrees_with_the_generated_values(table: tuple[list[str], list[str], list[list[Any]]],
                                                         row_group_size: int) -> None:
    names, kinds, rows = table
    columns = {n: pa.array([r[i] for r in rows], type=_ARROW[k]) for i, (n, k) in enumerate(zip(names, kinds, strict=True))}
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(columns), sink, row_group_size=row_group_size)
    expected = pd.DataFrame([[r[i] for i in range(len(names))] for r in rows], columns=names, dtype=object)
    stats = dvtools.compute_statistics(sink.getvalue().to_pybytes(), name="fuzz.parquet")
    _check(stats, names, kinds, expected)
