"""Drift over time: compare consecutive spans (days, weeks, months) and each span to a reference.

TFDV validates each new span against the previous one (drift comparators) and checks the number
of examples against the previous span (``NumExamplesComparator``, ``min_fraction_threshold`` /
``max_fraction_threshold``). :func:`compare_spans` does both and also compares every span to a
fixed reference, giving one tidy table; :func:`split_spans` cuts a dataset into spans by a
timestamp column in one streaming pass.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dvtools.comparison._common import open_stream
from dvtools.comparison.comparators import Comparison, DriftVerdict, compare_statistics
from dvtools.errors import UsageError
from dvtools.statistics.engine import DatasetAccumulator
from dvtools.statistics.model import DatasetStatistics, LogicalType

__all__ = ["SpanComparison", "compare_spans", "split_spans"]

MIN_EXAMPLES_RATIO = 0.5
"""A span with fewer than half the previous span's examples is flagged (``num_examples``)."""
MAX_EXAMPLES_RATIO = 2.0
"""A span with more than twice the previous span's examples is flagged (``num_examples``)."""

_FREQ_FORMATS = {"D": "%Y-%m-%d", "W": "%Y-%m-%d", "M": "%Y-%m"}


@dataclass
class SpanComparison:
    """Result of :func:`compare_spans`.

    ``table``: one row per (span, feature): ``distance_to_previous``/``verdict_to_previous``,
    ``distance_to_reference``/``verdict_to_reference`` (the policy's primary statistic; NaN/empty
    where there is nothing to compare), ``num_examples`` and ``num_examples_ratio`` (to the
    previous span). ``spans_table``: one row per span with its example count, the ratio, whether
    the count is out of ``[min_examples_ratio, max_examples_ratio]``, and the number of drifted
    features against the previous span and the reference.
    """

    spans: list[str]
    reference: str
    policy: str
    table: pd.DataFrame
    spans_table: pd.DataFrame
    to_previous: dict[str, Comparison] = field(default_factory=dict)
    to_reference: dict[str, Comparison] = field(default_factory=dict)

    @property
    def drifted_spans(self) -> list[str]:
        """Spans with at least one feature drifting against the reference."""
        return [s for s in self.spans if s in self.to_reference and self.to_reference[s].drifted]

    @property
    def changed_spans(self) -> list[str]:
        """Spans with at least one feature drifting against the previous span."""
        return [s for s in self.spans if s in self.to_previous and self.to_previous[s].drifted]

    @property
    def num_examples_anomalies(self) -> list[str]:
        """Spans whose example count changed too much from the previous span."""
        t = self.spans_table
        return t.loc[t["num_examples_anomaly"], "span"].tolist()

    @property
    def flagged(self) -> list[str]:
        """Spans drifting against the reference or the previous span, or with too few/many examples."""
        bad = set(self.drifted_spans) | set(self.changed_spans) | set(self.num_examples_anomalies)
        return [s for s in self.spans if s in bad]


def _names_and_stats(spans: Sequence[DatasetStatistics] | Mapping[str, DatasetStatistics]
                     ) -> tuple[list[str], list[DatasetStatistics]]:
    if isinstance(spans, Mapping):
        return [str(k) for k in spans], list(spans.values())
    stats = list(spans)
    names = [s.name if s.name else str(i) for i, s in enumerate(stats)]
    if len(set(names)) != len(names):
        names = [str(i) for i in range(len(stats))]
    return names, stats


def compare_spans(
    spans: Sequence[DatasetStatistics] | Mapping[str, DatasetStatistics],
    *,
    reference: int | str | DatasetStatistics = 0,
    policy: str = "tfdv",
    thresholds: Mapping[str, float] | None = None,
    categorical: Any = None,
    min_examples_ratio: float = MIN_EXAMPLES_RATIO,
    max_examples_ratio: float = MAX_EXAMPLES_RATIO,
    exclude: Collection[str] = (),
    exclude_timestamps: bool = True,
    methods: Collection[str] | None = None,
) -> SpanComparison:
    """Compare each span with the previous one and with ``reference`` (see :class:`SpanComparison`).

    ``spans``: statistics in time order (a list, or a name -> statistics mapping such as
    :func:`split_spans` returns). ``reference``: a span's index or name, or separate statistics
    (e.g. the training data). ``policy``/``thresholds``/``categorical``: as in
    :func:`~dvtools.comparison.comparators.compare_statistics` (default ``tfdv``, TFDV's own
    span-to-span comparators). ``exclude``: features not compared; with ``exclude_timestamps``
    (default) TIMESTAMP features are not compared either: spans are cut by time, so a time column
    differs between spans by construction. ``methods``: the distances and tests to compute besides
    the deciding one (default all; ``()``: the deciding one alone, what a timeline draws, several
    times faster).
    """
    names, stats = _names_and_stats(spans)
    if not stats:
        raise UsageError("compare_spans needs at least one span")
    if isinstance(reference, DatasetStatistics):
        ref_name, ref_stats = "(reference)", reference
    elif isinstance(reference, int) and not isinstance(reference, bool):
        if not -len(stats) <= reference < len(stats):
            raise UsageError(f"reference index {reference} is out of range for {len(stats)} spans")
        ref_name, ref_stats = names[reference], stats[reference]
    elif isinstance(reference, str) and reference in names:
        ref_name, ref_stats = reference, stats[names.index(reference)]
    else:
        raise UsageError(f"reference {reference!r} is not a span (spans: {', '.join(names)})")
    skip = set(exclude)
    if exclude_timestamps:
        skip |= {f.name for st in [*stats, ref_stats] for f in st if f.logical_type == LogicalType.TIMESTAMP}
    kw: dict[str, Any] = {"policy": policy, "thresholds": thresholds, "categorical": categorical,
                          "exclude": skip, "methods": methods}
    to_prev: dict[str, Comparison] = {}
    to_ref: dict[str, Comparison] = {}
    rows: list[dict[str, Any]] = []
    span_rows: list[dict[str, Any]] = []
    for i, (name, st) in enumerate(zip(names, stats, strict=True)):
        prev = compare_statistics(stats[i - 1], st, **kw) if i > 0 else None
        ref = compare_statistics(ref_stats, st, **kw) if st is not ref_stats else None
        if prev is not None:
            to_prev[name] = prev
        if ref is not None:
            to_ref[name] = ref
        prev_n = stats[i - 1].num_examples if i > 0 else None
        ratio = st.num_examples / prev_n if prev_n else math.nan
        anomaly = bool(prev_n is not None and (ratio < min_examples_ratio or ratio > max_examples_ratio))
        span_rows.append({
            "span": name, "num_examples": st.num_examples, "num_examples_ratio": ratio,
            "num_examples_anomaly": anomaly,
            "drifted_to_previous": len(prev.drifted) if prev else 0,
            "drifted_to_reference": len(ref.drifted) if ref else 0,
        })
        prev_by = {f.feature: f for f in prev.features} if prev else {}
        ref_by = {f.feature: f for f in ref.features} if ref else {}
        for feat in st.features:
            if feat in skip:
                continue
            p, r = prev_by.get(feat), ref_by.get(feat)
            any_f = p or r
            rows.append({
                "span": name,
                "feature": feat,
                "method": any_f.primary_method if any_f else "",
                "threshold": any_f.threshold if any_f else math.nan,
                "distance_to_previous": p.statistic if p else math.nan,
                "verdict_to_previous": p.verdict.value if p else "",
                "distance_to_reference": r.statistic if r else (0.0 if st is ref_stats else math.nan),
                "verdict_to_reference": r.verdict.value if r else (
                    DriftVerdict.NO_DRIFT.value if st is ref_stats else ""),
                "num_examples": st.num_examples,
                "num_examples_ratio": ratio,
            })
    table = pd.DataFrame(rows, columns=["span", "feature", "method", "threshold",
                                        "distance_to_previous", "verdict_to_previous",
                                        "distance_to_reference", "verdict_to_reference",
                                        "num_examples", "num_examples_ratio"])
    spans_table = pd.DataFrame(span_rows, columns=["span", "num_examples", "num_examples_ratio",
                                                   "num_examples_anomaly", "drifted_to_previous",
                                                   "drifted_to_reference"])
    return SpanComparison(names, ref_name, policy, table, spans_table, to_prev, to_ref)


#: Units of epoch numbers a timestamp column may hold, with their count per second.
EPOCH_UNITS = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_YEAR_SECONDS = 365.2425 * 86400
#: The years an epoch number is guessed to fall in (a unit whose reading lands elsewhere is not the unit).
EPOCH_YEARS = (1990, 2100)


def guess_epoch_unit(low: float, high: float) -> str | None:
    """The unit (``s``, ``ms``, ``us``, ``ns``) that reads the numbers ``low..high`` as dates in :data:`EPOCH_YEARS`.

    None when no unit does (the column is not epoch time). The units are 1000 apart, so at most
    one of them fits; a user can still pick another.
    """
    if not (math.isfinite(low) and math.isfinite(high)) or low < 0 or high < low:
        return None
    for unit, per_second in EPOCH_UNITS.items():
        years = [1970 + v / per_second / _YEAR_SECONDS for v in (low, high)]
        if all(EPOCH_YEARS[0] <= y <= EPOCH_YEARS[1] for y in years):
            return unit
    return None


def _span_labels(col: pa.ChunkedArray | pa.Array, freq: str, epoch_unit: str | None = None) -> pa.Array:
    """Return each row's span label: ``YYYY-MM-DD`` (day, or the week's Monday) or ``YYYY-MM``.

    ``epoch_unit``: the column holds numbers since 1970 in that unit (``s``, ``ms``, ``us``, ``ns``).
    """
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    t = col.type
    if epoch_unit is not None:
        if epoch_unit not in EPOCH_UNITS:
            raise UsageError(f"unknown epoch unit {epoch_unit!r}: use one of {', '.join(EPOCH_UNITS)}")
        if not (pa.types.is_integer(t) or pa.types.is_floating(t)):
            raise UsageError(f"epoch time needs a numeric column, not {t}")
        # Whole numbers of the unit (a float column's fractions dropped), then read as timestamps.
        col = pc.cast(pc.floor(col) if pa.types.is_floating(t) else col, pa.int64(), safe=False)
        col = col.cast(pa.timestamp(epoch_unit))
        t = col.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        try:
            col = col.cast(pa.timestamp("us"))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
            raise UsageError(f"timestamp column values cannot be read as timestamps: {e}") from None
    elif pa.types.is_date(t):
        col = col.cast(pa.timestamp("s"))
    elif not pa.types.is_timestamp(t):
        raise UsageError(f"timestamp column must hold timestamps or dates, not {t}")
    if freq == "W":
        col = pc.floor_temporal(col, unit="week", week_starts_monday=True)
    return pc.strftime(col, format=_FREQ_FORMATS[freq])


def split_spans(source: Any, *, timestamp: str, freq: str = "D",
                num_buckets: int = 10, epoch_unit: str | None = None) -> dict[str, DatasetStatistics]:
    """Compute statistics per time span of ``source``, by the ``timestamp`` column, in one streaming pass.

    ``freq``: ``"D"`` (calendar day, label ``YYYY-MM-DD``), ``"W"`` (ISO week starting Monday,
    labelled by that Monday) or ``"M"`` (calendar month, ``YYYY-MM``); timezone-aware timestamps
    use their own timezone. ``epoch_unit``: the column holds numbers since 1970 in that unit
    (``s``, ``ms``, ``us``, ``ns``; see :func:`guess_epoch_unit`) rather than timestamps. Rows
    without a timestamp belong to no span (counted in each span's warnings). Returns span label ->
    statistics, in time order.
    """
    if epoch_unit is not None and epoch_unit not in EPOCH_UNITS:
        raise UsageError(f"unknown epoch unit {epoch_unit!r}: use one of {', '.join(EPOCH_UNITS)}")
    if freq not in _FREQ_FORMATS:
        raise UsageError(f"unknown freq {freq!r}: use 'D', 'W' or 'M'")
    stream = open_stream(source)
    if timestamp not in stream.schema.names:
        raise UsageError(f"timestamp column {timestamp!r} is not in the data (columns: "
                         f"{', '.join(stream.schema.names)})")
    state: dict[str, Any] = {}

    def create(schema: pa.Schema) -> dict[str, Any]:
        state.clear()
        state.update(schema=schema, accs={}, missing=0)
        return state

    def step(acc: dict[str, Any], batch: pa.RecordBatch) -> None:
        labels = _span_labels(batch.column(timestamp), freq, epoch_unit)
        if labels.null_count:
            acc["missing"] += labels.null_count
        enc = labels.dictionary_encode()
        codes = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False), dtype=np.int64)
        order = np.argsort(codes, kind="stable")
        counts = np.bincount(codes[codes >= 0], minlength=len(enc.dictionary))
        start = int((codes < 0).sum())
        sorted_batch = batch.take(pa.array(order))
        for code, n in enumerate(counts):
            if n == 0:
                continue
            label = enc.dictionary[code].as_py()
            a = acc["accs"].get(label)
            if a is None:
                a = acc["accs"][label] = DatasetAccumulator(acc["schema"], num_buckets)
            a.add_batch(sorted_batch.slice(start, int(n)))
            start += int(n)

    result = stream.fold(create, step)
    warn = []
    if result["missing"]:
        warn.append(f"{result['missing']:,} rows without a {timestamp!r} value belong to no span")
    return {label: result["accs"][label].finalize(name=label, sources=list(stream.sources),
                                                  warnings=list(warn))
            for label in sorted(result["accs"])}
