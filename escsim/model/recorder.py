"""What a replication keeps: counters, time stamps for the daily series, an optional event log."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

import numpy as np

from escsim.model.ladder import Tally
from escsim.records import DAILY_SERIES, HARMFUL_ATTACKS
from escsim.scenario.schema import Rung


class Recorder:
    """Counts, day-stamps and (when tracing) the event log of one replication."""

    def __init__(self, ladder: dict[str, Rung], start_date: dt.date, on_end: Callable[[], None],
                 trace: bool = False):
        self.tally = Tally(ladder, on_end)
        self.start_date = start_date
        # by country, by weapon, ...: whole counts, kept as ints (adding 1 to a small int makes
        # no new object, to a float it does)
        self.extra: dict[str, int] = defaultdict(int)
        # time stamps (and amounts) of the daily series
        self._stamps: dict[str, list[float]] = {k: [] for k in DAILY_SERIES}
        self._amounts: dict[str, list[int]] = {k: [] for k in DAILY_SERIES}
        #: The days of the attacks so far (attacks come one at a time: no amounts).
        self.attack_days = self._stamps["attacks"]
        #: The days of the militia attacks that killed or wounded US personnel (an outcome
        #: count only: it draws nothing and changes no other series).
        self.harmful_days: list[float] = []
        self.log: list[tuple[float, str, str, str, str]] | None = [] if trace else None
        #: Whether the event log is kept; callers skip formatting log text when it is not.
        self.tracing = trace

    def count(self, counter: str, amount: int, now: float) -> None:
        """A ladder counter (and, for the daily series, its time stamp)."""
        if amount <= 0:
            return
        tally = self.tally
        tally.counts[counter] += amount
        if counter in tally.live:
            tally.check(counter, amount, now)
        stamps = self._stamps.get(counter)
        if stamps is not None:
            stamps.append(now)
            if counter != "attacks":
                self._amounts[counter].append(amount)

    def attack(self, now: float) -> None:
        """One more attack: :meth:`count` for ``attacks``, specialised for the hot path."""
        tally = self.tally
        tally.counts["attacks"] += 1
        if "attacks" in tally.live:
            tally.check("attacks", 1, now)
        self.attack_days.append(now)

    def harmful(self, now: float) -> None:
        """The attack just counted killed or wounded US personnel."""
        self.harmful_days.append(now)

    def note(self, now: float, actor: str, action: str, target: str, outcome: str) -> None:
        """One line of the event log (kept only when tracing)."""
        if self.log is not None:
            self.log.append((now, actor, action, target, outcome))

    def daily(self, horizon_days: int) -> dict[str, np.ndarray]:
        """Cumulative count at the end of each day 0..horizon_days-1, per daily series (and
        :data:`~escsim.records.HARMFUL_ATTACKS`, which no output writes)."""
        last = horizon_days - 1
        out = {}
        for name in (*DAILY_SERIES, HARMFUL_ATTACKS):
            stamps = self.harmful_days if name == HARMFUL_ATTACKS else self._stamps[name]
            if not stamps:
                out[name] = np.zeros(horizon_days, dtype=np.int64)
                continue
            days = np.minimum(np.asarray(stamps, dtype=float).astype(np.int64), last)
            if name in ("attacks", HARMFUL_ATTACKS):
                per_day = np.bincount(days, minlength=horizon_days)
            else:
                per_day = np.bincount(days, weights=np.asarray(self._amounts[name], dtype=float),
                                      minlength=horizon_days)
            # int64: no overflow; the method rather than np.cumsum, which only dispatches to it
            out[name] = per_day.cumsum().astype(np.int64)
        return out
