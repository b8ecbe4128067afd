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
def _measured(ref_digest: str, cur_digest: str, measure_key: str, _ref: DatasetStatistics, _cur: DatasetStatistics,
              _options: dict[str, Any]) -> Any:
    from dvtools.validation.validate import drift_measurement

    return drift_measurement(_ref, _cur, _options["schema"], environment=_options["environment"],
                             thresholds=_options["thresholds"], exclude=_options["exclude"])


def schema_digest(schema: Schema | None) -> str:
    """A digest of what a measurement reads from a schema.

    Per feature its type, categorical flag, role, deprecation and environments, and the default
    environments; comparator thresholds are judged later and domains and presence are validation's,
    so editing a domain or a threshold measures nothing again.
    """
    import hashlib

    if schema is None:
        return ""
    parts = [repr(schema.default_environments)]
    parts += [repr((f.name, str(f.type), f.is_categorical, str(f.role), f.deprecated, f.in_environment,
                    f.not_in_environment)) for f in schema.features]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def measure_key(schema: Schema | None = None, environment: str | None = None, comparator: str = "drift",
                thresholds: Any = None, exclude: tuple[str, ...] = (), schema_key: str | None = None) -> str:
    """A digest of what the measurement depends on (thresholds and the comparator are judged later).

    The schema's :func:`schema_digest` (its categorical flags, roles and environments pick what is
    compared how), the environment, the key columns, the policy's binning and the "compare anyway"
    settings.
    """
    import hashlib

    from dvtools.comparison.comparators import POLICIES

    compare = sorted((n, ft.compare) for n, ft in thresholds.per_feature.items()
                     if ft.compare is not None) if thresholds is not None else []
    binning = POLICIES[thresholds.policy].binning if thresholds is not None else ""
    parts = [schema_key if schema_key is not None else schema_digest(schema), str(environment), binning, repr(compare),
             repr(tuple(sorted(set(exclude))))]
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=16).hexdigest()


def options_key(schema: Schema | None = None, environment: str | None = None, comparator: str = "drift",
                thresholds: Any = None, exclude: tuple[str, ...] = (), schema_key: str | None = None) -> str:
    """A digest of everything that changes a comparison's verdicts: :func:`measure_key` plus the judging layers."""
    import hashlib

    judged = repr(sorted(thresholds.comparison_options().items())) if thresholds is not None else ""
    parts = [measure_key(schema, environment, comparator, thresholds, exclude, schema_key), comparator, judged,
             repr(sorted((f.name, repr(f.drift_comparator), repr(f.skew_comparator)) for f in schema.features))
             if schema is not None else ""]
    return hashlib.blake2b("\x00".join(parts).encode(), digest_size=16).hexdigest()


def _judged(ref_digest: str, cur_digest: str, ref_stats: DatasetStatistics, cur_stats: DatasetStatistics,
            options: dict[str, Any]) -> Any:
    from dvtools.validation.validate import drift_comparison

    mkey = measure_key(**options)
    measured = _measured(ref_digest, cur_digest, mkey, ref_stats, cur_stats, options)
    th = options["thresholds"]
    # The same judgement is asked for several times per rerun (badge, page, validation): once per session.
    schema = options["schema"]
    comparators = [] if schema is None else [(f.name, f.skew_comparator, f.drift_comparator) for f in schema.features]
    key = (ref_digest, cur_digest, mkey, id(measured), options["comparator"], repr(comparators),
           repr(sorted(th.comparison_options().items())) if th is not None else "")
    # One entry per pair of datasets (evaluation vs training and serving vs training stay side by side).
    memos = st.session_state.setdefault(_JUDGED_MEMO, {})
    memo = memos.get((ref_digest, cur_digest))
    if memo is not None and memo[0] == key:
        return memo[1]
    judged = drift_comparison(ref_stats, cur_stats, options["schema"], environment=options["environment"],
                            thresholds=options["thresholds"], comparator=options["comparator"],
                            exclude=options["exclude"], measured=measured)
    if len(memos) >= _JUDGED_PAIRS:
        memos.pop(next(iter(memos)))
    memos[(ref_digest, cur_digest)] = (key, judged)
    return judged


_JUDGED_MEMO = "_judged_comparison_memo"
_JUDGED_PAIRS = 8  # the two pairs, and a few slices of them


def comparison_for(reference: DatasetRef, current: DatasetRef, *, schema: Schema | None = None,
                   environment: str | None = None, comparator: str = "drift", thresholds: Any = None,
                   exclude: tuple[str, ...] = (), schema_key: str | None = None) -> Any:
    """THE comparison of the two datasets for the dashboard (one engine: what ``dvtools validate`` computes).

    ``schema`` (comparators, roles, categorical features, environments), ``environment``,
    ``comparator`` (``skew`` for serving, ``drift`` for evaluation), ``thresholds`` (the session's
    :class:`~dvtools.validation.thresholds.Thresholds`: policy, global thresholds, per-feature
    overrides) and ``exclude`` (key columns) go to
    :func:`~dvtools.validation.validate.drift_comparison`. The distances are measured once per
    content digest and options (cached); a threshold change re-judges them (milliseconds).
    ``schema_key``: the schema's :func:`schema_digest` when the caller has it (else computed).
    """
    options = {"schema": schema, "environment": environment, "comparator": comparator, "thresholds": thresholds,
               "exclude": tuple(sorted(set(exclude))), "schema_key": schema_key}
    return _judged(reference.digest, current.digest, statistics_for(reference), statistics_for(current), options)


def slice_comparison_for(reference: DatasetRef, current: DatasetRef, slice_by: str, label: str,
                         reference_stats: DatasetStatistics, current_stats: DatasetStatistics, **options: Any) -> Any:
    """:func:`comparison_for` of one slice of both datasets (``*_stats``: that slice's statistics)."""
    tag = f"|slice|{slice_by}|{label}"
    opts = {"schema": None, "environment": None, "comparator": "drift", "thresholds": None, "exclude": (),
            "schema_key": None} | options
    opts["exclude"] = tuple(sorted(set(opts["exclude"])))
    return _judged(reference.digest + tag, current.digest + tag, reference_stats, current_stats, opts)


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


@st.cache_resource(max_entries=4, show_spinner=False)
def _split(digest: str, timestamp: str, freq: str, epoch_unit: str | None, _ref: DatasetRef) -> Any:
    from dvtools.comparison import split_spans

    return split_spans(_rows_source(_ref), timestamp=timestamp, freq=freq, epoch_unit=epoch_unit)


@st.cache_resource(max_entries=8, show_spinner=False)
def _timeline(digest: str, ref_digest: str, timestamp: str, freq: str, epoch_unit: str | None, policy: str,
              thresholds_key: str, _cur: DatasetRef, _ref_stats: DatasetStatistics, _thresholds: Any) -> Any:
    from dvtools.comparison import compare_spans

    spans = _split(digest, timestamp, freq, epoch_unit, _cur)
    # The time column itself is not a feature of the spans (an epoch number would "drift" every span).
    return compare_spans(spans, reference=_ref_stats, policy=policy, thresholds=_thresholds or None,
                         exclude=[timestamp])


def timeline_for(current: DatasetRef, reference: DatasetRef, timestamp: str, freq: str, epoch_unit: str | None,
                 thresholds: Any) -> Any:
    """``current`` split into spans by ``timestamp`` (``freq`` D/W/M), each span compared with ``reference``.

    The split (one pass over the rows) is cached per dataset, column, span and epoch unit; the
    comparison per policy and global thresholds (the session's, as on every page), so a threshold
    change compares the cached spans again without reading a row.
    """
    options = thresholds.comparison_options()["thresholds"]
    return _timeline(current.digest, reference.digest, timestamp, freq, epoch_unit, thresholds.policy,
                     repr(sorted(options.items())), current, statistics_for(reference), options)
