"""The Statistics page's components: slices, distances per pair, the overview frame, the tables and the charts.

Every dataset loaded (training, evaluation, serving) has a row per feature, named by its role and
drawn in its colour; the distance of a row is that dataset's distance to the training data, from
THE comparison of its pair (:func:`dvtools.ui.analysis.comparison`, or of one slice of both). The
tables and the charts are fragments: sorting, filtering, paging or opening a chart reruns them alone.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from dvtools.errors import DvtoolsError
from dvtools.privacy.redact import pii_findings
from dvtools.statistics.model import DatasetStatistics
from dvtools.statistics.overview import SORT_KEYS, overview_rows, sort_overview
from dvtools.statistics.quality import feature_alerts
from dvtools.ui import analysis, cache, components, roles, stats_table, stats_view
from dvtools.ui.format import md_escape

ALL_SLICES = "(all)"


def _label(d: analysis.Dataset) -> str:
    """A dataset's name in the tables and charts: its role, lower case (its colour follows it)."""
    return stats_table.DATASET_LABELS[d.role]


def _names(by_dataset: dict[str, Any]) -> str:
    return ", ".join(by_dataset)


def _colours(data: analysis.Loaded) -> str:
    return ", ".join(f"{d.name} in {roles.COLOR_NAMES[d.role]}" for d in data.with_stats())


def _chart_sides(data: analysis.Loaded, name: str) -> dict[str, Any]:
    """The feature's statistics per role, as the chart functions take them."""
    get = {d.role: d.stats.features.get(name) for d in data.with_stats() if d.stats is not None}
    return {"reference": get.get("reference"), "current": get.get("current"), "evaluation": get.get("evaluation")}


@st.dialog("Feature distribution", width="large")
def _large_chart(name: str, data: analysis.Loaded, options: dict) -> None:
    st.text(name)
    sides = _chart_sides(data, name)
    components.feature_chart(sides["reference"], sides["current"], key="stats_large_chart", height=620,
                             evaluation=sides["evaluation"], **options)


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
        sides = _chart_sides(data, name)
        loaded = data.with_stats()
        chart, side = st.columns([3, 1])
        with chart:
            components.feature_chart(sides["reference"], sides["current"], evaluation=sides["evaluation"],
                                     key=components.stable_key("stats_chart", name), **options)
        with side:
            for d in loaded:
                assert d.stats is not None
                fs = d.stats.features.get(name)
                st.caption(_label(d))
                if fs is None:
                    st.text("not in this dataset")
                    continue
                found = [a.message for a in feature_alerts(fs, pii_findings(d.stats).get(name))]  # personal data
                st.text("\n".join(found) if found else "no alerts")
            if st.button("Large view", key=components.stable_key("stats_big", name), icon=":material/open_in_full:"):
                _large_chart(name, data, options)


def narrow_to_slice(data: analysis.Loaded, slice_by: str) -> tuple[analysis.Loaded, str | None]:
    """The slice value picked on this page (``stats_slice``) and the data narrowed to that slice.

    Statistics per value of the Data page's "Slice by" column; a slice one dataset does not have
    shows as an empty dataset there. ``(all)``: the data unchanged and None.
    """
    sliced: dict[str, DatasetStatistics | None] = {}
    problems, capped = [], []
    for d in data.with_stats():
        sliced[d.role] = None
        try:
            s = cache.statistics_for(d.ref, slice_by=slice_by)
        except DvtoolsError as e:
            problems.append(f"{d.label}: cannot slice by {slice_by}: {e}")
            continue
        if s.slice_column != slice_by:  # a statistics file computed without (or with other) slices
            problems.append(f"{d.label}: a statistics file without slices by {slice_by}")
            continue
        sliced[d.role] = s
        if s.slices_capped:
            capped.append(d.label)
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
                               "page), in every dataset.")
    if capped:
        st.warning(md_escape(f"{slice_by} has more values than dvtools keeps statistics for "
                             f"({', '.join(capped)}): only the first values seen have their own slice."),
                   icon=":material/warning:")
    if choice == ALL_SLICES:
        return data, None

    def narrowed(role: str) -> DatasetStatistics:
        s = sliced.get(role)
        found = s.slices.get(choice) if s is not None else None
        return found if found is not None else DatasetStatistics(0, {}, name=f"{slice_by}={choice}")

    return data.replace_stats({d.role: narrowed(d.role) for d in data.with_stats()}), str(choice)


def distances(data: analysis.Loaded, slice_by: str | None,
               label: str | None) -> tuple[dict[str, dict[str, float]], str | None]:
    """Each compared dataset's distances to training (by table label), from THE comparison of its pair (or its slice)."""
    out: dict[str, dict[str, float]] = {}
    why = None
    for pair in data.pairs:
        options = analysis.comparison_options(data, pair)
        if label is None or slice_by is None:
            comparison, why = components.try_comparison(pair.reference.ref, pair.current.ref, **options)
        else:
            assert pair.reference.stats is not None and pair.current.stats is not None
            if not pair.reference.stats.num_examples or not pair.current.stats.num_examples:
                comparison, why = None, "the slice is empty in one dataset"
            else:
                try:
                    comparison = cache.slice_comparison_for(pair.reference.ref, pair.current.ref, slice_by, label,
                                                            pair.reference.stats, pair.current.stats, **options)
                except Exception as e:  # noqa: BLE001 - a comparison bug must not take the page down
                    comparison, why = None, f"comparison failed: {type(e).__name__}: {e}"
        if comparison is not None:
            out[_label(pair.current)] = components.distances_by_feature(comparison)
    return out, why


def overview(data: analysis.Loaded, distances: dict[str, dict[str, float]]) -> pd.DataFrame:
    """The overview rows of every loaded dataset (numeric then categorical), with each one's distance to training."""
    sides = [(_label(d), d.stats) for d in data.with_stats()]
    frames = []
    for numeric, kind in ((True, "numeric"), (False, "categorical")):
        f = overview_rows(sides, numeric=numeric, distances=distances)
        if not f.empty:
            frames.append(f.assign(kind=kind))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# --------------------------------------------------------------------------- sections


@st.fragment
def tables(data: analysis.Loaded, overview: pd.DataFrame, by_dataset: dict[str, DatasetStatistics],
            has_distance: bool, why: str | None) -> None:
    """Sort, filter, page and the two tables: a fragment, so sorting reruns these tables and nothing else."""
    c1, c2, c3, c4, c5 = st.columns([2, 1, 2, 1, 1], vertical_alignment="bottom")
    sort_key = c1.selectbox("Sort by", SORT_KEYS, key="stats_sort", help=stats_table.SORT_HELP, persist_state="session")
    reverse = c2.toggle("Reverse order", key="stats_desc", persist_state="session")
    query = c3.text_input("Filter features", key="stats_filter", placeholder="part of a name",
                          persist_state="session")
    page_size = c4.selectbox("Per page", stats_table.PAGE_SIZES, index=0, key="stats_page_size", persist_state="session",
                             help="Features per page (each has a row per dataset)")
    if sort_key == "distribution distance" and not has_distance:
        st.caption(md_escape("No distances to sort by: " + (why or "load a second dataset") + "."))
    shown = components.filter_names(overview, query)
    if shown.empty:
        st.info("No feature matches the filter.", icon=":material/filter_alt_off:")
        return
    shown = sort_overview(shown, sort_key, descending=(sort_key in stats_table.LARGEST_FIRST) != reverse)
    features = list(dict.fromkeys(shown["feature"]))
    with c5:
        start, stop = components.paginate(len(features), page_size=int(page_size), key="stats_page",
                                          noun="features")
    page = shown[shown["feature"].isin(set(features[start:stop]))]
    kinds = shown.drop_duplicates("feature")["kind"]
    n_numeric = int((kinds == "numeric").sum())
    st.caption(stats_table.HIGHLIGHT_NOTE + " Dates are shown as dates, their spread in days. The sparkline "
               "columns draw each dataset's values on the feature's shared bins, in its colour."
               + (f" Each feature has a row per dataset: {_names(by_dataset)}." if len(by_dataset) > 1 else ""))
    for kind, title, figures in (("numeric", "Numeric", stats_table.NUMERIC_FIGURES),
                                 ("categorical", "Categorical", stats_table.CATEGORICAL_FIGURES)):
        st.subheader(f"{title} features ({n_numeric if kind == 'numeric' else len(kinds) - n_numeric:,})")
        rows = page[page["kind"] == kind]
        if rows.empty:
            st.caption("None on this page.")
        else:
            stats_table.render(rows, figures, has_distance, by_dataset, key=f"stats_table_{kind}")


@st.fragment
def charts(data: analysis.Loaded, overview: pd.DataFrame, distances: dict[str, float]) -> None:
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
    loaded = data.with_stats()
    schema = analysis.schema_in_use(data) if data.reference_stats is not None else None
    column_roles = {f.name: str(getattr(f.role, "value", f.role)) for f in schema.features} if schema else {}
    # The schema's role when it names one (Schema page), else what the statistics suggest.
    identifiers = [n for n in groups if column_roles.get(n) == "identifier" or (
        n not in column_roles and stats_view.is_identifier(*(d.stats.features.get(n) for d in loaded if d.stats)))]
    order = stats_view.chart_order(groups, distances, identifiers)
    start, stop = components.paginate(len(order), page_size=stats_table.CHARTS_PER_PAGE, key="stats_chart_page",
                                      noun="charts")
    first = "the most changed first" if distances else "in feature order"
    n_open = stats_table.OPEN_CHARTS
    opened = f"the first {n_open} are open" if n_open else "open one to draw its chart, or expand all"
    st.caption(f"Features {first}; identifier-like columns (a distinct value per row) last; {opened}. "
               + _colours(data) + ".")
    epoch = "_all" if expand_all else ""
    for i, name in enumerate(order[start:stop], start=start):
        d = distances.get(name)
        _feature_panel(groups[name], data, options, expanded=expand_all or i < stats_table.OPEN_CHARTS, epoch=epoch,
                       distance=None if d is None or math.isnan(d) else d, identifier=name in identifiers)


def largest_distances(per_dataset: dict[str, dict[str, float]]) -> dict[str, float]:
    """Feature -> the largest distance of any compared dataset to training (the charts' order)."""
    out: dict[str, float] = {}
    for found in per_dataset.values():
        for name, d in found.items():
            if not math.isnan(d) and (name not in out or d > out[name]):
                out[name] = d
    return out


def describe(data: analysis.Loaded, slice_by: str | None, slice_label: str | None) -> str:
    """``Training (train.csv): 20,000 rows · Serving (serve.csv): 8,000 rows`` (and the slice), as Markdown."""
    loaded = data.with_stats()
    # The file name the user loaded (statistics are cached by content, so their own name may be another upload's).
    described = [f"{d.label}: {d.stats.num_examples:,} rows" for d in loaded if d.stats is not None]
    if slice_label is not None:
        described.insert(0, f"slice {slice_by} = {slice_label}")
    return md_escape("  ·  ".join(described)) + ("" if len(loaded) > 1 else "  ·  one dataset loaded")


def by_dataset(data: analysis.Loaded) -> dict[str, DatasetStatistics]:
    """Table label -> statistics of every loaded dataset, in role order."""
    return {_label(d): d.stats for d in data.with_stats() if d.stats is not None}
