"""The schema: the contract between training and serving data.

A :class:`Schema` lists the expected :class:`Feature` s, each with its type, presence, domain
(allowed values or range), environments and comparator thresholds, plus dataset-level
constraints. It mirrors TFDV's ``tensorflow_metadata.proto.v0.Schema`` for tabular data so it can
be written to and read from ``schema.pbtxt``; our own JSON form is the readable, versioned one.

Environments: a schema lists ``default_environments`` (e.g. ``TRAINING``, ``SERVING``); a feature
with ``not_in_environment=("SERVING",)`` (typically the label) is expected everywhere except when
validating with ``environment="SERVING"``.

Objects are mutable on purpose: the editing methods (``with_domain``, ``set_presence``,
``set_threshold``, ``deprecate``) change the feature in place, check the result, and return it so
calls chain: ``schema.feature("age").set_presence(min_fraction=0.95).set_threshold(drift_js=0.2)``.
Use :meth:`Schema.copy` to keep an original.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from enum import StrEnum

from dvtools.errors import SchemaError

SCHEMA_FORMAT = "dvtools.schema"
SCHEMA_VERSION = 1
TRAINING = "TRAINING"
SERVING = "SERVING"


class FeatureRole(StrEnum):
    """What a column is for; decides which checks apply to it by default.

    * ``feature`` (default): an input of the model; every check applies.
    * ``label``: the prediction target; checked and compared like a feature (label shift is drift).
    * ``identifier``: a row id or a key column (unique or near-unique per row): not drift-tested, not
      range- or domain-checked by default (every serving id is new by design); duplicates are checked.
    * ``timestamp``: when the row happened (time types, or epoch seconds/ms): not drift-tested, not
      range-checked by default (time moves forward: a later serving timestamp is expected).

    A per-feature setting (``Thresholds.per_feature[name].compare``) compares an identifier or a
    timestamp anyway.
    """

    FEATURE = "feature"
    LABEL = "label"
    IDENTIFIER = "identifier"
    TIMESTAMP = "timestamp"

    @property
    def compared_by_default(self) -> bool:
        """False for identifiers and timestamps (no drift, range or domain check unless asked for)."""
        return self not in (FeatureRole.IDENTIFIER, FeatureRole.TIMESTAMP)


class FeatureType(StrEnum):
    """Expected logical type of a feature's values."""

    INT = "INT"
    FLOAT = "FLOAT"
    STRING = "STRING"
    BOOL = "BOOL"
    TIMESTAMP = "TIMESTAMP"
    BYTES = "BYTES"


@dataclass
class IntDomain:
    """Allowed integer range (inclusive; ``None`` = unbounded)."""

    min: int | None = None
    max: int | None = None

    def check(self) -> None:
        """Raise :class:`SchemaError` when min > max."""
        if self.min is not None and self.max is not None and self.min > self.max:
            raise SchemaError(f"int domain min {self.min} is greater than max {self.max}")


@dataclass
class FloatDomain:
    """Allowed float range (inclusive; ``None`` = unbounded); NaN/inf allowed or not."""

    min: float | None = None
    max: float | None = None
    disallow_nan: bool = False
    disallow_inf: bool = False

    def check(self) -> None:
        """Raise :class:`SchemaError` when min > max or a bound is NaN."""
        for b in (self.min, self.max):
            if b is not None and math.isnan(b):
                raise SchemaError("float domain bound is NaN")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise SchemaError(f"float domain min {self.min} is greater than max {self.max}")


@dataclass
class StringDomain:
    """Allowed string values (a categorical vocabulary)."""

    values: list[str] = field(default_factory=list)
    name: str | None = None

    def check(self) -> None:
        """Raise :class:`SchemaError` on duplicate values."""
        if len(set(self.values)) != len(self.values):
            dup = next(v for v in self.values if self.values.count(v) > 1)
            raise SchemaError(f"string domain lists {dup!r} twice")


@dataclass
class BoolDomain:
    """Boolean feature; optionally the strings that mean true/false."""

    true_value: str | None = None
    false_value: str | None = None

    def check(self) -> None:
        """Nothing to check."""


Domain = IntDomain | FloatDomain | StringDomain | BoolDomain

_DOMAIN_KINDS: dict[FeatureType, tuple[type, ...]] = {
    FeatureType.INT: (IntDomain,),
    FeatureType.FLOAT: (FloatDomain,),
    FeatureType.STRING: (StringDomain,),
    FeatureType.BOOL: (BoolDomain, StringDomain),
    FeatureType.BYTES: (StringDomain,),
    FeatureType.TIMESTAMP: (IntDomain, FloatDomain),
}


def domain_fits(domain: Domain, type: FeatureType) -> bool:
    """Whether ``domain`` can describe a feature of ``type`` (a boolean may have a string domain)."""
    return isinstance(domain, _DOMAIN_KINDS[FeatureType(type)])


@dataclass
class Presence:
    """How often a feature must be present: share of examples and absolute count."""

    min_fraction: float | None = None
    min_count: int | None = None

    def check(self) -> None:
        """Raise :class:`SchemaError` on a fraction outside [0, 1] or a negative count."""
        if self.min_fraction is not None and not (0.0 <= self.min_fraction <= 1.0):
            raise SchemaError(f"min_fraction must be within [0, 1], got {self.min_fraction}")
        if self.min_count is not None and self.min_count < 0:
            raise SchemaError(f"min_count must be >= 0, got {self.min_count}")


@dataclass
class ValueCount:
    """For list features: allowed number of values per example."""

    min: int | None = None
    max: int | None = None

    def check(self) -> None:
        """Raise :class:`SchemaError` when min > max."""
        if self.min is not None and self.max is not None and self.min > self.max:
            raise SchemaError(f"value count min {self.min} is greater than max {self.max}")


@dataclass
class Comparator:
    """Thresholds for comparing a feature's distribution with another dataset's.

    ``infinity_norm_threshold`` applies to categorical features (L-infinity distance of category
    frequencies), ``jensen_shannon_divergence_threshold`` to numeric ones (JS divergence, base 2,
    of histograms on shared bins). ``None`` = not checked.
    """

    infinity_norm_threshold: float | None = None
    jensen_shannon_divergence_threshold: float | None = None

    def check(self) -> None:
        """Raise :class:`SchemaError` on a threshold outside [0, 1]."""
        for name, v in (("infinity_norm_threshold", self.infinity_norm_threshold),
                        ("jensen_shannon_divergence_threshold", self.jensen_shannon_divergence_threshold)):
            if v is not None and not (0.0 <= v <= 1.0):
                raise SchemaError(f"{name} must be within [0, 1], got {v}")

    @property
    def is_set(self) -> bool:
        """True when any threshold is set."""
        return (self.infinity_norm_threshold is not None
                or self.jensen_shannon_divergence_threshold is not None)


@dataclass
class Feature:
    """One expected feature (column) and its constraints."""

    name: str
    type: FeatureType
    presence: Presence = field(default_factory=Presence)
    required: bool = False
    value_count: ValueCount | None = None
    domain: Domain | None = None
    is_categorical: bool = False
    not_in_environment: list[str] = field(default_factory=list)
    in_environment: list[str] = field(default_factory=list)
    deprecated: bool = False
    skew_comparator: Comparator = field(default_factory=Comparator)
    drift_comparator: Comparator = field(default_factory=Comparator)
    description: str = ""
    notes: list[str] = field(default_factory=list)
    role: FeatureRole = FeatureRole.FEATURE
    sensitive: bool = False  # personal data: privacy mode redacts its values in every output
    group: bool = False
    """A group column (sensitive attribute: gender, age band, country): ``group_report`` groups by it by default."""

    # ---- editing ---------------------------------------------------------------------------------
    def with_domain(
        self, domain: Domain | list[str] | tuple[float | int | None, float | int | None] | None
    ) -> Feature:
        """Set the domain: a Domain, a list of allowed strings, a (min, max) range, or None."""
        if isinstance(domain, list):
            domain = StringDomain([str(v) for v in domain])
        elif isinstance(domain, tuple):
            lo, hi = domain
            domain = IntDomain(lo, hi) if self.type == FeatureType.INT else FloatDomain(lo, hi)  # type: ignore[arg-type]
        if domain is not None:
            domain.check()
        self.domain = domain
        return self

    def set_presence(self, *, min_fraction: float | None = None, min_count: int | None = None,
                     required: bool | None = None) -> Feature:
        """Set the presence constraint (``None`` clears that part)."""
        p = Presence(min_fraction, min_count)
        p.check()
        self.presence = p
        if required is not None:
            self.required = required
        return self

    def set_threshold(self, *, skew_linf: float | None = None, skew_js: float | None = None,
                      drift_linf: float | None = None, drift_js: float | None = None) -> Feature:
        """Set comparator thresholds; only the arguments given change."""
        skew = Comparator(
            skew_linf if skew_linf is not None else self.skew_comparator.infinity_norm_threshold,
            skew_js if skew_js is not None else self.skew_comparator.jensen_shannon_divergence_threshold,
        )
        drift = Comparator(
            drift_linf if drift_linf is not None else self.drift_comparator.infinity_norm_threshold,
            drift_js if drift_js is not None else self.drift_comparator.jensen_shannon_divergence_threshold,
        )
        skew.check()
        drift.check()
        self.skew_comparator, self.drift_comparator = skew, drift
        return self

    def deprecate(self, deprecated: bool = True) -> Feature:
        """Mark the feature deprecated: it is no longer validated."""
        self.deprecated = deprecated
        return self

    def check(self) -> None:
        """Raise :class:`SchemaError` when the feature is inconsistent."""
        try:
            try:
                self.role = FeatureRole(self.role)
            except ValueError:
                roles = ", ".join(r.value for r in FeatureRole)
                raise SchemaError(f"unknown role {self.role!r} (one of {roles})") from None
            if not isinstance(self.sensitive, bool):
                raise SchemaError(f"sensitive must be true or false, got {self.sensitive!r}")
            self.presence.check()
            if self.value_count is not None:
                self.value_count.check()
            if self.domain is not None:
                self.domain.check()
                if not domain_fits(self.domain, self.type):
                    raise SchemaError(f"a {type(self.domain).__name__} does not fit type {self.type}")
            self.skew_comparator.check()
            self.drift_comparator.check()
        except SchemaError as e:
            raise SchemaError(f"feature {self.name!r}: {e}") from None

    def in_env(self, environment: str | None, default_environments: list[str]) -> bool:
        """Whether the feature is expected when validating in ``environment``."""
        if environment is None:
            return True
        if self.in_environment:
            return environment in self.in_environment
        return environment not in self.not_in_environment


@dataclass
class NumExamplesComparator:
    """Allowed ratio of the current number of examples to the baseline's."""

    min_fraction_threshold: float | None = None
    max_fraction_threshold: float | None = None


@dataclass
class DatasetConstraints:
    """Dataset-level constraints."""

    min_examples_count: int | None = None
    num_examples_drift_comparator: NumExamplesComparator = field(default_factory=NumExamplesComparator)
    num_examples_version_comparator: NumExamplesComparator = field(default_factory=NumExamplesComparator)


@dataclass
class Schema:
    """Expected features and dataset constraints (see the module docstring)."""

    features: list[Feature] = field(default_factory=list)
    default_environments: list[str] = field(default_factory=list)
    dataset_constraints: DatasetConstraints = field(default_factory=DatasetConstraints)
    notes: list[str] = field(default_factory=list)

    def feature(self, name: str) -> Feature:
        """The feature called ``name`` (raises :class:`SchemaError` when absent)."""
        for f in self.features:
            if f.name == name:
                return f
        raise SchemaError(f"schema has no feature {name!r}")

    def get(self, name: str) -> Feature | None:
        """The feature called ``name`` or None."""
        for f in self.features:
            if f.name == name:
                return f
        return None

    def __contains__(self, name: object) -> bool:
        return any(f.name == name for f in self.features)

    @property
    def feature_names(self) -> list[str]:
        """Names in schema order."""
        return [f.name for f in self.features]

    def group_columns(self) -> list[str]:
        """The features marked ``group`` (sensitive attributes for fairness reports), in schema order."""
        return [f.name for f in self.features if f.group and not f.deprecated]

    def add_feature(self, feature: Feature) -> Feature:
        """Add a feature (raises :class:`SchemaError` on a duplicate name)."""
        if feature.name in self:
            raise SchemaError(f"schema already has a feature {feature.name!r}")
        feature.check()
        self.features.append(feature)
        return feature

    def remove_feature(self, name: str) -> None:
        """Drop a feature."""
        self.feature(name)
        self.features = [f for f in self.features if f.name != name]

    def check(self) -> None:
        """Raise :class:`SchemaError` when any part is inconsistent."""
        names = [f.name for f in self.features]
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise SchemaError(f"feature {dup!r} is listed twice")
        for f in self.features:
            f.check()

    def copy(self) -> Schema:
        """A deep copy."""
        return copy.deepcopy(self)
