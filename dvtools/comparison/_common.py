"""Helpers shared by the comparison modules: JSON-safe values, number formatting, data streams, dataset names."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa

from dvtools.jsonsafe import jsonable  # noqa: F401 - re-exported for the comparison modules


def dataset_names(comparator: str, names: tuple[str, str] | None = None) -> tuple[str, str]:
    """The (reference, current) names a user reads: ``names`` when given, else the comparator's roles.

    The one way every text of the library names the two datasets (anomaly descriptions, the
    engine's notes and skip reasons, feature-skew and concept-shift warnings, reports): by role,
    :data:`dvtools.defaults.DATASET_NAMES` (``training``/``serving`` for ``skew``,
    ``training``/``evaluation`` for ``drift``), never "reference"/"current" (parameter names only).
    """
    from dvtools.defaults import DATASET_NAMES
    from dvtools.errors import UsageError

    if names is None:
        return DATASET_NAMES.get(comparator, DATASET_NAMES["drift"])
    if len(names) != 2 or not all(isinstance(n, str) and n.strip() for n in names):
        raise UsageError(f"names must be two non-empty strings (reference, current), got {names!r}")
    return (names[0].strip(), names[1].strip())


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
