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
what one plain replication run from day 0 to its next level (or its end) costs; copying a world
instead would save that but would need every pending closure and the event queue copied
consistently, and would break whenever a mechanism changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from escsim.engine import RunRecord, record_of
from escsim.model.draws import Streams
from escsim.model.world import World
from escsim.scenario.schema import Scenario
from escsim.tail.levels import LevelPlan


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


def clone_key(level: int, key: int) -> tuple[int, int]:
    """The stream prefix of clone ``key`` of a history at rung ``level``: every purpose's stream
    of the clone is ``SeedSequence(seed, spawn_key=(level, key, purpose))``, independent of the
    base streams (``spawn_key=(purpose,)``) and of every other clone's
    (:meth:`escsim.model.draws.Streams.reseed`)."""
    return (level, key)


class _LevelWatch:
    """Listens to the tally: tracks phi, the highest rung at or below the target reached so
    far, and switches the random stream at the crossings the recipe lists."""

    __slots__ = ("target", "phi", "levels", "pending", "streams", "seed")

    def __init__(self, plan: LevelPlan, recipe: Recipe, streams: Streams):
        self.target = plan.target
        self.levels = plan.levels
        self.phi = 0
        self.pending = list(recipe.switches)
        self.streams = streams
        self.seed = recipe.seed

    def __call__(self, level: int, now: float) -> None:
        if self.phi < level <= self.target:
            self.phi = level
            pending = self.pending
            while pending and level >= self.levels[pending[0][0]]:
                index, key = pending.pop(0)
                self.streams.reseed(clone_key(self.levels[index], key))


@dataclass(frozen=True)
class Continuation:
    """Where a continued history stopped.

    Attributes:
        crossed: whether it crossed the stop level before the run ended.
        day: the simulation day it stopped (crossing or end of run).
        phi: the highest rung at or below the target reached by then.
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
    world.recorder.tally.on_reach = watch
    stop_level = plan.levels[stop_index] if stop_index is not None else plan.target + 1
    env, end = world.env, world.end
    step = env.step
    while watch.phi < stop_level and end.callbacks is not None:  # None: the end was processed
        step()
    return Continuation(watch.phi >= stop_level, float(env.now), watch.phi), world


def record_of_recipe(scenario: Scenario, plan: LevelPlan, recipe: Recipe,
                     trace: bool = False) -> RunRecord:
    """The full :class:`RunRecord` of a continued history run to its end (for tests and
    inspection: the estimator itself stops each history at its next level)."""
    _, world = continue_history(scenario, plan, recipe, None, trace=trace)
    return record_of(world, recipe.seed)
