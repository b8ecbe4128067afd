"""Resource limits: every bound dvtools puts on what an input may cost, in one place.

Each limit is a named constant, documented in the README ("Resource limits") with the one-line
error it gives. Inputs beyond a limit fail with a :class:`~dvtools.errors.DvtoolsError` naming the
file, the limit and how to raise it, never with a crash, a MemoryError or a hung server.

``DVTOOLS_MAX_RECORD_BYTES`` (environment) raises the record-size limit for the CLI and the
dashboard; ``open_source(..., max_record_bytes=...)`` sets it per call.
"""

from __future__ import annotations

import os

MAX_NESTING_DEPTH = 64
"""Deepest nesting of JSON values (objects/arrays) in a JSON Lines record, a statistics file or a
schema file. Real data rarely nests beyond 10; the JSON parsers recurse (pyarrow's crashes the
process at ~8,000 levels), so deeper input is refused before it is parsed."""

DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024
"""Longest record: one CSV row (quoted newlines included) or one JSON line, in decompressed bytes.
A longer record is refused instead of being buffered whole (memory stays bounded)."""


def max_record_bytes() -> int:
    """The record-size limit: ``DVTOOLS_MAX_RECORD_BYTES`` if set (bytes, a positive integer), else the default."""
    raw = os.environ.get("DVTOOLS_MAX_RECORD_BYTES", "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return DEFAULT_MAX_RECORD_BYTES


MAX_UPLOAD_BYTES = 500 * 1024 * 1024
"""Largest dashboard upload (Streamlit's ``server.maxUploadSize`` in ``.streamlit/config.toml``, in MB).
Bigger files open from the server's disk (``streamlit run app.py -- --reference PATH``)."""

MAX_STATISTICS_FILE_BYTES = 2 * 1024 * 1024 * 1024
"""Largest statistics JSON read (file or upload). Its sketches are bounded separately, below."""

MAX_EXACT_SKETCH_VALUES = 100_000
"""Values an exact quantile sketch may hold when loaded (``EXACT_QUANTILE_LIMIT`` of the sketches)."""

HLL_REGISTER_BYTES = 1 << 16
"""Size of a HyperLogLog register array (2^16 one-byte registers); any other decoded size is refused."""


def kll_serialized_bytes_limit(k: int) -> int:
    """Upper bound of a serialized KLL doubles sketch with parameter ``k``.

    A KLL sketch retains fewer than ``3 k`` items (geometric level capacities, ratio 2/3) plus at most
    ~64 levels of a few bytes; 8 bytes per item, a generous 4 k items and 1 KiB of header and levels.
    A compressed payload that inflates beyond this is not a sketch we wrote (a zlib bomb): refused.
    """
    return 8 * 4 * k + 1024


def exact_sketch_bytes_limit(n: int) -> int:
    """Decoded size of an exact quantile sketch that declares ``n`` values (8 bytes each)."""
    return 8 * n


__all__ = [
    "DEFAULT_MAX_RECORD_BYTES",
    "HLL_REGISTER_BYTES",
    "MAX_EXACT_SKETCH_VALUES",
    "MAX_NESTING_DEPTH",
    "MAX_STATISTICS_FILE_BYTES",
    "MAX_UPLOAD_BYTES",
    "exact_sketch_bytes_limit",
    "kll_serialized_bytes_limit",
    "max_record_bytes",
]
