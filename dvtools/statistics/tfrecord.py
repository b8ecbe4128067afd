"""Recognize TFDV statistics files by their bytes, and read TFRecord framing: no protobuf needed.

Kept apart from :mod:`dvtools.statistics.tfdv` so that telling a data file from a statistics file
(every command does it for every input) imports nothing heavy. A TFRecord file is a sequence of
records: length ``uint64`` (little endian), masked CRC-32C of the length ``uint32``, the data,
masked CRC-32C of the data ``uint32`` (TensorFlow's ``tf.io.TFRecordWriter`` format, uncompressed).
"""

from __future__ import annotations

import re
import struct

from dvtools.errors import StatisticsFormatError

__all__ = ["CRC_CHECK_MAX_BYTES", "masked_crc32c", "tfdv_format", "tfrecord_records"]

_CRC_TABLE: list[int] = []
_TEXT_START = re.compile(rb"\A(?:\s|#[^\n]*\n)*datasets\s*[{:<]")


def _crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), table-driven (a TFRecord's checksum)."""
    if not _CRC_TABLE:
        for i in range(256):
            c = i
            for _ in range(8):
                c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
            _CRC_TABLE.append(c)
    table, crc = _CRC_TABLE, 0xFFFFFFFF
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC: ``((crc >> 15 | crc << 17) + 0xa282ead8) mod 2**32``."""
    crc = _crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


#: Records up to this size get their data checksum verified (pure Python CRC: ~2 MB/s).
CRC_CHECK_MAX_BYTES = 4 * 1024**2


def tfrecord_records(data: bytes, name: str = "file") -> list[bytes]:
    """The records of a TFRecord file (uncompressed), checksums verified; one-line errors."""
    out, pos = [], 0
    while pos < len(data):
        if len(data) - pos < 12:
            raise StatisticsFormatError(f"{name}: truncated TFRecord header at byte {pos}")
        header = data[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (hcrc,) = struct.unpack("<I", data[pos + 8:pos + 12])
        if masked_crc32c(header) != hcrc:
            raise StatisticsFormatError(f"{name}: TFRecord length checksum mismatch at byte {pos}")
        start, end = pos + 12, pos + 12 + length
        if end + 4 > len(data):
            raise StatisticsFormatError(f"{name}: truncated TFRecord record at byte {pos}")
        record = data[start:end]
        (dcrc,) = struct.unpack("<I", data[end:end + 4])
        if length <= CRC_CHECK_MAX_BYTES and masked_crc32c(record) != dcrc:
            raise StatisticsFormatError(f"{name}: TFRecord data checksum mismatch in the record at byte {pos}")
        out.append(record)
        pos = end + 4
    return out


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while pos < len(data) and shift < 64:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7
    return -1, pos


def _binary_walk(head: bytes, size: int) -> bool:
    """True when ``head`` (the first bytes of a ``size``-byte file) chains field-1 messages to the end.

    A binary ``DatasetFeatureStatisticsList`` is a sequence of ``datasets`` fields (tag ``0x0a``, a
    length, the message). Only the part in ``head`` can be checked; a file whose first message goes
    beyond ``head`` must at least end inside the file.
    """
    pos, seen = 0, 0
    while pos < size:
        if pos >= len(head):
            return seen > 0
        if head[pos] != 0x0A:
            return False
        length, nxt = _varint(head, pos + 1)
        if length < 0 or nxt + length > size:
            return False
        if nxt < len(head):  # the dataset message itself starts with a known field tag
            first = head[nxt] if length else 0x0A
            if length and first not in (0x0A, 0x10, 0x1A, 0x21, 0x2A):
                return False
        pos, seen = nxt + length, seen + 1
    return seen > 0 and pos == size


_DATA_SUFFIXES = {".csv", ".tsv", ".txt.gz", ".parquet", ".pq", ".jsonl", ".ndjson", ".json", ".arrow", ".feather",
                  ".ipc", ".orc", ".avro", ".gz", ".zst", ".bz2", ".xz", ".zip"}


def tfdv_format(head: bytes, size: int | None = None, name: str = "") -> str | None:
    """``"tfdv"``, ``"tfdv-text"`` or ``"tfrecord"`` when ``head`` starts TFDV statistics, else ``None``.

    ``head``: the file's first bytes (the whole file for exact binary detection); ``size``: the
    file's size (default ``len(head)``). Recognized by content: a TFRecord by its length checksum,
    the text format by its first field ``datasets``, the binary format by its chain of
    ``datasets`` messages ending exactly at the end of the file. Files named as data (``.csv``,
    ``.parquet``, ``.json``...) are never taken for TFDV statistics.
    """
    size = len(head) if size is None else size
    lower = name.lower()
    if any(lower.endswith(sfx) for sfx in _DATA_SUFFIXES) or size == 0:
        return None
    if len(head) >= 12:
        (length,) = struct.unpack("<Q", head[:8])
        (hcrc,) = struct.unpack("<I", head[8:12])
        if masked_crc32c(head[:8]) == hcrc:  # 1 in 2**32 by chance; a truncated record is then reported
            return "tfrecord"
    if _TEXT_START.match(head[:4096]):
        return "tfdv-text"
    if _binary_walk(head, size):
        return "tfdv"
    return None


