"""An Iran-aligned militia group: a self-exciting attack process.

The group's attack intensity at time t is::

    rate(t) = capability(t) x baghdad(t) x factor x (base_rate + min(cap, excitation(t)))

* ``excitation`` jumps after each US strike round on the group (tit-for-tat) and decays
  exponentially (PR-R1: the effect of one event fades within 2-6 weeks);
* ``capability`` drops with every target struck (denial) and recovers exponentially;
* ``baghdad`` is ``1 - baghdad_influence x pressure(t)``: Baghdad's pressure jumps with US rounds
  in Iraq and decays;
* ``factor`` is the product of the conflict regime, any external shock and Iran's posture (a pause
  order cuts the rate by the group's compliance); it changes only at dated events and posture
  changes, and :meth:`World.militia_factors_changed` refreshes it.

All decays are analytic, so nothing ticks daily. Attacks are drawn by thinning (Lewis & Shedler)
with a bound that holds over a window: between state changes excitation only falls, while
capability recovers and Baghdad's pressure fades, so over ``[t0, t0 + W]``::

    bound = factor x capability(t0 + W)+ x baghdad(t0 + W)+ x (base + min(cap, excitation(t0)))

bounds the rate (``x(t0 + W)+`` are upper bounds of the recovering factors at the window's end,
from ``exp(-x) >= 1 - x``). A candidate time is drawn at rate ``bound`` and kept with probability
``rate / bound``; a candidate past the window's end is dropped and a new one drawn from there, which
exponential waiting times allow. ``W`` spans a few candidates, so the bound stays tight (few
rejected candidates) and windows rarely expire. Anything that can raise the rate (a strike on the
group, a regime, shock or posture change) wakes the group to redraw.

The process is a chain of SimPy timeouts, each a candidate attack whose callback decides it and
draws the next, rather than a generator: a wake-up then detaches the pending candidate instead of
interrupting a process (an extra event and a thrown exception per wake-up), and each candidate
saves the generator's resume.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from itertools import accumulate
from typing import TYPE_CHECKING

import simpy

from escsim.model.draws import RESERVE
from escsim.scenario.schema import MilitiaGroup

if TYPE_CHECKING:
    from escsim.model.world import World

#: Expected candidates in a thinning window: the window's end is reached before a candidate with
#: probability exp(-WINDOW_CANDIDATES); the looser the window, the more candidates are rejected.
WINDOW_CANDIDATES = 4.0

_exp = math.exp
_log = math.log


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
        #: Regime x shock x Iran's posture, kept by :meth:`World.militia_factors_changed`.
        self.factor = 1.0
        # constants of the hot path
        self._env = world.env
        self._draws = world.draws
        self._pool = world.draws.uniforms
        self._us = world.us
        self._baghdad = world.baghdad
        self._base = params.base_rate_per_day
        self._cap = params.excitation_cap_per_day
        self._influence = params.baghdad_influence
        self._excitation_decay = 1.0 / params.excitation_decay_days
        self._regeneration = 1.0 / params.regeneration_days
        self._weapon_cuts = self.weapon_cumulative[:-1]  # bisect in these: index 0..n-1
        # the pending candidate and the bound it was drawn under (divided by factor)
        self._candidate: simpy.Timeout | None = None
        self._window_end = False  # the pending event ends a window; it is not a candidate
        self._bound = 0.0
        self._attacking = False  # inside this group's attack: a wake-up waits for its end
        self._woken = False

    # --- state, with analytic decay ---------------------------------------------------------
    def excitation_at(self, now: float) -> float:
        if self.excitation == 0.0:
            return 0.0
        return self.excitation * _exp((self._excitation_time - now) * self._excitation_decay)

    def capability_at(self, now: float) -> float:
        if self.capability_lost == 0.0:
            return 1.0
        return 1.0 - self.capability_lost * _exp((self._capability_time - now)
                                                 * self._regeneration)

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
        now = self._env.now
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
        """The rate may have risen: drop the pending candidate and draw a new one."""
        if self._attacking:
            self._woken = True  # the attack's own callback redraws when the attack is done
            return
        candidate = self._candidate
        if candidate is not None and candidate.callbacks is not None:
            candidate.callbacks.remove(self._on_candidate)
        self._redraw(self._env.now)

    # --- the process ------------------------------------------------------------------------------
    def _redraw(self, now: float) -> None:
        """Draw the next candidate from the state at ``now``."""
        excitation = self.excitation
        if excitation:
            excitation *= _exp((self._excitation_time - now) * self._excitation_decay)
        lost = self.capability_lost
        if lost:
            lost *= _exp((self._capability_time - now) * self._regeneration)
        cut = 0.0
        if self._influence:
            baghdad = self._baghdad
            if baghdad.pressure:
                cut = self._influence * baghdad.pressure * _exp((baghdad.pressure_day - now)
                                                                * baghdad.decay_per_day)
        self._draw(now, excitation, lost, cut)

    def _draw(self, now: float, excitation: float, lost: float, cut: float) -> None:
        """Schedule the next candidate, given excitation, lost capability and Baghdad's cut of
        the rate (``influence x pressure``), all at ``now``."""
        bound = self._base + (excitation if excitation < self._cap else self._cap)
        rate = self.factor * bound
        if rate <= 0.0:
            self._candidate = None  # cannot attack until woken
            return
        pool = self._pool
        if len(pool) < RESERVE:
            self._draws.top_up()
        delay = -_log(1.0 - pool.pop())
        if lost or cut:
            window = WINDOW_CANDIDATES / rate
            if lost:
                bound *= 1.0 - lost * max(0.0, 1.0 - window * self._regeneration)
            if cut:
                bound *= 1.0 - cut * max(0.0, 1.0 - window * self._baghdad.decay_per_day)
            rate = self.factor * bound
            self._window_end = rate <= 0.0 or delay > window * rate
            delay = window if self._window_end else delay / rate
        else:
            delay /= rate
            self._window_end = False
        self._bound = bound
        candidate = simpy.Timeout(self._env, delay)
        candidate.callbacks.append(self._on_candidate)
        self._candidate = candidate

    def _on_candidate(self, _event: simpy.Event) -> None:
        """A candidate attack falls due: keep it with probability rate / bound, draw the next."""
        now = self._env.now
        if self._window_end:
            self._redraw(now)
            return
        excitation = self.excitation
        if excitation:
            excitation *= _exp((self._excitation_time - now) * self._excitation_decay)
        lost = self.capability_lost
        if lost:
            lost *= _exp((self._capability_time - now) * self._regeneration)
        cut = 0.0
        if self._influence:
            baghdad = self._baghdad
            if baghdad.pressure:
                cut = self._influence * baghdad.pressure * _exp((baghdad.pressure_day - now)
                                                                * baghdad.decay_per_day)
        pool = self._pool
        if len(pool) < RESERVE:
            self._draws.top_up()
        if pool.pop() * self._bound <= (1.0 - lost) * (1.0 - cut) * (
                self._base + (excitation if excitation < self._cap else self._cap)):
            self._attacking = True
            try:
                self.attack()
            finally:
                self._attacking = False
            if self._woken:  # the attack changed the group's state (Iran ordered a pause, ...)
                self._woken = False
                self._redraw(now)
                return
        # excitation, capability and pressure change only by strikes, which are separate events
        self._draw(now, excitation, lost, cut)

    def attack(self) -> None:
        """Launch an attack: a weapon from the group's mix at a site within reach."""
        us = self._us
        pool = self._pool
        if len(pool) < RESERVE:
            self._draws.top_up()
        weapon = self.weapons[bisect_right(self._weapon_cuts, pool.pop())]
        site = us.choose_site(self.p.reach)
        if site is None:
            return  # no US troops within reach
        us.receive_attack(self, weapon, site)
