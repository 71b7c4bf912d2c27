"""Sweep designs: --vary specs, grid / LHS / Sobol' points, design tables, point scenarios."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import escsim
from escsim.analysis.runs import binomial_interval, binomial_intervals
from escsim.errors import InputError
from escsim.scenario.loader import param_hash
from escsim.sweep import SweepSpec, parse_outcome, parse_vary, plan_sweep, read_design_table
from escsim.sweep.design import (
    grid_points,
    morris_points,
    saltelli_points,
    sampled_points,
)
from escsim.sweep.points import PointBuilder, is_patchable

RATE = "militias.iraq_factions.base_rate_per_day"
EXCITE = "militias.iraq_factions.excitation_per_round"


# ---------------------------------------------------------------------------------- specs ---
def test_range_with_count_is_evenly_spaced_and_tidy() -> None:
    a = parse_vary(f"{EXCITE}=0:1:11")
    assert a.kind == "range" and a.key == EXCITE
    assert a.grid_values() == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


def test_list_values_are_read_like_set_values() -> None:
    a = parse_vary("us_policy.preset=proportional,punitive,restraint")
    assert a.grid_values() == ["proportional", "punitive", "restraint"]
    assert parse_vary("x.y=1,2.5,true").grid_values() == [1, 2.5, True]


@pytest.mark.parametrize("text, fragment", [
    ("no_equals_sign", "KEY=SPEC"),
    (f"{RATE}=", "bad spec"),
    (f"{RATE}=0:1:x", "bad spec"),
    (f"{RATE}=0:1:2:3", "bad spec"),
    (f"{RATE}=0:1:0", "count of at least 1"),
    (f"{RATE}=gamma(1,2)", "unknown distribution"),
    (f"{RATE}=normal(0)", "takes 2 finite numbers"),
    (f"{RATE}=uniform(2,1)", "lo < hi"),
    (f"{RATE}=a,,b", "empty item"),
    (f"{RATE}=a,b,a", "repeated item"),
    ("bad key!=1:2:3", "dotted key"),
])
def test_bad_specs_name_key_value_and_expectation(text: str, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        parse_vary(text)
    assert fragment in str(err.value)
    assert str(err.value).startswith("--vary")


def test_a_grid_needs_counts_or_lists() -> None:
    with pytest.raises(InputError, match="a grid needs a range with a count"):
        grid_points([parse_vary(f"{RATE}=uniform(0,1)")])
    with pytest.raises(InputError, match="a grid needs"):
        grid_points([parse_vary(f"{RATE}=0:1")])


# -------------------------------------------------------------------------------- designs ---
def test_grid_crosses_axes_first_varies_slowest() -> None:
    pts = grid_points([parse_vary("a.b=x,y"), parse_vary("c.d=0:1:3")])
    assert pts == [("x", 0.0), ("x", 0.5), ("x", 1.0), ("y", 0.0), ("y", 0.5), ("y", 1.0)]


def test_lhs_puts_one_point_in_each_stratum_of_each_axis() -> None:
    n = 40
    axes = [parse_vary("a.b=10:20"), parse_vary("c.d=uniform(0,4)")]
    pts = np.array(sampled_points(axes, "lhs", n, root_seed=7))
    for j, (lo, hi) in enumerate([(10, 20), (0, 4)]):
        strata = np.floor((pts[:, j] - lo) / (hi - lo) * n).astype(int)
        assert sorted(strata) == list(range(n))


def test_sobol_design_is_balanced_and_seeded() -> None:
    axes = [parse_vary("a.b=0:1"), parse_vary("c.d=0:1")]
    pts = np.array(sampled_points(axes, "sobol", 64, root_seed=3))
    # a scrambled Sobol' net of 2^6 points: every dyadic interval of width 1/64 holds one
    for j in range(2):
        assert sorted(np.floor(pts[:, j] * 64).astype(int)) == list(range(64))
    assert np.array_equal(pts, np.array(sampled_points(axes, "sobol", 64, root_seed=3)))
    assert not np.array_equal(pts, np.array(sampled_points(axes, "sobol", 64, root_seed=4)))


def test_lists_and_distributions_in_sampled_designs() -> None:
    axes = [parse_vary("p.q=restraint,punitive"), parse_vary("a.b=loguniform(0.01,1)"),
            parse_vary("c.d=truncnormal(0.5,0.2,0,1)"), parse_vary("e.f=triangular(0,1,4)")]
    pts = sampled_points(axes, "lhs", 200, root_seed=1)
    assert {p[0] for p in pts} == {"restraint", "punitive"}
    assert sum(p[0] == "restraint" for p in pts) == 100  # LHS strata split evenly
    assert all(0.01 <= p[1] <= 1 and 0 <= p[2] <= 1 and 0 <= p[3] <= 4 for p in pts)
    assert np.median([p[1] for p in pts]) == pytest.approx(0.1, rel=0.1)  # log scale


def test_saltelli_layout_a_b_then_ab() -> None:
    axes = [parse_vary("a.b=0:1"), parse_vary("c.d=0:1"), parse_vary("e.f=0:1")]
    n, d = 8, 3
    pts = np.array(saltelli_points(axes, n, root_seed=1))
    assert pts.shape == (n * (d + 2), d)
    a, b = pts[:n], pts[n:2 * n]
    for i in range(d):
        ab = pts[(2 + i) * n:(3 + i) * n]
        assert np.array_equal(ab[:, i], b[:, i])
        others = [j for j in range(d) if j != i]
        assert np.array_equal(ab[:, others], a[:, others])
    with pytest.raises(InputError, match="power of two"):
        saltelli_points(axes, 12, root_seed=1)


def test_morris_trajectories_move_one_coordinate_by_delta() -> None:
    axes = [parse_vary("a.b=0:1"), parse_vary("c.d=0:1"), parse_vary("e.f=0:1")]
    m = morris_points(axes, trajectories=5, levels=4, root_seed=2)
    pts = np.array(m.points)
    assert pts.shape == (5 * 4, 3) and m.delta == pytest.approx(2 / 3)
    for t in range(5):
        walk = pts[t * 4:(t + 1) * 4]
        for j, (i, sign) in enumerate(zip(m.order[t], m.signs[t], strict=True)):
            step = walk[j + 1] - walk[j]
            assert step[i] == pytest.approx(sign * m.delta)
            assert np.count_nonzero(step) == 1
        assert sorted(m.order[t]) == [0, 1, 2]


def test_design_table(tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text(f"us_policy.preset,{RATE}\npunitive,1.5\nrestraint,0.5\n")
    keys, pts = read_design_table(path)
    assert keys == ["us_policy.preset", RATE] and pts == [("punitive", 1.5), ("restraint", 0.5)]
    path.write_text(f"us_policy.preset,{RATE}\npunitive\n")
    with pytest.raises(InputError, match="line 2 does not give a value for every key"):
        read_design_table(path)


# ----------------------------------------------------------------------- point scenarios ---
def test_point_scenario_equals_loaded_scenario() -> None:
    """The cheap patch path gives the loader's values and parameter hash exactly."""
    keys = [RATE, "us_policy.preset", "us_policy.targets_max", "scenario.horizon_days",
            "iran.pause_mean_days"]
    pb = PointBuilder(["surge-2023"], ["iran.pause_mean_days=40"], keys)
    assert pb.patchable[0] == {RATE, "us_policy.targets_max", "scenario.horizon_days",
                               "iran.pause_mean_days"}
    for values in [(1, "punitive", 4, 90, 3), (0.3, "restraint", 2, 111.5, 7.25)]:
        point = pb.scenario(0, values)
        loaded = escsim.load_scenario("surge-2023", {"iran.pause_mean_days": 40,
                                                     **dict(zip(keys, values, strict=True))})
        assert point == loaded
        assert point.param_hash == loaded.param_hash == param_hash(point)
        # re-derivable in a notebook, like any loaded scenario
        assert escsim.with_overrides(point, {}) == point


def test_ladder_and_names_are_reloaded_not_patched(surge: escsim.Scenario) -> None:
    assert not is_patchable(surge, "ladder.us_killed.level")
    assert not is_patchable(surge, "us_policy.preset")
    assert is_patchable(surge, "us_policy.respond_prob.fatalities")


@pytest.mark.parametrize("vary, fragment", [
    (f"{RATE}=-1:2:3", "value out of range"),
    ("us_policy.targets_max=1:2:3", "not whole numbers"),
    ("us_policy.preset=restraint,punative", "did you mean 'punitive'"),
    ("militias.iraq_faction.excitation_per_round=0:1:2", "did you mean 'iraq_factions'"),
    ("us_policy.delay_min_days=0:60:3", "delay range reversed"),
])
def test_bad_values_stop_the_plan(vary: str, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        plan_sweep(SweepSpec(("surge-2023",), (vary,), runs=1))
    assert fragment in str(err.value)
    assert vary.split("=")[0] in str(err.value)


def test_sampled_whole_number_keys_are_rounded() -> None:
    plan = plan_sweep(SweepSpec(("surge-2023",), ("us_policy.targets_max=3:9",), "lhs", 20,
                                runs=1))
    values = [p.values[0] for p in plan.points]
    assert all(isinstance(v, int) and 3 <= v <= 9 for v in values)


def test_binomial_intervals_match_scipy_exact() -> None:
    from scipy import stats

    k = np.array([0, 1, 7, 19, 20, 3])
    n = np.array([20, 20, 20, 20, 20, 1000])
    lo, hi = binomial_intervals(k, n)
    for i in range(len(k)):
        ci = stats.binomtest(int(k[i]), int(n[i])).proportion_ci(0.95, method="exact")
        a, b = ci.low, ci.high
        assert binomial_interval(int(k[i]), int(n[i])) == (lo[i], hi[i])
        assert lo[i] == pytest.approx(a, abs=1e-9) and hi[i] == pytest.approx(b, abs=1e-9)


def test_outcomes() -> None:
    import pandas as pd

    runs = pd.DataFrame({"day_rung_8": [None, 3.0, None], "us_killed": [0, 2, 1]})
    assert list(parse_outcome("rung:8").values(runs)) == [0, 1, 0]
    assert list(parse_outcome("us_killed>=1").values(runs)) == [0, 1, 1]
    assert list(parse_outcome("us_killed").values(runs)) == [0, 2, 1]
    assert parse_outcome("rung:8").label({8: "regional_war"}) == "rung 8 (regional war)"
    with pytest.raises(InputError, match="bad outcome"):
        parse_outcome("us killed >= one")
    with pytest.raises(InputError, match="columns the runs do not have|column the runs"):
        parse_outcome("nonsense>=1").values(runs)


def test_spec_round_trips_through_json() -> None:
    spec = SweepSpec(("surge-2023",), (f"{RATE}=0:1:3",), design_table=(("a",), ((1,),)),
                     extra={"x": 1})
    assert SweepSpec.from_json(spec.to_json()) == dataclasses.replace(spec)
