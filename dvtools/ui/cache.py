"""Heavy results for the dashboard, computed once per content digest.

``st.cache_resource`` (not ``cache_data``) on purpose: statistics are immutable once finalized,
so every rerun gets the same object back without a pickle round trip, which keeps a threshold
change at the cost of validation alone. Arguments starting with ``_`` are not hashed: the digest
stands for the content.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import streamlit as st

from dvtools.artifacts import statistics_from_bytes
from dvtools.schema.model import Schema
from dvtools.statistics.engine import compute_statistics
from dvtools.statistics.model import DatasetStatistics
from dvtools.ui.state import DatasetRef

MAX_DRILLDOWN_ROWS = 2_000_000


@st.cache_resource(max_entries=12, show_spinner=False)
def _statistics(digest: str, kind: str, slice_by: str | None, _ref: DatasetRef) -> DatasetStatistics:
    if kind == "stats":
        if _ref.path is not None:
            from dvtools.artifacts import load_statistics

            return load_statistics(_ref.path)
        assert _ref.data is not None
        return statistics_from_bytes(_ref.data, _ref.name)
    return compute_statistics(_ref.source, name=_ref.name, slice_by=slice_by)


def statistics_for(ref: DatasetRef, slice_by: str | None = None) -> DatasetStatistics:
    """Statistics of a loaded dataset (computed on first use; raises DataLoadError on bad input)."""
    return _statistics(ref.digest, ref.kind, slice_by, ref)


@st.cache_resource(max_entries=6, show_spinner=False)
def _table(digest: str, _ref: DatasetRef) -> pa.Table:
    from dvtools.io import read_table

    return read_table(_ref.source, name=_ref.name)


def table_for(ref: DatasetRef) -> pa.Table | None:
    """Raw rows of a dataset for drill-down (None for statistics files)."""
    if not ref.has_rows:
        return None
    return _table(ref.digest, ref)


@st.cache_resource(max_entries=12, show_spinner=False)
def _inferred(digest: str, label: str | None, _stats: DatasetStatistics) -> Schema:
    from dvtools.schema.inference import infer_schema

    return infer_schema(_stats, label=label)


def inferred_schema_for(ref: DatasetRef, label: str | None) -> Schema:
    """The schema inferred from a dataset's statistics (a fresh copy: callers may edit it)."""
    return _inferred(ref.digest, label, statistics_for(ref)).copy()


@st.cache_resource(max_entries=12, show_spinner=False)
def _comparison(ref_digest: str, cur_digest: str, options_key: str, _ref: DatasetStatistics, _cur: DatasetStatistics,
                _options: dict[str, Any]) -> Any:
    from dvtools.validation.validate import drift_comparison

    return drift_comparison(_ref, _cur, **_options)


def options_key(schema: Schema | None = None, environment: str | None = None, comparator: str = "drift",
                thresholds: Any = None, exclude: tuple[str, ...] = ()) -> str:
    """A digest of everything that changes a comparison (the schema by content: it is edited in place)."""
    import hashlib

    from dvtools.schema.serialization import schema_to_json

    parts = [schema_to_json(schema) if schema is not None else "", str(environment), comparator,
             repr(sorted(thresholds.comparison_options().items())) if thresholds is not None else "",
             repr(tuple(sorted(set(exclude))))]
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=16).hexdigest()


def comparison_for(reference: DatasetRef, current: DatasetRef, *, schema: Schema | None = None,
                   environment: str | None = None, comparator: str = "drift", thresholds: Any = None,
                   exclude: tuple[str, ...] = ()) -> Any:
    """THE comparison of the two datasets for the dashboard (one engine: what ``dvtools validate`` computes).

    ``schema`` (comparators, roles, categorical features, environments), ``environment``,
    ``comparator`` (``skew`` for serving, ``drift`` for evaluation), ``thresholds`` (the session's
    :class:`~dvtools.validation.thresholds.Thresholds`: policy, global thresholds, per-feature
    overrides) and ``exclude`` (key columns) go to
    :func:`~dvtools.validation.validate.drift_comparison`; the result is cached per content digest
    and options.
    """
    options = {"schema": schema, "environment": environment, "comparator": comparator, "thresholds": thresholds,
               "exclude": tuple(sorted(set(exclude)))}
    return _comparison(reference.digest, current.digest, options_key(**options), statistics_for(reference),
                       statistics_for(current), options)


def slice_comparison_for(reference: DatasetRef, current: DatasetRef, slice_by: str, label: str,
                         reference_stats: DatasetStatistics, current_stats: DatasetStatistics, **options: Any) -> Any:
    """:func:`comparison_for` of one slice of both datasets (``*_stats``: that slice's statistics)."""
    tag = f"|slice|{slice_by}|{label}"
    opts = {"schema": None, "environment": None, "comparator": "drift", "thresholds": None, "exclude": ()} | options
    opts["exclude"] = tuple(sorted(set(opts["exclude"])))
    return _comparison(reference.digest + tag, current.digest + tag, options_key(**opts), reference_stats,
                       current_stats, opts)


def _rows_source(ref: DatasetRef) -> Any:
    """What row-level analyses stream: the file on the server, else the parsed upload (bytes have no name)."""
    return ref.path if ref.path is not None else _table(ref.digest, ref)


@st.cache_resource(max_entries=6, show_spinner=False)
def _skew(ref_digest: str, cur_digest: str, key: tuple[str, ...], _ref: DatasetRef, _cur: DatasetRef) -> Any:
    from dvtools.comparison import feature_skew

    return feature_skew(_rows_source(_ref), _rows_source(_cur), key=list(key))


def feature_skew_for(reference: DatasetRef, current: DatasetRef, key: tuple[str, ...]) -> Any:
    """Example-level skew joined on ``key`` (needs raw rows on both sides)."""
    return _skew(reference.digest, current.digest, key, reference, current)


@st.cache_resource(max_entries=6, show_spinner=False)
def _concept(ref_digest: str, cur_digest: str, label: str, _ref: DatasetRef, _cur: DatasetRef) -> Any:
    from dvtools.comparison import concept_shift

    return concept_shift(_rows_source(_ref), _rows_source(_cur), label=label)


def concept_shift_for(reference: DatasetRef, current: DatasetRef, label: str) -> Any:
    """P(label | feature bucket) in both datasets (needs raw rows and the label on both sides)."""
    return _concept(reference.digest, current.digest, label, reference, current)


@st.cache_resource(max_entries=12, show_spinner=False)
def _alerted(digest: str, _stats: DatasetStatistics) -> int:
    from dvtools.statistics.quality import feature_alerts

    return sum(1 for f in _stats if feature_alerts(f))


def alerted_features_for(ref: DatasetRef) -> int:
    """How many features of a dataset have a data-quality alert (the Statistics page's badge)."""
    return _alerted(ref.digest, statistics_for(ref))
