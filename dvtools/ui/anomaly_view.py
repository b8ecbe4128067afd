"""Pure helpers for the Anomalies page and the threshold controls: tables, filters, accept, thresholds.

No Streamlit here: anomalies and thresholds in, DataFrames and plain values out.

* Anomalies: :func:`anomaly_rows` (one table row each), :func:`count_summary`,
  :func:`filter_anomalies`, :func:`anomaly_key` (stable widget keys), :func:`details_items` and
  :func:`details_tables` (the numbers behind an anomaly), :func:`acceptable` (whether
  :func:`~dvtools.validation.accept.accept_anomaly` can apply).
* Thresholds: :func:`with_globals`, :func:`with_override`, :func:`with_method`,
  :func:`with_method_threshold`, :func:`with_compare` change the session's :class:`Thresholds`
  (the engine's global and per-feature layers); :func:`slider_range` bounds their widgets.

Drill-down to rows is the library's (:mod:`dvtools.validation.drilldown`); the drift, skew,
concept-shift and timeline frames are :mod:`dvtools.ui.drift_view`'s.
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

from dvtools.schema.model import FeatureType, FloatDomain, IntDomain, Schema, StringDomain
from dvtools.ui.format import human_number, human_percent
from dvtools.validation.anomalies import Anomaly, AnomalyType, Severity
from dvtools.validation.drilldown import RANGE_TYPES
from dvtools.validation.thresholds import FeatureThresholds, Thresholds

T = AnomalyType

__all__ = [
    "acceptable",
    "anomaly_key",
    "anomaly_records",
    "anomaly_rows",
    "anomaly_table",
    "count_summary",
    "details_items",
    "details_tables",
    "effective_method",
    "effective_threshold",
    "filter_anomalies",
    "format_value",
    "summary_line",
    "overrides_frame",
    "slider_range",
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


ROW_COLUMNS = ("index", "severity", "feature", "type", "description", "observed", "expected", "details")


def anomaly_records(anomalies: Sequence[Anomaly]) -> list[dict[str, Any]]:
    """:func:`anomaly_rows` as plain dictionaries (one per anomaly, keys :data:`ROW_COLUMNS`)."""
    return [{
        "index": i,
        "severity": a.severity.value,
        "feature": a.feature if a.feature is not None else DATASET_LABEL,
        "type": a.type.value,
        "description": a.description,
        "observed": format_value(a.observed),
        "expected": format_value(a.expected),
        "details": _details_text(a.details),
    } for i, a in enumerate(anomalies)]


def anomaly_table(anomalies: Sequence[Anomaly]) -> pa.Table:
    """:func:`anomaly_rows` without ``index``, as the Arrow table the page shows (every cell text)."""
    records = anomaly_records(anomalies)
    return pa.table({c: pa.array([r[c] for r in records], type=pa.string()) for c in ROW_COLUMNS if c != "index"})


def anomaly_rows(anomalies: Sequence[Anomaly]) -> pd.DataFrame:
    """One row per anomaly: index, severity, feature, type, description, observed, expected, details.

    Every cell is text except ``index`` (position in ``anomalies``), so names and values from the
    data always show literally.
    """
    return pd.DataFrame(anomaly_records(anomalies), columns=list(ROW_COLUMNS))


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


def summary_line(summary: dict[str, Any]) -> str:
    """:func:`count_summary` in words: ``12 errors · 14 warnings · 9 features affected``."""
    from dvtools.ui.format import plural

    return (f"{plural(summary['errors'], 'error')} · {plural(summary['warnings'], 'warning')} · "
            f"{plural(summary['features'], 'feature')} affected")


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


def _table_for(key: str, value: Any, names: tuple[str, str]) -> pd.DataFrame | None:
    if key == "unexpected":
        return pd.DataFrame([(str(v), int(c)) for v, c in value], columns=["value", "count"])
    if key == "largest_changes":
        return pd.DataFrame([(str(v), human_percent(r, 2), human_percent(c, 2)) for v, r, c in value],
                            columns=["category", f"{names[0]} share", f"{names[1]} share"])
    if key == "groups":
        rows = [(str(g + 1), str(m.get("value")), int(m.get("count", 0)), bool(m.get("in_domain")))
                for g, members in enumerate(value) for m in members]
        return pd.DataFrame(rows, columns=["group", "value", "count", "in domain"])
    if key == "bins":
        return None  # shown with the counts
    if isinstance(value, list) and all(not isinstance(x, list | dict) for x in value):
        return pd.DataFrame({key: [format_value(x) for x in value]})
    return None


def details_tables(a: Anomaly, names: tuple[str, str] = ("training", "serving")) -> dict[str, pd.DataFrame]:
    """List-valued details as small tables (unexpected values, largest changes, variant groups, bins).

    ``names``: the pair's datasets by role (``Pair.names``), for the share columns' headers.
    """
    d = a.details
    out: dict[str, pd.DataFrame] = {}
    if isinstance(d.get("bins"), list) and isinstance(d.get("reference_counts"), list) \
            and isinstance(d.get("current_counts"), list):
        bins, rc, cc = d["bins"], d["reference_counts"], d["current_counts"]
        tr, tc = sum(rc) or 1, sum(cc) or 1
        out["histogram"] = pd.DataFrame({
            "bin": [str(b) for b in bins],
            f"{names[0]} share": [human_percent(x / tr, 2) for x in rc],
            f"{names[1]} share": [human_percent(x / tc, 2) for x in cc],
        })
    for k, v in d.items():
        if k in ("bins", "reference_counts", "current_counts") and "histogram" in out:
            continue
        if isinstance(v, list) and v:
            try:
                t = _table_for(k, v, names)
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
    T.CATEGORY_VARIANTS, T.DUPLICATE_IDENTIFIERS, T.PII_DETECTED,
})
_RANGE = RANGE_TYPES


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

# ---- drift thresholds -------------------------------------------------------------------------------------
# Nothing here decides a verdict: the engine (compare_statistics via ui.cache.comparison_for) did,
# with the session's thresholds; these helpers only lay its results out.

#: Statistics that can exceed 1 (the other distances are bounded in [0, 1]).
UNBOUNDED_METHODS = frozenset({"psi", "normalized_wasserstein", "wasserstein", "chi_square"})
#: Methods offered per kind for "decide by" (raw Wasserstein is in the feature's units: not offered).
KIND_METHODS = {
    "categorical": ("l_infinity", "jensen_shannon_distance", "jensen_shannon_divergence", "psi", "hellinger",
                    "chi_square"),
    "numeric": ("jensen_shannon_distance", "normalized_wasserstein", "jensen_shannon_divergence", "psi", "hellinger",
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


# Compatibility: the Data page lists what was not compared with this helper.
from dvtools.ui.drift_view import not_compared_text  # noqa: E402, F401
