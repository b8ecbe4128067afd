"""Reports (text, JSON, self-contained HTML) and the `dvtools compare` command."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from cmp_helpers import stats_of

from dvtools.artifacts import save_statistics
from dvtools.cli import main
from dvtools.comparison import (
    compare_statistics,
    comparison_to_html,
    comparison_to_json,
    comparison_to_text,
    concept_shift,
    feature_skew,
)

EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def pair():
    rng = np.random.default_rng(0)
    n = 2000
    ref = pd.DataFrame({
        "id": np.arange(n),
        "x": rng.normal(size=n),
        "c": rng.choice(["a", "b", "c"], n),
        EVIL: rng.normal(size=n),
        "y": rng.integers(0, 2, n),
    })
    cur = ref.copy()
    cur["x"] = cur["x"] + 1.0
    cur[EVIL] = cur[EVIL] * 3
    cur.loc[:99, "c"] = "</script><b>new</b>"
    return ref, cur


def test_html_is_self_contained_escaped_and_has_charts(pair):
    ref, cur = pair
    rs, cs = stats_of(ref), stats_of(cur)
    cmp = compare_statistics(rs, cs)
    assert {f.feature for f in cmp.drifted} >= {"x", EVIL}
    skew = feature_skew(ref, cur, key="id")
    concept = concept_shift(ref, cur, label="y", features=["x", "c"])
    page = comparison_to_html(cmp, rs, cs, skew=skew, concept=concept, title=f"title {EVIL}")
    assert page.startswith("<!DOCTYPE html>")
    # one chart per drifting or possibly drifting feature, plotly.js embedded exactly once
    charted = [f for f in cmp.features if f.verdict.value != "no drift"]
    assert page.count('class="plotly-graph-div"') == len(charted) >= 2
    assert page.count("window.PlotlyConfig") == 1
    # nothing loaded from the network
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, flags=re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?https?:", page, flags=re.I)
    # data-derived text is escaped: the malicious column name appears literally, never as a tag
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>new</b>" not in page and "</script><b>" not in page
    for section in ("Summary", "Features", "Feature skew", "Covariate vs concept shift"):
        assert f"<h2>{section}</h2>" in page
    assert 'class="verdict v-drift"' in page


def test_html_without_drift_has_no_plotly(pair):
    ref, _ = pair
    rs = stats_of(ref)
    page = comparison_to_html(compare_statistics(rs, rs), rs, rs)
    assert "plotly-graph-div" not in page and "No feature drifts" in page


def test_text_and_json(pair):
    ref, cur = pair
    rs, cs = stats_of(ref), stats_of(cur)
    cmp = compare_statistics(rs, cs)
    skew = feature_skew(ref, cur, key="id")
    text = comparison_to_text(cmp, skew=skew)
    assert "Dataset drift:" in text and "normalized_wasserstein" in text and "Feature skew" in text
    assert re.search(r"^x\s+numeric\s+normalized_wasserstein\s+0\.1 \(policy\)\s+\S+\s+drift", text, flags=re.M)
    doc = json.loads(comparison_to_json(cmp, skew=skew))
    assert doc["comparison"]["features"][0]["feature"] == "x"  # the unique "id" is an identifier: not compared
    assert doc["comparison"]["not_compared"] == {"id": "identifier"}
    assert doc["feature_skew"]["features"][0]["feature"] in ("x", "c")
    assert doc["concept_shift"] is None


@pytest.fixture
def csv_files(tmp_path, pair):
    ref, cur = pair
    a, b, a2 = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "a2.csv"
    ref.to_csv(a, index=False)
    cur.to_csv(b, index=False)
    ref.to_csv(a2, index=False)
    return a, b, a2


def test_cli_exit_codes_and_json(csv_files, capsys):
    a, b, a2 = csv_files
    assert main(["compare", str(a), str(b), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["comparison"]["num_drifted"] >= 2
    assert main(["compare", str(a), str(a2), "--format", "json", "--policy", "tfdv"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["comparison"]["policy"] == "tfdv" and doc["comparison"]["dataset_drift"] is False


def test_cli_key_label_html_and_errors(csv_files, tmp_path, capsys):
    a, b, a2 = csv_files
    out = tmp_path / "report.html"
    assert main(["compare", str(a), str(a2), "--key", "id", "--label", "y", "--format", "html", "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    page = out.read_text(encoding="utf-8")
    assert "Feature skew" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    # skew alone (no distribution drift) fails the run
    c = pd.read_csv(a)
    c.loc[5, "c"] = "b" if c.loc[5, "c"] != "b" else "a"
    c.to_csv(tmp_path / "c.csv", index=False)
    assert main(["compare", str(a), str(tmp_path / "c.csv"), "--key", "id"]) == 1
    assert "Feature skew (joined on id)" in capsys.readouterr().out
    # a statistics file has no rows to join
    stats_path = tmp_path / "a.stats.json"
    save_statistics(stats_of(pd.read_csv(a)), stats_path)
    assert main(["compare", str(stats_path), str(b), "--key", "id"]) == 2
    assert "feature skew (--key) needs raw data" in capsys.readouterr().err
    assert main(["compare", str(stats_path), str(a2), "--format", "json"]) == 0  # statistics vs data is fine
    json.loads(capsys.readouterr().out)
    assert main(["compare", str(a), str(b), "--label", "nope"]) == 2
    assert "label column 'nope'" in capsys.readouterr().err


def test_cli_subprocess(csv_files):
    a, b, _ = csv_files
    proc = subprocess.run([sys.executable, "-m", "dvtools.cli", "compare", str(a), str(b), "--format", "json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["comparison"]["dataset_drift"] in (True, False)
