"""The study reads itself honestly (issue 19, item 7): a flip is tested against the noise between
copies of one state, discovery runs only over uncertainties that change the outcome in the states
it describes, and no state of the bundled study looks past its start."""

from __future__ import annotations

import numpy as np
import pandas as pd

import escsim
from escsim.analysis.discovery import prim
from escsim.analysis.robustness import Cube, regret_table, relative_regret
from escsim.facts import bundled_facts
from escsim.study import load_study
from escsim.study.flips import discover_flips, flips_beyond_noise, has_effect, replication_loss
from escsim.study.run import flip_lines

REPS = 600


def _noise(rng: np.random.Generator, shift: float = 0.0) -> np.ndarray:
    return rng.normal(shift, 1.0, REPS)


def test_a_flip_within_the_noise_is_not_a_flip() -> None:
    rng = np.random.default_rng(5)
    best = [_noise(rng) for _ in range(3)]
    # state 0: the top doctrine is better; state 1: worse by half a standard deviation (t about
    # 12 with 600 paired replications); state 2: worse by 0.01 (t about 0.2: noise)
    top = [best[0] - 0.5, best[1] + 0.5 + _noise(rng) * 0.1, best[2] + _noise(rng)]
    top[2] = top[2] - (top[2] - best[2]).mean() + 0.01
    loss = np.array([top, best])
    tested = flips_beyond_noise(loss, 0)
    assert tested.flips.tolist() == [False, True, False]
    assert tested.within_noise.tolist() == [False, False, True]
    x = pd.DataFrame({"u": ["a", "b", "c"]}, index=["s0", "s1", "s2"])
    (line,) = flip_lines(x, loss, 0, "top")
    assert line.startswith("top is beaten beyond noise in 1 of 3 states (s1); in 1 more")


def _states() -> pd.DataFrame:
    rows = [(u1, u2, sc) for u1 in ("a", "b") for u2 in (0.25, 0.8) for sc in ("x", "y")]
    x = pd.DataFrame(rows, columns=["u1", "u2", "scenario"])
    return x.set_index(pd.Index([f"{a} {b} {c}" for a, b, c in rows]))


def test_discovery_leaves_out_an_uncertainty_without_effect_in_the_states_it_describes() -> None:
    """u2 changes the outcome only where u1 = b (as the reaction to strikes matters only under
    backlash); the flips sit where u1 = a, at u2 = 0.8 by chance. Plain PRIM names u2; the
    study's discovery tests it in the states its box describes and leaves it out."""
    x = _states()
    rng = np.random.default_rng(11)
    loss = np.empty((2, len(x), REPS))
    for s, (u1, u2, _) in enumerate(x.itertuples(index=False)):
        if u1 == "a":  # u2 without effect: both values give the same runs
            common = np.random.default_rng(100 + (s // 4) * 10 + s % 2).normal(0, 1, REPS)
            loss[0, s], loss[1, s] = common + 0.5, common
        else:
            loss[0, s] = _noise(rng, 2.0 * u2)
            loss[1, s] = _noise(rng, 2.0 * u2 + 0.3)
    flips = np.array([u1 == "a" and u2 == 0.8 for u1, u2, _ in x.itertuples(index=False)])
    naive = prim(x.reset_index(drop=True), flips.astype(float), alpha=0.1, min_support=0.05)
    assert any("u2" in rule for rule in naive.rules())
    everywhere = np.ones(len(x), dtype=bool)
    assert has_effect(x, loss, "u2", everywhere)  # it matters somewhere ...
    assert not has_effect(x, loss, "u2", (x["u1"] == "a").to_numpy())  # ... not where u1 = a
    assert not has_effect(x, loss, "scenario", everywhere)
    found = discover_flips(x, loss, flips)
    assert found.result is not None
    assert found.result.rules() == ["u1 in {a}"]
    assert found.left_out == ["scenario", "u2"]


def test_an_uncertainty_whose_values_differ_by_noise_alone_has_no_effect() -> None:
    """Copies of one state with their own seeds: statistically indistinguishable."""
    x = pd.DataFrame({"u": [0.25, 0.8, 0.25, 0.8], "k": ["p", "p", "q", "q"]})
    rng = np.random.default_rng(3)
    loss = np.stack([np.stack([_noise(rng, 0.0 if k == "p" else 1.0) for k in x["k"]])
                     for _ in range(3)])
    everywhere = np.ones(len(x), dtype=bool)
    assert not has_effect(x, loss, "u", everywhere)
    assert has_effect(x, loss, "k", everywhere)


def test_the_replication_loss_gives_the_regret_the_study_ranks_by() -> None:
    rng = np.random.default_rng(2)
    values = {"killed": rng.integers(0, 2, (3, 4, 50)).astype(float),
              "attacks": rng.poisson(30, (3, 4, 50)).astype(float)}
    cube = Cube(("a", "b", "c"), tuple("wxyz"), values)
    directions = {"killed": "min", "attacks": "min"}
    weights = {"killed": 1.0, "attacks": 0.5}
    loss = replication_loss(cube, directions, "relative_regret", weights).mean(axis=2)
    reg = relative_regret(regret_table(cube.table(), directions), weights)
    reg = reg.pivot(index="doctrine", columns="state", values="regret").to_numpy()
    assert np.allclose(loss - loss.min(axis=0), reg - reg.min(axis=0))


def test_no_state_of_the_bundled_study_looks_past_its_start() -> None:
    """Every scenario of the bundled study starts on 11 Nov 2024 and cites no fact dated later
    (the seed document's standing situation carries its report date, 12 Nov); its dated events
    after the start are stated hypotheses (an assumption, never a fact)."""
    spec = load_study("doctrines")
    facts = bundled_facts()
    for name in spec.scenarios:
        s = escsim.load_scenario(name)
        start = s.scenario.start_date
        assert start == escsim.load_scenario("baseline-2024-11").scenario.start_date, name
        for key, text in s.provenance.items():
            if not text.startswith("fact "):
                continue
            fact = facts[text.split()[1]]
            when = fact.window[1] if fact.window else fact.date
            seed_background = fact.file == "seed-2024-11.toml"
            assert when is None or when <= start or seed_background, (name, key, fact.id)
