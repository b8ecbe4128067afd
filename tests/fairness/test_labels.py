"""label_report: duplicates, conflicts, overlap and label distribution against pandas oracles; bounded memory."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dvtools.errors import UsageError
from dvtools.fairness import LabelThresholds, label_report
from dvtools.validation import AnomalyType


def _data(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "row_id": [f"r{seed}-{i}" for i in range(n)],
        "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="h"),
        "a": rng.integers(0, 12, n),
        "b": rng.choice(["x", "y", "z"], n),
        "f": np.round(rng.random(n), 1),
        "y": rng.choice(["cat", "dog", "bird"], n, p=[.6, .3, .1]),
    })
    df.loc[rng.random(n) < 0.05, "y"] = None
    return df


def _oracle(df: pd.DataFrame, feats: list[str]) -> tuple[int, int, int]:
    key = df[feats].astype(str).agg("|".join, axis=1)
    duplicates = len(df) - len(df[[*feats, "y"]].astype(str).drop_duplicates())
    labeled = df["y"].notna()
    per_key = df[labeled].groupby(key[labeled])["y"].nunique()
    bad = set(per_key[per_key > 1].index)
    conflicts = int(key[labeled].isin(bad).sum())
    return duplicates, conflicts, len(bad)


@pytest.mark.parametrize("budget", [10_000_000, 700])
def test_duplicates_conflicts_overlap_match_pandas(budget: int) -> None:
    df, ref = _data(6000, 1), _data(3000, 2)
    r = label_report(df, label="y", reference=ref, budget_rows=budget, batch_size=500, workers=2)
    assert r.spilled == (budget < 6000)
    assert r.identifiers == ("row_id",) and r.timestamps == ("when",)
    assert r.features == ("a", "b", "f")
    dups, conflicts, groups = _oracle(df, ["a", "b", "f"])
    assert (r.duplicates, r.conflicts, r.conflict_groups) == (dups, conflicts, groups)
    keys = df[["a", "b", "f"]].astype(str).agg("|".join, axis=1)
    ref_keys = set(ref[["a", "b", "f"]].astype(str).agg("|".join, axis=1))
    assert r.overlap == int(keys.isin(ref_keys).sum())
    assert r.overlap_distinct == keys[keys.isin(ref_keys)].nunique()
    counts = df["y"].value_counts()
    assert r.label_distribution == {k: int(v) for k, v in counts.items()}
    assert r.label_missing == int(df["y"].isna().sum())
    assert r.imbalance_ratio == pytest.approx(counts.max() / counts.min())
    ref_share = ref["y"].value_counts(normalize=True)
    share = df["y"].value_counts(normalize=True)
    assert r.prior_shift == pytest.approx(float((share - ref_share).abs().max()), abs=1e-12)
    json.dumps(r.to_dict(), allow_nan=False)


def test_planted_conflicts_duplicates_and_leakage_with_examples() -> None:
    rng = np.random.default_rng(5)
    n = 2000
    df = pd.DataFrame({"id": range(n), "x": rng.normal(size=n), "c": rng.choice(["p", "q"], n),
                       "label": rng.random(n) < 0.5})
    twins = df.iloc[:30].copy()
    twins["id"] = range(n, n + 30)
    twins["label"] = ~twins["label"]  # same features, opposite label
    copies = df.iloc[100:140].copy()
    copies["id"] = range(n + 30, n + 70)  # exact repeats
    data = pd.concat([df, twins, copies], ignore_index=True)
    serving = pd.concat([data.iloc[500:520], pd.DataFrame({"id": [-1], "x": [99.0], "c": ["p"], "label": [True]})])
    r = label_report(data, label="label", batch_size=256)
    assert (r.conflicts, r.conflict_groups, r.duplicates) == (60, 30, 40)
    kinds = {a.type for a in r.anomalies}
    assert {AnomalyType.LABEL_CONFLICT, AnomalyType.DUPLICATE_EXAMPLES} <= kinds
    ex = r.examples["conflicts"]
    groups = {e["example_group"] for e in ex}
    assert ex and all(len({e["label"] for e in ex if e["example_group"] == g}) == 2 for g in groups)
    leak = label_report(serving, label="label", reference=data)
    assert (leak.overlap, leak.overlap_distinct) == (20, 20)
    overlap = next(a for a in leak.anomalies if a.type == AnomalyType.DATASET_OVERLAP)
    assert overlap.feature is None and overlap.observed == pytest.approx(20 / 21)
    assert len(leak.examples["overlap"]) == 5
    loose = LabelThresholds(max_overlap_share=0.99, max_conflict_share=0.5, max_duplicate_share=0.5)
    assert label_report(serving, label="label", reference=data, thresholds=loose).anomalies == ()


def test_accepting_a_dataset_level_finding_uses_schema_notes() -> None:
    from dvtools.schema import infer_schema
    from dvtools.statistics import compute_statistics
    from dvtools.validation import accept_anomaly

    data = pd.DataFrame({"x": [1, 2, 3, 1, 2, 3] * 20, "label": [True, False] * 60})
    schema = infer_schema(compute_statistics(data))
    r = label_report(data, label="label", schema=schema)
    dup = next(a for a in r.anomalies if a.type == AnomalyType.DUPLICATE_EXAMPLES)
    accepted = accept_anomaly(schema, dup)
    assert "accept:DUPLICATE_EXAMPLES:duplicates" in accepted.notes
    again = label_report(data, label="label", schema=accepted)
    assert dup in again.accepted and all(a.type != AnomalyType.DUPLICATE_EXAMPLES for a in again.anomalies)


def test_overlap_leaves_out_columns_of_another_type() -> None:
    a = pd.DataFrame({"x": [1, 2, 3] * 10, "u": ["1", "2", "3"] * 10, "label": [1] * 30})
    b = pd.DataFrame({"x": [1.0, 2.0, 3.0] * 5, "u": [1, 2, 3] * 5, "label": [1] * 15})
    r = label_report(a, label="label", reference=b)
    assert r.overlap_columns == ("x",) and r.overlap == 30  # int64 vs float64 compare as numbers
    assert any("'u' has type string here and int64" in w for w in r.warnings)


def test_bad_input_is_a_usage_error() -> None:
    df = _data(100, 1)
    with pytest.raises(UsageError, match="give a label column"):
        label_report(df)
    with pytest.raises(UsageError, match="two or more"):
        label_report(df, raters=["a"])
    with pytest.raises(UsageError, match="'nope' is not in"):
        label_report(df, label="nope")
    with pytest.raises(UsageError, match="max_duplicate_share"):
        LabelThresholds(max_duplicate_share=-1)
