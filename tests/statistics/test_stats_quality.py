"""Data-quality alerts and overview figures read from statistics."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from _stats_helpers import feature_stats

from dvtools.statistics.overview import numeric_row
from dvtools.statistics.quality import feature_alerts


def _alert(f, kind: str) -> str:
    return next(a.message for a in feature_alerts(f) if a.kind == kind)


def test_zero_as_missing_alert_shows_the_non_zero_values_low_end() -> None:
    """Regression: the alert showed "(p1 0)": the overall 1st percentile is a zero."""
    rng = np.random.default_rng(0)
    vals = np.concatenate([np.zeros(300), rng.uniform(100, 200, 700)])
    msg = _alert(feature_stats(pa.array(vals)), "zero_as_missing")
    low = float(msg.split("non-zero values ")[1].split(")")[0])
    assert 100 <= low <= 102, msg
    assert "p1 0)" not in msg


@pytest.mark.parametrize(("values", "text"), [
    (["NY", "ny", "CA", "ca ", "TX"] * 3, "2 groups of values differ only by case/whitespace"),
    (["NY", "ny", "CA"] * 3, "1 group of values differs only by case/whitespace"),
])
def test_variants_alert_counts_groups(values: list[str], text: str) -> None:
    """Regression: "8 values differ only by case/whitespace" counted groups, not values."""
    assert _alert(feature_stats(pa.array(values)), "variants").startswith(text)


def test_numbers_with_units_give_the_numbers_as_text_alert() -> None:
    """The Statistics page's alert and validation's UNEXPECTED_DATA_TYPE agree on '129 ft'."""
    f = feature_stats(pa.array(["129 ft", "12 ft", "3.5 ft", "40 ft"] * 5))
    assert "numbers stored as text" in _alert(f, "numbers_as_text")


def test_overview_zeros_share_of_list_values_is_over_the_values() -> None:
    """Regression: zeros among a list's values were divided by the number of rows."""
    f = feature_stats(pa.array([[0, 0, 1, 2], [0, 3], [4, 5, 6, 0]], pa.list_(pa.int64())))
    assert numeric_row(f)["zeros"] == pytest.approx(4 / 10)
    scalar = feature_stats(pa.array([0, 1, 2, None]))
    assert numeric_row(scalar)["zeros"] == pytest.approx(1 / 3)
