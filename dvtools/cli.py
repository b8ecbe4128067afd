"""The ``dvtools`` command line: a thin shell over the library, made for scripts and CI.

Exit codes are a contract: ``0`` success (``validate``: no anomaly at the ``--fail-on`` level,
ERROR by default; ``compare``: no drift), ``1`` anomalies or drift found, ``2`` error (bad file,
bad schema, bad option, nothing compared), with one line on stderr and no traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from dvtools.errors import DvtoolsError

EXIT_OK, EXIT_FOUND, EXIT_ERROR = 0, 1, 2

_open_progress: list[_Progress] = []  # progress lines written with "\r" and not yet ended


class _Progress:
    """A one-line progress indicator on stderr for inputs over a few MB (throttled)."""

    def __init__(self, label: str, stream: TextIO, min_bytes: int = 4 << 20) -> None:
        self.label = label
        self.stream = stream
        self.min_bytes = min_bytes
        self.t0 = time.perf_counter()
        self.last = 0.0
        self.shown = False

    def __call__(self, p: Any) -> None:  # a dvtools.statistics.engine.Progress
        if p.total_bytes is not None and p.total_bytes < self.min_bytes:
            return
        now = time.perf_counter()
        if now - self.last < 0.25:
            return
        self.last = now
        rate = p.rows / max(now - self.t0, 1e-9)
        share = f" {p.fraction:.0%}" if p.fraction is not None else ""
        files = f", file {min(p.parts_done + 1, p.total_parts)}/{p.total_parts}" if p.total_parts > 1 else ""
        from dvtools.terminal import raw_stream

        raw_stream(self.stream).write(f"\r{self.label}:{share} {p.rows:,} rows ({rate:,.0f} rows/s){files}")
        self.stream.flush()
        if not self.shown:
            _open_progress.append(self)
        self.shown = True

    def done(self) -> None:
        """End the progress line (a newline) if one was written; idempotent."""
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
            self.shown = False
            if self in _open_progress:
                _open_progress.remove(self)


def _end_progress() -> None:
    """End any open progress line, so an error message starts on its own line."""
    for p in list(_open_progress):
        p.done()


def _table(rows: list[list[str]], header: list[str]) -> str:
    from dvtools.terminal import terminal_cell

    rows = [[terminal_cell(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def summary_table(stats: Any) -> str:
    """A short per-feature summary for a terminal."""
    from dvtools.comparison._common import fmt as _fmt
    from dvtools.comparison._common import share_text
    from dvtools.statistics.model import LogicalType, display_number

    rows = []
    for f in stats:
        n = f.numeric
        top = f.top_values(1)
        is_ts = f.logical_type == LogicalType.TIMESTAMP
        rows.append([
            f.name,
            f.logical_type.value,
            share_text(f.missing_fraction, 1),
            _fmt(n.mean) if n and not is_ts else "",
            _fmt(n.std) if n and not is_ts else "",
            _fmt(display_number(f, n.min)) if n else "",
            _fmt(display_number(f, n.median)) if n else "",
            _fmt(display_number(f, n.max)) if n else "",
            _fmt(f.unique) if f.unique is not None else "",
            (repr(top[0][0])[:24] if top else ""),
        ])
    head = f"{stats.num_examples:,} examples, {stats.num_features} features"
    if stats.num_malformed_rows:
        head += f", {stats.num_malformed_rows:,} malformed rows skipped"
    body = _table(rows, ["feature", "type", "missing", "mean", "std", "min", "median", "max", "unique", "top"])
    warn = "".join(f"\nwarning: {w}" for w in stats.warnings)
    return f"{head}\n{body}{warn}"


# ---- privacy ------------------------------------------------------------------------------------
def _add_privacy_flags(p: argparse.ArgumentParser) -> None:
    """``--privacy on|strict|off`` and its parameters (every subcommand that prints or writes values)."""
    p.add_argument("--privacy", choices=["on", "strict", "off"], default="on",
                   help="on (default): mask the values of features holding personal data (detected, or sensitive "
                        "in the schema) in every output; strict: also every string feature; off: raw values")
    p.add_argument("--privacy-k", type=int, default=None, metavar="K",
                   help="k-anonymity: values seen fewer than K times are aggregated (default 10)")
    p.add_argument("--privacy-hash", action="store_true",
                   help="salted hashes (salt: DVTOOLS_PRIVACY_SALT) instead of masks, so domains stay comparable")
    p.add_argument("--privacy-granularity", type=float, default=None, metavar="G",
                   help="round numbers of sensitive features to multiples of G (default: about a tenth of the range)")


def _policy(a: argparse.Namespace) -> Any:
    from dvtools.privacy.redact import PrivacyPolicy

    return PrivacyPolicy.from_options(getattr(a, "privacy", "on"), k=getattr(a, "privacy_k", None),
                                      hash_values=getattr(a, "privacy_hash", False),
                                      granularity=getattr(a, "privacy_granularity", None))


def _privacy_lines(stats: Any) -> list[str]:
    """The PII_DETECTED alerts of ``stats`` and what privacy mode redacted, for a terminal."""
    from dvtools.privacy.redact import pii_findings, pii_message

    lines = [f"alert: {name}: {pii_message(f)}" for name, f in pii_findings(stats).items()]
    if stats.privacy and stats.privacy.get("features"):
        names = ", ".join(stats.privacy["features"])
        lines.append(f"privacy {stats.privacy['mode']}: values of {names} are redacted (--privacy off shows them)")
    return lines


# ---- commands ------------------------------------------------------------------------------------
def _cmd_stats(a: argparse.Namespace) -> int:
    from dvtools.artifacts import is_statistics_file, save_statistics
    from dvtools.statistics.engine import compute_statistics

    for path in a.data:
        if is_statistics_file(path):
            raise DvtoolsError(f"{path} is already a dvtools statistics file: "
                               "pass it directly to schema infer, validate or compare")
    progress = _Progress("reading", sys.stderr)
    source: Any = a.data[0] if len(a.data) == 1 else a.data
    stats = compute_statistics(source, slice_by=a.slice_by, engine=a.engine, scheduler=a.scheduler,
                               progress=progress, batch_size=a.batch_size, workers=a.workers)
    progress.done()
    from dvtools.privacy.redact import redact_statistics

    stats = redact_statistics(stats, _policy(a))
    save_statistics(stats, a.output, a.format)
    print(summary_table(stats))
    for line in _privacy_lines(stats):
        print(line)
    if stats.slices:
        print(f"{len(stats.slices)} slices by {stats.slice_column!r}" + (" (capped)" if stats.slices_capped else ""))
    print(f"wrote {a.output}")
    return EXIT_OK


def _stats_of(paths: list[str], a: argparse.Namespace | None = None, schema: Any = None) -> Any:
    """Statistics of data or a statistics file, redacted as ``a``'s ``--privacy`` says (when given)."""
    from dvtools.artifacts import statistics_of

    stats, raw = statistics_of(paths)
    for w in [] if raw else stats.warnings:  # a statistics file's load warnings (e.g. imported from TFDV)
        print(f"dvtools: warning: {_one_line(w)}", file=sys.stderr)
    if a is not None:
        from dvtools.privacy.redact import redact_statistics

        stats = redact_statistics(stats, _policy(a), schema=schema)
    return stats


def _cmd_schema_infer(a: argparse.Namespace) -> int:
    from dvtools.schema import infer_schema, save_schema, with_default_thresholds

    stats = _stats_of(a.data, a)
    if a.label is not None and a.label not in stats:
        raise DvtoolsError(f"label column {a.label!r} is not in the data")
    schema = infer_schema(stats, label=a.label, raters=a.raters or ())
    if a.linf_threshold is not None or a.js_threshold is not None:
        schema = with_default_thresholds(schema, linf=a.linf_threshold, js=a.js_threshold)
    save_schema(schema, a.output)
    print(f"inferred {len(schema.features)} features from {stats.num_examples:,} examples; wrote {a.output}")
    return EXIT_OK


def _cmd_schema_update(a: argparse.Namespace) -> int:
    from dvtools.schema import load_schema, save_schema
    from dvtools.validation.update import update_schema

    schema = load_schema(a.schema)
    result = update_schema(schema, _stats_of(a.data, a, schema), environment=a.environment)
    save_schema(result.schema, a.output)
    for an in result.accepted:
        print(f"widened {an.feature or '(dataset)'}: {an.type.value}")
    left = ", ".join(sorted({an.type.value for an in result.kept}))
    print(f"{len(result.accepted)} change(s); wrote {a.output}" + (f"; not schema changes, left: {left}" if left else ""))
    return EXIT_OK


def _cmd_validate(a: argparse.Namespace) -> int:
    from dvtools.schema import load_schema
    from dvtools.validation import Thresholds, anomalies_table, anomalies_to_json, validate_statistics

    schema = load_schema(a.schema)
    for note in _ignored_notes(schema):
        print(f"dvtools: warning: {_one_line(note)}", file=sys.stderr)
    if a.key:
        from dvtools.comparison.report import check_raw_data

        if not a.baseline:
            raise DvtoolsError("--key needs --baseline: feature skew joins the data with the baseline's rows")
        check_raw_data("feature skew (--key)", [a.baseline, *a.data])
    from dvtools.privacy.redact import redact_anomalies, redact_together

    policy = _policy(a)
    stats, baseline = redact_together([_stats_of(a.data), _stats_of([a.baseline]) if a.baseline else None],
                                      policy, schema=schema)
    thresholds = _thresholds(a, Thresholds, min_examples_ratio=a.min_examples_ratio)
    comparison = None
    if baseline is not None:
        from dvtools.validation.validate import drift_comparison

        comparison = drift_comparison(baseline, stats, schema, environment=a.environment, thresholds=thresholds,
                                      comparator=a.comparator)
        if comparison.nothing_compared and not set(baseline.features) & set(stats.features):
            raise DvtoolsError(comparison.nothing_compared_reason() + " with --baseline")
    from dvtools.validation.validate import dataset_names

    names = dataset_names(a.comparator)  # --comparator names the data's role: serving (skew) or evaluation (drift)
    anomalies = validate_statistics(stats, schema, reference=baseline, environment=a.environment,
                                    thresholds=thresholds, comparator=a.comparator, comparison=comparison, names=names)
    if a.key:
        from dvtools.comparison.keyed_skew import feature_skew
        from dvtools.validation.skew import skew_anomalies

        skew = feature_skew(a.baseline, a.data[0] if len(a.data) == 1 else a.data, key=a.key, names=names)
        from dvtools.privacy.redact import redact_skew

        anomalies = anomalies + skew_anomalies(redact_skew(skew, stats, baseline, policy), names=names)
    anomalies = redact_anomalies(anomalies, stats, policy, schema=schema)
    if a.format == "json":
        print(anomalies_to_json(anomalies))
    else:
        print(anomalies_table(anomalies) if anomalies else "no anomalies")
    from dvtools.validation.validate import exit_code

    return exit_code(anomalies, a.fail_on)


def _parse_method_thresholds(items: list[str] | None) -> dict[str, float]:
    """``METHOD=VALUE`` pairs of ``--threshold`` (one-line errors)."""
    out: dict[str, float] = {}
    for item in items or []:
        method, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError
            out[method.strip()] = float(value)
        except ValueError:
            raise DvtoolsError(f"--threshold {item!r}: expected METHOD=VALUE, e.g. psi=0.2") from None
    return out


def _thresholds(a: argparse.Namespace, cls: Any, **extra: Any) -> Any:
    """The comparator layers of ``validate`` and ``compare`` from the shared flags (one set of defaults)."""
    return cls(policy=a.policy, linf=a.linf_threshold, js=a.js_threshold,
               methods=_parse_method_thresholds(a.threshold), categorical_method=a.categorical_method,
               numeric_method=a.numeric_method, **extra)


def _add_comparator_flags(p: argparse.ArgumentParser) -> None:
    """``--policy``, ``--comparator``, ``--threshold``, ``--linf-threshold``, ``--js-threshold`` (validate and compare)."""
    from dvtools.defaults import DEFAULT_POLICY, POLICY_NAMES

    p.add_argument("--policy", choices=list(POLICY_NAMES), default=DEFAULT_POLICY,
                   help=f"drift/skew policy (default {DEFAULT_POLICY}, as the dashboard)")
    p.add_argument("--comparator", choices=["drift", "skew"], default="drift",
                   help="the role of the compared data: skew (it is serving data for the baseline's training data: "
                        "the schema's skew_comparator applies) or drift (default: evaluation data or the next span, "
                        "drift_comparator)")
    p.add_argument("--categorical-method", default=None, metavar="METHOD",
                   help="judge every categorical feature by this method (default: the policy's)")
    p.add_argument("--numeric-method", default=None, metavar="METHOD",
                   help="judge every numeric feature by this method (default: the policy's)")
    p.add_argument("--threshold", action="append", default=None, metavar="METHOD=VALUE",
                   help="global threshold of a method wherever it decides, e.g. psi=0.2 (repeatable)")
    p.add_argument("--linf-threshold", type=float, default=None,
                   help="judge every categorical feature by L-infinity at this threshold (TFDV)")
    p.add_argument("--js-threshold", type=float, default=None,
                   help="judge every numeric feature by Jensen-Shannon divergence at this threshold (TFDV)")


_IGNORED_WORDS = ("ignored", "not supported", "unsupported", "not understood", "not validated")


def _ignored_notes(schema: Any) -> list[str]:
    """Schema notes (schema-level, then per feature) saying that something was ignored or is unsupported."""
    out = [n for n in schema.notes if any(w in n.lower() for w in _IGNORED_WORDS)]
    for f in schema.features:
        out += [f"{f.name}: {n}" for n in getattr(f, "notes", []) if any(w in n.lower() for w in _IGNORED_WORDS)]
    return out


def _cmd_compare(a: argparse.Namespace) -> int:
    from dvtools.comparison.report import run_compare
    from dvtools.validation import Thresholds

    options = _thresholds(a, Thresholds).comparison_options()
    options["comparator"] = a.comparator
    if a.schema:
        from dvtools.schema import load_schema

        options["schema"] = load_schema(a.schema)
        options["environment"] = a.environment
    elif a.environment:
        raise DvtoolsError("--environment needs --schema (environments are declared in the schema)")
    a.privacy_policy = _policy(a)
    return run_compare(a, options)


def _fail_code(anomalies: Any, fail_on: str) -> int:
    """The exit code of ``validate`` for these findings (``--fail-on`` error, warning or never)."""
    from dvtools.validation.validate import exit_code

    return exit_code(list(anomalies), fail_on)


def _emit(text: str, a: argparse.Namespace, default_html: str) -> None:
    """Print ``text`` or write it to ``-o`` (HTML: default file name ``default_html``)."""
    path = a.output or (default_html if a.format == "html" else None)
    if path:
        from dvtools.io.files import write_text

        write_text(path, text + ("" if text.endswith("\n") else "\n"))
        print(f"wrote {path}")
    else:
        print(text)


def _schema_or_none(path: str | None) -> Any:
    if not path:
        return None
    from dvtools.schema import load_schema

    return load_schema(path)


def _cmd_fairness(a: argparse.Namespace) -> int:

    from dvtools.fairness import group_report
    from dvtools.fairness.report import group_report_html, group_report_text
    from dvtools.validation.group_thresholds import group_thresholds

    th = group_thresholds(None, min_share=a.min_share, min_count=a.min_count, max_share_change=a.max_share_change,
                          max_share_ratio=a.max_share_ratio, min_rate_ratio=a.min_rate_ratio,
                          max_missing_gap=a.max_missing_gap)
    report = group_report(a.reference, a.current, a.evaluation, groups=a.group, label=a.label, thresholds=th,
                          bins=a.bins, schema=_schema_or_none(a.schema), policy=a.policy, exclude=a.key or (),
                          comparator="skew" if a.current is not None else "drift")
    return _emit_report(report, a, group_report_text, group_report_html, "fairness.html")


def _emit_report(report: Any, a: argparse.Namespace, text: Any, html: Any, html_default: str) -> int:
    """Print or write a fairness/labels report as ``--format`` says; the exit code of its findings."""
    import json

    if a.format == "json":
        _emit(json.dumps(report.to_dict(), indent=2, allow_nan=False), a, "")
    elif a.format == "html":
        _emit(html(report), a, html_default)
    else:
        _emit(text(report), a, "")
    return _fail_code(report.anomalies, a.fail_on)


def _cmd_labels(a: argparse.Namespace) -> int:

    from dvtools.fairness import label_report
    from dvtools.fairness.report import label_report_html, label_report_text

    report = label_report(a.data, label=a.label, raters=a.raters or (), reference=a.reference, group=a.group,
                          ordered=True if a.ordered else None, exclude=a.exclude or (),
                          schema=_schema_or_none(a.schema), max_examples=a.examples)
    policy = _policy(a)
    if policy.active and any(report.examples.values()):
        from dvtools.privacy.redact import data_sensitive_features, redact_label_report

        sensitive = data_sensitive_features(a.data, policy, _schema_or_none(a.schema))
        if a.reference:
            sensitive.update(data_sensitive_features(a.reference, policy, _schema_or_none(a.schema)))
        report = redact_label_report(report, sensitive, policy)
    return _emit_report(report, a, label_report_text, label_report_html, "labels.html")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr with exit code 2."""

    def error(self, message: str) -> Any:  # noqa: D102 - argparse API
        self.exit(EXIT_ERROR, f"{self.prog}: error: {_one_line(message)} (see {self.prog} --help)\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser (exposed for docs and tests).

    ``command``: the subcommand about to be parsed, if known; the comparison flags of ``validate``
    and ``compare`` (whose defaults import the comparison package) are then added only to it.
    """
    full = command not in {"stats", "schema"}
    p = _Parser(prog="dvtools", description="Data validation for ML: statistics, schema, anomalies, drift.")
    from dvtools import __version__

    p.add_argument("--version", action="version", version=f"dvtools {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("stats", help="compute statistics of a dataset")
    s.add_argument("data", nargs="+", help="data files (CSV, TSV, Parquet, JSON Lines, Feather) or a glob")
    s.add_argument("-o", "--output", required=True, help="output file")
    s.add_argument("--format", choices=["json", "tfdv", "tfdv-text"], default="json",
                   help="json (dvtools, default), tfdv (binary DatasetFeatureStatisticsList: "
                        "tfdv.load_stats_binary), tfdv-text (tfdv.load_stats_text)")
    s.add_argument("--slice-by", default=None, metavar="COL", help="also compute statistics per value of COL")
    s.add_argument("--engine", choices=["local", "dask"], default="local")
    s.add_argument("--scheduler", default=None, help="Dask scheduler address (tcp://HOST:PORT); default: local cluster")
    s.add_argument("--workers", type=int, default=None, metavar="N",
                   help="threads folding batches (default: the cores, at most 4; the result does not depend on it)")
    s.add_argument("--batch-size", type=int, default=131_072, help=argparse.SUPPRESS)
    _add_privacy_flags(s)
    s.set_defaults(func=_cmd_stats)

    sc = sub.add_parser("schema", help="schema commands")
    ssub = sc.add_subparsers(dest="schema_command", required=True)
    si = ssub.add_parser("infer", help="infer a schema from data or statistics")
    si.add_argument("data", nargs="+", help="data files or a statistics file (dvtools JSON or TFDV)")
    si.add_argument("-o", "--output", required=True, help="schema.json or schema.pbtxt (format by extension)")
    si.add_argument("--label", default=None, help="label column: marked as not present in SERVING")
    si.add_argument("--raters", nargs="+", default=None, metavar="COL",
                    help="rater columns (one label per rater, training only): labels not present in SERVING")
    si.add_argument("--linf-threshold", type=float, default=None, help="set L-infinity drift/skew thresholds")
    si.add_argument("--js-threshold", type=float, default=None, help="set Jensen-Shannon drift/skew thresholds")
    _add_privacy_flags(si)
    si.set_defaults(func=_cmd_schema_infer)

    su = ssub.add_parser("update", help="widen a schema so that new data or statistics conform (TFDV's update_schema)")
    su.add_argument("schema", help="schema.json or schema.pbtxt")
    su.add_argument("data", nargs="+", help="data files or a statistics file (dvtools JSON or TFDV)")
    su.add_argument("-o", "--output", required=True, help="schema.json or schema.pbtxt (format by extension)")
    su.add_argument("--environment", default=None, help="validate as in that environment (e.g. SERVING)")
    _add_privacy_flags(su)
    su.set_defaults(func=_cmd_schema_update)

    v = sub.add_parser("validate", help="validate data or statistics against a schema")
    v.add_argument("data", nargs="+", help="data files or a statistics file (dvtools JSON or TFDV)")
    v.add_argument("--schema", required=True, help="schema.json or schema.pbtxt")
    v.add_argument("--baseline", default=None, help="reference data or statistics for comparators")
    v.add_argument("--environment", default=None, help="e.g. SERVING: skips features not in that environment")
    v.add_argument("--key", nargs="+", default=None, metavar="COL", help="join with --baseline on COL for feature skew")
    if full:
        _add_comparator_flags(v)
    v.add_argument("--min-examples-ratio", type=float, default=None)
    v.add_argument("--fail-on", choices=["error", "warning", "never"], default="error",
                   help="exit 1 on ERROR anomalies (default), on any anomaly (warning), or never (report only)")
    v.add_argument("--format", choices=["text", "json"], default="text")
    _add_privacy_flags(v)
    v.set_defaults(func=_cmd_validate)

    c = sub.add_parser("compare", help="compare two datasets: drift, feature skew, concept shift")
    c.add_argument("reference", help="training/reference data or statistics")
    c.add_argument("current", help="serving/current data or statistics")
    c.add_argument("--label", default=None, help="label column: enables concept-shift analysis (needs data)")
    c.add_argument("--key", nargs="+", default=None, metavar="COL", help="id columns: enables feature skew (needs data)")
    if full:
        _add_comparator_flags(c)
    c.add_argument("--schema", default=None, help="schema.json or schema.pbtxt: its comparators, roles and "
                                                  "categorical features (default: inferred from the statistics)")
    c.add_argument("--environment", default=None, help="with --schema: features not expected there are not compared")
    c.add_argument("--format", choices=["text", "json", "html"], default="text")
    c.add_argument("-o", "--output", default=None, help="output file (html: default report.html)")
    _add_privacy_flags(c)
    c.set_defaults(func=_cmd_compare)

    fa = sub.add_parser("fairness", help="groups: representation, label rates, missing values and drift per group")
    fa.add_argument("reference", help="training data (or statistics sliced by the one --group column)")
    fa.add_argument("current", nargs="?", default=None, help="serving data (optional)")
    fa.add_argument("--evaluation", default=None, metavar="PATH", help="evaluation data (optional)")
    fa.add_argument("--group", action="append", default=None, metavar="COL",
                    help="group column (sensitive attribute); give it twice for intersections "
                         "(default: the --schema's group columns)")
    fa.add_argument("--label", default=None, help="label column: base rate per group")
    fa.add_argument("--key", nargs="+", default=None, metavar="COL", help="id columns left out of drift per group")
    fa.add_argument("--bins", type=int, default=5, help="quantile buckets of a numeric group column (default 5)")
    from dvtools.defaults import GROUP_THRESHOLDS

    gt = argparse.Namespace(**GROUP_THRESHOLDS)  # the defaults GroupThresholds reads
    fa.add_argument("--min-share", type=float, default=None,
                    help=f"under-represented below this share ({gt.min_share})")
    fa.add_argument("--min-count", type=int, default=None,
                    help=f"under-represented below this many examples ({gt.min_count})")
    fa.add_argument("--max-share-change", type=float, default=None,
                    help=f"flag a group share change above ({gt.max_share_change})")
    fa.add_argument("--max-share-ratio", type=float, default=None,
                    help=f"flag a group share multiplied or divided by at least this ({gt.max_share_ratio})")
    fa.add_argument("--min-rate-ratio", type=float, default=None,
                    help=f"flag a lowest/highest label rate ratio below this ({gt.min_rate_ratio}, the four-fifths line)")
    fa.add_argument("--max-missing-gap", type=float, default=None,
                    help=f"flag a feature missing this much more often in a group than overall ({gt.max_missing_gap})")
    fa.add_argument("--policy", choices=["tfdv", "auto"], default="auto", help="drift policy within groups")
    fa.add_argument("--schema", default=None,
                    help="schema: its group columns (when no --group), accept notes, comparators and roles")
    fa.add_argument("--fail-on", choices=["error", "warning", "never"], default="error",
                    help="exit 1 on findings of this severity or worse (default error)")
    fa.add_argument("--format", choices=["text", "json", "html"], default="text")
    fa.add_argument("-o", "--output", default=None, help="output file (html: default fairness.html)")
    fa.set_defaults(func=_cmd_fairness)

    la = sub.add_parser("labels", help="label quality: distribution, conflicts, duplicates, leakage, rater agreement")
    la.add_argument("data", help="data file with the label and/or rater columns")
    la.add_argument("--label", default=None, help="label column")
    la.add_argument("--raters", nargs="+", default=None, metavar="COL", help="two or more rater columns")
    la.add_argument("--reference", default=None, metavar="PATH",
                    help="training data: prior shift and rows shared with it (leakage)")
    la.add_argument("--group", default=None, metavar="COL", help="rater agreement per group of COL")
    la.add_argument("--ordered", action="store_true", help="labels are ordered (ordinal alpha)")
    la.add_argument("--exclude", nargs="+", default=None, metavar="COL", help="columns left out of row comparison")
    la.add_argument("--examples", type=int, default=5, help="example groups to show per finding (default 5)")
    la.add_argument("--schema", default=None, help="schema whose accept notes silence accepted findings")
    la.add_argument("--fail-on", choices=["error", "warning", "never"], default="error",
                    help="exit 1 on findings of this severity or worse (default error)")
    la.add_argument("--format", choices=["text", "json", "html"], default="text")
    la.add_argument("-o", "--output", default=None, help="output file (html: default labels.html)")
    _add_privacy_flags(la)
    la.set_defaults(func=_cmd_labels)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dvtools`` console script."""
    from dvtools.terminal import safe_streams

    with safe_streams():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if args == ["--version"]:  # answered before the parser imports the comparison defaults (start-up)
        from dvtools import __version__

        print(f"dvtools {__version__}")
        return EXIT_OK
    parser = build_parser(next((x for x in args if not x.startswith("-")), None))
    a = parser.parse_args(argv)
    from dvtools._arrow import choose_memory_pool

    choose_memory_pool()
    out = getattr(a, "output", None)
    if isinstance(out, str) and not Path(out).parent.exists():
        print(f"dvtools: error: output folder {str(Path(out).parent)!r} does not exist", file=sys.stderr)
        return EXIT_ERROR
    try:
        return int(a.func(a))
    except KeyboardInterrupt:
        _end_progress()
        print("dvtools: interrupted", file=sys.stderr)
        return EXIT_ERROR
    except (DvtoolsError, OSError, MemoryError) as e:
        _end_progress()
        print(f"dvtools: error: {_one_line(str(e)) or type(e).__name__}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as e:  # noqa: BLE001 - last resort: the CLI contract is one line, no traceback
        _end_progress()
        detail = _one_line(str(e))
        print(f"dvtools: error: internal error: {type(e).__name__}" + (f": {detail}" if detail else "")
              + "; please report it", file=sys.stderr)
        return EXIT_ERROR


def _one_line(msg: str) -> str:
    return " ".join(msg.split())


if __name__ == "__main__":
    sys.exit(main())
