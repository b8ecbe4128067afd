#!/usr/bin/env python3
"""Dashboard latency as a user feels it: the real app in headless Chromium, timed until the page has settled.

    python bench/ui_browser_bench.py [--reps 10] [--datasets demo,wide] [--features 100] [--rows 50000]
                                     [--only ACTION,...] [--screenshots DIR] [--upload FILE,...]
                                     [--upload-serving]

Starts ``streamlit run app.py`` on a free 127.0.0.1 port (a fresh server per dataset), drives it with
Playwright and Debian's ``/usr/bin/chromium`` and prints, per action, the median and the maximum over
``--reps`` repetitions. Every repetition is a new browser session (a new context), so "first visit"
means the first visit of that page in that session; statistics are cached per server, so only the
first repetition of "demo open" (and of the first page visits) pays for computing them: the maximum
shows that cold cost, the median the warm one.

Datasets: ``demo`` (the bundled runners pair, opened with the Data page's "Open the demo" button) and
``wide`` (a generated ``--features``-feature training/serving Parquet pair with a timestamp column,
loaded with ``-- --reference PATH --current PATH``).

Actions (one repetition runs them in this order, in one session):
  open         demo: click "Open the demo" -> Data page settled with its summary; wide: page load -> settled
  statistics   first visit of Statistics  (sidebar link -> title and tables shown)
  sort         Statistics "Sort by" changed -> its run done, the box showing the new key (the tables are a canvas)
  schema       first visit of Schema
  schema_edit  one cell of the schema grid edited (min fraction of the first feature) -> applied
  anomalies    first visit of Anomalies
  slider       the L-infinity threshold moved one step with the keyboard -> the new value shown, page settled
  accept       "Accept" on the first anomaly card -> the anomaly count dropped
  drift        first visit of Skew & drift
  timeline     drift timeline switched on, span "day" -> the timeline chart shown

Settled (one definition, :func:`settled`): Streamlit's script is idle -- the app root's
``data-test-script-state`` is not ``running``, the status widget (``[data-testid="stStatusWidget"]``,
"Running...") is absent and no element is a loading skeleton (``stSkeleton``) -- AND a script run has
finished since the action (the server's ``script_finished`` message on the page's websocket; a widget
may show its new value before its rerun begins) AND the element
the action changes shows its new value (the action's own check), all true at the same poll. Polls every
25 ms. Before every timed action the page is first quiet (:func:`quiet`, untimed: idle for 150 ms with
no run started) and the pointer parked in a corner: an action taken during a run (a rerun the previous
step's last key press asked for) would merge into that run, no new run start would be seen and the
action would never "settle" (the old one-session-in-twenty flake). "messages" is the number of websocket
messages the action's runs sent (one per element drawn, a few per run): what the browser had to lay out.
Targets (issue 11): slider <= 400 ms median; accept / schema edit / sort <= 600 ms; a first visit
<= 1.5 s once statistics exist; demo open <= 4 s.

Uploads (``--upload FILE,...``, issue 12's "ready <= 4 s after the upload finishes"): per file a fresh
server, then per repetition a new session uploads the file as training data; printed: seconds until
the browser's upload request completed, seconds from there to settled with the Rows figure shown,
the server's CPU seconds over the whole action, when the progress bar was first seen, and the load
average (the machine is shared). Repetition 1 computes the statistics; later ones reuse them.
``--upload-serving``: each repetition then uploads the same file as the serving data (its statistics
stored by then): that row times what follows statistics, the first comparison, validation and badges,
until the Data page's summary shows.

Figures are printed, not asserted: a benchmark, not a test. The machine's other jobs show in the maxima.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("DVTOOLS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
TIMEOUT_S = 120.0  # one action; a cold server computes statistics first
POLL_MS = 25
ACTIONS = ("open", "statistics", "sort", "schema", "schema_edit", "anomalies", "slider", "accept", "drift",
           "timeline")
TARGETS_MS = {"open": 4000, "statistics": 1500, "schema": 1500, "anomalies": 1500, "drift": 1500,
              "sort": 600, "schema_edit": 600, "accept": 600, "slider": 400}
LABELS = {"open": "open -> first page settled", "statistics": "first visit: Statistics",
          "sort": "sort Statistics", "schema": "first visit: Schema", "schema_edit": "edit a schema cell",
          "anomalies": "first visit: Anomalies", "slider": "threshold slider move", "accept": "accept an anomaly",
          "drift": "first visit: Skew & drift", "timeline": "drift timeline by day"}

# The one JavaScript predicate for "Streamlit's script is idle" (see the module docstring).
IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  const s = app.getAttribute('data-test-script-state');
  if (s === 'running' || s === 'rerunRequested' || s === 'initial') return false;
  if (document.querySelector('[data-testid="stStatusWidget"]') !== null) return false;
  return document.querySelector('[data-testid="stSkeleton"]') === null;  // a widget still loading its code
}"""


from playwright.sync_api import Error as PlaywrightError  # noqa: E402

# Counts the script runs the page has seen start (window.__dvRuns), for pages whose websocket is not
# watched (:func:`count_frames`): "settled" after an action needs one more run than before it, so a
# widget that shows its new value before the rerun has begun does not count.
# A batch of records can hold a whole run (running, then notRunning): each record's new value is the next
# record's old value (the element's current value for the last), never the value read at callback time.
RUN_COUNTER_JS = """
window.__dvRuns = 0;
new MutationObserver((records) => {
  records.forEach((r, i) => {
    const later = records.slice(i + 1).find((x) => x.target === r.target);
    const now = later ? later.oldValue : r.target.getAttribute('data-test-script-state');
    if (now === 'running' && r.oldValue !== 'running') window.__dvRuns++;
  });
}).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                      attributeFilter: ['data-test-script-state']});
"""


class Timeout(RuntimeError):
    """An action did not settle in time."""


def runs(page) -> int:  # noqa: ANN001
    """Script runs seen so far: finished ones (``script_finished`` messages, see :func:`count_frames`), else started.

    The finished count comes from the websocket itself, so no run can be missed; pages without
    :func:`count_frames` fall back to :data:`RUN_COUNTER_JS` (runs seen starting in the DOM).
    """
    finished = getattr(page, "_dv_finished", None)
    if finished is not None:
        page.evaluate("() => 0")  # a round trip: the websocket events received meanwhile are dispatched
        return int(page._dv_finished)  # noqa: SLF001
    return int(page.evaluate("() => window.__dvRuns || 0"))


def settled(page, check: Callable[[], bool], after_runs: int | None = None,  # noqa: ANN001
            timeout_s: float = TIMEOUT_S) -> None:
    """Wait until the app is idle AND ``check()`` holds (the changed element shows its new value).

    ``after_runs``: the run count before the action; the page must have started a later run.
    """
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        try:
            if (after_runs is None or runs(page) > after_runs) and page.evaluate(IDLE_JS) and check():
                return
        except PlaywrightError:  # the DOM is being replaced between polls: poll again
            pass
        page.wait_for_timeout(POLL_MS)
    raise Timeout("the page did not settle")


QUIET_MS = 150  # idle this long before an action: no run going on, none about to start


def quiet(page, timeout_s: float = TIMEOUT_S) -> None:  # noqa: ANN001
    """Wait until the app has been idle (:data:`IDLE_JS`) for :data:`QUIET_MS` with no run started meanwhile.

    An action taken while a run is going on (a rerun the previous step's last key press asked for)
    is lost to the run counter: the app stays ``running`` from that run into the action's, so no
    new start is seen and :func:`settled` waits for a run that never starts ("did not settle",
    about one session in twenty). Not timed.
    """
    deadline = time.perf_counter() + timeout_s
    since, seen = None, -1
    while time.perf_counter() < deadline:
        try:
            n, idle = runs(page), page.evaluate(IDLE_JS)
        except PlaywrightError:  # the DOM is being replaced between polls: poll again
            n, idle = -1, False
        if not idle or n != seen:
            since, seen = (time.perf_counter() if idle else None), n
        elif since is not None and time.perf_counter() - since >= QUIET_MS / 1000:
            return
        page.wait_for_timeout(POLL_MS)
    raise Timeout("the page did not become idle before the action")


def timed(page, act: Callable[[], None], check: Callable[[], bool]) -> float:  # noqa: ANN001
    """Milliseconds from ``act()`` to :func:`settled` (the page :func:`quiet` first, untimed)."""
    quiet(page)
    _park_mouse(page)
    before = runs(page)
    frames = getattr(page, "_dv_frames", None)
    f0 = len(frames) if frames is not None else 0
    t0 = time.perf_counter()
    act()
    settled(page, check, before)
    ms = (time.perf_counter() - t0) * 1000
    if frames is not None:  # what the action's runs sent: one message per element, plus a few per run
        page._dv_last_frames = len(frames) - f0
    return ms


def _park_mouse(page) -> None:  # noqa: ANN001
    """The pointer off every element (a button's tooltip left open by the last click would cover a link)."""
    try:
        size = page.viewport_size or {"width": 1400, "height": 1000}
        page.mouse.move(size["width"] - 5, size["height"] - 5)
    except PlaywrightError:
        pass


def count_frames(page) -> None:  # noqa: ANN001
    """Count the websocket messages the page receives and the script runs they finish.

    ``page._dv_frames`` (:func:`timed` reports them per action) and ``page._dv_finished`` (the
    ``script_finished`` messages: :func:`runs`). A run is counted when the server says it ended,
    not when the DOM shows it starting: an attribute that flips running -> running across two runs,
    or an app root drawn anew, can hide a start from a MutationObserver, never an end from the socket.
    """
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    page._dv_frames = []  # noqa: SLF001
    page._dv_finished = 0  # noqa: SLF001

    def received(payload: bytes | str) -> None:
        page._dv_frames.append(1)  # noqa: SLF001
        if isinstance(payload, bytes):
            msg = ForwardMsg()
            try:
                msg.ParseFromString(payload)
            except Exception:  # noqa: BLE001, S110 - not a ForwardMsg: counted as a message only
                return
            if msg.WhichOneof("type") == "script_finished":
                page._dv_finished += 1  # noqa: SLF001

    page.on("websocket", lambda ws: ws.on("framereceived", received))


# --------------------------------------------------------------------------- data and server


def make_wide_pair(features: int, rows: int, folder: Path) -> tuple[Path, Path]:
    """A training/serving Parquet pair of ``features`` columns (the rerun bench's pair plus a timestamp)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from bench.ui_rerun_bench import make_pair

    rng = np.random.default_rng(11)
    out = []
    for name, data in zip(("wide_training.parquet", "wide_serving.parquet"), make_pair(features - 1, rows),
                          strict=True):
        table = pq.read_table(io.BytesIO(data))
        n = table.num_rows
        # Serving spans 60 days with a 20-day gap in the middle (the timeline must show it).
        days = rng.integers(0, 60, n)
        days = np.where(days >= 30, days + 20, days)
        stamps = np.datetime64("2024-03-01", "us") + (days * 86_400_000_000 + rng.integers(0, 86_400_000_000, n))
        table = table.append_column("event_time", pa.array(stamps.astype("datetime64[us]")))
        path = folder / name
        pq.write_table(table, path)
        out.append(path)
    return out[0], out[1]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(app_args: list[str], log: Path) -> tuple[str, subprocess.Popen[bytes]]:
    """``streamlit run app.py`` on a free 127.0.0.1 port; returns (url, process) once healthy."""
    port = _free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"]
    if app_args:
        cmd += ["--", *app_args]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return url, proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("streamlit did not become healthy in time")


# --------------------------------------------------------------------------- one session


def _visible(loc) -> bool:  # noqa: ANN001
    return loc.count() > 0 and loc.first.is_visible()


def _same_number(shown: str, typed: str) -> bool:
    """The box shows the typed number (it may write 0.050 as 0.05)."""
    try:
        return float(shown) == float(typed)
    except ValueError:
        return False


def _title(page, text: str) -> bool:  # noqa: ANN001
    return _visible(page.locator("h1").filter(has_text=text))


def _nav(page, label: str):  # noqa: ANN001, ANN202
    return page.locator("[data-testid='stSidebarNav'] a").filter(has_text=label).first


def _metric(page, label: str) -> str | None:  # noqa: ANN001
    m = page.locator("[data-testid='stMetric']").filter(has_text=label)
    if m.count() == 0:
        return None
    return m.first.locator("[data-testid='stMetricValue']").inner_text().strip()


def _badge(page, label: str) -> int | None:  # noqa: ANN001
    """The count badge of a navigation link (``Anomalies (26)`` -> 26); None without a number."""
    text = _nav(page, label).inner_text()
    m = re.search(r"\((\d[\d,]*)\)", text)
    return int(m.group(1).replace(",", "")) if m else None


def _page_anomalies(page) -> int | None:  # noqa: ANN001
    """The anomalies the Anomalies page counts: its "Anomalies" metrics, 0 for a group without any."""
    metrics = page.locator("[data-testid='stMetric']").filter(has_text="Anomalies")
    quiet = page.get_by_text("No anomalies:").count()
    if metrics.count() == 0 and quiet == 0:
        return None
    values = [metrics.nth(i).locator("[data-testid='stMetricValue']").inner_text() for i in range(metrics.count())]
    return sum(int(v.strip().replace(",", "")) for v in values)


def _schema_anomalies(page) -> int | None:  # noqa: ANN001
    """The anomalies the Schema page counts ("26 anomalies in Serving (…); …")."""
    caption = page.get_by_text(re.compile(r"anomal(y|ies) in .* against this schema")).first
    if caption.count() == 0:
        return None
    return sum(int(n.replace(",", "")) for n in re.findall(r"(\d[\d,]*) anomal(?:y|ies) in", caption.inner_text()))


def _badge_true(page, shown: Callable[[], int | None]) -> bool:  # noqa: ANN001
    """The Anomalies badge of the navigation counts what the page shows (badges stay true after an action)."""
    n = shown()
    return n is not None and _badge(page, "Anomalies") == n


def _open_cell_editor(page, x: int) -> Any:  # noqa: ANN001
    """Open the cell editor of the first schema grid's first row, ``x`` pixels right of the grid's left edge.

    The grid is a canvas with fixed column widths (``dvtools/ui/schema_panel.py``): its top is scrolled
    into view, the cell clicked (selected) and Enter opens its editor. Tried three times (a click
    while the grid is still being laid out selects nothing); Timeout when no editor opens.
    """
    grid = page.locator("[data-testid='stDataFrame']").first
    editor = page.locator("#portal input, #portal textarea").first
    for _ in range(3):
        grid.evaluate("e => e.scrollIntoView({block: 'start'})")  # a tall grid: its first row on screen
        box = grid.bounding_box()
        while True:  # laid out: the same box twice in a row
            page.wait_for_timeout(100)
            again = grid.bounding_box()
            if again == box:
                break
            box = again
        assert box is not None
        page.mouse.click(box["x"] + x, box["y"] + 35 + 17)  # row 1 (below the 35 px header row)
        page.keyboard.press("Enter")
        try:
            editor.wait_for(timeout=5000)
            return editor
        except PlaywrightError:
            page.keyboard.press("Escape")
    raise Timeout("schema_edit: the grid's cell editor did not open")


def session(browser, url: str, dataset: str, only: set[str], shots: Path | None, rep: int,  # noqa: ANN001, C901, PLR0915
            out: dict[str, float]) -> list[str]:
    """One repetition: a new browser session doing every action once; milliseconds per action into ``out``.

    A step that does not settle is reported (returned) and the session goes on with the next one,
    from the page as it is once idle: every step runs in every session.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(RUN_COUNTER_JS)
    page = context.new_page()
    count_frames(page)
    failures: list[str] = []

    def shot(name: str) -> None:
        if shots is not None and rep == 0:
            page.screenshot(path=str(shots / f"{dataset}_{name}.png"), full_page=True)

    def failed(name: str, e: BaseException) -> None:
        failures.append(f"{name}: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
        if shots is not None:
            page.screenshot(path=str(shots / f"{dataset}_failed_{name}_{rep + 1}.png"), full_page=True)
        try:  # the next step starts from an idle page
            settled(page, lambda: True, timeout_s=30)
        except Timeout:
            pass

    def step(name: str, act: Callable[[], None], check: Callable[[], bool]) -> bool:
        try:
            out[name] = timed(page, act, check)
            out[f"{name}:frames"] = float(getattr(page, "_dv_last_frames", math.nan))
            return True
        except (Timeout, PlaywrightError, AssertionError) as e:
            failed(name, e)
            return False

    def untimed(name: str, do: Callable[[], None]) -> bool:
        """Preparation of a timed step (opening an expander, a cell editor): a failure skips that step only."""
        try:
            do()
            return True
        except (Timeout, PlaywrightError, AssertionError) as e:
            failed(name, e)
            return False

    try:
        # -- open
        if dataset == "demo":
            page.goto(url)
            settled(page, lambda: _visible(page.get_by_role("button", name="Open the demo")))
            button = page.get_by_role("button", name="Open the demo")
            step("open", button.click, lambda: _visible(page.get_by_text("What is wrong")))
        else:
            t0 = time.perf_counter()
            page.goto(url)
            settled(page, lambda: _visible(page.get_by_text("What is wrong")))
            out["open"] = (time.perf_counter() - t0) * 1000
        shot("data")

        # -- Statistics
        step("statistics", _nav(page, "Statistics").click,
             lambda: _title(page, "Statistics") and _visible(page.get_by_text("Numeric features")))
        shot("statistics")
        if "sort" in only:
            box = page.locator(".st-key-stats_sort")

            def sort() -> None:
                box.locator("input").first.click()
                page.get_by_role("option", name="name", exact=True).click()

            # The tables are drawn on a canvas: settled = the sort's own run done and the box showing "name".
            step("sort", sort, lambda: box.locator("input").input_value() == "name")

        # -- Schema
        step("schema", _nav(page, "Schema").click,
             lambda: _title(page, "Schema") and _visible(page.locator("[data-testid='stDataFrame']")))
        shot("schema")
        if "schema_edit" in only:
            value = f"0.{rep + 1:02d}"
            holder: list[Any] = []
            # min fraction: right of feature (130 px), type (96) and required (74), 92 px wide
            if untimed("schema_edit", lambda: holder.append(_open_cell_editor(page, 130 + 96 + 74 + 46))):
                editor = holder[0]
                editor.fill(value)
                shot("schema_editing")
                # Applied: the schema is "edited" and the navigation badge counts the page's anomalies.
                step("schema_edit", lambda: editor.press("Enter"),
                     lambda: _visible(page.get_by_text("edited here or by accepting anomalies"))
                     and _badge_true(page, lambda: _schema_anomalies(page)))
                shot("schema_edited")
                page.keyboard.press("Escape")  # nothing of the grid stays selected or open

        # -- Anomalies
        step("anomalies", _nav(page, "Anomalies").click,
             lambda: _title(page, "Anomalies") and _page_anomalies(page) is not None)
        shot("anomalies")
        if "slider" in only:
            # The drift threshold of categorical features (the default policy decides them by JS distance),
            # in the Anomalies page's "Thresholds" expander (opened first: not timed).
            widget = page.locator(".st-key-cmp_thr_categorical_jensen_shannon_distance")

            def open_thresholds() -> None:
                opener = page.get_by_text("Thresholds (shared with the Skew & drift page)").first
                if opener.count() and not widget.is_visible():
                    opener.click()
                    widget.wait_for()
                settled(page, widget.is_visible)

            if untimed("slider", open_thresholds):
                thumb = widget.locator("input[type='range']")
                if thumb.count():  # a slider: one keyboard step
                    shown = widget.locator("[data-testid='stSliderThumbValue']")
                    thumb.focus()
                    key = "ArrowRight" if rep % 2 == 0 else "ArrowLeft"
                    old = shown.inner_text()
                    step("slider", lambda: page.keyboard.press(key),
                         lambda: shown.inner_text() != old and _badge_true(page, lambda: _page_anomalies(page)))
                else:  # a number input: a new value typed, then Enter
                    box = widget.locator("input").first
                    value = f"{0.05 + 0.01 * rep:.3f}"
                    if _same_number(box.input_value(), value):  # the same value typed again changes nothing
                        value = f"{float(value) + 0.005:.3f}"
                    box.fill(value)
                    step("slider", lambda: box.press("Enter"),
                         lambda: _same_number(box.input_value(), value)
                         and _badge_true(page, lambda: _page_anomalies(page)))
        if "accept" in only:
            n = _page_anomalies(page)
            button = page.get_by_role("button", name="Accept").first
            step("accept", button.click,
                 lambda: _page_anomalies(page) not in (None, n) and _badge_true(page, lambda: _page_anomalies(page)))

        # -- Skew & drift
        step("drift", _nav(page, "Skew & drift").click,
             lambda: _title(page, "Skew") and _visible(page.get_by_text("Drifted features")))
        shot("drift")
        if "timeline" in only:
            toggle = page.locator(".st-key-drift_timeline")
            chart = page.locator(".st-key-drift_timeline_chart .js-plotly-plot")

            def span_first() -> None:
                toggle.scroll_into_view_if_needed()
                day = page.locator(".st-key-drift_freq button").filter(has_text="day").first
                before = runs(page)
                day.click()  # the span first (nothing is computed while the timeline is off), then the timed switch
                settled(page, lambda: True, before)

            if untimed("timeline", span_first):
                step("timeline", lambda: toggle.locator("label").first.click(), lambda: _visible(chart))
                shot("timeline")
    except (Timeout, PlaywrightError) as e:  # the session could not even start (the app did not load)
        failures.append(f"session: {str(e).splitlines()[0]}")
    finally:
        context.close()
    return failures


# --------------------------------------------------------------------------- upload


def _server_cpu(pid: int) -> float:
    """CPU seconds (user + system) of the server process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _upload_and_wait(page, pid: int, path: Path, which: int, check: Callable[[], bool],  # noqa: ANN001
                     shot: Path | None) -> dict[str, float]:
    """Drop ``path`` on uploader ``which`` (0 training, 1 serving); wait for :func:`settled`'s conditions and ``check``.

    Returns the seconds to the upload request's end ("upload"), from there to ready ("ready"), the
    server's CPU seconds over both ("cpu") and when the progress bar was first seen after the upload ("bar").
    """
    uploaded: list[float] = []

    def finished(r) -> None:  # noqa: ANN001
        if "upload_file" in r.url:
            uploaded.append(time.perf_counter())

    page.on("requestfinished", finished)
    try:
        before, cpu0, t0 = runs(page), _server_cpu(pid), time.perf_counter()
        role = ("reference", "current")[which]  # by widget key: positions shift while a rerun replaces an uploader
        page.locator(f"[class*='st-key-upload_{role}'] [data-testid='stFileUploaderDropzoneInput']").first.set_input_files(
            str(path))
        bar: list[float] = []

        def ready() -> bool:
            try:
                if not bar and page.locator("[data-testid='stProgress']").count():
                    bar.append(time.perf_counter())
                    if shot is not None:
                        page.screenshot(path=str(shot), full_page=True)
                return runs(page) > before and page.evaluate(IDLE_JS) and check()
            except PlaywrightError:  # the DOM is being replaced between polls: poll again
                return False

        deadline = t0 + TIMEOUT_S * 3
        while not ready():  # :func:`settled`'s conditions, polling for the progress bar on the way
            if time.perf_counter() > deadline:
                raise Timeout("upload: the page did not settle")
            page.wait_for_timeout(POLL_MS)
        t1 = time.perf_counter()
    finally:
        page.remove_listener("requestfinished", finished)
    end = uploaded[0] if uploaded else t0
    return {"upload": end - t0, "ready": t1 - end, "cpu": _server_cpu(pid) - cpu0,
            "bar": (bar[0] - end) if bar else math.nan}


def upload_session(browser, url: str, pid: int, path: Path, shots: Path | None, rep: int,  # noqa: ANN001
                   serving: bool = False) -> list[dict[str, float]]:
    """Upload ``path`` as the training data on a fresh session (then, with ``serving``, as the serving data too).

    "Upload finished" is the browser's upload request completing; "ready" is :func:`settled` with the
    Rows figure shown (training) or the Data page's summary ("Drifted features": the first comparison
    and validation done) with both datasets' Rows (serving). Also whether (and when) the progress bar
    was seen. One result per upload.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.add_init_script(RUN_COUNTER_JS)
    page = context.new_page()
    first = shots is not None and rep == 0
    try:
        page.goto(url)
        settled(page, lambda: _visible(page.get_by_role("button", name="Open the demo")))
        out = [_upload_and_wait(page, pid, path, 0, lambda: _metric(page, "Rows") is not None,
                                shots / "upload_computing.png" if first else None)]
        if first:
            page.screenshot(path=str(shots / "upload_ready.png"), full_page=True)
        if serving:
            def both() -> bool:
                rows = page.locator("[data-testid='stMetricLabel']").filter(has_text=re.compile(r"^\s*Rows\s*$"))
                return _metric(page, "Drifted features") is not None and rows.count() == 2

            out.append(_upload_and_wait(page, pid, path, 1, both, None))
            if first:
                page.screenshot(path=str(shots / "upload_serving_ready.png"), full_page=True)
        return out
    finally:
        context.close()


def upload_bench(browser, paths: list[Path], reps: int, shots: Path | None, tmp: Path,  # noqa: ANN001
                 serving: bool = False) -> None:
    """Per file: a fresh server; the first repetition computes, the later ones reuse the stored statistics.

    ``serving``: each repetition then uploads the same file as the serving data (its statistics are
    stored by then, so that row times what follows statistics: the first comparison, validation, badges).
    """
    print("\nupload (training uploader; a fresh server per file: repetition 1 computes, later ones reuse"
          + ("; '-> serving': the same file then uploaded as serving data" if serving else "") + ")")
    print("| file | upload s | ready after upload s | server CPU s | bar seen after s | load |")
    print("|---|---:|---:|---:|---:|---:|")
    for path in paths:
        url, proc = start_server([], tmp / f"streamlit-upload-{path.name}.log")
        try:
            for rep in range(reps):
                try:
                    results = upload_session(browser, url, proc.pid, path, shots, rep, serving)
                except (Timeout, PlaywrightError) as e:
                    print(f"  {path.name} repetition {rep + 1}: {str(e).splitlines()[0]}", file=sys.stderr)
                    continue
                for i, r in enumerate(results):
                    what = f"{path.name} ({path.stat().st_size / 1e6:,.0f} MB)" + (" -> serving" if i else "")
                    print(f"| {what}{' cold' if rep == 0 else ''} | {r['upload']:.2f} | {r['ready']:.2f} | "
                          f"{r['cpu']:.2f} | {r['bar']:.2f} | {os.getloadavg()[0]:.1f} |")
        finally:
            proc.terminate()
            proc.wait(timeout=20)


# --------------------------------------------------------------------------- main


def _row(action: str, ms: list[float], frames: list[float] = ()) -> str:  # type: ignore[assignment]
    target = TARGETS_MS.get(action)
    med = statistics.median(ms)
    verdict = "" if target is None else ("ok" if med <= target else "over")
    target_text = f"<= {target:,}" if target else "–"
    sent = f"{statistics.median(frames):,.0f}" if frames else "–"
    return f"| {LABELS[action]} | {med:,.0f} | {max(ms):,.0f} | {len(ms)} | {sent} | {target_text} | {verdict} |"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one table per dataset."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--datasets", default="demo,wide")
    p.add_argument("--features", type=int, default=100)
    p.add_argument("--rows", type=int, default=50_000)
    p.add_argument("--only", default=",".join(ACTIONS), help="comma-separated actions to time")
    p.add_argument("--screenshots", default=None, help="folder for screenshots of the first repetition")
    p.add_argument("--upload", default=None, help="comma-separated data files to time as uploads (with --datasets '' "
                   "to time only those)")
    p.add_argument("--upload-serving", action="store_true", help="after each training upload, upload the same "
                   "file as serving data (times the first comparison after statistics)")
    a = p.parse_args(argv)
    only = set(a.only.split(","))
    shots = Path(a.screenshots) if a.screenshots else None
    if shots is not None:
        shots.mkdir(parents=True, exist_ok=True)

    import streamlit
    from playwright.sync_api import sync_playwright

    print(f"streamlit {streamlit.__version__}, {os.cpu_count()} cores, {a.reps} repetitions, "
          f"load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        if a.upload:
            upload_bench(browser, [Path(x) for x in a.upload.split(",")], a.reps, shots, Path(tmp), a.upload_serving)
        for dataset in filter(None, a.datasets.split(",")):
            app_args: list[str] = []
            from dvtools import demo

            what = (f"the bundled demo (training / evaluation / serving: {demo.TRAINING_ROWS:,} / "
                    f"{demo.EVALUATION_ROWS:,} / {demo.SERVING_ROWS:,} rows)")
            if dataset == "wide":
                ref, cur = make_wide_pair(a.features, a.rows, Path(tmp))
                app_args = ["--reference", str(ref), "--current", str(cur)]
                what = f"a generated {a.features}-feature pair ({a.rows:,} / {a.rows * 2 // 5:,} rows)"
            url, proc = start_server(app_args, Path(tmp) / f"streamlit-{dataset}.log")
            times: dict[str, list[float]] = {k: [] for k in ACTIONS}
            try:
                for rep in range(a.reps):
                    found: dict[str, float] = {}
                    for problem in session(browser, url, dataset, only | {"open"}, shots, rep, found):
                        print(f"  {dataset} repetition {rep + 1}: {problem}", file=sys.stderr)
                    for k, v in found.items():
                        times.setdefault(k, []).append(v)
            finally:
                proc.terminate()
                proc.wait(timeout=20)
            print(f"\n{dataset}: {what}")
            print(f"load after: {os.getloadavg()[0]:.1f}; messages = websocket messages the action's runs sent "
                  "(one per element, a few per run)")
            print("| action | median ms | max ms | n | messages | target ms | |")
            print("|---|---:|---:|---:|---:|---:|---|")
            for k in ACTIONS:
                if times[k] and (k in only or k == "open"):
                    print(_row(k, times[k], [f for f in times.get(f"{k}:frames", []) if not math.isnan(f)]))
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
