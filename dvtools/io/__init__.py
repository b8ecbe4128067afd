"""Data loading: any supported source as one schema-consistent stream of Arrow record batches.

See :mod:`dvtools.io.sources` for the rules (null markers, type widening, fold vs iteration).
"""

from dvtools.io.sources import (
    COMPRESSION_EXTENSIONS,
    DEFAULT_BLOCK_SIZE,
    DEFAULT_NULL_VALUES,
    SUPPORTED_EXTENSIONS,
    SUPPORTED_FORMATS,
    BatchStream,
    open_source,
    read_table,
)

__all__ = [
    "COMPRESSION_EXTENSIONS",
    "DEFAULT_BLOCK_SIZE",
    "DEFAULT_NULL_VALUES",
    "SUPPORTED_EXTENSIONS",
    "SUPPORTED_FORMATS",
    "BatchStream",
    "open_source",
    "read_table",
]
