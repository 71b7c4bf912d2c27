"""The bundled scenarios: each loads, every value is sourced, and each variant of the Nov 2024
baseline changes only what it is meant to change."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

import pytest

from escsim.scenario import bundled_scenarios, load_scenario, with_overrides

BASELINE = "baseline-2024-11"

#: Variant -> the dotted-key prefixes it is meant to change (besides scenario.name/description).
VARIANTS: dict[str, tuple[str, ...]] = {
    "us-restraint": ("us_policy.",),
    "us-punitive": ("us_policy.",),
    "us-decapitation": ("us_policy.",),
    "iran-israel-shock": ("events.iran_israel_exchange.",),
    "drawdown-2025": ("events.coalition_mission_end.",),
    "gaza-ceasefire": ("events.gaza_ceasefire.",),
    "pause-holds": ("iran.pause_mean_days", "iran.pause_erosion_days", "iran.return_after_",
                    "initial_state.returned_from_pause"),
    "hindsight-syria-troops": ("sites.syria.troops",),
}
REQUIRED = {BASELINE, *VARIANTS}
#: Keys every scenario sets for itself.
OWN_KEYS = {"scenario.name", "scenario.description"}
#: Fields of Scenario that are bookkeeping, not parameters.
INTERNAL = {"provenance", "param_hash", "alt_policies", "source", "overrides"}
_MISSING = object()

_SOURCED = ("fact ", "assumption: ", "definition ")


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted key -> value, for nested dicts (from ``dataclasses.asdict``)."""
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out.update(flatten(v, f"{prefix}{k}."))
        return out
    return {prefix[:-1]: obj}


def params(name: str) -> dict[str, Any]:
    data = dataclasses.asdict(load_scenario(name))
    for k in INTERNAL:
        data.pop(k, None)
    return flatten(data)


def changed_keys(name: str) -> set[str]:
    base, variant = params(BASELINE), params(name)
    return {k for k in base.keys() | variant.keys()
            if base.get(k, _MISSING) != variant.get(k, _MISSING)} - OWN_KEYS


@pytest.fixture(scope="module")
def baseline():
    return load_scenario(BASELINE)


def test_the_required_scenarios_are_bundled():
    assert REQUIRED <= set(bundled_scenarios())


@pytest.mark.parametrize("name", sorted(bundled_scenarios()))
def test_bundled_scenario_loads_with_a_description(name):
    s = load_scenario(name)
    assert s.scenario.name == name
    assert s.scenario.description.strip()
    assert "?" in s.scenario.description, "the description should state the question asked"
    assert s.param_hash


@pytest.mark.parametrize("name", sorted(bundled_scenarios()))
def test_every_value_is_a_fact_an_assumption_or_a_definition(name):
    s = load_scenario(name)
    assert s.provenance
    bad = {k: v for k, v in s.provenance.items()
           if "unsourced" in v or not v.startswith(_SOURCED)}
    assert not bad


@pytest.mark.parametrize("name", sorted(bundled_scenarios()))
def test_values_set_in_the_scenario_file_itself_are_sourced(name):
    s = load_scenario(name)
    own = {k: v for k, v in s.provenance.items() if v.endswith(f"set in scenarios/{name}.toml")}
    assert own
    for k, v in own.items():
        assert v.startswith(_SOURCED) and "unsourced" not in v, (k, v)


def test_baseline_is_the_seed_situation(baseline):
    m = baseline.scenario
    assert m.start_date == dt.date(2024, 11, 11)
    assert m.horizon_days == 365
    assert m.start_date + dt.timedelta(days=m.horizon_days) > dt.date(2025, 9, 30)
    assert m.initial_regime == "gaza_war"
    assert baseline.iran.initial_posture == "restraining"
    assert all(0 < g.restraint_compliance < 1 for g in baseline.militias.values())
    assert baseline.us_policy.preset == "proportional"
    shock = baseline.events["iran_israel_exchange"]
    assert shock.kind == "shock"
    assert 0 < shock.probability < 1
    assert shock.date < shock.until
    assert shock.militia_rate_multiplier > 1 and shock.iran_escalation_multiplier > 1
    # the Sept 2025 drawdown is a variant of its own
    assert not [e for e in baseline.events.values() if e.kind == "troops"]


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_variant_changes_only_what_it_is_meant_to(name):
    changed = changed_keys(name)
    assert changed, f"{name} does not differ from {BASELINE}"
    stray = {k for k in changed if not k.startswith(VARIANTS[name])}
    assert not stray, f"{name} also changes {sorted(stray)}"
    assert load_scenario(name).param_hash != load_scenario(BASELINE).param_hash


@pytest.mark.parametrize("preset", ["restraint", "punitive", "decapitation"])
def test_policy_variants_are_the_baseline_with_another_preset(preset):
    variant = load_scenario(f"us-{preset}")
    assert variant.us_policy.preset == preset
    expected = with_overrides(load_scenario(BASELINE), {"us_policy.preset": preset})
    assert variant.us_policy == expected.us_policy
    assert variant.param_hash != "" and "us_policy.preset" in changed_keys(f"us-{preset}")


def test_iran_israel_shock_is_certain_larger_and_longer(baseline):
    base = baseline.events["iran_israel_exchange"]
    shock = load_scenario("iran-israel-shock").events["iran_israel_exchange"]
    assert shock.probability == 1.0 > base.probability
    assert shock.date == base.date and shock.until > base.until
    assert shock.militia_rate_multiplier > base.militia_rate_multiplier
    assert shock.iran_escalation_multiplier > base.iran_escalation_multiplier
    assert changed_keys("iran-israel-shock") == {
        "events.iran_israel_exchange.probability", "events.iran_israel_exchange.until",
        "events.iran_israel_exchange.militia_rate_multiplier",
        "events.iran_israel_exchange.iran_escalation_multiplier"}


def test_drawdown_cuts_iraq_troops_at_the_end_of_the_coalition_mission(baseline):
    s = load_scenario("drawdown-2025")
    assert set(s.events) - set(baseline.events) == {"coalition_mission_end"}
    e = s.events["coalition_mission_end"]
    assert (e.kind, e.site, e.date) == ("troops", "iraq", dt.date(2025, 9, 30))
    assert 0 < e.troops < baseline.sites["iraq"].troops
    assert "fact PR-D3" in s.provenance["events.coalition_mission_end.date"]
    assert s.provenance["events.coalition_mission_end.troops"].startswith("assumption: ")


def test_gaza_ceasefire_switches_regime_for_the_rest_of_the_horizon(baseline):
    s = load_scenario("gaza-ceasefire")
    assert set(s.events) - set(baseline.events) == {"gaza_ceasefire"}
    e = s.events["gaza_ceasefire"]
    assert (e.kind, e.regime, e.until) == ("regime", "ceasefire", None)
    assert s.scenario.start_date < e.date < s.scenario.start_date + dt.timedelta(days=365)
    assert s.regimes["ceasefire"].rate_multiplier < s.regimes["gaza_war"].rate_multiplier


def test_pause_holds_only_makes_pauses_hold(baseline):
    s = load_scenario("pause-holds")
    assert s.iran.pause_mean_days > baseline.iran.pause_mean_days
    assert s.iran.pause_erosion_days > baseline.iran.pause_erosion_days
    assert s.initial_state.returned_from_pause == ()
    assert changed_keys("pause-holds") == {
        "iran.pause_mean_days", "iran.pause_erosion_days", "iran.return_after_us_round_prob",
        "iran.return_after_israeli_strike_prob", "initial_state.returned_from_pause"}


#: Variants that may cite later facts: they say so in their names and descriptions.
LATER_FACTS_ALLOWED = {"drawdown-2025", "hindsight-syria-troops"}


@pytest.mark.parametrize("name", sorted(REQUIRED - LATER_FACTS_ALLOWED))
def test_the_nov_2024_forecast_cites_nothing_dated_after_its_start(name):
    """No look-ahead: every fact the baseline (and its variants) cite is dated on or before
    11 Nov 2024 (a fact about a period counts by the period's end). The seed document's facts
    about the standing situation (troops, the lull, Baghdad's stance) carry the report's date,
    12 Nov; they are what was known at the start. Its events of 12 Nov (ids with that date) are
    not."""
    from escsim.facts import bundled_facts

    s = load_scenario(name)
    facts = bundled_facts()
    start = load_scenario(BASELINE).scenario.start_date
    later = {}
    for key, text in s.provenance.items():
        if text.startswith("fact "):
            fact = facts[text.split()[1]]
            when = fact.window[1] if fact.window else fact.date
            background = fact.file == "seed-2024-11.toml" and not re.search(
                r"\d{4}-\d{2}-\d{2}", fact.id)
            if when is not None and when > start and not background:
                later[key] = (fact.id, when)
    assert not later, later
