"""PiiTally: exact counts on every value, merge laws, deterministic examples, and the flagging decision."""

from __future__ import annotations

import datetime as dt
import random

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dvtools.errors import UsageError
from dvtools.privacy import PiiConfig, PiiKind, PiiPolicy, PiiTally, flag_column, flag_columns, tally_table

CONFIG = PiiConfig(as_of=dt.date(2026, 1, 1))

POOL = ["john@gmail.com", "ada@example.org", "4242 4242 4242 4242", "4111111111111111", "1234567812345678",
        "+44 20 7946 0958", "(415) 555-2671", "DE89 3704 0044 0532 0130 00", "192.168.1.1", "2001:db8::1",
        "123-45-6789", "AB123456C", "12345678Z", "48.85661, 2.35222", "12 Main St", "Paris", "kaloru", "",
        "  ", "A-1234", "v1.2.3", "12.99", "2023-01-15", None]


def fold(values, name="contact", chunks=(None,)):
    t = PiiTally.create(name, CONFIG)
    arr = pa.array(values, pa.string())
    if chunks == (None,):
        t.add(arr)
        return t
    start = 0
    for size in chunks:
        t.add(arr.slice(start, size))
        start += size
    t.add(arr.slice(start))
    return t


values_st = st.lists(st.sampled_from(POOL), max_size=60)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values_st, values_st, values_st)
def test_merge_is_associative_and_commutative_with_identity(a, b, c):
    ta, tb, tc = fold(a), fold(b), fold(c)

    def merged(*parts):
        out = PiiTally.create("contact", CONFIG)
        for p in parts:
            out.merge(p)
        return out

    left = merged(merged(ta, tb), tc)
    right = merged(ta, merged(tb, tc))
    swapped = merged(tc, tb, ta)
    whole = fold(a + b + c)
    for t in (right, swapped, whole):
        assert t.state() == left.state()
        assert t.example_digest() == left.example_digest()
        assert t.finalize() == left.finalize()
    identity = merged(ta, PiiTally.create("contact", CONFIG))
    assert identity.finalize() == ta.finalize()


@settings(max_examples=20, deadline=None)
@given(values_st, st.lists(st.integers(0, 20), max_size=4))
def test_batches_do_not_change_the_result(values, chunks):
    assert fold(values, chunks=tuple(chunks)).finalize() == fold(values).finalize()


def test_counts_are_exact_per_detector():
    values = ["john@gmail.com"] * 7 + ["4242 4242 4242 4242"] * 3 + ["Paris", None, None] + ["192.168.0.1"] * 2
    col = fold(values).finalize()
    assert col.num_values == 13
    assert {m.kind: m.count for m in col.matches} == {PiiKind.EMAIL: 7, PiiKind.PAYMENT_CARD: 3,
                                                       PiiKind.IP_ADDRESS: 2}
    assert col.match(PiiKind.EMAIL).share == pytest.approx(7 / 13)
    assert col.match(PiiKind.EMAIL).example == "j***@g****.com"


def test_example_is_the_smallest_whatever_the_order():
    emails = [f"user{i}@example.com" for i in range(50)]
    rng = random.Random(0)
    first = fold(emails).finalize()
    rng.shuffle(emails)
    assert fold(emails, chunks=(7, 13)).finalize() == first
    assert first.match(PiiKind.EMAIL).example == "u****@e******.com"


def test_no_raw_value_in_the_finalized_tally():
    planted = ["john.doe@gmail.com", "4242 4242 4242 4242", "+44 20 7946 0958", "DE89 3704 0044 0532 0130 00",
               "123-45-6789", "10.1.2.3"]
    text = repr(fold(planted * 3).finalize())
    for v in planted:
        assert v not in text


def test_examples_are_bounded():
    long_address = "12 Main Street, " + "x" * 10_000
    t = PiiTally.create("home_address", CONFIG)
    t.add(pa.array([long_address]))
    assert len(t.finalize().match(PiiKind.STREET_ADDRESS).example) <= 120


def test_merge_of_different_columns_is_refused():
    with pytest.raises(UsageError):
        PiiTally.create("a", CONFIG).merge(PiiTally.create("b", CONFIG))


def _finding(values, name="value", **kw):
    t = PiiTally.create(name, CONFIG)
    t.add(pa.array(values))
    return flag_column(t.finalize(), PiiPolicy(**kw) if kw else None)


def test_large_share_flags_without_a_hint():
    f = _finding(["john@gmail.com"] * 60 + ["n/a"] * 40)
    assert f.kind == PiiKind.EMAIL and f.share == pytest.approx(0.6) and not f.hinted and f.threshold == 0.5


def test_hinting_name_flags_a_smaller_share():
    values = ["+44 20 7946 0958"] * 15 + ["unknown"] * 85
    assert _finding(values, "value") is None
    f = _finding(values, "customer_phone")
    assert f.kind == PiiKind.PHONE and f.hinted and f.threshold == 0.1


def test_look_alike_columns_are_not_flagged():
    rng = random.Random(11)
    n = 2000
    table = pa.table({
        "order_id": [str(rng.randrange(10**15, 10**16)) for _ in range(n)],
        "card_batch": [str(rng.randrange(10**15, 10**16)) for _ in range(n)],
        "product_code": [f"SKU-{rng.randrange(10**5):05d}-{rng.choice('ABC')}" for _ in range(n)],
        "city": [rng.choice(["Paris", "Berlin", "New York", "São Paulo", "Tokyo"]) for _ in range(n)],
        "numeric_id": [rng.randrange(10**6, 10**9) for _ in range(n)],
        "big_id": [rng.randrange(10**15, 10**16) for _ in range(n)],
        "created_at": pa.array([dt.datetime(2024, 1, 1) + dt.timedelta(minutes=rng.randrange(10**6))
                                for _ in range(n)]),
        "version": [f"{rng.randrange(5)}.{rng.randrange(20)}.{rng.randrange(30)}" for _ in range(n)],
        "price": [round(rng.uniform(1, 500), 2) for _ in range(n)],
        "price_text": [f"{rng.uniform(1, 500):.2f}" for _ in range(n)],
        "event_date": [f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}" for _ in range(n)],
        "latitude": [round(rng.uniform(-90, 90), 4) for _ in range(n)],  # no longitude next to it
        "zip": [f"{rng.randrange(10**5):05d}" for _ in range(n)],
    })
    findings = flag_columns(t.finalize() for t in tally_table(table, CONFIG).values())
    assert findings == {}


def test_coordinates_need_both_axes():
    rng = random.Random(3)
    lat = [rng.uniform(-60, 60) for _ in range(500)]
    lon = [rng.uniform(-170, 170) for _ in range(500)]
    table = pa.table({"pickup_lat": lat, "pickup_lon": lon, "fare": [rng.uniform(1, 80) for _ in range(500)]})
    cols = [t.finalize() for t in tally_table(table, CONFIG).values()]
    findings = flag_columns(cols)
    assert set(findings) == {"pickup_lat", "pickup_lon"}
    assert all(f.kind == PiiKind.GEOLOCATION for f in findings.values())
    assert flag_columns([c for c in cols if c.name != "pickup_lon"]) == {}


def test_dates_of_birth_by_name_and_age():
    births = pa.array([dt.date(1950 + i % 60, 1 + i % 12, 1 + i % 28) for i in range(300)])
    table = pa.table({"date_of_birth": births, "signup_date": births,
                      "dob_text": pa.array([d.isoformat() for d in births.to_pylist()]),
                      "birth_ts": pa.array([dt.datetime(2200, 1, 1)] * 300)})
    findings = flag_columns(t.finalize() for t in tally_table(table, CONFIG).values())
    assert set(findings) == {"date_of_birth", "dob_text"}
    assert findings["date_of_birth"].example == "195*-**-**"


def test_integer_card_numbers():
    cards = [4242424242424242, 4111111111111111, 5555555555554444, 378282246310005] * 10
    f = _finding(pa.array(cards, pa.int64()).to_pylist(), "payment")
    assert f.kind == PiiKind.PAYMENT_CARD and f.share == 1.0 and f.example == "***********0005"


def test_dictionary_and_chunked_input():
    arr = pa.chunked_array([pa.array(["john@gmail.com", "x"]).dictionary_encode(), pa.array(["ada@b.org", None])
                            .dictionary_encode()])
    t = PiiTally.create("contact", CONFIG)
    t.add(arr)
    col = t.finalize()
    assert col.num_values == 3 and col.match(PiiKind.EMAIL).count == 2


def test_describe_is_one_line_without_raw_values():
    f = _finding(["john@gmail.com"] * 9 + ["x"])
    text = f.describe()
    assert "\n" not in text and "john@gmail.com" not in text and "90.0%" in text and "of 10 values" in text


def test_tally_pickles_for_process_and_dask_workers():
    import pickle

    t = fold(POOL * 2)
    back = pickle.loads(pickle.dumps(t))
    assert back.state() == t.state() and back.example_digest() == t.example_digest()
    back.merge(t)
    assert back.num_values == 2 * t.num_values
