"""Feature-skew anomalies: example-level mismatches of a join on key columns, as anomalies.

Built here, in validation, from :func:`~dvtools.comparison.keyed_skew.feature_skew`'s result:
comparison computes, validation judges (comparison never imports validation).
"""

from __future__ import annotations

from dvtools.comparison._common import fmt, jsonable, pct
from dvtools.comparison.keyed_skew import FeatureSkewResult
from dvtools.defaults import DATASET_NAMES
from dvtools.validation.anomalies import Anomaly, AnomalyType, Severity

__all__ = ["skew_anomalies"]


def skew_anomalies(result: FeatureSkewResult, *, threshold: float = 0.0,
                   names: tuple[str, str] = DATASET_NAMES["skew"]) -> list[Anomaly]:
    """``SCHEMA_TRAINING_SERVING_SKEW`` errors for features whose mismatch share exceeds ``threshold``.

    One anomaly per feature with mismatches (``observed``: mismatch share, ``expected``: the
    threshold); the description gives the share and a mismatching example, its two values named
    by ``names`` (the roles of the reference and current data: training and serving).
    """
    out: list[Anomaly] = []
    key_text = ", ".join(result.key)
    for f in result.features:
        if f.num_mismatches == 0 or f.mismatch_share <= threshold:
            continue
        example = ""
        if f.samples:
            s = f.samples[0]
            k = ", ".join(f"{n}={v!r}" for n, v in s["key"].items())
            example = f"; e.g. {k}: {names[0]} {s['reference']!r}, {names[1]} {s['current']!r}"
        out.append(Anomaly(
            feature=f.feature,
            type=AnomalyType.SCHEMA_TRAINING_SERVING_SKEW,
            severity=Severity.ERROR,
            description=(f"{fmt(f.num_mismatches)} of {fmt(f.num_joined)} examples joined on {key_text} "
                         f"({pct(f.mismatch_share)}) have a different value{example}"),
            observed=f.mismatch_share,
            expected=threshold,
            details=jsonable({"num_mismatches": f.num_mismatches, "num_joined": f.num_joined,
                              "comparison": f.comparison, "samples": f.samples[:5]}),
        ))
    return out
