"""Mergeable summaries for what is too costly to keep exactly.

* :class:`QuantileSketch`: every finite value exactly up to ``EXACT_QUANTILE_LIMIT`` values; beyond
  that an Apache DataSketches KLL sketch with ``k = 1000`` (normalized rank error <= 0.28 % at 99 %
  confidence for a single query, well within the 1 % budget; k = 400 (0.68 %) left enough noise to
  move a normalized Wasserstein distance by 0.026 at 1M rows).
* :class:`ValueCounter`: exact value counts while the number of distinct values stays within
  ``EXACT_DISTINCT_LIMIT``; beyond that a Misra-Gries frequent-items summary with
  ``FREQUENT_ITEMS_CAPACITY`` counters (each count under-estimated by at most
  ``error_bound <= N / (capacity + 1)``, Agarwal et al. 2012, "Mergeable summaries") and a
  HyperLogLog distinct counter (``2**16`` registers: standard error 1.04 / 256 = 0.41 %, so within
  2 % with near certainty; Flajolet et al. 2007).

HyperLogLog registers are only comparable when built with the same hash function: each counter
records the :func:`hash_version` of its registers (written to and read from the statistics JSON).
Merging counters whose registers come from different hash versions cannot take the register-wise
max; the merged distinct count then falls back to the largest of the two estimates (a lower bound
of the union's distinct count), and later updates hash into fresh registers of the current version.

The frequent-items and HyperLogLog summaries are vectorized over Arrow/numpy arrays here instead
of DataSketches' ``frequent_strings_sketch``/``hll_sketch``, whose Python bindings take one item per
call (about 1 s per million values, slower than the whole statistics pass). The algorithms are
the textbook ones, with the same merge laws and bounds.
"""

from __future__ import annotations

import base64
import zlib
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasketches import kll_doubles_sketch

from dvtools import limits
from dvtools.errors import StatisticsFormatError

EXACT_QUANTILE_LIMIT = 100_000
KLL_K = 1000
EXACT_DISTINCT_LIMIT = 100_000
FREQUENT_ITEMS_CAPACITY = 10_000
HLL_PRECISION = 16
_PENDING_ROWS = 200_000


def _writable(values: np.ndarray) -> np.ndarray:
    """DataSketches' bindings take only writable contiguous float64 arrays."""
    return np.require(values, dtype=np.float64, requirements=["C", "W"])


def _b64(data: bytes) -> str:
    return base64.b64encode(zlib.compress(data, 1)).decode("ascii")


def _unb64(text: str, limit: int) -> bytes:
    """Decode a payload, refusing one that inflates beyond ``limit`` bytes (a zlib bomb) or is truncated."""
    d = zlib.decompressobj()
    out = d.decompress(base64.b64decode(text.encode("ascii"), validate=True), limit + 1)
    if len(out) > limit or d.unconsumed_tail:
        raise StatisticsFormatError(
            f"sketch payload inflates beyond {limit:,} bytes, the size its declared parameters allow")
    if not d.eof:
        raise StatisticsFormatError("sketch payload is truncated")
    return out


class QuantileSketch:
    """Quantiles and CDF of a numeric stream: exact up to a limit, then KLL with ``k = 1000``.

    The KLL normalized rank error is <= 0.28 % (99 % confidence, single query).
    """

    __slots__ = ("_exact", "_kll", "_n", "_sorted")

    def __init__(self) -> None:
        self._exact: list[np.ndarray] = []
        self._kll: kll_doubles_sketch | None = None
        self._n = 0
        self._sorted: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Number of values summarized."""
        return self._n

    @property
    def is_exact(self) -> bool:
        """True while every value is kept (quantiles and CDF are exact)."""
        return self._kll is None

    def update(self, values: np.ndarray) -> None:
        """Add finite float64 values."""
        if values.size == 0:
            return
        self._n += int(values.size)
        self._sorted = None
        if self._kll is not None:
            self._kll.update(_writable(values))
            return
        self._exact.append(np.asarray(values, dtype=np.float64))
        if self._n > EXACT_QUANTILE_LIMIT:
            self._to_kll()

    def _to_kll(self) -> None:
        sk = kll_doubles_sketch(KLL_K)
        for chunk in self._exact:
            sk.update(_writable(chunk))
        self._exact = []
        self._kll = sk

    def merge(self, other: QuantileSketch) -> None:
        """Fold ``other`` into this sketch."""
        if other._n == 0:
            return
        self._sorted = None
        if other._kll is None:
            self._n += other._n
            if self._kll is not None:
                for chunk in other._exact:
                    self._kll.update(_writable(chunk))
            else:
                self._exact.extend(other._exact)
                if self._n > EXACT_QUANTILE_LIMIT:
                    self._to_kll()
            return
        if self._kll is None:
            self._to_kll()
        assert self._kll is not None
        self._kll.merge(other._kll)
        self._n += other._n

    def _values(self) -> np.ndarray:
        if self._sorted is None:
            self._sorted = np.sort(np.concatenate(self._exact)) if self._exact else np.empty(0)
            self._exact = [self._sorted]
        return self._sorted

    def quantiles(self, qs: np.ndarray | list[float]) -> np.ndarray:
        """Values at probability levels ``qs`` (nearest-rank on exact data, linear interpolation)."""
        q = np.asarray(qs, dtype=np.float64)
        if self._n == 0:
            return np.full(q.shape, np.nan)
        if self._kll is None:
            values = self._values()
            with np.errstate(over="ignore", invalid="ignore"):
                out = np.quantile(values, q)
                if not np.isfinite(out).all():  # interpolation overflowed (values near the float64 limit)
                    out = np.quantile(values / 2, q) * 2
            return out
        return np.asarray(self._kll.get_quantiles(q.tolist()), dtype=np.float64)

    def cdf(self, points: np.ndarray | list[float], *, inclusive: bool = True) -> np.ndarray:
        """Fraction of values ``<= x`` (``< x`` when not inclusive) for each point."""
        x = np.asarray(points, dtype=np.float64)
        if self._n == 0:
            return np.zeros(x.shape)
        if self._kll is None:
            side = "right" if inclusive else "left"
            return np.searchsorted(self._values(), x, side=side) / self._n
        if x.size == 0:
            return np.zeros(0)
        order = np.argsort(x, kind="stable")
        xs = x[order]
        # KLL needs strictly increasing split points.
        uniq, inverse = np.unique(xs, return_inverse=True)
        ranks = np.asarray(self._kll.get_cdf(uniq.tolist(), inclusive), dtype=np.float64)[:-1]
        out = np.empty_like(x)
        out[order] = ranks[inverse]
        return out

    def histogram(self, edges: np.ndarray) -> np.ndarray:
        """Counts in ``[e0,e1), [e1,e2), ..., [e_{k-1}, e_k]`` (last bin closed)."""
        e = np.asarray(edges, dtype=np.float64)
        if self._n == 0 or e.size < 2:
            return np.zeros(max(e.size - 1, 0))
        if self._kll is None:
            return np.histogram(self._values(), bins=e)[0].astype(np.float64)
        left = self.cdf(e[:-1], inclusive=False)
        right = np.append(left[1:], self.cdf(e[-1:], inclusive=True))
        return np.clip(right - left, 0.0, None) * self._n

    # ---- serialization -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (values or KLL bytes, zlib+base64)."""
        if self._kll is None:
            return {"kind": "exact", "n": self._n, "data": _b64(self._values().tobytes())}
        return {"kind": "kll", "k": KLL_K, "n": self._n, "data": _b64(self._kll.serialize())}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> QuantileSketch:
        """Inverse of :meth:`to_dict`."""
        sk = cls()
        sk._n = int(d["n"])
        if d["kind"] == "exact":
            raw = _unb64(d["data"], limits.exact_sketch_bytes_limit(min(sk._n, limits.MAX_EXACT_SKETCH_VALUES)))
            arr = np.frombuffer(raw, dtype=np.float64).copy()
            if arr.size != sk._n:
                raise StatisticsFormatError(f"exact sketch holds {arr.size:,} values but declares n = {sk._n:,}")
            sk._exact = [arr] if arr.size else []
            sk._sorted = arr
        else:
            if int(d.get("k", KLL_K)) != KLL_K:
                raise StatisticsFormatError(f"KLL sketch has k = {d.get('k')}, expected {KLL_K}")
            sk._kll = kll_doubles_sketch.deserialize(_unb64(d["data"], limits.kll_serialized_bytes_limit(KLL_K)))
            if sk._kll.n != sk._n or sk._kll.k != KLL_K:
                raise StatisticsFormatError(
                    f"KLL sketch holds n = {sk._kll.n:,}, k = {sk._kll.k} but declares n = {sk._n:,}")
        return sk

    def __getstate__(self) -> dict[str, Any]:
        return self.to_dict()

    def __setstate__(self, state: dict[str, Any]) -> None:
        other = QuantileSketch.from_dict(state)
        self._exact, self._kll, self._n, self._sorted = other._exact, other._kll, other._n, other._sorted


# ---- hashing for HyperLogLog ------------------------------------------------------------------
HASH_SEED = 0x5EED


def hash_array(arr: pa.Array) -> np.ndarray:
    """64-bit hashes of the non-null values of an Arrow array (numbers, strings, binary).

    Polars' vectorized, multi-threaded hash (about 50 ms per million strings, 60x faster than
    hashing in numpy). Its values are stable for a given polars version, which is what merging
    HyperLogLog registers needs; statistics record the version they were hashed with.
    """
    import polars as pl

    arr = arr.drop_null() if arr.null_count else arr
    if pa.types.is_floating(arr.type):
        arr = pc.add(arr.cast(pa.float64()), 0.0)  # -0.0 -> 0.0: one value
    elif pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    return pl.Series(values=arr).hash(seed=HASH_SEED).to_numpy()


def hash_version() -> str:
    """Identifies the hash function HyperLogLog registers were built with."""
    import polars as pl

    return f"polars-{pl.__version__}-seed{HASH_SEED}"


class HyperLogLog:
    """HyperLogLog distinct counter over 64-bit hashes; merge is the register-wise max."""

    __slots__ = ("registers",)

    def __init__(self, registers: np.ndarray | None = None) -> None:
        self.registers = registers if registers is not None else np.zeros(1 << HLL_PRECISION, dtype=np.uint8)

    def update_hashes(self, h: np.ndarray) -> None:
        """Add already-hashed values."""
        if h.size == 0:
            return
        p = HLL_PRECISION
        idx = (h >> np.uint64(64 - p)).astype(np.int64)
        rest = (h << np.uint64(p)) | np.uint64(1 << (p - 1))  # guard bit bounds the rank
        # rank = number of leading zeros + 1
        rank = (64 - np.floor(np.log2(rest.astype(np.float64))).astype(np.int64)).astype(np.uint8)
        np.maximum.at(self.registers, idx, rank)

    def merge(self, other: HyperLogLog) -> None:
        """Union of the two multisets."""
        np.maximum(self.registers, other.registers, out=self.registers)

    def estimate(self) -> float:
        """Cardinality estimate with the small-range (linear counting) correction."""
        m = float(self.registers.size)
        alpha = 0.7213 / (1 + 1.079 / m)
        e = alpha * m * m / np.sum(np.exp2(-self.registers.astype(np.float64)))
        zeros = int(np.count_nonzero(self.registers == 0))
        if e <= 2.5 * m and zeros:
            e = m * np.log(m / zeros)
        return float(e)


class ValueCounter:
    """Value -> count, exact while distinct values fit, then Misra-Gries + HyperLogLog."""

    __slots__ = ("_type", "_values", "_counts", "_pending", "_pending_rows", "_hll", "_distinct_floor",
                 "error_bound", "total", "hash_version")

    def __init__(self, value_type: pa.DataType) -> None:
        self._type = value_type
        self._values: pa.Array = pa.array([], type=value_type)
        self._counts: np.ndarray = np.zeros(0, dtype=np.int64)
        self._pending: list[tuple[pa.Array, np.ndarray]] = []
        self._pending_rows = 0
        self._hll: HyperLogLog | None = None
        self._distinct_floor = 0  # lower bound of the distinct count kept when registers could not merge
        self.hash_version: str | None = None  # hash function of the HLL registers (None while exact)
        self.error_bound = 0  # max under-count of any reported count (0 while exact)
        self.total = 0  # number of values counted

    @property
    def is_exact(self) -> bool:
        """True while every distinct value is counted exactly."""
        return self._hll is None

    def update(self, arr: pa.Array) -> tuple[pa.Array, np.ndarray]:
        """Count the non-null values of ``arr``; returns this batch's (values, counts)."""
        vc = pc.value_counts(arr)
        values = vc.field("values")
        counts = vc.field("counts").to_numpy().astype(np.int64)
        if values.null_count:
            keep = pc.is_valid(values)
            values = values.filter(keep)
            counts = counts[keep.to_numpy(zero_copy_only=False)]
        self.add_counts(values, counts)
        return values, counts

    def add_counts(self, values: pa.Array, counts: np.ndarray) -> None:
        """Add pre-aggregated (distinct value, count) pairs."""
        if len(values) == 0:
            return
        if values.type != self._type:
            values = values.cast(self._type)
        self.total += int(counts.sum())
        if self._hll is not None:
            self._adopt_current_hash()
            self._hll.update_hashes(hash_array(values))
            if len(values) > FREQUENT_ITEMS_CAPACITY:
                # Summarize the batch first (a Misra-Gries summary of it), then merge summaries:
                # same bound, and a stream of nearly unique values costs no group-by.
                values, counts = self._prune(values, counts)
                if len(values) == 0:
                    return
        self._pending.append((values, counts))
        self._pending_rows += len(values)
        if self._pending_rows > _PENDING_ROWS:
            self._compact()

    def _compact(self) -> None:
        if not self._pending:
            return
        vals = pa.concat_arrays([self._values, *(v for v, _ in self._pending)])
        cnts = np.concatenate([self._counts, *(c for _, c in self._pending)])
        self._pending = []
        self._pending_rows = 0
        tbl = pa.table({"v": vals, "c": cnts}).group_by("v", use_threads=False).aggregate([("c", "sum")])
        self._values = tbl.column("v").combine_chunks()
        self._counts = tbl.column("c_sum").to_numpy().astype(np.int64)
        if self._hll is None and len(self._values) > EXACT_DISTINCT_LIMIT:
            self._new_hll()
        if self._hll is not None and len(self._values) > FREQUENT_ITEMS_CAPACITY:
            self._values, self._counts = self._prune(self._values, self._counts)

    def _new_hll(self) -> None:
        """Start HyperLogLog registers (current hash version) holding the values counted so far."""
        self._hll = HyperLogLog()
        self.hash_version = hash_version()
        self._hll.update_hashes(hash_array(self._values))

    def _adopt_current_hash(self) -> None:
        """Make the registers hash-compatible with the current hash function before adding hashes.

        Registers of another hash version keep their estimate as a lower bound of the distinct
        count and are replaced by fresh registers of the current version.
        """
        if self._hll is None or self.hash_version == hash_version():
            return
        self._distinct_floor = max(self._distinct_floor, int(round(self._hll.estimate())))
        self._new_hll()

    def _prune(self, values: pa.Array, counts: np.ndarray) -> tuple[pa.Array, np.ndarray]:
        """Misra-Gries prune: subtract the (capacity+1)-th largest count from every counter."""
        cap = FREQUENT_ITEMS_CAPACITY
        pos = len(counts) - cap - 1
        kth = int(np.partition(counts, pos)[pos])
        keep = counts > kth
        self.error_bound += kth
        return values.filter(pa.array(keep)), counts[keep] - kth

    def merge(self, other: ValueCounter) -> None:
        """Fold ``other`` into this counter."""
        other._compact()
        self.total += other.total
        self.error_bound += other.error_bound
        self._distinct_floor = max(self._distinct_floor, other._distinct_floor)
        if other._hll is not None:
            if self._hll is None:
                self._compact()
            if self._hll is None:  # _compact may itself have switched to sketch mode (and pruned)
                self._new_hll()
            assert self._hll is not None
            if self.hash_version == other.hash_version:
                self._hll.merge(other._hll)
            else:
                # Registers of different hash functions cannot be merged: fall back to the larger estimate.
                estimates = (self._hll.estimate(), other._hll.estimate())
                self._distinct_floor = max(self._distinct_floor, *(int(round(e)) for e in estimates))
                if other.hash_version == hash_version():
                    self._hll = HyperLogLog(other._hll.registers.copy())
                    self.hash_version = other.hash_version
        elif self._hll is not None and len(other._values):
            self._adopt_current_hash()
            self._hll.update_hashes(hash_array(other._values))
        if len(other._values):
            vals = other._values if other._values.type == self._type else other._values.cast(self._type)
            self._pending.append((vals, other._counts))
            self._pending_rows += len(vals)
        self._compact()

    def distinct(self) -> int:
        """Number of distinct values (HyperLogLog estimate once beyond the exact limit)."""
        self._compact()
        if self._hll is None:
            return len(self._values)
        return max(int(round(self._hll.estimate())), len(self._values), self._distinct_floor)

    def items(self) -> tuple[pa.Array, np.ndarray]:
        """(values, counts) sorted by count desc, then value: every value while exact."""
        self._compact()
        if len(self._values) == 0:
            return self._values, self._counts
        tbl = pa.table({"v": self._values, "c": self._counts})
        idx = pc.sort_indices(tbl, sort_keys=[("c", "descending"), ("v", "ascending")])
        return self._values.take(idx), self._counts[idx.to_numpy()]

    # ---- serialization -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        values, counts = self.items()
        return {
            "values": values.to_pylist(),
            "counts": counts.tolist(),
            "total": self.total,
            "error_bound": self.error_bound,
            "hll": None if self._hll is None else _b64(self._hll.registers.tobytes()),
            "hash": None if self._hll is None else self.hash_version,
            **({"distinct_floor": self._distinct_floor} if self._distinct_floor else {}),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], value_type: pa.DataType) -> ValueCounter:
        """Inverse of :meth:`to_dict`."""
        vc = cls(value_type)
        vc._values = pa.array(d["values"], type=value_type)
        vc._counts = np.asarray(d["counts"], dtype=np.int64)
        vc.total = int(d["total"])
        vc.error_bound = int(d["error_bound"])
        if d.get("hll"):
            registers = np.frombuffer(_unb64(d["hll"], limits.HLL_REGISTER_BYTES), dtype=np.uint8).copy()
            if registers.size != limits.HLL_REGISTER_BYTES:
                raise StatisticsFormatError(
                    f"HyperLogLog has {registers.size:,} registers, expected {limits.HLL_REGISTER_BYTES:,}")
            vc._hll = HyperLogLog(registers)
            vc.hash_version = d.get("hash")
        vc._distinct_floor = int(d.get("distinct_floor", 0))
        return vc

    def __getstate__(self) -> dict[str, Any]:
        return {"type": self._type, "d": self.to_dict()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        other = ValueCounter.from_dict(state["d"], state["type"])
        for s in ValueCounter.__slots__:
            setattr(self, s, getattr(other, s))
