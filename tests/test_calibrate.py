"""Calibration by ABC-SMC: it recovers known parameters from data the model itself simulated,
it is reproducible under a seed on any executor, and `escsim calibrate` writes a posterior that
`escsim run --parameter-uncertainty posterior` can draw from.

The recovery test is a coverage test: in each synthetic trial the true parameters are drawn from
the prior, one history is simulated with them, and the ABC posterior is fitted to it. The exact
posterior's central 90% interval then covers the truth with probability 0.90 (averaged over the
prior); ABC with a positive tolerance is, if anything, wider. The test asks for at least k of n
covered, with k chosen so that P(fewer than k covered) < 1% were the coverage exactly 0.90
(scipy.stats.binom).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import escsim
from escsim.engine import run_replication
from escsim.errors import InputError
from escsim.history.calibration import (
    CalibrationSettings,
    calibrate,
    distances,
    select_observations,
    weighted_quantiles,
    write_calibration,
)
from escsim.history.observations import Observation, load_observations
from escsim.scenario.priors import PriorSet, load_priors, resolve_priors
from escsim.sweep.executors import make_executor

HORIZON_DAYS = 25
TRIALS = 20
NOMINAL = 0.90
ALPHA = 0.01
#: The fewest covered trials we accept: P(covered < K | coverage 0.90) < ALPHA.
K_MIN = int(stats.binom.ppf(ALPHA, TRIALS, NOMINAL))

SYNTHETIC_PRIORS = """
[parameters.iraq_rate]
keys = ["militias.iraq_factions.base_rate_per_day"]
dist = "uniform"
loc = 0.3
scale = 1.4
reason = "synthetic test"

[parameters.casualty_scale]
keys = ["weapons.rocket.casualty_prob", "weapons.drone.casualty_prob",
        "weapons.crbm.casualty_prob"]
mode = "scale"
dist = "uniform"
loc = 0.4
scale = 1.2
reason = "synthetic test"
"""


@pytest.fixture(scope="module")
def short(surge: escsim.Scenario) -> escsim.Scenario:
    return escsim.with_overrides(surge, {"scenario.horizon_days": HORIZON_DAYS})


@pytest.fixture(scope="module")
def synthetic_priors(short: escsim.Scenario, tmp_path_factory: pytest.TempPathFactory
                     ) -> PriorSet:
    path = tmp_path_factory.mktemp("priors") / "synthetic.toml"
    path.write_text(SYNTHETIC_PRIORS, encoding="utf-8")
    return load_priors(path, short)


def _count(measure: str, value: float, start: dt.date) -> Observation:
    return Observation(f"OBS-SYN-{measure}", "count", measure, start,
                       start + dt.timedelta(days=HORIZON_DAYS - 1), value, value, ("PR-A1",),
                       "synthetic", None)


def test_k_min_is_the_binomial_bound() -> None:
    assert K_MIN == 14  # 20 trials at 90%: P(13 or fewer covered) = 0.24%, P(14 or fewer) 1.1%
    assert stats.binom.cdf(K_MIN - 1, TRIALS, NOMINAL) < ALPHA <= \
        stats.binom.cdf(K_MIN, TRIALS, NOMINAL)


@pytest.mark.slow
def test_abc_recovers_known_parameters_from_simulated_data(short: escsim.Scenario,
                                                           synthetic_priors: PriorSet) -> None:
    start = short.scenario.start_date
    rng = np.random.default_rng(2024)
    settings = CalibrationSettings(observations=("x",), particles=80, generations=1,
                                   oversample=5, quantile=0.5, min_acceptance=0.02)
    truths, medians = np.zeros((TRIALS, 2)), np.zeros((TRIALS, 2))
    covered = np.zeros((TRIALS, 2), dtype=bool)
    for trial in range(TRIALS):
        truth = synthetic_priors.sample(rng, 1)[0]
        record = run_replication(synthetic_priors.apply(short, truth), seed=10_000 + trial)
        observed = [_count("attacks", record.row["attacks"], start),
                    _count("us_casualties", record.row["us_casualties"], start)]
        cal = calibrate(short, synthetic_priors, observed, settings, seed=trial)
        for j in range(2):
            lo, med, hi = weighted_quantiles(cal.particles[:, j], cal.weights, [0.05, 0.5, 0.95])
            covered[trial, j] = lo <= truth[j] <= hi
            truths[trial, j], medians[trial, j] = truth[j], med
    for j, name in enumerate(synthetic_priors.names):
        assert covered[:, j].sum() >= K_MIN, (name, covered[:, j])
    # not only wide enough: the attack count moves the Iraqi factions' rate with the truth
    assert np.corrcoef(truths[:, 0], medians[:, 0])[0, 1] > 0.6


def test_same_seed_same_posterior_on_any_executor(short: escsim.Scenario,
                                                  synthetic_priors: PriorSet,
                                                  tmp_path: Path) -> None:
    start = short.scenario.start_date
    observed = [_count("attacks", 50, start), _count("us_casualties", 40, start)]
    settings = CalibrationSettings(observations=("x",), particles=20, generations=1,
                                   oversample=3, batch_size=7)
    serial = calibrate(short, synthetic_priors, observed, settings, seed=5)
    pool = make_executor("process", 2)
    try:
        parallel = calibrate(short, synthetic_priors, observed, settings, seed=5, executor=pool)
    finally:
        pool.close()
    pd.testing.assert_frame_equal(serial.table(), parallel.table())
    other = calibrate(short, synthetic_priors, observed, settings, seed=6)
    assert not np.array_equal(serial.particles, other.particles)
    assert serial.history[1]["epsilon"] <= serial.history[0]["epsilon"]
    assert np.isclose(serial.weights.sum(), 1.0) and np.all(serial.weights >= 0)
    out = write_calibration(serial, tmp_path / "cal", plots=True)
    for name in ("posterior.csv", "posterior_summary.csv", "generations.csv", "summary.json",
                 "prior_predictive.csv", "priors.toml", "report.md", "plots/prior_posterior.png",
                 "plots/statistics.png"):
        assert (out / name).is_file(), name
    table = pd.read_csv(out / "posterior.csv")
    assert list(table.columns[:2]) == ["drawn_iraq_rate", "drawn_casualty_scale"]
    assert "stat_OBS-SYN-attacks" in table.columns


def test_distance_is_zero_inside_the_observed_range() -> None:
    stats_ = np.array([[9.0, 3.0], [12.0, 3.0], [7.0, 5.0]])
    d = distances(stats_, np.array([9.0, 3.0]), np.array([10.0, 3.0]), np.array([1.0, 2.0]))
    np.testing.assert_allclose(d, [0.0, 2.0, np.hypot(2.0, 1.0)])


def test_weighted_quantiles() -> None:
    x = np.array([3.0, 1.0, 2.0, 4.0])
    w = np.array([0.1, 0.1, 0.7, 0.1])
    assert weighted_quantiles(x, w, [0.05, 0.1, 0.5, 0.85, 0.95]) == [1.0, 1.0, 2.0, 3.0, 4.0]
    assert weighted_quantiles(x, np.ones(4), [0.5]) == [2.0]


def test_settings_and_observations_are_checked(surge: escsim.Scenario) -> None:
    priors = resolve_priors(surge)
    settings = CalibrationSettings.from_priors(priors)
    assert settings.particles == 200 and "OBS-LULL" in settings.observations
    assert CalibrationSettings.from_priors(priors, particles=50, generations=None).particles == 50
    obs = load_observations()
    chosen = select_observations(obs, settings.observations, surge, priors.file)
    assert [o.id for o in chosen] == list(settings.observations)
    with pytest.raises(InputError, match="did you mean 'OBS-LULL'"):
        select_observations(obs, ["OBS-LUL"], surge, priors.file)
    with pytest.raises(InputError, match="run total"):
        select_observations(obs, ["OBS-TARGETS-SURGE"], surge, priors.file)
    with pytest.raises(InputError, match="belongs to scenario baseline-2024-11"):
        select_observations(obs, ["OBS-2024-11-ROUNDS"], surge, priors.file)
    bad = PriorSet(priors.priors, priors.file, priors.targets, {"observations": ["OBS-LULL"],
                                                               "quantile": 2.0})
    with pytest.raises(InputError, match="calibrate.quantile"):
        CalibrationSettings.from_priors(bad)
    bad = PriorSet(priors.priors, priors.file, priors.targets, {"particle": 10})
    with pytest.raises(InputError, match="unknown calibrate setting"):
        CalibrationSettings.from_priors(bad)


@pytest.mark.slow
def test_calibrate_command_then_run_from_the_posterior(cli, cli_input_error,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "cal"
    result = cli("calibrate", "--particles", 30, "--generations", 1, "--check-runs", 60,
                 "--seed", 3, "--jobs", 2, "--out", out, "--no-plots")
    assert result.exit_code == 0, (result.output, result.exception)
    for name in ("posterior.csv", "posterior_summary.csv", "generations.csv", "summary.json",
                 "priors.toml", "report.md", "check/report.md", "check/comparison.csv"):
        assert (out / name).is_file(), name
    posterior = pd.read_csv(out / "posterior.csv")
    assert len(posterior) == 30 and np.isclose(posterior["weight"].sum(), 1.0)
    summary = pd.read_csv(out / "posterior_summary.csv")
    assert len(summary) == 10 and (summary["posterior_q05"] <= summary["posterior_q95"]).all()
    assert "posterior predictive check" in result.stdout
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Posterior" in report and "Tolerance schedule" in report
    runs_out = tmp_path / "run"
    run = cli("run", "surge-2023", "--runs", 15, "--seed", 1, "--jobs", 1, "--no-plots",
              "--parameter-uncertainty", "posterior", "--posterior", out, "--out", runs_out)
    assert run.exit_code == 0, run.output
    runs = pd.read_csv(runs_out / "runs.csv")
    cols = [c for c in posterior.columns if c.startswith("drawn_")]
    drawn = runs[cols].to_numpy()
    sample = posterior[cols].to_numpy()
    for row in drawn:  # every replication's parameters are one particle of the posterior
        assert np.isclose(sample, row, rtol=1e-12, atol=0).all(axis=1).any()
    cli_input_error(cli("calibrate", "--out", out, "--particles", 10), "exists")
    cli_input_error(cli("calibrate", "baseline-2024-11", "--out", tmp_path / "c2"),
                    "no priors for scenario 'baseline-2024-11'")
