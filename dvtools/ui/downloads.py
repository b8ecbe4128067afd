"""What users take away from the dashboard: the report, the anomalies and the statistics, as files.

Each page that has something to take away calls one function here, at the end of its script (the
page's own layout stays as it is); the buttons go to a "Download" group in the sidebar, so they are
on screen without scrolling past sixty anomaly cards: the frame reserves their place under the
datasets (:func:`reserve_slot`), above what a page adds to the sidebar. The bytes are built only when a button is
clicked (``st.download_button`` takes a callable from Streamlit 1.52; pyproject asks for that):
an HTML report with plotly.js inline is megabytes and a TFDV protobuf needs
tensorflow-metadata, and neither should cost a rerun anything. The callables close over finished
results (statistics, the comparison, the anomaly list): they run on the server outside any script
run, so they touch no session state.

Every file comes from the library function the CLI uses for it: the HTML report from
:func:`dvtools.comparison.report.comparison_to_html`, anomalies from
:func:`dvtools.validation.validate.anomalies_to_json` / ``anomalies_to_csv``, statistics from
``DatasetStatistics.to_json`` and :func:`dvtools.statistics.tfdv.to_tfdv_bytes`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from dvtools.ui import analysis


@dataclass(frozen=True)
class Download:
    """One file to offer: button label, file name, MIME type, and the function that builds its bytes."""

    label: str
    file_name: str
    mime: str
    build: Callable[[], bytes]
    key: str
    help: str | None = None


def _utf8(make: Callable[[], str]) -> Callable[[], bytes]:
    return lambda: make().encode("utf-8")


def anomaly_files(anomalies: Sequence[Any], comparison: Any, reference_stats: Any, current_stats: Any,
                  role: str = "current") -> list[Download]:
    """A pair's files: the HTML report (anomalies, drift verdicts, charts), its anomalies as JSON and CSV.

    ``role``: the compared dataset's (``current`` for serving, ``evaluation``): names the files and keys.
    """
    from dvtools.ui import roles

    found = tuple(anomalies)  # a snapshot: the session's list may change before the click
    name = roles.name(role)
    stem = name.lower()

    def report() -> str:
        from dvtools.comparison.report import comparison_to_html

        return comparison_to_html(comparison, reference_stats, current_stats, anomalies=found,
                                  title=f"dvtools report: {roles.pair_title(role)}",
                                  names=(roles.name("reference").lower(), stem))

    def as_json() -> str:
        from dvtools.validation.validate import anomalies_to_json

        return anomalies_to_json(found)

    def as_csv() -> str:
        from dvtools.validation.validate import anomalies_to_csv

        return anomalies_to_csv(found)

    out = []
    if comparison is not None:
        out.append(Download(f"{name} report (HTML)", f"dvtools_report_{stem}.html", "text/html", _utf8(report),
                            f"dl_report_html_{role}", "A self-contained page (works offline): the anomalies, "
                            "every feature's drift verdict and the charts of the drifting features."))
    out += [Download(f"{name} anomalies (JSON)", f"anomalies_{stem}.json", "application/json", _utf8(as_json),
                     f"dl_anomalies_json_{role}", "What `dvtools validate --format json` writes."),
            Download(f"{name} anomalies (CSV)", f"anomalies_{stem}.csv", "text/csv", _utf8(as_csv),
                     f"dl_anomalies_csv_{role}", "One row per anomaly, for a spreadsheet.")]
    return out


def statistics_files(datasets: Sequence[tuple[str, Any]]) -> list[Download]:
    """The Statistics page's files: per dataset (``(role name, statistics)``), dvtools JSON and TFDV protobuf."""
    out = []
    for name, stats in datasets:
        stem = name.lower()

        def tfdv(s: Any = stats) -> bytes:
            from dvtools.statistics.tfdv import to_tfdv_bytes

            return to_tfdv_bytes(s)

        out += [Download(f"{name} statistics (JSON)", f"{stem}_statistics.json", "application/json",
                         _utf8(stats.to_json), f"dl_stats_json_{stem}",
                         "dvtools JSON: opens in the dashboard and in `dvtools validate`."),
                Download(f"{name} statistics (TFDV)", f"{stem}_statistics.pb", "application/octet-stream", tfdv,
                         f"dl_stats_tfdv_{stem}",
                         "A TFDV DatasetFeatureStatisticsList (binary protobuf): "
                         "tfdv.load_stats_binary, Facets Overview.")]
    return out


_SLOT = threading.local()  # the sidebar slot the frame reserved in this thread's last full run


def reserve_slot() -> None:
    """Reserve the "Download" group's place in the sidebar (the frame calls it on every full run).

    Pages call :func:`download_group` at the end of their script; without a reserved place the
    buttons would land under whatever the page put in the sidebar (the threshold panel).
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    _SLOT.container, _SLOT.ctx = st.sidebar.container(), get_script_run_ctx()


def _place() -> Any:
    """The slot reserved by this session's frame, else the end of the sidebar."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return _SLOT.container if ctx is not None and getattr(_SLOT, "ctx", None) is ctx else st.sidebar


def download_group(files: Sequence[Download]) -> None:
    """The sidebar's "Download" group: one button per file, bytes built on click, no rerun."""
    if not files:
        return
    with _place():
        st.caption("Download")
        for f in files:
            st.download_button(f.label, f.build, file_name=f.file_name, mime=f.mime, key=f.key, help=f.help,
                               icon=":material/download:", on_click="ignore", width="stretch")


def anomaly_downloads() -> None:
    """Offer the Anomalies page's files, per pair (evaluation vs training, serving vs training)."""
    data = analysis.loaded()
    files: list[Download] = []
    for pair in data.pairs:
        try:
            found = analysis.anomalies(data, pair)
            comparison = analysis.comparison(data, pair)
        except Exception:  # noqa: BLE001, S112 - the page shows the failure; nothing valid to download
            continue
        files += anomaly_files(found, comparison, pair.reference.stats, pair.current.stats, pair.role)
    download_group(files)


def statistics_downloads() -> None:
    """Offer the Statistics page's files: the statistics of each loaded dataset."""
    download_group(statistics_files([(d.name, d.stats) for d in analysis.loaded().with_stats()]))
