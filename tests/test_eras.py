"""Three eras, one set of behavioural parameters: every era's observations fall inside the 90%
interval of its scenario, and only the situation differs between the era scenarios."""

from __future__ import annotations

import dataclasses

import pytest
from scipy import stats

import escsim
from escsim.history.backtest import run_backtest
from escsim.history.observations import load_observations

ERAS = ("era-2019-20", "era-2021", "surge-2023")
#: Keys an era may set: its situation (dates, regime, sites, the US practice of the time, Iran's
#: posture at the start, the initial state and its dated events). Everything else -- excitation,
#: compliance, Iran's decision rules, weapon effects, mechanisms -- is shared.
SITUATION = ("scenario.", "sites.", "us_policy.", "iran.initial_posture", "initial_state.",
             "events.")


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
    table = __import__("pandas").read_csv(out / "comparison.csv")
    assert set(table.scenario) == set(ERAS)
    assert all(table.loc[table.scenario == era, "id"].size >= 6 for era in ERAS)


def test_calibration_fits_the_eras_jointly(cli, tmp_path) -> None:
    out = tmp_path / "cal"
    result = cli("calibrate", "--eras", "--particles", "10", "--generations", "0",
                 "--no-plots", "-o", str(out), "-j", "1")
    assert result.exit_code == 0, result.output
    posterior = __import__("pandas").read_csv(out / "posterior.csv")
    stats_of = {c[len("stat_"):] for c in posterior.columns if c.startswith("stat_")}
    by_id = {o.id: o.scenario for o in load_observations()}
    assert {by_id[i] for i in stats_of} == set(ERAS)


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
