"""The exogenous timeline: dated events of a scenario (regimes, shocks, troops, policy, posture)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from escsim.model.agenda import Agenda
from escsim.scenario.schema import Event

if TYPE_CHECKING:
    from escsim.model.world import World


class Timeline:
    """Plays the scenario's dated events; owns the conflict regime and active shocks."""

    def __init__(self, world: World):
        self.world = world
        s = world.scenario
        self.regime = s.scenario.initial_regime
        self.regime_multiplier = s.regimes[self.regime].rate_multiplier
        self.shock_multiplier = 1.0
        self._shocks: dict[str, Event] = {}
        self.agenda = Agenda(world.env, "timeline")
        start = s.scenario.start_date
        for name, event in sorted(s.events.items(), key=lambda kv: (kv[1].date, kv[0])):
            # an event dated before the start still holds at day 0 unless it ended before it,
            # so a scenario can start on any date (e.g. inside the Nov 2023 truce)
            day = max(0, (event.date - start).days)
            if day >= s.scenario.horizon_days or (event.until is not None
                                                 and event.until < start):
                continue
            # whether a probabilistic event happens is drawn up front, in a fixed order
            if event.probability < 1.0 and not world.draws.bernoulli(event.probability):
                continue
            self.agenda.schedule(day, self._start, name, event)

    def _start(self, name: str, event: Event) -> None:
        world = self.world
        start = world.scenario.scenario.start_date
        if event.kind == "regime":
            previous = self.regime
            self._set_regime(event.regime or previous, name)
            if event.until is not None:
                self.agenda.schedule((event.until - start).days + 1 - world.env.now,
                                     self._set_regime, previous, f"{name} ends")
        elif event.kind == "shock":
            self._shock(name, event)
            if event.until is not None:
                self.agenda.schedule((event.until - start).days + 1 - world.env.now,
                                     self._shock, name, None)
        elif event.kind == "troops" and event.site is not None and event.troops is not None:
            world.us.set_troops(event.site, event.troops, name)
        elif event.kind == "policy" and event.preset is not None:
            world.us.set_policy(world.scenario.alt_policies[event.preset])
        elif event.kind == "iran_posture" and event.posture is not None:
            world.iran.set_posture(event.posture, name)

    def _set_regime(self, regime: str, why: str) -> None:
        self.regime = regime
        self.regime_multiplier = self.world.scenario.regimes[regime].rate_multiplier
        self.world.recorder.note(self.world.env.now, "timeline", "regime", "all", f"{regime} "
                                 f"({why})")
        self.world.militia_factors_changed()

    def _shock(self, name: str, event: Event | None) -> None:
        """Start (``event`` given) or end (``None``) a shock; multipliers of active shocks
        multiply."""
        if event is None:
            self._shocks.pop(name, None)
        else:
            self._shocks[name] = event
        self.shock_multiplier = 1.0
        escalation = 1.0
        for e in self._shocks.values():
            self.shock_multiplier *= e.militia_rate_multiplier or 1.0
            escalation *= e.iran_escalation_multiplier or 1.0
        self.world.iran.escalation_multiplier = escalation
        text = (f"militia rates x{self.shock_multiplier:g}, Iran escalation x{escalation:g}")
        self.world.recorder.note(self.world.env.now, "timeline",
                                 "shock" if event is not None else "shock ends", name, text)
        self.world.militia_factors_changed()
