"""``escsim run`` is a one-point sweep underneath: it streams its rows to disk, tallies the daily
bands, writes the same tables as the in-memory API, resumes after a kill, and gives the same bytes
on every executor -- a local process pool, a Dask cluster, and a real ``dask scheduler`` with two
``dask worker`` processes, as a user with a cluster would run it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import escsim
from escsim.analysis.daily import DailyTally
from escsim.analysis.runs import daily_bands
from escsim.simulation import run_to_folder, simulate, write_simulation
from escsim.sweep.executors import ProcessExecutor, SerialExecutor

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("runs.csv", "daily.csv")


def _tables(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in TABLES}


def _summary(folder: Path) -> dict[str, object]:
    s = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    for how_it_ran in ("wall_seconds", "executor", "workers"):
        s.pop(how_it_ran)
    return s


@given(st.lists(st.lists(st.integers(0, 40), min_size=6, max_size=6), min_size=1, max_size=60),
       st.integers(1, 5))
@settings(max_examples=60, deadline=None)
def test_daily_tally_gives_the_bands_of_the_runs(increments: list[list[int]], parts: int) -> None:
    """Tallies of any split of the runs, merged, give daily_bands of all of them exactly."""
    runs = np.cumsum(np.array(increments, dtype=np.int64), axis=1)
    total = DailyTally(6, ("attacks",))
    for chunk in np.array_split(runs, parts):
        piece = DailyTally(6, ("attacks",))
        piece.add_many({"attacks": chunk})
        total.merge(piece)
    tallied = total.bands()
    direct = daily_bands({"attacks": runs})
    for column in ("mean", "q05", "q50", "q95"):
        assert tallied[column].tolist() == direct[column].tolist(), column


def test_a_streamed_run_writes_the_tables_of_the_in_memory_api(tmp_path: Path,
                                                                 surge: escsim.Scenario) -> None:
    streamed = tmp_path / "streamed"
    result = run_to_folder(surge, streamed, runs=37, seed=8, plots=False)
    assert result.runs_run == 37
    write_simulation(simulate(surge, runs=37, seed=8), tmp_path / "memory", plots=False)
    assert _tables(streamed) == _tables(tmp_path / "memory")
    assert _summary(streamed) == _summary(tmp_path / "memory")
    manifest = json.loads((streamed / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "run" and manifest["status"] == "complete"
    assert not (streamed / "parts").exists()


def test_a_run_is_byte_identical_across_executors(tmp_path: Path,
                                                  surge: escsim.Scenario) -> None:
    from escsim.sweep.executors.dask import DaskExecutor

    outs = {}
    for name, make in (("serial", SerialExecutor), ("process", lambda: ProcessExecutor(2)),
                       ("dask", lambda: DaskExecutor(2, processes=False))):
        with make() as ex:
            run_to_folder(surge, tmp_path / name, runs=30, seed=3, executor=ex, plots=False)
        outs[name] = _tables(tmp_path / name)
    assert outs["serial"] == outs["process"] == outs["dask"]


def _cli(*args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    return subprocess.Popen([sys.executable, "-m", "escsim.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)  # type: ignore[call-overload]


@pytest.mark.slow
def test_a_run_killed_mid_way_resumes_to_the_same_bytes(tmp_path: Path) -> None:
    args = ["run", "surge-2023", "--runs", "800", "--seed", "4", "--executor", "serial",
            "--no-plots"]
    ref = _cli(*args, "--out", str(tmp_path / "ref"))
    assert ref.wait(timeout=600) == 0, ref.stderr.read() if ref.stderr else ""
    out = tmp_path / "killed"
    proc = _cli(*args, "--out", str(out))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((out / "parts").glob("chunk-*.csv"))) >= 3:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "runs.csv").exists()
    refused = _cli(*args, "--out", str(out))
    assert refused.wait(timeout=120) == 2  # an unfinished run is not overwritten silently
    resumed = _cli(*args, "--out", str(out), "--resume")
    assert resumed.wait(timeout=600) == 0, resumed.stderr.read() if resumed.stderr else ""
    assert _tables(out) == _tables(tmp_path / "ref")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "complete" and len(manifest["sessions"]) == 2


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A real Dask scheduler and two single-threaded workers on 127.0.0.1, started with the
    ``dask`` command line in processes of their own."""
    pytest.importorskip("distributed")
    work = tmp_path_factory.mktemp("dask")
    info = work / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    dask = [sys.executable, "-m", "distributed.cli.dask_scheduler"]
    procs = [subprocess.Popen([*dask, "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(info)],
                              env=env, cwd=work, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert info.exists(), "the Dask scheduler did not start"
        for _ in range(2):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", "--nthreads", "1",
                 "--nworkers", "1", "--no-dashboard", "--scheduler-file", str(info)],
                env=env, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        address = json.loads(info.read_text())["address"]
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.mark.slow
def test_run_and_sweep_through_a_dask_scheduler(dask_cluster: str, tmp_path: Path) -> None:
    """``--executor dask --scheduler ADDRESS`` against separate scheduler and worker processes
    gives the bytes of the local process pool."""
    common = ["--seed", "6", "--no-plots"]
    for tag, extra in (("local", ["-j", "2"]),
                       ("remote", ["--executor", "dask", "--scheduler", dask_cluster])):
        run = _cli("run", "surge-2023", "--runs", "60", *common, *extra,
                   "--out", str(tmp_path / f"run-{tag}"))
        assert run.wait(timeout=600) == 0, run.stderr.read() if run.stderr else ""
        sweep = _cli("sweep", "surge-2023", "--vary", "us_policy.preset=restraint,punitive",
                     "--runs", "20", *common, *extra, "--out", str(tmp_path / f"sweep-{tag}"))
        assert sweep.wait(timeout=600) == 0, sweep.stderr.read() if sweep.stderr else ""
    assert _tables(tmp_path / "run-local") == _tables(tmp_path / "run-remote")
    for name in ("runs.csv", "summary.csv"):
        assert (tmp_path / "sweep-local" / name).read_bytes() == \
            (tmp_path / "sweep-remote" / name).read_bytes()
    manifest = json.loads((tmp_path / "run-remote" / "manifest.json").read_text())
    assert manifest["sessions"][0]["executor"] == "dask"
    assert manifest["sessions"][0]["scheduler"] == dask_cluster


@pytest.mark.slow
@pytest.mark.parametrize("command, args, tables", [
    ("backtest", ["surge-2023", "--runs", "30"], ("comparison.csv", "simulated.csv", "bands.csv")),
    ("calibrate", ["surge-2023", "--particles", "12", "--generations", "1", "--check-runs", "0"],
     ("posterior.csv", "generations.csv")),
    ("calibrate", ["--eras", "--particles", "10", "--generations", "0", "--check-runs", "12"],
     ("posterior.csv", "check/scores.csv", "check/comparison.csv",
      *[f"check/{era}/{table}" for era in ("era-2019-20", "era-2021", "surge-2023")
        for table in ("simulated.csv", "bands.csv", "simulation/runs.csv")])),
])
def test_backtest_and_calibrate_give_the_same_bytes_on_every_executor(
        cli, tmp_path: Path, command: str, args: list[str], tables: tuple[str, ...]) -> None:
    outs = {}
    for executor in ("serial", "process", "dask"):
        out = tmp_path / executor
        result = cli(command, *args, "--seed", "3", "--executor", executor, "-j", "2",
                     "--no-plots", "--out", out)
        assert result.exit_code == 0, (result.output, result.exception)
        outs[executor] = {name: (out / name).read_bytes() for name in tables}
    assert outs["serial"] == outs["process"] == outs["dask"]


def test_an_interrupted_merge_leaves_the_saved_tally_as_it_was(tmp_path: Path,
                                                               monkeypatch) -> None:
    """Ctrl-C half-way through adding a chunk to a streamed run's daily tally leaves the tally
    and its list of chunks as they were, so the save on the way out, and the resume that runs
    the chunk again, count it once (the resume test failed now and then under load)."""
    from escsim.sweep import run as sweep_run

    rng = np.random.default_rng(3)
    series = ("attacks", "us_killed")

    def chunk_tally(seed: int) -> DailyTally:
        t = DailyTally(5, series)
        g = np.random.default_rng(seed)
        t.add_many({s: np.cumsum(g.integers(0, 3, (4, 5)), axis=1) for s in series})
        return t

    (tmp_path / "parts").mkdir()
    running = sweep_run._RunningTally(tmp_path)
    running.add(0, chunk_tally(int(rng.integers(1 << 30))))
    before = {k: v.copy() for k, v in running.tally.to_arrays().items()}
    calls = {"n": 0}
    original = DailyTally._merge

    def interrupted(self, name, keys, counts):
        calls["n"] += 1
        if calls["n"] == 2:  # after the first series has merged
            raise KeyboardInterrupt
        return original(self, name, keys, counts)

    monkeypatch.setattr(DailyTally, "_merge", interrupted)
    with pytest.raises(KeyboardInterrupt):
        running.add(1, chunk_tally(int(rng.integers(1 << 30))))
    monkeypatch.setattr(DailyTally, "_merge", original)
    assert running.chunks == {0}
    after = running.tally.to_arrays()
    assert before.keys() == after.keys()
    assert all(np.array_equal(before[k], after[k]) for k in before)
