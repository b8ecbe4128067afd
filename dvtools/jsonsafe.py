"""The one JSON convention of dvtools documents: plain types, NaN and infinities as strings.

JSON has neither NaN nor infinities. Statistics files, ``dvtools validate --format json`` and
``dvtools compare --format json`` all write them as ``"NaN"``, ``"Infinity"``, ``"-Infinity"``
(``float()`` reads those strings back), so every dvtools JSON document reads back the same way.
"""

from __future__ import annotations

import math
from enum import Enum
from typing import Any

import numpy as np


def json_float(x: float | None) -> float | str | None:
    """A float as JSON allows it (NaN and infinities as strings)."""
    if x is None:
        return None
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def jsonable(obj: Any) -> Any:
    """``obj`` as plain JSON types: numpy scalars and arrays made Python, enums as values, bytes decoded."""
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, dict):
        return {k if isinstance(k, str | int | float | bool) or k is None else str(k): jsonable(v)
                for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset | np.ndarray):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float):
        return json_float(obj)
    if isinstance(obj, bytes):
        return obj.decode("utf-8", errors="replace")
    if obj is None or isinstance(obj, str | int | bool):
        return obj
    return str(obj)
