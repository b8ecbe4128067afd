"""What every page needs from the loaded data: statistics, schema in use, anomalies.

Thin glue over the library and :mod:`dvtools.ui.cache`; the only maths happens in ``dvtools``.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

import streamlit as st

from dvtools.artifacts import is_statistics_file, looks_like_statistics
from dvtools.errors import DvtoolsError
from dvtools.schema.model import Schema
from dvtools.statistics.model import DatasetStatistics
from dvtools.ui import cache, state
from dvtools.ui.state import DatasetRef
from dvtools.validation.anomalies import Anomaly


@dataclass
class Loaded:
    """The datasets and their statistics, where they could be computed."""

    reference: DatasetRef | None
    current: DatasetRef | None
    reference_stats: DatasetStatistics | None
    current_stats: DatasetStatistics | None
    errors: dict[str, str]

    @property
    def ready(self) -> bool:
        """Both sides loaded with statistics."""
        return self.reference_stats is not None and self.current_stats is not None


def ref_from_upload(name: str, data: bytes) -> DatasetRef:
    """A dataset descriptor for uploaded bytes (statistics JSON recognized by content)."""
    kind = "stats" if name.lower().endswith(".json") and looks_like_statistics(data[:4096]) else "data"
    return DatasetRef(name=name, digest=state.digest_bytes(data), kind=kind, data=data)


def ref_from_path(path: str) -> DatasetRef:
    """A dataset descriptor for a file on the server (for files larger than an upload allows)."""
    if not os.path.exists(path):
        raise DvtoolsError(f"{path}: file not found")
    kind = "stats" if is_statistics_file(path) else "data"
    return DatasetRef(name=os.path.basename(path), digest=state.digest_path(path), kind=kind, path=path)


def apply_server_arguments(argv: list[str] | None = None) -> list[str]:
    """Load ``--reference/--current/--evaluation PATH`` given after ``streamlit run app.py --``, once per session."""
    if st.session_state.get("_server_args_applied"):
        return []
    st.session_state["_server_args_applied"] = True
    p = argparse.ArgumentParser(add_help=False)
    for role in state.ROLES:
        p.add_argument(f"--{role}", default=None)
    p.add_argument("--schema", default=None)
    p.add_argument("--label", default=None)
    p.add_argument("--demo", action="store_true")
    a, _ = p.parse_known_args(sys.argv[1:] if argv is None else argv)
    errors = []
    for role in state.ROLES:
        path = getattr(a, role)
        if path:
            try:
                state.set_dataset(role, ref_from_path(path))
            except DvtoolsError as e:
                errors.append(f"{role}: {e}")
    if a.demo:
        load_demo()
    if a.label:
        state.set_option("label", a.label)
    if a.schema:
        from dvtools.schema import load_schema

        try:
            state.set_schema(load_schema(a.schema), "uploaded")
        except DvtoolsError as e:
            errors.append(f"schema: {e}")
    return errors


def load_demo() -> None:
    """Load the bundled runners-app demo pair (generated offline, deterministic)."""
    from dvtools import demo

    train, serve = _demo_bytes()
    state.set_dataset("reference", DatasetRef("runs_training.csv", state.digest_bytes(train), "data", train))
    state.set_dataset("current", DatasetRef("runs_serving.csv", state.digest_bytes(serve), "data", serve))
    state.set_option("label", demo.LABEL)
    state.set_option("keys", [demo.KEY])
    state.set_option("environment", "SERVING")


@st.cache_resource(show_spinner=False)
def _demo_bytes() -> tuple[bytes, bytes]:
    from dvtools.demo import demo_csv_bytes

    return demo_csv_bytes()


def loaded() -> Loaded:
    """Statistics of the loaded datasets; load errors are reported per role, never raised."""
    errors: dict[str, str] = {}
    stats: dict[str, DatasetStatistics | None] = {}
    for role in ("reference", "current"):
        ref = state.get_dataset(role)
        stats[role] = None
        if ref is None:
            continue
        try:
            stats[role] = cache.statistics_for(ref)
        except DvtoolsError as e:
            errors[role] = str(e)
    return Loaded(state.get_dataset("reference"), state.get_dataset("current"), stats["reference"],
                  stats["current"], errors)


def schema_in_use(data: Loaded) -> Schema | None:
    """The edited/uploaded schema, else the one inferred from the reference."""
    schema = state.get_schema()
    if schema is None and data.reference is not None and data.reference_stats is not None:
        schema = cache.inferred_schema_for(data.reference, state.get_option("label"))
        state.set_schema(schema, "inferred")
    return schema


def anomalies(data: Loaded) -> list[Anomaly]:
    """Anomalies of the current data against the schema and the reference (milliseconds)."""
    if not data.ready:
        return []
    schema = schema_in_use(data)
    if schema is None:
        return []
    from dvtools.validation import validate_statistics

    assert data.current_stats is not None
    return validate_statistics(data.current_stats, schema, reference=data.reference_stats,
                               environment=state.get_option("environment"), thresholds=state.get_thresholds())
