"""Spill files: temporary Parquet files that keep row-level work (feature skew's join) in bounded memory.

A :class:`SpillDirectory` is a private temporary directory (removed with everything in it when
closed, also on error); files inside are addressed by name, appended to table by table, read back
whole, and removed as soon as they are consumed. They are never seen by users, so they are not
written atomically (a crash removes the whole directory anyway), but they go through ``dvtools.io``
like every other file dvtools writes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from types import TracebackType

import pyarrow as pa
import pyarrow.parquet as pq

SPILL_COMPRESSION = "lz4"
"""Fast codec: spill files are written once and read once."""


class SpillDirectory:
    """Named spill files under one private temporary directory; use as a context manager."""

    def __init__(self, prefix: str = "dvtools-spill-", parent: SpillDirectory | None = None) -> None:
        if parent is None:
            self._tmp: tempfile.TemporaryDirectory[str] | None = tempfile.TemporaryDirectory(prefix=prefix)
            self.path = self._tmp.name
        else:
            self._tmp = None
            self.path = tempfile.mkdtemp(dir=parent.path)
        self._writers: dict[str, pq.ParquetWriter] = {}

    def subdirectory(self) -> SpillDirectory:
        """A fresh directory inside this one (removed with it)."""
        return SpillDirectory(parent=self)

    def _file(self, name: str) -> str:
        if os.sep in name or name.startswith("."):
            raise ValueError(f"spill file names are plain names, got {name!r}")
        return os.path.join(self.path, f"{name}.parquet")

    def append(self, name: str, table: pa.Table, schema: pa.Schema) -> None:
        """Append ``table`` (of ``schema``) to spill file ``name``, creating it on first use."""
        w = self._writers.get(name)
        if w is None:
            w = self._writers[name] = pq.ParquetWriter(self._file(name), schema, compression=SPILL_COMPRESSION)
        w.write_table(table)

    def close_writers(self) -> None:
        """Finish every file being written (before reading them)."""
        for w in self._writers.values():
            w.close()
        self._writers.clear()

    def exists(self, name: str) -> bool:
        """Whether spill file ``name`` has been written."""
        return os.path.exists(self._file(name))

    def num_rows(self, name: str) -> int:
        """Rows in spill file ``name`` (0 if it was never written)."""
        return pq.ParquetFile(self._file(name)).metadata.num_rows if self.exists(name) else 0

    def iter_batches(self, name: str, batch_size: int = 131_072) -> Iterator[pa.RecordBatch]:
        """Stream the file's record batches (nothing if never written)."""
        if not self.exists(name):
            return iter(())
        return pq.ParquetFile(self._file(name)).iter_batches(batch_size=batch_size)

    def read(self, name: str, schema: pa.Schema) -> pa.Table:
        """Spill file ``name`` as one table (an empty table of ``schema`` if never written)."""
        return pq.read_table(self._file(name), schema=schema) if self.exists(name) else schema.empty_table()

    def remove(self, name: str) -> None:
        """Delete spill file ``name`` (consumed)."""
        if self.exists(name):
            os.remove(self._file(name))

    def close(self) -> None:
        """Close writers and remove the directory with its content."""
        try:
            self.close_writers()
        finally:
            if self._tmp is not None:
                self._tmp.cleanup()

    def __enter__(self) -> SpillDirectory:
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


__all__ = ["SPILL_COMPRESSION", "SpillDirectory"]
