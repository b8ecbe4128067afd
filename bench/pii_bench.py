#!/usr/bin/env python3
"""Personal-data detection: precision/recall on a generated table, and the cost of the tally (figures, not a test).

    python bench/pii_bench.py [--rows 20000] [--seed 7] [--data /tmp/piidata/data_1000000.parquet] [--repeat 3]

Part 1 generates ``--rows`` rows of >= 20 column kinds: planted personal data in several formats
(some columns with missing values, some with a hinting name and only a minority of valid values),
and look-alike columns that must not be flagged (16-digit order ids, product codes, cities, ids,
timestamps, versions, prices, zip codes, UUIDs, MAC addresses, ...). It prints, per column, what
was planted and what was flagged, then column-level precision and recall.

Part 2 times ``PiiTally`` over the benchmark table (values/s), and its overhead on the statistics
pass: ``compute_statistics`` on the 1M-row benchmark data (generated with
``../shared/bench/make_data.py`` when missing) against a tally of every string column over the
same record batches (read beforehand: inside the statistics pass the batches are already there).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
MAKE_DATA = HERE.parent.parent / "shared" / "bench" / "make_data.py"
if not MAKE_DATA.exists():
    MAKE_DATA = Path("/work/shared/bench/make_data.py")

FIRST = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Jean-Luc", "Élodie", "Søren", "Chloé", "Omar", "Priya", "Wei",
         "Fatima", "José", "Ingrid", "Kwame", "Yuki", "Olga", "Mateo", "Aoife"]
LAST = ["Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Picard", "Durand", "Kierkegaard", "O'Brien", "Haddad",
        "Patel", "Zhang", "Al-Sayed", "García", "Bergström", "Mensah", "Tanaka", "Ivanova", "Rossi", "van der Berg"]
STREETS = ["Main", "Oak", "Baker", "High", "Elm", "Maple", "Church", "Station"]
CITIES = ["Paris", "Berlin", "New York", "São Paulo", "Tokyo", "Lagos", "Mumbai", "Toronto", "Sydney", "Madrid"]


def luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return body + str((10 - total % 10) % 10)


def card(rng: random.Random) -> str:
    prefix, length = rng.choice([("4", 16), ("4", 13), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15),
                                 ("6011", 16), ("65", 16), ("3528", 16), ("36", 14), ("62", 16), ("4", 19)])
    digits = luhn_complete(prefix, length, rng)
    style = rng.randrange(3)
    if style == 0 or length != 16:
        return digits
    sep = " " if style == 1 else "-"
    return sep.join(digits[i:i + 4] for i in range(0, 16, 4))


IBAN_SPECS = {"DE": "n18", "FR": "n10a11n2", "ES": "n20", "NL": "a4n10", "GB": "a4n14", "IT": "a1n10a12", "BE": "n12",
              "CH": "n17"}


def iban(rng: random.Random) -> str:
    country, spec = rng.choice(list(IBAN_SPECS.items()))
    import re
    bban = ""
    for kind, n in re.findall(r"([an])(\d+)", spec):
        alphabet = "0123456789" if kind == "n" else "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        bban += "".join(rng.choice(alphabet) for _ in range(int(n)))
    num = int("".join(str(int(c, 36)) for c in bban + country + "00"))
    full = f"{country}{98 - num % 97:02d}{bban}"
    return " ".join(full[i:i + 4] for i in range(0, len(full), 4)) if rng.random() < 0.5 else full


def phone(rng: random.Random, national: bool = False) -> str:
    import phonenumbers as pn

    regions = ["US", "GB", "DE", "FR"] if national else ["US", "GB", "DE", "FR", "IN", "BR", "JP", "ES", "IT", "AU"]
    while True:
        ex = pn.example_number_for_type(rng.choice(regions),
                                        rng.choice([pn.PhoneNumberType.MOBILE, pn.PhoneNumberType.FIXED_LINE]))
        num = pn.parse(f"+{ex.country_code}{str(ex.national_number)[:-3]}{rng.randrange(1000):03d}")
        if pn.is_valid_number(num):
            break
    if national:
        return pn.format_number(num, pn.PhoneNumberFormat.NATIONAL)
    fmt = rng.choice([pn.PhoneNumberFormat.E164, pn.PhoneNumberFormat.INTERNATIONAL])
    return pn.format_number(num, fmt)


def ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}"


def nino(rng: random.Random) -> str:
    first, second = rng.choice("ABCEGHJKLMNOPRSTWXYZ"), rng.choice("ABCEGHJKLMNPRSTWXYZ")
    if first + second in {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}:
        first = "A"
    digits = f"{rng.randrange(10**6):06d}"
    sep = " " if rng.random() < 0.5 else ""
    return sep.join([first + second, digits[:2], digits[2:4], digits[4:], rng.choice("ABCD")])


def dni(rng: random.Random) -> str:
    if rng.random() < 0.7:
        n = rng.randrange(10**8)
        return f"{n:08d}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}"
    lead = rng.randrange(3)
    n = rng.randrange(10**7)
    return f"{'XYZ'[lead]}{n:07d}{'TRWAGMYFPDXBNJZSQVHLCKE'[(lead * 10**7 + n) % 23]}"


def ipv6(rng: random.Random) -> str:
    import ipaddress
    addr = ipaddress.IPv6Address(rng.getrandbits(128) & ~((1 << 64) - 1 if rng.random() < 0.5 else 0))
    return addr.exploded if rng.random() < 0.3 else str(addr)


def name(rng: random.Random) -> str:
    f, last = rng.choice(FIRST), rng.choice(LAST)
    return rng.choice([f"{f} {last}", f"{last}, {f}", f"{f} {rng.choice(FIRST)[0]}. {last}", f.upper() + " " + last])


def address(rng: random.Random) -> str:
    n = rng.randrange(1, 999)
    return rng.choice([
        f"{n} {rng.choice(STREETS)} {rng.choice(['St', 'Street', 'Ave', 'Road', 'Lane', 'Blvd'])}",
        f"{n} rue {rng.choice(['de la Paix', 'Victor Hugo', 'du Bac'])}, {rng.choice(['Paris', 'Lyon'])}",
        f"{rng.choice(['Haupt', 'Bahnhof', 'Garten'])}straße {n}",
        f"Flat {rng.randrange(1, 20)}, {n} {rng.choice(STREETS)} Road",
    ])


def noisy(values: list, rng: random.Random, missing: float = 0.0, junk: float = 0.0) -> list:
    out = []
    for v in values:
        r = rng.random()
        out.append(None if r < missing else ("n/a" if r < missing + junk else v))
    return out


def make_table(n: int, seed: int) -> tuple[pa.Table, dict[str, str | None]]:
    """The benchmark table and, per column, the kind planted (None: a look-alike that must not be flagged)."""
    rng = random.Random(seed)
    cols: dict[str, tuple[list, str | None]] = {}

    def add(col, kind, gen, **kw):
        cols[col] = (noisy([gen() for _ in range(n)], rng, **kw), kind)

    add("email", "email", lambda: f"{rng.choice(FIRST).lower()}.{rng.randrange(10**4)}@"
        f"{rng.choice(['gmail.com', 'example.org', 'mail.co.uk', 'uni-bonn.de'])}", missing=0.05)
    add("contact", "email", lambda: rng.choice([f"{rng.choice(LAST).upper().replace(' ', '')}+tag@EXAMPLE.COM",
                                                f"x_{rng.randrange(99)}@sub.domain.io"]))
    add("phone_e164", "phone", lambda: phone(rng))
    add("phone_national", "phone", lambda: phone(rng, national=True), missing=0.2)
    add("customer_phone", "phone", lambda: phone(rng), junk=0.75)  # hinted name, 25 % valid
    add("card_number", "payment_card", lambda: card(rng))
    add("payment", "payment_card", lambda: card(rng), missing=0.3)
    add("iban", "iban", lambda: iban(rng))
    add("client_ip", "ip_address", lambda: ".".join(str(rng.randrange(256)) for _ in range(4)))
    add("ip6", "ip_address", lambda: ipv6(rng))
    add("ssn", "us_ssn", lambda: ssn(rng))
    add("nino", "uk_nino", lambda: nino(rng))
    add("dni", "es_dni", lambda: dni(rng))
    add("full_name", "person_name", lambda: name(rng))
    add("last_name", "person_name", lambda: rng.choice(LAST), missing=0.1)
    add("home_address", "street_address", lambda: address(rng))
    add("position", "geolocation", lambda: f"{rng.uniform(-60, 70):.5f}, {rng.uniform(-180, 180):.5f}")
    cols["pickup_lat"] = ([rng.uniform(-60, 70) for _ in range(n)], "geolocation")
    cols["pickup_lon"] = ([rng.uniform(-180, 180) for _ in range(n)], "geolocation")
    births = [dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(30000)) for _ in range(n)]
    cols["date_of_birth"] = (births, "date_of_birth")
    cols["dob_text"] = ([b.strftime(rng.choice(["%Y-%m-%d", "%d.%m.%Y"])) for b in births], "date_of_birth")
    cols["card_as_int"] = ([int(luhn_complete(rng.choice(["4", "51", "6011"]), 16, rng)) for _ in range(n)],
                           "payment_card")
    # look-alikes
    add("order_id", None, lambda: str(rng.randrange(10**15, 10**16)))
    cols["order_number"] = ([rng.randrange(10**15, 10**16) for _ in range(n)], None)
    add("product_code", None, lambda: f"{rng.choice(['SKU', 'PRD', 'AB'])}-{rng.randrange(10**5):05d}-{rng.choice('XYZ')}")
    add("city", None, lambda: rng.choice(CITIES))
    cols["numeric_id"] = ([rng.randrange(10**6, 10**10) for _ in range(n)], None)
    cols["created_at"] = ([dt.datetime(2024, 1, 1) + dt.timedelta(seconds=rng.randrange(10**8)) for _ in range(n)],
                          None)
    add("created_text", None, lambda: (dt.datetime(2024, 1, 1) + dt.timedelta(seconds=rng.randrange(10**8))).isoformat(" "))
    add("version", None, lambda: f"{rng.randrange(4)}.{rng.randrange(30)}.{rng.randrange(50)}")
    add("build", None, lambda: f"{rng.randrange(4)}.{rng.randrange(30)}.{rng.randrange(5000)}.{rng.randrange(100)}")
    cols["price"] = ([round(rng.uniform(0.5, 999), 2) for _ in range(n)], None)
    add("price_text", None, lambda: f"{rng.uniform(0.5, 9999):.2f}")
    add("zip", None, lambda: f"{rng.randrange(10**5):05d}")
    add("uuid", None, lambda: f"{rng.getrandbits(128):032x}")
    add("mac", None, lambda: ":".join(f"{rng.randrange(256):02x}" for _ in range(6)))
    add("ticket", None, lambda: f"TCK-{rng.randrange(2020, 2025)}-{rng.randrange(10**6):06d}")
    add("event_date", None, lambda: f"{rng.randrange(1, 29):02d}/{rng.randrange(1, 13):02d}/{rng.randrange(2015, 2025)}")
    add("comment", None, lambda: " ".join(rng.choice(["good", "late", "item", "box", "ok", "Paris"])
                                          for _ in range(rng.randrange(3, 10))))
    cols["altitude"] = ([rng.uniform(0, 4000) for _ in range(n)], None)
    cols["latitude_bucket"] = ([float(rng.randrange(-90, 90)) for _ in range(n)], None)
    add("isbn", None, lambda: f"978-{rng.randrange(10)}-{rng.randrange(10**4):04d}-{rng.randrange(10**4):04d}-"
        f"{rng.randrange(10)}")
    table = pa.table({k: v for k, (v, _) in cols.items()})
    return table, {k: kind for k, (_, kind) in cols.items()}


def detection(rows: int, seed: int) -> pa.Table:
    from dvtools.privacy import PiiConfig, PiiKind, PiiTally, flag_columns

    table, truth = make_table(rows, seed)
    config = PiiConfig(as_of=dt.date(2026, 1, 1))
    tallies = {}
    for name in table.column_names:
        t = PiiTally.create(name, config)
        for chunk in table.column(name).chunks:
            t.add(chunk)
        tallies[name] = t
    cols = {k: t.finalize() for k, t in tallies.items()}
    findings = flag_columns(cols.values())
    tp = fp = fn = 0
    planted_values = {c: sum(1 for v in table.column(c).to_pylist() if v is not None and v != "n/a")
                      for c, k in truth.items() if k}
    value_recall = {}
    print(f"{'column':<16} {'planted':<15} {'flagged':<15} {'share':>7} {'v.recall':>8}  example")
    for name, kind in truth.items():
        f = findings.get(name)
        got = f.kind.value if f else None
        ok = got == kind
        if kind and ok:
            tp += 1
        elif kind:
            fn += 1
        if got and not ok:
            fp += 1
        share = f"{f.share:.1%}" if f else ""
        vr = ""
        if kind:
            m = cols[name].match(PiiKind(kind))
            value_recall[name] = (m.count if m else 0) / planted_values[name]
            vr = f"{value_recall[name]:.1%}"
        top = max(cols[name].matches, key=lambda m: m.share, default=None)
        note = f.example if f else (f"(best: {top.kind.value} {top.share:.1%})" if top else "")
        mark = "" if ok else "   <-- WRONG"
        print(f"{name:<16} {kind or '-':<15} {got or '-':<15} {share:>7} {vr:>8}  {note}{mark}")
    planted = sum(1 for k in truth.values() if k)
    print(f"\ncolumns: {len(truth)} ({planted} planted, {len(truth) - planted} look-alikes), "
          f"kinds planted: {len({k for k in truth.values() if k})}")
    print(f"column precision {tp / max(1, tp + fp):.3f}, recall {tp / max(1, planted):.3f} "
          f"(true positives {tp}, false positives {fp}, missed {fn})")
    total = sum(planted_values.values())
    found = sum(value_recall[c] * planted_values[c] for c in value_recall)
    worst = min(value_recall, key=value_recall.get)
    print(f"value recall (planted values matched by their detector): {found / total:.4f} overall, "
          f"lowest {value_recall[worst]:.3f} ({worst})")
    return table


def _tally_all(batches, columns):
    from dvtools.privacy import PiiTally

    tallies = {c: PiiTally.create(c) for c in columns}
    for b in batches:
        for c in columns:
            tallies[c].add(b.column(c))
    return tallies


def throughput(table: pa.Table, repeat: int) -> None:
    n_values = table.num_rows * table.num_columns
    best = min(_timed(lambda: _tally_all([table], table.column_names)) for _ in range(repeat))
    print(f"\ntally over the benchmark table: {n_values:,} values in {best:.3f} s = {n_values / best:,.0f} values/s "
          "(every column, planted data included: the costly case)")


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _cpu(fn) -> float:
    """CPU seconds of the process (all threads): the work done, less sensitive than wall time to other jobs."""
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def overhead(path: Path, repeat: int) -> None:
    import dvtools
    from dvtools.io import open_source

    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(MAKE_DATA), "1000000", str(path.parent), "--no-csv"], check=True)
    stream = open_source(str(path))
    batches = list(stream)
    strings = [f.name for f in stream.schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    rows = sum(b.num_rows for b in batches)
    dvtools.compute_statistics(str(path))  # warm-up (imports, caches, file in the page cache)
    runs: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    for _ in range(repeat):  # alternated, so that load from other jobs hits both
        for detect in (False, True):
            t0, c0 = time.perf_counter(), time.process_time()
            dvtools.compute_statistics(str(path), detect_pii=detect)
            runs[detect].append((time.perf_counter() - t0, time.process_time() - c0))
    (w_off, c_off), (w_on, c_on) = (tuple(map(min, zip(*runs[k], strict=True))) for k in (False, True))
    t_tally = min(_timed(lambda: _tally_all(batches, strings)) for _ in range(repeat))
    print(f"\n{path.name}: {rows:,} rows, {len(stream.schema)} columns, {len(strings)} string columns, "
          f"{len(batches)} batches")
    print(f"compute_statistics(detect_pii=False)  {w_off:7.3f} s wall  {c_off:7.3f} CPU s")
    print(f"compute_statistics (tallies folded)   {w_on:7.3f} s wall  {c_on:7.3f} CPU s"
          f"  overhead wall {w_on / w_off - 1:+.1%}, CPU {c_on / c_off - 1:+.1%}")
    print(f"PiiTally alone, every string column   {t_tally:7.3f} s = {rows * len(strings) / t_tally:,.0f} values/s")
    print(f"(best of {repeat} alternated runs; statistics on {dvtools.statistics.engine.default_workers()} "
          "worker threads)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data", type=Path, default=Path("/tmp/piidata/data_1000000.parquet"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-overhead", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    table = detection(args.rows, args.seed)
    throughput(table, args.repeat)
    if not args.skip_overhead:
        overhead(args.data, args.repeat)
    print(f"\nwhole run {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
