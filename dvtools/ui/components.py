"""Small shared widgets for the dashboard pages.

Every function here is general (no page-specific logic) and safe with untrusted text: names and
values from the data are shown with ``st.text`` or escaped with :func:`~dvtools.ui.format.md_escape`
before they reach anything that renders Markdown (alerts, expander labels, captions).
"""

from __future__ import annotations

import hashlib
import html
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dvtools.statistics.model import FeatureStatistics
from dvtools.ui.format import md_escape

ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------------- text


def stable_key(prefix: str, text: Any) -> str:
    """A widget key for an arbitrary (untrusted) name: ``prefix`` plus a short digest."""
    return f"{prefix}_{hashlib.blake2b(str(text).encode(), digest_size=6).hexdigest()}"


def show_messages(messages: Iterable[Any], kind: str = "warning") -> None:
    """One ``st.warning``/``st.error``/``st.info`` per message, shown literally (Markdown escaped)."""
    show = {"warning": st.warning, "error": st.error, "info": st.info}[kind]
    icons = {"warning": ":material/warning:", "error": ":material/error:", "info": ":material/info:"}
    for m in messages:
        show(md_escape(m), icon=icons[kind])


def empty_state(message: str, *, links: Sequence[tuple[str, str, str | None]] = ()) -> None:
    """An info box saying what to do next, with optional ``(page path, label, icon)`` links."""
    st.info(message, icon=":material/arrow_forward:")
    for path, label, icon in links:
        page_link(path, label, icon)


def page_link(path: str, label: str, icon: str | None = None) -> bool:
    """``st.page_link`` to a page file (relative to the repository root) if that page exists.

    Returns False (and renders nothing) while the page's file is missing, so a page still being
    written elsewhere never breaks the one linking to it.
    """
    if not (ROOT / path).is_file():
        return False
    st.page_link(path, label=label, icon=icon)
    return True


# --------------------------------------------------------------------------- bound widgets


def _bind(key: str, value: Any, options: Sequence[Any] | None = None) -> None:
    """Make the widget ``key`` show ``value`` (the state's truth) before it is created."""
    if options is not None and value not in options:
        value = options[0]
    if st.session_state.get(key, object()) != value:
        st.session_state[key] = value


def bound_selectbox(label: str, options: Sequence[str], *, value: str, key: str,
                    on_change: Callable[[Any], None], help: str | None = None,
                    format_func: Callable[[Any], str] = str) -> str:
    """A selectbox that shows ``value`` and calls ``on_change(new value)`` only when the user changes it.

    ``value`` comes from the app's state (e.g. ``state.get_option``); the widget follows it when
    it changes elsewhere (a demo load), and user changes go back through ``on_change``.
    """
    _bind(key, value, options)
    return st.selectbox(label, options, key=key, help=help, format_func=format_func,
                        on_change=lambda: on_change(st.session_state[key]))


def bound_multiselect(label: str, options: Sequence[str], *, value: Sequence[str], key: str,
                      on_change: Callable[[list[str]], None], help: str | None = None) -> list[str]:
    """A multiselect bound to app state, like :func:`bound_selectbox`."""
    _bind(key, [v for v in value if v in options])
    return st.multiselect(label, options, key=key, help=help,
                          on_change=lambda: on_change(list(st.session_state[key])))


def paginate(n_items: int, *, page_size: int, key: str, noun: str = "items") -> tuple[int, int]:
    """A page number input (shown when there is more than one page, kept in range when the list shrinks).

    Returns ``(start, stop)`` of the current page.
    """
    pages = max(1, math.ceil(n_items / page_size))
    if int(st.session_state.get(key, 1)) > pages:
        st.session_state[key] = pages
    page = 1
    if pages > 1:
        page = int(st.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, step=1, key=key))
    start = (page - 1) * page_size
    stop = min(n_items, start + page_size)
    st.caption(f"{noun} {start + 1:,}–{stop:,} of {n_items:,}" if pages > 1 else f"{n_items:,} {noun}")
    return start, stop


# --------------------------------------------------------------------------- tables


def filter_names(df: pd.DataFrame, query: str | None, column: str = "feature") -> pd.DataFrame:
    """Rows whose ``column`` contains ``query`` (case-insensitive substring; empty query keeps all)."""
    q = (query or "").strip().casefold()
    if not q or df.empty:
        return df
    return df[df[column].astype(str).str.casefold().str.contains(q, regex=False)]


def text_column(label: str, help: str | None = None, width: str | int | None = None) -> Any:
    """Column config for a column whose display text comes from a Styler (labels, help and width only).

    ``width``: ``"small"``, ``"medium"``, ``"large"`` or pixels.
    """
    return st.column_config.Column(label, help=help, width=width)  # type: ignore[arg-type]


_TIME_UNITS = {"s": "s", "ms": "ms", "us": "us", "ns": "ns", "day": "D"}


def time_unit(arrow_type: str) -> str | None:
    """The unit of a date/timestamp feature's numbers (``"D"``, ``"s"``, ``"ms"``, ``"us"``, ``"ns"``)."""
    t = arrow_type.replace(" ", "")
    if t.startswith("date32"):
        return "D"
    if t.startswith("date64"):
        return "ms"
    if t.startswith("timestamp["):
        return _TIME_UNITS.get(t[len("timestamp["):].split(",")[0].rstrip("]"))
    return None


def format_time(value: Any, unit: str) -> str:
    """A date/timestamp statistic (a number in ``unit`` since the epoch) as ISO text."""
    try:
        v = float(value)
        if math.isnan(v):
            return "–"
        ts = pd.Timestamp(int(round(v)), unit=unit)
    except (TypeError, ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
        return str(value)
    return ts.date().isoformat() if unit == "D" or ts == ts.normalize() else ts.isoformat(sep=" ")


def format_duration(value: Any, unit: str) -> str:
    """A spread of date/timestamp values (e.g. a standard deviation) in ``unit`` as days or hours."""
    try:
        v = float(value)
        if math.isnan(v):
            return "–"
        seconds = pd.Timedelta(v, unit=unit).total_seconds()
    except (TypeError, ValueError, OverflowError):
        return str(value)
    if abs(seconds) >= 86400:
        return f"{seconds / 86400:,.1f} days"
    if abs(seconds) >= 3600:
        return f"{seconds / 3600:,.1f} h"
    return f"{seconds:,.3g} s"


# --------------------------------------------------------------------------- charts


def feature_chart(reference: FeatureStatistics | None, current: FeatureStatistics | None, *, key: str,
                  height: int = 300, **options: Any) -> None:
    """The overlaid reference/current chart of one feature (``options``: buckets, log_y, percent)."""
    from dvtools.ui.charts import feature_figure

    base = reference if reference is not None else current
    title = html.escape(base.name) if base is not None else ""
    fig = feature_figure(reference, current, height=height, title=title, **options)
    st.plotly_chart(fig, width="stretch", key=key, config={"displaylogo": False})


# --------------------------------------------------------------------------- findings


def severity_counts(anomalies: Iterable[Any]) -> dict[str, int]:
    """Anomaly count per severity name (``ERROR`` and ``WARNING`` always present)."""
    counts = Counter(str(getattr(a.severity, "value", a.severity)) for a in anomalies)
    return {"ERROR": counts.get("ERROR", 0), "WARNING": counts.get("WARNING", 0),
            **{k: v for k, v in counts.items() if k not in ("ERROR", "WARNING")}}


def try_comparison(reference: Any, current: Any, **options: Any) -> tuple[Any | None, str | None]:
    """The cached drift comparison of two datasets, or ``(None, reason)`` when unavailable.

    ``options``: the keyword arguments of :func:`dvtools.ui.cache.comparison_for` (pages pass
    :func:`dvtools.ui.analysis.comparison_options`, so every page counts the same).
    Never raises: comparison is optional on every page that shows it.
    """
    if reference is None or current is None:
        return None, "needs both datasets"
    try:
        from dvtools.ui import cache

        return cache.comparison_for(reference, current, **options), None
    except ImportError as e:
        return None, f"comparison not available ({e})"
    except Exception as e:  # noqa: BLE001 - a comparison bug must not take the page down
        return None, f"comparison failed: {type(e).__name__}: {e}"


def distances_by_feature(comparison: Any, method: str = "jensen_shannon_distance") -> dict[str, float]:
    """Feature -> distance for sorting: ``method`` (comparable across kinds), else the primary distance.

    The primary statistic is used only when it is a distance (a p-value sorts the wrong way).
    """
    out: dict[str, float] = {}
    for fc in getattr(comparison, "features", None) or []:
        d = fc.distances.get(method)
        if d is None or (isinstance(d, float) and math.isnan(d)):
            d = math.nan if fc.primary_method in ("ks", "chi_square") else fc.statistic
        out[fc.feature] = float(d)
    return out


def metric_count(n: int) -> str:
    """A count short enough for a metric in a third of half the page: ``99,999``, then ``123k``, ``1.23M``, ``12.3M``.

    Exact up to five digits; beyond, three significant digits (``1,234,…`` was what a metric showed of
    1,234,567): the exact count goes in the metric's help.
    """
    if abs(n) < 100_000:
        return f"{n:,}"
    rounded = float(f"{n:.3g}")  # three significant digits first: 999,999 is 1M, not 1000k
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(rounded) >= limit:
            v = rounded / limit
            return (f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}") + suffix
    return f"{n:,}"  # pragma: no cover - every count >= 1e5 has a suffix


def dataset_facts(stats: Any) -> dict[str, str]:
    """Rows, columns and malformed rows of a dataset's statistics, formatted for a metric (:func:`metric_count`)."""
    return {
        "rows": metric_count(stats.num_examples),
        "columns": metric_count(stats.num_features),
        "malformed rows skipped": metric_count(stats.num_malformed_rows),
    }


def dataset_size(ref: Any) -> int | None:
    """Bytes of a loaded dataset (the upload, or the file on the server); None when unknown."""
    if ref.data is not None:
        return len(ref.data)
    try:
        return int(Path(ref.path).stat().st_size) if ref.path is not None else None
    except OSError:
        return None
