"""Group columns marked in the schema, group thresholds from the thresholds model, identifiers from schema roles.

And the demo's planted cases of this round: rater columns are training-only labels (no missing
serving column), a drift seen only within one group (GROUP_DRIFT, the whole population stable),
and a planted synthetic e-mail column that adds no anomaly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dvtools
from dvtools import demo as demo_module
from dvtools.cli import main
from dvtools.errors import UsageError
from dvtools.fairness import group_report, label_report
from dvtools.schema import load_schema, save_schema
from dvtools.schema.model import FeatureRole
from dvtools.validation import Thresholds
from dvtools.validation.anomalies import AnomalyType
from dvtools.validation.group_thresholds import GroupThresholds, group_thresholds


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    return demo_module.demo_frames()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    return demo_module.write_demo(str(tmp_path_factory.mktemp("demo")))


def _small() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 600
    return pd.DataFrame({"g": rng.choice(["a", "b"], n, p=[0.9, 0.1]), "x": rng.normal(size=n),
                         "y": rng.random(n) < 0.5})


# ---- the group flag -------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".json", ".pbtxt"])
def test_group_flag_round_trips_in_json_and_pbtxt(tmp_path: Path, suffix: str) -> None:
    schema = dvtools.infer_schema(dvtools.compute_statistics(_small()))
    schema.feature("g").group = True
    path = tmp_path / f"schema{suffix}"
    save_schema(schema, str(path))
    if suffix == ".pbtxt":
        assert 'tag: "dvtools.group=true"' in path.read_text()
    again = load_schema(str(path))
    assert again.group_columns() == ["g"] and not again.feature("x").group


def test_group_report_groups_by_the_schemas_group_columns_without_groups() -> None:
    df = _small()
    schema = dvtools.infer_schema(dvtools.compute_statistics(df))
    with pytest.raises(UsageError, match="no group column"):
        group_report(df, schema=schema)
    schema.feature("g").group = True
    r = group_report(df, schema=schema, label="y")
    assert r.groupings == (("g",),)
    assert r == group_report(df, groups=["g"], schema=schema, label="y")


def test_fairness_cli_groups_by_the_schemas_group_columns(files, tmp_path: Path, capsys) -> None:
    train, serve = files
    stats = dvtools.compute_statistics(train)
    schema = dvtools.infer_schema(stats, label="completed", keys=["run_id"], raters=demo_module.RATERS)
    schema.feature("gender").group = True
    path = tmp_path / "schema.json"
    save_schema(schema, str(path))
    assert main(["fairness", train, serve, "--schema", str(path), "--label", "completed", "--format", "json"]) == 1
    d = json.loads(capsys.readouterr().out)
    assert d["groupings"] == [["gender"]]
    assert ("GROUP_SHARE_CHANGED", "gender=female") in {(a["type"], a["details"].get("group")) for a in d["anomalies"]}
    assert main(["fairness", train, serve]) == 2  # no --group, no schema: a one-line usage error
    assert "no group column" in capsys.readouterr().err


# ---- thresholds: one resolution -------------------------------------------------------------------


def test_group_thresholds_resolve_defaults_then_session_then_explicit_values() -> None:
    assert group_thresholds() == GroupThresholds() == group_thresholds(Thresholds())
    session = Thresholds(groups=GroupThresholds(min_share=0.05, min_count=10))
    assert group_thresholds(session) == GroupThresholds(min_share=0.05, min_count=10)
    assert group_thresholds(session, min_count=50, max_missing_gap=None) == GroupThresholds(min_share=0.05, min_count=50)
    with pytest.raises(UsageError, match="unknown group threshold"):
        group_thresholds(session, min_shares=0.1)
    with pytest.raises(UsageError, match="min_share"):
        group_thresholds(session, min_share=2.0)


def test_a_sessions_group_thresholds_decide_the_group_findings() -> None:
    df = _small()  # group b is 10 %
    base = group_report(df, groups=["g"])
    assert not [a for a in base.anomalies if a.type == AnomalyType.GROUP_UNDERREPRESENTED]
    strict = group_report(df, groups=["g"], thresholds=Thresholds(groups=GroupThresholds(min_share=0.2)))
    assert [a.details["group"] for a in strict.anomalies if a.type == AnomalyType.GROUP_UNDERREPRESENTED] == ["g=b"]
    assert strict.thresholds.min_share == 0.2


def test_fairness_cli_flags_override_the_default_thresholds(files, capsys) -> None:
    train, serve = files
    assert main(["fairness", train, serve, "--group", "gender", "--min-share", "0.3", "--max-share-ratio", "5",
                 "--format", "json"]) == 1
    d = json.loads(capsys.readouterr().out)
    assert d["thresholds"]["min_share"] == 0.3 and d["thresholds"]["max_share_ratio"] == 5
    assert d["thresholds"]["min_count"] == GroupThresholds().min_count
    under = {a["details"]["group"] for a in d["anomalies"] if a["type"] == "GROUP_UNDERREPRESENTED"}
    assert "gender=female" in under  # 25 % of training is below 30 %


# ---- identifiers: the schema's roles ----------------------------------------------------------------


def test_label_report_leaves_out_the_schemas_identifiers_and_timestamps() -> None:
    n = 400
    df = pd.DataFrame({"code": [f"c{i}" for i in range(n)], "x": np.arange(n) % 3, "y": np.arange(n) % 2 == 0})
    inferred = label_report(df, label="y")
    assert inferred.identifiers == ("code",)  # near-unique text: infer_role's identifier
    schema = dvtools.infer_schema(dvtools.compute_statistics(df), label="y")
    schema.feature("code").role = FeatureRole.FEATURE
    schema.feature("x").role = FeatureRole.IDENTIFIER
    marked = label_report(df, label="y", schema=schema)
    assert marked.identifiers == ("x",) and "code" in marked.features and "x" not in marked.features


# ---- the demo's planted cases of this round ----------------------------------------------------------


def test_demo_rater_columns_are_training_only_labels_not_missing_serving_columns(frames) -> None:
    train, serve = frames
    schema = dvtools.infer_schema(dvtools.compute_statistics(train), label="completed", raters=demo_module.RATERS)
    for r in demo_module.RATERS:
        assert schema.feature(r).role == FeatureRole.LABEL and "SERVING" in schema.feature(r).not_in_environment
    found = dvtools.validate_statistics(dvtools.compute_statistics(serve), schema, environment="SERVING")
    assert not [a for a in found if a.feature in demo_module.RATERS]
    assert [a.feature for a in found if a.type == AnomalyType.SCHEMA_MISSING_COLUMN] == ["weather"]


def test_demo_drift_within_one_group_is_found_while_the_population_is_stable(frames, files, capsys) -> None:
    train, serve = frames
    ts = dvtools.compute_statistics(train)
    schema = dvtools.infer_schema(ts, label="completed", keys=["run_id"], raters=demo_module.RATERS)
    whole = dvtools.compare_statistics(ts, dvtools.compute_statistics(serve), schema=schema, environment="SERVING",
                                       comparator="skew", exclude=["run_id"])
    assert "pace_min_per_km" not in {f.feature for f in whole.drifted}
    r = group_report(train, serve, groups=["gender"], schema=schema, environment="SERVING", comparator="skew",
                     exclude=["run_id"])
    drift = [a for a in r.anomalies if a.type == AnomalyType.GROUP_DRIFT]
    assert [(a.feature, a.details["group"]) for a in drift] == [("pace_min_per_km", "gender=nonbinary")]
    assert {d.group: d.drifted_only_here for d in r.drift} == {("female",): (), ("male",): (),
                                                               ("nonbinary",): ("pace_min_per_km",)}
    tp, sp = files
    assert main(["fairness", tp, sp, "--group", "gender", "--key", "run_id", "--format", "json"]) == 1
    d = json.loads(capsys.readouterr().out)
    assert [(a["feature"], a["details"]["group"]) for a in d["anomalies"] if a["type"] == "GROUP_DRIFT"] == [
        ("pace_min_per_km", "gender=nonbinary")]
    assert main(["fairness", tp, sp, "--group", "gender", "--key", "run_id"]) == 1
    assert "gender=nonbinary (serving): pace_min_per_km" in capsys.readouterr().out


def test_demo_runner_email_is_planted_synthetic_and_adds_no_anomaly(frames) -> None:
    train, serve = frames
    emails = train.groupby("runner_id")["runner_email"].agg(set)
    assert emails.map(len).max() == 1  # one address per runner
    assert train["runner_email"].nunique() == train["runner_id"].nunique()
    assert all(re.fullmatch(r"[a-z]+\.[a-z]+@example\.com", e) for e in train["runner_email"].unique())
    assert demo_module.demo_frames()[0]["runner_email"].equals(train["runner_email"])  # deterministic
    ts = dvtools.compute_statistics(train)
    schema = dvtools.infer_schema(ts, label="completed", keys=["run_id"], raters=demo_module.RATERS)
    assert schema.feature("runner_email").role == FeatureRole.IDENTIFIER  # a person's key, like runner_id
    found = dvtools.validate_statistics(dvtools.compute_statistics(serve), schema, environment="SERVING",
                                        reference=ts, comparator="skew")
    assert not [a for a in found if a.feature == "runner_email"]
