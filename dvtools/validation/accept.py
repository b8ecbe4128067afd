"""Accept an anomaly: a new schema under which that anomaly no longer fires.

:func:`accept_anomaly` never changes the schema it is given; it returns a changed copy:

* SCHEMA_NEW_COLUMN: add the feature, inferred from ``current`` (``current=`` is required) with
  :func:`dvtools.schema.inference.infer_schema`.
* SCHEMA_MISSING_COLUMN: deprecate the feature. Deprecation (rather than ``not_in_environment``)
  is explicit, applies whatever environment is validated and is undone with
  ``feature.deprecate(False)``; restrict environments by hand when the column is only absent
  from one of them.
* FEATURE_TYPE_NOT_PRESENT / LOW_FRACTION_PRESENT / LOW_NUMBER_PRESENT: lower ``min_fraction`` to
  the observed share (rounded down to 4 decimals) / ``min_count`` to the observed count; for
  NOT_PRESENT both go to 0 and ``required`` to False.
* FEATURE_TYPE_LOW/HIGH_NUMBER_VALUES: widen ``value_count`` to the observed length.
* ENUM_TYPE_UNEXPECTED_STRING_VALUES: add the unexpected values to the string domain (when the
  anomaly lists only the first 50, ``current=`` is required to add them all).
* INT/FLOAT BIG/SMALL: widen the range to the observed max/min (an infinite one removes the bound).
* FLOAT_TYPE_HAS_NAN / HAS_INF: allow NaN / infinity.
* UNEXPECTED_DATA_TYPE: against the schema, change the feature's type to the observed one and drop
  a domain that no longer fits; against the reference, record the accepted change
  (``accept:UNEXPECTED_DATA_TYPE:<FROM>-><TO>`` note).
* COMPARATOR_L_INFTY_HIGH / JENSEN_SHANNON_DIVERGENCE_HIGH: set the feature's drift (or skew,
  as in the anomaly) threshold just above the observed distance (rounded up to 3 decimals).
  DISTRIBUTION_DRIFT (another method decided): the schema holds TFDV's comparators only, so the
  feature's L-infinity (categorical) or Jensen-Shannon (numeric) threshold is set just above its
  current value; the schema layer then decides that feature (see ``resolve_spec``). A
  threshold that came from a per-feature override in :class:`Thresholds` cannot be changed in the
  schema: ValueError.
* COMPARATOR_LOW/HIGH_NUM_EXAMPLES, DATASET_LOW_NUM_EXAMPLES: widen the dataset constraints.
* PII_DETECTED: mark the feature ``sensitive`` (privacy mode keeps redacting it) and add
  ``accept:PII_DETECTED:<detector>``, which silences the warning for that detector only.
* Ours (MISSING_SHARE_INCREASE, ZERO_AS_MISSING_MARKER, CONSTANT_COLUMN, ALL_NULL_COLUMN,
  DUPLICATE_IDENTIFIERS) have no
  schema field: an ``accept:<TYPE>`` entry in ``Feature.notes``, which validation honors.
  CATEGORY_VARIANTS adds one ``accept:CATEGORY_VARIANTS:<key>`` note per reported group, so new
  variant groups still fire. Group findings (GROUP_UNDERREPRESENTED, GROUP_SHARE_CHANGED,
  LABEL_RATE_DISPARITY, GROUP_MISSING_DISPARITY) add ``accept:<TYPE>:<key>`` to the group
  column's (or, for missing values, the feature's) notes, which ``group_report(schema=)`` honors;
  label findings (LABEL_CONFLICT, DUPLICATE_EXAMPLES, DATASET_OVERLAP, RATER_DISAGREEMENT) do the
  same on the label/rater column, or on the schema's notes when they concern the whole dataset.

Types that cannot be accepted raise :class:`AnomalyNotAcceptable` (a ``ValueError``).
"""

from __future__ import annotations

import math
from typing import Any

from dvtools.errors import UsageError
from dvtools.schema.model import (
    Feature,
    FeatureType,
    FloatDomain,
    IntDomain,
    Schema,
    StringDomain,
    ValueCount,
    domain_fits,
)
from dvtools.statistics.model import DatasetStatistics, FeatureStatistics
from dvtools.validation.anomalies import FAIRNESS_TYPES, Anomaly
from dvtools.validation.anomalies import AnomalyType as T
from dvtools.validation.checks import ACCEPT_PREFIX

__all__ = ["AnomalyNotAcceptable", "accept_anomaly"]

_NOTE_TYPES = frozenset({
    T.MISSING_SHARE_INCREASE, T.ZERO_AS_MISSING_MARKER, T.CONSTANT_COLUMN, T.ALL_NULL_COLUMN,
    T.DUPLICATE_IDENTIFIERS,
})

class AnomalyNotAcceptable(UsageError, ValueError):
    """Raised when an anomaly cannot be accepted by changing the schema (or needs more input)."""


def _add_note(notes: list[str], token: str) -> None:
    note = ACCEPT_PREFIX + token
    if note not in notes:
        notes.append(note)


def _feature(schema: Schema, anomaly: Anomaly) -> Feature:
    if anomaly.feature is None or anomaly.feature not in schema:
        raise AnomalyNotAcceptable(
            f"cannot accept {anomaly.type.value}: feature {anomaly.feature!r} is not in the schema"
        )
    return schema.feature(anomaly.feature)


def _current_feature(anomaly: Anomaly, current: DatasetStatistics | None) -> FeatureStatistics:
    if current is None:
        raise AnomalyNotAcceptable(
            f"accepting {anomaly.type.value} needs the current statistics (current=...)"
        )
    if anomaly.feature not in current:
        raise AnomalyNotAcceptable(f"feature {anomaly.feature!r} is not in the current statistics")
    return current[anomaly.feature]  # type: ignore[index]


def _round_up(x: float, decimals: int = 3) -> float:
    """Smallest multiple of 10**-decimals strictly above ``x`` (capped at 1)."""
    q = 10 ** decimals
    t = math.ceil(x * q) / q
    if t <= x:
        t = (math.floor(x * q) + 1) / q
    return min(round(t, decimals), 1.0)


def _floor(x: float, decimals: int = 4) -> float:
    """Largest multiple of 10**-decimals at most ``x`` (at least 0)."""
    q = 10 ** decimals
    t = math.floor(x * q) / q
    if t > x:
        t = (math.floor(x * q) - 1) / q
    return max(t, 0.0)


def _new_feature(fs: FeatureStatistics, num_examples: int) -> Feature:
    """The schema feature of a new column, as schema inference would write it."""
    from dvtools.schema.inference import infer_schema

    return infer_schema(DatasetStatistics(num_examples=num_examples, features={fs.name: fs})).feature(fs.name)


def accept_anomaly(schema: Schema, anomaly: Anomaly, *, current: DatasetStatistics | None = None) -> Schema:
    """Return a copy of ``schema`` changed so that ``anomaly`` no longer fires (see the module docstring).

    ``current`` (the statistics the anomaly came from) is needed for SCHEMA_NEW_COLUMN and for a
    truncated list of unexpected string values. Raises :class:`AnomalyNotAcceptable` (a
    ``ValueError``) when the anomaly cannot be accepted.
    """
    s = schema.copy()
    t, d = anomaly.type, anomaly.details

    if t == T.SCHEMA_NEW_COLUMN:
        fs = _current_feature(anomaly, current)
        assert current is not None
        if fs.name in s:
            raise AnomalyNotAcceptable(f"feature {fs.name!r} is already in the schema")
        s.add_feature(_new_feature(fs, current.num_examples))
        return s

    if t == T.DATASET_LOW_NUM_EXAMPLES:
        s.dataset_constraints.min_examples_count = int(anomaly.observed)  # type: ignore[arg-type]
        return s
    if t in (T.COMPARATOR_LOW_NUM_EXAMPLES, T.COMPARATOR_HIGH_NUM_EXAMPLES):
        comp = s.dataset_constraints.num_examples_drift_comparator
        ratio = float(anomaly.observed)  # type: ignore[arg-type]
        if t == T.COMPARATOR_LOW_NUM_EXAMPLES:
            comp.min_fraction_threshold = _floor(ratio, 3)
        else:
            comp.max_fraction_threshold = math.ceil(ratio * 1000) / 1000
            if comp.max_fraction_threshold < ratio:
                comp.max_fraction_threshold += 0.001
        return s

    if t in FAIRNESS_TYPES and anomaly.feature is None:  # dataset-level label findings: a schema note
        _add_note(s.notes, f"{t.value}:{d['accept_key']}")
        return s
    f = _feature(s, anomaly)

    if t == T.SCHEMA_MISSING_COLUMN:
        f.deprecate()
    elif t == T.FEATURE_TYPE_NOT_PRESENT:
        f.set_presence(min_fraction=0.0 if f.presence.min_fraction is not None else None,
                       min_count=0 if f.presence.min_count is not None else None, required=False)
    elif t == T.FEATURE_TYPE_LOW_FRACTION_PRESENT:
        f.set_presence(min_fraction=_floor(float(anomaly.observed)), min_count=f.presence.min_count)  # type: ignore[arg-type]
    elif t == T.FEATURE_TYPE_LOW_NUMBER_PRESENT:
        f.set_presence(min_fraction=f.presence.min_fraction, min_count=int(anomaly.observed))  # type: ignore[arg-type]
    elif t in (T.FEATURE_TYPE_LOW_NUMBER_VALUES, T.FEATURE_TYPE_HIGH_NUMBER_VALUES):
        vc = f.value_count or ValueCount()
        obs = int(anomaly.observed)  # type: ignore[arg-type]
        low = t == T.FEATURE_TYPE_LOW_NUMBER_VALUES
        f.value_count = ValueCount(obs, vc.max) if low else ValueCount(vc.min, obs)
    elif t == T.ENUM_TYPE_UNEXPECTED_STRING_VALUES:
        _accept_unexpected(f, anomaly, current)
    elif t in (T.INT_TYPE_BIG_INT, T.INT_TYPE_SMALL_INT, T.FLOAT_TYPE_BIG_FLOAT, T.FLOAT_TYPE_SMALL_FLOAT):
        _accept_range(f, anomaly)
    elif t in (T.FLOAT_TYPE_HAS_NAN, T.FLOAT_TYPE_HAS_INF):
        if not isinstance(f.domain, FloatDomain):
            raise AnomalyNotAcceptable(f"feature {f.name!r} has no float domain")
        if t == T.FLOAT_TYPE_HAS_NAN:
            f.domain.disallow_nan = False
        else:
            f.domain.disallow_inf = False
    elif t == T.UNEXPECTED_DATA_TYPE:
        if d.get("source") == "reference":
            _add_note(f.notes, f"{t.value}:{d['accept_key']}")
        else:
            try:
                new_type = FeatureType(str(anomaly.observed))
            except ValueError:
                raise AnomalyNotAcceptable(f"{anomaly.observed} is not a schema type") from None
            f.type = new_type
            if f.domain is not None and not domain_fits(f.domain, new_type):
                f.domain = None
    elif t in (T.COMPARATOR_L_INFTY_HIGH, T.COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH, T.DISTRIBUTION_DRIFT):
        if d.get("threshold_source") == "override":
            raise AnomalyNotAcceptable(
                f"the {anomaly.expected} threshold of {f.name!r} comes from a per-feature override in the "
                "validation thresholds, not the schema: raise it there"
            )
        if t == T.DISTRIBUTION_DRIFT:
            # The schema holds TFDV's comparators only: accept with the TFDV distance of this feature.
            value = d.get("tfdv_distance")
            if not isinstance(value, int | float) or not math.isfinite(value) or value >= 1:
                raise AnomalyNotAcceptable(f"no TFDV distance below 1 for {f.name!r}: set a per-feature threshold")
            new = _round_up(float(value))
            key = "linf" if d.get("tfdv_method") == "l_infinity" else "js"
        else:
            new = _round_up(float(anomaly.observed))  # type: ignore[arg-type]
            key = "linf" if t == T.COMPARATOR_L_INFTY_HIGH else "js"
        which = "skew" if d.get("comparator") == "skew" else "drift"
        f.set_threshold(**{f"{which}_{key}": new})
    elif t == T.CATEGORY_VARIANTS:
        for key in d.get("keys", []):
            _add_note(f.notes, f"{t.value}:{key}")
    elif t == T.PII_DETECTED:
        f.sensitive = True  # acknowledged: kept redacted in privacy mode, silenced for this detector
        _add_note(f.notes, f"{t.value}:{d['accept_key']}")
    elif t in FAIRNESS_TYPES:
        _add_note(f.notes, f"{t.value}:{d['accept_key']}")
    elif t in _NOTE_TYPES:
        _add_note(f.notes, t.value)
    else:
        raise AnomalyNotAcceptable(f"{t.value} anomalies cannot be accepted by changing the schema")
    f.check()
    return s


def _accept_unexpected(f: Feature, anomaly: Anomaly, current: DatasetStatistics | None) -> None:
    if not isinstance(f.domain, StringDomain):
        raise AnomalyNotAcceptable(f"feature {f.name!r} has no string domain")
    allowed = set(f.domain.values)
    new: list[Any]
    if current is not None and anomaly.feature in current:
        fs = current[anomaly.feature]  # type: ignore[index]
        vs = fs.value_view
        new = [v for v in (vs.values.values if vs.values else []) if v not in allowed]
    elif anomaly.details.get("truncated"):
        raise AnomalyNotAcceptable(
            f"the anomaly lists only some of the {anomaly.details.get('num_unexpected_values')} unexpected "
            "values: pass current= to add them all"
        )
    else:
        new = [v for v, _ in anomaly.details.get("unexpected", []) if v not in allowed]
    f.domain.values = [*f.domain.values, *(str(v) for v in new)]


def _accept_range(f: Feature, anomaly: Anomaly) -> None:
    dom = f.domain
    if not isinstance(dom, IntDomain | FloatDomain):
        raise AnomalyNotAcceptable(f"feature {f.name!r} has no numeric range")
    obs = float(anomaly.observed)  # type: ignore[arg-type]
    big = anomaly.type in (T.INT_TYPE_BIG_INT, T.FLOAT_TYPE_BIG_FLOAT)
    value: float | int | None
    if math.isinf(obs):
        value = None
    elif isinstance(dom, IntDomain):
        value = math.ceil(obs) if big else math.floor(obs)
    else:
        value = obs
    if big:
        dom.max = value  # type: ignore[assignment]
    else:
        dom.min = value  # type: ignore[assignment]
