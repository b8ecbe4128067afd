"""Progress of the dashboard's computations over rows: a Streamlit bar fed by the library's callback.

The library reports progress through one callback type, :class:`~dvtools.statistics.engine.Progress`
(``compute_statistics(..., progress=fn)``; the CLI's progress line is another such ``fn``). A
:class:`ProgressBar` is that ``fn`` for a page: it draws ``st.progress`` with what is being done and
how far (bytes read of the total, rows, files or partitions), throttled so that a fast pass sends a
few updates rather than one per batch, and disappears when the work is done.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Any

import streamlit as st

from dvtools.ui.format import md_escape

#: Seconds between two updates of a bar (each update is a message to the browser).
UPDATE_EVERY_S = 0.1


def _megabytes(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 10e6 else f"{n / 1e6:,.1f} MB"


def progress_text(label: str, p: Any) -> str:
    """One line saying how far a pass is: ``label: 45% · 140 of 310 MB read · 450,000 rows · file 2 of 3``.

    ``p``: a :class:`~dvtools.statistics.engine.Progress` (or anything with its fields). Plain text
    (``label`` may name a file: the caller escapes it for Markdown).
    """
    parts = [label + (f": {p.fraction:.0%}" if p.fraction is not None else "")]
    if p.total_bytes:
        parts.append(f"{_megabytes(p.bytes_read)} of {_megabytes(p.total_bytes)} read")
    if p.rows or p.total_rows:
        parts.append(f"{p.rows:,} of {p.total_rows:,} rows" if p.total_rows else f"{p.rows:,} rows")
    if p.total_parts > 1:
        parts.append(f"file or partition {min(p.parts_done + 1, p.total_parts)} of {p.total_parts}")
    return " · ".join(parts)


class ProgressBar:
    """A progress callback that draws (and finally removes) a ``st.progress`` bar in the page.

    Use it as a context manager around the computation: the bar's slot is reserved where the
    ``with`` starts (in ``container`` if given), shown at once with ``label`` ("starting"), updated at
    most every :data:`UPDATE_EVERY_S` seconds, and emptied on exit, error or not.
    """

    def __init__(self, label: str, container: Any = None) -> None:
        self.label = label
        self.container = container
        self.updates = 0  # bars drawn (tests read it)
        self._slot: Any = None
        self._last = 0.0

    def __enter__(self) -> ProgressBar:
        """Reserve the bar's slot and show it at 0 %."""
        self._slot = (self.container or st).empty()
        self._draw(0.0, f"{self.label}: starting")
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        """Remove the bar."""
        if self._slot is not None:
            self._slot.empty()

    def _draw(self, fraction: float, text: str) -> None:
        self._slot.progress(max(0.0, min(1.0, fraction)), text=md_escape(text))
        self.updates += 1

    def __call__(self, p: Any) -> None:
        """Report a :class:`~dvtools.statistics.engine.Progress` (throttled)."""
        now = time.perf_counter()
        if self._slot is None or now - self._last < UPDATE_EVERY_S:
            return
        self._last = now
        self._draw(p.fraction if p.fraction is not None else 0.0, progress_text(self.label, p))

    def watch(self, source: Any, what: str, *, name: str | None = None) -> Any:
        """``source`` opened as a :class:`~dvtools.io.BatchStream` that reports each batch to this bar as ``what``.

        For row-level analyses (feature skew, concept shift, drift timeline, drill-down rows), which
        take streams as their sources: the bar says which input is read, the pass, and how far.
        """
        from dvtools.io import open_source
        from dvtools.statistics.engine import Progress

        stream = open_source(source, name=name) if name is not None else open_source(source)
        rows = [0, 0]  # rows of the current pass, that pass's number

        def report(s: Any, batch: Any) -> None:
            if s.passes != rows[1]:
                rows[:] = [0, s.passes]
            rows[0] += batch.num_rows
            label = what + (f" (pass {s.passes})" if s.passes > 1 else "")
            self.report(Progress(rows=rows[0], bytes_read=s.bytes_read, total_bytes=s.total_bytes,
                                 total_rows=s.num_rows, parts_done=s.parts_done, total_parts=len(s.sources)), label)

        stream.on_batch = report
        return stream

    def report(self, p: Any, label: str) -> None:
        """Report a :class:`~dvtools.statistics.engine.Progress` under another label than the bar's (throttled)."""
        now = time.perf_counter()
        if self._slot is None or now - self._last < UPDATE_EVERY_S:
            return
        self._last = now
        self._draw(p.fraction if p.fraction is not None else 0.0, progress_text(f"{self.label}: {label}", p))

    def fraction(self, done: float, text: str) -> None:
        """Report a share (0..1) with a text, for work that counts its own steps (partitions, pairs)."""
        now = time.perf_counter()
        if self._slot is None or (now - self._last < UPDATE_EVERY_S and done < 1.0):
            return
        self._last = now
        self._draw(done, f"{self.label}: {done:.0%} · {text}")


def pending_datasets() -> list[tuple[str, Any]]:
    """``(role, DatasetRef)`` of the loaded datasets the pages read whose statistics are not computed yet.

    The frame asks before anything else: while one is pending it draws no badges and the page shows
    that dataset as "computing" (with a bar) instead of computing it out of sight.
    """
    from dvtools.ui import cache, roles, state

    out = []
    for role in roles.ORDER:  # every loaded dataset: the pages show all three
        ref = state.get_dataset(role)
        if ref is not None and not cache.has_statistics(ref):
            out.append((role, ref))
    return out
