"""Load errors on every page name the dataset by its role (Training, Serving, Evaluation), not "reference:"."""

from __future__ import annotations

import pandas as pd
import pytest

SMALL = pd.DataFrame({"x": [1, 2, 3], "label": ["a", "b", "a"]})
BAD = b"\x00\x01garbage\xff" * 50


@pytest.mark.parametrize("path", ["pages/anomalies.py", "pages/feature_stats.py", "pages/drift_skew.py",
                                  "pages/schema_editor.py"])
def test_errors_say_serving_not_current(page, csv_ref, bytes_ref, path):
    at = page(path, reference=csv_ref(SMALL, "train.csv"), current=bytes_ref(BAD, "broken.csv"))
    assert not at.exception
    errors = [e.value.replace("\\", "") for e in at.error]  # Markdown-escaped: shown literally
    assert any(e.startswith("Serving (broken.csv)") for e in errors), errors
    assert not any(e.startswith(("current:", "reference:")) for e in errors), errors


def test_evaluation_and_training_errors_name_their_role(page, csv_ref, bytes_ref):
    at = page("pages/anomalies.py", reference=bytes_ref(BAD, "train.bin.csv"), current=csv_ref(SMALL, "s.csv"))
    assert any(e.value.replace("\\", "").startswith("Training (train.bin.csv)") for e in at.error)
    at.session_state["dataset_evaluation"] = bytes_ref(BAD, "eval.csv")
    at.run()
    errors = [e.value.replace("\\", "") for e in at.error]  # Markdown-escaped: shown literally
    assert any(e.startswith("Evaluation (eval.csv)") for e in errors), errors
