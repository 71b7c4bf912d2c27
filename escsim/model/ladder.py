"""The escalation ladder and the counters its conditions test.

The :class:`Tally` holds every counter of the run (attacks, US wounded, strike rounds, ...). Each
increment goes through :meth:`Tally.add`, which checks only the rungs that watch that counter and
are not yet reached, so a counter whose rungs are all reached costs a dict update and a set lookup.
Conditions are parsed once per text, not once per replication.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from escsim.records import LADDER_COUNTERS
from escsim.scenario.conditions import Term, parse_condition
from escsim.scenario.schema import Rung


class _CompiledRung:
    __slots__ = ("name", "level", "terms", "ends_run", "at_start")

    def __init__(self, name: str, rung: Rung):
        self.name = name
        self.level = rung.level
        self.terms: tuple[Term, ...] = _parsed(rung.condition)
        self.ends_run = rung.ends_run
        #: Holds before anything happens (every threshold 0): reached on day 0.
        self.at_start = all(t.threshold <= 0 for t in self.terms)


@lru_cache(maxsize=1024)
def _parsed(condition: str) -> tuple[Term, ...]:
    return parse_condition(condition)


#: Compiled ladders by the identity of a scenario's ladder dict (a scenario is not changed after
#: loading): the rungs, the counters each rung watches, the counters a window needs stamps of.
_COMPILED: dict[int, tuple[dict[str, Rung], list[_CompiledRung],
                           dict[str, list[_CompiledRung]], tuple[str, ...]]] = {}


def _compile(ladder: dict[str, Rung]) -> tuple[list[_CompiledRung],
                                                dict[str, list[_CompiledRung]], tuple[str, ...]]:
    hit = _COMPILED.get(id(ladder))
    if hit is not None and hit[0] is ladder:
        return hit[1], hit[2], hit[3]
    rungs = sorted((_CompiledRung(n, r) for n, r in ladder.items()), key=lambda r: r.level)
    watch: dict[str, list[_CompiledRung]] = {}
    windowed: list[str] = []
    for rung in rungs:
        for term in rung.terms:
            watch.setdefault(term.counter, []).append(rung)
            if term.window_days is not None and term.counter not in windowed:
                windowed.append(term.counter)
    if len(_COMPILED) >= 64:
        _COMPILED.clear()
    _COMPILED[id(ladder)] = (ladder, rungs, watch, tuple(windowed))  # keeps the ladder alive
    return rungs, watch, tuple(windowed)


class Tally:
    """Run counters, their time stamps where a windowed condition needs them, and rung days."""

    def __init__(self, ladder: dict[str, Rung], on_end: Callable[[], None]):
        self.counts: dict[str, int] = dict.fromkeys(LADDER_COUNTERS, 0)
        rungs, watch, windowed = _compile(ladder)
        self.rungs = rungs
        self.rung_day: dict[int, float] = {}
        self._watch: dict[str, list[_CompiledRung]] = {c: list(rs) for c, rs in watch.items()}
        self._stamps: dict[str, list[tuple[float, int]]] = {c: [] for c in windowed}
        #: Counters some unreached rung still watches: only these need more than the count.
        self.live: set[str] = set(self._watch)
        self._on_end = on_end
        #: Called with (level, now) whenever a rung is reached; ``None`` in ordinary runs. The
        #: rare-event estimators of :mod:`escsim.tail` listen here for level crossings.
        self.on_reach: Callable[[int, float], None] | None = None
        # a rung whose every term holds before anything happens (thresholds of 0) is reached on
        # day 0, not when a watched counter first rises
        for rung in rungs:
            if rung.at_start:
                self._reach(rung, 0.0)

    def add(self, counter: str, amount: int, now: float) -> None:
        """Increase ``counter`` by ``amount`` at time ``now`` and check the rungs watching it."""
        self.counts[counter] += amount
        if counter in self.live:
            self.check(counter, amount, now)

    def check(self, counter: str, amount: int, now: float) -> None:
        """After ``counter`` rose by ``amount``: stamp it if a window needs it, and reach the
        rungs that now hold (only for counters in :attr:`live`)."""
        stamps = self._stamps.get(counter)
        if stamps is not None:
            stamps.append((now, amount))
        for rung in list(self._watch[counter]):
            if self._holds(rung, now):
                self._reach(rung, now)

    def _count(self, term: Term, now: float) -> int:
        if term.window_days is None:
            return self.counts[term.counter]
        since = now - term.window_days
        return sum(a for t, a in self._stamps[term.counter] if t >= since)

    def _holds(self, rung: _CompiledRung, now: float) -> bool:
        return all(self._count(t, now) >= t.threshold for t in rung.terms)

    def _reach(self, rung: _CompiledRung, now: float) -> None:
        self.rung_day[rung.level] = now
        if self.on_reach is not None:
            self.on_reach(rung.level, now)
        self._forget(rung)
        if rung.ends_run:
            self._on_end()

    def _forget(self, rung: _CompiledRung) -> None:
        """Stop checking a reached rung (it stays reached)."""
        for term in rung.terms:
            watchers = self._watch[term.counter]
            if rung in watchers:
                watchers.remove(rung)
            if not watchers:
                # nothing watches the counter any more; its stamps would never be read
                self.live.discard(term.counter)

    @property
    def max_rung(self) -> int:
        return max(self.rung_day, default=0)
