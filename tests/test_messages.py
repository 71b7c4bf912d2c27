"""Messages that point at the fix: a did-you-mean for a misspelled --set table name and for
show --key, design-table errors naming file, line and column, one check of --posterior for every
command, and a zero Sobol' index's interval read as such."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from escsim.cli.sweep import _interval


def test_misspelled_set_table_name_gets_a_suggestion(cli, cli_input_error) -> None:
    line = cli_input_error(
        cli("show", "baseline-2024-11", "--set",
            "militias.iraq_faction.restraint_compliance=0.8"),
        "--set", "did you mean 'iraq_factions'?")
    assert "home_country" not in line and "baseline-2024-11.toml" not in line
    cli_input_error(cli("show", "baseline-2024-11", "--set", "militas.iraq_factions.x=1"),
                    "did you mean 'militias'?")


def test_show_key_that_matches_nothing_is_an_error(cli, cli_input_error) -> None:
    cli_input_error(cli("show", "baseline-2024-11", "--key", "militas"), "--key",
                    "did you mean 'militias'?")
    ok = cli("show", "baseline-2024-11", "--key", "militias.iraq_factions.base", "--brief")
    assert ok.exit_code == 0 and "militias.iraq_factions.base_rate_per_day" in ok.stdout


def test_design_table_error_names_file_line_and_column(cli, cli_input_error,
                                                       tmp_path: Path) -> None:
    table = tmp_path / "design.csv"
    table.write_text("iran.retaliate_personnel_prob,us_policy.leadership_strike_prob\n"
                     "0.2,0.1\n0.3,0.2\n1.5,0.2\n", encoding="utf-8")
    line = cli_input_error(cli("sweep", "baseline-2024-11", "--design-table", table, "--runs",
                               2, "--jobs", 1, "--out", tmp_path / "out"),
                           str(table), "line 4, column 1", "iran.retaliate_personnel_prob")
    assert "--vary" not in line


@pytest.mark.parametrize("command", [("run", "surge-2023", "--runs", "2"),
                                     ("backtest", "--runs", "10"),
                                     ("sweep", "surge-2023", "--vary",
                                      "iran.retaliate_personnel_prob=0,1", "--runs", "2")])
def test_posterior_without_its_mode_is_refused_alike(cli, cli_input_error, tmp_path: Path,
                                                      command: tuple[str, ...]) -> None:
    cli_input_error(cli(*command, "--posterior", tmp_path / "nowhere", "--out", tmp_path / "o"),
                    "key '--posterior'", "need --parameter-uncertainty")


def test_a_zero_index_interval_is_not_nan() -> None:
    assert _interval(0.0, math.nan, math.nan) == "[0.00, 0.00]"
    assert "nan" not in _interval(0.0, math.nan, math.nan)
    assert _interval(0.25, 0.1, 0.4) == "[0.10, 0.40]"
