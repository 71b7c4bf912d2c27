"""The exogenous timeline: dated events of a scenario (regimes, shocks, troops, policy, posture,
US strike rounds, outside strikes on Iran) and the state at day 0 that earlier events left.

A ``us_strike`` event dated before the start is initial state: its excitation, lost capability
and Baghdad pressure carry over to day 0, decayed by its age, and it counts for the US policy's
spacing of rounds, but it is not counted among the run's strikes. A ``strike_on_iran`` event with
``hazard_per_day`` recurs as a Poisson process between its date and ``until`` (or the horizon);
a ``regime`` event with ``hazard_per_day`` starts once, after an exponential time from its date
(a Gaza ceasefire as an uncertain prospect rather than a date).
"""

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
        self.excitation_multiplier = s.regimes[self.regime].excitation_multiplier
        self.regional_war = s.regimes[self.regime].regional_war
        self.shock_multiplier = 1.0
        self._past_rounds: list[tuple[float, Event]] = []
        self._shocks: dict[str, Event] = {}
        self.agenda = Agenda(world.env, "timeline")
        start = s.scenario.start_date
        for name, event, day in world.tables.events:
            if event.kind == "us_strike" and day < 0:
                self._past_rounds.append((-day, event))
                continue
            # an event dated before the start still holds at day 0 unless it ended before it,
            # so a scenario can start on any date (e.g. inside the Nov 2023 truce)
            day = max(0, day)
            if day >= s.scenario.horizon_days or (event.until is not None
                                                 and event.until < start):
                continue
            # whether a probabilistic event happens is drawn up front, in a fixed order
            if event.probability < 1.0 and not world.draws("timeline").bernoulli(event.probability):
                continue
            if event.hazard_per_day is not None and event.kind == "regime":
                self._schedule_once(day, name, event)
            elif event.hazard_per_day is not None:
                self._schedule_hazard(day, name, event)
            else:
                self.agenda.schedule(day, self._start, name, event)

    def apply_initial_state(self) -> None:
        """Set the state at day 0: US rounds dated before the start, then the scenario's
        ``[initial_state]`` (called once every actor exists, before any group draws)."""
        world = self.world
        for age_days, event in self._past_rounds:
            world.us.dated_round(event, age_days=age_days)
        state = world.scenario.initial_state
        for name, group in world.militias.items():
            group.start_from(state.excitation_per_day.get(name, 0.0),
                             state.capability_lost.get(name, 0.0))
        if state.baghdad_pressure > 0.0:
            world.baghdad.add_pressure(state.baghdad_pressure)

    def _schedule_hazard(self, day: float, name: str, event: Event) -> None:
        """The next strike of a recurring ``strike_on_iran`` event, from ``day`` on."""
        s = self.world.scenario
        rate = event.hazard_per_day or 0.0
        if rate <= 0.0:
            return
        end = s.scenario.horizon_days if event.until is None else min(
            s.scenario.horizon_days, (event.until - s.scenario.start_date).days + 1)
        when = day + self.world.draws("timeline").exponential() / rate
        if when < end:
            self.agenda.schedule(when - self.world.env.now, self._hazard_strike, when, name,
                                 event)

    def _schedule_once(self, day: float, name: str, event: Event) -> None:
        """A regime event with a hazard: it starts once, after an exponential time from ``day``
        (the end of a war as a process a forecast can state), if that falls before the horizon;
        the time is drawn whether or not it falls inside, so the draws stay in step."""
        rate = event.hazard_per_day or 0.0
        if rate <= 0.0:
            return
        when = day + self.world.draws("timeline").exponential() / rate
        if when < self.world.scenario.scenario.horizon_days:
            self.agenda.schedule(when, self._start, name, event)

    def _hazard_strike(self, when: float, name: str, event: Event) -> None:
        self._start(name, event)
        self._schedule_hazard(when, name, event)

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
        elif event.kind == "us_strike":
            world.us.dated_round(event)
        elif event.kind == "strike_on_iran" and event.striker is not None:
            world.iran.outside_strike(event.striker, name, event.us_joins_prob or 0.0)

    def _set_regime(self, regime: str, why: str) -> None:
        self.regime = regime
        params = self.world.scenario.regimes[regime]
        self.regime_multiplier = params.rate_multiplier
        self.excitation_multiplier = params.excitation_multiplier
        self.regional_war = params.regional_war
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
