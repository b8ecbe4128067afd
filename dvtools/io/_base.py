"""Internals shared by the readers: byte inputs, the part protocol, schema helpers, error helpers.

A *part* is one input (a file, an upload, an in-memory table). Every part knows its own schema and
yields its batches; ``sources.BatchStream`` unifies the parts' schemas and conforms their batches.
Text parts (CSV, JSON Lines) infer types from a first block and may discover later that a column
needs a wider type; they then update their schema and raise :class:`Restart`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

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
_CONTROL_BYTES = frozenset(range(0x00, 0x09)) | frozenset(range(0x0E, 0x20)) | {0x7F}


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
    if head and sum(b in _CONTROL_BYTES for b in head) > 0.01 * len(head):
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
