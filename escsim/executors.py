"""Executors: map the one picklable chunk function over chunks of work.

Every executor runs :func:`run_chunk` (which calls :func:`escsim.engine.run_replication`) over
chunks of replications and yields results as they finish, in any order. Results carry their
indices and seeds, so the tables written from them do not depend on the executor, the number of
workers or the order of completion.

* :class:`SerialExecutor`: in-process; the default inside notebooks.
* :class:`ProcessExecutor`: a local process pool; the default on the command line.
* :class:`DaskExecutor`: a Dask distributed cluster (``pip install escsim[dask]``), or a local
  Dask cluster when no scheduler address is given.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Protocol

from escsim.engine import RunRecord, replication_seed, run_replication
from escsim.scenario.schema import Scenario


class ParameterDraws(Protocol):
    """Draws a replication's uncertain parameters from its seed (see escsim.uncertainty)."""

    def scenario_for(self, scenario: Scenario, seed: int) -> tuple[Scenario, dict[str, float]]:
        """The replication's scenario and the drawn values (extra run-table columns)."""
        ...


@dataclass(frozen=True)
class Chunk:
    """Replications ``start..stop-1`` of sweep point ``point`` of ``scenario``."""

    scenario: Scenario
    root_seed: int
    point: int
    start: int
    stop: int
    chunk_id: int = 0
    keep_daily: bool = True
    #: Optional: draw each replication's uncertain parameters (``--parameter-uncertainty``).
    parameters: ParameterDraws | None = None


@dataclass(frozen=True)
class ChunkResult:
    chunk: Chunk
    records: list[RunRecord]


def run_chunk(chunk: Chunk) -> ChunkResult:
    """Run one chunk of replications; pure and picklable, so any executor can map it."""
    records = []
    for r in range(chunk.start, chunk.stop):
        seed = replication_seed(chunk.root_seed, r, chunk.point)
        scenario, drawn = chunk.scenario, None
        if chunk.parameters is not None:
            scenario, drawn = chunk.parameters.scenario_for(chunk.scenario, seed)
        rec = run_replication(scenario, seed, replication=r, point=chunk.point)
        if drawn:
            rec.row.update(drawn)
        if not chunk.keep_daily:
            rec = RunRecord(row=rec.row, daily={})
        records.append(rec)
    return ChunkResult(chunk, records)


def available_cores() -> int:
    """Cores this process may use (respects CPU affinity where the OS reports it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


class SerialExecutor:
    """Run chunks one after another in this process."""

    name = "serial"
    workers = 1

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        for item in items:
            yield fn(item)

    def close(self) -> None:
        pass


def _leave_ctrl_c_to_the_parent() -> None:
    """Workers ignore Ctrl-C (the terminal sends it to the whole process group): the parent
    stops submitting, keeps what finished and shuts the pool down, without a traceback from
    every worker."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ProcessExecutor:
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


def make_executor(kind: str = "process", workers: int | None = None,
                  scheduler: str | None = None) -> Any:
    """An executor by name: ``serial``, ``process`` or ``dask``."""
    if kind == "serial" or (kind == "process" and workers == 1):
        return SerialExecutor()
    if kind == "process":
        return ProcessExecutor(workers)
    if kind == "dask":
        from escsim.dask_executor import DaskExecutor  # optional dependency

        return DaskExecutor(workers=workers, scheduler=scheduler)
    raise ValueError(f"unknown executor {kind!r}; expected serial, process or dask")


def chunks_for(scenario: Scenario, runs: int, root_seed: int, point: int = 0,
               chunk_size: int | None = None, keep_daily: bool = True,
               first_id: int = 0, parameters: ParameterDraws | None = None) -> list[Chunk]:
    """Split ``runs`` replications of one point into chunks."""
    size = chunk_size or max(1, min(200, runs // 16 or 1))
    return [Chunk(scenario, root_seed, point, s, min(s + size, runs), first_id + i, keep_daily,
                  parameters)
            for i, s in enumerate(range(0, runs, size))]
