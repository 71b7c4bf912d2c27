"""The applications: a command is a plain function a notebook can call, and the command line
prints exactly what it returns; one table of kinds names each folder's application."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

from escsim.apps import AppResult, UsageError
from escsim.apps import run as run_app
from escsim.results.kinds import KINDS, folder_kind, recognise


def test_every_kind_names_an_application_that_redraws_it() -> None:
    for kind in KINDS.values():
        module = importlib.import_module(f"escsim.apps.{kind.app}")
        assert callable(getattr(module, kind.redraw)), kind


def test_the_function_returns_what_the_command_prints(cli, tmp_path: Path) -> None:
    args = dict(runs=12, seed=3, executor="serial", plots=False, report=False)
    result = run_app(["surge-2023"], out=tmp_path / "f", **args)
    assert isinstance(result, AppResult) and result.folder == tmp_path / "f"
    assert result.tables["runs"].shape[0] == 12  # the folder's tables, as DataFrames
    printed = cli("run", "surge-2023", "-n", 12, "-s", 3, "--executor", "serial", "--no-plots",
                  "--no-report", "--out", tmp_path / "c")
    assert printed.exit_code == 0, printed.output
    assert printed.stdout == "".join(f"{line}\n" for line in result.lines).replace(
        str(tmp_path / "f"), str(tmp_path / "c"))
    as_json = cli("run", "surge-2023", "-n", 12, "-s", 3, "--executor", "serial",
                  "--no-plots", "--no-report", "--out", tmp_path / "j", "--json")
    assert [s["rung_probability"] for s in json.loads(as_json.stdout)["summaries"]] == \
        [s["rung_probability"] for s in result.json["summaries"]]


def test_arguments_that_do_not_go_together_are_a_usage_error(cli) -> None:
    with pytest.raises(UsageError, match="--all"):
        run_app([])
    res = cli("run")
    assert res.exit_code == 2 and "Usage:" in res.stderr and " run [OPTIONS]" in res.stderr
    assert "give at least one SCENARIO, or --all" in res.stderr


def test_a_folder_whose_manifest_names_no_kind_is_recognised_by_its_files(tmp_path: Path
                                                                         ) -> None:
    legacy = tmp_path / "old"
    legacy.mkdir()
    for name in ("runs.csv", "daily.csv"):
        (legacy / name).write_text("a\n1\n", encoding="utf-8")
    (legacy / "summary.json").write_text("{}", encoding="utf-8")
    assert recognise(legacy) == "run" and folder_kind(legacy).name == "run"
    (legacy / "daily.csv").unlink()
    with pytest.raises(Exception, match="incomplete run folder"):
        folder_kind(legacy)
