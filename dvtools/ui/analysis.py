"""What every page needs from the loaded data: statistics, schema in use, anomalies.

Thin glue over the library and :mod:`dvtools.ui.cache`; the only maths happens in ``dvtools``.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from dvtools.artifacts import is_statistics_file, looks_like_statistics
from dvtools.errors import DvtoolsError
from dvtools.schema.model import Schema
from dvtools.statistics.model import DatasetStatistics
from dvtools.ui import cache, roles, state
from dvtools.ui.state import DatasetRef
from dvtools.validation.anomalies import Anomaly


@dataclass(frozen=True)
class Dataset:
    """One loaded dataset: its role, where its bytes are, its statistics (None on a load error) and the error."""

    role: str
    ref: DatasetRef
    stats: DatasetStatistics | None
    error: str | None = None

    @property
    def name(self) -> str:
        """``Training`` / ``Evaluation`` / ``Serving``."""
        return roles.name(self.role)

    @property
    def label(self) -> str:
        """``Serving (runs_serving.csv)``: how every page names the dataset."""
        return roles.label(self.role, self.ref.name)


@dataclass(frozen=True)
class Pair:
    """A dataset compared with the training data: evaluation (drift comparators) or serving (skew comparators)."""

    reference: Dataset
    current: Dataset

    @property
    def role(self) -> str:
        """The compared dataset's role (``evaluation`` or ``current``): keys widgets and memos."""
        return self.current.role

    @property
    def comparator(self) -> str:
        """``drift`` for evaluation data, ``skew`` for serving data (the schema's comparators that apply)."""
        return roles.COMPARATORS[self.current.role]

    @property
    def names(self) -> tuple[str, str]:
        """``("training", "serving")``: what the library's anomaly descriptions call the two datasets."""
        return roles.name(self.reference.role).lower(), roles.name(self.current.role).lower()

    @property
    def title(self) -> str:
        """``Serving vs Training``."""
        return roles.pair_title(self.current.role)

    @property
    def label(self) -> str:
        """``Serving (serve.csv) vs Training (train.csv)``."""
        return f"{self.current.label} vs {self.reference.label}"


@dataclass(frozen=True)
class Loaded:
    """The loaded datasets by role (training, evaluation, serving) with their statistics, where computed."""

    datasets: dict[str, Dataset] = field(default_factory=dict)

    def get(self, role: str) -> Dataset | None:
        """The dataset loaded for ``role`` (``reference``, ``evaluation``, ``current``)."""
        return self.datasets.get(role)

    def _ref(self, role: str) -> DatasetRef | None:
        d = self.datasets.get(role)
        return d.ref if d is not None else None

    def _stats(self, role: str) -> DatasetStatistics | None:
        d = self.datasets.get(role)
        return d.stats if d is not None else None

    @property
    def reference(self) -> DatasetRef | None:
        """The training dataset."""
        return self._ref("reference")

    @property
    def current(self) -> DatasetRef | None:
        """The serving dataset (never the evaluation data: that one is :attr:`evaluation`)."""
        return self._ref("current")

    @property
    def evaluation(self) -> DatasetRef | None:
        """The evaluation dataset."""
        return self._ref("evaluation")

    @property
    def reference_stats(self) -> DatasetStatistics | None:
        """Statistics of the training data."""
        return self._stats("reference")

    @property
    def current_stats(self) -> DatasetStatistics | None:
        """Statistics of the serving data."""
        return self._stats("current")

    @property
    def evaluation_stats(self) -> DatasetStatistics | None:
        """Statistics of the evaluation data."""
        return self._stats("evaluation")

    @property
    def errors(self) -> dict[str, str]:
        """Load errors by role."""
        return {role: d.error for role, d in self.datasets.items() if d.error is not None}

    def error_messages(self) -> list[str]:
        """Load errors as ``Serving (serve.csv): the problem``, for the pages."""
        return [f"{d.label}: {d.error}" for d in self.with_stats_or_errors() if d.error is not None]

    def with_stats_or_errors(self) -> list[Dataset]:
        """Every loaded dataset, in :data:`roles.ORDER`."""
        return [self.datasets[r] for r in roles.ORDER if r in self.datasets]

    def with_stats(self) -> list[Dataset]:
        """The loaded datasets that have statistics, in :data:`roles.ORDER` (training, evaluation, serving)."""
        return [d for d in self.with_stats_or_errors() if d.stats is not None]

    @property
    def pairs(self) -> list[Pair]:
        """The pairs that can be compared: evaluation vs training, serving vs training (both sides with statistics)."""
        train = self.datasets.get("reference")
        if train is None or train.stats is None:
            return []
        return [Pair(train, self.datasets[r]) for r in roles.COMPARED
                if r in self.datasets and self.datasets[r].stats is not None]

    def pair(self, role: str | None = None) -> Pair | None:
        """The pair of ``role`` with training; None for :func:`default_pair` (serving, else evaluation)."""
        pairs = {p.role: p for p in self.pairs}
        if role is None:
            return pairs.get("current") or pairs.get("evaluation")
        return pairs.get(role)

    @property
    def ready(self) -> bool:
        """Training and at least one other dataset loaded with statistics (something to compare)."""
        return bool(self.pairs)

    def replace_stats(self, stats: dict[str, DatasetStatistics | None]) -> Loaded:
        """The same datasets with other statistics for some roles (a slice of each, on the Statistics page)."""
        return Loaded({r: dataclasses.replace(d, stats=stats[r]) if r in stats else d for r, d in self.datasets.items()})


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
                errors.append(f"{roles.name(role)}: {e}")  # the role users know, not "reference"
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
    """Load the bundled runners-app demo: training, evaluation and serving (generated offline, deterministic)."""
    from dvtools import demo

    for role, (name, data) in _demo_bytes().items():
        state.set_dataset(role, DatasetRef(name, state.digest_bytes(data), "data", data))
    state.set_option("label", demo.LABEL)
    state.set_option("keys", [demo.KEY])
    state.set_option("environment", "SERVING")
    state.set_option("groups", [demo.GROUP])
    state.set_option("raters", list(demo.RATERS))


@st.cache_resource(show_spinner=False)
def _demo_bytes() -> dict[str, tuple[str, bytes]]:
    """The demo's files by role: (file name, CSV bytes), built once per server."""
    from dvtools.demo import demo_csv_bytes, evaluation_csv_bytes

    train, serve = demo_csv_bytes()
    return {"reference": ("runs_training.csv", train), "evaluation": ("runs_evaluation.csv", evaluation_csv_bytes()),
            "current": ("runs_serving.csv", serve)}


def loaded() -> Loaded:
    """The loaded datasets (training, evaluation, serving) and their statistics; load errors per role, never raised."""
    datasets: dict[str, Dataset] = {}
    for role in roles.ORDER:
        ref = state.get_dataset(role)
        if ref is None:
            continue
        try:
            datasets[role] = Dataset(role, ref, cache.statistics_for(ref))
        except DvtoolsError as e:
            datasets[role] = Dataset(role, ref, None, str(e))
    return Loaded(datasets)


def schema_in_use(data: Loaded) -> Schema | None:
    """The edited/uploaded schema, else the one inferred from the reference."""
    schema = state.get_schema()
    if schema is None and data.reference is not None and data.reference_stats is not None:
        schema = cache.inferred_schema_for(data.reference, state.get_option("label"))
        from dvtools.schema.inference import mark_raters

        mark_raters(schema, [str(r) for r in state.get_option("raters") or []])  # training-only label columns
        state.set_schema(schema, "inferred")
    return schema


def environment_for(pair: Pair | None) -> str | None:
    """The validation environment of a pair: the session's for serving data.

    Evaluation data carries the label like training, so it is validated in the schema's default
    environments when the session's environment is ``SERVING`` (which leaves the label out).
    """
    env = state.get_option("environment")
    if pair is not None and pair.role == "evaluation" and env == "SERVING":
        return None
    return env


def comparison_options(data: Loaded, pair: Pair | None = None) -> dict[str, Any]:
    """Everything the one comparison of a pair depends on, so every page counts the same drifted features.

    ``schema`` (the one in use), ``environment`` (:func:`environment_for`), ``comparator`` (the
    pair's: ``drift`` for evaluation, ``skew`` for serving), ``thresholds`` (the session's policy,
    global thresholds and per-feature overrides) and ``exclude`` (the key columns: listed as "not
    compared: key column"). ``pair``: None for :meth:`Loaded.pair` (serving, else evaluation).
    """
    pair = pair if pair is not None else data.pair()
    schema = schema_in_use(data) if data.reference_stats is not None else None
    keys = tuple(sorted(dict.fromkeys(str(k) for k in state.get_option("keys") or [])))
    return {"schema": schema, "environment": environment_for(pair),
            "comparator": pair.comparator if pair is not None else "skew",
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


def comparison(data: Loaded, pair: Pair | None = None) -> Any:
    """THE comparison of a pair (cached, one per pair): every page and the navigation badge read it.

    ``pair``: None for :meth:`Loaded.pair` (serving, else evaluation).
    """
    pair = pair if pair is not None else data.pair()
    assert pair is not None, "nothing to compare: load training and evaluation or serving data"
    return cache.comparison_for(pair.reference.ref, pair.current.ref, **comparison_options(data, pair))


_ANOMALIES_MEMO = "_anomalies_memo"


def anomalies(data: Loaded, pair: Pair | None = None) -> list[Anomaly]:
    """Anomalies of a pair's compared dataset against the schema and the training data (milliseconds).

    Built on :func:`comparison` (the distribution anomalies are its drift verdicts). Remembered in
    the session per pair for the same datasets, schema (object and version), environment,
    thresholds and comparison: the navigation badge and the page ask for them on every rerun, and
    a rerun that changes none of these (an expander opened, a filter) validates nothing.
    ``pair``: None for :meth:`Loaded.pair` (serving, else evaluation).
    """
    pair = pair if pair is not None else data.pair()
    if pair is None:
        return []
    schema = schema_in_use(data)
    if schema is None:
        return []
    from dvtools.validation import validate_statistics

    assert pair.current.stats is not None and pair.reference.stats is not None
    environment, thresholds = environment_for(pair), state.get_thresholds()
    found_comparison = comparison(data, pair)
    key = (pair.reference.ref.digest, pair.current.ref.digest, id(pair.reference.stats), id(pair.current.stats),
           id(schema), state.schema_version(), environment, id(found_comparison))
    memos = st.session_state.setdefault(_ANOMALIES_MEMO, {})
    memo = memos.get(pair.role)
    if memo is not None and memo[0] == key and memo[1] is schema and memo[2] == thresholds:
        return list(memo[3])
    found = validate_statistics(pair.current.stats, schema, reference=pair.reference.stats,
                                environment=environment, thresholds=thresholds, comparator=pair.comparator,
                                comparison=found_comparison, names=pair.names)
    # A snapshot of the thresholds (the dataclass is mutable) and the schema itself (its id alone may be reused).
    snapshot = dataclasses.replace(thresholds, per_feature=dict(thresholds.per_feature), methods=dict(thresholds.methods))
    memos[pair.role] = (key, schema, snapshot, tuple(found))
    return found


def anomalies_by_pair(data: Loaded) -> list[tuple[Pair, list[Anomaly]]]:
    """:func:`anomalies` of every pair (evaluation vs training, serving vs training), in that order."""
    return [(p, anomalies(data, p)) for p in data.pairs]
