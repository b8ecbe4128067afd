"""Schema files: our versioned JSON form, TFDV's ``schema.pbtxt``, chosen by extension or content.

JSON layout (``format``/``version`` first, then the schema; keys in a fixed order, indent 2)::

    {"format": "dvtools.schema", "version": 1, "default_environments": [...],
     "dataset_constraints": {...}, "notes": [...], "features": [{"name": ..., "type": ..., ...}]}

Infinite float bounds are written as the strings ``"Infinity"``/``"-Infinity"`` (JSON has no inf).
Reading is strict: unknown keys, wrong value types, unknown types/domain kinds and inconsistent
values (min > max, fractions outside [0, 1], ...) raise :class:`~dvtools.errors.SchemaError` with a
one-line message.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from dvtools.errors import DataLoadError, SchemaError, UsageError
from dvtools.limits import MAX_SCHEMA_FILE_BYTES
from dvtools.schema.model import (
    SCHEMA_FORMAT,
    SCHEMA_VERSION,
    BoolDomain,
    Comparator,
    DatasetConstraints,
    Domain,
    Feature,
    FeatureRole,
    FeatureType,
    FloatDomain,
    IntDomain,
    NumExamplesComparator,
    Presence,
    Schema,
    StringDomain,
    ValueCount,
)

JSON_EXTENSIONS = (".json",)
PBTXT_EXTENSIONS = (".pbtxt", ".textproto", ".pb.txt", ".prototxt", ".txtpb")
BINARY_PROTO_EXTENSIONS = (".pb",)


# ---- to JSON --------------------------------------------------------------------------------------
def _num(x: float | None) -> float | str | None:
    if x is None:
        return None
    x = float(x)
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def _domain_to_dict(d: Domain | None) -> dict[str, Any] | None:
    if d is None:
        return None
    if isinstance(d, IntDomain):
        return {"kind": "int", "min": d.min, "max": d.max}
    if isinstance(d, FloatDomain):
        return {"kind": "float", "min": _num(d.min), "max": _num(d.max),
                "disallow_nan": d.disallow_nan, "disallow_inf": d.disallow_inf}
    if isinstance(d, StringDomain):
        return {"kind": "string", "name": d.name, "values": list(d.values)}
    if isinstance(d, BoolDomain):
        return {"kind": "bool", "true_value": d.true_value, "false_value": d.false_value}
    raise SchemaError(f"unknown domain {type(d).__name__}")


def _comparator_to_dict(c: Comparator) -> dict[str, Any]:
    return {"infinity_norm_threshold": c.infinity_norm_threshold,
            "jensen_shannon_divergence_threshold": c.jensen_shannon_divergence_threshold}


def _num_examples_to_dict(c: NumExamplesComparator) -> dict[str, Any]:
    return {"min_fraction_threshold": c.min_fraction_threshold,
            "max_fraction_threshold": c.max_fraction_threshold}


def _feature_to_dict(f: Feature) -> dict[str, Any]:
    return {
        "name": f.name,
        "type": FeatureType(f.type).value,
        "description": f.description,
        "required": f.required,
        "presence": {"min_fraction": f.presence.min_fraction, "min_count": f.presence.min_count},
        "value_count": None if f.value_count is None
        else {"min": f.value_count.min, "max": f.value_count.max},
        "domain": _domain_to_dict(f.domain),
        "is_categorical": f.is_categorical,
        "role": FeatureRole(f.role).value,
        "group": bool(f.group),
        "in_environment": list(f.in_environment),
        "not_in_environment": list(f.not_in_environment),
        "deprecated": f.deprecated,
        "skew_comparator": _comparator_to_dict(f.skew_comparator),
        "drift_comparator": _comparator_to_dict(f.drift_comparator),
        "notes": list(f.notes),
    }


def schema_to_dict(schema: Schema) -> dict[str, Any]:
    """JSON-ready form with the format tag and version."""
    dc = schema.dataset_constraints
    return {
        "format": SCHEMA_FORMAT,
        "version": SCHEMA_VERSION,
        "default_environments": list(schema.default_environments),
        "dataset_constraints": {
            "min_examples_count": dc.min_examples_count,
            "num_examples_drift_comparator": _num_examples_to_dict(dc.num_examples_drift_comparator),
            "num_examples_version_comparator": _num_examples_to_dict(dc.num_examples_version_comparator),
        },
        "notes": list(schema.notes),
        "features": [_feature_to_dict(f) for f in schema.features],
    }


def schema_to_json(schema: Schema) -> str:
    """Readable, stable JSON (indent 2, fixed key order, trailing newline); checks the schema first."""
    schema.check()
    return json.dumps(schema_to_dict(schema), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# ---- from JSON ------------------------------------------------------------------------------------
class _Reader:
    """Strict typed access to one JSON object, with a location for error messages."""

    def __init__(self, d: Any, where: str) -> None:
        if not isinstance(d, dict):
            raise SchemaError(f"{where}: expected an object, got {_jtype(d)}")
        self.d = d
        self.where = where
        self.used: set[str] = set()

    def _get(self, key: str, default: Any) -> Any:
        self.used.add(key)
        return self.d.get(key, default)

    def fail(self, key: str, msg: str) -> SchemaError:
        return SchemaError(f"{self.where}: {key!r} {msg}")

    def str_(self, key: str, default: str | None = None, *, optional: bool = False) -> Any:
        v = self._get(key, default)
        if v is None and optional:
            return None
        if not isinstance(v, str):
            raise self.fail(key, f"must be a string, got {_jtype(v)}")
        return v

    def bool_(self, key: str, default: bool = False) -> bool:
        v = self._get(key, default)
        if not isinstance(v, bool):
            raise self.fail(key, f"must be true or false, got {_jtype(v)}")
        return v

    def int_(self, key: str) -> int | None:
        v = self._get(key, None)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.fail(key, f"must be an integer, got {_jtype(v)}")
        if isinstance(v, float):
            if not v.is_integer():
                raise self.fail(key, f"must be an integer, got {v}")
            v = int(v)
        return v

    def float_(self, key: str) -> float | None:
        v = self._get(key, None)
        if v is None:
            return None
        if isinstance(v, str) and v in ("Infinity", "-Infinity", "inf", "-inf"):
            return math.inf if not v.startswith("-") else -math.inf
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise self.fail(key, f"must be a number, got {_jtype(v)}")
        return float(v)

    def str_list(self, key: str) -> list[str]:
        v = self._get(key, [])
        if v is None:
            return []
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise self.fail(key, "must be a list of strings")
        return list(v)

    def obj(self, key: str) -> _Reader | None:
        v = self._get(key, None)
        if v is None:
            return None
        return _Reader(v, f"{self.where}.{key}")

    def done(self) -> None:
        extra = [k for k in self.d if k not in self.used]
        if extra:
            raise SchemaError(f"{self.where}: unknown key {extra[0]!r}")


def _jtype(v: Any) -> str:
    if v is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
            dict: "an object"}.get(type(v), type(v).__name__)


def _comparator_from(r: _Reader | None) -> Comparator:
    if r is None:
        return Comparator()
    c = Comparator(r.float_("infinity_norm_threshold"), r.float_("jensen_shannon_divergence_threshold"))
    r.done()
    return c


def _num_examples_from(r: _Reader | None) -> NumExamplesComparator:
    if r is None:
        return NumExamplesComparator()
    c = NumExamplesComparator(r.float_("min_fraction_threshold"), r.float_("max_fraction_threshold"))
    r.done()
    check_num_examples_comparator(c, r.where)
    return c


def check_num_examples_comparator(c: NumExamplesComparator, where: str) -> None:
    """Raise :class:`SchemaError` on a negative threshold or min > max."""
    for name, v in (("min_fraction_threshold", c.min_fraction_threshold),
                    ("max_fraction_threshold", c.max_fraction_threshold)):
        if v is not None and (math.isnan(v) or v < 0):
            raise SchemaError(f"{where}: {name} must be >= 0, got {v}")
    lo, hi = c.min_fraction_threshold, c.max_fraction_threshold
    if lo is not None and hi is not None and lo > hi:
        raise SchemaError(f"{where}: min_fraction_threshold {lo} is greater than max_fraction_threshold {hi}")


def _domain_from(r: _Reader | None) -> Domain | None:
    if r is None:
        return None
    kind = r.str_("kind")
    d: Domain
    if kind == "int":
        d = IntDomain(r.int_("min"), r.int_("max"))
    elif kind == "float":
        d = FloatDomain(r.float_("min"), r.float_("max"), r.bool_("disallow_nan"), r.bool_("disallow_inf"))
    elif kind == "string":
        d = StringDomain(r.str_list("values"), r.str_("name", optional=True))
    elif kind == "bool":
        d = BoolDomain(r.str_("true_value", optional=True), r.str_("false_value", optional=True))
    else:
        raise SchemaError(f"{r.where}: unknown domain kind {kind!r} (int, float, string or bool)")
    r.done()
    return d


def _feature_from(r: _Reader) -> Feature:
    name = r.str_("name")
    r.where = f"feature {name!r}"
    tname = r.str_("type")
    try:
        ftype = FeatureType(tname)
    except ValueError:
        raise SchemaError(
            f"feature {name!r}: unknown type {tname!r} (one of {', '.join(t.value for t in FeatureType)})"
        ) from None
    pr = r.obj("presence")
    presence = Presence()
    if pr is not None:
        presence = Presence(pr.float_("min_fraction"), pr.int_("min_count"))
        pr.done()
    vr = r.obj("value_count")
    value_count = None
    if vr is not None:
        value_count = ValueCount(vr.int_("min"), vr.int_("max"))
        vr.done()
    f = Feature(
        name=name,
        type=ftype,
        presence=presence,
        required=r.bool_("required"),
        value_count=value_count,
        domain=_domain_from(r.obj("domain")),
        is_categorical=r.bool_("is_categorical"),
        not_in_environment=r.str_list("not_in_environment"),
        in_environment=r.str_list("in_environment"),
        deprecated=r.bool_("deprecated"),
        skew_comparator=_comparator_from(r.obj("skew_comparator")),
        drift_comparator=_comparator_from(r.obj("drift_comparator")),
        description=r.str_("description", ""),
        notes=r.str_list("notes"),
        role=_role_from(r, name),
        group=r.bool_("group"),
    )
    r.done()
    return f


def _role_from(r: _Reader, name: str) -> FeatureRole:
    value = r.str_("role", FeatureRole.FEATURE.value)
    try:
        return FeatureRole(value)
    except ValueError:
        raise SchemaError(f"feature {name!r}: unknown role {value!r} "
                          f"(one of {', '.join(x.value for x in FeatureRole)})") from None


def schema_from_dict(d: Any) -> Schema:
    """Inverse of :func:`schema_to_dict`; checks the format tag, the version and the values."""
    if not isinstance(d, dict) or d.get("format") != SCHEMA_FORMAT:
        raise SchemaError(f"not a dvtools schema (expected \"format\": \"{SCHEMA_FORMAT}\")")
    if d.get("version") != SCHEMA_VERSION:
        raise SchemaError(f"unsupported schema version {d.get('version')!r} (this dvtools reads version "
                          f"{SCHEMA_VERSION})")
    r = _Reader(d, "schema")
    r.str_("format")
    r.int_("version")
    feats = r._get("features", [])
    if not isinstance(feats, list):
        raise r.fail("features", "must be a list")
    features = [_feature_from(_Reader(fd, f"feature #{i + 1}")) for i, fd in enumerate(feats)]
    dc = DatasetConstraints()
    dr = r.obj("dataset_constraints")
    if dr is not None:
        dc = DatasetConstraints(
            dr.int_("min_examples_count"),
            _num_examples_from(dr.obj("num_examples_drift_comparator")),
            _num_examples_from(dr.obj("num_examples_version_comparator")),
        )
        dr.done()
        if dc.min_examples_count is not None and dc.min_examples_count < 0:
            raise SchemaError(f"min_examples_count must be >= 0, got {dc.min_examples_count}")
    schema = Schema(features=features, default_environments=r.str_list("default_environments"),
                    dataset_constraints=dc, notes=r.str_list("notes"))
    r.done()
    schema.check()
    return schema


def schema_from_json(text: str | bytes) -> Schema:
    """Parse what :func:`schema_to_json` wrote (raises :class:`SchemaError`, one line, when invalid)."""
    try:
        d = json.loads(text)
    except UnicodeDecodeError as e:
        raise SchemaError(f"schema file is not UTF-8 text: {e.reason}") from None
    except json.JSONDecodeError as e:
        raise SchemaError(f"schema file is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})"
                          ) from None
    except RecursionError:
        raise SchemaError("schema file is not valid JSON: nested too deeply") from None
    return schema_from_dict(d)


# ---- files ----------------------------------------------------------------------------------------
def schema_format_for(name: str) -> str | None:
    """``"json"``, ``"pbtxt"`` or ``"pb"`` (binary proto) from a file name's extension, else None."""
    low = name.lower()
    if low.endswith(JSON_EXTENSIONS):
        return "json"
    if low.endswith(PBTXT_EXTENSIONS):
        return "pbtxt"
    if low.endswith(BINARY_PROTO_EXTENSIONS):
        return "pb"
    return None


def save_schema(schema: Schema, path: str | os.PathLike[str]) -> Path:
    """Write ``schema`` as JSON (``.json``) or TFDV text proto (``.pbtxt``, ``.textproto``, ``.pb.txt``).

    The file is replaced atomically. Raises :class:`UsageError` for another extension and
    :class:`SchemaError` when the file cannot be written.
    """
    p = Path(path)
    fmt = schema_format_for(p.name)
    if fmt == "json":
        data = schema_to_json(schema).encode("utf-8")
    elif fmt == "pbtxt":
        from dvtools.schema.tfdv import schema_to_pbtxt

        data = schema_to_pbtxt(schema).encode("utf-8")
    elif fmt == "pb":
        from dvtools.schema.tfdv import schema_to_proto

        data = schema_to_proto(schema).SerializeToString()
    else:
        raise UsageError(f"cannot tell the schema format from {str(p)!r}: use a .json or .pbtxt file name")
    try:
        from dvtools.io.files import write_bytes

        write_bytes(p, data)
    except OSError as e:
        raise SchemaError(f"cannot write schema to {str(p)!r}: {e.strerror or e}") from None
    return p


def load_schema(source: str | os.PathLike[str] | bytes | bytearray | Any, name: str | None = None) -> Schema:
    """Read a schema from a path, from bytes (an upload; ``name`` gives its file name) or a file object.

    The format comes from the extension (``.json``; ``.pbtxt``/``.textproto``/``.pb.txt``; ``.pb``
    binary proto); with no or an unknown extension it is sniffed from the content (JSON object,
    else text proto, else binary proto). A missing file raises :class:`SchemaError` naming the path.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data, label = bytes(source), name or "uploaded schema"
    elif isinstance(source, str | os.PathLike):
        p = Path(source)
        label = str(p)
        from dvtools.io.files import read_bytes

        if not p.exists():
            raise SchemaError(f"schema file {label!r} does not exist")
        if p.is_dir():
            raise SchemaError(f"schema path {label!r} is a directory, not a file")
        try:
            data = read_bytes(p, limit=MAX_SCHEMA_FILE_BYTES, what="schema file")
        except DataLoadError as e:
            raise SchemaError(str(e)) from None
        name = name or p.name
    elif hasattr(source, "read"):
        raw = source.read()
        data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        name = name or getattr(source, "name", None)
        label = str(name or "uploaded schema")
    else:
        raise UsageError(f"cannot read a schema from a {type(source).__name__}")
    try:
        return _parse(data, schema_format_for(name) if name else None)
    except SchemaError as e:
        raise SchemaError(f"{label}: {e}") from None


def _parse(data: bytes, fmt: str | None) -> Schema:
    def tfdv():  # noqa: ANN202 - imported only for proto files: tensorflow-metadata costs start-up time
        from dvtools.schema import tfdv

        return tfdv

    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if fmt == "pb":
        return tfdv().schema_from_binary_proto(data)
    if not data.strip():
        raise SchemaError("schema file is empty")
    if fmt == "json":
        return schema_from_json(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        if fmt == "pbtxt":
            raise SchemaError("schema file is not UTF-8 text") from None
        return tfdv().schema_from_binary_proto(data)
    if fmt == "pbtxt":
        return tfdv().schema_from_pbtxt(text)
    # unknown extension: sniff
    if text.lstrip().startswith("{"):
        return schema_from_json(text)
    if any(ord(c) < 9 or 13 < ord(c) < 32 for c in text[:4096]):
        return tfdv().schema_from_binary_proto(data)
    return tfdv().schema_from_pbtxt(text)
