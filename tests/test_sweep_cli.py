"""`escsim sweep`, `escsim sensitivity`, `escsim plot` and `escsim discover` end to end."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import Result

from escsim.plotting.sweeps import plot_heatmap, plot_outcomes_along_axis
from escsim.sweep import parse_outcome, read_sweep

PRESET = "us_policy.preset=restraint,punitive"
EXCITE = "militias.iraq_factions.excitation_per_round=0:2:3"
Cli = Callable[..., Result]


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two scenarios x a 2 x 3 grid x 8 runs, with plots."""
    from click.testing import CliRunner

    from escsim.cli import main

    out = tmp_path_factory.mktemp("cli") / "sweep"
    res = CliRunner().invoke(main, ["sweep", "surge-2023", "gaza-ceasefire", "--vary", PRESET,
                                    "--vary", EXCITE, "--runs", "8", "--seed", "3",
                                    "--executor", "serial", "--out", str(out)])
    assert res.exit_code == 0, (res.output, res.exception)
    return out


def test_sweep_writes_tables_and_plots(swept: Path) -> None:
    s = read_sweep(swept)
    assert len(s.points) == 12 and len(s.runs) == 96 and len(s.summary) == 12
    assert set(s.runs["scenario"]) == {"surge-2023", "gaza-ceasefire"}
    # scenarios at the same design point share seeds (a paired comparison)
    by = s.runs.set_index(["scenario", "design_point", "replication"])["seed"]
    assert by.loc["surge-2023"].equals(by.loc["gaza-ceasefire"])
    plots = {p.name for p in (swept / "plots").glob("*.png")}
    assert any(p.startswith("heatmap-rung_") for p in plots)
    assert any(p.startswith("rungs-along-") for p in plots)
    assert any(p.startswith("survival-rung-") for p in plots)
    assert "scenarios.png" in plots
    m = s.manifest
    assert m["design"]["units"]["militias.iraq_factions.excitation_per_round"] == "attacks/day"
    assert m["sessions"][0]["cores"] >= 1 and m["spec"]["design"] == "grid"


@pytest.mark.parametrize("args, fragments", [
    (["--vary", "militias.iraq_factions.excitation_per_round=0:2:x"], ["bad spec", "0:2:x"]),
    (["--vary", "us_policy.preset=restraint,punative"], ["us_policy.preset", "punitive"]),
    (["--vary", "militias.iraq_factions.base_rate_per_day=-1:1:3"], ["out of range", "-1.0"]),
    (["--vary", "nonsense.key=1:2:2"], ["unknown key", "nonsense.key"]),
    (["--vary", "iran.pause_mean_days=uniform(1,5)"], ["a grid needs"]),
    (["--design", "lhs", "--vary", "iran.pause_mean_days=1:5"], ["needs --samples"]),
    ([], ["nothing to vary"]),
])
def test_bad_input_exits_2_with_one_message(cli: Cli, cli_input_error: Callable[..., str],
                                            tmp_path: Path, args: list[str],
                                            fragments: list[str]) -> None:
    res = cli("sweep", "surge-2023", *args, "--out", tmp_path / "s", "--executor", "serial")
    cli_input_error(res, *fragments)
    assert not (tmp_path / "s").exists()


def test_existing_folder_needs_force_or_resume(cli: Cli, cli_input_error: Callable[..., str],
                                               swept: Path) -> None:
    res = cli("sweep", "surge-2023", "--vary", PRESET, "--out", swept, "--executor", "serial")
    cli_input_error(res, "output folder exists", "--resume")


def test_resume_of_a_finished_sweep_is_a_no_op(cli: Cli, swept: Path) -> None:
    before = (swept / "runs.csv").read_bytes()
    res = cli("sweep", "--resume", "--out", swept, "--no-plots")
    assert res.exit_code == 0, res.output
    assert (swept / "runs.csv").read_bytes() == before


def test_design_table_and_lhs(cli: Cli, tmp_path: Path) -> None:
    table = tmp_path / "design.csv"
    table.write_text("us_policy.preset,iran.pause_mean_days\npunitive,10\nrestraint,60.5\n")
    res = cli("sweep", "surge-2023", "--design-table", table, "--runs", "3", "--out",
              tmp_path / "t", "--executor", "serial", "--no-plots")
    assert res.exit_code == 0, res.output
    pts = pd.read_csv(tmp_path / "t" / "points.csv")
    assert list(pts["iran.pause_mean_days"]) == [10.0, 60.5]
    res = cli("sweep", "surge-2023", "--design", "lhs", "--samples", "5", "--vary",
              "iran.pause_mean_days=loguniform(5,50)", "--runs", "2", "--out", tmp_path / "l",
              "-j", "2", "--no-plots")
    assert res.exit_code == 0, res.output
    assert read_sweep(tmp_path / "l").manifest["sessions"][0]["executor"] == "process"


def test_plot_redraws_from_saved_tables(cli: Cli, cli_input_error: Callable[..., str],
                                        swept: Path) -> None:
    for png in (swept / "plots").glob("*.png"):
        png.unlink()
    res = cli("plot", swept, "--outcome", "us_killed>=1", "--rung", "5", "--by",
              "us_policy.preset")
    assert res.exit_code == 0, res.output
    names = {Path(line).name for line in res.stdout.splitlines()}
    assert "heatmap-us_killed_1.png" in names and "survival-rung-5.png" in names
    assert all((swept / "plots" / n).is_file() for n in names)
    cli_input_error(cli("plot", swept, "--axis", "iran.nope"), "not a swept key")
    cli_input_error(cli("plot", swept, "--outcome", "no_such_column>=1"), "no_such_column")
    cli_input_error(cli("plot", swept.parent), "not a result folder")


def test_plot_functions_label_axes_with_units(swept: Path) -> None:
    s = read_sweep(swept)
    key = "militias.iraq_factions.excitation_per_round"
    fig = plot_outcomes_along_axis(s.runs, key, [parse_outcome("rung:4")], unit="attacks/day")
    ax = fig.axes[0]
    assert ax.get_xlabel() == f"{key} [attacks/day]"
    assert ax.get_ylabel() == "probability within the horizon"
    assert len(ax.collections) == 1  # the confidence band
    fig = plot_heatmap(s.runs, "us_policy.preset", key, parse_outcome("us_strikes"))
    assert "mean us_strikes" in fig.axes[1].get_ylabel()


def test_discover_prints_rules(cli: Cli, swept: Path) -> None:
    res = cli("discover", swept, "--outcome", "rung:5")
    assert res.exit_code == 0, res.output
    assert "coverage" in res.stdout and "density" in res.stdout
    assert "us_policy.preset in {punitive}" in res.stdout
    assert (swept / "plots" / "prim-trajectory.png").is_file()


def test_sensitivity_sobol_and_morris(cli: Cli, tmp_path: Path) -> None:
    common = ["--vary", "us_policy.leadership_strike_prob=0:0.5", "--vary",
              "militias.iraq_factions.excitation_per_round=0:2", "--runs", "3",
              "--executor", "serial", "--bootstrap", "50"]
    res = cli("sensitivity", "surge-2023", "--outcome", "rung:5", "--outcome", "us_strikes",
              "--samples", "8", *common, "--out", tmp_path / "s")
    assert res.exit_code == 0, res.output
    table = pd.read_csv(tmp_path / "s" / "sensitivity.csv")
    assert len(table) == 4 and set(table["method"]) == {"sobol"}
    assert {"S1", "S1_low", "ST", "ST_high", "noise_share"} <= set(table.columns)
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert manifest["points"] == 8 * 4 and manifest["seeds"]["mode"] == "common"
    assert (tmp_path / "s" / "plots" / "tornado-rung_5.png").is_file()
    assert "S1" in res.stdout
    res = cli("sensitivity", "surge-2023", "--method", "morris", "--outcome", "us_strikes",
              "--samples", "4", *common, "--out", tmp_path / "m", "--no-plots")
    assert res.exit_code == 0, res.output
    table = pd.read_csv(tmp_path / "m" / "sensitivity.csv")
    assert {"mu_star", "sigma"} <= set(table.columns) and len(table) == 2


def test_sensitivity_bad_input(cli: Cli, cli_input_error: Callable[..., str],
                               tmp_path: Path) -> None:
    cli_input_error(cli("sensitivity", "surge-2023", "--vary", "iran.pause_mean_days=1:9",
                        "--out", tmp_path / "x"), "--outcome")
    cli_input_error(cli("sensitivity", "surge-2023", "--vary", "iran.pause_mean_days=1:9",
                        "--outcome", "rung:4", "--samples", "12", "--out", tmp_path / "x"),
                    "power of two")
    cli_input_error(cli("sensitivity", "surge-2023", "--vary", "iran.pause_mean_days=1:9",
                        "--outcome", "rung 4", "--out", tmp_path / "x"), "bad outcome")


def test_scheduler_needs_dask_executor(cli: Cli, cli_input_error: Callable[..., str],
                                       tmp_path: Path) -> None:
    res = cli("sweep", "surge-2023", "--vary", PRESET, "--scheduler", "tcp://127.0.0.1:1",
              "--out", tmp_path / "d")
    cli_input_error(res, "--scheduler needs --executor dask")
