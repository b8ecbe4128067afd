"""Vectorized check-digit validators over Arrow string arrays of normalized candidates.

Each function takes a ``pa.StringArray`` (no nulls) of candidates already reduced to the
characters the algorithm reads (digits for Luhn, upper-case alphanumerics for IBAN) and returns
a numpy boolean array, one entry per candidate. The strings are left-padded to a fixed width with
``'0'`` (leading zeros change neither a Luhn sum read from the right nor a number modulo 97), so the
whole batch becomes one ``(n, width)`` byte matrix and every step is a numpy operation over a
column of it: no Python loop per value.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dvtools import _arrow

# Length of the IBAN per country (ISO 13616 registry, SWIFT IBAN registry release 2024).
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
    "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
    "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
    "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}
IBAN_MAX_LENGTH = 34

# Spanish DNI/NIE check letters, indexed by the number modulo 23 (Real Decreto 1553/2005).
DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def byte_matrix(arr: pa.Array, width: int, fill: str = "0") -> np.ndarray:
    """The ASCII strings of ``arr`` (at most ``width`` long) left-padded with ``fill``: an ``(n, width)`` uint8 matrix."""
    n = len(arr)
    if n == 0:
        return np.zeros((0, width), dtype=np.uint8)
    padded = pc.utf8_lpad(arr.cast(pa.string()), width=width, padding=fill)
    # Every value is now exactly `width` bytes, so the values are one contiguous block of the data buffer.
    offsets = np.frombuffer(padded.buffers()[1], dtype=np.int32, count=n + 1, offset=padded.offset * 4)
    if offsets[-1] - offsets[0] != n * width:
        raise ValueError(f"byte_matrix: a value is longer than {width} bytes or not ASCII")
    data = np.frombuffer(padded.buffers()[2], dtype=np.uint8)
    return data[offsets[0]:offsets[-1]].reshape(n, width)


def luhn_valid(digits: pa.Array) -> np.ndarray:
    """Luhn (ISO/IEC 7812-1 annex B) check of digit strings of at most 19 characters.

    From the right, every second digit is doubled (minus 9 when above 9); the sum must be a
    multiple of 10.
    """
    m = byte_matrix(digits, 19).astype(np.int16) - 48
    doubled = m[:, -2::-2] * 2
    total = m[:, ::-2].sum(axis=1) + (doubled - 9 * (doubled > 9)).sum(axis=1)
    return total % 10 == 0


def iban_mod97_valid(ibans: pa.Array) -> np.ndarray:
    """ISO 7064 MOD 97-10 check of upper-case alphanumeric IBANs (at most 34 characters).

    The first four characters move to the end, letters become two digits (A=10 .. Z=35) and the
    resulting number must be 1 modulo 97; folded left to right as ``r = (r * 10^k + v) mod 97``.
    """
    n = len(ibans)
    if n == 0:
        return np.zeros(0, dtype=bool)
    rearranged = pc.binary_join_element_wise(pc.utf8_slice_codeunits(ibans, 4), pc.utf8_slice_codeunits(ibans, 0, 4), "")
    m = byte_matrix(rearranged, IBAN_MAX_LENGTH).astype(np.int64)
    r = np.zeros(n, dtype=np.int64)
    for j in range(IBAN_MAX_LENGTH):
        c = m[:, j]
        letter = c >= 65
        r = np.where(letter, r * 100 + (c - 55), r * 10 + (c - 48)) % 97
    return r == 1


def iban_length_valid(ibans: pa.Array) -> np.ndarray:
    """Whether each IBAN has the registered length of its country (unknown countries fail)."""
    countries = _arrow.strings(list(IBAN_LENGTHS))
    lengths = _arrow.array(list(IBAN_LENGTHS.values()), pa.int32())
    idx = pc.index_in(pc.utf8_slice_codeunits(ibans, 0, 2), value_set=countries)
    expected = pc.take(lengths, idx)
    ok = pc.equal(pc.utf8_length(ibans), expected)
    return np.asarray(_arrow.filled(ok), dtype=bool)


def dni_valid(numbers: pa.Array, letters: pa.Array) -> np.ndarray:
    """Spanish DNI/NIE check: ``letters[i] == DNI_LETTERS[int(numbers[i]) % 23]`` (NIE's X/Y/Z mapped to 0/1/2)."""
    if len(numbers) == 0:
        return np.zeros(0, dtype=bool)
    num = np.asarray(_arrow.filled(pc.cast(numbers, pa.int64())))
    expected = np.frombuffer(DNI_LETTERS.encode(), dtype=np.uint8)[num % 23]
    got = byte_matrix(letters, 1)[:, 0]
    return expected == got
