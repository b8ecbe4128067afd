"""JSON Lines reader (``.jsonl``/``.ndjson``/``.json``); a ``.json`` holding one JSON array also works.

Fast path: ``pyarrow.json.open_json`` streams block by block, inferring types from the first block.
It cannot widen a column (number -> string), take keys first seen in a later block, or skip a
malformed line; when it fails, the part switches to the Python path for good: one scan with
``json.loads`` infers every key's type from all its values (int + float -> float64, mixed kinds ->
string holding JSON text), then passes stream batches of records. Malformed lines (invalid JSON, or
not an object) are skipped and counted. A JSON array file is parsed whole (``json.loads``): it is
one document, so it cannot be streamed.
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.json as pjson

from dvtools import limits
from dvtools.io._base import (
    ByteInput,
    MalformedCounter,
    Part,
    RecordGuard,
    Restart,
    binary_problem,
    check_unique_names,
    load_error,
    normalize_schema,
    one_line,
    type_name,
)
from dvtools.io.files import looks_like_statistics

SNIFF_BYTES = 64 * 1024
_WHY = "invalid JSON or not an object"
_LATIN1 = "file is not valid UTF-8; read as latin-1"
_INT64 = (-(2**63), 2**63)


class _KeyType:
    """Accumulates the kinds of values seen under one key."""

    def __init__(self) -> None:
        self.kinds: set[str] = set()
        self._pending: list[object] = []
        self._nested: pa.DataType | None = None
        self._nested_bad = False

    def add(self, v: object) -> None:
        if v is None:
            self.kinds.add("null")
        elif isinstance(v, bool):
            self.kinds.add("bool")
        elif isinstance(v, int):
            self.kinds.add("int" if _INT64[0] <= v < _INT64[1] else "bigint")
        elif isinstance(v, float):
            self.kinds.add("float")
        elif isinstance(v, str):
            self.kinds.add("str")
        else:
            self.kinds.add("nested")
            if not self._nested_bad:
                self._pending.append(v)
                if len(self._pending) >= 4096:
                    self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        try:
            t = pa.array(self._pending).type
            if self._nested is not None and t != self._nested:
                s = pa.unify_schemas(
                    [pa.schema([("v", self._nested)]), pa.schema([("v", t)])], promote_options="permissive"
                )
                t = s.field("v").type
            self._nested = t
        except (pa.ArrowException, TypeError, ValueError, OverflowError):
            self._nested_bad = True
        self._pending.clear()

    def type(self) -> pa.DataType:
        self._flush()
        kinds = self.kinds - {"null"}
        if not kinds:
            return pa.null()
        if kinds == {"bool"}:
            return pa.bool_()
        if kinds == {"int"}:
            return pa.int64()
        if kinds <= {"int", "float"}:
            return pa.float64()
        if kinds == {"nested"} and not self._nested_bad and self._nested is not None:
            return self._nested
        return pa.string()

    def mixed(self) -> bool:
        kinds = self.kinds - {"null"}
        return len(kinds) > 1 and not kinds <= {"int", "float"}


class JsonPart(Part):
    """One JSON Lines file or upload."""

    text = True

    def __init__(self, inp: ByteInput, *, block_size: int, max_record_bytes: int | None = None) -> None:
        super().__init__()
        self.name = inp.name
        self.size = inp.size
        self._inp = inp
        self._block_size = block_size
        self._max_record = max_record_bytes or limits.max_record_bytes()
        if inp.size == 0:
            raise load_error(self.name, "file is empty (0 bytes)")
        head = inp.head(SNIFF_BYTES)
        bom = head.startswith(codecs.BOM_UTF8)
        body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if not body:
            raise load_error(self.name, "file is empty" if not head else "file contains only blank lines")
        problem = binary_problem(head[3:] if bom else head)
        if problem:
            raise load_error(self.name, problem)
        if looks_like_statistics(head):
            raise load_error(self.name, "this is a dvtools statistics file, not data: pass it alone where "
                                        "statistics are accepted (validate, compare, schema infer, --baseline)")
        self._mode = "array" if body.startswith(b"[") else "python" if bom else "fast"
        whole = len(head) < SNIFF_BYTES
        self.complete = (whole and len(head) <= block_size) or (
            inp.compression is None and inp.size is not None and inp.size <= block_size
        )
        if self._mode == "fast":
            try:
                self.schema = self._probe()
                return
            except pa.ArrowInvalid:
                self._mode = "python"
        self.schema = self._scan(None)

    def _open_guarded(self) -> tuple[RecordGuard, pa.NativeFile]:
        """(decompressed bytes behind the record-size and nesting limits, raw file for progress)."""
        stream, raw = self._inp.open()
        guard = RecordGuard(stream, self.name, max_record=self._max_record, max_depth=limits.MAX_NESTING_DEPTH,
                            lines=self._mode != "array")
        return guard, raw

    # -- fast path ------------------------------------------------------------------------------
    def _open_fast(self) -> tuple[pjson.JSONStreamingReader, RecordGuard, pa.NativeFile]:
        stream, raw = self._open_guarded()
        try:
            reader = pjson.open_json(
                stream, read_options=pjson.ReadOptions(use_threads=False, block_size=self._block_size)
            )
        except BaseException:
            stream.close()
            raw.close()
            raise
        return reader, stream, raw

    def _probe(self) -> pa.Schema:
        try:
            reader, stream, raw = self._open_fast()
        except pa.ArrowInvalid as e:
            if "Empty JSON stream" in str(e):
                raise load_error(self.name, "file has no data rows") from None
            raise
        try:
            schema = reader.schema
            check_unique_names(schema.names, self.name)
            while True:
                try:
                    if reader.read_next_batch().num_rows:
                        break
                except StopIteration:
                    raise load_error(self.name, "file has no data rows") from None
            return normalize_schema(schema)
        finally:
            stream.close()
            raw.close()

    def _fast_batches(self) -> Iterator[pa.RecordBatch]:
        try:
            reader, stream, raw = self._open_fast()
        except pa.ArrowInvalid as e:
            raise load_error(self.name, e) from None
        try:
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except pa.ArrowInvalid:
                    # Types change, a new key, or a malformed line after the first block.
                    self._mode = "python"
                    self.schema = self._scan(self.schema)
                    raise Restart from None
                self.bytes_read = raw.tell()
                yield batch
        finally:
            stream.close()
            raw.close()
        self.malformed, self.malformed_warning = 0, None

    # -- Python path ----------------------------------------------------------------------------
    def _latin1(self) -> None:
        if f"{self.name}: {_LATIN1}" not in self.warnings:
            self.warnings.append(f"{self.name}: {_LATIN1}")

    def _records(self, counter: MalformedCounter) -> Iterator[dict[str, object]]:
        stream, raw = self._open_guarded()
        try:
            if self._mode == "array":
                data = stream.read()
                try:
                    doc = json.loads(data)
                except UnicodeDecodeError:
                    self._latin1()
                    doc = json.loads(data.decode("latin-1"))
                except ValueError as e:
                    raise load_error(self.name, f"invalid JSON ({one_line(e)})") from None
                if not isinstance(doc, list):
                    raise load_error(self.name, "not JSON Lines nor a JSON array of objects")
                self.bytes_read = raw.tell()
                for rec in doc:
                    if isinstance(rec, dict):
                        yield rec
                    else:
                        counter.add(None)
                return
            lines = io.BufferedReader(stream, 1 << 20)
            for lineno, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except UnicodeDecodeError:
                    try:
                        rec = json.loads(line.decode("latin-1"))
                        self._latin1()
                    except ValueError:
                        counter.add(lineno)
                        continue
                except ValueError:
                    counter.add(lineno)
                    continue
                if not isinstance(rec, dict):
                    counter.add(lineno)
                    continue
                if lineno % 4096 == 0:
                    self.bytes_read = raw.tell()
                yield rec
            self.bytes_read = raw.tell()
        except (OSError, pa.ArrowException) as e:
            raise load_error(self.name, e) from None
        finally:
            stream.close()
            raw.close()

    def _scan(self, previous: pa.Schema | None) -> pa.Schema:
        """One full pass with ``json.loads``: the type of every key over all values."""
        counter = MalformedCounter()
        keys: dict[str, _KeyType] = {}
        rows = 0
        for rec in self._records(counter):
            rows += 1
            for k, v in rec.items():
                kt = keys.get(k)
                if kt is None:
                    kt = keys[k] = _KeyType()
                kt.add(v)
        if rows == 0:
            if counter.count:
                rows = f"all {counter.count} rows are" if counter.count > 1 else "the only row is"
                raise load_error(self.name, f"{rows} malformed ({_WHY})")
            raise load_error(self.name, "file has no data rows")
        fields = []
        for k, kt in keys.items():
            t = kt.type()
            fields.append(pa.field(k, t))
            if kt.mixed():
                kinds = ", ".join(sorted(kt.kinds - {"null"}))
                self.warnings.append(
                    f"{self.name}: column {k!r}: mixed value types ({kinds}); read as string"
                )
            elif previous is not None and k in previous.names:
                old = previous.field(k).type
                if old != t and not pa.types.is_null(old):
                    self.warnings.append(
                        f"{self.name}: column {k!r}: type changed after the first block "
                        f"({type_name(old)} -> {type_name(t)}); read as {type_name(t)}"
                    )
        counter.commit(self, _WHY)
        self.complete = True
        return pa.schema(fields)

    def _to_batch(self, records: list[dict[str, object]]) -> pa.RecordBatch:
        columns = []
        for f in self.schema:
            values = [r.get(f.name) for r in records]
            if pa.types.is_string(f.type):
                values = [v if v is None or isinstance(v, str) else json.dumps(v) for v in values]
            try:
                columns.append(pa.array(values, type=f.type))
            except (pa.ArrowException, TypeError, ValueError, OverflowError) as e:
                raise load_error(self.name, f"column {f.name!r}: {one_line(e)}") from None
        return pa.RecordBatch.from_arrays(columns, schema=self.schema)

    def _python_batches(self, batch_size: int) -> Iterator[pa.RecordBatch]:
        counter = MalformedCounter()
        chunk: list[dict[str, object]] = []
        for rec in self._records(counter):
            chunk.append(rec)
            if len(chunk) >= batch_size:
                yield self._to_batch(chunk)
                chunk = []
        if chunk:
            yield self._to_batch(chunk)
        counter.commit(self, _WHY)

    def batches(self, target: pa.Schema, batch_size: int) -> Iterator[pa.RecordBatch]:
        """Fast pyarrow path, or the Python path after the fast one failed once."""
        self.bytes_read = 0
        if self._mode == "fast":
            return self._fast_batches()
        return self._python_batches(batch_size)
