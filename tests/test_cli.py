"""The ``escsim`` command line, through Click's test runner: help, listing, run folders, trace,
overwrite protection. Bad scenario input on the command line is covered case by case in
tests/test_scenario_loading.py."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import escsim
from escsim.cli import main
from escsim.engine import replication_seed

RUN_COLUMNS = ["seed", "attacks", "us_wounded", "us_killed", "us_strikes", "militia_killed",
               "iran_direct_attacks", "max_rung", *[f"day_rung_{k}" for k in range(1, 9)]]
PNG = b"\x89PNG\r\n\x1a\n"


def _run(cli, *args: object, runs: int = 6, seed: int = 5, plots: bool = False):
    extra = [] if plots else ["--no-plots"]
    return cli("run", *args, "--runs", runs, "--seed", seed, "--jobs", 1, *extra)


# --------------------------------------------------------------------------------- help etc ---
def test_help_on_the_group_and_every_command(cli) -> None:
    result = cli("--help")
    assert result.exit_code == 0 and "Usage:" in result.stdout
    commands = sorted(main.commands)
    assert {"run", "trace", "scenarios", "show", "facts"} <= set(commands)
    for name in commands:
        assert name in result.stdout
        for flag in ("--help", "-h"):
            sub = cli(name, flag)
            assert sub.exit_code == 0, (name, sub.output)
            first = sub.stdout.splitlines()[0]
            assert first.startswith("Usage: ") and f" {name} " in first, first


def test_version(cli) -> None:
    result = cli("--version")
    assert result.exit_code == 0 and escsim.__version__ in result.stdout


def test_scenarios_lists_every_bundled_scenario(cli) -> None:
    result = cli("scenarios")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    names = list(escsim.bundled_scenarios())
    heads = [line for line in lines if not line.startswith(" ")]
    assert [line.split()[0] for line in heads] == names
    surge = next(line for line in lines if line.startswith("surge-2023 "))
    assert "2023-10-17" in surge and "111 d" in surge
    text = " ".join(line.strip() for line in lines)
    assert "Gaza-war surge" in text


def test_facts_lists_and_shows_one(cli, cli_input_error) -> None:
    listed = cli("facts")
    assert listed.exit_code == 0
    ids = [line.split()[0] for line in listed.stdout.splitlines()]
    assert ids == list(escsim.load_facts())
    one = cli("facts", "--id", "PR-A1")
    assert one.exit_code == 0
    assert "figure: 170 attacks on US forces" in one.stdout
    assert "source: militarytimes.com" in one.stdout
    cli_input_error(cli("facts", "--id", "PR-A99"), "key '--id'", "(got 'PR-A99'",
                    "unknown fact id")


def test_run_needs_a_scenario(cli, tmp_path: Path) -> None:
    result = cli("run", "--out", tmp_path / "out")
    assert result.exit_code == 2 and "give at least one SCENARIO" in result.stderr
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------- run ---
RUN_FILES = ["columns.json", "daily.csv", "manifest.json", "report.html", "runs.csv",
             "scenario.toml", "summary.json"]


def test_run_writes_the_result_folder(cli, tmp_path: Path, surge: escsim.Scenario) -> None:
    out = tmp_path / "surge"
    result = _run(cli, "surge-2023", "--out", out, runs=8, seed=5)
    assert result.exit_code == 0, result.output
    assert f"results: {out}" in result.stdout
    assert "surge-2023: 8 runs, 111 days from 2023-10-17, root seed 5" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == RUN_FILES
    assert [p.name for p in tmp_path.iterdir()] == ["surge"]  # no partial folder left

    runs = pd.read_csv(out / "runs.csv")  # pandas reads it directly
    assert set(RUN_COLUMNS) <= set(runs.columns)
    assert len(runs) == 8
    assert list(runs.seed) == [replication_seed(5, r) for r in range(8)]
    assert runs.seed.dtype == "int64"
    for c in RUN_COLUMNS[1:8]:
        assert pd.api.types.is_integer_dtype(runs[c]), c
    assert (runs.scenario == "surge-2023").all() and (runs.param_hash == surge.param_hash).all()
    assert (runs.day_rung_1.notna()).all()  # every surge run sees an attack
    assert ((runs.max_rung >= 1) & (runs.max_rung <= 8)).all()

    summary = json.loads((out / "summary.json").read_text())
    assert summary["escsim_version"] == escsim.__version__
    assert summary["scenario_hash"] == surge.param_hash
    assert summary["root_seed"] == 5 and summary["runs"] == 8
    assert isinstance(summary["wall_seconds"], float) and summary["wall_seconds"] >= 0
    rungs = {r["rung"]: r for r in summary["rung_probability"]}
    assert sorted(rungs) == list(range(1, 9))
    for level, r in rungs.items():
        reached = int(runs[f"day_rung_{level}"].notna().sum())
        assert r["reached"] == reached and r["probability"] == pytest.approx(reached / 8)
        assert 0 <= r["ci_low"] <= r["probability"] <= r["ci_high"] <= 1
        assert r["ci_low"] < r["ci_high"]
    quantiles = {q["count"]: q for q in summary["count_quantiles"]}
    for c in ("attacks", "us_wounded", "us_killed", "us_strikes"):
        q = quantiles[c]
        assert runs[c].min() <= q["q05"] <= q["q50"] <= q["q95"] <= runs[c].max()
        assert q["mean"] == pytest.approx(runs[c].mean())

    daily = pd.read_csv(out / "daily.csv")
    assert {"day", "date", "series", "mean", "q05", "q50", "q95"} <= set(daily.columns)
    attacks = daily[daily.series == "attacks"]
    assert list(attacks.day) == list(range(111))
    assert attacks.date.iloc[0] == "2023-10-17" and attacks.date.iloc[-1] == "2024-02-04"
    assert attacks["mean"].iloc[-1] == pytest.approx(runs.attacks.mean())


@pytest.mark.slow
def test_run_with_plots(cli, tmp_path: Path) -> None:
    """Needs escsim/plotting."""
    out = tmp_path / "plotted"
    result = _run(cli, "surge-2023", "--out", out, runs=6, plots=True)
    assert result.exit_code == 0, result.output
    pngs = sorted((out / "plots").glob("*.png"))
    assert pngs, list(out.iterdir())
    for png in pngs:
        assert png.read_bytes()[:8] == PNG and png.stat().st_size > 1000, png


@pytest.mark.slow
def test_run_all_compares_the_outlook_side_by_side(cli, tmp_path: Path) -> None:
    """--all runs the outlook scenarios only (the history windows start and end elsewhere), so
    every row of the comparison shares one start date and horizon; the comparison draws its
    side-by-side figures and leaves each scenario's own to escsim plot DIR/NAME."""
    from escsim.scenario import HISTORY_SCENARIOS, outlook_scenarios

    out = tmp_path / "all"
    result = cli("run", "--all", "--runs", 12, "--seed", 3, "--jobs", 2, "--out", out,
                 "--no-report")
    assert result.exit_code == 0, result.output
    compared = pd.read_csv(out / "comparison.csv")
    assert sorted(compared.scenario.unique()) == sorted(outlook_scenarios())
    assert not set(HISTORY_SCENARIOS) & set(compared.scenario)
    assert compared.start_date.nunique() == 1 and compared.horizon_days.nunique() == 1
    drawn = sorted(p.name for p in (out / "plots").glob("*.png"))
    assert drawn == ["compare_counts.png", "compare_rungs.png", "compare_survival.png"]
    assert not list(out.glob("*/plots"))
    one = cli("plot", str(out / "baseline-2024-11"))
    assert one.exit_code == 0, one.output
    assert (out / "baseline-2024-11" / "plots" / "daily.png").is_file()


def test_a_comparison_prints_one_row_a_scenario(cli, tmp_path: Path) -> None:
    """Several scenarios print side by side, one row each with the rungs in question and mean
    counts, the numbers of their summaries; -v adds each scenario's own table."""
    from escsim.results import read_summary

    args = ["us-restraint", "us-punitive", "--runs", 40, "--seed", 2, "--jobs", 1,
            "--horizon", 120, "--no-plots", "--no-report"]
    plain = cli("run", *args, "--out", tmp_path / "plain")
    assert plain.exit_code == 0, plain.output
    lines = plain.stdout.splitlines()
    assert "2 scenarios, 40 runs each, 120 days from 2024-11-11, root seed 2" in lines
    header = next(line for line in lines if line.lstrip().startswith("scenario")).split()[1:]
    columns: list[str] = []
    tokens = iter(header)
    for t in tokens:
        columns.append(f"rung {next(tokens)}" if t == "rung" else t)
    # the rungs in question depend on the runs (which rungs some scenario reaches in part)
    rungs = [c for c in columns if c.startswith("rung ")]
    assert rungs and "us_killed" in columns
    for name in ("us-restraint", "us-punitive"):
        row = next(line for line in lines if line.lstrip().startswith(name)).split()
        value = dict(zip(columns, (float(v) for v in row[1:]), strict=True))
        summary = read_summary(tmp_path / "plain" / name)
        for rung in rungs:
            p = next(r["probability"] for r in summary["rung_probability"]
                     if r["rung"] == int(rung.split()[1]))
            assert value[rung] == pytest.approx(p, rel=5e-3, abs=1e-12)
        killed = next(q["mean"] for q in summary["count_quantiles"] if q["count"] == "us_killed")
        assert value["us_killed"] == pytest.approx(killed, rel=5e-3)
    assert "P(reached)" not in plain.stdout  # no per-scenario tables without -v
    verbose = cli("run", *args, "--out", tmp_path / "verbose", "-v")
    assert verbose.exit_code == 0, verbose.output
    assert verbose.stdout.count("P(reached)") == 2
    # scenarios over different windows: each row says its window, and a note says why
    apart = cli("run", "surge-2023", "us-restraint", "--runs", 5, "--jobs", 1, "--no-plots",
                "--no-report", "--out", tmp_path / "apart")
    assert apart.exit_code == 0, apart.output
    assert "not comparable number for number" in apart.stdout
    assert any(line.lstrip().startswith("surge-2023 (2023-10-17+111d)")
               for line in apart.stdout.splitlines())


def test_run_refuses_an_existing_folder_without_force(cli, cli_input_error,
                                                      tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.mkdir()
    (out / "keep.txt").write_text("earlier result")
    (out / "manifest.json").write_text('{"kind": "run"}')  # an earlier escsim result
    cli_input_error(_run(cli, "surge-2023", "--out", out), str(out), "output folder exists",
                    "--force")
    assert (out / "keep.txt").read_text() == "earlier result"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]

    forced = _run(cli, "surge-2023", "--out", out, "--force")
    assert forced.exit_code == 0, forced.output
    assert sorted(p.name for p in out.iterdir()) == RUN_FILES
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]  # no partial or old copy


def test_run_applies_set_and_horizon(cli, tmp_path: Path) -> None:
    out = tmp_path / "short"
    result = _run(cli, "surge-2023", "--horizon", 30, "--set",
                  "militias.iraq_factions.base_rate_per_day=0", "--set",
                  "militias.syria_groups.base_rate_per_day=0", "--out", out)
    assert result.exit_code == 0, result.output
    runs = pd.read_csv(out / "runs.csv")
    assert (runs.attacks == 0).all() and (runs.end_day <= 30).all()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["horizon_days"] == 30
    assert summary["scenario_hash"] == escsim.load_scenario("surge-2023", [
        "militias.iraq_factions.base_rate_per_day=0", "militias.syria_groups.base_rate_per_day=0",
        "scenario.horizon_days=30.0"]).param_hash
    assert pd.read_csv(out / "daily.csv").day.max() == 29


def test_run_several_scenarios_writes_subfolders_and_a_comparison(cli, tmp_path: Path,
                                                                 write_scenario) -> None:
    other = write_scenario("quiet", 'extends = "surge-2023"\n[scenario]\nname = "surge-quiet"\n'
                           "[militias.iraq_factions]\nbase_rate_per_day = 0.2\n")
    out = tmp_path / "both"
    result = _run(cli, "surge-2023", other, "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["columns.json", "comparison.csv",
                                                     "manifest.json", "report.html",
                                                     "surge-2023", "surge-quiet"]
    for name in ("surge-2023", "surge-quiet"):
        runs = pd.read_csv(out / name / "runs.csv")
        assert len(runs) == 6 and (runs.scenario == name).all()
        assert (out / name / "summary.json").is_file() and (out / name / "daily.csv").is_file()
    table = pd.read_csv(out / "comparison.csv")
    assert {"scenario", "measure", "estimate", "low", "high"} <= set(table.columns)
    assert set(table.scenario) == {"surge-2023", "surge-quiet"}
    assert {"rung_1_reached", "attacks_median"} <= set(table.measure)
    median = table.set_index(["scenario", "measure"]).estimate
    assert median["surge-quiet", "attacks_median"] < median["surge-2023", "attacks_median"]
    assert "comparison: " in result.stdout


def test_run_refuses_two_scenarios_with_one_name(cli, cli_input_error, tmp_path: Path,
                                                 write_scenario) -> None:
    twin = write_scenario("twin", 'extends = "surge-2023"\n')
    cli_input_error(_run(cli, "surge-2023", twin, "--out", tmp_path / "out"),
                    "two scenarios share a name", "distinct scenario.name")
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------------- trace ---
@pytest.mark.slow
def test_trace_writes_the_event_log_and_timeline(cli, tmp_path: Path,
                                                 surge: escsim.Scenario) -> None:
    """Needs escsim/plotting/timeline.py."""
    seed = replication_seed(5, 2)
    out = tmp_path / "trace"
    result = cli("trace", "surge-2023", "--seed", seed, "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["timeline.png", "trace.csv"]
    assert (out / "timeline.png").read_bytes()[:8] == PNG
    log = pd.read_csv(out / "trace.csv")
    assert list(log.columns) == ["day", "date", "actor", "action", "target", "outcome"]
    assert log.day.is_monotonic_increasing and log.day.max() <= 111
    row = escsim.run_replication(surge, seed).row
    attacks = (log.action.str.startswith("attack (") & (log.actor != "iran")).sum()
    assert attacks == row["attacks"]
    assert f"attacks {row['attacks']}, US wounded {row['us_wounded']}" in result.stdout
    # an existing trace folder is not overwritten without --force
    again = cli("trace", "surge-2023", "--seed", seed, "--out", out)
    assert again.exit_code == 2 and "output folder exists" in again.stderr


def test_trace_bad_input(cli, cli_input_error, tmp_path: Path) -> None:
    cli_input_error(cli("trace", "surge-2023", "--seed", 1, "--set", "iran.pause_mean_days=0",
                        "--out", tmp_path / "t"), "key 'iran.pause_mean_days'", "(got 0.0")
    assert list(tmp_path.iterdir()) == []
