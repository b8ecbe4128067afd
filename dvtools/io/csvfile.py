"""Streaming CSV/TSV reader: encoding and delimiter detection, null markers, type widening.

pyarrow's streaming reader (``pyarrow.csv.open_csv``) infers column types from the first block and
fails when a later block does not fit (``CSV conversion error to int64: invalid value '1.5'``). This
part then widens that column (null -> int64 -> float64 -> string; bool, date, time, timestamp ->
string; timestamp[s] -> timestamp[ns]), records a warning and raises ``Restart``: the stream re-reads
with the widened types forced through ``ConvertOptions.column_types``.

Encoding: a UTF-8 BOM declares UTF-8; UTF-16 needs its BOM; a head (first 4 MiB) that is not valid
UTF-8 is read as latin-1. Invalid UTF-8 found *after* the head restarts the part: as UTF-8 with each
invalid byte replaced by U+FFFD (counted, warned) when the file has a BOM or the head holds non-ASCII
UTF-8 (it is a UTF-8 file with a few bad bytes: latin-1 would garble every other non-ASCII value and
name), else as latin-1 (an ASCII head is no evidence; cp1252 exports look like that).

Quoted empty cells: in a column whose other values are all numbers, booleans or dates, or that has
no other value (e.g. written with ``csv.QUOTE_ALL``), ``""`` and quoted null markers are missing, as
unquoted ones; in a text column ``""`` stays an empty string. Such columns are read as text and converted here.

Numbers written as text the way pandas reads them: ``+5`` is the integer 5 (pyarrow's parser reads a
column holding ``+5`` as FLOAT); ``0x1F`` is text (pyarrow's integer parser reads it as 31). The first
block decides the column's type as for every inferred type; a later block is watched too (the bytes
are scanned a block ahead of the parser, memchr-fast): hexadecimal text there re-reads the file with
its integer columns converted here, so a column holding ``0x1F`` becomes STRING (warned) instead of
silently holding 31, and a later ``+5`` keeps an INT column INT.

Line breaks: a file whose lines end with LF (as its header line does) treats a bare CR (one not followed
by LF) inside a value as part of the value, quoted or not (Python's ``csv`` writer leaves it unquoted
with an LF ``lineterminator``): such a file is re-read with the CR escaped, so its rows are neither
split nor counted malformed. In CRLF and CR files a bare CR ends the line.

Record size: a row must fit in a block; a longer one grows the block (up to the record-size limit of
:mod:`dvtools.limits`) and restarts; beyond the limit, a one-line error names it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from dvtools import limits
from dvtools.errors import DataLoadError
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
_ZONE_ERROR = re.compile(
    r"In CSV column #(\d+): (?:Row #\d+: )?CSV conversion error to (.+?): expected (?:a|no) zone offset in "
    r"'(.*?)'(?:\. .*)?$", re.S
)
_INVALID_UTF8 = "invalid UTF8"
_HEX = re.compile(rb"0[xX][0-9a-fA-F]")
_HEX_TEXT = r"^\s*[+-]?0[xX][0-9a-fA-F]"
_PLUS_INT = re.compile(r"\s*\+\d+\s*")
_BARE_CR = re.compile(rb"\r(?!\n)")


_HEX_CHUNK = 1 << 18


def _has_hex_prefix(data: bytes | bytearray | Any, start: int = 0, end: int | None = None) -> bool:
    """Whether ``data[start:end]`` holds ``0x`` or ``0X``: numpy (GIL-free), ~1.7x faster than two bytes searches.

    In chunks of 256 KiB through two reused buffers: whole-range temporaries (two arrays the size
    of a ~40 MB range) cost fresh pages on every call, twice the time of the scan itself.
    """
    import numpy as np

    end = len(data) if end is None else end
    a = np.frombuffer(data, np.uint8, count=max(0, end - start), offset=start)
    n = a.size
    low = np.empty(min(_HEX_CHUNK, n), np.uint8)
    hit = np.empty(low.size, np.bool_)
    for i in range(1, n, _HEX_CHUNK):  # an x or X after the first byte (letters are rarer than digits)
        k = min(_HEX_CHUNK, n - i)
        np.bitwise_or(a[i:i + k], 0x20, out=low[:k])
        np.equal(low[:k], 0x78, out=hit[:k])
        if hit[:k].any() and np.any(a[np.flatnonzero(hit[:k]) + (i - 1)] == 0x30):
            return True
    return False


HEX_SEEN = "dvtools: hexadecimal text after the first block"
BARE_CR = "dvtools: bare CR inside values"
"""Restart messages of :meth:`CsvPart.scan` (handled by :meth:`CsvPart.widen` like a reader error)."""
_ASCII_COMPATIBLE = ("utf8", "utf8-replace", "latin-1")
_STRADDLE = "straddl"  # "straddling object straddles two block boundaries": a row longer than a block
_QUOTED_TYPES = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean, pa.types.is_timestamp,
                 pa.types.is_date)
"""Types a column of quoted values (``csv.QUOTE_ALL``) can have, converted from text by this reader."""

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

    ``utf8-replace``: a UTF-8 BOM but invalid UTF-8 in ``head`` (the BOM declares UTF-8: invalid bytes
    become U+FFFD, counted; latin-1 would turn the BOM into a first column named "ï»¿name").

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
        return "utf8-replace" if head.startswith(codecs.BOM_UTF8) else "latin-1"
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


def misfit(message: str) -> tuple[int, str] | None:
    """(column index, value) when a reader error says a value does not fit its column's type, else None."""
    m = _CONVERSION_ERROR.match(message) or _ZONE_ERROR.match(message)
    return (int(m[1]), m[3]) if m else None


def _cast_text(arr: pa.Array, t: pa.DataType) -> pa.Array:
    """Cast text to ``t``; to the null type only when every value is missing.

    Numbers as pandas reads them: a leading ``+`` of an integer is dropped (``+5`` is 5), hexadecimal
    text (``0x1F``) is no number (pyarrow's cast would read 31).
    """
    if pa.types.is_null(t):
        if arr.null_count != len(arr):
            raise pa.ArrowInvalid("not all values are missing")
        return pa.nulls(len(arr))
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        if pc.any(pc.match_substring_regex(arr, _HEX_TEXT)).as_py():
            raise pa.ArrowInvalid("hexadecimal text is not a number")
        if pa.types.is_integer(t):
            arr = pc.replace_substring_regex(arr, r"^(\s*)\+(\d)", r"\1\2")
    return arr.cast(t)


def _first_bad(arr: pa.Array, t: pa.DataType) -> str:
    """A value of ``arr`` that does not cast to ``t`` (bisection: log2(n) casts)."""
    lo, hi = 0, len(arr)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        try:
            _cast_text(arr.slice(lo, mid - lo), t)
            lo = mid
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            hi = mid
    return str(arr[lo].as_py())


_REPLACED: dict[int, int] = {}
"""Invalid UTF-8 bytes replaced so far, by replacing-codec key (see :func:`_replacing_codec`)."""


def _replacing_codec(key: int) -> str:
    """Register (once) and name a UTF-8 codec that replaces invalid bytes by U+FFFD and counts them."""
    name = f"dvtools_utf8_replace_{key}"
    if key in _REPLACED:
        return name
    _REPLACED[key] = 0

    def handler(e: UnicodeError) -> tuple[str, int]:
        assert isinstance(e, UnicodeDecodeError)
        _REPLACED[key] += e.end - e.start
        return "\ufffd", e.end

    codecs.register_error(name, handler)

    def incremental(errors: str = "strict") -> codecs.IncrementalDecoder:
        return codecs.getincrementaldecoder("utf-8-sig")(errors=name)

    info = codecs.CodecInfo(codecs.utf_8_encode, lambda b, errors="strict": codecs.utf_8_decode(b, name, True),
                            incrementaldecoder=incremental, name=name)  # type: ignore[arg-type]
    codecs.register(lambda n: info if n == name else None)
    return name


def _unique_names(names: list[str]) -> list[str]:
    """Empty header names become ``column_<position>`` (1-based), made unique."""
    taken = set(names)
    out = []
    for i, n in enumerate(names):
        if n == "":
            base = candidate = f"column_{i + 1}"
            k = 2
            while candidate in taken:
                candidate, k = f"{base}_{k}", k + 1
            taken.add(candidate)
            n = candidate
        out.append(n)
    return out


class CsvPart(Part):
    """One CSV/TSV file or upload, read block by block."""

    text = True

    def __init__(
        self, inp: ByteInput, *, default_delimiter: str, delimiter: str | None, block_size: int,
        null_values: Sequence[str], max_record_bytes: int | None = None,
    ) -> None:
        super().__init__()
        self.name = inp.name
        self.size = inp.size
        self._inp = inp
        self._block_size = block_size
        self._max_record = max(block_size, max_record_bytes or limits.max_record_bytes())
        self._null_values = list(null_values)
        self._quoted: dict[str, pa.DataType] = {}  # columns read as text and converted here (_cast_text)
        self._cr_data = False  # bare "\r" is data: the stream is escaped (see _CrAsData)
        self._header: list[str] | None = None  # column names to use instead of the file's (empty ones named)
        self._codec_key = 0
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
        elif self.encoding == "utf8-replace":
            self._warn_replaced()
        # Lines end with "\n" only: a bare "\r" is data, not a line break.
        first_lf = head.find(b"\n")  # the header line's ending decides the file's
        self._lf_only = first_lf > 0 and head[first_lf - 1] != 0x0D and self.encoding in _ASCII_COMPATIBLE
        # Evidence that the file is UTF-8 (not an ASCII head of a cp1252 export): a BOM or non-ASCII text.
        self._utf8_evidence = head.startswith(codecs.BOM_UTF8) or not head.isascii()
        # Bytes per row in the head: pyarrow reads ahead of the rows it has parsed (all of an upload at
        # once), so progress counts the rows parsed times this, bounded by what was read.
        self._row_bytes = len(head) / max(1, head.count(b"\n"))
        sample = head[:SNIFF_BYTES].decode(
            {"utf8": "utf-8-sig", "utf8-replace": "utf-8-sig"}.get(self.encoding, self.encoding), errors="replace"
        )
        self.delimiter = delimiter or sniff_delimiter(
            sample, default_delimiter, truncated=len(head) > SNIFF_BYTES
        )
        # The first block covered everything: inference saw every value, nothing can widen later.
        self.complete = whole and len(head) <= block_size
        self._names: list[str] = []
        if self._lf_only and _BARE_CR.search(head):  # a bare CR in the head: read escaped from the start
            self.widen(BARE_CR, pa.schema([]))
        self.schema = self._probe()

    # -- options --------------------------------------------------------------------------------
    def _arrow_encoding(self) -> str:
        if self.encoding == "utf8-replace":
            if not self._codec_key:
                self._codec_key = id(self)
            return _replacing_codec(self._codec_key)
        return self.encoding

    def _warn_replaced(self) -> None:
        """(Re)state the warning about replaced invalid UTF-8 bytes, with the count of the last pass."""
        prefix = f"{self.name}: invalid UTF-8"
        self.warnings = [w for w in self.warnings if not w.startswith(prefix)]
        count = _REPLACED.get(self._codec_key, 0) if self._codec_key else 0
        counted = f"{count:,} invalid byte{'s' if count != 1 else ''}" if count else "invalid bytes"
        self.warnings.append(f"{prefix}: read as UTF-8 with {counted} replaced by U+FFFD")

    def _options(
        self, counter: MalformedCounter, column_types: dict[str, pa.DataType] | None = None,
        *, quoted_nulls: bool = False,
    ) -> dict[str, object]:
        def on_invalid(row: pcsv.InvalidRow) -> str:
            counter.add(row.number)
            return "skip"

        header = {"column_names": self._header, "skip_rows": 1} if self._header else {}
        return {
            "read_options": pcsv.ReadOptions(
                use_threads=False, block_size=self._block_size, encoding=self._arrow_encoding(), **header
            ),
            "parse_options": pcsv.ParseOptions(
                delimiter=self.delimiter, newlines_in_values=True, invalid_row_handler=on_invalid,
                escape_char="\\" if self._cr_data else False,
            ),
            "convert_options": pcsv.ConvertOptions(
                null_values=self._null_values, strings_can_be_null=True,
                quoted_strings_can_be_null=quoted_nulls, column_types=column_types
            ),
        }

    def _open(self, counter: MalformedCounter, column_types: dict[str, pa.DataType] | None = None,
              *, quoted_nulls: bool = False) -> tuple[pcsv.CSVStreamingReader, pa.NativeFile, pa.NativeFile]:
        stream, raw = self._inp.open()
        try:
            reader = pcsv.open_csv(self._escaped(stream), **self._options(counter, column_types,
                                                                           quoted_nulls=quoted_nulls))  # type: ignore[arg-type]
        except BaseException:
            stream.close()
            raw.close()
            raise
        return reader, stream, raw

    def _grow_block(self) -> bool:
        """Make blocks larger for a row longer than a block; False when already at the record-size limit."""
        if self._block_size >= self._max_record:
            return False
        self._block_size = min(self._block_size * 4, self._max_record)
        return True

    def _too_long(self) -> DataLoadError:
        return load_error(self.name, f"a row is longer than {self._max_record:,} bytes, the record-size limit "
                                     "(set DVTOOLS_MAX_RECORD_BYTES to raise it)")

    # -- probe: schema, header, "is there any data" ----------------------------------------------
    def _probe(self) -> pa.Schema:
        while True:
            try:
                schema = self._probe_once()
            except _Straddle:
                if not self._grow_block():
                    raise self._too_long() from None
                continue
            if self._header is None and "" in schema.names:
                self._header = _unique_names(schema.names)
                renamed = [n for n, old in zip(self._header, schema.names, strict=True) if old == ""]
                self.warnings.append(f"{self.name}: empty column name{'s' if len(renamed) > 1 else ''} in the "
                                     f"header; named {', '.join(repr(n) for n in renamed)}")
                continue
            return self._detect_text_numbers(self._detect_quoted(schema))

    def _probe_once(self) -> pa.Schema:
        counter = MalformedCounter()
        try:
            reader, stream, raw = self._open(counter)
        except pa.ArrowInvalid as e:
            if "Empty CSV file" in str(e):
                raise load_error(self.name, "file has a header but no data rows") from None
            if _STRADDLE in str(e):
                raise _Straddle from None
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
                    if _STRADDLE in str(e):
                        raise _Straddle from None
                    if not (misfit(str(e)) or _INVALID_UTF8 in str(e)):
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

    def _detect_text_numbers(self, schema: pa.Schema) -> pa.Schema:
        """Read the first block's numbers as pandas does: ``0x1F`` is text, ``+5`` an integer.

        pyarrow's integer parser accepts ``0x`` prefixes (INT 31), and its inference makes a column
        holding ``+5`` FLOAT. Hexadecimal columns become STRING (warned); FLOAT columns whose first-block
        values are all integers, some written with ``+``, become INT (read as text, converted here).
        Later blocks: see :meth:`scan`.
        """
        ints = [f.name for f in schema if pa.types.is_integer(f.type)]
        floats = [f.name for f in schema if pa.types.is_floating(f.type) and f.name not in self._quoted]
        head = self._inp.head(self._block_size)
        hexed = bool(ints) and _HEX.search(head) is not None
        plus = bool(floats) and b"+" in head
        if not (hexed or plus):
            return schema
        try:
            reader, stream, raw = self._open(MalformedCounter(), {n: pa.string() for n in (ints + floats)})
        except pa.ArrowInvalid:
            return schema
        try:
            first = reader.read_next_batch()
        except (StopIteration, pa.ArrowInvalid):
            return schema
        finally:
            stream.close()
            raw.close()
        for name in ints if hexed else []:
            if pc.any(pc.match_substring_regex(first.column(name), _HEX_TEXT)).as_py():
                schema = schema.set(schema.get_field_index(name), pa.field(name, pa.string()))
                self._quoted.pop(name, None)
                self.warnings.append(f"{self.name}: column {name!r}: hexadecimal values; read as string")
        for name in floats if plus else []:
            col = first.column(name)
            present = pc.drop_null(col)
            if len(present) and pc.all(pc.match_substring_regex(present, r"^\s*[+-]?\d{1,18}\s*$")).as_py() \
                    and pc.any(pc.match_substring(present, "+")).as_py():
                schema = schema.set(schema.get_field_index(name), pa.field(name, pa.int64()))
                self._quoted[name] = pa.int64()
        return schema

    # -- what the parser hides: scanned a block ahead ----------------------------------------------
    def _watches_hex(self) -> bool:
        return self.encoding in _ASCII_COMPATIBLE and any(
            pa.types.is_integer(f.type) and f.name not in self._quoted for f in self.schema)

    def scan(self, data: bytes | bytearray | Any, start: int = 0, end: int | None = None) -> str | None:
        """A restart message when ``data[start:end]`` (text of this file) holds what pyarrow would read silently wrong.

        :data:`BARE_CR`: a bare CR in an LF file (pyarrow would split the row there);
        :data:`HEX_SEEN`: ``0x``-prefixed hexadecimal text while integer columns are parsed by pyarrow
        (which reads ``0x1F`` as 31). Only messages that change how the file is read are returned.
        ``data``: bytes, a bytearray or a memory map (searched in place, never copied).
        Fast on the usual text: CR by memchr, ``0x`` by numpy (which releases the GIL), the regex only on a hit.
        """
        end = len(data) if end is None else end
        if self._lf_only and not self._cr_data and data.find(b"\r", start, end) >= 0 and _BARE_CR.search(data, start, end):
            return BARE_CR
        if self._watches_hex() and _has_hex_prefix(data, start, end) and _HEX.search(data, start, end):
            return HEX_SEEN
        return None

    def _escaped(self, source: pa.NativeFile) -> pa.NativeFile:
        """``source`` as pyarrow reads it: escaped (a bare CR kept as data) once :data:`BARE_CR` was seen."""
        return pa.PythonFile(_CrAsData(source), mode="r") if self._cr_data else source

    def _detect_quoted(self, schema: pa.Schema) -> pa.Schema:
        """Text columns that are typed once quoted empty cells and quoted null markers count as missing."""
        text = [f.name for f in schema if pa.types.is_string(f.type)]
        if not text or b'"' not in self._inp.head(self._block_size):
            return schema
        try:
            reader, stream, raw = self._open(MalformedCounter(), quoted_nulls=True)
        except pa.ArrowInvalid:
            return schema
        try:
            typed = normalize_schema(reader.schema)
        finally:
            stream.close()
            raw.close()
        for name in text:
            t = typed.field(name).type
            if pa.types.is_null(t) or any(test(t) for test in _QUOTED_TYPES):
                self._quoted[name] = t
                schema = schema.set(schema.get_field_index(name), pa.field(name, t))
        return schema

    # -- reading --------------------------------------------------------------------------------
    def column_types(self, target: pa.Schema) -> dict[str, pa.DataType]:
        """The types to force on pyarrow's CSV reader for ``target`` (quoted-value columns are read as text)."""
        names = set(self._names)
        out = {f.name: f.type for f in target if f.name in names and any(test(f.type) for test in _CSV_READABLE)}
        for name in self._quoted:
            if name in names:
                out[name] = pa.string()
        return out

    def _convert_quoted(self, batch: pa.RecordBatch, target: pa.Schema) -> pa.RecordBatch:
        """Quoted-value columns: quoted empties and null markers -> missing, then the column's type."""
        if not self._quoted:
            return batch
        markers = pa.array(["", *self._null_values], type=pa.string())
        for name in self._quoted:
            i = batch.schema.get_field_index(name)
            if i < 0:
                continue
            t = target.field(name).type if name in target.names else self.schema.field(name).type
            arr = batch.column(i)
            arr = pc.if_else(pc.is_in(arr, value_set=markers), pa.scalar(None, pa.string()), arr)
            try:
                converted = _cast_text(arr, t)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                value = _first_bad(arr, t).replace("'", "")
                raise pa.ArrowInvalid(f"In CSV column #{self._names.index(name)}: CSV conversion error to {t}: "
                                      f"invalid value '{value}'") from None
            batch = batch.set_column(i, pa.field(name, t), converted)
        return batch

    def parse(self, source: pa.NativeFile, target: pa.Schema, counter: MalformedCounter) -> Iterator[pa.RecordBatch]:
        """Parse CSV bytes from ``source`` with this part's options and ``target``'s types.

        Used for the whole file (:meth:`batches`) and for byte ranges of it (``io.partitions``). A
        value that does not fit, invalid UTF-8 or a row longer than a block raise ``pa.ArrowInvalid``;
        :meth:`needs_restart` tells those apart from other errors and :meth:`widen` applies them.
        """
        reader = pcsv.open_csv(self._escaped(source), **self._options(counter, self.column_types(target)))  # type: ignore[arg-type]
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                return
            yield self._convert_quoted(batch, target)

    @staticmethod
    def needs_restart(error: BaseException) -> bool:
        """Whether a :meth:`parse` error is fixed by reading again differently (wider type, encoding, block)."""
        msg = str(error)
        return misfit(msg) is not None or _INVALID_UTF8 in msg or _STRADDLE in msg or msg in (BARE_CR, HEX_SEEN)

    def batches(self, target: pa.Schema, batch_size: int) -> Iterator[pa.RecordBatch]:
        """Read block by block; a value that does not fit widens its column and raises Restart."""
        counter = MalformedCounter()
        self.bytes_read = 0
        if self.encoding == "utf8-replace" and self._codec_key:
            _REPLACED[self._codec_key] = 0
        stream, raw = self._inp.open()
        rows = 0
        ahead = _Ahead(self)
        try:
            batches = self.parse(stream, target, counter)
            while True:
                try:
                    batch = next(batches)
                except StopIteration:
                    ahead.check(target, rest=True)
                    break
                except pa.ArrowInvalid as e:
                    if self.widen(str(e), target):
                        raise Restart from None
                    raise load_error(self.name, e) from None
                ahead.check(target)
                rows += batch.num_rows
                self.bytes_read = raw.tell() if self.compressed else min(raw.tell(), int(rows * self._row_bytes))
                yield batch
        finally:
            ahead.close()
            stream.close()
            raw.close()
        counter.commit(self, "wrong number of fields")
        if self.encoding == "utf8-replace":
            self._warn_replaced()

    def widen(self, message: str, target: pa.Schema) -> bool:
        """Apply what a :meth:`parse` error asks for; True when the part now reads differently.

        A value that does not fit widens its column (int -> float -> string, warned); invalid UTF-8
        switches the encoding; a row longer than a block grows the block. False: nothing to change
        (another range of the same file already widened the column); a row over the record-size
        limit raises DataLoadError.
        """
        if _INVALID_UTF8 in message:
            if self.encoding != "utf8":
                return False
            if self._utf8_evidence:
                self.encoding = "utf8-replace"
                self._warn_replaced()
            else:
                self.encoding = "latin-1"
                self.warnings.append(f"{self.name}: file is not valid UTF-8; read as latin-1")
            return True
        if _STRADDLE in message:
            if not self._grow_block():
                raise self._too_long()
            return True
        if message == BARE_CR:
            if self._cr_data or not self._lf_only:
                return False
            self._cr_data = True
            self.warnings.append(f"{self.name}: bare carriage returns (CR) inside values of a file whose lines "
                                 "end with LF: kept as part of the value")
            return True
        if message == HEX_SEEN:
            ints = [f.name for f in self.schema if pa.types.is_integer(f.type) and f.name not in self._quoted]
            for name in ints:  # read as text, converted (and hexadecimal text found) by _convert_quoted
                self._quoted[name] = self.schema.field(name).type
            return bool(ints)
        found = misfit(message)
        if found is None or found[0] >= len(self._names):
            raise load_error(self.name, message)
        column, value = self._names[found[0]], found[1]
        current = target.field(column).type if column in target.names else self.schema.field(column).type
        if pa.types.is_integer(current) and column not in self._quoted and _PLUS_INT.fullmatch(value):
            self._quoted[column] = current  # "+5" is an integer: read as text, converted by _cast_text
            return True
        if self._fits(value, current) and not (column in self._quoted and not self._cast_fits(value, current)):
            return False
        new = next((t for t in _candidates(current) if self._fits(value, t) and
                    (column not in self._quoted or self._cast_fits(value, t))), pa.string())
        i = self.schema.get_field_index(column)
        self.schema = self.schema.set(i, pa.field(column, new))
        if pa.types.is_string(new):
            self._quoted.pop(column, None)
        elif column in self._quoted:
            self._quoted[column] = new
        self.warnings.append(
            f"{self.name}: column {column!r}: type changed after the first block "
            f"({type_name(current)} -> {type_name(new)}); read as {type_name(new)}"
        )
        return True

    @staticmethod
    def _cast_fits(value: str, t: pa.DataType) -> bool:
        try:
            _cast_text(pa.array([value], pa.string()), t)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return False
        return True

    def _fits(self, value: str, t: pa.DataType) -> bool:
        """Tell whether pyarrow's CSV converter (same null markers) accepts ``value`` as ``t``."""
        if pa.types.is_string(t):
            return True
        if re.match(_HEX_TEXT, value) and (pa.types.is_integer(t) or pa.types.is_floating(t)):
            return False  # pyarrow's parser reads 0x1F as 31: text, as pandas reads it
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


class _Ahead:
    """The part's text read a second time, a block ahead of the parser, for :meth:`CsvPart.scan`.

    A restart message found there widens the part and raises ``Restart`` (the pass starts again
    with the new reading). Uncompressed files are re-read from the page cache; the scan itself is
    memchr-fast. Nothing is opened when there is nothing to watch.
    """

    def __init__(self, part: CsvPart) -> None:
        self.part = part
        self.stream: pa.NativeFile | None = None
        self.raw: pa.NativeFile | None = None
        self.tail = b""
        if part._lf_only or part._watches_hex():
            self.stream, self.raw = part._inp.open()

    def check(self, target: pa.Schema, *, rest: bool = False) -> None:
        """Scan the next block (``rest``: everything left); raise Restart when the part now reads differently."""
        if self.stream is None:
            return
        data = self.stream.read() if rest else self.stream.read(self.part._block_size)
        chunk, self.tail = self.tail + data, data[-2:]
        message = self.part.scan(chunk) if data else None
        if chunk.endswith(b"\r") and data and not rest:
            message = None if message == BARE_CR and not _BARE_CR.search(chunk[:-1]) else message
        if message is not None and self.part.widen(message, target):
            raise Restart
        if not data or rest:
            self.close()

    def close(self) -> None:
        """Close the second reader."""
        if self.stream is not None:
            self.stream.close()
            if self.raw is not None and self.raw is not self.stream:
                self.raw.close()
            self.stream = self.raw = None


class _CrAsData:
    """A readable stream that escapes a CSV text for pyarrow's backslash escape: a bare CR is data.

    Every backslash is doubled (still a literal backslash) and every CR not followed by LF gets a
    backslash (a literal CR, not a line break). Used only for files where :meth:`CsvPart.scan` found
    a bare CR: the other files are read by pyarrow directly.
    """

    closed = False

    def __init__(self, source: pa.NativeFile) -> None:
        self._source = source

    def readable(self) -> bool:  # noqa: D102
        return True

    def seekable(self) -> bool:  # noqa: D102
        return False

    def read(self, n: int = -1) -> bytes:  # noqa: D102
        data = self._source.read() if n is None or n < 0 else self._source.read(n)
        while data.endswith(b"\r"):  # is it followed by "\n"? decide with the next byte
            more = self._source.read(1)
            if not more:
                break
            data += more
        return _BARE_CR.sub(b"\\\\\r", data.replace(b"\\", b"\\\\"))

    def close(self) -> None:  # noqa: D102
        self.closed = True
        self._source.close()


class _Straddle(Exception):
    """A row is longer than the block size (pyarrow: "straddling object")."""


__all__ = ["BARE_CR", "HEX_SEEN", "CsvPart", "DELIMITERS", "detect_encoding", "misfit", "sniff_delimiter"]
