"""An Iran-aligned militia group: a self-exciting attack process.

The group's attack intensity at time t is::

    rate(t) = capability(t) x factor(t) x (base_rate + min(cap, excitation(t)))

* ``excitation`` jumps after each US strike round on the group (tit-for-tat) and decays
  exponentially (PR-R1: the effect of one event fades within 2-6 weeks);
* ``capability`` drops with every target struck (denial) and recovers exponentially;
* ``factor`` is the product of the conflict regime, any external shock, Iran's posture (a pause
  order cuts the rate by the group's compliance) and Baghdad's pressure.

Both decays are analytic, so nothing ticks daily. Attacks are drawn by thinning (Lewis & Shedler):
between state changes the rate can only fall, except as capability recovers and Baghdad's pressure
fades, so ``factor_without_baghdad x (base + excitation_now)`` bounds it; a candidate time is kept
with probability ``rate / bound``. Anything that can raise the rate wakes the process to redraw.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from itertools import accumulate
from typing import TYPE_CHECKING, Any

import simpy

from escsim.scenario.schema import MilitiaGroup

if TYPE_CHECKING:
    from escsim.model.world import World


class Militia:
    """One militia group: its state and its attack process."""

    def __init__(self, world: World, name: str, params: MilitiaGroup):
        self.world = world
        self.name = name
        self.p = params
        self.weapons = list(params.weapon_mix)
        total = sum(params.weapon_mix.values())
        self.weapon_cumulative = [c / total for c in accumulate(params.weapon_mix.values())]
        self.excitation = 0.0  # attacks/day above base, as of _excitation_time
        self._excitation_time = 0.0
        self.capability_lost = 0.0  # fraction of capability lost, as of _capability_time
        self._capability_time = 0.0
        self.members_killed = 0
        self._sleeping = False
        self._wake_pending = False
        self.process = world.env.process(self._attacks())

    # --- state, with analytic decay ---------------------------------------------------------
    def excitation_at(self, now: float) -> float:
        if self.excitation == 0.0:
            return 0.0
        return self.excitation * math.exp(-(now - self._excitation_time)
                                          / self.p.excitation_decay_days)

    def capability_at(self, now: float) -> float:
        if self.capability_lost == 0.0:
            return 1.0
        return 1.0 - self.capability_lost * math.exp(-(now - self._capability_time)
                                                     / self.p.regeneration_days)

    def rate_bound(self, now: float) -> float:
        """An upper bound of the rate from ``now`` until the next wake-up."""
        excited = min(self.p.excitation_cap_per_day, self.excitation_at(now))
        return self.world.rate_factor(self, with_baghdad=False) * (self.p.base_rate_per_day
                                                                   + excited)

    def rate(self, now: float) -> float:
        """Attack intensity (attacks/day) at ``now``."""
        excited = min(self.p.excitation_cap_per_day, self.excitation_at(now))
        return (self.capability_at(now) * self.world.rate_factor(self, with_baghdad=True)
                * (self.p.base_rate_per_day + excited))

    # --- events from other actors ---------------------------------------------------------------
    def struck(self, targets: int, killed: int, leader_killed: bool) -> None:
        """A US strike round hit the group: more anger, less capability."""
        now = self.world.env.now
        p = self.p
        self.excitation = (self.excitation_at(now) + p.excitation_per_round
                           + p.excitation_per_target * targets
                           + (p.excitation_leader_bonus if leader_killed else 0.0))
        self._excitation_time = now
        capability = max(p.capability_floor,
                         self.capability_at(now) - p.capability_loss_per_target * targets)
        self.capability_lost = 1.0 - capability
        self._capability_time = now
        self.members_killed += killed
        self.wake()

    def wake(self) -> None:
        """The rate may have risen: redraw the next candidate attack."""
        if not self._wake_pending and self.process.is_alive \
                and self.world.env.active_process is not self.process:
            self._wake_pending = True
            self.process.interrupt()

    # --- the process ------------------------------------------------------------------------------
    def _attacks(self) -> Generator[simpy.Event, Any, None]:
        env = self.world.env
        draws = self.world.draws
        while True:
            bound = self.rate_bound(env.now)
            try:
                if bound <= 0.0:
                    yield env.event()  # cannot attack: wait to be woken
                    continue
                yield env.timeout(draws.exponential() / bound)
            except simpy.Interrupt:
                self._wake_pending = False
                continue
            if draws.uniform() * bound <= self.rate(env.now):
                self.attack()

    def attack(self) -> None:
        world = self.world
        weapon = self.weapons[world.draws.choice(self.weapon_cumulative)]
        site = world.us.choose_site(self.p.reach)
        if site is None:
            return  # no US troops within reach
        world.us.receive_attack(self, weapon, site)
