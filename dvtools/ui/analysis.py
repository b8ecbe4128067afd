"""What every page needs from the loaded data: statistics, schema in use, anomalies.

Thin glue over the library and :mod:`dvtools.ui.cache`; the only maths happens in ``dvtools``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from dataclasses import dataclass
from typing import Any

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

    def error_lines(self) -> list[str]:
        """The load errors, one line each, named by the dataset's role ("Training: x.csv: ...")."""
        return [role_error(role, message) for role, message in self.errors.items()]

    @property
    def ready(self) -> bool:
        """Both sides loaded with statistics."""
        return self.reference_stats is not None and self.current_stats is not None


ROLE_NAMES = {"reference": "Training", "current": "Serving", "evaluation": "Evaluation"}


def role_name(role: str) -> str:
    """The name users know a dataset by: Training, Serving or Evaluation (``current`` is the compared one)."""
    if role == "current":
        role = compared_role()
    return ROLE_NAMES.get(role, role)


def role_error(role: str, error: object) -> str:
    """A load error of a role's dataset as one line: ``Training: x.csv: line 3: ...``."""
    return " ".join(f"{role_name(role)}: {error}".split())


def ref_from_upload(name: str, data: bytes) -> DatasetRef:
    """A dataset descriptor for uploaded bytes (statistics JSON recognized by content)."""
    kind = "stats" if looks_like_statistics(data[:1 << 16], name, len(data)) else "data"
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
                errors.append(role_error(role, e))
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
    state.set_option("groups", [demo.GROUP])
    state.set_option("raters", list(demo.RATERS))


@st.cache_resource(show_spinner=False)
def _demo_bytes() -> tuple[bytes, bytes]:
    from dvtools.demo import demo_csv_bytes

    return demo_csv_bytes()


def compared_role() -> str:
    """The dataset compared with the reference: 'current' (serving), or 'evaluation' when chosen and loaded."""
    role = state.get_option("compare_role", "current")
    return role if role == "evaluation" and state.get_dataset("evaluation") is not None else "current"


def loaded() -> Loaded:
    """Statistics of the loaded datasets; load errors are reported per role, never raised.

    ``current`` is the serving dataset, or the evaluation dataset when the user compares that one
    with training instead (TFDV's train-vs-eval check); every page then follows.
    """
    errors: dict[str, str] = {}
    refs = {"reference": state.get_dataset("reference"), "current": state.get_dataset(compared_role())}
    stats: dict[str, DatasetStatistics | None] = {}
    for role, ref in refs.items():
        stats[role] = None
        if ref is None:
            continue
        try:
            stats[role] = cache.statistics_for(ref)
        except DvtoolsError as e:
            errors[role] = str(e)
    return Loaded(refs["reference"], refs["current"], stats["reference"], stats["current"], errors)


def schema_in_use(data: Loaded) -> Schema | None:
    """The edited/uploaded schema, else the one inferred from the reference."""
    schema = state.get_schema()
    if schema is None and data.reference is not None and data.reference_stats is not None:
        schema = cache.inferred_schema_for(data.reference, state.get_option("label"))
        state.set_schema(schema, "inferred")
    return schema


def comparator_role() -> str:
    """The schema comparator for the compared dataset: ``skew`` for serving data, ``drift`` for evaluation (TFDV)."""
    return "drift" if compared_role() == "evaluation" else "skew"


def comparison_options(data: Loaded) -> dict[str, Any]:
    """Everything the one comparison of the session depends on, so every page counts the same drifted features.

    ``schema`` (the one in use), ``environment``, ``comparator`` (:func:`comparator_role`),
    ``thresholds`` (the session's policy, global thresholds and per-feature overrides) and ``exclude``
    (the key columns: listed as "not compared: key column").
    """
    schema = schema_in_use(data) if data.reference_stats is not None else None
    keys = tuple(sorted(dict.fromkeys(str(k) for k in state.get_option("keys") or [])))
    return {"schema": schema, "environment": state.get_option("environment"), "comparator": comparator_role(),
            "thresholds": state.get_thresholds(), "exclude": keys, "schema_key": _schema_key(schema)}


_SCHEMA_KEYS: dict[int, tuple[Schema, int, str]] = {}  # id -> (the schema, its version, digest); a few entries


def _schema_key(schema: Schema | None) -> str:
    """The schema's content digest, computed once per schema object and version.

    Schemas change through ``state.set_schema``; the entry holds the object, so its id cannot be
    reused while remembered.
    """
    if schema is None:
        return ""
    version = state.schema_version()
    memo = _SCHEMA_KEYS.get(id(schema))
    if memo is not None and memo[0] is schema and memo[1] == version:
        return memo[2]
    key = cache.schema_digest(schema)
    if len(_SCHEMA_KEYS) >= 16:
        _SCHEMA_KEYS.clear()
    _SCHEMA_KEYS[id(schema)] = (schema, version, key)
    return key


def comparison(data: Loaded) -> Any:
    """THE comparison of the session (cached): Data, Statistics, Anomalies, Skew & drift and the badge read it."""
    assert data.reference is not None and data.current is not None
    return cache.comparison_for(data.reference, data.current, **comparison_options(data))


_ANOMALIES_MEMO = "_anomalies_memo"


def anomalies(data: Loaded) -> list[Anomaly]:
    """Anomalies of the current data against the schema and the reference (milliseconds).

    Built on :func:`comparison` (the distribution anomalies are its drift verdicts). Remembered in
    the session for the same datasets, schema (object and version), environment, thresholds and
    comparison: the navigation badge and the page ask for them on every rerun, and a rerun that
    changes none of these (an expander opened, a filter) validates nothing.
    """
    if not data.ready:
        return []
    schema = schema_in_use(data)
    if schema is None:
        return []
    from dvtools.validation import validate_statistics

    assert data.current_stats is not None and data.reference is not None and data.current is not None
    environment, thresholds = state.get_option("environment"), state.get_thresholds()
    found_comparison = comparison(data)
    key = (data.reference.digest, data.current.digest, id(data.reference_stats), id(data.current_stats),
           id(schema), state.schema_version(), environment, id(found_comparison))
    memo = st.session_state.get(_ANOMALIES_MEMO)
    if memo is not None and memo[0] == key and memo[1] is schema and memo[2] == thresholds:
        return list(memo[3])
    found = validate_statistics(data.current_stats, schema, reference=data.reference_stats,
                                environment=environment, thresholds=thresholds, comparator=comparator_role(),
                                comparison=found_comparison)
    # A snapshot of the thresholds (the dataclass is mutable) and the schema itself (its id alone may be reused).
    snapshot = dataclasses.replace(thresholds, per_feature=dict(thresholds.per_feature), methods=dict(thresholds.methods))
    st.session_state[_ANOMALIES_MEMO] = (key, schema, snapshot, tuple(found))
    return found
