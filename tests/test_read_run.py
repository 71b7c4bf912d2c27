"""``read_run`` is the same for every kind of result folder: one pooled run table with a
``scenario`` column where the folder holds one run folder per scenario, the summary's parts as
DataFrames (as ``Simulation.summary()`` gives), and a repr of one short line."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import escsim
from escsim.results.kinds import KINDS

#: Kinds whose folders hold replications (so runs, daily, rungs and counts).
WITH_RUNS = {"run", "comparison", "sweep", "sensitivity", "study", "backtest", "backtest-eras"}
#: Left out for its cost (a minute of scoring); its tables are read like calibrate's.
NOT_BUILT = {"score"}


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small folder of every kind, written by its command."""
    from click.testing import CliRunner

    from escsim.cli import main
    from tests.test_study import STUDY

    root = tmp_path_factory.mktemp("kinds")
    study = root / "small.toml"
    study.write_text(STUDY.replace("runs = 8", "runs = 2"), encoding="utf-8")
    quiet = ["--no-plots", "--no-report"]
    commands = {
        "run": ["run", "baseline-2024-11", "--runs", "6", "--horizon", "60", *quiet],
        "comparison": ["compare", "baseline-2024-11", "us-punitive", "--runs", "6",
                       "--horizon", "60", *quiet],
        "sweep": ["sweep", "baseline-2024-11", "--vary", "us_policy.preset=proportional,punitive",
                  "--runs", "3", "--horizon", "30", *quiet],
        "sensitivity": ["sensitivity", "baseline-2024-11", "--outcome", "rung:2", "--vary",
                        "iran.retaliate_personnel_prob=0:1", "--vary",
                        "us_policy.leadership_strike_prob=0:0.5", "--samples", "4", "--runs",
                        "2", "--horizon", "30", "--bootstrap", "10", *quiet],
        "study": ["study", str(study), *quiet],
        "backtest": ["backtest", "--runs", "10", *quiet],
        "backtest-eras": ["backtest", "--eras", "--runs", "10", *quiet],
        "calibrate": ["calibrate", "--particles", "10", "--generations", "0", "--check-runs",
                      "0", "--no-plots"],
        "record": ["record", "--from", "2024-01-01", "--to", "2024-02-10", "--no-plots"],
    }
    out = {}
    for kind, args in commands.items():
        out[kind] = root / kind
        jobs = [] if kind == "record" else ["--jobs", "1"]
        res = CliRunner().invoke(main, [*args, *jobs, "--out", str(out[kind])])
        assert res.exit_code == 0, (kind, res.output, res.exception)
    res = CliRunner().invoke(main, ["trace", "baseline-2024-11", "--seed", "4", "--horizon",
                                    "30", "--out", str(root / "trace")])
    assert res.exit_code == 0, res.output
    out["trace"] = root / "trace"
    return out


def test_every_kind_is_covered(folders: dict[str, Path]) -> None:
    assert set(folders) | NOT_BUILT == set(KINDS)  # a new kind must join these tests


@pytest.mark.parametrize("kind", sorted(set(KINDS) - NOT_BUILT))
def test_read_run_reads_every_kind_alike(folders: dict[str, Path], kind: str) -> None:
    folder = escsim.read_run(folders[kind])
    assert folder.kind == kind
    text = repr(folder)
    assert "\n" not in text and len(text) < 300 and text.startswith(f"ResultFolder({kind} ")
    assert "tables: " in text
    assert all(isinstance(t, pd.DataFrame) for t in folder.tables.values())
    if kind not in WITH_RUNS:
        with pytest.raises(KeyError, match="has no runs table"):
            _ = folder.runs
        return
    runs = folder.runs
    assert isinstance(runs, pd.DataFrame) and "scenario" in runs and len(runs) > 0
    assert f"{len(runs):,} runs" in text
    assert re.search(r"root seed \d+", text)
    swept = kind in ("sweep", "sensitivity", "study")  # per point: no daily bands
    for part in (folder.rungs, folder.counts, *([] if swept else [folder.daily])):
        assert isinstance(part, pd.DataFrame) and len(part) > 0
    names = set(folder.scenarios)
    assert names and set(runs["scenario"]) <= names | {f"{n}+60d" for n in names}


def test_a_comparison_pools_its_scenarios(folders: dict[str, Path]) -> None:
    folder = escsim.read_run(folders["comparison"])
    assert folder.runs["scenario"].value_counts().to_dict() == {"baseline-2024-11": 6,
                                                                "us-punitive": 6}
    rungs = folder.rungs
    assert list(rungs.columns[:3]) == ["scenario", "rung", "name"]
    assert set(rungs["scenario"]) == set(folder.runs["scenario"])
    # each scenario's rows are its own run folder's summary
    own = escsim.read_run(folders["comparison"] / "us-punitive")
    pd.testing.assert_frame_equal(
        rungs[rungs["scenario"] == "us-punitive"].drop(columns="scenario")
        .reset_index(drop=True), own.rungs)
    assert set(folder.daily["scenario"]) == set(folder.runs["scenario"])


def test_a_run_folders_summary_is_the_simulations(folders: dict[str, Path]) -> None:
    folder = escsim.read_run(folders["run"])
    assert isinstance(folder.summary, escsim.Summary)
    s = escsim.load_scenario("baseline-2024-11", ["scenario.horizon_days=60"])
    sim = escsim.simulate(s, runs=6, seed=folder.manifest["root_seed"])
    pd.testing.assert_frame_equal(folder.rungs, sim.summary().rungs)
    pd.testing.assert_frame_equal(folder.summary.counts, sim.summary().counts)
    pd.testing.assert_frame_equal(folder.runs, sim.runs, check_dtype=False)
