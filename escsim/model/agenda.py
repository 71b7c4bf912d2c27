"""An actor's scheduled actions, each run by a SimPy timeout when it falls due.

US forces (strike orders), Iran (pause ends, direct attacks), Baghdad (a drawdown) and the timeline
(dated events) each own one :class:`Agenda`. An action is a SimPy timeout whose callback runs it,
so scheduling costs one event and an action scheduled before the others needs no interrupt of a
sleeping process (an interrupt costs an extra event, a thrown exception and a stale timeout).
Actions due at the same time run in the order they were scheduled (SimPy's event order).

A scheduled action is a small object (:class:`_Action`), not a closure, so a world copied with
``copy.deepcopy`` -- its environment's queue included -- acts on the copy's actors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy

Action = Callable[..., None]


class _Action:
    """The callback of a scheduled action: ``action(*args)``."""

    __slots__ = ("action", "args")

    def __init__(self, action: Action, args: tuple[Any, ...]):
        self.action = action
        self.args = args

    def __call__(self, _event: simpy.Event) -> None:
        self.action(*self.args)


class Agenda:
    """Time-ordered actions of one actor."""

    __slots__ = ("env", "owner")

    def __init__(self, env: simpy.Environment, owner: str):
        self.env = env
        self.owner = owner

    def schedule(self, delay_days: float, action: Action, *args: Any) -> None:
        """Run ``action(*args)`` ``delay_days`` from now."""
        event = simpy.Timeout(self.env, delay_days if delay_days > 0.0 else 0.0)
        event.callbacks.append(_Action(action, args))
