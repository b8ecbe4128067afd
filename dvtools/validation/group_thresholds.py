"""Thresholds of the group (fairness) findings, and THE function that resolves them (light: no numpy, no pyarrow).

Part of the thresholds model: a session's :class:`~dvtools.validation.thresholds.Thresholds` holds
one in ``groups``. :func:`group_thresholds` applies, lowest first: the defaults, the session's
``Thresholds.groups``, explicit values (CLI flags, the Slices & fairness page's inputs);
``group_report``, the page and ``dvtools fairness`` all call it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from dvtools.defaults import GROUP_THRESHOLDS as _D
from dvtools.errors import UsageError

__all__ = ["FOUR_FIFTHS", "GroupThresholds", "group_thresholds"]

FOUR_FIFTHS = 0.8
"""The four-fifths (80 %) line of US hiring guidance: a reference for label rate ratios, not a verdict."""


@dataclass(frozen=True)
class GroupThresholds:
    """When a group finding fires (all shares in ``[0, 1]``).

    ``min_share``/``min_count``: a group below either is under-represented (GROUP_UNDERREPRESENTED).
    ``max_share_change``: absolute change of a group's share between training and serving/evaluation;
    ``max_share_ratio``: a share multiplied or divided by at least this much (groups with ``min_count``
    examples on both sides) (GROUP_SHARE_CHANGED). ``min_rate_ratio``: lowest/highest label rate
    across groups with ``min_count`` labeled examples (default: the four-fifths line;
    LABEL_RATE_DISPARITY). ``max_missing_gap``/``missing_ratio``: a feature's missing share in a group
    exceeds the whole dataset's by more than the gap and by this factor (GROUP_MISSING_DISPARITY).
    Drift within a group (GROUP_DRIFT) is judged by the drift thresholds (:class:`Thresholds`).
    """

    min_share: float = _D["min_share"]
    min_count: int = _D["min_count"]
    max_share_change: float = _D["max_share_change"]
    max_share_ratio: float = _D["max_share_ratio"]
    min_rate_ratio: float = _D["min_rate_ratio"]  # FOUR_FIFTHS
    max_missing_gap: float = _D["max_missing_gap"]
    missing_ratio: float = _D["missing_ratio"]

    def __post_init__(self) -> None:
        for name in ("min_share", "max_share_change", "min_rate_ratio", "max_missing_gap"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1):
                raise UsageError(f"{name} must be a share in [0, 1], got {v!r}")
        for name in ("max_share_ratio", "missing_ratio"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v >= 1):
                raise UsageError(f"{name} must be a number of at least 1, got {v!r}")
        if not (isinstance(self.min_count, int) and not isinstance(self.min_count, bool) and self.min_count >= 0):
            raise UsageError(f"min_count must be a non-negative integer, got {self.min_count!r}")


def group_thresholds(thresholds: Any = None, **overrides: Any) -> GroupThresholds:
    """THE group thresholds in force: defaults <- ``thresholds`` (a session's) <- ``overrides`` that are not None.

    ``overrides`` are :class:`GroupThresholds` field names (CLI flags, the page's inputs); an unknown
    name or a bad value raises :class:`~dvtools.errors.UsageError`.
    """
    base = thresholds if isinstance(thresholds, GroupThresholds) else getattr(thresholds, "groups", None)
    base = base if isinstance(base, GroupThresholds) else GroupThresholds()
    names = set(GroupThresholds.__dataclass_fields__)
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise UsageError(f"unknown group threshold {unknown[0]!r}: use one of {', '.join(sorted(names))}")
    given = {k: v for k, v in overrides.items() if v is not None}
    if not given:
        return base
    return replace(base, **given)
