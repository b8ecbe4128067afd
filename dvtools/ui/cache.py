"""Heavy results for the dashboard, computed once per content digest.

``st.cache_resource`` (not ``cache_data``) on purpose: statistics are immutable once finalized,
so every rerun gets the same object back without a pickle round trip, which keeps a threshold
change at the cost of validation alone. Arguments starting with ``_`` are not hashed: the digest
stands for the content. Statistics, rows and row-level analyses live in :class:`ResultStore` objects (see there why:
progress on the first computation, "computing" shown by the pages).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import pyarrow as pa
import streamlit as st

from dvtools.artifacts import statistics_from_bytes
from dvtools.errors import DvtoolsError
from dvtools.schema.model import Schema
from dvtools.statistics.engine import compute_statistics
from dvtools.statistics.model import DatasetStatistics
from dvtools.ui.state import DatasetRef

MAX_DRILLDOWN_ROWS = 2_000_000


class ResultStore:
    """Results (or the load error) per key, computed once per key, the last few kept: statistics, rows, analyses.

    Why not ``st.cache_data``/``st.cache_resource`` around the computation: a page must know whether
    statistics exist *before* asking for them (the Data page shows a dataset as "computing" with a
    progress bar in its own slot, rather than leaving the previous run's "Nothing loaded yet." on
    screen while a hidden cache computes), and the first computation must report progress while
    later calls return the stored object at once. Streamlit's caches offer neither a membership test
    nor a side channel out of the first call, so the store is ours; it is one per server (held by
    ``st.cache_resource``, so ``st.cache_resource.clear()`` empties it too), shared by sessions, and a
    key computed by one session is waited for, not computed again, by another. Errors
    (:class:`~dvtools.errors.DvtoolsError`: bad input) are stored too, so a broken 300 MB upload is
    not parsed again on every rerun. Immutable results, returned without copies (as ``cache_resource``).
    Statistics have one store, raw rows and each row-level analysis (feature skew, concept shift,
    timeline) theirs, with as many entries as the ``cache_resource`` functions they replace kept.
    """

    def __init__(self, max_entries: int = 12) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[tuple[Any, ...], threading.Lock] = {}

    def __contains__(self, key: tuple[Any, ...]) -> bool:
        """True when the result (or the load error) of ``key`` is stored."""
        with self._lock:
            return key in self._entries

    def get(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """The stored result of ``key``, else ``compute()``'s (stored); raises the stored or new load error."""
        with self._lock:
            if key not in self._entries:
                gate = self._computing.setdefault(key, threading.Lock())
            else:
                self._entries.move_to_end(key)
                gate = None
        if gate is not None:
            with gate:  # one computation per key; a second session waits for it
                with self._lock:
                    done = key in self._entries
                try:
                    if not done:
                        try:
                            value = compute()
                        except DvtoolsError as e:
                            value = e
                        with self._lock:
                            self._entries[key] = value
                            while len(self._entries) > self.max_entries:
                                self._entries.popitem(last=False)
                finally:  # also when interrupted (a rerun raised in a progress update): nothing stored
                    with self._lock:
                        self._computing.pop(key, None)
        with self._lock:
            found = self._entries.get(key)
        if found is None:  # evicted between the computation and this read: compute again
            return self.get(key, compute)
        if isinstance(found, DvtoolsError):
            raise found
        return found


@st.cache_resource(show_spinner=False)
def _store() -> ResultStore:
    return ResultStore()


@st.cache_resource(show_spinner=False)
def _rows_store() -> ResultStore:
    """Parsed uploads (drill-down rows, the source of row-level analyses): big, so few."""
    return ResultStore(max_entries=6)


@st.cache_resource(show_spinner=False)
def _analysis_store() -> ResultStore:
    """Feature skew, concept shift and timeline results."""
    return ResultStore(max_entries=12)


def _statistics_key(ref: DatasetRef, slice_by: str | None) -> tuple[str, str, str | None, str]:
    # The name too: statistics and load errors name their file ("x.csv: line 3: ..."), and the same bytes
    # uploaded under another name must not show the first name.
    return (ref.digest, ref.kind, None if ref.kind == "stats" else slice_by, ref.name)


def has_statistics(ref: DatasetRef, slice_by: str | None = None) -> bool:
    """True when the statistics of ``ref`` (or its load error) are computed: asking for them costs nothing."""
    return _statistics_key(ref, slice_by) in _store()


def _compute(ref: DatasetRef, slice_by: str | None, progress: Any) -> DatasetStatistics:
    if ref.kind == "stats":
        if ref.path is not None:
            from dvtools.artifacts import load_statistics

            return load_statistics(ref.path)
        assert ref.data is not None
        return statistics_from_bytes(ref.data, ref.name)
    return compute_statistics(ref.source, name=ref.name, slice_by=slice_by, progress=progress)


def raw_statistics_for(ref: DatasetRef, slice_by: str | None = None, *, container: Any = None,
                       label: str | None = None) -> DatasetStatistics:
    """Statistics as computed, before privacy mode (raises DataLoadError on bad input; never shown as such).

    Computed on first use with a progress bar where the call is (or in ``container``), saying
    ``label`` (default "Computing statistics of NAME"); later calls return the stored result.
    """
    def compute() -> DatasetStatistics:
        from dvtools.ui.progress import ProgressBar

        what = label or f"Computing statistics of {ref.name}" + (f" by {slice_by}" if slice_by else "")
        with ProgressBar(what, container) as bar:
            return _compute(ref, slice_by, bar)

    return _store().get(_statistics_key(ref, slice_by), compute)


# ---- privacy mode: every statistic the dashboard shows is redacted here ----------------------------
def _sensitive_now() -> tuple[Any, dict[str, Any]]:
    """(the session's privacy policy, the sensitive features of every loaded dataset and the schema in use)."""
    from dvtools.errors import DvtoolsError
    from dvtools.privacy.redact import sensitive_features
    from dvtools.ui import state

    policy = state.get_privacy()
    union: dict[str, Any] = {}
    if not policy.active:
        return policy, union
    schema = state.get_schema()
    refs = tuple((role, state.get_dataset(role)) for role in state.ROLES)
    memo_key = (policy, tuple((r, x.digest if x else None) for r, x in refs), id(schema), state.schema_version())
    memo = st.session_state.get(_PRIVACY_MEMO)
    if memo is not None and memo[0] == memo_key:  # asked many times per rerun: computed once
        return policy, memo[1]
    for _, ref in refs:
        if ref is None:
            continue
        try:
            raw = raw_statistics_for(ref)
        except DvtoolsError:
            continue  # the page that loads it shows the error
        for name, kind in sensitive_features(raw, policy, schema).items():
            union[name] = union.get(name) or kind
    if schema is not None:
        union.update({f.name: union.get(f.name) for f in schema.features if f.sensitive})
    st.session_state[_PRIVACY_MEMO] = (memo_key, union)
    return policy, union


_PRIVACY_MEMO = "_privacy_sensitive_memo"


def privacy_tag() -> str:
    """What privacy mode adds to a cache key: the policy and the sensitive features ('' when off)."""
    import hashlib

    policy, union = _sensitive_now()
    if not policy.active:
        return ""
    text = repr((policy.mode, policy.k, policy.granularity, sorted((n, str(k)) for n, k in union.items())))
    return "|privacy:" + hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


@st.cache_resource(max_entries=12, show_spinner=False)
def _redacted(digest: str, slice_by: str | None, tag: str, _raw: DatasetStatistics, _policy: Any,
              _also: dict[str, Any]) -> DatasetStatistics:
    from dvtools.privacy.redact import redact_statistics

    return redact_statistics(_raw, _policy, also=_also)


def statistics_for(ref: DatasetRef, slice_by: str | None = None, *, container: Any = None,
                   label: str | None = None) -> DatasetStatistics:
    """Statistics of a loaded dataset as the dashboard shows them: redacted in privacy mode.

    :func:`raw_statistics_for` (computed on first use with a progress bar; DataLoadError on bad
    input), then privacy mode (the session's :func:`~dvtools.ui.state.get_privacy`) redacts every
    feature sensitive in any loaded dataset or in the schema in use, alike in all datasets.
    """
    raw = raw_statistics_for(ref, slice_by, container=container, label=label)
    policy, union = _sensitive_now()
    if not policy.active:
        return raw
    # Asked ~25 times per run (every page, badge and comparison): remembered per session for the same
    # statistics object and privacy tag, so only the first call pays the resource cache's key hashing.
    tag = privacy_tag()
    memo = st.session_state.setdefault(_REDACTED_MEMO, {})
    hit = memo.get((ref.digest, slice_by, tag))
    if hit is not None and hit[0] is raw:
        return hit[1]
    out = _redacted(ref.digest, slice_by, tag, raw, policy, union)
    if len(memo) >= 16:
        memo.clear()
    memo[(ref.digest, slice_by, tag)] = (raw, out)
    return out


_REDACTED_MEMO = "_redacted_statistics_memo"


def display_rows(rows: Any) -> Any:
    """Rows (an Arrow table or a DataFrame) about to be shown: sensitive columns masked in privacy mode."""
    from dvtools.privacy.redact import mask_rows

    policy, union = _sensitive_now()
    return mask_rows(rows, union, policy) if policy.active else rows


def _table(ref: DatasetRef) -> pa.Table:
    def compute() -> pa.Table:
        from dvtools.io import read_table
        from dvtools.ui.progress import ProgressBar

        with ProgressBar(f"Reading the rows of {ref.name}") as bar:
            return read_table(bar.watch(ref.source, "rows", name=ref.name))

    return _rows_store().get(("table", ref.digest), compute)


def table_for(ref: DatasetRef) -> pa.Table | None:
    """Raw rows of a dataset for drill-down (None for statistics files)."""
    if not ref.has_rows:
        return None
    return _table(ref)


@st.cache_resource(max_entries=12, show_spinner=False)
def _inferred(digest: str, label: str | None, _stats: DatasetStatistics) -> Schema:
    from dvtools.schema.inference import infer_schema

    return infer_schema(_stats, label=label)


def inferred_schema_for(ref: DatasetRef, label: str | None) -> Schema:
    """The schema inferred from a dataset's statistics (a fresh copy: callers may edit it)."""
    return _inferred(ref.digest + privacy_tag(), label, statistics_for(ref)).copy()


@st.cache_resource(max_entries=12, show_spinner=False)
def _measured(ref_digest: str, cur_digest: str, measure_key: str, _ref: DatasetStatistics, _cur: DatasetStatistics,
              _options: dict[str, Any]) -> Any:
    from dvtools.validation.validate import drift_measurement

    return drift_measurement(_ref, _cur, _options["schema"], environment=_options["environment"],
                             thresholds=_options["thresholds"], exclude=_options["exclude"],
                             comparator=_options["comparator"])  # the comparator names the datasets in notes


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
    compared how), the environment, the key columns, the policy's binning, the "compare anyway"
    settings and the datasets' names in the notes (the comparator's roles: one file loaded as
    evaluation and as serving data is measured once per role).
    """
    import hashlib

    from dvtools.comparison._common import dataset_names
    from dvtools.comparison.comparators import POLICIES

    compare = sorted((n, ft.compare) for n, ft in thresholds.per_feature.items()
                     if ft.compare is not None) if thresholds is not None else []
    binning = POLICIES[thresholds.policy].binning if thresholds is not None else ""
    parts = [schema_key if schema_key is not None else schema_digest(schema), str(environment), binning, repr(compare),
             repr(tuple(sorted(set(exclude)))), repr(dataset_names(comparator))]
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
    tag = privacy_tag()
    return _judged(reference.digest + tag, current.digest + tag, statistics_for(reference), statistics_for(current),
                   options)


def slice_comparison_for(reference: DatasetRef, current: DatasetRef, slice_by: str, label: str,
                         reference_stats: DatasetStatistics, current_stats: DatasetStatistics, **options: Any) -> Any:
    """:func:`comparison_for` of one slice of both datasets (``*_stats``: that slice's statistics)."""
    tag = f"|slice|{slice_by}|{label}"
    opts = {"schema": None, "environment": None, "comparator": "drift", "thresholds": None, "exclude": (),
            "schema_key": None} | options
    opts["exclude"] = tuple(sorted(set(opts["exclude"])))
    tag += privacy_tag()
    return _judged(reference.digest + tag, current.digest + tag, reference_stats, current_stats, opts)


def _rows_source(ref: DatasetRef) -> Any:
    """What row-level analyses stream: the file on the server, else the parsed upload (bytes have no name)."""
    return ref.path if ref.path is not None else _table(ref)


def _name(ref: DatasetRef) -> str:
    """What a progress bar calls a dataset's rows: ``serving rows`` (by its role), else ``rows of NAME``."""
    from dvtools.ui import roles
    from dvtools.ui.state import get_dataset

    role = next((r for r in roles.ORDER if (d := get_dataset(r)) is not None and d.digest == ref.digest), None)
    return f"{roles.name(role).lower()} rows" if role is not None else f"rows of {ref.name}"


def feature_skew_for(reference: DatasetRef, current: DatasetRef, key: tuple[str, ...],
                     names: tuple[str, str] = ("training", "serving")) -> Any:
    """Example-level skew joined on ``key`` (needs raw rows on both sides); a progress bar while computed.

    ``names``: the pair's roles, what the result's warnings call the datasets (``Pair.names``).
    """
    def compute() -> Any:
        from dvtools.comparison.keyed_skew import feature_skew
        from dvtools.ui.progress import ProgressBar

        with ProgressBar(f"Feature skew joined on {', '.join(key)}") as bar:
            return feature_skew(bar.watch(_rows_source(reference), _name(reference)),
                                bar.watch(_rows_source(current), _name(current)), key=list(key), names=names)

    from dvtools.privacy.redact import redact_skew

    result = _analysis_store().get(("skew", reference.digest, current.digest, key, names), compute)
    policy, _ = _sensitive_now()
    return redact_skew(result, statistics_for(reference), statistics_for(current), policy) if policy.active else result


def concept_shift_for(reference: DatasetRef, current: DatasetRef, label: str,
                      names: tuple[str, str] = ("training", "serving")) -> Any:
    """P(label | feature bucket) in both datasets (needs raw rows and the label on both sides); with progress.

    ``names``: the pair's roles, what the result's skip reasons and warnings call the datasets (``Pair.names``).
    """
    def compute() -> Any:
        from dvtools.comparison.concept import concept_shift
        from dvtools.ui.progress import ProgressBar

        with ProgressBar(f"Concept shift of {label}") as bar:
            return concept_shift(bar.watch(_rows_source(reference), _name(reference)),
                                 bar.watch(_rows_source(current), _name(current)), label=label,
                                 reference_statistics=statistics_for(reference),  # not computed again
                                 names=names)

    return _analysis_store().get(("concept", reference.digest, current.digest, label, names), compute)


@st.cache_resource(max_entries=12, show_spinner=False)
def _alerted(digest: str, _stats: DatasetStatistics) -> int:
    from dvtools.privacy.redact import pii_findings
    from dvtools.statistics.quality import feature_alerts

    found = pii_findings(_stats)
    return sum(1 for f in _stats if feature_alerts(f, found.get(f.name)))


def alerted_features_for(ref: DatasetRef) -> int:
    """How many features of a dataset have a data-quality alert (the Statistics page's badge)."""
    return _alerted(ref.digest + privacy_tag(), statistics_for(ref))


def _split(current: DatasetRef, timestamp: str, freq: str, epoch_unit: str | None) -> Any:
    def compute() -> Any:
        from dvtools.comparison.spans import split_spans
        from dvtools.ui.progress import ProgressBar

        with ProgressBar(f"Splitting by {timestamp} into spans") as bar:
            return split_spans(bar.watch(_rows_source(current), _name(current)), timestamp=timestamp, freq=freq,
                               epoch_unit=epoch_unit)

    return _analysis_store().get(("split", current.digest, timestamp, freq, epoch_unit), compute)


def timeline_for(current: DatasetRef, reference: DatasetRef, timestamp: str, freq: str, epoch_unit: str | None,
                 thresholds: Any) -> Any:
    """``current`` split into spans by ``timestamp`` (``freq`` D/W/M), each span compared with ``reference``.

    The split (one pass over the rows) is cached per dataset, column, span and epoch unit; the
    comparison per policy and global thresholds (the session's, as on every page), so a threshold
    change compares the cached spans again without reading a row.
    """
    options = thresholds.comparison_options()["thresholds"]
    reference_stats = statistics_for(reference)

    def compute() -> Any:
        from dvtools.comparison.spans import compare_spans

        spans = _split(current, timestamp, freq, epoch_unit)  # with a progress bar, when not stored
        # The time column itself is not a feature of the spans (an epoch number would "drift" every span).
        # No progress callback in compare_spans: a spinner, shown once the split's bar is gone.
        with st.spinner(f"Comparing {len(spans):,} spans with the training data and the previous span…"):
            return compare_spans(spans, reference=reference_stats, policy=thresholds.policy,
                                 thresholds=options or None, exclude=[timestamp], methods=())  # the deciding ones

    key = ("timeline", current.digest, reference.digest + privacy_tag(), timestamp, freq, epoch_unit, thresholds.policy,
           repr(sorted(options.items())))
    return _analysis_store().get(key, compute)
