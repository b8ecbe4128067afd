"""``dvtools fairness`` and ``dvtools labels`` on the demo: every planted case found, exit codes, formats."""

from __future__ import annotations

import json

import pytest

from dvtools.cli import main


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    from dvtools.demo import write_demo

    return write_demo(str(tmp_path_factory.mktemp("demo")))


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(args)
    out, err = capsys.readouterr()
    return rc, out, err


def test_fairness_finds_the_planted_group_cases(demo, capsys) -> None:
    train, serve = demo
    rc, out, _ = _run(["fairness", train, serve, "--group", "gender", "--label", "completed", "--key", "run_id",
                       "runner_id", "--format", "json"], capsys)
    assert rc == 1  # ERROR findings (share changed)
    d = json.loads(out)
    found = {(a["type"], a["details"].get("group")) for a in d["anomalies"]}
    assert ("GROUP_UNDERREPRESENTED", "gender=nonbinary") in found
    assert ("GROUP_SHARE_CHANGED", "gender=female") in found
    assert ("LABEL_RATE_DISPARITY", None) in found
    assert ("GROUP_MISSING_DISPARITY", "gender=female") in found
    female = next(a for a in d["anomalies"] if a["type"] == "GROUP_SHARE_CHANGED" and "female" in a["details"]["group"])
    assert female["details"]["ratio"] == pytest.approx(2.0, abs=0.1)
    disparity = next(a for a in d["anomalies"] if a["type"] == "LABEL_RATE_DISPARITY")
    assert disparity["details"]["lowest"] == "gender=female"
    missing = next(a for a in d["anomalies"] if a["type"] == "GROUP_MISSING_DISPARITY")
    assert missing["feature"] == "heart_rate"


def test_labels_finds_conflicts_raters_and_leakage(demo, capsys) -> None:
    train, serve = demo
    rc, out, _ = _run(["labels", train, "--label", "completed", "--raters", "rater_1", "rater_2", "rater_3",
                       "--group", "gender", "--format", "json"], capsys)
    assert rc == 1
    d = json.loads(out)
    assert d["conflicts"] == 300 and d["conflict_groups"] == 150
    assert d["identifiers"] == ["run_id", "runner_id", "runner_email"] and d["timestamps"] == ["run_date"]
    disagreement = next(a for a in d["anomalies"] if a["type"] == "RATER_DISAGREEMENT")
    assert disagreement["details"]["group"] == "gender=female" and disagreement["details"]["rater"] == "rater_3"
    rc, out, _ = _run(["labels", serve, "--label", "completed", "--reference", train, "--format", "json"], capsys)
    d = json.loads(out)
    assert rc == 1 and d["overlap"] == 200 and d["overlap_distinct"] == 200
    assert "elevation_ft" not in d["overlap_columns"]


def test_text_and_html_outputs(demo, tmp_path, capsys) -> None:
    train, serve = demo
    rc, out, _ = _run(["fairness", train, serve, "--group", "gender", "--group", "age", "--label", "completed"], capsys)
    assert rc == 1 and "Groups by gender × age" in out and "bucketed on training quantiles" in out
    page = tmp_path / "f.html"
    rc, out, _ = _run(["fairness", train, "--group", "gender", "--format", "html", "-o", str(page)], capsys)
    text = page.read_text()
    assert rc == 0  # training alone: the under-represented group is a WARNING
    assert text.startswith("<!DOCTYPE html>") and "<script" not in text and "http" not in text
    rc, out, _ = _run(["fairness", train, "--group", "gender", "--fail-on", "warning"], capsys)
    assert rc == 1
    rc, out, _ = _run(["labels", train, "--raters", "rater_1", "rater_2", "--format", "html", "-o",
                       str(tmp_path / "l.html")], capsys)
    assert rc == 0 and "Rater agreement" in (tmp_path / "l.html").read_text()


@pytest.mark.parametrize("args, message", [
    (["fairness", "{train}", "--group", "nope"], "group column 'nope' is not in"),
    (["fairness", "{train}", "--group", "gender", "--min-share", "3"], "min_share must be a share"),
    (["labels", "{train}"], "give a label column"),
    (["labels", "missing.csv", "--label", "x"], "missing.csv"),
])
def test_errors_are_one_line_with_exit_code_2(demo, capsys, args, message) -> None:
    train, _ = demo
    rc, out, err = _run([a.format(train=train) for a in args], capsys)
    assert rc == 2 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_labels_help_lists_the_commands(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "fairness" in out and "labels" in out
