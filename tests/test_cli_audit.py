"""Issue 11's CLI defects, as a new user meets them: every kind of folder redraws without
touching its tables (the eras' backtest folder crashed `escsim plot` and emptied its table),
-q and --json hold for backtest --eras and study, both write report.html, and a study's
columns.json describes every one of its tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_result_folders import assert_no_absolute_paths
from tests.test_study import STUDY


def test_the_eras_folder_is_self_describing_quiet_and_redraws(cli, tmp_path: Path) -> None:
    out = tmp_path / "eras"
    res = cli("backtest", "--eras", "--runs", 10, "--jobs", 1, "--no-plots", "-q", "--out", out)
    assert res.exit_code == 0, res.output
    assert res.stdout == "" and res.stderr == ""  # -q: nothing, not even the verdicts
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "backtest-eras"
    assert [e["resolved"] for e in manifest["scenarios"]] == [
        f"{era}/scenario.toml" for era in manifest["folders"]]
    assert (out / "report.html").is_file()
    table = (out / "comparison.csv").read_bytes()
    res = cli("plot", out, "--json")
    assert res.exit_code == 0, (res.output, res.exception)
    drawn = [Path(p) for p in json.loads(res.stdout)["plots"]]
    assert {p.parent.parent.name for p in drawn} == set(manifest["folders"])
    assert all(p.is_file() for p in drawn)
    assert (out / "comparison.csv").read_bytes() == table  # redrawn, not rewritten
    assert_no_absolute_paths(out)  # the eras' summaries named the observations file by it


def test_plot_leaves_a_comparison_table_alone_and_refuses_a_hollow_folder(
        cli, cli_input_error, tmp_path: Path) -> None:
    out = tmp_path / "both"
    res = cli("run", "surge-2023", "us-restraint", "--runs", 3, "--jobs", 1, "--no-plots",
              "--no-report", "--horizon", 30, "--out", out)
    assert res.exit_code == 0, res.output
    (out / "comparison.csv").write_text("kept as the user left it\n")
    assert cli("plot", out).exit_code == 0
    assert (out / "comparison.csv").read_text() == "kept as the user left it\n"
    # a comparison's rows replay from its scenarios' folders: trace says which
    cli_input_error(cli("trace", out, "--replication", 0, "--out", tmp_path / "t"),
                    "runs of this folder are in its subfolders", str(out / "surge-2023"))
    assert cli("trace", out / "surge-2023", "--replication", 0, "--out",
               tmp_path / "t").exit_code == 0
    hollow = tmp_path / "hollow"
    hollow.mkdir()
    (hollow / "comparison.csv").write_text("scenario\n")
    cli_input_error(cli("plot", hollow), "hollow", "without its scenarios' run folders")


@pytest.fixture(scope="module")
def small_study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("study") / "small.toml"
    path.write_text(STUDY.replace("runs = 8", "runs = 2"), encoding="utf-8")
    return path


def test_a_study_speaks_json_writes_its_report_and_describes_every_table(
        cli, small_study: Path, tmp_path: Path) -> None:
    out = tmp_path / "study"
    own = tmp_path / "mine.toml"  # a study file of the user's, named by an absolute path
    own.write_text(small_study.read_text(encoding="utf-8"), encoding="utf-8")
    res = cli("study", own.resolve(), "--jobs", 1, "--no-plots", "--json", "--out", out)
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)  # only JSON on stdout
    assert data["most_robust"] == data["ranking"][0]["doctrine"]
    assert (out / "report.html").is_file()
    described = json.loads((out / "columns.json").read_text())["tables"]
    tables = {p.name for p in out.glob("*.csv")}
    assert tables <= set(described)
    for table, entries in described.items():
        for e in entries:
            assert e["unit"], (table, e)
            assert "own table" not in e["definition"], (table, e)  # no fallback text
    assert_no_absolute_paths(out)  # study.json named the (absolute) study file
    res = cli("plot", out, "--json")  # a study folder redraws too
    assert res.exit_code == 0, res.output
    assert {Path(p).name for p in json.loads(res.stdout)["plots"]} >= {
        "regret-heatmap.png", "tradeoff.png"}
    front = {e["name"]: e for e in described["front.csv"]}
    assert "rung:4" in front["us_killed"]["definition"]  # the study's outcome, not a count
    res = cli("study", small_study, "--jobs", 1, "--no-plots", "--no-report", "-q", "--out",
              tmp_path / "quiet")
    assert res.exit_code == 0 and res.stdout == ""
    assert not (tmp_path / "quiet" / "report.html").exists()


@pytest.mark.parametrize("columns", [80, 120])
def test_scenarios_are_listed_within_the_terminal(cli, monkeypatch: pytest.MonkeyPatch,
                                                  columns: int) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    res = cli("scenarios")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert len(lines) > 11  # a head line per scenario and its wrapped description
    assert max(len(line) for line in lines) <= columns, max(lines, key=len)
    assert any(line.startswith("baseline-2024-11 ") for line in lines)


def test_the_printed_sweep_summary_names_the_points_of_its_extremes(cli,
                                                                    tmp_path: Path) -> None:
    rate = "militias.iraq_factions.base_rate_per_day"
    res = cli("sweep", "surge-2023", "--vary", f"{rate}=0.01,3", "--set",
              "militias.syria_groups.base_rate_per_day=0.01", "--horizon", 20, "--runs", 6,
              "--jobs", 1, "--no-plots", "--no-report", "--out", tmp_path / "s")
    assert res.exit_code == 0, res.output
    # rung 1 (an attack) is rarer at the low rate: min at point 0, max at point 1
    lines = [x.strip() for x in res.stdout.splitlines()]
    at = next(i for i, x in enumerate(lines) if x.startswith("min at point"))
    assert lines[at:at + 2] == [f"min at point 0 ({rate}=0.01)",
                                f"max at point 1 ({rate}=3)"], res.stdout
