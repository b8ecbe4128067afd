"""What group and label reports share: opening a source, checking its columns, and the statistics engine's fold.

The fold is :func:`dvtools.statistics.engine.fold_batches`, the statistics pass's own machinery
(coalescing, per-batch accumulators on ``workers`` threads merged in batch order, restart on a
type widening), so a report uses the cores as the statistics pass does.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from dvtools.errors import UsageError
from dvtools.statistics.engine import DEFAULT_BATCH_SIZE, fold_batches

__all__ = ["DEFAULT_BATCH_SIZE", "fold", "open_stream", "require_columns"]

fold = fold_batches


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
