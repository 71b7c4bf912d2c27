"""The one unit of work: a chunk of (point, replication) pairs, and the function that runs it.

Every batch escsim runs -- the replications of ``escsim run``, the points of a sweep, the runs of
a backtest, the candidates of a calibration -- is cut into :class:`Chunk` objects and mapped,
through one of :mod:`escsim.executors`, over :func:`run_chunk`: pure, picklable, and the
only caller of :func:`escsim.engine.run_replication` outside tracing. A chunk carries what its
replications need (base scenarios, checked patches, parameter draws, root seed) and nothing of the
caller, so a result depends on neither the executor, the number of workers nor the chunking.

Replication ``r`` of a task gets ``replication_seed(root_seed, r, seed_key)``: a sweep's
``seed_key`` is the design point (scenarios at one design point share seeds: a paired
comparison), a calibration's is its generation, a single run's is 0.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

from escsim.analysis.daily import DailyTally
from escsim.engine import replication_seed, run_replication
from escsim.records import DAILY_SERIES
from escsim.scenario.schema import Scenario
from escsim.sweep.points import Patch, apply_patch, build_point

#: What a chunk returns of the runs' daily series: nothing, their tally (flat memory), or each
#: run's arrays (a backtest and a calibration compare them with the record).
DailyMode = Literal["none", "tally", "series"]


class ParameterDraws(Protocol):
    """Draws a replication's uncertain parameters from its seed (see escsim.scenario.priors)."""

    def scenario_for(self, scenario: Scenario, seed: int) -> tuple[Scenario, dict[str, float]]:
        """The replication's scenario and the drawn values (extra run-table columns)."""
        ...


@dataclass(frozen=True)
class Task:
    """Replications ``start..stop-1`` of one point: a base scenario and a checked patch."""

    point: int
    seed_key: int
    base: int  # index into Chunk.bases
    patch: Patch
    prefix: tuple[Any, ...]  # leading cells of every row (a sweep's point and swept values)
    start: int
    stop: int


@dataclass(frozen=True)
class Chunk:
    """One unit of work: consecutive tasks, and what to return of them.

    Attributes:
        chunk_id: the chunk's index (its part file, its place in the tables).
        root_seed: every replication's seed derives from it.
        bases: the base scenarios the tasks patch.
        tasks: the replications to run.
        run_columns: the run-table columns each row carries after the task's prefix.
        draws: per base, what its replications draw (``--parameter-uncertainty``); empty:
            nothing drawn.
        daily: ``none``, ``tally`` or ``series`` (see :data:`DailyMode`).
        hash_points: give each patched point its own ``param_hash`` (sweeps); a calibration's
            candidates keep their base's.
    """

    chunk_id: int
    root_seed: int
    bases: tuple[Scenario, ...]
    tasks: tuple[Task, ...]
    run_columns: tuple[str, ...]
    draws: tuple[ParameterDraws | None, ...] = ()
    daily: DailyMode = "none"
    hash_points: bool = True


@dataclass(frozen=True)
class ChunkOutput:
    """The rows of a chunk (in task and replication order) and how it ran: ``seconds`` of wall
    time and ``cpu_seconds`` of the worker's CPU time (more CPU for the same chunk on a busier
    machine is the hardware's, not the work's: a replication's work is fixed by its seed)."""

    chunk_id: int
    rows: list[list[Any]]
    seconds: float
    worker: str
    #: The daily series: a tally (``daily="tally"``), one dict per row (``"series"``) or None.
    daily: DailyTally | list[dict[str, np.ndarray]] | None = None
    cpu_seconds: float = 0.0


def run_chunk(chunk: Chunk) -> ChunkOutput:
    """Run one chunk; pure and picklable, so any executor can map it."""
    started, started_cpu = time.perf_counter(), time.process_time()
    rows: list[list[Any]] = []
    tally: DailyTally | None = None
    series: list[dict[str, np.ndarray]] = []
    for task in chunk.tasks:
        base = chunk.bases[task.base]
        scenario = build_point(base, task.patch) if chunk.hash_points else \
            apply_patch(base, task.patch)
        draws = chunk.draws[task.base] if chunk.draws else None
        for r in range(task.start, task.stop):
            seed = replication_seed(chunk.root_seed, r, task.seed_key)
            if draws is None:
                rec = run_replication(scenario, seed, replication=r, point=task.point)
            else:  # the point's own values stand; the free uncertain ones are drawn
                drawn_scenario, drawn = draws.scenario_for(scenario, seed)
                rec = run_replication(drawn_scenario, seed, replication=r, point=task.point)
                rec.row.update(drawn)
            rows.append([*task.prefix, *(rec.row.get(c) for c in chunk.run_columns)])
            if chunk.daily != "none":
                series.append(rec.daily)
    if chunk.daily == "tally" and series:  # one bincount per series for the whole chunk
        tally = DailyTally(len(series[0][DAILY_SERIES[0]]), DAILY_SERIES)
        tally.add_many({s: np.stack([d[s] for d in series]) for s in DAILY_SERIES})
    daily: DailyTally | list[dict[str, np.ndarray]] | None = (
        tally if chunk.daily == "tally" else series if chunk.daily == "series" else None)
    return ChunkOutput(chunk.chunk_id, rows, time.perf_counter() - started,
                       f"{socket.gethostname()}:{os.getpid()}", daily,
                       time.process_time() - started_cpu)
