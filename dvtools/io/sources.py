"""Open any supported data source as one schema-consistent stream of Arrow record batches.

Inputs: a path, a glob pattern or directory (one dataset over many files), a list of those, raw
``bytes`` plus a file ``name`` (browser uploads), a binary file-like object, a pandas DataFrame, a
``pyarrow.Table`` or ``RecordBatch``. Files are streamed batch by batch, never read whole (except a
``.json`` holding one JSON array, Feather v1 files, and file objects other than open files, which
are read into memory: uploads). Formats: see ``SUPPORTED_FORMATS`` and
``SUPPORTED_EXTENSIONS``; ``.gz``/``.bz2``/``.zst`` text files are decompressed on the fly.

Null rule (text formats): an unquoted empty field or ``null_values`` marker (any case: ``NA``,
``n/a``, ``NULL``, ``None``, ``nan`` ...) is missing in every column, as pandas reads CSV; "NaN" is a
null, not a float NaN. A *quoted* value is kept as written in string columns (``""`` is an empty
string, ``"NA"`` the text NA), so statistics can still count deliberate empty strings. A column
holding nothing but markers and empty fields is null-typed.

Type widening: CSV and JSON Lines types are inferred from a first block. When a later block does
not fit (``1.5`` in an int64 column), the column widens (int64 -> float64 -> string; bool, date,
time, timestamp -> string), a warning is recorded, and the read starts over with the wider type.
Files of one dataset are unified the same way (int64 + float64 -> float64, warned; missing columns
are null-filled, warned); typed formats (Parquet, Arrow) that cannot be combined raise.

Consuming a stream: ``fold(create, step)`` is the primary API. It is optimistic (one pass unless a
widening shows up) and on a widening calls ``create(new_schema)`` again and re-reads from the start.
``__iter__`` cannot take back batches already handed out, so it first settles the types: text parts
whose first block did not cover the whole file get one read-only typing pass (``resolve_schema``);
then it yields batches that all have the final ``schema``. ``head(n)`` is an optimistic preview.
"""

from __future__ import annotations

import glob
import io
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import pyarrow as pa

from dvtools.errors import DataLoadError, UsageError
from dvtools.io._base import (
    ByteInput,
    Part,
    Restart,
    conform,
    load_error,
    one_line,
    type_name,
)
from dvtools.io.columnar import IpcPart, ParquetPart, TablePart, table_from_pandas
from dvtools.io.csvfile import CsvPart

A = TypeVar("A")
T = TypeVar("T")

DEFAULT_NULL_VALUES: tuple[str, ...] = ("", "NA", "N/A", "null", "None", "NaN")
"""Markers read as null in non-string columns of text formats (case variants are added)."""

SUPPORTED_FORMATS: tuple[str, ...] = ("csv", "tsv", "parquet", "jsonl", "arrow")

SUPPORTED_EXTENSIONS: dict[str, str] = {
    ".csv": "csv", ".txt": "csv",
    ".tsv": "tsv", ".tab": "tsv",
    ".parquet": "parquet", ".pq": "parquet",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".arrow": "arrow", ".feather": "arrow", ".ipc": "arrow",
}
"""File extension -> format. Text formats may add a compression extension (``.csv.gz``)."""

COMPRESSION_EXTENSIONS: dict[str, str] = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bz2", ".zst": "zstd"}

DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024
"""Bytes per CSV/JSON block; also the sample that CSV/JSON types are first inferred from."""

_FORMAT_ALIASES: dict[str, str] = {
    "txt": "csv", "tab": "tsv", "pq": "parquet", "json": "jsonl", "ndjson": "jsonl",
    "feather": "arrow", "ipc": "arrow",
}
_TEXT_FORMATS = ("csv", "tsv", "jsonl")
_GLOB_CHARS = re.compile(r"[*?\[]")


# -- schema unification -----------------------------------------------------------------------

def _merge(a: pa.DataType, b: pa.DataType, lenient: bool) -> pa.DataType | None:
    """Return the common type of ``a`` and ``b``, or None if incompatible (``lenient``: string)."""
    if a == b or pa.types.is_null(b):
        return a
    if pa.types.is_null(a):
        return b
    ints, floats = pa.types.is_integer, pa.types.is_floating
    if ints(a) and ints(b):
        if pa.types.is_signed_integer(a) == pa.types.is_signed_integer(b):
            return a if a.bit_width >= b.bit_width else b
        return pa.int64()
    if (ints(a) or floats(a)) and (ints(b) or floats(b)):
        return pa.float64()
    try:
        merged = pa.unify_schemas(
            [pa.schema([("c", a)]), pa.schema([("c", b)])], promote_options="permissive"
        ).field("c").type
    except (pa.ArrowException, TypeError):
        merged = None
    if merged is None and lenient:
        if pa.types.is_date(a) and pa.types.is_timestamp(b):
            return b
        if pa.types.is_timestamp(a) and pa.types.is_date(b):
            return a
        return pa.string()
    return merged


def _names(parts: Sequence[Part], limit: int = 3) -> str:
    shown = ", ".join(p.name for p in parts[:limit])
    return shown + (f" and {len(parts) - limit} more" if len(parts) > limit else "")


def unify_schemas(parts: Sequence[Part]) -> tuple[pa.Schema, list[str]]:
    """One schema for all parts (first-seen column order) and the warnings about what was merged."""
    columns: dict[str, list[tuple[Part, pa.DataType]]] = {}
    for part in parts:
        for field in part.schema:
            columns.setdefault(field.name, []).append((part, field.type))
    fields, warnings = [], []
    for name, entries in columns.items():
        lenient = all(p.text for p, _ in entries)
        t: pa.DataType = pa.null()
        for part, ty in entries:
            merged = _merge(t, ty, lenient)
            if merged is None:
                first = next(p for p, x in entries if x == t)
                raise load_error(
                    part.name,
                    f"column {name!r} is {type_name(ty)} here but {type_name(t)} in {first.name}; "
                    "the files cannot be combined",
                )
            t = merged
        fields.append(pa.field(name, t))
        distinct: dict[str, Part] = {}
        for part, ty in entries:
            if not pa.types.is_null(ty):
                distinct.setdefault(type_name(ty), part)
        if len(distinct) > 1:
            listed = ", ".join(f"{tn} in {p.name}" for tn, p in distinct.items())
            warnings.append(f"column {name!r} has different types across files ({listed}); "
                            f"read as {type_name(t)}")
        if len(entries) < len(parts):
            have = {id(p) for p, _ in entries}
            missing = [p for p in parts if id(p) not in have]
            warnings.append(f"column {name!r} is missing from {_names(missing)}; filled with nulls")
    return pa.schema(fields), warnings


# -- the stream ---------------------------------------------------------------------------------

class BatchStream:
    """A dataset as record batches that all have ``schema``; re-iterable (each pass re-reads).

    Attributes: ``schema`` (resolved, after any widening), ``sources`` (display names),
    ``warnings`` (one-line load warnings), ``num_malformed_rows`` (skipped rows of the last complete
    pass), ``total_bytes`` (input size when known), ``bytes_read`` (progress of the current pass),
    ``num_rows`` (when known without reading: Parquet, Arrow files, in-memory data).
    """

    def __init__(self, parts: Sequence[Part], *, batch_size: int = 131_072,
                 warnings: Sequence[str] = ()) -> None:
        if not parts:
            raise DataLoadError("no input files given")
        if batch_size < 1:
            raise UsageError(f"batch_size must be positive, got {batch_size}")
        self._parts = list(parts)
        self.batch_size = batch_size
        self._open_warnings = list(warnings)
        self.sources: list[str] = [p.name for p in self._parts]
        sizes = [p.size for p in self._parts]
        self.total_bytes: int | None = None if None in sizes else sum(s or 0 for s in sizes)
        counts = [p.num_rows for p in self._parts]
        self.num_rows: int | None = None if None in counts else sum(c or 0 for c in counts)
        if self.num_rows == 0:
            raise load_error(_names(self._parts), "no data rows")
        self.bytes_read = 0
        self.parts_done = 0  # parts fully read by the current pass (progress)
        self.passes = 0  # passes started (progress: row-level analyses read a source more than once)
        self.on_batch: Callable[[BatchStream, pa.RecordBatch], None] | None = None
        """Called after each batch of a pass has been consumed (progress of row-level analyses)."""
        self.refresh_schema()

    @property
    def parts(self) -> tuple[Part, ...]:
        """The inputs (one per file, upload or table), in order; for partitioning (``io.partitions``)."""
        return tuple(self._parts)

    def refresh_schema(self) -> None:
        """Unify the parts' schemas again, after a part widened a column or changed encoding."""
        self._schema, self._unify_warnings = unify_schemas(self._parts)
        self._max_restarts = 8 + 4 * len(self._schema)

    @property
    def schema(self) -> pa.Schema:
        """The resolved schema; every batch yielded has exactly this schema."""
        return self._schema

    @property
    def warnings(self) -> list[str]:
        """Human one-line warnings: widened types, encoding fallback, malformed rows skipped, ..."""
        out = list(self._open_warnings)
        for part in self._parts:
            out.extend(part.warnings)
        out.extend(self._unify_warnings)
        out.extend(p.malformed_warning for p in self._parts if p.malformed_warning)
        return list(dict.fromkeys(out))

    @property
    def num_malformed_rows(self) -> int:
        """Rows skipped as unparseable (wrong number of fields, invalid JSON) in the last full pass."""
        return sum(p.malformed for p in self._parts)

    def progress(self) -> float | None:
        """Fraction of the input read by the current pass (0..1), or None if the size is unknown."""
        if not self.total_bytes:
            return None
        return min(1.0, self.bytes_read / self.total_bytes)

    def _restarts(self) -> Iterator[int]:
        yield from range(self._max_restarts)
        raise load_error(_names(self._parts), "column types did not settle after repeated widening")

    @staticmethod
    def read_part(part: Part, target: pa.Schema, size: int) -> Iterator[pa.RecordBatch]:
        """``part``'s batches conformed to ``target``; unexpected errors become DataLoadError."""
        try:
            for batch in part.batches(target, size):
                if batch.num_rows:
                    yield conform(batch, target)
        except (pa.ArrowException, OSError, ValueError, UnicodeError) as e:
            raise load_error(part.name, e) from None

    def _pass(self) -> Iterator[pa.RecordBatch]:
        """One pass over all parts, conformed to the current schema; may raise Restart."""
        target, size = self._schema, self.batch_size
        self.bytes_read = done = self.parts_done = 0
        self.passes += 1
        for part in self._parts:
            for batch in self.read_part(part, target, size):
                self.bytes_read = done + part.bytes_read
                if batch.num_rows <= size:
                    yield batch
                else:
                    for offset in range(0, batch.num_rows, size):
                        yield batch.slice(offset, size)
                if self.on_batch is not None:
                    self.on_batch(self, batch)
            done += part.size or 0
            self.bytes_read = done
            self.parts_done += 1
        for part in self._parts:
            part.complete = True

    def fold(self, create: Callable[[pa.Schema], A], step: Callable[[A, pa.RecordBatch], A | None]) -> A:
        """Reduce all batches: ``acc = create(schema)``, then ``acc = step(acc, batch)`` per batch.

        ``step`` returns the new accumulator, or None if it mutated ``acc`` in place. If a column
        has to widen mid-pass, ``create`` is called again with the new schema and the read restarts.
        """
        for _ in self._restarts():
            acc = create(self._schema)
            try:
                for batch in self._pass():
                    out = step(acc, batch)
                    if out is not None:
                        acc = out
            except Restart:
                self.refresh_schema()
                continue
            return acc
        raise AssertionError("unreachable")

    def resolve_schema(self) -> pa.Schema:
        """Settle the types: one read-only pass over text parts not yet known to fit their schema."""
        for _ in self._restarts():
            try:
                for part in self._parts:
                    if not part.complete:
                        for _batch in self.read_part(part, self._schema, self.batch_size):
                            pass
                        part.complete = True
            except Restart:
                self.refresh_schema()
                continue
            return self._schema
        raise AssertionError("unreachable")

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        """All batches with the final ``schema`` (after ``resolve_schema`` if types may widen)."""
        self.resolve_schema()
        yielded = False
        for _ in self._restarts():
            try:
                for batch in self._pass():
                    yielded = True
                    yield batch
            except Restart:
                self.refresh_schema()
                if yielded:
                    raise load_error(
                        _names(self._parts), "column types changed while iterating; use BatchStream.fold"
                    ) from None
                continue
            return

    def head(self, n: int = 100) -> pa.Table:
        """Return the first ``n`` rows, read optimistically (a later widening may change ``schema``)."""
        for _ in self._restarts():
            batches: list[pa.RecordBatch] = []
            rows = 0
            try:
                for batch in self._pass():
                    batches.append(batch.slice(0, n - rows))
                    rows += batches[-1].num_rows
                    if rows >= n:
                        break
            except Restart:
                self.refresh_schema()
                continue
            return pa.Table.from_batches(batches, schema=self._schema)
        raise AssertionError("unreachable")

    def __repr__(self) -> str:
        return f"BatchStream({_names(self._parts)}; {len(self._schema)} columns)"


# -- opening ------------------------------------------------------------------------------------

def _null_markers(values: Sequence[str]) -> list[str]:
    out: dict[str, None] = {}
    for v in values:
        for variant in (v, v.lower(), v.upper(), v.title()):
            out[variant] = None
    return list(out)


def _format_of(name: str, format: str | None) -> tuple[str, str | None]:
    """(format, compression) from ``format=`` or the file name's extensions."""
    lower = name.lower()
    compression = None
    for ext, codec in COMPRESSION_EXTENSIONS.items():
        if lower.endswith(ext):
            compression, lower = codec, lower[: -len(ext)]
            break
    if format is not None:
        fmt = _FORMAT_ALIASES.get(format.lower(), format.lower())
        if fmt not in SUPPORTED_FORMATS:
            raise UsageError(f"unknown format {format!r}; supported: {', '.join(SUPPORTED_FORMATS)}")
    else:
        ext = os.path.splitext(lower)[1]
        if ext in SUPPORTED_EXTENSIONS:
            fmt = SUPPORTED_EXTENSIONS[ext]
        elif compression is not None and not ext:
            fmt = "csv"  # data.gz
        else:
            what = f"unsupported file type {ext!r}" if ext else "no file extension"
            listed = "; ".join(
                f"{f} ({' '.join(e for e, g in SUPPORTED_EXTENSIONS.items() if g == f)})"
                for f in SUPPORTED_FORMATS
            )
            raise load_error(
                name, f"{what}; supported formats: {listed}; text may be .gz/.bz2/.zst compressed"
            )
    if compression is not None and fmt not in _TEXT_FORMATS:
        raise load_error(name, f"compressed {fmt} files are not supported ({fmt} compresses internally)")
    return fmt, compression


def _part(inp: ByteInput, fmt: str, opts: dict[str, Any]) -> Part:
    if fmt in _TEXT_FORMATS and inp.compression is None and inp.raw_head(2) == b"\x1f\x8b":
        inp.compression = "gzip"  # a gzipped upload without .gz in its name
    if inp.compression is not None and not pa.Codec.is_available(inp.compression):
        raise load_error(inp.name, f"{inp.compression} decompression is not available in this pyarrow")
    if fmt in ("csv", "tsv"):
        return CsvPart(inp, default_delimiter="\t" if fmt == "tsv" else ",", delimiter=opts["delimiter"],
                       block_size=opts["block_size"], null_values=opts["null_values"],
                       max_record_bytes=opts["max_record_bytes"])
    if fmt == "jsonl":
        from dvtools.io.jsonl import JsonPart  # imported here: start-up of the other formats

        return JsonPart(inp, block_size=opts["block_size"], max_record_bytes=opts["max_record_bytes"])
    if fmt == "parquet":
        return ParquetPart(inp)
    return IpcPart(inp)


def _wrap(name: str, make: Callable[..., T], *args: Any) -> T:
    """Call ``make(*args)``; any unexpected exception becomes a one-line DataLoadError."""
    try:
        return make(*args)
    except DataLoadError:
        raise
    except (pa.ArrowException, OSError, ValueError, UnicodeError) as e:
        raise load_error(name, e) from None


def _expand(path: str | os.PathLike[str]) -> list[str]:
    """List a file, every supported file under a directory, or the files a glob matches."""
    p = os.fspath(path)
    if os.path.isdir(p):
        found = []
        for root, dirs, files in os.walk(p):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
            for f in sorted(files):
                if f.startswith((".", "_")):
                    continue
                lower = f.lower()
                for ext in COMPRESSION_EXTENSIONS:
                    lower = lower.removesuffix(ext)
                if os.path.splitext(lower)[1] in SUPPORTED_EXTENSIONS:
                    found.append(os.path.join(root, f))
        if not found:
            raise load_error(p, "directory contains no supported data files")
        return found
    if os.path.exists(p):
        return [p]
    if isinstance(path, str) and _GLOB_CHARS.search(p):
        matches = sorted(m for m in glob.glob(p, recursive=True) if os.path.isfile(m))
        if not matches:
            raise load_error(p, "no files match this pattern")
        return matches
    raise load_error(p, "file not found")


def _file_like_input(f: Any, name: str | None) -> ByteInput | str:
    """Return a path if ``f`` is an open regular file, else its bytes (read into memory)."""
    fname = getattr(f, "name", None)
    if isinstance(fname, str) and hasattr(f, "fileno") and not isinstance(f, io.BytesIO) \
            and os.path.isfile(fname):
        return fname
    if hasattr(f, "getvalue"):
        data = f.getvalue()
    else:
        if getattr(f, "seekable", lambda: False)():
            f.seek(0)
        data = f.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    display = name or (fname if isinstance(fname, str) else None)
    if display is None:
        raise UsageError("a file-like source needs a name (the file name, for its format)")
    return ByteInput(display, buffer=pa.py_buffer(bytes(data)))


def _parts(source: Any, name: str | None, format: str | None, opts: dict[str, Any],
           warnings: list[str]) -> list[Part]:
    pd = sys.modules.get("pandas")  # a DataFrame exists only once pandas is imported: no start-up cost
    if pd is not None and isinstance(source, pd.DataFrame):
        label = name or "DataFrame"
        try:
            table = table_from_pandas(source, label, warnings)
        except DataLoadError:
            raise
        except Exception as e:  # noqa: BLE001 - pandas/arrow conversion failures of any kind
            raise load_error(label, e) from None
        return [TablePart(table, label)]
    if isinstance(source, pa.Table):
        return [TablePart(source, name or "Table")]
    if isinstance(source, pa.RecordBatch):
        return [TablePart(pa.Table.from_batches([source]), name or "RecordBatch")]
    if isinstance(source, (bytes, bytearray, memoryview)):
        if name is None and format is None:
            raise UsageError("bytes need name= (the original file name, for its format and messages)")
        label = name or "upload"
        fmt, compression = _format_of(label, format)
        inp = ByteInput(label, buffer=pa.py_buffer(bytes(source) if isinstance(source, memoryview)
                                                   else source), compression=compression)
        return [_wrap(label, _part, inp, fmt, opts)]
    if isinstance(source, (list, tuple)):
        if not source:
            raise DataLoadError("no input files given (empty list)")
        return [p for s in source for p in _parts(s, None, format, opts, warnings)]
    if isinstance(source, (str, os.PathLike)):
        paths = _expand(source)
        parts = []
        for path in paths:
            label = name if name is not None and len(paths) == 1 else path
            fmt, compression = _format_of(path, format)
            inp = ByteInput(label, path=path, compression=compression)
            parts.append(_wrap(label, _part, inp, fmt, opts))
        return parts
    if hasattr(source, "read"):
        got = _file_like_input(source, name)
        if isinstance(got, str):
            return _parts(got, name, format, opts, warnings)
        fmt, compression = _format_of(got.name, format)
        got.compression = compression
        return [_wrap(got.name, _part, got, fmt, opts)]
    raise UsageError(f"cannot read a {type(source).__name__}: pass a path, bytes, a file object, "
                     "a DataFrame or a pyarrow Table")


def open_source(
    source: Any,
    *,
    name: str | None = None,
    format: str | None = None,
    batch_size: int = 131_072,
    null_values: Sequence[str] = DEFAULT_NULL_VALUES,
    block_size: int | None = None,
    delimiter: str | None = None,
    max_record_bytes: int | None = None,
) -> BatchStream:
    """Open ``source`` as a :class:`BatchStream`; bad input raises a one-line ``DataLoadError``.

    ``name``: display name, and the file name of ``bytes``/file objects (its extension gives the
    format). ``format``: one of ``SUPPORTED_FORMATS`` (or an alias such as ``feather``), overriding
    extensions. ``block_size``: bytes per CSV/JSON block (default 4 MiB). ``delimiter``: CSV field
    separator (default: sniffed from the first 64 KB among comma, tab, semicolon, pipe).
    ``max_record_bytes``: longest CSV row or JSON line (default: ``dvtools.limits.max_record_bytes()``,
    64 MiB or ``DVTOOLS_MAX_RECORD_BYTES``); a longer one is a one-line DataLoadError.
    """
    if isinstance(source, BatchStream):
        return source
    opts = {
        "null_values": _null_markers(null_values),
        "block_size": block_size or DEFAULT_BLOCK_SIZE,
        "delimiter": delimiter,
        "max_record_bytes": max_record_bytes,
    }
    warnings: list[str] = []
    try:
        parts = _parts(source, name, format, opts, warnings)
    except DataLoadError as e:
        raise DataLoadError(one_line(e)) from None
    return BatchStream(parts, batch_size=batch_size, warnings=warnings)


def read_table(source: Any, **kwargs: Any) -> pa.Table:
    """Materialize ``source`` (anything ``open_source`` takes, or a BatchStream) as one Table.

    For small data (drill-down, joins); uses ``fold`` so widening is handled.
    """
    stream = open_source(source, **kwargs)
    batches = stream.fold(lambda schema: [], lambda acc, batch: acc.append(batch))
    return pa.Table.from_batches(batches, schema=stream.schema)
