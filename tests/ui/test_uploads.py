"""Streamlit's record of an upload is dropped once the dataset holds the bytes; best effort outside a script run."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

from dvtools.ui import uploads


def _upload(manager: MemoryUploadedFileManager, data: bytes) -> UploadedFile:
    rec = UploadedFileRec(file_id="f1", name="big.csv", type="text/csv", data=data)
    manager.add_file("s1", rec)
    return UploadedFile(rec, None)


def test_forget_drops_the_record_and_the_bytes_stay_with_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    manager = MemoryUploadedFileManager("/upload")
    data = b"a,b\n" + b"1,2\n" * 1000
    f = _upload(manager, data)
    kept = f.getvalue()
    assert kept is data  # no copy: the dataset shares the upload's buffer
    ctx = SimpleNamespace(uploaded_file_mgr=manager, session_id="s1")
    monkeypatch.setattr("streamlit.runtime.scriptrunner.get_script_run_ctx", lambda: ctx)
    assert uploads.forget(f) is True
    assert manager.get_files("s1", ["f1"]) == []
    assert kept == b"a,b\n" + b"1,2\n" * 1000


def test_forget_outside_a_script_run_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    manager = MemoryUploadedFileManager("/upload")
    f = _upload(manager, b"x\n1\n")
    monkeypatch.setattr("streamlit.runtime.scriptrunner.get_script_run_ctx", lambda: None)
    assert uploads.forget(f) is False
    assert [r.file_id for r in manager.get_files("s1", ["f1"])] == ["f1"]
    ctx = SimpleNamespace(session_id="s1")  # a Streamlit without the manager where we look: no error
    monkeypatch.setattr("streamlit.runtime.scriptrunner.get_script_run_ctx", lambda: ctx)
    assert uploads.forget(f) is False
