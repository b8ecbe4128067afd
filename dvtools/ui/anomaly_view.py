"""Pure helpers for the Anomalies and Skew & drift pages: tables, filters, drill-down, verdicts.

No Streamlit here: anomalies and comparisons in, DataFrames / Arrow tables / plain values out.

* Anomalies: :func:`anomaly_rows` (one table row each), :func:`count_summary`,
  :func:`filter_anomalies`, :func:`anomaly_key` (stable widget keys), :func:`details_items` and
  :func:`details_tables` (the numbers behind an anomaly), :func:`acceptable` (whether
  :func:`~dvtools.validation.accept.accept_anomaly` can apply).
* Drill-down: :func:`drilldown_mask` / :func:`drilldown_rows`, the rows of the current data that
  cause a value anomaly, filtered with pyarrow compute.
* Drift: :func:`drift_table` lays out the engine's verdicts (nothing is re-decided here); the
  threshold helpers (:func:`with_method`, :func:`with_method_threshold`, :func:`with_compare`)
  change the session's :class:`Thresholds`, the engine's global and per-feature layers.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dvtools.schema.model import Feature, FeatureType, FloatDomain, IntDomain, Schema, StringDomain
from dvtools.ui.format import human_number, human_percent
from dvtools.validation.anomalies import Anomaly, AnomalyType, Severity
from dvtools.validation.thresholds import FeatureThresholds, Thresholds

T = AnomalyType

__all__ = [
    "DRILLDOWN_TYPES",
    "acceptable",
    "anomaly_key",
    "anomaly_rows",
    "count_summary",
    "details_items",
    "details_tables",
    "drift_table",
    "effective_method",
    "effective_threshold",
    "drilldown_mask",
    "drilldown_rows",
    "filter_anomalies",
    "format_value",
    "concept_frame",
    "label_frame",
    "overrides_frame",
    "skew_frame",
    "skew_samples",
    "timeline_series",
    "supports_drilldown",
    "with_compare",
    "with_globals",
    "with_method",
    "with_method_threshold",
    "with_override",
    "without_override",
]

# ---- anomalies as rows -------------------------------------------------------------------------

DATASET_LABEL = "(dataset)"


def format_value(v: Any) -> str:
    """An observed/expected value as short text (numbers compact, None as '–')."""
    if v is None:
        return "–"
    if isinstance(v, bool | str):
        return str(v)
    if isinstance(v, int | float):
        return human_number(v)
    return str(v)


def anomaly_key(a: Anomaly) -> str:
    """A widget key stable across reruns: ``accept:<TYPE>:<feature>`` (the feature may be empty)."""
    return f"accept:{a.type.value}:{a.feature if a.feature is not None else ''}"


def _details_text(d: dict[str, Any], limit: int = 200) -> str:
    try:
        s = json.dumps(d, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        s = str(d)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def anomaly_rows(anomalies: Sequence[Anomaly]) -> pd.DataFrame:
    """One row per anomaly: index, severity, feature, type, description, observed, expected, details.

    Every cell is text except ``index`` (position in ``anomalies``), so names and values from the
    data always show literally.
    """
    rows = [{
        "index": i,
        "severity": a.severity.value,
        "feature": a.feature if a.feature is not None else DATASET_LABEL,
        "type": a.type.value,
        "description": a.description,
        "observed": format_value(a.observed),
        "expected": format_value(a.expected),
        "details": _details_text(a.details),
    } for i, a in enumerate(anomalies)]
    cols = ["index", "severity", "feature", "type", "description", "observed", "expected", "details"]
    return pd.DataFrame(rows, columns=cols)


def count_summary(anomalies: Sequence[Anomaly]) -> dict[str, Any]:
    """``{"total", "errors", "warnings", "features", "by_type": {type: n}}`` (types by count)."""
    by_type = Counter(a.type.value for a in anomalies)
    return {
        "total": len(anomalies),
        "errors": sum(a.severity == Severity.ERROR for a in anomalies),
        "warnings": sum(a.severity == Severity.WARNING for a in anomalies),
        "features": len({a.feature for a in anomalies if a.feature is not None}),
        "by_type": dict(by_type.most_common()),
    }


def filter_anomalies(anomalies: Sequence[Anomaly], *, severities: Iterable[str] | None = None,
                     types: Iterable[str] | None = None,
                     features: Iterable[str] | None = None) -> list[tuple[int, Anomaly]]:
    """``(index, anomaly)`` pairs matching every given filter (empty or None = no filter).

    ``features`` uses :data:`DATASET_LABEL` for dataset-level anomalies.
    """
    sev = {str(s) for s in severities or ()}
    typ = {str(t) for t in types or ()}
    feat = {str(f) for f in features or ()}
    out = []
    for i, a in enumerate(anomalies):
        if sev and a.severity.value not in sev:
            continue
        if typ and a.type.value not in typ:
            continue
        if feat and (a.feature if a.feature is not None else DATASET_LABEL) not in feat:
            continue
        out.append((i, a))
    return out


_SHARE_KEYS = {"share", "reference_zero_share", "missing_share", "reference_missing_share", "rise",
               "tolerance", "new_categories_share", "share_outside_reference_range", "numeric_like_share"}


def details_items(a: Anomaly) -> list[tuple[str, str]]:
    """The scalar details as ``(name, text)``: shares as percentages, numbers compact."""
    out = []
    for k, v in a.details.items():
        if isinstance(v, list | tuple | dict):
            continue
        if k in _SHARE_KEYS and isinstance(v, int | float) and not isinstance(v, bool):
            out.append((k, human_percent(v, 2)))
        else:
            out.append((k, format_value(v)))
    return out


def _table_for(key: str, value: Any) -> pd.DataFrame | None:
    if key == "unexpected":
        return pd.DataFrame([(str(v), int(c)) for v, c in value], columns=["value", "count"])
    if key == "largest_changes":
        return pd.DataFrame([(str(v), human_percent(r, 2), human_percent(c, 2)) for v, r, c in value],
                            columns=["category", "reference share", "current share"])
    if key == "groups":
        rows = [(str(g + 1), str(m.get("value")), int(m.get("count", 0)), bool(m.get("in_domain")))
                for g, members in enumerate(value) for m in members]
        return pd.DataFrame(rows, columns=["group", "value", "count", "in domain"])
    if key == "bins":
        return None  # shown with the counts
    if isinstance(value, list) and all(not isinstance(x, list | dict) for x in value):
        return pd.DataFrame({key: [format_value(x) for x in value]})
    return None


def details_tables(a: Anomaly) -> dict[str, pd.DataFrame]:
    """List-valued details as small tables (unexpected values, largest changes, variant groups, bins)."""
    d = a.details
    out: dict[str, pd.DataFrame] = {}
    if isinstance(d.get("bins"), list) and isinstance(d.get("reference_counts"), list) \
            and isinstance(d.get("current_counts"), list):
        bins, rc, cc = d["bins"], d["reference_counts"], d["current_counts"]
        tr, tc = sum(rc) or 1, sum(cc) or 1
        out["histogram"] = pd.DataFrame({
            "bin": [str(b) for b in bins],
            "reference share": [human_percent(x / tr, 2) for x in rc],
            "current share": [human_percent(x / tc, 2) for x in cc],
        })
    for k, v in d.items():
        if k in ("bins", "reference_counts", "current_counts") and "histogram" in out:
            continue
        if isinstance(v, list) and v:
            try:
                t = _table_for(k, v)
            except (TypeError, ValueError):
                t = None
            if t is not None:
                out[k] = t
    return out


# ---- thresholds --------------------------------------------------------------------------------


def with_globals(th: Thresholds, **values: Any) -> Thresholds:
    """A copy of ``th`` with global values replaced (per-feature overrides kept); checks the result."""
    base: dict[str, Any] = {"per_feature": dict(th.per_feature), "methods": dict(th.methods)}
    return dataclasses.replace(th, **(base | values))


def _opt_share(v: Any) -> float | None:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return float(v)


def with_override(th: Thresholds, feature: str, *, linf: Any = None, js: Any = None,
                  missing_share_tolerance: Any = None, range_tolerance: Any = None) -> Thresholds:
    """A copy of ``th`` where ``feature`` has these overrides (None = use the global value).

    All values None removes the feature's override. Raises UsageError on a value outside [0, 1].
    """
    old = th.per_feature.get(feature)
    ft = FeatureThresholds(_opt_share(linf), _opt_share(js), _opt_share(missing_share_tolerance),
                           _opt_share(range_tolerance), old.compare if old is not None else None)
    per = dict(th.per_feature)
    if ft == FeatureThresholds():
        per.pop(feature, None)
    else:
        ft.check(feature)
        per[feature] = ft
    return dataclasses.replace(th, per_feature=per)


def with_compare(th: Thresholds, feature: str, compare: bool | None) -> Thresholds:
    """A copy of ``th`` where ``feature`` is compared anyway (True), never (False) or by its role (None)."""
    per = dict(th.per_feature)
    old = per.get(feature) or FeatureThresholds()
    new = dataclasses.replace(old, compare=compare)
    if new == FeatureThresholds():
        per.pop(feature, None)
    else:
        per[feature] = new
    return dataclasses.replace(th, per_feature=per, methods=dict(th.methods))


def without_override(th: Thresholds, feature: str) -> Thresholds:
    """A copy of ``th`` without ``feature``'s override."""
    per = {k: v for k, v in th.per_feature.items() if k != feature}
    return dataclasses.replace(th, per_feature=per)


def overrides_frame(th: Thresholds) -> pd.DataFrame:
    """The per-feature overrides as a table (blank = global value)."""
    cols = ["feature", "linf", "js", "missing_share_tolerance", "range_tolerance", "compare"]
    return pd.DataFrame([[name, ft.linf, ft.js, ft.missing_share_tolerance, ft.range_tolerance,
                          "" if ft.compare is None else ("anyway" if ft.compare else "never")]
                         for name, ft in th.per_feature.items()], columns=cols)


# ---- accept ------------------------------------------------------------------------------------

_ALWAYS = frozenset({T.DATASET_LOW_NUM_EXAMPLES, T.COMPARATOR_LOW_NUM_EXAMPLES, T.COMPARATOR_HIGH_NUM_EXAMPLES})
_FEATURE_SIMPLE = frozenset({
    T.SCHEMA_MISSING_COLUMN, T.FEATURE_TYPE_NOT_PRESENT, T.FEATURE_TYPE_LOW_FRACTION_PRESENT,
    T.FEATURE_TYPE_LOW_NUMBER_PRESENT, T.FEATURE_TYPE_LOW_NUMBER_VALUES, T.FEATURE_TYPE_HIGH_NUMBER_VALUES,
    T.MISSING_SHARE_INCREASE, T.ZERO_AS_MISSING_MARKER, T.CONSTANT_COLUMN, T.ALL_NULL_COLUMN,
    T.CATEGORY_VARIANTS, T.DUPLICATE_IDENTIFIERS,
})
_RANGE = frozenset({T.INT_TYPE_BIG_INT, T.INT_TYPE_SMALL_INT, T.FLOAT_TYPE_BIG_FLOAT, T.FLOAT_TYPE_SMALL_FLOAT})


def acceptable(schema: Schema | None, a: Anomaly) -> bool:
    """Whether "Accept" can apply to ``a`` (a cheap check mirroring ``accept_anomaly``'s rules).

    The page still catches ``AnomalyNotAcceptable`` on click; this only decides whether a button
    is shown, without copying the schema once per anomaly.
    """
    if schema is None:
        return False
    if a.type in _ALWAYS:
        return a.observed is not None
    if a.type == T.SCHEMA_NEW_COLUMN:
        return a.feature is not None and a.feature not in schema
    if a.feature is None or a.feature not in schema:
        return False
    f = schema.feature(a.feature)
    if a.type in _FEATURE_SIMPLE:
        return True
    if a.type == T.ENUM_TYPE_UNEXPECTED_STRING_VALUES:
        return isinstance(f.domain, StringDomain)
    if a.type in _RANGE:
        return isinstance(f.domain, IntDomain | FloatDomain)
    if a.type in (T.FLOAT_TYPE_HAS_NAN, T.FLOAT_TYPE_HAS_INF):
        return isinstance(f.domain, FloatDomain)
    if a.type == T.UNEXPECTED_DATA_TYPE:
        if a.details.get("source") == "reference":
            return "accept_key" in a.details
        return str(a.observed) in {t.value for t in FeatureType}
    if a.type in (T.COMPARATOR_L_INFTY_HIGH, T.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH):
        return a.details.get("threshold_source") != "override" and _finite(a.observed)
    if a.type == T.DISTRIBUTION_DRIFT:
        value = a.details.get("tfdv_distance")
        return a.details.get("threshold_source") != "override" and _finite(value) and float(value) < 1
    return False


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


# ---- drill-down --------------------------------------------------------------------------------

_NULL_TYPES = frozenset({T.FEATURE_TYPE_NOT_PRESENT, T.FEATURE_TYPE_LOW_FRACTION_PRESENT,
                         T.FEATURE_TYPE_LOW_NUMBER_PRESENT, T.MISSING_SHARE_INCREASE, T.ALL_NULL_COLUMN})
DRILLDOWN_TYPES = frozenset({
    *_NULL_TYPES, *_RANGE, T.ENUM_TYPE_UNEXPECTED_STRING_VALUES, T.FLOAT_TYPE_HAS_NAN, T.FLOAT_TYPE_HAS_INF,
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
    if t in _RANGE:
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


def drilldown_rows(table: pa.Table, a: Anomaly, schema_feature: Feature | None, *, limit: int = 20) -> pa.Table:
    """The first ``limit`` rows of ``table`` that cause ``a``, with their position as ``row``.

    The anomaly's column comes first (after ``row``), then the others in table order. An anomaly
    rows cannot show (see :func:`supports_drilldown`) gives an empty table.
    """
    mask = drilldown_mask(table, a, schema_feature)
    if mask is None:
        return table.schema.empty_table().slice(0, 0)
    idx = pc.indices_nonzero(mask.combine_chunks() if isinstance(mask, pa.ChunkedArray) else mask)
    idx = idx.slice(0, limit)
    rows = table.take(idx)
    names = [a.feature] + [n for n in table.column_names if n != a.feature] if a.feature else table.column_names
    rows = rows.select(names)
    name = ROW_COLUMN
    while name in rows.column_names:
        name = "_" + name
    return rows.add_column(0, name, idx.cast(pa.int64()))


def drilldown_count(table: pa.Table, a: Anomaly, schema_feature: Feature | None) -> int | None:
    """How many rows of ``table`` cause ``a`` (None when rows cannot show it)."""
    mask = drilldown_mask(table, a, schema_feature)
    if mask is None:
        return None
    return int(pc.sum(pc.cast(mask, pa.int64())).as_py() or 0)


# ---- drift -------------------------------------------------------------------------------------
# Nothing here decides a verdict: the engine (compare_statistics via ui.cache.comparison_for) did,
# with the session's thresholds; these helpers only lay its results out.

#: Statistics that can exceed 1 (the other distances are bounded in [0, 1]).
UNBOUNDED_METHODS = frozenset({"psi", "normalized_wasserstein", "wasserstein", "chi_square"})
#: Methods offered per kind for "decide by" (raw Wasserstein is in the feature's units: not offered).
KIND_METHODS = {
    "categorical": ("l_infinity", "jensen_shannon_distance", "jensen_shannon_divergence", "psi", "hellinger",
                    "chi_square"),
    "numeric": ("normalized_wasserstein", "jensen_shannon_distance", "jensen_shannon_divergence", "psi", "hellinger",
                "ks"),
}


@dataclasses.dataclass(frozen=True)
class SliderRange:
    """The threshold slider's bounds, step and number format."""

    low: float
    high: float
    step: float
    format: str

    def clamp(self, value: float) -> float:
        """``value`` moved into the range (NaN: the low end)."""
        return self.low if math.isnan(value) else min(self.high, max(self.low, float(value)))


def slider_range(method: str, observed: Iterable[float] = ()) -> SliderRange:
    """Where a threshold of ``method`` can go.

    p-values (KS, chi-square): 0.0005 to 0.2 in steps of 0.0005; distances bounded in [0, 1]
    (L-infinity, Jensen-Shannon, Hellinger): 0 to 1; PSI and normalized Wasserstein, which can
    exceed 1: 0 to the larger of 2 and 1.2 times the largest ``observed`` value.
    """
    from dvtools.comparison.comparators import TEST_METHODS

    if method in TEST_METHODS:
        return SliderRange(0.0005, 0.2, 0.0005, "%.4f")
    if method not in UNBOUNDED_METHODS:
        return SliderRange(0.0, 1.0, 0.005, "%.3f")
    finite = [float(v) for v in observed if v is not None and math.isfinite(float(v))]
    high = max(2.0, 1.2 * max(finite, default=0.0))
    step = 0.005 if high <= 2.0 else float(f"{high / 400:.1g}")
    return SliderRange(0.0, math.ceil(high / step) * step, step, "%.3f" if step < 0.01 else "%.2f")


def effective_method(th: Thresholds, kind: str, reference_rows: int) -> str:
    """The method deciding features of ``kind`` without a schema comparator or override (policy or global)."""
    from dvtools.comparison.comparators import Layers, resolve_spec

    opts = th.comparison_options()
    layers = Layers(policy=opts["policy"], thresholds=opts["thresholds"],
                    categorical_method=opts["categorical_method"], numeric_method=opts["numeric_method"])
    return resolve_spec("", kind, reference_rows, layers).method


def effective_threshold(th: Thresholds, kind: str, reference_rows: int) -> float:
    """The threshold of :func:`effective_method` (policy or global layer)."""
    from dvtools.comparison.comparators import Layers, resolve_spec

    opts = th.comparison_options()
    layers = Layers(policy=opts["policy"], thresholds=opts["thresholds"],
                    categorical_method=opts["categorical_method"], numeric_method=opts["numeric_method"])
    return resolve_spec("", kind, reference_rows, layers).threshold


def with_method(th: Thresholds, kind: str, method: str | None) -> Thresholds:
    """A copy of ``th`` where ``kind`` features are decided by ``method`` (None: the policy's)."""
    key = "categorical_method" if kind == "categorical" else "numeric_method"
    kw: dict[str, Any] = {key: method}
    if kind == "categorical":
        kw["linf"] = None
    else:
        kw["js"] = None
    return with_globals(th, **kw)


def with_method_threshold(th: Thresholds, method: str, value: float) -> Thresholds:
    """A copy of ``th`` with the global threshold of ``method`` set to ``value``."""
    methods = dict(th.methods)
    methods[method] = float(value)
    return with_globals(th, methods=methods)


def past_threshold(method: str, statistic: float, threshold: float) -> float:
    """How far a statistic is from its threshold as a ratio, >= 1 meaning past it.

    Distances: ``statistic / threshold``; tests: ``threshold / p``. NaN when undefined.
    """
    from dvtools.comparison.comparators import TEST_METHODS

    if statistic is None or threshold is None or math.isnan(statistic) or math.isnan(threshold):
        return math.nan
    if method in TEST_METHODS:
        return math.inf if statistic == 0 else threshold / statistic
    if threshold == 0:
        return math.inf if statistic > 0 else 0.0
    return statistic / threshold


def drift_table(comparison: Any, *, exclude: Iterable[str] = ()) -> pd.DataFrame:
    """The engine's per-feature results as a table, drift first, then by how far past the threshold.

    Columns: feature, kind, method, statistic, threshold, threshold_source, verdict, past (see
    :func:`past_threshold`), then the findings and every distance of ``Comparison.to_frame``.
    ``exclude``: features left out.
    """
    base = comparison.to_frame()
    skip = set(exclude)
    base = base[~base["feature"].isin(skip)]
    past = [past_threshold(m, float(s), float(t)) for m, s, t in
            zip(base["method"], base["statistic"], base["threshold"], strict=True)]
    base = base.assign(past=past)
    first = ["feature", "kind", "method", "statistic", "threshold", "threshold_source", "verdict", "past"]
    out = base[first + [c for c in base.columns if c not in first]]
    rank = out["verdict"].map({"drift": 0, "possible drift": 1, "no drift": 2}).fillna(3)
    out = out.assign(_r=rank, _p=-out["past"].astype(float)).sort_values(["_r", "_p"], kind="stable",
                                                                          na_position="last")
    return out.drop(columns=["_r", "_p"]).reset_index(drop=True)


def not_compared_text(comparison: Any) -> str:
    """``"identifier: a, b; timestamp: t; key column: k"``: what the engine did not compare, by reason."""
    groups: dict[str, list[str]] = {}
    for name, why in comparison.not_compared.items():
        groups.setdefault(str(why), []).append(str(name))
    return "; ".join(f"{why}: {', '.join(names)}" for why, names in groups.items())


def feature_findings(fc: Any) -> list[tuple[str, str]]:
    """One feature's comparison findings as ``(what, text)``: missing share, categories, range."""
    out = [
        ("verdict", f"{fc.verdict.value} ({fc.primary_method} {human_number(fc.statistic)}, "
                    f"threshold {human_number(fc.threshold)} from the {fc.threshold_source})"),
        ("missing share", f"{human_percent(fc.missing_share_reference)} -> {human_percent(fc.missing_share_current)}"
                          f" ({'+' if fc.missing_share_change >= 0 else ''}{100 * fc.missing_share_change:.1f} points)"),
    ]
    if fc.num_new_categories:
        listed = ", ".join(repr(str(c.get("value"))) for c in fc.new_categories[:10])
        out.append(("new categories", f"{fc.num_new_categories} ({human_percent(fc.new_categories_share)} of "
                                      f"current values): {listed}"))
    if fc.num_vanished_categories:
        listed = ", ".join(repr(str(c.get("value"))) for c in fc.vanished_categories[:10])
        out.append(("vanished categories", f"{fc.num_vanished_categories} ({human_percent(fc.vanished_categories_share)}"
                                           f" of reference values): {listed}"))
    oor = fc.out_of_range_share
    if oor is not None:
        out.append(("outside the reference range",
                    f"{human_percent(oor)} (below {human_percent(fc.below_range_share)}, "
                    f"above {human_percent(fc.above_range_share)})"))
    for n in fc.notes:
        out.append(("note", str(n)))
    return out


# ---- feature skew, concept shift, timeline ----------------------------------------------------


def skew_frame(result: Any) -> pd.DataFrame:
    """Per-feature mismatches of a feature-skew result, most mismatched first."""
    df = result.to_frame()
    return df.sort_values(["mismatch_share", "feature"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _cell(v: Any) -> str:
    if v is None:
        return "(null)"
    if isinstance(v, float):
        return human_number(v, 6)
    return str(v)


def skew_samples(result: Any, feature: str) -> pd.DataFrame:
    """Sample mismatching pairs of ``feature``: key columns, training value, serving value (as text)."""
    fs = result[feature]
    keys = list(result.key)
    rows = []
    for smp in fs.samples:
        k = smp.get("key", {})
        rows.append([_cell(k.get(c)) for c in keys] + [_cell(smp.get("reference")), _cell(smp.get("current"))])
    cols = [*keys, "training (reference)", "serving (current)"]
    seen: dict[str, int] = {}
    unique = []
    for c in cols:  # a key column named like a value column stays distinct
        n = seen.get(c, 0)
        seen[c] = n + 1
        unique.append(c if n == 0 else f"{c} ({n + 1})")
    return pd.DataFrame(rows, columns=unique)


def label_frame(result: Any) -> pd.DataFrame:
    """The label's class shares in both datasets (classes as text)."""
    classes = list(dict.fromkeys([*result.label_reference, *result.label_current]))
    return pd.DataFrame({
        "class": [str(c) for c in classes],
        "training": [human_percent(result.label_reference.get(c, 0.0), 2) for c in classes],
        "serving": [human_percent(result.label_current.get(c, 0.0), 2) for c in classes],
    })


def concept_frame(result: Any) -> pd.DataFrame:
    """Per-feature covariate/concept verdicts, concept and both first."""
    df = result.to_frame()
    rank = {"both": 0, "concept shift": 1, "covariate shift": 2, "none": 3}
    order = df["verdict"].map(lambda v: rank.get(str(v), 4))
    df = df.assign(_o=order).sort_values(["_o", "max_shift"], ascending=[True, False], kind="stable")
    first = ["feature", "verdict", "covariate_shift", "max_shift", "max_shift_bucket", "max_shift_class",
             "max_shift_reference", "max_shift_current"]
    df = df.drop(columns="_o")
    for c in ("max_shift_bucket", "max_shift_class"):
        df[c] = df[c].map(lambda v: "" if v is None else str(v))
    return df[first + [c for c in df.columns if c not in first]].reset_index(drop=True)


def timeline_series(result: Any, *, limit: int = 8) -> tuple[list[str], dict[str, list[float | None]], float | None]:
    """``(spans, feature -> distance to the reference per span, threshold)`` for the most drifted features."""
    t = result.table
    if t is None or t.empty:
        return [], {}, None
    spans = [str(s) for s in result.spans]
    peak = t.groupby("feature", sort=False)["distance_to_reference"].max().dropna()
    top = peak.sort_values(ascending=False, kind="stable").index[:limit]
    series: dict[str, list[float | None]] = {}
    for f in top:
        sub = t[t["feature"] == f].set_index("span")["distance_to_reference"]
        series[str(f)] = [None if s not in sub.index or pd.isna(sub[s]) else float(sub[s]) for s in result.spans]
    thr = t.loc[t["feature"].isin(top), "threshold"].dropna()
    return spans, series, float(thr.iloc[0]) if len(thr) and thr.nunique() == 1 else None
