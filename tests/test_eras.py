"""Three eras, one set of behavioural parameters: every era's observations fall inside the 90%
interval of its scenario, and only the situation differs between the era scenarios."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import escsim
from escsim.engine import replication_seed
from escsim.history.backtest import run_backtest
from escsim.history.calibration import check_seed
from escsim.history.observations import load_observations

ERAS = ("era-2019-20", "era-2021", "surge-2023")
#: Keys an era may set: its situation (dates, regime, sites, the US practice of the time, Iran's
#: posture at the start, the initial state and its dated events, and the groups' weapon mix, which
#: the record counts per era: no drones in 2019-20, drones most attacks by 2023). Everything else
#: -- excitation, compliance, Iran's decision rules, weapon effects, mechanisms -- is shared.
SITUATION = ("scenario.", "sites.", "us_policy.", "iran.initial_posture", "initial_state.",
             "events.", "militias.iraq_factions.weapon_mix.", "militias.syria_groups.weapon_mix.")


def _flat(obj, prefix=""):
    if dataclasses.is_dataclass(obj):
        out = {}
        for f in dataclasses.fields(obj):
            if not f.metadata.get("internal"):
                out.update(_flat(getattr(obj, f.name), f"{prefix}{f.name}."))
        return out
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            out.update(_flat(v, f"{prefix}{k}."))
        return out
    return {prefix[:-1]: obj}


def test_eras_share_every_behavioural_parameter() -> None:
    flats = {name: _flat(escsim.load_scenario(name)) for name in ERAS}
    keys = set().union(*flats.values())
    for key in sorted(keys):
        if key.startswith(SITUATION):
            continue
        values = {name: flat.get(key) for name, flat in flats.items()}
        assert len({repr(v) for v in values.values()}) == 1, (key, values)


@pytest.mark.slow
@pytest.mark.parametrize("era", ERAS)
def test_every_observation_of_an_era_is_inside_its_90_percent_interval(era: str) -> None:
    s = escsim.load_scenario(era)
    observations = [o for o in load_observations() if o.scenario == era]
    assert len(observations) >= 6
    bt = run_backtest(s, observations, runs=1000, seed=1)
    assert all(c.covered for c in bt.comparisons)
    outside = [(c.observation.id, c.verdict()) for c in bt.comparisons if not c.inside_90]
    assert not outside, outside


@pytest.mark.slow
def test_the_surge_percentiles_do_not_lean_to_one_side() -> None:
    """For a model that fits, an observation's percentile is as likely above 50 as below: the
    number above 50 is Binomial(n, 1/2). Before issue 9, 18 of 21 were above."""
    s = escsim.load_scenario("surge-2023")
    observations = [o for o in load_observations() if o.scenario == "surge-2023"]
    bt = run_backtest(s, observations, runs=1000, seed=1)
    pct = [c.percentile for c in bt.comparisons if c.covered and not c.point_mass]
    above = sum(p > 50 for p in pct)
    assert above <= stats.binom.ppf(0.99, len(pct), 0.5), (above, len(pct))


def test_backtest_covers_every_era_in_one_report(cli, tmp_path) -> None:
    out = tmp_path / "bt"
    result = cli("backtest", "--eras", "--runs", "40", "--no-plots", "-o", str(out), "-j", "1")
    assert result.exit_code == 0, result.output
    report = (out / "report.md").read_text(encoding="utf-8")
    for era in ERAS:
        assert f"[{era}]({era}/report.md)" in report and (out / era / "report.md").is_file()
    table = pd.read_csv(out / "comparison.csv")
    assert set(table.scenario) == set(ERAS)
    assert all(table.loc[table.scenario == era, "id"].size >= 6 for era in ERAS)


def test_calibration_fits_the_eras_jointly(cli, tmp_path) -> None:
    out = tmp_path / "cal"
    result = cli("calibrate", "--eras", "--particles", "10", "--generations", "0",
                 "--check-runs", "0", "--no-plots", "-o", str(out), "-j", "1")
    assert result.exit_code == 0, result.output
    posterior = pd.read_csv(out / "posterior.csv")
    stats_of = {c[len("stat_"):] for c in posterior.columns if c.startswith("stat_")}
    by_id = {o.id: o.scenario for o in load_observations()}
    assert {by_id[i] for i in stats_of} == set(ERAS)
    # --check-runs 0 skips the posterior predictive check: no folder, no line, no section
    assert not (out / "check").exists()
    assert "posterior predictive check" not in result.stdout
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Posterior predictive check" not in report
    assert report.startswith(f"# Calibration: {', '.join(ERAS)} jointly")
    # the folder says what produced it: every era, each with its resolved scenario file
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [e["name"] for e in manifest["scenarios"]] == list(ERAS)
    for entry in manifest["scenarios"]:
        assert (out / entry["resolved"]).is_file()


CHECK_RUNS = 12


@pytest.fixture(scope="module")
def eras_calibration(tmp_path_factory):
    """``calibrate --eras`` with its posterior predictive check: (folder, stdout)."""
    from click.testing import CliRunner

    from escsim.cli import main

    out = tmp_path_factory.mktemp("eras") / "cal"
    result = CliRunner().invoke(main, ["calibrate", "--eras", "--particles", "10",
                                       "--generations", "0", "--check-runs", str(CHECK_RUNS),
                                       "--seed", "3", "--no-plots", "-o", str(out), "-j", "1"])
    assert result.exit_code == 0, (result.output, result.exception)
    return out, result.stdout


def test_the_joint_posterior_is_checked_in_every_era(eras_calibration, cli, tmp_path) -> None:
    """calibrate --eras backtests every era with the shared parameters drawn from the joint
    posterior: each era's check is written, scored (in scores.csv, on stdout and in the
    report, each era beside its window), drawn from the posterior, and its rows replay."""
    out, stdout = eras_calibration
    posterior = pd.read_csv(out / "posterior.csv")
    drawn = [c for c in posterior.columns if c.startswith("drawn_")]
    scores = pd.read_csv(out / "check" / "scores.csv").set_index("scenario")
    assert list(scores.index) == list(ERAS)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "## Posterior predictive check" in report
    for era in ERAS:
        meta = escsim.load_scenario(era).scenario
        row = scores.loc[era]
        # the summary names the era's window, and the seed its rows derive from
        assert (row.start_date, row.horizon_days) == (str(meta.start_date), meta.horizon_days)
        assert (row.runs, row.root_seed, row.parameter_uncertainty) == \
            (CHECK_RUNS, check_seed(3), "posterior")
        folder = out / "check" / era
        comparison = pd.read_csv(folder / "comparison.csv")
        own = {o.id for o in load_observations() if o.scenario == era}
        assert set(comparison.id) == own and comparison.covered.all()
        inside = int(comparison.inside_90.sum())
        assert (row.observations_compared, row.observations_inside_90) == (len(own), inside)
        assert f"{era}: {inside} of {len(own)} observations inside the 90% interval" in stdout
        assert f"| [{era}](check/{era}/report.md) | {meta.start_date} | " \
               f"{meta.horizon_days:g} | {CHECK_RUNS} | {len(own)} | {inside} |" in report
        runs = pd.read_csv(folder / "simulation" / "runs.csv", dtype={"seed": "int64"})
        assert len(runs) == CHECK_RUNS and runs.seed.is_unique
        # the check runs on streams of its own, not the ones the particles were accepted on
        # (with --generations 0 the rejection step's candidate i ran on the calibration's
        # replication seed i, which a check on the same root seed would reuse)
        candidates = {replication_seed(3, i, 0) for i in range(CHECK_RUNS * 10)}
        assert not candidates & set(runs.seed)
        # every replication's shared parameters are one particle of the joint posterior
        for values in runs[drawn].to_numpy():
            assert np.isclose(posterior[drawn].to_numpy(), values, rtol=1e-12,
                              atol=0).all(axis=1).any()
        k = CHECK_RUNS - 1
        res = cli("trace", folder / "simulation", "--replication", k, "--out",
                  tmp_path / f"trace-{era}")
        assert res.exit_code == 0, (res.output, res.exception)
        assert f"seed {runs.seed[k]}" in res.stdout
        assert f"every count and its {len(drawn)} drawn parameters identical" in res.stdout
    # trace on the check folder itself names where its runs are
    res = cli("trace", out / "check", "--replication", 1, "--out", tmp_path / "trace-check")
    assert res.exit_code == 2 and "era-2021/simulation" in res.output, res.output


JOINT_TRIALS = 20
#: Fewest trials whose 90% interval covers the truth: P(fewer | coverage 0.90) < 1%.
JOINT_K_MIN = int(stats.binom.ppf(0.01, JOINT_TRIALS, 0.90))
SHARED_PRIOR = """
[parameters.excitation_scale]
keys = ["militias.iraq_factions.excitation_per_round", "militias.syria_groups.excitation_per_round"]
mode = "scale"
dist = "uniform"
loc = 0.0
scale = 3.0
reason = "synthetic test"
"""


@pytest.mark.slow
def test_joint_calibration_recovers_a_shared_parameter(tmp_path) -> None:
    """Coverage test (as tests/test_calibrate.py, over the three eras at once): the true scale of
    revenge is drawn from the prior, one history per era is simulated with it, and the joint ABC
    posterior of the attack counts of every era must cover the truth in at least JOINT_K_MIN of
    JOINT_TRIALS trials; the medians must follow the truths."""
    import datetime as dt

    import numpy as np

    from escsim.engine import run_replication
    from escsim.history.calibration import (
        CalibrationSettings,
        calibrate_jointly,
        weighted_quantiles,
    )
    from escsim.history.observations import Observation
    from escsim.scenario.priors import load_priors

    scenarios = [escsim.load_scenario(name) for name in ERAS]
    path = tmp_path / "shared.toml"
    path.write_text(SHARED_PRIOR, encoding="utf-8")
    priors = load_priors(path, scenarios[-1])
    settings = CalibrationSettings(observations=("x",), particles=30, generations=1,
                                   oversample=4, quantile=0.5, min_acceptance=0.02)
    rng = np.random.default_rng(9)
    truths, medians, covered = [], [], 0
    for trial in range(JOINT_TRIALS):
        truth = priors.sample(rng, 1)[0]
        observed = []
        for s in scenarios:
            record = run_replication(priors.apply(s, truth), seed=50_000 + trial)
            start = s.scenario.start_date
            end = start + dt.timedelta(days=int(s.scenario.horizon_days) - 1)
            value = float(record.row["attacks"])
            observed.append(Observation(f"SYN-{s.scenario.name}", "count", "attacks", start, end,
                                        value, value, ("PR-A1",), "synthetic", s.scenario.name))
        cal = calibrate_jointly(scenarios, priors, observed, settings, seed=trial)
        lo, med, hi = weighted_quantiles(cal.particles[:, 0], cal.weights, [0.05, 0.5, 0.95])
        covered += lo <= truth[0] <= hi
        truths.append(truth[0])
        medians.append(med)
    assert covered >= JOINT_K_MIN, (covered, truths, medians)
    assert np.corrcoef(truths, medians)[0, 1] > 0.6


@pytest.mark.slow
def test_plot_and_report_of_a_joint_calibration_show_each_era_check(eras_calibration, cli,
                                                                      tmp_path) -> None:
    import shutil

    folder = tmp_path / "cal"
    shutil.copytree(eras_calibration[0], folder)
    assert cli("plot", folder).exit_code == 0
    for era in ERAS:  # the check's figures, era by era
        assert (folder / "check" / era / "plots" / "attacks.png").is_file()
    assert cli("report", folder).exit_code == 0
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "check/scores.csv" in page and all(era in page for era in ERAS)
