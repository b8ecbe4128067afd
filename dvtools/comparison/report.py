"""Drift reports: a terminal table, JSON, and a self-contained HTML page; and ``dvtools compare``.

The HTML report works offline: plotly.js is embedded once (with the first chart), nothing is
loaded from a CDN, and every piece of text that comes from the data (feature names, categories,
file names) is HTML-escaped, so a column named ``<img src=x onerror=alert(1)>`` shows as such.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from dvtools.comparison._common import dataset_names, fmt, jsonable, pct
from dvtools.comparison.comparators import Comparison, DriftVerdict, FeatureComparison
from dvtools.comparison.concept import ConceptShiftResult
from dvtools.comparison.distributions import shared_bins
from dvtools.comparison.keyed_skew import FeatureSkewResult
from dvtools.errors import DvtoolsError
from dvtools.statistics.model import DatasetStatistics, FeatureStatistics

__all__ = ["check_raw_data", "comparison_to_html", "comparison_to_json", "comparison_to_text", "report_names",
           "run_compare"]

MAX_CHARTS = 50
TOP_CATEGORIES_CHART = 20
REFERENCE_COLOR = "#4c78a8"
CURRENT_COLOR = "#f58518"


# --------------------------------------------------------------------------- text



def _first_sample(f: Any, arrow: str) -> str:
    """The first mismatching pair of a feature-skew result, as ``key=value: ref -> cur``."""
    if not f.samples:
        return ""
    sm = f.samples[0]
    key = ", ".join(f"{k}={v!r}" for k, v in sm["key"].items())
    return f"{key}: {sm['reference']!r} {arrow} {sm['current']!r}"

def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


def _findings(f: FeatureComparison) -> str:
    parts = []
    if f.num_new_categories:
        parts.append(f"{f.num_new_categories} new ({pct(f.new_categories_share)})")
    if f.num_vanished_categories:
        parts.append(f"{f.num_vanished_categories} vanished ({pct(f.vanished_categories_share)})")
    oor = f.out_of_range_share
    if oor:
        parts.append(f"{pct(oor)} out of range")
    parts.extend(f.notes)
    return "; ".join(parts)


def _summary_line(c: Comparison) -> str:
    n = len(c.features)
    return (
        f"Dataset drift: {'YES' if c.dataset_drift else 'no'} ({len(c.drifted)} of {n} features drifted = "
        f"{pct(c.drift_share)}; threshold {pct(c.drift_share_threshold)})"
    )


def _stat_text(f: FeatureComparison) -> str:
    s = fmt(f.statistic)
    return f"{s} (p)" if f.primary_method in ("ks", "chi_square") else s


def report_names(comparison: Comparison, names: tuple[str, str] | None = None) -> tuple[str, str]:
    """What the report calls the two datasets: ``names``, else the comparator's roles (training and serving/evaluation).

    The comparison's own :attr:`~dvtools.comparison.comparators.Comparison.names` (its notes say
    the same), as anomaly descriptions; never "reference"/"current".
    """
    return names if names is not None else comparison.names


def comparison_to_text(
    comparison: Comparison, skew: FeatureSkewResult | None = None, concept: ConceptShiftResult | None = None,
    names: tuple[str, str] | None = None,
) -> str:
    """Return a readable plain-text report: summary, per-feature table, skew and concept-shift sections.

    ``names``: what the report calls the two datasets (:func:`report_names`).
    """
    c = comparison
    ref_name, cur_name = names = report_names(c, names)
    out = [
        f"{'Skew' if c.comparator == 'skew' else 'Drift'} report (policy {c.policy}"
        f"{', ' + c.correction + ' correction' if c.correction else ''}): "
        f"{ref_name} {fmt(c.num_examples_reference)} rows, {cur_name} {fmt(c.num_examples_current)} rows",
        _summary_line(c),
        "",
    ]
    rows = [
        [
            f.feature,
            f.kind,
            f.primary_method,
            f"{fmt(f.threshold)} ({f.threshold_source})",
            _stat_text(f) + ("~" if f.approximate else ""),
            f.verdict.value,
            f"{pct(f.missing_share_reference)} -> {pct(f.missing_share_current)}",
            _findings(f),
        ]
        for f in c.features
    ]
    out.append(
        _table(
            [
                "feature",
                "kind",
                "method",
                "threshold (source)",
                "statistic",
                "verdict",
                f"missing {ref_name} -> {cur_name}",
                "findings",
            ],
            rows,
        )
        if rows
        else "nothing compared"
    )
    if any(f.approximate for f in c.features):
        out.append("~ approximate (from sketches of more than 100k values)")
    if c.only_in_reference:
        out.append(f"Only in {ref_name}: {', '.join(c.only_in_reference)}")
    if c.only_in_current:
        out.append(f"Only in {cur_name}: {', '.join(c.only_in_current)}")
    for name, why in c.not_compared.items():
        out.append(f"Not compared: {name} ({why})")
    if skew is not None:
        out += ["", _skew_text(skew, names)]
    if concept is not None:
        out += ["", _concept_text(concept, names)]
    return "\n".join(out)


def _skew_text(s: FeatureSkewResult, names: tuple[str, str]) -> str:
    lines = [
        f"Feature skew (joined on {', '.join(s.key)}): {fmt(s.num_joined)} joined; "
        f"{fmt(s.only_in_reference)} only in {names[0]}; {fmt(s.only_in_current)} only in {names[1]}; "
        f"{fmt(s.duplicate_keys_reference)}/{fmt(s.duplicate_keys_current)} duplicate-key rows ignored"
    ]
    rows = []
    for f in s.features:
        ex = _first_sample(f, "->")
        rows.append(
            [f.feature, fmt(f.num_joined), fmt(f.num_mismatches), pct(f.mismatch_share), f.comparison, ex]
        )
    lines.append(
        _table(["feature", "joined", "mismatches", "share", "comparison", f"example ({names[0]} -> {names[1]})"],
               rows)
        if rows
        else "nothing compared"
    )
    lines += [f"Not compared: {name} ({why})" for name, why in s.skipped_features.items()]
    lines += [f"warning: {w}" for w in s.warnings]
    return "\n".join(lines)


def _dropped_labels(r: ConceptShiftResult, names: tuple[str, str]) -> str:
    """Rows left out of the concept-shift analysis because their label is missing ("" if none)."""
    if not (r.null_labels_reference or r.null_labels_current):
        return ""
    return (f"rows without a label left out: {fmt(r.null_labels_reference)} of {fmt(r.num_reference)} {names[0]}, "
            f"{fmt(r.null_labels_current)} of {fmt(r.num_current)} {names[1]}")


def _label_text(r: ConceptShiftResult, names: tuple[str, str]) -> str:
    ref_name, cur_name = names
    if r.label_kind == "categorical":
        ref = ", ".join(f"{k}: {pct(v)}" for k, v in r.label_reference.items() if v)
        cur = ", ".join(f"{k}: {pct(v)}" for k, v in r.label_current.items() if v)
        return f"P(y) {ref_name} {{{ref}}}, {cur_name} {{{cur}}}; L-infinity {fmt(r.label_shift)}"
    return (
        f"mean label {ref_name} {fmt(r.label_reference['mean'])}, {cur_name} {fmt(r.label_current['mean'])}; "
        f"shift {fmt(r.label_shift)} {ref_name} std"
    )


def _max_shift_text(f: Any, categorical_label: bool) -> str:
    if f.max_shift_bucket is None:
        return ""
    what = f"P({f.max_shift_class})" if categorical_label else "mean"
    return (
        f"{fmt(f.max_shift)} at {f.max_shift_bucket}: {what} {fmt(f.max_shift_reference)} -> "
        f"{fmt(f.max_shift_current)}"
    )


def _concept_text(r: ConceptShiftResult, names: tuple[str, str]) -> str:
    lines = [f"Concept shift (label {r.label}, {r.label_kind}): {_label_text(r, names)}"]
    cat = r.label_kind == "categorical"
    rows = [
        [f.feature, fmt(f.covariate_shift), _max_shift_text(f, cat), fmt(f.weighted_shift), f.verdict.value]
        for f in r.features
    ]
    lines.append(
        _table(["feature", "covariate (JS)", "largest P(y|x) shift", "weighted shift", "verdict"], rows)
        if rows
        else "no feature analysed"
    )
    dropped = _dropped_labels(r, names)
    if dropped:
        lines.append(dropped[0].upper() + dropped[1:])
    lines += [f"Not analysed: {name} ({why})" for name, why in r.skipped_features.items()]
    lines += [f"warning: {w}" for w in r.warnings]
    return "\n".join(lines)


# --------------------------------------------------------------------------- JSON


def comparison_to_json(
    comparison: Comparison,
    skew: FeatureSkewResult | None = None,
    concept: ConceptShiftResult | None = None,
    *,
    indent: int | None = 2,
) -> str:
    """Return the report as JSON: ``{"comparison": ..., "feature_skew": ..., "concept_shift": ...}``.

    Strict JSON with the convention of statistics files and ``dvtools validate --format json``:
    NaN is the string ``"NaN"``, infinities are ``"Infinity"``/``"-Infinity"`` (``null`` only
    for absent values, e.g. a section that was not computed).
    """
    doc = {
        "format": "dvtools.comparison",
        "version": 1,
        "comparison": comparison.to_dict(),
        "feature_skew": skew.to_dict() if skew is not None else None,
        "concept_shift": concept.to_dict() if concept is not None else None,
    }
    return json.dumps(jsonable(doc), indent=indent, allow_nan=False, ensure_ascii=False)


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#222;max-width:1200px}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.9rem;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f5f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
.verdict{font-weight:600;border-radius:3px;padding:.1rem .4rem;white-space:nowrap}
.v-drift{background:#fde0dd;color:#a50f15}.v-possible-drift{background:#fff3cd;color:#7a5b00}
.v-no-drift{background:#e5f5e0;color:#006d2c}
.summary{font-size:1.05rem}.muted{color:#666}.chart{margin:1rem 0 2rem}
code{background:#f5f5f5;padding:0 .2rem}
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _verdict_html(v: str) -> str:
    cls = {
        "drift": "v-drift",
        "possible drift": "v-possible-drift",
        "no drift": "v-no-drift",
        "covariate shift": "v-possible-drift",
        "concept shift": "v-drift",
        "both": "v-drift",
        "none": "v-no-drift",
    }.get(v, "")
    return f'<span class="verdict {cls}">{_e(v)}</span>'


def _html_table(header: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r))
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _chart_figure(fc: FeatureComparison, ref: FeatureStatistics, cur: FeatureStatistics,
                  names: tuple[str, str] = ("training", "evaluation")) -> Any | None:
    """Overlaid shares of the two datasets (legend: ``names``): shared bins (numeric) or the top categories."""
    import plotly.graph_objects as go

    ref, cur = ref.value_view, cur.value_view
    if fc.kind == "numeric":
        if ref.numeric is None or cur.numeric is None:
            return None
        bins = shared_bins(ref, cur, binning=fc.spec.binning if fc.spec is not None else "quantile", names=names)
        labels = bins.labels
        r, c = bins.reference, bins.current
        if bins.current[0] == 0 and bins.reference[0] == 0:
            labels, r, c = labels[1:], r[1:], c[1:]
        if c[-1] == 0 and r[-1] == 0:
            labels, r, c = labels[:-1], r[:-1], c[:-1]
        xtitle = {"quantile": f"the {names[0]} data's quantile bins (plus values below / above its range)",
                  "tfdv": "TFDV's histogram buckets, aligned"}.get(bins.binning, f"bins of the {names[0]} range")
    else:
        rd = ref.values.as_dict() if ref.values else {}
        cd = cur.values.as_dict() if cur.values else {}
        rt, ct = sum(rd.values()) or 1, sum(cd.values()) or 1
        keys = list(dict.fromkeys([*rd, *cd]))
        keys.sort(key=lambda k: -max(rd.get(k, 0) / rt, cd.get(k, 0) / ct))
        keys = keys[:TOP_CATEGORIES_CHART]
        labels = [str(k) for k in keys]
        r = np.array([rd.get(k, 0) for k in keys], dtype=float)
        c = np.array([cd.get(k, 0) for k in keys], dtype=float)
        r_share, c_share = r / rt, c / ct
        xtitle = f"top {len(keys)} categories"
    if fc.kind == "numeric":
        rs, cs = r.sum() or 1.0, c.sum() or 1.0
        r_share, c_share = r / rs, c / cs
    safe = [_e(x) for x in labels]  # plotly renders a subset of HTML in labels: escape
    fig = go.Figure(
        [
            go.Bar(x=safe, y=r_share, name=_e(names[0]), marker_color=REFERENCE_COLOR, opacity=0.75),
            go.Bar(x=safe, y=c_share, name=_e(names[1]), marker_color=CURRENT_COLOR, opacity=0.75),
        ]
    )
    fig.update_layout(
        template="none",
        barmode="overlay",
        height=340,
        margin={"l": 60, "r": 20, "t": 50, "b": 90},
        title={
            "text": f"{_e(fc.feature)}: {_e(fc.primary_method)} = {_e(fmt(fc.statistic))} "
            f"({_e(fc.verdict.value)})"
        },
        xaxis_title=xtitle,
        yaxis_title="share",
        yaxis_tickformat=".0%",
        legend={"orientation": "h", "y": 1.12, "x": 1, "xanchor": "right"},
    )
    fig.update_xaxes(type="category")
    return fig


def _charts_html(
    comparison: Comparison, reference: DatasetStatistics | None, current: DatasetStatistics | None,
    names: tuple[str, str] = ("training", "evaluation"),
) -> str:
    import plotly.io as pio

    if reference is None or current is None:
        return '<p class="muted">No statistics given: charts omitted.</p>'
    shown = [f for f in comparison.features if f.verdict != DriftVerdict.NO_DRIFT]
    shown.sort(key=lambda f: f.verdict != DriftVerdict.DRIFT)
    if not shown:
        return '<p class="muted">No feature drifts: no chart.</p>'
    parts: list[str] = []
    first = True
    for fc in shown[:MAX_CHARTS]:
        if fc.feature not in reference.features or fc.feature not in current.features:
            continue
        fig = _chart_figure(fc, reference.features[fc.feature], current.features[fc.feature], names)
        if fig is None:
            continue
        div = pio.to_html(
            fig,
            full_html=False,
            include_plotlyjs=True if first else False,
            config={"displaylogo": False, "responsive": True},
        )
        first = False
        parts.append(f'<div class="chart">{div}</div>')
    if len(shown) > MAX_CHARTS:
        parts.append(f'<p class="muted">{len(shown) - MAX_CHARTS} more drifting features not charted.</p>')
    return "\n".join(parts)


def _features_html(c: Comparison, names: tuple[str, str]) -> str:
    rows = []
    for f in c.features:
        rows.append(
            [
                _e(f.feature),
                _e(f.kind),
                _e(f.primary_method),
                _e(f"{fmt(f.threshold)} ({f.threshold_source})"),
                _e(_stat_text(f))
                + (' <span class="muted" title="approximate">~</span>' if f.approximate else ""),
                _verdict_html(f.verdict.value),
                _e(f"{pct(f.missing_share_reference)} → {pct(f.missing_share_current)}"),
                _e(_category_text(f.new_categories, f.num_new_categories)),
                _e(_category_text(f.vanished_categories, f.num_vanished_categories)),
                _e(pct(f.out_of_range_share)),
                _e("; ".join(f.notes)),
            ]
        )
    return _html_table(
        [
            "feature",
            "kind",
            "method",
            "threshold (source)",
            "statistic",
            "verdict",
            f"missing {_e(names[0])} → {_e(names[1])}",
            "new categories",
            "vanished categories",
            "out of range",
            "notes",
        ],
        rows,
        {3, 4, 9},
    )


def _category_text(items: list[dict[str, Any]], n: int) -> str:
    if not n:
        return ""
    shown = ", ".join(f"{i['value']} ({pct(i['share'])})" for i in items[:5])
    return f"{n}: {shown}" + (" …" if n > 5 else "")


def _anomalies_html(anomalies: Sequence[Any]) -> str:
    if not anomalies:
        return "<p>No anomalies against the schema.</p>"
    rows = [[_e(a.severity.value), _e(a.feature if a.feature is not None else "(dataset)"), _e(a.type.value),
             _e(a.description)] for a in anomalies]
    return _html_table(["severity", "feature", "type", "description"], rows)


def _skew_html(s: FeatureSkewResult, names: tuple[str, str]) -> str:
    r, c = _e(names[0]), _e(names[1])
    head = (
        f"<p>Joined on <code>{_e(', '.join(s.key))}</code>: {_e(fmt(s.num_joined))} examples on both sides; "
        f"{_e(fmt(s.only_in_reference))} only in {r}, {_e(fmt(s.only_in_current))} only in {c}; "
        f"duplicate-key rows ignored: {_e(fmt(s.duplicate_keys_reference))} {r}, "
        f"{_e(fmt(s.duplicate_keys_current))} {c}.</p>"
    )
    rows = []
    for f in s.features:
        ex = _first_sample(f, "→")
        verdict = (
            _verdict_html("drift" if f.num_mismatches else "no drift")
            .replace(">drift<", ">mismatch<")
            .replace(">no drift<", ">match<")
        )
        rows.append(
            [
                _e(f.feature),
                _e(fmt(f.num_joined)),
                _e(fmt(f.num_mismatches)),
                _e(pct(f.mismatch_share)),
                verdict,
                _e(f.comparison),
                _e(ex),
            ]
        )
    table = _html_table(
        ["feature", "joined", "mismatches", "share", "result", "comparison", f"example ({r} → {c})"], rows,
        {1, 2, 3},
    )
    skipped = "".join(f'<p class="muted">Not compared: {_e(n)} ({_e(why)})</p>'
                      for n, why in s.skipped_features.items())
    warn = "".join(f'<p class="muted">warning: {_e(w)}</p>' for w in s.warnings)
    return head + table + skipped + warn


def _concept_html(r: ConceptShiftResult, names: tuple[str, str]) -> str:
    cat = r.label_kind == "categorical"
    rows = [
        [
            _e(f.feature),
            _e(f.kind),
            _e(fmt(f.covariate_shift)),
            _e(_max_shift_text(f, cat)),
            _e(fmt(f.weighted_shift)),
            _verdict_html(f.verdict.value),
        ]
        for f in r.features
    ]
    head = (
        f"<p>Label <code>{_e(r.label)}</code> ({_e(r.label_kind)}): {_e(_label_text(r, names))}.</p>"
        f'<p class="muted">Covariate shift: JS distance of bucket frequencies '
        f"≥ {_e(fmt(r.covariate_threshold))}; "
        f"concept shift: a bucket's P(y|x) shift ≥ {_e(fmt(r.concept_threshold))}, significant at "
        f"{_e(fmt(r.alpha))} (Bonferroni over buckets).</p>"
    )
    table = _html_table(
        ["feature", "kind", "covariate shift (JS)", "largest P(y|x) shift", "weighted shift", "verdict"],
        rows,
        {2, 4},
    )
    dropped = _dropped_labels(r, names)
    skipped = (f'<p class="muted">{_e(dropped[0].upper() + dropped[1:])}</p>' if dropped else "") + "".join(
        f'<p class="muted">Not analysed: {_e(n)} ({_e(why)})</p>' for n, why in r.skipped_features.items())
    warn = "".join(f'<p class="muted">warning: {_e(w)}</p>' for w in r.warnings)
    return head + table + skipped + warn


def comparison_to_html(
    comparison: Comparison,
    reference_stats: DatasetStatistics | None = None,
    current_stats: DatasetStatistics | None = None,
    skew: FeatureSkewResult | None = None,
    concept: ConceptShiftResult | None = None,
    title: str = "dvtools drift report",
    anomalies: Sequence[Any] | None = None,
    names: tuple[str, str] | None = None,
) -> str:
    """Return a self-contained HTML report (inline plotly.js, works offline).

    ``anomalies`` (validation's :class:`~dvtools.validation.anomalies.Anomaly` list, e.g. the
    dashboard's): listed first, one row each (severity, feature, type, description).

    Sections: summary (dataset verdict, drift share), per-feature table (method, threshold,
    statistic, colored verdict, findings), an overlaid reference/current chart per drifting or
    possibly drifting feature (shared-bin histogram for numeric features, top categories for
    categorical ones; needs ``reference_stats``/``current_stats``), then feature skew and concept
    shift when given. Every data-derived string is HTML-escaped. ``names``: what the report calls
    the two datasets (:func:`report_names`: by default the comparator's roles).
    """
    from dvtools import __version__

    c = comparison
    names = report_names(c, names)
    ref_name, cur_name = _e(names[0]), _e(names[1])
    src = ""
    if reference_stats is not None and current_stats is not None:
        src = (
            f'<p class="muted">{ref_name[:1].upper() + ref_name[1:]}: '
            f'{_e(reference_stats.name or ", ".join(reference_stats.sources))}; '
            f"{cur_name}: {_e(current_stats.name or ', '.join(current_stats.sources))}</p>"
        )
    verdict = "drift" if c.dataset_drift else "no drift"
    correction = f" with {_e(c.correction)} correction" if c.correction else ""
    summary = (
        f'<p class="summary">Dataset: {_verdict_html(verdict)} — '
        f"{len(c.drifted)} of {len(c.features)} features "
        f"drifted ({_e(pct(c.drift_share))}; dataset drift from {_e(pct(c.drift_share_threshold))}), "
        f"{len(c.possibly_drifted)} possibly drifted.</p>"
        f"<p>Policy <code>{_e(c.policy)}</code>{correction}; "
        f"{ref_name} {_e(fmt(c.num_examples_reference))} rows, "
        f"{cur_name} {_e(fmt(c.num_examples_current))} rows.</p>"
    )
    extra = []
    if c.only_in_reference:
        extra.append(f"<p>Only in {ref_name}: {_e(', '.join(c.only_in_reference))}</p>")
    if c.only_in_current:
        extra.append(f"<p>Only in {cur_name}: {_e(', '.join(c.only_in_current))}</p>")
    for name, why in c.not_compared.items():
        extra.append(f'<p class="muted">Not compared: {_e(name)} ({_e(why)})</p>')
    sections = [
        f"<h1>{_e(title)}</h1>",
        src,
        "<h2>Summary</h2>",
        summary,
        *extra,
        *(["<h2>Anomalies</h2>", _anomalies_html(anomalies)] if anomalies is not None else []),
        "<h2>Features</h2>",
        _features_html(c, names),
        '<p class="muted">~ approximate (sketch-based). Verdict: drift when the statistic crosses '
        "the threshold "
        "(p-value below it for tests), possible drift from half the threshold (p below twice it).</p>",
        "<h2>Distributions of drifting features</h2>",
        _charts_html(c, reference_stats, current_stats, names),
    ]
    if skew is not None:
        sections += ["<h2>Feature skew</h2>", _skew_html(skew, names)]
    if concept is not None:
        sections += ["<h2>Covariate vs concept shift</h2>", _concept_html(concept, names)]
    sections.append(f'<p class="muted">Generated by dvtools {_e(__version__)}.</p>')
    body = "\n".join(s for s in sections if s)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


# --------------------------------------------------------------------------- CLI


def check_raw_data(what: str, inputs: list[str]) -> None:
    """Raise a one-line error when an analysis that reads rows (``what``) is given a statistics file.

    Checked before anything is computed; shared by ``dvtools compare`` and ``dvtools validate``.
    """
    from dvtools.artifacts import is_statistics_file

    for path in inputs:
        if is_statistics_file(path):
            raise DvtoolsError(f"{what} needs raw data, not a statistics file: {path} is a statistics file")


def run_compare(args: argparse.Namespace, options: dict[str, Any] | None = None) -> int:
    """Run ``dvtools compare``: exit code 1 on dataset drift, any drifting feature or feature skew, else 0.

    ``options``: keyword arguments of :func:`compare_statistics` (the comparator layers, built by the
    CLI from the same flags and defaults as ``dvtools validate``). Nothing compared (no column in
    common, or none comparable) is not a pass: a one-line error (exit code 2).

    ``args``: ``reference``, ``current`` (data files or statistics JSON), ``label`` (concept shift,
    needs data), ``key`` (feature skew, needs data), ``policy``, ``format`` (text/json/html),
    ``output`` (html: default ``report.html``; text/json: written there instead of stdout).
    """
    from dvtools.artifacts import statistics_of
    from dvtools.comparison.comparators import compare_statistics
    from dvtools.comparison.concept import concept_shift
    from dvtools.comparison.keyed_skew import feature_skew

    key = list(args.key) if getattr(args, "key", None) else None
    label = getattr(args, "label", None)
    fmt_ = getattr(args, "format", "text") or "text"
    for what, needed in (("feature skew (--key)", key), ("concept shift (--label)", label)):
        if needed:
            check_raw_data(what, [args.reference, args.current])
    ref_stats, ref_raw = statistics_of(args.reference)
    cur_stats, cur_raw = statistics_of(args.current)
    for raw, st in ((ref_raw, ref_stats), (cur_raw, cur_stats)):
        for w in [] if raw else st.warnings:  # a statistics file's load warnings (e.g. imported from TFDV)
            print(f"dvtools: warning: {w}", file=sys.stderr)
    opts = dict(options or {"policy": getattr(args, "policy", None) or "auto"})
    names = dataset_names(opts.get("comparator", "drift"), opts.get("names"))  # by role: training, serving...
    for k in key or []:
        for side, st in zip(names, (ref_stats, cur_stats), strict=True):
            if k not in st:
                raise DvtoolsError(f"key column {k!r} is not in the {side} data")
    if label is not None:
        for side, st in zip(names, (ref_stats, cur_stats), strict=True):
            if label not in st:
                raise DvtoolsError(f"label column {label!r} is not in the {side} data")
    policy = getattr(args, "privacy_policy", None)  # privacy mode: both sides redacted alike (None: raw)
    if policy is not None:
        from dvtools.privacy.redact import redact_together

        ref_stats, cur_stats = redact_together([ref_stats, cur_stats], policy, schema=(options or {}).get("schema"))
    comparison = compare_statistics(ref_stats, cur_stats, exclude=key or (), **opts)
    if comparison.nothing_compared:
        raise DvtoolsError(comparison.nothing_compared_reason())
    skew = feature_skew(args.reference, args.current, key=key, names=names) if key else None
    if skew is not None and policy is not None:
        from dvtools.privacy.redact import redact_skew

        skew = redact_skew(skew, ref_stats, cur_stats, policy)
    concept = None
    if label:
        features = [n for n in ref_stats.features if n != label and n not in (key or [])]
        concept = concept_shift(
            args.reference, args.current, label=label, features=features, reference_statistics=ref_stats,
            names=names,
        )
    from dvtools.io.files import write_text

    if fmt_ == "html":
        path = Path(args.output or "report.html")
        title = f"dvtools drift report: {Path(str(args.reference)).name} vs {Path(str(args.current)).name}"
        write_text(path, comparison_to_html(comparison, ref_stats, cur_stats, skew, concept, title=title))
        print(f"wrote {path}")
    else:
        text = (
            comparison_to_json(comparison, skew, concept)
            if fmt_ == "json"
            else comparison_to_text(comparison, skew, concept)
        )
        if args.output:
            write_text(args.output, text + "\n")
            print(f"wrote {args.output}")
        else:
            print(text)
    found = comparison.dataset_drift or bool(comparison.drifted) or (skew is not None and skew.has_mismatches)
    return 1 if found else 0
