"""US retaliation policies: small named classes that decide whether, when and how to strike.

Each policy reads the same parameters (:class:`~escsim.scenario.schema.USPolicy`, values from
``scenarios/presets/us_policy.toml``) and differs in its decision rule, after the strategies of the
Axelrod library: a ``name``, a docstring that gives the reasoning, and two methods. Add a policy by
subclassing :class:`RetaliationPolicy` and decorating it with :func:`register_policy`; a scenario
then names it in ``us_policy.preset`` (its values come from a preset table of the same name).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import inf
from typing import Any, NamedTuple

from escsim.model.draws import Draws
from escsim.scenario.schema import OUTCOME_CLASSES, USPolicy


class AttackReport(NamedTuple):
    """What the US knows of an attack when deciding a reply (a flat record: cheap to build for
    the hundreds of attacks of a replication)."""

    outcome: str  # one of OUTCOME_CLASSES
    group: str
    group_home: str  # "iraq" | "syria"
    day: float
    attacks_since_last_round: int


@dataclass(frozen=True)
class StrikeOrder:
    """A decided strike round."""

    delay_days: float
    targets: int
    killed_per_target: float
    countries: tuple[str, ...]
    groups: tuple[str, ...]  # empty = every group
    leadership: bool = False
    large_package: bool = False
    #: What the round hits (``TARGET_KINDS``); ``None``: leadership if ``leadership``, else
    #: drawn by Iran's actor from ``iran.irgc_linked_site_share`` (large packages: IRGC-linked).
    target_kind: str | None = None
    #: Whom Iran lost, when a dated round documents it; ``None``: drawn.
    iranian_loss: str | None = None
    #: Militia members killed, when a dated round documents it; ``None``: drawn.
    militia_killed: int | None = None


POLICIES: dict[str, type[RetaliationPolicy]] = {}


def register_policy(cls: type[RetaliationPolicy]) -> type[RetaliationPolicy]:
    """Make a policy class available to scenarios under ``cls.name``."""
    POLICIES[cls.name] = cls
    return cls


class RetaliationPolicy:
    """Base rule: reply by outcome class, routine rounds spaced out, a large package after
    deaths."""

    name = "base"
    #: How the policy is classified, for tables and docs (after Axelrod's classifier dict).
    classifier: dict[str, object] = {}

    def __init__(self, params: USPolicy):
        self.p = params
        self._screen = self.screen_days()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "respond_to_attack" in cls.__dict__ and not {"could_respond", "screen_days"} & set(
                cls.__dict__):
            # a new decision rule: the screen of the rule it replaces may not apply
            cls.could_respond = RetaliationPolicy._may_always_respond  # type: ignore[method-assign]

    # --- the two decisions ------------------------------------------------------------------------
    def screen_days(self) -> dict[str, float]:
        """The screen before :meth:`respond_to_attack` as a table: per outcome class, the fewest
        days since the last round at which that may do anything (``inf``: never; ``-inf``:
        whatever the spacing). Below it, ``respond_to_attack`` would return ``None`` without
        drawing a random number, so the US side does not build a report or ask (most attacks
        come within the spacing of the last round). Built once per policy object; a subclass
        with a screen of its own (:meth:`could_respond`) or a new ``respond_to_attack`` without
        either is never screened by the table."""
        if type(self).could_respond is not RetaliationPolicy.could_respond:
            return dict.fromkeys(OUTCOME_CLASSES, -inf)
        table = dict.fromkeys(OUTCOME_CLASSES, float(self.p.min_days_between_rounds))
        table["fatalities"] = -inf
        return table

    def could_respond(self, outcome: str, days_since_last_round: float) -> bool:
        """Cheap screen before :meth:`respond_to_attack`: ``False`` only where that would return
        ``None`` without drawing a random number (the table :meth:`screen_days`). A subclass may
        override it with a rule of its own; one that overrides ``respond_to_attack`` without a
        screen is never screened."""
        return days_since_last_round >= self._screen[outcome]

    def _may_always_respond(self, outcome: str, days_since_last_round: float) -> bool:  # noqa: ARG002
        return True

    def respond_to_attack(self, report: AttackReport, days_since_last_round: float,
                          draws: Draws) -> StrikeOrder | None:
        """Decide a reply to a militia attack, or ``None``."""
        p = self.p
        if report.outcome == "fatalities":
            if draws.bernoulli(p.respond_prob["fatalities"]):
                return self.large_package(draws)
            return None
        if days_since_last_round < p.min_days_between_rounds:
            return None
        if not draws.bernoulli(p.respond_prob[report.outcome]):
            return None
        return self.routine_round(report, draws)

    def respond_to_iran(self, fatalities: bool, draws: Draws) -> StrikeOrder | None:  # noqa: ARG002
        """Decide whether to strike Iranian territory after an Iranian direct attack."""
        if draws.bernoulli(self.p.strike_iran_prob):
            return StrikeOrder(delay_days=self.delay(draws), targets=self.p.targets_max,
                               killed_per_target=self.p.killed_per_target_mean,
                               countries=("iran",), groups=())
        return None

    # --- building blocks --------------------------------------------------------------------------
    def delay(self, draws: Draws) -> float:
        return draws.between(self.p.delay_min_days, self.p.delay_max_days)

    def country_for(self, report: AttackReport, draws: Draws) -> str:
        if report.group_home == "iraq" and draws.bernoulli(self.p.iraq_strike_prob):
            return "iraq"
        return "syria"

    def targets_for(self, report: AttackReport, draws: Draws) -> int:  # noqa: ARG002
        return draws.integer_between(self.p.targets_min, self.p.targets_max)

    def routine_round(self, report: AttackReport, draws: Draws) -> StrikeOrder:
        return StrikeOrder(delay_days=self.delay(draws), targets=self.targets_for(report, draws),
                           killed_per_target=self.p.killed_per_target_mean,
                           countries=(self.country_for(report, draws),), groups=(report.group,),
                           leadership=draws.bernoulli(self.p.leadership_strike_prob))

    def large_package(self, draws: Draws) -> StrikeOrder:
        """After US deaths: many targets, in Iraq and Syria, against every group (PR-B9)."""
        return StrikeOrder(delay_days=self.delay(draws), targets=self.p.large_package_targets,
                           killed_per_target=self.p.large_package_killed_per_target,
                           countries=("iraq", "syria"), groups=(), large_package=True)


@register_policy
class Proportional(RetaliationPolicy):
    """The 2023-24 practice (PR-B1..PR-B10): answer harm more often than failed attacks, with
    1-3 targets a few days later and rounds a week or more apart; answer US deaths with a very
    large package across Iraq and Syria. Occasionally a round is a leadership strike."""

    name = "proportional"
    classifier = {"replies_to_harmless_attacks": True, "size": "matched", "leadership": "rare"}


@register_policy
class Restraint(RetaliationPolicy):
    """Reply only to harm (injuries or deaths), with the smallest rounds, never at leaders, and
    pull troops back from a site where troops were killed. Strikes Iran only after an Iranian
    attack that killed US personnel."""

    name = "restraint"
    classifier = {"replies_to_harmless_attacks": False, "size": "minimal", "leadership": "never"}

    def screen_days(self) -> dict[str, float]:
        table = super().screen_days()
        for outcome in ("intercepted", "miss", "damage"):
            table[outcome] = inf  # never answered
        return table

    def respond_to_attack(self, report: AttackReport, days_since_last_round: float,
                          draws: Draws) -> StrikeOrder | None:
        if report.outcome not in ("injuries", "fatalities"):
            return None
        order = super().respond_to_attack(report, days_since_last_round, draws)
        if order is not None and order.leadership:
            order = StrikeOrder(order.delay_days, order.targets, order.killed_per_target,
                                order.countries, order.groups, leadership=False,
                                large_package=order.large_package)
        return order

    def respond_to_iran(self, fatalities: bool, draws: Draws) -> StrikeOrder | None:
        return super().respond_to_iran(fatalities, draws) if fatalities else None

    def targets_for(self, report: AttackReport, draws: Draws) -> int:  # noqa: ARG002
        return self.p.targets_min


@register_policy
class Punitive(RetaliationPolicy):
    """Disproportionate: punish the campaign, not the attack. A round's size grows with the
    attacks since the last round (capped at ``targets_max``), and after injuries the spacing
    between rounds is ignored."""

    name = "punitive"
    classifier = {"replies_to_harmless_attacks": True, "size": "escalating", "leadership": "some"}

    def screen_days(self) -> dict[str, float]:
        table = super().screen_days()
        table["injuries"] = -inf  # answered whatever the spacing
        return table

    def respond_to_attack(self, report: AttackReport, days_since_last_round: float,
                          draws: Draws) -> StrikeOrder | None:
        if report.outcome == "injuries":  # one decision, whatever the spacing since the last
            if draws.bernoulli(self.p.respond_prob["injuries"]):
                return self.routine_round(report, draws)
            return None
        return super().respond_to_attack(report, days_since_last_round, draws)

    def targets_for(self, report: AttackReport, draws: Draws) -> int:  # noqa: ARG002
        return min(self.p.targets_max, self.p.targets_min + report.attacks_since_last_round)


@register_policy
class Decapitation(RetaliationPolicy):
    """Go after commanders: most rounds are leadership strikes where the group lives (PR-B7,
    PR-B10 were in Baghdad); after US deaths, the large package plus a leadership strike."""

    name = "decapitation"
    classifier = {"replies_to_harmless_attacks": True, "size": "matched", "leadership": "mostly"}

    def large_package(self, draws: Draws) -> StrikeOrder:
        order = super().large_package(draws)
        return StrikeOrder(order.delay_days, order.targets, order.killed_per_target,
                           order.countries, order.groups, leadership=True, large_package=True)


def make_policy(params: USPolicy) -> RetaliationPolicy:
    """The policy object for a resolved :class:`USPolicy`."""
    return POLICIES[params.preset](params)
