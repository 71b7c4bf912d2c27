"""The escalation ladder and the counters its conditions test.

The :class:`Tally` holds every counter of the run (attacks, US wounded, strike rounds, ...). Each
increment goes through :meth:`Tally.add`, which checks only the rungs that watch that counter and
are not yet reached, so a counter whose rungs are all reached costs a dict update and a set lookup.
Conditions are parsed once per text, not once per replication.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from escsim.scenario.conditions import LADDER_COUNTERS, Term, parse_condition
from escsim.scenario.schema import Rung


class _CompiledRung:
    __slots__ = ("name", "level", "terms", "ends_run")

    def __init__(self, name: str, rung: Rung):
        self.name = name
        self.level = rung.level
        self.terms: tuple[Term, ...] = _parsed(rung.condition)
        self.ends_run = rung.ends_run


@lru_cache(maxsize=1024)
def _parsed(condition: str) -> tuple[Term, ...]:
    return parse_condition(condition)


class Tally:
    """Run counters, their time stamps where a windowed condition needs them, and rung days."""

    def __init__(self, ladder: dict[str, Rung], on_end: Callable[[], None]):
        self.counts: dict[str, int] = dict.fromkeys(LADDER_COUNTERS, 0)
        self.rungs = sorted((_CompiledRung(n, r) for n, r in ladder.items()),
                            key=lambda r: r.level)
        self.rung_day: dict[int, float] = {}
        self._watch: dict[str, list[_CompiledRung]] = {}
        self._stamps: dict[str, list[tuple[float, int]]] = {}
        for rung in self.rungs:
            for term in rung.terms:
                self._watch.setdefault(term.counter, []).append(rung)
                if term.window_days is not None:
                    self._stamps.setdefault(term.counter, [])
        #: Counters some unreached rung still watches: only these need more than the count.
        self.live: set[str] = set(self._watch)
        self._on_end = on_end

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
        for term in rung.terms:
            watchers = self._watch[term.counter]
            if rung in watchers:
                watchers.remove(rung)
            if not watchers:
                # nothing watches the counter any more; its stamps would never be read
                self.live.discard(term.counter)
        if rung.ends_run:
            self._on_end()

    @property
    def max_rung(self) -> int:
        return max(self.rung_day, default=0)
