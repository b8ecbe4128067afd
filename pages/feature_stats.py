"""Statistics: Facets Overview-style tables (numeric, categorical) with training and serving side by side."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from dvtools.statistics.model import DatasetStatistics
from dvtools.statistics.overview import SORT_KEYS, overview_frame, sort_overview
from dvtools.statistics.quality import MISSING_HIGHLIGHT, ZEROS_HIGHLIGHT, feature_alerts
from dvtools.ui import analysis, components
from dvtools.ui.format import human_number, human_percent, md_escape, truncate

PAGE_SIZES = (25, 50, 100, 200)
OPEN_CHARTS = 3  # charts open by default at the top of each page
NUMERIC_FIGURES = ("count", "missing", "mean", "std", "zeros", "min", "median", "max")
CATEGORICAL_FIGURES = ("count", "missing", "unique", "top", "freq_top", "avg_length")
FIGURE_LABELS = {"freq_top": "freq top", "avg_length": "avg length"}
FIGURE_HELP = {
    "count": "Rows", "missing": "Share of rows without a value", "mean": "Mean of the finite values",
    "std": "Standard deviation", "zeros": "Share of present values equal to 0", "min": "Smallest finite value",
    "median": "50th percentile", "max": "Largest finite value", "unique": "Distinct values",
    "top": "Most frequent value", "freq_top": "Rows with the most frequent value",
    "avg_length": "Average length of the values (characters)",
}
PERCENT_FIGURES = {"missing", "zeros"}
COUNT_FIGURES = {"count", "unique", "freq_top"}
TIME_FIGURES = {"mean", "min", "median", "max"}
LARGEST_FIRST = {"missing share", "zeros share", "non-uniformity", "distribution distance"}
SORT_HELP = ("Shares, non-uniformity and distance sort largest first, name A to Z, feature order as in the "
             "file; 'Reverse order' flips it.")


def _sides(data: analysis.Loaded) -> tuple[DatasetStatistics, DatasetStatistics | None, list[tuple[str, str]]]:
    """The statistics in the overview's ``ref``/``cur`` slots and the label of each slot."""
    ref, cur = data.reference_stats, data.current_stats
    if ref is not None and cur is not None:
        return ref, cur, [("ref", "train"), ("cur", "serve")]
    if ref is not None:
        return ref, None, [("ref", "train")]
    assert cur is not None
    return cur, None, [("ref", "serve")]


def _count(v: Any) -> str:
    try:
        return "–" if v is None or math.isnan(float(v)) else f"{float(v):,.0f}"
    except (TypeError, ValueError):
        return str(v)


def _formatter(fig: str) -> Any:
    if fig in PERCENT_FIGURES:
        return lambda v: "0%" if v == 0 else human_percent(v)
    if fig in COUNT_FIGURES:
        return _count
    if fig == "top":
        return lambda v: "–" if v is None or (isinstance(v, float) and math.isnan(v)) else truncate(v, 60)
    if fig == "avg_length":
        return lambda v: human_number(v, 3)
    return human_number


def _time_units(names: pd.Series, stats: list[DatasetStatistics]) -> dict[int, str]:
    """Row position -> time unit for date/timestamp features (their figures are shown as dates)."""
    out = {}
    for i, name in enumerate(names):
        f = next((s.features[name] for s in stats if name in s.features), None)
        unit = components.time_unit(f.arrow_type) if f is not None and f.logical_type == "TIMESTAMP" else None
        if unit:
            out[i] = unit
    return out


def _column_config(columns: list[str], sides: list[tuple[str, str]]) -> dict:
    side_name = {"train": "training (reference)", "serve": "serving (current)"}
    cfg: dict = {
        "feature": st.column_config.TextColumn("feature", pinned=True),
        "type": components.text_column("type"),
        "alerts": components.text_column("alerts", "Data-quality alerts (of the serving data when both are "
                                                   "loaded); the full list is next to each chart below",
                                         width="medium"),
        "distance": components.text_column("JS distance", "Jensen-Shannon distance between training and serving "
                                                          "(0 = same distribution, 1 = disjoint)"),
    }
    for slot, side in sides:
        for col in columns:
            if col.startswith(f"{slot} "):
                fig = col[len(slot) + 1:]
                cfg[col] = components.text_column(f"{FIGURE_LABELS.get(fig, fig)} {side}",
                                                  f"{FIGURE_HELP.get(fig, fig)}: {side_name[side]}")
    return cfg


def _table(frame: pd.DataFrame, figures: tuple[str, ...], sides: list[tuple[str, str]], has_distance: bool,
           stats: list[DatasetStatistics], key: str) -> None:
    columns = ["feature", "type", "alerts"] + [f"{slot} {fig}" for fig in figures for slot, _ in sides]
    columns += ["distance"] if has_distance else []
    shown = frame[columns].reset_index(drop=True)
    # One dict for every column: Styler.format(dict) resets the columns it does not name.
    formats: dict[str, Any] = {c: (lambda v: "–" if v is None else str(v)) for c in ("feature", "type", "alerts")}
    formats |= {f"{slot} {fig}": _formatter(fig) for fig in figures for slot, _ in sides}
    if has_distance:
        formats["distance"] = lambda v: "–" if math.isnan(v) else f"{v:.3f}"
    styler = shown.style.format(formats)
    for row, unit in _time_units(shown["feature"], stats).items():
        for slot, _ in sides:
            for fig in TIME_FIGURES & set(figures):
                styler = styler.format(lambda v, u=unit: components.format_time(v, u),
                                       subset=pd.IndexSlice[[row], [f"{slot} {fig}"]])
            if "std" in figures:
                styler = styler.format(lambda v, u=unit: components.format_duration(v, u),
                                       subset=pd.IndexSlice[[row], [f"{slot} std"]])
    styler = components.highlight_above(styler, {f"{s} missing": MISSING_HIGHLIGHT for s, _ in sides},
                                        components.HIGHLIGHT_MISSING)
    styler = components.highlight_above(styler, {f"{s} zeros": ZEROS_HIGHLIGHT for s, _ in sides},
                                        components.HIGHLIGHT_ZEROS)
    st.dataframe(styler, hide_index=True, column_config=_column_config(columns, sides), key=key,
                 height=min(38 + 35 * len(shown), 640), placeholder="–")


def _feature_stats(data: analysis.Loaded, name: str) -> tuple[Any, Any]:
    ref = data.reference_stats.features.get(name) if data.reference_stats else None
    cur = data.current_stats.features.get(name) if data.current_stats else None
    return ref, cur


@st.dialog("Feature distribution", width="large")
def _large_chart(name: str, data: analysis.Loaded, options: dict) -> None:
    st.text(name)
    ref, cur = _feature_stats(data, name)
    components.feature_chart(ref, cur, key="stats_large_chart", height=620, **options)


def _feature_panel(i: int, row: pd.Series, data: analysis.Loaded, options: dict) -> None:
    name = str(row["feature"])
    alerts = str(row["alerts"] or "")
    label = f"{md_escape(name)} · {row['type']}" + (" · :material/warning: alerts" if alerts else "")
    with st.expander(label, expanded=i < OPEN_CHARTS, key=components.stable_key("stats_exp", name),
                     on_change="rerun") as box:
        if box.open is False:  # lazy: closed panels cost nothing
            return
        ref, cur = _feature_stats(data, name)
        both = data.reference_stats is not None and data.current_stats is not None
        chart, side = st.columns([3, 1])
        with chart:
            components.feature_chart(ref, cur, key=components.stable_key("stats_chart", name), **options)
        with side:
            for side_label, fs in (("training", ref), ("serving", cur)):
                if fs is None:
                    if both:
                        st.caption(side_label)
                        st.text("not in this dataset")
                    continue
                found = [a.message for a in feature_alerts(fs)]
                st.caption(side_label)
                st.text("\n".join(found) if found else "no alerts")
            if st.button("Large view", key=components.stable_key("stats_big", name), icon=":material/open_in_full:"):
                _large_chart(name, data, options)


# --------------------------------------------------------------------------- page

st.title("Statistics")
data = analysis.loaded()
components.show_messages([f"{role}: {message}" for role, message in data.errors.items()], "error")

if data.reference_stats is None and data.current_stats is None:
    components.empty_state("Load a dataset (or open the demo) on the Data page to see its statistics here.",
                           links=[("pages/data.py", "Go to Data", ":material/upload_file:")])
    st.stop()

base, other, sides = _sides(data)
loaded_stats = [base] + ([other] if other is not None else [])
described = [f"{lab}: {s.name or '?'} ({s.num_examples:,} rows)" for (_, lab), s in zip(sides, loaded_stats,
                                                                                        strict=True)]
st.caption(md_escape("  ·  ".join(described)) + ("" if other is not None else "  ·  reference-only view"))

distances: dict[str, float] = {}
why = None
if other is not None:
    comparison, why = components.try_comparison(data.reference, data.current)
    if comparison is not None:
        distances = components.distances_by_feature(comparison)
has_distance = bool(distances)

c1, c2, c3, c4, c5 = st.columns([2, 1, 2, 1, 1], vertical_alignment="bottom")
sort_key = c1.selectbox("Sort by", SORT_KEYS, key="stats_sort", help=SORT_HELP, persist_state="session")
reverse = c2.toggle("Reverse order", key="stats_desc", persist_state="session")
query = c3.text_input("Filter features", key="stats_filter", placeholder="part of a name", persist_state="session")
page_size = c4.selectbox("Per page", PAGE_SIZES, index=1, key="stats_page_size", persist_state="session")
if sort_key == "distribution distance" and not has_distance:
    st.caption(md_escape("No distances to sort by: " + (why or "load both datasets") + "."))

frames = []
for numeric, kind in ((True, "numeric"), (False, "categorical")):
    f = overview_frame(base, other, numeric=numeric, distances=distances)
    if not f.empty:
        frames.append(f.assign(kind=kind))
overview = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
total = len(overview)
overview = components.filter_names(overview, query)
if overview.empty:
    st.info("No feature matches the filter." if total else "The dataset has no columns.",
            icon=":material/filter_alt_off:")
    st.stop()
overview = sort_overview(overview, sort_key, descending=(sort_key in LARGEST_FIRST) != reverse)
with c5:
    start, stop = components.paginate(len(overview), page_size=int(page_size), key="stats_page", noun="features")
page = overview.iloc[start:stop]

numeric_rows = page[page["kind"] == "numeric"]
categorical_rows = page[page["kind"] == "categorical"]
n_numeric = int((overview["kind"] == "numeric").sum())
n_categorical = len(overview) - n_numeric
st.caption(f"Highlighted: missing share above {MISSING_HIGHLIGHT:.0%} (red), zeros above {ZEROS_HIGHLIGHT:.0%} "
           "(amber). Dates are shown as dates, their spread in days.")
st.subheader(f"Numeric features ({n_numeric:,})")
if numeric_rows.empty:
    st.caption("None on this page.")
else:
    _table(numeric_rows, NUMERIC_FIGURES, sides, has_distance, loaded_stats, key="stats_table_numeric")
st.subheader(f"Categorical features ({n_categorical:,})")
if categorical_rows.empty:
    st.caption("None on this page.")
else:
    _table(categorical_rows, CATEGORICAL_FIGURES, sides, has_distance, loaded_stats, key="stats_table_categorical")

st.subheader("Charts")
o1, o2, o3, _ = st.columns([2, 1, 1, 3], vertical_alignment="bottom")
buckets = o1.radio("Histogram buckets", ["standard", "quantiles"], horizontal=True, key="stats_buckets",
                   persist_state="session", help="Equal-width bins, or the training data's deciles")
log_y = o2.toggle("Log scale", key="stats_log", persist_state="session")
percent = o3.toggle("Percent", value=True, key="stats_percent", persist_state="session",
                    help="Bars as a share of each dataset's values (compares datasets of different sizes)")
options = {"buckets": buckets, "log_y": log_y, "percent": percent}
st.caption(f"The features on this page, in table order; the first {OPEN_CHARTS} are open. "
           "Training in blue, serving in orange.")
for i, (_, row) in enumerate(page.iterrows()):
    _feature_panel(i, row, data, options)
