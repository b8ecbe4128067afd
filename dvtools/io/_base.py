"""Internals shared by the readers: byte inputs, the part protocol, schema helpers, error helpers.

A *part* is one input (a file, an upload, an in-memory table). Every part knows its own schema and
yields its batches; ``sources.BatchStream`` unifies the parts' schemas and conforms their batches.
Text parts (CSV, JSON Lines) infer types from a first block and may discover later that a column
needs a wider type; they then update their schema and raise :class:`Restart`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa

from dvtools.errors import DataLoadError

HEAD_BYTES = 4 * 1024 * 1024
"""How much of a text file is checked up front for encoding (UTF-8 validity) and binary content."""

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PAR1", "it looks like a Parquet file"),
    (b"ARROW1", "it looks like an Arrow/Feather file"),
    (b"\x89PNG", "it looks like a PNG image"),
    (b"\xff\xd8\xff", "it looks like a JPEG image"),
    (b"GIF8", "it looks like a GIF image"),
    (b"%PDF", "it looks like a PDF document"),
    (b"PK\x03\x04", "it looks like a ZIP archive (an Excel workbook?)"),
    (b"\xd0\xcf\x11\xe0", "it looks like an old Excel/Office file"),
    (b"BZh", "it looks bz2-compressed; name it .bz2"),
    (b"\x28\xb5\x2f\xfd", "it looks zstd-compressed; name it .zst"),
)
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F])


class Restart(Exception):
    """A text part changed how it reads (wider column type, other encoding); the pass must start over."""


def one_line(text: object) -> str:
    """First non-empty line of an (exception) message, whitespace-collapsed."""
    for line in str(text).splitlines():
        if line.strip():
            return " ".join(line.split())
    return type(text).__name__ if isinstance(text, BaseException) else "unknown error"


def load_error(name: str, problem: object) -> DataLoadError:
    """Build a one-line :class:`DataLoadError` "``name``: ``problem``"."""
    return DataLoadError(f"{one_line(name)}: {one_line(problem)}")


def type_name(t: pa.DataType) -> str:
    """Arrow type as people read it: ``float64`` rather than pyarrow's ``double``."""
    return {pa.float64(): "float64", pa.float32(): "float32", pa.float16(): "float16"}.get(t, str(t))


def normalize_type(t: pa.DataType) -> pa.DataType:
    """Decode dictionaries and use 32-bit offsets for strings, so all sources give the same types."""
    if pa.types.is_dictionary(t):
        return normalize_type(t.value_type)
    if pa.types.is_large_string(t):
        return pa.string()
    return t


def normalize_schema(schema: pa.Schema) -> pa.Schema:
    """Normalize types; keep names; make every field nullable; drop metadata."""
    return pa.schema([pa.field(f.name, normalize_type(f.type)) for f in schema])


def check_unique_names(names: list[str], name: str) -> None:
    """Raise if a column name occurs twice (readers and statistics address columns by name)."""
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise load_error(name, f"duplicate column name {n!r}")
        seen.add(n)


def binary_problem(head: bytes) -> str | None:
    """Why ``head`` is not the start of a text file, or None if it looks like text."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return f"not a text file ({what})"
    if b"\x00" in head:
        return "not a text file (binary content: NUL bytes)"
    if head and len(head) - len(head.translate(None, _CONTROL_BYTES)) > 0.01 * len(head):  # counted in C
        return "not a text file (binary content)"
    return None


def cast_array(arr: pa.Array, t: pa.DataType) -> pa.Array:
    """Cast one column to its resolved type (dictionary decode, int -> float, anything -> string)."""
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if arr.type == t:
        return arr
    if pa.types.is_floating(t) and pa.types.is_integer(arr.type):
        return arr.cast(t, safe=False)
    try:
        return arr.cast(t)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
            raise
    import json  # nested -> string: JSON text

    return pa.array([None if v is None else json.dumps(v, default=str) for v in arr.to_pylist()], type=t)


def conform(batch: pa.RecordBatch, target: pa.Schema) -> pa.RecordBatch:
    """``batch`` with exactly ``target``: columns reordered, cast, and missing ones filled with nulls."""
    if batch.schema.names == target.names and batch.schema.types == target.types:
        if batch.schema.equals(target, check_metadata=True):
            return batch
        return pa.RecordBatch.from_arrays(batch.columns, schema=target)
    index = {n: i for i, n in enumerate(batch.schema.names)}
    columns = []
    for f in target:
        i = index.get(f.name)
        if i is None:
            columns.append(pa.nulls(batch.num_rows, f.type))
        else:
            columns.append(cast_array(batch.column(i), f.type))
    return pa.RecordBatch.from_arrays(columns, schema=target)


class ByteInput:
    """Where a file's bytes come from: a path or an in-memory buffer, possibly compressed."""

    def __init__(
        self, name: str, *, path: str | None = None, buffer: pa.Buffer | None = None,
        compression: str | None = None,
    ) -> None:
        self.name = name
        self.path = path
        self.buffer = buffer
        self.compression = compression
        if path is not None:
            try:
                self.size: int | None = os.path.getsize(path)
            except OSError as e:
                raise load_error(name, f"cannot read file ({e.strerror or e})") from None
        else:
            assert buffer is not None
            self.size = buffer.size

    def open_raw(self) -> pa.NativeFile:
        """Open the stored bytes (compressed if the file is)."""
        if self.buffer is not None:
            return pa.BufferReader(self.buffer)
        assert self.path is not None
        try:
            return pa.OSFile(self.path, "rb")
        except (OSError, pa.ArrowException) as e:
            raise load_error(self.name, f"cannot open file ({one_line(e)})") from None

    def open(self) -> tuple[pa.NativeFile, pa.NativeFile]:
        """(stream of decompressed bytes, raw file); ``raw.tell()`` is the progress in stored bytes."""
        raw = self.open_raw()
        if self.compression is None:
            return raw, raw
        return pa.CompressedInputStream(raw, self.compression), raw

    def raw_head(self, n: int) -> bytes:
        """First ``n`` stored bytes."""
        raw = self.open_raw()
        try:
            return raw.read(n)
        finally:
            raw.close()

    def head(self, n: int) -> bytes:
        """First ``n`` decompressed bytes."""
        stream, raw = self.open()
        try:
            return stream.read(n)
        except (OSError, pa.ArrowException) as e:
            raise load_error(self.name, f"cannot decompress ({self.compression}): {one_line(e)}") from None
        finally:
            stream.close()
            raw.close()

    def raw_tail(self, n: int) -> bytes:
        """Last ``n`` stored bytes."""
        raw = self.open_raw()
        try:
            size = raw.size()
            raw.seek(max(0, size - n))
            return raw.read(n)
        finally:
            raw.close()


class Part:
    """One input of a stream. Subclasses set the attributes and implement :meth:`batches`."""

    name: str
    schema: pa.Schema
    size: int | None = None
    num_rows: int | None = None
    text: bool = False
    """Types are inferred from text (lenient unification: conflicting types become string)."""
    complete: bool = True
    """True when ``schema`` is known to hold for all of the part (no widening can happen)."""

    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.malformed = 0
        self.malformed_warning: str | None = None
        self.bytes_read = 0

    _inp: ByteInput | None = None

    @property
    def path(self) -> str | None:
        """The file on disk this part reads (None: an upload or in-memory data)."""
        return self._inp.path if self._inp is not None else None

    @property
    def compressed(self) -> bool:
        """Whether the stored bytes are compressed (gzip, bz2, zstd): no random access."""
        return self._inp is not None and self._inp.compression is not None

    @property
    def in_memory(self) -> bool:
        """Whether the part holds its data in memory (an upload, a table): shipped, not re-read from disk."""
        return self._inp is None or self._inp.buffer is not None

    def head(self, n: int) -> bytes:
        """The first ``n`` decompressed bytes (text parts)."""
        assert self._inp is not None
        return self._inp.head(n)

    def batches(self, target: pa.Schema, batch_size: int) -> Iterator[pa.RecordBatch]:
        """Yield the part's batches (own types, or the target's where cheap); may raise Restart."""
        raise NotImplementedError


class MalformedCounter:
    """Counts skipped rows during one pass; committed to the part only when the pass completes."""

    def __init__(self) -> None:
        self.count = 0
        self.first_line: int | None = None

    def add(self, line: int | None) -> None:
        """Count one skipped row at ``line`` (1-based, header included; None if unknown)."""
        self.count += 1
        if self.first_line is None and line is not None:
            self.first_line = line

    def commit(self, part: Part, why: str) -> None:
        """Store the count and a warning on ``part``."""
        part.malformed = self.count
        part.malformed_warning = None
        if self.count:
            rows = "row" if self.count == 1 else "rows"
            where = f", first at line {self.first_line}" if self.first_line is not None else ""
            part.malformed_warning = f"{part.name}: {self.count} malformed {rows} skipped ({why}){where}"


class RecordGuard(io.RawIOBase):
    """A readable byte stream that enforces the record-size and nesting limits as bytes go by.

    Wraps the decompressed stream of a JSON text part before any parser sees it: a line longer than
    ``max_record`` bytes, or JSON nested deeper than ``max_depth`` (brackets outside strings, counted
    exactly with escapes, per line; ``lines=False``: over the whole document, for a JSON array file),
    raises a one-line :class:`DataLoadError` instead of reaching a recursive parser (pyarrow's crashes
    the process at ~8,000 levels) or buffering an unbounded line. Vectorized with numpy, chunk by chunk.
    """

    def __init__(self, stream: pa.NativeFile, name: str, *, max_record: int, max_depth: int,
                 lines: bool = True) -> None:
        super().__init__()
        self._stream = stream
        self._name = name
        self._max_record = max_record
        self._max_depth = max_depth
        self._lines = lines
        self._line = 1  # current line number (1-based)
        self._run = 0  # bytes since the last newline
        self._depth = 0  # nesting depth at the end of the previous chunk
        self._in_string = False
        self._tail_bs = 0  # backslashes that ended the previous chunk
        self._line_before = 1  # line number at the start of the current chunk
        self._tracking = False  # the open line is being scanned exactly (state above carried)
        self._carry_opens = 0  # opening brackets so far in the open line (the cheap bound)
        self._partial: list[bytes] = []  # the open line's bytes so far (to scan it exactly if it must be)

    def readable(self) -> bool:  # noqa: D102 - io API
        return True

    def readinto(self, b: Any) -> int:  # noqa: D102 - io API
        data = self._stream.read(len(b))
        n = len(data)
        if n:
            self._check(np.frombuffer(data, dtype=np.uint8))
            b[:n] = data
        return n

    def read(self, size: int = -1) -> bytes:  # noqa: D102 - io API
        data = self._stream.read() if size is None or size < 0 else self._stream.read(size)
        if data:
            self._check(np.frombuffer(data, dtype=np.uint8))
        return bytes(data)

    def close(self) -> None:  # noqa: D102 - io API
        super().close()

    def _fail(self, what: str, line: int) -> DataLoadError:
        return load_error(self._name, f"line {line}: {what}" if self._lines else what)

    def _check(self, a: np.ndarray) -> None:
        cls = _EVENTS[a]
        if not self._lines:  # one document (a JSON array file, read whole anyway): exact throughout
            self._exact(np.where(cls == _NL, 0, cls).astype(np.uint8), self._line)
            return
        nl = np.flatnonzero(cls == _NL)
        self._check_size(a.size, nl)
        # Cheap bound first: a line cannot nest deeper than it has opening brackets. Only lines with
        # more openings than the limit are scanned exactly (quotes, escapes), from their start.
        opens = np.flatnonzero(cls == _OPEN)
        counts = np.bincount(np.searchsorted(nl, opens), minlength=nl.size + 1)
        tracked = self._tracking
        if tracked:
            counts[0] = 0
            head_end = int(nl[0]) + 1 if nl.size else a.size
            self._exact(cls[:head_end], self._line_before)
            self._tracking = not nl.size
        else:
            counts[0] += self._carry_opens
        suspects = np.flatnonzero(counts > self._max_depth)
        if suspects.size:
            j0, j1 = int(suspects[0]), int(suspects[-1])
            start = 0 if j0 == 0 else int(nl[j0 - 1]) + 1
            stop = int(nl[j1]) + 1 if j1 < nl.size else a.size
            region = cls[start:stop]
            if j0 == 0 and self._partial:
                region = np.concatenate([_EVENTS[np.frombuffer(b"".join(self._partial), dtype=np.uint8)], region])
            self._depth, self._in_string, self._tail_bs = 0, False, 0
            self._exact(region, self._line_before + j0)
            self._tracking = j1 == nl.size
        if not self._tracking:
            self._carry_opens = int(counts[nl.size]) if not (tracked and not nl.size) else 0
        if nl.size:
            self._partial = [a[int(nl[-1]) + 1:].tobytes()]
        elif not self._tracking:
            self._partial.append(a.tobytes())
        else:
            self._partial = []

    def _exact(self, cls: np.ndarray, first_line: int) -> None:
        """Exact nesting over event classes ``cls`` (see ``_EVENTS``), continuing the carried state."""
        pos = np.flatnonzero(cls)
        kind = cls[pos]
        qp = pos[kind == _QUOTE]
        bsp = pos[kind == _BACKSLASH]
        escaped = np.zeros(qp.size, dtype=bool)
        tail_bs = 0
        if bsp.size:
            starts = np.ones(bsp.size, dtype=bool)
            starts[1:] = np.diff(bsp) != 1
            first = np.flatnonzero(starts)
            run_start = bsp[first]
            run_end = np.append(bsp[first[1:] - 1], bsp[-1])
            run_len = run_end - run_start + 1
            if self._tail_bs and run_start[0] == 0:
                run_len[0] += self._tail_bs
            if qp.size:
                j = np.minimum(np.searchsorted(run_end, qp - 1), run_end.size - 1)
                escaped = (run_end[j] == qp - 1) & (run_len[j] % 2 == 1)
            if run_end[-1] == cls.size - 1:
                tail_bs = int(run_len[-1])
        if qp.size and self._tail_bs and qp[0] == 0:  # a quote right after the previous chunk's backslashes
            escaped[0] = self._tail_bs % 2 == 1
        self._tail_bs = tail_bs
        if escaped.any():
            drop = np.zeros(pos.size, dtype=bool)
            drop[np.searchsorted(pos, qp[escaped])] = True
            kind = kind[~drop]
        kind = kind[kind != _BACKSLASH]
        if not kind.size:
            return
        is_nl = kind == _NL
        seg = np.cumsum(is_nl)  # line of each event, relative; a newline starts the next one
        last = int(seg[-1])
        nl_at = np.flatnonzero(is_nl)
        is_q = kind == _QUOTE
        q = np.cumsum(is_q)
        q_base = np.zeros(last + 1, dtype=np.int64)
        q_base[1:] = q[nl_at]
        quotes_before = q - is_q - q_base[seg] + np.where(seg == 0, int(self._in_string), 0)
        in_string = quotes_before % 2 == 1
        delta = np.where(in_string, 0, np.where(kind == _OPEN, 1, np.where(kind == _CLOSE, -1, 0)))
        c = np.cumsum(delta)
        c_base = np.zeros(last + 1, dtype=np.int64)
        c_base[1:] = c[nl_at]
        depth = c - c_base[seg] + np.where(seg == 0, self._depth, 0)
        if int(depth.max()) > self._max_depth:
            at = int(np.argmax(depth > self._max_depth))
            raise self._fail(f"JSON nested deeper than {self._max_depth} levels, the nesting limit",
                             first_line + int(seg[at]))
        self._depth = int(depth[-1])
        self._in_string = bool((quotes_before[-1] + is_q[-1]) % 2 == 1) and not is_nl[-1]

    def _check_size(self, n: int, nl: np.ndarray) -> None:
        self._line_before = self._line
        if nl.size:
            first = self._run + int(nl[0])
            gaps = np.diff(nl) - 1
            longest = max(first, int(gaps.max()) if gaps.size else 0, n - 1 - int(nl[-1]))
            self._run = n - 1 - int(nl[-1])
        else:
            first = longest = self._run + n
            self._run += n
        if longest > self._max_record:
            if first > self._max_record:
                bad = self._line
            else:
                over = np.flatnonzero(np.diff(nl) - 1 > self._max_record)
                bad = self._line + 1 + (int(over[0]) if over.size else int(nl.size) - 1)
            raise self._fail(f"a record is longer than {self._max_record:,} bytes, the record-size limit "
                             "(set DVTOOLS_MAX_RECORD_BYTES to raise it)", bad)
        self._line += int(nl.size)


_NL, _QUOTE, _BACKSLASH, _OPEN, _CLOSE = 1, 2, 3, 4, 5
_EVENTS = np.zeros(256, dtype=np.uint8)
_EVENTS[ord("\n")] = _NL
_EVENTS[ord('"')] = _QUOTE
_EVENTS[ord("\\")] = _BACKSLASH
_EVENTS[[ord("["), ord("{")]] = _OPEN
_EVENTS[[ord("]"), ord("}")]] = _CLOSE
