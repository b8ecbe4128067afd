"""Drill-down: the rows of a dataset that cause a value anomaly, found with pyarrow compute.

Pure and typed: an Arrow table, an anomaly and the schema's feature in; a row count and the first
rows out. :func:`drilldown` is the one function that produces rows (the dashboard's "Rows that
cause it" shows its result); :func:`supports_drilldown` says which anomalies rows can show.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from dvtools.schema.model import Feature, FloatDomain, IntDomain, StringDomain
from dvtools.validation.anomalies import Anomaly, AnomalyType

T = AnomalyType

__all__ = ["DRILLDOWN_TYPES", "ROW_COLUMN", "DrillDown", "drilldown", "drilldown_count", "drilldown_mask",
           "drilldown_rows", "supports_drilldown"]

#: Range anomalies: values below or above the schema's domain.
RANGE_TYPES = frozenset({T.INT_TYPE_BIG_INT, T.INT_TYPE_SMALL_INT, T.FLOAT_TYPE_BIG_FLOAT, T.FLOAT_TYPE_SMALL_FLOAT})


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


_NULL_TYPES = frozenset({T.FEATURE_TYPE_NOT_PRESENT, T.FEATURE_TYPE_LOW_FRACTION_PRESENT,
                         T.FEATURE_TYPE_LOW_NUMBER_PRESENT, T.MISSING_SHARE_INCREASE, T.ALL_NULL_COLUMN})
DRILLDOWN_TYPES = frozenset({
    *_NULL_TYPES, *RANGE_TYPES, T.ENUM_TYPE_UNEXPECTED_STRING_VALUES, T.FLOAT_TYPE_HAS_NAN, T.FLOAT_TYPE_HAS_INF,
    T.ZERO_AS_MISSING_MARKER, T.CATEGORY_VARIANTS, T.UNEXPECTED_DATA_TYPE,
})
ROW_COLUMN = "row"
_NUMERIC_TEXT = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"


def supports_drilldown(a: Anomaly) -> bool:
    """Whether the anomaly is about values that rows of the current data can show."""
    return a.feature is not None and a.type in DRILLDOWN_TYPES


def _per_row(col: pa.ChunkedArray, element_mask: Any) -> pa.ChunkedArray:
    """Apply ``element_mask(values) -> bool array`` to a column; list columns: any element matches."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        flat = pc.list_flatten(arr)
        parents = pc.list_parent_indices(arr)
        m = pc.fill_null(element_mask(flat), False)
        hit = pc.unique(pc.filter(parents, m))
        return pa.chunked_array([pc.is_in(pa.array(range(len(arr)), pa.int64()), value_set=hit.cast(pa.int64()))])
    return pa.chunked_array([pc.fill_null(element_mask(arr), False)])


def _as_number(arr: pa.Array) -> pa.Array:
    """Dates and timestamps as microseconds since 1970; other temporal values as their integer value.

    Microseconds are the unit of date/timestamp statistics, so of the schema ranges inferred from them.
    """
    t = arr.type
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        import numpy as np

        from dvtools.statistics.accumulators import timestamps_as_micros

        valid = np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        out = np.zeros(len(arr), dtype=np.float64)
        out[valid] = timestamps_as_micros(arr.drop_null())
        return pa.array(out, mask=~valid)
    if pa.types.is_time32(t):
        return arr.cast(pa.int32())
    if pa.types.is_date64(t) or pa.types.is_timestamp(t) or pa.types.is_time64(t) or pa.types.is_duration(t):
        return arr.cast(pa.int64())
    if pa.types.is_boolean(t):
        return arr.cast(pa.int8())
    return arr


def _is_float(arr: pa.Array) -> bool:
    return pa.types.is_floating(arr.type)


def _variant_values(a: Anomaly, f: Feature | None) -> list[str]:
    """Values of the reported variant groups that are not the expected form."""
    out = []
    for members in a.details.get("groups", []):
        in_domain = [m for m in members if m.get("in_domain")]
        if in_domain:
            out += [str(m["value"]) for m in members if not m.get("in_domain")]
        else:  # no domain: every form but the most frequent (members are sorted by count)
            out += [str(m["value"]) for m in members[1:]]
    return out


def drilldown_mask(table: pa.Table, a: Anomaly, schema_feature: Feature | None) -> pa.ChunkedArray | None:
    """Boolean mask of the rows of ``table`` that cause ``a``; None when rows cannot show it.

    Null-valued masks are never returned (nulls are False). Date/timestamp columns compare with
    the schema range on their integer value, as the schema stores it.
    """
    if not supports_drilldown(a) or a.feature not in table.column_names:
        return None
    col = table.column(a.feature)
    t = a.type
    if t in _NULL_TYPES:
        return pc.fill_null(pc.is_null(col), True)
    if t == T.ENUM_TYPE_UNEXPECTED_STRING_VALUES:
        if schema_feature is None or not isinstance(schema_feature.domain, StringDomain):
            allowed = None
        else:
            allowed = pa.array(schema_feature.domain.values, pa.string())
        if allowed is None:  # fall back on the reported values
            bad = pa.array([str(v) for v, _ in a.details.get("unexpected", [])], pa.string())
            return _per_row(col, lambda x: pc.is_in(_text(x), value_set=bad))
        return _per_row(col, lambda x: pc.and_(pc.is_valid(x), pc.invert(pc.is_in(_text(x), value_set=allowed))))
    if t == T.CATEGORY_VARIANTS:
        bad = pa.array(_variant_values(a, schema_feature), pa.string())
        return _per_row(col, lambda x: pc.is_in(_text(x), value_set=bad))
    if t in RANGE_TYPES:
        big = t in (T.INT_TYPE_BIG_INT, T.FLOAT_TYPE_BIG_FLOAT)
        bound = _bound(a, schema_feature, big)
        if bound is None:
            return None

        def outside(x: pa.Array) -> pa.Array:
            if not (pa.types.is_integer(x.type) or pa.types.is_floating(x.type) or pa.types.is_temporal(x.type)
                    or pa.types.is_boolean(x.type)):
                return pa.array([False] * len(x), pa.bool_())
            n = _as_number(x)
            return pc.greater(n, bound) if big else pc.less(n, bound)

        return _per_row(col, outside)
    if t == T.FLOAT_TYPE_HAS_NAN:
        return _per_row(col, lambda x: pc.is_nan(x) if _is_float(x) else pa.array([False] * len(x)))
    if t == T.FLOAT_TYPE_HAS_INF:
        return _per_row(col, lambda x: pc.is_inf(x) if _is_float(x) else pa.array([False] * len(x)))
    if t == T.ZERO_AS_MISSING_MARKER:
        return _per_row(col, lambda x: pc.equal(x, 0) if pa.types.is_integer(x.type) or _is_float(x)
                        else pa.array([False] * len(x)))
    if t == T.UNEXPECTED_DATA_TYPE:
        expected = str(a.details.get("expected_type", a.expected))

        def wrong(x: pa.Array) -> pa.Array:
            if (pa.types.is_string(x.type) or pa.types.is_large_string(x.type)) and expected in ("INT", "FLOAT"):
                return pc.and_(pc.is_valid(x), pc.invert(pc.match_substring_regex(x, _NUMERIC_TEXT)))
            if _is_float(x) and expected == "INT":
                finite = pc.is_finite(x)
                return pc.or_(pc.invert(finite), pc.not_equal(x, pc.floor(x)))
            return pc.is_valid(x)

        return _per_row(col, wrong)
    return None


def _text(x: pa.Array) -> pa.Array:
    if pa.types.is_string(x.type) or pa.types.is_large_string(x.type):
        return x
    try:
        return x.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([None] * len(x), pa.string())


def _bound(a: Anomaly, f: Feature | None, big: bool) -> float | None:
    if f is not None and isinstance(f.domain, IntDomain | FloatDomain):
        b = f.domain.max if big else f.domain.min
        if b is not None:
            return float(b)
    return float(a.expected) if _finite(a.expected) else None


@dataclass(frozen=True)
class DrillDown:
    """The rows of a dataset that cause an anomaly: how many, and the first ones."""

    count: int
    rows: pa.Table


def drilldown(table: pa.Table, a: Anomaly, schema_feature: Feature | None, *, limit: int = 20) -> DrillDown | None:
    """How many rows of ``table`` cause ``a``, and the first ``limit`` of them with their position as ``row``.

    THE function that produces drill-down rows (the dashboard shows what it returns). The
    anomaly's column comes first (after ``row``), then the others in table order. None when rows
    cannot show the anomaly (see :func:`supports_drilldown`).
    """
    mask = drilldown_mask(table, a, schema_feature)
    if mask is None:
        return None
    flat = mask.combine_chunks() if isinstance(mask, pa.ChunkedArray) else mask
    count = int(pc.sum(pc.cast(flat, pa.int64())).as_py() or 0)
    idx = pc.indices_nonzero(flat).slice(0, limit)
    rows = table.take(idx)
    names = [a.feature] + [n for n in table.column_names if n != a.feature] if a.feature else table.column_names
    rows = rows.select(names)
    name = ROW_COLUMN
    while name in rows.column_names:
        name = "_" + name
    return DrillDown(count, rows.add_column(0, name, idx.cast(pa.int64())))


def drilldown_rows(table: pa.Table, a: Anomaly, schema_feature: Feature | None, *, limit: int = 20) -> pa.Table:
    """The rows of :func:`drilldown` (an empty table when rows cannot show ``a``)."""
    found = drilldown(table, a, schema_feature, limit=limit)
    return found.rows if found is not None else table.schema.empty_table()


def drilldown_count(table: pa.Table, a: Anomaly, schema_feature: Feature | None) -> int | None:
    """The count of :func:`drilldown` (None when rows cannot show ``a``)."""
    found = drilldown(table, a, schema_feature, limit=0)
    return found.count if found is not None else None


