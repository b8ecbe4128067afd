"""A small pool of forked worker processes, driven from the calling thread.

Why not :class:`concurrent.futures.ProcessPoolExecutor`: its manager thread reads every result from
one shared queue. A worker killed while writing a result (Ctrl-C, out of memory) leaves half a
message in that queue; the manager thread then blocks forever and the interpreter hangs at exit
joining it, and workers it forks as replacements can outlive the pass. Here each worker has its own
socket pair and nothing runs in the background: results are read only while the caller waits or
polls, a dead worker's socket reads as end-of-file (never half a message), and :meth:`ForkPool.kill`
ends every worker and reaps it before returning.

Tasks are picklable callables; a worker keeps at most ``depth`` of them queued on its socket, so it
starts the next as soon as it sends a result, while the caller is still merging the last one.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any


class WorkerDied(RuntimeError):
    """A worker process ended without sending its task's result (killed, out of memory)."""


class Task:
    """The pending result of a callable submitted to a :class:`ForkPool` (the ``Future`` subset the engine uses)."""

    __slots__ = ("_fn", "_pool", "_state", "_value")

    def __init__(self, pool: ForkPool, fn: Callable[[], Any]) -> None:
        self._pool = pool
        self._fn: Callable[[], Any] | None = fn
        self._state = "pending"  # pending -> sent -> done | failed; pending -> cancelled
        self._value: Any = None

    def _settle(self, state: str, value: Any) -> None:
        self._fn, self._state, self._value = None, state, value

    def done(self) -> bool:
        """Whether the result is in (reads whatever results have arrived, without waiting)."""
        if self._state in ("pending", "sent"):
            self._pool._poll(0)
        return self._state in ("done", "failed", "cancelled")

    def cancel(self) -> bool:
        """Drop the task if no worker has it yet."""
        if self._state == "pending":
            self._pool._queue.remove(self)
            self._state = "cancelled"
        return self._state == "cancelled"

    def cancelled(self) -> bool:
        """Whether :meth:`cancel` dropped the task."""
        return self._state == "cancelled"

    def result(self) -> Any:
        """The task's return value (waits for it); the task's exception, or :class:`WorkerDied`, is raised."""
        while self._state in ("pending", "sent"):
            self._pool._poll(None)
        if self._state == "cancelled":
            raise RuntimeError("the task was cancelled")
        if self._state == "failed":
            raise self._value
        return self._value


class _Worker:
    __slots__ = ("conn", "process", "sent")

    def __init__(self, conn: Any, process: Any) -> None:
        self.conn = conn
        self.process = process
        self.sent: deque[Task] = deque()


def _serve(conn: Any, others: list[Any], initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    """A worker's loop: run each task received, send back ``(ok, value)``; ``None`` or end-of-file ends it."""
    for other in others:  # the parent's ends of earlier workers' sockets, inherited by the fork
        other.close()
    if initializer is not None:
        initializer(*initargs)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            reply: tuple[bool, Any] = (True, task())
        except Exception as exc:  # noqa: BLE001 - travels back to be raised in the parent
            reply = (False, exc)
        try:
            conn.send(reply)
        except Exception as exc:  # noqa: BLE001 - an unpicklable value or exception: say what it was
            conn.send((False, RuntimeError(f"a worker's result could not be sent back: {exc}")))


class ForkPool:
    """``workers`` processes forked now (so before the caller starts any thread), each with its own socket."""

    def __init__(self, workers: int, *, initializer: Callable[..., None] | None = None,
                 initargs: tuple[Any, ...] = (), depth: int = 2) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self.depth = depth
        self._queue: deque[Task] = deque()
        self._workers: list[_Worker] = []
        self._error: WorkerDied | None = None  # set when a worker died: every later task fails with it
        try:
            for _ in range(workers):
                mine, theirs = context.Pipe(duplex=True)
                process = context.Process(target=_serve, name="dvtools-fold",
                                          args=(theirs, [w.conn for w in self._workers] + [mine], initializer, initargs),
                                          daemon=True)
                process.start()
                theirs.close()  # only the worker holds its end: its death reads as end-of-file here
                self._workers.append(_Worker(mine, process))
        except BaseException:
            self.kill()
            raise

    @property
    def processes(self) -> list[Any]:
        """The worker processes (``multiprocessing.Process``)."""
        return [w.process for w in self._workers]

    def submit(self, fn: Callable[[], Any]) -> Task:
        """Queue ``fn`` (picklable, no arguments) for the next worker with room."""
        task = Task(self, fn)
        if self._error is not None or not self._workers:
            task._settle("failed", self._error or WorkerDied("the worker pool is stopped"))
            return task
        self._queue.append(task)
        self._dispatch()
        return task

    def _dispatch(self) -> None:
        while self._queue:
            worker = min(self._workers, key=lambda w: len(w.sent))
            if len(worker.sent) >= self.depth:
                return
            task = self._queue[0]
            try:
                worker.conn.send(task._fn)
            except OSError:  # the worker is gone
                self._break(WorkerDied(f"worker process {worker.process.pid} ended unexpectedly"))
                return
            self._queue.popleft()
            task._fn, task._state = None, "sent"
            worker.sent.append(task)

    def _poll(self, timeout: float | None) -> None:
        """Read the results that have arrived (waiting up to ``timeout`` for one; None: until one arrives)."""
        from multiprocessing.connection import wait

        busy = [w for w in self._workers if w.sent]
        if not busy:
            if self._queue:  # pragma: no cover - every queued task is sent while a worker has room
                raise AssertionError("queued tasks but no worker holds any")
            return
        for conn in wait([w.conn for w in busy], timeout):
            worker = next(w for w in busy if w.conn is conn)
            try:
                ok, value = conn.recv()
            except (EOFError, OSError):  # its task stays in ``sent`` and fails with the others
                self._break(WorkerDied(f"worker process {worker.process.pid} ended unexpectedly"))
                return
            task = worker.sent.popleft()
            task._settle("done" if ok else "failed", value)
        self._dispatch()

    def _break(self, error: WorkerDied) -> None:
        """A worker died: the pool stops, and every unfinished task fails with ``error``."""
        self._error = error
        self.kill()

    def close(self) -> None:
        """Let the workers finish what they hold, then end them (killed after 10 s)."""
        for worker in self._workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in self._workers:
            worker.process.join(10)
        self.kill()

    def kill(self) -> None:
        """End every worker now (SIGKILL) and reap it; unfinished tasks fail (:class:`WorkerDied`)."""
        error = self._error or WorkerDied("the worker pool was stopped")
        unfinished = [task for worker in self._workers for task in worker.sent] + list(self._queue)
        for task in unfinished:
            task._settle("failed", error)
        for worker in self._workers:
            if worker.process.is_alive():
                worker.process.kill()
        for worker in self._workers:
            worker.process.join()
            worker.process.close()
            worker.conn.close()
        self._workers = []
        self._queue.clear()

