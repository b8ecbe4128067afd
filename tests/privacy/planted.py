"""A table with planted personal data (valid emails, phones, cards, IBANs, IPs, SSNs, names) and plain columns.

``planted_table(n)`` returns the table and the set of raw planted values that no output may contain
in privacy mode. Values are distinctive (no planted value is a substring of ordinary output text).
"""

from __future__ import annotations

import random

import phonenumbers as pn
import pyarrow as pa

FIRST = ["Octavia", "Thaddeus", "Philippa", "Evander", "Rosalind", "Leopold", "Ottilie", "Barnaby", "Clementine",
         "Isidore"]
LAST = ["Brightwater", "Featherstonehaugh", "Quillfeather", "Ravensworth", "Applegarth", "Winterbourne",
        "Marchbanks", "Holloway", "Pennyworth", "Ashcombe"]


def _luhn(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str((10 - total % 10) % 10)


def _iban(rng: random.Random) -> str:
    bban = "".join(str(rng.randrange(10)) for _ in range(18))
    num = int(bban + str(int("D", 36)) + str(int("E", 36)) + "00")
    full = f"DE{98 - num % 97:02d}{bban}"
    return " ".join(full[i:i + 4] for i in range(0, len(full), 4))


def _phone(rng: random.Random) -> str:
    while True:
        ex = pn.example_number_for_type(rng.choice(["GB", "DE", "FR", "US"]), pn.PhoneNumberType.MOBILE)
        num = pn.parse(f"+{ex.country_code}{str(ex.national_number)[:-4]}{rng.randrange(10000):04d}")
        if pn.is_valid_number(num):
            return pn.format_number(num, pn.PhoneNumberFormat.INTERNATIONAL)


def _ssn(rng: random.Random) -> str:
    return f"{rng.randrange(100, 600):03d}-{rng.randrange(10, 100):02d}-{rng.randrange(1000, 10000):04d}"


def _ip(rng: random.Random) -> str:
    return f"{rng.randrange(100, 224)}.{rng.randrange(100, 255)}.{rng.randrange(100, 255)}.{rng.randrange(100, 255)}"


def planted_table(n: int = 300, seed: int = 7, frequent: int = 15) -> tuple[pa.Table, set[str]]:
    """``n`` rows; the first value of every planted column is repeated ``frequent`` times (above k)."""
    rng = random.Random(seed)
    cols: dict[str, list] = {
        "email": [f"{rng.choice(FIRST).lower()}.{rng.choice(LAST).lower()}{i}@mailbox{i % 7}.example.org"
                  for i in range(n)],
        "phone": [_phone(rng) for _ in range(n)],
        "card_number": [_luhn("4", 16, rng) for _ in range(n)],
        "iban": [_iban(rng) for _ in range(n)],
        "ip_address": [_ip(rng) for _ in range(n)],
        "ssn": [_ssn(rng) for _ in range(n)],
        "customer_name": [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(n)],
    }
    for values in cols.values():
        values[1:frequent] = [values[0]] * (frequent - 1)
    planted = {v for values in cols.values() for v in values}
    cols["city"] = [rng.choice(["Paris", "Rome", "Oslo", "Lima"]) for _ in range(n)]
    cols["amount"] = [round(rng.uniform(1, 500), 2) for _ in range(n)]
    cols["age"] = [rng.randrange(18, 90) for _ in range(n)]
    return pa.table(cols), planted
