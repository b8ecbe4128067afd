"""The Statistics page's tables: a row per feature and dataset (training, evaluation, serving), as Facets lays them out.

:func:`render` draws one table of plain values (no pandas Styler: building and marshalling its
per-cell formats and styles cost most of the page's run, and the browser's layout more): counts,
shares and distances as numbers the column configuration formats, mean/std/bounds as text by type
(dates as dates), each dataset's name and its alerts as coloured pills, the per-row sparklines on
the shared bins. The page only composes it.
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
from dvtools.ui.format import human_number, time_text, truncate

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
PERCENT_FIGURES = ("missing", "zeros")
COUNT_FIGURES = ("count", "unique", "freq_top")
#: Figures shown as text: numbers to significant digits, and for date/timestamp rows dates (``std``: a duration).
TEXT_FIGURES = ("mean", "std", "min", "median", "max")
TIME_FIGURES = {"mean", "min", "median", "max"}
LARGEST_FIRST = {"missing share", "zeros share", "non-uniformity", "distribution distance"}
SORT_HELP = ("Shares, non-uniformity and distance sort largest first (a share or a distance: the largest over "
             "the datasets), name A to Z, feature order as in the file; 'Reverse order' flips it. A feature's "
             "rows stay together.")
#: Alert pills: red for missing values (above :data:`MISSING_HIGHLIGHT`), amber for zeros (above
#: :data:`ZEROS_HIGHLIGHT`), grey for the rest (the alerts' own thresholds are those shares).
ALERT_COLORS = {"all missing": "#d62728", "missing": "#d62728", "zeros": "#e0a100", "0 as missing?": "#e0a100"}
OTHER_ALERT_COLOR = "#8a8f98"
HIGHLIGHT_NOTE = (f"Alerts in red: missing share above {MISSING_HIGHLIGHT:.0%}; amber: zeros above "
                  f"{ZEROS_HIGHLIGHT:.0%}.")


def _number_text(v: Any) -> str | None:
    try:
        return None if v is None or math.isnan(float(v)) else human_number(v)
    except (TypeError, ValueError):
        return str(v)


def _time_units(frame: pd.DataFrame, by_dataset: dict[str, DatasetStatistics]) -> list[str | None]:
    """Per row: the time unit of a date/timestamp row (its figures are shown as dates), else None."""
    out: list[str | None] = []
    for name, dataset in zip(frame["feature"], frame["dataset"], strict=True):
        stats = by_dataset.get(dataset)
        f = stats.features.get(name) if stats is not None else None
        out.append(components.time_unit(f.numeric_type) if f is not None and f.logical_type == "TIMESTAMP" else None)
    return out


def _figure_texts(values: pd.Series, fig: str, units: list[str | None]) -> list[str | None]:
    """One text figure per row: a date for a date/timestamp row (``std``: a duration), else significant digits."""
    out: list[str | None] = []
    for v, unit in zip(values.tolist(), units, strict=True):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(None)  # the table's placeholder
        elif unit is None:
            out.append(_number_text(v))
        elif fig == "std":
            out.append(components.format_duration(v, unit))
        else:
            out.append(time_text(v, unit, "auto"))
    return out


SPARK_HELP = ("{label}'s distribution, in its colour. Numeric: share of values per bin, on the same bins for "
              "every dataset (the training data's quantile bins, plus a bin below and above them when values fall "
              "there). Categorical: shares of the most frequent values of all datasets. A feature's rows share one "
              "scale.")
#: Sparkline headers when they must be short (a header must fit its narrow column; the help names the dataset).
SPARK_SHORT = {"training": "train", "evaluation": "eval", "serving": "serve"}
SPARK_WIDTHS = {1: 110, 2: 72}  # pixels per sparkline column by the number of datasets; 3 or more: 54
HEADER_CHAR_PX, HEADER_PAD_PX = 6.5, 16  # a header's text width estimate (14 px font) plus its padding


def spark_column(label: str) -> str:
    """The sparkline column of a dataset (each dataset its own column: a chart column has one colour)."""
    return f"dist_{label}"


def header_fits(text: str, width: int) -> bool:
    """True when a column header of ``text`` shows in full in a column ``width`` pixels wide (an estimate)."""
    return len(text) * HEADER_CHAR_PX + HEADER_PAD_PX <= width


def spark_header(label: str, n_datasets: int) -> tuple[str, int]:
    """A sparkline column's header and width: the dataset's name when it fits, else its short name; never cut."""
    width = SPARK_WIDTHS.get(n_datasets, 54)
    text = label
    for text in (label, SPARK_SHORT.get(label, label[:5])):
        if header_fits(text, width):
            return text, width
    return text, math.ceil(len(text) * HEADER_CHAR_PX + HEADER_PAD_PX)


def _column_config(figures: tuple[str, ...], time_rows: bool = False, labels: tuple[str, ...] = (),
                   chart: str = "bar") -> dict:
    """Column configuration of a table; ``chart``: the sparklines' kind, ``"bar"`` or ``"area"``.

    Area for numeric features: a bar chart cell draws 2 px between bars, so the verdict's 20-40
    bins do not fit a narrow column as bars (they would be drawn less than a pixel wide); bars for
    categorical ones (at most :data:`stats_view.SPARK_TOP` values).
    """
    column = {"bar": st.column_config.BarChartColumn, "area": st.column_config.AreaChartColumn}[chart]
    sparks = {}
    for label in labels:
        header, width = spark_header(label, len(labels))
        sparks[spark_column(label)] = column(header, width=width, y_min=0.0, y_max=1.0,
                                             color=DATASET_COLORS.get(label),
                                             help=SPARK_HELP.format(label=label.capitalize()))
    known = list(DATASET_COLORS)
    alert_labels = list(dict.fromkeys(ALERT_LABELS.values()))
    cfg: dict = {**sparks,
        "feature": st.column_config.TextColumn("feature", pinned=True, width=120),
        "type": st.column_config.TextColumn("type", width=88),
        # A pill in the dataset's colour (a read-only multiselect cell: the only per-row colour a plain table has).
        "dataset": st.column_config.MultiselectColumn(
            "dataset", help="training, evaluation or serving data (each in its colour)", width=92,
            options=known, color=[DATASET_COLORS[k] for k in known]),
        "alerts": st.column_config.MultiselectColumn(
            "alerts", help="Data-quality alerts of that dataset, in a word (red: missing values, amber: zeros); "
                           "the messages are next to each chart below", width=130,
            options=alert_labels, color=[ALERT_COLORS.get(a, OTHER_ALERT_COLOR) for a in alert_labels]),
        "distance": st.column_config.NumberColumn(
            "JS dist.", help="Jensen-Shannon distance of this dataset to the training data (0 = same distribution, "
                             "1 = disjoint)", width=60, format="%.3f"),
    }
    for fig in figures:
        width = FIGURE_WIDTHS.get(fig, 80)
        label, tip = FIGURE_LABELS.get(fig, fig), FIGURE_HELP.get(fig, fig)
        if fig in PERCENT_FIGURES:
            cfg[fig] = st.column_config.NumberColumn(label, help=tip, width=width, format="percent")
        elif fig in COUNT_FIGURES:
            cfg[fig] = st.column_config.NumberColumn(label, help=tip, width=width, format="localized")
        elif fig == "avg_length":
            cfg[fig] = st.column_config.NumberColumn(label, help=tip, width=width, format="%.2f")
        else:
            if time_rows and fig == "mean":
                width = 140  # "2024-06-14 11:32:03" in full (a mean is rarely a midnight)
            align = "left" if fig == "top" else "right"
            cfg[fig] = st.column_config.TextColumn(label, help=tip, width=width, alignment=align)
    return cfg


def table_frame(frame: pd.DataFrame, figures: tuple[str, ...], has_distance: bool,
                by_dataset: dict[str, DatasetStatistics]) -> tuple[pd.DataFrame, bool]:
    """The table as the browser gets it: plain values, no Styler (and whether it has date/timestamp rows).

    Counts, shares and distances stay numbers (the column formats them, a header click sorts
    them as numbers); mean, std and the bounds are text by row (dates for date/timestamp rows);
    ``dataset`` and ``alerts`` are comma-separated words the columns draw as coloured pills.
    """
    datasets = tuple(by_dataset)
    lines = _sparkline_column(frame, by_dataset)
    # A row's sparkline in its dataset's column (in that dataset's colour); the other columns empty there.
    out: dict[str, Any] = {"feature": frame["feature"].astype(str).tolist(), "type": frame["type"].tolist(),
                           "dataset": frame["dataset"].tolist()}
    for label in datasets:
        out[spark_column(label)] = [line if d == label else [] for line, d in zip(lines, frame["dataset"], strict=True)]
    # Alerts and the distance before the figures: what changed shows even when a narrow window cuts the table.
    out["alerts"] = [", ".join(ALERT_LABELS.get(k, k) for k in kinds) for kinds in frame["alert_kinds"]]
    if has_distance:
        out["distance"] = pd.to_numeric(frame["distance"], errors="coerce").to_numpy(float)
    units = _time_units(frame, by_dataset)
    for fig in figures:
        if fig in TEXT_FIGURES:
            out[fig] = _figure_texts(frame[fig], fig, units)
        elif fig == "top":
            out[fig] = [None if v is None or (isinstance(v, float) and math.isnan(v)) else truncate(v, 60)
                        for v in frame[fig].tolist()]
        else:
            out[fig] = pd.to_numeric(frame[fig], errors="coerce").to_numpy(float)
    return pd.DataFrame(out), any(u is not None for u in units)


def render(frame: pd.DataFrame, figures: tuple[str, ...], has_distance: bool,
           by_dataset: dict[str, DatasetStatistics], key: str) -> None:
    """One table: a row per feature and dataset, each row naming its feature, each dataset's distance."""
    shown, time_rows = table_frame(frame, figures, has_distance, by_dataset)
    chart = "area" if "mean" in figures else "bar"  # the numeric table's sparklines are on many bins
    st.dataframe(shown, hide_index=True, column_config=_column_config(figures, time_rows, tuple(by_dataset), chart),
                 key=key, height=ROW_HEIGHT * (len(shown) + 1) + 3, placeholder="–")


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
