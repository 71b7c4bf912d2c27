"""Regret, satisficing, the non-dominated set, rankings and paired intervals on hand-made
tables with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from escsim.analysis.format import interval_text, sig, signed
from escsim.analysis.paired import (
    paired_differences,
    paired_mean_difference,
    paired_proportion_difference,
    wilson_interval,
)
from escsim.analysis.robustness import (
    Cube,
    factor_scores,
    non_dominated,
    ranking,
    regret_summary,
    regret_table,
    relative_regret,
    satisficing,
    unresolved_pairs,
)


def _values(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["doctrine", "state", "outcome", "value"])


# P(war) per doctrine and state: A is best in s1, B in s2, C never best but never far
WAR = _values([("A", "s1", "war", 0.10), ("B", "s1", "war", 0.30), ("C", "s1", "war", 0.15),
               ("A", "s2", "war", 0.50), ("B", "s2", "war", 0.20), ("C", "s2", "war", 0.25)])


def test_regret_is_the_distance_from_the_best_in_each_state() -> None:
    r = regret_table(WAR, {"war": "min"}).set_index(["doctrine", "state"])["regret"]
    assert r[("A", "s1")] == 0 and r[("B", "s2")] == 0
    assert r[("B", "s1")] == pytest.approx(0.20)
    assert r[("A", "s2")] == pytest.approx(0.30)
    assert r[("C", "s1")] == pytest.approx(0.05) and r[("C", "s2")] == pytest.approx(0.05)
    summary = regret_summary(regret_table(WAR, {"war": "min"})).set_index("doctrine")
    # minimax regret picks C although C is best in no state
    assert summary["max_regret"].idxmin() == "C"
    assert summary.loc["A", "max_regret"] == pytest.approx(0.30)
    assert summary.loc["B", "max_regret"] == pytest.approx(0.20)


def test_regret_of_an_outcome_to_maximise() -> None:
    gain = WAR.assign(outcome="peace")
    r = regret_table(gain, {"peace": "max"}).set_index(["doctrine", "state"])["regret"]
    assert r[("B", "s1")] == 0 and r[("A", "s2")] == 0
    assert r[("A", "s1")] == pytest.approx(0.20) and r[("C", "s2")] == pytest.approx(0.25)


def test_relative_regret_weights_outcomes_by_their_scale() -> None:
    two = pd.concat([WAR, _values([("A", "s1", "killed", 10.0), ("B", "s1", "killed", 0.0),
                                   ("C", "s1", "killed", 5.0), ("A", "s2", "killed", 0.0),
                                   ("B", "s2", "killed", 0.0), ("C", "s2", "killed", 0.0)])])
    reg = regret_table(two, {"war": "min", "killed": "min"})
    rel = relative_regret(reg).set_index(["doctrine", "state"])["regret"]
    # A in s1: war regret 0 / 0.5, killed regret 10 / 10 -> mean 0.5
    assert rel[("A", "s1")] == pytest.approx(0.5)
    # C in s1: 0.05 / 0.5 and 5 / 10 -> (0.1 + 0.5) / 2
    assert rel[("C", "s1")] == pytest.approx(0.3)
    only_war = relative_regret(reg, {"war": 1.0, "killed": 0.0}).set_index(
        ["doctrine", "state"])["regret"]
    assert only_war[("A", "s2")] == pytest.approx(0.30 / 0.5)


def test_satisficing_counts_states_meeting_every_threshold() -> None:
    two = pd.concat([WAR, _values([(d, s, "killed", v) for d, s, v in
                                   [("A", "s1", 1), ("B", "s1", 1), ("C", "s1", 3),
                                    ("A", "s2", 1), ("B", "s2", 1), ("C", "s2", 1)]])])
    sat = satisficing(two, {"war": "min", "killed": "min"}, {"war": 0.26, "killed": 2}) \
        .set_index("doctrine")
    assert sat.loc["A", "satisficing_share"] == 0.5  # war 0.5 in s2
    assert sat.loc["B", "satisficing_share"] == 0.5  # war 0.3 in s1
    assert sat.loc["C", "satisficing_share"] == 0.5  # killed 3 in s1
    assert sat.loc["A", "states"] == 2
    loose = satisficing(two, {"war": "min", "killed": "min"}, {"war": 0.6})
    assert (loose["satisficing_share"] == 1.0).all()


def test_the_non_dominated_set() -> None:
    pts = pd.DataFrame({"doctrine": list("ABCDE"),
                        "war": [0.1, 0.2, 0.3, 0.1, 0.3],
                        "killed": [5.0, 2.0, 1.0, 5.0, 2.0]})
    front = non_dominated(pts, {"war": "min", "killed": "min"})
    # E is dominated by B (same killed, more war); A and D tie and both stay
    assert front.tolist() == [True, True, True, True, False]
    gain = pts.assign(killed=-pts["killed"])
    # maximising -killed is minimising killed: the same front
    assert non_dominated(gain, {"war": "min", "killed": "max"}).tolist() == front.tolist()
    # maximising killed instead: A and D (most killed, least war) dominate everything else
    assert non_dominated(pts, {"war": "min", "killed": "max"}).tolist() == \
        [True, False, False, True, False]


def test_ranking_resolves_a_clear_winner_and_not_a_tie() -> None:
    rng = np.random.default_rng(3)
    reps = 400
    # P(war): A 0.05, B 0.30 in both states; C identical to A run for run (a tie)
    a = (rng.random((2, reps)) < 0.05).astype(float)
    b = (rng.random((2, reps)) < 0.30).astype(float)
    cube = Cube(("A", "B", "C"), ("s1", "s2"), {"war": np.stack([a, b, a])})
    table = ranking(cube, {"war": "min"}, rank_by="war", boot=200, seed=1)
    by = table.set_index("doctrine")
    assert by.loc["B", "rank"] == 3 and by.loc["B", "resolved"]
    assert by.loc["A", "rank"] == 1 and by.loc["C", "rank"] == 1  # ties share the rank
    assert by.loc["B", "p_best"] == 0
    assert ("A", "C") in unresolved_pairs(table) or ("C", "A") in unresolved_pairs(table)
    assert by.loc["B", "max_regret_low"] > 0.15  # ~0.25 with a few hundred runs
    again = ranking(cube, {"war": "min"}, rank_by="war", boot=200, seed=1)
    pd.testing.assert_frame_equal(table, again)


def test_cube_from_runs_and_back() -> None:
    runs = pd.DataFrame({"doctrine": ["A", "B"] * 4, "state": ["s1"] * 4 + ["s2"] * 4,
                         "replication": [0, 0, 1, 1] * 2})
    v = np.arange(8, dtype=float)
    cube = Cube.from_runs(runs, {"x": v}, ["A", "B"], ["s1", "s2"])
    assert cube.values["x"][1, 1, 1] == 7
    t = cube.table().set_index(["doctrine", "state"])["value"]
    assert t[("A", "s1")] == 1.0 and t[("B", "s2")] == 6.0


def test_factor_scores_find_the_factor_that_matters() -> None:
    states = pd.DataFrame({"scenario": ["a", "a", "b", "b"] * 3,
                           "noise": np.linspace(0, 1, 12)})
    y = np.where(states["scenario"] == "a", 1.0, 0.0)
    scores = factor_scores(states, pd.Series(y)).set_index("uncertainty")["score"]
    assert scores["scenario"] == pytest.approx(1.0)
    assert scores["noise"] < 0.2


# ------------------------------------------------------------------ paired intervals ---
def test_wilson_interval_matches_scipy() -> None:
    ci = stats.binomtest(7, 50).proportion_ci(0.95, method="wilson")
    assert wilson_interval(7, 50) == pytest.approx((ci.low, ci.high))


def test_paired_proportion_difference_known_table() -> None:
    # 2x2 of pairs: both 10, base only 5, variant only 15, neither 70
    base = np.array([1] * 10 + [1] * 5 + [0] * 15 + [0] * 70, dtype=bool)
    variant = np.array([1] * 10 + [0] * 5 + [1] * 15 + [0] * 70, dtype=bool)
    d, lo, hi = paired_proportion_difference(base, variant)
    assert d == pytest.approx(0.10)
    assert lo < 0.10 < hi and lo > -0.05 and hi < 0.25
    # Newcombe's interval: Wilson bounds combined with the pairs' correlation (hand computed)
    l1, u1 = wilson_interval(15, 100)
    l2, u2 = wilson_interval(25, 100)
    phi = (10 * 70 - 5 * 15) / np.sqrt(15 * 85 * 75 * 25)
    assert lo == pytest.approx(0.10 - np.sqrt((0.25 - l2) ** 2 - 2 * phi * (0.25 - l2) *
                                              (u1 - 0.15) + (u1 - 0.15) ** 2))
    assert hi == pytest.approx(0.10 + np.sqrt((u2 - 0.25) ** 2 - 2 * phi * (u2 - 0.25) *
                                              (0.15 - l1) + (0.15 - l1) ** 2))


def test_paired_proportion_interval_covers_at_its_level() -> None:
    """Coverage over 2000 simulated paired samples (n = 150, correlated pairs, rare-ish
    outcomes) is within binomial noise of 95% (Newcombe reports close to nominal)."""
    rng = np.random.default_rng(11)
    n, sims = 150, 2000
    p_base, p_var = 0.08, 0.14
    hits = 0
    for _ in range(sims):
        u = rng.random(n)
        base = u < p_base
        variant = u < p_var  # comonotone pairs: strongly correlated, as with common seeds
        flip = rng.random(n) < 0.1
        variant = np.where(flip, rng.random(n) < p_var, variant)
        _, lo, hi = paired_proportion_difference(base, variant)
        hits += lo <= p_var - p_base <= hi
    # 99.9% two-sided band of a binomial(2000, 0.95) count, widened by 2 points for the method's
    # known small departures from nominal
    band = stats.binom(sims, 0.95).ppf([0.0005, 0.9995]) / sims
    assert band[0] - 0.02 <= hits / sims <= band[1] + 0.02


def test_paired_mean_difference_is_a_one_sample_t_interval() -> None:
    b = np.array([1.0, 2, 3, 4, 5])
    v = b + np.array([0.5, 1.5, 1.0, 0.0, 2.0])
    d, lo, hi = paired_mean_difference(b, v)
    ci = stats.ttest_1samp(v - b, 0).confidence_interval(0.95)
    assert (d, lo, hi) == pytest.approx((1.0, ci.low, ci.high))
    assert paired_mean_difference(b, b + 2) == (2.0, 2.0, 2.0)


def test_paired_differences_refuse_unpaired_tables() -> None:
    a = pd.DataFrame({"replication": [0, 1], "seed": [10, 11], "attacks": [1, 2],
                      "day_rung_1": [1.0, None]})
    b = a.assign(seed=[10, 12])
    with pytest.raises(ValueError, match="not paired|same seeds"):
        paired_differences({"a": a, "b": b}, "a", counts=("attacks",))
    ok = paired_differences({"a": a, "b": a.assign(attacks=[2, 4])}, "a", counts=("attacks",))
    row = ok.set_index("measure").loc["attacks_mean"]
    assert row["difference"] == 1.5 and row["variant"] == "b"
    assert ok.set_index("measure").loc["rung_1_reached", "difference"] == 0


def test_printed_numbers_keep_their_significant_digits() -> None:
    assert sig(5e-05) == "5e-05" and sig(0.0) == "0" and sig(0.12345) == "0.123"
    assert interval_text(5e-05, 1.3e-06, 2.8e-04) == "5e-05 [1.3e-06, 0.00028]"
    assert signed(0.01) == "+0.01" and signed(-3e-4) == "-0.0003"
