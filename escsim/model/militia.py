"""An Iran-aligned militia group: a self-exciting attack process.

The group's attack intensity at time t is::

    rate(t) = capability(t) x baghdad(t) x (factor x base_rate
                                            + excitation_factor x min(cap, excitation(t)))

* ``excitation`` jumps after each US strike round on the group (tit-for-tat) and decays
  exponentially (PR-R1: the effect of one event fades within 2-6 weeks); under the ``denial``
  strike effect (escsim.model.mechanisms) it does not jump, under ``deterrence`` a major round
  does not make it jump;
* ``capability`` drops with every target struck (denial) and recovers exponentially; under the
  ``backlash`` strike effect it does not drop;
* ``baghdad`` is ``1 - baghdad_influence x pressure(t)``: Baghdad's pressure jumps with US rounds
  in Iraq and decays;
* ``factor`` is the product of the conflict regime's tempo, any external shock and Iran's posture
  (a pause order); ``excitation_factor`` is the regime's excitation multiplier times Iran's
  posture. Revenge for a US strike is not scaled by the era's tempo: the 2021 attacks that
  followed US strikes within days (E21-REPLY-JUN28, E21-BURST-AFTER-JUN27) came in a low-tempo
  era. Both change only at dated events and posture changes, and
  :meth:`World.militia_factors_changed` refreshes them.

All decays are analytic, so nothing ticks daily. Attacks are drawn by thinning (Lewis & Shedler)
with a bound that holds over a window: between state changes excitation only falls, while
capability recovers and Baghdad's pressure fades, so over ``[t0, t0 + W]``::

    bound = capability(t0 + W)+ x baghdad(t0 + W)+
            x (factor x base + excitation_factor x min(cap, excitation(t0)))

bounds the rate (``x(t0 + W)+`` are upper bounds of the recovering factors at the window's end,
from ``exp(-x) >= 1 - x``). ``W`` spans a few candidates, so the bound stays tight. A candidate
time is drawn at rate ``bound`` and kept with probability ``rate / bound``; a candidate past the
window's end is dropped and a new one drawn from there, which exponential waiting times allow.

The state between two events of the group is a known function of time, so each candidate is
decided when it is drawn: rejected candidates cost no SimPy event, and the group schedules one
timeout per attack (or per expired window). Anything that changes the rate before that time -- a
strike on the group, a regime, shock or posture change, a jump in Baghdad's pressure -- wakes the
group, which drops the pending timeout and draws again from the new state.

The process is that chain of SimPy timeouts, each with a callback that makes the attack and draws
the next, rather than a generator: a wake-up then detaches the pending timeout instead of
interrupting a process (an extra event and a thrown exception per wake-up), and each attack saves
the generator's resume.
"""

from __future__ import annotations

import math
from bisect import bisect_right
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
_Timeout = simpy.Timeout


class Militia:
    """One militia group: its state and its attack process."""

    def __init__(self, world: World, name: str, params: MilitiaGroup):
        self.world = world
        self.name = name
        self.p = params
        self.reach = params.reach
        self.home_country = params.home_country
        self.weapons, self._weapon_cuts = world.tables.weapon_tables[name]
        self.excitation = 0.0  # attacks/day above base, as of _excitation_time
        self._excitation_time = 0.0
        self.capability_lost = 0.0  # fraction of capability lost, as of _capability_time
        self._capability_time = 0.0
        self.members_killed = 0
        #: Regime tempo x shock x Iran's posture on the base rate, and regime excitation
        #: multiplier x Iran's posture on the excited part; kept by
        #: :meth:`World.militia_factors_changed`.
        self.factor = 1.0
        self.excitation_factor = 1.0
        effect = world.mechanisms.strike_effect
        self._excites, self._denies = effect.excites, effect.denies
        # constants of the hot path
        self._env = world.env
        # its own streams: when it attacks, and with what (common random numbers: another
        # actor's change leaves them where they were)
        self._draws = world.draws(f"militia/{name}/timing")
        self._pool = self._draws.uniforms
        #: The stream of this group's attacks: weapon, target site and outcome.
        self.attack_draws = world.draws(f"militia/{name}/attacks")
        self.attack_pool = self.attack_draws.uniforms
        # the US side of its attacks (see _on_attack)
        self._us = world.us
        self._attack_tables = world.us.attack_tables
        self._recorder = world.recorder
        self._extra = world.recorder.extra
        self._baghdad = world.baghdad
        self._base = params.base_rate_per_day
        self._cap = params.excitation_cap_per_day
        self._influence = params.baghdad_influence
        self._excitation_decay = 1.0 / params.excitation_decay_days
        self._regeneration = 1.0 / params.regeneration_days
        self._pressure_decay = world.baghdad.decay_per_day
        self._attack_callback = self._on_attack
        self._window_callback = self._on_window_end
        # the pending timeout, and the state at its time (excitation, lost capability, Baghdad's
        # cut of the rate)
        self._pending: simpy.Timeout | None = None
        self._excitation_then = self._lost_then = self._cut_then = 0.0
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

    def rate(self, now: float) -> float:
        """Attack intensity (attacks/day) at ``now``."""
        excited = min(self.p.excitation_cap_per_day, self.excitation_at(now))
        factor, excitation_factor = self.world.rate_factors(self)
        return (self.capability_at(now) * self.world.baghdad_factor(self, now)
                * (factor * self.p.base_rate_per_day + excitation_factor * excited))

    # --- events from other actors ---------------------------------------------------------------
    def struck(self, targets: int, killed: int, leader_killed: bool, wake: bool = True,
               age_days: float = 0.0, provokes: bool = True) -> None:
        """A US strike round hit the group: more anger and/or less capability, as the strike
        effect in force says. (``wake=False``: the caller wakes the group once it has made every
        change of the moment; ``age_days``: the round came that long before now, before the run
        started, so its effects have decayed since; ``provokes=False``: a round that deters
        rather than provokes, under the deterrence strike effect.)"""
        now = self._env.now
        p = self.p
        if self._excites and provokes:
            jump = (p.excitation_per_round + p.excitation_per_target * targets
                    + (p.excitation_leader_bonus if leader_killed else 0.0))
            self.excitation = self.excitation_at(now) + jump * _exp(-age_days
                                                                   * self._excitation_decay)
            self._excitation_time = now
        if self._denies:
            loss = p.capability_loss_per_target * targets * _exp(-age_days * self._regeneration)
            capability = max(p.capability_floor, self.capability_at(now) - loss)
            self.capability_lost = 1.0 - capability
            self._capability_time = now
        self.members_killed += killed
        if wake:
            self.wake()

    def start_from(self, excitation: float, lost: float) -> None:
        """Add the ``[initial_state]`` of the group at day 0: excitation (attacks/day) and a
        fraction of capability lost (never below the floor)."""
        now = self._env.now
        if excitation:
            self.excitation = self.excitation_at(now) + excitation
            self._excitation_time = now
        if lost:
            capability = max(self.p.capability_floor, self.capability_at(now) * (1.0 - lost))
            self.capability_lost = 1.0 - capability
            self._capability_time = now

    def wake(self) -> None:
        """The rate changed: drop the pending attack and draw again from the state now."""
        if self._attacking:
            self._woken = True  # the attack's own callback redraws when the attack is done
            return
        pending = self._pending
        if pending is not None and pending.callbacks is not None:
            pending.callbacks.clear()  # it fires as a no-op
        self._redraw(self._env.now)

    # --- the process ------------------------------------------------------------------------------
    def _redraw(self, now: float) -> None:
        """Draw the next attack from the state at ``now``."""
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
        """Thin candidates from ``now`` on, given excitation, lost capability and Baghdad's cut
        of the rate (``influence x pressure``) at ``now``, and schedule the first kept one (or the
        end of the window)."""
        base = self._base * self.factor  # the unexcited rate now
        scale = self.excitation_factor  # on the excited part
        cap = self._cap
        if scale != 1.0:
            # scale x min(cap, e) = min(scale x cap, scale x e): work with the scaled excitation
            # and scale it back for the state kept with the pending attack
            excitation *= scale
            cap *= scale
        pool = self._pool
        start = now
        if not (lost or cut):
            # nothing recovers: the rate only falls, and the bound holds until a wake-up
            decay = self._excitation_decay
            while True:
                rate = bound = base + (excitation if excitation < cap else cap)
                if rate <= 0.0:
                    self._pending = None  # cannot attack until woken
                    return
                if len(pool) < RESERVE:
                    self._draws.top_up()
                # two numbers per candidate, kept or not, so variants stay in step
                step = -_log(1.0 - pool.pop()) / rate
                accept = pool.pop()
                now += step
                if not excitation:
                    break  # a constant rate: every candidate is kept
                excitation *= _exp(-step * decay)
                if accept * bound <= base + (excitation if excitation < cap else cap):
                    break
            pending = _Timeout(self._env, now - start)
            pending.callbacks.append(self._attack_callback)
            self._pending = pending
            self._excitation_then = excitation / scale if scale else 0.0
            self._lost_then, self._cut_then = 0.0, 0.0
            return
        decay = self._excitation_decay
        regeneration = self._regeneration
        fading = self._pressure_decay
        while True:
            rate = bound = base + (excitation if excitation < cap else cap)
            if rate <= 0.0:
                self._pending = None
                return
            window = WINDOW_CANDIDATES / rate
            if lost and window * regeneration < 1.0:
                bound *= 1.0 - lost * (1.0 - window * regeneration)
            if cut and window * fading < 1.0:
                bound *= 1.0 - cut * (1.0 - window * fading)
            rate = bound
            if len(pool) < RESERVE:
                self._draws.top_up()
            step = -_log(1.0 - pool.pop()) / rate
            accept = pool.pop()
            if step > window:
                pending = _Timeout(self._env, now + window - start)
                pending.callbacks.append(self._window_callback)
                self._pending = pending
                return
            now += step
            if excitation:
                excitation *= _exp(-step * decay)
            if lost:
                lost *= _exp(-step * regeneration)
            if cut:
                cut *= _exp(-step * fading)
            if accept * bound <= (1.0 - lost) * (1.0 - cut) * (
                    base + (excitation if excitation < cap else cap)):
                pending = _Timeout(self._env, now - start)
                pending.callbacks.append(self._attack_callback)
                self._pending = pending
                self._excitation_then = excitation / scale if scale else 0.0
                self._lost_then, self._cut_then = lost, cut
                return

    def _on_window_end(self, _event: simpy.Event) -> None:
        self._redraw(self._env.now)

    def _on_attack(self, _event: simpy.Event) -> None:
        """A kept candidate falls due: attack, then draw the next.

        The hot path of a replication, written flat on purpose: the group draws its weapon,
        the target site and the outcome here, from the US side's table for the group
        (:meth:`USForces.attack_table`: thresholds and record counters per site and weapon,
        built once until troops move), counts the attack and screens the policy with the US
        side's table (:attr:`USForces.screen_days`); the US side is called only for what is
        rare -- casualties, a reply the policy may make, the event log. Six uniforms per
        attack, in a fixed order (weapon, site, interception, damage, casualties, deaths), so
        variants whose sites or outcomes differ stay in step.
        """
        now = self._env.now
        # (an exception here ends the replication, so the flag needs no try/finally)
        self._attacking = True
        pool = self.attack_pool
        if len(pool) < RESERVE:
            self.attack_draws.top_up()
        weapon = bisect_right(self._weapon_cuts, pool.pop())
        us = self._us
        table = self._attack_tables.get(self) or us.attack_table(self)
        names, cuts, cells = table
        where = pool.pop()
        if names:  # else no US troops within reach: nothing happens
            site = bisect_right(cuts, where) if cuts else 0
            intercept_prob, damage_prob, casualty_prob, where_key, weapon_key = cells[site][weapon]
            rec = self._recorder
            rec.attack(now)
            extra = self._extra
            extra[where_key] += 1
            extra[weapon_key] += 1
            intercepted, damaging, hurting, fatal = pool.pop(), pool.pop(), pool.pop(), pool.pop()
            if intercepted < intercept_prob:
                outcome = "intercepted"
                extra["intercepted"] += 1
            elif damaging >= damage_prob:
                outcome = "miss"
            elif hurting >= casualty_prob:
                outcome = "damage"
            else:
                outcome = us.hurt_by_attack(self, self.weapons[weapon], names[site], fatal, now)
            if rec.tracing and outcome != "injuries" and outcome != "fatalities":
                us.note_attack(self.name, self.weapons[weapon], names[site], outcome, 0, 0, now)
            us.attacks_since_last_round += 1
            days_since_last_round = now - us.last_round_day
            if days_since_last_round >= us.screen_days[outcome]:
                us.reply_to_attack(self, outcome, now, days_since_last_round)
            # else the policy would decide nothing, and draw nothing: no report is built
        self._attacking = False
        if self._woken:  # the attack changed the group's state (Iran ordered a pause, ...)
            self._woken = False
            self._redraw(now)
            return
        # excitation, capability and pressure change only by strikes, which are separate events
        self._draw(now, self._excitation_then, self._lost_then, self._cut_then)
