"""Multi-rocket salvos as a weapon class of their own (issue 19, item 5): the facts they rest on
are the record's counts, an attack's outcome is drawn with the salvo's own probabilities, and the
groups fire them in the shares their era's weapon mix gives."""

from __future__ import annotations

from pathlib import Path

import pytest

import escsim
from escsim.engine import replication_seed, run_replication
from escsim.facts import load_facts
from escsim.model.draws import Streams
from escsim.model.world import World
from escsim.record import read_record
from tests.test_mechanisms import assert_binomial, scripted

#: A salvo in the record: a rocket (or mixed) attack of at least this many munitions.
SALVO_MUNITIONS = 10


def _record_salvos():
    events = read_record(as_of="2024-11-10").events
    rockets = events[(events["kind"] == "militia_attack")
                     & events["weapon"].isin(["rocket", "mixed"])]
    return rockets[rockets["munitions"].fillna(0) >= SALVO_MUNITIONS]


def test_the_salvo_facts_are_the_records_counts() -> None:
    salvos = _record_salvos()
    facts = load_facts()
    assert len(salvos) == facts["REC-SALVOS"].value
    known = salvos[salvos["outcome"] != "unknown"]
    hurt = known[(known["us_wounded"].fillna(0) > 0) | (known["us_killed"].fillna(0) > 0)]
    hit = known[known["outcome"] != "no_damage"]
    killed = hurt[hurt["us_killed"].fillna(0) > 0]
    assert (len(known), len(hurt), len(hit)) == (10, *facts["REC-SALVO-OUTCOMES"].range)
    assert len(killed) == facts["REC-SALVO-FATAL"].value
    assert sorted(killed["us_killed"].tolist()) == [1, 2]  # killed_mean 1.5


def _outcomes(scenario: escsim.Scenario, weapon: str, site: str, n: int) -> dict[str, int]:
    world = World(scenario, Streams(7))
    draws = world.draws("test/outcomes")
    counts: dict[str, int] = {}
    for _ in range(n):
        outcome, _, _ = world.us.resolve(weapon, site, draws)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _fatal_prob(scenario: escsim.Scenario, weapon: str, site: str) -> float:
    w = scenario.weapons[weapon]
    exposure = scenario.sites[site].troops / scenario.sites[site].calibration_troops
    hurt = 1.0 - (1.0 - w.casualty_prob) ** exposure
    return (1.0 - w.intercept_prob) * w.damage_prob * hurt * w.fatal_prob


@pytest.mark.parametrize("era", ["surge-2023", "era-2019-20"])
def test_a_salvo_kills_with_its_own_probability_scaled_by_the_troops_present(era: str) -> None:
    s = escsim.load_scenario(era)
    n = 20_000
    counts = _outcomes(s, "rocket_salvo", "iraq", n)
    assert_binomial(counts.get("fatalities", 0), n, _fatal_prob(s, "rocket_salvo", "iraq"))
    w = s.weapons["rocket_salvo"]
    assert_binomial(counts.get("intercepted", 0), n, w.intercept_prob)


def test_a_salvo_is_far_deadlier_than_one_rocket() -> None:
    """The record: 2 of 12 salvos killed Americans, no attack of one to eight rockets did."""
    s = escsim.load_scenario("surge-2023")
    salvo, rocket = (_fatal_prob(s, w, "iraq") for w in ("rocket_salvo", "rocket"))
    assert salvo > 20 * rocket
    # the Camp Taji deaths are no longer a rare draw in 2019-20: each salvo at the era's garrison
    # kills with a chance of about one in seven
    era = escsim.load_scenario("era-2019-20")
    assert 0.1 < _fatal_prob(era, "rocket_salvo", "iraq") < 0.25


def test_groups_fire_salvos_in_their_eras_share(tmp_path: Path) -> None:
    """A scripted history: the Iraqi factions alone, at a steady rate, with the 2019-20 mix."""
    extra = ("[militias.iraq_factions.weapon_mix]\n"
             "rocket = 0.89\nrocket_salvo = 0.11\ndrone = 0.0\ncrbm = 0.0\n")
    s = scripted(tmp_path, extra, horizon=60, iraq_rate=1.0)
    salvos = attacks = 0
    for r in range(40):
        row = run_replication(s, replication_seed(3, r), r).row
        salvos += row["attacks_weapon_rocket_salvo"]
        attacks += row["attacks"]
    assert attacks > 1000
    assert_binomial(salvos, attacks, 0.11)


def test_each_era_fires_what_its_record_says() -> None:
    """No drones in 2019-20; salvos about one rocket attack in nine in 2019-21, fewer once drones
    carried the 2023 surge (REC-SALVO-SHARE)."""
    share = {}
    for era in ("era-2019-20", "era-2021", "surge-2023"):
        mix = escsim.load_scenario(era).militias["iraq_factions"].weapon_mix
        share[era] = mix["rocket_salvo"] / sum(mix.values())
        if era == "era-2019-20":
            assert mix.get("drone", 0.0) == 0.0
    assert share["surge-2023"] < share["era-2021"] <= share["era-2019-20"]
    low, high = load_facts()["REC-SALVO-SHARE"].range
    assert all(low - 0.01 <= v <= high for v in share.values()), share
