"""feature_skew: exactly the injected mismatches, in memory and through spilled partitions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from dvtools.comparison import feature_skew
from dvtools.errors import UsageError
from dvtools.validation import skew_anomalies
from dvtools.validation.anomalies import AnomalyType, Severity


def build_pair(n: int = 400):
    """Reference/current with known differences. Returns (ref, cur, expected mismatch counts, expected facts)."""
    rng = np.random.default_rng(0)
    ids = np.arange(n)
    x = rng.normal(size=n) * 100
    ref = pd.DataFrame({
        "id": ids,
        "x": x,
        "s": [f"v{i % 7}" for i in ids],
        "i": ids % 5,
        "same": np.ones(n),
    })
    cur = ref.copy()
    # x: 3 within tolerance (not mismatches), 4 beyond, 2 null vs value, 1 value vs null, 2 null vs null,
    # 1 NaN vs NaN (equal), 1 NaN vs value (mismatch)
    cur.loc[0:2, "x"] = ref.loc[0:2, "x"] * (1 + 1e-9)
    cur.loc[3:6, "x"] = ref.loc[3:6, "x"] + 1.0
    ref.loc[7:8, "x"] = None
    cur.loc[9, "x"] = None
    ref.loc[10:11, "x"] = None
    cur.loc[10:11, "x"] = None
    # s: 5 different strings, 1 null vs value
    cur.loc[20:24, "s"] = "changed"
    cur.loc[25, "s"] = None
    # i: 3 different ints
    cur.loc[30:32, "i"] = 99
    # keys only in reference (drop from current) and only in current (new ids)
    cur = cur[~cur["id"].isin([50, 51])]
    extra = ref.iloc[:3].copy()
    extra["id"] = [n + 1, n + 2, n + 3]
    cur = pd.concat([cur, extra], ignore_index=True)
    # duplicate keys: one extra row in reference (first kept), two in current (differing: must be ignored)
    dup_r = ref[ref["id"] == 100].copy()
    dup_r["s"] = "dup"
    ref = pd.concat([ref, dup_r], ignore_index=True)
    dup_c = cur[cur["id"].isin([101, 102])].copy()
    dup_c["i"] = -1
    cur = pd.concat([cur, dup_c], ignore_index=True)
    ref["x"] = ref["x"].astype("float64")
    cur["x"] = cur["x"].astype("float64")
    # NaN vs NaN (equal) and NaN vs value (mismatch) -- as real float NaNs, not nulls
    tr = pa.Table.from_pandas(ref, preserve_index=False)
    tc = pa.Table.from_pandas(cur, preserve_index=False)
    xr = tr["x"].to_pylist()
    xc = tc["x"].to_pylist()
    pos_r = {v: k for k, v in enumerate(tr["id"].to_pylist())}
    pos_c = {v: k for k, v in enumerate(tc["id"].to_pylist())}
    xr[pos_r[40]] = math.nan
    xc[pos_c[40]] = math.nan
    xc[pos_c[41]] = math.nan
    tr = tr.set_column(tr.schema.get_field_index("x"), "x", pa.array(xr, pa.float64(), from_pandas=False))
    tc = tc.set_column(tc.schema.get_field_index("x"), "x", pa.array(xc, pa.float64(), from_pandas=False))
    expected = {"x": 4 + 2 + 1 + 1, "s": 5 + 1, "i": 3, "same": 0}
    facts = {"num_joined": n - 2, "only_in_reference": 2, "only_in_current": 3, "duplicate_keys_reference": 1,
             "duplicate_keys_current": 2, "num_reference": n + 1, "num_current": n - 2 + 3 + 2}
    return tr, tc, expected, facts


@pytest.mark.parametrize("kw", [{}, {"partitions": 4}, {"max_partition_rows": 50}, {"partitions": 1}])
def test_finds_exactly_the_injected_mismatches(kw):
    ref, cur, expected, facts = build_pair()
    res = feature_skew(ref, cur, key="id", **kw)
    assert {f.feature: f.num_mismatches for f in res.features} == expected
    for name, value in facts.items():
        assert getattr(res, name) == value, name
    assert res["x"].num_null_mismatches == 3 and res["s"].num_null_mismatches == 1
    assert res["x"].comparison == "float tolerance" and res["s"].comparison == "exact"
    assert all(f.num_joined == facts["num_joined"] for f in res.features)
    assert res["i"].mismatch_share == pytest.approx(3 / facts["num_joined"])
    assert sorted(d["id"] for d in res.samples_only_in_reference) == [50, 51]
    assert sorted(d["id"] for d in res.samples_only_in_current) == [401, 402, 403]
    bad_i = sorted((s["key"]["id"], s["reference"], s["current"]) for s in res["i"].samples)
    assert bad_i == [(30, 0, 99), (31, 1, 99), (32, 2, 99)]
    assert res.has_mismatches and [f.feature for f in res.mismatched] == ["x", "s", "i"]
    assert any("duplicate" in w for w in res.warnings)
    if kw.get("partitions", 0) > 1 or "max_partition_rows" in kw:
        assert res.spilled and res.num_partitions > 1
    else:
        assert not res.spilled and res.num_partitions == 1


def test_float_tolerance_is_relative_and_absolute():
    ref = pd.DataFrame({"k": [1, 2, 3, 4], "v": [1e9, 1e-9, 0.0, 1.0]})
    cur = pd.DataFrame({"k": [1, 2, 3, 4], "v": [1e9 + 100, 5e-7, 2e-6, 1.0 + 1e-3]})
    res = feature_skew(ref, cur, key="k", float_tolerance=1e-6)
    # 1e9+100: relative 1e-7 -> equal; 5e-7 vs 1e-9: absolute 5e-7 -> equal; 2e-6 vs 0: mismatch; 1e-3: mismatch
    assert res["v"].num_mismatches == 2
    assert sorted(s["key"]["k"] for s in res["v"].samples) == [3, 4]
    assert feature_skew(ref, cur, key="k", float_tolerance=0.0)["v"].num_mismatches == 4


def test_composite_key_mixed_types_and_null_keys():
    ref = pa.table({"a": pa.array(["x", "x", "y", None]), "b": pa.array([1, 2, 1, 1], pa.int32()),
                    "v": pa.array([1.0, 2.0, 3.0, 4.0])})
    cur = pa.table({"a": pa.array(["x", "x", "y", "z"]), "b": pa.array([1.0, 2.0, 1.0, 1.0]),
                    "v": pa.array([1, 5, 3, 4], pa.int64())})
    for parts in (None, 3):
        res = feature_skew(ref, cur, key=["a", "b"], partitions=parts)
        assert res.num_joined == 3 and res.null_keys_reference == 1 and res.only_in_current == 1
        assert res["v"].num_mismatches == 1 and res["v"].comparison == "float tolerance"
        assert res["v"].samples[0]["key"] == {"a": "x", "b": 2.0}


def test_type_changes_and_skipped_features():
    ref = pa.table({"k": [1, 2, 3], "t": pa.array([1, 2, 3]), "l": pa.array([[1], [2], [3]]), "only": [1, 1, 1]})
    cur = pa.table({"k": [1, 2, 3], "t": pa.array(["1", "2", "4"]), "l": pa.array([[1], [2], [4]])})
    res = feature_skew(ref, cur, key="k", features=["t", "l", "only", "k"])
    assert res["t"].comparison == "as text" and res["t"].num_mismatches == 1
    assert res.skipped_features == {"l": "nested values are not compared", "only": "not in the serving data"}


def test_files_and_adaptive_spill(tmp_path):
    ref, cur, expected, facts = build_pair(600)
    pa_csv = pytest.importorskip("pyarrow.csv")
    pa_csv.write_csv(ref, tmp_path / "ref.csv")
    import pyarrow.parquet as pq

    pq.write_table(cur, tmp_path / "cur.parquet")
    # CSV does not know its row count: the in-memory buffer overflows and the store spills
    res = feature_skew(str(tmp_path / "ref.csv"), str(tmp_path / "cur.parquet"), key="id", max_partition_rows=100)
    assert res.spilled and res.num_partitions > 1
    assert res["s"].num_mismatches == expected["s"] and res["i"].num_mismatches == expected["i"]
    # The CSV loader reads the reference's NaN (id 40) as null while Parquet keeps the current NaN:
    # null vs NaN is null vs a value, one more mismatch than in memory.
    assert res["x"].num_mismatches == expected["x"] + 1
    assert {"key": {"id": 40}, "reference": None, "current": None} not in res["x"].samples
    assert res.num_joined == facts["num_joined"]


def test_skew_anomalies():
    ref, cur, expected, _ = build_pair()
    res = feature_skew(ref, cur, key="id")
    anomalies = skew_anomalies(res)
    assert [a.feature for a in anomalies] == ["x", "s", "i"]
    a = anomalies[2]
    assert a.type == AnomalyType.SCHEMA_TRAINING_SERVING_SKEW and a.severity == Severity.ERROR
    assert "3 of 398" in a.description and "id=30" in a.description and "99" in a.description
    assert a.observed == pytest.approx(3 / 398) and a.expected == 0.0
    assert [x.feature for x in skew_anomalies(res, threshold=0.016)] == ["x"]  # 8/398 vs 6/398
    assert a.to_dict()["details"]["num_mismatches"] == 3


def test_bad_keys():
    df = pd.DataFrame({"k": [1], "v": [1]})
    with pytest.raises(UsageError, match="key column 'nope'"):
        feature_skew(df, df, key="nope")
    with pytest.raises(UsageError):
        feature_skew(df, df, key=[])
    with pytest.raises(UsageError):
        feature_skew(df, df, key="k", partitions=0)


def test_identical_data_has_no_mismatch():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"k": rng.permutation(5000), "v": rng.normal(size=5000), "c": rng.choice(list("abc"), 5000)})
    shuffled = df.sample(frac=1.0, random_state=3)
    for parts in (None, 4):
        res = feature_skew(df, shuffled, key="k", partitions=parts)
        assert not res.has_mismatches and res.num_joined == 5000 and not res.warnings
        assert skew_anomalies(res) == []


def test_a_column_missing_throughout_one_side_is_compared_not_a_crash():
    """A column all null on one side (typed null, as CSV readers type it) used to stop the join (ArrowInvalid)."""
    ref = pa.table({"k": [1, 2, 3, 4], "e": [1.0, None, 3.0, 4.0], "both": pa.array([None] * 4, pa.null())})
    cur = pa.table({"k": [1, 2, 3, 4], "e": pa.array([None] * 4, pa.null()), "both": pa.array([None] * 4, pa.null())})
    res = feature_skew(ref, cur, key="k")
    assert res["e"].num_joined == 4 and res["e"].num_mismatches == 3 and res["e"].num_null_mismatches == 3
    assert res["both"].num_mismatches == 0  # null against null: equal
    assert feature_skew(ref, cur, key="k", partitions=2)["e"].num_mismatches == 3  # spilled to Parquet too
