"""Typed inputs: Parquet (row group by row group), Arrow IPC/Feather, and in-memory tables/DataFrames.

Their types are stored, not inferred, so they never widen; conflicts between files are errors.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.ipc as ipc

from dvtools._lazy import LazyModule
from dvtools.io._base import (
    ByteInput,
    Part,
    binary_problem,
    check_unique_names,
    load_error,
    normalize_schema,
    one_line,
)

if TYPE_CHECKING:
    import pandas as pd

# Imported on first use: pyarrow.parquet loads pyarrow.fs, ssl and sockets (start-up of CSV inputs).
feather = LazyModule("pyarrow.feather")
pq = LazyModule("pyarrow.parquet")

_ERRORS = (pa.ArrowException, OSError)


def _source(inp: ByteInput) -> pa.NativeFile | str:
    if inp.buffer is not None:
        return pa.BufferReader(inp.buffer)
    assert inp.path is not None
    return inp.path


class ParquetPart(Part):
    """A Parquet file, read row group by row group with ``ParquetFile.iter_batches``."""

    def __init__(self, inp: ByteInput) -> None:
        super().__init__()
        self.name = inp.name
        self.size = inp.size
        self._inp = inp
        if inp.size == 0:
            raise load_error(self.name, "file is empty (0 bytes)")
        head = inp.raw_head(4096)
        if not head.startswith(b"PAR1"):
            looks = "it looks like text" if binary_problem(head) is None else "no Parquet header"
            raise load_error(self.name, f"not a Parquet file ({looks})")
        if inp.raw_tail(4) != b"PAR1":
            raise load_error(self.name, "truncated or corrupt Parquet file (no Parquet footer)")
        try:
            with pq.ParquetFile(_source(inp)) as pf:
                schema = pf.schema_arrow
                self.num_rows = pf.metadata.num_rows
        except _ERRORS as e:
            raise load_error(self.name, f"not a valid Parquet file ({one_line(e)})") from None
        check_unique_names(schema.names, self.name)
        self.schema = normalize_schema(schema)

    def row_group_sizes(self) -> tuple[list[str], list[int]]:
        """(column names, uncompressed bytes per row group), from the footer only."""
        with pq.ParquetFile(_source(self._inp)) as pf:
            meta = pf.metadata
            return pf.schema_arrow.names, [meta.row_group(g).total_byte_size for g in range(meta.num_row_groups)]

    def batches(self, target: pa.Schema, batch_size: int) -> Iterator[pa.RecordBatch]:
        """Row group by row group."""
        self.bytes_read = rows = 0
        try:
            with pq.ParquetFile(_source(self._inp)) as pf:
                # One iter_batches per row group: over the whole file, its read cache keeps every row
                # group's column chunks until the end (memory grows with the file, ~100 MB per 1M rows).
                for group in range(pf.num_row_groups):
                    for batch in pf.iter_batches(batch_size=batch_size, row_groups=[group]):
                        rows += batch.num_rows
                        if self.size and self.num_rows:
                            self.bytes_read = self.size * rows // self.num_rows
                        yield batch
        except _ERRORS as e:
            raise load_error(self.name, f"corrupt Parquet data ({one_line(e)})") from None


class IpcPart(Part):
    """An Arrow IPC file (Feather v2) or stream; Feather v1 is read whole."""

    def __init__(self, inp: ByteInput) -> None:
        super().__init__()
        self.name = inp.name
        self.size = inp.size
        self._inp = inp
        self._table: pa.Table | None = None
        if inp.size == 0:
            raise load_error(self.name, "file is empty (0 bytes)")
        try:
            with self._open() as f:
                reader = ipc.open_file(f)
                self._kind = "file"
                schema = reader.schema
                self.num_rows = reader.count_rows()
        except _ERRORS:
            try:
                with self._open() as f:
                    schema = ipc.open_stream(f).schema
                    self._kind = "stream"
            except _ERRORS:
                try:
                    self._table = feather.read_table(_source(inp))  # Feather v1 (legacy)
                except Exception as e:  # noqa: BLE001 - any failure here means "not Arrow"
                    head = inp.raw_head(4096)
                    looks = " (it looks like text)" if binary_problem(head) is None else ""
                    raise load_error(
                        self.name, f"not a valid Arrow IPC/Feather file{looks} ({one_line(e)})"
                    ) from None
                self._kind = "table"
                schema = self._table.schema
                self.num_rows = self._table.num_rows
        check_unique_names(schema.names, self.name)
        self.schema = normalize_schema(schema)

    def record_batch_sizes(self) -> list[int] | None:
        """Bytes per record batch of an IPC *file* (random access); None for streams and Feather v1."""
        if self._kind != "file":
            return None
        with self._open() as f:
            reader = ipc.open_file(f)
            return [reader.get_batch(b).nbytes for b in range(reader.num_record_batches)]

    def _open(self) -> pa.NativeFile:
        if self._inp.buffer is not None:
            return pa.BufferReader(self._inp.buffer)
        assert self._inp.path is not None
        return pa.memory_map(self._inp.path)

    def batches(self, target: pa.Schema, batch_size: int) -> Iterator[pa.RecordBatch]:
        """Record batch by record batch (memory-mapped for files)."""
        self.bytes_read = 0
        if self._table is not None:
            yield from self._table.to_batches(max_chunksize=batch_size)
            self.bytes_read = self.size or 0
            return
        try:
            with self._open() as f:
                if self._kind == "file":
                    reader = ipc.open_file(f)
                    for i in range(reader.num_record_batches):
                        yield reader.get_batch(i)
                        self.bytes_read = f.tell() if self._inp.buffer is None else 0
                else:
                    for batch in ipc.open_stream(f):
                        self.bytes_read = f.tell()
                        yield batch
        except _ERRORS as e:
            raise load_error(self.name, f"corrupt Arrow data ({one_line(e)})") from None


class TablePart(Part):
    """An in-memory ``pyarrow.Table`` (DataFrames and record batches are converted to one)."""

    def __init__(self, table: pa.Table, name: str) -> None:
        super().__init__()
        self.name = name
        check_unique_names(table.schema.names, name)
        self._table = table
        self.schema = normalize_schema(table.schema)
        self.num_rows = table.num_rows
        self.size = table.nbytes

    @property
    def table(self) -> pa.Table:
        """The data (for row-slice partitions)."""
        return self._table

    def batches(self, target: pa.Schema, batch_size: int) -> Iterator[pa.RecordBatch]:
        """Zero-copy slices of at most ``batch_size`` rows."""
        self.bytes_read = done = 0
        for batch in self._table.to_batches(max_chunksize=batch_size):
            done += batch.num_rows
            self.bytes_read = (self.size or 0) * done // max(1, self.num_rows or 0)
            yield batch


def _is_missing(v: object) -> bool:
    import pandas as pd  # only DataFrame sources get here: pandas is not a start-up cost

    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def table_from_pandas(df: pd.DataFrame, name: str, warnings: list[str]) -> pa.Table:
    """``pa.Table.from_pandas`` without the index; mixed-type object columns become strings (warned)."""
    names = [c if isinstance(c, str) else str(c) for c in df.columns]
    renamed = [c for c in df.columns if not isinstance(c, str)]
    if renamed:
        shown = ", ".join(repr(c) for c in renamed[:5]) + (" ..." if len(renamed) > 5 else "")
        warnings.append(f"{name}: non-string column names converted to strings ({shown})")
    check_unique_names(names, name)
    if renamed:
        df = df.set_axis(names, axis=1)
    try:
        return pa.Table.from_pandas(df, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        pass
    arrays = []
    for i, col in enumerate(names):
        series = df.iloc[:, i]
        try:
            arrays.append(pa.Array.from_pandas(series))
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            kinds = sorted({type(v).__name__ for v in series if not _is_missing(v)})
            warnings.append(f"{name}: column {col!r} has mixed types ({', '.join(kinds)}); read as string")
            arrays.append(pa.array([None if _is_missing(v) else str(v) for v in series], type=pa.string()))
    return pa.Table.from_arrays(arrays, names=names)
