"""Result folders a researcher can trust, replay and share: the manifest says what made the
result, the resolved scenario loads back, seeds survive any CSV reader, a row replays by index,
every column is described, the folder reads back, every kind of folder redraws, and no written
file holds an absolute path."""

from __future__ import annotations

import contextlib
import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import escsim
from escsim.engine import SEED_BITS, replication_seed
from escsim.results.provenance import LIBRARIES
from escsim.scenario.dump import scenario_toml

OVERRIDES = ("militias.iraq_factions.restraint_compliance=0.8", "us_policy.preset=punitive")
REPO = Path(__file__).resolve().parents[1]


# ------------------------------------------------------------------------- resolved scenario ---
@pytest.mark.parametrize("name", sorted(escsim.bundled_scenarios()))
@pytest.mark.parametrize("overrides", [(), OVERRIDES], ids=["as-bundled", "with-overrides"])
def test_resolved_scenario_loads_back_to_the_same_parameters(name: str, overrides: tuple,
                                                             tmp_path: Path) -> None:
    s = escsim.load_scenario(name, list(overrides))
    text = scenario_toml(s)
    tomllib.loads(text)  # valid TOML
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    back = escsim.load_scenario(path)
    assert back.param_hash == s.param_hash
    assert back == s  # every parameter, not only the hash
    # provenance survives as fields the loader reads: facts stay cited
    cited = [k for k, v in s.provenance.items() if v.startswith("fact ")]
    assert cited and all(back.provenance[k].startswith("fact ") for k in cited)


# ------------------------------------------------------------------------------------- seeds ---
def test_replication_seeds_survive_a_reader_of_doubles() -> None:
    seeds = np.array([replication_seed(root, r, p) for root in (0, 1, 20231017, 2**63 - 1)
                      for p in (0, 7) for r in range(200)], dtype=np.int64)
    assert (seeds >= 0).all() and (seeds < 2**SEED_BITS).all()
    assert len(set(seeds.tolist())) == len(seeds)
    # what R, Excel or a float column does to a seed: it comes back exactly
    assert (seeds.astype(np.float64).astype(np.int64) == seeds).all()
    # the seeds use all 53 bits (not a smaller range): the largest of 3200 is near the top
    assert seeds.max() > 2**(SEED_BITS - 1)


# ------------------------------------------------------------------------------- run folders ---
@pytest.fixture(scope="module")
def variant(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run with two overrides, in its default folder under a temporary working directory."""
    from click.testing import CliRunner

    from escsim.cli import main

    cwd = tmp_path_factory.mktemp("work")
    runner = CliRunner()
    with contextlib.chdir(cwd):
        args = ["run", "baseline-2024-11", "--runs", "12", "--seed", "3", "--jobs", "1",
                *(x for o in OVERRIDES for x in ("--set", o))]
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
    return cwd / "results" / "baseline-2024-11+2-overrides"


def test_variant_folder_is_named_and_titled_by_its_overrides(variant: Path) -> None:
    assert variant.is_dir()
    summary = json.loads((variant / "summary.json").read_text())
    assert summary["title"] == "baseline-2024-11+2-overrides"
    assert summary["overrides"] == list(OVERRIDES)


def test_manifest_says_what_made_the_result(variant: Path) -> None:
    m = json.loads((variant / "manifest.json").read_text())
    assert m["kind"] == "run" and m["root_seed"] == 3
    assert m["command"].startswith("escsim run baseline-2024-11 --runs 12")
    assert all(f"--set {o}" in m["command"] for o in OVERRIDES)
    assert set(m["versions"]) == {"escsim", "python", *LIBRARIES}
    assert len(m["code_hash"]) == 12
    (entry,) = m["scenarios"]
    assert entry["overrides"] == list(OVERRIDES)
    assert entry["source"] == "scenarios/baseline-2024-11.toml"
    assert entry["resolved"] == "scenario.toml"
    runs = pd.read_csv(variant / "runs.csv")
    assert escsim.load_scenario(variant / entry["resolved"]).param_hash == \
        entry["param_hash"] == runs["param_hash"].iloc[0]


def test_the_resolved_scenario_reruns_to_the_same_table(variant: Path, tmp_path: Path) -> None:
    again = escsim.simulate(escsim.load_scenario(variant / "scenario.toml"), runs=12, seed=3)
    stored = pd.read_csv(variant / "runs.csv")
    pd.testing.assert_frame_equal(again.runs.reset_index(drop=True), stored,
                                  check_dtype=False)


def test_every_column_of_every_table_is_described(variant: Path) -> None:
    described = json.loads((variant / "columns.json").read_text())["tables"]
    assert set(described) == {"runs.csv", "daily.csv"}
    for table, entries in described.items():
        header = list(pd.read_csv(variant / table, nrows=0).columns)
        assert [e["name"] for e in entries] == header
        for e in entries:
            assert e["unit"] and e["definition"], (table, e)
            assert "swept key" not in e["definition"], (table, e)  # no fallback in a run


def test_trace_replays_a_row_by_index_and_checks_it(variant: Path, cli, cli_input_error,
                                                    tmp_path: Path) -> None:
    runs = pd.read_csv(variant / "runs.csv")
    res = cli("trace", variant, "--replication", 4, "--out", tmp_path / "t4")
    assert res.exit_code == 0, res.output
    assert f"seed {runs.seed[4]}" in res.stdout and "every count identical" in res.stdout
    trace_row = pd.read_csv(tmp_path / "t4" / "trace.csv")
    assert (trace_row["actor"] != "").all()
    # a row that does not match what the seed gives is reported, not silently replayed
    tampered = tmp_path / "tampered"
    import shutil

    shutil.copytree(variant, tampered)
    runs.loc[4, "attacks"] += 1
    runs.to_csv(tampered / "runs.csv", index=False)
    cli_input_error(cli("trace", tampered, "--replication", 4, "--out", tmp_path / "t5"),
                    "does not reproduce", "attacks")
    cli_input_error(cli("trace", variant, "--replication", 99, "--out", tmp_path / "t6"),
                    "no such replication", "0..11")


def test_read_run_is_the_inverse_of_writing(variant: Path, tmp_path: Path) -> None:
    r = escsim.read_run(variant)
    assert r.kind == "run"
    pd.testing.assert_frame_equal(r.runs, pd.read_csv(variant / "runs.csv"))
    pd.testing.assert_frame_equal(r.daily, pd.read_csv(variant / "daily.csv"))
    assert r.summary == json.loads((variant / "summary.json").read_text())
    assert r.manifest["root_seed"] == 3
    assert list(r.columns["runs.csv"]["name"]) == list(r.runs.columns)
    assert r.scenario_file is not None
    # and for an in-memory simulation written by the API
    sim = escsim.simulate(escsim.load_scenario("surge-2023"), runs=5, seed=2)
    back = escsim.read_run(escsim.write_simulation(sim, tmp_path / "api", plots=False))
    pd.testing.assert_frame_equal(back.runs, sim.runs, check_dtype=False)
    assert back.summary["root_seed"] == 2 and back.manifest["kind"] == "run"


# -------------------------------------------------------------------- no absolute paths ---
def _text_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.suffix in
            (".json", ".csv", ".toml", ".md", ".html", ".txt")]


def assert_no_absolute_paths(folder: Path) -> None:
    """No written file names a place on the writer's disk."""
    roots = {str(folder.resolve()), str(Path.cwd().resolve()), str(REPO), str(Path.home())}
    roots |= {str(Path(r).parent) for r in list(roots) if Path(r).parent != Path("/")}
    import re

    for path in _text_files(folder):
        text = path.read_text(encoding="utf-8")
        for root in roots:
            # a relative path may pass through the root (../../tmp/x): only an absolute one,
            # not preceded by '..', is a leak
            assert not re.search(r"(?<!\.\.)" + re.escape(root), text), (path, root)


def test_no_written_file_holds_an_absolute_path(variant: Path, cli, tmp_path: Path) -> None:
    assert_no_absolute_paths(variant)
    out = tmp_path / "bt"
    res = cli("backtest", "--runs", 10, "--jobs", 1, "--no-plots", "--out", out)
    assert res.exit_code == 0, res.output
    assert (out / "manifest.json").is_file() and (out / "scenario.toml").is_file()
    assert_no_absolute_paths(out)


# ------------------------------------------------------------------------------- escsim plot ---
def test_plot_redraws_every_kind_of_folder(cli, tmp_path: Path) -> None:
    run = tmp_path / "run"
    both = tmp_path / "both"
    bt = tmp_path / "bt"
    for args in (("run", "surge-2023", "--out", run), ("run", "surge-2023", "us-punitive",
                                                          "--out", both),
                 ("backtest", "--out", bt)):
        res = cli(*args, "--runs", 10, "--jobs", 1, "--no-plots")
        assert res.exit_code == 0, res.output
    for folder, expected in ((run, "survival.png"), (both, "rungs.png"),
                             (bt, "attacks.png")):
        res = cli("plot", folder, "--json")
        assert res.exit_code == 0, res.output
        drawn = json.loads(res.stdout)["plots"]
        assert any(Path(p).name == expected for p in drawn), drawn
        assert all(Path(p).is_file() for p in drawn)


# ------------------------------------------------------------------------- quiet and json ---
def test_quiet_prints_nothing_and_json_prints_only_json(cli, tmp_path: Path) -> None:
    quiet = cli("run", "surge-2023", "--runs", 4, "--jobs", 1, "--no-plots", "-q",
                "--out", tmp_path / "q")
    assert quiet.exit_code == 0 and quiet.stdout == "" and quiet.stderr == ""
    as_json = cli("run", "surge-2023", "--runs", 4, "--jobs", 1, "--no-plots", "--json",
                  "--out", tmp_path / "j")
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.stdout)
    assert data["summaries"][0]["runs"] == 4
    for command in ("scenarios", "facts"):
        res = cli(command, "--json")
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)


def test_name_sets_folder_and_title(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = cli("run", "surge-2023", "--runs", 3, "--jobs", 1, "--no-plots", "--name", "mine")
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "results" / "mine" / "summary.json").read_text())[
        "title"] == "mine"
