"""Helpers shared by the comparison modules: JSON-safe values, number formatting, data streams."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa

from dvtools.jsonsafe import jsonable  # noqa: F401 - re-exported for the comparison modules


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
