"""Face validity: the direction of effects any reader expects, each as a one-sided test on fixed
seeds, its tolerance from scipy.stats (Mann-Whitney U for counts, Fisher's exact test for the
chance of a rung) at the level ALPHA.

These would fail if a mechanism were wired backwards: more troops must mean more exposure,
higher base rates more attacks, a Gaza ceasefire fewer attacks, the Iran-Israel shock more
Iranian direct attacks (rung 6), and the decapitation doctrine must not make an Iranian direct
attack less likely than the proportional one (it kills commanders who work with the IRGC).
"""

from __future__ import annotations

import pytest
from scipy import stats

import escsim

ALPHA = 0.01
RUNS = 1500


def _runs(name: str, overrides: dict | None = None, runs: int = RUNS, seed: int = 7):
    s = escsim.load_scenario(name, overrides or {})
    return escsim.simulate(s, runs=runs, seed=seed).runs


def _greater(x, y) -> float:
    """One-sided p-value that ``x`` tends to exceed ``y``."""
    return stats.mannwhitneyu(x, y, alternative="greater").pvalue


def _rung_table(a, b, level: int) -> list[list[int]]:
    hit_a, hit_b = int((a.max_rung >= level).sum()), int((b.max_rung >= level).sum())
    return [[hit_a, len(a) - hit_a], [hit_b, len(b) - hit_b]]


@pytest.mark.slow
def test_more_troops_means_more_exposure() -> None:
    base = _runs("surge-2023")
    more = _runs("surge-2023", {"sites.iraq.troops": 5000, "sites.syria.troops": 1800})
    assert _greater(more.us_casualties, base.us_casualties) < ALPHA


@pytest.mark.slow
def test_higher_base_rates_mean_more_attacks() -> None:
    base = _runs("surge-2023")
    higher = _runs("surge-2023", {"militias.iraq_factions.base_rate_per_day": 1.5,
                                  "militias.syria_groups.base_rate_per_day": 0.8})
    assert _greater(higher.attacks, base.attacks) < ALPHA


@pytest.mark.slow
def test_the_gaza_ceasefire_lowers_attacks() -> None:
    base, ceasefire = _runs("baseline-2024-11"), _runs("gaza-ceasefire")
    assert _greater(base.attacks, ceasefire.attacks) < ALPHA


@pytest.mark.slow
def test_the_iran_israel_shock_raises_rung_6() -> None:
    base, shock = _runs("baseline-2024-11", runs=RUNS), _runs("iran-israel-shock", runs=RUNS)
    p = stats.fisher_exact(_rung_table(shock, base, 6), alternative="greater").pvalue
    assert p < ALPHA, _rung_table(shock, base, 6)


@pytest.mark.slow
def test_decapitation_does_not_lower_the_chance_of_an_iranian_direct_attack() -> None:
    """Before issue 9 it did (P = 0.058 against 0.073): Iranians could die only in US rounds in
    Syria. Who, not where: leadership strikes may kill IRGC officers working with the commander."""
    prop, decap = _runs("baseline-2024-11", runs=RUNS), _runs("us-decapitation", runs=RUNS)
    p_lower = stats.fisher_exact(_rung_table(decap, prop, 6), alternative="less").pvalue
    assert p_lower > ALPHA, _rung_table(decap, prop, 6)
    # and under the default mechanisms it raises it
    p_higher = stats.fisher_exact(_rung_table(decap, prop, 6), alternative="greater").pvalue
    assert p_higher < ALPHA, _rung_table(decap, prop, 6)
