"""Privacy mode: which features are sensitive, and the one redaction of statistics and rows.

* :func:`pii_findings`: the flagged columns of a :class:`~dvtools.statistics.DatasetStatistics`
  (:func:`~dvtools.privacy.tally.flag_columns` over the tallies the statistics pass folded): the
  one decision every output reads (the PII_DETECTED anomaly, the Statistics page alert, schema
  inference, privacy mode).
* :class:`PrivacyPolicy`: ``mode`` ``on`` (default: detected features and those the schema marks
  ``sensitive``), ``strict`` (also every string feature) or ``off``; ``k`` (k-anonymity
  threshold), ``salt`` (hash values instead of masking them, so domains stay comparable),
  ``granularity`` (numeric rounding; None: a power of ten about a tenth of the range).
* :func:`redact_statistics`: the statistics with no raw value of a sensitive feature left
  (top values, domains, slice labels, numeric extremes, quantiles, histograms and sketches).
* :func:`mask_rows`: rows (a pandas DataFrame or an Arrow table) with sensitive columns masked.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from dvtools.errors import UsageError
from dvtools.privacy.detectors import PiiKind
from dvtools.privacy.masking import (
    DEFAULT_K,
    RARE_VALUES,
    coarsen_range,
    mask_generic,
    mask_value,
    redact_counts,
    resolve_salt,
    round_to,
    salted_hash,
)
from dvtools.privacy.tally import PiiFinding, PiiPolicy, column_pii, flag_columns

if TYPE_CHECKING:
    from dvtools.schema.model import Schema
    from dvtools.statistics.model import DatasetStatistics, FeatureStatistics, LogicalType, NumericStatistics

MODES = ("on", "strict", "off")


@dataclass(frozen=True)
class PrivacyPolicy:
    """How outputs treat personal data (see the module docstring)."""

    mode: str = "on"
    k: int = DEFAULT_K
    salt: bytes | None = None
    granularity: float | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise UsageError(f"privacy mode must be one of {', '.join(MODES)}, got {self.mode!r}")
        if isinstance(self.k, bool) or not isinstance(self.k, int) or self.k < 1:
            raise UsageError(f"privacy k must be a whole number >= 1, got {self.k!r}")
        if self.granularity is not None and not (self.granularity > 0 and math.isfinite(self.granularity)):
            raise UsageError(f"privacy granularity must be a positive number, got {self.granularity!r}")

    @property
    def active(self) -> bool:
        """False for ``off``."""
        return self.mode != "off"

    @classmethod
    def from_options(cls, mode: str = "on", *, k: int | None = None, salt: str | bytes | None = None,
                     hash_values: bool = False, granularity: float | None = None) -> PrivacyPolicy:
        """A policy from CLI/dashboard options; ``hash_values`` takes the salt from ``salt`` or ``DVTOOLS_PRIVACY_SALT``."""
        raw = resolve_salt(salt) if (hash_values or salt is not None) else None
        return cls(mode, DEFAULT_K if k is None else k, raw, granularity)


OFF = PrivacyPolicy("off")


def pii_findings(stats: DatasetStatistics, policy: PiiPolicy | None = None) -> dict[str, PiiFinding]:
    """The columns of ``stats`` flagged as personal data (empty when the statistics carry no tallies)."""
    columns = [column_pii(f.name, f.pii.num_values, ((m.kind, m.count, m.example) for m in f.pii.matches))
               for f in stats if f.pii is not None]
    return flag_columns(columns, policy)


def pii_message(finding: PiiFinding) -> str:
    """The one line every output shows for a flagged column (anomaly description, alert, CLI)."""
    return f"looks like personal data: {finding.describe()}"


def sensitive_columns(columns: Mapping[str, LogicalType], policy: PrivacyPolicy, schema: Schema | None,
                      detect: Callable[[], Mapping[str, PiiKind]]) -> dict[str, PiiKind | None]:
    """THE rule "is this feature sensitive": column name -> detected kind (None: no detector says which).

    ``columns``: every column by the logical type of its values (a list column's: of its items).
    Sensitive are, when the policy is active: the columns the schema marks ``sensitive``, every
    STRING column in ``strict`` mode, and the columns ``detect()`` flags (called only then; the
    detected kind wins). :func:`sensitive_features` (statistics) and :func:`data_sensitive_features`
    (a data source, for the commands without statistics) both decide through this.
    """
    if not policy.active:
        return {}
    out: dict[str, PiiKind | None] = {}
    if schema is not None:
        out.update({f.name: None for f in schema.features if getattr(f, "sensitive", False) and f.name in columns})
    if policy.mode == "strict":
        from dvtools.statistics.model import LogicalType

        out.update({name: out.get(name) for name, t in columns.items() if t == LogicalType.STRING})
    out.update(detect())
    return out


def sensitive_features(stats: DatasetStatistics, policy: PrivacyPolicy, schema: Schema | None = None
                       ) -> dict[str, PiiKind | None]:
    """Feature name -> detected kind (None: marked by the schema, or a string feature in strict mode)."""
    return sensitive_columns({f.name: f.value_view.logical_type for f in stats}, policy, schema,
                             lambda: {name: finding.kind for name, finding in pii_findings(stats).items()})


# ---------------------------------------------------------------------------------------------- values
def _label(value: Any, kind: PiiKind | None, policy: PrivacyPolicy) -> str:
    text = value if isinstance(value, str) else str(value)
    if policy.salt is not None:
        return salted_hash(text, policy.salt)
    return mask_value(kind, text) if kind is not None else mask_generic(text)


def _redacted_counter(vc: Any, rows: list[tuple[Any, int]], value_type: pa.DataType) -> Any:
    """A non-exact ValueCounter listing ``rows``: its distinct count from registers of the original values."""
    from dvtools.statistics import sketches as sk

    d = vc.counter.to_dict()
    if d.get("hll") is None:
        hll = sk.HyperLogLog()
        if vc.values:
            hll.update_hashes(sk.hash_array(pa.array(vc.values, type=vc.counter._type)))
        d["hll"] = sk._b64(hll.registers.tobytes())
        d["hash"] = sk.hash_version()
        d["distinct_floor"] = max(int(d.get("distinct_floor", 0)), len(vc.values))
    d["values"] = [v for v, _ in rows]
    d["counts"] = [int(c) for _, c in rows]
    return sk.ValueCounter.from_dict(d, value_type)


def _redact_values(fs: FeatureStatistics, kind: PiiKind | None, policy: PrivacyPolicy) -> None:
    from dvtools.statistics.model import LogicalType, ValueCounts

    vc = fs.values
    if vc is None:
        return
    pairs = list(zip(vc.values, vc.counts, strict=True))
    if fs.logical_type == LogicalType.STRING:
        rows = redact_counts(pairs, kind, k=policy.k, salt=policy.salt, rare=RARE_VALUES)
        counter = _redacted_counter(vc, rows, pa.string())
    elif fs.logical_type == LogicalType.BOOL:
        return  # two categories: nothing identifies a person
    else:
        # Numbers cannot be masked: values shared by at least k records stay (none for a detected kind: card numbers).
        rows = [] if kind is not None else [(v, c) for v, c in pairs if c >= policy.k]
        counter = _redacted_counter(vc, rows, vc.counter._type)
    fs.values = ValueCounts.from_counter(counter)


def auto_granularity(lo: float, hi: float, integer: bool) -> float:
    """A power of ten near a tenth of the range (at least 1 for integers)."""
    span = hi - lo
    if not (math.isfinite(span) and span > 0):
        g = 10.0 ** math.floor(math.log10(abs(hi))) if math.isfinite(hi) and hi != 0 else 1.0
    else:
        g = 10.0 ** math.floor(math.log10(span / 10))
    return max(g, 1.0) if integer else g


def _coarsen(ns: NumericStatistics, granularity: float | None, integer: bool, num_buckets: int = 10) -> NumericStatistics:
    """Numeric figures with the extremes widened, quantiles rounded and histograms binned on multiples of a granularity."""
    from dvtools.statistics.model import Histogram
    from dvtools.statistics.sketches import HistogramSketch

    if not ns.num_finite:
        return ns
    g = granularity or auto_granularity(float(ns.min), float(ns.max), integer)
    lo, hi = coarsen_range(float(ns.min), float(ns.max), g)
    if hi <= lo:
        hi = round_to(lo + g, g)
    step = g * max(1, math.ceil(round((hi - lo) / g, 9) / num_buckets))
    edges = [lo]
    while edges[-1] < hi:
        edges.append(round_to(edges[-1] + step, g))
    edges[-1] = max(edges[-1], hi)
    hi = edges[-1]
    counts = ns.sketch.histogram(np.asarray(edges))
    counts = counts * (ns.num_finite / counts.sum()) if counts.sum() > 0 else counts
    coarse = HistogramSketch(edges, counts)
    quantiles = {q: min(hi, max(lo, round_to(v, g))) for q, v in ns.quantiles.items()}
    levels = np.linspace(0, 1, num_buckets + 1)[1:-1]
    qedges = np.maximum.accumulate(np.concatenate([[lo], [round_to(float(x), g) for x in coarse.quantiles(levels)], [hi]]))
    qedges = np.clip(qedges, lo, hi)
    return dataclasses.replace(
        ns, min=lo, max=hi, quantiles=quantiles,
        histogram=Histogram("standard", tuple(map(float, edges)), tuple(map(float, counts))),
        quantiles_histogram=Histogram("quantiles", tuple(map(float, qedges)),
                                      tuple(float(ns.num_finite / num_buckets) for _ in range(num_buckets))),
        sketch=coarse,
        mean=min(hi, max(lo, ns.mean)),
    )


def _redact_feature(fs: FeatureStatistics, kind: PiiKind | None, policy: PrivacyPolicy) -> FeatureStatistics:
    from dvtools.statistics.model import LogicalType

    fs = dataclasses.replace(fs)
    if fs.values_statistics is not None:
        fs.values_statistics = _redact_feature(fs.values_statistics, kind, policy)
    _redact_values(fs, kind, policy)
    if fs.numeric is not None:
        integer = fs.logical_type == LogicalType.INT
        granularity = policy.granularity if fs.logical_type != LogicalType.TIMESTAMP else None
        fs.numeric = _coarsen(fs.numeric, granularity, integer)
    return fs


def redact_statistics(stats: DatasetStatistics, policy: PrivacyPolicy | None = None, *,
                      schema: Schema | None = None, also: Mapping[str, PiiKind | None] | None = None
                      ) -> DatasetStatistics:
    """A copy of ``stats`` in which no raw value of a sensitive feature is left (``stats`` itself is unchanged).

    Sensitive features (:func:`sensitive_features`): string values seen fewer than ``k`` times are
    aggregated into one ``"(rare values)"`` row (the same label in every dataset), the others masked for their detector (or
    salted-hashed given a salt), so value counts become a listing of the frequent values (non-exact;
    the distinct count is kept); numbers lose their exact extremes (widened to the granularity),
    quantiles are rounded, histograms rebinned on multiples of the granularity and the quantile
    sketch is replaced by that histogram; slice labels of a sensitive slice column are masked.
    Already redacted features are left as they are, so redacting twice changes nothing.
    ``policy`` None is the default policy (``on``); ``off`` returns ``stats`` unchanged. ``also``:
    more sensitive features (e.g. those of the other dataset of a comparison).
    """
    policy = policy or PrivacyPolicy()
    if not policy.active:
        return stats
    sensitive = {**(also or {}), **sensitive_features(stats, policy, schema)}
    return _apply(stats, sensitive, policy)


def redact_together(datasets: Iterable[DatasetStatistics | None], policy: PrivacyPolicy | None = None, *,
                    schema: Schema | None = None) -> list[DatasetStatistics | None]:
    """Datasets compared with each other, redacted alike: a feature sensitive in one is redacted in all."""
    policy = policy or PrivacyPolicy()
    items = list(datasets)
    if not policy.active:
        return items
    union: dict[str, PiiKind | None] = {}
    for st in items:
        if st is not None:
            for name, kind in sensitive_features(st, policy, schema).items():
                union[name] = union.get(name) or kind
    return [None if st is None else _apply(st, {**union, **sensitive_features(st, policy, schema)}, policy)
            for st in items]


def scrub_text(text: str, values: Iterable[Any], kind: PiiKind | None, policy: PrivacyPolicy) -> str:
    """``text`` with every occurrence of one of ``values`` (raw values of a sensitive feature) replaced by its label."""
    import re

    vals = sorted({v for v in (x if isinstance(x, str) else str(x) for x in values if x is not None) if len(v) >= 2},
                  key=len, reverse=True)
    if not vals or not text:
        return text
    pattern = re.compile("|".join(re.escape(v) for v in vals))
    return pattern.sub(lambda m: _label(m.group(), kind, policy), text)


def _scrub(obj: Any, values: list[Any], kind: PiiKind | None, policy: PrivacyPolicy) -> Any:
    if isinstance(obj, str):
        return scrub_text(obj, values, kind, policy)
    if isinstance(obj, dict):
        return {k: _scrub(v, values, kind, policy) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(_scrub(v, values, kind, policy) for v in obj)
    return obj


def redact_anomalies(anomalies: Iterable[Any], stats: DatasetStatistics, policy: PrivacyPolicy | None = None, *,
                     schema: Schema | None = None) -> list[Any]:
    """Anomalies of redacted statistics with the schema's raw domain values of sensitive features masked too.

    Values from the statistics are already redacted; a schema written by hand may still list raw
    values (a domain), which a description or details would repeat (e.g. case variants of a domain value).
    """
    policy = policy or PrivacyPolicy()
    out = list(anomalies)
    if not policy.active or schema is None:
        return out
    sensitive = {**sensitive_features(stats, policy, schema),
                 **dict.fromkeys((stats.privacy or {}).get("features", []))}
    domains = {f.name: list(getattr(f.domain, "values", None) or []) for f in schema.features if f.name in sensitive}
    result = []
    for a in out:
        values = domains.get(a.feature or "")
        if values:
            kind = sensitive.get(a.feature)
            a = dataclasses.replace(a, description=scrub_text(a.description, values, kind, policy),
                                    observed=_scrub(a.observed, values, kind, policy),
                                    expected=_scrub(a.expected, values, kind, policy),
                                    details=_scrub(a.details, values, kind, policy))
        result.append(a)
    return result


def _apply(stats: DatasetStatistics, sensitive: Mapping[str, PiiKind | None], policy: PrivacyPolicy
           ) -> DatasetStatistics:
    done = set((stats.privacy or {}).get("features", []))
    todo = {name: kind for name, kind in sensitive.items() if name in stats.features and name not in done}
    if not todo and stats.privacy is not None:
        return stats
    features = {name: (_redact_feature(fs, todo[name], policy) if name in todo else fs)
                for name, fs in stats.features.items()}
    slices = {}
    slice_sensitive = stats.slice_column is not None and stats.slice_column in sensitive
    for label, sub in stats.slices.items():
        new = label
        if slice_sensitive and label != "(missing)" and stats.slice_column not in done:
            new = _label(label, sensitive[stats.slice_column], policy)
            while new in slices:
                new += "'"
        slices[new] = _apply(sub, sensitive, policy) if sub.features else sub
    marker = {"mode": policy.mode, "k": policy.k, "hashed": policy.salt is not None,
              "features": sorted(done | set(todo))}
    return dataclasses.replace(stats, features=features, slices=slices, privacy=marker, warnings=list(stats.warnings))


# ---------------------------------------------------------------------------------------------- rows
def mask_rows(rows: Any, sensitive: Mapping[str, PiiKind | None] | Iterable[str], policy: PrivacyPolicy | None = None
              ) -> Any:
    """``rows`` (a pandas DataFrame or an Arrow table) with every sensitive column masked (same type, same shape).

    Text is masked for its detector (or salted-hashed given a salt); numbers are rounded to the
    policy's granularity (or one derived from the column's range); dates keep the year's decade.
    Other columns are untouched. ``off`` returns ``rows`` unchanged.
    """
    policy = policy or PrivacyPolicy()
    if not policy.active:
        return rows
    kinds = dict(sensitive) if isinstance(sensitive, Mapping) else dict.fromkeys(sensitive)
    if isinstance(rows, pa.Table | pa.RecordBatch):
        import pandas as pd  # noqa: F401  (to_pandas needs it)

        masked = mask_rows(rows.to_pandas(), kinds, policy)
        return pa.Table.from_pandas(masked, preserve_index=False)
    import pandas as pd

    out = rows.copy()
    for name in out.columns:
        if name not in kinds:
            continue
        col = out[name]
        kind = kinds[name]
        if pd.api.types.is_bool_dtype(col):
            continue
        if pd.api.types.is_numeric_dtype(col) and kind is None:
            vals = col.astype("float64")
            finite = vals[np.isfinite(vals)]
            if finite.empty:
                continue
            integer = pd.api.types.is_integer_dtype(col)
            g = policy.granularity or auto_granularity(float(finite.min()), float(finite.max()), integer)
            out[name] = vals.map(lambda v, g=g: v if not math.isfinite(v) else round_to(v, g))
            continue
        if pd.api.types.is_datetime64_any_dtype(col):
            out[name] = col.map(lambda v, k=kind: None if pd.isna(v) else mask_value(PiiKind.DATE_OF_BIRTH, str(v.date())))
            continue
        out[name] = col.map(lambda v, k=kind: v if v is None or (not isinstance(v, str) and pd.isna(v))
                            else _label(v, k, policy))
    return out


def _mask_cell(value: Any, kind: PiiKind | None, policy: PrivacyPolicy) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float) and kind is None:
        if not math.isfinite(value):
            return value
        return round_to(float(value), policy.granularity or auto_granularity(0.0, abs(float(value)) or 1.0, False))
    return _label(value, kind, policy)


def redact_skew(skew: Any, reference: DatasetStatistics | None, current: DatasetStatistics | None,
                policy: PrivacyPolicy | None = None) -> Any:
    """A feature-skew result whose sample rows show sensitive keys and values masked (as the compared statistics)."""
    stats = (reference, current)
    policy = policy or PrivacyPolicy()
    if skew is None or not policy.active:
        return skew
    sensitive: dict[str, PiiKind | None] = {}
    for st in stats:
        if st is not None:
            sensitive.update({n: k for n, k in sensitive_features(st, policy).items() if sensitive.get(n) is None})
            sensitive.update({n: sensitive.get(n) for n in (st.privacy or {}).get("features", [])})
    if not sensitive:
        return skew

    def row(sample: dict[str, Any], feature: str | None) -> dict[str, Any]:
        out = dict(sample)
        if isinstance(out.get("key"), dict):
            out["key"] = {k: _mask_cell(v, sensitive[k], policy) if k in sensitive else v for k, v in out["key"].items()}
        if feature in sensitive:
            for side in ("reference", "current"):
                if side in out:
                    out[side] = _mask_cell(out[side], sensitive[feature], policy)
        for k in list(out):
            if k not in ("key", "reference", "current") and k in sensitive:
                out[k] = _mask_cell(out[k], sensitive[k], policy)
        return out

    features = [dataclasses.replace(f, samples=[row(s, f.feature) for s in f.samples]) for f in skew.features]
    keyed = any(k in sensitive for k in skew.key)
    # Warnings quote example keys ("duplicate keys ..., e.g. {'ssn': '...'}"): drop the example of a sensitive key.
    warnings = [w.split(", e.g.")[0] + ", e.g. (redacted)" if keyed and ", e.g." in w else w for w in skew.warnings]
    return dataclasses.replace(
        skew, features=features, warnings=warnings,
        samples_only_in_reference=[row(s, None) for s in skew.samples_only_in_reference],
        samples_only_in_current=[row(s, None) for s in skew.samples_only_in_current])


def data_sensitive_features(source: Any, policy: PrivacyPolicy, schema: Schema | None = None, *,
                            name: str | None = None) -> dict[str, PiiKind | None]:
    """Sensitive columns of a data source without its statistics: :func:`sensitive_columns` over its columns.

    For the commands that show rows but compute no statistics (``dvtools labels``): detection is
    one pass of the same tallies the statistics engine folds, over the columns a detector applies to.
    """
    if not policy.active:
        return {}  # not even the file's header is read
    from dvtools.io import open_source
    from dvtools.privacy.detect import detect_pii
    from dvtools.statistics.model import logical_type_of

    def values_type(t: pa.DataType) -> LogicalType:
        if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
            return values_type(t.value_type)
        return logical_type_of(t)

    columns = {f.name: values_type(f.type) for f in open_source(source, name=name).schema}
    return sensitive_columns(columns, policy, schema,
                             lambda: {col: f.kind for col, f in detect_pii(source, name=name).findings.items()})


def redact_label_report(report: Any, sensitive: Mapping[str, PiiKind | None], policy: PrivacyPolicy | None = None
                        ) -> Any:
    """A :class:`~dvtools.fairness.labels.LabelReport` whose example rows show sensitive columns masked."""
    import dataclasses

    policy = policy or PrivacyPolicy()
    if not policy.active or not sensitive:
        return report
    examples = {kind: [{k: (_mask_cell(v, sensitive[k], policy) if k in sensitive else v) for k, v in row.items()}
                       for row in rows]
                for kind, rows in report.examples.items()}
    return dataclasses.replace(report, examples=examples)
