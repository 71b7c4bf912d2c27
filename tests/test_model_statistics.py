"""Mechanisms with a known distribution, tested with scipy.stats.

With no excitation, no US reply, one active group, no pause and a constant regime, a group's
attacks are a homogeneous Poisson process: counts over the horizon are Poisson(rate x horizon)
and the times between attacks are exponential. Every test here uses a fixed seed and a
significance level chosen before looking at the data (ALPHA); the bounds come from the
distributions, not from the observed values.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import escsim
from escsim.engine import run_replication

ALPHA = 0.001  # per test: a correct model fails one of these about once in a thousand seeds
RATE_PER_DAY = 1.5
HORIZON_DAYS = 100
RUNS = 400
OUTCOMES = ("intercepted", "miss", "damage", "injuries", "fatalities")


@pytest.fixture(scope="module")
def constant_rate() -> escsim.Scenario:
    """surge-2023 reduced to one constant-rate attacker and no reactions at all."""
    return escsim.load_scenario("surge-2023", {
        "scenario.horizon_days": HORIZON_DAYS,
        "events.gaza_truce.probability": 0.0,  # no truce: the regime stays at multiplier 1
        "militias.iraq_factions.base_rate_per_day": RATE_PER_DAY,
        "militias.syria_groups.base_rate_per_day": 0.0,  # one group effectively
        **{f"militias.{g}.{k}": 0.0 for g in ("iraq_factions", "syria_groups")
           for k in ("excitation_per_round", "excitation_per_target", "excitation_leader_bonus")},
        "us_policy.respond_prob": dict.fromkeys(OUTCOMES, 0.0),  # no US strikes
        "mechanisms.pause_rule": "coin_flip",
        "iran.pause_after_us_killed_prob": 0.0,  # no pause orders
        "iran.pause_after_major_strike_prob": 0.0,
        "iran.initial_posture": "permissive",
    })


@pytest.fixture(scope="module")
def constant_rate_runs(constant_rate: escsim.Scenario) -> escsim.Simulation:
    return escsim.simulate(constant_rate, runs=RUNS, seed=20240204)


def test_nothing_but_attacks_happens(constant_rate_runs: escsim.Simulation) -> None:
    runs = constant_rate_runs.runs
    assert (runs.us_strikes == 0).all() and (runs.restraint_orders == 0).all()
    assert (runs.iran_direct_attacks == 0).all()
    assert (runs.attacks_in_syria + runs.attacks_in_iraq + runs.attacks_in_jordan
            == runs.attacks).all()


def test_attack_counts_have_the_poisson_mean(constant_rate_runs: escsim.Simulation) -> None:
    """The total over all runs is Poisson(RUNS x rate x horizon) if each count is Poisson."""
    total = int(constant_rate_runs.runs.attacks.sum())
    expected = RUNS * RATE_PER_DAY * HORIZON_DAYS
    low, high = stats.poisson.ppf([ALPHA / 2, 1 - ALPHA / 2], expected)
    assert low <= total <= high, (total, expected, low, high)


def test_attack_counts_are_not_over_or_under_dispersed(
        constant_rate_runs: escsim.Simulation) -> None:
    """Fisher's index of dispersion: sum((x - mean)^2) / mean ~ chi2(n - 1) under Poisson."""
    x = constant_rate_runs.runs.attacks.to_numpy(dtype=float)
    dispersion = ((x - x.mean()) ** 2).sum() / x.mean()
    low, high = stats.chi2.ppf([ALPHA / 2, 1 - ALPHA / 2], len(x) - 1)
    assert low <= dispersion <= high, (dispersion, low, high)


def test_attack_counts_fit_the_poisson_distribution(
        constant_rate_runs: escsim.Simulation) -> None:
    """Chi-square goodness of fit against Poisson(rate x horizon), with the mean known (not
    estimated), in bins of roughly equal expected count."""
    x = constant_rate_runs.runs.attacks.to_numpy()
    mean = RATE_PER_DAY * HORIZON_DAYS
    edges = np.unique(stats.poisson.ppf(np.linspace(0, 1, 11)[1:-1], mean))  # deciles
    bins = np.concatenate([[-np.inf], edges, [np.inf]])  # (a, b] bins
    cdf = stats.poisson.cdf(bins, mean)
    cdf[0], cdf[-1] = 0.0, 1.0
    expected = RUNS * np.diff(cdf)
    observed = np.array([((x > a) & (x <= b)).sum() for a, b in zip(bins[:-1], bins[1:],
                                                                      strict=True)])
    assert expected.min() >= 5  # the chi-square approximation holds
    assert observed.sum() == RUNS
    result = stats.chisquare(observed, expected)
    assert result.pvalue > ALPHA, (observed, expected.round(1), result)


def test_times_between_attacks_are_exponential(constant_rate: escsim.Scenario) -> None:
    """One long trace (ten years): the gaps between attacks are Exponential(mean 1 / rate)."""
    long = escsim.with_overrides(constant_rate, {"scenario.horizon_days": 3650})
    record = run_replication(long, seed=11, trace=True)
    assert record.log is not None
    days = np.array([day for day, actor, action, _, _ in record.log
                     if actor == "iraq_factions" and action.startswith("attack (")])
    assert len(days) == record.row["attacks"]
    gaps = np.diff(np.concatenate([[0.0], days]))
    assert len(gaps) > 3000
    result = stats.kstest(gaps, "expon", args=(0, 1 / RATE_PER_DAY))
    assert result.pvalue > ALPHA, result
    # the count over ten years is one Poisson draw
    low, high = stats.poisson.ppf([ALPHA / 2, 1 - ALPHA / 2], RATE_PER_DAY * 3650)
    assert low <= len(days) <= high


def test_weapons_and_target_countries_follow_the_shares(
        constant_rate: escsim.Scenario, constant_rate_runs: escsim.Simulation) -> None:
    """Each attack picks its weapon by the group's mix and its site by target weight (all sites
    keep their troops here): pooled counts are multinomial."""
    runs = constant_rate_runs.runs
    group = constant_rate.militias["iraq_factions"]
    shares = np.array(list(group.weapon_mix.values()))
    observed = np.array([runs[f"attacks_weapon_{w}"].sum() for w in group.weapon_mix])
    total = observed.sum()
    assert total == runs.attacks.sum()
    result = stats.chisquare(observed, total * shares / shares.sum())
    assert result.pvalue > ALPHA, (observed, result)

    sites = constant_rate.sites
    weight = {c: sum(sites[s].target_weight for s in group.reach if sites[s].country == c)
              for c in ("iraq", "syria", "jordan")}
    w = np.array(list(weight.values()))
    observed = np.array([runs[f"attacks_in_{c}"].sum() for c in weight])
    result = stats.chisquare(observed, total * w / w.sum())
    assert result.pvalue > ALPHA, (observed, result)


def test_the_dispersion_test_rejects_a_self_exciting_process(surge: escsim.Scenario) -> None:
    """The dispersion test has power: with tit-for-tat excitation, US replies and pauses (the
    calibrated surge), attack counts are far from Poisson, and the same test rejects."""
    x = escsim.simulate(surge, runs=RUNS, seed=20240204).runs.attacks.to_numpy(dtype=float)
    dispersion = ((x - x.mean()) ** 2).sum() / x.mean()
    assert dispersion > stats.chi2.ppf(1 - ALPHA / 2, len(x) - 1)


def test_no_attacks_while_a_zero_rate_truce_holds(surge: escsim.Scenario) -> None:
    """With the truce regime's multiplier set to 0 from 24 Nov to 30 Nov 2023 (days 38 to 44),
    the cumulative attack count must not move on those days in any run (the bundled truce keeps
    a low rate: one attack in the record's truce, PR-A4)."""
    surge = escsim.with_overrides(surge, {"regimes.truce.rate_multiplier": 0.0})
    sim = escsim.simulate(surge, runs=50, seed=3)
    attacks = sim.daily_by_run["attacks"]
    start = (surge.events["gaza_truce"].date - surge.scenario.start_date).days
    end = (surge.events["gaza_truce"].until - surge.scenario.start_date).days
    assert (start, end) == (38, 44)
    assert surge.regimes["truce"].rate_multiplier == 0.0
    assert (attacks[:, end] == attacks[:, start - 1]).all()
    # and attacks did happen either side of it
    assert (attacks[:, start - 1] > 0).all()
    assert (attacks[:, -1] > attacks[:, end]).any()
