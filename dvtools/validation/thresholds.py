"""Validation thresholds that are not part of the schema (session defaults and per-feature overrides).

Precedence for a feature's distribution threshold (L-infinity for categorical features,
Jensen-Shannon for numeric ones):

1. ``Thresholds.per_feature[name]`` (the dashboard's per-feature override: an explicit, specific
   choice of the user, so it wins);
2. the schema feature's drift (or skew) comparator;
3. ``Thresholds.linf`` / ``Thresholds.js`` (defaults for every other feature);
4. none of them: the comparison is not checked.

For the number of examples, the schema's ``num_examples_drift_comparator`` wins over
``min_examples_ratio`` / ``max_examples_ratio``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from dvtools.errors import UsageError

__all__ = ["EffectiveThresholds", "FeatureThresholds", "Thresholds"]


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
    """

    linf: float | None = None
    js: float | None = None
    missing_share_tolerance: float = 0.05
    min_examples_ratio: float | None = None
    max_examples_ratio: float | None = None
    per_feature: dict[str, FeatureThresholds] = field(default_factory=dict)
    range_tolerance: float = 0.0

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise :class:`~dvtools.errors.UsageError` when a value is out of range."""
        for name in ("linf", "js", "missing_share_tolerance", "range_tolerance"):
            _check_share(name, getattr(self, name))
        for name in ("min_examples_ratio", "max_examples_ratio"):
            v = getattr(self, name)
            if v is not None and not (isinstance(v, int | float) and math.isfinite(v) and v >= 0):
                raise UsageError(f"threshold {name} must be a finite number >= 0, got {v!r}")
        lo, hi = self.min_examples_ratio, self.max_examples_ratio
        if lo is not None and hi is not None and lo > hi:
            raise UsageError(f"min_examples_ratio {lo} is greater than max_examples_ratio {hi}")
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
