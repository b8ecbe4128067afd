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
