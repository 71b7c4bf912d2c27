"""The world: wires the actors of one replication together (after SimPy's ``setup()``)."""

from __future__ import annotations

import simpy

from escsim.model.baghdad import BaghdadActor
from escsim.model.draws import Draws, Streams
from escsim.model.iran import IranActor
from escsim.model.mechanisms import in_force
from escsim.model.militia import Militia
from escsim.model.recorder import Recorder
from escsim.model.tables import tables_of
from escsim.model.timeline import Timeline
from escsim.model.us_forces import USForces
from escsim.scenario.schema import Scenario


class World:
    """Every actor of one replication, sharing one environment; each source of chance draws
    from its own stream of ``streams`` (common random numbers across variants)."""

    def __init__(self, scenario: Scenario, streams: Streams, trace: bool = False):
        self.scenario = scenario
        #: The scenario's read-only tables (built once per scenario, shared by replications).
        self.tables = tables_of(scenario)
        self.env = simpy.Environment()
        self.streams = streams
        #: The alternative in force of each contested mechanism.
        self.mechanisms = in_force(scenario.mechanisms)
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
        self.timeline.apply_initial_state()
        self.env.timeout(scenario.scenario.horizon_days).callbacks.append(self._at_horizon)
        self.militia_factors_changed()  # sets each group's factor and starts its attacks

    def draws(self, purpose: str) -> Draws:
        """The random stream of ``purpose`` (see :mod:`escsim.model.draws`)."""
        return self.streams.draws(purpose)

    def _at_horizon(self, _event: simpy.Event) -> None:
        self._end_run()

    def _end_run(self) -> None:
        if not self.end.triggered:
            self.end.succeed()

    def rate_factors(self, group: Militia) -> tuple[float, float]:
        """Factors every actor but Baghdad puts on a group's base rate and on its excited part."""
        posture = self.iran.militia_factor(group)
        timeline = self.timeline
        return (timeline.regime_multiplier * timeline.shock_multiplier * posture,
                timeline.excitation_multiplier * posture)

    def baghdad_factor(self, group: Militia, now: float) -> float:
        """Baghdad's cut of a group's rate at ``now``."""
        if group.p.baghdad_influence > 0.0:
            return 1.0 - group.p.baghdad_influence * self.baghdad.pressure_at(now)
        return 1.0

    def militia_factors_changed(self) -> None:
        """A regime, shock or posture change: every group takes its new factor and redraws its
        next attack."""
        militias = getattr(self, "militias", None)
        if militias is None or not hasattr(self, "timeline"):
            return  # still being built: the groups start once every actor exists
        for group in militias.values():
            group.factor, group.excitation_factor = self.rate_factors(group)
            group.wake()

    def run(self) -> float:
        """Run to the horizon (or a rung that ends the run); return the end day."""
        self.env.run(until=self.end)
        return float(self.env.now)
