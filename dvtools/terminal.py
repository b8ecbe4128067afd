r"""Terminal output of untrusted text: control characters are shown, never executed.

Column names, values and messages come from data. Printed raw, ``\x1b]0;...\x07`` sets the window
title, ``\x1b[2J`` clears the screen, ``\r`` overwrites a line and bidirectional overrides reorder
what is shown. :func:`terminal_text` is the one function that makes text safe for a terminal: every
control character except newline and tab (C0, DEL, C1), the Unicode line/paragraph separators and
the bidirectional controls become a visible ``\uXXXX`` escape. The same form is a valid JSON
escape of the same character, so JSON printed through it stays valid and decodes to the same value.

The CLI applies it to everything it writes to stdout and stderr (tables, JSON, warnings and error
lines) by wrapping both streams in :class:`SafeTextStream` (:func:`safe_streams`); only the CLI's own
progress line writes its ``\r`` through :func:`raw_stream`.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any, TextIO

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")
_UNSAFE_IN_CELL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def _escape(m: re.Match[str]) -> str:
    return f"\\u{ord(m.group()):04x}"


def terminal_text(text: object) -> str:
    r"""``text`` with every control character except ``\n`` and ``\t`` shown as a ``\uXXXX`` escape."""
    return _UNSAFE.sub(_escape, str(text))


def terminal_cell(text: object) -> str:
    """Like :func:`terminal_text`, and newlines and tabs escaped too: one table cell stays on one line."""
    return _UNSAFE_IN_CELL.sub(_escape, str(text))


class SafeTextStream:
    """A text stream that passes every write through :func:`terminal_text`."""

    def __init__(self, raw: TextIO) -> None:
        self.raw = raw

    def write(self, text: str) -> int:
        """Write ``text`` made terminal-safe."""
        return self.raw.write(terminal_text(text))

    def writelines(self, lines: Any) -> None:
        """Write each line made terminal-safe."""
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.raw, name)


def raw_stream(stream: Any) -> TextIO:
    r"""The stream under a :class:`SafeTextStream` (for trusted control output: a progress line's ``\r``)."""
    return stream.raw if isinstance(stream, SafeTextStream) else stream


@contextlib.contextmanager
def safe_streams() -> Iterator[None]:
    """Make ``sys.stdout`` and ``sys.stderr`` terminal-safe for the duration of the block."""
    out, err = sys.stdout, sys.stderr
    sys.stdout = SafeTextStream(raw_stream(out))  # type: ignore[assignment]
    sys.stderr = SafeTextStream(raw_stream(err))  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


__all__ = ["SafeTextStream", "raw_stream", "safe_streams", "terminal_cell", "terminal_text"]
