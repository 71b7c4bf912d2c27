"""A SimPy process that runs an actor's scheduled actions in time order.

US forces (strike orders), Iran (pause ends, direct attacks), Baghdad (a drawdown) and the timeline
(dated events) each own one :class:`Agenda`: their single SimPy process sleeps until the next action
falls due and is woken early only when a new action is scheduled before it.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Generator
from typing import Any

import simpy

Action = Callable[..., None]


class Agenda:
    """Time-ordered actions, run by one SimPy process."""

    def __init__(self, env: simpy.Environment, owner: str):
        self.env = env
        self.owner = owner
        self._heap: list[tuple[float, int, Action, tuple[Any, ...]]] = []
        self._counter = itertools.count()
        self._waking_at = float("inf")
        self._running = False
        self._interrupt_pending = False
        self.process = env.process(self._run())

    def schedule(self, delay_days: float, action: Action, *args: Any) -> None:
        """Run ``action(*args)`` ``delay_days`` from now."""
        when = self.env.now + max(0.0, delay_days)
        heapq.heappush(self._heap, (when, next(self._counter), action, args))
        if when < self._waking_at and not self._running and not self._interrupt_pending:
            self._interrupt_pending = True
            self.process.interrupt()

    def _run(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        while True:
            self._waking_at = self._heap[0][0] if self._heap else float("inf")
            try:
                if self._heap:
                    yield env.timeout(self._waking_at - env.now)
                else:
                    yield env.event()  # nothing due: sleep until something is scheduled
            except simpy.Interrupt:
                self._interrupt_pending = False
                continue
            self._running = True
            while self._heap and self._heap[0][0] <= env.now:
                _, _, action, args = heapq.heappop(self._heap)
                action(*args)
            self._running = False
