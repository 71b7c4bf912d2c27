"""Iran: a posture toward its partners that events move, and direct retaliation.

Postures: ``restraining`` (a pause order: each group withholds its ``restraint_compliance`` share
of attacks), ``permissive`` (rates as calibrated) and ``encouraging`` (rates raised). Transitions:

* US service members killed by a militia attack -> pause order with ``pause_after_us_killed_prob``
  (after Tower 22, Iran and Baghdad pressed the militias to stop: S-LULL-AFTER-FEB-2024, PR-A6);
* a major US strike package -> pause order with ``pause_after_major_strike_prob``;
* a pause lasts an exponential time with mean ``pause_mean_days``, then the posture reverts;
* US strikes that kill Iranian personnel, or strike Iranian territory -> a direct ballistic-missile
  salvo on US forces with ``retaliate_personnel_prob`` / ``retaliate_territory_prob``, raised
  during an external shock (an Israel-Iran exchange) by the shock's escalation multiplier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from escsim.model.agenda import Agenda

if TYPE_CHECKING:
    from escsim.model.world import World


class IranActor:
    """Iran's posture and its direct attacks on US forces."""

    def __init__(self, world: World):
        self.world = world
        self.p = world.scenario.iran
        self.posture = self.p.initial_posture
        self._posture_before_pause = (self.posture if self.posture != "restraining"
                                      else "permissive")
        self._pause_started: float | None = 0.0 if self.posture == "restraining" else None
        self.days_restraining = 0.0
        self.escalation_multiplier = 1.0  # raised by external shocks
        self._pause_id = 0
        self.agenda = Agenda(world.env, "iran")
        if self.posture == "restraining":
            # a pause already in force at day 0: exponential lengths are memoryless, so its
            # remaining length has the same distribution as a new pause's
            self.agenda.schedule(self.p.pause_mean_days * world.draws.exponential(),
                                 self._end_pause, self._pause_id)

    def militia_factor(self, compliance: float) -> float:
        """Factor on a group's rate under the current posture."""
        if self.posture == "restraining":
            return 1.0 - compliance
        if self.posture == "encouraging":
            return self.p.encouraging_rate_multiplier
        return 1.0

    # --- posture ----------------------------------------------------------------------------------
    def set_posture(self, posture: str, why: str) -> None:
        now = self.world.env.now
        if posture == self.posture:
            return
        if self.posture == "restraining" and self._pause_started is not None:
            self.days_restraining += now - self._pause_started
            self._pause_started = None
        if posture == "restraining":
            self._pause_started = now
            self._posture_before_pause = self.posture
        self.world.recorder.note(now, "iran", "posture", "militias", f"{posture} ({why})")
        self.posture = posture
        self.world.militia_factors_changed()

    def order_pause(self, why: str) -> None:
        world = self.world
        world.recorder.count("restraint_orders", 1, world.env.now)
        self._pause_id += 1
        self.set_posture("restraining", why)
        length = self.p.pause_mean_days * world.draws.exponential()
        self.agenda.schedule(length, self._end_pause, self._pause_id)

    def _end_pause(self, pause_id: int) -> None:
        if pause_id == self._pause_id and self.posture == "restraining":
            self.set_posture(self._posture_before_pause, "pause ends")

    def restraining_days(self, now: float) -> float:
        extra = now - self._pause_started if self._pause_started is not None else 0.0
        return self.days_restraining + extra

    # --- triggers from the US side ----------------------------------------------------------------
    def us_killed_by_militia(self) -> None:
        if self.world.draws.bernoulli(self.p.pause_after_us_killed_prob):
            self.order_pause("after US deaths")

    def major_us_strike(self) -> None:
        if self.posture != "restraining" and \
                self.world.draws.bernoulli(self.p.pause_after_major_strike_prob):
            self.order_pause("after a major US strike package")

    def syria_round(self) -> None:
        """A US round in Syria may kill IRGC personnel embedded with the groups."""
        world = self.world
        if world.draws.bernoulli(self.p.irgc_killed_prob_per_syria_round):
            killed = 1 + world.draws.poisson(1.0)
            world.recorder.count("iran_personnel_killed", killed, world.env.now)
            world.recorder.note(world.env.now, "us", "IRGC personnel killed", "syria",
                                f"{killed} killed")
            self._consider_retaliation(self.p.retaliate_personnel_prob, "personnel killed")

    def territory_struck(self) -> None:
        self._consider_retaliation(self.p.retaliate_territory_prob, "territory struck")

    def _consider_retaliation(self, prob: float, why: str) -> None:
        world = self.world
        if world.draws.bernoulli(min(1.0, prob * self.escalation_multiplier)):
            delay = self.p.retaliation_delay_days * world.draws.exponential()
            world.recorder.note(world.env.now, "iran", "decides direct retaliation", "us", why)
            self.agenda.schedule(delay, self._direct_attack)

    def _direct_attack(self) -> None:
        site = self.p.direct_attack_site
        if self.world.us.troops[site] <= 0:
            return  # nothing left to hit there
        self.world.us.iranian_attack(self.p.direct_attack_weapon, site)
