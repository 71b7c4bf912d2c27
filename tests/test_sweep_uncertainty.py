"""Sweeps with parameter uncertainty: each point x replication draws the uncertain parameters the
sweep leaves free, from its own seed; swept keys keep their point's values."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import Result

import escsim
from escsim.analysis.sweep_summary import summary_columns
from escsim.errors import InputError
from escsim.scenario.priors import default_priors_path, make_sampler, resolve_priors
from escsim.sweep import SweepSpec, plan_sweep, read_sweep, run_sweep, sweep
from escsim.sweep.executors import ProcessExecutor
from escsim.sweep.run import make_chunk

SWEPT = "militias.iraq_factions.base_rate_per_day"  # a prior of its own: not drawn at all
EXCITE = "militias.iraq_factions.excitation_per_round"  # one of excitation_scale's two keys
SHORT = "scenario.horizon_days=60"
SPEC = SweepSpec(("surge-2023",), (f"{SWEPT}=0.5,1.5", f"{EXCITE}=0,1"), runs=6, seed=7,
                 overrides=(SHORT,), parameter_uncertainty="prior")
TABLES = ("runs.csv", "summary.csv", "points.csv", "design.json")
Cli = Callable[..., Result]


def _tables(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in TABLES}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SPEC run serially, one replication per chunk."""
    out = tmp_path_factory.mktemp("ref") / "sweep"
    run_sweep(plan_sweep(SPEC), out, chunk_runs=1)
    return out


@pytest.fixture(scope="module")
def surge_short() -> escsim.Scenario:
    return escsim.load_scenario("surge-2023", {"scenario.horizon_days": 60})


def test_drawn_columns_vary_and_come_from_each_rows_seed(reference: Path,
                                                         surge_short: escsim.Scenario) -> None:
    s = read_sweep(reference)
    runs = s.runs
    sampler = make_sampler(surge_short, "prior")
    assert sampler is not None
    drawn = [c for c in sampler.columns if c != f"drawn_{SWEPT}"]
    assert [c for c in runs.columns if c.startswith("drawn_")] == drawn
    assert len(runs) == 4 * 6 and len(s.summary) == 4
    # every replication draws afresh, within a point and across points
    assert (runs.groupby("point")[drawn].nunique() == 6).all().all()
    assert runs[drawn].nunique().min() == len(runs)
    # the values are the full sampler's draws from the row's seed, the swept entry left out
    keep = [sampler.columns.index(c) for c in drawn]
    for _, row in runs.iterrows():
        np.testing.assert_array_equal(sampler.draw(int(row["seed"]))[keep],
                                      row[drawn].to_numpy(dtype=float))
    m = s.manifest
    assert m["spec"]["parameter_uncertainty"] == "prior"
    u = m["parameter_uncertainty"]["scenarios"][0]
    assert u["fixed_by_sweep"] == {SWEPT: [SWEPT], "excitation_scale": [EXCITE]}
    assert u["dropped"] == [SWEPT] and u["content_sha256"]
    # the per-point summary keeps its columns; it is over chance and parameter uncertainty
    plain = plan_sweep(dataclasses.replace(SPEC, parameter_uncertainty="none"))
    assert list(s.summary.columns) == summary_columns(plain.keys, plain.rungs)
    assert plain.columns == [c for c in plan_sweep(SPEC).columns if not c.startswith("drawn_")]
    for point, rows in runs.groupby("point"):
        # the summary keeps six decimals
        assert s.summary.loc[point, "p_rung_4"] == pytest.approx(
            rows["day_rung_4"].notna().mean(), abs=5e-7)
        assert s.summary.loc[point, "mean_attacks"] == pytest.approx(rows["attacks"].mean())


def test_a_swept_key_keeps_its_point_value(reference: Path) -> None:
    """A row reruns from the loader: swept values as given, the drawn ones as overrides (a
    scale prior over a swept and an unswept key scales the unswept one only)."""
    runs = read_sweep(reference).runs
    assert f"drawn_{SWEPT}" not in runs.columns
    assert (runs.groupby("point")[[SWEPT, EXCITE]].nunique() == 1).all().all()
    assert sorted(set(runs[SWEPT])) == [0.5, 1.5] and sorted(set(runs[EXCITE])) == [0.0, 1.0]
    syria = escsim.load_scenario("surge-2023").militias["syria_groups"].excitation_per_round
    for i in (0, 9, 23):
        row = runs.iloc[i]
        drawn = {c[len("drawn_"):]: float(row[c]) for c in runs.columns
                 if c.startswith("drawn_")}
        point = {"scenario.horizon_days": 60, SWEPT: float(row[SWEPT]),
                 EXCITE: float(row[EXCITE])}
        full = escsim.load_scenario("surge-2023", {
            **point, **_overrides(escsim.load_scenario("surge-2023", point), drawn)})
        assert full.militias["iraq_factions"].base_rate_per_day == row[SWEPT]
        assert full.militias["iraq_factions"].excitation_per_round == row[EXCITE]
        assert full.militias["syria_groups"].excitation_per_round == \
            pytest.approx(drawn["excitation_scale"] * syria)
        rec = escsim.run_replication(full, int(row["seed"]), int(row["replication"]),
                                     int(row["point"]))
        assert rec["param_hash"] != row["param_hash"]  # the row keeps its point's hash
        for col in ("attacks", "us_wounded", "us_killed", "us_strikes", "max_rung", "end_day"):
            assert rec[col] == row[col], col


def _overrides(scenario: escsim.Scenario, drawn: dict[str, float]) -> dict[str, Any]:
    """``--set`` values of the drawn priors, without the swept keys."""
    priors = resolve_priors(scenario)
    kept = [p for p in priors.priors if p.name in drawn]
    idx = [priors.priors.index(p) for p in kept]
    sub = dataclasses.replace(priors, priors=tuple(kept),
                              targets=tuple(priors.targets[i] for i in idx))
    out = sub.overrides(scenario, [drawn[p.name] for p in kept])
    return {k: v for k, v in out.items() if k not in (SWEPT, EXCITE)}


@pytest.mark.parametrize("chunk_runs", [5, 24])
def test_tables_do_not_depend_on_chunking(reference: Path, tmp_path: Path,
                                          chunk_runs: int) -> None:
    run_sweep(plan_sweep(SPEC), tmp_path / "s", chunk_runs=chunk_runs)
    assert _tables(tmp_path / "s") == _tables(reference)


def test_serial_and_two_processes_give_identical_bytes(reference: Path, tmp_path: Path) -> None:
    pool = ProcessExecutor(2)
    try:
        run_sweep(plan_sweep(SPEC), tmp_path / "s", executor=pool, chunk_runs=4)
    finally:
        pool.close()
    assert _tables(tmp_path / "s") == _tables(reference)


def test_cli_sweep_draws_and_says_what_it_fixed(cli: Cli, reference: Path,
                                                tmp_path: Path) -> None:
    out = tmp_path / "s"
    res = cli("sweep", "surge-2023", "--vary", SPEC.vary[0], "--vary", SPEC.vary[1],
              "--runs", 6, "--seed", 7, "--set", SHORT, "--parameter-uncertainty", "prior",
              "--jobs", 2, "--chunk-runs", 7, "--no-plots", "--out", out)
    assert res.exit_code == 0, (res.output, res.exception)
    assert _tables(out) == _tables(reference)
    assert "9 parameters drawn per replication from the prior (scenarios/priors/" in res.stdout, \
        res.stdout
    assert f"fixed by the sweep, not drawn: {SWEPT}, excitation_scale ({EXCITE})" in res.stdout


def test_point_zero_draws_what_escsim_run_draws(surge_short: escsim.Scenario,
                                                tmp_path: Path) -> None:
    """Seed key 0 has the seeds of `escsim run`, and an unswept prior draws the same values."""
    spec = dataclasses.replace(SPEC, vary=("iran.pause_mean_days=40,90",))
    run_sweep(plan_sweep(spec), tmp_path / "s")
    runs = read_sweep(tmp_path / "s").runs
    point = escsim.load_scenario("surge-2023", {"scenario.horizon_days": 60,
                                                "iran.pause_mean_days": 40})
    sim = escsim.simulate(point, runs=6, seed=7, parameters=make_sampler(point, "prior"))
    cols = ["seed", "attacks", "us_killed", "max_rung", *sim.runs.filter(like="drawn_").columns]
    assert len(cols) == 4 + 10
    pd.testing.assert_frame_equal(runs[runs.point == 0].reset_index(drop=True)[cols],
                                  sim.runs[cols], check_dtype=False)


def test_a_swept_preset_fixes_the_values_it_sets() -> None:
    """us_policy.preset sets respond_prob.*: those priors are not drawn either."""
    plan = plan_sweep(SweepSpec(("surge-2023",), ("us_policy.preset=restraint,punitive",),
                                runs=2, parameter_uncertainty="prior"))
    assert plan.uncertainty is not None
    u = plan.uncertainty.scenarios[0]
    assert set(u.dropped) == {"respond_scale", "us_policy.respond_prob.injuries"}
    assert "drawn_respond_scale" not in plan.columns and "drawn_fatal_scale" in plan.columns
    # the scenario's own preset is no change: nothing is fixed
    own = escsim.load_scenario("surge-2023").us_policy.preset
    plan = plan_sweep(SweepSpec(("surge-2023",), (f"us_policy.preset={own}",), runs=2,
                                parameter_uncertainty="prior"))
    assert plan.uncertainty is not None and plan.uncertainty.scenarios[0].fixed == {}


def test_posterior_draws_are_particles(surge_short: escsim.Scenario, tmp_path: Path) -> None:
    priors = resolve_priors(surge_short)
    values = priors.sample(np.random.default_rng(0), 3)
    table = pd.DataFrame(values, columns=priors.columns)
    table["weight"] = [1.0, 0.0, 2.0]
    cal = tmp_path / "calibrate"
    cal.mkdir()
    table.to_csv(cal / "posterior.csv", index=False)
    (cal / "priors.toml").write_text(priors.text, encoding="utf-8")
    res = sweep("surge-2023", vary=[f"{SWEPT}=0.5,1.5"], runs=10, seed=3, overrides=[SHORT],
                out=tmp_path / "s", parameter_uncertainty="posterior", posterior=cal)
    runs = read_sweep(res.folder).runs
    drawn = [c for c in priors.columns if c != f"drawn_{SWEPT}"]
    assert [c for c in runs.columns if c.startswith("drawn_")] == drawn
    particles = table[drawn].to_numpy()
    picked = [int(np.flatnonzero((particles == r).all(axis=1))[0])
              for r in runs[drawn].to_numpy()]
    assert set(picked) == {0, 2}  # the weight-0 particle is never drawn
    u = read_sweep(res.folder).manifest["parameter_uncertainty"]
    assert u["mode"] == "posterior" and u["scenarios"][0]["posterior"].endswith("posterior.csv")


class _StopAfter:
    """Runs two chunks, then is interrupted (as Ctrl-C would)."""

    name = "stopping"
    workers = 1

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        for i, item in enumerate(items):
            if i == 2:
                raise KeyboardInterrupt
            yield fn(item)

    def close(self) -> None:
        pass


def test_resume_finishes_the_same_tables_and_refuses_changes(
        reference: Path, tmp_path: Path, cli: Cli, cli_input_error: Callable[..., str]) -> None:
    priors = tmp_path / "priors.toml"
    priors.write_text(default_priors_path("surge-2023").read_text(encoding="utf-8"),
                      encoding="utf-8")
    spec = dataclasses.replace(SPEC, priors=str(priors))
    out = tmp_path / "s"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(plan_sweep(spec), out, executor=_StopAfter(), chunk_runs=5)
    # a changed mode (here: none), on the command line too
    with pytest.raises(InputError, match="differs") as err:
        run_sweep(plan_sweep(dataclasses.replace(spec, parameter_uncertainty="none",
                                                 priors=None)), out, resume=True)
    assert "parameter_uncertainty" in str(err.value)
    cli_input_error(cli("sweep", "surge-2023", "--vary", SPEC.vary[0], "--vary", SPEC.vary[1],
                        "--runs", 6, "--seed", 7, "--set", SHORT, "--executor", "serial",
                        "--resume", "--out", out), "differs", "parameter_uncertainty")
    # a changed priors file
    text = priors.read_text(encoding="utf-8")
    priors.write_text(text.replace("scale = 1.4", "scale = 1.3"), encoding="utf-8")
    cli_input_error(cli("sweep", "--resume", "--out", out, "--executor", "serial"),
                    "priors or posterior changed", "priors.toml")
    priors.write_text(text, encoding="utf-8")
    res = run_sweep(plan_sweep(spec), out, resume=True)
    assert res.resumed and res.chunks_run == 3
    assert _tables(out) == _tables(reference)


def test_bad_input_exits_2_with_one_message(cli: Cli, cli_input_error: Callable[..., str],
                                            tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[parameters."militias.iraq_factions.base_rate"]\ndist = "uniform"\n'
                   'loc = 0.5\nscale = 1.0\nreason = "test"\n', encoding="utf-8")
    out = tmp_path / "s"
    for args, fragments in [
        (["--parameter-uncertainty", "posterior", "--posterior", tmp_path / "nowhere"],
         ["posterior not found", "nowhere"]),
        (["--parameter-uncertainty", "prior", "--priors", bad],
         ["unknown scenario key", "militias.iraq_factions.base_rate", "bad.toml"]),
        (["--priors", bad], ["need --parameter-uncertainty"]),
        (["--parameter-uncertainty", "prior", "--posterior", tmp_path],
         ["--posterior needs --parameter-uncertainty posterior"]),
    ]:
        cli_input_error(cli("sweep", "surge-2023", "--vary", SPEC.vary[0], *args, "--out", out,
                            "--executor", "serial"), *fragments)
    cli_input_error(cli("sweep", "baseline-2024-11", "--vary", SPEC.vary[0],
                        "--parameter-uncertainty", "prior", "--out", out, "--executor",
                        "serial"), "no priors for scenario 'baseline-2024-11'")
    assert not out.exists()


def test_without_the_option_nothing_changes() -> None:
    plan = plan_sweep(dataclasses.replace(SPEC, parameter_uncertainty="none"))
    assert plan.uncertainty is None and not any(c.startswith("drawn_") for c in plan.columns)
    assert make_chunk(plan, 0, 10).draws == ()
    # a stored spec of an earlier escsim (no uncertainty fields) reads back as "none"
    stored = plan.spec.to_json()
    for k in ("parameter_uncertainty", "priors", "posterior"):
        del stored[k]
    assert SweepSpec.from_json(stored) == plan.spec
