"""Arrow <-> numpy without pyarrow's pandas import (start-up).

pyarrow imports pandas (~0.3-0.4 s, more than numpy and pyarrow together) the first time an array
is converted to numpy (``Array.to_numpy``, ``np.asarray``), a Python value to Arrow (``pa.array``,
``pa.scalar``, and every ``pyarrow.compute`` call given a Python number or bool) or a table is
grouped (``Table.group_by`` loads ``pyarrow.dataset``). The statistics, validation and CLI paths
convert through these helpers instead, so ``dvtools stats`` / ``validate`` of a small file never pay
for pandas (pinned by ``tests/test_startup.py``). They read and build Arrow buffers directly:
zero-copy views where the layout allows, the same values as pyarrow's own conversions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_DTYPES: dict[pa.DataType, np.dtype[Any] | None] = {}


def _numpy_dtype(t: pa.DataType) -> np.dtype[Any] | None:
    """The numpy dtype whose bytes are the values buffer of a fixed-width ``t`` (None if there is none)."""
    try:
        return _DTYPES[t]
    except KeyError:
        dtype = _DTYPES[t] = _find_dtype(t)
        return dtype


def _find_dtype(t: pa.DataType) -> np.dtype[Any] | None:
    if pa.types.is_integer(t):
        return np.dtype(f"{'i' if pa.types.is_signed_integer(t) else 'u'}{t.bit_width // 8}")
    if pa.types.is_floating(t):
        return np.dtype(f"f{t.bit_width // 8}")
    if pa.types.is_timestamp(t) or pa.types.is_date64(t) or pa.types.is_duration(t) or pa.types.is_time64(t):
        return np.dtype("i8")
    if pa.types.is_date32(t) or pa.types.is_time32(t):
        return np.dtype("i4")
    return None


def to_numpy(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The values of a null-free array as numpy: a read-only zero-copy view for numbers, a copy for bools.

    Temporal types give their integer storage (timestamps: int64 in their unit). Arrays with
    nulls or of other types fall back to ``Array.to_numpy`` (which may import pandas).
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    t = arr.type
    if arr.null_count == 0:
        dtype = _numpy_dtype(t)
        if dtype is not None:
            buf = arr.buffers()[1]
            if buf is None or len(arr) == 0:
                return np.zeros(0, dtype=dtype)
            return np.frombuffer(buf, dtype=dtype, count=len(arr), offset=arr.offset * dtype.itemsize)
        if pa.types.is_boolean(t):
            return to_numpy(pc.cast(arr, pa.uint8())).astype(bool)
    return arr.to_numpy(zero_copy_only=False)


def from_numpy(values: np.ndarray, type: pa.DataType | None = None) -> pa.Array:  # noqa: A002 - pyarrow's name
    """A null-free Arrow array of a 1-d numeric or bool numpy array (``type`` casts it, e.g. to int64)."""
    values = np.ascontiguousarray(values)
    if values.dtype == np.bool_:
        arr = pa.Array.from_buffers(pa.bool_(), values.size, [None, pa.py_buffer(np.packbits(values, bitorder="little"))])
    else:
        native = _from_dtype(values.dtype)
        arr = pa.Array.from_buffers(native, values.size, [None, pa.py_buffer(values)])
    return arr if type is None or arr.type == type else arr.cast(type)


def _from_dtype(dtype: np.dtype[Any]) -> pa.DataType:
    kind, size = dtype.kind, dtype.itemsize
    if kind == "f":
        return {2: pa.float16(), 4: pa.float32(), 8: pa.float64()}[size]
    if kind == "i":
        return {1: pa.int8(), 2: pa.int16(), 4: pa.int32(), 8: pa.int64()}[size]
    if kind == "u":
        return {1: pa.uint8(), 2: pa.uint16(), 4: pa.uint32(), 8: pa.uint64()}[size]
    raise TypeError(f"no Arrow type for numpy dtype {dtype}")


def strings(values: Sequence[str | None]) -> pa.Array:
    """A ``string`` array of Python strings (None: null), built from its buffers."""
    n = len(values)
    encoded = [b"" if v is None else v.encode("utf-8") for v in values]
    offsets = np.zeros(n + 1, dtype=np.int64)
    if n:
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
    if offsets[-1] >= 2**31:  # beyond 32-bit offsets: pyarrow's error
        return pa.array(values, type=pa.string())
    return pa.Array.from_buffers(pa.string(), n, [_validity(values), pa.py_buffer(offsets.astype(np.int32)),
                                                  pa.py_buffer(b"".join(encoded))])


def _validity(values: Sequence[Any]) -> pa.Buffer | None:
    valid = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
    return None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))


def array(values: Sequence[Any], type: pa.DataType) -> pa.Array:  # noqa: A002 - pyarrow's name
    """``pa.array(values, type)`` for the value types of statistics (numbers, bools, strings, nulls).

    Other types (and numbers with nulls) go through ``pa.array``.
    """
    if pa.types.is_string(type) and all(v is None or isinstance(v, str) for v in values):
        return strings(values)
    if any(v is None for v in values) or not values and not (pa.types.is_integer(type) or pa.types.is_floating(type)
                                                             or pa.types.is_boolean(type)):
        if not any(v is not None for v in values):
            return pa.nulls(len(values), type)
        return pa.array(values, type=type)
    if pa.types.is_boolean(type) and all(isinstance(v, bool) for v in values):
        return from_numpy(np.array(values, dtype=bool))
    dtype = _numpy_dtype(type)
    kind = int if pa.types.is_integer(type) else float if pa.types.is_floating(type) else None
    if dtype is not None and kind is not None and all(type_ is kind for type_ in map(_type_of, values)):
        try:
            return from_numpy(np.array(values, dtype=dtype), type)
        except OverflowError:  # pyarrow's error for an int out of range
            pass
    return pa.array(values, type=type)


def _type_of(value: Any) -> type:
    return type(value)


def scalar(value: Any, type: pa.DataType) -> pa.Scalar:  # noqa: A002 - pyarrow's name
    """``pa.scalar(value, type)`` for a number, bool, string or None (``pyarrow.compute`` arguments)."""
    return array([value], type)[0]


FALSE = scalar(False, pa.bool_())
"""The ``false`` scalar (``pc.fill_null(mask, FALSE)``: a Python ``False`` would import pandas)."""

NAN = scalar(float("nan"), pa.float64())


def filled(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Numbers or bools as numpy with nulls filled (numbers: NaN as float64, like ``Array.to_numpy``; bools: False).

    For arrays that may hold nulls; never imports pandas.
    """
    if arr.null_count == 0:
        return to_numpy(arr)
    if pa.types.is_boolean(arr.type):
        return to_numpy(pc.fill_null(arr, FALSE))
    return to_numpy(pc.fill_null(pc.cast(arr, pa.float64()), NAN))


def choose_memory_pool() -> str:
    """Make the C library's allocator pyarrow's default pool, unless ``ARROW_DEFAULT_MEMORY_POOL`` says otherwise.

    pyarrow's default pool (mimalloc) purges freed pages back to the kernel and touches them
    again on the next batch. Where page faults are expensive (virtual machines: Firecracker, gVisor)
    that costs more system time than the whole fold's user time and grows with threads: a 1M-row
    ``dvtools stats`` measured 2.3-3.7 s of system time on 2 threads with mimalloc, 0.4-0.5 s with
    the system allocator, at the same user time (README, "Performance"). Called by the processes
    dvtools owns (the CLI, the dashboard, Dask workers), never on import. Returns the backend's name.
    """
    import os

    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "system"  # worker processes started from here
        pa.set_memory_pool(pa.system_memory_pool())
    return pa.default_memory_pool().backend_name


#: glibc ``mallopt`` parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024
"""glibc's largest mmap threshold (``DEFAULT_MMAP_THRESHOLD_MAX`` on 64-bit): smaller blocks come from the heap."""


def keep_freed_memory() -> bool:
    """Make this process's allocators keep freed memory for reuse instead of handing it back to the kernel.

    For short-lived processes that fold batch after batch of the same size (the statistics worker
    processes). glibc's ``malloc`` returns a freed block of more than its dynamic mmap threshold to
    the kernel (``munmap``) and trims the top of its heap beyond ``M_TRIM_THRESHOLD``; polars' jemalloc
    purges dirty pages after 10 s. Each returned page is faulted in again (and zeroed) by the next
    batch, which on this virtual machine costs more than the copy it serves: one 64 MiB CSV range
    took 18,400 minor faults in steady state, 2,700 with these settings. Here glibc's thresholds are
    fixed (blocks up to 32 MiB come from the heap, a heap is never trimmed) and jemalloc never purges
    (``_RJEM_MALLOC_CONF``, read when polars is first imported, so only for a process that has not
    imported it yet). The process's RSS then stays at its high-water mark until it exits. Returns
    whether glibc took the settings (False on other C libraries: nothing changes).
    """
    import os

    os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:-1,muzzy_decay_ms:-1")
    mallopt = libc_function("mallopt")  # not on musl
    return mallopt is not None and bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) \
        and bool(mallopt(_M_TRIM_THRESHOLD, 1 << 30))


def release_free_memory() -> bool:
    """Hand the free pages of glibc's heaps back to the kernel now (``malloc_trim``); False elsewhere.

    Called before forking worker processes: opening and probing a CSV leaves ~150 MB of freed heap
    that each worker would otherwise inherit (counted in its RSS) and copy on its first write.
    """
    trim = libc_function("malloc_trim")
    if trim is None:
        return False
    trim(0)
    return True


def libc_function(name: str) -> Any:
    """The Linux C library's function ``name`` (ctypes, errno kept), or None elsewhere or when it has none."""
    import sys

    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError):
        return None
