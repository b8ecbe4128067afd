"""One engine, one count: the Data, Anomalies and Skew & drift pages and both CLI commands agree on the demo.

For several threshold settings (the default policy, TFDV's, and global methods/thresholds), the
drifted features read from every page and from ``dvtools validate`` / ``dvtools compare`` (JSON)
are the same set.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dvtools.cli import main
from dvtools.validation import Thresholds

DRIFT_TYPES = {"COMPARATOR_L_INFTY_HIGH", "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH", "DISTRIBUTION_DRIFT"}

#: (dashboard Thresholds, the same settings as CLI flags)
SETTINGS = [
    (Thresholds(), []),
    (Thresholds(policy="tfdv"), ["--policy", "tfdv"]),
    (Thresholds(policy="tfdv", methods={"l_infinity": 0.3, "jensen_shannon_divergence": 0.02}),
     ["--policy", "tfdv", "--threshold", "l_infinity=0.3", "--threshold", "jensen_shannon_divergence=0.02"]),
    (Thresholds(categorical_method="psi", methods={"psi": 0.05, "normalized_wasserstein": 0.5}),
     ["--categorical-method", "psi", "--threshold", "psi=0.05", "--threshold", "normalized_wasserstein=0.5"]),
]


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    from dvtools.demo import LABEL, demo_csv_bytes

    d = tmp_path_factory.mktemp("demo")
    train, serve = demo_csv_bytes()
    (d / "runs_training.csv").write_bytes(train)
    (d / "runs_serving.csv").write_bytes(serve)
    assert main(["schema", "infer", str(d / "runs_training.csv"), "-o", str(d / "schema.json"), "--label", LABEL]) == 0
    return d / "runs_training.csv", d / "runs_serving.csv", d / "schema.json"


def _cli(capsys: pytest.CaptureFixture[str], args: list[str]) -> dict:
    capsys.readouterr()
    code = main(args)
    out = capsys.readouterr().out
    assert code in (0, 1), out
    return json.loads(out)


def _dashboard(at: AppTest) -> tuple[set[str], set[str], str]:
    """(drifted on Skew & drift, drift anomalies on Anomalies, the Data page's count)."""
    at.switch_page("pages/drift_skew.py").run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if {"feature", "verdict", "threshold_source"} <= set(d.value.columns))
    drifted = set(table.loc[table["verdict"] == "drift", "feature"])
    metric = next(m.value for m in at.metric if m.label == "Drifted features")
    assert metric == f"{len(drifted)} of {len(table)}"
    at.switch_page("pages/anomalies.py").run()
    assert not at.exception
    rows = next(d.value for d in at.dataframe if {"feature", "type", "severity"} <= set(d.value.columns))
    anomalies = set(rows.loc[rows["type"].isin(DRIFT_TYPES), "feature"])
    at.switch_page("pages/data.py").run()
    assert not at.exception
    data = next(m.value for m in at.metric if m.label == "Drifted features")
    return drifted, anomalies, data


@pytest.mark.parametrize("index", range(len(SETTINGS)))
def test_every_page_and_both_commands_find_the_same_drifted_features(demo_page, demo_files, capsys, index):
    thresholds, flags = SETTINGS[index]
    train, serve, schema = demo_files
    at = demo_page("pages/data.py")
    at.session_state["thresholds"] = thresholds
    at.run()
    drifted, anomalies, data_metric = _dashboard(at)
    assert drifted, "every setting drifts some planted feature"
    assert anomalies == drifted
    # The dashboard compares serving data with training: the skew comparators; the CLI says so with --comparator.
    common = ["--schema", str(schema), "--environment", "SERVING", "--comparator", "skew", *flags]
    validated = _cli(capsys, ["validate", str(serve), "--baseline", str(train), "--format", "json", *common])
    from_validate = {a["feature"] for a in validated["anomalies"] if a["type"] in DRIFT_TYPES}
    compared = _cli(capsys, ["compare", str(train), str(serve), "--format", "json", *common])
    from_compare = {f["feature"] for f in compared["comparison"]["features"] if f["verdict"] == "drift"}
    assert from_validate == from_compare == drifted
    n = compared["comparison"]["num_features_compared"]
    assert data_metric == f"{len(drifted)} of {n}"
    # Key, identifier, timestamp and the label (not in SERVING) are not compared, anywhere.
    assert set(compared["comparison"]["not_compared"]) == {"run_id", "runner_id", "runner_email", "run_date", "completed"}
