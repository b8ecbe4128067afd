"""The Statistics page's tables: a row per feature and dataset (training, evaluation, serving), as Facets lays them out.

:func:`render` builds the pandas Styler (figures formatted by type, dates as dates, a feature's
name and type once, the pairs shaded, each dataset's name in its colour), the per-row
sparklines on the shared bins and the column configuration, then draws one table. The page
only composes it.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import pandas as pd
import streamlit as st

from dvtools.statistics.model import DatasetStatistics
from dvtools.statistics.quality import MISSING_HIGHLIGHT, ZEROS_HIGHLIGHT
from dvtools.ui import components, roles, stats_view
from dvtools.ui.format import human_number, human_percent, time_text, truncate

#: A dataset's label in the tables (its role name, lower case) and its colour.
DATASET_LABELS = {role: roles.name(role).lower() for role in roles.ORDER}
DATASET_COLORS = {DATASET_LABELS[r]: roles.COLORS[r] for r in roles.ORDER}

PAGE_SIZES = (25, 50, 100, 200)
OPEN_CHARTS = 0  # charts open on demand: plotly is loaded and drawn only for an opened chart
CHARTS_PER_PAGE = 10
ROW_HEIGHT = 35  # st.dataframe's row height in pixels: tables are as tall as their rows (none hidden)
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
# Column widths in pixels: the numeric table fits a 1400 px window beside the sidebar without scrolling.
FIGURE_WIDTHS = {"count": 60, "missing": 60, "mean": 80, "std": 74, "zeros": 54, "min": 80, "median": 80, "max": 80,
                 "unique": 64, "top": 150, "freq_top": 70, "avg_length": 80}
ALERT_LABELS = {  # alert kind -> a word or two for the table (the messages are next to each chart)
    "all_missing": "all missing", "missing": "missing", "zeros": "zeros", "zero_as_missing": "0 as missing?",
    "nan": "NaN", "inf": "inf", "skewed": "skewed", "constant": "constant", "unique": "unique",
    "high_cardinality": "high cardinality", "imbalanced": "imbalanced", "variants": "variants",
    "mixed_types": "mixed types", "numbers_as_text": "numbers as text", "empty": "empty strings",
    "whitespace": "whitespace", "absent": "not in this dataset", "pii": "personal data",
}
PERCENT_FIGURES = {"missing", "zeros"}
COUNT_FIGURES = {"count", "unique", "freq_top"}
TIME_FIGURES = {"mean", "min", "median", "max"}
LARGEST_FIRST = {"missing share", "zeros share", "non-uniformity", "distribution distance"}
SORT_HELP = ("Shares, non-uniformity and distance sort largest first (a share or a distance: the largest over "
             "the datasets), name A to Z, feature order as in the file; 'Reverse order' flips it. A feature's "
             "rows stay together.")
PAIR_SHADE = "background-color: rgba(128, 128, 128, 0.07)"  # every other feature, so the pairs read as one


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


def _time_units(frame: pd.DataFrame, by_dataset: dict[str, DatasetStatistics]) -> dict[int, str]:
    """Row position -> time unit for date/timestamp rows (their figures are shown as dates)."""
    out = {}
    for i, (name, dataset) in enumerate(zip(frame["feature"], frame["dataset"], strict=True)):
        stats = by_dataset.get(dataset)
        f = stats.features.get(name) if stats is not None else None
        unit = components.time_unit(f.numeric_type) if f is not None and f.logical_type == "TIMESTAMP" else None
        if unit:
            out[i] = unit
    return out


SPARK_HELP = ("{label}'s distribution, in its colour. Numeric: share of values per bin, on the same bins for "
              "every dataset (the training data's quantile bins, plus a bar below and above them when values fall "
              "there). Categorical: shares of the most frequent values of all datasets. A feature's rows share one "
              "scale.")


def spark_column(label: str) -> str:
    """The sparkline column of a dataset (each dataset its own column: a chart column has one colour)."""
    return f"dist_{label}"


def _column_config(figures: tuple[str, ...], time_rows: bool = False, labels: tuple[str, ...] = ()) -> dict:
    width = {1: 110, 2: 56}.get(len(labels), 44)  # the table still fits a 1400 px window
    sparks = {spark_column(label): st.column_config.BarChartColumn(
        label, width=width, y_min=0.0, y_max=1.0, color=DATASET_COLORS.get(label),
        help=SPARK_HELP.format(label=label.capitalize())) for label in labels}
    cfg: dict = {**sparks,
        "feature": st.column_config.TextColumn("feature", pinned=True, width=120),
        "type": components.text_column("type", width=88),
        "dataset": components.text_column("dataset", "training, evaluation or serving data (each in its colour)",
                                          width=74),
        "alerts": components.text_column("alerts", "Data-quality alerts of that dataset, in a word; the messages "
                                                   "are next to each chart below", width=170),
        "distance": components.text_column("JS dist.", "Jensen-Shannon distance of this dataset to the training "
                                                       "data (0 = same distribution, 1 = disjoint)", width=56),
    }
    for fig in figures:
        width = FIGURE_WIDTHS.get(fig, 80)
        if time_rows and fig == "mean":
            width = 140  # "2024-06-14 11:32:03" in full (a mean is rarely a midnight)
        cfg[fig] = components.text_column(FIGURE_LABELS.get(fig, fig), FIGURE_HELP.get(fig, fig), width=width)
    return cfg


def render(frame: pd.DataFrame, figures: tuple[str, ...], has_distance: bool,
           by_dataset: dict[str, DatasetStatistics], key: str) -> None:
    """One table: a row per feature and dataset; the name and type once per feature, each dataset's distance."""
    datasets = tuple(by_dataset)
    sparks = [spark_column(label) for label in datasets]
    columns = ["feature", "type", "dataset", *sparks, *figures, "alerts"] + (["distance"] if has_distance else [])
    lines = _sparkline_column(frame, by_dataset)
    # A row's sparkline in its dataset's column (in that dataset's colour); the other columns empty there.
    cells = {spark_column(label): [line if d == label else [] for line, d in zip(lines, frame["dataset"], strict=True)]
             for label in datasets}
    shown = frame.assign(**cells)[columns].reset_index(drop=True)
    first = shown["feature"].ne(shown["feature"].shift()).to_numpy()  # the first row of each feature
    again = [i for i, f in enumerate(first) if not f]
    same_type = [i for i in again if shown.at[i, "type"] == shown.at[i - 1, "type"]]
    # One dict for every column: Styler.format(dict) resets the columns it does not name.
    formats: dict[str, Any] = {c: (lambda v: "–" if v is None else str(v)) for c in ("feature", "type", "dataset")}
    labels = {text: ", ".join(ALERT_LABELS.get(k, k) for k in kinds)
              for text, kinds in zip(frame["alerts"], frame["alert_kinds"], strict=True)}
    formats["alerts"] = lambda v: labels.get(v, "" if v is None else str(v))
    formats |= {fig: _formatter(fig) for fig in figures}
    if has_distance:
        formats["distance"] = lambda v: "" if math.isnan(v) else f"{v:.3f}"  # training rows: nothing to compare
    styler = shown.style.format(formats)
    blank = {"feature": again, "type": same_type}
    for col, rows in blank.items():
        if rows:
            styler = styler.format(lambda v: "", subset=pd.IndexSlice[rows, [col]])
    time_rows = _time_units(shown, by_dataset)
    for row, unit in time_rows.items():
        for fig in TIME_FIGURES & set(figures):
            styler = styler.format(lambda v, u=unit: time_text(v, u, "auto"), subset=pd.IndexSlice[[row], [fig]])
        if "std" in figures:
            styler = styler.format(lambda v, u=unit: components.format_duration(v, u),
                                   subset=pd.IndexSlice[[row], ["std"]])
    pair = (pd.Series(first).cumsum() - 1).to_numpy()  # feature number on the page, for the shading
    shaded = [i for i in range(len(shown)) if pair[i] % 2 == 1]
    if shaded:
        styler = styler.map(lambda v: PAIR_SHADE, subset=pd.IndexSlice[shaded, :])
    styler = styler.map(lambda v: f"color: {DATASET_COLORS.get(v, 'inherit')}", subset=["dataset"])
    styler = components.highlight_above(styler, {"missing": MISSING_HIGHLIGHT}, components.HIGHLIGHT_MISSING)
    styler = components.highlight_above(styler, {"zeros": ZEROS_HIGHLIGHT}, components.HIGHLIGHT_ZEROS)
    st.dataframe(styler, hide_index=True, column_config=_column_config(figures, bool(time_rows), datasets), key=key,
                 height=ROW_HEIGHT * (len(shown) + 1) + 3, placeholder="–")


@st.cache_resource(max_entries=8, show_spinner=False)
def _sparkline_memo(key: tuple[int, ...], _stats: tuple[DatasetStatistics, ...]) -> SimpleNamespace:
    """Feature -> its sparklines, for one tuple of statistics objects, shared by every session of the server.

    Statistics are cached by content (:mod:`dvtools.ui.cache`), so the same data is the same
    objects in every session and ``key`` (their ids) names the content; the memo holds the objects,
    so their ids cannot be reused while it lives. Filled as features are shown: a sort, a new page
    or a new session bins nothing again (``lines``: feature name -> its sparklines).
    """
    return SimpleNamespace(stats=_stats, lines={})


def _sparkline_column(frame: pd.DataFrame, by_dataset: dict[str, DatasetStatistics]) -> list[list[float]]:
    """The ``distribution`` sparkline of each row (its dataset's bars on the feature's shared bins)."""
    labels = list(by_dataset)
    stats = tuple(by_dataset[label] for label in labels)
    memo = _sparkline_memo(tuple(id(s) for s in stats), stats)
    if any(a is not b for a, b in zip(memo.stats, stats, strict=True)):  # an id reused after eviction
        memo.stats, memo.lines = stats, {}
    out = []
    for name, dataset in zip(frame["feature"], frame["dataset"], strict=True):
        lines = memo.lines.get(name)
        if lines is None:
            lines = memo.lines[name] = stats_view.sparklines(*(s.features.get(name) for s in stats))
        out.append(lines[labels.index(dataset)] if dataset in labels else [])
    return out
