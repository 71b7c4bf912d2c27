"""Faults: kill -9 and Ctrl-C at several moments of ``run``, ``sweep``, ``backtest`` and
``calibrate``, a killed worker, a full disk, two commands writing one folder, stale partial
copies. After each, a rerun or ``--resume`` gives the bytes of an uninterrupted run, and no
process is left behind.

The commands run as real subprocesses (``python -m escsim.cli``), so the kills are real. Waits
poll for a condition with a generous deadline that only guards against a hang.
"""

from __future__ import annotations

import errno
import io
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from escsim.cli import main
from tests.test_study import small_study

ROOT = Path(__file__).resolve().parents[1]
RUN_TABLES = ("runs.csv", "daily.csv")
SWEEP_TABLES = ("runs.csv", "summary.csv", "points.csv")
VARY = ("--vary", "iran.retaliate_personnel_prob=0:1:3")
HANG_GUARD_SECONDS = 120


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}


def _escsim(*args: str, cwd: Path | None = None, **kw: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "escsim.cli", *args], capture_output=True,
                          text=True, env=_env(), cwd=cwd, check=False, **kw)  # type: ignore


def _start(*args: str, **kw: object) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "escsim.cli", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=_env(),
                            **kw)  # type: ignore


def _wait_for(proc: subprocess.Popen, ready: Callable[[], bool]) -> None:
    """Poll until ``ready()``; the command must still be running then."""
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    while time.monotonic() < deadline and proc.poll() is None and not ready():
        time.sleep(0.005)
    assert proc.poll() is None, "the command finished before the moment to interrupt it"


def _parts(out: Path) -> int:
    return len(list((out / "parts").glob("chunk-*.csv")))


def _bytes(folder: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    return {n: (folder / n).read_bytes() for n in names}


def _all_gone(pids: list[int]) -> bool:
    """Wait for processes to end (they are killed by the kernel, which takes a moment)."""
    deadline = time.monotonic() + 30
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        alive = [p for p in alive if psutil.pid_exists(p)
                 and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.05)
    return not alive


def _kill(proc: subprocess.Popen, sig: int) -> list[int]:
    """Send ``sig`` to the command; return the process ids of its workers (to check they end)."""
    children = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    proc.send_signal(sig)
    # communicate, not wait: a command writing more than a pipe holds to stderr would block
    # while the test waits (a hang of the test); what it wrote stays readable as proc.stderr
    err = proc.communicate(timeout=HANG_GUARD_SECONDS)[1]
    proc.stderr = io.BytesIO(err or b"")
    return children


# ------------------------------------------------------------------------------------- run ---
@pytest.fixture(scope="module")
def run_reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "run"
    done = _escsim("run", "surge-2023", "-n", "1200", "--seed", "5", "--executor", "serial",
                   "--no-plots", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


RUN_ARGS = ("run", "surge-2023", "-n", "1200", "--seed", "5", "--no-plots")


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["after the manifest", "after some parts"])
def test_run_killed_with_sigkill_leaves_no_worker_and_resumes(moment: str, tmp_path: Path,
                                                               run_reference: Path) -> None:
    out = tmp_path / "run"
    proc = _start(*RUN_ARGS, "--executor", "process", "-j", "2", "--out", str(out))
    if moment == "after the manifest":
        _wait_for(proc, lambda: (out / "manifest.json").is_file())
    else:
        _wait_for(proc, lambda: _parts(out) >= 3)
    workers = _kill(proc, signal.SIGKILL)
    assert _all_gone(workers), "process-pool workers outlived the killed run"
    assert not (out / "runs.csv").exists()
    again = _escsim(*RUN_ARGS, "--executor", "process", "-j", "2", "--out", str(out))
    check = again.returncode == 2 and "--resume" in again.stderr
    assert check, again.stderr  # the folder is there: a rerun is told to resume or --force
    resumed = _escsim(*RUN_ARGS, "--executor", "process", "-j", "2", "--out", str(out),
                      "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert _bytes(out, RUN_TABLES) == _bytes(run_reference, RUN_TABLES)


@pytest.mark.slow
def test_run_interrupted_with_ctrl_c_says_how_to_resume(tmp_path: Path,
                                                        run_reference: Path) -> None:
    out = tmp_path / "run"
    proc = _start(*RUN_ARGS, "--executor", "process", "-j", "2", "--out", str(out))
    _wait_for(proc, lambda: _parts(out) >= 2)
    workers = _kill(proc, signal.SIGINT)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.returncode == 130, stderr
    assert "--resume" in stderr and "Traceback" not in stderr
    assert _all_gone(workers)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "interrupted"
    resumed = _escsim(*RUN_ARGS, "--executor", "serial", "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert _bytes(out, RUN_TABLES) == _bytes(run_reference, RUN_TABLES)


@pytest.mark.slow
def _pool_workers(pid: int) -> list[psutil.Process]:
    """The command's pool workers: its children but multiprocessing's resource tracker (killing
    that breaks nothing, so the run would finish instead of stopping)."""
    workers = []
    for child in psutil.Process(pid).children():
        try:
            if "resource_tracker" not in " ".join(child.cmdline()):
                workers.append(child)
        except psutil.Error:
            continue
    return workers


def test_run_whose_worker_is_killed_stops_cleanly_and_resumes(tmp_path: Path,
                                                             run_reference: Path) -> None:
    out = tmp_path / "run"
    proc = _start(*RUN_ARGS, "--executor", "process", "-j", "2", "--out", str(out))
    _wait_for(proc, lambda: _parts(out) >= 1 and len(_pool_workers(proc.pid)) >= 1)
    victim = _pool_workers(proc.pid)[0]  # a worker, not multiprocessing's resource tracker
    victim.send_signal(signal.SIGKILL)
    # communicate, not wait: a command that writes more than a pipe holds to stderr before it
    # ends would block on the write while the test waits for it (a hang of the test, not of
    # the command)
    stderr = proc.communicate(timeout=HANG_GUARD_SECONDS)[1].decode()
    assert proc.returncode == 1, stderr
    assert "--resume" in stderr and "Traceback" not in stderr
    resumed = _escsim(*RUN_ARGS, "--executor", "process", "-j", "2", "--out", str(out),
                      "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert _bytes(out, RUN_TABLES) == _bytes(run_reference, RUN_TABLES)


# ----------------------------------------------------------------------------------- sweep ---
@pytest.mark.slow
@pytest.mark.parametrize("sig,moment", [(signal.SIGKILL, 1), (signal.SIGINT, 5)])
def test_sweep_interrupted_resumes_to_the_same_bytes(sig: int, moment: int,
                                                     tmp_path: Path) -> None:
    args = ("sweep", "surge-2023", *VARY, "--runs", "200", "--seed", "3", "--chunk-runs", "20",
            "--no-plots")
    ref = _escsim(*args, "--executor", "serial", "--out", str(tmp_path / "ref"))
    assert ref.returncode == 0, ref.stderr
    out = tmp_path / "s"
    proc = _start(*args, "--executor", "process", "-j", "2", "--out", str(out))
    _wait_for(proc, lambda: _parts(out) >= moment)
    workers = _kill(proc, sig)
    assert proc.returncode == (130 if sig == signal.SIGINT else -signal.SIGKILL)
    assert _all_gone(workers)
    resumed = _escsim("sweep", "--resume", "--out", str(out), "--no-plots", "--executor",
                      "process", "-j", "2")
    assert resumed.returncode == 0, resumed.stderr
    assert _bytes(out, SWEEP_TABLES) == _bytes(tmp_path / "ref", SWEEP_TABLES)


# ---------------------------------------------------------------------- backtest, calibrate ---
BACKTEST_TABLES = ("comparison.csv", "bands.csv", "simulated.csv")
ERAS_TABLES = ("comparison.csv", "scores.csv", *(f"{era}/{table}" for era in (
    "era-2019-20", "era-2021", "surge-2023") for table in ("comparison.csv", "bands.csv",
                                                         "simulation/runs.csv")))
CALIBRATE_TABLES = ("posterior.csv", "generations.csv", "posterior_summary.csv",
                    "prior_predictive.csv")


@pytest.mark.slow
@pytest.mark.parametrize("command,args,tables,sig", [
    ("backtest", ("-n", "600"), BACKTEST_TABLES, signal.SIGKILL),
    ("calibrate", ("--particles", "20", "--generations", "1", "--check-runs", "0"),
     CALIBRATE_TABLES, signal.SIGINT),
    ("backtest", ("--eras", "-n", "300"), ERAS_TABLES, signal.SIGKILL),
    ("calibrate", ("--eras", "--particles", "20", "--generations", "1", "--check-runs", "0"),
     CALIBRATE_TABLES, signal.SIGINT)], ids=["backtest", "calibrate", "backtest-eras",
                                             "calibrate-eras"])
def test_an_interrupted_in_memory_command_writes_nothing_and_reruns_the_same(
        command: str, args: tuple[str, ...], tables: tuple[str, ...], sig: int,
        tmp_path: Path) -> None:
    full = (command, "surge-2023", *args, "--seed", "9", "--no-plots")
    ref = _escsim(*full, "--executor", "serial", "--out", str(tmp_path / "ref"))
    assert ref.returncode == 0, ref.stderr
    out = tmp_path / "out"
    proc = _start(*full, "--executor", "process", "-j", "2", "--out", str(out))
    # the moment: once the pool is working (these commands keep their runs in memory)
    _wait_for(proc, lambda: len(psutil.Process(proc.pid).children()) >= 2)
    time.sleep(0.3)
    workers = _kill(proc, sig)
    assert proc.returncode != 0
    assert _all_gone(workers)
    assert not out.exists()  # nothing half-written
    again = _escsim(*full, "--executor", "process", "-j", "2", "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert _bytes(out, tables) == _bytes(tmp_path / "ref", tables)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# ----------------------------------------------------------------------------------- study ---
STUDY = small_study("faults", runs=40, seed=11, outcome="us_killed")
STUDY_TABLES = ("runs.csv", "outcomes.csv", "regret.csv", "ranking.csv", "satisficing.csv")


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_a_study_interrupted_resumes_to_the_same_bytes(sig: int, tmp_path: Path) -> None:
    study = tmp_path / "faults.toml"
    study.write_text(STUDY, encoding="utf-8")
    args = ("study", str(study), "--chunk-runs", "4", "--no-plots", "--no-report")
    ref = _escsim(*args, "--executor", "serial", "--out", str(tmp_path / "ref"))
    assert ref.returncode == 0, ref.stderr
    out = tmp_path / "s"
    proc = _start(*args, "--executor", "process", "-j", "2", "--out", str(out))
    _wait_for(proc, lambda: _parts(out) >= 3)
    workers = _kill(proc, sig)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.returncode == (130 if sig == signal.SIGINT else -signal.SIGKILL), stderr
    assert "Traceback" not in stderr
    assert _all_gone(workers)
    assert not (out / "runs.csv").exists()
    if sig == signal.SIGINT:  # the printed hint, as typed, finishes the work
        hint = stderr.strip().splitlines()[-1].split()
        assert hint[:2] == ["escsim", "study"] and "--chunk-runs" in hint, stderr
        resumed = _escsim(*hint[1:], "--no-plots", "--no-report")
    else:
        resumed = _escsim(*args, "--executor", "process", "-j", "2", "--out", str(out),
                          "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert _bytes(out, STUDY_TABLES) == _bytes(tmp_path / "ref", STUDY_TABLES)


def test_a_study_out_of_disk_exits_2_then_resumes(tmp_path: Path, monkeypatch) -> None:
    import escsim.results.sweep as tables

    study = tmp_path / "faults.toml"
    study.write_text(STUDY.replace("runs = 40", "runs = 6"), encoding="utf-8")
    args = ["study", str(study), "--chunk-runs", "2", "--no-plots", "--no-report",
            "--executor", "serial"]
    ref = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "ref")])
    assert ref.exit_code == 0, ref.output
    out = tmp_path / "s"
    real = tables.write_part
    monkeypatch.setattr(tables, "write_part", _DiskFull(real, after=3))
    result = CliRunner().invoke(main, [*args, "--out", str(out)], catch_exceptions=True)
    assert result.exit_code == 2, result.output
    last = result.stderr.strip().splitlines()[-1]
    assert "No space left on device" in last and "--resume" in last
    monkeypatch.setattr(tables, "write_part", real)
    again = CliRunner().invoke(main, [*args, "--out", str(out)], catch_exceptions=True)
    assert again.exit_code == 2 and "--resume" in again.stderr  # told to resume, not lost
    resumed = CliRunner().invoke(main, [*args, "--out", str(out), "--resume"],
                                 catch_exceptions=True)
    assert resumed.exit_code == 0, resumed.output
    assert _bytes(out, STUDY_TABLES) == _bytes(tmp_path / "ref", STUDY_TABLES)


# ------------------------------------------------------------------------------- disk full ---
class _DiskFull:
    """``write_part`` that fails with ENOSPC after ``after`` parts, as a full disk would."""

    def __init__(self, real: Callable[..., None], after: int):
        self.real, self.after, self.calls = real, after, 0

    def __call__(self, *args: object, **kwargs: object) -> None:
        self.calls += 1
        if self.calls > self.after:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.real(*args, **kwargs)


def test_disk_full_during_a_run_exits_2_and_resumes(tmp_path: Path, monkeypatch,
                                                    surge) -> None:
    import escsim.results.sweep as tables
    from escsim.simulation import run_to_folder

    ref = tmp_path / "ref"
    run_to_folder(surge, ref, runs=60, seed=4, plots=False)
    out = tmp_path / "run"
    args = ["run", "surge-2023", "-n", "60", "--seed", "4", "--executor", "serial",
            "--no-plots", "--out", str(out)]
    monkeypatch.setattr(tables, "write_part", _DiskFull(tables.write_part, after=2))
    result = CliRunner().invoke(main, args, catch_exceptions=True)
    assert result.exit_code == 2, result.output
    last = result.stderr.strip().splitlines()[-1]  # after the progress bar's line
    assert last.startswith("escsim: error: ") and "Traceback" not in result.output
    for named in ("No space left on device", "--resume", str(out)):
        assert named in last, (named, last)
    assert not (out / "runs.csv").exists()
    monkeypatch.undo()
    resumed = CliRunner().invoke(main, [*args, "--resume"], catch_exceptions=True)
    assert resumed.exit_code == 0, resumed.output
    assert _bytes(out, RUN_TABLES) == _bytes(ref, RUN_TABLES)


def test_disk_full_while_writing_a_folder_whole_exits_2_and_leaves_nothing(
        tmp_path: Path, monkeypatch, cli_input_error) -> None:
    """backtest, calibrate and trace build their folder whole and rename it into place."""
    import pandas as pd

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    out = tmp_path / "trace"
    result = CliRunner().invoke(main, ["trace", "surge-2023", "--seed", "3", "--out", str(out)],
                                catch_exceptions=True)
    cli_input_error(result, "No space left on device", str(out))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_file_size_limit_end_to_end_exits_2_then_resumes(tmp_path: Path,
                                                           run_reference: Path) -> None:
    """A real failing write: the process may write files of at most 64 KiB (RLIMIT_FSIZE), so
    building runs.csv fails with EFBIG, as a full disk fails with ENOSPC."""
    out = tmp_path / "run"

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    limited = _escsim(*RUN_ARGS, "--executor", "serial", "--out", str(out), preexec_fn=limit)
    assert limited.returncode == 2, limited.stderr
    assert "File too large" in limited.stderr and "--resume" in limited.stderr
    assert "Traceback" not in limited.stderr
    resumed = _escsim(*RUN_ARGS, "--executor", "serial", "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert _bytes(out, RUN_TABLES) == _bytes(run_reference, RUN_TABLES)


# ------------------------------------------------------------------ two writers, stale copies ---
def test_a_second_command_into_a_locked_folder_exits_2(tmp_path: Path,
                                                       cli_input_error) -> None:
    from escsim.results import output_lock

    out = tmp_path / "run"
    for args in (["run", "surge-2023", "-n", "2", "--executor", "serial", "--no-plots"],
                 ["trace", "surge-2023", "--seed", "1"],
                 ["sweep", "surge-2023", *VARY, "--runs", "2", "--executor", "serial",
                  "--no-plots"]):
        with output_lock(out):
            result = CliRunner().invoke(main, [*args, "--out", str(out)],
                                        catch_exceptions=True)
        cli_input_error(result, "another escsim command is writing", str(out))
        assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # the lock file goes with its holder


@pytest.mark.slow
def test_a_second_run_into_a_running_ones_folder_exits_2_and_leaves_it_alone(
        tmp_path: Path) -> None:
    """Two real processes: while the first runs, a second into the same --out (even with
    --force, which would otherwise delete the first's folder) is refused at once."""
    out = tmp_path / "run"
    args = ("run", "surge-2023", "-n", "200000", "--seed", "5", "--no-plots", "--executor",
            "serial", "--out", str(out))
    first = _start(*args)
    _wait_for(first, lambda: (out / "manifest.json").is_file())
    manifest = (out / "manifest.json").read_bytes()
    second = _escsim(*args, "--force")
    assert first.poll() is None, "the first run ended before the second was refused"
    assert second.returncode == 2, second.stderr
    assert "another escsim command is writing" in second.stderr
    assert "Traceback" not in second.stderr
    assert (out / "manifest.json").read_bytes()[:200] == manifest[:200]  # the first's folder
    _kill(first, signal.SIGKILL)
    resumable = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert resumable["status"] == "running" and resumable["total_runs"] == 200000


def test_stale_partial_copies_of_a_killed_command_are_removed(tmp_path: Path) -> None:
    """A command killed while building its folder leaves ``.OUT.partial-PID-*``; the next one
    into the same place removes it (holding the lock, no other writer can be using it)."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = [tmp_path / f".trace.partial-{dead.pid}-abc", tmp_path / ".trace.partial-old"]
    for p in stale:
        p.mkdir()
        (p / "trace.csv").write_text("half", encoding="utf-8")
    (tmp_path / ".trace.lock").write_text("", encoding="utf-8")  # a killed holder's lock file
    out = tmp_path / "trace"
    result = CliRunner().invoke(main, ["trace", "surge-2023", "--seed", "1", "--out", str(out)],
                                catch_exceptions=True)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trace"]


def test_a_replacement_killed_between_its_renames_gets_the_old_result_back(
        tmp_path: Path) -> None:
    from escsim.results import atomic_folder

    old = tmp_path / ".trace.old-999999999"  # the result being replaced, moved aside
    old.mkdir()
    (old / "trace.csv").write_text("previous", encoding="utf-8")
    out = tmp_path / "trace"
    with pytest.raises(RuntimeError), atomic_folder(out, force=True):
        raise RuntimeError("the new result fails")
    assert (out / "trace.csv").read_text(encoding="utf-8") == "previous"


def _slow_length(payload: bytes) -> int:
    time.sleep(0.5)
    return len(payload)


@pytest.mark.slow
def test_a_broken_pool_with_large_payloads_queued_shuts_down() -> None:
    """A worker killed while large task payloads wait in the pool's pipe: the run stops with
    BrokenProcessPool and the executor closes (its other workers are killed, so no feeder
    thread is left writing into a pipe nobody reads)."""
    import threading
    from concurrent.futures.process import BrokenProcessPool

    from escsim.executors.process import ProcessExecutor

    ex = ProcessExecutor(2)
    results = ex.map_unordered(_slow_length, [b"x" * (8 << 20)] * 8)  # 8 MB each: pipe full
    with pytest.raises(BrokenProcessPool):
        for i, _ in enumerate(results):
            if i == 0:
                os.kill(next(iter(ex._pool._processes)), signal.SIGKILL)  # type: ignore[union-attr]
    closing = threading.Thread(target=ex.close, daemon=True)
    closing.start()
    closing.join(HANG_GUARD_SECONDS)
    assert not closing.is_alive(), "the broken pool's shutdown hung"
