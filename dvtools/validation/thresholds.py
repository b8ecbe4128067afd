"""Validation thresholds that are not part of the schema (session defaults and per-feature overrides).

The distribution verdicts (drift/skew) are not decided here: :meth:`Thresholds.comparison_options`
turns the comparator settings into the layers of the one engine,
:func:`~dvtools.comparison.comparators.resolve_spec`, whose precedence is, lowest first:

1. the policy (``Thresholds.policy``, default :data:`~dvtools.comparison.comparators.DEFAULT_POLICY`);
2. global: ``categorical_method`` / ``numeric_method``, ``methods`` (method -> threshold), and
   ``linf`` / ``js`` (judge every categorical / numeric feature by L-infinity / Jensen-Shannon
   divergence at that threshold, as ``--linf-threshold`` / ``--js-threshold``);
3. the schema feature's skew or drift comparator (by the second dataset's role);
4. ``Thresholds.per_feature[name].linf`` / ``.js`` (an explicit, specific choice: it wins).

``per_feature[name].compare = True`` compares an identifier or timestamp column anyway (also
range- and domain-checking it). For the number of examples, the schema's
``num_examples_drift_comparator`` wins over ``min_examples_ratio`` / ``max_examples_ratio``.

Group (fairness) findings have their own thresholds, :class:`GroupThresholds`, held in
``Thresholds.groups`` and resolved by one function, :func:`group_thresholds` (defaults <- the
session's ``Thresholds.groups`` <- explicit values such as CLI flags or the page's inputs), which
``group_report``, the Slices & fairness page and ``dvtools fairness`` all call.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from dvtools.comparison.comparators import (
    CATEGORICAL_METHODS,
    DEFAULT_POLICY,
    JS_DIVERGENCE,
    L_INFINITY,
    METHODS,
    NUMERIC_METHODS,
    POLICIES,
    FeatureOverride,
)
from dvtools.errors import UsageError
from dvtools.validation.group_thresholds import FOUR_FIFTHS, GroupThresholds, group_thresholds

__all__ = ["FOUR_FIFTHS", "EffectiveThresholds", "FeatureThresholds", "GroupThresholds", "Thresholds", "group_thresholds"]


def _first(a: float | None, b: float) -> float:
    return b if a is None else a


def _check_share(name: str, v: float | None) -> None:
    if v is None:
        return
    if not (isinstance(v, int | float) and math.isfinite(v) and 0.0 <= v <= 1.0):
        raise UsageError(f"threshold {name} must be a number within [0, 1], got {v!r}")


@dataclass
class FeatureThresholds:
    """Per-feature overrides; ``None`` keeps the schema's or the global value."""

    linf: float | None = None
    js: float | None = None
    missing_share_tolerance: float | None = None
    range_tolerance: float | None = None
    compare: bool | None = None
    """True: compare (drift, range, domain) an identifier or timestamp anyway; None: by its role."""

    def check(self, feature: str = "") -> None:
        """Raise :class:`~dvtools.errors.UsageError` on a value outside [0, 1]."""
        prefix = f"{feature}." if feature else ""
        for name in ("linf", "js", "missing_share_tolerance", "range_tolerance"):
            _check_share(prefix + name, getattr(self, name))


@dataclass
class Thresholds:
    """Thresholds applied on top of the schema.

    * ``linf`` / ``js``: distribution thresholds for features whose schema comparator has none.
    * ``missing_share_tolerance``: absolute rise of the missing share over the reference's that
      fires ``MISSING_SHARE_INCREASE`` (0.05 = 5 percentage points).
    * ``min_examples_ratio`` / ``max_examples_ratio``: ``COMPARATOR_LOW/HIGH_NUM_EXAMPLES`` when
      current has fewer than ``min * baseline`` (more than ``max * baseline``) rows.
    * ``per_feature``: overrides by feature name (see the module docstring for precedence).
    * ``range_tolerance``: share of values allowed outside a schema range before the range
      anomaly fires (0 = any value outside fires).
    * ``policy``, ``categorical_method``, ``numeric_method``, ``methods``: the comparator layers
      (see the module docstring).
    """

    linf: float | None = None
    js: float | None = None
    missing_share_tolerance: float = 0.05
    min_examples_ratio: float | None = None
    max_examples_ratio: float | None = None
    per_feature: dict[str, FeatureThresholds] = field(default_factory=dict)
    range_tolerance: float = 0.0
    policy: str = DEFAULT_POLICY
    categorical_method: str | None = None
    numeric_method: str | None = None
    methods: dict[str, float] = field(default_factory=dict)
    groups: GroupThresholds = field(default_factory=GroupThresholds)
    """Thresholds of the group (fairness) findings: see :func:`group_thresholds`."""

    def comparison_options(self) -> dict[str, Any]:
        """Keyword arguments of :func:`~dvtools.comparison.comparators.compare_statistics` for these settings."""
        thresholds = dict(self.methods)
        if self.linf is not None:
            thresholds[L_INFINITY] = self.linf
        if self.js is not None:
            thresholds[JS_DIVERGENCE] = self.js
        overrides = {name: FeatureOverride(ft.linf, ft.js, ft.compare) for name, ft in self.per_feature.items()
                     if (ft.linf, ft.js, ft.compare) != (None, None, None)}
        return {
            "policy": self.policy,
            "thresholds": thresholds,
            "categorical_method": self.categorical_method or (L_INFINITY if self.linf is not None else None),
            "numeric_method": self.numeric_method or (JS_DIVERGENCE if self.js is not None else None),
            "overrides": overrides,
        }

    def compares(self, name: str | None, default: bool) -> bool:
        """Whether feature ``name`` gets drift, range and domain checks (``default``: by its role)."""
        o = self.per_feature.get(name) if name is not None else None
        return default if o is None or o.compare is None else bool(o.compare)

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise :class:`~dvtools.errors.UsageError` when a value is out of range."""
        for name in ("linf", "js", "missing_share_tolerance", "range_tolerance"):
            _check_share(name, getattr(self, name))
        if self.policy not in POLICIES:
            raise UsageError(f"unknown policy {self.policy!r}: use one of {', '.join(POLICIES)}")
        for what, m, allowed in (("categorical_method", self.categorical_method, CATEGORICAL_METHODS),
                                 ("numeric_method", self.numeric_method, NUMERIC_METHODS)):
            if m is not None and m not in allowed:
                raise UsageError(f"unknown {what} {m!r}: use one of {', '.join(allowed)}")
        for m, t in self.methods.items():
            if m not in METHODS:
                raise UsageError(f"unknown method {m!r}: use one of {', '.join(METHODS)}")
            if not (isinstance(t, int | float) and math.isfinite(t) and t >= 0):
                raise UsageError(f"threshold of {m} must be a number >= 0, got {t!r}")
        for name in ("min_examples_ratio", "max_examples_ratio"):
            v = getattr(self, name)
            if v is not None and not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise UsageError(f"threshold {name} must be a finite number >= 0, got {v!r}")
        lo, hi = self.min_examples_ratio, self.max_examples_ratio
        if lo is not None and hi is not None and lo > hi:
            raise UsageError(f"min_examples_ratio {lo} is greater than max_examples_ratio {hi}")
        if not isinstance(self.groups, GroupThresholds):
            raise UsageError(f"groups must be a GroupThresholds, got {type(self.groups).__name__}")
        for name, ft in self.per_feature.items():
            if not isinstance(ft, FeatureThresholds):
                raise UsageError(
                    f"per_feature[{name!r}] must be a FeatureThresholds, got {type(ft).__name__}"
                )
            ft.check(name)

    def for_feature(self, name: str | None) -> EffectiveThresholds:
        """Return the thresholds that apply to feature ``name`` (``None``: the dataset level)."""
        o = self.per_feature.get(name) if name is not None else None
        o = o or FeatureThresholds()
        return EffectiveThresholds(
            linf=o.linf if o.linf is not None else self.linf,
            js=o.js if o.js is not None else self.js,
            linf_overridden=o.linf is not None,
            js_overridden=o.js is not None,
            missing_share_tolerance=_first(o.missing_share_tolerance, self.missing_share_tolerance),
            range_tolerance=o.range_tolerance if o.range_tolerance is not None else self.range_tolerance,
            min_examples_ratio=self.min_examples_ratio,
            max_examples_ratio=self.max_examples_ratio,
        )


@dataclass(frozen=True)
class EffectiveThresholds:
    """Thresholds resolved for one feature.

    ``linf``/``js`` hold the per-feature override when ``*_overridden`` (it beats the schema),
    else the global default (used only when the schema comparator has none).
    """

    linf: float | None = None
    js: float | None = None
    linf_overridden: bool = False
    js_overridden: bool = False
    missing_share_tolerance: float = 0.05
    range_tolerance: float = 0.0
    min_examples_ratio: float | None = None
    max_examples_ratio: float | None = None
