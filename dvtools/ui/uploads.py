"""Browser uploads once loaded: Streamlit's own copy of the file is let go (the dataset holds the bytes)."""

from __future__ import annotations

from typing import Any


def forget(f: Any) -> bool:
    """Drop Streamlit's record of the uploaded file ``f`` (an ``UploadedFile``); True when it was dropped.

    Streamlit keeps every uploaded file of a session until the session ends or the browser removes
    it from its uploader. Once a page has taken the bytes (``f.getvalue()`` shares the record's
    buffer, no copy), that record only keeps a 300 MB upload alive after the user cleared or replaced
    the dataset. Best effort: False when Streamlit's internals are not where this looks (nothing breaks,
    the record then lives until the session ends, as before).
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    manager = getattr(ctx, "uploaded_file_mgr", None)
    file_id = getattr(f, "file_id", None)
    if ctx is None or manager is None or file_id is None:
        return False
    try:
        manager.remove_file(session_id=ctx.session_id, file_id=file_id)
    except (AttributeError, KeyError, TypeError):
        return False
    return True
