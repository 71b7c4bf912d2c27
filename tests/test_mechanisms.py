"""Each mechanism of issue 9 on a scripted history, with its expected frequency from the rule
and a tolerance from the distribution (scipy.stats), under fixed seeds.

The scripted histories start from a *quiet* world (no militia attacks unless a test restores
them, no US replies, no pause unless a test orders one) and add dated events: a leadership strike
in Baghdad that kills an IRGC officer, deaths in a low-tempo era, a pause with defections, an
outside strike on Iran, a US round in a low-tempo era and one before the start.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from scipy import stats

import escsim
from escsim.model.draws import Streams
from escsim.model.mechanisms import MECHANISMS, in_force
from escsim.model.world import World
from escsim.scenario.schema import MECHANISM_CHOICES

#: Two-sided significance level of every frequency check: a correct model fails one in a
#: thousand runs of the suite per check.
ALPHA = 1e-3

QUIET = """extends = "surge-2023"
[scenario]
name = "quiet"
horizon_days = {horizon}
initial_regime = "{regime}"
[events.gaza_truce]
probability = 0.0
[militias.iraq_factions]
base_rate_per_day = {iraq_rate}
[militias.syria_groups]
base_rate_per_day = {syria_rate}
[us_policy]
respond_prob = {{ intercepted = 0.0, miss = 0.0, damage = 0.0, injuries = 0.0, fatalities = 0.0 }}
strike_iran_prob = 0.0
[mechanisms]
pause_rule = "coin_flip"
pause_end = "lapses"
[iran]
pause_after_us_killed_prob = 0.0
pause_after_major_strike_prob = 0.0
initial_posture = "{posture}"
"""


def scripted(tmp_path: Path, extra: str = "", horizon: int = 60, regime: str = "gaza_war",
             iraq_rate: float = 0.0, syria_rate: float = 0.0, posture: str = "permissive",
             overrides: dict | None = None) -> escsim.Scenario:
    """A quiet world plus ``extra`` TOML (dated events, changed values)."""
    path = tmp_path / "scripted.toml"
    path.write_text(QUIET.format(horizon=horizon, regime=regime, iraq_rate=iraq_rate,
                                 syria_rate=syria_rate, posture=posture) + extra,
                    encoding="utf-8")
    return escsim.load_scenario(path, overrides or {})


def assert_binomial(successes: int, trials: int, p: float) -> None:
    if p in (0.0, 1.0):
        assert successes == trials * p, (successes, trials, p)
        return
    result = stats.binomtest(successes, trials, p)
    assert result.pvalue > ALPHA, (successes, trials, p, result.pvalue)


def assert_poisson_total(total: int, mean: float) -> None:
    """``total`` is one draw of a Poisson count with ``mean`` (two-sided)."""
    p = 2 * min(stats.poisson.cdf(total, mean), stats.poisson.sf(total - 1, mean))
    assert p > ALPHA, (total, mean, p)


def test_every_named_alternative_is_a_class_with_sources() -> None:
    assert {k: set(v) for k, v in MECHANISMS.items()} == \
        {k: set(v) for k, v in MECHANISM_CHOICES.items()}
    for alternatives in MECHANISMS.values():
        for cls in alternatives.values():
            assert cls.sources and cls.__doc__ and cls.__doc__.strip()


# --- who, not where ----------------------------------------------------------------------------
BAGHDAD_STRIKE = """
[events.baghdad_strike]
kind = "us_strike"
date = 2023-10-27
target_kind = "leadership"
targets = 1
country = "iraq"
groups = ["iraq_factions"]
"""


@pytest.mark.parametrize(("loss", "posture", "expected"), [
    ("officers", "permissive", "retaliate_personnel_prob"),
    ("senior_commander", "permissive", "retaliate_senior_commander_prob"),
    ("officers", "restraining", "retaliate_personnel_prob"),
])
def test_a_leadership_strike_in_baghdad_that_kills_iranians_can_bring_a_salvo(
        tmp_path: Path, loss: str, posture: str, expected: str) -> None:
    s = scripted(tmp_path, BAGHDAD_STRIKE + f'iranian_loss = "{loss}"\n', posture=posture)
    runs = escsim.simulate(s, runs=1500, seed=11).runs
    assert (runs.iran_personnel_killed >= 1).all()
    assert (runs.leadership_strikes == 1).all()
    p = getattr(s.iran, expected) * (s.iran.retaliation_factor_restraining
                                     if posture == "restraining" else 1.0)
    assert_binomial(int((runs.iran_direct_attacks > 0).sum()), len(runs), p)


def test_who_is_killed_is_drawn_from_what_the_round_hits(tmp_path: Path) -> None:
    s = scripted(tmp_path, BAGHDAD_STRIKE)
    runs = escsim.simulate(s, runs=4000, seed=12).runs
    i = s.iran
    p_killed = i.iranians_killed_prob["leadership"]
    assert_binomial(int((runs.iran_personnel_killed > 0).sum()), len(runs), p_killed)
    p_salvo = p_killed * ((1 - i.senior_commander_share) * i.retaliate_personnel_prob
                          + i.senior_commander_share * i.retaliate_senior_commander_prob)
    assert_binomial(int((runs.iran_direct_attacks > 0).sum()), len(runs), p_salvo)


def test_where_not_who_cannot_kill_iranians_in_iraq(tmp_path: Path) -> None:
    s = scripted(tmp_path, BAGHDAD_STRIKE,
                 overrides={"mechanisms.iranian_casualties": "syria_rounds_only"})
    runs = escsim.simulate(s, runs=500, seed=13).runs
    assert (runs.iran_personnel_killed == 0).all() and (runs.iran_direct_attacks == 0).all()


def test_partner_leaders_alternative_answers_a_partner_commanders_death(tmp_path: Path) -> None:
    s = scripted(tmp_path, BAGHDAD_STRIKE + 'iranian_loss = "none"\n')
    assert (escsim.simulate(s, runs=300, seed=14).runs.iran_direct_attacks == 0).all()
    s2 = escsim.with_overrides(s, {"mechanisms.partner_leaders": "partner_leaders_count"})
    runs = escsim.simulate(s2, runs=1500, seed=14).runs
    assert_binomial(int((runs.iran_direct_attacks > 0).sum()), len(runs),
                    s2.iran.retaliate_personnel_prob)


# --- Iran's pause as a decision in context --------------------------------------------------------
def _pauses_after_deaths(s: escsim.Scenario, seeds: int, baghdad_pressure: float = 0.0) -> int:
    """Of ``seeds`` worlds, how many order a pause when US troops are killed at day 0."""
    paused = 0
    for seed in range(seeds):
        world = World(s, Streams(seed))
        if baghdad_pressure:
            world.baghdad.add_pressure(baghdad_pressure)
        world.iran.us_killed_by_militia()
        paused += world.iran.posture == "restraining"
    return paused


def test_deaths_in_a_low_tempo_era_bring_no_pause() -> None:
    """K-1 (Dec 2019) and Taji (Mar 2020): no regional war, five-site US replies, no pause."""
    s = escsim.load_scenario("era-2019-20")
    assert s.mechanisms.pause_rule == "context"
    assert _pauses_after_deaths(s, 300) == 0
    coin = escsim.with_overrides(s, {"mechanisms.pause_rule": "coin_flip"})
    assert_binomial(_pauses_after_deaths(coin, 1500), 1500, coin.iran.pause_after_us_killed_prob)


def test_deaths_in_the_gaza_war_bring_a_pause_by_the_reasons_present(surge) -> None:
    i = surge.iran
    # a regional war and a US threat of a major package (the proportional policy's 85 targets)
    assert_binomial(_pauses_after_deaths(surge, 1500), 1500,
                    1 - (1 - i.pause_weight_regional_war) * (1 - i.pause_weight_us_threat))
    # ... and Baghdad pressing, as after Tower 22
    assert_binomial(_pauses_after_deaths(surge, 1500, baghdad_pressure=0.9), 1500,
                    1 - (1 - i.pause_weight_regional_war) * (1 - i.pause_weight_us_threat)
                    * (1 - i.pause_weight_baghdad))


def test_a_major_package_alone_brings_no_pause_under_the_context_rule(surge) -> None:
    for seed in range(200):
        world = World(surge, Streams(seed))
        world.iran.major_us_strike()
        assert world.iran.posture == "permissive"


# --- compliance: obedience broken by defections ---------------------------------------------------
def test_a_pause_is_wholly_obeyed_without_defections(tmp_path: Path) -> None:
    s = scripted(tmp_path, horizon=120, iraq_rate=1.0, syria_rate=0.55, posture="restraining",
                 overrides={"iran.pause_mean_days": 3650,
                            "militias.iraq_factions.defection_rate_per_day": 0.0,
                            "militias.syria_groups.defection_rate_per_day": 0.0})
    runs = escsim.simulate(s, runs=300, seed=21).runs
    held = runs[runs.days_under_restraint >= 120]
    assert len(held) > 250 and (held.attacks == 0).all()


def test_a_pause_with_defections_lets_through_what_the_episodes_allow(tmp_path: Path) -> None:
    """Each group attacks at its full rate only while it defects: an on-off process with
    episodes starting at rate r and lasting a mean m, so the expected time on in [0, T] from an
    'off' start is pi (T - (1 - exp(-lambda T)) / lambda), pi = r m / (1 + r m),
    lambda = r + 1/m."""
    horizon = 200
    s = scripted(tmp_path, horizon=horizon, iraq_rate=1.0, syria_rate=0.55,
                 posture="restraining", overrides={"iran.pause_mean_days": 3650})
    runs = escsim.simulate(s, runs=1500, seed=22).runs
    held = runs[runs.days_under_restraint >= horizon]
    m = s.iran.defection_mean_days
    expected = 0.0
    for g in s.militias.values():
        r = g.defection_rate_per_day
        lam = r + 1 / m
        expected += g.base_rate_per_day * (r * m / (1 + r * m)) * (
            horizon - (1 - math.exp(-lam * horizon)) / lam)
    z = stats.norm.isf(ALPHA / 2)
    se = held.attacks.std(ddof=1) / math.sqrt(len(held))
    assert abs(held.attacks.mean() - expected) < z * se, (held.attacks.mean(), expected, se)
    # the counts are overdispersed against a Poisson of the same mean: attacks come in episodes
    assert held.attacks.var(ddof=1) > held.attacks.mean()
    # the seed's rockets at Shaddadi stay possible: Syria-based groups defect too
    assert (held.attacks_in_syria > 0).mean() > 0.5


def test_a_leaky_pause_leaks_a_constant_share(tmp_path: Path) -> None:
    horizon = 100
    s = scripted(tmp_path, horizon=horizon, iraq_rate=1.0, syria_rate=0.55,
                 posture="restraining", overrides={"iran.pause_mean_days": 3650,
                                                   "mechanisms.compliance": "leaky"})
    runs = escsim.simulate(s, runs=400, seed=23).runs
    held = runs[runs.days_under_restraint >= horizon]
    rate = sum(g.base_rate_per_day * (1 - g.restraint_compliance) for g in s.militias.values())
    assert_poisson_total(int(held.attacks.sum()), rate * horizon * len(held))


# --- outside strikes on Iran ----------------------------------------------------------------------
@pytest.mark.parametrize(("striker", "prob_key", "n"), [
    ("us", "retaliate_territory_prob", 1000),
    ("israel", "retaliate_israeli_strike_prob", 4000),
])
def test_an_outside_strike_on_iran_may_be_answered_against_us_forces(
        tmp_path: Path, striker: str, prob_key: str, n: int) -> None:
    s = scripted(tmp_path, f"""
[events.strike]
kind = "strike_on_iran"
date = 2023-10-27
striker = "{striker}"
""")
    runs = escsim.simulate(s, runs=n, seed=31).runs
    counter = "us_strikes_on_iran" if striker == "us" else "israeli_strikes_on_iran"
    assert (runs[counter] == 1).all()
    assert_binomial(int((runs.iran_direct_attacks > 0).sum()), n, getattr(s.iran, prob_key))


def test_strikes_on_iran_as_a_hazard_are_a_poisson_count(tmp_path: Path) -> None:
    hazard, horizon = 0.05, 60
    s = scripted(tmp_path, f"""
[events.strikes]
kind = "strike_on_iran"
date = 2023-10-17
striker = "israel"
hazard_per_day = {hazard}
""", horizon=horizon)
    runs = escsim.simulate(s, runs=1000, seed=32).runs
    assert_poisson_total(int(runs.israeli_strikes_on_iran.sum()), hazard * horizon * len(runs))


# --- excitation apart from the era's tempo --------------------------------------------------------
ROUND = """
[events.round]
kind = "us_strike"
date = {date}
target_kind = "militia_site"
targets = 3
country = "syria"
groups = ["iraq_factions"]
"""


@pytest.mark.parametrize("regime", ["after_2020", "gaza_war"])
def test_revenge_for_a_round_does_not_scale_with_the_eras_tempo(tmp_path: Path,
                                                                 regime: str) -> None:
    """Attacks are a Poisson process of rate tempo x base + jump x exp(-t / decay) after the
    round (no replies, no pause, no denial), whatever the tempo."""
    horizon, day = 40, 10
    s = scripted(tmp_path, ROUND.format(date="2023-10-27"), horizon=horizon, regime=regime,
                 iraq_rate=1.0)
    assert s.mechanisms.strike_effect == "backlash"
    g = s.militias["iraq_factions"]
    tempo = s.regimes[regime].rate_multiplier
    jump = g.excitation_per_round + 3 * g.excitation_per_target
    mean = (tempo * g.base_rate_per_day * horizon + jump * g.excitation_decay_days
            * (1 - math.exp(-(horizon - day) / g.excitation_decay_days)))
    runs = escsim.simulate(s, runs=1000, seed=41).runs
    assert_poisson_total(int(runs.attacks.sum()), mean * len(runs))


def test_a_truce_stops_revenge_too(tmp_path: Path) -> None:
    """A regime with no campaign and no excitation (the truce with its rate set to 0; the
    bundled truce keeps one attack in seven days, PR-A4) silences revenge for a US round too."""
    s = scripted(tmp_path, ROUND.format(date="2023-10-27"), regime="truce", iraq_rate=1.0,
                 overrides={"regimes.truce.rate_multiplier": 0.0})
    assert (escsim.simulate(s, runs=200, seed=42).runs.attacks == 0).all()


def test_a_round_before_the_start_leaves_decayed_excitation(tmp_path: Path) -> None:
    """Initial state: a round ten days before day 0 excites at day 0 by jump x exp(-10/decay)
    and is not counted among the run's strikes."""
    horizon, age = 40, 10
    s = scripted(tmp_path, ROUND.format(date="2023-10-07"), horizon=horizon,
                 regime="after_2020", iraq_rate=1.0)
    g = s.militias["iraq_factions"]
    jump = g.excitation_per_round + 3 * g.excitation_per_target
    decay = g.excitation_decay_days
    mean = (s.regimes["after_2020"].rate_multiplier * g.base_rate_per_day * horizon
            + jump * math.exp(-age / decay) * decay * (1 - math.exp(-horizon / decay)))
    runs = escsim.simulate(s, runs=1000, seed=43).runs
    assert (runs.us_strikes == 0).all()
    assert_poisson_total(int(runs.attacks.sum()), mean * len(runs))


def test_denial_alternative_takes_capability_and_adds_no_revenge(tmp_path: Path) -> None:
    horizon = 40
    s = scripted(tmp_path, ROUND.format(date="2023-10-27"), horizon=horizon,
                 regime="after_2020", iraq_rate=1.0,
                 overrides={"mechanisms.strike_effect": "denial"})
    runs = escsim.simulate(s, runs=1000, seed=44).runs
    g = s.militias["iraq_factions"]
    base = s.regimes["after_2020"].rate_multiplier * g.base_rate_per_day
    # capability falls at day 10 and recovers: fewer attacks than the tempo alone gives
    lost = 3 * g.capability_loss_per_target
    rec = g.regeneration_days
    mean = base * (horizon - lost * rec * (1 - math.exp(-(horizon - 10) / rec)))
    assert_poisson_total(int(runs.attacks.sum()), mean * len(runs))


def test_the_mechanisms_in_force_follow_the_scenario(surge) -> None:
    chosen = in_force(surge.mechanisms)
    assert chosen.strike_effect.name == surge.mechanisms.strike_effect
    assert chosen.pause_rule.name == surge.mechanisms.pause_rule


def test_show_names_the_alternative_in_force_and_a_sweep_varies_it(cli, tmp_path: Path) -> None:
    shown = cli("show", "surge-2023", "--key", "mechanisms")
    assert shown.exit_code == 0, shown.output
    for key in MECHANISM_CHOICES:
        assert f"mechanisms.{key} = " in shown.output
    assert "mechanisms.strike_effect = 'backlash'" in shown.output
    out = tmp_path / "sweep"
    swept = cli("sweep", "era-2021", "--vary", "mechanisms.strike_effect=backlash,denial",
                "--runs", "30", "-o", str(out), "-j", "1", "--no-plots")
    assert swept.exit_code == 0, swept.output
    import pandas as pd

    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["mechanisms.strike_effect"]) == ["backlash", "denial"]
    # revenge is the only reason for the era's bursts: denial must give fewer attacks
    assert summary.mean_attacks[1] < summary.mean_attacks[0]


def test_initial_state_excitation_and_lost_capability(tmp_path: Path) -> None:
    """``[initial_state]`` by hand: excitation E at day 0 adds E x decay x (1 - exp(-T/decay))
    expected attacks; capability lost L cuts the base rate by L, recovering at 1/regeneration."""
    horizon = 40
    s = scripted(tmp_path, """
[initial_state]
excitation_per_day = { iraq_factions = 1.0 }
capability_lost = { iraq_factions = 0.5 }
""", horizon=horizon, regime="after_2020", iraq_rate=1.0)
    g = s.militias["iraq_factions"]
    base = s.regimes["after_2020"].rate_multiplier * g.base_rate_per_day
    decay, rec = g.excitation_decay_days, g.regeneration_days

    def integral(lifetime: float) -> float:
        return lifetime * (1 - math.exp(-horizon / lifetime))

    # capability (1 - 0.5 e^{-t/rec}) multiplies base + excitation e^{-t/decay}
    both = 1 / (1 / decay + 1 / rec)
    mean = (base * (horizon - 0.5 * integral(rec))
            + 1.0 * (integral(decay) - 0.5 * integral(both)))
    runs = escsim.simulate(s, runs=1000, seed=45).runs
    assert_poisson_total(int(runs.attacks.sum()), mean * len(runs))
