"""Epoch-number time columns split into spans (regression, issue 11 defect 6): the unit guessed from the range."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from dvtools.comparison.spans import guess_epoch_unit, split_spans
from dvtools.errors import UsageError

STAMPS = pd.date_range("2024-01-01", periods=60, freq="12h")


@pytest.mark.parametrize("unit, scale", [("s", 1), ("ms", 10**3), ("us", 10**6), ("ns", 10**9)])
def test_guess_epoch_unit(unit, scale):
    seconds = (STAMPS - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)
    assert guess_epoch_unit(float(seconds.min() * scale), float(seconds.max() * scale)) == unit


@pytest.mark.parametrize("low, high", [(0, 100), (-5, 10), (1.0, float("nan")), (20, 10), (1e25, 1e26)])
def test_no_unit_for_numbers_that_are_not_times(low, high):
    assert guess_epoch_unit(low, high) is None


@pytest.mark.parametrize("unit", ["s", "ms"])
def test_split_by_epoch_integers_matches_split_by_timestamps(unit):
    per_second = {"s": 1, "ms": 1000}[unit]
    epoch = ((STAMPS - pd.Timestamp("1970-01-01")) // pd.Timedelta(seconds=1)) * per_second
    table = pa.table({"t": pa.array(epoch, pa.int64()), "ts": pa.array(STAMPS), "x": range(len(STAMPS))})
    by_epoch = split_spans(table, timestamp="t", freq="W", epoch_unit=unit)
    by_stamp = split_spans(table, timestamp="ts", freq="W")
    assert list(by_epoch) == list(by_stamp)
    assert [s.num_examples for s in by_epoch.values()] == [s.num_examples for s in by_stamp.values()]
    assert sum(s.num_examples for s in by_epoch.values()) == len(STAMPS)


def test_epoch_unit_errors_are_one_line():
    table = pa.table({"t": ["a", "b"], "n": [1, 2]})
    with pytest.raises(UsageError, match="numeric column"):
        split_spans(table, timestamp="t", epoch_unit="s")
    with pytest.raises(UsageError, match="unknown epoch unit"):
        split_spans(table, timestamp="n", epoch_unit="minutes")
