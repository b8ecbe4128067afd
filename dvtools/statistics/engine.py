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
from functools import partial
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from dvtools._arrow import FALSE, scalar
from dvtools.errors import DvtoolsError, UsageError
from dvtools.statistics.accumulators import FeatureAccumulator, StringAccumulator, make_accumulator, seal
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
        pii = self.pii
        for i, name in enumerate(batch.schema.names):
            col = batch.column(i)
            acc = self.columns[name]
            tally = pii.get(name)
            for chunk in col.chunks if isinstance(col, pa.ChunkedArray) else (col,):
                counted = acc.add(chunk)
                if tally is None:
                    continue
                if isinstance(acc, StringAccumulator) and counted is not None:
                    tally.add_counts(*counted)  # the batch's value counts, counted once for both
                else:
                    tally.add(chunk)

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

    def seal(self) -> SlicedAccumulator:
        """Settle the whole's pending work now, on this thread (a per-batch part; slices are folded serially)."""
        self.whole.seal()
        return self

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


def combine_column_groups(groups: dict[int, SlicedAccumulator], owned: dict[int, tuple[str, ...]],
                          schema: pa.Schema) -> SlicedAccumulator:
    """One accumulator from accumulators of the same rows over disjoint column groups."""
    if set(groups) == {0}:
        return groups[0]
    first = groups[min(groups)]
    out = SlicedAccumulator(schema, first.slice_by, first.num_buckets, first.max_slices)
    out.whole.num_rows = first.whole.num_rows
    labels = [lab for lab in first.slices if all(lab in g.slices for g in groups.values())]
    out.capped = any(g.capped for g in groups.values()) or len(labels) < len(first.slices)
    for label in labels:
        out.slices[label] = DatasetAccumulator(schema, first.num_buckets)
        out.slices[label].num_rows = first.slices[label].num_rows
    for g, acc in groups.items():
        for name in owned[g]:
            out.whole.columns[name] = acc.whole.columns[name]
            if name in acc.whole.pii:
                out.whole.pii[name] = acc.whole.pii[name]
            for label in labels:
                out.slices[label].columns[name] = acc.slices[label].columns[name]
    return out


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


def _fold_one(make: Callable[[], Any], batch: pa.RecordBatch) -> Any:
    """One batch folded into a fresh accumulator (runs on a worker thread); ``seal()`` when it has one."""
    acc = make()
    acc.add_batch(batch)
    seal_now = getattr(acc, "seal", None)
    if seal_now is not None:
        seal_now()
    return acc


class _OrderedFold:
    """Folds each batch into its own accumulator on ``workers`` threads, merging them in batch order.

    The merge order is the batch order whatever the thread count or timing, so results are
    deterministic. At most ``2 * workers`` batches are in flight (bounded memory).
    """

    def __init__(self, make: Callable[[], Any], workers: int) -> None:
        self.make = make
        self.result = make()
        self.workers = workers
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="dvtools-fold") if workers > 1 else None
        self.inflight: deque[Future[SlicedAccumulator]] = deque()

    def add(self, batch: pa.RecordBatch) -> None:
        if self.pool is None:
            self.result.merge(_fold_one(self.make, batch))
            return
        self.inflight.append(self.pool.submit(_fold_one, self.make, batch))
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



def fold_batches(stream: Any, make: Callable[[pa.Schema], Any], *, workers: int | None = None,
                 batch_size: int = DEFAULT_BATCH_SIZE, serial: bool = False,
                 on_batch: Callable[[int], None] | None = None) -> Any:
    """Fold ``stream`` (a :class:`dvtools.io.BatchStream`) into any mergeable accumulator as the statistics pass does.

    The same machinery as :func:`compute_statistics`: batches coalesced by a :class:`Coalescer`,
    each folded into its own ``make(schema)`` (``add_batch``, then ``seal()`` if it has one) on
    ``workers`` threads (default :func:`default_workers`) and merged (``merge(other)``) in batch
    order, so the result does not depend on the thread count; a type widening mid-pass restarts
    with fresh accumulators. ``serial``: one running accumulator on this thread instead (slices keep
    "the first values seen", which merging capped parts cannot). ``on_batch(rows)``: after each batch
    read, the rows read so far in this attempt (progress). Used by :func:`compute_statistics` and
    the group and label reports (:mod:`dvtools.fairness`).
    """
    n = workers if workers is not None else default_workers()
    if n < 1:
        raise UsageError(f"workers must be at least 1, got {n}")
    live: list[_OrderedFold] = []
    coalescer = Coalescer(batch_size)
    rows = [0]

    def create(schema: pa.Schema) -> Any:
        rows[0] = 0
        coalescer.clear()
        while live:  # a restart (type widening) abandons the previous attempt's threads
            live.pop().abandon()
        if serial:
            return make(schema)
        live.append(_OrderedFold(lambda: make(schema), n))
        return live[-1]

    def feed(acc: Any, batch: pa.RecordBatch) -> None:
        acc.add(batch) if isinstance(acc, _OrderedFold) else acc.add_batch(batch)

    def step(acc: Any, batch: pa.RecordBatch) -> None:
        for ready in coalescer.push(batch):
            feed(acc, ready)
        rows[0] += batch.num_rows
        if on_batch is not None:
            on_batch(rows[0])

    try:
        result = stream.fold(create, step)
        if coalescer.pending:
            feed(result, coalescer.flush())
        return result.close() if isinstance(result, _OrderedFold) else result
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


#: Inputs are cut into partitions read *and* folded on the worker threads (decoding and parsing in
#: parallel too) when they are at least this large: CSV byte ranges of ~64 MiB, Parquet row groups
#: (a file with fewer row groups than ``LOCAL_PARTITIONS`` is also split by columns), Arrow record
#: batches, table slices. The plan depends only on the input, never on the number of workers.
LOCAL_PARTITION_BYTES = 64 * 1024 * 1024
LOCAL_PARTITIONS = 4
PARTITION_MIN_ROWS = 4 * DEFAULT_BATCH_SIZE


def _plan(stream: Any, batch_size: int) -> list[Any] | None:
    """The partitions of a large input (see ``LOCAL_PARTITION_BYTES``), or None to read it on the calling thread."""
    rows, size = stream.num_rows or 0, stream.total_bytes or 0
    if rows < max(PARTITION_MIN_ROWS, 4 * batch_size) and size < 2 * LOCAL_PARTITION_BYTES:
        return None
    from dvtools.io.partitions import WholePart, plan_partitions

    plan = plan_partitions(stream, partition_bytes=LOCAL_PARTITION_BYTES, min_partitions=LOCAL_PARTITIONS,
                           in_memory=True)
    if sum(not isinstance(p, WholePart) for p in plan) < 2:
        return None
    return plan


def _fold_partition(make: Callable[[pa.Schema], SlicedAccumulator], partition: Any, target: pa.Schema,
                    batch_size: int) -> Any:
    """Read one partition and fold it into its own accumulator (runs on a worker thread).

    Returns the sealed accumulator, or the partition's :class:`~dvtools.io.partitions.PartitionRestart`
    (a column must widen: the pass starts over).
    """
    from dvtools.io.partitions import PartitionRestart

    acc = make(partition.projection(target))
    try:
        for batch in rebatch(partition.batches(target, batch_size), batch_size):
            acc.add_batch(batch)
    except PartitionRestart as r:
        return r
    acc.seal()
    return acc


def _fold_partition_in_process(make: Callable[[pa.Schema], SlicedAccumulator], partition: Any, target: pa.Schema,
                               batch_size: int) -> tuple[Any, Any]:
    """:func:`_fold_partition` in a worker process: (accumulator or restart, the partition's report).

    The report (malformed rows, row count) is state of the partition object, which lives in the
    worker: it travels back with the accumulator (both are small summaries, no rows).
    """
    out = _fold_partition(make, partition, target, batch_size)
    return out, partition.report()


def _init_worker(parent: int) -> None:
    """Worker-process initializer: Ctrl-C is the parent's to handle, and a worker ends with its parent.

    Ctrl-C sends SIGINT to the whole process group: the workers ignore it (else one traceback
    each) and the parent, interrupted, terminates them. ``PR_SET_PDEATHSIG`` (Linux) kills a worker
    when its parent dies without stopping it (SIGKILL, SIGTERM); it would otherwise wait forever.
    """
    import signal

    from dvtools._arrow import keep_freed_memory, libc_function
    from dvtools.io.partitions import map_files_in_place

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    prctl = libc_function("prctl")  # None elsewhere: the worker ends at its next task
    if prctl is not None:
        prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)

    keep_freed_memory()  # a worker folds range after range of the same size, then exits
    map_files_in_place()  # a file truncated under a map kills this worker only: a one-line error


@dataclass(frozen=True)
class _Maker:
    """Creates the pass's accumulator for a schema; picklable, so worker processes create the same ones."""

    slice_by: str | None
    num_buckets: int
    max_slices: int
    pii: Any

    def __call__(self, schema: pa.Schema) -> SlicedAccumulator:
        return SlicedAccumulator(schema, self.slice_by, self.num_buckets, self.max_slices, self.pii)


#: ``DVTOOLS_FOLD``: ``processes`` or ``threads`` forces how partitions are folded with ``workers > 1``
#: (default ``auto``: processes for CSV ranges of files on disk, threads otherwise; ``processes`` also
#: folds Parquet row/column groups and Arrow IPC batches of files in processes).
FOLD_MODES = ("auto", "processes", "threads")


def _fold_mode() -> str:
    mode = os.environ.get("DVTOOLS_FOLD", "").strip().lower() or "auto"
    if mode not in FOLD_MODES:
        raise UsageError(f"DVTOOLS_FOLD must be one of {', '.join(FOLD_MODES)}, got {mode!r}")
    return mode


def _use_processes(plan: list[Any], workers: int) -> bool:
    """Whether to fold ``plan`` in worker processes: every partition is a CSV range of a file on disk.

    Measured at load ~2 (whole process, 2 workers): 10M CSV 30.1 s in processes, 34.8 s on threads;
    10M Parquet 14.3 s against 14.6 s, but 1.8 more CPU s and 1,217 against 988 MiB of summed RSS,
    so Parquet and Arrow files stay on threads unless ``DVTOOLS_FOLD=processes``.

    Processes fold without sharing a GIL or an allocator (two threads measured 1.2-1.26x over one,
    the per-column Python work and ``malloc`` serialising them). Only partitions that name their
    file travel cheaply (a few hundred bytes pickled; the accumulators coming back are bounded
    summaries, ~0.1-0.4 MB each at 1M rows); uploads (bytes in memory) and whole parts read here
    stay on threads (shipping a buffer costs a copy). Needs ``fork`` (no re-import in the workers),
    and the main thread: a call from another thread (a Streamlit script runner, a web server) may
    fork while other threads hold locks the workers would need, so it folds on threads.
    """
    from dvtools.io.partitions import CsvRange, IpcBatches, ParquetRowGroups

    mode = _fold_mode()
    if workers < 2 or mode == "threads" or not hasattr(os, "fork"):
        return False
    if threading.current_thread() is not threading.main_thread():
        return False
    for p in plan:
        if isinstance(p, CsvRange) and p._part.path is not None:
            continue
        if mode == "processes" and (isinstance(p, IpcBatches)
                                    or (isinstance(p, ParquetRowGroups) and isinstance(p.path, str))):
            continue  # by default Parquet/Arrow stay on threads: measured as fast, with less CPU and memory
        return False
    return True


def _partition_weights(plan: list[Any], stream: Any) -> dict[int, int]:
    """Stored bytes each partition stands for (progress only): a CSV range its bytes, else a share of its input."""
    count: dict[int, int] = {}
    for p in plan:
        count[p.part] = count.get(p.part, 0) + 1
    out = {}
    for p in plan:
        start, end = getattr(p, "start", None), getattr(p, "end", None)
        size = stream.parts[p.part].size or 0
        out[p.index] = int(end - start) if start is not None and end is not None else size // count[p.part]
    return out


class _PartitionFold:
    """Folds the partitions of a plan on ``workers`` threads and merges them in plan order.

    Partition accumulators are merged per column group (in plan order) and the groups combined at
    the end, so the result depends on the plan only, never on the thread count or timing. A
    :class:`~dvtools.io.partitions.WholePart` (an input that cannot be cut: quoted newlines,
    compressed text, JSON Lines) is read on the calling thread, its batches folded on the workers.
    A widening is applied for the *first* partition in plan order that needs one, as a serial
    pass would, then the pass starts over.
    """

    def __init__(self, stream: Any, make: Callable[[pa.Schema], SlicedAccumulator], workers: int,
                 batch_size: int, progress: ProgressCallback | None) -> None:
        self.stream = stream
        self.make = make
        self.workers = workers
        self.batch_size = batch_size
        self.progress = progress
        self.pool: Any = None  # a ThreadPoolExecutor, or a ForkPool when folding in processes
        self.processes = False
        self.reports: dict[int, Any] = {}

    def _start(self, plan: list[Any], warm_up: Callable[[], None] | None) -> None:
        """Create the pool for the first pass's plan, then run ``warm_up`` (after forking: no import in flight)."""
        if self.workers > 1 and self.pool is None:
            if _use_processes(plan, self.workers):
                from dvtools._arrow import release_free_memory
                from dvtools.statistics.forkpool import ForkPool

                release_free_memory()  # the workers inherit this process's heap: not its free pages
                self.pool = ForkPool(self.workers, initializer=_init_worker, initargs=(os.getpid(),))
                self.processes = True
            else:
                self.pool = ThreadPoolExecutor(self.workers, thread_name_prefix="dvtools-fold")
        if warm_up is not None:
            warm_up()

    def run(self, warm_up: Callable[[], None] | None = None) -> SlicedAccumulator | None:
        """The pass's accumulator, or None when the input turned out not to be worth partitioning.

        ``warm_up`` is called once, when the pool exists (worker processes are forked before it
        starts a thread of this process), or before returning None.
        """
        stream = self.stream
        try:
            for _ in stream._restarts():
                target = stream.schema
                plan = _plan(stream, self.batch_size)
                if plan is None:
                    if warm_up is not None:
                        warm_up()
                    return None
                self._start(plan, warm_up)
                warm_up = None
                from dvtools.io.partitions import WholePart, apply_restart, commit_reports  # large inputs only
                self.groups: dict[int, SlicedAccumulator] = {}
                self.reports = {}
                self.rows = self.nbytes = self.done = 0
                self.weights = _partition_weights(plan, stream)
                self.left: dict[int, int] = {}  # input (file) -> partitions not merged yet: progress counts files done
                for p in plan:
                    self.left[p.part] = self.left.get(p.part, 0) + 1
                self.inflight: deque[tuple[Any, Any]] = deque()
                stream.passes += 1
                try:
                    for partition in plan:
                        if isinstance(partition, WholePart):
                            self._drain(0)  # an earlier partition's widening comes first (deterministic)
                            self._read_whole(partition, target)
                        else:
                            fold = _fold_partition_in_process if self.processes else _fold_partition
                            self._submit(partition, partial(fold, self.make, partition, target, self.batch_size))
                    self._drain(0)
                except _Widen as w:
                    self._abandon()
                    if w.partition is None:
                        stream.refresh_schema()
                    else:
                        apply_restart(stream, w.partition, w.update)
                    continue
                reports = {p.index: self.reports[p.index] if p.index in self.reports else p.report()
                           for p in plan if not isinstance(p, WholePart)}
                commit_reports(stream, plan, reports)
                owned = {p.group: p.owned for p in plan if p.owned is not None}
                return combine_column_groups(self.groups, owned, target)
            raise AssertionError("unreachable")
        except BaseException:
            self._stop_processes()  # an error or Ctrl-C: the workers' remaining work is moot
            raise
        finally:
            self._abandon()
            if isinstance(self.pool, ThreadPoolExecutor):
                self.pool.shutdown(wait=True, cancel_futures=True)
            elif self.pool is not None:
                self.pool.close()
            self.pool = None

    def _stop_processes(self) -> None:
        """Kill the worker processes (they ignore SIGINT) and reap them; their unfinished work is dropped."""
        if not self.processes or self.pool is None:
            return
        self.pool.kill()
        self.pool = None
        if hasattr(self, "inflight"):
            self.inflight.clear()

    def _submit(self, partition: Any, task: Callable[[], Any]) -> None:
        if self.pool is None:
            self.inflight.append((partition, task()))
            self._drain(0)
        else:
            self.inflight.append((partition, self.pool.submit(task)))
            self._drain(2 * self.workers)

    def _drain(self, limit: int) -> None:
        from dvtools.io.partitions import PartitionRestart

        while len(self.inflight) > limit or (self.inflight and _ready(self.inflight[0][1])):
            partition, out = self.inflight.popleft()
            acc = _result(out) if _pending(out) else out
            if self.processes and isinstance(acc, tuple):
                acc, self.reports[partition.index] = acc
            if isinstance(acc, PartitionRestart):
                raise _Widen(partition, acc.update)
            if acc is None:  # a batch of a whole part: progress was reported as it was read
                continue
            mine = self.groups.get(partition.group)
            self.groups[partition.group] = acc if mine is None else mine.merge(acc)
            if isinstance(partition, _BatchUnit):  # rows and bytes were counted as the whole part was read
                continue
            if partition.group <= 1:  # column groups read the same rows: count them once
                self.rows += acc.whole.num_rows
            self._finished(partition)
            self.nbytes += self.weights[partition.index]
            self._report()

    def _report(self) -> None:
        if self.progress is None:
            return
        stream = self.stream
        size = stream.total_bytes
        read = min(self.nbytes, size) if size else self.nbytes
        self.progress(Progress(rows=self.rows, bytes_read=read, total_bytes=size,
                               total_rows=stream.num_rows, parts_done=self.done,
                               total_parts=len(stream.sources)))

    def _finished(self, partition: Any) -> None:
        self.left[partition.part] -= 1
        if self.left[partition.part] == 0:
            self.done += 1

    def _read_whole(self, partition: Any, target: pa.Schema) -> None:
        """Read a whole input here, folding its batches on the workers (merged into the partition's group)."""
        from dvtools.io._base import Restart
        from dvtools.io.sources import BatchStream

        part = self.stream.parts[partition.part]
        coalescer = Coalescer(self.batch_size)
        unit = _BatchUnit(partition.group)
        base = self.nbytes

        def make() -> SlicedAccumulator:
            return self.make(target)

        try:
            for batch in BatchStream.read_part(part, target, self.batch_size):
                for offset in range(0, batch.num_rows, self.batch_size):
                    for ready in coalescer.push(batch.slice(offset, self.batch_size)):
                        self._submit(unit, lambda b=ready: _fold_one(make, b))
                self.rows += batch.num_rows
                self.nbytes = base + part.bytes_read
                self._report()
            if coalescer.pending:
                pending = coalescer.flush()
                self._submit(unit, lambda b=pending: _fold_one(make, b))
        except Restart:
            raise _Widen(None, None) from None
        self.nbytes = base + self.weights[partition.index]
        self._finished(partition)

    def _abandon(self) -> None:
        for _, out in getattr(self, "inflight", ()):
            if _pending(out):
                out.cancel()
        for _, out in getattr(self, "inflight", ()):
            if _pending(out) and not out.cancelled():
                try:
                    out.result()
                except BaseException:  # noqa: BLE001, S110 - an abandoned pass: its errors do not matter
                    pass
        if hasattr(self, "inflight"):
            self.inflight.clear()


class _BatchUnit:
    """The plan slot of one batch of a whole part (merged into ``group``; rows counted when read)."""

    def __init__(self, group: int) -> None:
        self.group = group


class _Widen(Exception):
    """A pass must start over: ``partition``'s ``update`` (None: a whole part widened itself)."""

    def __init__(self, partition: Any, update: Any) -> None:
        super().__init__("column types must widen")
        self.partition = partition
        self.update = update


def _pending(out: Any) -> bool:
    """Whether ``out`` is a result still to collect (a thread's ``Future`` or a worker process's ``Task``)."""
    from dvtools.statistics.forkpool import Task

    return isinstance(out, (Future, Task))


def _result(future: Any) -> Any:
    """A future's result; a worker process that died (killed, out of memory) is a one-line error."""
    from dvtools.statistics.forkpool import WorkerDied

    try:
        return future.result()
    except WorkerDied:
        raise DvtoolsError("a statistics worker process ended unexpectedly (out of memory? killed?): "
                           "try fewer --workers or DVTOOLS_FOLD=threads") from None


def _ready(out: Any) -> bool:
    return not _pending(out) or out.done()


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
    make = _Maker(slice_by, num_buckets, max_slices, pii_config)

    def report(rows: int) -> None:
        if progress is not None:
            progress(Progress(rows=rows, bytes_read=stream.bytes_read, total_bytes=stream.total_bytes,
                              total_rows=stream.num_rows, parts_done=stream.parts_done,
                              total_parts=len(stream.sources)))

    warm_up = partial(_warm_up_hashing, stream)
    acc = None
    if slice_by is None:
        acc = _PartitionFold(stream, make, n_workers, batch_size, progress).run(warm_up)
    else:
        warm_up()
    if acc is None:  # not partitioned: read here, each batch folded on a worker (slices: one running accumulator)
        acc = fold_batches(stream, make, workers=n_workers, batch_size=batch_size, serial=slice_by is not None,
                           on_batch=report)
    return acc.finalize(
        sources=list(stream.sources),
        warnings=list(stream.warnings),
        num_malformed_rows=stream.num_malformed_rows,
        name=name or ", ".join(stream.sources),
    )
