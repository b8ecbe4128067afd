"""Phone-number validation, vectorized, from the metadata of Google's libphonenumber.

``phonenumbers`` (the Python port of libphonenumber) holds, per region, the RE2-compatible
patterns of every number type (fixed line, mobile, toll free, ...). Calling
``phonenumbers.is_valid_number`` costs ~20 us per value; instead the patterns are compiled once per
country calling code into one anchored regex and run by Arrow over all candidates with that code.
The answer agrees with ``is_valid_number`` on well-formed numbers (tests use it as the oracle).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dvtools import _arrow

_TYPES = ("fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "personal_number", "voip", "pager",
          "uan", "voicemail")

# Regions whose national format ("020 7946 0958", "(415) 555-2671") is recognized without a "+".
DEFAULT_NATIONAL_REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IN", "AU", "CA")


def _metadata(code: int, region: str):
    from phonenumbers import PhoneMetadata

    if region == "001":
        return PhoneMetadata.metadata_for_nongeo_region(code)
    return PhoneMetadata.metadata_for_region(region)


def _type_patterns(md) -> list[str]:
    out = []
    for t in _TYPES:
        desc = getattr(md, t, None)
        if desc is not None and desc.national_number_pattern:
            out.append(desc.national_number_pattern)
    return out


@lru_cache(maxsize=1)
def calling_codes() -> dict[str, tuple[str, ...]]:
    """Country calling code (as a string) -> regions. ITU calling codes are prefix-free."""
    from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

    return {str(c): tuple(r) for c, r in COUNTRY_CODE_TO_REGION_CODE.items()}


@lru_cache(maxsize=512)
def _international_regex(code: str) -> str | None:
    pats: list[str] = []
    prefixes: list[str] = []
    for region in calling_codes().get(code, ()):
        md = _metadata(int(code), region)
        if md is None:
            continue
        pats.extend(_type_patterns(md))
        if md.national_prefix:
            prefixes.append(md.national_prefix)
    pats = list(dict.fromkeys(pats))
    if not pats:
        return None
    # Numbers written with the trunk prefix after the code ("+44 (0)20 ...") parse in libphonenumber too.
    trunk = f"(?:{'|'.join(sorted(set(prefixes)))})?" if prefixes else ""
    return f"^{code}{trunk}(?:{'|'.join(pats)})$"


@lru_cache(maxsize=64)
def _national_regex(regions: tuple[str, ...]) -> str:
    alts = []
    for region in regions:
        md = _metadata(0, region)
        if md is None:
            continue
        pats = "|".join(dict.fromkeys(_type_patterns(md)))
        prefix = md.national_prefix or ""
        # NANP numbers are written with or without the "1"; elsewhere the trunk "0" is part of the national format.
        lead = f"(?:{prefix})?" if region in ("US", "CA") else prefix
        alts.append(f"{lead}(?:{pats})")
    return "^(?:" + "|".join(dict.fromkeys(alts)) + ")$"


def _calling_code_of(digits: pa.Array) -> pa.Array:
    """The calling code each digit string starts with (1 to 3 digits), or null."""
    codes = _arrow.strings(list(calling_codes()))
    out = pa.nulls(len(digits), pa.string())
    for width in (3, 2, 1):
        head = pc.utf8_slice_codeunits(digits, 0, width)
        out = pc.if_else(pc.is_in(head, value_set=codes), head, out)
    return out


def valid_international(digits: pa.Array) -> np.ndarray:
    """Whether each string of digits (calling code + national number, no "+") is a valid phone number."""
    n = len(digits)
    ok = np.zeros(n, dtype=bool)
    if n == 0:
        return ok
    code = _calling_code_of(digits)
    for value in pc.unique(pc.drop_null(code)).to_pylist():
        rx = _international_regex(value)
        if rx is None:
            continue
        sel = np.asarray(_arrow.filled(pc.equal(code, value)), dtype=bool)
        idx = np.flatnonzero(sel)
        taken = digits.take(_arrow.from_numpy(np.asarray(idx, dtype=np.int64)))
        ok[idx] = np.asarray(_arrow.filled(pc.match_substring_regex(taken, rx)))
    return ok


def valid_national(digits: pa.Array, regions: Sequence[str] = DEFAULT_NATIONAL_REGIONS) -> np.ndarray:
    """Whether each string of digits is a valid number in the national format of one of ``regions``."""
    if len(digits) == 0:
        return np.zeros(0, dtype=bool)
    rx = _national_regex(tuple(regions))
    return np.asarray(_arrow.filled(pc.match_substring_regex(digits, rx)), dtype=bool)


def split_calling_code(digits: str) -> tuple[str, str]:
    """``"14155552671"`` -> ``("1", "4155552671")``; ``("", digits)`` when no calling code matches."""
    codes = calling_codes()
    for width in (1, 2, 3):
        if digits[:width] in codes:
            return digits[:width], digits[width:]
    return "", digits
