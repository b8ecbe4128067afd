"""Concept shift when a numeric feature arrives as text ("26 ft"): one line naming the column and a value.

The raw pyarrow message ("Failed to parse string: '26 ft' as a scalar of type double") used to reach
the page, and one bad value sent the whole batch's values to "missing"; now only the values that are
not numbers are missing, and they are counted.
"""

from __future__ import annotations

import pyarrow as pa

from dvtools.comparison import concept_shift


def test_text_in_a_numeric_feature_is_counted_and_named() -> None:
    n = 400
    reference = pa.table({"height": [float(i % 40) for i in range(n)], "y": [i % 2 == 0 for i in range(n)]})
    heights = [str(i % 40) if i % 4 else f"{i % 40} ft" for i in range(n)]  # a quarter with a unit
    current = pa.table({"height": heights, "y": [i % 2 == 0 for i in range(n)]})
    result = concept_shift(reference, current, label="y", min_bucket_count=5)
    assert result.warnings == ["height: 100 evaluation values not a number (e.g. '0 ft') in a numeric feature; "
                               "counted as missing"]
    assert not any("Failed to parse" in w for w in result.warnings)
    height = next(f for f in result.features if f.feature == "height")
    buckets = height.to_dict()["buckets"]
    missing = next(b for b in buckets if b["bucket"] == "(missing)")
    assert missing["count_current"] == 100  # only the values with a unit, not the whole batch
    assert sum(b["count_current"] for b in buckets) == n
