"""Text and HTML renderings of group and label reports (the CLI's ``--format text|html``).

Every value from the data (column names, group values, example rows) is untrusted text: escaped in
HTML, and printed as plain text. The HTML page is self-contained (inline CSS, no script, no link).
"""

from __future__ import annotations

import html
import math
from typing import Any

from dvtools.fairness.groups import FOUR_FIFTHS, SIDE_LABELS, GroupReport, group_name, grouping_name
from dvtools.fairness.labels import LabelReport
from dvtools.validation.anomalies import Anomaly

_CSS = """body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#1f2328;max-width:80rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;
text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}.ERROR{color:#b42318;font-weight:600}
.WARNING{color:#9a6700;font-weight:600}.note{color:#57606a;font-size:.9rem}"""


def _num(x: Any, digits: int = 3) -> str:
    if x is None:
        return ""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, float):
        if math.isnan(x):
            return ""
        if math.isinf(x):
            return "inf"
        return f"{x:.{digits}g}" if abs(x) >= 1 else f"{x:.{digits}f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def _pct(x: float) -> str:
    from dvtools.comparison._common import share_text

    return share_text(x, 1)


def _text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)), "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def _plain(s: str) -> str:
    """Untrusted text on one line for a terminal (control characters shown escaped)."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(s))


def anomalies_text(anomalies: tuple[Anomaly, ...] | list[Anomaly]) -> str:
    """One line per finding."""
    if not anomalies:
        return "no findings"
    lines = [f"{a.severity.value:<7}  {a.type.value:<24}  {_plain(a.description)}" for a in anomalies]
    n_err = sum(1 for a in anomalies if a.severity.value == "ERROR")
    return "\n".join([*lines, f"{n_err} errors, {len(anomalies) - n_err} warnings"])


# --------------------------------------------------------------------------- group report


def _share_rows(r: GroupReport, grouping: tuple[str, ...]) -> tuple[list[str], list[list[str]]]:
    header = ["group", *(f"{SIDE_LABELS[s]} n" for s in r.sides), *(f"{SIDE_LABELS[s]} share" for s in r.sides)]
    header += [f"x {SIDE_LABELS[s]}" for s in r.sides[1:]]
    rows = []
    for g in r.shares:
        if g.grouping != grouping:
            continue
        rows.append([_plain(g.name), *(_num(g.counts.get(s, 0)) for s in r.sides),
                     *(_pct(g.shares.get(s, 0.0)) for s in r.sides), *(_num(g.ratio.get(s)) for s in r.sides[1:])])
    return header, rows


def _rate_rows(r: GroupReport, grouping: tuple[str, ...]) -> tuple[list[str], list[list[str]]]:
    by: dict[tuple[tuple[str, ...], str | None], dict[str, float]] = {}
    for lr in r.label_rates:
        if lr.grouping == grouping:
            by.setdefault((lr.group, lr.value), {})[lr.side] = lr.rate
    sides = [s for s in r.sides if any(s in v for v in by.values())]
    header = ["group", "label value", *(f"rate {SIDE_LABELS[s]}" for s in sides)]
    rows = [[_plain(group_name(grouping, g)), "(mean)" if v is None else _plain(v), *(_num(d.get(s)) for s in sides)]
            for (g, v), d in sorted(by.items(), key=lambda t: (str(t[0][1]), t[0][0]))]
    return header, rows


def group_report_text(r: GroupReport) -> str:
    """The report for a terminal."""
    parts = [", ".join(f"{SIDE_LABELS[s]}: {r.num_examples[s]:,} examples" for s in r.sides)]
    for c, e in r.bins.items():
        parts.append(f"{_plain(c)} bucketed on training quantiles: {', '.join(_num(x) for x in e)}")
    for g in r.groupings:
        name = grouping_name(g)
        change = ", ".join(f"{SIDE_LABELS[s]} {_num(v)}" for s, v in r.share_change.get(name, {}).items())
        parts.append(f"\nGroups by {_plain(name)}" + (f" (change in share, L-infinity: {change})" if change else ""))
        parts.append(_text_table(*_share_rows(r, g)))
        if r.label is not None:
            h, rows = _rate_rows(r, g)
            if rows:
                parts.append(f"label {_plain(r.label)} per group (four-fifths reference line: lowest/highest "
                             f"{FOUR_FIFTHS}):")
                parts.append(_text_table(h, rows))
    for d in r.disparities:
        what = "mean" if d.value is None else f"={_plain(d.value)}"
        parts.append(f"disparity {_plain(grouping_name(d.grouping))} {SIDE_LABELS[d.side]} {_plain(r.label or '')}"
                     f"{what}: ratio {_num(d.ratio)} ({_plain(group_name(d.grouping, d.lowest_group))} "
                     f"{_num(d.lowest_rate)} / {_plain(group_name(d.grouping, d.highest_group))} {_num(d.highest_rate)})")
    drifted = [d for d in r.drift if d.drifted_only_here]
    if drifted:
        parts.append("\nDrift seen only within a group:")
        parts += [f"  {_plain(group_name(d.grouping, d.group))} ({SIDE_LABELS[d.side]}): "
                  f"{_plain(', '.join(d.drifted_only_here))}" for d in drifted]
    parts += [f"warning: {_plain(w)}" for w in r.warnings]
    parts.append("\n" + anomalies_text(r.anomalies))
    return "\n".join(parts)


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _anomalies_html(anomalies: tuple[Anomaly, ...]) -> str:
    if not anomalies:
        return "<p>No findings.</p>"
    rows = "".join(f"<tr><td class='{_e(a.severity.value)}'>{_e(a.severity.value)}</td><td>{_e(a.type.value)}</td>"
                   f"<td>{_e(a.description)}</td></tr>" for a in anomalies)
    return f"<table><thead><tr><th>severity</th><th>type</th><th>finding</th></tr></thead><tbody>{rows}</tbody></table>"


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{_e(title)}</title>"
            f"<style>{_CSS}</style></head><body><h1>{_e(title)}</h1>{body}</body></html>")


def group_report_html(r: GroupReport, title: str = "dvtools: groups and fairness") -> str:
    """A self-contained HTML page (escaped)."""
    parts = [f"<p>{_e(', '.join(f'{SIDE_LABELS[s]}: {r.num_examples[s]:,} examples' for s in r.sides))}</p>",
             "<h2>Findings</h2>", _anomalies_html(r.anomalies)]
    for g in r.groupings:
        parts.append(f"<h2>Groups by {_e(grouping_name(g))}</h2>")
        parts.append(_html_table(*_share_rows(r, g)))
        if r.label is not None:
            h, rows = _rate_rows(r, g)
            if rows:
                parts.append(f"<p class='note'>Label {_e(r.label)} per group. The four-fifths line ({FOUR_FIFTHS}) is "
                             "a reference for the lowest/highest ratio, not a verdict.</p>")
                parts.append(_html_table(h, rows))
    parts += [f"<p class='note'>warning: {_e(w)}</p>" for w in r.warnings]
    return _page(title, "".join(parts))


# --------------------------------------------------------------------------- label report


def _agreement_rows(r: LabelReport) -> tuple[list[str], list[list[str]]]:
    header = ["group", "items", "alpha (nominal)", "alpha (ordinal)", "Fleiss kappa",
              *(f"{rt} vs majority" for rt in r.raters)]
    rows = []
    for a in ([r.agreement] if r.agreement else []) + list(r.agreement_by_group):
        name = "(all)" if a.group is None else f"{r.group}={a.group}"
        rows.append([_plain(name), _num(a.items), _num(a.alpha_nominal), _num(a.alpha_ordinal), _num(a.fleiss_kappa),
                     *(_pct(a.majority_agreement[rt]) if math.isfinite(a.majority_agreement[rt]) else ""
                       for rt in r.raters)])
    return header, rows


def label_report_text(r: LabelReport) -> str:
    """The report for a terminal."""
    parts = [f"{r.num_examples:,} examples" + (f"; reference: {r.num_examples_reference:,}"
                                               if r.num_examples_reference is not None else "")]
    if r.label is not None:
        parts.append(f"rows compared on {len(r.features)} columns; left out: identifiers "
                     f"{_plain(', '.join(r.identifiers)) or '-'}, timestamps {_plain(', '.join(r.timestamps)) or '-'}")
        df = r.to_frame("labels")
        rows = [[_plain(x["label"]), _num(int(x["count"])), _pct(x["share"])]
                + ([_num(int(x["count_reference"])), _pct(x["share_reference"])]
                   if r.num_examples_reference is not None else [])
                for x in df.to_dict("records")]
        header = ["label", "count", "share"] + (["reference count", "reference share"]
                                                if r.num_examples_reference is not None else [])
        parts.append(_text_table(header, rows))
        line = f"duplicates {r.duplicates:,} ({_pct(r.duplicate_share)}), conflicting labels {r.conflicts:,} " \
               f"({_pct(r.conflict_share)}, {r.conflict_groups:,} groups)"
        if r.num_examples_reference is not None:
            line += f", overlap with the reference {r.overlap:,} ({_pct(r.overlap_share)})"
        if r.prior_shift is not None:
            line += f", prior shift (L-infinity) {_num(r.prior_shift)}"
        if r.imbalance_ratio is not None:
            line += f", class imbalance {_num(r.imbalance_ratio)}:1"
        parts.append(line)
    if r.agreement is not None:
        parts.append(f"\nRater agreement ({', '.join(_plain(x) for x in r.raters)}):")
        parts.append(_text_table(*_agreement_rows(r)))
        parts.append("Cohen's kappa: " + ", ".join(f"{_plain(k)} {_num(v)}" for k, v in r.agreement.cohen_kappa.items()))
    for kind, rows in r.examples.items():
        if rows:
            parts.append(f"\nexamples of {kind}:")
            cols = list(rows[0])
            parts.append(_text_table(cols, [[_plain(_num(x.get(c)))[:24] for c in cols] for x in rows[:12]]))
    parts += [f"warning: {_plain(w)}" for w in r.warnings]
    parts.append("\n" + anomalies_text(r.anomalies))
    return "\n".join(parts)


def label_report_html(r: LabelReport, title: str = "dvtools: label quality") -> str:
    """A self-contained HTML page (escaped)."""
    parts = [f"<p>{_e(r.num_examples)} examples</p>", "<h2>Findings</h2>", _anomalies_html(r.anomalies)]
    if r.label is not None:
        parts.append("<h2>Labels</h2>")
        df = r.to_frame("summary")
        parts.append(_html_table(["measure", "count", "value"],
                                 [[str(x["measure"]), _num(x["count"]), _num(x["value"])] for x in df.to_dict("records")]))
    if r.agreement is not None:
        parts.append("<h2>Rater agreement</h2>")
        parts.append(_html_table(*_agreement_rows(r)))
    for kind, rows in r.examples.items():
        if rows:
            parts.append(f"<h2>Examples: {_e(kind)}</h2>")
            cols = list(rows[0])
            parts.append(_html_table(cols, [[_num(x.get(c)) for c in cols] for x in rows[:20]]))
    parts += [f"<p class='note'>warning: {_e(w)}</p>" for w in r.warnings]
    return _page(title, "".join(parts))
