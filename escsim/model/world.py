"""The world: wires the actors of one replication together (after SimPy's ``setup()``)."""

from __future__ import annotations

import simpy

from escsim.model.baghdad import BaghdadActor
from escsim.model.draws import Draws
from escsim.model.iran import IranActor
from escsim.model.militia import Militia
from escsim.model.recorder import Recorder
from escsim.model.timeline import Timeline
from escsim.model.us_forces import USForces
from escsim.scenario.schema import Scenario


class World:
    """Every actor of one replication, sharing one environment and one random stream."""

    def __init__(self, scenario: Scenario, draws: Draws, trace: bool = False):
        self.scenario = scenario
        self.env = simpy.Environment()
        self.draws = draws
        self.end = self.env.event()
        self.recorder = Recorder(scenario.ladder, scenario.scenario.start_date, self._end_run,
                                 trace=trace)
        # order matters only for construction-time draws (the timeline's probabilistic events,
        # then each group's first candidate attack)
        self.iran = IranActor(self)
        self.baghdad = BaghdadActor(self)
        self.us = USForces(self)
        self.militias = {name: Militia(self, name, g) for name, g in scenario.militias.items()}
        self.timeline = Timeline(self)
        self.env.timeout(scenario.scenario.horizon_days).callbacks.append(
            lambda _: self._end_run())
        self.militia_factors_changed()  # sets each group's factor and starts its attacks

    def _end_run(self) -> None:
        if not self.end.triggered:
            self.end.succeed()

    def rate_factor(self, group: Militia, with_baghdad: bool) -> float:
        """Product of the factors every actor puts on a group's attack rate."""
        factor = (self.timeline.regime_multiplier * self.timeline.shock_multiplier
                  * self.iran.militia_factor(group.p.restraint_compliance))
        if with_baghdad and group.p.baghdad_influence > 0.0:
            factor *= 1.0 - group.p.baghdad_influence * self.baghdad.pressure_at(self.env.now)
        return factor

    def militia_factors_changed(self) -> None:
        """A regime, shock or posture change: every group takes its new factor and redraws its
        next attack."""
        militias = getattr(self, "militias", None)
        if militias is None or not hasattr(self, "timeline"):
            return  # still being built: the groups start once every actor exists
        for group in militias.values():
            group.factor = self.rate_factor(group, with_baghdad=False)
            group.wake()

    def run(self) -> float:
        """Run to the horizon (or a rung that ends the run); return the end day."""
        self.env.run(until=self.end)
        return float(self.env.now)
