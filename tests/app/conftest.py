"""AppTest fixtures for the dashboard: the app, small known datasets in session state, page switching."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dvtools.ui.analysis import ref_from_upload
from dvtools.ui.state import DatasetRef, digest_bytes

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def csv_ref(df: pd.DataFrame, name: str = "data.csv") -> DatasetRef:
    """A dataset descriptor holding ``df`` as CSV bytes (as if uploaded)."""
    return ref_from_upload(name, df.to_csv(index=False).encode())


def bytes_ref(data: bytes, name: str) -> DatasetRef:
    """A dataset descriptor for arbitrary uploaded bytes (a statistics JSON, garbage...)."""
    return ref_from_upload(name, data)


def load(at: AppTest, reference: DatasetRef | None = None, current: DatasetRef | None = None) -> AppTest:
    """Put datasets in the app's session state (before or between runs)."""
    if reference is not None:
        at.session_state["dataset_reference"] = reference
    if current is not None:
        at.session_state["dataset_current"] = current
    return at


def open_page(at: AppTest, path: str) -> AppTest:
    """Run the app once (navigation registers the pages), then switch to ``path`` and run it."""
    at.run()
    return at.switch_page(path).run()


@pytest.fixture
def app() -> AppTest:
    """The dashboard, with the command line ignored (pytest's arguments are not the app's)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["_server_args_applied"] = True
    return at


@pytest.fixture
def page(app: AppTest) -> Callable[..., AppTest]:
    """``page(path, reference=df_or_ref, current=...)``: load data (DataFrames become CSV uploads) and open a page."""

    def _open(path: str, reference: pd.DataFrame | DatasetRef | None = None,
              current: pd.DataFrame | DatasetRef | None = None) -> AppTest:
        ref = csv_ref(reference, "train.csv") if isinstance(reference, pd.DataFrame) else reference
        cur = csv_ref(current, "serve.csv") if isinstance(current, pd.DataFrame) else current
        load(app, ref, cur)
        return open_page(app, path)

    return _open


def markdown_texts(at: AppTest) -> list[str]:
    """Everything on the page that Streamlit renders as Markdown (where unescaped data would be live)."""
    out: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning", "error", "success"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [e.label for e in at.expander]
    out += [m.label for m in at.metric]
    return out


@pytest.fixture(name="csv_ref")
def _csv_ref_fixture() -> Callable[..., DatasetRef]:
    """:func:`csv_ref` for tests (helpers reach test modules as fixtures: conftest is not importable)."""
    return csv_ref


@pytest.fixture(name="bytes_ref")
def _bytes_ref_fixture() -> Callable[..., DatasetRef]:
    """:func:`bytes_ref` for tests."""
    return bytes_ref


@pytest.fixture(name="markdown_texts")
def _markdown_texts_fixture() -> Callable[[AppTest], list[str]]:
    """:func:`markdown_texts` for tests."""
    return markdown_texts


@lru_cache(maxsize=1)
def demo_refs() -> tuple[DatasetRef, DatasetRef]:
    """The bundled demo pair as uploads (built once per test session)."""
    from dvtools.demo import demo_csv_bytes

    train, serve = demo_csv_bytes()
    return (DatasetRef("runs_training.csv", digest_bytes(train), "data", train),
            DatasetRef("runs_serving.csv", digest_bytes(serve), "data", serve))


@pytest.fixture
def demo_page(app: AppTest) -> Callable[[str], AppTest]:
    """``demo_page(path)``: the app with the demo loaded as ``analysis.load_demo`` does, on that page."""

    def _open(path: str) -> AppTest:
        ref, cur = demo_refs()
        app.session_state["dataset_reference"] = ref
        app.session_state["dataset_current"] = cur
        app.session_state["opt_label"] = "completed"
        app.session_state["opt_keys"] = ["run_id"]
        app.session_state["opt_environment"] = "SERVING"
        app.run()
        app.switch_page(path).run()
        assert not app.exception
        return app

    return _open
