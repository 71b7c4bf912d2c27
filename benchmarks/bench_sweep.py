"""Sweep-level figures, each a ratio of two runs made one after the other on the same machine.

Run::

    python benchmarks/bench_sweep.py ema        # escsim sweep vs EMA Workbench, 2 workers each
    python benchmarks/bench_sweep.py scaling    # 20,000 runs: 2 workers vs 1 (and a control)
    python benchmarks/bench_sweep.py memory     # peak RSS: 100,000 runs vs 10,000
    python benchmarks/bench_sweep.py overhead   # many 1-run points vs the same runs in one point
    python benchmarks/bench_sweep.py all        # all four (about 15 minutes on 2 idle cores)
    ... --check                                 # exit 1 if a goal is missed

Every measured command but the overhead's is a fresh process (``escsim sweep ...`` or, for EMA
Workbench, this script's ``_ema`` mode), timed from outside: wall time, and the CPU time of the
process and its workers from ``getrusage(RUSAGE_CHILDREN)``; peak memory comes from
``/usr/bin/time -f %M`` (the largest resident set of the process tree) and from sampling the
tree's summed RSS. The overhead is measured inside this process (``escsim.sweep.sweep``, serial,
CPU time), where start-up noise does not drown a fraction of a millisecond per point. Commands
alternate and repeat, and the medians are compared (the load average is printed with each
figure: wall-clock figures need the machine's cores free).

The replications are always those of ``benchmarks/bench_replication.py``: ``surge-2023`` run for
365 days under the proportional policy, root seed 2024.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT_SEED = 2024
SWEEP = [sys.executable, "-m", "escsim.cli", "sweep", "surge-2023", "--horizon", "365",
         "--seed", str(ROOT_SEED), "--no-plots", "--force"]
#: A sweep needs a swept key: one point, the reference's own policy.
ONE_POINT = ("--vary", "us_policy.preset=proportional")

GOALS = {
    "ema": ("escsim sweep throughput / EMA Workbench throughput", ">=", 2.0),  # issue 22
    "scaling": ("speed-up of 2 workers over 1", ">=", 1.8),
    "memory": ("peak RSS of 100,000 runs / 10,000 runs", "<=", 1.25),
    "overhead": ("per-point overhead / cost of a replication", "<", 0.10),
}


# --- measuring one command ----------------------------------------------------------------------
def _tree_rss_kb(root: int) -> int:
    """Summed resident set of ``root`` and its descendants (from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE") // 1024
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        p = frontier.pop()
        for child, parent in parents.items():
            if parent == p and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(rss.get(p, 0) for p in tree)


def run_measured(cmd: list[str], sample_memory: bool = False) -> dict[str, float]:
    """Run ``cmd`` (under ``/usr/bin/time`` when it exists); its wall and CPU seconds and peak
    memory."""
    timed = ["/usr/bin/time", "-f", "%M"] if Path("/usr/bin/time").exists() else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(timed + cmd, stdout=out, stderr=err,
                                env={**os.environ, "PYTHONWARNINGS": "ignore"})
        peak_tree = [0]
        if sample_memory:
            def sample() -> None:
                while proc.poll() is None:
                    peak_tree[0] = max(peak_tree[0], _tree_rss_kb(proc.pid))
                    time.sleep(0.05)
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
        code = proc.wait()
        wall = time.perf_counter() - start
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({code}):\n{stderr[-3000:]}")
    max_rss = float("nan")
    if timed:
        try:
            max_rss = float(stderr.strip().splitlines()[-1])
        except (IndexError, ValueError):
            pass
    return {
        "wall": wall,
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "max_rss_kb": max_rss,
        "tree_rss_kb": float(peak_tree[0]),
    }


def run_together(cmds: list[list[str]]) -> dict[str, float]:
    """Start ``cmds`` at once and wait for all; their wall time and summed CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env={**os.environ, "PYTHONWARNINGS": "ignore"}) for c in cmds]
    errors = [(c, p.communicate()[1], p.returncode) for c, p in zip(cmds, procs, strict=True)]
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    for c, err, code in errors:
        if code != 0:
            raise RuntimeError(f"{' '.join(c)} failed ({code}):\n{err.decode()[-3000:]}")
    return {"wall": wall,
            "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)}


def alternate(commands: dict[str, Callable[[], list[str]]], repeat: int,
              sample_memory: bool = False,
              after: dict[str, Callable[[], dict[str, float]]] | None = None,
              together: dict[str, Callable[[], list[list[str]]]] | None = None
              ) -> dict[str, dict[str, float]]:
    """Run each command ``repeat`` times, alternating; medians of each measure. ``together``:
    groups of commands started at once (a figure each); ``after``: by name, more measures taken
    once the command has run (read from its output)."""
    results: dict[str, list[dict[str, float]]] = {
        name: [] for name in [*commands, *(together or {})]}
    for _ in range(repeat):
        for name in results:
            if name in commands:
                r = run_measured(commands[name](), sample_memory)
            else:
                r = run_together((together or {})[name]())
            r.update((after or {}).get(name, dict)())
            results[name].append(r)
    return {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]}
            for name, rs in results.items()}


def chunk_cpu(*folders: Path) -> dict[str, float]:
    """CPU seconds spent inside the chunks of finished sweeps (their manifests) and their
    replications: the replications' own cost, without start-up, pool or summary."""
    cpu = runs = 0.0
    for folder in folders:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        cpu += float(manifest["compute_cpu_seconds"])
        runs += int(manifest["total_runs"])
    return {"chunk_cpu": cpu, "rep_cpu_ms": cpu / runs * 1e3}


def sweep_cmd(out: Path, runs: int, jobs: int, *extra: str) -> list[str]:
    """``escsim sweep`` of the reference scenario (one point unless ``extra`` varies a key)."""
    return [*SWEEP, "--runs", str(runs), "-j", str(jobs), "-o", str(out),
            *(extra or ONE_POINT)]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


# --- the four figures -----------------------------------------------------------------------------
def bench_ema(runs: int, repeat: int, work: Path) -> dict[str, Any]:
    """The same replications through escsim sweep and EMA Workbench's MultiprocessingEvaluator,
    2 workers each."""
    check_same_replications(work, runs=min(runs, 40))
    m = alternate({
        "escsim": lambda: sweep_cmd(work / "escsim", runs, 2),
        "ema": lambda: [sys.executable, str(Path(__file__).resolve()), "_ema", str(runs),
                        str(work / "ema.tar.gz")],
    }, repeat)
    return {
        "runs": runs, "repeat": repeat, "load": load(),
        "escsim_wall_s": m["escsim"]["wall"], "ema_wall_s": m["ema"]["wall"],
        "escsim_cpu_s": m["escsim"]["cpu"], "ema_cpu_s": m["ema"]["cpu"],
        "ratio": m["ema"]["wall"] / m["escsim"]["wall"],
        "cpu_ratio": m["ema"]["cpu"] / m["escsim"]["cpu"],
    }


def check_same_replications(work: Path, runs: int) -> None:
    """Both tools must run the same replications: compare their attack counts."""
    import pandas as pd

    run_measured(sweep_cmd(work / "same", runs, 1))
    escsim_attacks = sorted(pd.read_csv(work / "same" / "runs.csv")["attacks"])
    sys.path.insert(0, str(HERE))
    import ema_model

    ema_attacks = sorted(ema_model.replicate(r)["attacks"] for r in range(runs))
    if escsim_attacks != ema_attacks:
        raise RuntimeError("escsim sweep and the EMA model run different replications")


def ema_main(runs: int, out: str) -> None:
    """Run the replications through EMA Workbench (2 processes) and save its results."""
    import warnings

    warnings.filterwarnings("ignore")
    sys.path.insert(0, str(HERE))
    import ema_model
    from ema_workbench import (
        IntegerParameter,
        Model,
        MultiprocessingEvaluator,
        ScalarOutcome,
        Scenario,
        save_results,
    )

    model = Model("escsim", function=ema_model.replicate)
    model.uncertainties = [IntegerParameter("replication", 0, max(1, runs - 1))]
    model.outcomes = [ScalarOutcome(c) for c in ema_model.outcome_columns()]
    scenarios = [Scenario(str(r), replication=r) for r in range(runs)]
    with MultiprocessingEvaluator(model, n_processes=2) as evaluator:
        results = evaluator.perform_experiments(scenarios=scenarios)
    save_results(results, out)


def bench_scaling(runs: int, repeat: int, work: Path) -> dict[str, Any]:
    """1 worker vs 2, and a control: two 1-worker sweeps of half the runs each, started
    at once (no pool). Each sweep's manifest gives the CPU inside its chunks, whose work is fixed
    by the seeds: the same replications costing more CPU with two processes running is the
    machine (two busy cores share caches, memory and, on a virtual machine, perhaps a physical
    core), the same in the control as in the pool; CPU outside the chunks is the pool's and the
    command's own."""
    half = max(1, runs // 2)
    m = alternate({
        "one": lambda: sweep_cmd(work / "j1", runs, 1),
        "two": lambda: sweep_cmd(work / "j2", runs, 2),
    }, repeat, after={
        "one": lambda: chunk_cpu(work / "j1"),
        "two": lambda: chunk_cpu(work / "j2"),
        "pair": lambda: chunk_cpu(work / "pa", work / "pb"),
    }, together={
        "pair": lambda: [sweep_cmd(work / "pa", half, 1), sweep_cmd(work / "pb", half, 1)],
    })
    one, two, pair = m["one"], m["two"], m["pair"]
    return {"runs": runs, "repeat": repeat, "load": load(),
            "one_worker_wall_s": one["wall"], "two_workers_wall_s": two["wall"],
            "one_worker_cpu_s": one["cpu"], "two_workers_cpu_s": two["cpu"],
            "one_worker_rep_cpu_ms": one["rep_cpu_ms"],
            "two_workers_rep_cpu_ms": two["rep_cpu_ms"],
            "outside_chunks_cpu_s_1": one["cpu"] - one["chunk_cpu"],
            "outside_chunks_cpu_s_2": two["cpu"] - two["chunk_cpu"],
            "control_rep_cpu_ms": pair["rep_cpu_ms"],
            "pool_rep_cpu_factor": two["rep_cpu_ms"] / one["rep_cpu_ms"],
            "control_rep_cpu_factor": pair["rep_cpu_ms"] / one["rep_cpu_ms"],
            "ratio": one["wall"] / two["wall"]}


def bench_memory(small: int, large: int, points: int, repeat: int, work: Path
                 ) -> dict[str, Any]:
    """Peak RSS of two sweeps that differ only in their number of runs, spread over ``points``
    points (a key swept over a range too narrow to change the dynamics, if more than one)."""
    spread = () if points == 1 else ("--vary", f"iran.pause_mean_days=540:540.001:{points}")
    m = alternate({
        "small": lambda: sweep_cmd(work / "small", small // points, 2, *spread),
        "large": lambda: sweep_cmd(work / "large", large // points, 2, *spread),
    }, repeat, sample_memory=True)
    return {"small_runs": small, "large_runs": large, "points": points, "repeat": repeat,
            "load": load(),
            "small_max_rss_mb": m["small"]["max_rss_kb"] / 1024,
            "large_max_rss_mb": m["large"]["max_rss_kb"] / 1024,
            "small_tree_rss_mb": m["small"]["tree_rss_kb"] / 1024,
            "large_tree_rss_mb": m["large"]["tree_rss_kb"] / 1024,
            "small_wall_s": m["small"]["wall"], "large_wall_s": m["large"]["wall"],
            "ratio": m["large"]["max_rss_kb"] / m["small"]["max_rss_kb"],
            "tree_ratio": m["large"]["tree_rss_kb"] / m["small"]["tree_rss_kb"]}


def bench_overhead(points: int, repeat: int, work: Path) -> dict[str, Any]:
    """Serial, in this process's CPU time, through ``escsim.sweep.sweep`` (what ``escsim sweep
    -j 1`` runs, without its start-up): ``points`` points of 1 run, 1 point of ``points`` runs,
    1 point of ``points // 10`` runs, alternating. The marginal cost of a replication comes from
    the last two (fixed costs cancel); the per-point overhead from the first two."""
    from escsim.sweep import sweep

    key = "iran.pause_mean_days"  # swept over a range too narrow to change the dynamics
    tenth = max(1, points // 10)
    common: dict[str, Any] = {"seed": ROOT_SEED, "overrides": ["scenario.horizon_days=365"],
                              "force": True}
    variants: dict[str, Callable[[], Any]] = {
        "many": lambda: sweep("surge-2023", [f"{key}=540:540.001"], work / "many", design="lhs",
                              samples=points, runs=1, **common),
        "one": lambda: sweep("surge-2023", [f"{key}=540"], work / "one", runs=points, **common),
        "tenth": lambda: sweep("surge-2023", [f"{key}=540"], work / "tenth", runs=tenth,
                               **common),
    }
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    with warnings.catch_warnings():  # the key changes no run here, on purpose: no warning
        warnings.simplefilter("ignore", UserWarning)
        variants["tenth"]()  # warm imports and caches
        for _ in range(repeat):
            for name, run in variants.items():
                start = time.process_time()
                run()
                cpu[name].append(time.process_time() - start)
    m = {name: statistics.median(v) for name, v in cpu.items()}
    replication = (m["one"] - m["tenth"]) / (points - tenth)
    per_point = (m["many"] - m["one"]) / (points - 1)
    return {"points": points, "repeat": repeat, "load": load(),
            "many_points_cpu_s": m["many"], "one_point_cpu_s": m["one"],
            "tenth_cpu_s": m["tenth"],
            "replication_ms": replication * 1e3, "per_point_overhead_ms": per_point * 1e3,
            "ratio": per_point / replication}


# --- reporting ------------------------------------------------------------------------------------
def verdict(name: str, ratio: float) -> tuple[str, bool]:
    text, op, goal = GOALS[name]
    ok = {">=": ratio >= goal, "<=": ratio <= goal, "<": ratio < goal}[op]
    return f"{text}: {ratio:.3g} (goal {op} {goal:g}) {'met' if ok else 'NOT met'}", ok


def show(name: str, r: dict[str, Any]) -> bool:
    line, ok = verdict(name, r["ratio"])
    print(f"== {name}: {line}")
    for k, v in r.items():
        if k != "ratio":
            print(f"   {k:24s} {v:.4g}" if isinstance(v, float) else f"   {k:24s} {v}")
    sys.stdout.flush()
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["ema", "scaling", "memory", "overhead", "all", "_ema"])
    ap.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    ap.add_argument("--runs", type=int, help="replications (ema: 4000, scaling: 20000)")
    ap.add_argument("--small", type=int, default=10_000, help="memory: the smaller sweep")
    ap.add_argument("--large", type=int, default=100_000, help="memory: the larger sweep")
    ap.add_argument("--memory-points", type=int, nargs="+", default=[1, 20],
                    help="memory: points the runs are spread over (one figure for each)")
    ap.add_argument("--points", type=int, default=2000, help="overhead: points of 1 run")
    ap.add_argument("--repeat", type=int, default=5, help="repeats of each command (median)")
    ap.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    ap.add_argument("--keep", metavar="DIR", help="keep the sweep folders in DIR")
    a = ap.parse_args(argv)
    if a.what == "_ema":
        ema_main(int(a.args[0]), a.args[1])
        return 0
    work = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="escsim-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    ok = True
    try:
        todo = ["ema", "scaling", "overhead", "memory"] if a.what == "all" else [a.what]
        for name in todo:
            if name == "ema":
                r = bench_ema(a.runs or 4000, a.repeat, work)
            elif name == "scaling":
                r = bench_scaling(a.runs or 20_000, max(1, a.repeat - 1), work)
            elif name == "memory":
                for points in a.memory_points:
                    r = bench_memory(a.small, a.large, points, 1, work)
                    ok = show(name, r) and ok
                continue
            else:
                r = bench_overhead(a.points, a.repeat, work)
            ok = show(name, r) and ok
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if ok or not a.check else 1


if __name__ == "__main__":
    sys.exit(main())
