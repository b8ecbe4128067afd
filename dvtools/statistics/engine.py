"""The fold: batches -> :class:`DatasetAccumulator` -> merge -> :class:`DatasetStatistics`.

``compute_statistics`` reads record batches from :mod:`dvtools.io`, coalesces small ones to about
``batch_size`` rows (linear work), folds each batch into its own accumulator on one of ``workers``
threads (sorting, value counts and hashing are numpy/pyarrow/polars calls that release the GIL, so
two threads use two cores) and merges those per-batch accumulators into the result *in batch
order* on the calling thread. The result therefore depends only on the input and the options,
never on the number of threads or their timing: the same file gives byte-identical statistics.
Memory is bounded by the batches in flight plus the summaries, not by the size of the input. The
Dask engine (:mod:`dvtools.statistics.distributed`) is the same fold with partitions on workers.
"""

from __future__ import annotations

import math
import os
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from dvtools._arrow import FALSE, scalar
from dvtools.errors import UsageError
from dvtools.statistics.accumulators import FeatureAccumulator, make_accumulator, seal
from dvtools.statistics.model import DatasetStatistics
from dvtools.statistics.sketches import EXACT_DISTINCT_LIMIT, hash_version

MAX_SLICES = 50
DEFAULT_BATCH_SIZE = 131_072
COALESCE_BYTES = 64 * 1024 * 1024



@dataclass(frozen=True)
class Progress:
    """How far a statistics pass is: what ``compute_statistics(..., progress=fn)`` passes to ``fn``.

    ``rows``: rows read so far; ``bytes_read`` of ``total_bytes`` (None when the size is unknown, e.g.
    a DataFrame); ``total_rows`` when known without reading (Parquet, Arrow, in-memory data);
    ``parts_done`` of ``total_parts`` (input files, or partitions on the Dask engine).
    """

    rows: int
    bytes_read: int
    total_bytes: int | None
    total_rows: int | None
    parts_done: int
    total_parts: int

    @property
    def fraction(self) -> float | None:
        """Share of the input read (0..1) by bytes, else by rows, else None."""
        if self.total_bytes:
            return min(1.0, self.bytes_read / self.total_bytes)
        if self.total_rows:
            return min(1.0, self.rows / self.total_rows)
        return None


ProgressCallback = Callable[[Progress], None]
"""Called with a :class:`Progress` after each batch read."""


class DatasetAccumulator:
    """Per-column accumulators for one schema; mergeable like its parts.

    ``pii``: a personal-data detection configuration, to fold a
    :class:`~dvtools.privacy.PiiTally` per column that has detectors (a separate slot beside the
    statistics accumulators: exact counts, merged the same way); None folds none.
    """

    def __init__(self, schema: pa.Schema, num_buckets: int = 10, pii: Any = None) -> None:
        self.schema = schema
        self.num_buckets = num_buckets
        self.num_rows = 0
        self.columns: dict[str, FeatureAccumulator] = {
            f.name: make_accumulator(f.type, num_buckets) for f in schema
        }
        self.pii: dict[str, Any] = {}
        if pii is not None:
            from dvtools.privacy.tally import PiiTally, wants_tally

            self.pii = {f.name: PiiTally.create(f.name, pii) for f in schema if wants_tally(f.name, f.type)}

    def seal(self) -> DatasetAccumulator:
        """Settle pending work (value-count compaction) now, on this thread; returns self."""
        for acc in self.columns.values():
            seal(acc)
        return self

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
        for name, tally in self.pii.items():
            tally.add(batch.column(name))

    def merge(self, other: DatasetAccumulator) -> DatasetAccumulator:
        """Fold ``other`` (same schema) into this one; returns self."""
        self.num_rows += other.num_rows
        for name, acc in other.columns.items():
            self.columns[name].merge(acc)
        for name, tally in other.pii.items():
            self.pii[name].merge(tally)
        return self

    def finalize(self, **meta: Any) -> DatasetStatistics:
        """Finalized statistics; ``meta`` fills the dataset-level fields (sources, warnings, ...)."""
        stats = DatasetStatistics(
            num_examples=self.num_rows,
            features={name: acc.finalize(name) for name, acc in self.columns.items()},
            **meta,
        )
        if self.pii:
            from dvtools.statistics.model import PiiMatchStatistics, PiiStatistics

            for name, tally in self.pii.items():
                c = tally.finalize()
                stats.features[name].pii = PiiStatistics(
                    c.num_values, tuple(PiiMatchStatistics(m.kind.value, m.count, m.example) for m in c.matches))
        return stats


class SlicedAccumulator:
    """The whole dataset plus one accumulator per value of a slice column (at most ``max_slices``)."""

    def __init__(self, schema: pa.Schema, slice_by: str | None, num_buckets: int = 10,
                 max_slices: int = MAX_SLICES, pii: Any = None) -> None:
        if slice_by is not None and slice_by not in schema.names:
            raise UsageError(f"slice column {slice_by!r} is not in the data (columns: {', '.join(schema.names)})")
        if slice_by is not None and pa.types.is_nested(schema.field(slice_by).type):
            raise UsageError(f"cannot slice by {slice_by!r}: it is a nested column ({schema.field(slice_by).type})")
        self.schema = schema
        self.slice_by = slice_by
        self.num_buckets = num_buckets
        self.max_slices = max_slices
        self.whole = DatasetAccumulator(schema, num_buckets, pii)  # slices: no detection (the whole decides)
        self.slices: dict[str, DatasetAccumulator] = {}
        self.capped = False

    def add_batch(self, batch: pa.RecordBatch) -> None:
        """Fold a batch into the whole and into its slices."""
        self.whole.add_batch(batch)
        if self.slice_by is None:
            return
        key = batch.column(self.slice_by)
        if pa.types.is_float32(key.type) or pa.types.is_float64(key.type):
            key = pc.add(key, scalar(0.0, key.type))  # -0.0 -> 0.0: one slice (they compare equal)
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
                mask = pc.fill_null(pc.is_nan(key), FALSE)
            else:
                mask = pc.fill_null(pc.equal(key, scalar(value, key.type)), FALSE)
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


class Coalescer:
    """Concatenates small batches (CSV/JSON blocks, tiny row groups) to about ``batch_size`` rows.

    Per-batch costs (sketch updates, value counts, Python overhead per column, thread hand-offs)
    otherwise dominate. Linear: running row and byte totals, and each batch is concatenated at most
    once (``work`` counts batch touches: at most two per input batch).
    """

    def __init__(self, batch_size: int, max_bytes: int = COALESCE_BYTES) -> None:
        self.batch_size = batch_size
        self.max_bytes = max_bytes
        self.pending: list[pa.RecordBatch] = []
        self.rows = 0
        self.nbytes = 0
        self.work = 0

    def push(self, batch: pa.RecordBatch) -> Iterator[pa.RecordBatch]:
        """Add a batch; yields the batches ready to fold (slices of at most ``batch_size`` rows)."""
        self.work += 1
        if not self.pending and (batch.num_rows >= self.batch_size or batch.nbytes >= self.max_bytes):
            for offset in range(0, batch.num_rows, self.batch_size):
                yield batch.slice(offset, self.batch_size)
            return
        self.pending.append(batch)
        self.rows += batch.num_rows
        self.nbytes += batch.nbytes
        if self.rows >= self.batch_size or self.nbytes >= self.max_bytes:
            yield self.flush()

    def flush(self) -> pa.RecordBatch:
        """The pending batches as one (call only when some are pending)."""
        pending, self.pending, self.rows, self.nbytes = self.pending, [], 0, 0
        self.work += len(pending)
        return pa.concat_batches(pending) if len(pending) > 1 else pending[0]

    def clear(self) -> None:
        """Drop pending batches (a restart)."""
        self.pending, self.rows, self.nbytes = [], 0, 0


def rebatch(batches: Iterator[pa.RecordBatch], batch_size: int) -> Iterator[pa.RecordBatch]:
    """``batches`` coalesced by a :class:`Coalescer`."""
    c = Coalescer(batch_size)
    for batch in batches:
        yield from c.push(batch)
    if c.pending:
        yield c.flush()


def _partial(make: Callable[[], SlicedAccumulator], batch: pa.RecordBatch) -> SlicedAccumulator:
    """One batch folded into a fresh accumulator, sealed (runs on a worker thread)."""
    acc = make()
    acc.add_batch(batch)
    acc.whole.seal()
    return acc


class _OrderedFold:
    """Folds each batch into its own accumulator on ``workers`` threads, merging them in batch order.

    The merge order is the batch order whatever the thread count or timing, so results are
    deterministic. At most ``2 * workers`` batches are in flight (bounded memory).
    """

    def __init__(self, make: Callable[[], SlicedAccumulator], workers: int,
                 partial: Callable[[Callable[[], Any], pa.RecordBatch], Any] = _partial) -> None:
        self.make = make
        self.partial = partial
        self.result = make()
        self.workers = workers
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="dvtools-fold") if workers > 1 else None
        self.inflight: deque[Future[SlicedAccumulator]] = deque()

    def add(self, batch: pa.RecordBatch) -> None:
        if self.pool is None:
            self.result.merge(self.partial(self.make, batch))
            return
        self.inflight.append(self.pool.submit(self.partial, self.make, batch))
        while len(self.inflight) > 2 * self.workers or (self.inflight and self.inflight[0].done()):
            self.result.merge(self.inflight.popleft().result())

    def close(self) -> SlicedAccumulator:
        try:
            while self.inflight:
                self.result.merge(self.inflight.popleft().result())
        finally:
            self.abandon()
        return self.result

    def abandon(self) -> None:
        for f in self.inflight:
            f.cancel()
        self.inflight.clear()
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _fold_one(make: Callable[[], Any], batch: pa.RecordBatch) -> Any:
    """One batch folded into a fresh accumulator (runs on a worker thread); ``seal()`` when it has one."""
    acc = make()
    acc.add_batch(batch)
    seal_now = getattr(acc, "seal", None)
    if seal_now is not None:
        seal_now()
    return acc


def fold_batches(stream: Any, make: Callable[[pa.Schema], Any], *, workers: int | None = None,
                 batch_size: int = DEFAULT_BATCH_SIZE) -> Any:
    """Fold ``stream`` (a :class:`dvtools.io.BatchStream`) into any mergeable accumulator as the statistics pass does.

    The same machinery as :func:`compute_statistics`: batches coalesced by a :class:`Coalescer`,
    each folded into its own ``make(schema)`` (``add_batch``, then ``seal()`` if it has one) on
    ``workers`` threads (default :func:`default_workers`) and merged (``merge(other)``) in batch
    order, so the result does not depend on the thread count; a type widening mid-pass restarts
    with fresh accumulators. Used by the group and label reports (:mod:`dvtools.fairness`).
    """
    n = workers if workers is not None else default_workers()
    if n < 1:
        raise UsageError(f"workers must be at least 1, got {n}")
    live: list[_OrderedFold] = []
    coalescer = Coalescer(batch_size)

    def create(schema: pa.Schema) -> _OrderedFold:
        coalescer.clear()
        while live:
            live.pop().abandon()
        live.append(_OrderedFold(lambda: make(schema), n, _fold_one))
        return live[-1]

    def step(fold: _OrderedFold, batch: pa.RecordBatch) -> None:
        for ready in coalescer.push(batch):
            fold.add(ready)

    try:
        fold = stream.fold(create, step)
        if coalescer.pending:
            fold.add(coalescer.flush())
        return fold.close()
    except BaseException:
        while live:
            live.pop().abandon()
        raise


def _pii_config() -> Any:
    from dvtools.privacy.tally import PiiConfig

    return PiiConfig()


#: Inputs this large may have a column beyond the exact distinct limit (HyperLogLog: polars hashing).
WARM_UP_ROWS = EXACT_DISTINCT_LIMIT
WARM_UP_BYTES = 8 * 1024 * 1024


def _warm_up_hashing(stream: Any) -> None:
    """Import polars (HyperLogLog hashing, ~0.15 s) on a background thread when the input may need it.

    Otherwise the first column that outgrows the exact distinct limit imports it in the middle of
    the fold, holding the GIL while the other fold threads wait; started before the first batch is
    read, the import overlaps the reading (which releases the GIL). No effect on the results.
    """
    rows, size = stream.num_rows, stream.total_bytes
    if (rows if rows is not None else 0) <= WARM_UP_ROWS and (rows is not None or (size or 0) <= WARM_UP_BYTES):
        return
    if "polars" in sys.modules:
        return

    def warm() -> None:
        try:
            hash_version()
        except Exception:  # noqa: BLE001 - a warm-up only: the fold imports (and reports) it again if needed
            pass

    threading.Thread(target=warm, name="dvtools-warm-up", daemon=True).start()


def default_workers() -> int:
    """Threads used by default: ``DVTOOLS_WORKERS`` if set, else the machine's cores, at most 4."""
    env = os.environ.get("DVTOOLS_WORKERS", "").strip()
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            raise UsageError(f"DVTOOLS_WORKERS must be a positive integer, got {env!r}") from None
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
    detect_pii: bool = True,
    privacy: Any = None,
) -> DatasetStatistics:
    """Statistics of a dataset: a path, paths, a glob, bytes (with ``name``), a DataFrame or a Table.

    ``workers`` threads fold batches (default: the cores, at most 4); the result does not depend
    on it. ``progress`` is called with a :class:`Progress` after each batch read.
    ``engine="dask"`` folds partitions on a Dask cluster (``scheduler`` address, or a local
    cluster) and gives the same result up to float rounding and sketch bounds. Raises
    :class:`~dvtools.errors.DataLoadError` on bad input. ``detect_pii`` folds the personal-data
    tallies (:attr:`FeatureStatistics.pii`); ``privacy`` (a :class:`~dvtools.privacy.PrivacyPolicy`)
    redacts the result before it is returned (:func:`~dvtools.privacy.redact_statistics`).
    """
    if privacy is not None:
        from dvtools.privacy.redact import redact_statistics

        raw = compute_statistics(source, batch_size=batch_size, slice_by=slice_by, num_buckets=num_buckets,
                                 workers=workers, engine=engine, scheduler=scheduler, name=name, progress=progress,
                                 max_slices=max_slices, detect_pii=detect_pii)
        return redact_statistics(raw, privacy)
    if engine == "dask":
        from dvtools.statistics.distributed import compute_statistics_dask

        return compute_statistics_dask(source, scheduler=scheduler, batch_size=batch_size, slice_by=slice_by,
                                       num_buckets=num_buckets, name=name, max_slices=max_slices,
                                       progress=progress, detect_pii=detect_pii)
    if engine != "local":
        raise UsageError(f"unknown engine {engine!r}: use 'local' or 'dask'")
    from dvtools.io import BatchStream, open_source

    stream = source if isinstance(source, BatchStream) else open_source(source, name=name, batch_size=batch_size)
    n_workers = workers if workers is not None else default_workers()
    pii_config = _pii_config() if detect_pii else None  # one (one as-of day) for every part: parts merge
    _warm_up_hashing(stream)
    rows = [0]
    live: list[_OrderedFold] = []
    coalescer = Coalescer(batch_size)

    def create(schema: pa.Schema) -> Any:
        rows[0] = 0
        coalescer.clear()
        while live:  # a restart (type widening) abandons the previous attempt's threads
            live.pop().abandon()

        def make() -> SlicedAccumulator:
            return SlicedAccumulator(schema, slice_by, num_buckets, max_slices, pii_config)

        if slice_by is not None:
            # Slices are folded into one running accumulator on this thread: it keeps "the first
            # max_slices values seen", which merging capped per-batch parts cannot (a capped part
            # drops the labels it did not keep), and is deterministic.
            return make()
        live.append(_OrderedFold(make, n_workers))
        return live[-1]

    def feed(acc: Any, batch: pa.RecordBatch) -> None:
        acc.add_batch(batch) if isinstance(acc, SlicedAccumulator) else acc.add(batch)

    def step(acc: Any, batch: pa.RecordBatch) -> None:
        for ready in coalescer.push(batch):
            feed(acc, ready)
        rows[0] += batch.num_rows
        if progress is not None:
            progress(Progress(rows=rows[0], bytes_read=stream.bytes_read, total_bytes=stream.total_bytes,
                              total_rows=stream.num_rows, parts_done=stream.parts_done,
                              total_parts=len(stream.sources)))

    try:
        result = stream.fold(create, step)
        if coalescer.pending:
            feed(result, coalescer.flush())
        acc = result.close() if isinstance(result, _OrderedFold) else result
    except BaseException:
        while live:
            live.pop().abandon()
        raise
    return acc.finalize(
        sources=list(stream.sources),
        warnings=list(stream.warnings),
        num_malformed_rows=stream.num_malformed_rows,
        name=name or ", ".join(stream.sources),
    )
