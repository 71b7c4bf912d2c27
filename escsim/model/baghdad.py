"""The Iraqi government: political pressure from US strikes on Iraqi soil.

Pressure (0-1) jumps with each US round in Iraq, more for a leadership strike (PR-B7: the Baghdad
strike drew the sharpest protest), and decays exponentially. It cuts the rate of the groups it
has influence over, and once it crosses ``drawdown_threshold`` a drawdown of US troops in Iraq is
brought forward (S-COALITION-END: pressure led to an agreed end of the coalition mission).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from escsim.model.agenda import Agenda

if TYPE_CHECKING:
    from escsim.model.world import World


class BaghdadActor:
    """Baghdad's pressure and the drawdown it can bring forward."""

    def __init__(self, world: World):
        self.world = world
        self.p = world.scenario.baghdad
        #: Pressure as of ``pressure_day``; it decays exponentially from there.
        self.pressure = 0.0
        self.pressure_day = 0.0
        self.decay_per_day = 1.0 / self.p.pressure_decay_days
        self.drawdown_ordered = False
        self.agenda = Agenda(world.env, "baghdad")

    def pressure_at(self, now: float) -> float:
        if self.pressure == 0.0:
            return 0.0
        return self.pressure * math.exp((self.pressure_day - now) * self.decay_per_day)

    def add_pressure(self, amount: float) -> None:
        """Pressure from before the run (``[initial_state]``), set at day 0."""
        now = self.world.env.now
        self.pressure = min(1.0, self.pressure_at(now) + amount)
        self.pressure_day = now

    def iraq_round(self, leadership: bool, wake: bool = True, age_days: float = 0.0) -> None:
        """A US round in Iraq raises the pressure. (``wake=False``: the caller wakes the groups
        Baghdad influences once it has made every change of the moment; ``age_days``: the round
        came that long before the run started, and its pressure has decayed since.)"""
        now = self.world.env.now
        jump = self.p.pressure_per_iraq_round + (self.p.pressure_per_leadership_strike
                                                 if leadership else 0.0)
        self.pressure = min(1.0, self.pressure_at(now)
                            + jump * math.exp(-age_days * self.decay_per_day))
        self.pressure_day = now
        if age_days > 0.0:
            return  # initial state: nothing is drawn yet, and no drawdown is brought forward
        if wake:
            for group in self.world.militias.values():
                if group.p.baghdad_influence > 0.0:
                    group.wake()  # their attacks were drawn under the lower pressure
        if self.world.recorder.tracing:
            self.world.recorder.note(now, "baghdad", "protests US strike", "us",
                                     f"pressure {self.pressure:.2f}")
        if self.pressure >= self.p.drawdown_threshold and not self.drawdown_ordered:
            self.drawdown_ordered = True
            self.world.recorder.note(now, "baghdad", "demands drawdown", "us",
                                     f"in {self.p.drawdown_delay_days:g} days")
            self.agenda.schedule(self.p.drawdown_delay_days, self._drawdown)

    def _drawdown(self) -> None:
        us = self.world.us
        for site, country in us.country.items():
            if country == "iraq":
                us.set_troops(site, round(us.troops[site] * (1 - self.p.drawdown_fraction)),
                              "drawdown brought forward by Baghdad")
