"""Continuing a history with a new random stream: cloning by replay.

A replication is a deterministic function of its seed, so the state of a history at the moment
it crosses a level is rebuilt exactly by re-running the seed up to that moment (the actors are
SimPy callback chains; their pending timeouts, closures and the event queue are not copied,
they are re-created). A history is therefore named by a :class:`Recipe`: its base seed and, for
each level it has been cloned at, the key of the stream it continued with. Re-running a recipe
listens to the tally (``Tally.on_reach``) and, at the instant each listed level is crossed,
switches the replication's random streams to the clone's
(:meth:`~escsim.model.draws.Streams.reseed`, the one hook in the model), then carries on.

The switch happens at the crossing itself, inside the event that caused it, so the draws that
event makes *after* the counter rose (the US decision whether to answer an Iranian salvo, Iran's
decision whether to retaliate) already differ between clones; switching only at the end of the
event would give every clone of a state the same decision and make them far more correlated.
Numbers drawn *before* the crossing and held as pending timeouts (a group's next attack, a
strike already ordered) are part of the state at the crossing and are shared by its clones.

Replaying costs the simulated time up to the crossing again for every clone, so a clone costs
what one plain replication run from day 0 to its next level (or its end) costs. A copy of the
world at the crossing (``copy.deepcopy`` works) would save the prefix, about half a replication
at the levels that matter, but costs more than that: 1.2 replications measured
(``benchmarks/bench_tail.py snapshot``).

Levels that are conditions rather than rungs are watched by :class:`_LevelTally`, the model's
tally with the conditions added as rungs it reports to the watch instead of recording, so the
record of a replayed history is the plain replication's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from escsim.engine import RunRecord, record_of
from escsim.model.draws import Streams
from escsim.model.ladder import Tally, _CompiledRung
from escsim.model.world import World
from escsim.scenario.schema import Rung, Scenario
from escsim.tail.levels import LevelPlan, split_deadline


@dataclass(frozen=True)
class Recipe:
    """How to rebuild a history: its base seed and the streams it was continued with.

    Attributes:
        seed: the seed the history starts from (as in ``run_replication``).
        switches: (level index j, stream key) pairs, in increasing j: at the event at which
            the history crosses ``plan.levels[j]``, it continues with the streams of
            :func:`clone_key` ``(plan.levels[j], key)``.
    """

    seed: int
    switches: tuple[tuple[int, int], ...] = ()

    def cloned(self, level_index: int, key: int) -> Recipe:
        """This history continued, after crossing level ``level_index``, with stream ``key``."""
        return Recipe(self.seed, (*self.switches, (level_index, key)))


def clone_key(position: int, key: int) -> tuple[int, int]:
    """The stream prefix of clone ``key`` of a history at the level at ``position`` of the
    plan's order: every purpose's stream of the clone is ``SeedSequence(seed,
    spawn_key=(position, key, purpose))``, independent of the base streams
    (``spawn_key=(purpose,)``) and of every other clone's
    (:meth:`escsim.model.draws.Streams.reseed`)."""
    return (position, key)


class _LevelWatch:
    """Tracks phi, the position in the plan's order of the last level whose condition has
    held, and switches the random stream at the crossings the recipe lists. The tally calls it
    with a rung's level when the rung is reached; :class:`_LevelTally` calls :meth:`reach`
    with a condition level's position."""

    __slots__ = ("rungs", "cuts", "phi", "pending", "streams")

    def __init__(self, plan: LevelPlan, recipe: Recipe, streams: Streams):
        #: rung level -> its position (rungs above the target do not move phi)
        self.rungs = {lv: plan.position(lv) for lv in plan.order if isinstance(lv, int)}
        #: the position of each level split at
        self.cuts = tuple(plan.position(lv) for lv in plan.levels)
        self.phi = 0
        self.pending = list(recipe.switches)
        self.streams = streams

    def reach(self, position: int) -> None:
        if position > self.phi:
            self.phi = position
            pending = self.pending
            while pending and position >= self.cuts[pending[0][0]]:
                index, key = pending.pop(0)
                self.streams.reseed(clone_key(self.cuts[index], key))

    def __call__(self, level: int, now: float) -> None:
        position = self.rungs.get(level)
        if position is not None:
            self.reach(position)


class _LevelTally(Tally):
    """The run's tally, also watching the plan's condition levels: each is checked as a rung
    is (first passage: reported once, when all its terms first hold) but reported to the
    watch instead of being recorded as a rung, so the run's record is unchanged."""

    def __init__(self, ladder: dict[str, Rung], on_end: Callable[[], None], plan: LevelPlan,
                 watch: _LevelWatch):
        super().__init__(ladder, on_end)
        self.watch = watch
        #: condition level's position -> its deadline (a day), for levels that carry one
        self.deadlines: dict[int, float] = {}
        for text in plan.conditions:
            condition, deadline = split_deadline(text)
            # a negative level marks a condition level (rung levels are 0 or more)
            mark = _CompiledRung(text, Rung(level=-plan.position(text), condition=condition))
            if deadline is not None:
                self.deadlines[plan.position(text)] = deadline
            if mark.at_start:  # every threshold 0: holds before anything happens
                watch.reach(plan.position(text))
                continue
            for term in mark.terms:
                self._watch.setdefault(term.counter, []).append(mark)
                if term.window_days is not None:
                    self._stamps.setdefault(term.counter, [])
                self.live.add(term.counter)

    def _reach(self, rung: _CompiledRung, now: float) -> None:
        if rung.level >= 0:
            super()._reach(rung, now)
            return
        self._forget(rung)
        # first passage at or after its deadline: the level is never crossed
        if now < self.deadlines.get(-rung.level, math.inf):
            self.watch.reach(-rung.level)


@dataclass(frozen=True)
class Continuation:
    """Where a continued history stopped.

    Attributes:
        crossed: whether it crossed the stop level before the run ended.
        day: the simulation day it stopped (crossing or end of run).
        phi: the position in the plan's order of the last level whose condition held.
    """

    crossed: bool
    day: float
    phi: int


def continue_history(scenario: Scenario, plan: LevelPlan, recipe: Recipe,
                     stop_index: int | None, *, trace: bool = False
                     ) -> tuple[Continuation, World]:
    """Re-run ``recipe`` until it crosses ``plan.levels[stop_index]`` or the run ends.

    Args:
        scenario: the scenario (the same one every stage of an estimate uses).
        plan: the levels.
        recipe: the history; every switch level index must be below ``stop_index``.
        stop_index: the level at which to stop; ``None`` runs to the end of the replication
            (``World.run``'s end), e.g. to take its :class:`RunRecord`.
        trace: keep the event log.

    Returns:
        The :class:`Continuation` and the world, paused where it stopped.
    """
    world = World(scenario, Streams(recipe.seed), trace=trace)
    watch = _LevelWatch(plan, recipe, world.streams)
    recorder = world.recorder
    if any(recorder.tally.counts.values()):  # nothing happens before the first step
        raise RuntimeError("a counter rose while the world was built")
    tally = _LevelTally(scenario.ladder, recorder.tally._on_end, plan, watch)
    recorder.tally = tally
    for level in sorted(tally.rung_day):  # rungs that hold from day 0
        watch(level, 0.0)
    tally.on_reach = watch
    stop = watch.cuts[stop_index] if stop_index is not None else len(plan.order) + 1
    env, end = world.env, world.end
    step = env.step
    while watch.phi < stop and end.callbacks is not None:  # None: the end was processed
        step()
    return Continuation(watch.phi >= stop, float(env.now), watch.phi), world


def record_of_recipe(scenario: Scenario, plan: LevelPlan, recipe: Recipe,
                     trace: bool = False) -> RunRecord:
    """The full :class:`RunRecord` of a continued history run to its end (for tests and
    inspection: the estimator itself stops each history at its next level)."""
    _, world = continue_history(scenario, plan, recipe, None, trace=trace)
    return record_of(world, recipe.seed)
