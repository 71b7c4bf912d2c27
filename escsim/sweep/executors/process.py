"""A local process pool: the command line's default executor."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from escsim.sweep.executors.base import Executor, available_cores


def _leave_ctrl_c_to_the_parent() -> None:
    """Workers ignore Ctrl-C (the terminal sends it to the whole process group): the parent
    stops submitting, keeps what finished and shuts the pool down, without a traceback from
    every worker."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ProcessExecutor(Executor):
    """A local process pool; at most ``2 x workers`` chunks are in flight, so memory stays flat."""

    name = "process"

    def __init__(self, workers: int | None = None):
        self.workers = workers or available_cores()
        self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                         initializer=_leave_ctrl_c_to_the_parent)

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
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
        self._pool.shutdown(wait=True, cancel_futures=True)
