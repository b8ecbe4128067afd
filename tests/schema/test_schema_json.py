"""Our JSON schema format, and schema files (save/load, format by extension or content)."""

from __future__ import annotations

import io
import json
import math

import pytest

from dvtools.errors import SchemaError, UsageError
from dvtools.schema import (
    Feature,
    FeatureType,
    FloatDomain,
    Schema,
    load_schema,
    save_schema,
    schema_from_json,
    schema_to_json,
    schema_to_pbtxt,
)
from dvtools.schema.tfdv import schema_to_proto


def test_json_round_trip(rich_schema):
    text = schema_to_json(rich_schema)
    assert schema_from_json(text) == rich_schema
    assert schema_from_json(text.encode("utf-8")) == rich_schema


def test_json_is_stable_and_readable(rich_schema):
    a = schema_to_json(rich_schema)
    b = schema_to_json(schema_from_json(a))
    assert a == b == schema_to_json(rich_schema)
    assert a.endswith("}\n")
    assert a.startswith('{\n  "format": "dvtools.schema",\n  "version": 1,\n')
    d = json.loads(a)
    assert list(d) == ["format", "version", "default_environments", "dataset_constraints", "notes",
                       "features"]
    assert list(d["features"][0])[:2] == ["name", "type"]


def test_json_infinite_bounds(rich_schema):
    d = json.loads(schema_to_json(rich_schema))
    ratio = next(f for f in d["features"] if f["name"] == "ratio")
    assert ratio["domain"]["min"] == "-Infinity" and ratio["domain"]["max"] == "Infinity"
    back = schema_from_json(schema_to_json(rich_schema)).feature("ratio").domain
    assert back.min == -math.inf and back.max == math.inf


def test_json_keeps_unicode_readable():
    s = Schema([Feature("ville", FeatureType.STRING, description="Préfecture — 県")])
    text = schema_to_json(s)
    assert "Préfecture — 県" in text
    assert schema_from_json(text) == s


def _doc(rich_schema):
    return json.loads(schema_to_json(rich_schema))


def _bad(d) -> str:
    with pytest.raises(SchemaError) as e:
        schema_from_json(json.dumps(d))
    msg = str(e.value)
    assert "\n" not in msg
    return msg


def test_invalid_json_is_one_line_error():
    with pytest.raises(SchemaError, match="not valid JSON") as e:
        schema_from_json('{"format": "dvtools.schema",\n "version": 1,\n "features": [}')
    assert "\n" not in str(e.value) and "line 3" in str(e.value)
    with pytest.raises(SchemaError, match="not UTF-8"):
        schema_from_json(b"\xff\xfe{")


def test_wrong_format_or_version(rich_schema):
    d = _doc(rich_schema)
    assert "not a dvtools schema" in _bad({**d, "format": "dvtools.statistics"})
    assert "not a dvtools schema" in _bad([1, 2])
    assert "unsupported schema version 2" in _bad({**d, "version": 2})
    d.pop("version")
    assert "unsupported schema version None" in _bad(d)


def test_invalid_values(rich_schema):
    d = _doc(rich_schema)
    d["features"][0]["domain"]["min"] = 200
    msg = _bad(d)
    assert "'age'" in msg and "min 200 is greater than max 120" in msg

    d = _doc(rich_schema)
    d["features"][0]["type"] = "DOUBLE"
    assert "unknown type 'DOUBLE'" in _bad(d)

    d = _doc(rich_schema)
    d["features"][0]["presence"]["min_fraction"] = 1.5
    assert "min_fraction" in _bad(d)

    d = _doc(rich_schema)
    d["features"][0]["presence"]["min_count"] = "3"
    assert "'min_count' must be an integer" in _bad(d)

    d = _doc(rich_schema)
    d["features"][0]["required"] = "yes"
    assert "'required' must be true or false" in _bad(d)

    d = _doc(rich_schema)
    d["features"][0]["domain"]["kind"] = "regex"
    assert "unknown domain kind 'regex'" in _bad(d)

    d = _doc(rich_schema)
    d["features"][0]["min_fration"] = 0.5
    assert "unknown key 'min_fration'" in _bad(d)

    d = _doc(rich_schema)
    d["features"][1]["name"] = "age"
    assert "'age' is listed twice" in _bad(d)

    d = _doc(rich_schema)
    d["features"][2]["drift_comparator"]["infinity_norm_threshold"] = 2
    assert "infinity_norm_threshold must be within [0, 1]" in _bad(d)

    d = _doc(rich_schema)
    d["features"][4]["domain"]["values"] = ["a", "a"]
    assert "lists 'a' twice" in _bad(d)

    d = _doc(rich_schema)
    d["features"][0]["domain"] = {"kind": "string", "values": ["x"], "name": None}
    assert "does not fit type INT" in _bad(d)

    d = _doc(rich_schema)
    d["dataset_constraints"]["num_examples_drift_comparator"]["min_fraction_threshold"] = 3.0
    assert "greater than max_fraction_threshold" in _bad(d)

    d = _doc(rich_schema)
    d["dataset_constraints"]["min_examples_count"] = -1
    assert "min_examples_count" in _bad(d)

    d = _doc(rich_schema)
    d["features"] = {"age": {}}
    assert "'features' must be a list" in _bad(d)

    d = _doc(rich_schema)
    d["features"][0] = "age"
    assert "expected an object" in _bad(d)


def test_minimal_json_uses_defaults():
    s = schema_from_json('{"format": "dvtools.schema", "version": 1, '
                         '"features": [{"name": "a", "type": "INT"}]}')
    assert s == Schema([Feature("a", FeatureType.INT)])


# ---- files ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["schema.json", "schema.pbtxt", "schema.textproto", "schema.pb.txt",
                                  "schema.pb"])
def test_save_and_load_by_extension(tmp_path, rich_schema, name):
    path = save_schema(rich_schema, tmp_path / name)
    assert load_schema(path) == rich_schema
    assert load_schema(str(path)) == rich_schema
    assert load_schema(path.read_bytes(), name=name) == rich_schema
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


def test_saved_pbtxt_is_tfdv_text(tmp_path, rich_schema):
    path = save_schema(rich_schema, tmp_path / "schema.pbtxt")
    assert path.read_text(encoding="utf-8") == schema_to_pbtxt(rich_schema)


def test_load_sniffs_content_without_extension(rich_schema):
    assert load_schema(schema_to_json(rich_schema).encode()) == rich_schema
    assert load_schema(schema_to_pbtxt(rich_schema).encode(), name="upload") == rich_schema
    assert load_schema(schema_to_proto(rich_schema).SerializeToString(), name="blob.bin") == rich_schema
    assert load_schema(b"\xef\xbb\xbf" + schema_to_json(rich_schema).encode()) == rich_schema


def test_load_from_file_object(rich_schema):
    up = io.BytesIO(schema_to_pbtxt(rich_schema).encode())
    up.name = "my_schema.pbtxt"
    assert load_schema(up) == rich_schema
    assert load_schema(io.StringIO(schema_to_json(rich_schema))) == rich_schema


def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nope" / "schema.json"
    with pytest.raises(SchemaError, match="does not exist") as e:
        load_schema(path)
    assert str(path) in str(e.value)
    with pytest.raises(SchemaError, match="is a directory"):
        load_schema(tmp_path)


def test_load_errors_name_the_source(tmp_path):
    p = tmp_path / "broken.json"
    p.write_text('{"format": "dvtools.schema", "version": 1, "features": [{"name": "a", "type": "X"}]}')
    with pytest.raises(SchemaError, match="broken.json: feature 'a': unknown type 'X'"):
        load_schema(p)
    with pytest.raises(SchemaError, match="upload.pbtxt: not a valid schema.pbtxt"):
        load_schema(b"feature { name: ", name="upload.pbtxt")
    with pytest.raises(SchemaError, match="is empty"):
        load_schema(b"  \n", name="empty.pbtxt")
    with pytest.raises(SchemaError, match="not UTF-8"):
        load_schema(b"\xff\xfe", name="x.pbtxt")
    with pytest.raises(SchemaError) as e:
        load_schema(b"\x00\x01\x02garbage\xff", name="mystery")
    assert "\n" not in str(e.value)


def test_save_errors(tmp_path, rich_schema):
    with pytest.raises(UsageError, match="cannot tell the schema format"):
        save_schema(rich_schema, tmp_path / "schema.yaml")
    with pytest.raises(SchemaError, match="cannot write schema"):
        save_schema(rich_schema, tmp_path / "missing_dir" / "schema.json")
    bad = Schema([Feature("x", FeatureType.FLOAT, domain=FloatDomain(2.0, 1.0))])
    with pytest.raises(SchemaError, match="greater than max"):
        save_schema(bad, tmp_path / "bad.json")
    assert not (tmp_path / "bad.json").exists()


def test_load_rejects_other_sources():
    with pytest.raises(UsageError):
        load_schema(12)  # type: ignore[arg-type]
