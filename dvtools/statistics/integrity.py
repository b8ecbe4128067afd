"""Explicit checks of a statistics document before it is trusted (``DatasetStatistics.from_dict``).

A statistics file may come from anywhere (an upload, another tool, a hand edit). Every field is
checked for its JSON type and for consistency with the others (``num_missing <= count``, ``min <=
max``, counts never negative, histogram edges sorted, value counts summing to at most the total, ...),
and the first problem found is a one-line :class:`StatisticsFormatError` naming the feature and the
field, never a ``TypeError`` raised later by a page or a check. Sketch payloads are checked where
they are decoded (``statistics.sketches``: size limits derived from the declared parameters).
"""

from __future__ import annotations

import math
from typing import Any

from dvtools.errors import StatisticsFormatError
from dvtools.limits import MAX_EXACT_SKETCH_VALUES

_SPECIAL_FLOATS = ("NaN", "Infinity", "-Infinity")
_LOGICAL_TYPES = ("INT", "FLOAT", "STRING", "BYTES", "BOOL", "TIMESTAMP", "LIST", "STRUCT", "NULL")
_REL = 1e-9  # relative slack for float comparisons (mean within [min, max], quantiles ordered)


class _Bad(Exception):
    pass


def _fail(where: str, what: str) -> _Bad:
    return _Bad(f"{where}: {what}" if where else what)


def _int(d: dict[str, Any], key: str, where: str, *, optional: bool = False) -> int | None:
    v = d.get(key)
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, int):
        raise _fail(where, f"{key} must be a whole number, got {_show(v)}")
    if v < 0:
        raise _fail(where, f"{key} must not be negative, got {v}")
    return v


def _num(d: dict[str, Any], key: str, where: str) -> float:
    v = d.get(key)
    if v is None:
        return math.nan
    if isinstance(v, str) and v in _SPECIAL_FLOATS:
        return float(v)
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise _fail(where, f"{key} must be a number, got {_show(v)}")
    return float(v)


def _show(v: Any) -> str:
    text = repr(v)
    return text if len(text) <= 40 else text[:39] + "…"


def _dict(v: Any, where: str, what: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise _fail(where, f"{what} must be an object, got {_show(v)}")
    return v


def _list(v: Any, where: str, what: str) -> list[Any]:
    if not isinstance(v, list):
        raise _fail(where, f"{what} must be a list, got {_show(v)}")
    return v


def _le(a: float, b: float) -> bool:
    """Whether ``a <= b`` up to rounding (NaN passes: it is counted apart)."""
    if math.isnan(a) or math.isnan(b):
        return True
    return a <= b + _REL * max(1.0, abs(a), abs(b))


def _histogram(h: Any, where: str) -> None:
    h = _dict(h, where, "histogram")
    edges = [_num({"e": e}, "e", where) for e in _list(h.get("edges"), where, "histogram edges")]
    counts = [_num({"c": c}, "c", where) for c in _list(h.get("counts"), where, "histogram counts")]
    if not isinstance(h.get("kind"), str):
        raise _fail(where, "histogram kind must be text")
    if counts and len(edges) != len(counts) + 1:
        raise _fail(where, f"histogram has {len(counts)} counts but {len(edges)} edges (need counts + 1)")
    if any(not math.isfinite(e) for e in edges):
        raise _fail(where, "histogram edges must be finite numbers")
    if any(not _le(a, b) for a, b in zip(edges, edges[1:], strict=False)):
        raise _fail(where, "histogram edges are not in increasing order")
    if any(c < 0 or not math.isfinite(c) for c in counts):
        raise _fail(where, "histogram counts must be finite and not negative")


def _sketch(s: Any, where: str) -> None:
    s = _dict(s, where, "sketch")
    kinds = ("exact", "kll-levels", "kll", "histogram")
    if s.get("kind") not in kinds:
        raise _fail(where, f"sketch kind must be one of {', '.join(kinds)}, got {_show(s.get('kind'))}")
    n = _int(s, "n", where)
    if s["kind"] == "histogram":
        _list(s.get("edges"), where, "sketch edges")
        _list(s.get("counts"), where, "sketch counts")
        return
    if not isinstance(s.get("data"), str):
        raise _fail(where, "sketch data must be text (base64)")
    if s["kind"] == "kll-levels" and not all(isinstance(x, int) and not isinstance(x, bool)
                                             for x in _list(s.get("levels"), where, "sketch levels")):
        raise _fail(where, "sketch levels must be whole numbers")
    if s["kind"] == "exact" and n is not None and n > MAX_EXACT_SKETCH_VALUES:
        raise _fail(where, f"exact sketch declares {n:,} values, more than {MAX_EXACT_SKETCH_VALUES:,}")
    if s["kind"] in ("kll", "kll-levels") and "k" in s:
        _int(s, "k", where)


def _numeric(d: Any, where: str, present: int) -> None:
    d = _dict(d, where, "numeric")
    counts = {k: _int(d, k, where) for k in ("num_finite", "num_zeros", "num_nan", "num_pos_inf", "num_neg_inf")}
    finite = counts["num_finite"] or 0
    if finite + (counts["num_nan"] or 0) + (counts["num_pos_inf"] or 0) + (counts["num_neg_inf"] or 0) > present:
        raise _fail(where, f"num_finite + num_nan + num_inf exceed the {present:,} present values")
    if (counts["num_zeros"] or 0) > finite:
        raise _fail(where, f"num_zeros ({counts['num_zeros']:,}) exceeds num_finite ({finite:,})")
    lo, hi, mean, std = (_num(d, k, where) for k in ("min", "max", "mean", "std"))
    if finite:
        if not _le(lo, hi):
            raise _fail(where, f"min ({lo:g}) is greater than max ({hi:g})")
        if not (_le(lo, mean) and _le(mean, hi)):
            raise _fail(where, f"mean ({mean:g}) is outside [min, max] = [{lo:g}, {hi:g}]")
    if std < 0:
        raise _fail(where, f"std must not be negative, got {std:g}")
    previous = -math.inf
    for pair in _list(d.get("quantiles"), where, "quantiles"):
        if not isinstance(pair, list) or len(pair) != 2:
            raise _fail(where, "each quantile must be a [q, value] pair")
        q = _num({"q": pair[0]}, "q", where)
        v = _num({"v": pair[1]}, "v", where)
        if not 0 <= q <= 1:
            raise _fail(where, f"quantile level {q:g} is outside [0, 1]")
        if finite and not (math.isnan(v) or (_le(lo, v) and _le(v, hi) and _le(previous, v))):
            raise _fail(where, f"quantile {q:g} ({v:g}) is out of order or outside [min, max]")
        if not math.isnan(v):
            previous = v
    _histogram(d.get("histogram"), f"{where} histogram")
    _histogram(d.get("quantiles_histogram"), f"{where} quantiles_histogram")
    _sketch(d.get("sketch"), where)


def _string(d: Any, where: str, present: int) -> None:
    d = _dict(d, where, "string")
    lo, hi = _int(d, "min_length", where), _int(d, "max_length", where)
    if present and lo is not None and hi is not None and lo > hi:
        raise _fail(where, f"min_length ({lo:,}) is greater than max_length ({hi:,})")
    for key in ("num_empty", "num_whitespace_padded", "num_numeric_like"):
        v = _int(d, key, where)
        if v is not None and v > present:
            raise _fail(where, f"{key} ({v:,}) exceeds the {present:,} present values")
    _num(d, "avg_length", where)


def _values(d: Any, where: str) -> None:
    d = _dict(d, where, "values")
    values = _list(d.get("values"), where, "values")
    counts = _list(d.get("counts"), where, "value counts")
    if len(values) != len(counts):
        raise _fail(where, f"{len(values):,} values but {len(counts):,} counts")
    for c in counts:
        if isinstance(c, bool) or not isinstance(c, int) or c < 0:
            raise _fail(where, f"value counts must be whole numbers >= 0, got {_show(c)}")
    for v in values:
        if isinstance(v, dict | list):
            raise _fail(where, "values must be plain values (text, numbers, booleans)")
    total = _int(d, "total", where) or 0
    _int(d, "error_bound", where)
    if sum(counts) > total:
        raise _fail(where, f"value counts sum to {sum(counts):,}, more than the total {total:,}")
    if d.get("hll") is not None and not isinstance(d["hll"], str):
        raise _fail(where, "hll must be text (base64)")


_MAX_PII_EXAMPLE = 200  # characters of a masked example (the tally keeps at most 120 before masking)


def _pii(d: Any, where: str, present: int) -> None:
    from dvtools.privacy.detectors import PiiKind

    d = _dict(d, f"{where} pii", "pii")
    n = _int(d, "num_values", f"{where} pii") or 0
    if n > present:
        raise _fail(where, f"pii num_values ({n:,}) exceeds the {present:,} present values")
    kinds = {k.value for k in PiiKind}
    seen: set[str] = set()
    for m in _list(d.get("matches"), where, "pii matches"):
        m = _dict(m, f"{where} pii", "pii match")
        kind = m.get("kind")
        if kind not in kinds or kind in seen:
            raise _fail(where, f"pii match kind must be one of {', '.join(sorted(kinds))}, once each, got {_show(kind)}")
        seen.add(kind)
        c = _int(m, "count", f"{where} pii {kind}") or 0
        if c > n:
            raise _fail(where, f"pii {kind} count ({c:,}) exceeds its num_values ({n:,})")
        ex = m.get("example")
        if not isinstance(ex, str) or len(ex) > _MAX_PII_EXAMPLE:
            raise _fail(where, f"pii {kind} example must be text of at most {_MAX_PII_EXAMPLE} characters")


def _privacy(p: Any, where: str) -> None:
    p = _dict(p, where, "privacy")
    if p.get("mode") not in ("on", "strict"):
        raise _fail(where, f"privacy mode must be on or strict, got {_show(p.get('mode'))}")
    _int(p, "k", where)
    if any(not isinstance(x, str) for x in _list(p.get("features", []), where, "privacy features")):
        raise _fail(where, "privacy features must be a list of text")


def _feature(f: Any, where: str, depth: int) -> str:
    f = _dict(f, where, "feature")
    name = f.get("name")
    if not isinstance(name, str):
        raise _fail(where, f"feature name must be text, got {_show(name)}")
    where = f"{where} {name!r}"
    if not isinstance(f.get("arrow_type"), str):
        raise _fail(where, "arrow_type must be text")
    if f.get("logical_type") not in _LOGICAL_TYPES:
        raise _fail(where, f"logical_type must be one of {', '.join(_LOGICAL_TYPES)}, got {_show(f.get('logical_type'))}")
    count = _int(f, "count", where) or 0
    missing = _int(f, "num_missing", where) or 0
    if missing > count:
        raise _fail(where, f"num_missing ({missing:,}) is greater than count ({count:,})")
    present = count - missing
    for key in ("num_true", "num_false"):
        if f.get(key) is not None:
            _int(f, key, where)
    if (f.get("num_true") or 0) + (f.get("num_false") or 0) > present:
        raise _fail(where, f"num_true + num_false exceed the {present:,} present values")
    if f.get("numeric") is not None:
        _numeric(f["numeric"], where, present)
    if f.get("string") is not None:
        _string(f["string"], where, present)
    if f.get("values") is not None:
        _values(f["values"], where)
    if f.get("list_lengths") is not None:
        _numeric(f["list_lengths"], f"{where} list_lengths", present)
    if f.get("values_statistics") is not None:
        if depth > 8:
            raise _fail(where, "lists nested more than 8 levels deep")
        _feature(f["values_statistics"], f"{where} values", depth + 1)
    if f.get("time_unit") is not None and f["time_unit"] not in ("s", "ms", "us", "ns"):
        raise _fail(where, f"time_unit must be s, ms, us or ns, got {_show(f['time_unit'])}")
    if f.get("pii") is not None:
        _pii(f["pii"], where, present)
    return name


def _dataset(d: dict[str, Any], where: str, depth: int) -> None:
    n = _int(d, "num_examples", where) or 0
    _int(d, "num_malformed_rows", where, optional=True)
    for key in ("sources", "warnings"):
        if any(not isinstance(x, str) for x in _list(d.get(key, []), where, key)):
            raise _fail(where, f"{key} must be a list of text")
    names: set[str] = set()
    for i, f in enumerate(_list(d.get("features"), where, "features")):
        name = _feature(f, f"{where}feature" if isinstance(f, dict) and isinstance(f.get("name"), str)
                        else f"{where}feature #{i + 1}", 0)
        if name in names:
            raise _fail(where, f"feature {name!r} is listed twice")
        names.add(name)
        if f.get("count") != n:
            raise _fail(where, f"feature {name!r} counts {f.get('count'):,} examples, the dataset {n:,}")
    if d.get("privacy") is not None:
        _privacy(d["privacy"], where)
    slices = _list(d.get("slices", []), where, "slices")
    if slices and depth > 0:
        raise _fail(where, "slices of slices are not supported")
    for s in slices:
        if not (isinstance(s, list) and len(s) == 2 and isinstance(s[0], str)):
            raise _fail(where, "each slice must be a [name, statistics] pair")
        _dataset(_dict(s[1], where, "slice"), f"slice {s[0]!r}: ", depth + 1)


def check_statistics(d: dict[str, Any]) -> None:
    """Raise a one-line :class:`StatisticsFormatError` for the first inconsistency in document ``d``."""
    try:
        _dataset(d, "", 0)
    except _Bad as e:
        raise StatisticsFormatError(f"invalid statistics file: {e}") from None


__all__ = ["check_statistics"]
