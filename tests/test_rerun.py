"""Re-running a command works: the README's Quick start twice in a row writes results/compare/
then results/compare-2/ and says so; every command's default folder does the same, a given --out
is refused when it exists, and calibrate's default (where --posterior looks) is never renamed."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from escsim.cli import main
from tests.conftest import check_cli_input_error


def _twice(args: list[str]) -> tuple[list[str], list[str]]:
    """Run ``escsim ARGS`` twice in a fresh working directory: the folders under results/ and
    the second run's stderr lines."""
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as here, contextlib.chdir(here):
        first = runner.invoke(main, args)
        assert first.exit_code == 0, first.output
        second = runner.invoke(main, args)
        assert second.exit_code == 0, second.output
        return sorted(p.name for p in Path("results").iterdir()), second.stderr.splitlines()


def test_the_quick_start_runs_twice_in_a_row() -> None:
    # the README's command, smaller (runs, no figures): the folder logic is the same
    folders, err = _twice(["run", "--all", "--runs", "2", "--jobs", "1", "--no-plots",
                           "--no-report"])
    assert folders == ["compare", "compare-2"]
    assert any("results/compare exists" in line and "writing results/compare-2" in line
               for line in err), err


@pytest.mark.parametrize(("args", "expected"), [
    (["sweep", "surge-2023", "--vary", "iran.retaliate_personnel_prob=0,1", "--runs", "1",
      "--set", "scenario.horizon_days=20"], ["sweep-surge-2023", "sweep-surge-2023-2"]),
    (["compare", "us-restraint", "us-punitive", "--runs", "2", "--horizon", "20"],
     ["compare-us-restraint", "compare-us-restraint-2"]),
    (["trace", "surge-2023", "--seed", "5", "--horizon", "20"],
     ["trace-surge-2023-5", "trace-surge-2023-5-2"]),
], ids=["sweep", "compare", "trace"])
def test_every_default_folder_is_numbered_not_refused(args: list[str],
                                                      expected: list[str]) -> None:
    quiet = [] if args[0] == "trace" else ["--jobs", "1", "--no-plots", "--no-report"]
    folders, err = _twice([*args, *quiet])
    assert folders == expected
    assert any(f"writing results/{expected[1]}" in line for line in err), err


def test_a_given_out_and_calibrates_default_are_refused_when_they_exist(tmp_path: Path) -> None:
    runner = CliRunner()
    with contextlib.chdir(tmp_path):
        args = ["run", "surge-2023", "--runs", "2", "--jobs", "1", "--no-plots", "--no-report",
                "--horizon", "20", "--out", "mine"]
        assert runner.invoke(main, args).exit_code == 0
        check_cli_input_error(runner.invoke(main, args), "mine", "output folder exists")
        Path("results/calibrate-surge-2023").mkdir(parents=True)
        check_cli_input_error(runner.invoke(main, ["calibrate", "surge-2023", "--particles", "10",
                                                   "--generations", "0", "--no-plots"]),
                              "results/calibrate-surge-2023", "output folder exists")
