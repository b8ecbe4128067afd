"""Numbers and labels for people (dvtools.ui.format): plurals, observed/expected pairs, dates, thresholds."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dvtools.ui.format import format_pair, format_threshold, format_value, number_text, plural, time_text


@pytest.mark.parametrize(("n", "noun", "text"), [
    (0, "anomaly", "0 anomalies"), (1, "anomaly", "1 anomaly"), (2, "anomaly", "2 anomalies"),
    (1, "alert", "1 alert"), (1234, "feature", "1,234 features"), (2, "key", "2 keys"),
    (3, "match", "3 matches"), (1, "match", "1 match"),
])
def test_plural(n: int, noun: str, text: str) -> None:
    assert plural(n, noun) == text


def test_plural_irregular() -> None:
    assert plural(2, "datum", "data") == "2 data"
    assert plural(1, "datum", "data") == "1 datum"


def test_pair_differs_where_4_digits_do_not() -> None:
    # issue 11: "observed 42.02 · expected 42.02" and "1.703e+10 · 1.703e+10"
    a, b = format_pair(42.0213, 42.0247, "FLOAT")
    assert a != b and a.startswith("42.02") and b.startswith("42.02")
    a, b = format_pair(1.70312e10, 1.70334e10, "FLOAT")
    assert a != b
    assert format_pair(17_030_000_123, 17_030_000_456, "INT") == ("17,030,000,123", "17,030,000,456")


def test_pair_equal_values_equal_texts() -> None:
    assert format_pair(0.5, 0.5, "FLOAT") == ("0.5", "0.5")


@given(st.floats(allow_nan=False, allow_infinity=False, width=64), st.floats(allow_nan=False, allow_infinity=False))
def test_pair_texts_differ_iff_values_do(a: float, b: float) -> None:
    ta, tb = format_pair(a, b, "FLOAT")
    assert (ta == tb) == (a == b or (a == 0 and b == 0))


def test_timestamps_are_dates_not_microseconds() -> None:
    day = dt.datetime(2024, 12, 28, tzinfo=dt.UTC)
    us = int(day.timestamp()) * 1_000_000
    assert format_value(us, "TIMESTAMP", unit="us") == "2024-12-28"
    later = us + 3_600_000_000 * 5
    assert format_pair(us, later, "TIMESTAMP", unit="us") == ("2024-12-28", "2024-12-28 05:00:00")
    # two instants a fraction of a second apart still read differently
    a, b = format_pair(later, later + 250_000, "TIMESTAMP", unit="us")
    assert a != b and b.endswith(".25")


def test_time_text_units() -> None:
    assert time_text(19_875, "D") == "2024-06-01"
    assert time_text(1_717_243_200, "s") == "2024-06-01 12:00:00"
    assert time_text(float("nan"), "s") == "–"
    assert time_text(1e30, "ns") != ""  # out of range: written as a number, never an exception


@pytest.mark.parametrize(("x", "text"), [
    (0.001, "0.001"), (0.0001, "0.0001"), (0.05, "0.05"), (16.97, "16.97"), (1.0, "1"), (None, "–"),
])
def test_threshold_text(x: float | None, text: str) -> None:
    assert format_threshold(x) == text


@pytest.mark.parametrize(("x", "text"), [
    (1234567, "1,234,567"), (42.02, "42.02"), (0.000012345, "1.234e-05"), (-3.25, "-3.25"),
    (float("inf"), "∞"), (float("nan"), "–"), (1234.5678, "1,235"),
])
def test_number_text(x: float, text: str) -> None:
    assert number_text(x) == text
