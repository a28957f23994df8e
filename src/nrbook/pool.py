"""Layout jobs on every core: worker processes forked from the build, sharing its loaded book.

WeasyPrint lays a document out on one core; a book laid out in parts can use them all.
Workers are forked once the sources are loaded and rendered, so they start with the
build context in memory and receive only small jobs (a function and its arguments)
and send back small results. A build that will lay pages out starts them earlier
(``start_early``): they import WeasyPrint while the sources are read, and receive the
context, pickled, when the layouts begin. A job may be pinned to a worker: what a job keeps in the
worker (a laid-out document, which cannot cross processes) a later job can use there.
With one core, or ``NRBOOK_WORKERS=1``, jobs run in the build's own process, in order.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import pickle
import threading
import traceback
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import Any

#: What a job kept for later jobs of the same worker (by name).
kept: dict[str, Any] = {}

Job = tuple[int, Callable[..., Any], tuple[Any, ...]]


class WorkerFailed(RuntimeError):
    """A job raised an exception in a worker: a bug of nrbook, with the worker's trace."""


#: Collection thresholds while laying out. WeasyPrint allocates millions of short-lived
#: objects, and CPython's defaults (700, 10, 10) then scan the young ones very often and
#: the whole heap (the book, WeasyPrint's modules) over and over: 2.3 of the 24 CPU-seconds
#: of the workers on the publishers' guide, 0.4 with these and ``settle_heap``.
LAYOUT_GC_THRESHOLDS = (20_000, 50, 10)


def collect_for_layouts() -> None:
    """Young objects collected less often, as layouts make them by the million."""
    gc.set_threshold(*LAYOUT_GC_THRESHOLDS)


def settle_heap() -> None:
    """Ready a process of layouts for its jobs: the objects it holds now (the build's
    context, the modules) are never scanned again. Only for a process made for layouts:
    a cycle of garbage frozen with the rest would never be freed."""
    gc.freeze()
    collect_for_layouts()


#: Workers started by ``start_early``, that no pool has taken yet: they hold no build.
_early: list[tuple[multiprocessing.Process, Connection]] = []


def start_early() -> None:
    """Start the layout workers now, before the sources are read: the 0.6 s each takes to
    import WeasyPrint then passes while this process loads the book, not after."""
    count = worker_count(len(os.sched_getaffinity(0)))
    if count < 2 or _early:
        return
    context = multiprocessing.get_context("fork")
    for index in range(count):
        mine, theirs = context.Pipe()
        others = [connection for _, connection in _early] + [mine]
        process = context.Process(target=_serve, args=(theirs, None, others), daemon=True,
                                  name=f"nrbook-layout-{index}")
        process.start()
        theirs.close()
        _early.append((process, mine))


def stop_early() -> None:
    """Stop the early workers no pool took (the build failed, or found its layouts cached)."""
    while _early:
        process, connection = _early.pop()
        process.kill()
        connection.close()
        process.join(timeout=5)


def worker_count(jobs: int) -> int:
    wanted = os.environ.get("NRBOOK_WORKERS", "").strip()
    cores = int(wanted) if wanted.isdigit() and int(wanted) > 0 else len(os.sched_getaffinity(0))
    return max(1, min(cores, jobs))


class Pool:
    """Runs ``function(state, *args)`` jobs in forked workers (or inline), results as they end."""

    def __init__(self, state: Any, workers: int):
        self.state = state
        self.workers: list[tuple[multiprocessing.Process, Connection]] = []
        self.idle: set[int] = set()
        self.pending: list[tuple[float, Job, int | None]] = []  # (priority, job, pinned worker)
        self.done: deque[tuple[int, int, Any]] = deque()
        self.next_id = 0
        self.running: dict[int, int] = {}  # worker → job id
        self.used: set[int] = set()  # the workers given a job at least once
        self.handing: dict[int, threading.Thread] = {}  # early workers still being sent the state
        if workers > 1:
            taken = [_early.pop(0) for _ in range(min(workers, len(_early)))]
            stop_early()  # more than this pool needs
            if taken:
                # Sent from threads: an early worker reads its state once WeasyPrint is imported,
                # and this process has its own work to do meanwhile.
                state_bytes = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
                for index, (process, connection) in enumerate(taken):
                    self.handing[index] = threading.Thread(
                        target=_hand_over, args=(connection, state_bytes), daemon=True)
                    self.handing[index].start()
                    self.workers.append((process, connection))
                    self.idle.add(index)
            context = multiprocessing.get_context("fork")
            for index in range(len(taken), workers):
                mine, theirs = context.Pipe()
                # A worker must not hold the other workers' ends: each would keep the others
                # waiting for jobs after the build is gone.
                others = [connection for _, connection in self.workers] + [mine]
                process = context.Process(target=_serve, args=(theirs, state, others), daemon=True,
                                          name=f"nrbook-layout-{index}")
                process.start()
                theirs.close()
                self.workers.append((process, mine))
                self.idle.add(index)

    @property
    def size(self) -> int:
        """How many jobs run at once: one per worker, or one in the build's own process."""
        return max(1, len(self.workers))

    def submit(self, function: Callable[..., Any], *args: Any, worker: int | None = None,
               priority: float = 0) -> int:
        """Queue a job (pinned to ``worker`` if given); return its id.

        A free worker takes the queued job of highest ``priority``, the first queued among
        equals: a long job that becomes ready late does not wait behind short ones.
        """
        job_id = self.next_id
        self.next_id += 1
        if not self.workers:
            self.done.append((job_id, 0, _call(function, self.state, args)))
        else:
            self.pending.append((priority, (job_id, function, args), worker))
            self._dispatch()
        return job_id

    def result(self) -> tuple[int, int, Any]:
        """The next finished job: its id, the worker that ran it, its result."""
        while not self.done:
            if not self.running:
                raise RuntimeError("no job is running")
            connections = {self.workers[w][1]: w for w in self.running}
            for connection in wait(list(connections)):
                worker = connections[connection]
                job_id, ok, value = connection.recv()
                del self.running[worker]
                self.idle.add(worker)
                if not ok:
                    raise WorkerFailed(value)
                self.done.append((job_id, worker, value))
            self._dispatch()
        job_id, worker, value = self.done.popleft()
        if isinstance(value, _Failure):
            raise WorkerFailed(value.trace)
        return job_id, worker, value

    @property
    def busy(self) -> bool:
        return bool(self.running or self.pending or self.done)

    def _dispatch(self) -> None:
        self.pending.sort(key=lambda item: -item[0])  # stable: queued order among equals
        waiting = []
        for priority, job, pinned in self.pending:
            worker = pinned if pinned is not None else (min(self.idle) if self.idle else None)
            if worker is None or worker not in self.idle:
                waiting.append((priority, job, pinned))
                continue
            self.idle.discard(worker)
            self.used.add(worker)
            self.running[worker] = job[0]
            if worker in self.handing:  # the state first, whole, on the same connection
                self.handing.pop(worker).join()
            self.workers[worker][1].send(job)
        self.pending = waiting

    def close(self) -> None:
        for index, (process, _) in enumerate(self.workers):
            if index not in self.used:  # still importing WeasyPrint, perhaps: nothing to wait for
                process.kill()
        for thread in self.handing.values():  # to workers killed above: ends with their end
            thread.join()
        self.handing.clear()
        for process, connection in self.workers:
            try:
                connection.send(None)
            except OSError:
                pass
            connection.close()
        for process, _ in self.workers:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
        self.workers.clear()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, kind, value, trace) -> None:
        if kind is not None:  # interrupted or failed: stop the workers' layouts at once
            for process, _ in self.workers:
                process.kill()
        self.close()


def _end_with_parent() -> None:
    """Be killed with the build, even when it is killed (a preview's cancelled layout): Linux only."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the build ended before the call above
            os._exit(0)
    except (OSError, AttributeError):
        pass


def _hand_over(connection: Connection, state: bytes) -> None:
    try:
        connection.send_bytes(state)
    except OSError:  # the worker was stopped first: the pool did not need it
        pass


class _Failure:
    def __init__(self, trace: str):
        self.trace = trace


def _call(function: Callable[..., Any], state: Any, args: tuple[Any, ...]) -> Any:
    try:
        return function(state, *args)
    except Exception:  # noqa: BLE001 (reported as a bug of nrbook by the caller)
        return _Failure(traceback.format_exc())


def _serve(connection: Connection, state: Any, others: list[Connection]) -> None:
    """A worker: run jobs until told to stop, or until the build is gone.

    An early worker (``state`` None) is sent the build's state before its first job.
    """
    settle_heap()  # the build's objects, inherited
    from .libraries import weasyprint

    for other in others:
        other.close()
    _end_with_parent()

    # The build's terminal display lives in the parent: the workers stay silent.
    weasyprint.PROGRESS_LOGGER.handlers.clear()
    weasyprint.PROGRESS_LOGGER.setLevel(logging.WARNING)
    settle_heap()  # and WeasyPrint's
    try:
        if state is None:
            state = pickle.loads(connection.recv_bytes())
            settle_heap()  # and the build's, received
        while True:
            message = connection.recv()
            if message is None:
                return
            job_id, function, args = message
            value = _call(function, state, args)
            if isinstance(value, _Failure):
                connection.send((job_id, False, value.trace))
            else:
                connection.send((job_id, True, value))
    except (EOFError, KeyboardInterrupt, BrokenPipeError):
        return
    finally:
        os._exit(0)  # no cleanup of the parent's inherited state (atexit, open files)
