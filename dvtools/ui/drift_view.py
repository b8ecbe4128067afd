"""The Skew & drift page's frames: the engine's verdicts, feature skew, concept shift and the timeline as tables.

Pure (no Streamlit): comparisons and results in, DataFrames and plain values out. Nothing here
decides a verdict: the engine (``compare_statistics`` via :func:`dvtools.ui.cache.comparison_for`)
did, with the session's thresholds; these functions only lay its results out. Column names
name the datasets by role (training, evaluation or serving), never "reference/current".
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

from dvtools.ui.format import human_number, human_percent

__all__ = ["concept_frame", "drift_table", "feature_findings", "label_frame", "not_compared_text", "past_threshold",
           "role_labels", "skew_frame", "skew_samples", "timeline_series"]


def role_labels(columns: Iterable[str], other: str) -> dict[str, str]:
    """Column headers naming the datasets by role: ``missing_reference`` -> ``missing (training)``, ``current`` -> ``other``.

    For the library's frames (their column names keep the library's words); the data is unchanged.
    """
    out = {}
    for c in columns:
        text = str(c).replace("_to_reference", "_to_training")
        for word, role in (("reference", "training"), ("current", other)):
            if text.endswith(f"_{word}"):
                text = f"{text[: -len(word) - 1]} ({role})"
        if text != c:
            out[str(c)] = text.replace("_", " ")
    return out


def past_threshold(method: str, statistic: float, threshold: float) -> float:
    """How far a statistic is from its threshold as a ratio, >= 1 meaning past it.

    Distances: ``statistic / threshold``; tests: ``threshold / p``. NaN when undefined.
    """
    from dvtools.comparison.comparators import TEST_METHODS

    if statistic is None or threshold is None or math.isnan(statistic) or math.isnan(threshold):
        return math.nan
    if method in TEST_METHODS:
        return math.inf if statistic == 0 else threshold / statistic
    if threshold == 0:
        return math.inf if statistic > 0 else 0.0
    return statistic / threshold


def drift_table(comparison: Any, *, exclude: Iterable[str] = ()) -> pd.DataFrame:
    """The engine's per-feature results as a table, drift first, then by how far past the threshold.

    Columns: feature, kind, method, statistic, threshold, threshold_source, verdict, past (see
    :func:`past_threshold`), then the findings of ``Comparison.to_frame``, the engine's notes (``;``
    between two; they name the datasets by role, as the comparison was told) and every distance.
    ``exclude``: features left out.
    """
    base = comparison.to_frame()
    skip = set(exclude)
    base = base[~base["feature"].isin(skip)]
    past = [past_threshold(m, float(s), float(t)) for m, s, t in
            zip(base["method"], base["statistic"], base["threshold"], strict=True)]
    notes = {f.feature: "; ".join(str(n) for n in f.notes) for f in comparison.features}
    at = list(base.columns).index("out_of_range_share") + 1
    base = base.assign(past=past)
    base.insert(at, "notes", [notes.get(f, "") for f in base["feature"]])
    first = ["feature", "kind", "method", "statistic", "threshold", "threshold_source", "verdict", "past"]
    out = base[first + [c for c in base.columns if c not in first]]
    rank = out["verdict"].map({"drift": 0, "possible drift": 1, "no drift": 2}).fillna(3)
    out = out.assign(_r=rank, _p=-out["past"].astype(float)).sort_values(["_r", "_p"], kind="stable",
                                                                          na_position="last")
    return out.drop(columns=["_r", "_p"]).reset_index(drop=True)


def not_compared_text(comparison: Any) -> str:
    """``"identifier: a, b; timestamp: t; key column: k"``: what the engine did not compare, by reason."""
    groups: dict[str, list[str]] = {}
    for name, why in comparison.not_compared.items():
        groups.setdefault(str(why), []).append(str(name))
    return "; ".join(f"{why}: {', '.join(names)}" for why, names in groups.items())


def feature_findings(fc: Any, names: tuple[str, str] = ("training", "serving")) -> list[tuple[str, str]]:
    """One feature's comparison findings as ``(what, text)``: missing share, categories, range, the engine's notes.

    ``names``: the two datasets' roles (training, then the other), as the comparison's notes say them.
    """
    ref, cur = names
    change = f"{'+' if fc.missing_share_change >= 0 else ''}{100 * fc.missing_share_change:.1f} points"
    out = [
        ("verdict", f"{fc.verdict.value} ({fc.primary_method} {human_number(fc.statistic)}, "
                    f"threshold {human_number(fc.threshold)} from the {fc.threshold_source})"),
        ("missing share", f"{ref} {human_percent(fc.missing_share_reference)} -> {cur} "
                          f"{human_percent(fc.missing_share_current)} ({change})"),
    ]
    if fc.num_new_categories:
        listed = ", ".join(repr(str(c.get("value"))) for c in fc.new_categories[:10])
        out.append(("new categories", f"{fc.num_new_categories} ({human_percent(fc.new_categories_share)} of "
                                      f"the {cur} values): {listed}"))
    if fc.num_vanished_categories:
        listed = ", ".join(repr(str(c.get("value"))) for c in fc.vanished_categories[:10])
        out.append(("vanished categories", f"{fc.num_vanished_categories} ({human_percent(fc.vanished_categories_share)}"
                                           f" of the {ref} values): {listed}"))
    oor = fc.out_of_range_share
    if oor is not None:
        out.append((f"outside the {ref} range",
                    f"{human_percent(oor)} of the {cur} values (below {human_percent(fc.below_range_share)}, "
                    f"above {human_percent(fc.above_range_share)})"))
    for n in fc.notes:
        out.append(("note", str(n)))
    return out


# ---- feature skew, concept shift, timeline ----------------------------------------------------


def skew_frame(result: Any) -> pd.DataFrame:
    """Per-feature mismatches of a feature-skew result, most mismatched first."""
    df = result.to_frame()
    return df.sort_values(["mismatch_share", "feature"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _cell(v: Any) -> str:
    if v is None:
        return "(null)"
    if isinstance(v, float):
        return human_number(v, 6)
    return str(v)


def skew_samples(result: Any, feature: str, names: tuple[str, str] = ("training", "serving")) -> pd.DataFrame:
    """Sample mismatching pairs of ``feature``: key columns, then each dataset's value (as text).

    ``names``: the value columns' headers, the two datasets' role names (training, then the other).
    """
    fs = result[feature]
    keys = list(result.key)
    rows = []
    for smp in fs.samples:
        k = smp.get("key", {})
        rows.append([_cell(k.get(c)) for c in keys] + [_cell(smp.get("reference")), _cell(smp.get("current"))])
    cols = [*keys, *names]
    seen: dict[str, int] = {}
    unique = []
    for c in cols:  # a key column named like a value column stays distinct
        n = seen.get(c, 0)
        seen[c] = n + 1
        unique.append(c if n == 0 else f"{c} ({n + 1})")
    return pd.DataFrame(rows, columns=unique)


def label_frame(result: Any, names: tuple[str, str] = ("training", "serving")) -> pd.DataFrame:
    """The label in both datasets: class shares (categorical label) or its mean, std and count (numeric label).

    Shares are percentages; a numeric label's figures are numbers (a mean is not a share), the
    count a whole number. ``names``: the two columns' headers (training, then the other dataset).
    """
    ref, cur = result.label_reference, result.label_current
    keys = list(dict.fromkeys([*ref, *cur]))
    if result.label_kind == "categorical":  # a class neither dataset has (an empty "(other)") is not a row
        keys = [k for k in keys if ref.get(k) or cur.get(k)]
    if result.label_kind == "categorical":
        def text(v: float, _k: str) -> str:
            return human_percent(v, 2)
        first = "class"
    else:
        def text(v: float, k: str) -> str:
            return f"{v:,.0f}" if k == "count" else human_number(v, 6)
        first = "figure"
    return pd.DataFrame({
        first: [str(k) for k in keys],
        # A class one dataset does not have is a share of 0 there; a figure it lacks is unknown.
        names[0]: [text(ref[k], k) if k in ref else (human_percent(0.0, 2) if first == "class" else "–") for k in keys],
        names[1]: [text(cur[k], k) if k in cur else (human_percent(0.0, 2) if first == "class" else "–") for k in keys],
    })


def concept_frame(result: Any) -> pd.DataFrame:
    """Per-feature covariate/concept verdicts, concept and both first."""
    df = result.to_frame()
    rank = {"both": 0, "concept shift": 1, "covariate shift": 2, "none": 3}
    order = df["verdict"].map(lambda v: rank.get(str(v), 4))
    df = df.assign(_o=order).sort_values(["_o", "max_shift"], ascending=[True, False], kind="stable")
    first = ["feature", "verdict", "covariate_shift", "max_shift", "max_shift_bucket", "max_shift_class",
             "max_shift_reference", "max_shift_current"]
    df = df.drop(columns="_o")
    for c in ("max_shift_bucket", "max_shift_class"):  # no bucket compared: empty, not "None" or "nan"
        df[c] = df[c].map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
    return df[first + [c for c in df.columns if c not in first]].reset_index(drop=True)


def timeline_series(result: Any, *, limit: int = 8) -> tuple[list[str], dict[str, list[float | None]], float | None]:
    """``(spans, feature -> distance to the reference per span, threshold)`` for the most drifted features."""
    t = result.table
    if t is None or t.empty:
        return [], {}, None
    spans = [str(s) for s in result.spans]
    peak = t.groupby("feature", sort=False)["distance_to_reference"].max().dropna()
    top = peak.sort_values(ascending=False, kind="stable").index[:limit]
    series: dict[str, list[float | None]] = {}
    for f in top:
        sub = t[t["feature"] == f].set_index("span")["distance_to_reference"]
        series[str(f)] = [None if s not in sub.index or pd.isna(sub[s]) else float(sub[s]) for s in result.spans]
    thr = t.loc[t["feature"].isin(top), "threshold"].dropna()
    return spans, series, float(thr.iloc[0]) if len(thr) and thr.nunique() == 1 else None
