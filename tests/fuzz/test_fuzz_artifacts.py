"""Generated and mutated statistics and schema files load, or fail with a one-line DvtoolsError: nothing else.

Mutations replace, delete or retype a random field anywhere in a real document (nested features,
sketches, histograms, domains), or cut the file short; each result must either load (and then
survive schema inference, validation and a JSON round trip) or raise a :class:`DvtoolsError` whose
message is one line. Random bytes named as a statistics or schema file get the same treatment.
"""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

import numpy as np
import pandas as pd
from _fuzz_budget import budget
from hypothesis import given, settings
from hypothesis import strategies as st

import dvtools
from dvtools.errors import DvtoolsError
from dvtools.schema import load_schema
from dvtools.statistics.model import DatasetStatistics


@functools.cache
def _stats_doc() -> dict[str, Any]:
    """A real statistics document (module-level, not a fixture: hypothesis would print its repr)."""
    rng = np.random.default_rng(1)
    n = 2_000
    df = pd.DataFrame({
        "x": rng.normal(size=n), "k": rng.integers(0, 5, n), "s": rng.choice(["a", "b", None], n),
        "b": rng.random(n) < 0.3, "t": pd.date_range("2024-01-01", periods=n, freq="h"),
        "l": [[1, 2]] * n,
    })
    return json.loads(dvtools.compute_statistics(df, slice_by="k").to_json())


@functools.cache
def _schema_doc() -> dict[str, Any]:
    from dvtools.schema.serialization import schema_to_json

    return json.loads(schema_to_json(dvtools.infer_schema(DatasetStatistics.from_dict(_stats_doc()))))


_JUNK = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
                  st.sampled_from(["NaN", "Infinity", "-Infinity", "", "x", "INT", "kll", "exact"]),
                  st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:4]):
            out += _paths(v, (*prefix, i))
    return out


_EDITS = st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(["replace", "delete"]), _JUNK),
                  min_size=1, max_size=3)


def mutated(doc: dict[str, Any], edits: list[tuple[int, str, Any]]) -> dict[str, Any]:
    """``doc`` with each edit (which field, by index into its paths; replace or delete; new value) applied."""
    d = copy.deepcopy(doc)
    paths = _paths(d)
    for index, op, junk in edits:
        path = paths[index % len(paths)]
        parent: Any = d
        try:
            for key in path[:-1]:
                parent = parent[key]
            if op == "delete" and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = copy.deepcopy(junk)
        except (KeyError, IndexError, TypeError):
            continue
    return d


def _one_line_or_ok(action: Any) -> Any:
    try:
        return action()
    except DvtoolsError as e:
        msg = str(e)
        assert msg and "\n" not in msg and "internal error" not in msg, msg
        return None


@settings(max_examples=budget(60))
@given(_EDITS)
def test_mutated_statistics_load_or_fail_with_one_line(edits: list[Any]) -> None:
    d = mutated(_stats_doc(), edits)
    stats = _one_line_or_ok(lambda: DatasetStatistics.from_json(json.dumps(d)))
    if stats is not None:
        schema = _one_line_or_ok(lambda: dvtools.infer_schema(stats))
        if schema is not None:
            _one_line_or_ok(lambda: dvtools.validate_statistics(stats, schema, reference=stats))
        assert DatasetStatistics.from_json(stats.to_json()).num_examples == stats.num_examples


@settings(max_examples=budget(40))
@given(_EDITS)
def test_mutated_schema_json_loads_or_fails_with_one_line(edits: list[Any]) -> None:
    d = mutated(_schema_doc(), edits)
    _one_line_or_ok(lambda: load_schema(json.dumps(d).encode(), name="schema.json"))


@settings(max_examples=budget(40))
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode), st.sampled_from(["json", "pbtxt", "pb"]))
def test_random_bytes_as_schema_or_statistics_fail_with_one_line(data: bytes, ext: str) -> None:
    _one_line_or_ok(lambda: load_schema(data, name=f"schema.{ext}"))
    _one_line_or_ok(lambda: DatasetStatistics.from_json(data))


@settings(max_examples=budget(20))
@given(st.integers(1, 400))
def test_truncated_statistics_file_fails_with_one_line(cut: int) -> None:
    text = json.dumps(_stats_doc())
    assert _one_line_or_ok(lambda: DatasetStatistics.from_json(text[: len(text) * cut // 401])) is None
