"""What every executor is: ``map_unordered(fn, items)`` over picklable items, as a context manager.

An executor maps the one work function (:func:`escsim.sweep.work.run_chunk`) over chunks and
yields results as they finish, in any order. Results carry their indices and seeds, so the tables
written from them depend on neither the executor, the number of workers nor the order of
completion.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any


def available_cores() -> int:
    """Cores this process may use (respects CPU affinity where the OS reports it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


class Executor:
    """The executor interface; ``with make_executor(...) as ex:`` closes it on the way out."""

    #: Name written into manifests (``serial``, ``process``, ``dask``).
    name = "executor"
    #: Chunks that run at once.
    workers = 1

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]
                      ) -> Iterator[Any]:  # pragma: no cover - interface
        """``fn(item)`` for every item, yielded as each finishes."""
        raise NotImplementedError

    def close(self) -> None:
        """Release workers and connections."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
