"""Validate statistics against a schema (and optionally a reference): the anomalies, as values.

:func:`validate_statistics` runs every registered check (:data:`~dvtools.validation.checks.CHECKS`)
on every feature and returns the anomalies sorted ERROR first, then dataset-level ones, then by
feature order (the schema's, then the data's for columns the schema does not list). It reads
finalized statistics only, recomputes nothing and caches nothing, so validating hundreds of
features takes milliseconds.

:func:`anomalies_to_json` is the CLI's JSON contract; :func:`anomalies_table` a terminal table.
"""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from dvtools.comparison._common import dataset_names
from dvtools.comparison.comparators import Comparison
from dvtools.errors import UsageError
from dvtools.jsonsafe import jsonable
from dvtools.schema.model import Feature, FeatureRole, Schema
from dvtools.statistics.model import DatasetStatistics
from dvtools.validation.anomalies import Anomaly, Severity
from dvtools.validation.checks import CHECKS, SUPERSEDES, CheckContext, accepted_notes
from dvtools.validation.thresholds import Thresholds

__all__ = ["anomalies_table", "anomalies_to_json", "dataset_names", "drift_comparison", "drift_measurement", "exit_code",
           "validate_slices", "validate_with",
           "validate_statistics"]

#: The distribution anomalies (the engine's ``drift`` verdicts): the types the distribution check reports.
DISTRIBUTION_TYPES = frozenset(CHECKS["distribution"].types)

_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1}


def _check_environment(schema: Schema, environment: str | None) -> None:
    if environment is None:
        return
    known = set(schema.default_environments)
    for f in schema.features:
        known.update(f.in_environment)
        known.update(f.not_in_environment)
    if known and environment not in known:
        raise UsageError(
            f"environment {environment!r} is not in the schema (environments: {', '.join(sorted(known))})"
        )


def _filter(anomalies: list[Anomaly], notes: Iterable[str]) -> list[Anomaly]:
    """Drop accepted anomalies (``accept:`` notes), then the ones a stronger finding supersedes."""
    accepted = accepted_notes(notes)
    if accepted:
        anomalies = [
            a for a in anomalies
            if a.type.value not in accepted
            and not ("accept_key" in a.details and f"{a.type.value}:{a.details['accept_key']}" in accepted)
        ]
    fired = {a.type for a in anomalies}
    dropped: set[Any] = set()
    for t in fired:
        dropped |= SUPERSEDES.get(t, frozenset())
    return [a for a in anomalies if a.type not in dropped] if dropped else anomalies


def validate_statistics(
    stats: DatasetStatistics,
    schema: Schema | None,
    *,
    reference: DatasetStatistics | None = None,
    environment: str | None = None,
    thresholds: Thresholds | None = None,
    comparator: Literal["drift", "skew"] = "drift",
    comparison: Comparison | None = None,
    names: tuple[str, str] | None = None,
) -> list[Anomaly]:
    """Anomalies of ``stats`` against ``schema`` and, when given, the ``reference`` statistics.

    * ``schema=None`` validates against the reference only (distribution, missing-share,
      constant, all-null, zero-marker and type-change checks).
    * ``environment`` (e.g. ``"SERVING"``) skips the features not expected there; deprecated
      features are always skipped. An environment the schema never mentions raises
      :class:`~dvtools.errors.UsageError` (when the schema mentions any).
    * ``thresholds``: defaults and per-feature overrides (:class:`Thresholds`).
    * ``comparator``: the role of ``stats`` relative to the reference, which picks the schema
      comparator: ``"skew"`` (reference = training, current = serving) or ``"drift"``
      (current = evaluation data or the next span).
    * ``comparison``: the engine's result for these inputs, when the caller already has it (the
      dashboard); else computed here with :func:`drift_comparison`. Its ``drift`` verdicts are
      the distribution anomalies (COMPARATOR_L_INFTY_HIGH, COMPARATOR_JENSEN_SHANNON_DIVERGENCE_HIGH,
      DISTRIBUTION_DRIFT for the other methods), so they always match ``compare_statistics``.
    * ``names``: what the descriptions call the reference and ``stats``, by their roles (the CLI
      and the dashboard pass theirs); default by comparator, :data:`dvtools.defaults.DATASET_NAMES`:
      ``("training", "serving")`` for skew, ``("training", "evaluation")`` for drift.
    """
    if comparator not in ("drift", "skew"):
        raise UsageError(f"comparator must be 'drift' or 'skew', got {comparator!r}")
    names = dataset_names(comparator, names)
    thresholds = thresholds if thresholds is not None else Thresholds()
    thresholds.check()
    if schema is not None:
        _check_environment(schema, environment)
    ref_n = reference.num_examples if reference is not None else None
    if reference is not None and comparison is None:
        comparison = drift_comparison(reference, stats, schema, environment=environment, thresholds=thresholds,
                                      comparator=comparator, names=names)
    results = {f.feature: f for f in comparison.features} if comparison is not None and reference is not None else {}
    common = {
        "environment": environment,
        "num_examples": stats.num_examples,
        "reference_num_examples": ref_n,
        "comparator": comparator,
        "schema": schema,
        "names": names,
    }
    feature_checks = [c for c in CHECKS.values() if c.scope == "feature"]
    unknown_checks = [c for c in feature_checks if c.on_unknown_columns]
    dataset_checks = [c for c in CHECKS.values() if c.scope == "dataset"]

    from dvtools.privacy.redact import pii_findings

    findings = pii_findings(stats)
    ranked: list[tuple[int, int, int, Anomaly]] = []

    def add(found: list[Anomaly], position: int) -> None:
        for a in found:
            ranked.append((_SEVERITY_RANK[a.severity], position, len(ranked), a))

    ctx = CheckContext(feature=None, thresholds=thresholds.for_feature(None), **common)
    found = [a for c in dataset_checks for a in c(ctx)]
    add(_filter(found, schema.notes if schema is not None else ()), -1)

    plan: list[tuple[str, Feature | None, bool]] = []  # (name, schema feature, unknown column)
    if schema is not None:
        listed = set()
        for f in schema.features:
            listed.add(f.name)
            if f.deprecated or not f.in_env(environment, schema.default_environments):
                continue
            plan.append((f.name, f, False))
        plan += [(name, None, True) for name in stats.features if name not in listed]
    else:
        plan = [(name, None, False) for name in stats.features]

    ref_features = reference.features if reference is not None else {}
    for position, (name, f, unknown) in enumerate(plan):
        ctx = CheckContext(
            feature=name,
            current=stats.features.get(name),
            schema_feature=f,
            reference=ref_features.get(name),
            thresholds=thresholds.for_feature(name),
            comparison=results.get(name),
            compared=thresholds.compares(name, FeatureRole(f.role).compared_by_default if f is not None else True),
            pii=findings.get(name),
            **common,
        )
        found = [a for c in (unknown_checks if unknown else feature_checks) for a in c(ctx)]
        if found:
            add(_filter(found, f.notes if f is not None else ()), position)
    ranked.sort(key=lambda r: r[:3])
    return [r[3] for r in ranked]


def validate_with(
    stats: DatasetStatistics,
    schema: Schema | None,
    *,
    previous: DatasetStatistics | None = None,
    serving: DatasetStatistics | None = None,
    environment: str | None = None,
    serving_environment: str | None = None,
    thresholds: Thresholds | None = None,
) -> list[Anomaly]:
    """TFDV's call shape, ``validate_statistics(stats, schema, previous_statistics=, serving_statistics=)``, in one call.

    ``stats`` (training data, or the new span) against the schema and, with ``previous``, against the
    previous span by the schema's *drift* comparators (:func:`validate_statistics` with
    ``comparator="drift"``); with ``serving``, the serving data against ``stats`` by the *skew*
    comparators: only its distribution anomalies are added (``details["comparator"] == "skew"``),
    as TFDV adds skew to the training data's anomalies. ``serving_environment`` (e.g. ``"SERVING"``)
    is the environment of the serving data (default: ``environment``).
    """
    found = validate_statistics(stats, schema, reference=previous, environment=environment, thresholds=thresholds,
                                comparator="drift", names=("previous", "new"))
    if serving is not None:
        skew = validate_statistics(serving, schema, reference=stats, thresholds=thresholds, comparator="skew",
                                   environment=serving_environment if serving_environment is not None else environment)
        found += [a for a in skew if a.type in DISTRIBUTION_TYPES]
    return sorted(found, key=lambda a: _SEVERITY_RANK[a.severity])


def validate_slices(
    stats: DatasetStatistics,
    schema: Schema | None,
    *,
    reference: DatasetStatistics | None = None,
    **options: Any,
) -> dict[str, list[Anomaly]]:
    """TFDV's ``validate_corresponding_slices``: every slice of ``stats`` against the schema (and the reference's slice).

    Slices come from ``compute_statistics(..., slice_by=...)`` / ``dvtools stats --slice-by COL``.
    A slice is compared with the reference's slice of the same key when the reference has it, else
    validated against the schema only. ``options`` are :func:`validate_statistics`'s. Raises
    :class:`~dvtools.errors.UsageError` when ``stats`` has no slices.
    """
    if not stats.slices:
        raise UsageError("the statistics have no slices: compute them with slice_by (dvtools stats --slice-by COL)")
    ref_slices = reference.slices if reference is not None else {}
    return {key: validate_statistics(s, schema, reference=ref_slices.get(key), **options)
            for key, s in stats.slices.items()}


def drift_comparison(reference: DatasetStatistics, current: DatasetStatistics, schema: Schema | None, *,
                     environment: str | None = None, thresholds: Thresholds | None = None,
                     comparator: str = "drift", exclude: tuple[str, ...] = (),
                     measured: Comparison | None = None, names: tuple[str, str] | None = None) -> Comparison:
    """The engine's comparison for a validation: the schema's comparators, roles and environment, the thresholds' layers.

    The dashboard and ``dvtools validate`` call this (``dvtools compare`` calls
    :func:`~dvtools.comparison.comparators.compare_statistics` with the same options), so the
    drifted features are the same everywhere. ``measured``: :func:`drift_measurement` of the same
    inputs, kept by a caller (the dashboard) so that a threshold change only re-judges (its notes
    name the datasets as it was measured). ``names``: the datasets' roles in notes and reasons
    (default by comparator: :func:`~dvtools.comparison._common.dataset_names`).
    """
    from dvtools.comparison.comparators import Layers, compare_statistics, judge_comparison

    t = thresholds if thresholds is not None else Thresholds()
    opts = t.comparison_options()
    if measured is None:
        return compare_statistics(reference, current, schema=schema, environment=environment, comparator=comparator,
                                  exclude=exclude, names=names, **opts)
    layers = Layers(policy=opts["policy"], thresholds=opts["thresholds"], categorical_method=opts["categorical_method"],
                    numeric_method=opts["numeric_method"], schema=schema, comparator=comparator,
                    overrides=opts["overrides"])
    return judge_comparison(measured, layers)


def drift_measurement(reference: DatasetStatistics, current: DatasetStatistics, schema: Schema | None, *,
                      environment: str | None = None, thresholds: Thresholds | None = None,
                      exclude: tuple[str, ...] = (), comparator: str = "drift",
                      names: tuple[str, str] | None = None) -> Comparison:
    """The threshold-independent part of :func:`drift_comparison` (its ``measured`` argument).

    ``comparator``/``names``: only what the notes call the two datasets (:func:`dataset_names`);
    judge the result with the same comparator.
    """
    from dvtools.comparison.comparators import POLICIES, measure_statistics

    t = thresholds if thresholds is not None else Thresholds()
    compare = {n: ft.compare for n, ft in t.per_feature.items() if ft.compare is not None}
    return measure_statistics(reference, current, binning=POLICIES[t.policy].binning, exclude=exclude, schema=schema,
                              environment=environment, compare=compare, names=dataset_names(comparator, names))


# --------------------------------------------------------------------------- output




#: ``--fail-on`` levels: which anomalies make ``dvtools validate`` exit 1.
FAIL_ON = ("error", "warning", "never")


def exit_code(anomalies: Sequence[Anomaly], fail_on: str = "error") -> int:
    """The CI exit code: 1 when an anomaly at the ``fail_on`` level (or worse) was found, else 0.

    ``"error"`` (default): ERROR anomalies fail, warnings (heuristics that can fire on legitimate
    data) do not; ``"warning"``: any anomaly fails; ``"never"``: report only, always 0.
    """
    if fail_on not in FAIL_ON:
        raise UsageError(f"fail_on must be one of {', '.join(FAIL_ON)}, got {fail_on!r}")
    if fail_on == "never":
        return 0
    if fail_on == "warning":
        return 1 if anomalies else 0
    return 1 if any(a.severity == Severity.ERROR for a in anomalies) else 0


def anomalies_to_json(anomalies: Sequence[Anomaly], *, indent: int | None = 2) -> str:
    """``{"anomalies": [{feature, type, severity, description, observed, expected, details}, ...]}``."""
    return json.dumps(
        {"anomalies": [jsonable(a.to_dict()) for a in anomalies]},
        indent=indent, ensure_ascii=False, allow_nan=False,
    )


ANOMALY_CSV_COLUMNS = ("severity", "feature", "type", "description", "observed", "expected", "details")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(x: Any) -> Any:
    """A CSV cell: numbers as they are; other values as text (JSON for lists and dicts), never a formula.

    Names and values come from the data: a text cell starting like a spreadsheet formula gets a
    leading apostrophe (OWASP's CSV-injection advice), so a column named ``=HYPERLINK(...)`` stays text.
    """
    if x is None:
        return ""
    if isinstance(x, bool) or not isinstance(x, int | float):
        text = x if isinstance(x, str) else json.dumps(jsonable(x), ensure_ascii=False, allow_nan=False)
        return "'" + text if text.startswith(_FORMULA_START) else text
    return x


def anomalies_to_csv(anomalies: Sequence[Anomaly]) -> str:
    """One row per anomaly: ``severity, feature, type, description, observed, expected, details`` (JSON text)."""
    import csv
    import io

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(ANOMALY_CSV_COLUMNS)
    for a in anomalies:
        d = a.to_dict()
        w.writerow([_csv_cell(d[c]) for c in ANOMALY_CSV_COLUMNS])
    return out.getvalue()


_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m"}
_RESET = "\033[0m"


def anomalies_table(anomalies: Sequence[Anomaly], *, width: int | None = None, color: bool = False) -> str:
    """Render a fixed-width text table (severity, feature, type, wrapped description) for a terminal.

    ``width`` defaults to the terminal's (at least 80); ``color=True`` colors the severity with
    ANSI codes.
    """
    if not anomalies:
        return "No anomalies found."
    width = width or max(shutil.get_terminal_size((120, 24)).columns, 80)
    rows = [
        (a.severity.value, a.feature if a.feature is not None else "(dataset)", a.type.value, a.description)
        for a in anomalies
    ]
    w_sev = max(len("SEVERITY"), *(len(r[0]) for r in rows))
    w_feat = min(max(len("FEATURE"), *(len(r[1]) for r in rows)), 28)
    w_type = min(max(len("TYPE"), *(len(r[2]) for r in rows)), 42)
    w_desc = max(width - w_sev - w_feat - w_type - 6, 30)

    def cut(s: str, w: int) -> str:
        return s if len(s) <= w else s[: w - 1] + "…"

    lines = [
        f"{'SEVERITY':<{w_sev}}  {'FEATURE':<{w_feat}}  {'TYPE':<{w_type}}  DESCRIPTION",
        f"{'-' * w_sev}  {'-' * w_feat}  {'-' * w_type}  {'-' * min(w_desc, 40)}",
    ]
    for a, (sev, feat, typ, desc) in zip(anomalies, rows, strict=True):
        wrapped = textwrap.wrap(desc, w_desc) or [""]
        sev_txt = f"{sev:<{w_sev}}"
        if color:
            sev_txt = f"{_COLORS[a.severity]}{sev_txt}{_RESET}"
        lines.append(f"{sev_txt}  {cut(feat, w_feat):<{w_feat}}  {cut(typ, w_type):<{w_type}}  {wrapped[0]}")
        pad = " " * (w_sev + w_feat + w_type + 6)
        lines += [pad + w for w in wrapped[1:]]
    n_err = sum(a.severity == Severity.ERROR for a in anomalies)
    n_warn = len(anomalies) - n_err
    lines.append("")
    lines.append(f"{n_err} error{'s' if n_err != 1 else ''}, {n_warn} warning{'s' if n_warn != 1 else ''}")
    return "\n".join(lines)
