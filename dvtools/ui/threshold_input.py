"""One widget for every threshold: exact values down to 0.0001 (TFDV's tutorial uses 0.001), shown as set.

A linear slider stepping by 0.01 cannot reach 0.001 and displays it as "0.00"; thresholds span
decades (an L-infinity of 0.001, a Wasserstein distance of 17), so the dashboard offers either a
number box (``mode="number"``: any value, written with :func:`~dvtools.ui.format.format_threshold`
precision) or a log-scale slider over 1-2-5 steps per decade (``mode="log"``) that always contains
the current value. Bounds are per statistic (``low``/``high``): never one slider across scales.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import streamlit as st

from dvtools.ui.format import format_threshold

#: printf format of the number box: up to 6 significant digits, no trailing zeros (0.001, 0.05, 16.97).
NUMBER_FORMAT = "%g"


def log_steps(low: float, high: float, include: float | None = None) -> list[float]:
    """1-2-5 values per decade from ``low`` to ``high`` (``low > 0``), plus ``include`` when given, sorted.

    ``0`` is added first when ``low`` is 0 (a threshold of zero: everything fires), and the
    smallest step is then 1e-4 of ``high``.
    """
    if high <= 0 or low < 0 or low > high:
        raise ValueError(f"invalid threshold bounds [{low:g}, {high:g}]")
    start = low if low > 0 else high * 1e-4
    out: set[float] = {0.0} if low == 0 else set()
    decade = math.floor(math.log10(start))
    while 10.0 ** decade <= high * 1.0000001:
        for m in (1, 2, 5):
            v = float(f"{m * 10.0 ** decade:.12g}")
            if start * 0.9999999 <= v <= high * 1.0000001:
                out.add(v)
        decade += 1
    out |= {float(low), float(high)}
    if include is not None and low <= include <= high:
        out.add(float(include))
    return sorted(out)


def threshold_input(label: str, *, key: str, value: float | None, low: float = 0.0, high: float = 1.0,
                    mode: str = "number", help: str | None = None,
                    on_change: Callable[[float | None], None] | None = None, allow_blank: bool = False,
                    container: Any = None) -> float | None:
    """A threshold widget showing ``value``; returns the value set (None: blank, when ``allow_blank``).

    ``mode="number"``: a number box accepting any value in ``[low, high]`` (step 0.001, shown with
    up to 6 significant digits). ``mode="log"``: a slider over :func:`log_steps`. ``on_change``
    receives the new value when the user changes it. ``key`` is the widget's key (tests use it);
    ``container``: where to draw it (``st`` by default, e.g. ``st.sidebar`` or a column).
    """
    where = st if container is None else container
    ss = st.session_state
    callback = None if on_change is None else (lambda: on_change(_read(ss.get(key))))
    if mode == "log":
        options = log_steps(low, high, include=value)
        current = value if value in options else min(options, key=lambda o: abs(o - (value or 0.0)))
        if ss.get(key) not in options:
            ss[key] = current
        return float(where.select_slider(label, options=options, key=key, help=help, format_func=format_threshold,
                                         on_change=callback))
    if mode != "number":
        raise ValueError(f"unknown threshold input mode {mode!r} (number or log)")
    if key not in ss:
        ss[key] = value if value is not None or allow_blank else low
    out = where.number_input(label, min_value=float(low), max_value=float(high), step=0.001, format=NUMBER_FORMAT,
                             key=key, help=help, on_change=callback,
                             placeholder="blank: the default" if allow_blank else None)
    return _read(out)


def _read(v: Any) -> float | None:
    return None if v is None else float(v)
