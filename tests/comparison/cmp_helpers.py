"""Helpers for the comparison tests: statistics of in-memory data without the io layer."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from dvtools.statistics.engine import DatasetAccumulator
from dvtools.statistics.model import DatasetStatistics


def stats_of(data: Any, batch_size: int = 65_536) -> DatasetStatistics:
    """Fold a DataFrame, dict of arrays or Table with DatasetAccumulator (batch by batch)."""
    if isinstance(data, pd.DataFrame):
        table = pa.Table.from_pandas(data, preserve_index=False)
    elif isinstance(data, dict):
        table = pa.table(data)
    else:
        table = data
    acc = DatasetAccumulator(table.schema)
    for batch in table.to_batches(batch_size):
        acc.add_batch(batch)
    return acc.finalize()
