"""The fork pool: results in submission order, a dead worker is an error for every unfinished task, nothing outlives kill."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap

import pytest

from dvtools.statistics.forkpool import ForkPool, WorkerDied


def _pid() -> int:
    return os.getpid()


def _square(x: int) -> int:
    return x * x


def _die() -> None:
    os._exit(3)


def _raise() -> None:
    raise ValueError("bad value in row 7")


def test_results_come_back_for_every_task_from_every_worker() -> None:
    from functools import partial

    pool = ForkPool(2)
    try:
        tasks = [pool.submit(partial(_square, i)) for i in range(25)]
        assert [t.result() for t in tasks] == [i * i for i in range(25)]
        pids = {pool.submit(_pid).result() for _ in range(8)}
        assert os.getpid() not in pids and pids <= {p.pid for p in pool.processes}
    finally:
        pool.close()
    assert multiprocessing.active_children() == []


def test_a_task_exception_is_raised_in_the_parent_and_the_pool_goes_on() -> None:
    pool = ForkPool(2)
    try:
        bad = pool.submit(_raise)
        good = pool.submit(_pid)
        with pytest.raises(ValueError, match="bad value in row 7"):
            bad.result()
        assert good.result() != os.getpid()
    finally:
        pool.close()


def test_a_dead_worker_fails_every_unfinished_task_and_leaves_no_process() -> None:
    pool = ForkPool(2)
    tasks = [pool.submit(_pid) for _ in range(3)] + [pool.submit(_die)] + [pool.submit(_pid) for _ in range(5)]
    outcomes = []
    for task in tasks:
        try:
            outcomes.append(task.result())
        except WorkerDied:
            outcomes.append("died")
    assert outcomes[3] == "died"  # tasks after it end too (done by the other worker, or failed): none waits forever
    assert all(o == "died" or isinstance(o, int) for o in outcomes)
    with pytest.raises(WorkerDied):
        pool.submit(_pid).result()
    assert multiprocessing.active_children() == []


def test_kill_fails_pending_tasks_and_reaps_the_workers() -> None:
    pool = ForkPool(2, depth=1)
    tasks = [pool.submit(_pid) for _ in range(6)]
    pool.kill()
    assert multiprocessing.active_children() == []
    for task in tasks:
        if task.done() and task._state == "done":
            continue
        with pytest.raises(WorkerDied):
            task.result()
    assert not any(t.cancelled() for t in tasks)


def test_cancel_drops_a_task_no_worker_holds() -> None:
    pool = ForkPool(1, depth=1)
    try:
        first, second = pool.submit(_pid), pool.submit(_pid)
        assert second.cancel() and second.cancelled()
        assert first.result() != os.getpid()
    finally:
        pool.close()


def test_killing_a_worker_blocked_sending_a_large_result_does_not_hang_the_exit() -> None:
    """ProcessPoolExecutor's manager thread blocked forever on half a message here and the interpreter hung at exit."""
    script = textwrap.dedent("""
        import time
        from dvtools.statistics.forkpool import ForkPool

        def big():
            return b"x" * (64 << 20)

        pool = ForkPool(2)
        tasks = [pool.submit(big) for _ in range(4)]
        time.sleep(1.0)  # the workers are now blocked writing results nobody reads
        pool.kill()
        print("killed")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "killed"


def _allocator_settings() -> tuple[str | None, int, bool]:
    import ctypes

    class Mallinfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in
                    ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
                     "fordblks", "keepcost")]

    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = Mallinfo2
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    before = libc.mallinfo2().hblks
    block = libc.malloc(16 << 20)  # below the fixed 32 MiB threshold: from the heap, not mmap
    try:
        mmapped = libc.mallinfo2().hblks - before
    finally:
        libc.free(block)
    return os.environ.get("_RJEM_MALLOC_CONF"), mmapped, "polars" in sys.modules


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_statistics_workers_keep_freed_memory() -> None:
    from dvtools.statistics.engine import _init_worker

    pool = ForkPool(1, initializer=_init_worker, initargs=(os.getpid(),))
    try:
        conf, mmapped, inherited = pool.submit(_allocator_settings).result()
    finally:
        pool.close()
    # polars' jemalloc never purges if the worker imports polars (not if it inherited it from this process)
    assert inherited or (conf or "").endswith("dirty_decay_ms:-1,muzzy_decay_ms:-1")
    assert mmapped == 0  # a 16 MiB block came from the heap (glibc's default threshold would mmap it)


def _maps_files() -> bool:
    import dvtools.io.partitions as partitions

    return partitions._MAP_FILES


def test_only_statistics_workers_parse_csv_ranges_from_a_memory_map() -> None:
    """A file truncated under a map raises SIGBUS: a worker may die of it (a one-line error), this process not."""
    from dvtools.statistics.engine import _init_worker

    pool = ForkPool(1, initializer=_init_worker, initargs=(os.getpid(),))
    try:
        assert pool.submit(_maps_files).result() is True
    finally:
        pool.close()
    assert _maps_files() is False
