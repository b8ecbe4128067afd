"""Redaction and aggregation of personal data: masks that keep the format, salted hashes, k-anonymity, rounding.

All pure functions. Masks keep what a reader needs to recognize the *kind* of value (its format,
separators, a provider or country, the last digits a person checks on a receipt) and hide what
identifies someone: ``john@gmail.com`` -> ``j***@g****.com``, ``4242 4242 4242 4242`` ->
``**** **** **** 4242``.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from dvtools.errors import UsageError

if TYPE_CHECKING:
    from dvtools.privacy.detectors import PiiKind

SALT_ENV = "DVTOOLS_PRIVACY_SALT"
MIN_SALT_BYTES = 16
DEFAULT_K = 10
HASH_PREFIX = "h:"

_DIGIT = re.compile(r"\d")
_ALNUM = re.compile(r"[0-9A-Za-z]")


def _stars(s: str) -> str:
    return "*" * len(s)


def _first_then_stars(part: str) -> str:
    # A one-character part shown "as its first letter" would be shown whole.
    return _stars(part) if len(part) < 2 else part[:1] + _stars(part[1:])


def mask_email(value: str) -> str:
    """``john.doe@mail.example.com`` -> ``j*******@m***.e******.com``: first letters and the top-level domain stay."""
    value = value.strip()
    local, at, domain = value.rpartition("@")
    if not at:
        return mask_generic(value)
    labels = domain.split(".")
    masked = [_first_then_stars(lab) for lab in labels[:-1]] + labels[-1:]
    return f"{_first_then_stars(local)}@{'.'.join(masked)}"


def _mask_digits_keep_last(value: str, keep: int) -> str:
    positions = [m.start() for m in _DIGIT.finditer(value)]
    hidden = set(positions[:-keep] if keep else positions)
    return "".join("*" if i in hidden else c for i, c in enumerate(value))


def mask_card(value: str) -> str:
    """``4242 4242 4242 4242`` -> ``**** **** **** 4242`` (PCI DSS allows the last four digits at most)."""
    return _mask_digits_keep_last(value.strip(), 4)


def mask_ssn(value: str) -> str:
    """``123-45-6789`` -> ``***-**-6789``."""
    return _mask_digits_keep_last(value.strip(), 4)


def mask_phone(value: str) -> str:
    """``+44 20 7946 0958`` -> ``+44 ** **** **58``: the calling code (after "+") and the last two digits stay."""
    from dvtools.privacy.phones import split_calling_code

    value = value.strip()
    keep_head = 0
    if value.startswith("+"):
        digits = re.sub(r"\D", "", value)
        keep_head = len(split_calling_code(digits)[0])
    positions = [m.start() for m in _DIGIT.finditer(value)]
    visible = set(positions[:keep_head]) | set(positions[-2:])
    return "".join("*" if (i in positions and i not in visible) else c for i, c in enumerate(value))


def mask_iban(value: str) -> str:
    """``DE89 3704 0044 0532 0130 00`` -> ``DE** **** **** **** **30 00``: the country and the last four stay."""
    value = value.strip()
    positions = [m.start() for m in _ALNUM.finditer(value)]
    visible = set(positions[:2]) | set(positions[-4:])
    return "".join("*" if (i in positions and i not in visible) else c for i, c in enumerate(value))


def mask_ip(value: str) -> str:
    """``192.168.1.20`` -> ``192.*.*.*``; ``2001:db8::1`` -> ``2001:***::*``: the first octet or group stays."""
    value = value.strip()
    if ":" in value:
        head, sep, rest = value.partition(":")
        return head + sep + re.sub(r"[0-9A-Fa-f]", "*", rest)
    head, sep, rest = value.partition(".")
    return head + sep + re.sub(r"\d+", "*", rest)


def mask_date(value: str) -> str:
    """``1985-03-12`` -> ``198*-**-**``: the decade stays (a finding needs the era, not the day)."""
    value = value.strip()
    year = re.search(r"\d{4}", value)
    out = re.sub(r"\d", "*", value)
    if year:
        out = out[:year.start()] + year.group()[:3] + out[year.start() + 3:]
    return out


def mask_coordinate(value: str) -> str:
    """``48.85661, 2.35222`` -> ``48.8***, 2.3***``: one decimal (about 11 km) stays."""
    return re.sub(r"(\d+\.\d)(\d+)", lambda m: m.group(1) + _stars(m.group(2)), value.strip())


def mask_generic(value: str) -> str:
    """The first character of each word stays, every other letter or digit becomes ``*`` (names, addresses, ids)."""
    return re.sub(r"(?<=\w)\w", "*", value.strip())


def mask_value(kind: PiiKind | str, value: str) -> str:
    """The mask of ``value`` for its detector ``kind``."""
    from dvtools.privacy.detectors import PiiKind

    masks = {
        PiiKind.EMAIL: mask_email, PiiKind.PAYMENT_CARD: mask_card, PiiKind.US_SSN: mask_ssn,
        PiiKind.PHONE: mask_phone, PiiKind.IBAN: mask_iban, PiiKind.IP_ADDRESS: mask_ip,
        PiiKind.DATE_OF_BIRTH: mask_date, PiiKind.GEOLOCATION: mask_coordinate,
    }
    return masks.get(PiiKind(kind), mask_generic)(value)


# ---------------------------------------------------------------------------------------------- hashing
def resolve_salt(salt: str | bytes | None = None, environ: Mapping[str, str] | None = None) -> bytes:
    """The hashing salt: ``salt`` if given, else the ``DVTOOLS_PRIVACY_SALT`` environment variable.

    Hashes of a domain are comparable only under one salt, so the salt is configuration (kept with
    the project, out of the data) and never generated silently; missing or short (< 16 bytes) is an error.
    """
    if salt is None:
        salt = (os.environ if environ is None else environ).get(SALT_ENV)
    if salt is None:
        raise UsageError(f"privacy hashing needs a salt: set {SALT_ENV} (at least {MIN_SALT_BYTES} characters)")
    raw = salt.encode() if isinstance(salt, str) else bytes(salt)
    if len(raw) < MIN_SALT_BYTES:
        raise UsageError(f"the privacy salt is {len(raw)} bytes; use at least {MIN_SALT_BYTES}")
    return raw


def salted_hash(value: str, salt: bytes, length: int = 16) -> str:
    """``"h:" +`` the first ``length`` hex digits of HMAC-SHA256(salt, value): equal values, equal hashes."""
    if not 8 <= length <= 64:
        raise UsageError(f"hash length must be within 8..64 hex digits, got {length}")
    return HASH_PREFIX + hmac.new(salt, value.encode("utf-8"), hashlib.sha256).hexdigest()[:length]


def hash_values(values: Iterable[str | None], salt: bytes, length: int = 16) -> list[str | None]:
    """:func:`salted_hash` of each value (None stays None), e.g. of a domain.

    A schema of hashed values can still be checked against hashed statistics:
    ``hash(v) in hashed_domain`` iff ``v in domain`` (up to a 64-bit collision).
    """
    return [None if v is None else salted_hash(v, salt, length) for v in values]


# ---------------------------------------------------------------------------------------------- aggregation
RARE_VALUES = "(rare values)"
"""The aggregated row of redacted statistics: one label whatever N, so that compared datasets share the category."""


def rare_label(n: int) -> str:
    """``"(3 rare values)"``, the label of the aggregated row."""
    return f"({n:,} rare value{'s' if n != 1 else ''})"


def _split_rare(counts: Sequence[tuple[str, int]] | Mapping[str, int], k: int) -> tuple[list[tuple[str, int]], list[int]]:
    """The rows seen at least ``k`` times (in order), and the counts of the rarer ones: the one k-anonymity rule."""
    if k < 1:
        raise UsageError(f"k must be at least 1, got {k}")
    items = list(counts.items()) if isinstance(counts, Mapping) else list(counts)
    return [(v, c) for v, c in items if c >= k], [c for _, c in items if c < k]


def aggregate_rare(counts: Sequence[tuple[str, int]] | Mapping[str, int], k: int = DEFAULT_K) -> list[tuple[str, int]]:
    """k-anonymity of a value-count table: categories seen fewer than ``k`` times are aggregated.

    They become one ``("(N rare values)", their total count)`` row at the end; the others keep their order.
    No row reveals a value that fewer than ``k`` records share; the total count is unchanged.
    """
    kept, rare = _split_rare(counts, k)
    return kept + ([(rare_label(len(rare)), sum(rare))] if rare else [])


def redact_counts(counts: Sequence[tuple[str, int]] | Mapping[str, int], kind: PiiKind | str | None = None, *,
                  k: int = DEFAULT_K, salt: bytes | None = None, rare: str | None = None) -> list[tuple[str, int]]:
    """A value-count table of a sensitive feature with no raw value left, the total count unchanged.

    First k-anonymity on the raw values (a value fewer than ``k`` records share is not shown even
    masked: a mask keeps a first letter and a length); then every kept value is masked for its
    detector ``kind`` (the generic mask when None) or, given ``salt``, replaced by its
    :func:`salted_hash` so that domain checks still work; equal masks add up. Ordered by count
    (then label), the "(N rare values)" row last (``rare``: another label for it, e.g. one that does
    not depend on N, so that two datasets' aggregated rows are one category).
    """
    kept, few = _split_rare(counts, k)
    out: dict[str, int] = {}
    for value, count in kept:
        if salt is not None:
            label = salted_hash(value, salt)
        else:
            label = mask_value(kind, value) if kind is not None else mask_generic(value)
        out[label] = out.get(label, 0) + count
    rows = sorted(out.items(), key=lambda kv: (-kv[1], kv[0]))
    return rows + ([(rare_label(len(few)) if rare is None else rare, sum(few))] if few else [])


def _decimals(granularity: float) -> int:
    exponent = Decimal(repr(float(granularity))).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def round_to(x: float, granularity: float, mode: str = "nearest") -> float:
    """``x`` as a multiple of ``granularity`` (``nearest``, ``down`` or ``up``); NaN and infinities unchanged."""
    if not granularity > 0 or math.isinf(granularity):
        raise UsageError(f"granularity must be a positive number, got {granularity}")
    if not math.isfinite(x):
        return x
    f = {"nearest": round, "down": math.floor, "up": math.ceil}.get(mode)
    if f is None:
        raise UsageError(f"unknown rounding mode {mode!r}: use nearest, down or up")
    q = x / granularity
    # Guard against 0.3 / 0.1 = 2.9999999999999996 flooring to 2.
    q = round(q) if abs(q - round(q)) <= 1e-12 * max(1.0, abs(q)) else f(q)
    return round(q * granularity, _decimals(granularity))


def coarsen_quantiles(quantiles: Sequence[float], granularity: float) -> list[float]:
    """Quantiles rounded to the nearest multiple of ``granularity`` (order is kept: rounding is monotone)."""
    return [round_to(q, granularity) for q in quantiles]


def coarsen_range(minimum: float, maximum: float, granularity: float) -> tuple[float, float]:
    """``(min, max)`` widened outwards to multiples of ``granularity``.

    The extremes (often one person) are hidden and the range still contains every value.
    """
    return round_to(minimum, granularity, "down"), round_to(maximum, granularity, "up")
