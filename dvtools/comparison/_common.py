"""Helpers shared by the comparison modules: JSON-safe values, number formatting, data streams."""

from __future__ import annotations

import math
from enum import Enum
from typing import Any

import numpy as np
import pyarrow as pa


def jsonable(obj: Any) -> Any:
    """``obj`` with numpy scalars made Python and NaN/+-inf as the strings ``"NaN"``/``"Infinity"``/``"-Infinity"``.

    JSON has neither NaN nor infinities: this is the convention of dvtools statistics files and of
    ``dvtools validate --format json`` (:func:`dvtools.validation.validate.anomalies_to_json`), so
    every dvtools JSON document reads back the same way (``float("NaN")`` works on those strings).
    """
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, dict):
        return {str(k) if not isinstance(k, str | int | float | bool) and k is not None else k: jsonable(v)
                for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        if math.isnan(obj):
            return "NaN"
        if math.isinf(obj):
            return "Infinity" if obj > 0 else "-Infinity"
        return obj
    if isinstance(obj, bytes):
        return obj.decode("utf-8", errors="replace")
    if obj is None or isinstance(obj, str | int | bool):
        return obj
    return str(obj)


def fmt(x: Any, digits: int = 4) -> str:
    """Format a number for people: ``""`` for None/NaN, scientific notation for very large or small values."""
    if x is None:
        return ""
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, bool) or not isinstance(x, int | float):
        return str(x)
    if isinstance(x, int):
        return f"{x:,}"
    if math.isnan(x):
        return ""
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x != 0 and (abs(x) >= 1e6 or abs(x) < 1e-3):
        return f"{x:.3e}"
    return f"{x:.{digits}g}"


def share_text(x: float | None, decimals: int = 2) -> str:
    """Format a share in ``[0, 1]`` as a percentage with ``decimals`` decimals (``""`` for None/NaN).

    Never rounds a non-zero share to zero nor a share below one to 100 %: 4 of 20,004 is
    ``"<0.1%"`` (one decimal), 20,000 of 20,004 is ``">99.9%"``. The one share formatter of the
    CLI and the comparison reports.
    """
    if x is None:
        return ""
    if isinstance(x, np.generic):
        x = x.item()
    x = float(x)
    if math.isnan(x):
        return ""
    text = f"{100.0 * x:.{decimals}f}%"
    smallest = 10.0 ** -decimals
    if 0 < x and float(text[:-1]) == 0:
        return f"<{smallest:.{decimals}f}%"
    if x < 1 and float(text[:-1]) >= 100:
        return f">{100 - smallest:.{decimals}f}%"
    return text


def pct(x: float | None) -> str:
    """Format a share as a percentage with two decimals (``""`` for None/NaN); see :func:`share_text`."""
    return share_text(x, 2)


def open_stream(source: Any, *, batch_size: int = 131_072) -> Any:
    """Open ``source`` (path, paths, glob, DataFrame, Table, BatchStream...) as a ``BatchStream``."""
    from dvtools.io import open_source

    if isinstance(source, pa.RecordBatch):
        source = pa.Table.from_batches([source])
    return open_source(source, batch_size=batch_size)
