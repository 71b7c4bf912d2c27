"""Dated events against the scenario's start date."""

from __future__ import annotations

import escsim


def test_an_event_in_force_at_the_start_applies_from_day_0() -> None:
    """Starting on 26 Nov 2023, inside the 24-30 Nov truce (PR-A4), its rate set to 0: no
    attacks until the truce ends after 30 Nov (day 4), then the war regime returns."""
    s = escsim.load_scenario("surge-2023", ["scenario.start_date=2023-11-26",
                                            "scenario.horizon_days=40",
                                            "regimes.truce.rate_multiplier=0"])
    for seed in range(20):
        log = escsim.trace(s, seed)
        attacks = log[log.action.str.startswith("attack")]
        assert (attacks.day >= 5).all()
        regimes = log[log.action == "regime"]
        assert regimes.iloc[0].day == 0 and regimes.iloc[0].outcome.startswith("truce")
        assert regimes.iloc[1].day == 5 and regimes.iloc[1].outcome.startswith("gaza_war")
    runs = escsim.simulate(s, runs=50, seed=1).runs
    assert (runs.attacks > 0).mean() > 0.9  # the war resumes after the truce


def test_an_event_that_ended_before_the_start_does_nothing() -> None:
    s = escsim.load_scenario("surge-2023", ["scenario.start_date=2023-12-05",
                                            "scenario.horizon_days=20"])
    log = escsim.trace(s, 3)
    assert (log.action != "regime").all()
    assert (log.action.str.startswith("attack")).sum() > 0
