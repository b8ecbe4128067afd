"""Issue 13's test: planted personal data, every output path in privacy mode, no planted raw value in any byte.

And the same paths with ``--privacy off`` do show them, so the check can fail.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from planted import planted_table

from dvtools.cli import main
from dvtools.comparison import compare_statistics
from dvtools.comparison.report import comparison_to_html, comparison_to_json, comparison_to_text
from dvtools.privacy import PrivacyPolicy, redact_together
from dvtools.statistics import compute_statistics
from dvtools.statistics.tfdv import to_tfdv_proto
from dvtools.validation import anomalies_to_json, validate_statistics


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, set[str]]:
    d = tmp_path_factory.mktemp("planted")
    ref, p1 = planted_table(seed=7)
    cur, p2 = planted_table(seed=8)
    pq.write_table(ref, d / "train.parquet")
    pq.write_table(cur, d / "serve.parquet")
    return d / "train.parquet", d / "serve.parquet", p1 | p2


def leaks(blob: bytes | str, planted: set[str]) -> list[str]:
    """The planted values found in ``blob`` (searched as UTF-8 bytes)."""
    b = blob.encode("utf-8") if isinstance(blob, str) else blob
    return sorted(v for v in planted if v.encode("utf-8") in b)


def test_api_json_tfdv_and_report(data) -> None:  # noqa: ANN001
    train, serve, planted = data
    for policy, expect_leak in ((PrivacyPolicy("on"), False), (PrivacyPolicy("off"), True)):
        ref, cur = redact_together([compute_statistics(train), compute_statistics(serve)], policy)
        c = compare_statistics(ref, cur)
        outputs = {
            "statistics JSON": ref.to_json() + cur.to_json(),
            "TFDV export": to_tfdv_proto(ref).SerializeToString() + to_tfdv_proto(cur).SerializeToString(),
            "report html": comparison_to_html(c, ref, cur),
            "report json": comparison_to_json(c),
            "report text": comparison_to_text(c),
            "anomalies": anomalies_to_json(validate_statistics(cur, None, reference=ref)),
        }
        found = {what: leaks(blob, planted) for what, blob in outputs.items()}
        if expect_leak:  # without privacy mode the statistics and their exports hold raw values
            assert found["statistics JSON"] and found["TFDV export"] and found["report html"], policy
        else:
            assert not any(found.values()), {k: v[:3] for k, v in found.items() if v}
    on = compute_statistics(train, privacy=PrivacyPolicy())
    assert not leaks(on.to_json(), planted) and on.privacy is not None


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out + out.err


def _run_all(train: Path, serve: Path, out: Path, mode: str, capsys: pytest.CaptureFixture[str],
             only: int | None = None) -> bytes:
    """Every subcommand that prints or writes values; returns all they printed and wrote."""
    flag = ["--privacy", mode]
    out.mkdir(exist_ok=True)
    printed = []
    commands = [
        ["stats", str(train), "-o", str(out / "stats.json")],
        ["stats", str(train), "-o", str(out / "stats.pb"), "--format", "tfdv"],
        ["stats", str(train), "-o", str(out / "stats.pbtxt"), "--format", "tfdv-text", "--slice-by", "customer_name"],
        ["schema", "infer", str(train), "-o", str(out / "schema.json")],
        ["schema", "infer", str(train), "-o", str(out / "schema.pbtxt")],
        ["validate", str(serve), "--schema", str(out / "schema.json"), "--baseline", str(train)],
        ["validate", str(serve), "--schema", str(out / "schema.json"), "--baseline", str(train), "--format", "json"],
        ["validate", str(serve), "--schema", str(out / "schema.json"), "--baseline", str(train), "--key", "ssn"],
        ["validate", str(out / "stats.json"), "--schema", str(out / "schema.pbtxt")],
        ["schema", "update", str(out / "schema.json"), str(serve), "-o", str(out / "updated.json")],
        ["compare", str(train), str(serve)],
        ["compare", str(train), str(serve), "--format", "json", "-o", str(out / "compare.json")],
        ["compare", str(train), str(serve), "--format", "html", "-o", str(out / "report.html")],
        ["compare", str(train), str(serve), "--key", "ssn", "--format", "json"],
        ["compare", str(train), str(serve), "--key", "email"],
    ]
    for argv in commands[:only]:
        code, text = _cli([*argv, *flag], capsys)
        assert code in (0, 1), (argv, text)
        printed.append(text)
    written = b"".join(p.read_bytes() for p in sorted(out.iterdir()))
    return "\n".join(printed).encode() + written


def test_cli_every_output(data, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    train, serve, planted = data
    blob = _run_all(train, serve, tmp_path / "on", "on", capsys)
    assert not leaks(blob, planted)
    assert b"PII_DETECTED" in blob and b"alert: email: looks like personal data" in blob
    strict = _run_all(train, serve, tmp_path / "strict", "strict", capsys, only=1)
    assert not leaks(strict, planted) and b"Paris" not in (tmp_path / "strict" / "stats.json").read_bytes()
    off = _run_all(train, serve, tmp_path / "off", "off", capsys)
    assert len(leaks(off, planted)) > 100  # the same outputs without privacy mode do show them


def test_labels_examples_are_masked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``dvtools labels`` prints example rows (conflicts, duplicates, overlap): personal data in them is masked."""
    import pyarrow as pa

    table, planted = planted_table(seed=9)
    labelled = table.append_column("label", pa.array([i % 2 for i in range(table.num_rows)]))
    flipped = labelled.slice(20, 5).set_column(labelled.num_columns - 1, "label", pa.array([1, 0, 1, 0, 1]))
    data = pa.concat_tables([labelled, flipped])  # 5 rows again with the other label: conflicts
    pq.write_table(data, tmp_path / "rows.parquet")
    pq.write_table(labelled.slice(20, 40), tmp_path / "reference.parquet")  # overlap with the reference
    argv = ["labels", str(tmp_path / "rows.parquet"), "--label", "label", "--reference", str(tmp_path / "reference.parquet"),
            "--fail-on", "never"]
    outputs = {}
    for mode in ("on", "off"):
        for fmt in ("text", "json", "html"):
            out = tmp_path / f"labels_{mode}.{fmt}"
            code, text = _cli([*argv, "--format", fmt, "-o", str(out), "--privacy", mode], capsys)
            assert code == 0, text
            outputs[mode, fmt] = text.encode() + out.read_bytes()
    for fmt in ("text", "json", "html"):
        assert not leaks(outputs["on", fmt], planted), fmt
        assert leaks(outputs["off", fmt], planted), fmt  # the same examples without privacy mode show the values
