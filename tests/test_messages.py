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


@pytest.mark.parametrize(("override", "fragments"), [
    # a misspelled top-level table is the override's error, not the scenario file's
    ("us_polcy.preset=punitive", ["--set: key 'us_polcy.preset'", "did you mean 'us_policy'?"]),
    # a new entry too far from every name for a suggestion: say it is new and what it lacks
    ("sites.bagdad.troops=100", ["--set: key 'sites.bagdad.troops'", "unknown name 'bagdad' "
                                 "in [sites]", "syria, iraq, tower_22",
                                 "missing key sites.bagdad.country"]),
    ("sites.irak.troops=100", ["did you mean 'iraq'?"]),
])
def test_a_table_only_an_override_made_is_blamed_on_the_override(cli, cli_input_error,
                                                                 override: str,
                                                                 fragments: list[str]) -> None:
    line = cli_input_error(cli("show", "baseline-2024-11", "--set", override), *fragments)
    assert "baseline-2024-11.toml" not in line
    # the same through --vary
    line = cli_input_error(cli("sweep", "baseline-2024-11", "--vary",
                               override.replace("=", "=1,"), "--runs", 1),
                           "--vary", override.split("=")[0])
    assert "baseline-2024-11.toml" not in line


def test_a_bad_value_in_a_complete_new_entry_is_still_its_own_error(cli,
                                                                     cli_input_error) -> None:
    new_site = ["--set", "sites.erbil.country=iraq", "--set", "sites.erbil.troops=many",
                "--set", "sites.erbil.target_weight=0.1"]
    cli_input_error(cli("show", "baseline-2024-11", *new_site), "sites.erbil.troops",
                    "'many'")


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


def test_a_zero_sobol_index_has_a_zero_interval_in_the_table() -> None:
    """An output that only the first of two parameters moves: the second's indices are exactly
    zero in every bootstrap resample, so its interval is [0, 0] (BCa alone gives NaN)."""
    import numpy as np

    from escsim.analysis.sensitivity import sobol_analysis

    rng = np.random.default_rng(3)
    n = 64
    f_a, f_b = rng.normal(size=n), rng.normal(size=n)
    # AB_1 takes the first column from B (the output follows it), AB_2 the second (no change)
    y = np.concatenate([f_a, f_b, f_b, f_a])
    res = sobol_analysis(y, d=2, n=n, rng=np.random.default_rng(4), n_resamples=200)
    assert res.first[0, 1] == res.total[0, 1] == 0.0
    for bound in (res.first_low, res.first_high, res.total_low, res.total_high):
        assert bound[0, 1] == 0.0  # not NaN
    # the moving parameter keeps a real interval around its index
    assert res.total_low[0, 0] < res.total[0, 0] <= res.total_high[0, 0]
    assert not np.isnan(res.first_low[0, 0])


def test_an_outcome_the_runs_will_not_have_is_refused_before_any_run(
        cli, cli_input_error, tmp_path: Path) -> None:
    from tests.test_study import STUDY

    vary = ("--vary", "iran.retaliate_personnel_prob=0:1", "--vary", "iran.pause_mean_days=30:90")
    out = tmp_path / "sens"
    cli_input_error(cli("sensitivity", "surge-2023", *vary, "--samples", 2, "--runs", 1,
                        "--outcome", "us_kiled>=1", "--out", out),
                    "--outcome", "did you mean 'us_killed'?")
    cli_input_error(cli("sensitivity", "surge-2023", *vary, "--samples", 2, "--runs", 1,
                        "--outcome", "rung:9", "--out", out),
                    "no such rung", "1, 2, 3, 4, 5, 6, 7, 8")
    assert not out.exists()  # refused before running, not after
    study = tmp_path / "bad.toml"
    study.write_text(STUDY.replace('measure = "attacks"', 'measure = "atacks"'),
                     encoding="utf-8")
    cli_input_error(cli("study", study, "--out", tmp_path / "st"), "bad.toml",
                    "outcomes.attacks.measure", "did you mean 'attacks'?")
    assert not (tmp_path / "st").exists()
    # discover on a finished sweep: an error, not a traceback
    swept = tmp_path / "sweep"
    res = cli("sweep", "surge-2023", "--vary", "iran.retaliate_personnel_prob=0,1", "--runs", 2,
              "--horizon", 20, "--jobs", 1, "--no-plots", "--no-report", "--out", swept)
    assert res.exit_code == 0, res.output
    cli_input_error(cli("discover", swept, "--outcome", "rung:9"), "no such rung")


def test_names_of_studies_and_files_in_messages(cli, cli_input_error) -> None:
    cli_input_error(cli("study", "doctrins"), "did you mean 'doctrines'?")
    line = cli_input_error(cli("run", "surge-2023", "--tail", "splitting", "--rung", 9),
                           "scenarios/surge-2023.toml", "--rung")
    assert "/scenarios/surge-2023.toml" not in line  # as the user knows it, not absolute
