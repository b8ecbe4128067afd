"""The validation checks: one pure function per check, registered by name in :data:`CHECKS`.

Every check takes a :class:`CheckContext` (one feature, or the dataset when ``feature`` is None)
and returns a list of :class:`~dvtools.validation.anomalies.Anomaly`. Checks read statistics
only (never raw rows), recompute nothing expensive and keep no state, so
:func:`~dvtools.validation.validate.validate_statistics` can run them all for hundreds of
features in milliseconds.

Rules (severity in brackets):

* ``missing_column``: SCHEMA_MISSING_COLUMN [ERROR] a schema feature is not in the data.
* ``new_column``: SCHEMA_NEW_COLUMN [ERROR] a column of the data is not in the schema.
* ``presence``: FEATURE_TYPE_NOT_PRESENT [ERROR] the column exists, has rows, none with a value,
  and the schema requires presence (``required``, ``min_count > 0`` or ``min_fraction > 0``);
  otherwise FEATURE_TYPE_LOW_FRACTION_PRESENT [ERROR] present share < ``min_fraction`` and
  FEATURE_TYPE_LOW_NUMBER_PRESENT [ERROR] present count < ``min_count``.
* ``value_count``: FEATURE_TYPE_LOW/HIGH_NUMBER_VALUES [ERROR] list lengths outside
  ``value_count`` (a scalar column has 1 value per present example).
* ``string_domain``: ENUM_TYPE_UNEXPECTED_STRING_VALUES [ERROR] string values outside the
  string domain, checked against every distinct value while the value counts are exact (else
  against the frequent values only, which the description says).
* ``range``: INT_TYPE_BIG_INT / INT_TYPE_SMALL_INT (int domain), FLOAT_TYPE_BIG_FLOAT /
  FLOAT_TYPE_SMALL_FLOAT (float domain) [WARNING: ranges are usually inferred from training
  data, so they are soft] when the max (min) is beyond the domain and the share of values
  outside, estimated from the quantile sketch, is above ``range_tolerance`` (0: any value).
  Infinite values count as outside a finite bound (unless the domain disallows infinity:
  FLOAT_TYPE_HAS_INF reports them then).
* ``nan_inf``: FLOAT_TYPE_HAS_NAN / FLOAT_TYPE_HAS_INF [ERROR] NaN (inf) values while the float
  domain disallows them.
* ``data_type``: UNEXPECTED_DATA_TYPE: the data's type does not fit the schema's [ERROR]
  (compatibility: INT data fits FLOAT; BOOL data fits INT, since True/False are 1/0; INT data
  fits BOOL when all values are 0/1; STRING data fits BOOL when every value is one of the bool
  domain's spellings, or "true"/"false"; STRING and BYTES fit each other; all-null columns fit
  everything). With a reference, a change of type between reference and current is reported
  too: [ERROR] without a schema feature, [WARNING] when the schema accepts the current type.
* ``distribution``: with a reference, COMPARATOR_L_INFTY_HIGH [ERROR] for categorical features
  (STRING/BOOL data, or INT data of a categorical feature) and
  COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH [ERROR] for numeric ones, when the distance is
  strictly above the threshold (see :mod:`dvtools.validation.thresholds` for precedence).
* ``num_examples`` (dataset): DATASET_LOW_NUM_EXAMPLES [ERROR] fewer rows than
  ``min_examples_count``; COMPARATOR_LOW/HIGH_NUM_EXAMPLES [ERROR] current/reference row ratio
  below (above) the schema's drift comparator bound or ``Thresholds.min/max_examples_ratio``.
* ``missing_share`` (ours): MISSING_SHARE_INCREASE [WARNING] missing share rose by more than
  ``missing_share_tolerance`` (absolute) over the reference's.
* ``zero_as_missing`` (ours): ZERO_AS_MISSING_MARKER [WARNING] on numeric features. With a
  reference: the share of zeros rose by more than 10 points and more than 3x while the missing
  share did not rise by more than the tolerance. Without one: more than 10 % zeros, all nonzero
  values on one side of 0 (at least 10 of them), and a gap: the 1st percentile of the nonzero
  values' magnitudes is at least 20 % of their median (and, for ints, above 1, since counts
  0, 1, 2, ... have no gap).
* ``category_variants`` (ours): CATEGORY_VARIANTS [WARNING] current string values that are equal
  to each other or to domain values once case and surrounding whitespace are ignored (the
  definition of :func:`dvtools.statistics.quality.category_variants`).
* ``constant_column`` (ours): CONSTANT_COLUMN [WARNING] one distinct value (at least 2 present
  values) in current data while the reference had more.
* ``all_null_column`` (ours): ALL_NULL_COLUMN [ERROR] every current row is null while the
  reference had values or the schema requires the feature.
* ``pii`` (ours): PII_DETECTED [WARNING] the column is flagged as personal data
  (:func:`dvtools.privacy.pii_findings`: a detector matches at least 50 % of the non-missing
  values, or 10 % when the name hints it); names the detector, the share and a masked example.

Acceptance notes: a schema feature's ``notes`` entry ``"accept:<TYPE>"`` silences that anomaly
type for the feature (``Schema.notes`` for dataset-level ones); ``"accept:<TYPE>:<key>"``
silences only the anomaly whose ``details["accept_key"]`` is ``<key>`` (and, for
CATEGORY_VARIANTS, only the variant group with that key). :func:`accept_anomaly` writes them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dvtools.comparison.comparators import DriftVerdict, FeatureComparison
from dvtools.comparison.distances import normalize
from dvtools.defaults import DATASET_NAMES
from dvtools.schema.model import (
    BoolDomain,
    Feature,
    FeatureType,
    FloatDomain,
    IntDomain,
    Schema,
    StringDomain,
)
from dvtools.statistics.accumulators import looks_numeric
from dvtools.statistics.model import FeatureStatistics, LogicalType, NumericStatistics
from dvtools.statistics.quality import category_variants
from dvtools.validation.anomalies import Anomaly, Severity
from dvtools.validation.anomalies import AnomalyType as T
from dvtools.validation.thresholds import EffectiveThresholds

__all__ = [
    "ACCEPT_PREFIX",
    "CHECKS",
    "SUPERSEDES",
    "Check",
    "CheckContext",
    "accepted_notes",
    "register",
]

ERROR, WARNING = Severity.ERROR, Severity.WARNING
ACCEPT_PREFIX = "accept:"
MAX_LISTED_VALUES = 50  # values/groups kept in details
MAX_DESCRIBED_VALUES = 5  # values named in a description
_EPS = 1e-12

# ZERO_AS_MISSING_MARKER rule parameters (see the module docstring).
ZERO_SHARE_MIN = 0.10
ZERO_RISE_POINTS = 0.10
ZERO_RISE_FACTOR = 3.0
ZERO_GAP_RATIO = 0.20
ZERO_MIN_NONZERO = 10

_MAX_SCANNED = 20_000
_BOOL_SPELLINGS = frozenset({"true", "false"})


# --------------------------------------------------------------------------- context and registry


@dataclass(frozen=True)
class CheckContext:
    """Everything a check may read about one feature (or, with ``feature=None``, the dataset).

    ``current``/``reference`` are None when the feature is absent from that dataset;
    ``schema_feature`` is None for a column the schema does not list (or without a schema).
    ``reference_num_examples`` is None when no reference dataset was given.
    """

    feature: str | None
    current: FeatureStatistics | None = None
    schema_feature: Feature | None = None
    reference: FeatureStatistics | None = None
    environment: str | None = None
    thresholds: EffectiveThresholds = field(default_factory=EffectiveThresholds)
    num_examples: int = 0
    reference_num_examples: int | None = None
    comparator: Literal["drift", "skew"] = "drift"
    schema: Schema | None = None
    comparison: FeatureComparison | None = None
    """The engine's result for this feature (None: not compared, or no reference)."""
    compared: bool = True
    """False for identifiers and timestamps (by role, unless compared anyway): no range/domain checks."""
    pii: Any = None
    """This feature's :class:`~dvtools.privacy.PiiFinding` (:func:`~dvtools.privacy.pii_findings`), or None."""
    names: tuple[str, str] = DATASET_NAMES["drift"]
    """What descriptions call the reference and the current dataset: their roles (``training``, ``serving``)."""

    @property
    def reference_name(self) -> str:
        """The reference dataset as a user reads it (``training``)."""
        return self.names[0]

    @property
    def current_name(self) -> str:
        """The validated dataset as a user reads it (``serving`` or ``evaluation``)."""
        return self.names[1]

    def anomaly(self, type_: T, severity: Severity, description: str, observed: Any = None,
                expected: Any = None, **details: Any) -> Anomaly:
        """Build an anomaly about this context's feature."""
        return Anomaly(self.feature, type_, severity, description, observed, expected, details)


CheckFunction = Callable[[CheckContext], list[Anomaly]]


@dataclass(frozen=True)
class Check:
    """A registered check: its name, scope, the anomaly types it can report, and the function."""

    name: str
    scope: Literal["feature", "dataset"]
    types: tuple[T, ...]
    func: CheckFunction
    on_unknown_columns: bool = False  # also run on data columns the schema does not list

    def __call__(self, ctx: CheckContext) -> list[Anomaly]:
        """Run the check."""
        return self.func(ctx)


#: Registry: check name -> :class:`Check`, in registration (= report) order.
CHECKS: dict[str, Check] = {}

#: When the key type fires for a feature, the listed types are dropped for that feature (they
#: would repeat the same finding).
SUPERSEDES: dict[T, frozenset[T]] = {
    T.FEATURE_TYPE_NOT_PRESENT: frozenset({
        T.FEATURE_TYPE_LOW_FRACTION_PRESENT, T.FEATURE_TYPE_LOW_NUMBER_PRESENT,
        T.ALL_NULL_COLUMN, T.MISSING_SHARE_INCREASE,
    }),
    T.ALL_NULL_COLUMN: frozenset({T.MISSING_SHARE_INCREASE}),
    T.FEATURE_TYPE_LOW_FRACTION_PRESENT: frozenset({T.MISSING_SHARE_INCREASE}),
}


def register(name: str, *, types: Iterable[T], scope: Literal["feature", "dataset"] = "feature",
             on_unknown_columns: bool = False) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function under ``name``."""

    def deco(func: CheckFunction) -> CheckFunction:
        if name in CHECKS:
            raise ValueError(f"check {name!r} is already registered")
        CHECKS[name] = Check(name, scope, tuple(types), func, on_unknown_columns)
        return func

    return deco


def accepted_notes(notes: Iterable[str]) -> set[str]:
    """Return the ``"<TYPE>"`` and ``"<TYPE>:<key>"`` tokens of ``accept:`` notes."""
    return {n[len(ACCEPT_PREFIX):].strip() for n in notes if n.startswith(ACCEPT_PREFIX)}


def _accepted_keys(ctx: CheckContext, type_: T) -> set[str]:
    if ctx.schema_feature is None:
        return set()
    prefix = f"{type_.value}:"
    return {a[len(prefix):] for a in accepted_notes(ctx.schema_feature.notes) if a.startswith(prefix)}


# --------------------------------------------------------------------------- helpers


def _values_of(fs: FeatureStatistics) -> FeatureStatistics:
    """Return the statistics of the values: the flattened elements for a LIST feature."""
    return fs.value_view


def _dtype(fs: FeatureStatistics) -> LogicalType:
    return _values_of(fs).logical_type


def _is_list(fs: FeatureStatistics) -> bool:
    return fs.logical_type == LogicalType.LIST


def _num_values(vs: FeatureStatistics) -> int:
    """Count the present values (finite, NaN and inf for numbers)."""
    return vs.num_present


def _requires_presence(f: Feature) -> bool:
    p = f.presence
    return bool(f.required or (p.min_count or 0) > 0 or (p.min_fraction or 0) > 0)


def _num(x: float | int | None) -> str:
    """Format a number for a description: integral values without decimals, else 6 significant digits."""
    if x is None:
        return "none"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int | np.integer):
        return str(int(x))
    x = float(x)
    if math.isfinite(x) and x == int(x) and abs(x) <= 2**53:
        return str(int(x))
    return f"{x:.6g}"


_TIME_TYPE = re.compile(r"^(timestamp|date32|date64)\[(\w+)")
_NUMPY_UNIT = {"s": "s", "ms": "ms", "us": "us", "ns": "ns", "day": "D"}


def _value(x: float | int | None, fs: FeatureStatistics) -> str:
    """Format a value of ``fs``: timestamps and dates as ISO dates (they are stored as integers)."""
    m = _TIME_TYPE.match(fs.numeric_type) if fs.logical_type == LogicalType.TIMESTAMP else None
    if m is None or x is None or not math.isfinite(float(x)) or m.group(2) not in _NUMPY_UNIT:
        return _num(x)
    try:
        text = str(np.datetime64(int(round(float(x))), _NUMPY_UNIT[m.group(2)]).astype("datetime64[s]"))
    except (OverflowError, ValueError):
        return _num(x)
    return text[:-9] if text.endswith("T00:00:00") else text


def _count(n: float | int) -> str:
    return f"{int(round(n)):,}"


def _pct(x: float, digits: int = 1) -> str:
    """Format a share as a percentage; a tiny nonzero share keeps 2 significant digits."""
    if x != 0 and abs(100 * x) < 0.5 * 10 ** -digits:
        return f"{100 * x:.2g}%"
    return f"{100 * x:.{digits}f}%"


def _pcts(a: float, b: float) -> tuple[str, str]:
    """Format two percentages with enough digits to show that they differ."""
    for d in range(1, 7):
        sa, sb = _pct(a, d), _pct(b, d)
        if sa != sb or a == b:
            return sa, sb
    return _pct(a, 6), _pct(b, 6)


def _dist(a: float, b: float) -> tuple[str, str]:
    """Format a distance and its threshold with enough digits to show that they differ."""
    for d in range(3, 10):
        sa, sb = f"{a:.{d}f}", f"{b:.{d}f}"
        if sa != sb or a == b:
            return sa, sb
    return repr(a), repr(b)


def _val(v: Any) -> str:
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, bytes):
        return repr(v.decode("utf-8", "replace"))
    return str(v)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _listing(pairs: list[tuple[Any, int]], total_distinct: int) -> str:
    shown = ", ".join(f"{_val(v)} ({_count(c)})" for v, c in pairs[:MAX_DESCRIBED_VALUES])
    more = total_distinct - min(len(pairs), MAX_DESCRIBED_VALUES)
    return shown + (f", ... and {more:,} more" if more > 0 else "")


# --------------------------------------------------------------------------- schema-shape checks


@register("missing_column", types=(T.SCHEMA_MISSING_COLUMN,))
def check_missing_column(ctx: CheckContext) -> list[Anomaly]:
    """SCHEMA_MISSING_COLUMN: a schema feature (not deprecated, in this environment) is absent."""
    f = ctx.schema_feature
    if f is None or ctx.current is not None:
        return []
    env = f" (environment {ctx.environment})" if ctx.environment else ""
    return [ctx.anomaly(
        T.SCHEMA_MISSING_COLUMN, ERROR,
        f"column is in the schema{env} but not in the data",
        observed="absent", expected="present", expected_type=f.type.value,
    )]


@register("new_column", types=(T.SCHEMA_NEW_COLUMN,), on_unknown_columns=True)
def check_new_column(ctx: CheckContext) -> list[Anomaly]:
    """SCHEMA_NEW_COLUMN: a data column the schema does not list."""
    cur = ctx.current
    if ctx.schema is None or ctx.schema_feature is not None or cur is None:
        return []
    return [ctx.anomaly(
        T.SCHEMA_NEW_COLUMN, ERROR,
        f"column is in the data but not in the schema ({_dtype(cur).value}, "
        f"{_pct(cur.missing_fraction)} missing)",
        observed="present", expected="absent", observed_type=_dtype(cur).value,
    )]


@register("presence", types=(T.FEATURE_TYPE_NOT_PRESENT, T.FEATURE_TYPE_LOW_FRACTION_PRESENT,
                             T.FEATURE_TYPE_LOW_NUMBER_PRESENT))
def check_presence(ctx: CheckContext) -> list[Anomaly]:
    """Presence: no value at all, too small a present share, too few present examples."""
    f, cur = ctx.schema_feature, ctx.current
    if f is None or cur is None:
        return []
    p = f.presence
    if cur.count > 0 and cur.num_present == 0 and _requires_presence(f):
        return [ctx.anomaly(
            T.FEATURE_TYPE_NOT_PRESENT, ERROR,
            f"no example has a value (all {_count(cur.count)} are missing) "
            "but the schema requires the feature",
            observed=0, expected=p.min_count if p.min_count else 1, count=cur.count,
        )]
    out = []
    if p.min_fraction is not None and cur.count > 0:
        frac = cur.num_present / cur.count
        if frac < p.min_fraction - _EPS:
            a, b = _pcts(frac, p.min_fraction)
            out.append(ctx.anomaly(
                T.FEATURE_TYPE_LOW_FRACTION_PRESENT, ERROR,
                f"present in {a} of examples ({_count(cur.num_present)} of {_count(cur.count)}), "
                f"below the required {b}",
                observed=frac, expected=p.min_fraction, num_present=cur.num_present, count=cur.count,
            ))
    if p.min_count is not None and cur.num_present < p.min_count:
        out.append(ctx.anomaly(
            T.FEATURE_TYPE_LOW_NUMBER_PRESENT, ERROR,
            f"present in {_plural(cur.num_present, 'example')}, fewer than the required {p.min_count:,}",
            observed=cur.num_present, expected=p.min_count, count=cur.count,
        ))
    return out


@register("value_count", types=(T.FEATURE_TYPE_LOW_NUMBER_VALUES, T.FEATURE_TYPE_HIGH_NUMBER_VALUES))
def check_value_count(ctx: CheckContext) -> list[Anomaly]:
    """Check the number of values per example against the schema's ``value_count``."""
    f, cur = ctx.schema_feature, ctx.current
    if f is None or cur is None or f.value_count is None:
        return []
    vc = f.value_count
    ll = cur.list_lengths if _is_list(cur) else None
    if ll is not None and ll.num_finite > 0:
        lo, hi, sketch = ll.min, ll.max, ll.sketch
    elif not _is_list(cur) and cur.logical_type != LogicalType.NULL and cur.num_present > 0:
        lo = hi = 1.0
        sketch = None
    else:
        return []
    out = []
    approx = "" if sketch is None or sketch.is_exact else "~"
    if vc.min is not None and lo < vc.min:
        share = float(sketch.cdf([vc.min], inclusive=False)[0]) if sketch is not None else 1.0
        out.append(ctx.anomaly(
            T.FEATURE_TYPE_LOW_NUMBER_VALUES, ERROR,
            f"some examples have {_num(lo)} values, fewer than the required minimum {vc.min} "
            f"({approx}{_pct(share)} of examples with a value)",
            observed=_num_or_int(lo), expected=vc.min, share=share,
        ))
    if vc.max is not None and hi > vc.max:
        share = 1.0 - float(sketch.cdf([vc.max], inclusive=True)[0]) if sketch is not None else 1.0
        out.append(ctx.anomaly(
            T.FEATURE_TYPE_HIGH_NUMBER_VALUES, ERROR,
            f"some examples have {_num(hi)} values, more than the allowed maximum {vc.max} "
            f"({approx}{_pct(share)} of examples with a value)",
            observed=_num_or_int(hi), expected=vc.max, share=share,
        ))
    return out


def _num_or_int(x: float) -> float | int:
    return int(x) if math.isfinite(x) and x == int(x) else x


# --------------------------------------------------------------------------- domains


@register("string_domain", types=(T.ENUM_TYPE_UNEXPECTED_STRING_VALUES,))
def check_string_domain(ctx: CheckContext) -> list[Anomaly]:
    """Find string values outside the schema's string domain (all distinct values while exact)."""
    f, cur = ctx.schema_feature, ctx.current
    if f is None or cur is None or not isinstance(f.domain, StringDomain) or not ctx.compared:
        return []
    vs = _values_of(cur)
    if vs.logical_type != LogicalType.STRING or vs.values is None:
        return []
    allowed = set(f.domain.values)
    unexpected = [(v, c) for v, c in zip(vs.values.values, vs.values.counts, strict=True) if v not in allowed]
    if not unexpected:
        return []
    # ValueCounts lists values by count descending then value: keep that order.
    total = sum(c for _, c in unexpected)
    if _is_list(cur):
        unit, denom = "values", max(_num_values(vs), 1)
    else:
        unit, denom = "examples", max(cur.count, 1)
    share = total / denom
    exact = vs.values.exact
    desc = (
        f"{_plural(len(unexpected), 'unexpected value')} ({_pct(share)} of {unit}): "
        f"{_listing(unexpected, len(unexpected))}"
    )
    if not exact:
        desc += (
            " (too many distinct values to count them all: only the frequent ones were checked, "
            "rare unexpected values may be missed)"
        )
    return [ctx.anomaly(
        T.ENUM_TYPE_UNEXPECTED_STRING_VALUES, ERROR, desc,
        observed=len(unexpected), expected=0,
        unexpected=[[v, c] for v, c in unexpected[:MAX_LISTED_VALUES]],
        num_unexpected_values=len(unexpected), num_unexpected=total, share=share,
        truncated=len(unexpected) > MAX_LISTED_VALUES, exact=exact, domain_size=len(allowed),
    )]


def _as_float(x: float | int) -> float:
    """``x`` as the nearest float64 (+/-inf beyond the float range)."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def _beyond(x: float | int, bound: float | int, side: str) -> bool:
    """Whether ``x`` is above a max (``side="max"``) or below a min.

    Exactly when both are ints (INT statistics keep exact int extremes), else in float64 (the bound
    rounded as the statistics were).
    """
    if isinstance(x, int) and isinstance(bound, int):
        return x > bound if side == "max" else x < bound
    fx, fb = _as_float(x), _as_float(bound)
    return fx > fb if side == "max" else fx < fb


def _rank(ns: NumericStatistics, x: float, *, inclusive: bool) -> float:
    """Count the finite values <= x (< x when not inclusive): exact while the sketch is."""
    r = float(ns.sketch.cdf([x], inclusive=inclusive)[0]) * ns.num_finite
    return float(round(r)) if ns.sketch.is_exact else r


@register("range", types=(T.INT_TYPE_BIG_INT, T.INT_TYPE_SMALL_INT, T.FLOAT_TYPE_BIG_FLOAT,
                          T.FLOAT_TYPE_SMALL_FLOAT))
def check_range(ctx: CheckContext) -> list[Anomaly]:
    """Values above the domain's max or below its min (share estimated from the sketch)."""
    f, cur = ctx.schema_feature, ctx.current
    if f is None or cur is None or not isinstance(f.domain, IntDomain | FloatDomain) or not ctx.compared:
        return []
    vs = _values_of(cur)
    ns = vs.numeric
    if ns is None:
        return []
    dom = f.domain
    # Infinite values are outside any finite bound, unless the domain disallows them: then
    # FLOAT_TYPE_HAS_INF reports them and the range check looks at finite values only.
    pos_inf, neg_inf = (0, 0) if isinstance(dom, FloatDomain) and dom.disallow_inf else (ns.num_pos_inf,
                                                                                          ns.num_neg_inf)
    total = ns.num_finite + pos_inf + neg_inf
    if total == 0:
        return []
    is_int = isinstance(dom, IntDomain)
    big, small = (T.INT_TYPE_BIG_INT, T.INT_TYPE_SMALL_INT) if is_int else (T.FLOAT_TYPE_BIG_FLOAT,
                                                                            T.FLOAT_TYPE_SMALL_FLOAT)
    tol = ctx.thresholds.range_tolerance
    approx = "" if ns.sketch.is_exact else "~"
    out = []
    for side in ("max", "min"):
        bound = getattr(dom, side)
        if bound is None:
            continue
        # INT statistics keep exact int extremes, compared exactly; float figures are compared with the
        # bound rounded the same way (rounding is monotonic, so an integer within an exact int bound never
        # rounds beyond the rounded bound). Shares come from the float64 sketch.
        fbound = _as_float(bound)
        if side == "max":
            extreme = math.inf if pos_inf else ns.max
            if not _beyond(extreme, bound, side):
                continue
            finite_out = 0.0
            if ns.num_finite and _beyond(ns.max, bound, side):
                finite_out = max(ns.num_finite - _rank(ns, fbound, inclusive=True), 1.0)
            n_out = finite_out + pos_inf
            type_, word = big, "above"
        else:
            extreme = -math.inf if neg_inf else ns.min
            if not _beyond(extreme, bound, side):
                continue
            finite_out = 0.0
            if ns.num_finite and _beyond(ns.min, bound, side):
                finite_out = max(_rank(ns, fbound, inclusive=False), 1.0)
            n_out = finite_out + neg_inf
            type_, word = small, "below"
        share = n_out / total
        if tol > 0 and share <= tol + _EPS:
            continue
        tol_txt = f", tolerance {_pct(tol)}" if tol > 0 else ""
        out.append(ctx.anomaly(
            type_, WARNING,
            f"{side} {_value(extreme, vs)} is {word} the schema's {side} {_value(bound, vs)}: "
            f"{approx}{_pct(share)} of values ({approx}{_count(n_out)}) are {word}{tol_txt}",
            observed=_num_or_int(extreme) if is_int else extreme, expected=bound, share=share,
            num_outside=int(round(n_out)) if ns.sketch.is_exact else n_out, exact=ns.sketch.is_exact,
        ))
    return out


@register("nan_inf", types=(T.FLOAT_TYPE_HAS_NAN, T.FLOAT_TYPE_HAS_INF))
def check_nan_inf(ctx: CheckContext) -> list[Anomaly]:
    """NaN or infinite values while the float domain disallows them."""
    f, cur = ctx.schema_feature, ctx.current
    if f is None or cur is None or not isinstance(f.domain, FloatDomain):
        return []
    ns = _values_of(cur).numeric
    if ns is None:
        return []
    total = max(ns.num_finite + ns.num_nan + ns.num_pos_inf + ns.num_neg_inf, 1)
    out = []
    if f.domain.disallow_nan and ns.num_nan:
        out.append(ctx.anomaly(
            T.FLOAT_TYPE_HAS_NAN, ERROR,
            f"{_plural(ns.num_nan, 'NaN value')} ({_pct(ns.num_nan / total)} of values) "
            "but the schema disallows NaN",
            observed=ns.num_nan, expected=0, share=ns.num_nan / total,
        ))
    n_inf = ns.num_pos_inf + ns.num_neg_inf
    if f.domain.disallow_inf and n_inf:
        out.append(ctx.anomaly(
            T.FLOAT_TYPE_HAS_INF, ERROR,
            f"{_plural(n_inf, 'infinite value')} ({_pct(n_inf / total)} of values: "
            f"{ns.num_pos_inf:,} +inf, {ns.num_neg_inf:,} -inf) but the schema disallows infinity",
            observed=n_inf, expected=0, share=n_inf / total,
            num_pos_inf=ns.num_pos_inf, num_neg_inf=ns.num_neg_inf,
        ))
    return out


# --------------------------------------------------------------------------- types


_COMPATIBLE: dict[FeatureType, frozenset[LogicalType]] = {
    FeatureType.INT: frozenset({LogicalType.INT, LogicalType.BOOL}),
    FeatureType.FLOAT: frozenset({LogicalType.FLOAT, LogicalType.INT}),
    FeatureType.STRING: frozenset({LogicalType.STRING, LogicalType.BYTES}),
    FeatureType.BYTES: frozenset({LogicalType.STRING, LogicalType.BYTES}),
    FeatureType.BOOL: frozenset({LogicalType.BOOL}),
    FeatureType.TIMESTAMP: frozenset({LogicalType.TIMESTAMP}),
}


_NESTED = frozenset({LogicalType.STRUCT, LogicalType.LIST})


def type_compatible(f: Feature, fs: FeatureStatistics) -> bool:
    """Whether the data of ``fs`` fits the schema type of ``f`` (see the module docstring)."""
    vs = _values_of(fs)
    lt = vs.logical_type
    if lt == LogicalType.NULL or vs.num_present == 0:
        return True
    if lt in _COMPATIBLE[f.type]:
        return True
    if f.type == FeatureType.STRING and lt in _NESTED and f.domain is None:
        # Struct and nested-list columns are typed STRING without a domain (schema inference): only
        # their presence is checked, so their own data fits.
        return True
    if f.type == FeatureType.BOOL:
        if lt == LogicalType.INT and vs.numeric is not None and vs.numeric.num_finite:
            return vs.numeric.min >= 0 and vs.numeric.max <= 1
        if lt == LogicalType.STRING and vs.values is not None and vs.values.exact:
            if isinstance(f.domain, StringDomain):
                return True
            if isinstance(f.domain, BoolDomain) and (f.domain.true_value or f.domain.false_value):
                return set(vs.values.values) <= {f.domain.true_value, f.domain.false_value}
            return {str(v).strip().lower() for v in vs.values.values} <= _BOOL_SPELLINGS
    return False


def _numeric_like(vs: FeatureStatistics, k: int = 3) -> tuple[float, list[str]]:
    """Share of present values that look like numbers (units allowed) and up to ``k`` examples.

    Counted over the distinct values (at most ``_MAX_SCANNED``, the most frequent); beyond that, or
    without value counts, the share is the statistics' ``num_numeric_like`` (the same definition,
    :func:`~dvtools.statistics.accumulators.looks_numeric`).
    """
    present = max(vs.num_present, 1)
    fallback = vs.string.num_numeric_like / present if vs.string is not None else 0.0
    if vs.values is None:
        return fallback, []
    n_like, examples = 0, []
    for v, c in zip(vs.values.values[:_MAX_SCANNED], vs.values.counts[:_MAX_SCANNED], strict=True):
        if looks_numeric(v):
            n_like += c
            if len(examples) < k:
                examples.append(v)
    if not vs.values.exact or len(vs.values.values) > _MAX_SCANNED:
        return max(fallback, n_like / present), examples
    return n_like / present, examples


def _same_kind(a: LogicalType, b: LogicalType) -> bool:
    norm = {LogicalType.BYTES: LogicalType.STRING}
    return norm.get(a, a) == norm.get(b, b)


@register("data_type", types=(T.UNEXPECTED_DATA_TYPE,))
def check_data_type(ctx: CheckContext) -> list[Anomaly]:
    """Check that the data's type fits the schema's and did not change since the reference."""
    f, cur, ref = ctx.schema_feature, ctx.current, ctx.reference
    if cur is None:
        return []
    vs = _values_of(cur)
    lt = vs.logical_type
    if f is not None and not type_compatible(f, cur):
        desc = f"expected {f.type.value} values, found {lt.value}"
        details: dict[str, Any] = {
            "expected_type": f.type.value, "observed_type": lt.value, "source": "schema",
        }
        numeric_schema = f.type in (FeatureType.INT, FeatureType.FLOAT)
        if lt == LogicalType.STRING and numeric_schema:
            share, ex = _numeric_like(vs)
            desc += f"; {_pct(share)} of the values look numeric"
            if ex:
                desc += f" (e.g. {', '.join(map(repr, ex))})"
            if share > 0:
                desc += ": numbers stored as text (a unit, currency sign or thousands separator?)"
            details["numeric_like_share"] = share
        elif f.type == FeatureType.INT and lt == LogicalType.FLOAT:
            desc += " (ints became floats: an int column with missing values is often read as float)"
        return [ctx.anomaly(T.UNEXPECTED_DATA_TYPE, ERROR, desc, observed=lt.value, expected=f.type.value,
                            **details)]
    if ref is None:
        return []
    rt = _dtype(ref)
    if LogicalType.NULL in (rt, lt) or ref.num_present == 0 or cur.num_present == 0 or _same_kind(rt, lt):
        return []
    key = f"{rt.value}->{lt.value}"
    if key in _accepted_keys(ctx, T.UNEXPECTED_DATA_TYPE):
        return []
    sev = WARNING if f is not None else ERROR
    suffix = f" (the schema's {f.type.value} accepts both)" if f is not None else ""
    return [ctx.anomaly(
        T.UNEXPECTED_DATA_TYPE, sev,
        f"type changed from {rt.value} in the {ctx.reference_name} data to {lt.value}{suffix}",
        observed=lt.value, expected=rt.value, expected_type=rt.value, observed_type=lt.value,
        source="reference", accept_key=key,
    )]


# --------------------------------------------------------------------------- distributions

#: The anomaly type of a drift verdict, by the method that decided it (other methods: DISTRIBUTION_DRIFT).
DRIFT_TYPES = {"l_infinity": T.COMPARATOR_L_INFTY_HIGH,
               "jensen_shannon_divergence": T.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH}
_METHOD_NAMES = {
    "l_infinity": "L-infinity distance", "jensen_shannon_divergence": "Jensen-Shannon divergence",
    "jensen_shannon_distance": "Jensen-Shannon distance", "psi": "PSI", "hellinger": "Hellinger distance",
    "normalized_wasserstein": "normalized Wasserstein distance", "wasserstein": "Wasserstein distance",
    "ks": "KS test p-value", "chi_square": "chi-square test p-value",
}


def drift_anomaly(ctx: CheckContext, fc: FeatureComparison) -> Anomaly:
    """The anomaly of one feature the engine judged ``drift`` (its numbers, threshold and source)."""
    spec = fc.spec
    assert spec is not None
    name = ctx.comparator
    d, thr = float(fc.statistic), float(fc.threshold)
    sd, st = _dist(d, thr)
    what = _METHOD_NAMES.get(fc.primary_method, fc.primary_method)
    rel = "below" if spec.is_test else "above"
    desc = f"{what} {sd} is {rel} the {name} threshold {st} ({fc.threshold_source})"
    ev = fc.evidence
    details: dict[str, Any] = {
        "distance": d, "threshold": thr, "threshold_source": fc.threshold_source, "comparator": name,
        "method": fc.primary_method, "exact": not fc.approximate,
    }
    tfdv_method = "l_infinity" if fc.kind == "categorical" else "jensen_shannon_divergence"
    if tfdv_method in fc.distances:
        details.update(tfdv_method=tfdv_method, tfdv_distance=fc.distances[tfdv_method])
    if "largest_changes" in ev and ev["largest_changes"]:
        label, a_, b_ = ev["largest_changes"][0]
        a, b = _pcts(a_, b_)
        desc += f"; largest change: {_val(label)}: {a} -> {b}"
        details.update(largest_changes=ev["largest_changes"], new_categories=fc.num_new_categories)
    elif "bins" in ev and ctx.reference is not None:
        rv = _values_of(ctx.reference)
        # The engine's share outside the reference range (from the CDF: TFDV's bins span both ranges).
        outside = fc.out_of_range_share or 0.0
        lo, hi = (rv.numeric.min, rv.numeric.max) if rv.numeric is not None else (ev["edges"][0], ev["edges"][-1])
        if outside > 0:
            desc += (f"; {_pct(outside)} of {ctx.current_name} values lie outside the {ctx.reference_name} range "
                     f"[{_value(lo, rv)}, {_value(hi, rv)}]")
        else:
            pr, pcur = normalize(np.asarray(ev["reference_counts"])), normalize(np.asarray(ev["current_counts"]))
            i = int(np.argmax(np.abs(pcur - pr)))
            a, b = _pcts(float(pr[i]), float(pcur[i]))
            desc += f"; largest change: bin {ev['bins'][i]}: {a} -> {b}"
        details.update(bins=ev["bins"], reference_counts=ev["reference_counts"],
                       current_counts=ev["current_counts"], share_outside_reference_range=outside)
    if fc.evidence.get("empty") == "one side":  # the engine's note names its sides; this names the roles
        side = ctx.reference_name if fc.evidence.get("empty_side") == "reference" else ctx.current_name
        desc += f"; no values in the {side} data"
    return ctx.anomaly(DRIFT_TYPES.get(fc.primary_method, T.DISTRIBUTION_DRIFT), ERROR, desc,
                       observed=d, expected=thr, **details)


@register("distribution", types=(T.COMPARATOR_L_INFTY_HIGH, T.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH,
                                 T.DISTRIBUTION_DRIFT))
def check_distribution(ctx: CheckContext) -> list[Anomaly]:
    """Drift/skew: an anomaly for every feature the engine (compare_statistics) judged ``drift``."""
    fc = ctx.comparison
    if fc is None or fc.verdict != DriftVerdict.DRIFT:
        return []
    return [drift_anomaly(ctx, fc)]


# --------------------------------------------------------------------------- dataset


@register("num_examples", types=(T.DATASET_LOW_NUM_EXAMPLES, T.COMPARATOR_LOW_NUM_EXAMPLES,
                                 T.COMPARATOR_HIGH_NUM_EXAMPLES), scope="dataset")
def check_num_examples(ctx: CheckContext) -> list[Anomaly]:
    """Too few examples, or a number of examples too different from the reference's."""
    n = ctx.num_examples
    dc = ctx.schema.dataset_constraints if ctx.schema is not None else None
    out = []
    if dc is not None and dc.min_examples_count is not None and n < dc.min_examples_count:
        out.append(ctx.anomaly(
            T.DATASET_LOW_NUM_EXAMPLES, ERROR,
            f"{_plural(n, 'example')}, fewer than the required {dc.min_examples_count:,}",
            observed=n, expected=dc.min_examples_count,
        ))
    ref_n = ctx.reference_num_examples
    if not ref_n:
        return out
    comp = dc.num_examples_drift_comparator if dc is not None else None
    t = ctx.thresholds
    ratio = n / ref_n
    for side, type_ in (("min", T.COMPARATOR_LOW_NUM_EXAMPLES), ("max", T.COMPARATOR_HIGH_NUM_EXAMPLES)):
        sv = getattr(comp, f"{side}_fraction_threshold") if comp is not None else None
        if sv is not None:
            bound, source = sv, "schema"
        else:
            bound, source = getattr(t, f"{side}_examples_ratio"), "default"
        if bound is None:
            continue
        if (side == "min" and ratio < bound) or (side == "max" and ratio > bound):
            word = "fewer" if side == "min" else "more"
            rel = "below" if side == "min" else "above"
            out.append(ctx.anomaly(
                type_, ERROR,
                f"{n:,} examples vs {ref_n:,} in the {ctx.reference_name} data (ratio {ratio:.3g}, {rel} the allowed "
                f"{side} {bound:g}): {word} examples than expected",
                observed=ratio, expected=bound, num_examples=n, reference_num_examples=ref_n,
                threshold_source=source,
            ))
    return out


# --------------------------------------------------------------------------- ours


@register("missing_share", types=(T.MISSING_SHARE_INCREASE,))
def check_missing_share(ctx: CheckContext) -> list[Anomaly]:
    """Flag a missing share that rose by more than the tolerance over the reference's."""
    cur, ref = ctx.current, ctx.reference
    if cur is None or ref is None or cur.count == 0 or ref.count == 0 or cur.num_present == 0:
        return []
    tol = ctx.thresholds.missing_share_tolerance
    rise = cur.missing_fraction - ref.missing_fraction
    if not rise > tol + _EPS:
        return []
    a, b = _pcts(ref.missing_fraction, cur.missing_fraction)
    return [ctx.anomaly(
        T.MISSING_SHARE_INCREASE, WARNING,
        f"missing share rose from {a} to {b} (+{100 * rise:.1f} points, tolerance {100 * tol:.1f} points)",
        observed=cur.missing_fraction, expected=ref.missing_fraction + tol,
        reference_missing_share=ref.missing_fraction, rise=rise, tolerance=tol,
    )]


@register("zero_as_missing", types=(T.ZERO_AS_MISSING_MARKER,))
def check_zero_as_missing(ctx: CheckContext) -> list[Anomaly]:
    """Zeros that look like a stand-in for missing values (see the module docstring)."""
    cur, f = ctx.current, ctx.schema_feature
    if cur is None:
        return []
    vs = _values_of(cur)
    if vs.logical_type not in (LogicalType.INT, LogicalType.FLOAT) or vs.numeric is None:
        return []
    if f is not None and (f.is_categorical or f.type not in (FeatureType.INT, FeatureType.FLOAT)):
        return []
    ns = vs.numeric
    n = ns.num_finite
    if n == 0:
        return []
    z = ns.num_zeros / n
    rns = None
    if ctx.reference is not None:
        rvs = _values_of(ctx.reference)
        if rvs.numeric is not None and rvs.numeric.num_finite:
            rns = rvs.numeric
    if rns is not None:
        assert ctx.reference is not None
        zr = rns.num_zeros / rns.num_finite
        m_cur, m_ref = cur.missing_fraction, ctx.reference.missing_fraction
        if not (z - zr > ZERO_RISE_POINTS and z > ZERO_RISE_FACTOR * zr
                and m_cur <= m_ref + ctx.thresholds.missing_share_tolerance + _EPS):
            return []
        a, b = _pcts(zr, z)
        ma, mb = _pcts(m_ref, m_cur)
        return [ctx.anomaly(
            T.ZERO_AS_MISSING_MARKER, WARNING,
            f"zeros rose from {a} to {b} of values while the missing share went from {ma} to {mb}: "
            "0 may be standing in for missing values",
            observed=z, expected=zr, reference_zero_share=zr,
            missing_share=m_cur, reference_missing_share=m_ref,
        )]
    nonzero = n - ns.num_zeros
    if z <= ZERO_SHARE_MIN or nonzero < ZERO_MIN_NONZERO:
        return []
    nz = nonzero / n
    if ns.min >= 0:
        levels = [z + 0.01 * nz, z + 0.5 * nz]
    elif ns.max <= 0:
        levels = [0.99 * nz, 0.5 * nz]
    else:
        return []
    lo, med = (abs(float(v)) for v in ns.sketch.quantiles(levels))
    if med == 0 or lo < ZERO_GAP_RATIO * med or (vs.logical_type == LogicalType.INT and lo <= 1):
        return []
    return [ctx.anomaly(
        T.ZERO_AS_MISSING_MARKER, WARNING,
        f"{_pct(z)} of values are exactly 0 while the other values start at about {_num(lo)} in magnitude "
        f"(median {_num(med)}): 0 may be a placeholder for missing values",
        observed=z, expected=ZERO_SHARE_MIN, low_nonzero=lo, median_nonzero=med,
    )]


_SMALL_VOCABULARY = 2000  # beyond this, pyarrow pre-selects the candidates


def variant_key(value: str) -> str:
    """The key under which case/whitespace variants collide (as in ``statistics.quality``)."""
    return value.strip().casefold()


def _variant_groups(forms: list[str]) -> dict[str, list[str]]:
    """Groups of 2+ forms equal up to case and surrounding whitespace, by :func:`variant_key`.

    Uses :func:`dvtools.statistics.quality.category_variants` (the definition shared with schema
    inference and the dashboard); a large vocabulary is first narrowed with vectorized keys.
    """
    if len(forms) > _SMALL_VOCABULARY:
        arr = pa.array(forms, type=pa.string())
        keys = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
        vc = pc.value_counts(keys)
        dup = vc.field("values").filter(pc.greater(vc.field("counts"), 1))
        if len(dup) == 0:
            return {}
        forms = arr.filter(pc.is_in(keys, value_set=dup)).to_pylist()
    return {variant_key(g[0]): g for g in category_variants(forms)}


@register("category_variants", types=(T.CATEGORY_VARIANTS,))
def check_category_variants(ctx: CheckContext) -> list[Anomaly]:
    """Find string values equal to each other or to domain values up to case and whitespace."""
    cur, f = ctx.current, ctx.schema_feature
    if cur is None:
        return []
    vs = _values_of(cur)
    if vs.logical_type != LogicalType.STRING or vs.values is None or not vs.values.values:
        return []
    domain = set(f.domain.values) if f is not None and isinstance(f.domain, StringDomain) else set()
    counts: dict[str, int] = dict(zip(vs.values.values, vs.values.counts, strict=True))
    groups = _variant_groups(list(counts) + [d for d in domain if d not in counts])
    if not groups:
        return []
    accepted = _accepted_keys(ctx, T.CATEGORY_VARIANTS)
    found = []
    for key, members in groups.items():
        if key in accepted or not any(counts.get(m, 0) for m in members) or all(m in domain for m in members):
            continue
        members.sort(key=lambda m: (-counts.get(m, 0), m))
        found.append((sum(counts.get(m, 0) for m in members), key, members))
    if not found:
        return []
    found.sort(key=lambda t: (-t[0], t[1]))

    def form(m: str) -> str:
        c = counts.get(m, 0)
        return f"{m!r} ({_count(c)})" if c else f"{m!r} (schema)"

    shown = "; ".join(" / ".join(form(m) for m in members) for _, _, members in found[:MAX_DESCRIBED_VALUES])
    more = len(found) - MAX_DESCRIBED_VALUES
    return [ctx.anomaly(
        T.CATEGORY_VARIANTS, WARNING,
        f"{_plural(len(found), 'group')} of values {'differs' if len(found) == 1 else 'differ'} only by case "
        f"or whitespace: {shown}"
        + (f"; ... and {more:,} more" if more > 0 else ""),
        observed=len(found), expected=0,
        groups=[[{"value": m, "count": counts.get(m, 0), "in_domain": m in domain} for m in members]
                for _, _, members in found[:MAX_LISTED_VALUES]],
        keys=[k for _, k, _ in found],
    )]


def _distinct(vs: FeatureStatistics) -> tuple[int | None, bool, Any]:
    """(distinct present values or None if unknown, whether that number is counted, the value if one).

    Without counted values (floats), 2 stands for "more than one".
    """
    if vs.values is not None and vs.values.exact and vs.logical_type != LogicalType.FLOAT:
        n = len(vs.values.values)
        return n, True, vs.values.values[0] if n == 1 else None
    ns = vs.numeric
    if ns is not None:
        kinds = (ns.num_finite > 0) + (ns.num_nan > 0) + (ns.num_pos_inf > 0) + (ns.num_neg_inf > 0)
        if kinds > 1 or (ns.num_finite and ns.min != ns.max):
            return 2, False, None
        if ns.num_finite:
            return 1, True, ns.min
        if kinds == 1:
            return 1, True, math.nan if ns.num_nan else (math.inf if ns.num_pos_inf else -math.inf)
        return 0, True, None
    if vs.values is not None:
        return vs.values.unique, False, None
    return None, False, None


@register("constant_column", types=(T.CONSTANT_COLUMN,))
def check_constant_column(ctx: CheckContext) -> list[Anomaly]:
    """One distinct value in current data while the reference had more."""
    cur, ref = ctx.current, ctx.reference
    if cur is None or ref is None:
        return []
    cv, rv = _values_of(cur), _values_of(ref)
    if cv.num_present < 2:
        return []
    n_cur, _, value = _distinct(cv)
    n_ref, counted, _ = _distinct(rv)
    if n_cur != 1 or n_ref is None or n_ref < 2:
        return []
    if isinstance(value, float) and not math.isfinite(value):
        value = str(value)
    ref_txt = f"{n_ref:,} distinct values" if counted else "several distinct values"
    return [ctx.anomaly(
        T.CONSTANT_COLUMN, WARNING,
        f"every value is {_val(value)} ({_count(cv.num_present)} values) while the {ctx.reference_name} data had {ref_txt}",
        observed=1, expected=n_ref if counted else None, value=value,
    )]


@register("all_null_column", types=(T.ALL_NULL_COLUMN,))
def check_all_null_column(ctx: CheckContext) -> list[Anomaly]:
    """Every current row is null while the reference had values (or the schema requires them)."""
    cur, ref, f = ctx.current, ctx.reference, ctx.schema_feature
    if cur is None or cur.count == 0 or cur.num_present > 0:
        return []
    ref_had = ref is not None and ref.num_present > 0
    if not (ref_had or (f is not None and _requires_presence(f))):
        return []
    why = (f"the {ctx.reference_name} data had values in {_pct(ref.num_present / ref.count)} of examples"
           if ref_had and ref is not None else "the schema requires the feature")
    return [ctx.anomaly(
        T.ALL_NULL_COLUMN, ERROR,
        f"all {_count(cur.count)} examples are missing a value; {why}",
        observed=0.0, expected=(ref.num_present / ref.count) if ref_had and ref is not None else None,
        count=cur.count,
    )]


@register("duplicate_identifiers", types=(T.DUPLICATE_IDENTIFIERS,))
def check_duplicate_identifiers(ctx: CheckContext) -> list[Anomaly]:
    """An identifier whose values were all distinct in the reference repeats in current data.

    Read from the statistics: distinct vs present values (exact while the values are counted
    exactly; otherwise the HyperLogLog estimate, whose ~1 % error cannot tell a few duplicates, so
    nothing is reported).
    """
    cur, ref, f = ctx.current, ctx.reference, ctx.schema_feature
    if cur is None or ref is None or f is None or f.role != "identifier":
        return []
    cv, rv = _values_of(cur), _values_of(ref)
    if not (cv.values and cv.values.exact and rv.values and rv.values.exact) or cv.num_present < 2:
        return []
    if rv.values.unique != rv.num_present or cv.values.unique == cv.num_present:
        return []
    dup = cv.num_present - cv.values.unique
    repeated = [(v, c) for v, c in zip(cv.values.values, cv.values.counts, strict=True) if c > 1]
    return [ctx.anomaly(
        T.DUPLICATE_IDENTIFIERS, WARNING,
        f"{_count(dup)} of {_count(cv.num_present)} values repeat an earlier one ({_pct(dup / cv.num_present)}) "
        f"while every {ctx.reference_name} value was distinct: {_listing(repeated, len(repeated))}",
        observed=cv.values.unique, expected=cv.num_present, num_duplicates=dup,
        repeated=[[v, c] for v, c in repeated[:MAX_LISTED_VALUES]],
    )]


def pii_anomaly(finding: Any) -> Anomaly:
    """The PII_DETECTED anomaly of a :class:`~dvtools.privacy.PiiFinding`: the one wording every output shows."""
    from dvtools.privacy.redact import pii_message

    return Anomaly(
        finding.column, T.PII_DETECTED, WARNING, pii_message(finding),
        observed=round(finding.share, 6), expected=round(finding.threshold, 6),
        details={"detector": finding.kind.value, "share": finding.share, "count": finding.count,
                 "example": finding.example, "hinted": finding.hinted, "accept_key": finding.kind.value},
    )


@register("pii", types=(T.PII_DETECTED,), on_unknown_columns=True)
def check_pii(ctx: CheckContext) -> list[Anomaly]:
    """The column holds personal data (the flagging decision of :func:`dvtools.privacy.pii_findings`)."""
    return [pii_anomaly(ctx.pii)] if ctx.pii is not None and ctx.current is not None else []
