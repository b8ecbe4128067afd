"""The Data (home) page: empty state, the demo, uploads (good, bad, statistics files), options."""

from __future__ import annotations

import os
import re

import pandas as pd
from streamlit.testing.v1 import AppTest

from dvtools.statistics.engine import compute_statistics

DATA = "pages/data.py"
SMALL = pd.DataFrame({"x": [1, 2, 3], "label": ["a", "b", "a"]})


def _metrics(at: AppTest) -> list[tuple[str, str]]:
    return [(m.label, m.value) for m in at.metric]


def test_empty_state(app):
    app.run()
    assert not app.exception
    assert app.button(key="load_demo").label == "Open the demo"
    assert {u.key for u in app.file_uploader} >= {"upload_reference", "upload_current", "upload_evaluation"}
    assert any("open the demo" in i.value for i in app.info)
    (empty,) = app.info  # the roles only, the evaluation slot too: never the library's words
    assert "training data and the serving data" in empty.value and "evaluation data" in empty.value
    assert not re.search(r"\b(reference|current)\b", empty.value)
    assert any("500 MB" in c.value and "--reference PATH" in c.value for c in app.caption)
    assert not app.metric


def test_open_demo_loads_three_datasets_and_summarizes(app):
    app.run()
    app.button(key="load_demo").click().run()
    assert not app.exception
    rows = [v for label, v in _metrics(app) if label == "Rows"]
    assert rows == ["20,000", "8,000", "5,000"]  # training, serving, then the evaluation expander
    assert [t.value for t in app.text][:3] == ["runs_training.csv", "runs_serving.csv", "runs_evaluation.csv"]
    assert app.session_state["dataset_evaluation"].name == "runs_evaluation.csv"
    metrics = dict(_metrics(app))
    assert int(metrics["Errors"]) > 0 and int(metrics["Warnings"]) > 0
    summary = "\n".join(t.value for t in app.text)
    assert "ERROR · " in summary  # the top anomalies, as text
    assert summary.count("\n") >= 4
    # The demo's options are shown in the widgets.
    assert app.selectbox(key="opt_label_select").value == "completed"
    assert app.multiselect(key="opt_keys_select").value == ["run_id"]
    assert app.selectbox(key="opt_environment_select").value == "SERVING"
    assert any(link.label.startswith("Statistics") for link in app.page_link)


def test_label_option_round_trip(app):
    app.run()
    app.button(key="load_demo").click().run()
    app.selectbox(key="opt_label_select").select("(none)").run()
    assert not app.exception
    assert app.session_state["opt_label"] is None
    app.selectbox(key="opt_label_select").select("completed").run()
    assert app.session_state["opt_label"] == "completed"
    app.multiselect(key="opt_keys_select").set_value(["run_id", "runner_id"]).run()
    assert app.session_state["opt_keys"] == ["run_id", "runner_id"]
    app.selectbox(key="opt_slice_select").select("city").run()
    assert app.session_state["opt_slice_by"] == "city"
    assert not app.exception


def test_bad_upload_shows_one_line_error(app):
    app.run()
    app.file_uploader(key="upload_reference").set_value(("x.csv", b"\x00\x01garbage\xff" * 50, "text/csv")).run()
    assert not app.exception
    assert len(app.error) == 1
    msg = app.error[0].value
    assert "x" in msg and "\n" not in msg
    # The app keeps working: the other side loads fine.
    app.file_uploader(key="upload_current").set_value(("ok.csv", SMALL.to_csv(index=False).encode(), "text/csv"))
    app.run()
    assert not app.exception
    assert ("Rows", "3") in _metrics(app)


def test_bad_dataset_in_state(app, bytes_ref):
    app.session_state["dataset_reference"] = bytes_ref(os.urandom(3000) + b"\x00", "x.csv")
    app.run()
    assert not app.exception
    assert len(app.error) == 1 and "not a text file" in app.error[0].value


def test_an_upload_is_handed_back_empty_and_clear_unloads_it(app, monkeypatch):
    """Once loaded, the uploader is empty again (Streamlit would deep-copy a held file on every run of the page).

    The loaded file is shown below it (name, size, Clear), the bytes live in the dataset only (Streamlit's
    record of the upload is dropped) and Clear unloads it.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from dvtools.ui import uploads

    held: list[tuple[int, int]] = []  # Streamlit's records of the file: before, after forget()
    real = uploads.forget

    def spy(f):  # noqa: ANN001, ANN202
        ctx = get_script_run_ctx()
        before = len(ctx.uploaded_file_mgr.get_files(ctx.session_id, [f.file_id]))
        assert real(f)
        held.append((before, len(ctx.uploaded_file_mgr.get_files(ctx.session_id, [f.file_id]))))
        return True

    monkeypatch.setattr(uploads, "forget", spy)
    app.run()
    data = SMALL.to_csv(index=False).encode()
    app.file_uploader(key="upload_reference").set_value(("small.csv", data, "text/csv")).run()
    assert not app.exception
    ref = app.session_state["dataset_reference"]
    assert ref.name == "small.csv" and ref.data == data
    keys = [u.key for u in app.file_uploader]
    assert "upload_reference" not in keys and "upload_reference_1" in keys
    assert app.file_uploader(key="upload_reference_1").value is None  # empty: nothing to copy on the next runs
    assert "small.csv" in [t.value for t in app.text] and ("Rows", "3") in _metrics(app)
    assert held == [(1, 0)]  # the dataset holds the only reference to the bytes
    app.button(key="clear_reference").click().run()
    assert "dataset_reference" not in app.session_state
    assert not app.exception
    # A second upload to the same role loads through the new uploader, and replaces the first.
    other = SMALL.head(2).to_csv(index=False).encode()
    app.file_uploader(key="upload_reference_1").set_value(("other.csv", other, "text/csv")).run()
    assert app.session_state["dataset_reference"].name == "other.csv"
    assert [u.key for u in app.file_uploader][0] == "upload_reference_2"
    assert ("Rows", "2") in _metrics(app)
    assert not app.exception


def test_statistics_file_and_warnings(app, bytes_ref, csv_ref):
    stats = compute_statistics(b"a,b\n1,2\n3\n4,5\n", name="ragged.csv")
    app.session_state["dataset_reference"] = bytes_ref(stats.to_json().encode(), "stats.json")
    app.session_state["dataset_current"] = bytes_ref(b"a,b\n1,2\n3\n4,5,6\n", "ragged.csv")
    app.run()
    assert not app.exception
    assert any("statistics file" in t.value for t in app.text)
    assert ("Malformed rows", "2") in _metrics(app)  # the full label, not "Malformed rows skip…"
    assert any("malformed rows skipped" in w.value for w in app.warning)


def test_untrusted_names_are_literal(app, csv_ref, markdown_texts):
    bad = "<img src=x onerror=alert(1)>"
    df = pd.DataFrame({bad: [1, 2], "**bold**": ["a", "b"]})
    app.session_state["dataset_reference"] = csv_ref(df, "**evil** <b>name</b>.csv")
    app.session_state["dataset_current"] = csv_ref(df, "serve.csv")
    app.run()
    assert not app.exception
    assert app.text[0].value == "**evil** <b>name</b>.csv"
    for text in markdown_texts(app):
        assert bad not in text and "**bold**" not in text and "<b>name" not in text
    assert bad in app.selectbox(key="opt_label_select").options


def test_options_naming_missing_columns_are_dropped(app, csv_ref):
    app.run()
    app.button(key="load_demo").click().run()
    app.session_state["dataset_reference"] = csv_ref(SMALL, "small.csv")
    app.session_state["dataset_current"] = csv_ref(SMALL, "small2.csv")
    app.run()
    assert not app.exception
    assert app.session_state["opt_label"] is None and app.session_state["opt_keys"] == []
    assert any("no longer used" in c.value and "completed" in c.value for c in app.caption)
    assert app.selectbox(key="opt_label_select").value == "(none)"


def test_tfdv_statistics_open_in_the_dashboard(app, bytes_ref):
    import struct

    from dvtools.statistics.tfdv import masked_crc32c, to_tfdv_bytes, to_tfdv_text

    df = pd.DataFrame({"x": [float(i % 17) for i in range(300)], "c": [["a", "b", "c"][i % 3] for i in range(300)]})
    stats = compute_statistics(df.to_csv(index=False).encode(), name="train.csv")
    binary = to_tfdv_bytes(stats)
    head = struct.pack("<Q", len(binary))
    record = head + struct.pack("<I", masked_crc32c(head)) + binary + struct.pack("<I", masked_crc32c(binary))
    app.session_state["dataset_reference"] = bytes_ref(record, "stats.tfrecord")
    app.session_state["dataset_current"] = bytes_ref(to_tfdv_text(stats).encode(), "serving_stats.pbtxt")
    app.run()
    assert not app.exception
    assert ("Rows", "300") in _metrics(app)
    assert sum("imported from TFDV" in w.value for w in app.warning) == 2  # once per side
    app.switch_page("pages/drift_skew.py").run()
    assert not app.exception


BROKEN = b"\x00\x01broken\xff bytes!!"  # 17 bytes that no reader parses


def _everything(at: AppTest) -> str:
    texts = [str(e.value) for kind in ("caption", "text", "markdown", "error", "info", "warning") for e in getattr(at, kind)]
    texts += [str(e.value) for e in at.sidebar.text] + [str(e.value) for e in at.sidebar.caption]
    return "\n".join(texts).replace("\\", "")  # Markdown-escaped text, as read


def test_a_broken_upload_is_not_loaded(app):
    """A file that fails to parse says why in one line, never "Loaded", and the slot stays empty."""
    assert len(BROKEN) == 17
    app.run()
    app.file_uploader(key="upload_current").set_value(("bad.csv", BROKEN, "text/csv")).run()
    assert not app.exception
    assert "dataset_current" not in app.session_state  # nothing loaded for serving
    (error,) = app.error
    assert error.value.replace("\\", "").startswith("bad.csv: ") and "\n" not in error.value
    shown = _everything(app)
    assert "Loaded" not in shown and "17 B" not in shown
    assert "bad.csv was not loaded." in shown
    assert "Serving (bad.csv)" not in shown  # the sidebar lists nothing for serving: it has no dataset
    assert any("Load the training data and the serving data" in i.value for i in app.info)  # still the empty state
    # A good file to the same role loads, and the error goes.
    good = SMALL.to_csv(index=False).encode()
    app.file_uploader(key="upload_current_1").set_value(("ok.csv", good, "text/csv")).run()
    assert not app.exception and not app.error
    assert app.session_state["dataset_current"].name == "ok.csv" and ("Rows", "3") in _metrics(app)
    assert any(c.value.startswith("Loaded · ") for c in app.caption)


def test_a_broken_upload_keeps_the_previous_dataset_and_says_so(app):
    app.run()
    app.button(key="load_demo").click().run()
    app.file_uploader(key="upload_current").set_value(("bad.csv", BROKEN, "text/csv")).run()
    assert not app.exception
    assert app.session_state["dataset_current"].name == "runs_serving.csv"  # the previous good dataset
    (error,) = app.error
    assert error.value.replace("\\", "").startswith("bad.csv: ")
    assert "bad.csv was not loaded; still loaded: runs_serving.csv." in _everything(app)
    assert [v for label, v in _metrics(app) if label == "Rows"] == ["20,000", "8,000", "5,000"]
    assert "Loaded · 17 B" not in _everything(app)
    # Clear dismisses the message (and unloads the serving data it sits above).
    app.button(key="clear_current").click().run()
    assert not app.error and "dataset_current" not in app.session_state


def test_a_broken_training_upload_keeps_the_edited_schema(app):
    """Loading a new training file drops the schema; a training file that fails to load must not."""
    from dvtools.schema import infer_schema

    app.run()
    app.button(key="load_demo").click().run()
    edited = infer_schema(compute_statistics(SMALL))
    edited.notes.append("edited by hand")
    app.session_state["schema"], app.session_state["schema_origin"] = edited, "edited"
    app.run()
    app.file_uploader(key="upload_reference").set_value(("bad_train.csv", BROKEN, "text/csv")).run()
    assert not app.exception
    assert app.session_state["dataset_reference"].name == "runs_training.csv"
    assert app.session_state["schema_origin"] == "edited"
    assert app.session_state["schema"] is edited
    # A good training file does replace the schema (as before): only a failed load keeps it.
    app.file_uploader(key="upload_reference_1").set_value(("t.csv", SMALL.to_csv(index=False).encode(), "text/csv"))
    app.run()
    assert app.session_state["dataset_reference"].name == "t.csv" and "schema" not in app.session_state


def test_a_million_rows_fit_the_rows_metric(app, bytes_ref):
    """Regression (issue 11, defect 4): the Rows metric read "1,234,…"; the exact count is in its help."""
    n = 1_234_567
    data = b"a\n" + b"1\n" * n
    app.session_state["dataset_reference"] = bytes_ref(data, "big.csv")
    app.run()
    assert not app.exception
    rows = next(m for m in app.metric if m.label == "Rows")
    assert rows.value == "1.23M" and rows.proto.help == "1,234,567 rows"


def test_training_and_evaluation_only_summarizes_that_pair(app, csv_ref):
    """With no serving data the summary is evaluation vs training (it compared nothing: "–" before)."""
    train = pd.DataFrame({"x": [float(i % 10) for i in range(200)], "c": ["a", "b"] * 100})
    evaluation = train.assign(x=train["x"] + 5.0)
    app.session_state["dataset_reference"] = csv_ref(train, "t.csv")
    app.session_state["dataset_evaluation"] = csv_ref(evaluation, "e.csv")
    app.run()
    assert not app.exception
    assert "**Evaluation (e.csv) vs Training (t.csv)**" in [m.value.replace("\\", "") for m in app.markdown]
    drifted = next(m.value for m in app.metric if m.label == "Drifted features")
    assert drifted == "1 of 2"
