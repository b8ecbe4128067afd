"""Schema inference from training statistics (the ``tfdv.infer_schema`` step).

:func:`infer_schema` turns a :class:`~dvtools.statistics.model.DatasetStatistics` into a
:class:`~dvtools.schema.model.Schema`; :func:`with_default_thresholds` adds skew/drift comparators;
:func:`category_variants` finds categories that differ only by case or surrounding whitespace (also
used by validation and the dashboard).
"""

from __future__ import annotations

import math
import re

import numpy as np

from dvtools.errors import UsageError
from dvtools.schema.model import (
    SERVING,
    TRAINING,
    BoolDomain,
    Feature,
    FeatureRole,
    FeatureType,
    FloatDomain,
    IntDomain,
    Presence,
    Schema,
    StringDomain,
    ValueCount,
)
from dvtools.statistics.model import DatasetStatistics, FeatureStatistics, LogicalType
from dvtools.statistics.quality import category_variants

#: A string (or integer) feature gets a vocabulary only when it has at most this share of distinct
#: values among its present values: 0.5 means every category is seen at least twice on average.
MAX_UNIQUE_RATIO = 0.5

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_EXACT_FLOAT_INT = 2**53

_SCALAR_TYPES = {
    LogicalType.INT: FeatureType.INT,
    LogicalType.FLOAT: FeatureType.FLOAT,
    LogicalType.STRING: FeatureType.STRING,
    LogicalType.BOOL: FeatureType.BOOL,
    LogicalType.TIMESTAMP: FeatureType.TIMESTAMP,
    LogicalType.BYTES: FeatureType.BYTES,
}

_UNIT_NAMES = {"s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds", "day": "days"}
_NUMPY_UNITS = {"s": "s", "ms": "ms", "us": "us", "ns": "ns", "day": "D"}


# ---- roles ---------------------------------------------------------------------------------------
#: Identifier: distinct values at least this share of the present values (and more than IDENTIFIER_MIN_UNIQUE).
IDENTIFIER_UNIQUE_RATIO = 0.9
IDENTIFIER_MIN_UNIQUE = 20
#: A column named like an id (``id``, ``*_id``, ``uuid``, ``*_key``, ``*_email``) with more distinct values than
#: this is a key (an e-mail address identifies a person as a user id does).
KEY_MIN_UNIQUE = 100
_ID_NAME = re.compile(r"(^|[_\-\s.])(id|uuid|guid|key|e-?mail)$|^(id|uuid|guid)[_\-\s.]|[a-z]Id$|[a-z]ID$",
                      re.IGNORECASE)
_TIME_NAME = re.compile(r"(time|date|timestamp|epoch|(^|_)ts$|_at$|_on$)", re.IGNORECASE)
#: Epoch seconds between 2000-01-01 and 2100-01-01 (and the same in milliseconds).
EPOCH_SECONDS = (946_684_800, 4_102_444_800)


def is_categorical_int(fs: FeatureStatistics, max_unique: int = 20) -> bool:
    """An INT feature counted exactly, with at most ``max_unique`` distinct values, not id-like.

    The one definition of a low-cardinality (categorical) integer: schema inference marks it
    ``is_categorical`` and comparison without a schema compares it by category frequencies.
    """
    vc = fs.values
    return (fs.logical_type == LogicalType.INT and vc is not None and vc.exact
            and 0 < vc.unique <= max_unique and vc.unique <= MAX_UNIQUE_RATIO * fs.num_present)


def infer_role(fs: FeatureStatistics, *, label: str | None = None, keys: tuple[str, ...] | list[str] = ()) -> FeatureRole:
    """The role of a column from its statistics and name (see :class:`~dvtools.schema.model.FeatureRole`).

    * ``label``: the column named ``label``; ``identifier``: a column in ``keys``;
    * ``timestamp``: a TIMESTAMP column, or an INT/FLOAT column named like a time (``*time*``,
      ``*date*``, ``*_ts``, ``*_at``, ``epoch``) whose finite values all lie within epoch seconds
      or milliseconds of 2000-2100;
    * ``identifier``: a STRING, BYTES or INT column whose distinct values are at least 90 % of its
      present values (more than 20 of them; INT columns also need an id-like name), or a column
      named like an id (``id``, ``*_id``, ``uuid``, ``*_key``, ``*_email``) with more than 100
      distinct values;
    * else ``feature``.
    """
    if label is not None and fs.name == label:
        return FeatureRole.LABEL
    if fs.name in keys:
        return FeatureRole.IDENTIFIER
    lt = fs.logical_type
    if lt == LogicalType.TIMESTAMP:
        return FeatureRole.TIMESTAMP
    n = fs.numeric
    if lt in (LogicalType.INT, LogicalType.FLOAT) and n is not None and n.num_finite and _TIME_NAME.search(fs.name):
        lo, hi = EPOCH_SECONDS
        if lo <= n.min and n.max <= hi or lo * 1000 <= n.min and n.max <= hi * 1000:
            return FeatureRole.TIMESTAMP
    if lt in (LogicalType.STRING, LogicalType.BYTES, LogicalType.INT) and fs.num_present:
        unique = fs.unique if fs.unique is not None else (fs.values.unique if fs.values is not None else 0)
        id_name = bool(_ID_NAME.search(fs.name))
        near_unique = unique > IDENTIFIER_MIN_UNIQUE and unique >= IDENTIFIER_UNIQUE_RATIO * fs.num_present
        if (near_unique and (lt != LogicalType.INT or id_name)) or (id_name and unique > KEY_MIN_UNIQUE):
            return FeatureRole.IDENTIFIER
    return FeatureRole.FEATURE


# ---- category variants ----------------------------------------------------------------------------
def variants_note(group: list[str]) -> str:
    """Return the note text for one group of :func:`category_variants`."""
    return "values differ only by case/whitespace: " + ", ".join(repr(v) for v in group)


# ---- inference ------------------------------------------------------------------------------------
def infer_schema(
    stats: DatasetStatistics,
    *,
    label: str | None = None,
    max_domain_size: int = 100,
    categorical_int_max_unique: int = 20,
    infer_ranges: bool = True,
    environments: tuple[str, ...] = (TRAINING, SERVING),
    keys: tuple[str, ...] | list[str] = (),
    raters: tuple[str, ...] | list[str] = (),
) -> Schema:
    """Infer a schema from training statistics (TFDV's ``infer_schema`` rules, plus ranges).

    Rules, per feature (column), in column order:

    * **Type** from the logical type: INT, FLOAT, STRING, BOOL, TIMESTAMP, BYTES as is. A LIST
      feature gets its element's type and ``value_count`` = min/max number of values per present
      row (from ``list_lengths``); a MAP feature is the LIST of its keys (key type, entries per row,
      the keys as its domain). STRUCT, NULL-typed and nested-list columns become STRING with a
      note (only their presence is checked).
    * **Presence** (as TFDV): a feature present in every training example gets
      ``min_fraction=1.0, min_count=1`` and ``required=True``; otherwise only ``min_count=1`` (no
      fraction: a stable 5 % missing rate must not fire on 5.3 %). A feature with no present value
      at all (entirely null) gets ``min_count=0`` (as TFDV writes for such columns), no domain and a
      note.
    * **STRING domain**: when the values were counted exactly, there are at most
      ``max_domain_size`` distinct values (TFDV's ``max_string_domain_size``, default 100) and at
      most ``MAX_UNIQUE_RATIO`` (0.5) of the present values are distinct, the feature gets a
      :class:`StringDomain` listing all values (sorted) and ``is_categorical=True``.
      High-cardinality strings (identifiers, free text) get no domain and a note.
    * **Case/whitespace variants** among a string feature's categories ("NY", "ny ", "Ny") are
      reported in ``notes`` (see :func:`category_variants`), never merged.
    * **INT categorical**: values counted exactly, at most ``categorical_int_max_unique`` distinct
      values and at most ``MAX_UNIQUE_RATIO`` of the present values distinct (so not id-like) ->
      ``is_categorical=True``; the vocabulary is listed in a note, the domain stays an
      :class:`IntDomain` range.
    * **Ranges** (when ``infer_ranges``): INT -> ``IntDomain(min, max)``; FLOAT ->
      ``FloatDomain(min, max)`` over finite values (no min when training had -inf, no max when it
      had +inf); TIMESTAMP -> ``IntDomain`` over its integer
      representation: microseconds since the Unix epoch for timestamps of any unit and for dates
      (statistics written before this normalization: the column's unit; the unit is in a note;
      bounds beyond 2**53 are widened by one float step so they never exclude a training value).
      Without ``infer_ranges`` numeric features get no bounds.
    * **FLOAT NaN/inf**: ``disallow_nan=True`` when training has no NaN, ``disallow_inf=True``
      when it has no +/-inf (always inferred, with or without ranges).
    * **BOOL** -> ``BoolDomain()``.
    * **Role** (:func:`infer_role`): ``label`` for ``label``, ``identifier`` for ``keys`` and
      unique or id-like columns, ``timestamp`` for time columns and epoch numbers, else ``feature``.
    * **Label**: the ``label`` feature gets ``not_in_environment=["SERVING"]``; the schema's
      ``default_environments`` are ``environments`` (TRAINING, SERVING). **Raters** (``raters``: one
      label column per human rater, training only) are labels too: role ``label``, not in SERVING
      (:func:`mark_raters`).
    * No comparator thresholds (validation applies the CLI/UI defaults when the schema has none; see
      :func:`with_default_thresholds`), and no ``min_examples_count``.

    Raises :class:`~dvtools.errors.UsageError` when ``label`` is not a feature of ``stats``.
    """
    if label is not None and label not in stats:
        raise UsageError(f"label column {label!r} is not in the statistics "
                         f"(columns: {', '.join(stats.features)})")
    schema = Schema(default_environments=list(environments))
    for fs in stats:
        feature = _infer_feature(fs, max_domain_size, categorical_int_max_unique, infer_ranges)
        feature.role = infer_role(fs, label=label, keys=tuple(keys))
        if feature.role in (FeatureRole.IDENTIFIER, FeatureRole.TIMESTAMP):
            feature.notes.append(f"role {feature.role.value}: not drift-, range- or domain-checked by default")
        if fs.name == label:
            feature.not_in_environment = [SERVING]
            feature.notes.append("label: not expected in SERVING data")
        schema.add_feature(feature)
    mark_raters(schema, raters)
    source = f" of {stats.name}" if stats.name else ""
    schema.notes.append(f"inferred from {stats.num_examples} examples{source}")
    return schema


def mark_raters(schema: Schema, raters: tuple[str, ...] | list[str]) -> Schema:
    """Mark rater columns (one label per human rater, collected for training only) as labels not in SERVING.

    Serving data has no ratings, so without this each rater column is a missing serving column.
    Columns the schema does not list are ignored; returns ``schema`` (changed in place).
    """
    for name in raters:
        f = schema.get(name)
        if f is None:
            continue
        f.role = FeatureRole.LABEL
        if SERVING not in f.not_in_environment:
            f.not_in_environment = [*f.not_in_environment, SERVING]
        note = "rater column: one rater's labels, not expected in SERVING data"
        if note not in f.notes:
            f.notes.append(note)
    return schema


def _infer_feature(fs: FeatureStatistics, max_domain_size: int, cat_int_max: int,
                   infer_ranges: bool) -> Feature:
    notes: list[str] = []
    values_fs = fs.value_view  # for a list: the statistics of its flattened values
    ftype = _scalar_type(values_fs, notes)
    if fs.arrow_type.startswith("map<"):
        notes.append("map column: typed by its keys (domain = the keys seen), value_count = entries per row")

    if fs.num_present == 0:
        notes.append("entirely null in training: no domain inferred, presence not enforced")
        return Feature(fs.name, ftype, presence=Presence(min_count=0), notes=notes)

    if fs.num_missing == 0:
        presence, required = Presence(min_fraction=1.0, min_count=1), True
    else:
        presence, required = Presence(min_count=1), False
        notes.append(f"missing in {fs.num_missing} of {fs.count} training examples "
                     f"({fs.missing_fraction:.1%})")

    value_count = None
    if fs.logical_type == LogicalType.LIST and fs.list_lengths is not None and fs.list_lengths.num_finite:
        value_count = ValueCount(int(fs.list_lengths.min), int(fs.list_lengths.max))

    feature = Feature(fs.name, ftype, presence=presence, required=required, value_count=value_count)
    if values_fs.logical_type in _SCALAR_TYPES and values_fs.num_present > 0:
        _infer_domain(feature, values_fs, max_domain_size, cat_int_max, infer_ranges, notes)
    feature.notes = notes
    return feature


def _scalar_type(fs: FeatureStatistics, notes: list[str]) -> FeatureType:
    lt = fs.logical_type
    if lt in _SCALAR_TYPES:
        return _SCALAR_TYPES[lt]
    if lt == LogicalType.NULL:
        notes.append(f"no type in the data (arrow type {fs.arrow_type}): STRING assumed")
    elif lt == LogicalType.STRUCT:
        notes.append(f"struct column (arrow type {fs.arrow_type}): typed STRING, only presence is checked")
    else:
        notes.append(f"nested {lt.value.lower()} values (arrow type {fs.arrow_type}): typed STRING, "
                     "only presence is checked")
    return FeatureType.STRING


def _infer_domain(feature: Feature, fs: FeatureStatistics, max_domain_size: int, cat_int_max: int,
                  infer_ranges: bool, notes: list[str]) -> None:
    lt = fs.logical_type
    present = fs.num_present
    if lt == LogicalType.STRING and fs.values is not None:
        vc = fs.values
        if vc.exact and vc.unique <= max_domain_size and vc.unique <= MAX_UNIQUE_RATIO * present:
            feature.domain = StringDomain(sorted(str(v) for v in vc.values))
            feature.is_categorical = True
        elif vc.exact and vc.unique == present:
            notes.append(f"every value is distinct ({vc.unique}): looks like an identifier, "
                         "no domain inferred")
        else:
            notes.append(
                f"{'~' if not vc.exact else ''}{vc.unique} distinct values among {present}: "
                f"too many for a domain (at most {max_domain_size} and {MAX_UNIQUE_RATIO:.0%} of the values)"
            )
        if vc.unique <= max_domain_size:
            for group in category_variants(vc.values):
                notes.append(variants_note(group))
    elif lt == LogicalType.INT:
        vc = fs.values
        if vc is not None and is_categorical_int(fs, cat_int_max):
            feature.is_categorical = True
            vocab = sorted(int(v) for v in vc.values)
            notes.append("categorical integer values: " + ", ".join(str(v) for v in vocab))
        if infer_ranges and fs.numeric is not None and fs.numeric.num_finite:
            if vc is not None and vc.exact and vc.values:
                lo, hi = min(int(v) for v in vc.values), max(int(v) for v in vc.values)
            else:
                lo, hi = _int_floor(fs.numeric.min), _int_ceil(fs.numeric.max)
            feature.domain = IntDomain(lo, hi)
    elif lt == LogicalType.FLOAT and fs.numeric is not None:
        n = fs.numeric
        dom = FloatDomain(disallow_nan=n.num_nan == 0, disallow_inf=(n.num_pos_inf + n.num_neg_inf) == 0)
        if infer_ranges and n.num_finite:
            # A side where training had infinite values stays open: its finite extreme is no bound.
            dom.min = float(n.min) if not n.num_neg_inf else None
            dom.max = float(n.max) if not n.num_pos_inf else None
        if n.num_nan:
            notes.append(f"{n.num_nan} NaN values in training: NaN allowed")
        if n.num_pos_inf + n.num_neg_inf:
            notes.append(f"{n.num_pos_inf + n.num_neg_inf} infinite values in training: inf allowed")
        feature.domain = dom
    elif lt == LogicalType.TIMESTAMP and fs.numeric is not None:
        unit = _time_unit(fs.numeric_type)  # microseconds for statistics with a normalized time unit
        unit_name = _UNIT_NAMES.get(unit or "", unit or "unknown unit")
        if infer_ranges and fs.numeric.num_finite:
            lo, hi = _int_floor(fs.numeric.min), _int_ceil(fs.numeric.max)
            feature.domain = IntDomain(lo, hi)
            shown = ""
            if unit in _NUMPY_UNITS:
                shown = f": {_show_time(fs.numeric.min, unit)} .. {_show_time(fs.numeric.max, unit)}"
            notes.append(f"timestamp range on its integer value in {unit_name} since 1970-01-01 "
                         f"(arrow type {fs.arrow_type}){shown}")
        else:
            notes.append(f"timestamp in {unit_name} since 1970-01-01 (arrow type {fs.arrow_type})")
    elif lt == LogicalType.BOOL:
        feature.domain = BoolDomain()


def _time_unit(arrow_type: str) -> str | None:
    m = re.search(r"\[(\w+)", arrow_type)
    return m.group(1) if m else None


def _show_time(v: float, unit: str | None) -> str:
    try:
        return str(np.datetime64(round(v), _NUMPY_UNITS[unit or ""]))
    except (KeyError, ValueError, OverflowError):
        return str(v)


def _int_floor(x: float | int) -> int:
    """Largest int <= every integer that could have produced the float64 ``x`` (int64-clamped)."""
    if isinstance(x, int):  # exact int statistics (INT min/max)
        return max(_INT64_MIN, min(_INT64_MAX, x))
    if abs(x) >= _EXACT_FLOAT_INT:
        x = math.nextafter(x, -math.inf)
    return max(_INT64_MIN, min(_INT64_MAX, math.floor(x)))


def _int_ceil(x: float | int) -> int:
    """Smallest int >= every integer that could have produced the float64 ``x`` (int64-clamped)."""
    if isinstance(x, int):  # exact int statistics (INT min/max)
        return max(_INT64_MIN, min(_INT64_MAX, x))
    if abs(x) >= _EXACT_FLOAT_INT:
        x = math.nextafter(x, math.inf)
    return max(_INT64_MIN, min(_INT64_MAX, math.ceil(x)))


# ---- comparator defaults --------------------------------------------------------------------------
def with_default_thresholds(schema: Schema, linf: float = 0.1, js: float = 0.1, *,
                            overwrite: bool = False) -> Schema:
    """Return a copy of ``schema`` with skew and drift comparators on every comparable feature.

    Categorical features (STRING, BOOL, and any feature marked ``is_categorical``) get an
    L-infinity threshold ``linf``; numeric ones (INT, FLOAT, TIMESTAMP) a Jensen-Shannon threshold
    ``js``. BYTES features (opaque values) and deprecated features are left alone. Thresholds
    already set are kept unless ``overwrite``. The input schema is not modified.
    """
    out = schema.copy()
    for f in out.features:
        if f.deprecated or f.type == FeatureType.BYTES:
            continue
        categorical = f.is_categorical or f.type in (FeatureType.STRING, FeatureType.BOOL)
        for comp in (f.skew_comparator, f.drift_comparator):
            if comp.is_set and not overwrite:
                continue
            if categorical:
                comp.infinity_norm_threshold, comp.jensen_shannon_divergence_threshold = linf, None
            else:
                comp.infinity_norm_threshold, comp.jensen_shannon_divergence_threshold = None, js
            comp.check()
    return out
