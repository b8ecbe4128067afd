"""Terminal output never executes control characters from data (issue 10, item 8)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dvtools.cli import main
from dvtools.terminal import terminal_cell, terminal_text

TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_terminal_text_escapes_control_characters_visibly() -> None:
    assert terminal_text(f"a{TITLE}b") == "a\\u001b]0;pwned\\u0007b"
    assert terminal_text("x\ry\x9bz\u202eq") == "x\\u000dy\\u009bz\\u202eq"
    assert terminal_text("line\nnext\tcol é 日本") == "line\nnext\tcol é 日本"
    assert terminal_cell("a\nb\tc") == "a\\u000ab\\u0009c"


@given(st.dictionaries(st.text(), st.text() | st.integers()))
def test_terminal_text_keeps_json_valid_and_equal(d: dict[str, object]) -> None:
    text = terminal_text(json.dumps(d, ensure_ascii=False))
    assert not _CONTROL.search(text)
    assert json.loads(text) == d


@pytest.fixture
def hostile_csv(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.csv"
    n = 400  # enough ordinary text that the file is not taken for binary (> 1 % control bytes)
    pd.DataFrame({TITLE: range(n), CLEAR: ["alpha", "beta", CLEAR, *["gamma"] * 97] * (n // 100),
                  "ok": [float(i) for i in range(n)]}).to_csv(path, index=False)
    return path


def _assert_clean(text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text


def test_stats_table_escapes_control_characters_in_names(hostile_csv: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", str(hostile_csv), "-o", str(tmp_path / "s.json")]) == 0
    out = capsys.readouterr()
    _assert_clean(out.out + out.err)
    assert "\\u001b]0;pwned\\u0007" in out.out


def test_validate_and_compare_outputs_escape_control_characters(hostile_csv: Path, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    schema = tmp_path / "schema.json"
    assert main(["schema", "infer", str(hostile_csv), "-o", str(schema)]) == 0
    other = tmp_path / "other.csv"
    pd.DataFrame({TITLE: range(1000, 1400), CLEAR: [CLEAR, "new\x1b[31mvalue", *["alpha"] * 198] * 2,
                  "ok": [None] * 400}).to_csv(other, index=False)
    capsys.readouterr()
    for args in (["validate", str(other), "--schema", str(schema)],
                 ["validate", str(other), "--schema", str(schema), "--format", "json"],
                 ["compare", str(hostile_csv), str(other)],
                 ["compare", str(hostile_csv), str(other), "--format", "json"]):
        code = main(args)
        out = capsys.readouterr()
        assert code in (0, 1), out.err
        _assert_clean(out.out + out.err)
        if "json" in args:
            json.loads(out.out)  # still valid JSON after escaping


def test_error_lines_escape_control_characters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", str(tmp_path / f"missing{CLEAR}.csv"), "-o", str(tmp_path / "s.json")]) == 2
    err = capsys.readouterr().err
    _assert_clean(err)
    assert "\\u001b[2J" in err
