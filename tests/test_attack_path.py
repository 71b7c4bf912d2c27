"""The flat attack path: each group's attack table (thresholds and counters per site and
weapon) is the US side's own rules, kept until troops move."""

from __future__ import annotations

import escsim
from escsim.model.draws import Streams
from escsim.model.world import World
from escsim.records import WEAPON_PREFIX


def _world() -> World:
    return World(escsim.load_scenario("surge-2023"), Streams(3))


def test_attack_table_holds_each_site_and_weapon_rule() -> None:
    world = _world()
    us = world.us
    scenario = world.scenario
    for group in world.militias.values():
        names, cuts, cells = us.attack_table(group)
        assert names == [n for n in group.reach
                         if us.troops[n] > 0 and scenario.sites[n].target_weight > 0]
        assert len(cuts) == max(0, len(names) - 1)
        for site, row in zip(names, cells, strict=True):
            for weapon, cell in zip(group.weapons, row, strict=True):
                w = scenario.weapons[weapon]
                assert cell == (w.intercept_prob, w.damage_prob,
                                us.casualty_prob(site, weapon, w),
                                f"attacks_in_{scenario.sites[site].country}",
                                f"{WEAPON_PREFIX}{weapon}")


def test_attack_table_follows_troop_moves() -> None:
    """A withdrawal empties a site: the table built after it no longer targets the site, and the
    casualty thresholds follow the troops present."""
    world = _world()
    us = world.us
    group = max(world.militias.values(), key=lambda g: len(g.reach))
    names, _, cells = us.attack_table(group)
    assert us.attack_tables[group] == (names, _, cells)
    first, second = names[0], names[-1]
    us.set_troops(first, 0, "test")
    assert group not in us.attack_tables
    names_after, _, _ = us.attack_table(group)
    assert first not in names_after
    if second != first:
        before = cells[names.index(second)][0][2]
        us.set_troops(second, us.troops[second] * 4, "test")
        after_names, _, after_cells = us.attack_table(group)
        assert after_cells[after_names.index(second)][0][2] > before
