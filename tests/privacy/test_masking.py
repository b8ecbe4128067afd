"""Masks keep the format and hide the content; hashes, k-anonymity and rounding against direct computations."""

from __future__ import annotations

import hashlib
import hmac
import math
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dvtools.errors import UsageError
from dvtools.privacy import (
    PiiKind,
    aggregate_rare,
    coarsen_quantiles,
    coarsen_range,
    hash_values,
    mask_card,
    mask_email,
    mask_iban,
    mask_ip,
    mask_phone,
    mask_ssn,
    mask_value,
    redact_counts,
    resolve_salt,
    round_to,
    salted_hash,
)


@pytest.mark.parametrize(("fn", "value", "masked"), [
    (mask_email, "john@gmail.com", "j***@g****.com"),
    (mask_email, "a.b@mail.example.co.uk", "a**@m***.e******.c*.uk"),
    (mask_email, "0@a.ac", "*@*.ac"),
    (mask_card, "4242 4242 4242 4242", "**** **** **** 4242"),
    (mask_card, "4242424242424242", "************4242"),
    (mask_ssn, "123-45-6789", "***-**-6789"),
    (mask_phone, "+44 20 7946 0958", "+44 ** **** **58"),
    (mask_phone, "+1 (415) 555-2671", "+1 (***) ***-**71"),
    (mask_phone, "(415) 555-2671", "(***) ***-**71"),
    (mask_iban, "DE89 3704 0044 0532 0130 00", "DE** **** **** **** **30 00"),
    (mask_ip, "192.168.1.20", "192.*.*.*"),
    (mask_ip, "2001:db8::1", "2001:***::*"),
])
def test_masks(fn, value, masked):
    assert fn(value) == masked


def test_mask_value_dispatches_by_kind():
    assert mask_value(PiiKind.EMAIL, "john@gmail.com") == "j***@g****.com"
    assert mask_value("person_name", "Ada Lovelace") == "A** L*******"
    assert mask_value(PiiKind.DATE_OF_BIRTH, "1985-03-12") == "198*-**-**"
    assert mask_value(PiiKind.GEOLOCATION, "48.85661, 2.35222") == "48.8****, 2.3****"


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789 -", min_size=13, max_size=25))
def test_card_mask_keeps_format_and_at_most_four_digits(value):
    value = value.strip()
    masked = mask_card(value)
    digit_positions = [i for i, c in enumerate(value) if c.isdigit()]
    shown = set(digit_positions[-4:])
    assert len(masked) == len(value)
    for i, (orig, out) in enumerate(zip(value, masked, strict=True)):
        assert out == (orig if (i in shown or not orig.isdigit()) else "*")


def test_salted_hash_is_hmac_sha256():
    salt = b"0123456789abcdef0123"
    expected = "h:" + hmac.new(salt, b"Paris", hashlib.sha256).hexdigest()[:16]
    assert salted_hash("Paris", salt) == expected
    assert hash_values(["Paris", None, "Paris"], salt) == [expected, None, expected]
    assert salted_hash("Paris", b"another-salt-of-16+") != expected


def test_hashed_domain_membership_is_kept():
    salt = resolve_salt("a-project-wide-salt")
    domain = {"Paris", "Berlin", "Tokyo"}
    hashed = set(hash_values(sorted(domain), salt))
    for v in ["Paris", "Rome", "Tokyo", "berlin"]:
        assert (salted_hash(v, salt) in hashed) == (v in domain)


def test_salt_comes_from_configuration():
    assert resolve_salt(None, {"DVTOOLS_PRIVACY_SALT": "x" * 16}) == b"x" * 16
    with pytest.raises(UsageError, match="DVTOOLS_PRIVACY_SALT"):
        resolve_salt(None, {})
    with pytest.raises(UsageError, match="at least 16"):
        resolve_salt("short")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from("abcdefghij"), max_size=200), st.integers(1, 30))
def test_aggregate_rare(values, k):
    counts = Counter(values).most_common()
    out = aggregate_rare(counts, k)
    assert sum(c for _, c in out) == len(values)
    kept = [(v, c) for v, c in counts if c >= k]
    rare = [c for _, c in counts if c < k]
    assert out[: len(kept)] == kept
    if rare:
        assert out[-1] == (f"({len(rare)} rare value{'s' if len(rare) != 1 else ''})", sum(rare))
    else:
        assert len(out) == len(kept)


def test_aggregate_rare_default_k_and_mapping():
    assert aggregate_rare({"a": 50, "b": 9, "c": 1}) == [("a", 50), ("(2 rare values)", 10)]
    with pytest.raises(UsageError):
        aggregate_rare({"a": 1}, 0)


@settings(max_examples=200, deadline=None)
@given(st.floats(-1e6, 1e6, allow_nan=False), st.sampled_from([0.1, 0.25, 1, 5, 1000, 0.001]))
def test_rounding(x, g):
    near = round_to(x, g)
    assert abs(near - x) <= g / 2 + 1e-9 * max(1, abs(x))
    assert math.isclose(near / g, round(near / g), abs_tol=1e-6)
    lo, hi = coarsen_range(x, x + abs(x), g)
    assert lo <= x + 1e-9 * max(1, abs(x)) and hi >= x + abs(x) - 1e-9 * max(1, abs(x))


def test_rounding_examples():
    assert round_to(0.3, 0.1, "down") == 0.3
    assert round_to(37.4, 5) == 35
    assert coarsen_range(18, 93, 10) == (10, 100)
    assert coarsen_quantiles([21.3, 34.9, 47.2], 5) == [20, 35, 45]
    assert round_to(1.23456, 0.01) == 1.23
    assert math.isnan(round_to(float("nan"), 1))
    with pytest.raises(UsageError):
        round_to(1.0, 0)
    with pytest.raises(UsageError):
        round_to(1.0, 1, "sideways")


def test_redact_counts_masks_aggregates_and_keeps_the_total():
    counts = [("john@gmail.com", 40), ("jane@gmail.com", 30), ("ada@example.org", 12), ("rare1@x.io", 3),
              ("rare2@y.io", 1)]
    out = redact_counts(counts, PiiKind.EMAIL)
    assert out == [("j***@g****.com", 70), ("a**@e******.org", 12), ("(2 rare values)", 4)]
    text = repr(out)
    assert all(v not in text for v, _ in counts)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.emails(), st.integers(1, 50), max_size=30), st.integers(1, 20))
def test_redact_counts_never_shows_a_raw_value(counts, k):
    salt = b"s" * 16
    for out in (redact_counts(counts, PiiKind.EMAIL, k=k), redact_counts(counts, k=k, salt=salt)):
        assert sum(c for _, c in out) == sum(counts.values())
        labels = {label for label, _ in out}
        assert not labels & {v for v in counts if "*" not in v}
    hashed = dict(redact_counts(counts, k=k, salt=salt))
    for value, c in counts.items():
        if c >= k:
            assert hashed[salted_hash(value, salt)] >= c
