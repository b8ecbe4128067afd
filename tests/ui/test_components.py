"""Small display helpers of the pages (:mod:`dvtools.ui.components`)."""

from __future__ import annotations

import pytest

from dvtools.ui.components import metric_count


@pytest.mark.parametrize(("n", "shown"), [
    (0, "0"), (20_000, "20,000"), (99_999, "99,999"), (100_000, "100k"), (123_456, "123k"), (999_999, "1M"),
    (1_234_567, "1.23M"), (12_345_678, "12.3M"), (123_456_789, "123M"), (1_234_567_890, "1.23B"),
])
def test_metric_counts_fit_a_metric(n, shown):  # noqa: ANN001
    """Regression (issue 11, defect 4): a metric showed 1,234,567 rows as "1,234,…"."""
    assert metric_count(n) == shown
    assert len(shown) <= 6
