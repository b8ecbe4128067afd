"""A stream's inputs as independent, picklable partitions that can be read anywhere (Dask workers).

``plan_partitions(stream)`` cuts the inputs of an opened :class:`~dvtools.io.BatchStream` into
partitions; ``partition.batches(target, batch_size)`` reads one of them, in another process if need
be, with the types the client resolved (``stream.schema``), so that every partition gives batches of
one schema and per-partition summaries can be merged. Kinds:

* Parquet files (on disk): consecutive row groups, about ``partition_bytes`` of uncompressed data
  each (row groups are never cut). A dataset with fewer partitions than wanted is also split by
  columns (each partition reads a projection; see ``Partition.columns`` and ``Partition.owned``).
* Arrow IPC files (on disk): consecutive record batches (memory-mapped).
* CSV/TSV files (on disk, uncompressed, UTF-8 or latin-1): byte ranges of about ``partition_bytes``.
  A range owns the lines that *start* inside it: the reader seeks to the range start, skips to the
  next newline unless the range starts a line, reads to the first newline at or after the range end,
  prepends the file's header line and parses with ``pyarrow.csv`` using the delimiter, encoding and
  null markers the client resolved, and explicit column types (no per-range inference).
  **Limitation:** a quoted field holding a newline that straddles a range boundary is not supported
  (the range reader cannot tell it is inside quotes). Files whose first MiB has a quoted newline, and
  files smaller than two ranges, are therefore read whole, as one partition.
* JSON Lines files, compressed text, uploads (in-memory bytes), Arrow IPC streams and Feather v1:
  one partition per file, read by the part itself (same code as the local loader).
* In-memory tables and DataFrames: row slices (pickled as Arrow IPC, so a slice ships only its rows).

Types: when a CSV range meets a value that does not fit its column type, or invalid UTF-8,
``batches`` raises :class:`PartitionRestart` carrying the reader's error message; a whole-file
partition raises it carrying the part's new state (the part widened itself, as in a local pass). The
client applies every update with :func:`apply_restart` (the same widening rules and warnings as the
local loader: int -> float -> string ...), re-plans and re-reads everything with the wider types.
After a complete pass, ``partition.report()`` gives the few facts the client needs
(:func:`commit_reports`): malformed rows skipped, first malformed row, load warnings.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq

from dvtools.io._base import MalformedCounter, Part, Restart, conform, load_error, one_line
from dvtools.io.columnar import IpcPart, ParquetPart, TablePart
from dvtools.io.csvfile import CsvPart
from dvtools.io.sources import BatchStream

DEFAULT_PARTITION_BYTES = 64 * 1024 * 1024
"""Target size of one partition (CSV byte range, Parquet row groups, table slice)."""

QUOTE_SCAN_BYTES = 1024 * 1024
"""How much of a CSV file is checked for quoted newlines before it is split into byte ranges."""

_ARROW_ERRORS = (pa.ArrowException, OSError)
_HEAVY_STATE = ("_inp", "_table")


class PartitionRestart(Restart):
    """The types must change: ``update`` is what :func:`apply_restart` needs on the client."""

    def __init__(self, update: Any) -> None:
        super().__init__("column types must widen")
        self.update = update

    def __reduce__(self) -> tuple[Any, tuple[Any]]:
        return (PartitionRestart, (self.update,))  # pickled with its update (worker processes return it)


class Partition:
    """One independently readable piece of a stream's input.

    ``index``: position in the plan; ``part``: index of the input (file) in the stream; ``columns``:
    the projection read (None: all columns); ``owned``: the columns whose statistics this partition
    is responsible for (differs from ``columns`` only by an extra column a projection needs, such as
    the slice column); ``group``: partitions with the same group cover the same columns.
    """

    heavy = False
    """True when the partition carries data (better scattered to workers than sent in the graph)."""

    def __init__(self, index: int, part: int, name: str) -> None:
        self.index = index
        self.part = part
        self.name = name
        self.columns: tuple[str, ...] | None = None
        self.owned: tuple[str, ...] | None = None
        self.group = 0

    def projection(self, target: pa.Schema) -> pa.Schema:
        """``target`` restricted to this partition's columns."""
        if self.columns is None:
            return target
        return pa.schema([target.field(c) for c in self.columns])

    def batches(self, target: pa.Schema, batch_size: int) -> Iterator[pa.RecordBatch]:
        """Batches conformed to ``projection(target)``; may raise :class:`PartitionRestart`."""
        raise NotImplementedError

    def report(self) -> Any:
        """Facts for :func:`commit_reports` after a complete pass (None: nothing to report)."""
        return None

    def __repr__(self) -> str:
        cols = "" if self.columns is None else f", {len(self.columns)} columns"
        return f"{type(self).__name__}({self.name}#{self.index}{cols})"


def part_state(part: Part) -> dict[str, Any]:
    """A part's small mutable state (schema, encoding, mode, warnings, malformed counts): no data."""
    return {k: v for k, v in vars(part).items() if k not in _HEAVY_STATE}


class WholePart(Partition):
    """A whole input read by its own part object, exactly as the local loader reads it."""

    def __init__(self, index: int, part: int, obj: Part) -> None:
        super().__init__(index, part, obj.name)
        self._part = obj
        self.heavy = obj.in_memory

    def batches(self, target: pa.Schema, batch_size: int) -> Iterator[pa.RecordBatch]:
        """The part's batches; a widening raises PartitionRestart with the part's new state."""
        try:
            yield from BatchStream.read_part(self._part, target, batch_size)
        except PartitionRestart:
            raise
        except Restart:
            raise PartitionRestart(part_state(self._part)) from None

    def report(self) -> dict[str, Any]:
        """The part's state after the pass (malformed rows, warnings)."""
        return part_state(self._part)


class ParquetRowGroups(Partition):
    """Consecutive row groups of a Parquet file, possibly a column projection."""

    def __init__(self, index: int, part: int, name: str, path: str | pa.Buffer, row_groups: Sequence[int],
                 file_columns: Sequence[str]) -> None:
        super().__init__(index, part, name)
        self.path = path
        self.row_groups = list(row_groups)
        self.file_columns = frozenset(file_columns)

    def open(self) -> pq.ParquetFile:
        """The file (``path``: a path, or an upload's buffer: read in place)."""
        return pq.ParquetFile(pa.BufferReader(self.path) if isinstance(self.path, pa.Buffer) else self.path)

    def batches(self, target: pa.Schema, batch_size: int) -> Iterator[pa.RecordBatch]:
        """Row group by row group; columns missing from this file are null-filled."""
        schema = self.projection(target)
        columns = [c for c in schema.names if c in self.file_columns]
        try:
            with self.open() as pf:
                for group in self.row_groups:  # one at a time: iter_batches' read cache keeps all it was given
                    for batch in pf.iter_batches(batch_size=batch_size, row_groups=[group], columns=columns):
                        if batch.num_rows:
                            yield conform(batch, schema)
        except _ARROW_ERRORS as e:
            raise load_error(self.name, f"corrupt Parquet data ({one_line(e)})") from None


class IpcBatches(Partition):
    """Consecutive record batches of an Arrow IPC file (memory-mapped)."""

    def __init__(self, index: int, part: int, name: str, path: str, batch_indices: Sequence[int]) -> None:
        super().__init__(index, part, name)
        self.path = path
        self.batch_indices = list(batch_indices)

    def batches(self, target: pa.Schema, batch_size: int) -> Iterator[pa.RecordBatch]:
        """The record batches, conformed."""
        schema = self.projection(target)
        try:
            with pa.memory_map(self.path) as f:
                reader = ipc.open_file(f)
                for i in self.batch_indices:
                    batch = reader.get_batch(i)
                    if batch.num_rows:
                        yield conform(batch, schema)
        except _ARROW_ERRORS as e:
            raise load_error(self.name, f"corrupt Arrow data ({one_line(e)})") from None


class TableSlice(Partition):
    """Rows of an in-memory table; pickled as Arrow IPC so that only the slice's rows travel."""

    heavy = True

    def __init__(self, index: int, part: int, name: str, table: pa.Table) -> None:
        super().__init__(index, part, name)
        self.table = table

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        sink = pa.BufferOutputStream()
        with ipc.new_stream(sink, self.table.schema) as writer:
            writer.write_table(self.table)
        state["table"] = sink.getvalue()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if isinstance(self.table, pa.Buffer):
            self.table = ipc.open_stream(self.table).read_all()

    def batches(self, target: pa.Schema, batch_size: int) -> Iterator[pa.RecordBatch]:
        """Zero-copy slices, conformed."""
        schema = self.projection(target)
        for batch in self.table.to_batches(max_chunksize=batch_size):
            if batch.num_rows:
                yield conform(batch, schema)


class CsvRange(Partition):
    """The lines of a CSV/TSV file that start in ``[start, end)``, parsed with the client's options."""

    def __init__(self, index: int, part: int, obj: CsvPart, ordinal: int, start: int, end: int,
                 header: bytes) -> None:
        super().__init__(index, part, obj.name)
        self._part = obj
        self.ordinal = ordinal
        self.start = start
        self.end = end
        self.header = header
        self._rows = 0
        self._counter = MalformedCounter()

    def _read_bytes(self) -> bytearray:
        """The range's lines of an upload (in memory), after the header line when the range is not the file's start.

        Read into one buffer (no copies of the ~64 MiB range for the header or the last line's rest).
        """
        with _open_bytes(self._part) as f:
            if self.start > 0:
                f.seek(self.start - 1)
                f.readline()  # the rest of the line that started before the range (or just its "\n")
            pos = f.tell()
            if pos >= self.end:
                return bytearray()
            head = self.header if self.start > 0 else b""
            data = bytearray(len(head) + self.end - pos)
            data[: len(head)] = head
            got = f.readinto(memoryview(data)[len(head):])
            del data[len(head) + got:]
            if got and not data.endswith(b"\n"):
                data += f.readline()
        return data

    def _bounds(self, data: Any) -> tuple[int, int]:
        """``[pos, stop)`` of the range's lines in ``data`` (the whole file's bytes: a memory map)."""
        size = len(data)
        end = min(self.end, size)
        pos = 0
        if self.start > 0:  # skip the rest of the line that started before the range (or just its "\n")
            nl = data.find(b"\n", self.start - 1)
            pos = size if nl < 0 else nl + 1
        if pos >= end:
            return pos, pos
        nl = data.find(b"\n", end - 1)  # the last line ends at the first newline at or after the end
        return pos, size if nl < 0 else nl + 1

    def _fail(self, e: pa.ArrowInvalid) -> PartitionRestart:
        if CsvPart.needs_restart(e):
            return PartitionRestart(str(e))
        raise load_error(self.name, e) from None

    def batches(self, target: pa.Schema, batch_size: int) -> Iterator[pa.RecordBatch]:
        """Parse the range with explicit column types; a misfit raises PartitionRestart(message).

        In a statistics worker process (:func:`map_files_in_place`) a file on disk is memory-mapped
        and its range parsed in place (no copy of ~64 MiB per range into freshly faulted pages;
        :class:`_HeaderThen`). Elsewhere, and for an upload, the range is copied into one buffer
        after its header line.
        """
        part = self._part
        self._rows = 0
        self._counter = counter = MalformedCounter()
        mapped = part.path is not None and _MAP_FILES
        try:
            if mapped:
                data: Any = _map(part.path)
                lo, stop = self._bounds(data)
                body = lo
            else:  # the header line, then the range's lines
                data = self._read_bytes()
                lo, stop = 0, len(data)
                body = len(self.header) if self.start > 0 else 0
        except OSError as e:
            raise load_error(self.name, f"cannot read file ({e.strerror or e})") from None
        if stop <= body or (data[body:min(stop, body + 4096)].isspace() and _blank(data, body, stop)):
            return  # no lines (the first 4 KiB tell the usual case without copying the range)
        found = part.scan(data, lo, stop)  # what pyarrow would read silently wrong (a bare CR, hexadecimal text)
        if found is not None:
            raise PartitionRestart(found)
        if mapped and self.start > 0:
            source = pa.PythonFile(_HeaderThen(self.header, data, lo, stop), mode="r")
        else:
            source = pa.BufferReader(pa.py_buffer(data).slice(lo, stop - lo))
        del data  # the mapping is unmapped once the parser is done with it
        batches = part.parse(source, target, counter)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                break
            except pa.ArrowInvalid as e:
                raise self._fail(e) from None
            self._rows += batch.num_rows
            if batch.num_rows:
                yield conform(batch, target)

    def report(self) -> tuple[int, int, int | None, int]:
        """(ordinal, data rows in the range incl. malformed, malformed count, first malformed row)."""
        return (self.ordinal, self._rows + self._counter.count, self._counter.count, self._counter.first_line)


# -- planning ------------------------------------------------------------------------------------

class _HeaderThen:
    """A readable file of ``header`` then ``data[lo:stop]`` (a memory map), read in place.

    The parser reads it in blocks from the header on, as it read the header and the range copied
    into one buffer (same blocks, so the same batches and statistics), but only the first block is
    copied: every later read is a view of the mapped file.
    """

    closed = False

    def __init__(self, header: bytes, data: Any, lo: int, stop: int) -> None:
        self._header = header
        self._view = memoryview(data)
        self._pos = lo
        self._stop = stop

    def readable(self) -> bool:  # noqa: D102
        return True

    def seekable(self) -> bool:  # noqa: D102
        return False

    def read(self, n: int = -1) -> bytes | memoryview:  # noqa: D102
        left = self._stop - self._pos
        n = len(self._header) + left if n is None or n < 0 else n
        start, self._pos = self._pos, self._pos + min(left, max(0, n - len(self._header)))
        if self._header:
            head, self._header = self._header, b""
            return head + self._view[start:self._pos]
        return self._view[start:self._pos]

    def close(self) -> None:  # noqa: D102
        self.closed = True
        self._view = memoryview(b"")


_MAP_FILES = False


def map_files_in_place() -> None:
    """Parse CSV ranges of files on disk from a memory map in this process (see :meth:`CsvRange.batches`).

    Only for the statistics worker processes: a file truncated while mapped raises SIGBUS, which
    kills the process. A worker's death is the engine's one-line error; the CLI's own process and the
    dashboard's server keep reading ranges with ``read`` (a file changed under them reads short,
    it does not crash).
    """
    global _MAP_FILES
    _MAP_FILES = True


def _map(path: str) -> Any:
    """The file's bytes, memory-mapped read-only (an empty file: empty bytes, which cannot be mapped)."""
    import mmap

    with open(path, "rb") as f:
        try:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # an empty file (it was truncated since the plan)
            return b""


def _blank(data: Any, pos: int, stop: int) -> bool:
    """Whether ``data[pos:stop]`` is only whitespace (read in 1 MiB pieces: no copy of the range)."""
    step = 1 << 20
    return all(data[k:min(stop, k + step)].isspace() for k in range(pos, stop, step))


def _open_bytes(part: Part) -> Any:
    """A buffered binary file over a part's stored bytes (its file, or its in-memory upload: no copy)."""
    if part.path is not None:
        return open(part.path, "rb")  # noqa: SIM115 - the caller's ``with`` closes it
    assert part._inp is not None and part._inp.buffer is not None
    return io.BufferedReader(pa.BufferReader(part._inp.buffer))


def _splittable(part: Part, in_memory: bool) -> bool:
    """Whether a part can be cut: a file on disk, or (``in_memory``: a local plan) an uncompressed upload."""
    if part.path is not None:
        return True
    inp = part._inp
    return in_memory and inp is not None and inp.buffer is not None and inp.compression is None


def _parts(stream: BatchStream) -> tuple[Part, ...]:
    return stream.parts


def _csv_header(part: CsvPart) -> bytes | None:
    """The raw header line (with its newline), or None if the file cannot be split by lines."""
    with _open_bytes(part) as f:
        header = f.readline()
    if not header.endswith(b"\n") or not header.strip(b" \t\r\n\xef\xbb\xbf"):
        return None
    return header


def has_quoted_newlines(part: CsvPart, nbytes: int = QUOTE_SCAN_BYTES) -> bool:
    """Whether the first ``nbytes`` of a CSV part hold a quoted field containing a newline."""
    head = part.head(nbytes)
    if b'"' not in head:
        return False
    if len(head) == nbytes and b"\n" in head:
        head = head[: head.rfind(b"\n") + 1]
    text = head.decode("latin-1" if part.encoding == "latin-1" else "utf-8", errors="replace")
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=part.delimiter):
            if any("\n" in f or "\r" in f for f in row):
                return True
    except csv.Error:
        return True
    return False


def _csv_ranges(first: int, i: int, part: CsvPart, partition_bytes: int, multiple: int,
                in_memory: bool = False) -> list[Partition] | None:
    if not _splittable(part, in_memory) or part.compressed or part.size is None:
        return None
    if part.encoding not in ("utf8", "latin-1") or part.size < 2 * partition_bytes:
        return None
    header = _csv_header(part)
    if header is None or has_quoted_newlines(part):
        return None
    size = part.size
    n = max(2, round(size / partition_bytes))
    n = math.ceil(n / multiple) * multiple  # as many ranges per worker (the ranges cost about the same)
    step = math.ceil(size / n)
    return [CsvRange(first + k, i, part, k, s, min(s + step, size), header)
            for k, s in enumerate(range(0, size, step))]


def _parquet_groups(first: int, i: int, part: ParquetPart, partition_bytes: int,
                    in_memory: bool = False) -> list[Partition] | None:
    if not _splittable(part, in_memory):
        return None
    path: str | pa.Buffer = part.path if part.path is not None else part._inp.buffer  # type: ignore[union-attr]
    names, sizes = part.row_group_sizes()
    if not sizes:
        return None
    out: list[Partition] = []
    group: list[int] = []
    acc = 0
    for g, size in enumerate(sizes):
        group.append(g)
        acc += size
        if acc >= partition_bytes:
            out.append(ParquetRowGroups(first + len(out), i, part.name, path, group, names))
            group, acc = [], 0
    if group:
        out.append(ParquetRowGroups(first + len(out), i, part.name, path, group, names))
    return out


def _ipc_batches(first: int, i: int, part: IpcPart, partition_bytes: int) -> list[Partition] | None:
    path = part.path
    sizes = part.record_batch_sizes() if path is not None else None
    if not sizes or path is None:
        return None
    out: list[Partition] = []
    group: list[int] = []
    acc = 0
    for b, size in enumerate(sizes):
        group.append(b)
        acc += size
        if acc >= partition_bytes:
            out.append(IpcBatches(first + len(out), i, part.name, path, group))
            group, acc = [], 0
    if group:
        out.append(IpcBatches(first + len(out), i, part.name, path, group))
    return out


def _table_slices(first: int, i: int, part: TablePart, partition_bytes: int) -> list[Partition]:
    table = part.table
    rows = max(1, table.num_rows)
    per = max(1, int(partition_bytes * rows / max(1, table.nbytes)))
    return [TableSlice(first + k, i, part.name, table.slice(off, per))
            for k, off in enumerate(range(0, max(1, table.num_rows), per))]


def _column_sizes(plan: Sequence[Partition], names: Sequence[str]) -> dict[str, int]:
    """Compressed bytes per column over the Parquet files of the plan (for balancing column groups)."""
    sizes = dict.fromkeys(names, 0)
    files = {p.part: p for p in plan if isinstance(p, ParquetRowGroups)}  # one partition per input file
    for p in files.values():
        with p.open() as pf:
            meta = pf.metadata
        for g in range(meta.num_row_groups):
            rg = meta.row_group(g)
            for c in range(rg.num_columns):
                col = rg.column(c)
                top = col.path_in_schema.split(".")[0]
                if top in sizes:
                    sizes[top] += col.total_compressed_size
    return sizes


def _split_columns(plan: list[Partition], schema: pa.Schema, ways: int, keep: str | None) -> list[Partition]:
    """Each partition read as ``ways`` column projections of balanced size (largest first, greedy)."""
    sizes = _column_sizes(plan, schema.names)
    bins: list[list[str]] = [[] for _ in range(ways)]
    load = [0] * ways
    for name in sorted(schema.names, key=lambda n: -sizes[n]):
        k = load.index(min(load))
        bins[k].append(name)
        load[k] += sizes[name] + 1
    order = {n: j for j, n in enumerate(schema.names)}
    groups = [sorted(b, key=order.__getitem__) for b in bins if b]
    out: list[Partition] = []
    for p in plan:
        for g, owned in enumerate(groups):
            q = ParquetRowGroups(len(out), p.part, p.name, p.path, p.row_groups, p.file_columns)  # type: ignore[attr-defined]
            q.owned = tuple(owned)
            q.columns = tuple(owned) if keep is None or keep in owned else (*owned, keep)
            q.group = g + 1
            out.append(q)
    return out


def plan_partitions(stream: BatchStream, *, partition_bytes: int = DEFAULT_PARTITION_BYTES,
                    min_partitions: int = 1, keep_column: str | None = None,
                    in_memory: bool = False) -> list[Partition]:
    """Cut the stream's inputs into partitions (see the module doc).

    ``min_partitions`` (the number of workers): CSV files are cut into a multiple of that many
    ranges; when a dataset made only of Parquet files gives fewer partitions, each is split by
    columns so that there are at least that many (``keep_column``, e.g. the slice column, is read by
    every projection). ``in_memory``: uploads are cut too (their ranges share the part's buffer,
    so only for a plan folded in this process: the Dask engine would ship the whole buffer per range).
    """
    if partition_bytes < 1:
        raise ValueError(f"partition_bytes must be positive, got {partition_bytes}")
    plan: list[Partition] = []
    for i, part in enumerate(_parts(stream)):
        pieces: list[Partition] | None = None
        if isinstance(part, CsvPart):
            pieces = _csv_ranges(len(plan), i, part, partition_bytes, max(1, min_partitions), in_memory)
        elif isinstance(part, ParquetPart):
            pieces = _parquet_groups(len(plan), i, part, partition_bytes, in_memory)
        elif isinstance(part, IpcPart):
            pieces = _ipc_batches(len(plan), i, part, partition_bytes)
        elif isinstance(part, TablePart):
            pieces = _table_slices(len(plan), i, part, partition_bytes)
        plan.extend(pieces if pieces else [WholePart(len(plan), i, part)])
    if (len(plan) < min_partitions and len(stream.schema) > 1
            and all(isinstance(p, ParquetRowGroups) for p in plan)):
        ways = min(len(stream.schema), math.ceil(min_partitions / len(plan)))
        plan = _split_columns(plan, stream.schema, ways, keep_column)
    return plan


# -- client side: applying restarts, committing reports ---------------------------------------------

def apply_restart(stream: BatchStream, partition: Partition, update: Any) -> None:
    """Apply a :class:`PartitionRestart` update on the client: the part widens (and warns) as locally.

    Updates of one round are applied in partition order; a CSV value that already fits the widened
    type (another range of the same file widened it first) changes nothing.
    """
    part = _parts(stream)[partition.part]
    if isinstance(update, dict):
        vars(part).update(update)
    elif isinstance(part, CsvPart) and isinstance(update, str):
        if not part.widen(update, stream.schema):
            return
    else:
        raise TypeError(f"unexpected restart update {update!r} for {partition!r}")
    stream.refresh_schema()


def commit_reports(stream: BatchStream, plan: Sequence[Partition], reports: dict[int, Any]) -> None:
    """Store what a complete distributed pass found (malformed rows, warnings) on the stream's parts.

    Afterwards ``stream.warnings`` and ``stream.num_malformed_rows`` read as after a local pass.
    """
    parts = _parts(stream)
    ranges: dict[int, list[tuple[int, int, int, int | None]]] = {}
    for p in plan:
        report = reports.get(p.index)
        if isinstance(p, WholePart) and report is not None:
            vars(parts[p.part]).update(report)
        elif isinstance(p, CsvRange) and report is not None:
            ranges.setdefault(p.part, []).append(report)
    for i, reps in ranges.items():
        counter = MalformedCounter()
        rows_before = 0
        for _ordinal, rows, bad, first in sorted(reps):
            counter.count += bad
            if counter.first_line is None and first is not None:
                counter.first_line = rows_before + first
            rows_before += rows
        counter.commit(parts[i], "wrong number of fields")
    for part in parts:
        part.complete = True


__all__ = [
    "DEFAULT_PARTITION_BYTES",
    "CsvRange",
    "IpcBatches",
    "ParquetRowGroups",
    "Partition",
    "PartitionRestart",
    "TableSlice",
    "WholePart",
    "apply_restart",
    "commit_reports",
    "has_quoted_newlines",
    "part_state",
    "plan_partitions",
]
