"""Saving and loading dvtools artifacts: statistics files, and "data or statistics" inputs.

Commands that accept ``DATA_OR_STATS`` take either a dataset (computed on the fly) or a
statistics file: ours, written by ``dvtools stats`` (JSON, recognized by its format tag), or TFDV's
(a ``DatasetFeatureStatisticsList``, binary or text, or the TFRecord file TFX StatisticsGen writes;
recognized by content, see :func:`dvtools.statistics.tfdv.tfdv_format`), so statistics computed
once, e.g. on a Dask cluster or by a TFX pipeline, can be validated and compared without the raw
data. TFDV statistics load with a warning saying what they cannot carry.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from dvtools.errors import DataLoadError, StatisticsFormatError, UsageError
from dvtools.io.files import write_bytes
from dvtools.statistics.model import FORMAT, DatasetStatistics

STATS_FORMATS = ("json", "tfdv", "tfdv-text")


#: Bytes read to recognize a TFDV binary statistics file (its chain of messages is checked that far).
_HEAD_BYTES = 1 << 16


def _is_json_statistics(head: bytes) -> bool:
    text = head[:4096].decode("utf-8", errors="ignore").lstrip()
    return text.startswith("{") and f'"format": "{FORMAT}"' in text.replace('":"', '": "')


def statistics_format(head: bytes, name: str = "", size: int | None = None) -> str | None:
    """``"json"`` (ours), ``"tfdv"``, ``"tfdv-text"``, ``"tfrecord"`` (TFDV's), or ``None`` for data.

    ``head``: the first bytes of the file (all of it for an upload); ``size``: the file's size
    (default ``len(head)``); ``name``: its name (data suffixes such as ``.csv`` are never statistics).
    """
    if _is_json_statistics(head):
        return "json"
    if name.lower().endswith(".json"):
        return None
    from dvtools.statistics.tfdv import tfdv_format

    return tfdv_format(head, size, name)


def looks_like_statistics(head: bytes, name: str = "", size: int | None = None) -> bool:
    """True when the bytes start a statistics file: ours (JSON) or TFDV's (see :func:`statistics_format`)."""
    return statistics_format(head, name, size) is not None


def is_statistics_file(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a statistics file: dvtools JSON or TFDV (binary, text, TFRecord)."""
    p = Path(path)
    if not p.is_file():
        return False
    with open(p, "rb") as fh:
        head = fh.read(_HEAD_BYTES)
    return statistics_format(head, p.name, p.stat().st_size) is not None


def load_statistics(path: str | os.PathLike[str]) -> DatasetStatistics:
    """Read a statistics file, ours or TFDV's (one-line errors naming the file)."""
    p = Path(path)
    if not p.is_file():
        raise DataLoadError(f"{p}: file not found")
    return statistics_from_bytes(p.read_bytes(), p.name)


def statistics_from_bytes(data: bytes, name: str) -> DatasetStatistics:
    """Parse a statistics file's bytes (an upload, or a file read whole): ours or TFDV's."""
    fmt = statistics_format(data[:_HEAD_BYTES], name, len(data))
    if fmt is not None and fmt != "json":
        from dvtools.statistics.tfdv import statistics_from_tfdv

        return statistics_from_tfdv(data, fmt, name)
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
    from dvtools.statistics.engine import compute_statistics

    source: Any = paths[0] if len(paths) == 1 else paths
    return compute_statistics(source, **kwargs), True


def dumps(obj: Any) -> str:
    """Compact JSON for machine output."""
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, default=str)
