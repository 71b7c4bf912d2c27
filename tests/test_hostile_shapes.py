"""Hostile tables of every kind of result folder, and the options of the newer commands.

Every table a command reads back from a folder (a comparison's differences, a study's regret
and front, a backtest's bands, a calibration's posterior, a record's events, a sensitivity's
indices) has its shape declared once (:data:`escsim.results.tables.SHAPES`) and is read through
one checked reader: a damaged table is an input error naming the file and the column (exit 2,
one line, no traceback) and nothing is written. And an option a command cannot honour, or a
request too large for the machine, is refused before any work.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from escsim.cli import main
from escsim.errors import InputError
from escsim.results.read import read_run
from escsim.results.tables import SHAPES, read_shaped
from escsim.study import read_study
from tests.test_study import small_study

STUDY = small_study("shapes", runs=2, seed=1)
QUIET = ["--no-plots", "--no-report", "-q"]


def _invoke(args: list[object]) -> object:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=True)


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One small folder of each kind whose tables are read back, copied by each test."""
    root = tmp_path_factory.mktemp("hostile-shapes")
    (root / "study.toml").write_text(STUDY, encoding="utf-8")
    commands = {
        "comparison": ["compare", "baseline-2024-11", "us-punitive", "--runs", "10",
                       "--horizon", "40", "--executor", "serial"],
        "study": ["study", root / "study.toml", "--executor", "serial"],
        "backtest": ["backtest", "surge-2023", "-n", "10", "--executor", "serial"],
        "calibrate": ["calibrate", "surge-2023", "--particles", "10", "--generations", "1",
                      "--check-runs", "0", "--executor", "serial"],
        "record": ["record", "--from", "2023-10-01", "--to", "2024-03-31", "--no-plots", "-q"],
        "sensitivity": ["sensitivity", "surge-2023", "--vary", "iran.retaliate_personnel_prob=0:1",
                        "--vary", "us_policy.leadership_strike_prob=0:0.5", "--samples", "2",
                        "--runs", "2", "--horizon", "20", "--outcome", "rung:4", "--executor",
                        "serial"],
    }
    folders = {}
    for kind, args in commands.items():
        folders[kind] = root / kind
        extra = [] if kind == "record" else QUIET
        done = _invoke([*args, *extra, "--out", folders[kind]])
        assert done.exit_code == 0, (kind, done.output)
    return folders


def _rows(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _write(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def set_cell(column: str, value: str) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        rows = _rows(path)
        rows[1][rows[0].index(column)] = value
        _write(path, rows)

    return damage


def drop_column(column: str) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        rows = _rows(path)
        i = rows[0].index(column)
        _write(path, [r[:i] + r[i + 1:] for r in rows])

    return damage


def cut(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-5])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def header_only(path: Path) -> None:
    _write(path, _rows(path)[:1])


#: (folder kind, table, damage, command that reads it, what the message names).
DAMAGE = {
    "comparison differences text": ("comparison", "differences.csv",
                                    set_cell("difference", "big"), "report", "difference"),
    "comparison differences no base": ("comparison", "differences.csv", drop_column("base"),
                                       "plot", "base"),
    "comparison differences cut": ("comparison", "differences.csv", cut, "report",
                                   "cut short"),
    "comparison table text estimate": ("comparison", "comparison.csv",
                                       set_cell("estimate", "high"), "report", "estimate"),
    "comparison table empty": ("comparison", "comparison.csv", empty, "report", "empty"),
    "study regret text": ("study", "regret.csv", set_cell("regret", "lots"), "plot", "regret"),
    "study regret cut": ("study", "regret.csv", cut, "plot", "cut short"),
    "study front flag": ("study", "front.csv", set_cell("non_dominated", "perhaps"), "plot",
                         "non_dominated"),
    "study front header only": ("study", "front.csv", header_only, "plot", "without rows"),
    "study ranking no doctrine": ("study", "ranking.csv", drop_column("doctrine"), "report",
                                  "doctrine"),
    "study satisficing text": ("study", "satisficing.csv",
                               set_cell("satisficing_share", "most"), "report",
                               "satisficing_share"),
    "backtest bands text day": ("backtest", "bands.csv", set_cell("day", "monday"), "plot",
                                "day"),
    "backtest comparison no id": ("backtest", "comparison.csv", drop_column("id"), "plot",
                                  "id"),
    "backtest simulated text": ("backtest", "simulated.csv", set_cell("OBS-KILLED", "some"),
                                "plot", "OBS-KILLED"),
    "backtest simulated empty": ("backtest", "simulated.csv", empty, "plot", "empty"),
    "calibrate posterior weight": ("calibrate", "posterior.csv", set_cell("weight", "heavy"),
                                   "plot", "weight"),
    "calibrate prior predictive cut": ("calibrate", "prior_predictive.csv", cut, "plot",
                                       "cut short"),
    "calibrate summary text": ("calibrate", "posterior_summary.csv",
                               set_cell("posterior_mean", "mid"), "report", "posterior_mean"),
    "record events date": ("record", "events.csv", set_cell("date", "2024-02-30"), "plot",
                           "date"),
    "record monthly attacks": ("record", "monthly.csv", set_cell("attacks", "several"), "plot",
                               "attacks"),
    "record tallies no date": ("record", "tallies.csv", drop_column("window_start"), "plot",
                               "window_start"),
    "sensitivity no outcome": ("sensitivity", "sensitivity.csv", drop_column("outcome"),
                               "plot", "outcome"),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_a_damaged_table_is_an_input_error_naming_file_and_column(
        case: str, copy: Callable[[str], Path], cli_input_error: Callable[..., str]) -> None:
    kind, table, damage, command, named = DAMAGE[case]
    folder = copy(kind)
    damage(folder / table)
    had_report = (folder / "report.html").exists()
    line = cli_input_error(_invoke([command, folder]), table, named)
    assert "Traceback" not in line
    assert (folder / "report.html").exists() == had_report  # nothing half-written


@pytest.mark.parametrize("kind", ["comparison", "study", "backtest", "calibrate", "record",
                                  "sensitivity"])
def test_every_declared_shape_reads_what_escsim_writes(kind: str,
                                                       made: dict[str, Path]) -> None:
    """The declarations are the writers' truth: each declared table of a fresh folder reads."""
    read = 0
    for (declared, name), shape in SHAPES.items():
        if declared == kind and (made[kind] / name).is_file():
            table = read_shaped(made[kind], kind, name)
            assert set(shape.required) <= set(table.columns)
            read += 1
    assert read >= 1


def test_read_study_checks_each_table(copy: Callable[[str], Path]) -> None:
    folder = copy("study")
    set_cell("max_regret", "a lot")(folder / "ranking.csv")
    with pytest.raises(InputError, match="max_regret") as err:
        read_study(folder)
    assert err.value.file is not None and err.value.file.endswith("ranking.csv")


def test_read_run_checks_a_study_table_when_first_used(copy: Callable[[str], Path]) -> None:
    folder = copy("study")
    drop_column("regret")(folder / "regret.csv")
    result = read_run(folder)  # the folder opens; the table is read on first use
    with pytest.raises(InputError, match="regret"):
        _ = result.tables["regret"]


def test_read_shaped_parses_and_checks_dates(tmp_path: Path) -> None:
    (tmp_path / "monthly.csv").write_text("month,country,attacks\n2024-01-01,iraq,3\n",
                                          encoding="utf-8")
    table = read_shaped(tmp_path, "record", "monthly.csv")
    assert str(table["month"].iloc[0].date()) == "2024-01-01"
    (tmp_path / "monthly.csv").write_text("month,country,attacks\nJanuar,iraq,3\n",
                                          encoding="utf-8")
    with pytest.raises(InputError, match="month"):
        read_shaped(tmp_path, "record", "monthly.csv")


def test_a_score_table_of_text_counts_is_refused(tmp_path: Path) -> None:
    (tmp_path / "counts.csv").write_text(
        "origin,window_days,country,forecaster,observed,crps,pit\n"
        "2024-01,30,iraq,model,four,0.5,0.3\n", encoding="utf-8")
    with pytest.raises(InputError, match="observed"):
        read_shaped(tmp_path, "score", "counts.csv")


# ------------------------------------------------------ options a command cannot honour ---
@pytest.mark.parametrize("extra,named", [
    (["--eras"], "--eras"),
    (["--particles", "20"], "--particles"),
    (["--generations", "2"], "--generations"),
    (["--check-runs", "5"], "--check-runs"),
    (["--observations", "obs.csv"], "--observations"),
    (["era-2021"], "SCENARIO"),
])
def test_calibrate_record_refuses_the_options_it_would_ignore(
        extra: list[str], named: str, tmp_path: Path, cli_input_error: Callable[..., str]
) -> None:
    out = tmp_path / "c"
    cli_input_error(_invoke(["calibrate", "--record", *extra, "--out", out]), named,
                    "--record")
    assert not out.exists()


def test_table_size_without_record_is_refused(tmp_path: Path,
                                              cli_input_error: Callable[..., str]) -> None:
    out = tmp_path / "c"
    cli_input_error(_invoke(["calibrate", "surge-2023", "--table-size", "500", "--out", out]),
                    "--table-size", "--record")
    assert not out.exists()


@pytest.mark.parametrize("eras", [[], ["--eras"]], ids=["plain", "eras"])
def test_a_huge_posterior_check_is_refused_before_the_fit(
        eras: list[str], tmp_path: Path, cli_input_error: Callable[..., str]) -> None:
    out = tmp_path / "c"
    cli_input_error(_invoke(["calibrate", *eras, "--check-runs", "1000000000", "--out", out]),
                    "--check-runs", "GiB")
    assert not out.exists()


def test_record_refuses_a_window_that_ends_before_it_starts(
        cli_input_error: Callable[..., str]) -> None:
    cli_input_error(_invoke(["record", "--from", "2024-05-01", "--to", "2024-01-01"]),
                    "--from", "2024-01-01")


def test_situation_names_the_horizon_option_not_a_temporary_file(
        cli_input_error: Callable[..., str]) -> None:
    line = cli_input_error(_invoke(["situation", "2024-01-01", "--horizon", "1000000000"]),
                           "--horizon", "3650")
    assert "situation.toml" not in line and "/tmp" not in line


def test_a_score_skill_table_without_its_interval_is_refused(tmp_path: Path) -> None:
    (tmp_path / "skill.csv").write_text(
        "set,window_days,country,forecaster,crps,skill\nrolling,30,iraq,model,0.5,0.1\n",
        encoding="utf-8")
    with pytest.raises(InputError, match="skill_low"):
        read_shaped(tmp_path, "score", "skill.csv")
