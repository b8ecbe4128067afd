"""Privacy mode in the dashboard: every page through AppTest, every element's bytes without a planted value.

Each element's protobuf (text, Markdown, dataframes as Arrow bytes, charts as Plotly JSON, widget
labels and options) is serialized and searched; then the switch is turned off and the values show.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from planted import planted_table
from streamlit.testing.v1 import AppTest

from dvtools.ui.analysis import ref_from_upload

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGES = ("pages/data.py", "pages/feature_stats.py", "pages/schema_editor.py", "pages/anomalies.py",
         "pages/drift_skew.py", "pages/fairness.py")


def _protos(node: Any) -> Iterator[Any]:
    proto = getattr(node, "proto", None)
    if proto is not None:
        yield proto
    for child in getattr(node, "children", {}).values():
        yield from _protos(child)


def page_bytes(at: AppTest) -> bytes:
    """Everything the page sends to the browser, as bytes."""
    return b"".join(p.SerializeToString() for p in _protos(at._tree))


def leaks(blob: bytes, planted: set[str]) -> list[str]:
    return sorted(v for v in planted if v.encode("utf-8") in blob)


@pytest.fixture(scope="module")
def planted() -> tuple[Any, Any, set[str]]:
    train, p1 = planted_table(seed=7)
    serve, p2 = planted_table(seed=8)
    to_csv = lambda t: t.to_pandas().to_csv(index=False).encode()  # noqa: E731
    return ref_from_upload("train.csv", to_csv(train)), ref_from_upload("serve.csv", to_csv(serve)), p1 | p2


def _app(planted: tuple[Any, Any, set[str]]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["_server_args_applied"] = True
    at.session_state["dataset_reference"] = planted[0]
    at.session_state["dataset_current"] = planted[1]
    at.session_state["opt_keys"] = ["ssn"]
    return at


def _open_expanders(at: AppTest) -> int:
    """Open every keyed expander of the page, then switch on every drill-down in them (both are lazy).

    Returns how many expanders were opened.
    """
    keys = [e.proto.id.rsplit("-", 1)[-1] for e in at.expander if e.proto.id.startswith("$$ID-")]
    for k in keys:
        at.session_state[k] = True
    if keys:
        at.run()
    drills = [t.key for t in at.toggle if t.key and t.key.startswith("drill:")]
    for k in drills:
        at.session_state[k] = True
    if drills:
        at.run()
    return len(keys)


def _schema_without_lima(planted) -> Any:  # noqa: ANN001
    """The schema the dashboard infers, "Lima" left out of the city domain: an anomaly whose drill-down shows rows.

    Inferred from redacted statistics, as in the dashboard: a schema inferred from raw statistics
    lists the raw values of low-cardinality sensitive features in its domains, which the Schema
    page shows as written (see the README).
    """
    from dvtools.privacy import redact_statistics
    from dvtools.schema import infer_schema
    from dvtools.schema.model import StringDomain
    from dvtools.statistics import compute_statistics

    schema = infer_schema(redact_statistics(compute_statistics(planted_table(seed=7)[0])))
    schema.feature("city").domain = StringDomain(["Oslo", "Paris", "Rome"])
    return schema


def test_every_page_without_planted_values(planted) -> None:  # noqa: ANN001
    at = _app(planted)
    at.session_state["schema"] = _schema_without_lima(planted)
    at.session_state["schema_origin"] = "uploaded"
    at.run()
    seen = b""
    for path in PAGES:
        at.switch_page(path).run()
        assert not at.exception, (path, at.exception)
        if path.endswith("anomalies.py"):
            assert _open_expanders(at) and not at.exception
            assert any("row" in df.value.columns and "email" in df.value.columns for df in at.dataframe)
        blob = page_bytes(at)
        assert not leaks(blob, planted[2]), (path, leaks(blob, planted[2])[:3])
        seen += blob
    assert b"PII_DETECTED" in seen and b"looks like personal data" in seen
    assert b"Privacy" in seen  # the switch is in the sidebar


def test_switching_privacy_off_shows_the_values(planted) -> None:  # noqa: ANN001
    at = _app(planted)
    at.session_state["privacy_mode"] = "off"
    at.run()
    at.switch_page("pages/feature_stats.py").run()
    assert not at.exception
    assert leaks(page_bytes(at), planted[2])
