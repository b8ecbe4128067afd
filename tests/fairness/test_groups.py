"""group_report: shares, label rates, missing shares and per-group statistics against pandas oracles; findings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from dvtools.errors import UsageError
from dvtools.fairness import GroupThresholds, group_report
from dvtools.schema import infer_schema
from dvtools.statistics import compute_statistics
from dvtools.validation import AnomalyType, Severity, accept_anomaly


def _frame(n: int, seed: int, p_group: list[float], shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b", "c"], n, p=p_group)
    region = rng.choice(["north", "south"], n)
    x = rng.normal(0, 1, n) + np.where(g == "c", shift, 0.0)
    y = rng.random(n) < np.where(g == "a", 0.3, 0.6)
    hr = rng.normal(100, 10, n)
    hr[(g == "b") & (rng.random(n) < 0.5)] = np.nan
    age = rng.integers(18, 80, n)
    return pd.DataFrame({"g": g, "region": region, "x": x, "y": y, "hr": hr, "age": age,
                         "s": pd.array(np.where(rng.random(n) < 0.1, None, rng.choice(["u", "v"], n)), dtype="string")})


@pytest.fixture(scope="module")
def pair() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return (_frame(6000, 1, [.5, .495, .005]), _frame(3000, 2, [.25, .5, .25], shift=1.5),
            _frame(2000, 3, [.5, .45, .05]))


def test_shares_match_pandas_groupby(pair) -> None:
    ref, cur, ev = pair
    r = group_report(ref, cur, ev, groups=["g", "region"], label="y", batch_size=500, workers=2, drift=False)
    assert r.sides == ("reference", "evaluation", "current")
    frame = r.to_frame()
    for cols, name in ((["g"], "g"), (["region"], "region"), (["g", "region"], "g × region")):
        sub = frame[frame.grouping == name].set_index("group")
        for side, df in (("reference", ref), ("current", cur), ("evaluation", ev)):
            oracle = df.groupby(cols).size()
            for key, count in oracle.items():
                key = key if isinstance(key, tuple) else (key,)
                label = ", ".join(f"{c}={v}" for c, v in zip(cols, key, strict=True))
                assert sub.loc[label, f"count_{side}"] == count
                assert sub.loc[label, f"share_{side}"] == pytest.approx(count / len(df), abs=1e-12)
            assert sub[f"count_{side}"].sum() == len(df)
        expected = max(abs(cur.groupby(cols).size() / len(cur) - ref.groupby(cols).size() / len(ref)).fillna(0))
        assert r.share_change[name]["current"] == pytest.approx(expected, abs=1e-12)


def test_label_rates_and_missing_match_pandas(pair) -> None:
    ref, cur, _ = pair
    r = group_report(ref, cur, groups=["g"], label="y", batch_size=700, drift=False)
    rates = {(lr.side, lr.group[0]): lr for lr in r.label_rates}
    for side, df in (("reference", ref), ("current", cur)):
        for g, rate in df.groupby("g")["y"].mean().items():
            assert rates[(side, g)].rate == pytest.approx(rate, abs=1e-12)
            assert rates[(side, g)].value == "True"
        miss = {(m.group[0], m.feature): m for m in r.missing if m.side == side}
        for g, part in df.groupby("g"):
            assert miss[(g, "hr")].missing_share == pytest.approx(part["hr"].isna().mean(), abs=1e-12)
            assert miss[(g, "s")].missing_share == pytest.approx(part["s"].isna().mean(), abs=1e-12)
            assert miss[(g, "hr")].overall_share == pytest.approx(df["hr"].isna().mean(), abs=1e-12)


def test_group_statistics_equal_statistics_of_the_filtered_rows(pair) -> None:
    """With drift within groups, each group of one column gets full statistics: those of its own rows."""
    ref, cur, _ = pair
    r = group_report(ref, cur, groups=["g", "region"], batch_size=400, workers=2)
    stats = r.group_statistics["reference"]
    for name, col in (("g", "g"), ("region", "region")):
        for (value,), st in stats[name].items():
            rows = ref[ref[col] == value].reset_index(drop=True)
            oracle = compute_statistics(rows)
            assert st.num_examples == len(rows)
            for f in ("x", "hr", "age"):
                assert st[f].numeric.mean == pytest.approx(oracle[f].numeric.mean, rel=1e-12)
                assert st[f].num_missing == oracle[f].num_missing
                assert st[f].numeric.min == oracle[f].numeric.min and st[f].numeric.max == oracle[f].numeric.max
            assert st["s"].top_values() == oracle["s"].top_values()
    cell = stats["g × region"][("a", "north")]
    assert cell.num_examples == int(((ref.g == "a") & (ref.region == "north")).sum())


@pytest.mark.parametrize("workers", [1, 2])
def test_light_group_statistics_hold_counts_missing_and_the_label(pair, workers: int) -> None:
    """Without drift within groups, every group (and intersection) keeps what the report reads: exact, as pandas says."""
    ref, _, _ = pair
    r = group_report(ref, groups=["g", "region"], label="y", batch_size=333, workers=workers, drift=False)
    stats = r.group_statistics["reference"]
    for name, cols in (("g", ["g"]), ("region", ["region"]), ("g × region", ["g", "region"])):
        oracle_groups = ref.groupby(cols)
        assert len(stats[name]) == oracle_groups.ngroups
        for key, rows in oracle_groups:
            st = stats[name][tuple(key) if isinstance(key, tuple) else (key,)]
            assert st.num_examples == len(rows)
            for f in ref.columns:
                assert st[f].count == len(rows) and st[f].num_missing == int(rows[f].isna().sum())
            oracle = compute_statistics(rows[["y"]].reset_index(drop=True))["y"]
            assert st["y"].num_true == oracle.num_true == int(rows["y"].sum())
            assert st["y"].num_missing == oracle.num_missing


def test_group_report_does_not_depend_on_threads_or_batches(pair) -> None:
    ref, cur, ev = pair
    a = group_report(ref, cur, ev, groups=["g", "age"], label="y", batch_size=500, workers=1)
    b = group_report(ref, cur, ev, groups=["g", "age"], label="y", batch_size=2048, workers=2)
    assert a.to_dict() == b.to_dict()


def test_numeric_group_column_is_bucketed_on_reference_quantiles(pair) -> None:
    ref, cur, _ = pair
    r = group_report(ref, cur, groups=["age"], bins=4, drift=False)
    edges = r.bins["age"]
    assert edges[0] == ref.age.min() and edges[-1] == ref.age.max() and list(edges) == sorted(edges)
    frame = r.to_frame().set_index("group")
    cut = pd.cut(ref.age, list(edges), right=False, include_lowest=True)
    counts = cut.value_counts()
    last = (ref.age == edges[-1]).sum()  # the last bucket is closed on the right
    for i, interval in enumerate(sorted(counts.index)):
        n = counts[interval] + (last if i == len(edges) - 2 else 0)
        label = f"age=[{int(edges[i])}, {int(edges[i + 1])}{']' if i == len(edges) - 2 else ')'}"
        assert frame.loc[label, "count_reference"] == n
    assert frame["count_reference"].sum() == len(ref)


def test_few_valued_numeric_column_is_grouped_by_value() -> None:
    df = pd.DataFrame({"flag": [0, 1, 1, 0, 1] * 40, "v": range(200)})
    r = group_report(df, groups=["flag"], drift=False)
    assert {g.group for g in r.shares} == {("0",), ("1",)} and not r.bins


def test_planted_findings(pair) -> None:
    ref, cur, _ = pair
    r = group_report(ref, cur, groups=["g"], label="y", drift=False)
    by = {(a.type, a.details.get("group"), a.details.get("side")) for a in r.anomalies}
    # c: 0.5 % of training -> 25 % of serving: tiny in training and present in serving (ERROR), share changed.
    assert (AnomalyType.GROUP_UNDERREPRESENTED, "g=c", "reference") in by
    assert (AnomalyType.GROUP_SHARE_CHANGED, "g=c", "current") in by
    assert (AnomalyType.GROUP_SHARE_CHANGED, "g=a", "current") in by  # 50 % -> 25 %
    assert (AnomalyType.GROUP_SHARE_CHANGED, "g=b", "current") not in by  # 49.5 % -> 50 %
    under = next(a for a in r.anomalies if a.type == AnomalyType.GROUP_UNDERREPRESENTED)
    assert under.severity == Severity.ERROR and under.details["reason"] == "tiny"
    disp = [a for a in r.anomalies if a.type == AnomalyType.LABEL_RATE_DISPARITY]
    assert {a.details["side"] for a in disp} == {"reference", "current"}
    assert all(a.details["lowest"] == "g=a" for a in disp)
    miss = [a for a in r.anomalies if a.type == AnomalyType.GROUP_MISSING_DISPARITY]
    assert {(a.feature, a.details["group"]) for a in miss} == {("hr", "g=b")}
    # Only under-represented in training, nothing in serving: a WARNING.
    only = group_report(ref, groups=["g"], drift=False)
    assert [(a.type, a.severity) for a in only.anomalies if a.type != AnomalyType.GROUP_MISSING_DISPARITY] == [
        (AnomalyType.GROUP_UNDERREPRESENTED, Severity.WARNING)]


def test_thresholds_move_the_verdicts(pair) -> None:
    ref, cur, _ = pair
    loose = GroupThresholds(min_share=0.001, min_count=5, max_share_change=0.5, max_share_ratio=100.0,
                            min_rate_ratio=0.1, max_missing_gap=0.9)
    assert group_report(ref, cur, groups=["g"], label="y", thresholds=loose, drift=False).anomalies == ()
    with pytest.raises(UsageError, match="min_share"):
        GroupThresholds(min_share=2.0)
    with pytest.raises(UsageError, match="max_share_ratio"):
        GroupThresholds(max_share_ratio=0.5)


def test_accepting_a_finding_silences_it(pair) -> None:
    ref, cur, _ = pair
    schema = infer_schema(compute_statistics(ref))
    r = group_report(ref, cur, groups=["g"], label="y", drift=False, schema=schema)
    target = next(a for a in r.anomalies if a.type == AnomalyType.GROUP_MISSING_DISPARITY)
    accepted = accept_anomaly(schema, target)
    again = group_report(ref, cur, groups=["g"], label="y", drift=False, schema=accepted)
    assert target not in again.anomalies and target in again.accepted
    same = [a for a in r.anomalies if a.type == target.type and a.details["accept_key"] == target.details["accept_key"]]
    assert len(again.anomalies) == len(r.anomalies) - len(same)  # every side of that group's finding
    assert f"accept:GROUP_MISSING_DISPARITY:{target.details['accept_key']}" in accepted.feature("hr").notes
    from dvtools.schema.serialization import schema_from_json, schema_to_json  # notes round-trip in JSON

    reloaded = schema_from_json(schema_to_json(accepted))
    assert group_report(ref, cur, groups=["g"], label="y", drift=False, schema=reloaded).accepted == again.accepted


def test_drift_only_one_group_sees_is_found(pair) -> None:
    ref, cur, _ = pair
    r = group_report(ref, cur, groups=["g"], label="y", thresholds=GroupThresholds(min_count=20))
    by = {d.group[0]: d for d in r.drift}
    assert "x" in by["c"].drifted  # x shifts by 1.5 standard deviations in group c only
    assert "x" not in by["a"].drifted and "x" not in by["b"].drifted
    assert "g" not in by["c"].drifted  # group columns are constant within a group: never compared
    assert by["c"].comparison["x"].verdict.value == "drift"


def test_sliced_statistics_give_the_same_shares_as_data(pair) -> None:
    ref, cur, _ = pair
    from_data = group_report(ref, cur, groups=["g"], label="y", drift=False)
    from_stats = group_report(compute_statistics(ref, slice_by="g"), compute_statistics(cur, slice_by="g"),
                              groups=["g"], label="y", drift=False)
    assert from_stats.to_frame().equals(from_data.to_frame())
    assert [a.description for a in from_stats.anomalies] == [a.description for a in from_data.anomalies]
    with pytest.raises(UsageError, match="slice-by g"):
        group_report(compute_statistics(ref), groups=["g"])


def test_bad_input_is_one_line_usage_error(pair) -> None:
    ref, _, _ = pair
    with pytest.raises(UsageError, match="group column 'nope' is not in"):
        group_report(ref, groups=["nope"])
    with pytest.raises(UsageError, match="one or two"):
        group_report(ref, groups=["g", "region", "s"])
    with pytest.raises(UsageError, match="more than 50 values"):
        group_report(pd.DataFrame({"id": [f"k{i}" for i in range(200)]}), groups=["id"])
    with pytest.raises(UsageError, match="label column"):
        group_report(ref, groups=["g"], label="nope")


def test_untrusted_values_stay_text_and_json_is_strict(pair) -> None:
    import json

    df = pd.DataFrame({"g": ["<b>x</b>", "a\nb"] * 50, "y": [True, False] * 50})
    r = group_report(df, groups=["g"], label="y", drift=False)
    json.dumps(r.to_dict(), allow_nan=False)
    from dvtools.fairness.report import group_report_html, group_report_text

    page = group_report_html(r)
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page
    assert "a\\nb" in group_report_text(r)


def test_arrow_table_and_dictionary_group_column() -> None:
    t = pa.table({"g": pa.array(["a", "b", None, "a"] * 30).dictionary_encode(), "v": list(range(120))})
    r = group_report(t, groups=["g"], drift=False)
    assert {g.name: g.counts["reference"] for g in r.shares} == {"g=a": 60, "g=b": 30, "g=(missing)": 30}


def _oracle_labels(values: list) -> list[str]:
    """A row's group label as the report defines it, written out per value (an independent oracle)."""
    out = []
    for v in values:
        if v is None:
            out.append("(missing)")
        elif isinstance(v, bool):
            out.append(str(v))
        elif isinstance(v, float):
            out.append("nan" if v != v else str(pa.scalar(v + 0.0).cast(pa.string())))
        else:
            out.append(str(v))
    return out


@pytest.mark.parametrize("workers", [1, 2])
def test_group_codes_match_a_per_value_oracle(workers: int) -> None:
    """Floats (-0.0, NaN, null), booleans with nulls, a dictionary with repeated and unused entries, "(missing)" text."""
    rng = np.random.default_rng(7)
    n = 3000
    floats = rng.choice(np.array([0.0, -0.0, 1.5, np.nan, 2.0]), n).tolist()
    floats = [None if i % 17 == 0 else v for i, v in enumerate(floats)]
    bools = [None if i % 13 == 0 else bool(v) for i, v in enumerate(rng.random(n) < 0.3)]
    idx = rng.integers(0, 3, n)
    dictionary = pa.array(["x", "y", "x", "unused"])  # "x" twice: one group
    indices = pa.array([None if i % 11 == 0 else int(v) for i, v in enumerate(idx)], pa.int32())
    dict_col = pa.DictionaryArray.from_arrays(indices, dictionary)
    text = [None if i % 7 == 0 else ("(missing)" if i % 5 == 0 else "t") for i in range(n)]
    t = pa.table({"f": pa.array(floats, pa.float64()), "b": pa.array(bools, pa.bool_()), "d": dict_col,
                  "s": pa.array(text, pa.string()), "y": rng.random(n)})
    for col in ("f", "b", "d", "s"):
        labels = _oracle_labels(t.column(col).to_pylist())
        expected = pd.Series(labels).value_counts().to_dict()
        r = group_report(t, groups=[col], label="y", batch_size=256, workers=workers, drift=False, max_groups=10)
        got = {g.group[0]: g.counts["reference"] for g in r.shares}
        assert got == expected, col
        means = pd.DataFrame({"g": labels, "y": t.column("y").to_numpy()}).groupby("g")["y"].mean()
        rates = {lr.group[0]: lr.rate for lr in r.label_rates}
        assert rates == pytest.approx(means.to_dict(), rel=1e-12)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_type_widening_mid_file_restarts_the_fold(tmp_path, workers: int) -> None:
    """The label column widens (int -> float, "n/a") late in a CSV: the engine's fold restarts; nothing counted twice."""
    from dvtools.io import open_source

    n = 120_000
    values = [str(i % 10) for i in range(n)]
    values[90_000], values[100_000] = "n/a", "1.5"
    path = tmp_path / "w.csv"
    path.write_text("y,g\n" + "".join(f"{v},r{i % 3}\n" for i, v in enumerate(values)))
    stream = open_source(path, block_size=64 * 1024)
    assert stream.schema.field("y").type == pa.int64()
    r = group_report(stream, groups=["g"], label="y", workers=workers, batch_size=4096, drift=False)
    df = pd.read_csv(path, na_values=["n/a"])
    assert {g.group[0]: g.counts["reference"] for g in r.shares} == df.groupby("g").size().to_dict()
    assert {lr.group[0]: lr.rate for lr in r.label_rates} == pytest.approx(df.groupby("g")["y"].mean().to_dict(),
                                                                          rel=1e-12)
    assert {m.group[0]: m.missing_share for m in r.missing if m.feature == "y"} == pytest.approx(
        df["y"].isna().groupby(df["g"]).mean().to_dict(), abs=1e-15)
