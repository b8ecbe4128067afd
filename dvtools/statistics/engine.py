"""The fold: batches -> :class:`DatasetAccumulator` -> merge -> :class:`DatasetStatistics`.

``compute_statistics`` reads record batches from :mod:`dvtools.io` and folds them on ``workers``
threads, each with its own accumulator (pyarrow and numpy release the GIL, so two threads use two
cores), then merges and finalizes once. Memory is bounded by the batches in flight plus the
summaries, not by the size of the input. The Dask engine (:mod:`dvtools.statistics.distributed`)
is the same fold with partitions on workers.
"""

from __future__ import annotations

import math
import os
import queue
import threading
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from dvtools.errors import UsageError
from dvtools.statistics.accumulators import FeatureAccumulator, make_accumulator
from dvtools.statistics.model import DatasetStatistics

MAX_SLICES = 50
DEFAULT_BATCH_SIZE = 131_072
COALESCE_BYTES = 64 * 1024 * 1024

ProgressCallback = Callable[[int, int | None], None]
"""Called with (rows read so far, total bytes or None) after each batch."""


class DatasetAccumulator:
    """Per-column accumulators for one schema; mergeable like its parts."""

    def __init__(self, schema: pa.Schema, num_buckets: int = 10) -> None:
        self.schema = schema
        self.num_buckets = num_buckets
        self.num_rows = 0
        self.columns: dict[str, FeatureAccumulator] = {
            f.name: make_accumulator(f.type, num_buckets) for f in schema
        }

    def add_batch(self, batch: pa.RecordBatch | pa.Table) -> None:
        """Fold a batch with this accumulator's schema."""
        self.num_rows += batch.num_rows
        for i, name in enumerate(batch.schema.names):
            col = batch.column(i)
            if isinstance(col, pa.ChunkedArray):
                for chunk in col.chunks:
                    self.columns[name].add(chunk)
            else:
                self.columns[name].add(col)

    def merge(self, other: DatasetAccumulator) -> DatasetAccumulator:
        """Fold ``other`` (same schema) into this one; returns self."""
        self.num_rows += other.num_rows
        for name, acc in other.columns.items():
            self.columns[name].merge(acc)
        return self

    def finalize(self, **meta: Any) -> DatasetStatistics:
        """Finalized statistics; ``meta`` fills the dataset-level fields (sources, warnings, ...)."""
        return DatasetStatistics(
            num_examples=self.num_rows,
            features={name: acc.finalize(name) for name, acc in self.columns.items()},
            **meta,
        )


class SlicedAccumulator:
    """The whole dataset plus one accumulator per value of a slice column (at most ``max_slices``)."""

    def __init__(self, schema: pa.Schema, slice_by: str | None, num_buckets: int = 10,
                 max_slices: int = MAX_SLICES) -> None:
        if slice_by is not None and slice_by not in schema.names:
            raise UsageError(f"slice column {slice_by!r} is not in the data (columns: {', '.join(schema.names)})")
        if slice_by is not None and pa.types.is_nested(schema.field(slice_by).type):
            raise UsageError(f"cannot slice by {slice_by!r}: it is a nested column ({schema.field(slice_by).type})")
        self.schema = schema
        self.slice_by = slice_by
        self.num_buckets = num_buckets
        self.max_slices = max_slices
        self.whole = DatasetAccumulator(schema, num_buckets)
        self.slices: dict[str, DatasetAccumulator] = {}
        self.capped = False

    def add_batch(self, batch: pa.RecordBatch) -> None:
        """Fold a batch into the whole and into its slices."""
        self.whole.add_batch(batch)
        if self.slice_by is None:
            return
        key = batch.column(self.slice_by)
        if pa.types.is_float32(key.type) or pa.types.is_float64(key.type):
            key = pc.add(key, pa.scalar(0.0, key.type))  # -0.0 -> 0.0: one slice (they compare equal)
        for value in pc.unique(key).to_pylist():
            label = "(missing)" if value is None else str(value)
            acc = self.slices.get(label)
            if acc is None:
                if len(self.slices) >= self.max_slices:
                    self.capped = True
                    continue
                acc = self.slices[label] = DatasetAccumulator(self.schema, self.num_buckets)
            if value is None:
                mask = pc.is_null(key)
            elif isinstance(value, float) and math.isnan(value):  # NaN != NaN: select NaN rows by is_nan
                mask = pc.fill_null(pc.is_nan(key), False)
            else:
                mask = pc.fill_null(pc.equal(key, pa.scalar(value, key.type)), False)
            acc.add_batch(batch.filter(mask))

    def merge(self, other: SlicedAccumulator) -> SlicedAccumulator:
        """Fold ``other`` into this one; returns self."""
        self.whole.merge(other.whole)
        # A capped part dropped the rows of every label it did not keep: a label kept by only one part
        # is complete only if the other part never dropped anything, else it is dropped (never wrong).
        merged: dict[str, DatasetAccumulator] = {}
        capped = self.capped or other.capped
        for label in [*self.slices, *(k for k in other.slices if k not in self.slices)]:
            mine, theirs = self.slices.get(label), other.slices.get(label)
            if mine is not None and theirs is not None:
                acc = mine.merge(theirs)
            elif (mine is not None and other.capped) or (theirs is not None and self.capped):
                continue
            else:
                acc = mine if mine is not None else theirs  # type: ignore[assignment]
            if len(merged) >= self.max_slices:
                capped = True
                continue
            merged[label] = acc
        self.slices = merged
        self.capped = capped
        return self

    def finalize(self, **meta: Any) -> DatasetStatistics:
        """Finalized statistics with slices."""
        stats = self.whole.finalize(**meta)
        if self.slice_by is not None:
            stats.slice_column = self.slice_by
            stats.slices_capped = self.capped
            stats.slices = {
                label: acc.finalize(name=f"{self.slice_by}={label}") for label, acc in sorted(self.slices.items())
            }
            if self.capped:
                stats.warnings.append(
                    f"slice column {self.slice_by!r} has more than {self.max_slices} values: "
                    f"only the first {self.max_slices} seen get their own statistics"
                )
        return stats


class _ParallelFold:
    """Feeds batches to ``workers`` threads, each folding into its own accumulator."""

    def __init__(self, make: Callable[[], SlicedAccumulator], workers: int) -> None:
        self.accs = [make() for _ in range(workers)]
        self.queue: queue.Queue[pa.RecordBatch | None] = queue.Queue(maxsize=2 * workers)
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._run, args=(a,), daemon=True) for a in self.accs]
        for t in self.threads:
            t.start()

    def _run(self, acc: SlicedAccumulator) -> None:
        while True:
            batch = self.queue.get()
            if batch is None:
                return
            if self.errors:
                continue
            try:
                acc.add_batch(batch)
            except BaseException as e:  # re-raised in the caller's thread
                self.errors.append(e)

    def add(self, batch: pa.RecordBatch) -> None:
        if self.errors:
            raise self.errors[0]
        self.queue.put(batch)

    def close(self) -> SlicedAccumulator:
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


def default_workers() -> int:
    """Threads used by default: the machine's cores, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))


def compute_statistics(
    source: Any,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    slice_by: str | None = None,
    num_buckets: int = 10,
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    name: str | None = None,
    progress: ProgressCallback | None = None,
    max_slices: int = MAX_SLICES,
) -> DatasetStatistics:
    """Statistics of a dataset: a path, paths, a glob, bytes (with ``name``), a DataFrame or a Table.

    ``engine="dask"`` folds partitions on a Dask cluster (``scheduler`` address, or a local
    cluster) and gives the same result. Raises :class:`~dvtools.errors.DataLoadError` on bad input.
    """
    if engine == "dask":
        from dvtools.statistics.distributed import compute_statistics_dask

        return compute_statistics_dask(source, scheduler=scheduler, batch_size=batch_size, slice_by=slice_by,
                                       num_buckets=num_buckets, name=name, max_slices=max_slices)
    if engine != "local":
        raise UsageError(f"unknown engine {engine!r}: use 'local' or 'dask'")
    from dvtools.io import BatchStream, open_source

    stream = source if isinstance(source, BatchStream) else open_source(source, name=name, batch_size=batch_size)
    n_workers = workers if workers is not None else default_workers()
    if slice_by is not None:
        # Slices are folded on one thread: each thread would keep its own "first max_slices values
        # seen", and merging capped parts must drop every label one part did not keep (its rows
        # there are incomplete), so with many values most slices were lost and which ones survived
        # depended on thread timing. One thread keeps "the first max_slices values seen" true and
        # deterministic.
        n_workers = 1
    rows = [0]
    live: list[_ParallelFold] = []
    # Small batches (CSV/JSON blocks of ~13k rows) are concatenated up to batch_size rows (or
    # COALESCE_BYTES, for wide data): the per-batch costs (sketch updates, value counts, GIL hand-offs
    # between threads) otherwise double the time.
    pending: list[pa.RecordBatch] = []

    def create(schema: pa.Schema) -> Any:
        rows[0] = 0
        pending.clear()
        while live:  # a restart (type widening) abandons the previous attempt's threads
            live.pop().abandon()

        def make() -> SlicedAccumulator:
            return SlicedAccumulator(schema, slice_by, num_buckets, max_slices)

        if n_workers <= 1:
            return make()
        live.append(_ParallelFold(make, n_workers))
        return live[-1]

    def feed(acc: Any, batch: pa.RecordBatch) -> None:
        acc.add_batch(batch) if isinstance(acc, SlicedAccumulator) else acc.add(batch)

    def step(acc: Any, batch: pa.RecordBatch) -> None:
        if pending or (batch.num_rows < batch_size and batch.nbytes < COALESCE_BYTES):
            pending.append(batch)
            if sum(b.num_rows for b in pending) >= batch_size or sum(b.nbytes for b in pending) >= COALESCE_BYTES:
                feed(acc, pa.concat_batches(pending))
                pending.clear()
        else:
            feed(acc, batch)
        rows[0] += batch.num_rows
        if progress is not None:
            progress(rows[0], stream.total_bytes)

    try:
        result = stream.fold(create, step)
        if pending:
            feed(result, pa.concat_batches(pending))
            pending.clear()
    except BaseException:
        while live:
            live.pop().abandon()
        raise
    acc = result.close() if isinstance(result, _ParallelFold) else result
    return acc.finalize(
        sources=list(stream.sources),
        warnings=list(stream.warnings),
        num_malformed_rows=stream.num_malformed_rows,
        name=name or ", ".join(stream.sources),
    )
