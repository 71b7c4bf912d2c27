"""Running sweeps: seeding that ignores how the work is split, streaming, resume, executors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import escsim
from escsim.analysis import count_quantiles, rung_probabilities
from escsim.errors import InputError
from escsim.records import MAIN_COUNTS
from escsim.sweep import SweepSpec, plan_sweep, read_sweep, run_sweep
from escsim.sweep.executors import ProcessExecutor, SerialExecutor
from escsim.sweep.executors.dask import DaskExecutor
from escsim.sweep.work import run_chunk

SPEC = SweepSpec(("surge-2023",), ("us_policy.preset=restraint,punitive",
                                   "militias.iraq_factions.excitation_per_round=0:2:3"),
                 runs=6, seed=11)
TABLES = ("runs.csv", "summary.csv", "points.csv", "design.json")


def _tables(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in TABLES}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SPEC run serially in one chunk per replication: the tables every other way must give."""
    out = tmp_path_factory.mktemp("ref") / "sweep"
    run_sweep(plan_sweep(SPEC), out, chunk_runs=1)
    return out


def test_tables_are_tidy_and_carry_seeds(reference: Path) -> None:
    s = read_sweep(reference)
    runs = s.runs
    assert len(runs) == 6 * 6 and len(s.summary) == 6
    assert list(runs.columns[:4]) == ["point", "design_point", "us_policy.preset",
                                      "militias.iraq_factions.excitation_per_round"]
    assert runs[["point", "replication"]].equals(
        runs[["point", "replication"]].sort_values(["point", "replication"]))
    for r in runs.sample(8, random_state=0).itertuples():
        assert r.seed == escsim.replication_seed(11, r.replication, r.design_point)
    manifest = s.manifest
    assert manifest["status"] == "complete" and manifest["escsim_version"] == escsim.__version__
    assert manifest["scenarios"][0]["param_hash"] == escsim.load_scenario("surge-2023").param_hash
    assert len(manifest["chunks"]) == 36 and manifest["sessions"][0]["executor"] == "serial"
    assert not (reference / "parts").exists()
    # the summary per point is escsim.analysis's summary of the point's runs
    for point in (0, 5):
        rows = runs[runs.point == point]
        summary = s.summary.loc[point]
        probs = rung_probabilities(rows).set_index("rung")
        for rung in probs.index:
            assert summary[f"p_rung_{rung}"] == pytest.approx(probs.loc[rung, "probability"],
                                                               abs=1e-6)
            assert summary[f"p_rung_{rung}_low"] == pytest.approx(probs.loc[rung, "ci_low"],
                                                                   abs=1e-6)
        quant = count_quantiles(rows, MAIN_COUNTS).set_index("count")
        for c in MAIN_COUNTS:
            for q in ("mean", "q05", "q50", "q95"):
                name = f"{q}_{c}"
                assert summary[name] == pytest.approx(quant.loc[c, q], abs=1e-6), name


def test_the_manifest_keeps_each_chunks_cpu_time(reference: Path) -> None:
    """Beside its wall time each chunk keeps the worker's CPU time (what tells a busy machine
    from work the pool adds: benchmarks/bench_sweep.py scaling); the manifest sums them."""
    manifest = read_sweep(reference).manifest
    cpu = [c["cpu_seconds"] for c in manifest["chunks"]]
    assert len(cpu) == 36 and all(c > 0 for c in cpu)
    assert manifest["compute_cpu_seconds"] == pytest.approx(sum(cpu), abs=1e-3)


def test_a_sweep_row_reruns_from_its_seed(reference: Path) -> None:
    """Every row can be reproduced alone: its point's scenario and its seed."""
    runs = read_sweep(reference).runs
    row = runs.iloc[20]
    s = escsim.load_scenario("surge-2023", {
        "us_policy.preset": row["us_policy.preset"],
        "militias.iraq_factions.excitation_per_round":
            row["militias.iraq_factions.excitation_per_round"]})
    rec = escsim.run_replication(s, int(row["seed"]), int(row["replication"]), int(row["point"]))
    assert rec["param_hash"] == row["param_hash"]
    for col in ("attacks", "us_killed", "us_strikes", "max_rung", "end_day"):
        assert rec[col] == row[col]


@pytest.mark.parametrize("chunk_runs", [4, 7, 36])
def test_tables_do_not_depend_on_chunking(reference: Path, tmp_path: Path,
                                          chunk_runs: int) -> None:
    run_sweep(plan_sweep(SPEC), tmp_path / "s", chunk_runs=chunk_runs)
    assert _tables(tmp_path / "s") == _tables(reference)


class _Shuffled:
    """Runs chunks serially but hands results back in reverse order (as a cluster might)."""

    name = "shuffled"
    workers = 3

    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        yield from reversed([fn(i) for i in items])

    def close(self) -> None:
        pass


def test_tables_do_not_depend_on_completion_order(reference: Path, tmp_path: Path) -> None:
    run_sweep(plan_sweep(SPEC), tmp_path / "s", executor=_Shuffled(), chunk_runs=5)
    assert _tables(tmp_path / "s") == _tables(reference)


def test_serial_process_and_dask_give_identical_bytes(reference: Path, tmp_path: Path) -> None:
    """serial == process pool == Dask LocalCluster, byte for byte, on the same seed."""
    spec = SweepSpec(("surge-2023",), ("us_policy.preset=restraint,punitive",), runs=10, seed=5)
    outs = {}
    for name, make in (("serial", SerialExecutor), ("process", lambda: ProcessExecutor(2)),
                       ("dask", lambda: DaskExecutor(2, processes=False))):
        executor = make()
        try:
            run_sweep(plan_sweep(spec), tmp_path / name, executor=executor, chunk_runs=3)
        finally:
            executor.close()
        outs[name] = _tables(tmp_path / name)
        assert read_sweep(tmp_path / name).manifest["sessions"][0]["executor"] == name
    assert outs["serial"] == outs["process"] == outs["dask"]


def test_resume_after_ctrl_c_gives_identical_tables(reference: Path, tmp_path: Path,
                                                    interrupt_after: Any) -> None:
    out = tmp_path / "s"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(plan_sweep(SPEC), out, executor=interrupt_after(after=3), chunk_runs=5)
    parts = sorted(p.name for p in (out / "parts").glob("chunk-*.csv"))
    assert parts == ["chunk-000000.csv", "chunk-000001.csv", "chunk-000002.csv"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and not (out / "runs.csv").exists()
    with pytest.raises(InputError, match="output folder exists"):
        run_sweep(plan_sweep(SPEC), out)
    res = run_sweep(plan_sweep(SPEC), out, resume=True, chunk_runs=99)  # stored chunking kept
    assert res.chunks_run == 8 - 3 and res.resumed
    assert _tables(out) == _tables(reference)
    sessions = read_sweep(out).manifest["sessions"]
    assert [s["chunks_run"] for s in sessions] == [3, 5]
    assert sessions[0]["status"] == "interrupted (KeyboardInterrupt)"
    assert len(read_sweep(out).manifest["chunks"]) == 8


def test_resume_refuses_a_different_sweep(tmp_path: Path, interrupt_after: Any) -> None:
    out = tmp_path / "s"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(plan_sweep(SPEC), out, executor=interrupt_after(after=1), chunk_runs=5)
    other = SweepSpec(SPEC.scenarios, SPEC.vary, runs=7, seed=SPEC.seed)
    with pytest.raises(InputError, match="differs from the interrupted sweep"):
        run_sweep(plan_sweep(other), out, resume=True)
    with pytest.raises(InputError, match="nothing to resume"):
        run_sweep(plan_sweep(SPEC), tmp_path / "absent", resume=True)


def _crash_on_chunk_2(chunk: Any) -> Any:
    if chunk.chunk_id == 2:
        os._exit(3)  # a worker process dying mid-chunk
    return run_chunk(chunk)


class _CrashingPool(ProcessExecutor):
    def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        return super().map_unordered(_crash_on_chunk_2, items)


def test_resume_after_a_crashed_worker(reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "s"
    pool = _CrashingPool(1)
    try:
        with pytest.raises(Exception, match="terminated abruptly|BrokenProcessPool|process"):
            run_sweep(plan_sweep(SPEC), out, executor=pool, chunk_runs=5)
    finally:
        pool.close()
    assert not (out / "parts" / "chunk-000002.csv").exists()
    run_sweep(plan_sweep(SPEC), out, resume=True)
    assert _tables(out) == _tables(reference)


def test_resume_after_the_process_is_killed(tmp_path: Path) -> None:
    """SIGKILL the `escsim sweep` process mid-sweep, then `--resume`: the same tables as an
    uninterrupted run, no row missing or doubled."""
    spec = SweepSpec(SPEC.scenarios, SPEC.vary, runs=40, seed=11)
    run_sweep(plan_sweep(spec), tmp_path / "ref", chunk_runs=1)
    out = tmp_path / "s"
    args = [sys.executable, "-m", "escsim.cli", "sweep", "surge-2023", "--vary", SPEC.vary[0],
            "--vary", SPEC.vary[1], "--runs", "40", "--seed", "11", "--out", str(out),
            "--executor", "serial", "--chunk-runs", "1", "--no-plots"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((out / "parts").glob("chunk-*.csv"))) >= 20:
            break
        time.sleep(0.002)
    assert proc.poll() is None, "the sweep finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "runs.csv").exists()
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    done = len(list((out / "parts").glob("chunk-*.csv")))
    resumed = subprocess.run([*args[:3], "sweep", "--resume", "--out", str(out), "--no-plots"],
                             capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed" in resumed.stdout
    assert _tables(out) == _tables(tmp_path / "ref")
    sessions = read_sweep(out).manifest["sessions"]
    # the last part on disk may not have reached the chunk log at the kill (a part is written,
    # then logged; one chunk in flight): resume runs it again, nothing is lost or doubled
    assert done - 1 <= sessions[1]["chunks_before"] <= done
    assert sessions[1]["chunks_before"] + sessions[1]["chunks_run"] == 240


def test_memory_stays_flat_parts_are_written_as_chunks_finish(tmp_path: Path) -> None:
    """Rows go to disk chunk by chunk: when chunk k is handed back, parts 0..k-1 exist."""
    out = tmp_path / "s"
    seen: list[int] = []

    class Watch(SerialExecutor):
        def map_unordered(self, fn: Callable[[Any], Any], items: Iterable[Any]
                          ) -> Iterator[Any]:
            for i, item in enumerate(items):
                seen.append(len(list((out / "parts").glob("chunk-*.csv"))))
                assert i == len(seen) - 1
                yield fn(item)

    run_sweep(plan_sweep(SPEC), out, executor=Watch(), chunk_runs=6)
    assert seen == list(range(6))


def test_summary_matches_a_plain_simulation(reference: Path) -> None:
    """A sweep point with seed key 0 is `escsim run` of that point's scenario."""
    s = escsim.load_scenario("surge-2023", {"us_policy.preset": "restraint",
                                            "militias.iraq_factions.excitation_per_round": 0.0})
    sim = escsim.simulate(s, runs=6, seed=11)
    runs = read_sweep(reference).runs
    p0 = runs[runs.point == 0].reset_index(drop=True)
    cols = ["seed", "attacks", "us_killed", "max_rung", "param_hash"]
    pd.testing.assert_frame_equal(p0[cols], sim.runs[cols], check_dtype=False)


def test_many_one_run_points_do_not_reload_the_scenario(monkeypatch: pytest.MonkeyPatch) -> None:
    """Per-point cost stays small because numeric sweep points are patched onto one loaded
    scenario instead of re-reading TOML per point: 300 points of one swept number load each
    scenario once. (The per-point overhead in seconds is measured by
    benchmarks/bench_sweep.py, not here: unit tests carry no wall-clock limits.)"""
    import escsim.sweep.points as points

    calls: list[Any] = []
    real = points.load_scenario

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(points, "load_scenario", counting)
    plan = plan_sweep(SweepSpec(("surge-2023",), ("iran.pause_mean_days=30:60",), "lhs", 300,
                                runs=1))
    built = {plan.resolve(p)[0].param_hash for p in range(len(plan.points))}
    assert len(plan.points) == 300
    assert len(calls) == 1
    assert len(built) == 1  # one base scenario, patched per point
