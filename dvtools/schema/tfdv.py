"""TFDV interoperability: our :class:`Schema` <-> ``tensorflow_metadata`` ``Schema`` proto / ``schema.pbtxt``.

What we write is what ``tfdv.load_schema_text`` reads (``text_format.Parse`` into
``schema_pb2.Schema``) and validates the way TFDV would; what TFDV writes, we read.

Mapping (ours -> proto; reading is the inverse, and accepts TFDV's variants):

* **Types**. TFDV has only BYTES/INT/FLOAT (and STRUCT). STRING -> ``type: BYTES``; BYTES ->
  ``type: BYTES`` (+ a type tag, see below); BOOL -> ``type: INT`` + ``bool_domain {}`` (``type:
  BYTES`` when the bool domain names its true/false strings, as TFDV does for string booleans);
  TIMESTAMP -> ``type: INT`` + ``int_domain {min max}`` when it has a range (so TFDV enforces the
  range; the feature is tagged TIMESTAMP), else ``time_domain {}``. On read: ``bool_domain`` ->
  BOOL; INT/FLOAT + ``time_domain`` -> TIMESTAMP (its ``integer_format`` goes to a note); BYTES ->
  STRING, except with ``image_domain``/``audio_domain``/``video_domain`` -> BYTES; STRUCT or no
  type -> STRING with a note.
* **String domains** are written as TFDV does: a top-level ``string_domain { name value... }``
  referred to by ``domain: "<name>"`` in the feature (name = the StringDomain's name, else the
  feature's; two features with the same domain name and values share one). A name clash with
  different values falls back to an inline ``string_domain``. Both inline domains and named
  references (to top-level string, int or float domains) are read. A domain named like its feature
  reads back with ``name=None``. ``is_categorical`` -> ``string_domain.is_categorical``
  (YES/NO; TFDV's UNSPECIFIED reads as categorical), ``int_domain.is_categorical``,
  ``float_domain.is_categorical``.
* ``int_domain {min max}``, ``float_domain {min max disallow_nan disallow_inf}`` inline. Proto
  float bounds are 32-bit: they are rounded *outwards* (TFDV never rejects a value our bound
  accepts) and the exact double is kept in a tag; on read the tag wins when it still matches the
  proto value (so a hand edit of the bound is honoured), else the shortest decimal of the float32.
* **Presence** ``presence {min_fraction min_count}``; ``required`` = ``min_fraction == 1.0``.
* **Shape**: a scalar feature (``value_count`` None) is written ``shape { dim { size: 1 } }`` when
  always present (as TFDV's ``infer_feature_shape``), else ``value_count { min: 1 max: 1 }``; both
  (and a shape without dims) read back as scalar. A list's ``ValueCount`` -> ``value_count {min
  max}``; a fixed multi-value shape reads as ``ValueCount(n, n)``.
* ``in_environment``, ``not_in_environment``, ``default_environment``; deprecated ->
  ``lifecycle_stage: DEPRECATED`` (the legacy ``deprecated: true`` and TFDV's other unvalidated
  stages PLANNED/ALPHA/DEBUG_ONLY/DISABLED also read as deprecated).
* ``skew_comparator``/``drift_comparator`` ``{infinity_norm {threshold} jensen_shannon_divergence
  {threshold}}``; ``dataset_constraints {min_examples_count num_examples_drift_comparator
  num_examples_version_comparator {min_fraction_threshold max_fraction_threshold}}``.
* ``description`` -> an ``annotation { comment }``; ``notes`` -> comments prefixed ``dvtools.note:``.
* What TFDV cannot say natively is kept in ``annotation { tag: "dvtools.<key>=<value>" }`` tags,
  written only when needed: ``type`` (e.g. our BYTES or a BOOL without domain), ``is_categorical``
  (e.g. a categorical string without vocabulary), ``required`` (when it differs from
  ``min_fraction == 1.0``), ``list`` (a list feature with exactly one value per row), exact float
  bounds, and integer bounds beyond the int64 range (a uint64 column's max, say): the proto's
  ``int_domain`` fields are int64, so such a bound is left out of the proto (the proto range is
  widened: TFDV never rejects a value our bound accepts) and the exact bound is kept in a
  ``dvtools.int_domain.min/max`` tag, ``sensitive`` (``dvtools.sensitive=true``), ``role``
  (``dvtools.role=identifier``, ``label`` or ``timestamp``; absent = ``feature``), and ``group``
  (``dvtools.group=true``: a group column for fairness reports). TFDV ignores annotations.

Fields we do not model (sparse/weighted features, ``distribution_constraints``, ``image_domain``,
``normalized_abs_difference``, unknown fields of a newer metadata version, ...) are ignored with a
note on the schema or feature. Malformed input raises :class:`~dvtools.errors.SchemaError` with a
one-line message.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
from google.protobuf import text_format
from google.protobuf.message import DecodeError
from tensorflow_metadata.proto.v0 import schema_pb2

from dvtools.errors import SchemaError
from dvtools.schema.model import (
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

TAG_PREFIX = "dvtools."
NOTE_PREFIX = "dvtools.note: "
PBTXT_HEADER = "# proto-file: tensorflow_metadata/proto/v0/schema.proto\n# proto-message: Schema\n"

_P = schema_pb2
_DOMAIN_FIELDS = ("int_domain", "float_domain", "string_domain", "bool_domain", "time_domain")
_BINARY_DOMAINS = ("image_domain", "audio_domain", "video_domain")
_FEATURE_FIELDS = {
    "name", "deprecated", "presence", "shape", "value_count", "type", "domain", *_DOMAIN_FIELDS,
    "annotation", "skew_comparator", "drift_comparator", "in_environment", "not_in_environment",
    "lifecycle_stage",
}
_SCHEMA_FIELDS = {"feature", "string_domain", "int_domain", "float_domain", "default_environment",
                  "dataset_constraints", "annotation"}
_UNVALIDATED_STAGES = {_P.PLANNED, _P.ALPHA, _P.DEBUG_ONLY, _P.DISABLED}


# ---- float32 bounds -------------------------------------------------------------------------------
def _f32(x: float, direction: str) -> float:
    """``x`` as a float32, rounded ``"down"`` or ``"up"`` so the bound never shrinks."""
    with np.errstate(over="ignore"):
        v = np.float32(x)
        if direction == "down" and float(v) > x:
            v = np.nextafter(v, np.float32(-np.inf))
        elif direction == "up" and float(v) < x:
            v = np.nextafter(v, np.float32(np.inf))
    return float(v)


def _shortest_f32(v: float) -> float:
    """Return the shortest decimal that reads back as the float32 ``v`` (0.1f -> 0.1, not 0.1000000015)."""
    return float(str(np.float32(v)))


# ---- ours -> proto --------------------------------------------------------------------------------
def schema_to_proto(schema: Schema) -> schema_pb2.Schema:
    """Our schema as a ``tensorflow_metadata.proto.v0.schema_pb2.Schema`` (checked first)."""
    schema.check()
    proto = schema_pb2.Schema()
    shared: dict[str, tuple[list[str], bool, Any]] = {}
    for f in schema.features:
        if not f.name:
            raise SchemaError("feature names must not be empty")
        _feature_to_proto(f, proto.feature.add(), proto, shared)
    proto.default_environment.extend(schema.default_environments)
    dc = schema.dataset_constraints
    if dc.min_examples_count is not None:
        proto.dataset_constraints.min_examples_count = dc.min_examples_count
    for field_name, comp in (("num_examples_drift_comparator", dc.num_examples_drift_comparator),
                             ("num_examples_version_comparator", dc.num_examples_version_comparator)):
        if comp.min_fraction_threshold is not None or comp.max_fraction_threshold is not None:
            msg = getattr(proto.dataset_constraints, field_name)
            if comp.min_fraction_threshold is not None:
                msg.min_fraction_threshold = comp.min_fraction_threshold
            if comp.max_fraction_threshold is not None:
                msg.max_fraction_threshold = comp.max_fraction_threshold
    if schema.notes:
        proto.annotation.comment.extend(NOTE_PREFIX + n for n in schema.notes)
    return proto


def _feature_to_proto(f: Feature, fp: schema_pb2.Feature, proto: schema_pb2.Schema,
                      shared: dict[str, tuple[list[str], bool, Any]]) -> None:
    fp.name = f.name
    tags: list[str] = []
    d = f.domain
    t = FeatureType(f.type)
    if t == FeatureType.INT:
        fp.type = _P.INT
    elif t == FeatureType.FLOAT:
        fp.type = _P.FLOAT
    elif t in (FeatureType.STRING, FeatureType.BYTES):
        fp.type = _P.BYTES
    elif t == FeatureType.BOOL:
        named = isinstance(d, BoolDomain) and (d.true_value is not None or d.false_value is not None)
        fp.type = _P.BYTES if named or isinstance(d, StringDomain) else _P.INT
    elif t == FeatureType.TIMESTAMP:
        fp.type = _P.FLOAT if isinstance(d, FloatDomain) else _P.INT

    kind: str | None = None
    msg: Any = None
    if t == FeatureType.TIMESTAMP and d is None:
        kind, msg = "time_domain", fp.time_domain
        msg.SetInParent()
    if isinstance(d, IntDomain):
        kind, msg = "int_domain", fp.int_domain
        msg.SetInParent()
        for attr in ("min", "max"):
            v = getattr(d, attr)
            if v is None:
                continue
            if _INT64_MIN <= v <= _INT64_MAX:
                setattr(msg, attr, v)
            else:  # not an int64: open on that side in the proto, exact bound in a tag
                tags.append(f"{TAG_PREFIX}int_domain.{attr}={int(v)}")
        if f.is_categorical:
            msg.is_categorical = True
    elif isinstance(d, FloatDomain):
        kind, msg = "float_domain", fp.float_domain
        msg.SetInParent()
        for attr, direction in (("min", "down"), ("max", "up")):
            v = getattr(d, attr)
            if v is None:
                continue
            v32 = _f32(v, direction)
            setattr(msg, attr, v32)
            if v32 != v or _shortest_f32(v32) != v:  # the reader takes the shortest float32 text
                tags.append(f"{TAG_PREFIX}float_domain.{attr}={v!r}")
        if d.disallow_nan:
            msg.disallow_nan = True
        if d.disallow_inf:
            msg.disallow_inf = True
        if f.is_categorical:
            msg.is_categorical = True
    elif isinstance(d, StringDomain):
        kind = "string_domain"
        cat = f.is_categorical
        name = d.name or f.name
        if name not in shared:
            msg = proto.string_domain.add()
            _fill_string_domain(msg, name, d.values, cat)
            shared[name] = (list(d.values), cat, msg)
            fp.domain = name
        elif shared[name][:2] == (list(d.values), cat):
            msg = shared[name][2]
            fp.domain = name
        else:  # same name, other values: keep it with the feature
            msg = fp.string_domain
            _fill_string_domain(msg, d.name or "", d.values, cat)
    elif isinstance(d, BoolDomain):
        kind, msg = "bool_domain", fp.bool_domain
        msg.SetInParent()
        if d.true_value is not None:
            msg.true_value = d.true_value
        if d.false_value is not None:
            msg.false_value = d.false_value

    p = f.presence
    if p.min_fraction is not None:
        fp.presence.min_fraction = p.min_fraction
    if p.min_count is not None:
        fp.presence.min_count = p.min_count

    if f.value_count is None:
        if p.min_fraction == 1.0:
            fp.shape.dim.add().size = 1
        else:
            fp.value_count.min, fp.value_count.max = 1, 1
    else:
        vc = fp.value_count
        vc.SetInParent()
        if f.value_count.min is not None:
            vc.min = f.value_count.min
        if f.value_count.max is not None:
            vc.max = f.value_count.max
        if f.value_count.min == 1 and f.value_count.max == 1:
            tags.append(f"{TAG_PREFIX}list=true")

    fp.in_environment.extend(f.in_environment)
    fp.not_in_environment.extend(f.not_in_environment)
    if f.deprecated:
        fp.lifecycle_stage = _P.DEPRECATED
    _comparator_to_proto(f.skew_comparator, fp, "skew_comparator")
    _comparator_to_proto(f.drift_comparator, fp, "drift_comparator")

    # What the proto alone would say, versus what we mean: tags for the differences.
    native_type, _ = _native_type(fp, kind)
    if native_type != t:
        tags.append(f"{TAG_PREFIX}type={t.value}")
    if _native_categorical(kind, msg) != f.is_categorical:
        tags.append(f"{TAG_PREFIX}is_categorical={'true' if f.is_categorical else 'false'}")
    if FeatureRole(f.role) != FeatureRole.FEATURE:
        tags.append(f"{TAG_PREFIX}role={FeatureRole(f.role).value}")
    if f.sensitive:
        tags.append(f"{TAG_PREFIX}sensitive=true")
    if f.group:
        tags.append(f"{TAG_PREFIX}group=true")
    if (p.min_fraction == 1.0) != f.required:
        tags.append(f"{TAG_PREFIX}required={'true' if f.required else 'false'}")
    if f.description:
        fp.annotation.comment.append(f.description)
    if f.notes:
        fp.annotation.comment.extend(NOTE_PREFIX + n for n in f.notes)
    if tags:
        fp.annotation.tag.extend(tags)


def _fill_string_domain(sd: schema_pb2.StringDomain, name: str, values: list[str], categorical: bool) -> None:
    sd.SetInParent()
    if name:
        sd.name = name
    sd.value.extend(values)
    sd.is_categorical = _P.StringDomain.CATEGORICAL_YES if categorical else _P.StringDomain.CATEGORICAL_NO


def _comparator_to_proto(c: Comparator, fp: schema_pb2.Feature, field_name: str) -> None:
    if c.infinity_norm_threshold is not None:
        getattr(fp, field_name).infinity_norm.threshold = c.infinity_norm_threshold
    if c.jensen_shannon_divergence_threshold is not None:
        getattr(fp, field_name).jensen_shannon_divergence.threshold = c.jensen_shannon_divergence_threshold


def schema_to_pbtxt(schema: Schema) -> str:
    """``schema.pbtxt`` text, as ``tfdv.write_schema_text`` writes it (plus a two-line header comment)."""
    return PBTXT_HEADER + text_format.MessageToString(schema_to_proto(schema), as_utf8=True)


# ---- proto -> ours --------------------------------------------------------------------------------
_Tops = dict[str, dict[str, Any]]


def _top_domains(proto: schema_pb2.Schema, notes: list[str] | None) -> _Tops:
    tops: _Tops = {"string_domain": {}, "int_domain": {}, "float_domain": {}}
    for kind, items in tops.items():
        for msg in getattr(proto, kind):
            if msg.name in items:
                if notes is not None:
                    notes.append(f"pbtxt defines {kind} {msg.name!r} twice: the first one is used")
                continue
            items[msg.name] = msg
    return tops


def _domain_of(fp: schema_pb2.Feature, tops: _Tops) -> tuple[str | None, Any]:
    """(kind, message) of the feature's domain, following a ``domain: "name"`` reference."""
    which = fp.WhichOneof("domain_info")
    if which == "domain":
        for kind in ("string_domain", "int_domain", "float_domain"):
            if fp.domain in tops[kind]:
                return kind, tops[kind][fp.domain]
        raise SchemaError(f"feature {fp.name!r} refers to domain {fp.domain!r}, "
                          "which the schema does not define")
    if which is None:
        return None, None
    return which, getattr(fp, which)


def _native_type(fp: schema_pb2.Feature, kind: str | None) -> tuple[FeatureType, str | None]:
    """Return the type the proto says without our tags, and a note when it is a guess."""
    if kind == "bool_domain":
        return FeatureType.BOOL, None
    if fp.type == _P.INT:
        return (FeatureType.TIMESTAMP if kind == "time_domain" else FeatureType.INT), None
    if fp.type == _P.FLOAT:
        return (FeatureType.TIMESTAMP if kind == "time_domain" else FeatureType.FLOAT), None
    if fp.type == _P.BYTES:
        if kind in _BINARY_DOMAINS:
            return FeatureType.BYTES, None
        if kind == "time_domain":
            return FeatureType.STRING, "time as formatted strings: typed STRING, the format is not checked"
        return FeatureType.STRING, None
    if fp.type == _P.STRUCT:
        return FeatureType.STRING, "STRUCT feature: typed STRING, only presence is checked"
    return FeatureType.STRING, "no type in the pbtxt: STRING assumed"


def _native_categorical(kind: str | None, msg: Any) -> bool:
    if kind in ("int_domain", "float_domain"):
        return bool(msg.is_categorical)
    if kind == "string_domain":
        return msg.is_categorical != _P.StringDomain.CATEGORICAL_NO
    return False


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _opt(msg: Any, field_name: str) -> Any:
    return getattr(msg, field_name) if msg.HasField(field_name) else None


def _bool_tag(tags: dict[str, str], key: str, notes: list[str]) -> bool | None:
    v = tags.pop(key, None)
    if v is None:
        return None
    if v.lower() in ("true", "false"):
        return v.lower() == "true"
    notes.append(f"annotation tag {TAG_PREFIX}{key}={v} is not understood: ignored")
    return None


def _feature_from_proto(fp: schema_pb2.Feature, tops: _Tops) -> Feature:
    if not fp.name:
        raise SchemaError("a feature has no name")
    notes: list[str] = []
    for fd, _ in fp.ListFields():
        if fd.name not in _FEATURE_FIELDS:
            notes.append(f"pbtxt field {fd.name} is not supported by dvtools: ignored")

    tags: dict[str, str] = {}
    other_tags = []
    for tag in fp.annotation.tag:
        if tag.startswith(TAG_PREFIX) and "=" in tag:
            k, v = tag[len(TAG_PREFIX):].split("=", 1)
            tags[k] = v
        else:
            other_tags.append(tag)
    description_lines, fnotes = [], []
    for c in fp.annotation.comment:
        (fnotes.append(c[len(NOTE_PREFIX):]) if c.startswith(NOTE_PREFIX) else description_lines.append(c))
    if other_tags:
        notes.append("annotation tags (not used by dvtools): " + ", ".join(repr(t) for t in other_tags))
    if fp.annotation.extra_metadata:
        notes.append("annotation extra_metadata is not supported by dvtools: ignored")

    kind, msg = _domain_of(fp, tops)
    ftype, type_note = _native_type(fp, kind)
    if "type" in tags:
        v = tags.pop("type")
        try:
            ftype, type_note = FeatureType(v), None
        except ValueError:
            notes.append(f"annotation tag {TAG_PREFIX}type={v} is not a dvtools type: ignored")
    if type_note:
        notes.append(type_note)
    is_categorical = _native_categorical(kind, msg)
    cat = _bool_tag(tags, "is_categorical", notes)
    if cat is not None:
        is_categorical = cat

    domain: Domain | None = None
    if kind == "int_domain":
        ibounds: list[int | None] = []
        for attr in ("min", "max"):
            v = _opt(msg, attr)
            exact = tags.pop(f"int_domain.{attr}", None)
            if v is None and exact is not None:
                try:
                    v = int(exact)
                except ValueError:
                    notes.append(f"annotation tag {TAG_PREFIX}int_domain.{attr}={exact} is not understood: ignored")
            ibounds.append(v)
        domain = IntDomain(ibounds[0], ibounds[1])
    elif kind == "float_domain":
        bounds: list[float | None] = []
        for attr in ("min", "max"):
            v32 = _opt(msg, attr)
            exact = tags.pop(f"float_domain.{attr}", None)
            if v32 is None:
                bounds.append(None)
                continue
            try:
                x = float(exact) if exact is not None else None
            except ValueError:
                x = None
            if x is not None and not math.isnan(x) and _f32(x, "down" if attr == "min" else "up") == v32:
                bounds.append(x)
            else:
                bounds.append(_shortest_f32(v32))
        domain = FloatDomain(bounds[0], bounds[1], bool(msg.disallow_nan), bool(msg.disallow_inf))
    elif kind == "string_domain":
        name = msg.name if msg.name and msg.name != fp.name else None
        domain = StringDomain(list(msg.value), name)
    elif kind == "bool_domain":
        domain = BoolDomain(_opt(msg, "true_value"), _opt(msg, "false_value"))
    elif kind == "time_domain":
        fmt = msg.WhichOneof("format")
        if fmt == "integer_format" and msg.integer_format != _P.TimeDomain.FORMAT_UNKNOWN:
            notes.append(f"time format {_P.TimeDomain.IntegerTimeFormat.Name(msg.integer_format)}")
        elif fmt == "string_format":
            notes.append(f"time string format {msg.string_format!r}")

    presence = Presence()
    if fp.HasField("presence"):
        presence = Presence(_opt(fp.presence, "min_fraction"), _opt(fp.presence, "min_count"))
    required = presence.min_fraction == 1.0
    req = _bool_tag(tags, "required", notes)
    if req is not None:
        required = req

    value_count: ValueCount | None = None
    is_list = _bool_tag(tags, "list", notes)
    shape_kind = fp.WhichOneof("shape_type")
    if shape_kind == "shape":
        sizes = [d.size for d in fp.shape.dim]
        if any(s != 1 for s in sizes):
            n = math.prod(sizes)
            value_count = ValueCount(n, n)
            notes.append(f"fixed shape {sizes} read as {n} values per example")
    elif shape_kind == "value_count":
        vmin, vmax = _opt(fp.value_count, "min"), _opt(fp.value_count, "max")
        if not (vmin == 1 and vmax == 1 and not is_list):
            value_count = ValueCount(vmin, vmax)

    deprecated = fp.lifecycle_stage == _P.DEPRECATED or bool(fp.deprecated)
    if fp.lifecycle_stage in _UNVALIDATED_STAGES:
        deprecated = True
        notes.append(f"lifecycle_stage {_P.LifecycleStage.Name(fp.lifecycle_stage)}: not validated (as TFDV)")

    role = FeatureRole.FEATURE
    if "role" in tags:
        v = tags.pop("role")
        try:
            role = FeatureRole(v)
        except ValueError:
            notes.append(f"annotation tag {TAG_PREFIX}role={v} is not a dvtools role: ignored")
    sensitive = bool(_bool_tag(tags, "sensitive", notes))
    group = bool(_bool_tag(tags, "group", notes))
    for key in tags:
        notes.append(f"annotation tag {TAG_PREFIX}{key} is not understood: ignored")
    feature = Feature(
        name=fp.name,
        type=ftype,
        presence=presence,
        required=required,
        value_count=value_count,
        domain=domain,
        is_categorical=is_categorical,
        not_in_environment=list(fp.not_in_environment),
        in_environment=list(fp.in_environment),
        deprecated=deprecated,
        skew_comparator=_comparator_from_proto(fp, "skew_comparator", notes),
        drift_comparator=_comparator_from_proto(fp, "drift_comparator", notes),
        description="\n".join(description_lines),
        notes=fnotes + notes,
        role=role,
        sensitive=sensitive,
        group=group,
    )
    feature.check()
    return feature


def _comparator_from_proto(fp: schema_pb2.Feature, field_name: str, notes: list[str]) -> Comparator:
    if not fp.HasField(field_name):
        return Comparator()
    msg = getattr(fp, field_name)
    if msg.HasField("normalized_abs_difference"):
        notes.append(f"{field_name}.normalized_abs_difference is not supported by dvtools: ignored")
    linf = _opt(msg.infinity_norm, "threshold") if msg.HasField("infinity_norm") else None
    js = None
    if msg.HasField("jensen_shannon_divergence"):
        js = _opt(msg.jensen_shannon_divergence, "threshold")
    return Comparator(linf, js)


def schema_from_proto(proto: schema_pb2.Schema) -> Schema:
    """Our schema from a ``schema_pb2.Schema`` (raises :class:`SchemaError` when inconsistent)."""
    notes: list[str] = []
    for fd, _ in proto.ListFields():
        if fd.name not in _SCHEMA_FIELDS:
            notes.append(f"pbtxt field {fd.name} is not supported by dvtools: ignored")
    tops = _top_domains(proto, notes)
    features = [_feature_from_proto(fp, tops) for fp in proto.feature]
    dc = DatasetConstraints()
    if proto.HasField("dataset_constraints"):
        pdc = proto.dataset_constraints
        dc.min_examples_count = _opt(pdc, "min_examples_count")
        if pdc.HasField("max_examples_count"):
            notes.append("dataset_constraints.max_examples_count is not supported by dvtools: ignored")
        for field_name in ("num_examples_drift_comparator", "num_examples_version_comparator"):
            if pdc.HasField(field_name):
                m = getattr(pdc, field_name)
                setattr(dc, field_name, NumExamplesComparator(_opt(m, "min_fraction_threshold"),
                                                              _opt(m, "max_fraction_threshold")))
    own = [c[len(NOTE_PREFIX):] if c.startswith(NOTE_PREFIX) else c for c in proto.annotation.comment]
    if proto.annotation.tag:
        notes.append("schema annotation tags (not used by dvtools): "
                     + ", ".join(map(repr, proto.annotation.tag)))
    schema = Schema(features=features, default_environments=list(proto.default_environment),
                    dataset_constraints=dc, notes=own + notes)
    schema.check()
    return schema


def schema_from_pbtxt(text: str | bytes) -> Schema:
    """Parse a ``schema.pbtxt`` (TFDV's or ours). Unknown fields are skipped with a note."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SchemaError("schema file is not UTF-8 text") from None
    proto = schema_pb2.Schema()
    unknown_note = None
    try:
        text_format.Parse(text, proto)
    except text_format.ParseError as e:
        msg = _one_line(str(e))
        if "has no field named" not in msg:
            raise SchemaError(f"not a valid schema.pbtxt: {msg}") from None
        proto = schema_pb2.Schema()
        try:
            text_format.Parse(text, proto, allow_unknown_field=True)
        except (text_format.ParseError, ValueError) as e2:
            raise SchemaError(f"not a valid schema.pbtxt: {_one_line(str(e2))}") from None
        except RecursionError:  # skipping a deeply nested unknown field recurses too
            raise SchemaError("not a valid schema.pbtxt: nested too deeply") from None
        m = re.match(r'(\d+):(\d+) : Message type "(?:[\w.]*\.)?(\w+)" has no field named "([^"]+)"', msg)
        first = f"{m.group(3)}.{m.group(4)} at line {m.group(1)}" if m else msg
        unknown_note = ("pbtxt fields unknown to this tensorflow-metadata version were ignored "
                        f"(first: {first})")
    except (ValueError, RecursionError) as e:
        raise SchemaError(f"not a valid schema.pbtxt: {_one_line(str(e))}") from None
    schema = schema_from_proto(proto)
    if unknown_note:
        schema.notes.append(unknown_note)
    return schema


def schema_from_binary_proto(data: bytes) -> Schema:
    """Parse a binary-serialized ``schema_pb2.Schema``."""
    try:
        proto = schema_pb2.Schema.FromString(data)
    except (DecodeError, ValueError, RuntimeError) as e:
        raise SchemaError("not a schema file (neither JSON, pbtxt nor a binary schema proto): "
                          f"{_one_line(str(e))}") from None
    return schema_from_proto(proto)


def _one_line(s: str, limit: int = 300) -> str:
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 3] + "..."
