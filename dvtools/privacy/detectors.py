"""Personal-data detectors: which values of an Arrow array are emails, phone numbers, card numbers, ...

A detector is a *shape* (an RE2 regex run by ``pyarrow.compute`` over the whole array) plus, where
the format has one, a *validator* (Luhn, MOD 97-10, calling-code patterns, SSN area rules, check
letters) run vectorized over the candidates only. A value counts for a detector when both agree.

Cost: one anchored prefilter regex over every string value picks the candidates of all value-shape
detectors (ordinary words and sentences fail on their first characters); the detectors then run
over the candidates alone. Detectors that need a hint (person names, dates of birth, coordinates in
numeric columns) run only on columns whose name gives one (see :func:`name_hints`).

What the heuristics miss, by design:
- person names and street addresses are recognized only in columns named like them (``name``,
  ``first_name``, ``address``, ``street``), or for addresses by a house number + street-type word
  ("12 Main St", "5 rue de la Paix", "Hauptstraße 12" ending the value); a name inside free text, a name column
  called ``client``, or a product column called ``name`` holding "Blue Lamp" (flagged: single
  capitalized words look like names) are beyond a shape rule without a name list or a model;
- personal data inside longer free text ("write to jane@x.org") is not counted: values must *be*
  the email, number, etc. (surrounding spaces allowed);
- phone numbers written without any separator or "+" count only in columns named like phones
  (``4155552671`` is also a 10-digit id); national formats are those of ``national_regions``;
- numbers stored in integer columns are checked as card numbers only (13-19 digits); SSNs and
  phones stored as integers lose their leading zeros and are not detected.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dvtools import _arrow
from dvtools.privacy import phones, validators


class PiiKind(StrEnum):
    """A kind of personal data; the value is the stable name used in findings and files."""

    EMAIL = "email"
    PHONE = "phone"
    PAYMENT_CARD = "payment_card"
    IBAN = "iban"
    IP_ADDRESS = "ip_address"
    US_SSN = "us_ssn"
    UK_NINO = "uk_nino"
    ES_DNI = "es_dni"
    DATE_OF_BIRTH = "date_of_birth"
    GEOLOCATION = "geolocation"
    PERSON_NAME = "person_name"
    STREET_ADDRESS = "street_address"


# Detectors that count nothing unless the column name hints them (their value shape alone is too weak).
HINT_ONLY = frozenset({PiiKind.PERSON_NAME, PiiKind.DATE_OF_BIRTH})

# Column-name words (after splitting snake_case / camelCase, and joining neighbours: first_name -> firstname).
_HINT_WORDS: dict[PiiKind, frozenset[str]] = {
    PiiKind.EMAIL: frozenset({"email", "mail", "emailaddress", "courriel"}),
    PiiKind.PHONE: frozenset({"phone", "tel", "telephone", "mobile", "cellphone", "cellnumber", "fax", "msisdn",
                              "phonenumber", "telefon", "handy"}),
    PiiKind.PAYMENT_CARD: frozenset({"card", "cc", "pan", "creditcard", "cardnumber", "ccnumber", "ccnum"}),
    PiiKind.IBAN: frozenset({"iban", "bankaccount", "accountnumber"}),
    PiiKind.IP_ADDRESS: frozenset({"ip", "ipaddress", "ipv4", "ipv6", "ipaddr", "remoteaddr"}),
    PiiKind.US_SSN: frozenset({"ssn", "socialsecurity", "socialsecuritynumber"}),
    PiiKind.UK_NINO: frozenset({"nino", "nationalinsurance", "nin"}),
    PiiKind.ES_DNI: frozenset({"dni", "nie", "nif"}),
    PiiKind.DATE_OF_BIRTH: frozenset({"dob", "birth", "birthday", "birthdate", "dateofbirth", "born", "bday",
                                      "geburtsdatum", "naissance"}),
    PiiKind.GEOLOCATION: frozenset({"lat", "latitude", "lon", "lng", "longitude", "geo", "geolocation",
                                    "location", "coordinates", "coords", "coord", "gps", "latlon", "latlng"}),
    PiiKind.PERSON_NAME: frozenset({"name", "fullname", "firstname", "lastname", "surname", "givenname",
                                    "familyname", "forename", "middlename", "maidenname", "nom", "prenom",
                                    "vorname", "nachname"}),
    PiiKind.STREET_ADDRESS: frozenset({"address", "addr", "street", "streetaddress", "addressline", "strasse",
                                       "rue", "residence", "homeaddress", "mailingaddress"}),
}
# Words that make a "name" or "address" column something else: product_name, ip_address, file_name.
_NOT_PERSON = frozenset({"product", "file", "filename", "company", "brand", "city", "country", "street", "item",
                         "category", "host", "hostname", "user", "username", "domain", "table", "column", "field",
                         "app", "model", "feature", "event", "page", "store", "shop", "team", "project", "dataset",
                         "display", "screen", "class", "type", "region", "state", "department", "org",
                         "organization", "merchant", "vendor", "campaign", "tag", "label", "service", "server",
                         "device", "os", "browser", "sku", "plan", "course", "job", "title", "database", "key"})
_NOT_ADDRESS = frozenset({"ip", "email", "mail", "mac", "ipv4", "ipv6", "web", "url", "wallet", "remote", "server",
                          "memory", "hardware", "bluetooth", "eth"})
_LAT_WORDS = frozenset({"lat", "latitude"})
_LON_WORDS = frozenset({"lon", "lng", "longitude"})


def _tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    words = [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]
    # "long" is a longitude only as the last word ("pickup_long"), not in "long_description".
    words = [("lon" if w == "long" and i == len(words) - 1 else w) for i, w in enumerate(words)]
    return words + ["".join(words[i:j]) for i in range(len(words)) for j in range(i + 2, min(len(words), i + 4) + 1)]


def name_hints(column: str) -> frozenset[PiiKind]:
    """The kinds of personal data a column name suggests (``"customer_email"`` -> ``{EMAIL}``)."""
    toks = set(_tokens(column))
    out = {kind for kind, words in _HINT_WORDS.items() if toks & words}
    if toks & _NOT_PERSON:
        out.discard(PiiKind.PERSON_NAME)
    if toks & _NOT_ADDRESS:
        out.discard(PiiKind.STREET_ADDRESS)
    if PiiKind.EMAIL in out or PiiKind.IP_ADDRESS in out:
        out.discard(PiiKind.STREET_ADDRESS)
    return frozenset(out)


def geo_axis(column: str) -> str | None:
    """``"lat"`` or ``"lon"`` when the column name says it holds one coordinate axis, else None."""
    toks = set(_tokens(column))
    if toks & _LAT_WORDS and not toks & _LON_WORDS:
        return "lat"
    if toks & _LON_WORDS and not toks & _LAT_WORDS:
        return "lon"
    return None


# ---------------------------------------------------------------------------------------------- patterns
# RFC 5321 dot-atom local part and host name, with the Unicode letters of RFC 6531 / IDNA ("élodie@exemple.fr").
_ATOM = r"[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?"
EMAIL = rf"^\s*{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+\p{{L}}{{2,63}}\s*$"

PHONE_SHAPE = r"^\s*(?:\+|00)?\s*(?:\(\s*\d{1,5}\s*\)|\d)[\d ()./-]{4,24}\d\s*$"
# Dates, decimal numbers, dotted quads and dotted versions with a one-digit part ("0.17.3021.45") have
# phone-like characters but are not phones (dotted phones group two digits or more: "01.23.45.67.89").
PHONE_EXCLUDE = (r"^\s*(?:\d{1,4}[-./ ]\d{1,2}[-./ ]\d{1,4}|\d+\.\d+|\d{1,3}(?:\.\d{1,3}){3}"
                 r"|(?:\d+\.)*\d(?:\.\d+)+|(?:\d+\.)+\d)\s*$")
PHONE_SEPARATED = r"\d[ ()./-]+\d|^\s*\("

CARD_SHAPE = r"^\s*\d{4}(?:[ -]?\d){9,15}\s*$"
# Issuer identification ranges with their lengths (ISO/IEC 7812; Visa, Mastercard incl. 2-series, Amex,
# Discover, JCB, Diners Club, UnionPay, Maestro); digits only.
CARD_IIN = ("^(?:4(?:\\d{12}|\\d{15}|\\d{18})"
            "|(?:5[1-5]\\d\\d|222[1-9]|22[3-9]\\d|2[3-6]\\d\\d|27[01]\\d|2720)\\d{12}"
            "|3[47]\\d{13}"
            "|(?:6011|64[4-9]\\d|65\\d\\d)\\d{12,15}"
            "|(?:352[89]|35[3-8]\\d)\\d{12,15}"
            "|3(?:0[0-59]|[689]\\d)\\d{11,16}"
            "|62\\d{14,17}"
            "|(?:50|5[6-9]|6[0-9])\\d{11,17})$")

IBAN_SHAPE = r"^\s*[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,32}\s*$"

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_V4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
IPV4 = rf"^\s*{_V4}\s*$"


def _ipv6_pattern() -> str:
    h = "[0-9A-Fa-f]{1,4}"

    def exactly(k: int) -> str:
        return "" if k == 0 else h + (f"(?::{h}){{{k - 1}}}" if k > 1 else "")

    def up_to(m: int) -> str:
        return "" if m == 0 else f"(?:{h}(?::{h}){{0,{m - 1}}})?"

    alts = [f"(?:{h}:){{7}}{h}", f"(?:{h}:){{6}}{_V4}"]
    alts += [f"{exactly(k)}::{up_to(7 - k)}" for k in range(8)]
    alts += [f"{exactly(k)}::(?:{h}:){{0,{5 - k}}}{_V4}" for k in range(6)]
    return r"^\s*(?:" + "|".join(alts) + r")\s*$"


IPV6 = _ipv6_pattern()
IPV6_SHAPE = r"^\s*[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*\s*$"

_AREA = r"(?:00[1-9]|0[1-9]\d|[1-5]\d\d|6[0-5]\d|66[0-57-9]|6[7-9]\d|[78]\d\d)"
_GROUP = r"(?:0[1-9]|[1-9]\d)"
_SERIAL = r"(?:000[1-9]|00[1-9]\d|0[1-9]\d\d|[1-9]\d{3})"
SSN_SEPARATED = rf"^\s*{_AREA}(?:-{_GROUP}-|\s{_GROUP}\s){_SERIAL}\s*$"
SSN_PLAIN = rf"^\s*{_AREA}{_GROUP}{_SERIAL}\s*$"

NINO = r"^\s*[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\s*$"
NINO_EXCLUDED = r"^\s*(?:BG|GB|NK|KN|TN|NT|ZZ)"

DNI = r"^\s*(?:\d{8}|[XYZ]\d{7})[- ]?[A-Z]\s*$"

GEO_PAIR = (r"^\s*\(?\s*(?P<lat>[-+]?\d{1,2}\.\d{4,})\s*[,; ]\s*(?P<lon>[-+]?\d{1,3}\.\d{4,})\s*\)?\s*$")

# A person's name: 1-4 words starting with a capital, letters/apostrophes/hyphens/dots only, optional
# lower-case particles (van, de, von, ...), or "Last, First".
_WORD = r"\p{Lu}[\p{L}'’.-]*"
_PARTICLE = r"(?:van|von|de|da|di|del|der|den|du|le|la|bin|al|el|dos|das|ter|zu)"
_NAME_WORDS = rf"(?:{_PARTICLE}\s+)*{_WORD}(?:\s+(?:{_PARTICLE}\s+)*{_WORD}){{0,3}}"
_LAST_FIRST = rf"(?:{_PARTICLE}\s+)*{_WORD}(?:\s+{_WORD})?,\s*{_WORD}(?:\s+{_WORD})?"
PERSON_NAME = rf"^\s*(?:{_NAME_WORDS}|{_LAST_FIRST})\s*$"

_STREET_TYPES = ("street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|way|court|ct|place|pl|terrace|ter"
                 "|circle|cir|highway|hwy|parkway|pkwy|square|sq|close|crescent|cres|row|alley|trail|trl|mews|gardens")
_GERMAN_ORDER = (r"\p{L}[\p{L}.'-]*(?:\s+\p{L}[\p{L}.'-]*){0,3}?(?i:straße|strasse|str\.|weg|gasse|platz|allee|ring"
                 r"|damm|ufer|laan|straat|gracht|plein)\s+\d{1,5}")
_ADDRESS_FORMS = (
    rf"\d{{1,6}}[A-Za-z]?,?\s+(?:[\p{{L}}.'-]+\s+){{0,5}}(?i:{_STREET_TYPES})\b\.?",
    r"\d{1,5}(?:\s*(?i:bis|ter))?,?\s+(?i:rue|avenue|av\.|boulevard|bd|chemin|allée|allee|place|impasse|quai|route"
    r"|via|viale|piazza|calle|avenida|plaza|paseo|carrer)\s+\p{L}",
    _GERMAN_ORDER + r"\s?[A-Za-z]?\b",
)
# Unhinted columns: the value starts with the address (German/Dutch order: and ends with the house number's digits);
# hinted ones may have a prefix ("Flat 2, 10 Downing St").
ADDRESS_ANCHORED = r"^\s*(?:" + "|".join((*_ADDRESS_FORMS[:2], _GERMAN_ORDER + r"\s*$")) + ")"
ADDRESS_ANYWHERE = r"(?:^|[\s,])(?:" + "|".join(_ADDRESS_FORMS) + ")"


# ---------------------------------------------------------------------------------------------- helpers
def _np(mask) -> np.ndarray:
    """A boolean numpy array from an Arrow boolean array (nulls -> False)."""
    if isinstance(mask, np.ndarray):
        return mask
    return np.asarray(_arrow.filled(mask), dtype=bool)


def _match(arr: pa.Array, pattern: str) -> np.ndarray:
    return _np(pc.match_substring_regex(arr, pattern))


_ASCII_CLASSES = {r"\p{L}": ("A-Za-z", "[A-Za-z]"), r"\p{Lu}": ("A-Z", "[A-Z]"), r"\p{N}": ("0-9", "[0-9]")}


@lru_cache(maxsize=64)
def ascii_only(pattern: str) -> str:
    r"""``pattern`` with ``\p{L}``, ``\p{Lu}``, ``\p{N}`` narrowed to ASCII: the same answers on ASCII values.

    RE2 builds far larger automata for Unicode classes (an email regex ran 100x slower), so
    :func:`_match_text` runs this form instead.
    """
    out, i, depth = [], 0, 0
    while i < len(pattern):
        if pattern[i] == "\\":
            for cls, (inside, outside) in _ASCII_CLASSES.items():
                if pattern.startswith(cls, i):
                    out.append(inside if depth else outside)
                    i += len(cls)
                    break
            else:
                out.append(pattern[i:i + 2])
                i += 2
            continue
        if pattern[i] == "[" and not depth:
            depth = 1
        elif pattern[i] == "]" and depth and out and out[-1] != "[":
            depth = 0
        out.append(pattern[i])
        i += 1
    return "".join(out)


@lru_cache(maxsize=64)
def _folded_pattern(pattern: str) -> str:
    return re.sub(r"[^\x00-\x7f]", "X", ascii_only(pattern))


def _match_text(arr: pa.Array, pattern: str) -> np.ndarray:
    """:func:`_match` of a pattern with Unicode classes, fast.

    ASCII values run the ASCII form (same answers). In other values every non-ASCII character
    becomes ``X`` (and so do the pattern's non-ASCII literals, ``straße`` -> ``straXe``) before the
    ASCII form runs: non-ASCII characters count as letters, of either case. Running the Unicode
    pattern itself costs 10-50 us per value in RE2.
    """
    ascii_values = _np(pc.string_is_ascii(arr))
    if ascii_values.all():
        return _match(arr, ascii_only(pattern))
    out = np.zeros(len(arr), dtype=bool)
    if ascii_values.any():
        out[ascii_values] = _match(_subset(arr, ascii_values), ascii_only(pattern))
    folded = pc.replace_substring_regex(_subset(arr, ~ascii_values), r"[^\x00-\x7f]", "X")
    out[~ascii_values] = _match(folded, _folded_pattern(pattern))
    return out


def _subset(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    return arr.filter(_arrow.from_numpy(np.asarray(mask, dtype=bool)))


def _scatter(mask: np.ndarray, sub_ok: np.ndarray) -> np.ndarray:
    out = np.zeros(len(mask), dtype=bool)
    out[np.flatnonzero(mask)] = sub_ok
    return out


def _refine(arr: pa.Array, mask: np.ndarray, check) -> np.ndarray:
    """``mask`` narrowed by ``check`` run on the selected values only."""
    if not mask.any():
        return mask
    return _scatter(mask, check(_subset(arr, mask)))


# ---------------------------------------------------------------------------------------------- detectors
def email(s: pa.Array, hinted: bool) -> np.ndarray:
    """Addresses ``local@domain.tld`` (RFC 5321 dot-atom local part, at most 254 characters)."""
    m = _match_text(s, EMAIL)
    return _refine(s, m, lambda sub: _np(pc.less_equal(pc.utf8_length(pc.utf8_trim_whitespace(sub)), 254)))


def phone(s: pa.Array, hinted: bool, regions: Sequence[str] = phones.DEFAULT_NATIONAL_REGIONS) -> np.ndarray:
    """Phone numbers valid for their calling code ("+44 20 7946 0958") or in a national format of ``regions``.

    National formats ("(415) 555-2671") and "00" prefixes count when written with separators, or
    in a column named like phones: bare digit strings are as often ids.
    """
    m = _match(s, PHONE_SHAPE)
    if not m.any():
        return m
    m &= ~_match(s, PHONE_EXCLUDE)

    def check(sub: pa.Array) -> np.ndarray:
        trimmed = pc.utf8_trim_whitespace(sub)
        digits = pc.replace_substring_regex(trimmed, r"[^\d]", "")
        # E.164 allows 15 digits at most (17 with a "00" prefix); the shortest valid numbers have 5 or 6.
        ndigits = np.asarray(_arrow.filled(pc.utf8_length(digits)))
        plausible = (ndigits >= 5) & (ndigits <= 17)
        plus = _np(pc.starts_with(trimmed, "+")) & plausible
        zeros = _np(pc.starts_with(trimmed, "00")) & ~plus & plausible
        separated = (hinted | _match(sub, PHONE_SEPARATED)) & plausible
        ok = np.zeros(len(sub), dtype=bool)
        if plus.any():
            ok[plus] = phones.valid_international(_subset(digits, plus))
        intl00 = zeros & separated
        if intl00.any():
            ok[intl00] = phones.valid_international(pc.utf8_slice_codeunits(_subset(digits, intl00), 2))
        national = ~plus & ~zeros & separated
        if national.any():
            ok[national] = phones.valid_national(_subset(digits, national), regions)
        # "00" + national trunk: written as a national number ("0044" is rarely a national format, but try).
        rest = zeros & separated & ~ok
        if rest.any():
            ok[rest] = phones.valid_national(_subset(digits, rest), regions)
        return ok

    return _refine(s, m, check)


def payment_card(s: pa.Array, hinted: bool) -> np.ndarray:
    """Card numbers: 13-19 digits (spaces or dashes allowed), a known issuer range and length, Luhn-valid."""
    m = _match(s, CARD_SHAPE)

    def check(sub: pa.Array) -> np.ndarray:
        digits = pc.replace_substring_regex(sub, r"[^\d]", "")
        ok = _match(digits, CARD_IIN)
        return _refine(digits, ok, validators.luhn_valid)

    return _refine(s, m, check)


def card_digits(digits: pa.Array) -> np.ndarray:
    """Card check on strings that are digits only (integer columns cast to text)."""
    ok = _match(digits, CARD_IIN)
    return _refine(digits, ok, validators.luhn_valid)


def iban(s: pa.Array, hinted: bool) -> np.ndarray:
    """IBANs: country code, two check digits, the country's registered length, MOD 97-10 == 1."""
    m = _match(s, IBAN_SHAPE)

    def check(sub: pa.Array) -> np.ndarray:
        norm = pc.utf8_upper(pc.replace_substring(sub, " ", ""))
        ok = validators.iban_length_valid(norm)
        return _refine(norm, ok, validators.iban_mod97_valid)

    return _refine(s, m, check)


def ip_address(s: pa.Array, hinted: bool) -> np.ndarray:
    """IPv4 dotted quads (no leading zeros, as Python's ``ipaddress``) and IPv6 (RFC 4291 text forms, no zone)."""
    v4 = _refine(s, _np(pc.match_substring(s, ".")), lambda sub: _match(sub, IPV4))
    shape6 = _refine(s, _np(pc.match_substring(s, ":")), lambda sub: _match(sub, IPV6_SHAPE))
    v6 = _refine(s, shape6, lambda sub: _match(sub, IPV6))
    return v4 | v6


def us_ssn(s: pa.Array, hinted: bool) -> np.ndarray:
    """US Social Security numbers ``AAA-GG-SSSS``: area not 000, 666 or 9xx; group not 00; serial not 0000.

    Nine digits without separators count only in columns named like SSNs.
    """
    m = _match(s, SSN_SEPARATED)
    if hinted:
        m |= _match(s, SSN_PLAIN)
    return m


def uk_nino(s: pa.Array, hinted: bool) -> np.ndarray:
    """UK National Insurance numbers ``QQ 12 34 56 C`` (HMRC prefix and suffix rules)."""
    up = pc.utf8_upper(s)
    m = _match(up, NINO)
    return _refine(up, m, lambda sub: ~_match(sub, NINO_EXCLUDED))


def es_dni(s: pa.Array, hinted: bool) -> np.ndarray:
    """Spanish DNI (8 digits + check letter) and NIE (X/Y/Z + 7 digits + check letter), letter = number mod 23."""
    up = pc.utf8_upper(s)
    m = _match(up, DNI)

    def check(sub: pa.Array) -> np.ndarray:
        norm = pc.replace_substring_regex(sub, r"[^0-9A-Z]", "")
        for letter, digit in (("X", "0"), ("Y", "1"), ("Z", "2")):
            norm = pc.replace_substring_regex(norm, f"^{letter}", digit)
        return validators.dni_valid(pc.utf8_slice_codeunits(norm, 0, 8), pc.utf8_slice_codeunits(norm, 8, 9))

    return _refine(up, m, check)


def geo_pair(s: pa.Array, hinted: bool) -> np.ndarray:
    """"lat, lon" text with at least 4 decimals each (about 11 m), latitude in [-90, 90], longitude in [-180, 180]."""
    m = _match(s, GEO_PAIR)

    def check(sub: pa.Array) -> np.ndarray:
        parts = pc.extract_regex(sub, GEO_PAIR)
        lat = np.asarray(pc.cast(pc.struct_field(parts, "lat"), pa.float64()))
        lon = np.asarray(pc.cast(pc.struct_field(parts, "lon"), pa.float64()))
        return (np.abs(lat) <= 90) & (np.abs(lon) <= 180)

    return _refine(s, m, check)


def precise_coordinate(values: np.ndarray, axis: str) -> np.ndarray:
    """Floats in the axis' range (latitude 90, longitude 180) with at least 4 decimals (x * 1000 not whole)."""
    limit = 90.0 if axis == "lat" else 180.0
    with np.errstate(invalid="ignore"):
        scaled = values * 1000.0
        return (np.abs(values) <= limit) & (np.abs(scaled - np.round(scaled)) > 1e-6)


def person_name(s: pa.Array, hinted: bool) -> np.ndarray:
    """Capitalized words without digits ("Ada Lovelace", "van der Berg", "Lovelace, Ada"); hinted columns only."""
    return _match_text(s, PERSON_NAME)


def street_address(s: pa.Array, hinted: bool) -> np.ndarray:
    """House number + street-type word, in English, French/Spanish/Italian or German/Dutch order."""
    spaced = _np(pc.match_substring_regex(s, r"\s"))
    return _refine(s, spaced, lambda sub: _match_text(sub, ADDRESS_ANYWHERE if hinted else ADDRESS_ANCHORED))


# ---------------------------------------------------------------------------------------------- routing
_DIGIT, _ALPHA, _WS, _PLUS, _PAREN, _MINUS, _HIGH, _XYZ, _HEX, _CONT = (1 << k for k in range(10))


def _byte_classes() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint16)
    for b in range(256):
        c = chr(b)
        table[b] = ((_DIGIT if c.isdigit() and b < 128 else 0) | (_ALPHA if c.isascii() and c.isalpha() else 0)
                    | (_WS if c in " \t" else 0) | (_PLUS if c == "+" else 0) | (_PAREN if c == "(" else 0)
                    | (_MINUS if c == "-" else 0) | (_HIGH if b >= 0xC0 else 0) | (_XYZ if c in "XYZxyz" else 0)
                    | (_HEX if c in "0123456789abcdefABCDEF:" else 0) | (_CONT if 0x80 <= b < 0xC0 else 0))
    return table


_CLASSES = _byte_classes()


def routes(s: pa.Array) -> dict[PiiKind, np.ndarray]:
    """Per value-shape detector, which values can possibly match it, from a few bytes of each value.

    Arrow runs a regex at ~100 ns per value whatever the pattern, so the regexes run only on
    values whose first, second, third or last bytes (classified through one 256-entry table),
    length, or an ``@`` / ``:`` anywhere (searched only in values that could be emails / IPv6) fit the format:
    words and sentences are rejected by a few numpy operations. Every route is a superset of
    what its regex accepts (a leading or trailing space or tab opens every route). Bytes read
    past a short value belong to its neighbour: harmless, as each route also bounds the length.
    """
    n = len(s)
    s = s.cast(pa.string())
    offsets = np.frombuffer(s.buffers()[1], dtype=np.int32, count=n + 1, offset=s.offset * 4)
    raw = s.buffers()[2]
    data = np.frombuffer(raw, dtype=np.uint8) if raw is not None and raw.size else np.zeros(1, np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    lens = ends - starts

    def cls(pos: np.ndarray) -> np.ndarray:
        return _CLASSES[data.take(pos, mode="clip")]

    first, last = cls(starts), cls(ends - 1)
    ws = ((first | last) & _WS) != 0  # padded values: lengths say nothing
    digit = ((first & (_DIGIT | _WS)) != 0)
    numeric_start = (first & (_DIGIT | _WS | _PLUS | _PAREN | _MINUS)) != 0
    seg = data[offsets[0]:offsets[-1]] if offsets[-1] > offsets[0] else np.zeros(0, np.uint8)

    def has(byte: int) -> np.ndarray:
        pos = np.flatnonzero(seg == byte) + offsets[0]
        out = np.zeros(n, dtype=bool)
        if len(pos):
            out[np.searchsorted(offsets, pos, side="right") - 1] = True
        return out

    def containing(mask: np.ndarray, char: str) -> np.ndarray:
        """``mask`` where the value also contains ``char``: one scan of the buffer, or a substring search of few values."""
        share = np.count_nonzero(mask) / max(1, n)
        if share > 0.25:
            return mask & has(ord(char))
        if share == 0:
            return mask
        idx = np.flatnonzero(mask)
        out = np.zeros(n, dtype=bool)
        taken = s.take(_arrow.from_numpy(np.asarray(idx, dtype=np.int64)))
        out[idx] = np.asarray(_arrow.filled(pc.match_substring(taken, char)))
        return out

    def within(lo: int, hi: int) -> np.ndarray:
        return (lens >= lo) & ((lens <= hi) | ws)

    none = np.zeros(n, dtype=bool)

    def narrowed(mask: np.ndarray, pos_of: np.ndarray, bits: int) -> np.ndarray:
        """``mask`` where also the byte at ``pos_of`` has one of ``bits`` (read for the masked values only)."""
        idx = np.flatnonzero(mask)
        out = np.zeros(n, dtype=bool)
        if len(idx):
            out[idx] = (cls(pos_of[idx]) & bits) != 0
        return out

    # Letters first (the common case): the third byte decides (IBAN "DE89", NINO "AB12" / "AB 12"),
    # the second only for the few candidates left.
    alpha_first = (first & _ALPHA) != 0
    if alpha_first.any():
        third_ok = narrowed(alpha_first & (lens >= 9), starts + 2, _DIGIT | _WS)
        alpha2 = narrowed(third_ok, starts + 1, _ALPHA)
        alpha2_digit = narrowed(alpha2, starts + 2, _DIGIT)
        nino_start = alpha2
        xyz = narrowed((first & _XYZ) != 0, starts + 1, _DIGIT)
    else:
        alpha2_digit = nino_start = xyz = none
    ends_with_number = (last & _DIGIT) != 0
    if numeric_start.any():
        card, ssn, ipv4 = digit & within(13, 34), digit & within(9, 11), digit & within(7, 15)
        phone = numeric_start & ((first & _MINUS) == 0) & (lens >= 6)
        geo = numeric_start & (lens >= 13)
        house_first = digit & (lens >= 6)
    else:
        card = ssn = ipv4 = phone = geo = house_first = none
    # An email ends with its top-level domain: a letter (or the last byte of a non-ASCII one).
    email = containing(within(6, 254) & (((last & (_ALPHA | _CONT)) != 0) | ws), "@")
    # IPv6 text starts and ends with a hex digit or ":" (or an IPv4 digit), and has a ":".
    ipv6 = containing((((first & last & _HEX) != 0) | ws) & within(2, 45), ":")
    return {
        PiiKind.EMAIL: email,
        PiiKind.PAYMENT_CARD: card,
        PiiKind.IBAN: (alpha2_digit | ws) & within(15, 68),
        PiiKind.US_SSN: ssn,
        PiiKind.UK_NINO: (nino_start | ws) & within(9, 13),
        PiiKind.ES_DNI: (digit | xyz) & within(9, 11),
        PiiKind.IP_ADDRESS: ipv4 | ipv6,
        PiiKind.PHONE: phone,
        PiiKind.GEOLOCATION: geo,
        PiiKind.STREET_ADDRESS: house_first | (((first & (_ALPHA | _HIGH | _WS)) != 0) & (ends_with_number | ws)),
    }


# Value-shape detectors of string values, in priority order (ties between shares go to the first).
STRING_DETECTORS = (
    (PiiKind.EMAIL, email),
    (PiiKind.PAYMENT_CARD, payment_card),
    (PiiKind.IBAN, iban),
    (PiiKind.US_SSN, us_ssn),
    (PiiKind.UK_NINO, uk_nino),
    (PiiKind.ES_DNI, es_dni),
    (PiiKind.IP_ADDRESS, ip_address),
    (PiiKind.PHONE, phone),
    (PiiKind.GEOLOCATION, geo_pair),
    (PiiKind.STREET_ADDRESS, street_address),
)
