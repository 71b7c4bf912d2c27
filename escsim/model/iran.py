"""Iran: a posture toward its partners that events move, and direct retaliation on US forces.

Postures: ``restraining`` (a pause order), ``permissive`` (rates as calibrated) and
``encouraging`` (rates raised). How the groups obey a pause is a contested mechanism
(``[mechanisms] compliance``): wholly, broken by discrete defections (the default), or with a
constant leak. Transitions:

* US service members killed by a militia attack, or a major US strike package -> Iran decides
  whether to order a pause, by the pause rule in force (``[mechanisms] pause_rule``): by default a
  decision on the context (a regional war under way, a US threat of a major package, Baghdad
  pressing), see :class:`~escsim.model.mechanisms.ContextPause`;
* how a pause ends is a contested mechanism (``[mechanisms] pause_end``): by default it erodes
  group by group -- a paused group returns to attacks on its own after an exponential time
  (``pause_erosion_days``), after a US round on it or after an Israeli strike on Iran, and attacks
  at the low tempo of a frayed pause (``frayed_rate_factor``) -- and Iran lifts it whole only when
  it goes to war with the US directly; under ``lapses`` it lasts an exponential time with mean
  ``pause_mean_days`` and then the posture reverts;
* under the ``deterrence`` strike effect a major US round cuts every group's rate for
  ``deterrence_days`` and may bring (or tighten) a pause;
* a US round may kill Iranian personnel according to what it hits (who, not where): a
  leadership strike, an IRGC-linked facility, an ordinary militia site
  (``iranians_killed_prob``); Iran then answers with a direct ballistic-missile salvo on US forces
  with ``retaliate_senior_commander_prob`` or ``retaliate_personnel_prob``;
* strikes on Iranian territory by the US (``retaliate_territory_prob``) are answered against US
  forces; Israeli strikes are answered against Israel (outside the model) unless a scenario sets
  ``retaliate_israeli_strike_prob``.

Every retaliation probability is multiplied by the escalation multiplier of any external shock
(Iran's exposure) and by ``retaliation_factor_restraining`` while Iran restrains its partners.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from escsim.model.agenda import Agenda
from escsim.model.mechanisms import PauseContext

if TYPE_CHECKING:
    from escsim.model.militia import Militia
    from escsim.model.policies import StrikeOrder
    from escsim.model.world import World


class IranActor:
    """Iran's posture, the pauses it orders and its direct attacks on US forces."""

    def __init__(self, world: World):
        self.world = world
        self.p = world.scenario.iran
        self._pause_rule = world.mechanisms.pause_rule
        self._compliance = world.mechanisms.compliance
        self._partner_leaders = world.mechanisms.partner_leaders
        self._erodes = world.mechanisms.pause_end.erodes
        self._deters = world.mechanisms.strike_effect.deters
        self._casualties = world.mechanisms.iranian_casualties
        self.posture = self.p.initial_posture
        self._posture_before_pause = (self.posture if self.posture != "restraining"
                                      else "permissive")
        self._pause_started: float | None = 0.0 if self.posture == "restraining" else None
        self.days_restraining = 0.0
        self.escalation_multiplier = 1.0  # raised by external shocks
        self._pause_id = 0
        #: Groups in a defection episode (with the number of episodes under way), and a count
        #: that tells a pause's episodes from the next pause's.
        self.defecting: dict[str, int] = {}
        self._restraint_epoch = 0
        #: Groups that have returned to attacks, at the frayed tempo, under the pause in force
        #: ('erodes' pause end).
        self.returned: set[str] = set()
        #: Factor on every group's rate after a major US round ('deterrence' strike effect).
        self.deterrence_factor = 1.0
        self._deterrence_id = 0
        self.agenda = Agenda(world.env, "iran")
        #: Iran's decisions (pauses, defections, retaliation), and who it loses in US rounds.
        self._draws = world.draws("iran/decisions")
        self._loss_draws = world.draws("iran/losses")
        #: When and whether paused groups return ('erodes' pause end): a stream of its own, so
        #: the erosion of a pause leaves Iran's other decisions where they were.
        self._erosion_draws = world.draws("iran/erosion")
        if self.posture == "restraining":
            if self._erodes:
                already = world.scenario.initial_state.returned_from_pause
                self.returned.update(already)
                self._start_erosion(skip=already)
            else:
                # a pause already in force at day 0: exponential lengths are memoryless, so its
                # remaining length has the same distribution as a new pause's
                self.agenda.schedule(self.p.pause_mean_days * self._draws.exponential(),
                                     self._end_pause, self._pause_id)
            self._start_defections()

    def militia_factor(self, group: Militia) -> float:
        """Factor on a group's rate under the current posture."""
        deterred = self.deterrence_factor
        if self.posture == "restraining":
            obeyed = self._compliance.factor(group.p.restraint_compliance,
                                             group.name in self.defecting)
            if group.name in self.returned:
                return deterred * max(obeyed, self.p.frayed_rate_factor)
            return deterred * obeyed
        if self.posture == "encouraging":
            return deterred * self.p.encouraging_rate_multiplier
        return deterred

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
        self.defecting.clear()
        self.returned.clear()
        self._restraint_epoch += 1
        if posture == "restraining":
            self._start_defections()
            if self._erodes:
                self._start_erosion()
        self.world.militia_factors_changed()

    def order_pause(self, why: str) -> None:
        world = self.world
        world.recorder.count("restraint_orders", 1, world.env.now)
        self._pause_id += 1
        if self._erodes:
            if self.posture == "restraining":
                self._tighten(why)
            else:
                self.set_posture("restraining", why)
            return
        self.set_posture("restraining", why)
        length = self.p.pause_mean_days * self._draws.exponential()
        self.agenda.schedule(length, self._end_pause, self._pause_id)

    def _tighten(self, why: str) -> None:
        """A new pause order while one stands: every group that had returned stops again."""
        self.world.recorder.note(self.world.env.now, "iran", "pause tightened", "militias", why)
        self.defecting.clear()
        self.returned.clear()
        self._restraint_epoch += 1
        self._start_defections()
        self._start_erosion()
        self.world.militia_factors_changed()

    # --- erosion of a pause ('erodes' pause end) --------------------------------------------------
    def _start_erosion(self, skip: tuple[str, ...] = ()) -> None:
        """Each paused group returns on its own after an exponential time."""
        epoch = self._restraint_epoch
        for name in self.world.scenario.militias:
            if name not in skip:
                self.agenda.schedule(self.p.pause_erosion_days * self._erosion_draws.exponential(),
                                     self._return, name, epoch, "the pause erodes")

    def _return(self, name: str, epoch: int, why: str) -> None:
        """A paused group returns to attacks, at the frayed tempo, for the rest of the pause."""
        if epoch != self._restraint_epoch or name in self.returned:
            return
        world = self.world
        self.returned.add(name)
        world.recorder.extra["returns_from_pause"] += 1
        world.recorder.note(world.env.now, name, "declares the pause over", "us", why)
        world.militia_factors_changed()

    def _fray(self, names: list[str], prob: float, why: str) -> None:
        """After an event, each paused group of ``names`` returns with ``prob``."""
        if not self._erodes or self.posture != "restraining" or prob <= 0.0:
            return
        for name in names:
            if name not in self.returned and self._erosion_draws.bernoulli(prob):
                self._return(name, self._restraint_epoch, why)

    # --- deterrence ('deterrence' strike effect) --------------------------------------------------
    def deterred(self) -> None:
        """A major US round: the groups hold back for ``deterrence_days``, and Iran may order a
        pause (or tighten a frayed one) to keep a US blow off itself."""
        world = self.world
        self._deterrence_id += 1
        if self.p.deterrence_rate_cut > 0.0:
            self.deterrence_factor = 1.0 - self.p.deterrence_rate_cut
            self.agenda.schedule(self.p.deterrence_days, self._deterrence_ends,
                                 self._deterrence_id)
        world.recorder.note(world.env.now, "militias", "deterred", "us",
                            f"rates x{self.deterrence_factor:g}")
        if self._draws.bernoulli(self.p.deterrence_pause_prob):
            if self.posture != "restraining":
                self.order_pause("deterred by a major US round")
                return
            if self.returned:
                self._pause_id += 1
                world.recorder.count("restraint_orders", 1, world.env.now)
                self._tighten("deterred by a major US round")
                return
        world.militia_factors_changed()

    def _deterrence_ends(self, deterrence_id: int) -> None:
        if deterrence_id == self._deterrence_id:
            self.deterrence_factor = 1.0
            self.world.militia_factors_changed()

    def _end_pause(self, pause_id: int) -> None:
        if pause_id == self._pause_id and self.posture == "restraining":
            self.set_posture(self._posture_before_pause, "pause ends")

    def restraining_days(self, now: float) -> float:
        extra = now - self._pause_started if self._pause_started is not None else 0.0
        return self.days_restraining + extra

    # --- defections from a pause ------------------------------------------------------------------
    def _start_defections(self) -> None:
        if not self._compliance.defects:
            return
        for name, group in self.world.scenario.militias.items():
            if group.defection_rate_per_day > 0.0:
                self._schedule_defection(name, self._restraint_epoch)

    def _schedule_defection(self, name: str, epoch: int) -> None:
        rate = self.world.scenario.militias[name].defection_rate_per_day
        self.agenda.schedule(self._draws.exponential() / rate, self._defect, name, epoch)

    def _defect(self, name: str, epoch: int, chained: bool = True) -> None:
        """A defection episode starts (``chained``: one of the group's Poisson process of
        defections, which schedules the next when it ends; else one set off by a US strike)."""
        if epoch != self._restraint_epoch:
            return  # that pause is over
        world = self.world
        self.defecting[name] = self.defecting.get(name, 0) + 1
        world.recorder.extra["defections"] += 1
        world.recorder.note(world.env.now, name, "defects from the pause", "us",
                            "" if chained else "after a US strike")
        world.militia_factors_changed()
        self.agenda.schedule(self.p.defection_mean_days * self._draws.exponential(),
                             self._end_defection, name, epoch, chained)

    def _end_defection(self, name: str, epoch: int, chained: bool) -> None:
        if epoch != self._restraint_epoch:
            return
        left = self.defecting.pop(name, 1) - 1
        if left > 0:
            self.defecting[name] = left
        else:
            self.world.militia_factors_changed()
        if chained:
            self._schedule_defection(name, epoch)

    def groups_struck(self, names: list[str]) -> None:
        """A US round hit these groups: under a pause, each may defect at once (a local
        grievance), as the Syria groups did after the US strikes of 11 Nov 2024."""
        if self.posture != "restraining":
            return
        prob = self.p.defection_after_strike_prob
        if prob <= 0.0 or not self._compliance.defects:
            self._fray(names, self.p.return_after_us_round_prob, "after a US strike")
            return
        for name in names:
            if self._draws.bernoulli(prob):
                self._defect(name, self._restraint_epoch, chained=False)
        self._fray(names, self.p.return_after_us_round_prob, "after a US strike")

    # --- the pause decision -----------------------------------------------------------------------
    def _context(self, us_killed: bool) -> PauseContext:
        world = self.world
        policy = world.us.policy.p
        threat = (policy.respond_prob["fatalities"] > 0.0
                  and policy.large_package_targets >= policy.major_round_targets)
        return PauseContext(
            regional_war=world.timeline.regional_war,
            us_threat=threat,
            baghdad_pressing=world.baghdad.pressure_at(world.env.now)
            >= self.p.pause_baghdad_pressure,
            us_killed=us_killed)

    def _decide_pause(self, us_killed: bool, why: str) -> None:
        prob = self._pause_rule.pause_prob(self, self._context(us_killed))
        if prob > 0.0 and self._draws.bernoulli(prob):
            self.order_pause(why)

    # --- triggers from the US side ----------------------------------------------------------------
    def us_killed_by_militia(self) -> None:
        self._decide_pause(True, "after US deaths")

    def major_us_strike(self) -> None:
        if self._deters:
            self.deterred()
        if self.posture != "restraining":
            self._decide_pause(False, "after a major US strike package")

    def us_round(self, order: StrikeOrder) -> None:
        """A US round on the militias may kill Iranian personnel, according to what it hits."""
        world = self.world
        draws = self._loss_draws
        if order.target_kind is not None:
            kind = order.target_kind
        elif order.leadership:
            kind = "leadership"
        elif order.large_package or draws.bernoulli(self.p.irgc_linked_site_share):
            kind = "irgc_linked_site"  # the Feb 2024 package hit IRGC-used sites (PR-B9)
        else:
            kind = "militia_site"
        loss = order.iranian_loss
        if loss is None:
            loss = "none"
            prob = self.p.iranians_killed_prob[kind]
            if prob > 0.0 and any(self._casualties.can_kill(c) for c in order.countries) \
                    and draws.bernoulli(prob):
                senior = kind == "leadership" and draws.bernoulli(self.p.senior_commander_share)
                loss = "senior_commander" if senior else "officers"
        if loss != "none":
            killed = 1 + draws.poisson(1.0)
            world.recorder.count("iran_personnel_killed", killed, world.env.now)
            if loss == "senior_commander":
                world.recorder.extra["iran_senior_commanders_killed"] += 1
            world.recorder.note(world.env.now, "us", f"Iranians killed ({loss})",
                                "+".join(order.countries), f"{killed} killed")
            prob = (self.p.retaliate_senior_commander_prob if loss == "senior_commander"
                    else self.p.retaliate_personnel_prob)
            self._consider_retaliation(prob, f"Iranian {loss.replace('_', ' ')} killed")
        elif kind == "leadership" and self._partner_leaders.counts_as_officers:
            self._consider_retaliation(self.p.retaliate_personnel_prob, "partner leader killed")

    def territory_struck(self) -> None:
        self._consider_retaliation(self.p.retaliate_territory_prob, "territory struck")

    def outside_strike(self, striker: str, why: str, us_joins_prob: float = 0.0) -> None:
        """An exogenous strike on Iranian territory (a dated event or a hazard); an Israeli one
        may be joined by the US (``us_joins_prob``)."""
        world = self.world
        now = world.env.now
        if striker == "us":
            world.recorder.count("us_strikes_on_iran", 1, now)
            world.recorder.note(now, "us", "strike on Iran", "iran", why)
            self.territory_struck()
            return
        world.recorder.count("israeli_strikes_on_iran", 1, now)
        world.recorder.note(now, "israel", "strike on Iran", "iran", why)
        # whether the US joins: the timeline's stream, drawn only where a scenario states the
        # chance, so other scenarios' draws stay where they were
        if us_joins_prob > 0.0 and world.draws("timeline").bernoulli(us_joins_prob):
            world.recorder.count("us_strikes_on_iran", 1, now)
            world.recorder.note(now, "us", "strike on Iran", "iran", f"joins Israel ({why})")
            self.territory_struck()
        elif self.p.retaliate_israeli_strike_prob > 0.0:
            self._consider_retaliation(self.p.retaliate_israeli_strike_prob,
                                       "Israeli strike on Iran")
        self._fray(list(world.militias), self.p.return_after_israeli_strike_prob,
                   "after an Israeli strike on Iran")

    def _consider_retaliation(self, prob: float, why: str) -> None:
        world = self.world
        prob *= self.escalation_multiplier
        if self.posture == "restraining":
            prob *= self.p.retaliation_factor_restraining
        if prob > 0.0 and self._draws.bernoulli(min(1.0, prob)):
            delay = self.p.retaliation_delay_days * self._draws.exponential()
            world.recorder.note(world.env.now, "iran", "decides direct retaliation", "us", why)
            self.agenda.schedule(delay, self._direct_attack)
            if self._erodes and self.p.lift_pause_on_direct_war and \
                    self.posture == "restraining":
                # the pause was ordered to keep a direct war with the US off Iran (PR-P1)
                self.set_posture(self._posture_before_pause, "pause lifted: direct war with US")

    def _direct_attack(self) -> None:
        site = self.p.direct_attack_site
        if self.world.us.troops[site] <= 0:
            return  # nothing left to hit there
        self.world.us.iranian_attack(self.p.direct_attack_weapon, site)
