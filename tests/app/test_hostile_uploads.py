"""Hostile uploads in the dashboard: a one-line error for the session, the server keeps running (issue 10)."""

from __future__ import annotations

import base64
import json
import zlib

import pandas as pd

import dvtools


def test_deeply_nested_jsonl_upload_is_an_error_not_a_crash(app):
    app.run()
    deep = ('{"a": ' * 8000 + "1" + "}" * 8000 + "\n").encode()
    app.file_uploader(key="upload_reference").set_value(("deep.jsonl", deep, "application/json")).run()
    assert not app.exception
    assert len(app.error) == 1
    msg = app.error[0].value
    assert "nested deeper than 64 levels" in msg and "\n" not in msg
    ok = pd.DataFrame({"a": [1, 2, 3]}).to_csv(index=False).encode()
    app.file_uploader(key="upload_current").set_value(("ok.csv", ok, "text/csv")).run()
    assert not app.exception


def test_statistics_upload_with_a_zlib_bomb_is_an_error(app):
    stats = json.loads(dvtools.compute_statistics(pd.DataFrame({"x": [float(i) for i in range(200_000)]})).to_json())
    co = zlib.compressobj(9)
    bomb = b"".join([co.compress(bytes(1 << 26)) for _ in range(8)] + [co.flush()])
    stats["features"][0]["numeric"]["sketch"]["data"] = base64.b64encode(bomb).decode()
    app.run()
    app.file_uploader(key="upload_reference").set_value(("stats.json", json.dumps(stats).encode(),
                                                         "application/json")).run()
    assert not app.exception
    assert len(app.error) == 1 and "inflates beyond" in app.error[0].value
