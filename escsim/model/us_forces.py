"""US forces: sites and troops, the outcome of attacks on them, and the retaliation they order."""

from __future__ import annotations

from itertools import accumulate
from typing import TYPE_CHECKING

from escsim.model.agenda import Agenda
from escsim.model.draws import RESERVE, Draws
from escsim.model.policies import AttackReport, RetaliationPolicy, StrikeOrder, make_policy
from escsim.scenario.schema import Event, USPolicy, Weapon

if TYPE_CHECKING:
    from escsim.model.militia import Militia
    from escsim.model.world import World


# outcomes without casualties, shared rather than built per attack
_INTERCEPTED = ("intercepted", 0, 0)
_MISS = ("miss", 0, 0)
_DAMAGE = ("damage", 0, 0)
#: Builds an :class:`AttackReport` from a tuple of its fields in one C call; calling the class
#: goes through the named tuple's Python-level ``__new__`` (about 0.15 us more, on half the
#: attacks).
_new_report = tuple.__new__
#: A group's attack table (:meth:`USForces.attack_table`): site names, their cumulative weights
#: to bisect, and per site and weapon (intercept, damage, casualty thresholds, site counter,
#: weapon counter).
AttackTable = tuple[list[str], list[float], list[list[tuple[float, float, float, str, str]]]]


class USForces:
    """US sites, attack outcomes, and strike rounds ordered by the retaliation policy."""

    def __init__(self, world: World):
        self.world = world
        s = world.scenario
        self.troops = {name: site.troops for name, site in s.sites.items()}
        self.initial_troops = dict(self.troops)
        self.country = {name: site.country for name, site in s.sites.items()}
        self.policy: RetaliationPolicy = make_policy(s.us_policy)
        self._set_screen()
        self.last_round_day = -1e9
        self.attacks_since_last_round = 0
        # caches that troop changes clear: target sites by reach (and by group, for the hot
        # path), casualty probabilities by weapon and site
        #: Each group's :meth:`attack_table`, read by the group on every attack.
        self.attack_tables: dict[Militia, AttackTable] = {}
        self._group_tables = self.attack_tables
        self._casualty_prob: dict[str, dict[str, float]] = {name: {} for name in s.weapons}
        self.agenda = Agenda(world.env, "us")
        # constants of the hot path: each weapon's outcome probabilities, its casualty cache and
        # the recorder's key for it; the recorder's key for each site's country
        self._env = world.env
        # streams of its own: the policy's decisions, the effects of its strikes, the outcomes
        # of Iran's salvos (a militia attack draws from the attacking group's stream)
        self._policy_draws = world.draws("us/policy")
        self._strike_draws = world.draws("us/strikes")
        self._salvo_draws = world.draws("iran/salvos")
        self._recorder = world.recorder
        keys = world.tables.weapon_keys
        self._weapons = {name: (w.intercept_prob, w.damage_prob, w, keys[name],
                                self._casualty_prob[name])
                         for name, w in s.weapons.items()}
        self._where_key = world.tables.where_keys

    # --- posture ----------------------------------------------------------------------------------
    def set_troops(self, site: str, troops: int, why: str) -> None:
        before = self.troops[site]
        self.troops[site] = max(0, troops)
        self._group_tables.clear()
        for by_site in self._casualty_prob.values():
            by_site.clear()
        if self._recorder.tracing:
            self._recorder.note(self._env.now, "us", "troop change", site,
                                f"{before} -> {self.troops[site]} ({why})")

    def set_policy(self, params: USPolicy) -> None:
        self.policy = make_policy(params)
        self._set_screen()
        self.world.recorder.note(self.world.env.now, "us", "policy switch", "", params.preset)

    def _set_screen(self) -> None:
        policy = self.policy
        #: Per outcome class, the fewest days since the last round at which the policy may
        #: reply (the policy's :meth:`~RetaliationPolicy.screen_days`): the attack path reads it
        #: and asks the policy only past it.
        self.screen_days = policy.screen_days()
        # a user's policy with a screen of its own: asked on every attack past the table's
        self._own_screen = type(policy).could_respond not in (
            RetaliationPolicy.could_respond, RetaliationPolicy._may_always_respond)

    def _site_table(self, reach: tuple[str, ...]) -> tuple[list[str], list[float]]:
        """Sites of ``reach`` with troops and cumulative weights to bisect (all but the last, so
        the index is 0..n-1), cached until troops move."""
        sites = self.world.scenario.sites
        names = [n for n in reach if self.troops[n] > 0 and sites[n].target_weight > 0]
        weights = [sites[n].target_weight for n in names]
        total = sum(weights)
        cumulative = [c / total for c in accumulate(weights)]
        return names, cumulative[:-1]

    def casualty_prob(self, site: str, weapon_name: str, weapon: Weapon) -> float:
        """Chance a damaging hit causes casualties: scaled by the troops present, as independent
        exposure (``1 - (1 - p) ** (troops / calibration troops)``)."""
        by_site = self._casualty_prob[weapon_name]
        p = by_site.get(site)
        if p is None:
            exposure = self.troops[site] / self.world.scenario.sites[site].calibration_troops
            p = 1.0 - (1.0 - weapon.casualty_prob) ** exposure
            by_site[site] = p
        return p

    # --- attacks ----------------------------------------------------------------------------------
    def resolve(self, weapon_name: str, site: str, draws: Draws) -> tuple[str, int, int]:
        """Outcome class, wounded and killed of one attack with ``weapon_name`` on ``site``,
        from the stream ``draws`` (four numbers whatever the outcome, so variants stay in
        step)."""
        pool = draws.uniforms
        if len(pool) < RESERVE:
            draws.top_up()
        intercept_prob, damage_prob, w, _, _ = self._weapons[weapon_name]
        intercepted, damaging, hurting, fatal = pool.pop(), pool.pop(), pool.pop(), pool.pop()
        if intercepted < intercept_prob:
            return _INTERCEPTED
        if damaging >= damage_prob:
            return _MISS
        if hurting >= self.casualty_prob(site, weapon_name, w):
            return _DAMAGE
        return self._casualties(w, draws, fatal)

    def _casualties(self, w: Weapon, draws: Draws, fatal: float) -> tuple[str, int, int]:
        """Outcome, wounded and killed of a hit that causes casualties (``fatal``: the uniform
        that decides whether anyone is killed)."""
        wounded = draws.negative_binomial_mean(w.wounded_mean, w.wounded_dispersion)
        if fatal < w.fatal_prob:
            killed = 1 + draws.poisson(w.killed_mean - 1.0)
            return "fatalities", wounded, killed
        return "injuries", max(1, wounded), 0

    def record_attack(self, attacker: str, weapon: str, site: str, outcome: str, wounded: int,
                      killed: int) -> None:
        rec = self._recorder
        now = self._env.now
        if attacker != "iran":  # militia attacks are broken down; Iran's salvos counted apart
            extra = rec.extra
            extra[self._where_key[site]] += 1
            extra[self._weapons[weapon][3]] += 1
            if outcome == "intercepted":
                extra["intercepted"] += 1
        if wounded:
            rec.count("us_wounded", wounded, now)
        if killed:
            rec.count("us_killed", killed, now)
        if rec.tracing:
            self.note_attack(attacker, weapon, site, outcome, wounded, killed, now)

    def note_attack(self, attacker: str, weapon: str, site: str, outcome: str, wounded: int,
                     killed: int, now: float) -> None:
        self._recorder.note(now, attacker, f"attack ({weapon})", site,
                            outcome if outcome in ("intercepted", "miss", "damage")
                            else f"{outcome}: {wounded} wounded, {killed} killed")

    # --- the US side of a militia attack (the group's callback runs the common case) ------------
    def attack_table(self, group: Militia) -> AttackTable:
        """What an attack by ``group`` can do, flat for its hot path (``Militia._on_attack``):
        the sites within its reach that hold troops and their cumulative target weights to
        bisect, and per (site, weapon of the group) the interception, damage and casualty
        thresholds with the two record counters it adds to. Cached until troops move."""
        names, cuts = self._site_table(group.reach)
        weapons = self.world.scenario.weapons
        where_key, weapon_key = self._where_key, self.world.tables.weapon_keys
        cells = [[(weapons[w].intercept_prob, weapons[w].damage_prob,
                   self.casualty_prob(site, w, weapons[w]), where_key[site], weapon_key[w])
                  for w in group.weapons] for site in names]
        table = self._group_tables[group] = (names, cuts, cells)
        return table

    def hurt_by_attack(self, group: Militia, weapon: str, site: str, fatal: float,
                       now: float) -> str:
        """A militia hit that causes casualties (``fatal``: the uniform that decides whether
        anyone is killed, drawn with the attack's other numbers): count them, and react to
        deaths. Returns the outcome class."""
        rec = self._recorder
        outcome, wounded, killed = self._casualties(self.world.scenario.weapons[weapon],
                                                    group.attack_draws, fatal)
        rec.count("us_wounded", wounded, now)
        rec.count("us_killed", killed, now)
        rec.harmful(now)
        if rec.tracing:
            self.note_attack(group.name, weapon, site, outcome, wounded, killed, now)
        if killed:
            self._after_fatalities(site)
        return outcome

    def reply_to_attack(self, group: Militia, outcome: str, now: float,
                        days_since_last_round: float) -> None:
        """The policy decides a reply to an attack that passed its screen
        (:attr:`screen_days`)."""
        policy = self.policy
        if self._own_screen and not policy.could_respond(outcome, days_since_last_round):
            return
        order = policy.respond_to_attack(
            _new_report(AttackReport, (outcome, group.name, group.home_country, now,
                                       self.attacks_since_last_round)),
            days_since_last_round, self._policy_draws)
        if order is not None:
            self.order(order)

    def _after_fatalities(self, site: str) -> None:
        withdrawal = self.policy.p.withdrawal_after_fatalities
        if withdrawal > 0:
            self.set_troops(site, round(self.troops[site] * (1 - withdrawal)),
                            "withdrawal after fatalities")
        self.world.iran.us_killed_by_militia()

    def order(self, order: StrikeOrder) -> None:
        # the spacing rule counts from the decision, so one attack burst yields one round
        self.last_round_day = self.world.env.now
        self.attacks_since_last_round = 0
        self.agenda.schedule(order.delay_days, self.strike, order)

    # --- strikes ----------------------------------------------------------------------------------
    def dated_round(self, event: Event, age_days: float = 0.0) -> None:
        """A US round of the scenario's timeline (``us_strike`` event); ``age_days > 0``: it came
        that long before the run started and only sets the state at day 0."""
        order = StrikeOrder(delay_days=0.0, targets=event.targets or 1, killed_per_target=0.0,
                            countries=(event.country or "syria",), groups=event.groups or (),
                            leadership=event.target_kind == "leadership",
                            target_kind=event.target_kind, iranian_loss=event.iranian_loss,
                            militia_killed=event.militia_killed)
        # the policy spaces its own rounds from this one
        self.last_round_day = max(self.last_round_day, self._env.now - age_days)
        self.attacks_since_last_round = 0
        self.strike(order, age_days)

    def strike(self, order: StrikeOrder, age_days: float = 0.0) -> None:
        """Carry out a strike round (``age_days > 0``: one from before the run, whose effects
        on the groups and on Baghdad have decayed by day 0; it is not counted)."""
        world = self.world
        now = world.env.now
        rec = world.recorder
        if order.countries == ("iran",):
            rec.count("us_strikes_on_iran", 1, now)
            rec.extra["us_targets_struck"] += order.targets
            if rec.tracing:
                rec.note(now, "us", "strike on Iran", "iran", f"{order.targets} targets")
            world.iran.territory_struck()
            return
        groups = [world.militias[g] for g in order.groups] if order.groups \
            else list(world.militias.values())
        killed_total = 0
        # targets (and documented dead) split as evenly as whole numbers allow; a group gets at
        # least one target
        base, extra = divmod(order.targets, len(groups))
        major = order.leadership or order.targets >= self.policy.p.major_round_targets
        # under deterrence a major round brings restraint, not revenge (a round from before the
        # run is initial state: its excitation carries over as under backlash)
        provokes = not (major and age_days == 0.0 and world.mechanisms.strike_effect.deters)
        if order.militia_killed is not None:
            dead_base, dead_extra = divmod(order.militia_killed, len(groups))
        for i, group in enumerate(groups):
            share = max(1, base + (1 if i < extra else 0))
            if order.militia_killed is None:
                killed = self._strike_draws.poisson(order.killed_per_target * share)
            else:
                killed = dead_base + (1 if i < dead_extra else 0)
            killed_total += killed
            group.struck(share, killed, leader_killed=order.leadership, wake=False,
                         age_days=age_days, provokes=provokes)
        in_iraq = "iraq" in order.countries
        if age_days > 0.0:
            if in_iraq:
                world.baghdad.iraq_round(order.leadership, wake=False, age_days=age_days)
            return
        rec.count("us_strikes", 1, now)
        rec.extra["us_targets_struck"] += order.targets
        rec.count("militia_killed", killed_total, now)
        if order.leadership:
            rec.count("leadership_strikes", 1, now)
        if major:
            rec.count("major_us_strikes", 1, now)
        if rec.tracing:
            rec.note(now, "us", "leadership strike" if order.leadership else "strike round",
                     "+".join(order.countries) + ": " + ",".join(g.name for g in groups),
                     f"{order.targets} targets, {killed_total} militia killed")
        world.iran.us_round(order)
        world.iran.groups_struck([g.name for g in groups])
        if in_iraq:
            world.baghdad.iraq_round(order.leadership, wake=False)
        # each group whose rate changed draws its next attack once, from the new state
        for group in world.militias.values():
            if group in groups or (in_iraq and group.p.baghdad_influence > 0.0):
                group.wake()
        if major:
            world.iran.major_us_strike()

    def iranian_attack(self, weapon: str, site: str) -> None:
        """An Iranian direct salvo lands; the policy decides whether to strike Iran."""
        world = self.world
        now = world.env.now
        outcome, wounded, killed = self.resolve(weapon, site, self._salvo_draws)
        world.recorder.count("iran_direct_attacks", 1, now)
        self.record_attack("iran", weapon, site, outcome, wounded, killed)
        order = self.policy.respond_to_iran(killed > 0, self._policy_draws)
        if order is not None:
            self.agenda.schedule(order.delay_days, self.strike, order)
