"""Feature skew: join two datasets on identifier columns and count the values that differ.

TFDV's ``feature_skew`` check (``tfdv.experimental`` ``FeatureSkewDetector``) joins training and
serving examples on identifier features and reports, per feature, how many joined examples have a
different value. :func:`feature_skew` does the same on anything :func:`dvtools.io.open_source`
reads, with bounded memory:

1. Both inputs are streamed; rows whose key has a null are set aside (counted: they cannot join).
2. Rows are hash-partitioned by key (a vectorized 64-bit hash of every key column,
   :func:`dvtools.statistics.sketches.hash_array`, combined and mixed with SplitMix64) into ``N``
   partitions. Small inputs stay in memory as one partition. Larger ones, or ``partitions > 1``,
   are spilled to temporary Parquet files (one per side and partition, in a
   ``TemporaryDirectory`` removed at the end). ``N`` is chosen so a partition holds at most
   :data:`ROWS_PER_PARTITION` rows per side: from the row counts when the inputs know them
   (Parquet, Arrow, in-memory), else estimated from the bytes read when the in-memory buffer
   overflows. A partition that still turns out too large is re-partitioned with another hash
   seed (up to :data:`MAX_DEPTH` levels), so memory stays bounded even when the estimate is off.
3. Each partition pair is loaded, duplicate keys are dropped (the first row of each key in input
   order is kept, the others counted), and the two sides are joined with ``pyarrow.Table.join``
   (full outer). Values are compared column-wise (no per-row Python loop).

Comparison rules: null equals null; null against a value is a mismatch; integers, strings,
booleans and temporal values must be equal; when a side is floating point, values are compared
as floats with ``math.isclose(a, b, rel_tol=tol, abs_tol=tol)`` semantics, NaN equals NaN and
infinities equal themselves; columns of unrelated types on the two sides are compared as text;
nested values (lists, structs) are not compared. Key columns of different types on the two sides
are joined as float64 (int vs float) or text.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dvtools.comparison._common import dataset_names, jsonable, open_stream
from dvtools.errors import UsageError
from dvtools.io.spill import SpillDirectory
from dvtools.statistics.sketches import hash_array

__all__ = ["FeatureSkew", "FeatureSkewResult", "feature_skew"]

ROWS_PER_PARTITION = 2_000_000
"""Target maximum rows per side in one partition (what is held in memory at once)."""
FANOUT = 16
"""Sub-partitions when a partition has to be split again."""
MAX_DEPTH = 3
"""Re-partitioning levels before a partition is processed as is (e.g. one key repeated a lot)."""

_PREFIX = "__dvtools_"  # internal column names start with a prefix no input column starts with


def _internal_prefix(names: Sequence[str]) -> str:
    """A column-name prefix that no name in ``names`` starts with (``__dvtools_``, then ``__dvtools__``...)."""
    prefix = _PREFIX
    while any(n.startswith(prefix) for n in names):
        prefix += "_"
    return prefix

_SEEDS = np.array([0x243F6A8885A308D3, 0x13198A2E03707344, 0xA4093822299F31D0, 0x082EFA98EC4E6C89,
                   0x452821E638D01377], dtype=np.uint64)
_PRIME = np.uint64(0x100000001B3)


@dataclass
class FeatureSkew:
    """Mismatches of one feature among the joined examples.

    ``samples`` holds up to ``max_samples`` mismatching pairs as ``{"key": {...}, "reference": v,
    "current": v}`` (first in reference input order within each partition).
    """

    feature: str
    num_joined: int = 0
    num_mismatches: int = 0
    num_null_mismatches: int = 0
    comparison: str = "exact"
    samples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def mismatch_share(self) -> float:
        """Share of joined examples whose values differ (0 when nothing joined)."""
        return self.num_mismatches / self.num_joined if self.num_joined else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return jsonable({
            "feature": self.feature,
            "num_joined": self.num_joined,
            "num_mismatches": self.num_mismatches,
            "num_null_mismatches": self.num_null_mismatches,
            "mismatch_share": self.mismatch_share,
            "comparison": self.comparison,
            "samples": self.samples,
        })


@dataclass
class FeatureSkewResult:
    """Result of :func:`feature_skew`.

    Counts: ``num_reference``/``num_current`` rows read; ``num_joined`` keys present on both sides
    (after dropping duplicates); ``only_in_reference``/``only_in_current`` keys on one side only;
    ``duplicate_keys_*`` rows ignored because an earlier row had the same key; ``null_keys_*`` rows
    with a null key column (never joined).
    """

    key: list[str]
    features: list[FeatureSkew]
    num_reference: int = 0
    num_current: int = 0
    num_joined: int = 0
    only_in_reference: int = 0
    only_in_current: int = 0
    duplicate_keys_reference: int = 0
    duplicate_keys_current: int = 0
    null_keys_reference: int = 0
    null_keys_current: int = 0
    samples_only_in_reference: list[dict[str, Any]] = field(default_factory=list)
    samples_only_in_current: list[dict[str, Any]] = field(default_factory=list)
    skipped_features: dict[str, str] = field(default_factory=dict)
    float_tolerance: float = 1e-6
    num_partitions: int = 1
    spilled: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def has_mismatches(self) -> bool:
        """True when some feature has a differing value on a joined example."""
        return any(f.num_mismatches for f in self.features)

    @property
    def mismatched(self) -> list[FeatureSkew]:
        """Features with at least one mismatch."""
        return [f for f in self.features if f.num_mismatches]

    def __getitem__(self, name: str) -> FeatureSkew:
        for f in self.features:
            if f.feature == name:
                return f
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return jsonable({
            "key": self.key,
            "num_reference": self.num_reference,
            "num_current": self.num_current,
            "num_joined": self.num_joined,
            "only_in_reference": self.only_in_reference,
            "only_in_current": self.only_in_current,
            "duplicate_keys_reference": self.duplicate_keys_reference,
            "duplicate_keys_current": self.duplicate_keys_current,
            "null_keys_reference": self.null_keys_reference,
            "null_keys_current": self.null_keys_current,
            "samples_only_in_reference": self.samples_only_in_reference,
            "samples_only_in_current": self.samples_only_in_current,
            "float_tolerance": self.float_tolerance,
            "num_partitions": self.num_partitions,
            "spilled": self.spilled,
            "skipped_features": self.skipped_features,
            "warnings": self.warnings,
            "features": [f.to_dict() for f in self.features],
        })

    def to_frame(self) -> pd.DataFrame:
        """One row per compared feature: joined, mismatches, share, comparison rule."""
        return pd.DataFrame(
            [{"feature": f.feature, "num_joined": f.num_joined, "num_mismatches": f.num_mismatches,
              "mismatch_share": f.mismatch_share, "num_null_mismatches": f.num_null_mismatches,
              "comparison": f.comparison} for f in self.features],
            columns=["feature", "num_joined", "num_mismatches", "mismatch_share", "num_null_mismatches",
                     "comparison"],
        )


# --------------------------------------------------------------------------- types


def _is_nested(t: pa.DataType) -> bool:
    return pa.types.is_nested(t) or (pa.types.is_dictionary(t) and _is_nested(t.value_type))


def _is_number(t: pa.DataType) -> bool:
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)


def _common_key_type(a: pa.DataType, b: pa.DataType) -> pa.DataType:
    """Type both sides' key column is cast to before hashing and joining."""
    if pa.types.is_null(a):
        a = b
    if pa.types.is_null(b):
        b = a
    if pa.types.is_integer(a) and pa.types.is_integer(b):
        return pa.int64()
    if _is_number(a) and _is_number(b):
        return pa.float64()
    if a == b and not (pa.types.is_large_string(a) or pa.types.is_dictionary(a)):
        return a
    return pa.string()


def _comparison_mode(a: pa.DataType, b: pa.DataType) -> tuple[str, pa.DataType | None] | str:
    """``(mode, cast type)`` for a feature, or the reason it is skipped."""
    if _is_nested(a) or _is_nested(b):
        return "nested values are not compared"
    if pa.types.is_null(a):
        a = b
    if pa.types.is_null(b):
        b = a
    if pa.types.is_null(a):
        return "exact", None
    if _is_number(a) and _is_number(b):
        if pa.types.is_integer(a) and pa.types.is_integer(b):
            return "exact", pa.int64()
        return "float tolerance", pa.float64()
    if a == b:
        return "exact", a
    if (pa.types.is_string(a) or pa.types.is_large_string(a)) and (
            pa.types.is_string(b) or pa.types.is_large_string(b)):
        return "exact", pa.string()
    return "as text", pa.string()


def _cast(arr: pa.Array | pa.ChunkedArray, t: pa.DataType | None) -> pa.Array:
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if t is None or arr.type == t:
        return arr
    return arr.cast(t)


# --------------------------------------------------------------------------- hashing


def _mix64(h: np.ndarray) -> np.ndarray:
    """SplitMix64 finalizer (Steele et al. 2014): spreads entropy over all 64 bits."""
    with np.errstate(over="ignore"):
        h = h.astype(np.uint64, copy=True)
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return h


def _key_hash(table: pa.Table | pa.RecordBatch, key: Sequence[str], seed: int) -> np.ndarray:
    """64-bit hash of the (non-null) key columns of each row, mixed with a per-level seed."""
    h = np.full(table.num_rows, _SEEDS[seed % len(_SEEDS)], dtype=np.uint64)
    for k in key:
        col = table.column(k)
        if isinstance(col, pa.ChunkedArray):
            col = col.combine_chunks()
        if pa.types.is_temporal(col.type):
            col = col.view(pa.int64()) if col.type.bit_width == 64 else col.view(pa.int32())
        hk = hash_array(col)
        with np.errstate(over="ignore"):
            h = _mix64(h * _PRIME ^ hk)
    return h


def _split(table: pa.Table, key: Sequence[str], n: int, seed: int) -> Iterator[tuple[int, pa.Table]]:
    """Yield the rows of ``table`` going to each of ``n`` partitions (stable within a partition)."""
    if n == 1:
        yield 0, table
        return
    part = (_key_hash(table, key, seed) % np.uint64(n)).astype(np.int64)
    order = np.argsort(part, kind="stable")
    sorted_t = table.take(pa.array(order))
    counts = np.bincount(part, minlength=n)
    start = 0
    for i, c in enumerate(counts):
        if c:
            yield i, sorted_t.slice(start, int(c))
        start += int(c)


# --------------------------------------------------------------------------- partition store


class _Store:
    """Rows of both sides by partition: in memory until too large, then spill files (``dvtools.io.spill``)."""

    def __init__(self, key: list[str], schemas: dict[str, pa.Schema], budget: int, spill: SpillDirectory) -> None:
        self.key = key
        self.schemas = schemas
        self.budget = budget
        self.files = spill
        self.n = 1
        self.spilled = False
        self.memory: dict[str, list[pa.Table]] = {"ref": [], "cur": []}
        self.rows: dict[str, int] = {"ref": 0, "cur": 0}

    @staticmethod
    def name(side: str, i: int) -> str:
        return f"{side}-{i:05d}"

    def spill(self, n: int) -> None:
        """Switch to ``n`` on-disk partitions, moving what is buffered."""
        self.n = max(1, n)
        self.spilled = True
        for side, tables in self.memory.items():
            for t in tables:
                self._write(side, t)
        self.memory = {"ref": [], "cur": []}

    def add(self, side: str, table: pa.Table) -> None:
        self.rows[side] += table.num_rows
        if self.spilled:
            self._write(side, table)
        else:
            self.memory[side].append(table)

    def _write(self, side: str, table: pa.Table) -> None:
        for i, part in _split(table, self.key, self.n, 0):
            self.files.append(self.name(side, i), part, self.schemas[side])

    def close(self) -> None:
        self.files.close_writers()

    def pairs(self) -> Iterator[tuple[pa.Table, pa.Table]]:
        """Every partition pair as two tables (re-splitting oversized ones)."""
        if not self.spilled:
            yield (_concat(self.memory["ref"], self.schemas["ref"]),
                   _concat(self.memory["cur"], self.schemas["cur"]))
            return
        self.close()
        for i in range(self.n):
            yield from self._pair_files(self.files, i, depth=1)

    def _pair_files(self, files: SpillDirectory, i: int, depth: int) -> Iterator[tuple[pa.Table, pa.Table]]:
        ref, cur = self.name("ref", i), self.name("cur", i)
        if max(files.num_rows(ref), files.num_rows(cur)) > self.budget and depth <= MAX_DEPTH:
            sub = files.subdirectory()
            for side, name in (("ref", ref), ("cur", cur)):
                for batch in files.iter_batches(name):
                    for j, part in _split(pa.Table.from_batches([batch]), self.key, FANOUT, depth):
                        sub.append(self.name(side, j), part, self.schemas[side])
                sub.close_writers()
                files.remove(name)
            for j in range(FANOUT):
                yield from self._pair_files(sub, j, depth + 1)
            return
        yield files.read(ref, self.schemas["ref"]), files.read(cur, self.schemas["cur"])
        files.remove(ref)
        files.remove(cur)


def _concat(tables: list[pa.Table], schema: pa.Schema) -> pa.Table:
    if not tables:
        return schema.empty_table()
    return pa.concat_tables(tables)


# --------------------------------------------------------------------------- join and compare


def _dedupe(t: pa.Table, key: list[str], row: str) -> tuple[pa.Table, int, list[dict[str, Any]]]:
    """Keep the first row (lowest input position, column ``row``) of each key; count and sample the others."""
    if t.num_rows == 0:
        return t, 0, []
    g = t.group_by(key, use_threads=False).aggregate([(row, "min"), (row, "count")])
    extra = int(pc.sum(g[f"{row}_count"]).as_py()) - g.num_rows
    if extra == 0:
        return t, 0, []
    dup = g.filter(pc.greater(g[f"{row}_count"], 1)).select(key).slice(0, 5).to_pylist()
    return t.filter(pc.is_in(t[row], g[f"{row}_min"])), extra, dup


def _key_dicts(t: pa.Table, key: list[str], idx: np.ndarray) -> list[dict[str, Any]]:
    return t.select(key).take(pa.array(idx, type=pa.int64())).to_pylist()


class _Comparer:
    """Accumulates per-feature mismatch counts and samples over partition pairs."""

    def __init__(self, key: list[str], features: list[str], modes: dict[str, tuple[str, pa.DataType | None]],
                 tol: float, max_samples: int, result: FeatureSkewResult, prefix: str = _PREFIX,
                 names: tuple[str, str] = ("training", "serving")) -> None:
        self.prefix = prefix
        self.names = names
        self.key = key
        self.features = features
        self.modes = modes
        self.tol = tol
        self.max_samples = max_samples
        self.result = result
        self.by_name = {f.feature: f for f in result.features}

    def add_pair(self, ref: pa.Table, cur: pa.Table) -> None:
        res = self.result
        p = self.prefix
        row, in_ = f"{p}row", f"{p}in"
        ref, d_ref, dup_ref = _dedupe(ref, self.key, row)
        cur, d_cur, dup_cur = _dedupe(cur, self.key, row)
        res.duplicate_keys_reference += d_ref
        res.duplicate_keys_current += d_cur
        for side, dups in zip(self.names, (dup_ref, dup_cur), strict=True):
            if dups and len(res.warnings) < 20:
                res.warnings.append(f"duplicate keys in the {side} data (first row kept), e.g. {dups[0]}")
        if ref.num_rows == 0 and cur.num_rows == 0:
            return
        r_names = {f: f"{p}r{i}" for i, f in enumerate(self.features)}
        c_names = {f: f"{p}c{i}" for i, f in enumerate(self.features)}
        left = ref.rename_columns([r_names.get(n, n if n in self.key else f"{n}_r")
                                   for n in ref.column_names])
        left = left.append_column(f"{in_}_r", pa.array(np.ones(left.num_rows, dtype=bool)))
        right = cur.rename_columns([c_names.get(n, n if n in self.key else f"{n}_c")
                                    for n in cur.column_names])
        right = right.append_column(f"{in_}_c", pa.array(np.ones(right.num_rows, dtype=bool)))
        joined = left.join(right, keys=self.key, join_type="full outer", use_threads=False)
        joined = joined.sort_by([(f"{row}_r", "ascending"), (f"{row}_c", "ascending")])
        in_r = joined[f"{in_}_r"].is_valid().to_numpy(zero_copy_only=False)
        in_c = joined[f"{in_}_c"].is_valid().to_numpy(zero_copy_only=False)
        only_r, only_c, both = in_r & ~in_c, in_c & ~in_r, in_r & in_c
        res.only_in_reference += int(only_r.sum())
        res.only_in_current += int(only_c.sum())
        for mask, samples in ((only_r, res.samples_only_in_reference), (only_c, res.samples_only_in_current)):
            need = self.max_samples - len(samples)
            if need > 0 and mask.any():
                samples.extend(_key_dicts(joined, self.key, np.flatnonzero(mask)[:need]))
        n_both = int(both.sum())
        res.num_joined += n_both
        if n_both == 0:
            return
        m = joined.filter(pa.array(both))
        for f in self.features:
            self._compare(self.by_name[f], m, r_names[f], c_names[f], n_both)

    def _compare(self, fs: FeatureSkew, m: pa.Table, rcol: str, ccol: str, n: int) -> None:
        mode, t = self.modes[fs.feature]
        r, c = _cast(m[rcol], t), _cast(m[ccol], t)
        r_null = r.is_null().to_numpy(zero_copy_only=False)
        c_null = c.is_null().to_numpy(zero_copy_only=False)
        null_mismatch = r_null ^ c_null
        both_valid = ~r_null & ~c_null
        if mode == "float tolerance":
            rv = r.to_numpy(zero_copy_only=False).astype(np.float64)
            cv = c.to_numpy(zero_copy_only=False).astype(np.float64)
            with np.errstate(invalid="ignore", over="ignore"):
                close = np.abs(rv - cv) <= np.maximum(self.tol * np.maximum(np.abs(rv), np.abs(cv)), self.tol)
            equal = (rv == cv) | close | (np.isnan(rv) & np.isnan(cv))
        elif pa.types.is_null(r.type):
            equal = np.ones(n, dtype=bool)
        else:
            equal = pc.fill_null(pc.equal(r, c), True).to_numpy(zero_copy_only=False)
        mismatch = null_mismatch | (both_valid & ~equal)
        fs.num_joined += n
        fs.num_mismatches += int(mismatch.sum())
        fs.num_null_mismatches += int(null_mismatch.sum())
        need = self.max_samples - len(fs.samples)
        if need > 0 and mismatch.any():
            idx = np.flatnonzero(mismatch)[:need]
            keys = _key_dicts(m, self.key, idx)
            take = pa.array(idx, type=pa.int64())
            rvals, cvals = r.take(take).to_pylist(), c.take(take).to_pylist()
            fs.samples.extend({"key": k, "reference": a, "current": b}
                              for k, a, b in zip(keys, rvals, cvals, strict=True))


# --------------------------------------------------------------------------- API


def _estimate_rows(stream: Any, rows_so_far: int) -> int | None:
    if stream.num_rows is not None:
        return int(stream.num_rows)
    progress = stream.progress()
    if progress:
        return int(rows_so_far / max(progress, 1e-9))
    return None


def feature_skew(
    reference: Any,
    current: Any,
    *,
    key: str | Sequence[str],
    features: Sequence[str] | None = None,
    float_tolerance: float = 1e-6,
    max_samples: int = 20,
    partitions: int | None = None,
    max_partition_rows: int = ROWS_PER_PARTITION,
    names: tuple[str, str] | None = None,
) -> FeatureSkewResult:
    """Join ``reference`` and ``current`` on ``key`` and count differing values per feature.

    Sources: anything :func:`dvtools.io.open_source` reads (paths, globs, DataFrames, Tables...).
    ``features``: the columns to compare (default: every non-key column present on both sides).
    ``float_tolerance``: relative and absolute tolerance for floating-point values.
    ``partitions``: force that many hash partitions (``> 1`` spills to temporary Parquet files;
    ``1`` keeps everything in memory); default: chosen from the input size, see the module
    docstring. ``names``: what the warnings, skip reasons and errors call the two datasets (default
    ``("training", "serving")``: :func:`~dvtools.comparison._common.dataset_names`). Raises
    :class:`~dvtools.errors.UsageError` for unknown key or feature columns.
    """
    names = dataset_names("skew", names)
    keys = [key] if isinstance(key, str) else list(key)
    if not keys:
        raise UsageError("feature skew needs at least one key column")
    if len(set(keys)) != len(keys):
        raise UsageError(f"key columns repeat: {', '.join(keys)}")
    if not (math.isfinite(float_tolerance) and float_tolerance >= 0):
        raise UsageError(f"float_tolerance must be a non-negative number, got {float_tolerance!r}")
    if partitions is not None and partitions < 1:
        raise UsageError(f"partitions must be at least 1, got {partitions}")
    if max_partition_rows < 1:
        raise UsageError(f"max_partition_rows must be positive, got {max_partition_rows}")
    streams = {"ref": open_stream(reference), "cur": open_stream(current)}
    schemas = {side: s.resolve_schema() for side, s in streams.items()}
    for side, label in zip(("ref", "cur"), names, strict=True):
        missing = [k for k in keys if k not in schemas[side].names]
        if missing:
            raise UsageError(f"key column {missing[0]!r} is not in the {label} data "
                             f"(columns: {', '.join(schemas[side].names)})")
    key_types = {k: _common_key_type(schemas["ref"].field(k).type, schemas["cur"].field(k).type)
                 for k in keys}
    common = [n for n in schemas["ref"].names if n in schemas["cur"].names and n not in keys]
    result = FeatureSkewResult(key=keys, features=[], float_tolerance=float_tolerance)
    if features is None:
        wanted = common
    else:
        wanted = []
        for f in features:
            if f in keys:
                continue
            if f not in schemas["ref"].names or f not in schemas["cur"].names:
                side = names[0] if f not in schemas["ref"].names else names[1]
                result.skipped_features[f] = f"not in the {side} data"
            else:
                wanted.append(f)
    modes: dict[str, tuple[str, pa.DataType | None]] = {}
    for f in wanted:
        mode = _comparison_mode(schemas["ref"].field(f).type, schemas["cur"].field(f).type)
        if isinstance(mode, str):
            result.skipped_features[f] = mode
        else:
            modes[f] = mode
    compared = [f for f in wanted if f in modes]
    result.features = [FeatureSkew(f, comparison=modes[f][0]) for f in compared]
    prefix = _internal_prefix([*schemas["ref"].names, *schemas["cur"].names])
    row = f"{prefix}row"
    def joinable(field: pa.Field) -> pa.Field:  # Arrow cannot join a column typed null (all missing, e.g. in a CSV)
        return field.with_type(modes[field.name][1] or pa.string()) if pa.types.is_null(field.type) else field

    projected = {
        side: pa.schema([pa.field(k, key_types[k]) for k in keys]
                        + [joinable(schemas[side].field(f)) for f in compared] + [pa.field(row, pa.int64())])
        for side in streams
    }

    with SpillDirectory(prefix="dvtools-skew-") as spill:
        store = _Store(keys, projected, max_partition_rows, spill)
        if partitions is not None and partitions > 1:
            store.spill(partitions)
        elif partitions is None:
            known = [int(s.num_rows) for s in streams.values() if s.num_rows is not None]
            if len(known) == 2 and max(known) > max_partition_rows:
                store.spill(math.ceil(max(known) / max_partition_rows))
        for side, stream in streams.items():
            null_keys = 0
            rows = 0
            for batch in stream:
                t = pa.Table.from_batches([batch]).select(keys + compared)
                t = t.append_column(row, pa.array(np.arange(rows, rows + t.num_rows, dtype=np.int64)))
                rows += t.num_rows
                valid = None
                for k in keys:
                    col = t[k]
                    if col.null_count:
                        v = col.is_valid()
                        valid = v if valid is None else pc.and_(valid, v)
                if valid is not None:
                    before = t.num_rows
                    t = t.filter(valid)
                    null_keys += before - t.num_rows
                t = pa.Table.from_arrays([_cast(t[k], key_types[k]) for k in keys]
                                         + [_cast(t[c], projected[side].field(c).type) if pa.types.is_null(t[c].type)
                                            else t[c] for c in compared] + [t[row]], schema=projected[side])
                store.add(side, t)
                if (partitions is None and not store.spilled
                        and max(store.rows.values()) > max_partition_rows):
                    estimates = [_estimate_rows(s, store.rows[sd]) for sd, s in streams.items()]
                    total = max((e for e in estimates if e is not None), default=0)
                    n = math.ceil(1.5 * total / max_partition_rows) if total else FANOUT
                    store.spill(max(2, n))
            if side == "ref":
                result.num_reference, result.null_keys_reference = rows, null_keys
            else:
                result.num_current, result.null_keys_current = rows, null_keys
        result.num_partitions = store.n
        result.spilled = store.spilled
        comparer = _Comparer(keys, compared, modes, float_tolerance, max_samples, result, prefix, names)
        for ref_t, cur_t in store.pairs():
            comparer.add_pair(ref_t, cur_t)
        store.close()
    for side, name in zip(("reference", "current"), names, strict=True):
        n_dup = getattr(result, f"duplicate_keys_{side}")
        if n_dup:
            result.warnings.append(f"{n_dup:,} {name} {'row repeats' if n_dup == 1 else 'rows repeat'} an earlier key "
                                   f"and {'was' if n_dup == 1 else 'were'} ignored")
        n_null = getattr(result, f"null_keys_{side}")
        if n_null:
            result.warnings.append(f"{n_null:,} {name} {'row has' if n_null == 1 else 'rows have'} a null key and "
                                   "cannot be joined")
    return result
