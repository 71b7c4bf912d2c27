"""`escsim trace DIR --replication K` replays rows drawn with --parameter-uncertainty: the folder
keeps the priors (and posterior) the rows drew from, the replay draws the row's parameters again
from its seed and checks them with the counts; sweep points a swept preset reloaded replay from
their own base."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import Result

import escsim
from escsim.scenario.priors import resolve_priors

Cli = Callable[..., Result]
SHORT = ("--set", "scenario.horizon_days=60")
RATE = "militias.iraq_factions.base_rate_per_day"


def _replays(cli: Cli, folder: Path, out: Path, replication: int, point: int = 0) -> str:
    res = cli("trace", folder, "--replication", replication, "--point", point, "--out", out)
    assert res.exit_code == 0, (res.output, res.exception)
    return res.stdout


@pytest.fixture(scope="module")
def drawn_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from click.testing import CliRunner

    from escsim.cli import main

    out = tmp_path_factory.mktemp("drawn") / "run"
    res = CliRunner().invoke(main, ["run", "surge-2023", *SHORT, "--runs", "6", "--seed", "5",
                                    "--jobs", "1", "--no-plots", "--no-report",
                                    "--parameter-uncertainty", "prior", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_a_drawn_run_keeps_its_priors_and_replays_by_index(drawn_run: Path, cli: Cli,
                                                           tmp_path: Path) -> None:
    m = json.loads((drawn_run / "manifest.json").read_text())
    (entry,) = m["parameter_uncertainty"]["scenarios"]
    assert m["spec"]["parameter_uncertainty"] == "prior"
    assert entry["kept"] == {"priors": "parameters/surge-2023.priors.toml"}
    kept = (drawn_run / entry["kept"]["priors"]).read_text(encoding="utf-8")
    assert kept == resolve_priors(escsim.load_scenario("surge-2023")).text
    runs = pd.read_csv(drawn_run / "runs.csv")
    n_drawn = sum(c.startswith("drawn_") for c in runs.columns)
    assert n_drawn > 0 and runs.filter(like="drawn_").nunique().min() == 6
    # moved elsewhere (the priors file it named is not beside it), it still replays
    moved = tmp_path / "elsewhere" / "run"
    shutil.copytree(drawn_run, moved)
    for k in (0, 4):
        text = _replays(cli, moved, tmp_path / f"t{k}", k)
        assert f"seed {runs.seed[k]}" in text
        assert f"every count and its {n_drawn} drawn parameters identical" in text


def test_a_tampered_drawn_value_or_priors_copy_is_reported(drawn_run: Path, cli: Cli,
                                                           cli_input_error: Callable[..., str],
                                                           tmp_path: Path) -> None:
    runs = pd.read_csv(drawn_run / "runs.csv")
    col = next(c for c in runs.columns if c.startswith("drawn_"))
    bad_row = tmp_path / "bad-row"
    shutil.copytree(drawn_run, bad_row)
    runs.loc[2, col] *= 1.01
    runs.to_csv(bad_row / "runs.csv", index=False)
    cli_input_error(cli("trace", bad_row, "--replication", 2, "--out", tmp_path / "t1"),
                    "does not reproduce", col)
    bad_copy = tmp_path / "bad-copy"
    shutil.copytree(drawn_run, bad_copy)
    kept = bad_copy / "parameters" / "surge-2023.priors.toml"
    kept.write_text(kept.read_text(encoding="utf-8").replace("scale = 1.4", "scale = 1.3"),
                    encoding="utf-8")
    cli_input_error(cli("trace", bad_copy, "--replication", 2, "--out", tmp_path / "t2"),
                    "differ from those the rows were drawn from", "surge-2023.priors.toml")
    old = tmp_path / "old"
    shutil.copytree(drawn_run, old)
    m = json.loads((old / "manifest.json").read_text())
    del m["parameter_uncertainty"]["scenarios"][0]["kept"]
    (old / "manifest.json").write_text(json.dumps(m))
    cli_input_error(cli("trace", old, "--replication", 2, "--out", tmp_path / "t3"),
                    "keeps no copy of the priors", "manifest.json")
    broken = tmp_path / "broken"
    shutil.copytree(drawn_run, broken)
    text = (broken / "manifest.json").read_text(encoding="utf-8")
    (broken / "manifest.json").write_text(text[: len(text) // 2], encoding="utf-8")
    cli_input_error(cli("trace", broken, "--replication", 2, "--out", tmp_path / "t4"),
                    "not valid JSON", "manifest.json")


def test_a_run_drawn_from_a_posterior_replays_without_the_calibration(
        cli: Cli, tmp_path: Path) -> None:
    scenario = escsim.load_scenario("surge-2023", {"scenario.horizon_days": 60})
    priors = resolve_priors(scenario)
    table = pd.DataFrame(priors.sample(np.random.default_rng(1), 4), columns=priors.columns)
    table["weight"] = [1.0, 3.0, 0.0, 2.0]
    cal = tmp_path / "calibrate"
    cal.mkdir()
    table.to_csv(cal / "posterior.csv", index=False)
    (cal / "priors.toml").write_text(priors.text, encoding="utf-8")
    out = tmp_path / "run"
    res = cli("run", "surge-2023", *SHORT, "--runs", 5, "--seed", 2, "--jobs", 1, "--no-plots",
              "--no-report", "--parameter-uncertainty", "posterior", "--posterior", cal,
              "--out", out)
    assert res.exit_code == 0, res.output
    kept = json.loads((out / "manifest.json").read_text())[
        "parameter_uncertainty"]["scenarios"][0]["kept"]
    assert (out / kept["posterior"]).read_bytes() == (cal / "posterior.csv").read_bytes()
    shutil.rmtree(cal)
    for k in (1, 3):
        assert "drawn parameters identical" in _replays(cli, out, tmp_path / f"t{k}", k)


def test_sweep_points_replay_with_drawn_parameters_and_a_swept_preset(cli: Cli,
                                                                      tmp_path: Path) -> None:
    for uncertainty in ("prior", "none"):
        out = tmp_path / f"sweep-{uncertainty}"
        res = cli("sweep", "surge-2023", *SHORT, "--vary", f"{RATE}=0.5,1.0", "--vary",
                  "us_policy.preset=proportional,punitive", "--runs", 3, "--seed", 4,
                  "--jobs", 1, "--no-plots", "--no-report", "--parameter-uncertainty",
                  uncertainty, "--out", out)
        assert res.exit_code == 0, res.output
        m = json.loads((out / "manifest.json").read_text())
        # the punitive base differs from the scenario as loaded: its own resolved file
        (base,) = m["reloaded_bases"]
        assert base["values"] == {"us_policy.preset": "punitive"}
        assert escsim.load_scenario(out / base["resolved"]).param_hash == base["param_hash"]
        for point in range(4):
            text = _replays(cli, out, tmp_path / f"t-{uncertainty}-{point}", 1, point)
            assert ("drawn parameters identical" in text) == (uncertainty == "prior")
            assert "identical" in text
    # a points table without the row's point is named, not a traceback
    points = pd.read_csv(out / "points.csv")
    points[points["point"] != 3].to_csv(out / "points.csv", index=False)
    res = cli("trace", out, "--replication", 1, "--point", 3, "--out", tmp_path / "t-gone")
    assert res.exit_code == 2 and "not in points.csv" in res.output, res.output


def test_rows_written_from_python_or_a_backtest_replay_too(cli: Cli, tmp_path: Path) -> None:
    from escsim.scenario.priors import make_sampler

    s = escsim.load_scenario("surge-2023", {"scenario.horizon_days": 40})
    sim = escsim.simulate(s, runs=4, seed=8, parameters=make_sampler(s, "prior"))
    folder = escsim.write_simulation(sim, tmp_path / "api", plots=False)
    assert "drawn parameters identical" in _replays(cli, folder, tmp_path / "t-api", 2)
    res = cli("backtest", "--runs", 10, "--jobs", 1, "--no-plots", "--no-report",
              "--parameter-uncertainty", "prior", "--out", tmp_path / "bt")
    assert res.exit_code == 0, res.output
    text = _replays(cli, tmp_path / "bt" / "simulation", tmp_path / "t-bt", 7)
    assert "drawn parameters identical" in text


def test_an_in_memory_posterior_is_kept_bit_for_bit(cli: Cli, tmp_path: Path) -> None:
    """A calibration's check draws from the posterior in memory; the copy the folder keeps
    reads back to the same values and weights, bit for bit, so its rows replay."""
    from escsim.scenario.priors import ParameterSampler, PosteriorSample, load_posterior

    s = escsim.load_scenario("surge-2023")
    priors = resolve_priors(s)
    rng = np.random.default_rng(5)
    values = priors.sample(rng, 50)
    weights = rng.random(50)
    sample = PosteriorSample(values, weights / weights.sum(), "in memory")
    path = tmp_path / "posterior.csv"
    path.write_text(sample.csv_text(priors.columns), encoding="utf-8")
    (tmp_path / "priors.toml").write_text(priors.text, encoding="utf-8")
    _, back = load_posterior(path, s)
    assert back.values.tobytes() == sample.values.tobytes()
    assert back.weights.tobytes() == sample.weights.tobytes()
    assert ParameterSampler(priors, back).content_hash() == \
        ParameterSampler(priors, sample).content_hash()
    res = cli("calibrate", "surge-2023", "--particles", 10, "--generations", 0, "--jobs", 1,
              "--no-plots", "--out", tmp_path / "cal")
    assert res.exit_code == 0, res.output
    text = _replays(cli, tmp_path / "cal" / "check" / "simulation", tmp_path / "t", 3)
    assert "drawn parameters identical" in text
