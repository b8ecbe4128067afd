"""Streaming CSV/TSV reader: encoding and delimiter detection, null markers, type widening.

pyarrow's streaming reader (``pyarrow.csv.open_csv``) infers column types from the first block and
fails when a later block does not fit (``CSV conversion error to int64: invalid value '1.5'``). This
part then widens that column (null -> int64 -> float64 -> string; bool, date, time, timestamp ->
string; timestamp[s] -> timestamp[ns]), records a warning and raises ``Restart``: the stream re-reads
with the widened types forced through ``ConvertOptions.column_types``. Invalid UTF-8 found after the
checked head likewise restarts the part as latin-1.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence

import pyarrow as pa
import pyarrow.csv as pcsv

from dvtools.io._base import (
    HEAD_BYTES,
    ByteInput,
    MalformedCounter,
    Part,
    Restart,
    binary_problem,
    check_unique_names,
    load_error,
    normalize_schema,
    type_name,
)

SNIFF_BYTES = 64 * 1024
"""How much text the delimiter sniffer looks at."""

DELIMITERS: tuple[str, ...] = (",", "\t", ";", "|")

_CONVERSION_ERROR = re.compile(
    r"In CSV column #(\d+): (?:Row #\d+: )?CSV conversion error to (.+?): invalid value '(.*)'$", re.S
)
_INVALID_UTF8 = "invalid UTF8"

# Types pyarrow's CSV converter can produce from text (others are read as inferred, then cast).
_CSV_READABLE = (
    pa.types.is_null, pa.types.is_boolean, pa.types.is_integer, pa.types.is_floating,
    pa.types.is_string, pa.types.is_large_string, pa.types.is_binary, pa.types.is_timestamp,
    pa.types.is_date, pa.types.is_time, pa.types.is_decimal,
)


def sniff_delimiter(text: str, default: str, *, truncated: bool = True) -> str:
    """Return the delimiter that splits the sample into the most consistent rows of 2+ fields.

    Each candidate is tried with the ``csv`` module (so quoted fields are respected); its score is
    the share of rows having as many fields as the header. Ties go to ``default``, then to
    ``DELIMITERS`` order. No candidate giving 2+ header fields: ``default``.
    """
    if truncated and "\n" in text:
        text = text[: text.rfind("\n")]
    best, best_score = default, 0.0
    for d in (default, *(c for c in DELIMITERS if c != default)):
        try:
            rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=d) if r]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        score = sum(len(r) == len(rows[0]) for r in rows) / len(rows)
        if score > best_score:
            best, best_score = d, score
    return best


def detect_encoding(head: bytes, *, whole: bool) -> str:
    """``utf8`` (BOM or not: pyarrow skips a UTF-8 BOM), ``utf-16`` (BOM), else ``latin-1``.

    Raises ValueError with the problem if ``head`` is binary. ``whole``: ``head`` is the whole file.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    problem = binary_problem(head[3:] if head.startswith(codecs.BOM_UTF8) else head)
    if problem:
        raise ValueError(problem)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf8"


def _candidates(current: pa.DataType) -> list[pa.DataType]:
    """Wider types to try, in pyarrow's inference order, for a value ``current`` cannot hold."""
    if pa.types.is_null(current):
        return [pa.int64(), pa.bool_(), pa.date32(), pa.time32("s"), pa.timestamp("s"),
                pa.timestamp("ns"), pa.float64(), pa.string()]
    if pa.types.is_integer(current):
        return [pa.float64(), pa.string()]
    if pa.types.is_date(current):
        return [pa.timestamp("s"), pa.timestamp("ns"), pa.string()]
    if pa.types.is_timestamp(current) and current.unit != "ns":
        return [pa.timestamp("ns", current.tz), pa.string()]
    return [pa.string()]


class CsvPart(Part):
    """One CSV/TSV file or upload, read block by block."""

    text = True

    def __init__(
        self, inp: ByteInput, *, default_delimiter: str, delimiter: str | None, block_size: int,
        null_values: Sequence[str],
    ) -> None:
        super().__init__()
        self.name = inp.name
        self.size = inp.size
        self._inp = inp
        self._block_size = block_size
        self._null_values = list(null_values)
        if inp.size == 0:
            raise load_error(self.name, "file is empty (0 bytes)")
        head_bytes = max(HEAD_BYTES, block_size)  # the first block is always within the checked head
        head = inp.head(head_bytes)
        whole = len(head) < head_bytes
        if not head.strip(b" \t\r\n\xef\xbb\xbf"):
            raise load_error(self.name, "file is empty" if not head else "file contains only blank lines")
        try:
            self.encoding = detect_encoding(head, whole=whole)
        except ValueError as e:
            raise load_error(self.name, e) from None
        if self.encoding == "latin-1":
            self.warnings.append(f"{self.name}: file is not valid UTF-8; read as latin-1")
        sample = head[:SNIFF_BYTES].decode(
            {"utf8": "utf-8-sig"}.get(self.encoding, self.encoding), errors="replace"
        )
        self.delimiter = delimiter or sniff_delimiter(
            sample, default_delimiter, truncated=len(head) > SNIFF_BYTES
        )
        # The first block covered everything: inference saw every value, nothing can widen later.
        self.complete = whole and len(head) <= block_size
        self._names: list[str] = []
        self.schema = self._probe()

    # -- options --------------------------------------------------------------------------------
    def _options(
        self, counter: MalformedCounter, column_types: dict[str, pa.DataType] | None = None
    ) -> dict[str, object]:
        def on_invalid(row: pcsv.InvalidRow) -> str:
            counter.add(row.number)
            return "skip"

        return {
            "read_options": pcsv.ReadOptions(
                use_threads=False, block_size=self._block_size, encoding=self.encoding
            ),
            "parse_options": pcsv.ParseOptions(
                delimiter=self.delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            "convert_options": pcsv.ConvertOptions(
                null_values=self._null_values, strings_can_be_null=True,
                quoted_strings_can_be_null=False, column_types=column_types
            ),
        }

    def _open(self, counter: MalformedCounter, column_types: dict[str, pa.DataType] | None = None
              ) -> tuple[pcsv.CSVStreamingReader, pa.NativeFile, pa.NativeFile]:
        stream, raw = self._inp.open()
        try:
            reader = pcsv.open_csv(stream, **self._options(counter, column_types))  # type: ignore[arg-type]
        except BaseException:
            stream.close()
            raw.close()
            raise
        return reader, stream, raw

    # -- probe: schema, header, "is there any data" ----------------------------------------------
    def _probe(self) -> pa.Schema:
        counter = MalformedCounter()
        try:
            reader, stream, raw = self._open(counter)
        except pa.ArrowInvalid as e:
            if "Empty CSV file" in str(e):
                raise load_error(self.name, "file has a header but no data rows") from None
            raise load_error(self.name, e) from None
        try:
            schema = reader.schema
            self._names = schema.names
            check_unique_names(self._names, self.name)
            has_data = False
            while not has_data:
                try:
                    has_data = reader.read_next_batch().num_rows > 0
                except StopIteration:
                    break
                except pa.ArrowInvalid as e:
                    if not (_CONVERSION_ERROR.match(str(e)) or _INVALID_UTF8 in str(e)):
                        raise load_error(self.name, e) from None
                    has_data = True  # a later block needs a wider type: there is data
            if not has_data and counter.count:
                rows = f"all {counter.count} data rows are" if counter.count > 1 else "the only data row is"
                raise load_error(self.name, f"{rows} malformed (wrong number of fields)")
            if not has_data:
                raise load_error(self.name, "file has a header but no data rows")
            return normalize_schema(schema)
        finally:
            stream.close()
            raw.close()

    # -- reading --------------------------------------------------------------------------------
    def batches(self, target: pa.Schema, batch_size: int) -> Iterator[pa.RecordBatch]:
        """Read block by block; a value that does not fit widens its column and raises Restart."""
        names = set(self._names)
        column_types = {f.name: f.type for f in target
                        if f.name in names and any(test(f.type) for test in _CSV_READABLE)}
        counter = MalformedCounter()
        self.bytes_read = 0
        try:
            reader, stream, raw = self._open(counter, column_types)
        except pa.ArrowInvalid as e:
            raise load_error(self.name, e) from None
        try:
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except pa.ArrowInvalid as e:
                    self._on_error(e, column_types)
                self.bytes_read = raw.tell()
                yield batch
        finally:
            stream.close()
            raw.close()
        counter.commit(self, "wrong number of fields")

    def _on_error(self, e: pa.ArrowInvalid, column_types: dict[str, pa.DataType]) -> None:
        """Widen a column or switch to latin-1 (then raise Restart), else raise DataLoadError."""
        msg = str(e)
        if _INVALID_UTF8 in msg and self.encoding == "utf8":
            self.encoding = "latin-1"
            self.warnings.append(f"{self.name}: file is not valid UTF-8; read as latin-1")
            raise Restart from None
        m = _CONVERSION_ERROR.match(msg)
        if m is None or int(m[1]) >= len(self._names):
            raise load_error(self.name, msg) from None
        column, value = self._names[int(m[1])], m[3]
        current = column_types.get(column, self.schema.field(column).type)
        new = next((t for t in _candidates(current) if self._fits(value, t)), pa.string())
        i = self.schema.get_field_index(column)
        self.schema = self.schema.set(i, pa.field(column, new))
        self.warnings.append(
            f"{self.name}: column {column!r}: type changed after the first block "
            f"({type_name(current)} -> {type_name(new)}); read as {type_name(new)}"
        )
        raise Restart from None

    def _fits(self, value: str, t: pa.DataType) -> bool:
        """Tell whether pyarrow's CSV converter (same null markers) accepts ``value`` as ``t``."""
        if pa.types.is_string(t):
            return True
        data = ('v\n"' + value.replace('"', '""') + '"\n').encode()
        try:
            pcsv.read_csv(
                pa.BufferReader(data),
                parse_options=pcsv.ParseOptions(newlines_in_values=True),
                convert_options=pcsv.ConvertOptions(
                    column_types={"v": t}, null_values=self._null_values, strings_can_be_null=False
                ),
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return False
        return True


__all__ = ["CsvPart", "DELIMITERS", "detect_encoding", "sniff_delimiter"]
