"""Rare-event splitting (escsim.tail): cloning a history by replay, the level plan and its
monotonicity check, determinism across executors, and agreement with plain Monte Carlo."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

import escsim
from escsim.engine import record_of, replication_seed, run_replication
from escsim.errors import InputError
from escsim.model.draws import Draws, Streams
from escsim.scenario.schema import Rung
from escsim.sweep.executors import ProcessExecutor, SerialExecutor
from escsim.tail.history import Recipe, continue_history, record_of_recipe
from escsim.tail.levels import plan_levels
from escsim.tail.splitting import allocate_effort, estimate_tail


@pytest.fixture(scope="module")
def punitive() -> escsim.Scenario:
    """P(rung 8) about 0.04-0.05: rare enough to split, common enough to check by brute force."""
    return escsim.load_scenario("us-punitive")


#: The rungs below 8 as levels, without the target's condition levels: phi is then the highest
#: rung reached, as the tests of cloning read it.
RUNGS_BELOW_8 = tuple(range(1, 8))


def _seeds_crossing(scenario: escsim.Scenario, level: int, count: int) -> list[int]:
    """Replication seeds (root 11) whose history reaches rung ``level``."""
    found = []
    for r in range(5000):
        seed = replication_seed(11, r)
        if run_replication(scenario, seed).row[f"day_rung_{level}"] is not None:
            found.append(seed)
            if len(found) == count:
                return found
    raise AssertionError(f"fewer than {count} of 5000 histories reach rung {level}")


def _same(a: escsim.RunRecord, b: escsim.RunRecord) -> None:
    assert a.row == b.row
    for name in a.daily:
        np.testing.assert_array_equal(a.daily[name], b.daily[name])


# ------------------------------------------------------------------------- cloning by replay ---
def test_continued_history_without_switches_is_the_replication(punitive) -> None:
    plan = plan_levels(punitive, 8)
    for r in range(30):
        seed = replication_seed(3, r)
        _same(record_of_recipe(punitive, plan, Recipe(seed)), run_replication(punitive, seed))


def test_clone_paused_at_a_crossing_and_continued_with_the_originals_stream_is_the_original(
        punitive) -> None:
    plan = plan_levels(punitive, 8, RUNGS_BELOW_8)
    j = plan.levels.index(6)  # an Iranian direct attack: late, mid-history
    for seed in _seeds_crossing(punitive, 6, 5):
        outcome, world = continue_history(punitive, plan, Recipe(seed), j)
        assert outcome.crossed and outcome.phi >= 6
        assert outcome.day < punitive.scenario.horizon_days
        if not world.end.processed:
            world.env.run(until=world.end)  # carry on from the pause with its own stream
        _same(record_of(world, seed), run_replication(punitive, seed))


def test_clone_with_a_new_stream_shares_the_past_and_not_the_future(punitive) -> None:
    plan = plan_levels(punitive, 8, RUNGS_BELOW_8)
    j = plan.levels.index(6)
    differed = 0
    for seed in _seeds_crossing(punitive, 6, 5):
        original = run_replication(punitive, seed, trace=True)
        # the crossing of level 6 is the first day the highest rung reached is 6 or above: a US
        # strike on Iran (rung 7) can come before any Iranian attack (issue 19)
        crossing_day = min(original.row[f"day_rung_{level}"] for level in (6, 7, 8)
                           if original.row[f"day_rung_{level}"] is not None)
        clones = [record_of_recipe(punitive, plan, Recipe(seed, ((j, k),)), trace=True)
                  for k in range(3)]
        for k, clone in enumerate(clones):
            # the past up to the crossing is the original's, to the event
            assert min(clone.row[f"day_rung_{level}"] for level in (6, 7, 8)
                       if clone.row[f"day_rung_{level}"] is not None) == crossing_day
            # (the row's days are rounded to 4 decimals; what follows the crossing at its own
            # time may already draw from the clone's stream)
            before = [e for e in original.log if e[0] < crossing_day - 1e-4]
            assert clone.log[:len(before)] == before
            # a clone is a function of (seed, level, clone index)
            again = record_of_recipe(punitive, plan, Recipe(seed, ((j, k),)), trace=True)
            assert again.log == clone.log and again.row == clone.row
        differed += sum(c.log != original.log for c in clones)
        assert clones[0].log != clones[1].log or clones[1].log != clones[2].log
    assert differed >= 10  # the future is redrawn (ties are possible, rare)


def test_reseed_refills_the_pool_in_place() -> None:
    draws = Draws(np.random.default_rng(1))
    pool = draws.uniforms
    draws.uniform()
    draws.poisson(2.0)
    draws.reseed(np.random.default_rng(2))
    assert draws.uniforms is pool and len(pool) >= 16  # hot paths hold the list
    fresh = Draws(np.random.default_rng(2))
    assert [draws.uniform() for _ in range(600)] == [fresh.uniform() for _ in range(600)]
    assert draws.poisson(2.0) == fresh.poisson(2.0)


def test_tally_reports_each_rung_once_and_a_windowed_rung_stays_reached(punitive) -> None:
    from escsim.model.world import World

    seed = _seeds_crossing(punitive, 8, 1)[0]
    world = World(punitive, Streams(seed))
    heard: list[tuple[int, float]] = []
    world.recorder.tally.on_reach = lambda level, now: heard.append((level, now))
    world.run()
    assert sorted(lv for lv, _ in heard) == sorted(world.recorder.tally.rung_day)
    assert dict(heard) == world.recorder.tally.rung_day
    assert 8 in dict(heard)  # "iran_direct_attacks[60d] >= 2 and ...": reached, never unreached


# ------------------------------------------------------------------------------------ levels ---
def _with_rung(scenario: escsim.Scenario, name: str, rung: Rung) -> escsim.Scenario:
    return dataclasses.replace(scenario, ladder={**scenario.ladder, name: rung})


def test_levels_default_to_every_rung_below_the_target_and_the_targets_own_terms(
        punitive) -> None:
    # rung 8 is "iran_direct_attacks[60d] >= 2 and us_strikes_on_iran[60d] >= 1": its counters
    # at thresholds 1 are rungs 7 and 6 (taken in the order the target needs them: a US
    # strike needs one event, two Iranian attacks two), then three conditions of their own
    plan = plan_levels(punitive, 8)
    assert plan.levels == (1, 2, 3, 4, 5, 7, 6, "us_strikes_on_iran >= 2",
                           "iran_direct_attacks >= 2", "iran_direct_attacks[60d] >= 2", 8)
    assert plan.order == plan.levels and plan.position(7) == 6
    assert plan_levels(punitive, 6, (4, 2)).levels == (2, 4, 6)
    assert plan_levels(punitive, 6, (4, 2)).order == (1, 2, 3, 4, 5, 6)


def test_levels_given_as_conditions_are_read_checked_and_merged_with_equal_rungs(
        punitive) -> None:
    plan = plan_levels(punitive, 8, (4, "us_killed  >= 2", "6", "us_strikes_on_iran[60d] >= 1"))
    # digits name a rung; a condition that first holds with a rung is that rung; the
    # conditions (and the rungs named by one) come after the other rungs below the target,
    # in the order given
    assert plan.levels == (4, 6, "us_killed >= 2", 7, 8)
    assert plan.order == (1, 2, 3, 4, 5, 6, "us_killed >= 2", 7, 8)
    for bad, match in [("us_killed < 2", "not a monotone function"),
                       ("us_killed >= 1 or attacks >= 3", "not a monotone function"),
                       ("casualties >= 2", "unknown counter"),
                       ("us_killed >=", "cannot read the condition"),
                       ("9", "a rung below the target or a condition")]:
        with pytest.raises(InputError, match=match) as e:
            plan_levels(punitive, 8, (bad,))
        assert e.value.key in ("--level", "levels")


def test_a_condition_level_is_crossed_at_its_first_passage_and_leaves_the_record_alone(
        punitive) -> None:
    plan = plan_levels(punitive, 8, ("attacks >= 40", "us_wounded >= 3"))
    j = plan.levels.index("us_wounded >= 3")
    for r in range(10):
        seed = replication_seed(7, r)
        plain = run_replication(punitive, seed)
        outcome, world = continue_history(punitive, plan, Recipe(seed), j)
        crossed = plain.row["us_wounded"] >= 3 or plain.row["day_rung_8"] is not None
        assert outcome.crossed == crossed
        if crossed and plain.row["day_rung_8"] is None:
            # stopped at the event that made the third US wounded: the count is 3 or more,
            # and the run's record has no trace of the level
            assert world.recorder.tally.counts["us_wounded"] >= 3
            assert outcome.day < punitive.scenario.horizon_days
        _same(record_of_recipe(punitive, plan, Recipe(seed)), plain)


def test_a_level_with_a_deadline_is_crossed_only_by_a_first_passage_before_it(
        punitive) -> None:
    # "COND before day T": crossed at the first moment COND holds if that is before day T,
    # never otherwise (a later passage does not count): still a stopping time of the history
    plain_plan = plan_levels(punitive, 8, ("us_wounded >= 3",))
    timed = plan_levels(punitive, 8, ("us_wounded  >= 3 before   day 120",))
    assert timed.levels == ("us_wounded >= 3 before day 120", 8)
    seen = {True: 0, False: 0}
    for r in range(40):
        seed = replication_seed(7, r)
        first, _ = continue_history(punitive, plain_plan, Recipe(seed), 0)
        outcome, world = continue_history(punitive, timed, Recipe(seed), 0)
        early = first.crossed and first.day < 120.0
        reached_8 = run_replication(punitive, seed).row["day_rung_8"] is not None
        # crossed by the condition before the deadline, or by the target (phi at its top)
        assert outcome.crossed == (early or reached_8)
        if early:
            assert outcome.day == first.day
        seen[early] += 1
    assert seen[True] >= 3 and seen[False] >= 3  # both cases were tried
    # a deadline must be a day after the start and within the longest horizon
    for bad in ("us_killed >= 2 before day 0", "us_killed >= 2 before day x",
                "us_killed >= 2 before day 4000"):
        with pytest.raises(InputError, match="deadline must be a day") as e:
            plan_levels(punitive, 8, (bad,))
        assert e.value.key == "--level"


@pytest.mark.parametrize("condition", ["us_killed < 3", "us_killed <= 3", "attacks == 4",
                                       "us_killed >= 1 or attacks >= 9",
                                       "not us_killed >= 1"])
def test_a_rung_that_is_not_monotone_is_refused(punitive, condition) -> None:
    scenario = _with_rung(punitive, "odd", Rung(level=9, condition=condition))
    with pytest.raises(InputError) as e:
        plan_levels(scenario, 9)
    text = str(e.value)
    assert "ladder.odd.condition" in text and "not a monotone function of the history" in text
    assert condition in text


def test_a_level_that_is_not_monotone_is_refused_too(punitive) -> None:
    scenario = _with_rung(punitive, "odd", Rung(level=9, condition="us_killed < 3"))
    scenario = _with_rung(scenario, "top", Rung(level=10, condition="us_killed >= 9"))
    with pytest.raises(InputError, match="ladder.odd.condition"):
        plan_levels(scenario, 10)
    assert plan_levels(scenario, 10, levels=(4,)).levels == (4, 10)


def test_unknown_rungs_and_levels_are_refused(punitive) -> None:
    with pytest.raises(InputError, match="no rung at this level") as e:
        plan_levels(punitive, 12)
    assert "expected one of 1, 2, 3, 4, 5, 6, 7, 8" in str(e.value)
    with pytest.raises(InputError, match="a rung below the target"):
        plan_levels(punitive, 6, (7,))
    with pytest.raises(InputError, match="repetitions"):
        estimate_tail(punitive, 8, root_seed=1, repetitions=1)
    with pytest.raises(InputError, match="one per level"):
        estimate_tail(punitive, 8, root_seed=1, effort=(10, 10))


# ------------------------------------------------------------------------------ determinism ---
def test_estimate_is_identical_across_executors(punitive) -> None:
    # identity does not depend on the effort: a small one checks it as well as a large one
    kwargs = dict(root_seed=5, repetitions=4, effort=12, levels=(4, 6, 7))
    serial = estimate_tail(punitive, 8, executor=SerialExecutor(), **kwargs)
    pool = ProcessExecutor(2)
    try:
        parallel = estimate_tail(punitive, 8, executor=pool, **kwargs)
    finally:
        pool.close()
    assert serial.to_dict() == parallel.to_dict()
    assert serial.ancestors == parallel.ancestors
    # a level's crossing states descend from some of the previous level's ancestors, and
    # the first level's states are each their own ancestor
    assert all(a >= b for a, b in zip(serial.ancestors, serial.ancestors[1:], strict=False))
    assert serial.ancestors[0] == pytest.approx(serial.conditional_probabilities[0] * 12)
    assert serial.to_dict() != estimate_tail(punitive, 8, root_seed=6, repetitions=4,
                                             effort=12, levels=(4, 6, 7)).to_dict()


def test_user_defined_rung_is_estimated(punitive) -> None:
    # a rung above the ladder's top, defined by the user: three US deaths
    scenario = _with_rung(punitive, "three_killed", Rung(level=9, condition="us_killed >= 3"))
    est = estimate_tail(scenario, 9, root_seed=2, repetitions=3, effort=20, levels=(4,))
    assert est.rung_name == "three_killed" and est.levels == (4, 9)
    assert 0.0 <= est.estimate <= 1.0 and len(est.conditional_probabilities) == 2


def test_allocate_effort_puts_work_where_crossing_is_unlikely() -> None:
    effort = allocate_effort((1.0, 0.5, 0.01), (0.2, 1.0, 1.0), budget=10_000, minimum=50)
    # a level always crossed keeps the next level's effort (its states seed that level)
    assert effort[0] == effort[1]
    # N_j proportional to sqrt((1 - p) / (p c)): sqrt(99) / sqrt(1) for the last two
    assert effort[2] / effort[1] == pytest.approx(math.sqrt(99), rel=0.01)
    assert sum(n * c for n, c in zip(effort, (0.2, 1.0, 1.0), strict=True)) == \
        pytest.approx(10_000, rel=0.01)
    assert allocate_effort((0.4, 1.0), (1.0, 1.0), budget=100, minimum=1) == (50, 50)
    with pytest.raises(InputError, match="no history crossed"):
        allocate_effort((0.5, 0.0), (1.0, 1.0), budget=100)


def test_pilot_merges_a_level_only_where_that_lowers_work_times_variance(punitive) -> None:
    from escsim.tail.splitting import _levels_to_keep, _merged, work_variance

    plan = plan_levels(punitive, 4, (1, 2, 3))  # four levels; only their positions matter here
    # a stage crossed 95% of the time is dropped whatever the formula says; two stages of 0.5
    # are worth keeping apart (merged, one stage of 0.25 whose failures run the whole horizon)
    probabilities, costs = (0.95, 0.5, 0.5, 0.85), (0.1, 0.2, 0.3, 1.0)
    keep = _levels_to_keep(probabilities, costs, plan)
    assert keep == [1, 2, 3]
    assert plan.levels[keep[-1]] == 4  # the target is always kept
    chosen = work_variance(*_merged(probabilities, costs, keep))
    for other in ([3], [1, 3], [2, 3], [0, 1, 2, 3]):
        assert chosen <= work_variance(*_merged(probabilities, costs, other)) + 1e-12
    # merging: the product of the factors; a history that does not cross runs the whole horizon
    p, c = _merged((0.5, 0.5), (0.75, 0.75), [1])
    assert p == [0.25] and c == [pytest.approx(0.75 + 0.25 * 0.5)]


def test_pilot_drops_levels_always_crossed_and_shares_the_effort_out(punitive) -> None:
    pilot = estimate_tail(punitive, 8, root_seed=3, repetitions=2, effort=120)
    equal = estimate_tail(punitive, 8, root_seed=3, repetitions=2, effort=120,
                          allocation="equal")
    assert equal.levels == plan_levels(punitive, 8).levels and equal.effort == (120,) * 11
    # rungs 1 and 2 hold from day 0 in every history: the pilot leaves them out, keeps the target
    assert pilot.levels[-1] == 8 and 1 not in pilot.levels and 2 not in pilot.levels
    assert len(pilot.effort) == len(pilot.levels) and len(set(pilot.effort)) > 1
    # the estimate's own work is about the work of 120 histories at every level (as the pilot
    # measured it), and the pilot's work is counted on top
    assert pilot.cost_replications > sum(pilot.cost_per_history[j] * n * 2
                                         for j, n in enumerate(pilot.effort))
    again = estimate_tail(punitive, 8, root_seed=3, repetitions=2, effort=120)
    assert again.to_dict() == pilot.to_dict()


def test_pilot_keeps_levels_the_user_chose_and_an_unknown_allocation_is_refused(punitive) -> None:
    est = estimate_tail(punitive, 8, root_seed=3, repetitions=2, effort=60, levels=(1, 4))
    assert est.levels == (1, 4, 8)
    with pytest.raises(InputError, match="allocation"):
        estimate_tail(punitive, 8, root_seed=3, repetitions=2, effort=60, allocation="best")


# ------------------------------------------------------------------------------- validation ---
@pytest.mark.slow
def test_splitting_agrees_with_plain_monte_carlo_on_rung_8(punitive) -> None:
    """Both estimators are unbiased for P(rung 8); with independent seeds their difference
    over its estimated standard error is about Student-t (the splitting's variance is estimated
    from its 10 repetitions: 9 degrees of freedom, conservative when the plain variance also
    counts), so it should stay inside the 99.9% two-sided band (a failure is a 1-in-1000 event
    if both are right)."""
    plain_runs = 4000
    hits = sum(run_replication(punitive, replication_seed(101, r)).row["day_rung_8"]
               is not None for r in range(plain_runs))
    p_plain = hits / plain_runs
    est = estimate_tail(punitive, 8, root_seed=202, repetitions=10, effort=150)
    assert est.repetitions == 10 and est.estimate > 0.0
    se = math.sqrt(p_plain * (1 - p_plain) / plain_runs + est.standard_error ** 2)
    z = (est.estimate - p_plain) / se
    assert abs(z) < stats.t.ppf(1 - 0.001 / 2, est.repetitions - 1), (est.to_dict(), p_plain)
    # the reported quantities are consistent with one another
    low, high = est.interval
    assert low < est.estimate < high
    assert est.estimate == pytest.approx(np.mean(est.repetition_estimates))
    assert est.effective_sample_size == pytest.approx(
        est.estimate * (1 - est.estimate) / est.standard_error ** 2)
    assert est.cost_replications > 0


# ------------------------------------------------------------------------------ command line ---
def test_run_with_tail_splitting_reports_it_beside_the_plain_estimate(cli, tmp_path,
                                                                      punitive) -> None:
    import json

    out = tmp_path / "r"
    result = cli("run", "us-punitive", "-n", "60", "--seed", "4", "-j", "1", "--no-plots",
                 "-o", out, "--tail", "splitting", "--rung", "7", "--tail-repetitions", "3",
                 "--tail-effort", "20")
    assert result.exit_code == 0, result.output
    tail = json.loads((out / "summary.json").read_text())["tail"]
    direct = estimate_tail(punitive, 7, root_seed=4, repetitions=3, effort=20)
    expected = json.loads(json.dumps(direct.to_dict()))
    assert {k: v for k, v in tail.items() if k != "plain"} == expected
    assert tail["plain"]["runs"] == 60 and tail["plain"]["method"] == "plain Monte Carlo"
    assert f"P(rung 7 us_strikes_iran) = {direct.estimate:.3g}" in result.stdout
    assert "plain " in result.stdout


def test_run_refuses_a_rung_not_on_the_ladder(cli, cli_input_error, tmp_path) -> None:
    result = cli("run", "us-punitive", "-n", "5", "-j", "1", "-o", tmp_path / "r",
                 "--tail", "splitting", "--rung", "12")
    cli_input_error(result, "us-punitive.toml", "'--rung'", "got 12",
                    "expected one of 1, 2, 3, 4, 5, 6, 7, 8")
    assert not (tmp_path / "r").exists()


def test_run_tail_none_leaves_summary_alone(cli, tmp_path) -> None:
    import json

    out = tmp_path / "r"
    assert cli("run", "us-punitive", "-n", "5", "-j", "1", "--no-plots", "-o", out
               ).exit_code == 0
    assert "tail" not in json.loads((out / "summary.json").read_text())
    assert cli("run", "us-punitive", "-n", "5", "--rung", "8", "-o", tmp_path / "x"
               ).exit_code == 2


def test_sweep_with_tail_splitting_writes_a_tail_per_point(cli, tmp_path) -> None:
    """``escsim sweep --tail splitting``: one splitting estimate per point beside the plain one
    (tail.csv), each the estimate of that point's scenario with the sweep's root seed, and the
    same bytes on a process pool as in this process."""
    import pandas as pd

    from escsim.sweep import SweepSpec, plan_sweep

    tables = {}
    for jobs in ("1", "2"):
        out = tmp_path / f"s{jobs}"
        result = cli("sweep", "us-punitive", "--vary", "us_policy.targets_max=3,6", "-n", "20",
                     "--seed", "9", "-j", jobs, "--no-plots", "-o", out, "--tail", "splitting",
                     "--rung", "7", "--tail-repetitions", "2", "--tail-effort", "15")
        assert result.exit_code == 0, result.output
        tables[jobs] = (out / "tail.csv").read_bytes()
    assert tables["1"] == tables["2"]
    tail = pd.read_csv(tmp_path / "s1" / "tail.csv")
    assert list(tail.point) == [0, 1] and (tail.rung == 7).all()
    plan = plan_sweep(SweepSpec(("us-punitive",), ("us_policy.targets_max=3,6",), runs=20,
                                seed=9))
    direct = estimate_tail(plan.scenario(1), 7, root_seed=9, repetitions=2, effort=15)
    assert tail.estimate[1] == pytest.approx(direct.estimate, rel=1e-12)
    summary = pd.read_csv(tmp_path / "s1" / "summary.csv")
    assert list(tail.plain_estimate) == pytest.approx(list(summary.p_rung_7))


def test_run_splits_at_the_levels_given_with_level(cli, tmp_path, punitive) -> None:
    import json

    out = tmp_path / "r"
    result = cli("run", "us-punitive", "-n", "20", "--seed", "4", "-j", "1", "--no-plots",
                 "-o", out, "--tail", "splitting", "--tail-repetitions", "2",
                 "--tail-effort", "15", "--level", "4", "--level", "us_killed >= 2",
                 "--level", "us_wounded >= 4 before day 200")
    assert result.exit_code == 0, result.output
    tail = json.loads((out / "summary.json").read_text())["tail"]
    direct = estimate_tail(punitive, 8, root_seed=4, repetitions=2, effort=15,
                           levels=("4", "us_killed >= 2", "us_wounded >= 4 before day 200"))
    assert tail["levels"] == [4, "us_killed >= 2", "us_wounded >= 4 before day 200",
                              8] == list(direct.levels)
    assert tail["estimate"] == direct.estimate


@pytest.mark.parametrize("level, words", [
    ("us_killed < 2", "not a monotone function of the history"),
    ("dead_bodies >= 2", "unknown counter 'dead_bodies'"),
    ("9", "a rung below the target or a condition"),
    ("us_killed >= 2 before day -4", "deadline must be a day after the start")])
def test_run_refuses_a_level_it_cannot_split_at(cli, cli_input_error, tmp_path, level,
                                                words) -> None:
    result = cli("run", "us-punitive", "-n", "5", "-j", "1", "-o", tmp_path / "r",
                 "--tail", "splitting", "--level", level)
    cli_input_error(result, "'--level'", words)
    assert not (tmp_path / "r").exists()
    assert cli("run", "us-punitive", "-n", "5", "--level", "4", "-o", tmp_path / "x"
               ).exit_code == 2
