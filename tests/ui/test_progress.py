"""The progress text and the statistics store behind the dashboard's "computing" state."""

from __future__ import annotations

import threading
import time

import pytest

from dvtools.errors import DataLoadError
from dvtools.statistics.engine import Progress
from dvtools.ui.cache import ResultStore
from dvtools.ui.format import human_bytes
from dvtools.ui.progress import progress_text


def test_progress_text_says_what_and_how_far() -> None:
    p = Progress(rows=450_000, bytes_read=140_000_000, total_bytes=310_000_000, total_rows=None, parts_done=0,
                 total_parts=1)
    assert progress_text("Computing statistics of a.csv", p) == (
        "Computing statistics of a.csv: 45% · 140 MB of 310 MB read · 450,000 rows")
    parquet = Progress(rows=250, bytes_read=0, total_bytes=None, total_rows=1000, parts_done=1, total_parts=3)
    assert progress_text("x", parquet) == "x: 25% · 250 of 1,000 rows · file or partition 2 of 3"
    unknown = Progress(rows=0, bytes_read=0, total_bytes=None, total_rows=None, parts_done=0, total_parts=1)
    assert progress_text("x", unknown) == "x"


@pytest.mark.parametrize(("n", "text"), [(0, "0 B"), (950, "950 B"), (12_345, "12.3 kB"),
                                         (312_675_431, "312.7 MB"), (1_200_000_000, "1.2 GB")])
def test_human_bytes(n: int, text: str) -> None:
    assert human_bytes(n) == text


def test_store_computes_each_key_once_and_keeps_the_last_few() -> None:
    store = ResultStore(max_entries=2)
    calls: list[str] = []

    def compute(name: str):  # noqa: ANN202
        def run() -> object:
            calls.append(name)
            return {"name": name}
        return run

    a = store.get(("a", "data", None), compute("a"))
    assert store.get(("a", "data", None), compute("a")) is a and calls == ["a"]
    assert ("a", "data", None) in store and ("b", "data", None) not in store
    store.get(("b", "data", None), compute("b"))
    store.get(("a", "data", None), compute("a"))  # a is now the most recent
    store.get(("c", "data", None), compute("c"))  # evicts b, the least recently used
    assert ("b", "data", None) not in store and ("a", "data", None) in store and calls == ["a", "b", "c"]


def test_store_keeps_load_errors_and_forgets_interruptions() -> None:
    store = ResultStore()
    calls = []

    def bad() -> object:
        calls.append(1)
        raise DataLoadError("x.csv: not a text file")

    for _ in range(2):
        with pytest.raises(DataLoadError, match="not a text file"):
            store.get(("x", "data", None), bad)
    assert calls == [1]  # a broken upload is not parsed again on every rerun

    def interrupted() -> object:  # a rerun or stop raised inside the computation (a progress update)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.get(("y", "data", None), interrupted)
    assert ("y", "data", None) not in store
    assert store.get(("y", "data", None), lambda: "done") == "done"


def test_a_second_session_waits_for_the_first_computation() -> None:
    store = ResultStore()
    calls, results = [], []
    started = threading.Event()

    def slow() -> object:
        calls.append(1)
        started.set()
        time.sleep(0.3)
        return object()

    t1 = threading.Thread(target=lambda: results.append(store.get(("k", "data", None), slow)))
    t1.start()
    started.wait(5)
    t2 = threading.Thread(target=lambda: results.append(store.get(("k", "data", None), slow)))
    t2.start()
    t1.join(5), t2.join(5)
    assert len(calls) == 1 and len(results) == 2 and results[0] is results[1]
