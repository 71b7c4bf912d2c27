"""Studies and comparisons: pairing by seed, a 3 doctrines x 4 states study end to end, the same
bytes on every executor, resume after an interruption, the CLI, and the doctrine search."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import escsim
from escsim.errors import InputError
from escsim.study import compare, load_study, plan_study, run_study
from escsim.sweep import SweepSpec, plan_sweep
from escsim.sweep.executors import ProcessExecutor, SerialExecutor
from escsim.sweep.executors.dask import DaskExecutor
from tests.conftest import check_cli_input_error


def small_study(name: str, runs: int, seed: int, outcome: str = "war",
                threshold: float = 0.5, categories: bool = True) -> str:
    """A small valid study file: two doctrines on surge-2023, one rung outcome, and (with
    ``categories``) Iran's initial posture as the one category; for tests that break it."""
    posture = ('[uncertainties.categories]\n'
               '"iran.initial_posture" = ["permissive", "restraining"]\n' if categories else "")
    return (f'[study]\nname = "{name}"\nruns = {runs}\nseed = {seed}\n'
            '[doctrines.restraint]\n"us_policy.preset" = "restraint"\n'
            '[doctrines.proportional]\n"us_policy.preset" = "proportional"\n'
            '[uncertainties]\nscenarios = ["surge-2023"]\n' + posture
            + f'[outcomes.{outcome}]\nmeasure = "rung:4"\ndirection = "min"\n'
              f'threshold = {threshold}\n')


STUDY = """
[study]
name = "three-by-four"
runs = 8
seed = 7

[doctrines.restraint]
"us_policy.preset" = "restraint"
[doctrines.proportional]
"us_policy.preset" = "proportional"
[doctrines.quick]
"us_policy.preset" = "proportional"
"us_policy.delay_max_days" = 2.0

[uncertainties]
scenarios = ["baseline-2024-11", "gaza-ceasefire"]
[uncertainties.categories]
"iran.initial_posture" = ["permissive", "restraining"]

[outcomes.us_killed]
measure = "rung:4"
direction = "min"
threshold = 0.5
[outcomes.iran_direct]
measure = "rung:6"
direction = "min"
[outcomes.attacks]
measure = "attacks"
direction = "min"

[search]
base = "proportional"
population = 4
generations = 1
runs = 3
[search.ranges]
"us_policy.delay_max_days" = [1.0, 10.0]
"us_policy.respond_prob.damage" = [0.0, 0.5]
"""

TABLES = ("runs.csv", "outcomes.csv", "regret.csv", "ranking.csv", "front.csv",
          "satisficing.csv", "drivers.csv")


@pytest.fixture(scope="module")
def study_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("study") / "three-by-four.toml"
    path.write_text(STUDY, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(study_file: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "study"
    run_study(study_file, out, chunk_runs=5)
    return out


def _bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in TABLES}


# -------------------------------------------------------------------------------- pairing ---
def test_every_doctrine_in_a_state_shares_its_replication_seeds(reference: Path) -> None:
    runs = pd.read_csv(reference / "runs.csv")
    points = pd.read_csv(reference / "points.csv")
    runs = runs.merge(points[["point", "seed_key"]], on="point")
    seeds = runs.groupby(["seed_key", "replication"])["seed"].nunique()
    assert (seeds == 1).all()  # three doctrines, one seed per state x replication
    # and different states draw different seeds
    per_state = runs.groupby("seed_key")["seed"].apply(frozenset)
    assert len(set(per_state)) == runs["seed_key"].nunique() == 2  # 2 postures (x 2 scenarios)
    assert sorted(points["seed_key"].unique()) == [0, 1]


def test_a_sweep_pairs_the_lever_keys_it_is_told_to() -> None:
    vary = ("us_policy.preset=restraint,punitive", "iran.pause_mean_days=90,540")
    paired = plan_sweep(SweepSpec(("baseline-2024-11",), vary, runs=2, pair=(
        "us_policy.preset",)))
    keys = {tuple(p.values): paired.seed_key(p.point) for p in paired.points}
    assert keys[("restraint", 90.0)] == keys[("punitive", 90.0)]
    assert keys[("restraint", 540.0)] == keys[("punitive", 540.0)]
    assert keys[("restraint", 90.0)] != keys[("restraint", 540.0)]
    unpaired = plan_sweep(SweepSpec(("baseline-2024-11",), vary, runs=2))
    assert len({unpaired.seed_key(p.point) for p in unpaired.points}) == 4
    with pytest.raises(InputError, match="not swept"):
        plan_sweep(SweepSpec(("baseline-2024-11",), vary, runs=2, pair=("iran.x",)))


def test_a_policy_change_leaves_the_militias_attacks_before_the_first_us_strike() -> None:
    """Common random numbers by source of chance: restraint and punitive on the same seed give
    every militia attack before the first US strike at the same time, with the same weapon, on
    the same site and with the same outcome -- whatever the two policies drew for the attacks
    they let pass (each policy draws from its own stream)."""
    base = escsim.load_scenario("baseline-2024-11")
    restraint = escsim.with_overrides(base, {"us_policy.preset": "restraint"})
    punitive = escsim.with_overrides(base, {"us_policy.preset": "punitive"})
    strikes = ("strike round", "leadership strike", "strike on Iran")
    compared = differed_after = 0
    for seed in (escsim.replication_seed(5, r) for r in range(12)):
        a, b = escsim.trace(restraint, seed), escsim.trace(punitive, seed)

        def split(t: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
            # the round of 11 Nov 2024 is the scenario's initial state (day 0), not a reply
            hits = t[(t["actor"] == "us") & t["action"].isin(strikes) & (t["day"] > 0)]["day"]
            first = hits.min() if len(hits) else np.inf
            attacks = t[t["action"].str.startswith("attack") & (t["actor"] != "iran")]
            cols = ["day", "actor", "action", "target", "outcome"]
            return (attacks[attacks["day"] < first][cols].reset_index(drop=True),
                    attacks[attacks["day"] >= first][cols].reset_index(drop=True))

        (pa, after_a), (pb, after_b) = split(a), split(b)
        n = min(len(pa), len(pb))  # up to the earlier of the two first strikes
        pd.testing.assert_frame_equal(pa.iloc[:n], pb.iloc[:n])
        compared += n
        differed_after += not after_a.equals(after_b)
    assert compared > 12  # the check compared real attacks
    assert differed_after > 0  # and the policies did change what came after


def test_compare_pairs_the_runs_and_differences_them() -> None:
    base = escsim.load_scenario("us-restraint")
    cmp = compare(base, ["us-punitive"], runs=30, seed=3)
    sims = cmp.simulations
    assert list(sims["us-restraint"].runs["seed"]) == list(sims["us-punitive"].runs["seed"])
    d = cmp.differences.set_index("measure")
    k = "rung_5_reached"
    assert d.loc[k, "difference"] == pytest.approx(
        sims["us-punitive"].runs["day_rung_5"].notna().mean()
        - sims["us-restraint"].runs["day_rung_5"].notna().mean())
    assert (cmp.differences["low"] <= cmp.differences["difference"]).all()
    assert (cmp.differences["difference"] <= cmp.differences["high"]).all()
    fig = cmp.plot()
    assert len(fig.axes) == 2


# ---------------------------------------------------------------------------- the study ---
def test_a_three_by_four_study_end_to_end(reference: Path) -> None:
    outcomes = pd.read_csv(reference / "outcomes.csv")
    assert outcomes.groupby("outcome").size().to_dict() == {"attacks": 12, "iran_direct": 12,
                                                            "us_killed": 12}
    assert set(outcomes["doctrine"]) == {"restraint", "proportional", "quick"}
    assert outcomes["state"].nunique() == 4
    assert (outcomes["low"] <= outcomes["value"]).all()
    # each outcome value is the mean of its cell in runs.csv
    runs = pd.read_csv(reference / "runs.csv")
    cell = runs[(runs["scenario"] == "gaza-ceasefire") &
                (runs["us_policy.delay_max_days"] == 2.0) &
                (runs["iran.initial_posture"] == "restraining")]
    assert len(cell) == 8
    row = outcomes[(outcomes.doctrine == "quick") & (outcomes.outcome == "attacks") &
                   (outcomes.state == "gaza-ceasefire initial_posture=restraining")]
    assert row["value"].item() == pytest.approx(cell["attacks"].mean())
    regret = pd.read_csv(reference / "regret.csv")
    best = regret[regret.outcome != "relative_regret"].groupby(["state", "outcome"])["regret"]
    assert (best.min() == 0).all()  # some doctrine is best in every state
    ranking = pd.read_csv(reference / "ranking.csv")
    assert sorted(ranking["doctrine"]) == ["proportional", "quick", "restraint"]
    assert (ranking["rank_low"] <= ranking["rank"]).all()
    assert (ranking["rank"] <= ranking["rank_high"]).all()
    front = pd.read_csv(reference / "front.csv")
    assert front["non_dominated"].any()
    report = (reference / "report.md").read_text()
    assert "most robust:" in report and "not forecasts" in report
    for png in ("regret-heatmap.png", "tradeoff.png", "parallel-coordinates.png"):
        assert (reference / "plots" / png).stat().st_size > 0
    study = json.loads((reference / "study.json").read_text())
    assert study["most_robust"] == ranking["doctrine"].iloc[0]
    # every per-state table says which window its numbers cover, after the state (and its
    # scenario)
    states = pd.read_csv(reference / "states.csv")
    for table in (states, outcomes, regret):
        cols = list(table.columns)
        at = cols.index("scenario" if "scenario" in cols else "state") + 1
        assert cols[at:at + 2] == ["start_date", "horizon_days"]
    for s in states.itertuples():
        meta = escsim.load_scenario(s.scenario).scenario
        assert (s.start_date, s.horizon_days) == (str(meta.start_date), meta.horizon_days)
    assert outcomes["start_date"].notna().all() and regret["horizon_days"].notna().all()


def test_study_bytes_do_not_depend_on_the_executor(study_file: Path, reference: Path,
                                                   tmp_path: Path) -> None:
    for name, make in (("process", lambda: ProcessExecutor(2)),
                       ("dask", lambda: DaskExecutor(2, processes=False))):
        executor = make()
        try:
            run_study(study_file, tmp_path / name, executor=executor, chunk_runs=7, plots=False)
        finally:
            executor.close()
        assert _bytes(tmp_path / name) == _bytes(reference), name


def test_an_interrupted_study_resumes_without_loss(study_file: Path, reference: Path,
                                                   tmp_path: Path, interrupt_after: Any) -> None:
    out = tmp_path / "s"
    with pytest.raises(KeyboardInterrupt):
        run_study(study_file, out, executor=interrupt_after(after=4), chunk_runs=5, plots=False)
    assert not (out / "runs.csv").exists()
    assert len(list((out / "parts").glob("chunk-*.csv"))) == 4
    report = run_study(study_file, out, resume=True, plots=False)
    assert report.run is not None and report.run.chunks_run == 96 // 5 + 1 - 4
    assert _bytes(out) == _bytes(reference)


def test_study_file_errors_name_the_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(STUDY.replace('direction = "min"\nthreshold', 'direction = "least"\n'
                                 'threshold', 1), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_study(bad)
    assert exc.value.file == str(bad) and exc.value.key == "outcomes.us_killed.direction"
    typo = tmp_path / "typo.toml"
    typo.write_text(STUDY.replace('"us_policy.delay_max_days" = 2.0',
                                  '"us_policy.delay_max_days" = -2.0'), encoding="utf-8")
    with pytest.raises(InputError) as exc:
        plan_study(load_study(typo))
    assert exc.value.file == str(typo) and "delay_max_days" in str(exc.value)
    mech = tmp_path / "mech.toml"
    mech.write_text(STUDY.replace('"iran.initial_posture" = ["permissive", "restraining"]',
                                  '"iran.initial_posture" = ["permissive", "furious"]'),
                    encoding="utf-8")
    with pytest.raises(InputError, match="furious"):
        plan_study(load_study(mech))


def test_cli_study_and_its_bad_input(cli: Any, study_file: Path, tmp_path: Path,
                                     reference: Path) -> None:
    res = cli("study", study_file, "--out", tmp_path / "cli", "--executor", "serial",
              "--no-plots")
    assert res.exit_code == 0, res.output
    assert "most robust:" in res.stdout and "max regret" in res.stdout
    assert (tmp_path / "cli" / "ranking.csv").read_bytes() == \
        (reference / "ranking.csv").read_bytes()
    bad = tmp_path / "bad.toml"
    bad.write_text(STUDY.replace("runs = 8", "runs = 0"), encoding="utf-8")
    check_cli_input_error(cli("study", bad, "--out", tmp_path / "x"), str(bad), "study.runs")


def test_cli_run_with_a_base_writes_paired_differences(cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    res = cli("run", "us-restraint", "us-punitive", "--base", "us-restraint", "--runs", "12",
              "--executor", "serial", "--out", out, "--no-plots")
    assert res.exit_code == 0, res.output
    d = pd.read_csv(out / "differences.csv")
    assert set(d["variant"]) == {"us-punitive"} and set(d["base"]) == {"us-restraint"}
    assert "us-punitive - us-restraint: paired on 12 common seeds" in res.stdout
    res = cli("compare", "us-restraint", "us-punitive", "--runs", "12", "--executor", "serial",
              "--out", tmp_path / "cmp2", "--no-plots")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "cmp2" / "differences.csv").read_bytes() == \
        (out / "differences.csv").read_bytes()
    # the forest plot of the saved table (what `compare` without --no-plots writes)
    from escsim.plotting.study import plot_differences
    from escsim.simulation import write_differences

    folders = [tmp_path / "cmp2" / "us-restraint", tmp_path / "cmp2" / "us-punitive"]
    write_differences(tmp_path / "cmp2", folders, "us-restraint", plots=True)
    assert (tmp_path / "cmp2" / "plots" / "differences.png").stat().st_size > 0
    assert len(plot_differences(pd.read_csv(out / "differences.csv")).axes) == 2
    check_cli_input_error(cli("run", "us-restraint", "us-punitive", "--base", "nope",
                              "--out", tmp_path / "c3"), "--base", "nope")


def test_printed_rung_probabilities_keep_small_tails(cli: Any, tmp_path: Path) -> None:
    res = cli("run", "us-restraint", "--runs", "40", "--executor", "serial", "--out",
              tmp_path / "r", "--no-plots")
    assert res.exit_code == 0, res.output
    # a zero prints as 0, a tail as e.g. 5e-05: never a bare 0.000 (0.000633 is fine)
    assert not re.search(r"\b0\.000(?!\d)", res.stdout), res.stdout
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    low = min(r["ci_high"] for r in summary["rung_probability"])
    assert f"{low:.3g}" in res.stdout


def test_doctrine_search_returns_a_front_with_the_presets(study_file: Path) -> None:
    # pymoo is in the test extra (and escsim[search]): the search is tested, never skipped
    from escsim.study.search import search_doctrines

    spec = load_study(study_file)
    found = search_doctrines(spec, executor=SerialExecutor())
    table = found.table
    assert (table["kind"] == "study doctrine").sum() == 3
    assert (table["kind"] == "candidate").sum() == 4  # one generation of four
    assert table["non_dominated"].any()
    cands = table[table["kind"] == "candidate"]
    assert cands["us_policy.delay_max_days"].between(1.0, 10.0).all()
    again = search_doctrines(spec, executor=SerialExecutor())
    pd.testing.assert_frame_equal(table, again.table)


def test_a_killed_study_resumes_without_loss(study_file: Path, reference: Path,
                                             tmp_path: Path) -> None:
    """SIGKILL `escsim study` mid-run, then `--resume`: the same tables as an uninterrupted
    study, no run missing or doubled."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "s"
    args = [sys.executable, "-m", "escsim.cli", "study", str(study_file), "--out", str(out),
            "--executor", "serial", "--chunk-runs", "1", "--no-plots"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((out / "parts").glob("chunk-*.csv"))) >= 30:
            break
        time.sleep(0.002)
    assert proc.poll() is None, "the study finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "runs.csv").exists()
    resumed = subprocess.run([*args, "--resume"], capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert _bytes(out) == _bytes(reference)
    sessions = json.loads((out / "manifest.json").read_text())["sessions"]
    # 30 part files were on disk at the kill; the last may not have reached the chunk log yet
    # (a part is written, then logged: the serial executor has one chunk in flight), and resume
    # runs an unlogged part again
    assert len(sessions) == 2 and sessions[1]["chunks_before"] >= 29


def test_posture_levers_cross_the_doctrines_and_ranges_are_sampled(tmp_path: Path) -> None:
    text = STUDY.replace("[uncertainties]\n", '[posture]\n"sites.syria.troops" = [900, 400]\n\n'
                         "[uncertainties]\nsamples = 3\n", 1).replace(
        "[uncertainties.categories]",
        '[uncertainties.ranges]\n"iran.pause_mean_days" = [90.0, 1080.0]\n\n'
        "[uncertainties.categories]", 1)
    path = tmp_path / "posture.toml"
    path.write_text(text, encoding="utf-8")
    plan = plan_study(load_study(path))
    assert len(plan.doctrines) == 6  # 3 doctrines x 2 troop levels
    assert "restraint @ syria=400" in plan.doctrine_names
    assert plan.lever_keys == ["sites.syria.troops", "us_policy.delay_max_days",
                               "us_policy.preset"]
    assert len(plan.states) == 2 * 2 * 3  # scenarios x postures of Iran x LHS samples
    pauses = {dict(s.values)["iran.pause_mean_days"] for s in plan.states}
    assert len(pauses) == 3 and all(90.0 <= p <= 1080.0 for p in pauses)
    # every lever setting in a state shares the state's seed key
    keys = {}
    for p in range(plan.sweep.n_points):
        d, s = plan.cell(p)
        keys.setdefault(s, set()).add(plan.sweep.seed_key(p))
    assert all(len(k) == 1 for k in keys.values())


def test_parameter_uncertainty_draws_are_paired_across_doctrines(tmp_path: Path) -> None:
    """With parameter_uncertainty, replication r of every doctrine in a state draws the same
    uncertain parameters (they derive from the shared seed)."""
    text = """
[study]
runs = 3
seed = 2
[doctrines.restraint]
"us_policy.preset" = "restraint"
[doctrines.punitive]
"us_policy.preset" = "punitive"
[uncertainties]
scenarios = ["surge-2023"]
parameter_uncertainty = "prior"
[outcomes.us_killed]
measure = "rung:4"
"""
    path = tmp_path / "prior.toml"
    path.write_text(text, encoding="utf-8")
    report = run_study(path, tmp_path / "out", plots=False)
    runs = pd.read_csv(tmp_path / "out" / "runs.csv")
    drawn = [c for c in runs.columns if c.startswith("drawn_")]
    assert drawn
    by = runs.set_index(["us_policy.preset", "replication"])[drawn]
    pd.testing.assert_frame_equal(by.loc["restraint"], by.loc["punitive"])
    assert len(report.outcomes) == 2


def test_a_study_estimates_the_rare_rung_per_doctrine_and_state(cli: Any, study_file: Path,
                                                                  tmp_path: Path) -> None:
    """``escsim study ... --tail splitting``: one splitting estimate per doctrine x state point
    (tail.csv), on the study's root seed, the same bytes on a process pool as serially."""
    tables = {}
    for executor in ("serial", "process"):
        out = tmp_path / executor
        res = cli("study", study_file, "--out", out, "--executor", executor, "-j", "2",
                  "--no-plots", "--tail", "splitting", "--rung", "6",
                  "--tail-repetitions", "2", "--tail-effort", "8")
        assert res.exit_code == 0, res.output
        tables[executor] = (out / "tail.csv").read_bytes()
    assert tables["serial"] == tables["process"]
    tail = pd.read_csv(tmp_path / "serial" / "tail.csv")
    points = pd.read_csv(tmp_path / "serial" / "points.csv")
    assert list(tail.point) == list(points.point) and (tail.rung == 6).all()
    assert ((tail.estimate >= 0) & (tail.estimate <= 1)).all()
