"""The fold shared by group and label reports: batches of a source -> per-thread accumulators -> merge.

Same shape as :func:`dvtools.statistics.compute_statistics`: small CSV/JSON blocks are coalesced
into batches of ``batch_size`` rows, folded on ``workers`` threads (pyarrow and numpy release the
GIL), then merged once. A type widening mid-pass restarts the read with fresh accumulators.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import pyarrow as pa

from dvtools.errors import UsageError

DEFAULT_BATCH_SIZE = 131_072
COALESCE_BYTES = 64 * 1024 * 1024


class Foldable(Protocol):
    """An accumulator with an associative merge."""

    def add_batch(self, batch: pa.RecordBatch) -> None: ...  # noqa: D102

    def merge(self, other: Any) -> Any: ...  # noqa: D102


A = TypeVar("A", bound=Foldable)


def open_stream(source: Any, name: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE) -> Any:
    """A :class:`dvtools.io.BatchStream` over ``source`` (a path, bytes with ``name``, a DataFrame, a Table)."""
    from dvtools.io import BatchStream, open_source

    if isinstance(source, BatchStream):
        return source
    try:
        import pandas as pd

        if isinstance(source, pd.DataFrame):
            source = pa.Table.from_pandas(source, preserve_index=False)
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return open_source(source, name=name, batch_size=batch_size)


def require_columns(schema: pa.Schema, columns: list[str], what: str, source_name: str) -> None:
    """One-line UsageError naming the first column ``schema`` lacks."""
    for c in columns:
        if c not in schema.names:
            shown = ", ".join(schema.names[:12]) + (", ..." if len(schema.names) > 12 else "")
            raise UsageError(f"{what} column {c!r} is not in {source_name} (columns: {shown})")


class _Threads:
    def __init__(self, make: Callable[[], Foldable], workers: int) -> None:
        self.accs = [make() for _ in range(workers)]
        self.queue: queue.Queue[pa.RecordBatch | None] = queue.Queue(maxsize=2 * workers)
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._run, args=(a,), daemon=True) for a in self.accs]
        for t in self.threads:
            t.start()

    def _run(self, acc: Foldable) -> None:
        while True:
            batch = self.queue.get()
            if batch is None:
                return
            if self.errors:
                continue
            try:
                acc.add_batch(batch)
            except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
                self.errors.append(e)

    def add(self, batch: pa.RecordBatch) -> None:
        if self.errors:
            raise self.errors[0]
        self.queue.put(batch)

    def close(self) -> Foldable:
        for _ in self.threads:
            self.queue.put(None)
        for t in self.threads:
            t.join()
        if self.errors:
            raise self.errors[0]
        first, *rest = self.accs
        for acc in rest:
            first.merge(acc)
        return first

    def abandon(self) -> None:
        self.errors.append(RuntimeError("abandoned"))
        for _ in self.threads:
            self.queue.put(None)


def fold(stream: Any, make: Callable[[pa.Schema], A], *, workers: int | None = None,
         batch_size: int = DEFAULT_BATCH_SIZE) -> A:
    """Fold every batch of ``stream`` into ``make(schema)`` accumulators on ``workers`` threads; merged."""
    import os

    n = workers if workers is not None else max(1, min(4, os.cpu_count() or 1))
    if n < 1:
        raise UsageError(f"workers must be at least 1, got {n}")
    live: list[_Threads] = []
    pending: list[pa.RecordBatch] = []

    def create(schema: pa.Schema) -> Any:
        pending.clear()
        while live:
            live.pop().abandon()
        if n == 1:
            return make(schema)
        live.append(_Threads(lambda: make(schema), n))
        return live[-1]

    def feed(acc: Any, batch: pa.RecordBatch) -> None:
        acc.add(batch) if isinstance(acc, _Threads) else acc.add_batch(batch)

    def step(acc: Any, batch: pa.RecordBatch) -> None:
        if pending or (batch.num_rows < batch_size and batch.nbytes < COALESCE_BYTES):
            pending.append(batch)
            if sum(b.num_rows for b in pending) >= batch_size or sum(b.nbytes for b in pending) >= COALESCE_BYTES:
                feed(acc, pa.concat_batches(pending))
                pending.clear()
        else:
            feed(acc, batch)

    try:
        result = stream.fold(create, step)
        if pending:
            feed(result, pa.concat_batches(pending))
            pending.clear()
    except BaseException:
        while live:
            live.pop().abandon()
        raise
    return result.close() if isinstance(result, _Threads) else result  # type: ignore[return-value]
