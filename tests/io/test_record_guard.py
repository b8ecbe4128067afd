"""The record-size and nesting limits on JSON text (issue 10, items 4 and 6), against a plain scanner."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dvtools
from dvtools.errors import DataLoadError
from dvtools.io._base import RecordGuard
from dvtools.limits import MAX_NESTING_DEPTH


def _oracle(data: bytes, lines: bool = True) -> tuple[int, int]:
    """(deepest nesting, longest line) by a byte-at-a-time scanner of the guard's rule.

    The rule: a quote toggles "inside a string" unless an odd run of backslashes precedes it;
    brackets outside strings nest; a newline (JSON Lines) resets. For valid JSON that is the true
    depth (checked below against ``json.dumps``); where input is invalid, parsers stop there.
    """
    depth = deepest = run = longest = backslashes = 0
    in_string = False
    for b in data:
        if lines and b == 10:
            depth, in_string, backslashes, run = 0, False, 0, 0
            continue
        run += 1
        longest = max(longest, run)
        if b == 0x5C:
            backslashes += 1
            continue
        if b == 0x22 and backslashes % 2 == 0:
            in_string = not in_string
        elif not in_string and b in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif not in_string and b in (0x5D, 0x7D):
            depth -= 1
        backslashes = 0
    return deepest, longest if lines else 0


def _depth(v: object) -> int:
    if isinstance(v, dict):
        return 1 + max((_depth(x) for x in v.values()), default=0)
    if isinstance(v, list):
        return 1 + max((_depth(x) for x in v), default=0)
    return 0


_VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.text(alphabet='ab"\\[]{}\n'),
                       lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(alphabet='k"\\[{'), c, max_size=3),
                       max_leaves=20)


@settings(max_examples=200, deadline=None)
@given(_VALUES, st.integers(1, 17))
def test_guard_measures_the_true_depth_of_valid_json(value: object, chunk: int) -> None:
    import json

    line = json.dumps({"v": value}).encode() + b"\n"
    true = _depth({"v": value})
    assert _guard_ok(line * 2, chunk, true, 1 << 20)
    assert not _guard_ok(line * 2, chunk, true - 1, 1 << 20)


def _guard_ok(data: bytes, chunk: int, max_depth: int, max_record: int, lines: bool = True) -> bool:
    g = RecordGuard(pa.BufferReader(data), "t", max_record=max_record, max_depth=max_depth, lines=lines)
    try:
        while g.read(chunk):
            pass
    except DataLoadError:
        return False
    return True


_JSONISH = st.lists(st.sampled_from([b"[", b"]", b"{", b"}", b'"', b"\\", b"\n", b"a", b":", b","]),
                    max_size=300).map(b"".join)


@settings(max_examples=300, deadline=None)
@given(_JSONISH, st.integers(1, 40), st.integers(0, 12), st.integers(1, 60), st.booleans())
def test_guard_agrees_with_a_byte_by_byte_scanner(data: bytes, chunk: int, max_depth: int, max_record: int,
                                                  lines: bool) -> None:
    deepest, longest = _oracle(data, lines)
    expected = deepest <= max_depth and longest <= max_record
    assert _guard_ok(data, chunk, max_depth, max_record, lines) == expected


def _stats_error(path: Path) -> str:
    with pytest.raises(DataLoadError) as e:
        dvtools.compute_statistics(str(path))
    return str(e.value)


def test_deeply_nested_jsonl_is_a_one_line_error_not_a_segfault(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text('{"a":' * 8000 + "1" + "}" * 8000 + "\n")
    code = f"import dvtools; dvtools.compute_statistics({str(path)!r})"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "DataLoadError" in proc.stderr  # an exception, not signal 11
    msg = _stats_error(path)
    assert msg == f"{path}: line 1: JSON nested deeper than {MAX_NESTING_DEPTH} levels, the nesting limit"


def test_nesting_in_a_later_line_of_the_python_path_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "late.jsonl"
    path.write_text('{"a": 1}\n{"a": "x"}\n' * 50 + '{"a": ' + "[" * 100 + "]" * 100 + "}\n")
    assert "line 101: JSON nested deeper" in _stats_error(path)


def test_brackets_inside_strings_do_not_count(tmp_path: Path) -> None:
    path = tmp_path / "strings.jsonl"
    path.write_text(('{"a": "' + "[{" * 500 + '\\"", "b": [[1]]}\n') * 3)
    assert dvtools.compute_statistics(str(path)).num_examples == 3


def test_deep_json_array_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" + '{"a": ' + "[" * 200 + "]" * 200 + "}]")
    assert _stats_error(path) == f"{path}: JSON nested deeper than {MAX_NESTING_DEPTH} levels, the nesting limit"


def test_very_long_json_line_is_refused_with_the_record_size_limit(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVTOOLS_MAX_RECORD_BYTES", str(1 << 20))
    path = tmp_path / "long.jsonl"
    path.write_text('{"a": 1}\n' * 10 + '{"a": "' + "x" * (3 << 20) + '"}\n')
    msg = _stats_error(path)
    assert "line 11: a record is longer than 1,048,576 bytes, the record-size limit" in msg
    assert "DVTOOLS_MAX_RECORD_BYTES" in msg


def test_gzip_bomb_of_one_line_is_refused_in_bounded_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVTOOLS_MAX_RECORD_BYTES", str(1 << 20))
    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(b'{"a": "' + b"x" * (64 << 20) + b'"}\n')
    assert path.stat().st_size < 1 << 20
    assert "a record is longer than" in _stats_error(path)


def test_record_size_limit_is_configurable_per_call(tmp_path: Path) -> None:
    path = tmp_path / "ok.jsonl"
    path.write_text('{"a": "' + "x" * 5000 + '"}\n')
    with pytest.raises(DataLoadError, match="record-size limit"):
        dvtools.io.read_table(str(path), max_record_bytes=1000)
    assert dvtools.io.read_table(str(path), max_record_bytes=10_000).num_rows == 1
