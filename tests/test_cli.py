"""The CLI contract: outputs, exit codes (0 ok, 1 found, 2 error) and one-line errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dvtools.cli import main
from dvtools.statistics.model import DatasetStatistics


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from dvtools.demo import write_demo

    folder = tmp_path_factory.mktemp("demo")
    t, s = write_demo(str(folder))
    return Path(t), Path(s)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return rc, out, err


def test_stats_writes_json_and_prints_summary(demo_files, tmp_path, capsys):
    train, _ = demo_files
    out_file = tmp_path / "stats.json"
    rc, out, err = _run(["stats", train, "-o", out_file], capsys)
    assert rc == 0, err
    stats = DatasetStatistics.from_json(out_file.read_text())
    assert stats.num_examples == 20_000
    assert "20,000 examples, 22 features" in out
    assert "distance_km" in out
    expected_mean = pd.read_csv(train)["distance_km"].mean()
    assert stats["distance_km"].numeric.mean == pytest.approx(expected_mean, rel=1e-12)


def test_stats_tfdv_format_and_slices(demo_files, tmp_path, capsys):
    from tensorflow_metadata.proto.v0 import statistics_pb2

    train, _ = demo_files
    out_file = tmp_path / "stats.pb"
    rc, out, err = _run(["stats", train, "-o", out_file, "--format", "tfdv", "--slice-by", "route_type"], capsys)
    assert rc == 0, err
    proto = statistics_pb2.DatasetFeatureStatisticsList.FromString(out_file.read_bytes())
    names = [d.name for d in proto.datasets]
    assert names[0] == "All Examples"
    assert sorted(names[1:]) == ["route_type=road", "route_type=track", "route_type=trail"]
    assert proto.datasets[0].num_examples == 20_000
    assert sum(d.num_examples for d in proto.datasets[1:]) == 20_000


@pytest.mark.parametrize(
    "content, needle",
    [(b"", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00garbage", "PNG"), (b"a,b\n", "no data rows")],
)
def test_stats_bad_input_exit_2_one_line(tmp_path, capsys, content, needle):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    rc, out, err = _run(["stats", bad, "-o", tmp_path / "x.json"], capsys)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "bad.csv" in lines[0] and "Traceback" not in err
    assert needle.lower() in lines[0].lower()


def test_missing_file_exit_2(tmp_path, capsys):
    rc, _, err = _run(["stats", tmp_path / "nope.csv", "-o", tmp_path / "x.json"], capsys)
    assert rc == 2 and "nope.csv" in err and len(err.strip().splitlines()) == 1


def test_console_script_runs_without_traceback(tmp_path):
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really parquet")
    proc = subprocess.run([sys.executable, "-m", "dvtools.cli", "stats", str(bad), "-o", str(tmp_path / "s.json")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "bad.parquet" in proc.stderr


def test_schema_infer_json_and_pbtxt(demo_files, tmp_path, capsys):
    from dvtools.schema import load_schema

    train, _ = demo_files
    for name in ("schema.json", "schema.pbtxt"):
        target = tmp_path / name
        rc, out, err = _run(["schema", "infer", train, "-o", target, "--label", "completed"], capsys)
        assert rc == 0, err
        schema = load_schema(str(target))
        assert schema.feature("completed").not_in_environment == ["SERVING"]
        assert set(schema.feature("device_os").domain.values) == {"Android 13", "Android 14", "iOS 16", "iOS 17"}


def test_schema_infer_from_statistics_file(demo_files, tmp_path, capsys):
    train, _ = demo_files
    stats_file = tmp_path / "train_stats.json"
    assert _run(["stats", train, "-o", stats_file], capsys)[0] == 0
    rc, _, err = _run(["schema", "infer", stats_file, "-o", tmp_path / "schema.json"], capsys)
    assert rc == 0, err
    data = json.loads((tmp_path / "schema.json").read_text())
    assert data["format"] == "dvtools.schema"


def test_schema_infer_unknown_label_exit_2(demo_files, tmp_path, capsys):
    train, _ = demo_files
    rc, _, err = _run(["schema", "infer", train, "-o", tmp_path / "s.json", "--label", "nope"], capsys)
    assert rc == 2 and "nope" in err


@pytest.fixture(scope="module")
def demo_schema(demo_files, tmp_path_factory) -> Path:
    train, _ = demo_files
    target = tmp_path_factory.mktemp("schema") / "schema.json"
    assert main(["schema", "infer", str(train), "-o", str(target), "--label", "completed"]) == 0
    return target


def test_validate_json_contract_and_exit_1(demo_files, demo_schema, capsys):
    train, serve = demo_files
    rc, out, err = _run(["validate", serve, "--schema", demo_schema, "--baseline", train, "--environment", "SERVING",
                         "--linf-threshold", "0.1", "--js-threshold", "0.1", "--format", "json"], capsys)
    assert rc == 1, err
    doc = json.loads(out)
    found = {(a["feature"], a["type"]) for a in doc["anomalies"]}
    for a in doc["anomalies"]:
        assert {"feature", "type", "severity", "description"} <= set(a)
        assert a["severity"] in ("ERROR", "WARNING")
    assert ("device_os", "ENUM_TYPE_UNEXPECTED_STRING_VALUES") in found
    assert ("elevation_ft", "UNEXPECTED_DATA_TYPE") in found
    assert ("weather", "SCHEMA_MISSING_COLUMN") in found
    assert ("app_version", "SCHEMA_NEW_COLUMN") in found
    assert ("temperature_c", "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH") in found
    assert not any(f == "completed" for f, _ in found)  # the label is not in SERVING


def test_validate_clean_data_exit_0(demo_files, demo_schema, capsys):
    train, _ = demo_files
    rc, out, err = _run(["validate", train, "--schema", demo_schema, "--environment", "TRAINING"], capsys)
    assert rc == 0, out + err
    # The demo's runner_email column is personal data: the one finding is that WARNING (issue 13).
    assert "no anomalies" in out or ("PII_DETECTED" in out and "0 errors, 1 warning" in out)


def test_validate_min_examples_ratio(demo_files, demo_schema, capsys):
    train, serve = demo_files
    rc, out, _ = _run(["validate", serve, "--schema", demo_schema, "--baseline", train, "--environment", "SERVING",
                       "--min-examples-ratio", "0.5", "--format", "json"], capsys)
    types = {a["type"] for a in json.loads(out)["anomalies"]}
    assert "COMPARATOR_LOW_NUM_EXAMPLES" in types  # 8,000 < 0.5 * 20,000


def test_validate_bad_schema_exit_2(demo_files, tmp_path, capsys):
    _, serve = demo_files
    bad = tmp_path / "schema.json"
    bad.write_text("{not json")
    rc, _, err = _run(["validate", serve, "--schema", bad], capsys)
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_validate_key_reports_feature_skew(demo_files, demo_schema, capsys):
    train, serve = demo_files
    rc, out, err = _run(["validate", serve, "--schema", demo_schema, "--baseline", train, "--environment", "SERVING",
                         "--key", "run_id", "--format", "json"], capsys)
    assert rc == 1, err
    skew = {a["feature"]: a for a in json.loads(out)["anomalies"] if a["type"] == "SCHEMA_TRAINING_SERVING_SKEW"}
    # the serving pipeline converts km to miles for every replayed run; pace is computed the same on both sides
    assert "distance_km" in skew and skew["distance_km"]["severity"] == "ERROR"
    assert "pace_min_per_km" not in skew and "run_name" not in skew


def test_validate_key_needs_baseline(demo_files, demo_schema, capsys):
    _, serve = demo_files
    rc, _, err = _run(["validate", serve, "--schema", demo_schema, "--key", "run_id"], capsys)
    assert rc == 2 and "--baseline" in err


# ---- review fixes -------------------------------------------------------------------------------


def test_validate_comparator_skew_uses_the_skew_comparator(demo_files, demo_schema, tmp_path, capsys):
    from dvtools.schema import load_schema, save_schema

    train, serve = demo_files
    schema = load_schema(str(demo_schema))
    schema.feature("temperature_c").set_threshold(skew_js=0.1)  # only a skew comparator
    target = tmp_path / "skew_only.json"
    save_schema(schema, str(target))
    args = ["validate", serve, "--schema", target, "--baseline", train, "--environment", "SERVING", "--format", "json"]

    def js_features(extra: list[str]) -> set[str]:
        rc, out, err = _run(args + extra, capsys)
        assert rc in (0, 1), err
        return {a["feature"] for a in json.loads(out)["anomalies"]
                if a["type"] == "COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH"}

    assert "temperature_c" not in js_features([])  # default: drift comparator, none set
    assert "temperature_c" not in js_features(["--comparator", "drift"])
    assert "temperature_c" in js_features(["--comparator", "skew"])
    with pytest.raises(SystemExit) as e:
        main([str(a) for a in args] + ["--comparator", "bogus"])
    assert e.value.code == 2 and len(capsys.readouterr().err.strip().splitlines()) == 1


def test_compare_and_validate_key_with_internal_column_name(tmp_path, capsys):
    ref = pd.DataFrame({"id": [1, 2, 3], "__dvtools_row": [10, 20, 30], "x": ["a", "b", "c"]})
    cur = pd.DataFrame({"id": [1, 2, 3], "__dvtools_row": [10, 21, 30], "x": ["a", "b", "c"]})
    ref.to_csv(tmp_path / "ref.csv", index=False)
    cur.to_csv(tmp_path / "cur.csv", index=False)
    rc, out, err = _run(["compare", tmp_path / "ref.csv", tmp_path / "cur.csv", "--key", "id", "--format", "json"],
                        capsys)
    assert rc == 1, err
    skew = {f["feature"]: f["num_mismatches"] for f in json.loads(out)["feature_skew"]["features"]}
    assert skew == {"__dvtools_row": 1, "x": 0}


def test_internal_error_is_one_line_without_traceback(monkeypatch, tmp_path, capsys):
    import dvtools.cli as cli

    def boom(_a):
        raise ValueError("something\nbroke")

    monkeypatch.setattr(cli, "_cmd_compare", boom)
    rc, _, err = _run(["compare", tmp_path / "a.csv", tmp_path / "b.csv"], capsys)
    assert rc == 2
    assert err.strip().splitlines() == ["dvtools: error: internal error: ValueError: something broke; please report it"]

    def interrupted(_a):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_cmd_compare", interrupted)
    rc, _, err = _run(["compare", tmp_path / "a.csv", tmp_path / "b.csv"], capsys)
    assert rc == 2 and err.strip() == "dvtools: interrupted"


@pytest.mark.parametrize("argv", [["compare", "only-one.csv"], ["validate", "x.csv"], ["bogus"],
                                  ["compare", "a", "b", "--policy", "nope"]])
def test_usage_errors_are_one_line_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    _, err = capsys.readouterr()
    assert e.value.code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dvtools") and "error:" in lines[0] and "usage" not in err


def test_error_after_progress_starts_on_its_own_line(monkeypatch, capsys):
    import dvtools.cli as cli
    from dvtools.statistics.engine import Progress

    def failing(_a):
        progress = cli._Progress("reading", sys.stderr, min_bytes=0)
        progress(Progress(rows=1000, bytes_read=0, total_bytes=None, total_rows=None, parts_done=0, total_parts=1))
        raise OSError("disk full")

    monkeypatch.setattr(cli, "_cmd_stats", failing)
    rc, _, err = _run(["stats", "x.csv", "-o", "out.json"], capsys)
    assert rc == 2
    assert err.startswith("\rreading: 1,000 rows") and err.endswith("\ndvtools: error: disk full\n")


def test_validate_warns_about_ignored_schema_fields_on_stderr(demo_files, tmp_path, capsys):
    train, _ = demo_files
    pbtxt = tmp_path / "schema.pbtxt"
    assert main(["schema", "infer", str(train), "-o", str(pbtxt)]) == 0
    capsys.readouterr()
    pbtxt.write_text(pbtxt.read_text() + "\nbogus_field: 3\n")
    rc, out, err = _run(["validate", train, "--schema", pbtxt, "--format", "json"], capsys)
    assert rc == 0, err
    json.loads(out)  # stdout stays parseable
    warnings = [ln for ln in err.splitlines() if ln.startswith("dvtools: warning: ")]
    assert len(warnings) == 1 and "bogus_field" in warnings[0] and "ignored" in warnings[0]


def test_validate_key_with_statistics_file_says_raw_data_needed(demo_files, demo_schema, tmp_path, capsys):
    train, serve = demo_files
    stats_file = tmp_path / "train_stats.json"
    assert _run(["stats", train, "-o", stats_file], capsys)[0] == 0
    rc, _, err = _run(["validate", serve, "--schema", demo_schema, "--baseline", stats_file, "--key", "run_id"],
                      capsys)
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "feature skew (--key) needs raw data, not a statistics file" in lines[0] and str(stats_file) in lines[0]


def test_stats_refuses_a_statistics_file(demo_files, tmp_path, capsys):
    train, _ = demo_files
    stats_file = tmp_path / "train_stats.json"
    assert _run(["stats", train, "-o", stats_file], capsys)[0] == 0
    rc, out, err = _run(["stats", stats_file, "-o", tmp_path / "again.json"], capsys)
    assert rc == 2 and not (tmp_path / "again.json").exists()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and f"{stats_file} is already a dvtools statistics file" in lines[0]


def test_summary_missing_share_never_rounds_to_0_or_100(tmp_path, capsys):
    n = 20_004
    df = pd.DataFrame({"few_missing": [None] * 4 + [1.0] * (n - 4), "most_missing": [None] * 20_000 + [1.0] * 4})
    df.to_csv(tmp_path / "d.csv", index=False)
    rc, out, err = _run(["stats", tmp_path / "d.csv", "-o", tmp_path / "s.json"], capsys)
    assert rc == 0, err
    rows = {ln.split()[0]: ln.split()[2] for ln in out.splitlines() if ln.startswith(("few_", "most_"))}
    assert rows == {"few_missing": "<0.1%", "most_missing": ">99.9%"}


def test_summary_prints_an_integer_features_median_like_its_min_and_max(tmp_path, capsys):
    # the median of an integer column is a float in the statistics; whole values print as integers
    pd.DataFrame({"year": [1990, 2007, 2007, 2024], "x": [0.5, 1.5, 2.5, 3.5]}).to_csv(tmp_path / "d.csv", index=False)
    rc, out, err = _run(["stats", tmp_path / "d.csv", "-o", tmp_path / "s.json"], capsys)
    assert rc == 0, err
    cells = {ln.split()[0]: ln.split() for ln in out.splitlines() if ln.startswith(("year", "x "))}
    assert cells["year"][5:8] == ["1,990", "2,007", "2,024"]
    assert cells["x"][5:8] == ["0.5", "2", "3.5"]
