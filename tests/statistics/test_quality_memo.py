"""feature_alerts is remembered per statistics object: same answer, a fresh list, forgotten with the object."""

from __future__ import annotations

import gc

from dvtools.statistics import quality
from dvtools.statistics.engine import compute_statistics


def test_alerts_remembered_per_object_and_forgotten_with_it() -> None:
    stats = compute_statistics(b"city,n\nNY,0\nny ,0\nNy,0\nCA,1\n", name="c.csv")
    city = stats["city"]
    first = quality.feature_alerts(city)
    assert any(a.kind == "variants" for a in first)
    first.append("caller's edit")
    assert quality.feature_alerts(city) == quality._feature_alerts(city)  # the memo is not the caller's list
    assert id(city) in quality._MEMO
    key = id(city)
    del stats, city, first
    gc.collect()
    assert key not in quality._MEMO
