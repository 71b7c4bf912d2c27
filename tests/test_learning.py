"""The calibration to the record (escsim.history.learning, `escsim calibrate --record`): the
record's statistics come from the summaries' one function, the table does not depend on the
executor, the folder is written and read back by `escsim run --parameter-uncertainty posterior`,
and the recovery check's coverage and rank tests behave as their distributions say."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from escsim.executors import make_executor
from escsim.forecast.summaries import summarise
from escsim.history.learning import (
    FIT_ERAS,
    STATISTICS,
    Recovery,
    day_events,
    era_statistics,
    prior_draws,
    record_statistics,
    simulate_statistics,
    statistic_names,
)
from escsim.history.learning_output import recovery_verdict
from escsim.paths import scenarios_dir
from escsim.scenario import load_scenario
from escsim.scenario.priors import load_posterior, load_priors


@pytest.fixture(scope="module")
def eras() -> list:
    return [load_scenario(name) for name in FIT_ERAS]


@pytest.fixture(scope="module")
def priors(eras: list):
    return load_priors(scenarios_dir() / "priors" / "record.toml",
                       eras[FIT_ERAS.index("surge-2023")])


def _column(name: str) -> int:
    return [s for s, _, _ in STATISTICS].index(name)


def test_statistics_of_a_history_counted_by_hand() -> None:
    start = dt.date(2024, 1, 1)
    attacks = np.zeros((1, 40), dtype=np.int64)
    attacks[0, [2, 3, 10, 30]] = [2, 1, 1, 3]
    rounds = np.zeros_like(attacks)
    rounds[0, 5] = 1
    wounded, killed = np.zeros_like(attacks), np.zeros_like(attacks)
    wounded[0, 3], killed[0, 12] = 4, 1  # day 12: harm without an attack (an Iranian salvo)
    got = era_statistics(attacks, rounds, wounded, killed, np.array([0.25]), start)[0]
    assert got[_column("attacks")] == pytest.approx(math.log1p(7))
    assert got[_column("syria_share")] == 0.25
    assert got[_column("attack_days")] == pytest.approx(math.log1p(4))
    assert got[_column("gap_max")] == pytest.approx(math.log1p(20))
    assert got[_column("attacks_before_rounds")] == pytest.approx(math.log1p(3))
    assert got[_column("attacks_after_rounds")] == pytest.approx(math.log1p(1))
    assert got[_column("harmful_events")] == pytest.approx(math.log1p(2))
    assert got[_column("us_wounded")] == pytest.approx(math.log1p(4))
    assert got[_column("us_killed")] == pytest.approx(math.log1p(1))
    # the event table is the summaries' own input: the same function gives the same numbers
    table = summarise(day_events(attacks, rounds, wounded, killed, start),
                      {"era": (start, start + dt.timedelta(days=39))}, runs=[0]).wide()
    assert table["attacks"].iloc[0] == 7 and table["rounds"].iloc[0] == 1


def test_harmful_attacks_split_a_day_into_its_harmful_and_harmless_attacks() -> None:
    """With the runs' per-day count of attacks that hurt US personnel, a day of three attacks
    of which one hurt is one harmful and two harmless attacks; without it the whole day counts
    as harmful. Harm on a day without a harmful attack stays an Iranian row."""
    start = dt.date(2024, 1, 1)
    attacks = np.array([[3, 0, 1, 0]])
    harmful = np.array([[1, 0, 0, 0]])
    wounded = np.array([[2, 0, 0, 1]])
    zeros = np.zeros_like(attacks)
    window = {"era": (start, start + dt.timedelta(days=3))}
    split = summarise(day_events(attacks, zeros, wounded, zeros, start, harmful), window,
                      runs=[0]).wide().iloc[0]
    whole = summarise(day_events(attacks, zeros, wounded, zeros, start), window,
                      runs=[0]).wide().iloc[0]
    assert split["attacks"] == whole["attacks"] == 4
    assert split["harmless_attacks"] == 3 and whole["harmless_attacks"] == 1
    assert split["us_wounded"] == whole["us_wounded"] == 3
    assert split["harmful_events"] == whole["harmful_events"] == 2


def test_runs_record_their_harmful_attacks_per_day(eras: list) -> None:
    """The recorder's per-day count of harmful attacks is the event log's militia attacks
    that wounded or killed US personnel, day by day."""
    from escsim.engine import run_replication
    from escsim.records import HARMFUL_ATTACKS

    surge = eras[FIT_ERAS.index("surge-2023")]
    seen = 0
    for replication in range(5):
        run = run_replication(surge, 7, replication, trace=True)
        harmful = np.diff(run.daily[HARMFUL_ATTACKS], prepend=0)
        logged = np.zeros_like(harmful)
        for now, actor, action, _, outcome in run.log or []:
            if (actor != "iran" and action.startswith("attack (")
                    and outcome.startswith(("injuries", "fatalities"))):
                logged[min(int(now), len(logged) - 1)] += 1
        np.testing.assert_array_equal(harmful, logged)
        assert np.all(harmful <= np.diff(run.daily["attacks"], prepend=0))
        seen += int(harmful.sum())
    assert seen > 0


def test_the_record_statistics_are_the_record_counts(eras: list) -> None:
    observed = record_statistics(eras)
    names = statistic_names(FIT_ERAS)
    assert observed.shape == (len(names),) and np.all(np.isfinite(observed))
    by_name = dict(zip(names, observed, strict=True))
    # the surge: the record's dated attacks on US bases in Iraq, Syria and Jordan, 17 Oct 2023
    # - 4 Feb 2024 (escsim record counts them; the Pentagon's tally is 170)
    assert 120 <= math.expm1(by_name["surge-2023:attacks"]) <= 175
    assert 0.4 <= by_name["surge-2023:syria_share"] <= 0.7


def test_the_table_does_not_depend_on_the_executor(eras: list, priors) -> None:
    thetas = prior_draws(priors, 3, 99, 4)
    serial = simulate_statistics(eras, priors, thetas, 3, 99)
    with make_executor("process", 2) as ex:
        parallel = simulate_statistics(eras, priors, thetas, 3, 99, ex)
    np.testing.assert_array_equal(serial, parallel)
    assert np.all(np.isfinite(serial))


def test_calibrate_record_writes_a_posterior_run_can_draw_from(cli, tmp_path: Path) -> None:
    out = tmp_path / "cal"
    result = cli("calibrate", "--record", "--table-size", 200, "--executor", "serial",
                 "--seed", 4, "--out", out)
    assert result.exit_code == 0, (result.output, result.exception)
    assert "sd / prior sd" in result.stdout
    summary = pd.read_csv(out / "posterior_summary.csv")
    assert set(summary["parameter"]) >= {"base_rate_scale", "excitation_scale"}
    assert (summary["sd_ratio"] > 0).all()
    scenario = load_scenario("surge-2023")
    priors, sample = load_posterior(out, scenario)
    assert len(priors) == len(summary) and np.isclose(sample.weights.sum(), 1.0)
    assert (out / "plots" / "prior_posterior.png").is_file()
    assert cli("plot", out).exit_code == 0  # the folder redraws
    run = cli("run", "surge-2023", "--runs", 6, "--seed", 1, "--jobs", 1, "--no-plots",
              "--parameter-uncertainty", "posterior", "--posterior", out, "--out",
              tmp_path / "run")
    assert run.exit_code == 0, (run.output, run.exception)


def test_bad_table_size_is_refused(cli, tmp_path: Path) -> None:
    result = cli("calibrate", "--record", "--table-size", 5, "--out", tmp_path / "c")
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert "--table-size" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "c").exists()


def test_recovery_checks_pass_calibrated_and_fail_overconfident_posteriors() -> None:
    rng = np.random.default_rng(2018)
    n = 200
    calibrated = Recovery(["a"], np.zeros((n, 1)), rng.random((n, 1)), np.ones((n, 1)))
    ok, failures = recovery_verdict(calibrated.coverage_table())
    # a uniform PIT fails one of the two tests at the Bonferroni level 0.01 with probability
    # at most 0.02 and the coverage interval misses 0.9 with probability at most 0.05: the fixed
    # seed passes, and the expected counts follow the binomial
    assert ok, failures
    k = calibrated.coverage_table()["coverage_90"].iloc[0] * n
    assert stats.binom(n, 0.9).cdf(k) > 0.001 and stats.binom(n, 0.9).sf(k - 1) > 0.001
    # an overconfident posterior: the truth's CDF value piles up near 0 and 1
    u = rng.random((n, 1))
    overconfident = Recovery(["a"], np.zeros((n, 1)), np.where(u < 0.5, u / 5, 1 - u / 5),
                             np.ones((n, 1)))
    ok, failures = recovery_verdict(overconfident.coverage_table())
    assert not ok and any("90% coverage" in f for f in failures)
