"""A local process pool: the command line's default executor."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from escsim.executors.base import Executor, available_cores
from escsim.plugins import with_policy_modules

#: How often a worker checks that its parent is alive where the kernel cannot tell it (seconds).
PARENT_CHECK_SECONDS = 1.0
_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """End this worker when ``parent`` dies, even by kill -9 (which runs no clean-up in the
    parent): on Linux the kernel sends SIGKILL (``prctl(PR_SET_PDEATHSIG)``); elsewhere a daemon
    thread watches ``os.getppid()``. Without this, workers of a killed run live on."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != parent:  # the parent died before the prctl took effect
                    os._exit(1)
                return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="escsim-parent-watch", daemon=True).start()


def _worker_start(parent: int) -> None:
    """Workers ignore Ctrl-C (the terminal sends it to the whole process group): the parent
    stops submitting, keeps what finished and shuts the pool down, without a traceback from
    every worker. SIGTERM ends a worker (the parent's handler, which stops a run as Ctrl-C does,
    is not inherited). And they die with their parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with(parent)


class ProcessExecutor(Executor):
    """A local process pool; at most ``2 x workers`` chunks are in flight, so memory stays flat."""

    name = "process"

    def __init__(self, workers: int | None = None):
        self.workers = workers or available_cores()
        self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_worker_start,
                                         initargs=(os.getpid(),))

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        fn = with_policy_modules(fn)  # the workers import the user's policy modules first
        it = iter(items)
        pending: set[Future[Any]] = set()
        try:
            for item in it:
                pending.add(self._pool.submit(fn, item))
                if len(pending) >= 2 * self.workers:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for f in done:
                        yield f.result()
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    yield f.result()
        finally:
            for f in pending:
                f.cancel()

    def close(self) -> None:
        if getattr(self._pool, "_broken", False):
            self._kill_workers()
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _kill_workers(self) -> None:
        """A broken pool (a worker died): the other workers are killed, not asked to stop.

        The pool sends them SIGTERM and then waits for its feeder thread to write the queued
        tasks; a worker that is still alive but blocked (on the queue's lock, held by the
        killed one) reads nothing, so a feeder stuck on a full pipe of large task payloads
        would wait for ever, and so would the shutdown (CPython gh-94777 closes only the
        parent's end of that pipe). With every worker gone the pipe has no reader left, the
        write fails and the shutdown ends."""
        processes = getattr(self._pool, "_processes", None) or {}
        for process in list(processes.values()):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                process.kill()
