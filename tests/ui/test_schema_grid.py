"""schema_grid: Schema <-> editable rows, round trips, invalid edits rejected with one line per row."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dvtools.schema import (
    BoolDomain,
    Comparator,
    Feature,
    FeatureType,
    FloatDomain,
    IntDomain,
    Presence,
    Schema,
    StringDomain,
    ValueCount,
    schema_from_pbtxt,
)
from dvtools.statistics.model import parse_timestamp, time_unit_nanos, timestamp_iso
from dvtools.ui.schema_grid import (
    COLUMNS,
    _feature_from_row,
    bound_text,
    format_values,
    parse_values,
    rows_to_schema,
    schema_to_rows,
    time_types,
    with_dataset_constraints,
)

DATA = Path(__file__).resolve().parents[1] / "schema" / "data"


def _schema() -> Schema:
    return Schema(
        features=[
            Feature("age", FeatureType.INT, Presence(1.0, 1), required=True, domain=IntDomain(18, 70)),
            Feature("pace", FeatureType.FLOAT, Presence(0.9, None), domain=FloatDomain(2.5, 9.0, True, False),
                    drift_comparator=Comparator(None, 0.2)),
            Feature("city", FeatureType.STRING, Presence(None, 1), is_categorical=True,
                    domain=StringDomain(["Boston", "boston ", "1,300 ft", "", 'say "hi"'], name="cities"),
                    skew_comparator=Comparator(0.05, None), notes=["accept:CATEGORY_VARIANTS:boston"]),
            Feature("completed", FeatureType.BOOL, domain=BoolDomain("yes", "no"), not_in_environment=["SERVING"]),
            Feature("tags", FeatureType.STRING, value_count=ValueCount(1, 5), deprecated=True,
                    description="free tags"),
            Feature("day", FeatureType.TIMESTAMP, domain=IntDomain(19875, 19902)),
            Feature("<img src=x onerror=alert(1)>", FeatureType.FLOAT, domain=FloatDomain(None, None, True, True)),
        ],
        default_environments=["TRAINING", "SERVING"],
    )


def _rebuild_all(schema: Schema) -> Schema:
    """Rebuild every feature from its row (no 'unchanged row' shortcut)."""
    out = schema.copy()
    for i, (f, row) in enumerate(zip(schema.features, schema_to_rows(schema).to_dict("records"), strict=True)):
        g, problems = _feature_from_row(row, f, row)
        assert problems == []
        out.features[i] = g
    return out


def _edit(schema: Schema, name: str, **cells: object) -> pd.DataFrame:
    df = schema_to_rows(schema)
    i = df.index[df["name"] == name][0]
    for c, v in cells.items():
        if isinstance(v, list):
            df.at[i, c] = v
        else:
            df[c] = df[c].astype(object)
            df.at[i, c] = v
    return df


# ---- round trips ---------------------------------------------------------------------------------


def test_rows_have_every_column_in_order():
    df = schema_to_rows(_schema())
    assert tuple(df.columns) == COLUMNS
    assert list(df["name"]) == _schema().feature_names
    assert df.loc[0, "min"] == "18" and df.loc[0, "max"] == "70"  # bounds are text (dates need it)
    assert df.loc[1, "min"] == "2.5" and df.loc[3, "min"] == ""
    assert df.loc[5, "min"] == "19875"  # a TIMESTAMP without its arrow type: the stored number
    assert df.loc[2, "values"] == 'Boston, "boston ", "1,300 ft", "", "say ""hi"""'
    assert df.loc[3, "not_in_environments"] == ["SERVING"]
    assert math.isnan(df.loc[0, "skew_linf"]) and df.loc[1, "drift_js"] == 0.2
    assert df.loc[2, "notes"] == "accept:CATEGORY_VARIANTS:boston"


def test_round_trip_unchanged():
    s = _schema()
    new, errors = rows_to_schema(schema_to_rows(s), s)
    assert errors == []
    assert new == s
    assert new is not s


@pytest.mark.parametrize("path", sorted(DATA.glob("*.pbtxt")), ids=lambda p: p.name)
def test_round_trip_rebuilding_every_row(path):
    s = schema_from_pbtxt(path.read_text())
    assert _rebuild_all(s) == s


def test_round_trip_rebuilding_every_row_keeps_hidden_parts():
    s = _schema()
    assert _rebuild_all(s) == s  # value counts, domain names, BoolDomain spellings, notes, description


def test_demo_schema_round_trip():
    from dvtools.demo import demo_frames
    from dvtools.schema import infer_schema
    from dvtools.statistics.engine import compute_statistics

    train, _ = demo_frames()
    s = infer_schema(compute_statistics(train.head(2000)), label="completed")
    assert _rebuild_all(s) == s
    new, errors = rows_to_schema(schema_to_rows(s), s)
    assert (new, errors) == (s, [])


@pytest.mark.parametrize("values", [[], ["a"], ["a", "b c"], ["1,300 ft", "", " x", "y ", 'q"uote', "ä, ö"]])
def test_values_text_round_trip(values):
    assert parse_values(format_values(values)) == values


def test_values_text_parsing():
    assert parse_values(" a ,b,, c ,") == ["a", "b", "c"]
    assert parse_values('"a, b" , c') == ["a, b", "c"]
    with pytest.raises(ValueError, match="closing quote"):
        parse_values('"a, b')
    with pytest.raises(ValueError, match="after a quoted value"):
        parse_values('"a" b')
    with pytest.raises(ValueError, match="quote inside"):
        parse_values('a"b')


# ---- valid edits ---------------------------------------------------------------------------------


def test_valid_edits_apply():
    s = _schema()
    df = _edit(s, "age", max=120.0, min_fraction=0.95, required=False)
    df = pd.concat([df.iloc[:2], _edit(s, "city", values="Boston, Seattle", categorical=False).iloc[2:3],
                    df.iloc[3:]])
    new, errors = rows_to_schema(df, s)
    assert errors == []
    age = new.feature("age")
    assert age.domain == IntDomain(18, 120) and isinstance(age.domain.max, int)
    assert age.presence == Presence(0.95, 1) and age.required is False
    city = new.feature("city")
    assert city.domain == StringDomain(["Boston", "Seattle"], name="cities")
    assert city.is_categorical is False
    assert city.notes == ["accept:CATEGORY_VARIANTS:boston"]
    assert new.feature("pace") == s.feature("pace")
    assert s.feature("age").domain == IntDomain(18, 70)  # the base is never changed


def test_threshold_environment_deprecated_and_flag_edits():
    s = _schema()
    df = _edit(s, "pace", drift_linf=0.3, skew_js=0.15, allow_nan=True, not_in_environments=["SERVING", "X"],
               deprecated=True)
    new, errors = rows_to_schema(df, s)
    assert errors == []
    f = new.feature("pace")
    assert f.drift_comparator == Comparator(0.3, 0.2)
    assert f.skew_comparator == Comparator(None, 0.15)
    assert f.domain == FloatDomain(2.5, 9.0, disallow_nan=False, disallow_inf=False)
    assert f.not_in_environment == ["SERVING", "X"] and f.deprecated


def test_clearing_cells_removes_constraints():
    s = _schema()
    df = _edit(s, "age", min=None, max=None, min_fraction=None)
    df = pd.concat([df.iloc[:2], _edit(s, "city", values="  ").iloc[2:3], df.iloc[3:]])
    new, errors = rows_to_schema(df, s)
    assert errors == []
    assert new.feature("age").domain is None and new.feature("age").presence.min_fraction is None
    assert new.feature("city").domain is None


def test_numbers_as_text_and_environments_as_text():
    s = _schema()
    df = _edit(s, "age", min="0", max=" 150 ", min_count="3", not_in_environments="SERVING, TRAINING")
    new, errors = rows_to_schema(df, s)
    assert errors == []
    f = new.feature("age")
    assert f.domain == IntDomain(0, 150) and f.presence.min_count == 3
    assert f.not_in_environment == ["SERVING", "TRAINING"]


def test_type_change_drops_a_domain_that_no_longer_fits():
    s = _schema()
    new, errors = rows_to_schema(_edit(s, "age", type="STRING"), s)
    assert errors == []
    assert new.feature("age").type == FeatureType.STRING and new.feature("age").domain is None
    new, errors = rows_to_schema(_edit(s, "city", type="int"), s)  # case-insensitive
    assert errors == []
    assert new.feature("city").type == FeatureType.INT and new.feature("city").domain is None
    new, errors = rows_to_schema(_edit(s, "age", type="FLOAT"), s)
    assert errors == [] and new.feature("age").domain == FloatDomain(18.0, 70.0)


# ---- invalid edits -------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "cells", "message"), [
    ("age", {"min": 80.0}, "age: min 80 is greater than max 70"),
    ("age", {"min_fraction": 1.5}, "age: min_fraction must be within [0, 1], got 1.5"),
    ("age", {"min_fraction": -0.1}, "age: min_fraction must be within [0, 1], got -0.1"),
    ("age", {"max": "lots"}, "age: max: 'lots' is not a number"),
    ("age", {"min": 1.5}, "age: min must be a whole number, got 1.5"),
    ("age", {"min_count": -2}, "age: min_count must be >= 0, got -2"),
    ("age", {"type": "INTEGER"}, "age: unknown type 'INTEGER' (one of INT, FLOAT, STRING, BOOL, TIMESTAMP, BYTES)"),
    ("pace", {"drift_js": 2.0}, "pace: drift_js must be within [0, 1], got 2"),
    ("city", {"values": '"Boston'}, "city: values: a quoted value has no closing quote"),
    ("city", {"values": "a, b, a"}, "city: string domain lists 'a' twice"),
    ("city", {"min": 3.0}, "city: min/max apply to INT, FLOAT and TIMESTAMP features, not STRING"),
    ("age", {"values": "a, b"}, "age: allowed values apply to BOOL, BYTES, STRING features, not INT"),
])
def test_invalid_edit_is_rejected_with_its_message(name, cells, message):
    s = _schema()
    new, errors = rows_to_schema(_edit(s, name, **cells), s)
    assert errors == [message]
    assert new == s  # the previous feature is kept


def test_several_problems_in_one_row_make_one_line():
    s = _schema()
    _, errors = rows_to_schema(_edit(s, "age", min=90.0, min_fraction=3.0), s)
    assert errors == ["age: min_fraction must be within [0, 1], got 3; min 90 is greater than max 70"]


def test_invalid_row_does_not_block_valid_rows():
    s = _schema()
    df = _edit(s, "age", min=100.0)
    df.loc[df["name"] == "pace", "max"] = 12.0
    new, errors = rows_to_schema(df, s)
    assert errors == ["age: min 100 is greater than max 70"]
    assert new.feature("age") == s.feature("age")
    assert new.feature("pace").domain.max == 12.0


def test_unknown_row_is_an_error():
    s = _schema()
    df = schema_to_rows(s)
    df.loc[0, "name"] = "nope"
    new, errors = rows_to_schema(df, s)
    assert errors == ["nope: not a feature of the schema (rows cannot be added here)"]
    assert new == s


def test_dataset_constraints():
    s = _schema()
    new, errors = with_dataset_constraints(s, min_examples_count=100, min_examples_ratio=0.5, max_examples_ratio=2)
    assert errors == []
    assert new.dataset_constraints.min_examples_count == 100
    assert new.dataset_constraints.num_examples_drift_comparator.min_fraction_threshold == 0.5
    assert s.dataset_constraints.min_examples_count is None
    new, errors = with_dataset_constraints(s, min_examples_count=1.5, min_examples_ratio=3, max_examples_ratio=2)
    assert errors == ["dataset constraints: min examples must be a whole number, got 1.5; "
                      "min examples ratio 3 is greater than max examples ratio 2"]
    assert new == s


# ---- dates and timestamps ------------------------------------------------------------------------

TIME_TYPES = {"day": "date32[day]"}


def _time_schema() -> Schema:
    return Schema(features=[
        Feature("day", FeatureType.TIMESTAMP, domain=IntDomain(19875, 19902)),
        Feature("at", FeatureType.TIMESTAMP, domain=IntDomain(1_717_243_200_000_000, 1_717_286_400_500_000)),
        Feature("at_ns", FeatureType.TIMESTAMP, domain=IntDomain(1_717_243_200_123_456_789, None)),
        Feature("age", FeatureType.INT, domain=IntDomain(18, 70)),
    ])


TYPES_ALL = {"day": "date32[day]", "at": "timestamp[us]", "at_ns": "timestamp[ns, tz=UTC]"}


@pytest.mark.parametrize(("value", "arrow_type", "text"), [
    (19875, "date32[day]", "2024-06-01"),
    (0, "date32[day]", "1970-01-01"),
    (-1, "date32[day]", "1969-12-31"),
    (1_717_200_000_000, "date64[ms]", "2024-06-01"),
    (1_717_243_200, "timestamp[s]", "2024-06-01 12:00:00"),
    (1_717_200_000_000_000, "timestamp[us]", "2024-06-01"),  # midnight: the date alone
    (1_717_243_200_250_000, "timestamp[us]", "2024-06-01 12:00:00.25"),
    (1_717_243_200_123_456_789, "timestamp[ns, tz=UTC]", "2024-06-01 12:00:00.123456789"),
])
def test_timestamp_text_both_ways(value, arrow_type, text):
    assert timestamp_iso(value, arrow_type) == text
    assert parse_timestamp(text, arrow_type) == value
    assert isinstance(parse_timestamp(text, arrow_type), int)


def test_parse_timestamp_forms_and_offsets():
    assert parse_timestamp("2024-06-01T12:00", "timestamp[s]") == 1_717_243_200
    assert parse_timestamp(" 2024-6-1 12:00:00Z ", "timestamp[s]") == 1_717_243_200
    assert parse_timestamp("2024-06-01 14:00:00+02:00", "timestamp[s]") == 1_717_243_200
    assert parse_timestamp("2024-06-01 07:30-0430", "timestamp[s]") == 1_717_243_200
    assert parse_timestamp("2024-06-01 12:00:00,5", "timestamp[ms]") == 1_717_243_200_500
    assert parse_timestamp("2024-06-01 00:00:00", "date32[day]") == 19875  # midnight is a whole day


@pytest.mark.parametrize(("text", "arrow_type", "message"), [
    ("31/12/2024", "date32[day]", "'31/12/2024' is not a date: write YYYY-MM-DD"),
    ("2024", "date32[day]", "'2024' is not a date"),
    ("19875", "date32[day]", "'19875' is not a date"),
    ("", "timestamp[us]", "is not a date: write YYYY-MM-DD or YYYY-MM-DD HH:MM:SS"),
    ("2024-02-30", "date32[day]", "'2024-02-30' is not a valid date (day is out of range for month)"),
    ("2024-06-01 24:00", "timestamp[s]", "not a valid time of day"),
    ("2024-06-01 12:00", "date32[day]", "more precise than the feature's unit (a day)"),
    ("2024-06-01 12:00:00.5", "timestamp[s]", "more precise than the feature's unit (a second)"),
    ("2024-06-01", "int64", "int64 is not a date or timestamp type"),
])
def test_parse_timestamp_rejects(text, arrow_type, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_timestamp(text, arrow_type)


FIRST_DAY, LAST_DAY = -719_162, 2_932_896  # 0001-01-01 and 9999-12-31, in days since 1970-01-01
DAY_NS = 86_400 * 10**9


@settings(max_examples=400, deadline=None)
@given(st.data(), st.sampled_from(["date32[day]", "date64[ms]", "timestamp[s]", "timestamp[ms]", "timestamp[us]",
                                   "timestamp[ns]", "timestamp[us, tz=Europe/Paris]"]))
def test_timestamp_text_round_trips(data, arrow_type):
    per = time_unit_nanos(arrow_type)
    if arrow_type.startswith("date"):  # whole days only
        value = data.draw(st.integers(FIRST_DAY, LAST_DAY)) * (DAY_NS // per)
    else:
        value = data.draw(st.integers(FIRST_DAY * DAY_NS // per, (LAST_DAY * DAY_NS + DAY_NS - 1) // per))
    assert parse_timestamp(timestamp_iso(value, arrow_type), arrow_type) == value


def test_bound_text():
    assert bound_text(None) == "" and bound_text(None, "date32[day]") == ""
    assert bound_text(19875, "date32[day]") == "2024-06-01"
    assert bound_text(18) == "18" and bound_text(2.5) == "2.5" and bound_text(18.0) == "18"
    assert bound_text(float("inf")) == "inf" and bound_text(0.1 + 0.2) == "0.30000000000000004"  # exact
    assert bound_text(10**18 + 1) == "1000000000000000001"
    assert bound_text(19875.5, "date32[day]") == "19875.5"  # not a whole day: the number itself
    assert bound_text(10**9, "date32[day]") == "1000000000"  # beyond the year 9999


def test_time_types_from_statistics():
    from dvtools.statistics.engine import compute_statistics

    df = pd.DataFrame({"d": pd.to_datetime(["2024-06-01", "2024-06-02"]).date,
                       "t": pd.to_datetime(["2024-06-01 12:00", "2024-06-02 13:00"]), "n": [1, 2]})
    stats = compute_statistics(df)
    types = time_types(stats)
    # The type the figures (and the ranges inferred from them) are in: microseconds for dates too.
    assert types == {"d": stats["d"].numeric_type, "t": stats["t"].numeric_type}
    assert types["d"] == types["t"] == "timestamp[us]"
    assert "n" not in types
    assert time_types(None) == {}


def test_dates_in_rows_and_back():
    s = _time_schema()
    df = schema_to_rows(s, TYPES_ALL).set_index("name")
    assert (df.loc["day", "min"], df.loc["day", "max"]) == ("2024-06-01", "2024-06-28")
    assert (df.loc["at", "min"], df.loc["at", "max"]) == ("2024-06-01 12:00:00", "2024-06-02 00:00:00.5")
    assert (df.loc["at_ns", "min"], df.loc["at_ns", "max"]) == ("2024-06-01 12:00:00.123456789", "")
    assert df.loc["age", "max"] == "70"
    assert rows_to_schema(schema_to_rows(s, TYPES_ALL), s, TYPES_ALL) == (s, [])
    out = s.copy()
    for i, (f, row) in enumerate(zip(s.features, schema_to_rows(s, TYPES_ALL).to_dict("records"), strict=True)):
        g, problems = _feature_from_row(row, f, row, TYPES_ALL.get(f.name))
        assert problems == []
        out.features[i] = g
    assert out == s  # every row rebuilt from its text: exact, even at nanoseconds


def _time_edit(s: Schema, name: str, **cells: object) -> pd.DataFrame:
    df = schema_to_rows(s, TYPES_ALL)
    i = df.index[df["name"] == name][0]
    for c, v in cells.items():
        df.at[i, c] = v
    return df


def test_date_edits_parse_to_the_stored_integers():
    s = _time_schema()
    new, errors = rows_to_schema(_time_edit(s, "day", min="2024-05-01", max="2024-12-31"), s, TYPES_ALL)
    assert errors == []
    assert new.feature("day").domain == IntDomain(19844, 20088)
    assert isinstance(new.feature("day").domain.max, int)
    new, errors = rows_to_schema(_time_edit(s, "at", max="2024-06-30 23:59:59.999999"), s, TYPES_ALL)
    assert errors == [] and new.feature("at").domain.max == parse_timestamp("2024-06-30 23:59:59.999999",
                                                                             "timestamp[us]")
    new, errors = rows_to_schema(_time_edit(s, "at_ns", max="2024-06-02T00:00Z"), s, TYPES_ALL)
    assert errors == [] and new.feature("at_ns").domain.max == 1_717_286_400 * 10**9
    new, errors = rows_to_schema(_time_edit(s, "day", min="", max=""), s, TYPES_ALL)
    assert errors == [] and new.feature("day").domain is None
    new, errors = rows_to_schema(_time_edit(s, "day", max=19900), s, TYPES_ALL)  # a number: the stored value
    assert errors == [] and new.feature("day").domain.max == 19900


@pytest.mark.parametrize(("cells", "message"), [
    ({"max": "28/06/2024"}, "day: max: '28/06/2024' is not a date: write YYYY-MM-DD"),
    ({"min": "2024-13-01"}, "day: min: '2024-13-01' is not a valid date (month must be in 1..12)"),
    ({"min": "2024-07-01"}, "day: min 2024-07-01 is greater than max 2024-06-28"),
    ({"max": "2024-06-28 18:00"}, "day: max: '2024-06-28 18:00' is more precise than the feature's unit (a day)"),
])
def test_invalid_dates_are_rejected_naming_the_feature(cells, message):
    s = _time_schema()
    new, errors = rows_to_schema(_time_edit(s, "day", **cells), s, TYPES_ALL)
    assert errors == [message]
    assert new == s


def test_type_change_away_from_timestamp_keeps_the_stored_value():
    s = _time_schema()
    new, errors = rows_to_schema(_time_edit(s, "day", type="INT"), s, TYPES_ALL)
    assert errors == [] and new.feature("day").domain == IntDomain(19875, 19902)
    new, errors = rows_to_schema(_time_edit(s, "day", type="STRING"), s, TYPES_ALL)
    assert errors == [] and new.feature("day").domain is None
