"""Saving and loading dvtools artifacts: statistics files, and "data or statistics" inputs.

Commands that accept ``DATA_OR_STATS`` take either a dataset (computed on the fly) or a
statistics file written by ``dvtools stats`` (JSON, recognized by its format tag), so statistics
computed once, e.g. on a Dask cluster, can be validated and compared without the raw data.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from dvtools.errors import StatisticsFormatError, UsageError
from dvtools.io.files import looks_like_statistics, read_bytes, read_head, write_bytes
from dvtools.limits import MAX_STATISTICS_FILE_BYTES
from dvtools.statistics.model import DatasetStatistics

STATS_FORMATS = ("json", "tfdv", "tfdv-text")


def is_statistics_file(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a dvtools statistics JSON file."""
    p = Path(path)
    if p.suffix.lower() != ".json" or not p.is_file():
        return False
    return looks_like_statistics(read_head(p, 4096))


def load_statistics(path: str | os.PathLike[str]) -> DatasetStatistics:
    """Read a statistics JSON file (one-line errors naming the file)."""
    p = Path(path)
    data = read_bytes(p, limit=MAX_STATISTICS_FILE_BYTES, what="statistics file")
    try:
        return DatasetStatistics.from_json(data)
    except StatisticsFormatError as e:
        raise StatisticsFormatError(f"{p.name}: {e}") from None


def statistics_from_bytes(data: bytes, name: str) -> DatasetStatistics:
    """Parse an uploaded statistics JSON file."""
    try:
        return DatasetStatistics.from_json(data)
    except StatisticsFormatError as e:
        raise StatisticsFormatError(f"{name}: {e}") from None


def save_statistics(stats: DatasetStatistics, path: str | os.PathLike[str], fmt: str = "json") -> None:
    """Write statistics as our JSON, TFDV binary protobuf (``tfdv``) or TFDV text protobuf (atomically)."""
    if fmt == "json":
        data = stats.to_json().encode("utf-8")
    elif fmt == "tfdv":
        from dvtools.statistics.tfdv import to_tfdv_bytes

        data = to_tfdv_bytes(stats)
    elif fmt == "tfdv-text":
        from dvtools.statistics.tfdv import to_tfdv_text

        data = to_tfdv_text(stats).encode("utf-8")
    else:
        raise UsageError(f"unknown statistics format {fmt!r}: use one of {', '.join(STATS_FORMATS)}")
    write_bytes(path, data)


def statistics_of(inputs: list[str] | str, **kwargs: Any) -> tuple[DatasetStatistics, bool]:
    """Statistics of a dataset or a saved statistics file; the flag says whether raw data was read."""
    paths = [inputs] if isinstance(inputs, str) else list(inputs)
    if len(paths) == 1 and is_statistics_file(paths[0]):
        return load_statistics(paths[0]), False
    for p in paths:
        if is_statistics_file(p):
            raise UsageError(f"{p} is a dvtools statistics file: it cannot be read with data files "
                             "(pass it alone, or as the reference/--baseline)")
    from dvtools.statistics.engine import compute_statistics

    source: Any = paths[0] if len(paths) == 1 else paths
    return compute_statistics(source, **kwargs), True


def dumps(obj: Any) -> str:
    """Compact JSON for machine output."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, default=str)
