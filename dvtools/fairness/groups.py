"""Groups and representation: who is in the data, how labels and missing values fall on each group.

A *group* is the set of examples sharing a value of a group column (a sensitive attribute such as
gender, age band, country or device); with two group columns, every *intersection* (female and
18-30) is a group too. :func:`group_report` folds each dataset once, with the statistics
engine's fold (:func:`dvtools.statistics.engine.fold_batches`), into what the report reads per
group and intersection: the examples and every column's missing count (exact, ``np.bincount``
over group codes) and the label's statistics (the engine's own accumulator). Only drift within
groups, which compares whole distributions, needs more: then each group of one column gets a full
:class:`~dvtools.statistics.DatasetAccumulator` (statistics by slice). From those it reports:

* **share** of examples per group in training (reference), evaluation and serving (current), the
  change in share (L-infinity across a column's groups, and each group's ratio current/reference);
* **under-represented** groups: below ``min_share`` or ``min_count`` examples; groups present in
  serving but absent or tiny in training (the model never learned them);
* **label base rate** per group (the share of each label value, or the mean of a numeric label),
  the disparity between groups (lowest rate / highest rate; the four-fifths line of US hiring
  guidance is shown as a reference, it is not a verdict on fairness) and its change in serving;
* **missing share** of each feature per group: a feature missing far more often for one group is a
  data-quality disparity (a sensor that fails on small wrists, a form field one country skips);
* **drift within groups**: :func:`dvtools.comparison.compare_statistics` (the Skew & drift
  page's engine and verdicts) per group, so a shift only one group sees is found even when the
  whole population looks stable.

Numeric group columns with more than ``bins`` distinct values are bucketed on the reference's
quantiles (one extra read of the reference for that column). Findings are
:class:`~dvtools.validation.Anomaly` values of five kinds (GROUP_UNDERREPRESENTED,
GROUP_SHARE_CHANGED, LABEL_RATE_DISPARITY, GROUP_MISSING_DISPARITY, and GROUP_DRIFT for a feature
drifted within a group but not in the whole population); ``accept_anomaly`` turns one into an
``accept:<TYPE>:<key>`` note of the group column (or feature), which ``schema=`` honors. Their
thresholds are :class:`~dvtools.validation.thresholds.GroupThresholds`, resolved by
:func:`~dvtools.validation.thresholds.group_thresholds`; without ``groups=``, the schema's
``group`` columns are the group columns.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dvtools.errors import UsageError
from dvtools.fairness._fold import DEFAULT_BATCH_SIZE, fold, open_stream, require_columns
from dvtools.jsonsafe import jsonable
from dvtools.statistics.accumulators import FeatureAccumulator, make_accumulator
from dvtools.statistics.accumulators import seal as seal_accumulator
from dvtools.statistics.engine import DatasetAccumulator
from dvtools.statistics.model import DatasetStatistics, FeatureStatistics, LogicalType
from dvtools.validation.anomalies import Anomaly, AnomalyType, Severity
from dvtools.validation.group_thresholds import FOUR_FIFTHS, GroupThresholds, group_thresholds

__all__ = ["FOUR_FIFTHS", "GroupReport", "GroupThresholds", "group_report"]

MISSING = "(missing)"
MAX_GROUPS = 50
SIDES = ("reference", "evaluation", "current")
SIDE_LABELS = {"reference": "training", "evaluation": "evaluation", "current": "serving"}


# --------------------------------------------------------------------------- result values


def grouping_name(columns: Sequence[str]) -> str:
    """``gender`` or ``gender × age`` (an intersection)."""
    return " × ".join(columns)


def group_name(columns: Sequence[str], values: Sequence[str]) -> str:
    """``gender=female`` or ``gender=female, age=[18, 30)``."""
    return ", ".join(f"{c}={v}" for c, v in zip(columns, values, strict=True))


@dataclass(frozen=True)
class GroupShare:
    """One group's examples per dataset: counts, shares, and the change from training."""

    grouping: tuple[str, ...]
    group: tuple[str, ...]
    counts: dict[str, int]
    shares: dict[str, float]
    change: dict[str, float]  # side -> share(side) - share(reference)
    ratio: dict[str, float]  # side -> share(side) / share(reference) (inf when absent in training)

    @property
    def name(self) -> str:
        """``col=value[, col2=value2]``."""
        return group_name(self.grouping, self.group)


@dataclass(frozen=True)
class LabelRate:
    """A label rate of one group in one dataset: the share of ``value`` (or the mean when ``value`` is None)."""

    grouping: tuple[str, ...]
    group: tuple[str, ...]
    side: str
    value: str | None
    rate: float
    num_labeled: int


@dataclass(frozen=True)
class Disparity:
    """The spread of one label rate across a grouping's groups in one dataset."""

    grouping: tuple[str, ...]
    side: str
    value: str | None
    lowest_group: tuple[str, ...]
    lowest_rate: float
    highest_group: tuple[str, ...]
    highest_rate: float
    ratio: float  # lowest / highest (NaN when not defined: a non-positive mean)
    groups_compared: int


@dataclass(frozen=True)
class GroupMissing:
    """A feature's missing share in one group against the whole dataset."""

    grouping: tuple[str, ...]
    group: tuple[str, ...]
    side: str
    feature: str
    missing_share: float
    overall_share: float
    num_examples: int


@dataclass(frozen=True)
class GroupDrift:
    """Drift of one group's examples between training and one other dataset (the comparison engine's verdicts)."""

    grouping: tuple[str, ...]
    group: tuple[str, ...]
    side: str
    num_reference: int
    num_current: int
    drifted: tuple[str, ...]
    drifted_only_here: tuple[str, ...]  # drifted in this group but not in the whole population
    comparison: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class GroupReport:
    """Everything :func:`group_report` found; ``to_frame(kind)`` and ``to_dict()`` for tables and JSON."""

    groupings: tuple[tuple[str, ...], ...]
    sides: tuple[str, ...]
    num_examples: dict[str, int]
    label: str | None
    shares: tuple[GroupShare, ...]
    share_change: dict[str, dict[str, float]]  # grouping name -> side -> L-infinity
    label_rates: tuple[LabelRate, ...]
    disparities: tuple[Disparity, ...]
    missing: tuple[GroupMissing, ...]
    drift: tuple[GroupDrift, ...]
    anomalies: tuple[Anomaly, ...]
    accepted: tuple[Anomaly, ...]
    thresholds: GroupThresholds
    bins: dict[str, tuple[float, ...]]
    warnings: tuple[str, ...]
    group_statistics: dict[str, dict[str, dict[tuple[str, ...], DatasetStatistics]]] = field(
        default_factory=dict, compare=False, repr=False)
    """side -> grouping name -> group values -> that group's statistics (for drill-down): full statistics for the
    groups of one column when drift within groups was compared, else light ones (examples, every column's count and
    missing count, the label's statistics)."""

    KINDS = ("shares", "label_rates", "disparities", "missing", "drift", "anomalies")

    def to_frame(self, kind: str = "shares") -> pd.DataFrame:
        """One table: ``shares`` (default), ``label_rates``, ``disparities``, ``missing``, ``drift`` or ``anomalies``."""
        if kind == "shares":
            rows = []
            for g in self.shares:
                row: dict[str, Any] = {"grouping": grouping_name(g.grouping), "group": g.name}
                for s in self.sides:
                    row[f"count_{s}"] = g.counts.get(s, 0)
                    row[f"share_{s}"] = g.shares.get(s, 0.0)
                for s in self.sides[1:]:
                    row[f"change_{s}"] = g.change.get(s, math.nan)
                    row[f"ratio_{s}"] = g.ratio.get(s, math.nan)
                rows.append(row)
            return pd.DataFrame(rows)
        if kind == "anomalies":
            return pd.DataFrame([a.to_dict() for a in self.anomalies],
                                columns=["feature", "type", "severity", "description", "observed", "expected",
                                         "details"])
        if kind not in self.KINDS:
            raise UsageError(f"unknown table {kind!r}: use one of {', '.join(self.KINDS)}")
        rows = []
        for item in getattr(self, kind):
            d = {k: v for k, v in asdict(item).items() if k != "comparison"}
            d["grouping"] = grouping_name(item.grouping)
            for key in ("group", "lowest_group", "highest_group"):
                if key in d:
                    d[key] = group_name(item.grouping, d[key])
            for key in ("drifted", "drifted_only_here"):
                if key in d:
                    d[key] = ", ".join(d[key])
            rows.append(d)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's ``--format json`` contract)."""
        out: dict[str, Any] = {
            "groupings": [list(g) for g in self.groupings],
            "sides": list(self.sides),
            "num_examples": dict(self.num_examples),
            "label": self.label,
            "share_change": self.share_change,
            "bins": {k: list(v) for k, v in self.bins.items()},
            "thresholds": asdict(self.thresholds),
            "warnings": list(self.warnings),
            "anomalies": [a.to_dict() for a in self.anomalies],
            "accepted": [a.to_dict() for a in self.accepted],
        }
        for kind in ("shares", "label_rates", "disparities", "missing", "drift"):
            out[kind] = self.to_frame(kind).to_dict(orient="records")
        return jsonable(out)

    def findings(self, severity: Severity | None = None) -> list[Anomaly]:
        """The anomalies, optionally only those of one severity."""
        return [a for a in self.anomalies if severity is None or a.severity == severity]


# --------------------------------------------------------------------------- group keys


def _is_bucketable(t: pa.DataType) -> bool:
    return (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)) and not pa.types.is_boolean(t)


def _num(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.4g}"


def bucket_labels(edges: Sequence[float]) -> list[str]:
    """Labels of the quantile buckets ``[e0, e1)``, ..., ``[e(k-1), ek]``."""
    k = len(edges) - 1
    return [f"[{_num(edges[i])}, {_num(edges[i + 1])}{']' if i == k - 1 else ')'}" for i in range(k)]


def _group_codes(arr: pa.Array | pa.ChunkedArray, edges: tuple[float, ...] | None) -> tuple[np.ndarray, list[str]]:
    """Each row's group for one group column: an index into the returned labels (strings, never null).

    Slice labels (the value as text, ``(missing)`` for null, -0.0 as 0.0) or buckets on ``edges``;
    vectorised: the labels are made from the column's dictionary, not per row. Two indices may
    share a label (a dictionary's repeats, the text "(missing)"): groups are keyed by label.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if edges is not None:
        if pa.types.is_dictionary(arr.type):
            arr = arr.cast(arr.type.value_type)
        x = np.asarray(pc.fill_null(arr.cast(pa.float64()), math.nan).to_numpy(zero_copy_only=False), dtype=float)
        e = np.asarray(edges, dtype=float)
        idx = np.searchsorted(e, x, side="right") - 1
        idx = np.where(x == e[-1], len(e) - 2, idx)
        idx = np.where(x < e[0], len(e) - 1, idx)
        idx = np.where(x > e[-1], len(e), idx)
        idx = np.where(np.isnan(x), len(e) + 1, idx)
        return idx.astype(np.int64), [*bucket_labels(edges), f"< {_num(e[0])}", f"> {_num(e[-1])}", MISSING]
    if pa.types.is_dictionary(arr.type):
        dictionary, indices = arr.dictionary, arr.indices
    else:
        if pa.types.is_floating(arr.type):
            arr = pc.add(arr, pa.scalar(0.0, arr.type))  # -0.0 -> 0.0: one group (they compare equal)
        enc = pc.dictionary_encode(arr)
        dictionary, indices = enc.dictionary, enc.indices
    if pa.types.is_floating(dictionary.type):
        dictionary = pc.add(dictionary, pa.scalar(0.0, dictionary.type))
    if pa.types.is_boolean(dictionary.type):
        text = pc.if_else(dictionary, pa.scalar("True"), pa.scalar("False"))
    else:
        text = pc.cast(dictionary, pa.string())
    labels = [*pc.fill_null(text, pa.scalar(MISSING)).to_pylist(), MISSING]
    codes = np.asarray(pc.fill_null(indices, len(labels) - 1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return codes, labels


def _numeric_edges(stream: Any, column: str, bins: int) -> tuple[float, ...] | None:
    """Quantile edges of a numeric group column in the reference, or None when it has at most ``bins`` values."""
    from dvtools.statistics.sketches import QuantileSketch

    sketch = QuantileSketch()
    distinct: set[float] = set()
    few = [True]

    def create(schema: pa.Schema) -> QuantileSketch:
        distinct.clear()
        few[0] = True
        return QuantileSketch()

    def step(acc: QuantileSketch, batch: pa.RecordBatch) -> None:
        col = batch.column(column)
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        x = np.asarray(pc.drop_null(col.cast(pa.float64())).to_numpy(zero_copy_only=False), dtype=float)
        x = x[np.isfinite(x)]
        if few[0]:
            distinct.update(np.unique(x).tolist())
            if len(distinct) > bins:
                few[0] = False
        acc.update(x)

    sketch = _one_column_fold(stream, column, create, step)
    if few[0] or sketch.n == 0:
        return None
    q = np.asarray(sketch.quantiles(np.linspace(0, 1, bins + 1)), dtype=float)
    edges = np.unique(q)
    if len(edges) < 2:
        return None
    return tuple(float(v) for v in edges)


def _one_column_fold(stream: Any, column: str, create: Any, step: Any) -> Any:
    """Fold one column: Parquet files are read for that column only, other inputs in full."""
    import os

    paths = list(getattr(stream, "sources", []))
    if paths and all(str(p).lower().endswith(".parquet") and os.path.isfile(p) for p in paths):
        import pyarrow.parquet as pq

        acc = create(None)
        for p in paths:
            for batch in pq.ParquetFile(p).iter_batches(columns=[column], batch_size=DEFAULT_BATCH_SIZE):
                step(acc, batch)
        return acc
    return stream.fold(create, step)


class _Group:
    """One group's tallies: examples, nulls per column, the label's statistics, full statistics when drift needs them."""

    __slots__ = ("full", "label", "missing", "rows")

    def __init__(self, rows: int, missing: np.ndarray, label: FeatureAccumulator | None,
                 full: DatasetAccumulator | None) -> None:
        self.rows, self.missing, self.label, self.full = rows, missing, label, full

    def merge(self, other: _Group) -> None:
        self.rows += other.rows
        self.missing += other.missing
        if self.label is not None and other.label is not None:
            self.label.merge(other.label)
        if self.full is not None and other.full is not None:
            self.full.merge(other.full)


class _GroupFold:
    """What a group report needs of one dataset, per group of every grouping (mergeable; folded by the engine).

    Exact and vectorised: each batch's rows get one code per grouping (dictionary indices, or bucket
    numbers; an intersection's code combines its columns'), and examples and nulls per column are
    ``np.bincount`` over the codes. The label gets the statistics engine's own accumulator per group
    (its base rates are the same numbers as the Statistics page's), fed by one stable sort of the
    label column. Only ``full`` (drift within groups, which compares whole distributions) folds a
    :class:`DatasetAccumulator` per group of each single column.
    """

    def __init__(self, schema: pa.Schema, columns: list[str], edges: dict[str, tuple[float, ...] | None],
                 groupings: list[tuple[str, ...]], max_groups: int, label: str | None, full: bool) -> None:
        self.schema = schema
        self.columns = columns
        self.edges = edges
        self.groupings = groupings
        self.max_groups = max_groups
        self.label = label if label is not None and label in schema.names else None
        self.full = full
        self.num_rows = 0
        self.groups: dict[tuple[str, ...], dict[tuple[str, ...], _Group]] = {g: {} for g in groupings}

    def check(self) -> None:
        for c in self.columns:
            if len(self.groups[(c,)]) > self.max_groups:
                raise UsageError(f"group column {c!r} has more than {self.max_groups} values: pick a column with "
                                 "fewer values (numeric columns are bucketed, strings are not)")

    def add_batch(self, batch: pa.RecordBatch) -> None:
        self.num_rows += batch.num_rows
        coded = {c: _group_codes(batch.column(c), self.edges.get(c)) for c in self.columns}
        nulls = [(j, np.asarray(pc.is_null(col).to_numpy(zero_copy_only=False), dtype=bool))
                 for j, col in enumerate(batch.columns) if col.null_count]
        for g in self.groupings:
            if len(g) == 1:
                codes, labels = coded[g[0]]
                keys = [(v,) for v in labels]
            else:
                (c0, l0), (c1, l1) = coded[g[0]], coded[g[1]]
                codes = c0 * len(l1) + c1
                keys = [(a, b) for a in l0 for b in l1]
            self._add_grouping(batch, g, codes, keys, nulls)
        self.check()

    def _add_grouping(self, batch: pa.RecordBatch, grouping: tuple[str, ...], codes: np.ndarray,
                      keys: list[tuple[str, ...]], nulls: list[tuple[int, np.ndarray]]) -> None:
        size = len(keys)
        rows = np.bincount(codes, minlength=size)
        missing = np.zeros((size, batch.num_columns), dtype=np.int64)
        for j, mask in nulls:
            missing[:, j] = np.bincount(codes[mask], minlength=size)
        present = np.flatnonzero(rows)
        full = self.full and len(grouping) == 1
        parts: dict[int, tuple[Any, Any]] = {}
        want_label = self.label is not None and not full  # full statistics hold the label's
        if want_label or full:
            if len(present) == 1:
                only = int(present[0])
                parts[only] = (batch.column(self.label) if want_label else None, batch if full else None)
            else:
                order = pa.array(np.argsort(codes, kind="stable"))
                label_sorted = batch.column(self.label).take(order) if want_label else None
                batch_sorted = batch.take(order) if full else None
                start = 0
                for code in present.tolist():
                    n = int(rows[code])
                    parts[code] = (label_sorted.slice(start, n) if label_sorted is not None else None,
                                   batch_sorted.slice(start, n) if batch_sorted is not None else None)
                    start += n
        groups = self.groups[grouping]
        for code in present.tolist():
            label_part, batch_part = parts.get(code, (None, None))
            label_acc = None
            if label_part is not None:
                label_acc = make_accumulator(self.schema.field(self.label).type)
                label_acc.add(label_part)
            full_acc = None
            if batch_part is not None:
                full_acc = DatasetAccumulator(self.schema)
                full_acc.add_batch(batch_part)
            part = _Group(int(rows[code]), missing[code].copy(), label_acc, full_acc)
            mine = groups.get(keys[code])
            if mine is None:
                groups[keys[code]] = part
            else:
                mine.merge(part)

    def seal(self) -> None:
        """Settle pending work on the worker thread (the engine calls this after ``add_batch``)."""
        for groups in self.groups.values():
            for grp in groups.values():
                if grp.label is not None:
                    seal_accumulator(grp.label)
                if grp.full is not None:
                    grp.full.seal()

    def merge(self, other: _GroupFold) -> _GroupFold:
        self.num_rows += other.num_rows
        for g, theirs in other.groups.items():
            mine = self.groups[g]
            for key, grp in theirs.items():
                if key in mine:
                    mine[key].merge(grp)
                else:
                    mine[key] = grp
        self.check()
        return self

    def statistics(self, grouping: tuple[str, ...]) -> dict[tuple[str, ...], DatasetStatistics]:
        """Each group's statistics: full ones, or light ones (examples, every column's missing count, the label's)."""
        from dvtools.statistics.model import logical_type_of

        out: dict[tuple[str, ...], DatasetStatistics] = {}
        for key, grp in sorted(self.groups[grouping].items()):
            name = group_name(grouping, key)
            if grp.full is not None:
                out[key] = grp.full.finalize(name=name)
                continue
            feats = {f.name: FeatureStatistics(name=f.name, arrow_type=str(f.type), logical_type=logical_type_of(f.type),
                                               count=grp.rows, num_missing=int(grp.missing[j]))
                     for j, f in enumerate(self.schema)}
            if grp.label is not None and self.label is not None:
                feats[self.label] = grp.label.finalize(self.label)
            out[key] = DatasetStatistics(num_examples=grp.rows, features=feats, name=name)
        return out


# --------------------------------------------------------------------------- per dataset


class _Side:
    """One dataset's statistics per group of every grouping; its whole statistics on demand (a merge of the cells)."""

    def __init__(self, groups: dict[tuple[str, ...], dict[tuple[str, ...], DatasetStatistics]], warnings: list[str],
                 names: list[str], num_examples: int, whole: DatasetStatistics | None = None,
                 make_whole: Any = None) -> None:
        self.groups = groups
        self.warnings = warnings
        self.names = set(names)
        self.num_examples = num_examples
        self._whole = whole
        self._make_whole = make_whole

    @property
    def whole(self) -> DatasetStatistics:
        """Statistics of the whole dataset (merged from the cells the first time it is asked for)."""
        if self._whole is None:
            self._whole = self._make_whole()
            self._make_whole = None
        return self._whole

    def overall_missing(self, feature: str, partition: dict[tuple[str, ...], DatasetStatistics]) -> float:
        """Missing share of ``feature`` in the whole dataset, from a partition into groups (or the whole)."""
        if self._whole is not None:
            return self._whole[feature].missing_fraction if feature in self._whole else 0.0
        missing = sum(st[feature].num_missing for st in partition.values() if feature in st)
        count = sum(st[feature].count for st in partition.values() if feature in st)
        return missing / count if count else 0.0


def _side_from_data(source: Any, role: str, columns: list[str], edges: dict[str, tuple[float, ...] | None],
                    groupings: list[tuple[str, ...]], max_groups: int, workers: int | None, batch_size: int,
                    name: str | None, label: str | None, full: bool) -> _Side:
    stream = open_stream(source, name=name, batch_size=batch_size)
    require_columns(stream.schema, columns, "group", ", ".join(stream.sources) or SIDE_LABELS[role])
    for c in columns:
        if pa.types.is_nested(stream.schema.field(c).type):
            raise UsageError(f"cannot group by {c!r}: it is a nested column ({stream.schema.field(c).type})")
    acc = fold(stream, lambda schema: _GroupFold(schema, columns, edges, groupings, max_groups, label, full),
               workers=workers, batch_size=batch_size)
    meta = {"sources": list(stream.sources), "warnings": list(stream.warnings),
            "num_malformed_rows": stream.num_malformed_rows}
    out = {g: acc.statistics(g) for g in groupings}
    make_whole = None
    if full:
        # The whole dataset (for drift against the whole population) is merged from the first column's groups only
        # when asked for; their accumulators stay alive for it, their statistics are final.
        def make_whole() -> DatasetStatistics:
            whole = DatasetAccumulator(acc.schema)
            for grp in acc.groups[groupings[0]].values():
                assert grp.full is not None
                whole.merge(grp.full)
            return whole.finalize(name=name or ", ".join(stream.sources), **meta)

    return _Side(out, list(stream.warnings), list(acc.schema.names), acc.num_rows, make_whole=make_whole)


def _side_from_statistics(stats: DatasetStatistics, role: str, columns: list[str]) -> _Side:
    if len(columns) != 1:
        raise UsageError("statistics files hold slices by one column: pass data files to group by two columns")
    if stats.slice_column != columns[0]:
        have = f"by {stats.slice_column!r}" if stats.slice_column else "no slices"
        raise UsageError(f"the {SIDE_LABELS[role]} statistics have {have}: compute them with "
                         f"--slice-by {columns[0]} or pass the data")
    warnings = []
    if stats.slices_capped:
        warnings.append(f"the {SIDE_LABELS[role]} statistics keep only the first slices of {columns[0]!r}: "
                        "the other groups are not shown")
    groups = {(k,): v for k, v in stats.slices.items()}
    return _Side({(columns[0],): groups}, warnings, list(stats.features), stats.num_examples, whole=stats)


# --------------------------------------------------------------------------- label rates


def _rates(fs: FeatureStatistics) -> dict[str | None, tuple[float, int]]:
    """Label value -> (share, labeled examples); ``None`` -> (mean, labeled) for a numeric label."""
    n = fs.num_present
    if n == 0:
        return {}
    if fs.logical_type == LogicalType.BOOL and fs.num_true is not None:
        return {"True": (fs.num_true / n, n)}
    if fs.logical_type in (LogicalType.INT, LogicalType.FLOAT) and fs.numeric is not None:
        mean = fs.numeric.mean
        if fs.numeric.num_finite == 0 or not math.isfinite(mean):
            return {}
        return {None: (float(mean), fs.numeric.num_finite)}
    return {str(v): (c / n, n) for v, c in fs.top_values(MAX_GROUPS)}


# --------------------------------------------------------------------------- the report


def _accepted(schema: Any, feature: str | None, type_: AnomalyType, key: str) -> bool:
    if schema is None or feature is None or feature not in schema:
        return False
    from dvtools.validation.checks import ACCEPT_PREFIX

    f = schema.feature(feature) if hasattr(schema, "feature") else schema[feature]
    return f"{ACCEPT_PREFIX}{type_.value}:{key}" in getattr(f, "notes", [])


def _pct(x: float) -> str:
    from dvtools.comparison._common import share_text

    return share_text(x, 1)


def group_report(
    reference: Any,
    current: Any = None,
    evaluation: Any = None,
    *,
    groups: Sequence[str] | None = None,
    label: str | None = None,
    thresholds: GroupThresholds | Any = None,
    bins: int = 5,
    schema: Any = None,
    policy: str = "auto",
    drift_thresholds: Any = None,
    environment: str | None = None,
    comparator: str = "drift",
    exclude: Collection[str] = (),
    drift: bool = True,
    max_groups: int = MAX_GROUPS,
    workers: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    names: Mapping[str, str] | None = None,
) -> GroupReport:
    """Representation, label rates, missing values and drift per group (see the module docstring).

    ``reference`` (training), ``current`` (serving) and ``evaluation``: data (a path, bytes with
    ``names[role]``, a DataFrame, an Arrow table) or :class:`DatasetStatistics` sliced by the one
    group column. ``groups``: one or two group columns (default: the ``schema``'s ``group``
    columns). ``label``: the label column, for base rates. ``thresholds``: a
    :class:`GroupThresholds` or a session's :class:`~dvtools.validation.Thresholds` (its ``groups``;
    resolved by :func:`~dvtools.validation.thresholds.group_thresholds`). ``bins``: quantile buckets
    for numeric group columns. ``schema``: honors ``accept:<TYPE>:<key>`` notes, marks the group
    columns, and gives drift within groups its comparators and roles.
    Drift within groups is :func:`dvtools.validation.validate.drift_comparison` (the dashboard's
    and ``dvtools validate``'s engine) per group, with ``drift_thresholds`` (a
    :class:`~dvtools.validation.Thresholds`; default: ``Thresholds(policy=policy)``),
    ``environment``, ``comparator`` and ``exclude`` (the group columns are always excluded:
    they are constant within a group).
    """
    if not groups:
        groups = schema.group_columns() if schema is not None and hasattr(schema, "group_columns") else []
        if not groups:
            raise UsageError("no group column: give one or two (--group COL) or mark them in the schema (group)")
    cols = list(dict.fromkeys(groups))
    if not 1 <= len(cols) <= 2:
        raise UsageError(f"give one or two group columns, got {len(cols)}")
    if not (isinstance(bins, int) and 2 <= bins <= 100):
        raise UsageError(f"bins must be an integer in [2, 100], got {bins!r}")
    th = group_thresholds(thresholds)
    if drift_thresholds is None and not isinstance(thresholds, GroupThresholds | None):
        drift_thresholds = thresholds  # a session's Thresholds: its drift layers judge drift within groups
    names = dict(names or {})
    groupings: list[tuple[str, ...]] = [(c,) for c in cols] + ([tuple(cols)] if len(cols) == 2 else [])
    inputs = {"reference": reference, "evaluation": evaluation, "current": current}
    sides_in = [s for s in SIDES if inputs[s] is not None]

    # Numeric group columns: bucket edges from the reference's quantiles.
    edges: dict[str, tuple[float, ...] | None] = {}
    warnings: list[str] = []
    if not isinstance(reference, DatasetStatistics):
        ref_stream = open_stream(reference, name=names.get("reference"), batch_size=batch_size)
        require_columns(ref_stream.schema, cols, "group", ", ".join(ref_stream.sources) or "the training data")
        for c in cols:
            if _is_bucketable(ref_stream.schema.field(c).type):
                edges[c] = _numeric_edges(ref_stream, c, bins)
        reference = ref_stream
    sides: dict[str, _Side] = {}
    for role in sides_in:
        src = inputs[role]
        if isinstance(src, DatasetStatistics):
            sides[role] = _side_from_statistics(src, role, cols)
        else:
            sides[role] = _side_from_data(src, role, cols, edges, groupings, max_groups, workers, batch_size,
                                          names.get(role), label, full=drift and len(sides_in) > 1)
        warnings += [f"{SIDE_LABELS[role]}: {w}" for w in sides[role].warnings]
    if label is not None:
        for role, side in sides.items():
            if label not in side.names and role == "reference":
                raise UsageError(f"label column {label!r} is not in the training data")

    found: list[Anomaly] = []
    shares: list[GroupShare] = []
    share_change: dict[str, dict[str, float]] = {}
    ref = sides["reference"]
    totals = {role: s.num_examples for role, s in sides.items()}
    for g in groupings:
        gname = grouping_name(g)
        keys = sorted({k for s in sides.values() for k in s.groups.get(g, {})})
        counts = {role: {k: s.groups[g][k].num_examples if k in s.groups[g] else 0 for k in keys}
                  for role, s in sides.items()}
        share_change[gname] = {}
        for role in sides_in[1:]:
            diffs = [abs(counts[role][k] / max(totals[role], 1) - counts["reference"][k] / max(totals["reference"], 1))
                     for k in keys]
            share_change[gname][role] = max(diffs, default=0.0)
        for k in keys:
            sh = {role: counts[role][k] / totals[role] if totals[role] else 0.0 for role in sides}
            change = {role: sh[role] - sh["reference"] for role in sides_in[1:]}
            ratio = {role: (sh[role] / sh["reference"] if sh["reference"] > 0 else (math.inf if sh[role] > 0 else 1.0))
                     for role in sides_in[1:]}
            gs = GroupShare(g, k, {r: counts[r][k] for r in sides}, sh, change, ratio)
            shares.append(gs)
            found += _share_findings(gs, th, sides_in)

    label_rates: list[LabelRate] = []
    disparities: list[Disparity] = []
    if label is not None:
        for role, side in sides.items():
            if label not in side.names:
                continue
            for g in groupings:
                per_value: dict[str | None, list[tuple[tuple[str, ...], float, int]]] = {}
                for k, st in side.groups[g].items():
                    if label not in st:
                        continue
                    for value, (rate, n) in _rates(st[label]).items():
                        label_rates.append(LabelRate(g, k, role, value, rate, n))
                        if n >= max(th.min_count, 1):
                            per_value.setdefault(value, []).append((k, rate, n))
                for value, items in per_value.items():
                    if len(items) < 2:
                        continue
                    lo = min(items, key=lambda t: (t[1], t[0]))
                    hi = max(items, key=lambda t: (t[1], t[0]))
                    ratio = lo[1] / hi[1] if hi[1] > 0 and lo[1] >= 0 else (1.0 if hi[1] == lo[1] == 0 else math.nan)
                    d = Disparity(g, role, value, lo[0], lo[1], hi[0], hi[1], ratio, len(items))
                    disparities.append(d)
                    found += _disparity_findings(d, th, label)

    missing: list[GroupMissing] = []
    skip = set(cols)
    for role, side in sides.items():
        overall_share = {name: side.overall_missing(name, side.groups[groupings[0]]) for name in side.names}
        for g in groupings:
            for k, st in side.groups[g].items():
                for fs in st:
                    if fs.name in skip or fs.name not in side.names:
                        continue
                    overall = overall_share[fs.name]
                    gm = GroupMissing(g, k, role, fs.name, fs.missing_fraction, overall, st.num_examples)
                    missing.append(gm)
                    found += _missing_findings(gm, th)

    drift_rows: list[GroupDrift] = []
    if drift and len(sides_in) > 1:
        from dvtools.validation import Thresholds
        from dvtools.validation.validate import drift_comparison

        opts = {"environment": environment, "comparator": comparator, "exclude": tuple(sorted(set(exclude) | set(cols))),
                "thresholds": drift_thresholds if drift_thresholds is not None else Thresholds(policy=policy)}
        for role in sides_in[1:]:
            overall = drift_comparison(ref.whole, sides[role].whole, schema, **opts)
            overall_drifted = {f.feature for f in overall.drifted}
            for g in groupings:
                if len(g) > 1:  # intersections carry light statistics: drift is compared per column's groups
                    continue
                for k, rst in ref.groups[g].items():
                    cst = sides[role].groups[g].get(k)
                    if cst is None or min(rst.num_examples, cst.num_examples) < max(th.min_count, 1):
                        continue
                    comp = drift_comparison(rst, cst, schema, **opts)
                    names_d = tuple(f.feature for f in comp.drifted)
                    gd = GroupDrift(g, k, role, rst.num_examples, cst.num_examples, names_d,
                                    tuple(n for n in names_d if n not in overall_drifted), comp)
                    drift_rows.append(gd)
                    found += _drift_findings(gd, overall)

    kept = [a for a in found if not _accepted(schema, a.feature, a.type, str(a.details.get("accept_key", "")))]
    accepted = [a for a in found if a not in kept]
    group_stats = {role: {grouping_name(g): dict(s.groups[g]) for g in groupings} for role, s in sides.items()}
    return GroupReport(
        groupings=tuple(groupings), sides=tuple(sides_in), num_examples=totals, label=label, shares=tuple(shares),
        share_change=share_change, label_rates=tuple(label_rates), disparities=tuple(disparities),
        missing=tuple(missing), drift=tuple(drift_rows), anomalies=tuple(kept), accepted=tuple(accepted),
        thresholds=th, bins={c: e for c, e in edges.items() if e is not None},
        warnings=tuple(dict.fromkeys(warnings)), group_statistics=group_stats,
    )


# --------------------------------------------------------------------------- findings (one place)


def _base_details(grouping: tuple[str, ...], group: tuple[str, ...] | None, key: str, **more: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"grouping": grouping_name(grouping), "accept_key": key}
    if group is not None:
        d["group"] = group_name(grouping, group)
    d.update(more)
    return d


def _share_findings(gs: GroupShare, th: GroupThresholds, sides: list[str]) -> list[Anomaly]:
    out: list[Anomaly] = []
    key = gs.name
    feature = gs.grouping[0]
    n_ref, s_ref = gs.counts.get("reference", 0), gs.shares.get("reference", 0.0)
    tiny_ref = s_ref < th.min_share or n_ref < th.min_count
    # Present in serving/evaluation but absent or tiny in training: the model barely learned the group.
    newcomer = [r for r in sides[1:] if tiny_ref and gs.counts.get(r, 0) >= th.min_count
                and gs.shares.get(r, 0.0) >= th.min_share]
    if newcomer:
        r = newcomer[0]
        what = "absent from training" if n_ref == 0 else f"tiny in training ({_pct(s_ref)}, {n_ref:,} examples)"
        out.append(Anomaly(
            feature, AnomalyType.GROUP_UNDERREPRESENTED, Severity.ERROR,
            f"group {gs.name} is {_pct(gs.shares[r])} of {SIDE_LABELS[r]} ({gs.counts[r]:,} examples) but "
            f"{what}: the model barely learned it",
            observed=s_ref, expected=th.min_share,
            details=_base_details(gs.grouping, gs.group, key, side="reference", count=n_ref,
                                  reason="absent" if n_ref == 0 else "tiny", present_in=r,
                                  present_share=gs.shares[r], present_count=gs.counts[r])))
    elif tiny_ref and n_ref > 0:
        out.append(Anomaly(
            feature, AnomalyType.GROUP_UNDERREPRESENTED, Severity.WARNING,
            f"group {gs.name} is only {_pct(s_ref)} of training ({n_ref:,} examples; minimum "
            f"{_pct(th.min_share)} or {th.min_count:,}): too few to learn or evaluate it reliably",
            observed=s_ref, expected=th.min_share,
            details=_base_details(gs.grouping, gs.group, key, side="reference", count=n_ref, reason="tiny")))
    for r in sides[1:]:
        change, ratio = gs.change.get(r, 0.0), gs.ratio.get(r, 1.0)
        both = n_ref >= th.min_count and gs.counts.get(r, 0) >= th.min_count
        big_ratio = both and (ratio >= th.max_share_ratio or ratio <= 1 / th.max_share_ratio)
        if abs(change) > th.max_share_change or big_ratio:
            out.append(Anomaly(
                feature, AnomalyType.GROUP_SHARE_CHANGED, Severity.ERROR,
                f"group {gs.name}: {_pct(s_ref)} of training, {_pct(gs.shares[r])} of {SIDE_LABELS[r]} "
                f"(x{ratio:.2f}, {change:+.1%})",
                observed=change, expected=th.max_share_change,
                details=_base_details(gs.grouping, gs.group, key, side=r, ratio=ratio,
                                      share_reference=s_ref, share_current=gs.shares[r])))
    return out


def _disparity_findings(d: Disparity, th: GroupThresholds, label: str) -> list[Anomaly]:
    if not (math.isfinite(d.ratio) and d.ratio < th.min_rate_ratio):
        return []
    what = f"share of {label}={d.value}" if d.value is not None else f"mean {label}"
    key = f"{grouping_name(d.grouping)}:{label}={d.value}"
    lo, hi = group_name(d.grouping, d.lowest_group), group_name(d.grouping, d.highest_group)
    return [Anomaly(
        d.grouping[0], AnomalyType.LABEL_RATE_DISPARITY, Severity.WARNING,
        f"{SIDE_LABELS[d.side]}: {what} is {d.lowest_rate:.3g} for {lo} and {d.highest_rate:.3g} for {hi} "
        f"(ratio {d.ratio:.2f}, below {th.min_rate_ratio:.2f}; the four-fifths line is a reference, not a verdict)",
        observed=d.ratio, expected=th.min_rate_ratio,
        details=_base_details(d.grouping, None, key, side=d.side, label=label, value=d.value, lowest=lo, highest=hi,
                              lowest_rate=d.lowest_rate, highest_rate=d.highest_rate))]


def _missing_findings(m: GroupMissing, th: GroupThresholds) -> list[Anomaly]:
    if m.num_examples < max(th.min_count, 1):
        return []
    gap = m.missing_share - m.overall_share
    if not (gap > th.max_missing_gap and m.missing_share >= th.missing_ratio * m.overall_share):
        return []
    name = group_name(m.grouping, m.group)
    return [Anomaly(
        m.feature, AnomalyType.GROUP_MISSING_DISPARITY, Severity.WARNING,
        f"{SIDE_LABELS[m.side]}: {m.feature} is missing in {_pct(m.missing_share)} of {name} against "
        f"{_pct(m.overall_share)} overall",
        observed=m.missing_share, expected=m.overall_share + th.max_missing_gap,
        details=_base_details(m.grouping, m.group, name, side=m.side,
                              overall_share=m.overall_share, count=m.num_examples))]


def _drift_findings(d: GroupDrift, overall: Any) -> list[Anomaly]:
    """GROUP_DRIFT per feature drifted within the group but not in the whole population (the engine's verdicts)."""
    from dvtools.validation.checks import _METHOD_NAMES

    def stat(f: Any) -> str:
        what = _METHOD_NAMES.get(f.primary_method, f.primary_method)
        return f"{what} {f.statistic:.3g}"

    name = group_name(d.grouping, d.group)
    whole = {f.feature: f for f in getattr(overall, "features", [])}
    out = []
    for f in d.comparison.drifted:
        if f.feature not in d.drifted_only_here:
            continue
        w = whole.get(f.feature)
        rel = "below" if f.spec is not None and f.spec.is_test else "above"
        seen = f"; whole population: {stat(w)}, {w.verdict.value}" if w is not None else ""
        out.append(Anomaly(
            f.feature, AnomalyType.GROUP_DRIFT, Severity.WARNING,
            f"{SIDE_LABELS[d.side]}: {f.feature} drifted within {name} ({d.num_reference:,} training and "
            f"{d.num_current:,} {SIDE_LABELS[d.side]} examples): {stat(f)} is {rel} the threshold "
            f"{f.threshold:.3g}, while the whole population did not drift{seen}",
            observed=f.statistic, expected=f.threshold,
            details=_base_details(d.grouping, d.group, name, side=d.side, method=f.primary_method,
                                  num_reference=d.num_reference, num_current=d.num_current,
                                  whole_method=None if w is None else w.primary_method,
                                  whole_statistic=None if w is None else w.statistic)))
    return out
