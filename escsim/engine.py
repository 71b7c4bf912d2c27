"""One replication, and the seeds of many.

:func:`run_replication` is the one pure, picklable entry point that every executor maps: given a
scenario and a seed it builds a fresh world with its own ``numpy.random.Generator`` and returns a
flat :class:`RunRecord`. Nothing here reads files or touches global state.

Seeds are derived, never counted: replication ``r`` of sweep point ``p`` under root seed ``S``
gets ``SeedSequence(S, spawn_key=(p, r))``, so results do not depend on how the work is split.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from escsim.model.draws import Streams
from escsim.model.world import World
from escsim.records import BASE_COLUMNS, RUNG_DAY_PREFIX, WEAPON_PREFIX
from escsim.scenario.schema import Scenario

#: Replication seeds have this many bits: every integer below 2**53 is exact as a double.
SEED_BITS = 53


def replication_seed(root_seed: int, replication: int, point: int = 0) -> int:
    """The seed of one replication, derived (never counted) from the root seed.

    Args:
        root_seed: the root seed of a simulation or sweep.
        replication: the replication's index.
        point: the sweep point's index (0 outside sweeps).

    Returns:
        The top 53 bits of ``SeedSequence(root_seed, spawn_key=(point, replication))``'s first
        64-bit word: below 2**53, so the seed survives every CSV reader that parses numbers as
        doubles (R, Excel, JavaScript, pandas' float columns) and replays the row exactly.
    """
    ss = np.random.SeedSequence(root_seed, spawn_key=(point, replication))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(64 - SEED_BITS))


def run_columns(scenario: Scenario) -> list[str]:
    """Column names of the records of ``scenario`` (weapons and ladder levels vary)."""
    weapons = [f"{WEAPON_PREFIX}{w}" for w in sorted(scenario.weapons)]
    rungs = [f"{RUNG_DAY_PREFIX}{r.level}" for r in sorted(scenario.ladder.values(),
                                                     key=lambda r: r.level)]
    return [*BASE_COLUMNS, *weapons, *rungs]


@dataclass(frozen=True)
class RunRecord:
    """The report of one replication: a flat row, daily cumulative series, optional event log.

    Attributes:
        row: the replication's run-table row (column name -> value); ``record["attacks"]``
            reads it too.
        daily: per daily series, the cumulative count at the end of each day.
        log: the event log as (day, actor, action, target, outcome) tuples, when traced.
    """

    row: dict[str, Any]
    daily: dict[str, np.ndarray] = field(repr=False)
    log: list[tuple[float, str, str, str, str]] | None = field(default=None, repr=False)

    def __getitem__(self, key: str) -> Any:
        return self.row[key]


def run_replication(scenario: Scenario, seed: int, replication: int = 0, point: int = 0,
                    trace: bool = False) -> RunRecord:
    """Simulate one replication of ``scenario`` from ``seed``.

    The one pure, picklable entry point every executor maps: it builds a fresh world with its
    own random generator, reads no files and touches no global state.

    Args:
        scenario: a loaded scenario (:func:`escsim.load_scenario`).
        seed: the replication's seed (each row of ``runs.csv`` carries its own).
        replication: index copied into the row, for tables.
        point: sweep point index copied into the row, for tables.
        trace: keep the event log (``escsim trace``).

    Returns:
        A :class:`RunRecord`.
    """
    world = World(scenario, Streams(seed), trace=trace)
    world.run()
    return record_of(world, seed, replication, point)


def record_of(world: World, seed: int, replication: int = 0, point: int = 0) -> RunRecord:
    """The :class:`RunRecord` of a world that has run to its end (``world.env.now`` is the end
    day); shared by :func:`run_replication` and the continued histories of :mod:`escsim.tail`.
    """
    scenario = world.scenario
    tables = world.tables
    end_day = float(world.env.now)
    rec = world.recorder
    counts = rec.tally.counts
    extra = rec.extra  # whole counts (ints) by key; a key never counted reads 0
    row: dict[str, Any] = {
        "scenario": scenario.scenario.name,
        "param_hash": scenario.param_hash,
        "point": point,
        "replication": replication,
        "seed": seed,
        "end_day": round(end_day, 4),
        "attacks": counts["attacks"],
        "attacks_in_iraq": extra["attacks_in_iraq"],
        "attacks_in_syria": extra["attacks_in_syria"],
        "attacks_in_jordan": extra["attacks_in_jordan"],
        "intercepted": extra["intercepted"],
        "us_wounded": counts["us_wounded"],
        "us_killed": counts["us_killed"],
        "us_casualties": counts["us_wounded"] + counts["us_killed"],
        "us_strikes": counts["us_strikes"],
        "us_targets_struck": extra["us_targets_struck"],
        "leadership_strikes": counts["leadership_strikes"],
        "major_us_strikes": counts["major_us_strikes"],
        "militia_killed": counts["militia_killed"],
        "iran_personnel_killed": counts["iran_personnel_killed"],
        "iran_senior_commanders_killed": extra["iran_senior_commanders_killed"],
        "iran_direct_attacks": counts["iran_direct_attacks"],
        "us_strikes_on_iran": counts["us_strikes_on_iran"],
        "israeli_strikes_on_iran": counts["israeli_strikes_on_iran"],
        "restraint_orders": counts["restraint_orders"],
        "defections": extra["defections"],
        "days_under_restraint": round(world.iran.restraining_days(end_day), 4),
        "troops_end": sum(world.us.troops.values()),
        "max_rung": rec.tally.max_rung,
    }
    for _, column in tables.weapon_columns:
        row[column] = extra[column]
    rung_day = rec.tally.rung_day
    for level, column in tables.rung_columns:
        day = rung_day.get(level)
        row[column] = None if day is None else round(day, 4)
    return RunRecord(row=row, daily=rec.daily(tables.horizon), log=rec.log)


def day_to_date(scenario: Scenario, day: float) -> dt.date:
    """The calendar date of simulation day ``day``."""
    return scenario.scenario.start_date + dt.timedelta(days=int(day))
