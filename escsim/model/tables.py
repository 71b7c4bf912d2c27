"""What a scenario's replications share: tables built once per scenario object, not once per
replication.

A chunk of work runs many replications of one scenario (or of one sweep point); everything a
replication reads but never changes -- each group's weapon table, the weapons' and sites' record
keys, the timeline's ordered events, the run table's column names -- is built on the first
replication and kept with the scenario's identity (a scenario is not changed after loading).
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from itertools import accumulate

from escsim.records import RUNG_DAY_PREFIX, WEAPON_PREFIX
from escsim.scenario.schema import Event, Scenario

#: Tables kept at most for this many scenarios (a sweep's chunk holds a few points at a time).
KEEP = 64


@dataclass(frozen=True)
class ScenarioTables:
    """The read-only tables of one scenario.

    Attributes:
        weapon_tables: per militia group, its weapons and the cumulative shares to bisect in
            (all but the last, so the index is 0..n-1).
        weapon_keys: per weapon, its run-table column.
        where_keys: per site, the run-table column of its country's attacks.
        events: the timeline's events in order (date, then name), with each one's day from the
            start (negative: before it).
        weapon_columns: the weapon columns of the run table, sorted.
        rung_columns: (level, column) of each rung, by level.
        horizon: the horizon in whole days (the daily series' length).
    """

    weapon_tables: dict[str, tuple[list[str], list[float]]]
    weapon_keys: dict[str, str]
    where_keys: dict[str, str]
    events: tuple[tuple[str, Event, int], ...]
    weapon_columns: tuple[tuple[str, str], ...]
    rung_columns: tuple[tuple[int, str], ...]
    horizon: int


_KEPT: dict[int, tuple[weakref.ref[Scenario], ScenarioTables]] = {}


def tables_of(scenario: Scenario) -> ScenarioTables:
    """The tables of ``scenario``, built on first use."""
    kept = _KEPT.get(id(scenario))
    if kept is not None and kept[0]() is scenario:
        return kept[1]
    if len(_KEPT) >= KEEP:
        _KEPT.clear()
    tables = _build(scenario)
    _KEPT[id(scenario)] = (weakref.ref(scenario), tables)
    return tables


def _build(s: Scenario) -> ScenarioTables:
    weapon_tables = {}
    for name, group in s.militias.items():
        total = sum(group.weapon_mix.values())
        cumulative = [c / total for c in accumulate(group.weapon_mix.values())]
        weapon_tables[name] = (list(group.weapon_mix), cumulative[:-1])
    start = s.scenario.start_date
    events = tuple((name, event, (event.date - start).days)
                   for name, event in sorted(s.events.items(),
                                             key=lambda kv: (kv[1].date, kv[0])))
    return ScenarioTables(
        weapon_tables=weapon_tables,
        weapon_keys={w: f"{WEAPON_PREFIX}{w}" for w in s.weapons},
        where_keys={n: f"attacks_in_{site.country}" for n, site in s.sites.items()},
        events=events,
        weapon_columns=tuple((w, f"{WEAPON_PREFIX}{w}") for w in sorted(s.weapons)),
        rung_columns=tuple((r.level, f"{RUNG_DAY_PREFIX}{r.level}")
                           for r in sorted(s.ladder.values(), key=lambda r: r.level)),
        horizon=math.ceil(s.scenario.horizon_days))
