"""The Dask engine: the same fold as :func:`dvtools.statistics.engine.compute_statistics`, on a cluster.

Design:

1. **Client: open and plan.** The source is opened on the client as for a local pass
   (:func:`dvtools.io.open_source`): CSV encoding, delimiter and null markers are resolved there, and
   the column types come from the first block of each file (Parquet/Arrow: stored types). The input is
   cut into partitions (:mod:`dvtools.io.partitions`): Parquet row groups, Arrow IPC record batches,
   ~64 MB byte ranges of CSV/TSV files (quoted newlines across a range boundary are not supported;
   files with quoted newlines near their start, and small files, are one partition each), one
   partition per JSON Lines file, row slices of in-memory tables. A dataset of Parquet files with
   fewer partitions than workers is also split by columns, so that both workers of a 1-row-group file
   have work.
2. **Workers: fold.** Each partition is read on a worker with the client's types and folded into a
   :class:`~dvtools.statistics.engine.SlicedAccumulator` there: no raw rows travel to the client.
3. **Tree merge.** Accumulators are merged pairwise on the workers (``client.submit``), in partition
   order, so only one accumulator reaches the client, where it is finalized once.
4. **Widening.** A value that does not fit its column's type makes the partition report the column
   instead of an accumulator; the client widens the column (int -> float -> string, with the local
   loader's rules and load warning) and re-runs every partition with the new types.
5. **Malformed rows** are counted per partition and summed (the first one's row number is made
   absolute from the row counts of the ranges before it), so warnings read as after a local pass.

Results equal the local engine's: exact fields identical, float moments up to rounding (partitions
are merged in another order), sketched fields (KLL quantiles, Misra-Gries counts, HyperLogLog) within
their documented bounds.

Without ``scheduler`` a ``distributed.LocalCluster(n_workers=2, threads_per_worker=1,
processes=True)`` is started and closed afterwards; with an address (``tcp://host:8786``) the
cluster's workers must have dvtools installed (the same version as the client).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import pyarrow as pa

from dvtools.errors import UsageError
from dvtools.statistics.engine import (  # noqa: F401 - combine_column_groups: re-exported (it lived here)
    MAX_SLICES,
    Progress,
    SlicedAccumulator,
    combine_column_groups,
    rebatch,
)
from dvtools.statistics.model import DatasetStatistics

DASK_MISSING = "the dask engine needs the 'dask' extra: pip install 'dvtools[dask]'"
DEFAULT_PARTITION_BYTES = 64 * 1024 * 1024
LOCAL_WORKERS = 2


@dataclass
class PartitionResult:
    """What a partition, or a merge of partitions, sends back: summaries and small facts, no rows.

    ``accs``: one accumulator per column group (0: all columns); ``restarts``: (partition index,
    update) for partitions that need wider types; ``reports``: partition index -> report.
    """

    accs: dict[int, SlicedAccumulator] = field(default_factory=dict)
    restarts: list[tuple[int, Any]] = field(default_factory=list)
    reports: dict[int, Any] = field(default_factory=dict)


def fold_partition(partition: Any, target: pa.Schema, slice_by: str | None, num_buckets: int,
                   max_slices: int, batch_size: int, pii: Any = None) -> PartitionResult:
    """Worker side: read one partition with the client's types and fold it (``pii``: detection configuration)."""
    from dvtools._arrow import choose_memory_pool
    from dvtools.io.partitions import PartitionRestart

    choose_memory_pool()
    acc = SlicedAccumulator(partition.projection(target), slice_by, num_buckets, max_slices, pii)
    try:
        for batch in rebatch(partition.batches(target, batch_size), batch_size):
            acc.add_batch(batch)
    except PartitionRestart as r:
        return PartitionResult(restarts=[(partition.index, r.update)])
    return PartitionResult(accs={partition.group: acc}, reports={partition.index: partition.report()})


def merge_results(a: PartitionResult, b: PartitionResult) -> PartitionResult:
    """Merge two results (``a`` covers partitions before ``b``'s); ``a`` is updated and returned."""
    a.restarts.extend(b.restarts)
    a.reports.update(b.reports)
    if a.restarts:  # this pass will be re-run: stop merging summaries
        a.accs = {}
        return a
    for group, acc in b.accs.items():
        mine = a.accs.get(group)
        a.accs[group] = acc if mine is None else mine.merge(acc)
    return a


def _connect(scheduler: Any) -> tuple[Any, Any, bool]:
    """(client, cluster to close or None, whether to close the client)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError(DASK_MISSING) from None
    if isinstance(scheduler, Client):
        return scheduler, None, False
    if scheduler is None:
        cluster = LocalCluster(n_workers=LOCAL_WORKERS, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        try:
            return Client(cluster), cluster, True
        except BaseException:
            cluster.close()
            raise
    try:
        return Client(scheduler), None, True
    except (OSError, TimeoutError, ValueError) as e:
        raise UsageError(f"cannot connect to the Dask scheduler at {scheduler}: {e}") from None


def _num_workers(client: Any) -> int:
    try:
        return max(1, len(client.scheduler_info()["workers"]))
    except Exception:  # noqa: BLE001 - informational only
        return 1


def _tree_reduce(client: Any, futures: list[Any]) -> PartitionResult:
    """Pairwise merges on the workers, keeping partition order; one result comes back."""
    while len(futures) > 1:
        merged = [client.submit(merge_results, futures[i], futures[i + 1], pure=False)
                  for i in range(0, len(futures) - 1, 2)]
        if len(futures) % 2:
            merged.append(futures[-1])
        futures = merged
    return futures[0].result()


def _report_progress(futures: list[Any], stream: Any, progress: Any) -> None:
    """Call ``progress`` as each partition's fold finishes (results stay on the workers)."""
    from distributed import wait

    total, pending = len(futures), list(futures)
    while pending:
        done = wait(pending, return_when="FIRST_COMPLETED").done
        pending = [f for f in pending if f not in done]
        finished = total - len(pending)
        size = stream.total_bytes
        progress(Progress(rows=0, bytes_read=(size or 0) * finished // total, total_bytes=size,
                          total_rows=stream.num_rows, parts_done=finished, total_parts=total))


def compute_statistics_dask(
    source: Any,
    *,
    scheduler: Any = None,
    batch_size: int = 131_072,
    slice_by: str | None = None,
    num_buckets: int = 10,
    name: str | None = None,
    max_slices: int = MAX_SLICES,
    partition_bytes: int = DEFAULT_PARTITION_BYTES,
    progress: Any = None,
    detect_pii: bool = True,
) -> DatasetStatistics:
    """Statistics of ``source`` (anything ``compute_statistics`` takes) folded on a Dask cluster.

    ``detect_pii`` folds the personal-data tallies, as the local engine.

    ``scheduler``: a scheduler address, a ``distributed.Client``, or None for a local cluster of
    two worker processes (started and closed here). ``partition_bytes``: target partition size
    (CSV byte ranges, Parquet row groups grouped, table slices). ``progress`` is called with a
    :class:`~dvtools.statistics.engine.Progress` as partitions finish (rows are counted at the end,
    bytes estimated from the share of partitions done). Raises
    :class:`~dvtools.errors.DataLoadError` on bad input, as the local engine does.
    """
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise UsageError(DASK_MISSING) from None
    from dvtools.io import open_source
    from dvtools.io.partitions import apply_restart, commit_reports, plan_partitions

    stream = open_source(source, name=name, batch_size=batch_size)
    pii = None
    if detect_pii:
        from dvtools.privacy.tally import PiiConfig

        pii = PiiConfig()
    SlicedAccumulator(stream.schema, slice_by, num_buckets, max_slices)  # checks slice_by before any work
    client, cluster, close = _connect(scheduler)
    try:
        workers = _num_workers(client)
        for _ in stream._restarts():
            target = stream.schema
            plan = plan_partitions(stream, partition_bytes=partition_bytes, min_partitions=workers,
                                   keep_column=slice_by)
            heavy = [p for p in plan if p.heavy]
            scattered = dict(zip((p.index for p in heavy), client.scatter(heavy), strict=True)) if heavy else {}
            args = [scattered.get(p.index, p) for p in plan]
            # (client.map has a batch_size option of its own: bind the fold's arguments with partial)
            fold = partial(fold_partition, target=target, slice_by=slice_by, num_buckets=num_buckets,
                           max_slices=max_slices, batch_size=batch_size, pii=pii)
            futures = client.map(fold, args, pure=False)
            if progress is not None:
                _report_progress(futures, stream, progress)
            result = _tree_reduce(client, futures)
            del futures, args, scattered
            if result.restarts:
                by_index = {p.index: p for p in plan}
                for index, update in sorted(result.restarts, key=lambda r: r[0]):
                    apply_restart(stream, by_index[index], update)
                continue
            owned = {p.group: p.owned for p in plan if p.owned is not None}
            acc = combine_column_groups(result.accs, owned, target)
            commit_reports(stream, plan, result.reports)
            break
    finally:
        if close:
            client.close()
        if cluster is not None:
            cluster.close()
    return acc.finalize(
        sources=list(stream.sources),
        warnings=list(stream.warnings),
        num_malformed_rows=stream.num_malformed_rows,
        name=name or ", ".join(stream.sources),
    )
