"""The schema as an editable grid: :class:`Schema` <-> one DataFrame row per feature, with validation.

Pure (no Streamlit), so the Schema page stays a thin layer over :func:`schema_to_rows` and
:func:`rows_to_schema`.

Grid columns (see :data:`COLUMNS`): ``name`` (read-only), ``type``, ``required``,
``role`` (feature, label, identifier or timestamp), ``sensitive`` (personal data: redacted in privacy
mode), ``group`` (a group column for fairness reports), ``min_fraction``, ``min_count``, ``categorical``,
``values`` (allowed strings as comma-separated
text), ``min``/``max`` (the range, as text: numbers written exactly, and for TIMESTAMP features whose
arrow type is known, see ``time_types``, ISO dates/datetimes such as ``2024-06-01`` or
``2024-06-01 12:30:00`` in UTC, parsed back to the integer the feature stores: days for ``date32``,
the unit of a ``timestamp[unit]``), ``allow_nan``/``allow_inf`` (float features),
``not_in_environments`` (list of environment names), ``skew_linf``/``skew_js``/``drift_linf``/
``drift_js`` (comparator thresholds), ``deprecated`` and ``notes`` (read-only).

Allowed values are written ``a, b, c``; a value that is empty, has leading/trailing whitespace, or
contains a comma or a double quote is written in double quotes (``"1,300 ft"``, ``""``,
``"boston "``), a quote inside doubled (CSV style), so every domain round-trips exactly. A blank
cell means "no value domain".

:func:`rows_to_schema` rebuilds only the rows that differ from the base schema's rows; the others
keep the base feature untouched (so parts the grid does not show, such as value counts, a string
domain's name or a BoolDomain's spellings, are never lost). A row with a problem is not applied:
the base feature stays and the row's problems come back as one line naming the feature.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from dvtools.errors import DvtoolsError
from dvtools.schema.model import (
    BoolDomain,
    Comparator,
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
)
from dvtools.statistics.model import DatasetStatistics, LogicalType, parse_timestamp, time_unit_nanos, timestamp_iso

__all__ = [
    "COLUMNS",
    "NUMERIC_TYPES",
    "STRING_TYPES",
    "TYPES",
    "format_values",
    "parse_values",
    "rows_to_schema",
    "schema_to_rows",
    "bound_text",
    "time_types",
    "with_dataset_constraints",
]

TYPES: tuple[str, ...] = tuple(t.value for t in FeatureType)
NUMERIC_TYPES = frozenset({FeatureType.INT, FeatureType.FLOAT, FeatureType.TIMESTAMP})
STRING_TYPES = frozenset({FeatureType.STRING, FeatureType.BYTES, FeatureType.BOOL})

COLUMNS: tuple[str, ...] = (
    "name", "type", "role", "sensitive", "group", "required", "min_fraction", "min_count", "categorical", "values",
    "min", "max",
    "allow_nan", "allow_inf", "not_in_environments", "skew_linf", "skew_js", "drift_linf", "drift_js",
    "deprecated", "notes",
)
_THRESHOLDS = {
    "skew_linf": ("skew_comparator", "infinity_norm_threshold"),
    "skew_js": ("skew_comparator", "jensen_shannon_divergence_threshold"),
    "drift_linf": ("drift_comparator", "infinity_norm_threshold"),
    "drift_js": ("drift_comparator", "jensen_shannon_divergence_threshold"),
}


# ---- allowed values as text --------------------------------------------------------------------
def _needs_quotes(v: str) -> bool:
    return v == "" or v != v.strip() or "," in v or '"' in v


def format_values(values: Iterable[str]) -> str:
    """``['a', '1,300 ft', '']`` -> ``'a, "1,300 ft", ""'`` (see the module docstring)."""
    out = []
    for v in values:
        s = str(v)
        out.append('"' + s.replace('"', '""') + '"' if _needs_quotes(s) else s)
    return ", ".join(out)


def parse_values(text: str) -> list[str]:
    """Inverse of :func:`format_values`; raises ValueError on an unbalanced quote.

    Unquoted values are stripped; empty unquoted entries (``a,,b`` or a trailing comma) are skipped.
    """
    values: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            break
        if text[i] == '"':
            i += 1
            buf = []
            while True:
                if i >= n:
                    raise ValueError("a quoted value has no closing quote")
                if text[i] == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        buf.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(text[i])
                i += 1
            values.append("".join(buf))
            while i < n and text[i] in " \t\r\n":
                i += 1
            if i < n and text[i] != ",":
                raise ValueError(f"unexpected text after a quoted value: {text[i:i + 20]!r}")
            i += 1
        else:
            j = text.find(",", i)
            j = n if j < 0 else j
            token = text[i:j].strip()
            if '"' in token:
                raise ValueError(f"a quote inside an unquoted value: {token!r} (quote the whole value)")
            if token:
                values.append(token)
            i = j + 1
    return values


# ---- dates and bounds as text ------------------------------------------------------------------
def time_types(stats: DatasetStatistics | None) -> dict[str, str]:
    """Feature -> arrow type of the date/timestamp features of ``stats`` (lists: their values' type).

    What :func:`schema_to_rows` and :func:`rows_to_schema` need to show and parse those features'
    ranges as dates (the reference statistics' types, as the schema was inferred from them).
    """
    out: dict[str, str] = {}
    for f in stats or ():
        inner = f.value_view
        if inner.logical_type == LogicalType.TIMESTAMP and time_unit_nanos(inner.numeric_type) is not None:
            out[f.name] = inner.numeric_type  # the unit of the figures (and of the inferred bounds)
    return out


def _number_text(x: float | int) -> str:
    if isinstance(x, float):
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        if x == math.floor(x) and abs(x) < 2**53:
            return str(int(x))
        return repr(x)
    return str(int(x))


def bound_text(x: float | int | None, arrow_type: str | None = None) -> str:
    """A range bound as grid text: blank for none, ISO for a date/timestamp type, else the exact number."""
    if x is None:
        return ""
    if arrow_type is not None:
        try:
            return timestamp_iso(x, arrow_type)
        except ValueError:  # not a whole number, or outside years 1-9999: the number itself
            pass
    return _number_text(x)


# ---- schema -> rows ----------------------------------------------------------------------------
def _opt(x: float | int | None) -> float:
    return math.nan if x is None else float(x)


def _arrow_type(f: Feature, types: Mapping[str, str] | None) -> str | None:
    return (types or {}).get(f.name) if f.type == FeatureType.TIMESTAMP else None


def _feature_row(f: Feature, types: Mapping[str, str] | None = None) -> dict[str, Any]:
    d = f.domain
    lo = hi = None
    values = ""
    allow_nan = allow_inf = True
    if isinstance(d, IntDomain | FloatDomain):
        lo, hi = d.min, d.max
    if isinstance(d, FloatDomain):
        allow_nan, allow_inf = not d.disallow_nan, not d.disallow_inf
    if isinstance(d, StringDomain):
        values = format_values(d.values)
    return {
        "name": f.name,
        "type": f.type.value,
        "role": FeatureRole(f.role).value,
        "sensitive": bool(f.sensitive),
        "group": bool(f.group),
        "required": bool(f.required),
        "min_fraction": _opt(f.presence.min_fraction),
        "min_count": f.presence.min_count,
        "categorical": bool(f.is_categorical),
        "values": values,
        "min": bound_text(lo, _arrow_type(f, types)),
        "max": bound_text(hi, _arrow_type(f, types)),
        "allow_nan": allow_nan,
        "allow_inf": allow_inf,
        "not_in_environments": list(f.not_in_environment),
        "skew_linf": _opt(f.skew_comparator.infinity_norm_threshold),
        "skew_js": _opt(f.skew_comparator.jensen_shannon_divergence_threshold),
        "drift_linf": _opt(f.drift_comparator.infinity_norm_threshold),
        "drift_js": _opt(f.drift_comparator.jensen_shannon_divergence_threshold),
        "deprecated": bool(f.deprecated),
        "notes": "; ".join(f.notes),
    }


def schema_to_rows(schema: Schema, time_types: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per feature, in schema order, with the columns of :data:`COLUMNS`.

    Unset numbers are NaN (``min_count``: a nullable integer column), booleans are ``bool``,
    ``not_in_environments`` holds lists of names. ``min``/``max`` are text (:func:`bound_text`,
    blank when unset): ISO dates/datetimes for TIMESTAMP features named in ``time_types``
    (feature -> arrow type, see :func:`time_types`), exact numbers otherwise.
    """
    rows = [_feature_row(f, time_types) for f in schema.features]
    # Each column built with its dtype (inferring, then converting, costs more than the rows: pandas
    # would first make the text columns Arrow strings).
    dtypes = {c: "object" for c in COLUMNS}
    dtypes.update({c: "float64" for c in ("min_fraction", *_THRESHOLDS)})
    dtypes.update({c: "bool" for c in ("group", "sensitive", "required", "categorical", "allow_nan", "allow_inf",
                                       "deprecated")})
    dtypes["min_count"] = "Int64"
    return pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype=dtypes[c], index=pd.RangeIndex(len(rows)))
                         for c in COLUMNS})


# ---- rows -> schema ----------------------------------------------------------------------------
def _blank(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


_INTEGER_TEXT = re.compile(r"[+-]?\d+")


def _number(v: Any, what: str, problems: list[str]) -> float | int | None:
    """A cell as a number: whole numbers written as such stay exact ints (int64 timestamps exceed a float)."""
    if _blank(v):
        return None
    if isinstance(v, bool):
        problems.append(f"{what}: {v!r} is not a number")
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return v
    text = str(v).strip().replace("_", "")
    if _INTEGER_TEXT.fullmatch(text):
        return int(text)
    try:
        x = float(text)
    except ValueError:
        problems.append(f"{what}: {str(v)!r} is not a number")
        return None
    if math.isnan(x):
        problems.append(f"{what}: NaN is not a valid value")
        return None
    return x


def _share(v: Any, what: str, problems: list[str]) -> float | None:
    x = _number(v, what, problems)
    if x is not None and not 0.0 <= x <= 1.0:
        problems.append(f"{what} must be within [0, 1], got {x:g}")
        return None
    return None if x is None else float(x)


def _whole(x: float | int | None, what: str, problems: list[str]) -> int | None:
    if x is None:
        return None
    if math.isinf(x) or x != math.floor(x):
        problems.append(f"{what} must be a whole number, got {x:g}")
        return None
    return int(x)


def _flag(v: Any, default: bool) -> bool:
    if _blank(v):
        return default
    if isinstance(v, str):
        return v.strip().lower() in ("true", "1", "yes", "y", "x")
    return bool(v)


def _names(v: Any) -> list[str]:
    if _blank(v):
        return []
    if isinstance(v, str):
        items: Iterable[Any] = v.split(",")
    elif isinstance(v, Iterable):
        items = list(v)
    else:
        items = [v]
    out: list[str] = []
    for it in items:
        s = str(it).strip()
        if s and s not in out:
            out.append(s)
    return out


def _same(a: Any, b: Any) -> bool:
    """Cell equality where NaN == NaN, lists compare by value and 1 == 1.0."""
    if _blank(a) and _blank(b):
        return True
    if _blank(a) or _blank(b):
        return False
    if isinstance(a, str) or isinstance(b, str):
        return str(a) == str(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    try:
        return list(a) == list(b)
    except TypeError:
        return bool(a == b)


def _bound(row: dict[str, Any], base: Feature, base_row: dict[str, Any], what: str, arrow_type: str | None,
           problems: list[str]) -> float | int | None:
    """The ``min``/``max`` cell as a number.

    The base's own value while the cell is unchanged (exact, whatever its text), an ISO
    date/datetime parsed with ``arrow_type`` (a TIMESTAMP feature), else a number.
    """
    v = row.get(what)
    if isinstance(base.domain, IntDomain | FloatDomain) and _same(v, base_row.get(what)):
        return getattr(base.domain, what)
    if arrow_type is None or _blank(v) or not isinstance(v, str):
        return _number(v, what, problems)
    try:
        return parse_timestamp(v, arrow_type)
    except ValueError as e:
        problems.append(f"{what}: {e}")
        return None


def _float(x: float | int | None) -> float | None:
    return None if x is None else float(x)


def _domain(row: dict[str, Any], t: FeatureType, base: Feature, base_row: dict[str, Any],
            problems: list[str], arrow_type: str | None = None) -> Domain | None:
    """The domain the row describes (keeping the base's extras when they still fit).

    ``arrow_type``: the date/timestamp type whose integers a TIMESTAMP feature's ``min``/``max``
    text stands for (None: numbers).
    """
    type_changed = t != base.type
    text = row.get("values")
    text = "" if _blank(text) else str(text)
    allow_nan, allow_inf = _flag(row.get("allow_nan"), True), _flag(row.get("allow_inf"), True)
    if t in NUMERIC_TYPES:
        time_type = arrow_type if t == FeatureType.TIMESTAMP else None
        lo = _bound(row, base, base_row, "min", time_type, problems)
        hi = _bound(row, base, base_row, "max", time_type, problems)
        if text.strip():
            if type_changed and _same(row.get("values"), base_row.get("values")):
                pass  # values left over from the old type: dropped with it
            else:
                problems.append(f"allowed values apply to {', '.join(sorted(STRING_TYPES))} features, not {t.value}")
                return base.domain
        use_float = t == FeatureType.FLOAT or (t == FeatureType.TIMESTAMP and isinstance(base.domain, FloatDomain))
        if lo is not None and hi is not None and lo > hi:
            problems.append(f"min {bound_text(lo, time_type)} is greater than max {bound_text(hi, time_type)}"
                            if time_type else f"min {lo:g} is greater than max {hi:g}")
            return base.domain
        if use_float:
            flags = (not allow_nan, not allow_inf) if t == FeatureType.FLOAT else (False, False)
            if lo is None and hi is None and not any(flags):
                return None
            return FloatDomain(_float(lo), _float(hi), disallow_nan=flags[0], disallow_inf=flags[1])
        ilo = None if lo is None or (math.isinf(lo) and lo < 0) else _whole(lo, "min", problems)
        ihi = None if hi is None or (math.isinf(hi) and hi > 0) else _whole(hi, "max", problems)
        if ilo is None and ihi is None:
            return None
        return IntDomain(ilo, ihi)
    # STRING, BYTES, BOOL
    if not (_blank(row.get("min")) and _blank(row.get("max"))):
        unchanged = _same(row.get("min"), base_row.get("min")) and _same(row.get("max"), base_row.get("max"))
        if not (type_changed and unchanged):
            problems.append(f"min/max apply to INT, FLOAT and TIMESTAMP features, not {t.value}")
            return base.domain
    if not text.strip():
        if t == FeatureType.BOOL and isinstance(base.domain, BoolDomain):
            return base.domain
        return None
    try:
        values = parse_values(text)
    except ValueError as e:
        problems.append(f"values: {e}")
        return base.domain
    name = base.domain.name if isinstance(base.domain, StringDomain) else None
    return StringDomain(values, name=name)


def _feature_from_row(row: dict[str, Any], base: Feature, base_row: dict[str, Any],
                      arrow_type: str | None = None) -> tuple[Feature, list[str]]:
    problems: list[str] = []
    raw_type = row.get("type")
    t_text = "" if _blank(raw_type) else str(raw_type).strip().upper()
    try:
        t = FeatureType(t_text)
    except ValueError:
        problems.append(f"unknown type {str(raw_type)!r} (one of {', '.join(TYPES)})")
        t = base.type
    min_fraction = _share(row.get("min_fraction"), "min_fraction", problems)
    mc = _number(row.get("min_count"), "min_count", problems)
    min_count = _whole(mc, "min_count", problems)
    if min_count is not None and min_count < 0:
        problems.append(f"min_count must be >= 0, got {min_count}")
        min_count = None
    thresholds = {k: _share(row.get(k), k, problems) for k in _THRESHOLDS}
    role = _role(row.get("role"), FeatureRole(base.role), problems)
    domain = _domain(row, t, base, base_row, problems, arrow_type)
    if problems:
        return base, problems
    f = Feature(
        name=base.name, type=t,
        presence=Presence(min_fraction, min_count),
        required=_flag(row.get("required"), False),
        value_count=base.value_count,
        domain=domain,
        is_categorical=_flag(row.get("categorical"), False),
        not_in_environment=_names(row.get("not_in_environments")),
        in_environment=list(base.in_environment),
        deprecated=_flag(row.get("deprecated"), False),
        skew_comparator=Comparator(thresholds["skew_linf"], thresholds["skew_js"]),
        drift_comparator=Comparator(thresholds["drift_linf"], thresholds["drift_js"]),
        description=base.description,
        notes=list(base.notes),
        role=role,
        sensitive=_flag(row.get("sensitive"), False),
        group=_flag(row.get("group"), base.group),
    )
    try:
        f.check()
    except DvtoolsError as e:
        return base, [str(e).removeprefix(f"feature {base.name!r}: ")]
    return f, []


def rows_to_schema(df: pd.DataFrame, base: Schema,
                   time_types: Mapping[str, str] | None = None) -> tuple[Schema, list[str]]:
    """The schema the grid describes, and one line per row that could not be applied.

    Rows are matched to ``base`` features by ``name``; a row equal to the base feature's row keeps
    that feature as is. An invalid row keeps the base feature and adds
    ``"<feature>: <problem>; <problem>"`` to the errors (min > max, a share outside [0, 1], a bad
    number or date, an unknown type, ...). A row naming no feature of ``base`` is an error too. Base
    features without a row are kept. ``base`` is never changed. ``time_types``: as given to
    :func:`schema_to_rows` (the ``min``/``max`` of those TIMESTAMP features are ISO text).
    """
    out = base.copy()
    errors: list[str] = []
    types = dict(time_types or {})
    base_rows = {r["name"]: r for r in schema_to_rows(base, types).to_dict("records")}
    by_name = {f.name: i for i, f in enumerate(out.features)}
    for row in df.to_dict("records"):
        name = row.get("name")
        if _blank(name) or str(name) not in by_name:
            errors.append(f"{name}: not a feature of the schema (rows cannot be added here)")
            continue
        name = str(name)
        base_row = base_rows[name]
        if all(_same(row.get(c), base_row.get(c)) for c in COLUMNS if c not in ("name", "notes")):
            continue
        i = by_name[name]
        f, problems = _feature_from_row(row, out.features[i], base_row, types.get(name))
        if problems:
            errors.append(f"{name}: {'; '.join(problems)}")
            continue
        out.features[i] = f
    return out, errors


# ---- dataset constraints -----------------------------------------------------------------------
def with_dataset_constraints(base: Schema, *, min_examples_count: Any = None, min_examples_ratio: Any = None,
                             max_examples_ratio: Any = None) -> tuple[Schema, list[str]]:
    """A copy of ``base`` with the dataset constraints set (blank = no constraint), and the errors.

    ``min_examples_count``: a whole number >= 0; ``min/max_examples_ratio``: the allowed ratio of
    current to reference examples (``num_examples_drift_comparator``), >= 0, min <= max. On an
    error nothing is changed.
    """
    problems: list[str] = []
    n = _whole(_number(min_examples_count, "min examples", problems), "min examples", problems)
    if n is not None and n < 0:
        problems.append(f"min examples must be >= 0, got {n}")
    lo = _number(min_examples_ratio, "min examples ratio", problems)
    hi = _number(max_examples_ratio, "max examples ratio", problems)
    for what, x in (("min examples ratio", lo), ("max examples ratio", hi)):
        if x is not None and (x < 0 or math.isinf(x)):
            problems.append(f"{what} must be a finite number >= 0, got {x:g}")
    if lo is not None and hi is not None and lo > hi:
        problems.append(f"min examples ratio {lo:g} is greater than max examples ratio {hi:g}")
    if problems:
        return base.copy(), ["dataset constraints: " + "; ".join(problems)]
    out = base.copy()
    dc = out.dataset_constraints
    dc.min_examples_count = n
    dc.num_examples_drift_comparator = NumExamplesComparator(lo, hi)
    return out, []


def environment_options(schema: Schema, extra: Sequence[str] = ()) -> list[str]:
    """Environment names the schema knows (defaults first), for a multiselect."""
    names: list[str] = []
    for e in [*schema.default_environments, *extra]:
        if e not in names:
            names.append(e)
    for f in schema.features:
        for e in [*f.not_in_environment, *f.in_environment]:
            if e not in names:
                names.append(e)
    return names


def _role(value: Any, default: FeatureRole, problems: list[str]) -> FeatureRole:
    """A role cell: blank keeps ``default``; an unknown name is a problem."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        return default
    try:
        return FeatureRole(str(value).strip().lower())
    except ValueError:
        problems.append(f"role {value!r} is not one of {', '.join(r.value for r in FeatureRole)}")
        return default


def with_grid_edits(rows: pd.DataFrame, edits: Sequence[Mapping[str, Any] | None]) -> pd.DataFrame:
    """``rows`` with the cells edited in grids over them: each grid's edit state as ``st.data_editor`` keeps it.

    ``edits``: per grid, ``{"edited_rows": {row position: {column: value}}, ...}`` (None: no edit).
    Added and deleted rows do not occur (the grids have a fixed row per feature); ``name`` is not editable.
    """
    edited = rows.copy()
    for state in edits:
        for row, changes in ((state or {}).get("edited_rows") or {}).items():
            for column, value in changes.items():
                if column in edited.columns and column != "name":
                    edited.at[edited.index[int(row)], column] = value
    return edited
