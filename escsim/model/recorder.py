"""What a replication keeps: counters, time stamps for the daily series, an optional event log."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

import numpy as np

from escsim.model.ladder import Tally
from escsim.scenario.schema import Rung

#: Daily series every run keeps (cumulative counts per day).
DAILY_SERIES = ("attacks", "us_wounded", "us_killed", "us_strikes")


class Recorder:
    """Counts, day-stamps and (when tracing) the event log of one replication."""

    def __init__(self, ladder: dict[str, Rung], start_date: dt.date, on_end: Callable[[], None],
                 trace: bool = False):
        self.tally = Tally(ladder, on_end)
        self.start_date = start_date
        self.extra: dict[str, float] = defaultdict(float)  # by country, by weapon, ...
        self._stamps: dict[str, list[float]] = {k: [] for k in DAILY_SERIES}
        self._amounts: dict[str, list[int]] = {k: [] for k in DAILY_SERIES}
        self.log: list[tuple[float, str, str, str, str]] | None = [] if trace else None

    def count(self, counter: str, amount: int, now: float) -> None:
        """A ladder counter (and, for the daily series, its time stamp)."""
        if amount <= 0:
            return
        self.tally.add(counter, amount, now)
        stamps = self._stamps.get(counter)
        if stamps is not None:
            stamps.append(now)
            self._amounts[counter].append(amount)

    def note(self, now: float, actor: str, action: str, target: str, outcome: str) -> None:
        """One line of the event log (kept only when tracing)."""
        if self.log is not None:
            self.log.append((now, actor, action, target, outcome))

    def daily(self, horizon_days: int) -> dict[str, np.ndarray]:
        """Cumulative count at the end of each day 0..horizon_days-1, per daily series."""
        out = {}
        for name in DAILY_SERIES:
            days = np.minimum(np.asarray(self._stamps[name], dtype=float).astype(np.int64),
                              horizon_days - 1)
            per_day = np.bincount(days, weights=np.asarray(self._amounts[name], dtype=float),
                                  minlength=horizon_days)
            out[name] = np.cumsum(per_day).astype(np.int32)
        return out
