"""Label quality: distribution and prior shift, conflicting labels, duplicates and leakage, rater agreement.

These need rows, so :func:`label_report` streams the data once (plus once more for example rows
when something is found) over :mod:`dvtools.io` batches:

* **Label distribution** and its **prior shift** against a reference (L-infinity between the two
  label distributions, each class's ratio), with the class imbalance ratio (largest/smallest class).
* Every row is reduced to two 64-bit hashes (polars' vectorized ``hash_rows``): one of its
  *features* (every column except the label, the rater columns, identifiers and timestamps) and
  one of its label. Hashes are kept in memory up to ``budget_rows`` rows per dataset, then
  spilled to 64 hash partitions on disk, so memory stays bounded whatever the size of the data.
  Per partition: **duplicates** (rows whose features and label repeat an earlier row),
  **conflicting labels** (identical features, different labels) and **overlap** with the
  reference (rows whose features also occur there: leakage between training and
  evaluation/serving). Two different rows share a 64-bit hash with probability about ``n^2 / 2^65``
  (1e-7 for a million rows).
* **Rater agreement** when several rater columns are given (one per rater, missing ratings
  allowed): Cohen's kappa per pair, Fleiss' kappa over the items every rater rated, Krippendorff's
  alpha (nominal, and ordinal/interval when the labels are ordered), each rater's agreement with
  the majority of the other raters, and all of it per group of a ``group`` column.

Identifiers and timestamps are the schema's decision: the ``identifier`` and ``timestamp`` roles of
``schema=``, and for columns it does not list, :func:`dvtools.schema.inference.infer_role` (the
rule schema inference uses) on the statistics of the first batch. Both are listed in the report,
and ``exclude=`` / ``features=`` override the choice.
"""

from __future__ import annotations

import math
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dvtools.errors import UsageError
from dvtools.fairness._fold import DEFAULT_BATCH_SIZE, fold, open_stream, require_columns
from dvtools.fairness.agreement import cohen_kappa, coincidences, fleiss_kappa, item_agreement, krippendorff_alpha
from dvtools.jsonsafe import jsonable
from dvtools.validation.anomalies import Anomaly, AnomalyType, Severity

__all__ = ["LabelReport", "LabelThresholds", "RaterAgreement", "label_report"]

HASH_SEED = 0x5EED
PARTITIONS = 64
DEFAULT_BUDGET_ROWS = 4_000_000
MAX_CLASSES = 50
MAX_GROUPS = 50
MISSING = "(missing)"


@dataclass(frozen=True)
class LabelThresholds:
    """When a label finding fires: shares in ``[0, 1]``; ``min_alpha`` is Krippendorff's 0.667 by default.

    ``max_conflict_share``/``max_overlap_share``/``max_duplicate_share``: shares of rows above
    which conflicting labels (ERROR), overlap with the reference (ERROR) and duplicates (WARNING)
    are reported. ``min_alpha``: overall nominal alpha below it is a disagreement; a group whose
    alpha is ``max_group_alpha_drop`` below the overall alpha is one too (groups with
    ``min_group_items`` rated items).
    """

    max_conflict_share: float = 0.0
    max_overlap_share: float = 0.0
    max_duplicate_share: float = 0.01
    min_alpha: float = 0.667
    max_group_alpha_drop: float = 0.1
    min_group_items: int = 30

    def __post_init__(self) -> None:
        for name in ("max_conflict_share", "max_overlap_share", "max_duplicate_share", "max_group_alpha_drop"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and 0 <= v <= 1):
                raise UsageError(f"{name} must be a share in [0, 1], got {v!r}")
        if not (isinstance(self.min_alpha, int | float) and -1 <= self.min_alpha <= 1):
            raise UsageError(f"min_alpha must be in [-1, 1], got {self.min_alpha!r}")
        if not (isinstance(self.min_group_items, int) and self.min_group_items >= 1):
            raise UsageError(f"min_group_items must be a positive integer, got {self.min_group_items!r}")


# --------------------------------------------------------------------------- columns


def role_columns(arrow_schema: pa.Schema, first: pa.RecordBatch | None, schema: Any = None) -> tuple[list[str], list[str]]:
    """(identifier columns, timestamp columns): the schema's roles, else schema inference's rule on ``first``.

    One decision, one place: a column the dvtools ``schema`` lists has that feature's role; the
    others get :func:`~dvtools.schema.inference.infer_role` of their statistics over ``first`` (the
    first batch of the data: near-unique or id-named columns are identifiers, time types and
    epoch-valued time-named numbers are timestamps).
    """
    from dvtools.schema.inference import infer_role
    from dvtools.schema.model import FeatureRole

    roles: dict[str, FeatureRole] = {}
    listed = [f.name for f in arrow_schema if schema is not None and f.name in schema]
    for name in listed:
        roles[name] = FeatureRole(schema.feature(name).role)
    rest = [f.name for f in arrow_schema if f.name not in roles]
    if rest and first is not None and first.num_rows:
        from dvtools.statistics.engine import compute_statistics

        stats = compute_statistics(pa.Table.from_batches([first.select(rest)]))
        for name in rest:
            if name in stats:
                roles[name] = infer_role(stats[name])
    ids = [n for n in arrow_schema.names if roles.get(n) == FeatureRole.IDENTIFIER]
    times = [n for n in arrow_schema.names if roles.get(n) == FeatureRole.TIMESTAMP]
    return ids, times


def _common_type(a: pa.DataType, b: pa.DataType) -> pa.DataType | None:
    if a == b:
        return a
    num = (pa.types.is_integer(a) or pa.types.is_floating(a)) and (pa.types.is_integer(b) or pa.types.is_floating(b))
    if num:
        return pa.float64() if (pa.types.is_floating(a) or pa.types.is_floating(b)) else pa.int64()
    strings = {pa.string(), pa.large_string()}
    if a in strings and b in strings:
        return pa.string()
    return None


def _hash(batch: pa.RecordBatch, columns: Sequence[str], types: Mapping[str, pa.DataType] | None = None) -> np.ndarray:
    """64-bit hash of each row over ``columns`` (cast to ``types`` where given)."""
    import polars as pl

    if not columns:
        return np.zeros(batch.num_rows, dtype=np.uint64)
    arrays = []
    for c in columns:
        a = batch.column(c)
        if pa.types.is_dictionary(a.type):
            a = a.cast(a.type.value_type)
        if types is not None and c in types and a.type != types[c]:
            a = a.cast(types[c])
        if pa.types.is_floating(a.type):
            a = pc.add(a, pa.scalar(0.0, a.type))  # -0.0 -> 0.0
        arrays.append(a)
    frame = pl.from_arrow(pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(arrays))]))
    assert isinstance(frame, pl.DataFrame)
    return frame.hash_rows(seed=HASH_SEED).to_numpy().astype(np.uint64, copy=False)


# --------------------------------------------------------------------------- hash store (bounded memory)


class _HashStore:
    """(feature hash, label hash, has label) per row: in memory up to a budget, then 64 partitions on disk."""

    def __init__(self, budget_rows: int, directory: str) -> None:
        self.budget = budget_rows
        self.dir = directory
        self.chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.rows = 0
        self.spilled = False
        self._files = 0

    def add(self, fh: np.ndarray, lh: np.ndarray, has: np.ndarray) -> None:
        self.rows += len(fh)
        self.chunks.append((fh, lh, has))
        if sum(len(c[0]) for c in self.chunks) > self.budget or self.spilled:
            self._spill()

    def _spill(self) -> None:
        self.spilled = True
        for fh, lh, has in self.chunks:
            part = (fh >> np.uint64(58)).astype(np.int64)
            order = np.argsort(part, kind="stable")
            counts = np.bincount(part, minlength=PARTITIONS)
            start = 0
            for i, c in enumerate(counts.tolist()):
                if c:
                    sel = order[start:start + c]
                    np.save(os.path.join(self.dir, f"p{i:02d}-{self._files:06d}.npy"),
                            np.stack([fh[sel], lh[sel], has[sel].astype(np.uint64)]))
                    self._files += 1
                start += c
        self.chunks = []

    def partitions(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """All rows as one partition (in memory), or the on-disk partitions (read one by one by the caller)."""
        if not self.spilled:
            if not self.chunks:
                e = np.empty(0, dtype=np.uint64)
                return [(e, e, np.empty(0, dtype=bool))]
            return [(np.concatenate([c[0] for c in self.chunks]), np.concatenate([c[1] for c in self.chunks]),
                     np.concatenate([c[2] for c in self.chunks]))]
        return []

    def partition(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows of on-disk partition ``i``."""
        files = sorted(f for f in os.listdir(self.dir) if f.startswith(f"p{i:02d}-"))
        if not files:
            e = np.empty(0, dtype=np.uint64)
            return e, e, np.empty(0, dtype=bool)
        arr = np.concatenate([np.load(os.path.join(self.dir, f)) for f in files], axis=1)
        return arr[0], arr[1], arr[2].astype(bool)


# --------------------------------------------------------------------------- the streamed accumulator


class _RaterCounts:
    """Agreement counts of ``k`` rater columns (one group or all), over a growing list of categories."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.size = 0
        self.coincidence = np.zeros((0, 0))
        self.pairs = {(i, j): np.zeros((0, 0)) for i in range(k) for j in range(i + 1, k)}
        self.fleiss_sum = 0.0
        self.fleiss_items = 0
        self.fleiss_totals = np.zeros(0)
        self.items = 0
        self.rated_items = 0
        self.majority_agree = np.zeros(k)
        self.majority_total = np.zeros(k)

    def grow(self, size: int) -> None:
        if size <= self.size:
            return
        pad = size - self.size
        self.coincidence = np.pad(self.coincidence, ((0, pad), (0, pad)))
        self.pairs = {p: np.pad(m, ((0, pad), (0, pad))) for p, m in self.pairs.items()}
        self.fleiss_totals = np.pad(self.fleiss_totals, (0, pad))
        self.size = size

    def add(self, codes: np.ndarray, size: int) -> None:
        """``codes``: items x raters category codes, -1 for a missing rating."""
        self.grow(size)
        n_items = codes.shape[0]
        self.items += n_items
        counts = np.zeros((n_items, size))
        rows = np.arange(n_items)
        for r in range(self.k):
            ok = codes[:, r] >= 0
            np.add.at(counts, (rows[ok], codes[ok, r]), 1)
        m = counts.sum(1)
        self.rated_items += int((m >= 1).sum())
        self.coincidence += coincidences(counts)
        complete = m == self.k
        if complete.any() and self.k >= 2:
            self.fleiss_sum += float(item_agreement(counts[complete], self.k).sum())
            self.fleiss_items += int(complete.sum())
            self.fleiss_totals += counts[complete].sum(0)
        for (i, j), mat in self.pairs.items():
            both = (codes[:, i] >= 0) & (codes[:, j] >= 0)
            if both.any():
                mat += np.bincount(codes[both, i] * size + codes[both, j], minlength=size * size).reshape(size, size)
        for r in range(self.k):
            ok = codes[:, r] >= 0
            if not ok.any():
                continue
            others = counts[ok].copy()
            others[np.arange(int(ok.sum())), codes[ok, r]] -= 1
            top = others.argmax(1)
            best = others.max(1)
            second = np.sort(others, axis=1)[:, -2] if size > 1 else np.zeros(len(best))
            decided = (best >= 1) & (best > second)
            self.majority_total[r] += int(decided.sum())
            self.majority_agree[r] += int((decided & (top == codes[ok, r])).sum())

    def merge(self, other: _RaterCounts, mapping: np.ndarray, size: int) -> None:
        """Fold ``other`` whose category ``c`` is this one's ``mapping[c]``."""
        self.grow(size)
        idx = np.ix_(mapping, mapping)
        if len(mapping):
            np.add.at(self.coincidence, idx, other.coincidence[: len(mapping), : len(mapping)])
            for p, mat in other.pairs.items():
                np.add.at(self.pairs[p], idx, mat[: len(mapping), : len(mapping)])
            np.add.at(self.fleiss_totals, mapping, other.fleiss_totals[: len(mapping)])
        self.fleiss_sum += other.fleiss_sum
        self.fleiss_items += other.fleiss_items
        self.items += other.items
        self.rated_items += other.rated_items
        self.majority_agree += other.majority_agree
        self.majority_total += other.majority_total


def _subdir(directory: str) -> str:
    """A new private folder inside the report's scratch directory (one per accumulator and thread)."""
    import uuid

    path = os.path.join(directory, uuid.uuid4().hex)
    os.makedirs(path, mode=0o700)
    return path


class _LabelAcc:
    """Everything label_report folds from one dataset's batches (mergeable)."""

    def __init__(self, schema: pa.Schema, *, label: str | None, raters: list[str], features: list[str],
                 overlap: list[str], overlap_types: Mapping[str, pa.DataType], group: str | None,
                 rater_type: pa.DataType | None, budget_rows: int, directory: str, hashes: bool) -> None:
        self.label, self.raters, self.features, self.overlap = label, raters, features, overlap
        self.overlap_types, self.group, self.rater_type = overlap_types, group, rater_type
        self.hashes = hashes
        self.num_rows = 0
        self.label_counts: dict[Any, int] = {}
        self.label_missing = 0
        self.label_sum = 0.0
        self.label_sumsq = 0.0
        self.label_n = 0
        self.store = _HashStore(budget_rows, _subdir(directory)) if hashes and features else None
        self.ostore = _HashStore(budget_rows, _subdir(directory)) if hashes and overlap else None
        self.categories: list[Any] = []
        self.cat_index: dict[Any, int] = {}
        self.all = _RaterCounts(len(raters)) if len(raters) >= 2 else None
        self.by_group: dict[str, _RaterCounts] = {}

    def _codes(self, arr: pa.Array) -> np.ndarray:
        if pa.types.is_dictionary(arr.type):
            arr = arr.cast(arr.type.value_type)
        if self.rater_type is not None and arr.type != self.rater_type:
            arr = arr.cast(self.rater_type)
        for v in pc.unique(arr.drop_null()).to_pylist():
            if isinstance(v, float) and math.isnan(v):
                continue
            if v not in self.cat_index:
                self.cat_index[v] = len(self.categories)
                self.categories.append(v)
        if len(self.categories) > MAX_CLASSES:
            raise UsageError(f"rater columns have more than {MAX_CLASSES} distinct labels: agreement is for classes")
        idx = pc.index_in(arr, value_set=pa.array(self.categories, self.rater_type or arr.type))
        return np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False), dtype=np.int64)

    def add_batch(self, batch: pa.RecordBatch) -> None:
        self.num_rows += batch.num_rows
        has = np.ones(batch.num_rows, dtype=bool)
        lh = np.zeros(batch.num_rows, dtype=np.uint64)
        if self.label is not None:
            col = batch.column(self.label)
            if pa.types.is_dictionary(col.type):
                col = col.cast(col.type.value_type)
            has = np.asarray(col.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
            if pa.types.is_floating(col.type):
                has &= ~np.asarray(pc.fill_null(pc.is_nan(col), True).to_numpy(zero_copy_only=False), dtype=bool)
            self.label_missing += int((~has).sum())
            if len(self.label_counts) <= MAX_CLASSES:
                vc = pc.value_counts(col.filter(pa.array(has)))
                for v, c in zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True):
                    self.label_counts[v] = self.label_counts.get(v, 0) + c
            if (pa.types.is_integer(col.type) or pa.types.is_floating(col.type)) and has.any():
                x = np.asarray(col.filter(pa.array(has)).cast(pa.float64()).to_numpy(zero_copy_only=False))
                x = x[np.isfinite(x)]
                self.label_sum += float(x.sum())
                self.label_sumsq += float((x * x).sum())
                self.label_n += len(x)
            if self.store is not None:
                lh = _hash(batch, [self.label])
        if self.store is not None:
            self.store.add(_hash(batch, self.features), lh, has)
        if self.ostore is not None:
            self.ostore.add(_hash(batch, self.overlap, self.overlap_types), lh, has)
        if self.all is not None:
            codes = np.stack([self._codes(batch.column(r)) for r in self.raters], axis=1)
            size = len(self.categories)
            self.all.add(codes, size)
            if self.group is not None:
                g = batch.column(self.group)
                if pa.types.is_dictionary(g.type):
                    g = g.cast(g.type.value_type)
                labels = pc.fill_null(pc.cast(g, pa.string()), MISSING)
                enc = pc.dictionary_encode(labels)
                gcodes = np.asarray(enc.indices.to_numpy(zero_copy_only=False))
                for i, name in enumerate(enc.dictionary.to_pylist()):
                    acc = self.by_group.get(name)
                    if acc is None:
                        if len(self.by_group) >= MAX_GROUPS:
                            raise UsageError(f"group column {self.group!r} has more than {MAX_GROUPS} values")
                        acc = self.by_group[name] = _RaterCounts(len(self.raters))
                    acc.add(codes[gcodes == i], size)

    def merge(self, other: _LabelAcc) -> _LabelAcc:
        self.num_rows += other.num_rows
        for v, c in other.label_counts.items():
            self.label_counts[v] = self.label_counts.get(v, 0) + c
        self.label_missing += other.label_missing
        self.label_sum += other.label_sum
        self.label_sumsq += other.label_sumsq
        self.label_n += other.label_n
        if self.store is not None and other.store is not None:
            self._merge_store(self.store, other.store)
        if self.ostore is not None and other.ostore is not None:
            self._merge_store(self.ostore, other.ostore)
        if self.all is not None and other.all is not None:
            for v in other.categories:
                if v not in self.cat_index:
                    self.cat_index[v] = len(self.categories)
                    self.categories.append(v)
            mapping = np.array([self.cat_index[v] for v in other.categories], dtype=np.int64)
            size = len(self.categories)
            self.all.merge(other.all, mapping, size)
            for name, acc in other.by_group.items():
                mine = self.by_group.setdefault(name, _RaterCounts(len(self.raters)))
                mine.merge(acc, mapping, size)
            for acc in self.by_group.values():
                acc.grow(size)
        return self

    @staticmethod
    def _merge_store(mine: _HashStore, theirs: _HashStore) -> None:
        if theirs.spilled:
            if not mine.spilled:
                mine._spill()
            for f in sorted(os.listdir(theirs.dir)):
                shutil.move(os.path.join(theirs.dir, f), os.path.join(mine.dir, f"{f[:4]}m{mine._files:06d}.npy"))
                mine._files += 1
            mine.rows += theirs.rows - sum(len(c[0]) for c in theirs.chunks)
        for c in theirs.chunks:
            mine.add(*c)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class RaterAgreement:
    """Agreement of the rater columns, overall or within one group."""

    group: str | None
    items: int
    rated_items: int
    alpha_nominal: float
    alpha_ordinal: float | None
    alpha_interval: float | None
    fleiss_kappa: float
    fleiss_items: int
    cohen_kappa: dict[str, float]  # "r1 / r2" -> kappa
    majority_agreement: dict[str, float]  # rater -> share of items agreeing with the other raters' majority
    majority_items: dict[str, int]


@dataclass(frozen=True)
class LabelReport:
    """Everything :func:`label_report` found; ``to_frame(kind)`` and ``to_dict()`` for tables and JSON."""

    label: str | None
    raters: tuple[str, ...]
    num_examples: int
    num_examples_reference: int | None
    label_distribution: dict[str, int]
    reference_distribution: dict[str, int]
    label_missing: int
    label_mean: float | None
    imbalance_ratio: float | None
    prior_shift: float | None  # L-infinity between the label distributions
    class_ratio: dict[str, float]  # class -> share here / share in the reference
    features: tuple[str, ...]  # the columns rows are compared on
    identifiers: tuple[str, ...]
    timestamps: tuple[str, ...]
    duplicates: int
    duplicate_groups: int
    conflicts: int  # rows in a feature group with two or more labels
    conflict_groups: int
    overlap: int  # rows whose features also occur in the reference
    overlap_distinct: int
    overlap_columns: tuple[str, ...]
    agreement: RaterAgreement | None
    agreement_by_group: tuple[RaterAgreement, ...]
    group: str | None
    categories: tuple[str, ...]
    examples: dict[str, list[dict[str, Any]]]
    anomalies: tuple[Anomaly, ...]
    accepted: tuple[Anomaly, ...]
    thresholds: LabelThresholds
    spilled: bool
    warnings: tuple[str, ...]

    KINDS = ("summary", "labels", "agreement", "anomalies")

    @property
    def duplicate_share(self) -> float:
        """Duplicate rows / rows."""
        return self.duplicates / self.num_examples if self.num_examples else 0.0

    @property
    def conflict_share(self) -> float:
        """Rows with a conflicting label / rows."""
        return self.conflicts / self.num_examples if self.num_examples else 0.0

    @property
    def overlap_share(self) -> float:
        """Rows also in the reference / rows."""
        return self.overlap / self.num_examples if self.num_examples else 0.0

    def to_frame(self, kind: str = "summary") -> pd.DataFrame:
        """One table: ``summary`` (default), ``labels``, ``agreement`` (overall and per group) or ``anomalies``."""
        if kind == "summary":
            rows = [("examples", self.num_examples, None), ("duplicates", self.duplicates, self.duplicate_share),
                    ("conflicting labels", self.conflicts, self.conflict_share)]
            if self.num_examples_reference is not None:
                rows.append(("overlap with reference", self.overlap, self.overlap_share))
                rows.append(("prior shift (L-infinity)", None, self.prior_shift))
            if self.imbalance_ratio is not None:
                rows.append(("class imbalance (largest/smallest)", None, self.imbalance_ratio))
            return pd.DataFrame(rows, columns=["measure", "count", "value"])
        if kind == "labels":
            n = sum(self.label_distribution.values()) or 1
            m = sum(self.reference_distribution.values()) or 1
            keys = list(dict.fromkeys([*self.label_distribution, *self.reference_distribution]))
            rows = [{"label": k, "count": self.label_distribution.get(k, 0), "share": self.label_distribution.get(k, 0) / n}
                    for k in keys]
            if self.num_examples_reference is not None:
                for row in rows:
                    k = row["label"]
                    row.update({"count_reference": self.reference_distribution.get(k, 0),
                                "share_reference": self.reference_distribution.get(k, 0) / m,
                                "ratio": self.class_ratio.get(k, math.nan)})
            return pd.DataFrame(rows)
        if kind == "agreement":
            rows = []
            for a in ([self.agreement] if self.agreement else []) + list(self.agreement_by_group):
                d = asdict(a)
                d["group"] = "(all)" if a.group is None else f"{self.group}={a.group}"
                for r, v in a.majority_agreement.items():
                    d[f"majority_{r}"] = v
                for p, v in a.cohen_kappa.items():
                    d[f"kappa {p}"] = v
                for k in ("cohen_kappa", "majority_agreement", "majority_items"):
                    d.pop(k)
                rows.append(d)
            return pd.DataFrame(rows)
        if kind == "anomalies":
            return pd.DataFrame([a.to_dict() for a in self.anomalies],
                                columns=["feature", "type", "severity", "description", "observed", "expected",
                                         "details"])
        raise UsageError(f"unknown table {kind!r}: use one of {', '.join(self.KINDS)}")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's ``--format json`` contract)."""
        d = {k: v for k, v in asdict(self).items() if k not in ("anomalies", "accepted")}
        d["anomalies"] = [a.to_dict() for a in self.anomalies]
        d["accepted"] = [a.to_dict() for a in self.accepted]
        d["duplicate_share"], d["conflict_share"], d["overlap_share"] = (
            self.duplicate_share, self.conflict_share, self.overlap_share)
        return jsonable(d)


# --------------------------------------------------------------------------- analysis of the hashes


def _mix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        h = a ^ (b * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0x632BE59BD9B4E019))
        h ^= h >> np.uint64(31)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(29)
    return h


@dataclass
class _Found:
    duplicates: int = 0
    duplicate_groups: int = 0
    conflicts: int = 0
    conflict_groups: int = 0
    overlap: int = 0
    overlap_distinct: int = 0
    duplicate_examples: list[int] = field(default_factory=list)
    conflict_examples: list[int] = field(default_factory=list)
    overlap_examples: list[int] = field(default_factory=list)


def _analyze(fh: np.ndarray, lh: np.ndarray, has: np.ndarray, found: _Found, k: int) -> None:
    full = _mix(fh, np.where(has, lh, np.uint64(0)))
    u, counts = np.unique(full, return_counts=True)
    found.duplicates += int((counts - 1).sum())
    found.duplicate_groups += int((counts > 1).sum())
    if len(found.duplicate_examples) < k:
        dup_full = set(u[counts > 1][:k].tolist())
        found.duplicate_examples += sorted({int(f) for f, x in zip(fh.tolist(), full.tolist(), strict=True)
                                            if x in dup_full})[: k - len(found.duplicate_examples)]
    # Conflicts: distinct (features, label) pairs among labeled rows; features with 2+ labels.
    pairs = np.unique(np.stack([fh[has], lh[has]], axis=1), axis=0) if has.any() else np.empty((0, 2), np.uint64)
    fu, fc = np.unique(pairs[:, 0], return_counts=True)
    bad = fu[fc > 1]
    found.conflict_groups += len(bad)
    if len(bad):
        found.conflicts += int(np.isin(fh[has], bad).sum())
        found.conflict_examples += [int(x) for x in bad[: max(0, k - len(found.conflict_examples))]]


def _overlap(oh: np.ndarray, ref_oh: np.ndarray, found: _Found, k: int) -> None:
    ref_u = np.unique(ref_oh)
    hit = np.isin(oh, ref_u)
    found.overlap += int(hit.sum())
    hu = np.unique(oh[hit])
    found.overlap_distinct += len(hu)
    found.overlap_examples += [int(x) for x in hu[: max(0, k - len(found.overlap_examples))]]


def _example_rows(stream: Any, columns: list[str], wanted: dict[str, set[int]], hash_cols: dict[str, list[str]],
                  types: Mapping[str, pa.DataType], per_kind: int) -> dict[str, list[dict[str, Any]]]:
    """Rows whose hash is among the wanted examples (a second pass; capped per kind)."""
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in wanted}
    if not any(wanted.values()):
        return out
    for batch in stream:
        for kind, hashes in wanted.items():
            if not hashes or len(out[kind]) >= per_kind:
                continue
            h = _hash(batch, hash_cols[kind], types if kind == "overlap" else None)
            hit = np.isin(h, np.fromiter(hashes, dtype=np.uint64))
            if hit.any():
                rows = batch.filter(pa.array(hit)).select(columns).to_pylist()
                for row, hv in zip(rows, h[hit].tolist(), strict=True):
                    if len(out[kind]) < per_kind:
                        out[kind].append({"example_group": f"{hv:016x}", **row})
        if all(len(v) >= per_kind or not wanted[k] for k, v in out.items()):
            break
    for v in out.values():
        v.sort(key=lambda r: r["example_group"])
    return out


# --------------------------------------------------------------------------- the report


def _agreement(acc: _RaterCounts, raters: list[str], categories: list[Any], group: str | None,
               ordered: bool, numeric: bool) -> RaterAgreement:
    order = list(range(len(categories)))
    if ordered:
        order = sorted(order, key=lambda i: categories[i])
    o = acc.coincidence[np.ix_(order, order)] if order else acc.coincidence
    values = [float(categories[i]) for i in order] if numeric else None
    return RaterAgreement(
        group=group, items=acc.items, rated_items=acc.rated_items,
        alpha_nominal=krippendorff_alpha(o, "nominal"),
        alpha_ordinal=krippendorff_alpha(o, "ordinal") if ordered else None,
        alpha_interval=krippendorff_alpha(o, "interval", values) if numeric else None,
        fleiss_kappa=fleiss_kappa(acc.fleiss_sum, acc.fleiss_totals, acc.fleiss_items, acc.k),
        fleiss_items=acc.fleiss_items,
        cohen_kappa={f"{raters[i]} / {raters[j]}": cohen_kappa(m) for (i, j), m in acc.pairs.items()},
        majority_agreement={r: (acc.majority_agree[i] / acc.majority_total[i] if acc.majority_total[i] else math.nan)
                            for i, r in enumerate(raters)},
        majority_items={r: int(acc.majority_total[i]) for i, r in enumerate(raters)},
    )


def _rater_type(schema: pa.Schema, raters: list[str]) -> pa.DataType:
    types = [schema.field(r).type for r in raters]
    types = [t.value_type if pa.types.is_dictionary(t) else t for t in types]
    if all(pa.types.is_boolean(t) for t in types):
        return pa.bool_()
    if all(pa.types.is_integer(t) for t in types):
        return pa.int64()
    if all(pa.types.is_integer(t) or pa.types.is_floating(t) for t in types):
        return pa.float64()
    return pa.string()


def _key(v: Any) -> str:
    return MISSING if v is None else str(v)


def label_report(
    data: Any,
    *,
    label: str | None = None,
    raters: Sequence[str] = (),
    reference: Any = None,
    group: str | None = None,
    ordered: bool | None = None,
    exclude: Sequence[str] = (),
    features: Sequence[str] | None = None,
    thresholds: LabelThresholds | None = None,
    schema: Any = None,
    max_examples: int = 5,
    budget_rows: int = DEFAULT_BUDGET_ROWS,
    workers: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    names: Mapping[str, str] | None = None,
) -> LabelReport:
    """Label quality of ``data`` (see the module docstring); ``reference``: the training data to compare with.

    ``label``: the label column (distribution, prior shift, duplicates and conflicts); ``raters``:
    two or more rater columns (agreement); at least one of them is needed. ``group``: agreement per
    group of this column. ``ordered``: the labels are ordered (default: numeric or boolean
    raters), for ordinal alpha. ``exclude``/``features``: columns left out of / the only columns of
    the row comparison. ``schema``: honors ``accept:<TYPE>:<key>`` notes; its roles say which
    columns are identifiers and timestamps (left out of the row comparison). ``budget_rows``: rows of
    hashes kept in memory per dataset before spilling to disk partitions.
    """
    raters = list(dict.fromkeys(raters))
    if label is None and not raters:
        raise UsageError("give a label column (--label) or two or more rater columns (--raters)")
    if len(raters) == 1:
        raise UsageError("rater agreement needs two or more rater columns")
    if not (isinstance(max_examples, int) and max_examples >= 0):
        raise UsageError(f"max_examples must be a non-negative integer, got {max_examples!r}")
    if not (isinstance(budget_rows, int) and budget_rows >= 1):
        raise UsageError(f"budget_rows must be a positive integer, got {budget_rows!r}")
    th = thresholds or LabelThresholds()
    names = dict(names or {})
    stream = open_stream(data, name=names.get("current"), batch_size=batch_size)
    shown = ", ".join(stream.sources) or "the data"
    require_columns(stream.schema, [c for c in [label, *raters, group] if c is not None], "label/rater/group", shown)
    ref_stream = None
    if reference is not None:
        ref_stream = open_stream(reference, name=names.get("reference"), batch_size=batch_size)
        if label is not None:
            require_columns(ref_stream.schema, [label], "label", ", ".join(ref_stream.sources) or "the reference")

    first = next(iter(stream), None)
    ids, times = role_columns(stream.schema, first, schema)
    skip = {c for c in [label, *raters] if c is not None} | set(exclude)
    if features is not None:
        require_columns(stream.schema, list(features), "feature", shown)
        feats = [c for c in features if c not in skip]
    else:
        feats = [c for c in stream.schema.names if c not in skip and c not in ids and c not in times]
    feats = [c for c in feats if not pa.types.is_nested(stream.schema.field(c).type)] or feats
    warnings: list[str] = []
    overlap_cols: list[str] = []
    overlap_types: dict[str, pa.DataType] = {}
    if ref_stream is not None:
        for c in feats:
            if c not in ref_stream.schema.names:
                warnings.append(f"{c!r} is not in the reference: left out of the overlap check")
                continue
            t = _common_type(stream.schema.field(c).type, ref_stream.schema.field(c).type)
            if t is None:
                warnings.append(f"{c!r} has type {stream.schema.field(c).type} here and "
                                f"{ref_stream.schema.field(c).type} in the reference: left out of the overlap check")
                continue
            overlap_cols.append(c)
            overlap_types[c] = t
        extra = [c for c in ref_stream.schema.names if c not in stream.schema.names and c not in skip]
        if extra:
            warnings.append(f"{len(extra)} reference column(s) not in the data, not compared: {', '.join(extra[:5])}")
    rater_type = _rater_type(stream.schema, raters) if raters else None
    numeric_raters = rater_type is not None and (pa.types.is_integer(rater_type) or pa.types.is_floating(rater_type))
    is_ordered = (numeric_raters or rater_type == pa.bool_()) if ordered is None else bool(ordered)
    hashes = label is not None

    from dvtools.io.spill import SpillDirectory

    scratch = SpillDirectory("dvtools-labels-")
    tmp = scratch.path
    try:
        def make(schema: pa.Schema, *, ref: bool = False) -> _LabelAcc:
            return _LabelAcc(schema, label=label, raters=[] if ref else raters,
                             features=feats if not ref else [], overlap=overlap_cols, overlap_types=overlap_types,
                             group=None if ref else group, rater_type=rater_type, budget_rows=budget_rows,
                             directory=tmp, hashes=hashes)

        acc = fold(stream, make, workers=workers, batch_size=batch_size)
        ref_acc = None
        if ref_stream is not None:
            ref_acc = fold(ref_stream, lambda s: make(s, ref=True), workers=workers, batch_size=batch_size)

        found = _Found()
        k = max_examples
        if acc.store is not None:
            if not acc.store.spilled:
                (fh, lh, has), = acc.store.partitions()
                _analyze(fh, lh, has, found, k)
            else:
                for i in range(PARTITIONS):
                    _analyze(*acc.store.partition(i), found, k)
        if acc.ostore is not None and ref_acc is not None and ref_acc.ostore is not None:
            if not acc.ostore.spilled and not ref_acc.ostore.spilled:
                (oh, _, _), = acc.ostore.partitions()
                (roh, _, _), = ref_acc.ostore.partitions()
                _overlap(oh, roh, found, k)
            else:
                for st in (acc.ostore, ref_acc.ostore):
                    if not st.spilled:
                        st._spill()
                for i in range(PARTITIONS):
                    _overlap(acc.ostore.partition(i)[0], ref_acc.ostore.partition(i)[0], found, k)
        spilled = bool(acc.store is not None and acc.store.spilled)
    finally:
        scratch.close()

    shown_cols = list(dict.fromkeys([c for c in [label, *raters] if c is not None] + feats))[:12]
    examples = _example_rows(stream, shown_cols,
                             {"duplicates": set(found.duplicate_examples), "conflicts": set(found.conflict_examples),
                              "overlap": set(found.overlap_examples)},
                             {"duplicates": feats, "conflicts": feats, "overlap": overlap_cols}, overlap_types,
                             per_kind=4 * max(k, 1)) if k else {}

    dist = {_key(v): c for v, c in sorted(acc.label_counts.items(), key=lambda t: (-t[1], str(t[0])))}
    ref_dist = ({_key(v): c for v, c in sorted(ref_acc.label_counts.items(), key=lambda t: (-t[1], str(t[0])))}
                if ref_acc is not None else {})
    label_mean = acc.label_sum / acc.label_n if acc.label_n else None
    many = len(acc.label_counts) > MAX_CLASSES
    if many:
        warnings.append(f"label {label!r} has more than {MAX_CLASSES} values: distribution not shown (see the mean)")
        dist, ref_dist = {}, {}
    imbalance = (max(dist.values()) / min(dist.values())) if len(dist) >= 2 else None
    prior, ratio = None, {}
    if ref_acc is not None and dist and ref_dist:
        from dvtools.comparison.distances import l_infinity

        keys = list(dict.fromkeys([*dist, *ref_dist]))
        prior = l_infinity([dist.get(x, 0) for x in keys], [ref_dist.get(x, 0) for x in keys])
        n, m = sum(dist.values()), sum(ref_dist.values())
        ratio = {x: (dist.get(x, 0) / n) / (ref_dist[x] / m) if ref_dist.get(x) else math.inf for x in keys}

    agreement, by_group = None, []
    if acc.all is not None:
        agreement = _agreement(acc.all, raters, acc.categories, None, is_ordered, numeric_raters)
        by_group = [_agreement(a, raters, acc.categories, name, is_ordered, numeric_raters)
                    for name, a in sorted(acc.by_group.items())]

    report = LabelReport(
        label=label, raters=tuple(raters), num_examples=acc.num_rows,
        num_examples_reference=ref_acc.num_rows if ref_acc is not None else None,
        label_distribution=dist, reference_distribution=ref_dist, label_missing=acc.label_missing,
        label_mean=label_mean, imbalance_ratio=imbalance, prior_shift=prior, class_ratio=ratio,
        features=tuple(feats), identifiers=tuple(c for c in ids if c not in skip),
        timestamps=tuple(c for c in times if c not in skip),
        duplicates=found.duplicates, duplicate_groups=found.duplicate_groups, conflicts=found.conflicts,
        conflict_groups=found.conflict_groups, overlap=found.overlap, overlap_distinct=found.overlap_distinct,
        overlap_columns=tuple(overlap_cols), agreement=agreement, agreement_by_group=tuple(by_group), group=group,
        categories=tuple(_key(c) for c in acc.categories), examples=examples, anomalies=(), accepted=(),
        thresholds=th, spilled=spilled, warnings=tuple(dict.fromkeys([*stream.warnings, *warnings])),
    )
    found_anomalies = _findings(report, th)
    kept = [a for a in found_anomalies if not _accepted(schema, a)]
    return _replace(report, anomalies=tuple(kept), accepted=tuple(a for a in found_anomalies if a not in kept))


def _replace(report: LabelReport, **changes: Any) -> LabelReport:
    import dataclasses

    return dataclasses.replace(report, **changes)


def _accepted(schema: Any, a: Anomaly) -> bool:
    if schema is None:
        return False
    from dvtools.validation.checks import ACCEPT_PREFIX

    note = f"{ACCEPT_PREFIX}{a.type.value}:{a.details.get('accept_key', '')}"
    if a.feature is None:
        return note in getattr(schema, "notes", [])
    return a.feature in schema and note in schema.feature(a.feature).notes


def _pct(x: float) -> str:
    from dvtools.comparison._common import share_text

    return share_text(x, 2)


def _findings(r: LabelReport, th: LabelThresholds) -> list[Anomaly]:
    """Label findings as anomalies (one place for every label verdict)."""
    out: list[Anomaly] = []
    if r.label is not None and r.conflicts and r.conflict_share > th.max_conflict_share:
        out.append(Anomaly(
            r.label, AnomalyType.LABEL_CONFLICT, Severity.ERROR,
            f"{r.conflicts:,} rows ({_pct(r.conflict_share)}) in {r.conflict_groups:,} groups of identical features "
            f"have different {r.label} labels",
            observed=r.conflict_share, expected=th.max_conflict_share,
            details={"accept_key": "conflicts", "count": r.conflicts, "groups": r.conflict_groups}))
    if r.duplicates and r.duplicate_share > th.max_duplicate_share:
        out.append(Anomaly(
            None, AnomalyType.DUPLICATE_EXAMPLES, Severity.WARNING,
            f"{r.duplicates:,} rows ({_pct(r.duplicate_share)}) repeat an earlier row (features and label)",
            observed=r.duplicate_share, expected=th.max_duplicate_share,
            details={"accept_key": "duplicates", "count": r.duplicates, "groups": r.duplicate_groups}))
    if r.num_examples_reference is not None and r.overlap and r.overlap_share > th.max_overlap_share:
        out.append(Anomaly(
            None, AnomalyType.DATASET_OVERLAP, Severity.ERROR,
            f"{r.overlap:,} rows ({_pct(r.overlap_share)}; {r.overlap_distinct:,} distinct) also occur in the "
            "reference with the same features: leakage between the datasets",
            observed=r.overlap_share, expected=th.max_overlap_share,
            details={"accept_key": "overlap", "count": r.overlap, "distinct": r.overlap_distinct,
                     "columns": list(r.overlap_columns)}))
    a = r.agreement
    if a is not None and math.isfinite(a.alpha_nominal):
        if a.alpha_nominal < th.min_alpha:
            out.append(Anomaly(
                r.raters[0], AnomalyType.RATER_DISAGREEMENT, Severity.WARNING,
                f"raters {', '.join(r.raters)} agree little: Krippendorff's alpha {a.alpha_nominal:.3f} "
                f"(below {th.min_alpha:.3f})",
                observed=a.alpha_nominal, expected=th.min_alpha, details={"accept_key": "all", "raters": list(r.raters)}))
        for g in r.agreement_by_group:
            if g.items < th.min_group_items or not math.isfinite(g.alpha_nominal):
                continue
            if a.alpha_nominal - g.alpha_nominal > th.max_group_alpha_drop:
                worst = min(g.majority_agreement.items(), key=lambda t: (t[1] if math.isfinite(t[1]) else 2.0, t[0]))
                usual = a.majority_agreement.get(worst[0], math.nan)
                out.append(Anomaly(
                    worst[0], AnomalyType.RATER_DISAGREEMENT, Severity.WARNING,
                    f"raters agree less on {r.group}={g.group}: alpha {g.alpha_nominal:.3f} against "
                    f"{a.alpha_nominal:.3f} overall; {worst[0]} agrees with the others' majority on "
                    f"{_pct(worst[1])} of its items there ({_pct(usual)} overall)",
                    observed=g.alpha_nominal, expected=a.alpha_nominal - th.max_group_alpha_drop,
                    details={"accept_key": f"{r.group}={g.group}", "group": f"{r.group}={g.group}",
                             "rater": worst[0], "raters": list(r.raters)}))
    return out
