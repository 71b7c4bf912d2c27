"""Every table that sets results side by side says which window (start date, horizon) each row
covers: a sweep's summary.csv and points.csv, differences.csv, a backtest's (and the eras')
comparison.csv. Rows of different windows are not comparable number for number."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from click.testing import Result

import escsim
from escsim.history.backtest import run_backtest
from escsim.history.observations import load_observations

Cli = Callable[..., Result]


def _window(name: str) -> tuple[str, float]:
    meta = escsim.load_scenario(name).scenario
    return str(meta.start_date), float(meta.horizon_days)


def test_a_sweeps_summary_and_points_carry_each_points_window(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    # two scenarios of different windows, and a swept horizon
    res = cli("sweep", "surge-2023", "us-restraint", "--vary", "scenario.horizon_days=30,60",
              "--runs", 3, "--jobs", 1, "--no-plots", "--no-report", "--out", out)
    assert res.exit_code == 0, res.output
    summary = pd.read_csv(out / "summary.csv")
    points = pd.read_csv(out / "points.csv")
    for table in (summary, points):
        cols = list(table.columns)
        assert cols.index("start_date") + 1 == cols.index("horizon_days")
        assert cols.index("scenario.horizon_days") < cols.index("start_date")
        # the point's own horizon (the swept one), beside its scenario's start date
        assert (table["horizon_days"] == table["scenario.horizon_days"]).all()
        assert sorted(set(zip(table.scenario, table.start_date, table.horizon_days,
                              strict=True))) == [
            ("surge-2023", "2023-10-17", 30.0), ("surge-2023", "2023-10-17", 60.0),
            ("us-restraint", "2024-11-11", 30.0), ("us-restraint", "2024-11-11", 60.0)]
    # the printed summary says its min and max come from different windows
    printed = " ".join(res.stdout.split())  # the note is wrapped at 100 characters
    assert "note: the points cover 4 windows (2023-10-17 + 30 days, 2023-10-17 + 60 days, " \
           "2024-11-11 + 30 days, 2024-11-11 + 60 days)" in printed
    described = {e["name"]: e for e in
                 json.loads((out / "columns.json").read_text())["tables"]["summary.csv"]}
    assert described["start_date"]["unit"] == "date"
    assert "window" in described["horizon_days"]["definition"]


def test_differences_name_both_windows_and_say_when_they_differ(cli: Cli,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    res = cli("run", "us-restraint", "surge-2023", "--base", "us-restraint", "--runs", 6,
              "--jobs", 1, "--no-plots", "--no-report", "--out", out)
    assert res.exit_code == 0, res.output
    d = pd.read_csv(out / "differences.csv")
    assert {(r.base_start_date, r.base_horizon_days) for r in d.itertuples()} == \
        {_window("us-restraint")}
    assert {(r.start_date, r.horizon_days) for r in d.itertuples()} == {_window("surge-2023")}
    assert "windows differ: us-restraint from 2024-11-11 for 365 days, surge-2023 from " \
           "2023-10-17 for 111 days" in res.stdout
    described = json.loads((out / "columns.json").read_text())["tables"]
    assert "differences.csv" in described  # written after the comparison's dictionary
    assert all(e["unit"] for e in described["differences.csv"]), described["differences.csv"]
    # the same windows: nothing to say
    res = cli("run", "us-restraint", "us-punitive", "--base", "us-restraint", "--runs", 6,
              "--jobs", 1, "--no-plots", "--no-report", "--out", tmp_path / "same")
    assert res.exit_code == 0 and "windows differ" not in res.stdout


def test_a_backtest_table_names_its_scenario_and_window() -> None:
    for name in ("era-2021", "surge-2023"):
        s = escsim.load_scenario(name)
        observations = [o for o in load_observations() if o.scenario == name]
        table = run_backtest(s, observations, runs=5, seed=1).table()
        assert list(table.columns[:3]) == ["scenario", "start_date", "horizon_days"]
        assert set(zip(table.scenario, table.start_date, table.horizon_days, strict=True)) == \
            {(name, *_window(name))}
