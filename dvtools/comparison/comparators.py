"""Drift between two datasets' statistics: every distance per feature, a policy, a three-level verdict.

:func:`compare_statistics` works on two :class:`~dvtools.statistics.model.DatasetStatistics` only
(never on rows), so it runs on statistics computed once, e.g. on a cluster, and saved.

What is computed per feature present on both sides
--------------------------------------------------
*Categorical* features (STRING, BOOL, names in ``categorical``, and *low-cardinality numeric*
features: INT columns whose reference values are all listed exactly, at most
:data:`LOW_CARDINALITY_MAX` distinct) are compared on their category counts aligned on the union
of both sides' categories (:func:`~dvtools.comparison.distributions.aligned_categories`; when a
side's counter is no longer exact, the values it does not list are pooled in one ``(other)``
category): L-infinity, Jensen-Shannon divergence (base 2) and distance (its square root), PSI
(natural log, epsilon 1e-4), chi-square test of homogeneity (statistic and p-value) and Hellinger.
Low-cardinality numeric features also get KS and Wasserstein, as numeric features.

*Numeric* features (INT, FLOAT, TIMESTAMP; finite values only, NaN/inf are not part of the
distribution) are compared on *shared bins*: the reference's 20 quantile bins (heavy values in
a bin of their own) plus an underflow and an overflow bin
(:func:`~dvtools.comparison.distributions.shared_bins`, binning ``quantile``): JS
divergence and distance, PSI and Hellinger; and on their CDFs and quantile functions:

* KS statistic and p-value (:func:`~dvtools.comparison.distances.ks_from_cdfs`, asymptotic
  p-value): with two exact sketches the CDFs are evaluated at every value of both samples, so the
  statistic equals ``scipy.stats.ks_2samp``; otherwise at the union of both sketches' quantiles at
  1001 levels (0, 0.001, ..., 1: minimum and maximum included), within the KLL rank error (< 1 %).
* Wasserstein-1 in the feature's units (``wasserstein``) and divided by the reference's population
  standard deviation (``normalized_wasserstein``, Evidently's "Wasserstein distance (normed)"):
  exact (``integral |F_ref - F_cur| dx`` over both samples' values, as
  ``scipy.stats.wasserstein_distance``) with two exact sketches, else from quantiles at 1000
  midpoint levels (:func:`~dvtools.comparison.distances.normalized_wasserstein`).

p-values are marked ``approximate`` when a side's summary is not exact (a KLL sketch or a
frequent-items counter). LIST features are compared on their flattened values.

Policies: which statistic decides, at which threshold
-----------------------------------------------------
``"tfdv"``: TensorFlow Data Validation's drift/skew comparators. Categorical features:
L-infinity distance > 0.1; numeric features: Jensen-Shannon divergence (base 2) > 0.1 (TFDV flags
strictly above the threshold). Deterministic, sample-size independent, comparable across runs.
(TFDV itself treats an INT feature as numeric unless its schema marks it categorical; here a
low-cardinality INT is categorical in both policies, so it gets L-infinity.)

``"auto"`` (the default): with a small reference (<= 1000 rows) distances on few rows are noisy
while tests are informative, so a statistical test decides, as in Evidently: KS p-value < 0.05
for numeric features, chi-square p-value < 0.05 for categorical ones. With a larger reference
every p-value becomes tiny for even negligible differences, so an *effect size* decides: the
Jensen-Shannon *distance* (square root of the divergence, base 2) >= 0.1, on the categories of
categorical features and on the reference's quantile bins of numeric ones
(:func:`~dvtools.comparison.distributions.shared_bins`), so both kinds share one scale from 0
(same) to 1 (disjoint). Not Evidently's normalized Wasserstein for numeric features: it divides by
the reference's standard deviation, which a few extreme values inflate, so a shift of the bulk
of a heavy-tailed column can read as nearly 0 (``bench/distance_bench.py``, lognormal with
outliers, bulk scaled by 1.3: 0.011, where the quantile-binned JS distance reads 0.105); it is
still computed and reported, and ``numeric_method="normalized_wasserstein"`` restores it. A
distance verdict of ``auto`` also needs a significant chi-square test on the same counts
(``p < 0.05``; the *significance gate*, :attr:`ComparatorSpec.gated`): with a few hundred current
rows two samples of one distribution already differ by a JS distance near 0.1 (about
``sqrt((K - 1) (1/n_ref + 1/n_cur) / (8 ln 2))`` for ``K`` bins), and an effect the samples cannot
tell from noise is not drift. p-values are reported as secondary evidence.

``correction`` (``"bonferroni"`` or ``"fdr"``, Benjamini-Hochberg) adjusts the p-values of the
features whose primary method is a test, across those features; the verdict then uses the
adjusted value (stored in ``p_values`` as ``"<method>_adjusted"``). ``thresholds`` overrides a
method's threshold; ``methods`` restricts what is computed (the primary method always is).

Verdicts (:class:`DriftVerdict`)
--------------------------------
* distance methods, threshold ``t``: ``drift`` when the statistic reaches ``t`` (``>= t``; ``> t``
  under ``tfdv``), ``possible drift`` when it reaches half of ``t`` (``>= t / 2``), else
  ``no drift``;
* test methods, significance ``alpha``: ``drift`` when ``p < alpha``, ``possible drift`` when
  ``p < 2 alpha``, else ``no drift``;
* a feature with values on one side only is ``drift`` (distances at their maximum, no p-value);
  no values on either side is ``no drift``.

Identifier-like and high-cardinality categorical features
--------------------------------------------------------
Frequency vectors over many categories are mostly sampling noise: with ``K`` categories and
``n_ref``/``n_cur`` values, two samples of the *same* distribution have an expected JS divergence
of about ``(K - 1) (1/n_ref + 1/n_cur) / (8 ln 2)`` (the chi-square approximation), e.g. a JS
distance around 0.3 for 3,000 runner ids in 10,000 rows. So, in both policies:

* a categorical feature whose distinct values are at least :data:`IDENTIFIER_UNIQUE_RATIO` (90 %)
  of its present values on *both* sides (and more than :data:`IDENTIFIER_MIN_UNIQUE`) is
  *identifier-like* (row ids, keys): ``kind="identifier"``, verdict ``no drift``, no distance
  (``statistic`` NaN), no new/vanished categories, and the note ``identifier-like: distribution not compared``;
* under ``auto``, a categorical feature with more categories than
  :data:`HIGH_CARDINALITY_RATIO` (5 %) of the smaller side's present values (and more than
  :data:`HIGH_CARDINALITY_TOP` + 1) is *high-cardinality*: its distances and chi-square test are
  computed on the :data:`HIGH_CARDINALITY_TOP` (20) categories most frequent in both sides
  together plus an ``(other)`` bucket (expected noise then ~ 20 / n instead of K / n), and a
  distance verdict counts only when that chi-square test is also significant (``p < 0.05``):
  an effect that the samples cannot tell from noise is not drift. A note says so. Pooling
  categories can only lower a distance, so the statistic is a lower bound of the full one.
  New and vanished categories are still counted on every category.

Missing-share changes, new and vanished categories and values out of the reference range are
reported as their own findings on :class:`FeatureComparison`, not folded into the verdict.
The dataset drifts when the share of compared features with verdict ``drift`` is at least
``drift_share_threshold`` (0.5 by default, as Evidently's dataset drift).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np

from dvtools.comparison._common import dataset_names, jsonable
from dvtools.comparison.distances import (
    benjamini_hochberg,
    bonferroni,
    chi_square,
    hellinger,
    jensen_shannon_divergence,
    ks_from_cdfs,
    l_infinity,
    normalized_wasserstein,
    psi,
    wasserstein_from_quantiles,
)
from dvtools.comparison.distributions import aligned_categories, shared_bins, sketch_values
from dvtools.defaults import DATASET_NAMES, DEFAULT_POLICY, POLICY_NAMES
from dvtools.errors import UsageError
from dvtools.schema.inference import infer_role, is_categorical_int
from dvtools.schema.model import FeatureRole, FeatureType, Schema
from dvtools.statistics.model import DatasetStatistics, FeatureStatistics, LogicalType, NumericStatistics

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CATEGORICAL_METHODS",
    "LOW_CARDINALITY_MAX",
    "METHODS",
    "NUMERIC_METHODS",
    "POLICIES",
    "Comparison",
    "DriftVerdict",
    "FeatureComparison",
    "Policy",
    "Rule",
    "compare_statistics",
    "judge_comparison",
    "measure_statistics",
    "resolve_spec",
]

L_INFINITY = "l_infinity"
JS_DIVERGENCE = "jensen_shannon_divergence"
JS_DISTANCE = "jensen_shannon_distance"
PSI = "psi"
CHI_SQUARE = "chi_square"
HELLINGER = "hellinger"
KS = "ks"
WASSERSTEIN = "wasserstein"
NORMALIZED_WASSERSTEIN = "normalized_wasserstein"

#: Methods computed for categorical features (on aligned category counts).
CATEGORICAL_METHODS: tuple[str, ...] = (L_INFINITY, JS_DIVERGENCE, JS_DISTANCE, PSI, CHI_SQUARE, HELLINGER)
#: Methods computed for numeric features (shared bins, CDFs, quantiles).
NUMERIC_METHODS: tuple[str, ...] = (JS_DIVERGENCE, JS_DISTANCE, PSI, HELLINGER, KS, WASSERSTEIN,
                                    NORMALIZED_WASSERSTEIN)
#: Every method name accepted in ``methods`` and ``thresholds``.
METHODS: tuple[str, ...] = tuple(dict.fromkeys(CATEGORICAL_METHODS + NUMERIC_METHODS))
#: Methods that are statistical tests (their verdict uses the p-value).
TEST_METHODS = frozenset({CHI_SQUARE, KS})

#: An INT feature with at most this many distinct values, all listed exactly, is compared as categorical.
LOW_CARDINALITY_MAX = 20
#: Identifier-like: distinct / present values at least this on both sides (see the module docstring).
IDENTIFIER_UNIQUE_RATIO = 0.9
#: ... and more distinct values than this.
IDENTIFIER_MIN_UNIQUE = 20
#: High-cardinality: more categories than this share of the smaller side's present values.
HIGH_CARDINALITY_RATIO = 0.05
#: High-cardinality features are compared on this many top categories plus ``(other)``.
HIGH_CARDINALITY_TOP = 20
#: Significance the chi-square test on the same counts must reach for a distance verdict of ``auto`` to count.
SIGNIFICANCE_ALPHA = 0.05
#: The ``auto`` policy uses statistical tests when the reference has at most this many rows.
SMALL_REFERENCE_ROWS = 1000

KS_GRID_LEVELS = 1001  # quantile levels per side for KS on inexact sketches (0, 0.001, ..., 1)
WASSERSTEIN_LEVELS = 1000  # midpoint levels for Wasserstein from quantiles
MAX_LISTED_CATEGORIES = 20  # new/vanished categories listed per feature (all are counted)
POSSIBLE_DISTANCE_FACTOR = 0.5  # "possible drift" from this fraction of a distance threshold
POSSIBLE_P_FACTOR = 2.0  # "possible drift" below this multiple of a test's alpha


class DriftVerdict(StrEnum):
    """The three-level verdict of one feature (see the module docstring for the rules)."""

    NO_DRIFT = "no drift"
    POSSIBLE_DRIFT = "possible drift"
    DRIFT = "drift"


class ThresholdSource(StrEnum):
    """Which layer set a feature's comparator (see :func:`resolve_spec` for the precedence)."""

    POLICY = "policy"
    GLOBAL = "global"
    SCHEMA = "schema"
    OVERRIDE = "override"


#: Distance methods whose threshold is exceeded only strictly (TFDV's comparators: ``stat > t``).
STRICT_METHODS = frozenset({L_INFINITY, JS_DIVERGENCE})

#: The threshold of a method when a layer picks it without giving one (the policies' values where
#: they use the method; PSI's customary 0.2; significance 0.05 for tests).
METHOD_DEFAULT_THRESHOLDS: dict[str, float] = {
    L_INFINITY: 0.1, JS_DIVERGENCE: 0.1, JS_DISTANCE: 0.1, PSI: 0.2, CHI_SQUARE: 0.05, HELLINGER: 0.1,
    KS: 0.05, NORMALIZED_WASSERSTEIN: 0.1,
}



@dataclass(frozen=True)
class ComparatorSpec:
    """How one feature is compared: the deciding method, its threshold, strictness, binning, where it came from.

    Distance methods: ``drift`` when ``stat >= threshold`` (``stat > threshold`` when ``strict``,
    TFDV's comparators), ``possible drift`` from half the threshold. Test methods (``ks``,
    ``chi_square``): ``drift`` when ``p < threshold``, ``possible drift`` when ``p < 2 threshold``.
    ``binning``: how numeric features are binned for JS/PSI/Hellinger (``"quantile"`` or ``"tfdv"``).
    ``source``: the layer that decided the method or threshold (:class:`ThresholdSource`).
    """

    method: str
    threshold: float
    strict: bool = False
    binning: str = "quantile"
    source: str = ThresholdSource.POLICY.value
    gated: bool = False
    """The significance gate (``auto``): a distance verdict counts only when the chi-square test on
    the same counts has ``p <`` :data:`SIGNIFICANCE_ALPHA`."""

    @property
    def is_test(self) -> bool:
        """True for p-value methods."""
        return self.method in TEST_METHODS

    def verdict(self, value: float, gate_p: float | None = None) -> DriftVerdict:
        """Verdict of the primary statistic ``value`` (a p-value for tests); ``gate_p``: the gate's p-value."""
        if value is None or math.isnan(value):
            return DriftVerdict.NO_DRIFT
        t = self.threshold
        if self.is_test:
            if value < t:
                return DriftVerdict.DRIFT
            return DriftVerdict.POSSIBLE_DRIFT if value < POSSIBLE_P_FACTOR * t else DriftVerdict.NO_DRIFT
        if self.gated and gate_p is not None and not gate_p < SIGNIFICANCE_ALPHA:
            return DriftVerdict.NO_DRIFT
        if value > t or (not self.strict and value >= t):
            return DriftVerdict.DRIFT
        return DriftVerdict.POSSIBLE_DRIFT if value >= POSSIBLE_DISTANCE_FACTOR * t else DriftVerdict.NO_DRIFT


#: The former name of :class:`ComparatorSpec` (kept for callers of the 0.x API).
Rule = ComparatorSpec


@dataclass(frozen=True)
class Policy:
    """Which comparator applies to a feature, by kind and (optionally) by reference size."""

    name: str
    description: str
    categorical: ComparatorSpec
    numeric: ComparatorSpec
    small_categorical: ComparatorSpec | None = None
    small_numeric: ComparatorSpec | None = None
    small_max_rows: int = SMALL_REFERENCE_ROWS
    significance_gate: bool = False
    """A distance verdict counts only when a chi-square test on the same counts is significant
    (high-cardinality categorical features: on their top categories + ``(other)``)."""
    binning: str = "quantile"

    def rule(self, kind: str, reference_rows: int, overrides: Mapping[str, float] | None = None) -> ComparatorSpec:
        """The policy's comparator for a feature of ``kind`` with a reference of ``reference_rows`` rows."""
        small = reference_rows <= self.small_max_rows
        if kind == "categorical":
            r = self.small_categorical if small and self.small_categorical else self.categorical
        else:
            r = self.small_numeric if small and self.small_numeric else self.numeric
        r = replace(r, binning=self.binning)
        if overrides and r.method in overrides:
            r = replace(r, threshold=float(overrides[r.method]), source=ThresholdSource.GLOBAL.value)
        return r


POLICIES: dict[str, Policy] = {
    "tfdv": Policy(
        "tfdv",
        "TFDV comparators: L-infinity > 0.1 (categorical), Jensen-Shannon divergence > 0.1 (numeric)",
        categorical=ComparatorSpec(L_INFINITY, 0.1, strict=True),
        numeric=ComparatorSpec(JS_DIVERGENCE, 0.1, strict=True),
        binning="tfdv",
    ),
    "auto": Policy(
        "auto",
        "training data <= 1000 rows: KS p < 0.05 (numeric), chi-square p < 0.05 (categorical); larger: "
        "Jensen-Shannon distance >= 0.1 on categories and on the training data's quantile bins, counted only "
        "when a chi-square test on the same counts is significant (p < 0.05)",
        categorical=ComparatorSpec(JS_DISTANCE, 0.1),
        numeric=ComparatorSpec(JS_DISTANCE, 0.1),
        small_categorical=ComparatorSpec(CHI_SQUARE, 0.05),
        small_numeric=ComparatorSpec(KS, 0.05),
        significance_gate=True,
        binning="quantile",
    ),
}


assert tuple(POLICIES) == POLICY_NAMES, "dvtools.defaults.POLICY_NAMES must name the policies"


@dataclass(frozen=True)
class FeatureOverride:
    """A per-feature setting, the highest layer: TFDV-style thresholds and "compare anyway".

    ``linf`` (categorical) / ``js`` (numeric): judge this feature by L-infinity / Jensen-Shannon
    divergence at this threshold, whatever the other layers say. ``compare``: True compares an
    identifier or timestamp column anyway (they are not compared by default), False never compares
    the feature, None follows its role.
    """

    linf: float | None = None
    js: float | None = None
    compare: bool | None = None


@dataclass(frozen=True)
class Layers:
    """Every input of :func:`resolve_spec` but the feature itself, lowest precedence first.

    * ``policy``: the defaults (:data:`POLICIES`);
    * global: ``categorical_method`` / ``numeric_method`` (judge every such feature by this method,
      None = the policy's) and ``thresholds`` (method -> threshold wherever that method decides);
    * ``schema``: its feature's ``drift_comparator`` or ``skew_comparator`` (``comparator``, the
      second dataset's role: ``"skew"`` for serving, ``"drift"`` for evaluation or the next span);
    * ``overrides``: per feature (:class:`FeatureOverride`).
    """

    policy: str = DEFAULT_POLICY
    thresholds: Mapping[str, float] = field(default_factory=dict)
    categorical_method: str | None = None
    numeric_method: str | None = None
    schema: Schema | None = None
    comparator: str = "drift"
    overrides: Mapping[str, FeatureOverride] = field(default_factory=dict)


def resolve_spec(feature: str, kind: str, reference_rows: int, layers: Layers) -> ComparatorSpec:
    """THE comparator of one feature: the one place that decides method, threshold and their source.

    Precedence, lowest first (a higher layer replaces what it sets):

    1. ``policy``: the policy's method and threshold for the feature's kind (and reference size);
    2. ``global``: ``categorical_method``/``numeric_method`` pick the method (threshold from
       ``thresholds`` or :data:`METHOD_DEFAULT_THRESHOLDS`); ``thresholds[method]`` sets the
       threshold of whichever method decides;
    3. ``schema``: the feature's skew (``comparator="skew"``) or drift comparator: L-infinity for
       categorical features, Jensen-Shannon divergence for numeric ones (TFDV, strictly above);
    4. ``override``: ``overrides[feature].linf`` / ``.js``, the same way.

    ``kind`` is ``"categorical"`` or ``"numeric"``.
    """
    pol = POLICIES[layers.policy]
    spec = pol.rule(kind, reference_rows)
    categorical = kind == "categorical"
    method = layers.categorical_method if categorical else layers.numeric_method
    if method is not None and method != spec.method and method in (CATEGORICAL_METHODS if categorical
                                                                   else NUMERIC_METHODS):
        spec = ComparatorSpec(method, METHOD_DEFAULT_THRESHOLDS.get(method, 0.1), method in STRICT_METHODS,
                              pol.binning, ThresholdSource.GLOBAL.value)
    if spec.method in layers.thresholds:
        spec = replace(spec, threshold=float(layers.thresholds[spec.method]), source=ThresholdSource.GLOBAL.value)
    tfdv_method = L_INFINITY if categorical else JS_DIVERGENCE
    f = layers.schema.get(feature) if layers.schema is not None else None
    if f is not None:
        comp = f.skew_comparator if layers.comparator == "skew" else f.drift_comparator
        t = comp.infinity_norm_threshold if categorical else comp.jensen_shannon_divergence_threshold
        if t is not None:
            spec = ComparatorSpec(tfdv_method, float(t), True, pol.binning, ThresholdSource.SCHEMA.value)
    o = layers.overrides.get(feature)
    t = (o.linf if categorical else o.js) if o is not None else None
    if t is not None:
        spec = ComparatorSpec(tfdv_method, float(t), True, pol.binning, ThresholdSource.OVERRIDE.value)
    return spec


@dataclass
class FeatureComparison:
    """Comparison of one feature: all distances, the deciding statistic, the verdict, the findings.

    ``distances`` maps method -> statistic (chi-square and KS: the test statistic), ``p_values``
    maps test method -> p-value (and ``"<method>_adjusted"`` after a correction). ``statistic`` is
    the value the verdict used (a p-value for tests). Shares: ``missing_share_*`` are null rows /
    rows; ``new_categories`` list current values absent from the reference (``count`` and ``share``
    of the current present values), ``vanished_categories`` reference values absent from the
    current data (share of the reference's); ``below_range_share``/``above_range_share`` are the
    current finite values below the reference minimum / above its maximum (underflow/overflow
    bins), ``None`` for non-numeric features.
    """

    feature: str
    kind: str
    logical_type: str
    primary_method: str
    threshold: float
    statistic: float
    verdict: DriftVerdict
    distances: dict[str, float] = field(default_factory=dict)
    p_values: dict[str, float] = field(default_factory=dict)
    approximate: bool = False
    low_cardinality: bool = False
    num_present_reference: int = 0
    num_present_current: int = 0
    missing_share_reference: float = 0.0
    missing_share_current: float = 0.0
    new_categories: list[dict[str, Any]] = field(default_factory=list)
    vanished_categories: list[dict[str, Any]] = field(default_factory=list)
    num_new_categories: int = 0
    num_vanished_categories: int = 0
    new_categories_share: float = 0.0
    vanished_categories_share: float = 0.0
    below_range_share: float | None = None
    above_range_share: float | None = None
    notes: list[str] = field(default_factory=list)
    spec: ComparatorSpec | None = None
    """The comparator that decided the verdict (method, effective threshold, its source)."""
    evidence: dict[str, Any] = field(default_factory=dict, repr=False)
    """What a description of the verdict needs: the largest category changes (``largest_changes``:
    ``[label, reference share, current share]``, up to 10) or the shared bins (``bins``,
    ``edges``, ``reference_counts``, ``current_counts``)."""

    @property
    def threshold_source(self) -> str:
        """Where the effective threshold came from: policy, global, schema or override."""
        return self.spec.source if self.spec is not None else ThresholdSource.POLICY.value

    @property
    def gate_p_value(self) -> float | None:
        """The significance gate's chi-square p-value when the comparator is gated, else None."""
        gate = self.evidence.get("gate")
        return gate[1] if gate is not None and self.spec is not None and self.spec.gated else None

    @property
    def missing_share_change(self) -> float:
        """Current minus reference missing share."""
        return self.missing_share_current - self.missing_share_reference

    @property
    def out_of_range_share(self) -> float | None:
        """Share of current finite values outside the reference range (None when not numeric)."""
        if self.below_range_share is None or self.above_range_share is None:
            return None
        return self.below_range_share + self.above_range_share

    @property
    def drifted(self) -> bool:
        """True when the verdict is ``drift``."""
        return self.verdict == DriftVerdict.DRIFT

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (NaN and infinities as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``)."""
        return jsonable({
            "feature": self.feature,
            "kind": self.kind,
            "logical_type": self.logical_type,
            "low_cardinality": self.low_cardinality,
            "primary_method": self.primary_method,
            "threshold": self.threshold,
            "threshold_source": self.threshold_source,
            "statistic": self.statistic,
            "verdict": self.verdict.value,
            "distances": self.distances,
            "p_values": self.p_values,
            "approximate": self.approximate,
            "num_present_reference": self.num_present_reference,
            "num_present_current": self.num_present_current,
            "missing_share_reference": self.missing_share_reference,
            "missing_share_current": self.missing_share_current,
            "missing_share_change": self.missing_share_change,
            "new_categories": self.new_categories,
            "num_new_categories": self.num_new_categories,
            "new_categories_share": self.new_categories_share,
            "vanished_categories": self.vanished_categories,
            "num_vanished_categories": self.num_vanished_categories,
            "vanished_categories_share": self.vanished_categories_share,
            "below_range_share": self.below_range_share,
            "above_range_share": self.above_range_share,
            "out_of_range_share": self.out_of_range_share,
            "notes": self.notes,
        })


@dataclass
class Comparison:
    """Result of :func:`compare_statistics`: per-feature comparisons and the dataset verdict."""

    features: list[FeatureComparison]
    policy: str
    num_examples_reference: int
    num_examples_current: int
    drift_share_threshold: float = 0.5
    correction: str | None = None
    only_in_reference: list[str] = field(default_factory=list)
    only_in_current: list[str] = field(default_factory=list)
    not_compared: dict[str, str] = field(default_factory=dict)
    """Features present on both sides but not compared, with the reason (``"identifier"``,
    ``"timestamp"``, ``"key column"``, ``"deprecated"``, ``"not in environment X"``, no values...)."""
    comparator: str = "drift"
    names: tuple[str, str] = DATASET_NAMES["drift"]
    """What the notes and reasons call the two datasets (:func:`~dvtools.comparison._common.dataset_names`:
    by role, e.g. ``("training", "serving")``); reports and messages name them so too."""

    @property
    def not_compared_by_role(self) -> dict[str, str]:
        """Features skipped because of their role: name -> ``"identifier"`` or ``"timestamp"``."""
        roles = {FeatureRole.IDENTIFIER.value, FeatureRole.TIMESTAMP.value}
        return {n: r for n, r in self.not_compared.items() if r in roles}

    @property
    def nothing_compared(self) -> bool:
        """True when no feature was compared (no column in common, or none comparable): not a pass."""
        return not self.features

    def nothing_compared_reason(self, names: tuple[str, str] | None = None) -> str:
        """One line saying why nothing was compared (for the CLI's error and the dashboard).

        ``names``: the two datasets' roles (default: :attr:`names`, the comparison's).
        """
        if self.not_compared:
            skipped = ", ".join(f"{n} ({r})" for n, r in list(self.not_compared.items())[:5])
            return ("nothing compared: no feature of both datasets could be compared"
                    + (f" ({skipped})" if skipped else ""))
        ref_name, cur_name = names or self.names
        ref = ", ".join(self.only_in_reference[:5]) or "none"
        cur = ", ".join(self.only_in_current[:5]) or "none"
        return (f"nothing compared: the datasets have no column in common ({ref_name}: {ref}; "
                f"{cur_name}: {cur})")

    @property
    def drifted(self) -> list[FeatureComparison]:
        """Features with verdict ``drift``."""
        return [f for f in self.features if f.verdict == DriftVerdict.DRIFT]

    @property
    def possibly_drifted(self) -> list[FeatureComparison]:
        """Features with verdict ``possible drift``."""
        return [f for f in self.features if f.verdict == DriftVerdict.POSSIBLE_DRIFT]

    @property
    def drift_share(self) -> float:
        """Share of compared features whose verdict is ``drift`` (0 when none was compared)."""
        return len(self.drifted) / len(self.features) if self.features else 0.0

    @property
    def dataset_drift(self) -> bool:
        """True when ``drift_share >= drift_share_threshold`` (and some feature was compared)."""
        return bool(self.features) and self.drift_share >= self.drift_share_threshold

    def __getitem__(self, name: str) -> FeatureComparison:
        for f in self.features:
            if f.feature == name:
                return f
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(f.feature == name for f in self.features)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return jsonable({
            "policy": self.policy,
            "comparator": self.comparator,
            "correction": self.correction,
            "num_examples_reference": self.num_examples_reference,
            "num_examples_current": self.num_examples_current,
            "num_features_compared": len(self.features),
            "num_drifted": len(self.drifted),
            "drift_share": self.drift_share,
            "drift_share_threshold": self.drift_share_threshold,
            "dataset_drift": self.dataset_drift,
            "only_in_reference": self.only_in_reference,
            "only_in_current": self.only_in_current,
            "not_compared": self.not_compared,
            "features": [f.to_dict() for f in self.features],
        })

    def to_frame(self) -> pd.DataFrame:
        """One row per compared feature: method, threshold, statistic, verdict, findings, every distance."""
        import pandas as pd  # only here: pandas costs start-up time

        rows = []
        for f in self.features:
            row: dict[str, Any] = {
                "feature": f.feature,
                "kind": f.kind,
                "method": f.primary_method,
                "threshold": f.threshold,
                "threshold_source": f.threshold_source,
                "statistic": f.statistic,
                "verdict": f.verdict.value,
                "approximate": f.approximate,
                "missing_reference": f.missing_share_reference,
                "missing_current": f.missing_share_current,
                "missing_change": f.missing_share_change,
                "new_categories": f.num_new_categories,
                "vanished_categories": f.num_vanished_categories,
                "out_of_range_share": f.out_of_range_share,
            }
            for m in METHODS:
                row[m] = f.distances.get(m, math.nan)
            for m in sorted(TEST_METHODS):
                row[f"{m}_p_value"] = f.p_values.get(m, math.nan)
            rows.append(row)
        columns = ["feature", "kind", "method", "threshold", "threshold_source", "statistic", "verdict", "approximate",
                   "missing_reference", "missing_current", "missing_change", "new_categories",
                   "vanished_categories", "out_of_range_share", *METHODS,
                   *(f"{m}_p_value" for m in sorted(TEST_METHODS))]
        return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- helpers


def _numeric_of(f: FeatureStatistics) -> NumericStatistics | None:
    return f.numeric if f.logical_type.is_numeric else None


def _classify(ref: FeatureStatistics, cur: FeatureStatistics, hint: bool | None) -> tuple[str, bool] | str:
    """``(kind, low_cardinality)``, or the reason why the feature cannot be compared."""
    both_values = ref.values is not None and cur.values is not None
    both_numeric = _numeric_of(ref) is not None and _numeric_of(cur) is not None
    if hint is True and both_values:
        return "categorical", False
    if hint is False and both_numeric:
        return "numeric", False
    if ref.is_categorical_kind or cur.is_categorical_kind:
        if both_values:
            return "categorical", False
        return f"no value counts to compare ({ref.logical_type.value} vs {cur.logical_type.value})"
    if both_numeric:
        if is_categorical_int(ref, LOW_CARDINALITY_MAX) and cur.values is not None:
            return "categorical", True
        return "numeric", False
    if both_values:
        return "categorical", False
    return f"{ref.logical_type.value} vs {cur.logical_type.value} features have no comparable summaries"


def _category_findings(fc: FeatureComparison, labels: list[Any], r: np.ndarray, c: np.ndarray,
                       has_other: bool, ref_exact: bool, cur_exact: bool) -> None:
    """Fill new/vanished categories (only where the other side's counter is exact: else unknown)."""
    rt, ct = float(r.sum()), float(c.sum())
    real = np.ones(len(labels), dtype=bool)
    if has_other:
        real[-1] = False
    if ref_exact:
        new = np.flatnonzero(real & (r == 0) & (c > 0))
        new = new[np.argsort(-c[new], kind="stable")]
        fc.num_new_categories = int(new.size)
        fc.new_categories_share = float(c[new].sum() / ct) if ct else 0.0
        fc.new_categories = [{"value": labels[i], "count": int(c[i]), "share": float(c[i] / ct)}
                             for i in new[:MAX_LISTED_CATEGORIES]]
    if cur_exact:
        gone = np.flatnonzero(real & (c == 0) & (r > 0))
        gone = gone[np.argsort(-r[gone], kind="stable")]
        fc.num_vanished_categories = int(gone.size)
        fc.vanished_categories_share = float(r[gone].sum() / rt) if rt else 0.0
        fc.vanished_categories = [{"value": labels[i], "count": int(r[i]), "share": float(r[i] / rt)}
                                  for i in gone[:MAX_LISTED_CATEGORIES]]


def _vector_distances(r: np.ndarray, c: np.ndarray, wanted: set[str], *,
                      categorical: bool) -> dict[str, float]:
    out: dict[str, float] = {}
    if categorical and L_INFINITY in wanted:
        out[L_INFINITY] = l_infinity(r, c)
    if JS_DIVERGENCE in wanted or JS_DISTANCE in wanted:
        jsd = jensen_shannon_divergence(r, c)
        if JS_DIVERGENCE in wanted:
            out[JS_DIVERGENCE] = jsd
        if JS_DISTANCE in wanted:
            out[JS_DISTANCE] = math.sqrt(jsd)
    if PSI in wanted:
        out[PSI] = psi(r, c)
    if HELLINGER in wanted:
        out[HELLINGER] = hellinger(r, c)
    return out


def _numeric_tests(rn: NumericStatistics, cn: NumericStatistics, wanted: set[str],
                   distances: dict[str, float], p_values: dict[str, float]) -> None:
    """KS and Wasserstein from the two sketches (exact values when both sketches are exact).

    Not computed (NaN) when a side was imported from TFDV: its histograms do not determine them.
    """
    if rn.sketch.from_histogram or cn.sketch.from_histogram:
        for m in (KS, WASSERSTEIN, NORMALIZED_WASSERSTEIN):
            if m in wanted:
                distances[m] = math.nan
        if KS in wanted:
            p_values[KS] = math.nan
        return
    xr, xc = sketch_values(rn.sketch), sketch_values(cn.sketch)
    std = rn.std if math.isfinite(rn.std) else 0.0
    if xr is not None and xc is not None:
        # Exact: both empirical CDFs at every value of both samples (their union).
        points = np.union1d(xr, xc)
        fr = np.searchsorted(xr, points, side="right") / xr.size
        fc = np.searchsorted(xc, points, side="right") / xc.size
        if KS in wanted:
            distances[KS], p_values[KS] = ks_from_cdfs(points, fr, fc, rn.num_finite, cn.num_finite)
        # W1 = integral |F_ref - F_cur| dx, exactly as scipy.stats.wasserstein_distance computes it.
        w1 = float(np.sum(np.abs(fr[:-1] - fc[:-1]) * np.diff(points))) if points.size > 1 else 0.0
        nw = 0.0 if w1 == 0 else (math.inf if std == 0 else w1 / std)
    else:
        if KS in wanted:
            levels = np.linspace(0.0, 1.0, KS_GRID_LEVELS)
            points = np.union1d(rn.sketch.quantiles(levels), cn.sketch.quantiles(levels))
            points = points[np.isfinite(points)]
            distances[KS], p_values[KS] = ks_from_cdfs(points, rn.sketch.cdf(points), cn.sketch.cdf(points),
                                                       rn.num_finite, cn.num_finite)
        mid = (np.arange(WASSERSTEIN_LEVELS) + 0.5) / WASSERSTEIN_LEVELS
        qr, qc = rn.sketch.quantiles(mid), cn.sketch.quantiles(mid)
        w1 = wasserstein_from_quantiles(qr, qc)
        nw = normalized_wasserstein(qr, qc, std)
    if WASSERSTEIN in wanted:
        distances[WASSERSTEIN] = w1
    if NORMALIZED_WASSERSTEIN in wanted:
        distances[NORMALIZED_WASSERSTEIN] = nw


# Statistic reported when exactly one side has values (the range maximum of each method).
_MAX_VALUE = {
    L_INFINITY: 1.0, JS_DIVERGENCE: 1.0, JS_DISTANCE: 1.0, HELLINGER: 1.0, KS: 1.0, CHI_SQUARE: math.inf,
    WASSERSTEIN: math.inf, NORMALIZED_WASSERSTEIN: math.inf,
}


def _fill_empty(fc: FeatureComparison, wanted: set[str], n_ref: float, n_cur: float,
                names: tuple[str, str]) -> FeatureComparison:
    """One or both sides have no values: nothing to measure; one-sided is the worst drift (see :func:`_judge`).

    ``names``: the two datasets' roles, for the note.
    """
    one_sided = (n_ref == 0) != (n_cur == 0)
    for m in sorted(wanted):
        if m == PSI:
            fc.distances[m] = psi(np.array([n_ref]), np.array([n_cur]))
        else:
            fc.distances[m] = _MAX_VALUE[m] if one_sided else 0.0
        if m in TEST_METHODS:
            fc.p_values[m] = math.nan if one_sided else 1.0
    side = "reference" if n_ref == 0 else "current"
    fc.notes.append(f"no values in the {names[0] if n_ref == 0 else names[1]} data" if one_sided
                    else "no values on either side")
    fc.evidence["empty"] = "one side" if one_sided else "both sides"
    if one_sided:
        fc.evidence["empty_side"] = side  # for descriptions that name the side by its role
    return fc


def _measure_feature(name: str, ref_outer: FeatureStatistics, cur_outer: FeatureStatistics, *,
                     hint: bool | None, binning: str, methods: set[str] | None,
                     deciding: Any = None, names: tuple[str, str] = DATASET_NAMES["drift"]) -> FeatureComparison | str:
    """Everything about one feature that does not depend on thresholds: kind, distances, findings.

    ``methods``: the methods to compute (None: all that apply); ``deciding(kind)``: the method that
    will decide (always computed); ``names``: the datasets' roles, for notes and bin labels. The
    verdict is :func:`_judge`'s.
    """
    ref, cur = ref_outer.value_view, cur_outer.value_view
    ref_null, cur_null = ref.logical_type == LogicalType.NULL, cur.logical_type == LogicalType.NULL
    if ref_null and cur_null:
        return "no values on either side"
    # A column that is null throughout is typed NULL by the loaders: classify by the other side.
    kind_or_reason = _classify(cur if ref_null else ref, ref if cur_null else cur, hint)
    if isinstance(kind_or_reason, str):
        return kind_or_reason
    kind, low_card = kind_or_reason
    applicable = set(CATEGORICAL_METHODS if kind == "categorical" else NUMERIC_METHODS)
    rn, cn = _numeric_of(ref), _numeric_of(cur)
    if low_card and rn is not None and cn is not None:
        applicable |= {KS, WASSERSTEIN, NORMALIZED_WASSERSTEIN}
    wanted = applicable if methods is None else (applicable & methods) | {deciding(kind)}
    fc = FeatureComparison(
        feature=name, kind=kind, logical_type=ref_outer.logical_type.value, primary_method="",
        threshold=math.nan, statistic=math.nan, verdict=DriftVerdict.NO_DRIFT, low_cardinality=low_card,
        missing_share_reference=ref_outer.missing_fraction, missing_share_current=cur_outer.missing_fraction,
    )
    if ref_null or cur_null:
        fc.num_present_reference, fc.num_present_current = ref.num_present, cur.num_present
        return _fill_empty(fc, wanted, float(ref.num_present), float(cur.num_present), names)
    if ref_outer.logical_type != cur_outer.logical_type:
        fc.notes.append(f"type changed: {ref_outer.logical_type.value} in the {names[0]} data, "
                        f"{cur_outer.logical_type.value} in the {names[1]} data")
    high_card = 0
    top_r = top_c = np.zeros(0)
    if kind == "categorical":
        assert ref.values is not None and cur.values is not None
        al = aligned_categories(ref, cur)
        labels, r, c, has_other = al.labels, al.reference, al.current, al.has_other
        n_ref, n_cur = float(r.sum()), float(c.sum())
        fc.approximate = not (ref.values.exact and cur.values.exact)
        if not low_card and _identifier_like(ref.values.unique, n_ref) and _identifier_like(
                cur.values.unique, n_cur):
            fc.kind = "identifier"
            fc.num_present_reference, fc.num_present_current = int(n_ref), int(n_cur)
            fc.notes.append("identifier-like: distribution not compared")
            return fc
        _category_findings(fc, labels, r, c, has_other, ref.values.exact, cur.values.exact)
        _category_evidence(fc, labels, r, c)
        if (not low_card and n_ref and n_cur and len(labels) > HIGH_CARDINALITY_TOP + 1
                and len(labels) > HIGH_CARDINALITY_RATIO * min(n_ref, n_cur)):
            high_card = len(labels)
            # Distances stay on every category (disjoint values must still read as disjoint);
            # the significance gate (policies with significance_gate) is a chi-square test on the
            # top categories + (other).
            top_r, top_c = _top_categories(r, c, has_other)
    else:
        assert rn is not None and cn is not None
        n_ref, n_cur = float(rn.num_finite), float(cn.num_finite)
    bins = None
    if rn is not None and cn is not None:
        fc.approximate = fc.approximate or not (rn.sketch.is_exact and cn.sketch.is_exact)
        if rn.num_finite and cn.num_finite:
            bins = shared_bins(ref, cur, binning=binning, names=names)
            if kind == "numeric":
                fc.evidence.update(bins=bins.labels, edges=[float(e) for e in bins.edges],
                                   reference_counts=bins.reference.tolist(), current_counts=bins.current.tolist())
            imported = rn.sketch.from_histogram or cn.sketch.from_histogram
            if imported:
                fc.notes.append(_TFDV_NOTE)
                fc.evidence["imported"] = True
            elif bins.binning == "tfdv":
                # TFDV's bins span both ranges: the shares outside the reference range come from the CDF.
                fc.below_range_share = float(cn.sketch.cdf([rn.min], inclusive=False)[0])
                fc.above_range_share = float(1.0 - cn.sketch.cdf([rn.max], inclusive=True)[0])
            else:
                fc.below_range_share = float(bins.current[0] / cn.num_finite)
                fc.above_range_share = float(bins.current[bins.overflow_index] / cn.num_finite)
    fc.num_present_reference, fc.num_present_current = int(n_ref), int(n_cur)

    if n_ref == 0 or n_cur == 0:
        return _fill_empty(fc, wanted, n_ref, n_cur, names)

    if kind == "categorical":
        fc.distances.update(_vector_distances(r, c, wanted, categorical=True))
        if CHI_SQUARE in wanted:
            stat, p, _dof = chi_square(r, c)
            fc.distances[CHI_SQUARE] = stat
            fc.p_values[CHI_SQUARE] = p
        if high_card:
            stat, p, _dof = chi_square(top_r, top_c)
            fc.evidence["high_cardinality"] = (high_card, float(stat), float(p))
            fc.evidence["gate"] = (float(stat), float(p))
        else:
            fc.evidence["gate"] = (fc.distances[CHI_SQUARE], fc.p_values[CHI_SQUARE]) if CHI_SQUARE in wanted else (
                tuple(float(v) for v in chi_square(r, c)[:2]))
    else:
        assert bins is not None
        fc.distances.update(_vector_distances(bins.reference, bins.current, wanted, categorical=False))
        # The significance gate's test on the same bins (counts estimated from a KLL sketch beyond
        # 100k values: the test is then approximate, as the feature says).
        stat, p, _dof = chi_square(bins.reference, bins.current)
        fc.evidence["gate"] = (float(stat), float(p))
    if rn is not None and cn is not None and rn.num_finite and cn.num_finite and wanted & {
            KS, WASSERSTEIN, NORMALIZED_WASSERSTEIN}:
        _numeric_tests(rn, cn, wanted, fc.distances, fc.p_values)
    return fc


def _judge(measured: FeatureComparison, spec: ComparatorSpec, policy: Policy) -> FeatureComparison | str:
    """THE verdict of one feature: ``spec`` applied to its measurements (a new object; ``measured`` is kept).

    A string: why the feature cannot be judged by ``spec`` (it then counts as not compared).
    """
    fc = replace(measured, distances=dict(measured.distances), p_values=dict(measured.p_values),
                 notes=list(measured.notes), spec=spec, primary_method=spec.method, threshold=spec.threshold)
    if fc.kind == "identifier":
        return fc
    high = fc.evidence.get("high_cardinality")
    # The significance gate (``auto``): a distance verdict of the policy's or a global method needs a
    # significant chi-square test on the same counts, so that the sampling noise of a small side (a
    # few hundred serving rows against a large training set) is not drift. TFDV's comparators
    # (L-infinity, JS divergence, strictly above) keep TFDV's meaning: no gate.
    gated = (policy.significance_gate and spec.source in _GATED_SOURCES and not spec.is_test and not spec.strict
             and "gate" in fc.evidence)
    if gated:
        spec = fc.spec = replace(spec, gated=True)
    if high is not None and policy.significance_gate and spec.source in _GATED_SOURCES and CHI_SQUARE in fc.distances:
        # The significance of a high-cardinality feature is tested on its top categories + (other).
        fc.distances[CHI_SQUARE], fc.p_values[CHI_SQUARE] = high[1], high[2]
    values = fc.p_values if spec.is_test else fc.distances
    fc.statistic = float(values.get(spec.method, math.nan))
    if math.isnan(fc.statistic) and spec.method in _SKETCH_METHODS and fc.evidence.get("imported"):
        # Not guessed: TFDV's statistics carry histograms, which do not determine KS or Wasserstein.
        return (f"{spec.method} needs dvtools sketches: statistics imported from TFDV carry histograms "
                "(the tfdv policy compares them on TFDV's terms)")
    empty = fc.evidence.get("empty")
    if empty is not None:
        fc.verdict = DriftVerdict.DRIFT if empty == "one side" else DriftVerdict.NO_DRIFT
        return fc
    gate_p = fc.gate_p_value
    fc.verdict = spec.verdict(fc.statistic, gate_p)
    if high is not None and policy.significance_gate and spec.source in _GATED_SOURCES:
        fc.notes.append(f"high-cardinality ({high[0]:,} categories): significance tested on the top "
                        f"{HIGH_CARDINALITY_TOP} + (other); chi-square p = {high[2]:.3g}")
    if gate_p is not None and fc.verdict != replace(spec, gated=False).verdict(fc.statistic):
        fc.notes.append(f"difference within sampling noise (chi-square p = {gate_p:.3g}): no drift")
    return fc


_TFDV_NOTE = ("statistics imported from TFDV: JS/PSI/Hellinger on TFDV's histograms, KS and Wasserstein "
              "not computed (no sketch)")


_SKETCH_METHODS = frozenset({KS, WASSERSTEIN, NORMALIZED_WASSERSTEIN})
_GATED_SOURCES = frozenset({ThresholdSource.POLICY.value, ThresholdSource.GLOBAL.value})


def _category_evidence(fc: FeatureComparison, labels: list[Any], r: np.ndarray, c: np.ndarray) -> None:
    """The 10 largest changes of category shares, for descriptions (``evidence["largest_changes"]``)."""
    rt, ct = float(r.sum()), float(c.sum())
    if not rt or not ct:
        return
    pr, pc_ = r / rt, c / ct
    order = np.argsort(-np.abs(pc_ - pr), kind="stable")[:10]
    fc.evidence["largest_changes"] = [[labels[j], float(pr[j]), float(pc_[j])] for j in order]


def _identifier_like(unique: int, present: float) -> bool:
    return present > 0 and unique > IDENTIFIER_MIN_UNIQUE and unique >= IDENTIFIER_UNIQUE_RATIO * present


def _top_categories(r: np.ndarray, c: np.ndarray, has_other: bool) -> tuple[np.ndarray, np.ndarray]:
    """The :data:`HIGH_CARDINALITY_TOP` categories most frequent on both sides together, plus ``(other)``."""
    real = len(r) - 1 if has_other else len(r)
    rt, ct = float(r.sum()) or 1.0, float(c.sum()) or 1.0
    pooled = r[:real] / rt + c[:real] / ct
    top = np.argsort(-pooled, kind="stable")[:HIGH_CARDINALITY_TOP]
    rest_r, rest_c = float(r.sum() - r[top].sum()), float(c.sum() - c[top].sum())
    return np.append(r[top], max(rest_r, 0.0)), np.append(c[top], max(rest_c, 0.0))


def _hint_for(name: str, categorical: Collection[str] | Mapping[str, bool] | None) -> bool | None:
    if categorical is None:
        return None
    if isinstance(categorical, Mapping):
        v = categorical.get(name)
        return None if v is None else bool(v)
    return True if name in categorical else None


def compare_statistics(
    reference: DatasetStatistics,
    current: DatasetStatistics,
    *,
    policy: str = DEFAULT_POLICY,
    methods: Collection[str] | None = None,
    thresholds: Mapping[str, float] | None = None,
    correction: str | None = None,
    drift_share_threshold: float = 0.5,
    categorical: Collection[str] | Mapping[str, bool] | None = None,
    exclude: Collection[str] = (),
    schema: Schema | None = None,
    comparator: str = "drift",
    environment: str | None = None,
    categorical_method: str | None = None,
    numeric_method: str | None = None,
    overrides: Mapping[str, FeatureOverride] | None = None,
    roles: Mapping[str, str] | None = None,
    names: tuple[str, str] | None = None,
) -> Comparison:
    """Compare every feature present in both datasets' statistics; see the module docstring.

    The one drift/skew engine: every page of the dashboard, ``dvtools compare``, ``dvtools
    validate`` (its distribution anomalies) and the HTML report read its results. Each feature's
    comparator comes from :func:`resolve_spec` (policy < global < schema < override).

    ``policy``: ``"auto"`` (:data:`DEFAULT_POLICY`) or ``"tfdv"``.
    ``methods``: names from :data:`METHODS` to compute (default all; the deciding method always
    is). ``thresholds``: method -> threshold, the global layer (a significance level for
    ``ks``/``chi_square``). ``categorical_method`` / ``numeric_method``: judge every categorical
    (numeric) feature by this method (global layer). ``schema``: its comparators (the schema layer),
    its categorical flags (which features are compared as categories), its roles and environments.
    ``comparator``: the second dataset's role: ``"skew"`` (serving: the schema's
    ``skew_comparator``) or ``"drift"`` (evaluation, next span: ``drift_comparator``).
    ``environment``: features the schema does not expect there are not compared.
    ``overrides``: per-feature :class:`FeatureOverride` (the top layer; ``compare=True`` compares an
    identifier or timestamp). ``roles``: name -> role where the schema gives none (default: inferred
    from the reference's statistics, :func:`~dvtools.schema.inference.infer_role`); identifiers and
    timestamps are not compared by default (``not_compared``).
    ``correction``: ``None``, ``"bonferroni"`` or ``"fdr"`` (Benjamini-Hochberg) across the features
    decided by a test. ``categorical``: feature names to compare as categorical, or a name -> bool
    mapping that can also force numeric (the schema's flags win). ``exclude``: features not to
    compare (e.g. join keys: reason ``"key column"``). ``names``: what the notes and reasons call
    the two datasets (default by comparator: :func:`~dvtools.comparison._common.dataset_names`).
    Raises :class:`~dvtools.errors.UsageError` for unknown options.
    """
    if policy not in POLICIES:
        raise UsageError(f"unknown policy {policy!r}: use one of {', '.join(POLICIES)}")
    if correction not in (None, "bonferroni", "fdr"):
        raise UsageError(f"unknown correction {correction!r}: use 'bonferroni' or 'fdr'")
    if comparator not in ("drift", "skew"):
        raise UsageError(f"comparator must be 'drift' or 'skew', got {comparator!r}")
    wanted = None if methods is None else set(methods)
    for m in (wanted or set()) | set(thresholds or {}):
        if m not in METHODS:
            raise UsageError(f"unknown method {m!r}: use one of {', '.join(METHODS)}")
    for what, m, allowed in (("categorical_method", categorical_method, CATEGORICAL_METHODS),
                             ("numeric_method", numeric_method, NUMERIC_METHODS)):
        if m is not None and m not in allowed:
            raise UsageError(f"unknown {what} {m!r}: use one of {', '.join(allowed)}")
    for m, t in (thresholds or {}).items():
        if not (isinstance(t, int | float) and math.isfinite(t) and t >= 0):
            raise UsageError(f"threshold of {m} must be a number >= 0, got {t!r}")
        if m in TEST_METHODS and not 0 < t < 1:
            raise UsageError(f"threshold of {m} is a significance level and must be in (0, 1), got {t!r}")
    if not (0 < drift_share_threshold <= 1):
        raise UsageError(f"drift_share_threshold must be in (0, 1], got {drift_share_threshold!r}")
    layers = Layers(policy=policy, thresholds=dict(thresholds or {}), categorical_method=categorical_method,
                    numeric_method=numeric_method, schema=schema, comparator=comparator,
                    overrides=dict(overrides or {}))

    def deciding(name: str) -> Any:
        return lambda kind: resolve_spec(name, kind, reference.num_examples, layers).method

    measured = measure_statistics(reference, current, binning=POLICIES[policy].binning, methods=wanted,
                                  categorical=categorical, exclude=exclude, schema=schema, environment=environment,
                                  compare={n: o.compare for n, o in layers.overrides.items() if o.compare is not None},
                                  roles=roles, deciding=deciding if wanted is not None else None,
                                  names=dataset_names(comparator, names))
    return judge_comparison(measured, layers, correction=correction, drift_share_threshold=drift_share_threshold)


def measure_statistics(
    reference: DatasetStatistics,
    current: DatasetStatistics,
    *,
    binning: str = "quantile",
    methods: Collection[str] | None = None,
    categorical: Collection[str] | Mapping[str, bool] | None = None,
    exclude: Collection[str] = (),
    schema: Schema | None = None,
    environment: str | None = None,
    compare: Mapping[str, bool] | None = None,
    roles: Mapping[str, str] | None = None,
    deciding: Any = None,
    names: tuple[str, str] | None = None,
) -> Comparison:
    """The threshold-independent half of :func:`compare_statistics`: which features, their kinds and distances.

    The result has no verdicts yet (:func:`judge_comparison` gives them), so a dashboard caches it
    and a threshold change costs a judgement only. Arguments as in :func:`compare_statistics`
    (``compare``: name -> the per-feature "compare anyway" setting; ``deciding(name)(kind)``: the
    method that will decide, computed even when ``methods`` leaves it out; ``names``: the datasets'
    roles in notes and bin labels, default ``("training", "evaluation")``; judge with the same comparator).
    """
    names = dataset_names("drift", names)
    wanted = None if methods is None else set(methods)
    skips = Layers(schema=schema, overrides={n: FeatureOverride(compare=v) for n, v in (compare or {}).items()})
    excluded = set(exclude)
    features: list[FeatureComparison] = []
    not_compared: dict[str, str] = {}
    for name, ref_f in reference.features.items():
        if name in excluded or name not in current.features:
            if name in excluded and name in current.features:
                not_compared[name] = "key column"
            continue
        reason = _skip_reason(name, ref_f, skips, environment, roles)
        if reason is not None:
            not_compared[name] = reason
            continue
        out = _measure_feature(name, ref_f, current.features[name], hint=_hint(name, categorical, schema),
                               binning=binning, methods=wanted, deciding=deciding(name) if deciding else None,
                               names=names)
        if isinstance(out, str):
            not_compared[name] = out
        else:
            features.append(out)
    return Comparison(
        features=features,
        policy="",
        num_examples_reference=reference.num_examples,
        num_examples_current=current.num_examples,
        only_in_reference=[n for n in reference.features if n not in current.features and n not in excluded],
        only_in_current=[n for n in current.features if n not in reference.features and n not in excluded],
        not_compared=not_compared,
        names=names,
    )


def judge_comparison(measured: Comparison, layers: Layers, *, correction: str | None = None,
                     drift_share_threshold: float = 0.5) -> Comparison:
    """THE function that applies the comparators: each feature's :func:`resolve_spec`, then its verdict.

    ``measured``: from :func:`measure_statistics` (kept unchanged); returns a new :class:`Comparison`.
    """
    policy = POLICIES[layers.policy]
    features: list[FeatureComparison] = []
    not_compared = dict(measured.not_compared)
    for f in measured.features:
        spec = resolve_spec(f.feature, "categorical" if f.kind == "identifier" else f.kind,
                            measured.num_examples_reference, layers)
        out = _judge(f, spec, policy)
        if isinstance(out, str):
            not_compared[f.feature] = out
        else:
            features.append(out)
    if correction is not None:
        _correct(features, correction)
    return replace(measured, features=features, policy=layers.policy, correction=correction,
                   drift_share_threshold=drift_share_threshold, comparator=layers.comparator,
                   only_in_reference=list(measured.only_in_reference), only_in_current=list(measured.only_in_current),
                   not_compared=not_compared)


def _skip_reason(name: str, ref: FeatureStatistics, layers: Layers, environment: str | None,
                 roles: Mapping[str, str] | None) -> str | None:
    """Why a feature present on both sides is not compared (None: it is compared)."""
    o = layers.overrides.get(name)
    if o is not None and o.compare is False:
        return "not compared (per-feature setting)"
    f = layers.schema.get(name) if layers.schema is not None else None
    if f is not None:
        if f.deprecated:
            return "deprecated"
        assert layers.schema is not None
        if not f.in_env(environment, layers.schema.default_environments):
            return f"not in environment {environment}"
        role = FeatureRole(f.role)
    elif roles is not None and name in roles:
        role = FeatureRole(roles[name])
    else:
        role = infer_role(ref)
    if not role.compared_by_default and not (o is not None and o.compare):
        return role.value
    return None


def _hint(name: str, categorical: Collection[str] | Mapping[str, bool] | None, schema: Schema | None) -> bool | None:
    """Compare as categories (True), as numbers (False) or by the statistics (None)."""
    f = schema.get(name) if schema is not None else None
    if f is not None:
        if f.is_categorical or f.type in (FeatureType.STRING, FeatureType.BOOL, FeatureType.BYTES):
            return True
        return False
    return _hint_for(name, categorical)


def _correct(features: list[FeatureComparison], correction: str) -> None:
    """Adjust the primary p-values of test-decided features across features, and redo their verdicts."""
    tested = [f for f in features if f.primary_method in TEST_METHODS and not math.isnan(
        f.p_values.get(f.primary_method, math.nan))]
    if not tested:
        return
    raw = np.array([f.p_values[f.primary_method] for f in tested])
    adjusted = bonferroni(raw) if correction == "bonferroni" else benjamini_hochberg(raw)
    for f, p in zip(tested, adjusted, strict=True):
        f.p_values[f"{f.primary_method}_adjusted"] = float(p)
        f.statistic = float(p)
        assert f.spec is not None
        f.verdict = f.spec.verdict(float(p))
