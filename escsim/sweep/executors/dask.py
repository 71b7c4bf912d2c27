"""A Dask distributed executor: the same ``map_unordered(fn, items)`` as the local ones.

``DaskExecutor(scheduler="tcp://host:8786")`` sends chunks to an existing cluster (its workers
need escsim installed, at the same version); without an address it starts a local Dask cluster
of ``workers`` single-threaded processes (or threads, with ``processes=False``). Dask is an
optional dependency: ``pip install escsim[dask]``.

At most ``2 x workers`` chunks are in flight at once, so the parent's memory stays flat however
long the sweep; results come back in the order they finish, which the tables do not depend on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from escsim.errors import InputError
from escsim.sweep.executors.base import Executor, available_cores


class DaskExecutor(Executor):
    """Run chunks on a Dask distributed cluster (or a local one)."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None,
                 processes: bool = True, connect_timeout_seconds: float = 10.0):
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - exercised only without the extra
            raise InputError("the Dask executor needs Dask", key="--executor", value="dask",
                             expected="pip install 'escsim[dask]'") from None
        self._cluster: Any = None
        self.scheduler_address = scheduler
        if scheduler:
            try:
                self._client = Client(scheduler, timeout=connect_timeout_seconds)
            except (OSError, TimeoutError) as exc:
                raise InputError(f"cannot reach the Dask scheduler: {exc}", key="--scheduler",
                                 value=scheduler,
                                 expected="the address of a running scheduler, e.g. "
                                          "tcp://10.0.0.5:8786") from None
        else:
            self._cluster = LocalCluster(n_workers=workers or available_cores(),
                                         threads_per_worker=1, processes=processes,
                                         dashboard_address=None, silence_logs=logging.ERROR)
            self._client = Client(self._cluster)
            self.scheduler_address = None
        nthreads = self._client.nthreads()
        self.workers = max(1, sum(nthreads.values()))

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        from distributed import as_completed

        it = iter(items)
        limit = 2 * self.workers
        pending = as_completed()
        in_flight = 0
        try:
            for item in it:
                pending.add(self._client.submit(fn, item, pure=False))
                in_flight += 1
                if in_flight >= limit:
                    future = next(pending)
                    in_flight -= 1
                    yield future.result()
            for future in pending:
                yield future.result()
        finally:
            futures = list(pending.futures)
            if futures:
                self._client.cancel(futures)

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()
