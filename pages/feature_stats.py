"""Statistics: Facets Overview-style tables (numeric, categorical), one row per feature and dataset."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pandas as pd
import streamlit as st

from dvtools.errors import DvtoolsError
from dvtools.statistics.model import DatasetStatistics
from dvtools.statistics.overview import DATASETS, SORT_KEYS, overview_long, sort_overview
from dvtools.statistics.quality import MISSING_HIGHLIGHT, ZEROS_HIGHLIGHT, feature_alerts
from dvtools.ui import analysis, cache, components, state, stats_view
from dvtools.ui.charts import CURRENT_COLOR, REFERENCE_COLOR
from dvtools.ui.format import human_number, human_percent, md_escape, time_text, truncate
from dvtools.ui.frame import require_frame

require_frame()  # deep links run through app.py's navigation

ALL_SLICES = "(all)"
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
    "whitespace": "whitespace", "absent": "not in this dataset",
}
PERCENT_FIGURES = {"missing", "zeros"}
COUNT_FIGURES = {"count", "unique", "freq_top"}
TIME_FIGURES = {"mean", "min", "median", "max"}
LARGEST_FIRST = {"missing share", "zeros share", "non-uniformity", "distribution distance"}
SORT_HELP = ("Shares, non-uniformity and distance sort largest first (a share: the larger of training and "
             "serving), name A to Z, feature order as in the file; 'Reverse order' flips it. A feature's two "
             "rows stay together.")
DATASET_COLORS = {DATASETS[0]: REFERENCE_COLOR, DATASETS[1]: CURRENT_COLOR}
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


def _column_config(figures: tuple[str, ...], time_rows: bool = False) -> dict:
    cfg: dict = {
        "feature": st.column_config.TextColumn("feature", pinned=True, width=120),
        "type": components.text_column("type", width=88),
        "dataset": components.text_column("dataset", "training (reference) or serving (current) data", width=64),
        "alerts": components.text_column("alerts", "Data-quality alerts of that dataset, in a word; the messages "
                                                   "are next to each chart below", width=170),
        "distribution": st.column_config.BarChartColumn(
            "distribution", width=110, y_min=0.0, y_max=1.0,
            help="Numeric: share of values per bin, on the same bins for both datasets (the training data's "
                 "range, plus a bar below and above it when values fall there). Categorical: shares of the most "
                 "frequent values of both datasets. Both rows of a feature share one scale."),
        "distance": components.text_column("JS dist.", "Jensen-Shannon distance between training and serving "
                                                       "(0 = same distribution, 1 = disjoint)", width=56),
    }
    for fig in figures:
        width = FIGURE_WIDTHS.get(fig, 80)
        if time_rows and fig == "mean":
            width = 140  # "2024-06-14 11:32:03" in full (a mean is rarely a midnight)
        cfg[fig] = components.text_column(FIGURE_LABELS.get(fig, fig), FIGURE_HELP.get(fig, fig), width=width)
    return cfg


def _table(frame: pd.DataFrame, figures: tuple[str, ...], has_distance: bool,
           by_dataset: dict[str, DatasetStatistics], key: str) -> None:
    """One table: a row per feature and dataset; the name, type and distance once per feature."""
    columns = ["feature", "type", "dataset", "distribution", *figures, "alerts"] + (["distance"] if has_distance else [])
    shown = frame.assign(distribution=_sparkline_column(frame, by_dataset))[columns].reset_index(drop=True)
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
        formats["distance"] = lambda v: "–" if math.isnan(v) else f"{v:.3f}"
    styler = shown.style.format(formats)
    blank = {"feature": again, "type": same_type, "distance": again if has_distance else []}
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
    st.dataframe(styler, hide_index=True, column_config=_column_config(figures, bool(time_rows)), key=key,
                 height=ROW_HEIGHT * (len(shown) + 1) + 3, placeholder="–")


def _sparkline_column(frame: pd.DataFrame, by_dataset: dict[str, DatasetStatistics]) -> list[list[float]]:
    """The ``distribution`` sparkline of each row (its dataset's bars on the feature's shared bins)."""
    ref_stats, cur_stats = by_dataset.get(DATASETS[0]), by_dataset.get(DATASETS[1])
    # Remembered per pair of statistics objects (cached by content, so their ids are stable): a sort
    # or a new page does not bin anything again.
    key = (id(ref_stats), id(cur_stats))
    held = st.session_state.get("_stats_sparklines")
    if held is None or held[0] != key or held[1] is not ref_stats or held[2] is not cur_stats:
        held = (key, ref_stats, cur_stats, {})
        st.session_state["_stats_sparklines"] = held
    memo: dict[str, tuple[list[float], list[float]]] = held[3]
    out = []
    for name, dataset in zip(frame["feature"], frame["dataset"], strict=True):
        if name not in memo:
            memo[name] = stats_view.sparklines(ref_stats.features.get(name) if ref_stats else None,
                                               cur_stats.features.get(name) if cur_stats else None)
        out.append(memo[name][0 if dataset == DATASETS[0] else 1])
    return out


def _feature_stats(data: analysis.Loaded, name: str) -> tuple[Any, Any]:
    ref = data.reference_stats.features.get(name) if data.reference_stats else None
    cur = data.current_stats.features.get(name) if data.current_stats else None
    return ref, cur


@st.dialog("Feature distribution", width="large")
def _large_chart(name: str, data: analysis.Loaded, options: dict) -> None:
    st.text(name)
    ref, cur = _feature_stats(data, name)
    components.feature_chart(ref, cur, key="stats_large_chart", height=620, **options)


def _feature_panel(rows: pd.DataFrame, data: analysis.Loaded, options: dict, *, expanded: bool, epoch: str,
                   distance: float | None, identifier: bool) -> None:
    """The chart of one feature (``rows``: its rows of the overview)."""
    name = str(rows["feature"].iloc[0])
    alerts = any(str(a or "") for a in rows["alerts"])
    kind = " / ".join(dict.fromkeys(str(t) for t in rows["type"]))
    label = (f"{md_escape(name)} · {kind}" + (f" · JS distance {distance:.3f}" if distance is not None else "")
             + (" · identifier-like" if identifier else "") + (" · :material/warning: alerts" if alerts else ""))
    with st.expander(label, expanded=expanded, key=components.stable_key(f"stats_exp{epoch}", name),
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


def _slice(data: analysis.Loaded, slice_by: str) -> tuple[analysis.Loaded, str | None]:
    """The slice value picked on this page (``stats_slice``) and the data narrowed to that slice.

    Statistics per value of the Data page's "Slice by" column; a slice one dataset does not have
    shows as an empty dataset on that side. ``(all)``: the data unchanged and None.
    """
    sliced: dict[str, DatasetStatistics | None] = {}
    problems, capped = [], []
    sides = (("reference", data.reference, data.reference_stats), ("current", data.current, data.current_stats))
    for role, ref, whole in sides:
        sliced[role] = None
        if ref is None or whole is None:
            continue
        try:
            s = cache.statistics_for(ref, slice_by=slice_by)
        except DvtoolsError as e:
            problems.append(f"{ref.name}: cannot slice by {slice_by}: {e}")
            continue
        if s.slice_column != slice_by:  # a statistics file computed without (or with other) slices
            problems.append(f"{ref.name}: a statistics file without slices by {slice_by}")
            continue
        sliced[role] = s
        if s.slices_capped:
            capped.append(ref.name)
    components.show_messages(problems, "warning")
    labels = sorted({label for s in sliced.values() if s is not None for label in s.slices})
    if not labels:
        st.caption(md_escape(f"No slices by {slice_by} to show."))
        return data, None
    options = [ALL_SLICES, *labels]
    if st.session_state.get("stats_slice") not in options:
        st.session_state.pop("stats_slice", None)
    choice = st.selectbox(f"Slice ({md_escape(slice_by)})", options, key="stats_slice",
                          help="Statistics of the rows with this value of the slice column (chosen on the Data "
                               "page), in both datasets.")
    if capped:
        st.warning(md_escape(f"{slice_by} has more values than dvtools keeps statistics for "
                             f"({', '.join(capped)}): only the first values seen have their own slice."),
                   icon=":material/warning:")
    if choice == ALL_SLICES:
        return data, None

    def narrowed(role: str, whole: DatasetStatistics | None) -> DatasetStatistics | None:
        if whole is None:
            return None
        s = sliced[role]
        found = s.slices.get(choice) if s is not None else None
        return found if found is not None else DatasetStatistics(0, {}, name=f"{slice_by}={choice}")

    return dataclasses.replace(data, reference_stats=narrowed("reference", data.reference_stats),
                               current_stats=narrowed("current", data.current_stats)), str(choice)


def _comparison(data: analysis.Loaded, slice_by: str | None, label: str | None) -> tuple[Any, str | None]:
    """The drift comparison of the whole datasets, or of one slice of both (None and why when unavailable)."""
    options = analysis.comparison_options(data)
    if label is None or slice_by is None:
        return components.try_comparison(data.reference, data.current, **options)
    assert data.reference is not None and data.current is not None
    assert data.reference_stats is not None and data.current_stats is not None
    if not data.reference_stats.num_examples or not data.current_stats.num_examples:
        return None, "the slice is empty in one dataset"
    try:
        return cache.slice_comparison_for(data.reference, data.current, slice_by, label, data.reference_stats,
                                          data.current_stats, **options), None
    except Exception as e:  # noqa: BLE001 - a comparison bug must not take the page down
        return None, f"comparison failed: {type(e).__name__}: {e}"


# --------------------------------------------------------------------------- sections


def _overview(data: analysis.Loaded, distances: dict[str, float]) -> pd.DataFrame:
    frames = []
    for numeric, kind in ((True, "numeric"), (False, "categorical")):
        f = overview_long(data.reference_stats, data.current_stats, numeric=numeric, distances=distances)
        if not f.empty:
            frames.append(f.assign(kind=kind))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


@st.fragment
def _tables(data: analysis.Loaded, overview: pd.DataFrame, by_dataset: dict[str, DatasetStatistics],
            has_distance: bool, why: str | None, both: bool) -> None:
    """Sort, filter, page and the two tables: a fragment, so sorting reruns these tables and nothing else."""
    c1, c2, c3, c4, c5 = st.columns([2, 1, 2, 1, 1], vertical_alignment="bottom")
    sort_key = c1.selectbox("Sort by", SORT_KEYS, key="stats_sort", help=SORT_HELP, persist_state="session")
    reverse = c2.toggle("Reverse order", key="stats_desc", persist_state="session")
    query = c3.text_input("Filter features", key="stats_filter", placeholder="part of a name",
                          persist_state="session")
    page_size = c4.selectbox("Per page", PAGE_SIZES, index=1, key="stats_page_size", persist_state="session",
                             help="Features per page (each has a row per dataset)")
    if sort_key == "distribution distance" and not has_distance:
        st.caption(md_escape("No distances to sort by: " + (why or "load both datasets") + "."))
    shown = components.filter_names(overview, query)
    if shown.empty:
        st.info("No feature matches the filter.", icon=":material/filter_alt_off:")
        return
    shown = sort_overview(shown, sort_key, descending=(sort_key in LARGEST_FIRST) != reverse)
    features = list(dict.fromkeys(shown["feature"]))
    with c5:
        start, stop = components.paginate(len(features), page_size=int(page_size), key="stats_page",
                                          noun="features")
    page = shown[shown["feature"].isin(set(features[start:stop]))]
    kinds = shown.drop_duplicates("feature")["kind"]
    n_numeric = int((kinds == "numeric").sum())
    st.caption(f"Highlighted: missing share above {MISSING_HIGHLIGHT:.0%} (red), zeros above {ZEROS_HIGHLIGHT:.0%} "
               "(amber). Dates are shown as dates, their spread in days. The distribution column draws each "
               "dataset's values on the feature's shared bins."
               + (" Each feature has a training row and a serving row." if both else ""))
    for kind, title, figures in (("numeric", "Numeric", NUMERIC_FIGURES),
                                 ("categorical", "Categorical", CATEGORICAL_FIGURES)):
        st.subheader(f"{title} features ({n_numeric if kind == 'numeric' else len(kinds) - n_numeric:,})")
        rows = page[page["kind"] == kind]
        if rows.empty:
            st.caption("None on this page.")
        else:
            _table(rows, figures, has_distance, by_dataset, key=f"stats_table_{kind}")


@st.fragment
def _charts(data: analysis.Loaded, overview: pd.DataFrame, distances: dict[str, float]) -> None:
    """The charts, most changed features first and identifiers last, a page at a time (a fragment)."""
    st.subheader("Charts")
    o1, o2, o3, o4, o5 = st.columns([2, 2, 1, 1, 1], vertical_alignment="bottom")
    view = o1.radio("View", ["distribution", "quantiles"], horizontal=True, key="stats_view",
                    persist_state="session", format_func={"distribution": "distribution",
                                                          "quantiles": "quantiles / cumulative"}.__getitem__,
                    help="Distribution: histogram or top values. Quantiles: the value at each 5 % level "
                         "(numeric) and the share of rows the most frequent values cover (categorical).")
    buckets = o2.radio("Histogram buckets", ["standard", "quantiles"], horizontal=True, key="stats_buckets",
                       persist_state="session", help="Equal-width bins, or the training data's deciles",
                       disabled=view != "distribution")
    log_y = o3.toggle("Log scale", key="stats_log", persist_state="session", disabled=view != "distribution")
    percent = o4.toggle("Percent", value=True, key="stats_percent", persist_state="session",
                        disabled=view != "distribution",
                        help="Bars as a share of each dataset's values (compares datasets of different sizes)")
    expand_all = o5.toggle("Expand all", key="stats_expand_all", help="Open every chart of this page")
    options = {"buckets": buckets, "log_y": log_y, "percent": percent, "view": view}
    groups = {name: rows for name, rows in overview.groupby("feature", sort=False)}
    ref_stats, cur_stats = data.reference_stats, data.current_stats
    schema = analysis.schema_in_use(data) if ref_stats is not None else None
    roles = {f.name: str(getattr(f.role, "value", f.role)) for f in schema.features} if schema else {}
    # The schema's role when it names one (Schema page), else what the statistics suggest.
    identifiers = [n for n in groups if roles.get(n) == "identifier" or (n not in roles and stats_view.is_identifier(
        ref_stats.features.get(n) if ref_stats else None, cur_stats.features.get(n) if cur_stats else None))]
    order = stats_view.chart_order(groups, distances, identifiers)
    start, stop = components.paginate(len(order), page_size=CHARTS_PER_PAGE, key="stats_chart_page",
                                      noun="charts")
    first = "the most changed first" if distances else "in feature order"
    opened = f"the first {OPEN_CHARTS} are open" if OPEN_CHARTS else "open one to draw its chart, or expand all"
    st.caption(f"Features {first}; identifier-like columns (a distinct value per row) last; {opened}. "
               "Training in blue, serving in orange.")
    epoch = "_all" if expand_all else ""
    for i, name in enumerate(order[start:stop], start=start):
        d = distances.get(name)
        _feature_panel(groups[name], data, options, expanded=expand_all or i < OPEN_CHARTS, epoch=epoch,
                       distance=None if d is None or math.isnan(d) else d, identifier=name in identifiers)


# --------------------------------------------------------------------------- page

# The numeric table fits a 1400 px window beside the sidebar with the main area's side
# padding at 2rem instead of 5rem (this page only: a style tag takes no room and runs no script).
st.html("<style>[data-testid='stMainBlockContainer']{padding-left:2rem;padding-right:2rem}</style>")
st.title("Statistics")
data = analysis.loaded()
components.show_messages(data.error_lines(), "error")

if data.reference_stats is None and data.current_stats is None:
    components.empty_state("Load a dataset (or open the demo) on the Data page to see its statistics here.",
                           links=[("pages/data.py", "Go to Data", ":material/upload_file:")])
    st.stop()

slice_by = state.get_option("slice_by")
slice_label = None
if slice_by:
    data, slice_label = _slice(data, slice_by)

loaded = [(label, ref, s) for label, ref, s in zip(DATASETS, (data.reference, data.current),
                                                    (data.reference_stats, data.current_stats), strict=True)
          if s is not None]
both = len(loaded) == 2
# The file name the user loaded (statistics are cached by content, so their own name may be another upload's).
described = [f"{label}: {ref.name if ref else s.name} ({s.num_examples:,} rows)" for label, ref, s in loaded]
if slice_label is not None:
    described.insert(0, f"slice {slice_by} = {slice_label}")
st.caption(md_escape("  ·  ".join(described)) + ("" if both else "  ·  one dataset loaded"))

distances: dict[str, float] = {}
why = None
if both:
    comparison, why = _comparison(data, slice_by, slice_label)
    if comparison is not None:
        distances = components.distances_by_feature(comparison)

overview = _overview(data, distances)
if overview.empty:
    st.info("The dataset has no columns.", icon=":material/filter_alt_off:")
    st.stop()
_tables(data, overview, {label: s for label, _, s in loaded}, bool(distances), why, both)
_charts(data, overview, distances)

# Downloads (dvtools/ui/downloads.py; the data helper's block): files for this page, bytes built on click.
from dvtools.ui import downloads  # noqa: E402

downloads.statistics_downloads()
