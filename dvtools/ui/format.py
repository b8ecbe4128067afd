"""Numbers and labels for people: 1.2M, 3.4 %, 12 ms. Pure functions, no Streamlit."""

from __future__ import annotations

import math
import re
from typing import Any

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
WORD_JOINER = "\u2060"
# Where Streamlit's markdown auto-links bare text (after escapes are resolved, so a backslash does not
# stop it): "scheme://", "www." and e-mail addresses. An invisible word joiner breaks each pattern.
_AUTOLINK = re.compile(r"(?<=\w)(?=://)|(?i:(?<=\bwww))(?=\.)|(?=@)")


def human_count(n: Any) -> str:
    """1234 -> '1,234'; 1_234_567 -> '1.2M'; NaN/None -> '–'."""
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return "–"
    n = float(n)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M")):
        if abs(n) >= limit:
            return f"{n / limit:.1f}{suffix}"
    if abs(n) >= 1e4:
        return f"{n / 1e3:.1f}k"
    return f"{n:,.0f}" if n == int(n) else f"{n:,.2f}"


def human_bytes(n: int) -> str:
    """A size for people: ``950 B``, ``12.3 kB``, ``312.7 MB``, ``1.2 GB`` (decimal units, as browsers show uploads)."""
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            value = n / size
            return f"{value:,.1f} {unit}"
    return f"{n:,} B"


def human_number(x: Any, digits: int = 4) -> str:
    """Compact significant-digit formatting for statistics (mean, std, bounds)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, bool):
        return str(x)
    x = float(x)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if x != 0 and (abs(x) >= 1e7 or abs(x) < 1e-3):
        return f"{x:.{digits - 1}e}"
    if x == int(x) and abs(x) < 1e7:
        return f"{int(x):,}"
    return f"{x:,.{digits}g}" if abs(x) < 1000 else f"{x:,.2f}"


def human_percent(x: Any, digits: int = 1) -> str:
    """0.034 -> '3.4%'; tiny non-zero shares show as '<0.1%'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    x = float(x)
    if 0 < x < 10 ** -(digits + 2):
        return f"<{10 ** -digits:.{digits}f}%"
    return f"{x * 100:.{digits}f}%"


def md_escape(text: Any) -> str:
    """Escape untrusted text (column names, values) for Streamlit markdown: shown literally, never a link.

    Markdown syntax is backslash-escaped; bare URLs, ``www.`` names and e-mail addresses, which
    Streamlit links even when escaped, get an invisible word joiner (U+2060) before ``://``, after
    ``www`` and before ``@``, so no ``<a>`` element is ever made from data.
    """
    s = _AUTOLINK.sub(WORD_JOINER, str(text).replace("\n", " "))
    return _MD_SPECIAL.sub(r"\\\1", s)


def truncate(text: Any, width: int = 40) -> str:
    """Shorten long values for tables."""
    s = str(text)
    return s if len(s) <= width else s[: width - 1] + "…"


# --------------------------------------------------------------------------- counts and pairs


def plural(n: Any, noun: str, plural_noun: str | None = None) -> str:
    """``1 anomaly``, ``2 anomalies``, ``1,234 features``: the count with the noun agreeing with it.

    ``plural_noun`` for irregular nouns; otherwise ``-y`` after a consonant becomes ``-ies`` and
    ``s``/``x``/``ch``/``sh`` endings take ``-es``.
    """
    count = int(n)
    if count == 1:
        return f"1 {noun}"
    if plural_noun is None:
        if noun.endswith("y") and noun[-2:-1] not in tuple("aeiou"):
            plural_noun = noun[:-1] + "ies"
        elif noun.endswith(("s", "x", "ch", "sh")):
            plural_noun = noun + "es"
        else:
            plural_noun = noun + "s"
    return f"{count:,} {plural_noun}"


def number_text(x: Any, digits: int = 4) -> str:
    """A number with ``digits`` significant digits, thousands separated, no trailing zeros.

    Whole numbers below 1e15 are written in full (``17,030,000,123``); very large or very small
    ones in scientific notation. ``None``/NaN -> ``–``, infinities -> ``∞``/``-∞``.
    """
    if x is None or isinstance(x, str):
        return "–" if x is None else x
    if isinstance(x, bool):
        return str(x)
    x = float(x)
    if math.isnan(x):
        return "–"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    ax = abs(x)
    if x == math.floor(x) and ax < 1e15:
        return f"{int(x):,}"
    if ax >= 1e15 or ax < 1e-4:
        return f"{x:.{max(digits - 1, 0)}e}"
    magnitude = math.floor(math.log10(ax))  # 42.0 -> 1, 0.05 -> -2
    decimals = max(0, digits - 1 - magnitude)
    text = f"{x:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_TIME_KINDS = {"TIMESTAMP", "DATE", "DATETIME"}


def time_text(value: Any, unit: str, precision: str = "auto") -> str:
    """A date/timestamp number (``value`` in ``unit`` since 1970-01-01 UTC) as ISO text.

    ``unit``: ``D`` (days), ``s``, ``ms``, ``us`` or ``ns``. ``precision``: ``date``, ``seconds``,
    ``full`` (every fraction digit there is) or ``auto`` (the date alone at midnight, else seconds).
    Values outside the representable range are written as numbers.
    """
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "–"
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    import datetime as dt

    per_second = {"D": 1 / 86_400, "s": 1, "ms": 1e3, "us": 1e6, "ns": 1e9}.get(unit)
    if per_second is None:
        return number_text(v)
    try:
        if unit == "D":
            stamp = dt.datetime(1970, 1, 1) + dt.timedelta(days=v)
        else:
            whole, frac = divmod(v, per_second)  # seconds and the rest, exact for integer inputs
            stamp = dt.datetime(1970, 1, 1) + dt.timedelta(seconds=whole, microseconds=frac * 1e6 / per_second)
    except (OverflowError, ValueError):
        return number_text(v)
    midnight = stamp.hour == stamp.minute == stamp.second == stamp.microsecond == 0
    if precision == "date" or (precision == "auto" and midnight):
        return stamp.date().isoformat()
    if precision == "full" and stamp.microsecond:
        return stamp.isoformat(sep=" ", timespec="microseconds").rstrip("0")
    return stamp.isoformat(sep=" ", timespec="seconds")


def _kind_name(kind: Any) -> str:
    return str(getattr(kind, "value", kind) or "").upper()


def format_value(x: Any, kind: Any = None, *, unit: str | None = None, digits: int = 4) -> str:
    """One observed or expected value as text for its feature's type.

    ``kind``: the feature type (``INT``, ``FLOAT``, ``TIMESTAMP``, ``STRING``...; a FeatureType,
    LogicalType or its name). TIMESTAMP values are dates (``unit``, default ``us``); INT values are
    whole numbers written in full; other numbers have ``digits`` significant digits; text is
    shown as is. Lists and tuples are formatted item by item.
    """
    name = _kind_name(kind)
    if isinstance(x, list | tuple):
        return ", ".join(format_value(v, kind, unit=unit, digits=digits) for v in x)
    if isinstance(x, bool) or x is None or isinstance(x, str):
        return "–" if x is None else str(x)
    if not isinstance(x, int | float):
        return str(x)
    if name in _TIME_KINDS:
        return time_text(x, unit or "us", "auto" if digits <= 4 else ("seconds" if digits <= 8 else "full"))
    if name == "INT" and math.isfinite(float(x)) and float(x) == math.floor(float(x)):
        return f"{int(x):,}"
    return number_text(x, digits)


def format_pair(a: Any, b: Any, kind: Any = None, *, unit: str | None = None) -> tuple[str, str]:
    """Observed and expected (or reference and current) as texts that differ whenever the values do.

    Starts at 4 significant digits (a date for timestamps) and adds digits until the two texts
    differ, up to what a float holds; equal values give equal texts.
    """
    for digits in (4, 6, 8, 10, 12, 17):
        ta, tb = format_value(a, kind, unit=unit, digits=digits), format_value(b, kind, unit=unit, digits=digits)
        if ta != tb:
            return ta, tb
    return ta, tb


def format_threshold(x: Any) -> str:
    """A threshold as its shortest exact-looking text: ``0.001``, ``0.05``, ``16.97``, ``1e-05``."""
    if x is None:
        return "–"
    x = float(x)
    if math.isnan(x):
        return "–"
    return f"{x:.6g}"
