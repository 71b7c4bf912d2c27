"""US retaliation policies as expected order sequences on scripted histories (Axelrod's
``versus_test``): each policy gets the preset's resolved parameters, a scripted stand-in for
:class:`escsim.model.draws.Draws`, and a sequence of attack reports."""

from __future__ import annotations

import dataclasses
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import escsim
from escsim.model.policies import (
    POLICIES,
    AttackReport,
    Decapitation,
    Proportional,
    Punitive,
    Restraint,
    RetaliationPolicy,
    StrikeOrder,
    make_policy,
)
from escsim.scenario.schema import USPolicy

PRESETS = ("restraint", "proportional", "punitive", "decapitation")
CLASSES = {"restraint": Restraint, "proportional": Proportional, "punitive": Punitive,
           "decapitation": Decapitation}


def params(preset: str) -> USPolicy:
    """The resolved parameters of a preset, as a scenario would give them to the model."""
    return escsim.load_scenario("surge-2023", [f"us_policy.preset={preset}"]).us_policy


class ScriptedDraws:
    """Stands in for ``Draws``: every yes/no answer is scripted, not random.

    ``bernoulli`` answers from ``answers`` in order and then ``default``; it records the
    probability it was asked about, so a test can check which parameter a decision used.
    ``between`` returns the point ``fraction`` of the way from low to high; ``integer_between``
    returns ``high`` (or the scripted integers).
    """

    def __init__(self, answers: Iterable[bool] = (), default: bool = True,
                 fraction: float = 0.5, integers: Iterable[int] = ()):
        self.answers = deque(answers)
        self.default = default
        self.fraction = fraction
        self.integers = deque(integers)
        self.asked: list[float] = []

    def uniform(self) -> float:
        return self.fraction

    def bernoulli(self, p: float) -> bool:
        self.asked.append(p)
        return self.answers.popleft() if self.answers else self.default

    def between(self, low: float, high: float) -> float:
        return low + (high - low) * self.fraction

    def integer_between(self, low: int, high: int) -> int:
        value = self.integers.popleft() if self.integers else high
        assert low <= value <= high
        return value


@dataclass(frozen=True)
class Attack:
    day: float
    outcome: str
    group: str = "iraq_factions"
    home: str = "iraq"


def versus(policy: RetaliationPolicy, attacks: list[Attack],
           draws: ScriptedDraws) -> list[StrikeOrder | None]:
    """Play a history of attacks against ``policy`` the way US forces do: the spacing counts from
    the last decision to strike, and the attacks since then are reported."""
    last_round_day = -1e9
    since = 0
    orders = []
    screen = _screen(policy)
    for a in attacks:
        since += 1
        days = a.day - last_round_day
        order = None
        if screen(a.outcome, days):
            report = AttackReport(a.outcome, a.group, a.home, a.day, since)
            order = policy.respond_to_attack(report, days, draws)
        if order is not None:
            last_round_day, since = a.day, 0
        orders.append(order)
    return orders


def _screen(policy: RetaliationPolicy):
    """The policy's cheap pre-check, where it has one (US forces skip the decision when it says
    no); a policy without one is never screened."""
    return getattr(policy, "could_respond", lambda outcome, days: True)


def fired(orders: list[StrikeOrder | None]) -> list[bool]:
    return [o is not None for o in orders]


# ---------------------------------------------------------------------------- the registry ---
def test_presets_and_registered_policy_classes_are_one_list() -> None:
    """A policy is a class plus its preset table, nothing else: the two must name the same
    policies (the schema keeps no list of its own)."""
    from escsim.model.policies import POLICIES
    from escsim.scenario.loader import preset_names
    from escsim.scenario.schema import USPolicy

    assert set(preset_names()) == set(POLICIES) == set(PRESETS)
    meta = {f.name: f.metadata for f in dataclasses.fields(USPolicy)}
    assert meta["preset"].get("choices") is None


@pytest.mark.parametrize("preset", PRESETS)
def test_each_preset_names_its_policy_class(preset: str) -> None:
    p = params(preset)
    assert p.preset == preset
    policy = make_policy(p)
    assert type(policy) is CLASSES[preset] and policy.name == preset
    assert POLICIES[preset] is CLASSES[preset]
    assert policy.classifier and policy.__doc__


# ------------------------------------------------------------------------------- restraint ---
@pytest.mark.parametrize("outcome", ["intercepted", "miss", "damage"])
def test_restraint_never_answers_harmless_attacks(outcome: str) -> None:
    """Even if every draw said yes, an attack that hurt nobody gets no reply."""
    policy = make_policy(params("restraint"))
    draws = ScriptedDraws(default=True)
    attacks = [Attack(day=10.0 * i, outcome=outcome) for i in range(20)]
    assert versus(policy, attacks, draws) == [None] * 20
    assert draws.asked == []


def test_restraint_answers_harm_small_and_never_at_leaders() -> None:
    p = params("restraint")
    policy = make_policy(p)
    draws = ScriptedDraws(default=True)  # the leadership draw says yes too
    attacks = [Attack(0, "injuries"), Attack(5, "injuries"), Attack(31, "injuries"),
               Attack(32, "fatalities"), Attack(40, "miss")]
    orders = versus(policy, attacks, draws)
    assert fired(orders) == [True, False, True, True, False]
    routine = [o for o in orders if o is not None and not o.large_package]
    assert len(routine) == 2
    for o in routine:
        assert o.targets == p.targets_min  # the smallest round, not the scripted maximum
        assert o.leadership is False
        assert o.killed_per_target == p.killed_per_target_mean
        assert p.delay_min_days <= o.delay_days <= p.delay_max_days
    package = orders[3]
    assert package is not None and package.large_package
    assert package.targets == p.large_package_targets and package.leadership is False
    assert package.countries == ("iraq", "syria") and package.groups == ()


def test_restraint_never_orders_leadership_strikes_under_any_answers() -> None:
    policy = make_policy(params("restraint"))
    for answers in ([True] * 4, [True, False, True, True], [True, True, True, False]):
        for outcome in ("injuries", "fatalities"):
            order = policy.respond_to_attack(AttackReport(outcome, "iraq_factions", "iraq", 0.0,
                                                          1), 1e9, ScriptedDraws(answers))
            assert order is not None and order.leadership is False


def test_restraint_may_decline_deaths_with_its_probability() -> None:
    p = params("restraint")
    policy = make_policy(p)
    draws = ScriptedDraws(answers=[False])
    assert versus(policy, [Attack(0, "fatalities")], draws) == [None]
    assert draws.asked == [p.respond_prob["fatalities"]]


# ---------------------------------------------------------------------------- proportional ---
def test_proportional_respects_spacing_except_after_fatalities() -> None:
    p = params("proportional")
    gap = p.min_days_between_rounds
    policy = make_policy(p)
    draws = ScriptedDraws(default=True)
    attacks = [Attack(0, "damage"), Attack(1, "injuries"), Attack(gap - 0.01, "miss"),
               Attack(gap, "miss"), Attack(gap + 1, "fatalities"), Attack(gap + 2, "injuries"),
               Attack(2 * gap + 1, "intercepted")]
    orders = versus(policy, attacks, draws)
    assert fired(orders) == [True, False, False, True, True, False, True]
    package = orders[4]
    assert package is not None and package.large_package
    assert package.targets == p.large_package_targets
    assert package.killed_per_target == p.large_package_killed_per_target
    assert package.countries == ("iraq", "syria") and package.groups == ()
    assert package.delay_days == pytest.approx((p.delay_min_days + p.delay_max_days) / 2)
    for i in (0, 3, 6):
        o = orders[i]
        assert o is not None and not o.large_package
        assert p.targets_min <= o.targets <= p.targets_max
        assert o.groups == ("iraq_factions",)
        assert o.killed_per_target == p.killed_per_target_mean


def test_proportional_fatalities_ignore_spacing_right_after_a_round() -> None:
    p = params("proportional")
    orders = versus(make_policy(p), [Attack(0, "damage"), Attack(0.1, "fatalities")],
                    ScriptedDraws(default=True))
    assert fired(orders) == [True, True]
    assert orders[1] is not None and orders[1].large_package


def test_proportional_asks_the_probability_of_each_outcome_class() -> None:
    p = params("proportional")
    policy = make_policy(p)
    for outcome in ("intercepted", "miss", "damage", "injuries", "fatalities"):
        draws = ScriptedDraws(default=False)
        assert versus(policy, [Attack(0, outcome)], draws) == [None]
        assert draws.asked == [p.respond_prob[outcome]], outcome


def test_proportional_country_and_leadership_follow_the_draws() -> None:
    p = params("proportional")
    policy = make_policy(p)
    # decision yes, Iraq yes, leadership no
    iraq = versus(policy, [Attack(0, "damage")], ScriptedDraws([True, True, False]))[0]
    assert iraq is not None and iraq.countries == ("iraq",) and iraq.leadership is False
    # decision yes, Iraq no (so its facilities in Syria), leadership yes
    syria = versus(policy, [Attack(0, "damage")], ScriptedDraws([True, False, True]))[0]
    assert syria is not None and syria.countries == ("syria",) and syria.leadership is True
    # a Syria-based group is struck in Syria without an Iraq draw
    draws = ScriptedDraws([True, False])
    home = versus(policy, [Attack(0, "damage", "syria_groups", "syria")], draws)[0]
    assert home is not None and home.countries == ("syria",) and home.groups == ("syria_groups",)
    assert draws.asked == [p.respond_prob["damage"], p.leadership_strike_prob]


# -------------------------------------------------------------------------------- punitive ---
def test_punitive_sizes_grow_with_attacks_since_the_last_round() -> None:
    p = params("punitive")
    policy = make_policy(p)
    # each decision draw is scripted; routine rounds then draw Iraq and leadership
    no, yes_round = [False], [True, True, False]
    answers = yes_round + no * 2 + yes_round + no * 5 + yes_round + no * 30 + yes_round
    attacks = [Attack(day=10.0 * i, outcome="miss") for i in range(1 + 3 + 6 + 31)]
    orders = versus(policy, attacks, ScriptedDraws(answers, default=False))
    sizes = [o.targets for o in orders if o is not None]
    assert sizes == [min(p.targets_max, p.targets_min + n) for n in (1, 3, 6, 31)]
    assert sizes[0] < sizes[1] < sizes[2] <= sizes[3] == p.targets_max


def test_punitive_answers_injuries_regardless_of_spacing() -> None:
    p = params("punitive")
    orders = versus(make_policy(p), [Attack(0, "damage"), Attack(0.5, "injuries"),
                                     Attack(0.6, "damage")], ScriptedDraws(default=True))
    assert fired(orders) == [True, True, False]


def test_punitive_injury_reply_probability_is_respond_prob() -> None:
    """One draw with respond_prob['injuries'] decides the reply to injuries: when it says no,
    there is no second chance through the spacing rule (else the reply probability would be
    1 - (1 - p)^2, not the documented p)."""
    p = params("punitive")
    draws = ScriptedDraws(answers=[False], default=True)
    orders = versus(make_policy(p), [Attack(100, "injuries")], draws)
    assert orders == [None], draws.asked


# ---------------------------------------------------------------------------- decapitation ---
def test_decapitation_large_package_includes_leadership() -> None:
    p = params("decapitation")
    draws = ScriptedDraws(default=True)
    orders = versus(make_policy(p), [Attack(0, "fatalities")], draws)
    package = orders[0]
    assert package is not None
    assert package.large_package and package.leadership
    assert package.targets == p.large_package_targets
    assert package.countries == ("iraq", "syria")
    proportional = versus(make_policy(params("proportional")), [Attack(0, "fatalities")],
                          ScriptedDraws(default=True))[0]
    assert proportional is not None and not proportional.leadership


def test_decapitation_routine_rounds_go_after_leaders_with_its_probability() -> None:
    p = params("decapitation")
    draws = ScriptedDraws([True, True, True])
    order = versus(make_policy(p), [Attack(0, "injuries")], draws)[0]
    assert order is not None and order.leadership and order.countries == ("iraq",)
    assert draws.asked == [p.respond_prob["injuries"], p.iraq_strike_prob,
                           p.leadership_strike_prob]
    assert p.leadership_strike_prob > params("proportional").leadership_strike_prob


# ------------------------------------------------------------------------ respond to Iran ---
@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("fatalities", [False, True])
def test_respond_to_iran(preset: str, fatalities: bool) -> None:
    p = params(preset)
    policy = make_policy(p)
    yes = ScriptedDraws(default=True)
    order = policy.respond_to_iran(fatalities, yes)
    if preset == "restraint" and not fatalities:
        assert order is None and yes.asked == []  # restraint strikes Iran only after deaths
    else:
        assert order is not None
        assert order.countries == ("iran",) and order.groups == ()
        assert order.targets == p.targets_max
        assert p.delay_min_days <= order.delay_days <= p.delay_max_days
        assert yes.asked == [p.strike_iran_prob]
    no = ScriptedDraws(default=False)
    assert policy.respond_to_iran(fatalities, no) is None


# ------------------------------------------------------------------------------- the screen ---
_PARAMS = {preset: params(preset) for preset in PRESETS}


@settings(max_examples=300, deadline=None)
@given(preset=st.sampled_from(PRESETS),
       outcome=st.sampled_from(["intercepted", "miss", "damage", "injuries", "fatalities"]),
       days=st.floats(0, 60), answers=st.lists(st.booleans(), min_size=5, max_size=5))
def test_screen_never_hides_a_decision(preset: str, outcome: str, days: float,
                                       answers: list[bool]) -> None:
    """Where the screen says no, the full decision would order nothing and draw nothing, so
    skipping it leaves both the orders and the random stream unchanged."""
    policy = make_policy(_PARAMS[preset])
    if _screen(policy)(outcome, days):
        return
    draws = ScriptedDraws(answers)
    report = AttackReport(outcome, "iraq_factions", "iraq", 100.0, 3)
    assert policy.respond_to_attack(report, days, draws) is None
    assert draws.asked == []


@settings(max_examples=200, deadline=None)
@given(preset=st.sampled_from(PRESETS),
       outcome=st.sampled_from(["intercepted", "miss", "damage", "injuries", "fatalities"]),
       days=st.floats(-1, 60))
def test_screen_table_is_the_screen(preset: str, outcome: str, days: float) -> None:
    """The attack path screens with the table (``screen_days``) rather than calling
    ``could_respond``: the two must agree everywhere, spacing boundary included."""
    policy = make_policy(_PARAMS[preset])
    table = policy.screen_days()
    assert policy.could_respond(outcome, days) == (days >= table[outcome])
    spacing = _PARAMS[preset].min_days_between_rounds
    assert policy.could_respond(outcome, spacing) == (spacing >= table[outcome])


class _OwnScreen(Proportional):
    """A user's rule with a screen of its own: answers only intercepted attacks."""

    name = "own-screen-test"

    def could_respond(self, outcome: str, days_since_last_round: float) -> bool:
        return outcome == "intercepted"


class _NewRule(Proportional):
    """A user's new decision rule without a screen: must never be screened."""

    name = "new-rule-test"

    def respond_to_attack(self, report: AttackReport, days_since_last_round: float,
                          draws: ScriptedDraws) -> StrikeOrder | None:
        return None


@pytest.mark.parametrize("cls", [_OwnScreen, _NewRule])
def test_a_policy_with_its_own_screen_or_rule_is_not_screened_by_the_table(cls: type) -> None:
    """Only the built-in screen becomes a table: a user's ``could_respond`` is asked on every
    attack (the table lets everything through), and a new ``respond_to_attack`` without a
    screen is asked even within the spacing."""
    policy = cls(_PARAMS["proportional"])
    assert set(policy.screen_days().values()) == {float("-inf")}
    assert policy.could_respond("intercepted", 0.0)
    assert policy.could_respond("miss", 0.0) is (cls is _NewRule)


def test_us_forces_screen_attacks_with_the_policy_table_and_ask_a_user_screen() -> None:
    """The US side's table is the policy's, refreshed on a policy switch; a user's own screen
    is asked by the reply path (no report is built where it says no)."""
    from escsim.model.draws import Streams
    from escsim.model.world import World

    scenario = escsim.load_scenario("surge-2023", ["us_policy.preset=restraint"])
    world = World(scenario, Streams(5))
    us = world.us
    assert us.screen_days == us.policy.screen_days()
    assert us.screen_days["miss"] == float("inf") and not us._own_screen
    us.set_policy(_PARAMS["punitive"])
    assert us.screen_days["injuries"] == float("-inf")
    us.policy = _OwnScreen(_PARAMS["proportional"])
    us._set_screen()
    assert us._own_screen
    asked: list[str] = []
    us.policy.respond_to_attack = lambda report, days, draws: asked.append(report.outcome)
    group = next(iter(world.militias.values()))
    us.reply_to_attack(group, "miss", 10.0, 30.0)
    us.reply_to_attack(group, "intercepted", 10.0, 30.0)
    assert asked == ["intercepted"]
