"""The command line's own costs, as ratios measured in one run on one machine.

* ``startup``: ``escsim --version`` (and ``escsim --help``) against ``python -c "import click"``,
  fresh processes, alternating, median wall time of ``--repeat`` runs each. Goal: at most 5x.
* ``run-memory``: peak RSS of ``escsim run baseline-2024-11 --runs 100000 --no-plots`` against the
  same with 10,000 runs (``/usr/bin/time -f %M``: the largest process; and the summed RSS of the
  process tree sampled from /proc). Goal: at most 1.15x (``escsim run`` streams its rows to disk
  and tallies the daily bands, and its report is built from ``summary.json``, so its memory does
  not grow with the number of runs).
* ``report-memory``: peak RSS of ``escsim report`` of a run folder whose ``runs.csv`` holds
  100,000 rows against the same folder with 10,000 (one run of 200 replications, its rows
  repeated: seconds, not the minutes of ``run-memory``, and independent of the load). Goal: at
  most 1.05x (the report reads ``summary.json``, never the runs table).

    python benchmarks/bench_cli.py startup
    python benchmarks/bench_cli.py run-memory [--small 10000 --large 100000]
    python benchmarks/bench_cli.py report-memory [--small 10000 --large 100000]
    python benchmarks/bench_cli.py all --check
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_sweep  # noqa: E402
from bench_sweep import alternate, load, run_measured, show  # noqa: E402

bench_sweep.GOALS.update({
    "startup": ("escsim --version / python -c 'import click' (wall time)", "<=", 5.0),
    "run-memory": ("peak RSS of escsim run, 100,000 runs / 10,000 runs", "<=", 1.15),
    "report-memory": ("peak RSS of escsim report, 100,000-row runs.csv / 10,000", "<=", 1.05),
})
ESCSIM = [sys.executable, "-m", "escsim.cli"]


def bench_startup(repeat: int) -> dict[str, Any]:
    """Median wall seconds of fresh processes; ``escsim`` as its console script would run."""
    commands = {
        "click": [sys.executable, "-c", "import click"],
        "version": [*ESCSIM, "--version"],
        "help": [*ESCSIM, "--help"],
    }
    walls: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(repeat):
        for name, cmd in commands.items():
            start = time.perf_counter()
            run_measured(cmd)
            walls[name].append(time.perf_counter() - start)
    m = {k: statistics.median(v) for k, v in walls.items()}
    return {"repeat": repeat, "load": load(), "import_click_s": m["click"],
            "escsim_version_s": m["version"], "escsim_help_s": m["help"],
            "help_ratio": m["help"] / m["click"], "ratio": m["version"] / m["click"]}


def bench_run_memory(small: int, large: int, work: Path) -> dict[str, Any]:
    def cmd(name: str, runs: int) -> list[str]:
        return [*ESCSIM, "run", "baseline-2024-11", "--runs", str(runs), "--no-plots",
                "--out", str(work / name), "--force", "-j", "2"]

    m = alternate({"small": lambda: cmd("small", small), "large": lambda: cmd("large", large)},
                  1, sample_memory=True)
    return {"small_runs": small, "large_runs": large, "load": load(),
            "small_max_rss_mb": m["small"]["max_rss_kb"] / 1024,
            "large_max_rss_mb": m["large"]["max_rss_kb"] / 1024,
            "small_tree_rss_mb": m["small"]["tree_rss_kb"] / 1024,
            "large_tree_rss_mb": m["large"]["tree_rss_kb"] / 1024,
            "small_wall_s": m["small"]["wall"], "large_wall_s": m["large"]["wall"],
            "tree_ratio": m["large"]["tree_rss_kb"] / m["small"]["tree_rss_kb"],
            "ratio": m["large"]["max_rss_kb"] / m["small"]["max_rss_kb"]}


def bench_report_memory(small: int, large: int, work: Path) -> dict[str, Any]:
    base = work / "base"
    run_measured([*ESCSIM, "run", "baseline-2024-11", "--runs", "200", "--no-plots",
                  "--no-report", "--out", str(base), "-j", "1"])
    header, *rows = (base / "runs.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    for name, n in (("small", small), ("large", large)):
        shutil.copytree(base, work / name)
        with open(work / name / "runs.csv", "w", encoding="utf-8") as fh:
            fh.write(header)
            for i in range(n):
                fh.write(rows[i % len(rows)])
    m = alternate({"small": lambda: [*ESCSIM, "report", str(work / "small")],
                   "large": lambda: [*ESCSIM, "report", str(work / "large")]}, 2,
                  sample_memory=True)
    return {"small_rows": small, "large_rows": large, "load": load(),
            "small_max_rss_mb": m["small"]["max_rss_kb"] / 1024,
            "large_max_rss_mb": m["large"]["max_rss_kb"] / 1024,
            "ratio": m["large"]["max_rss_kb"] / m["small"]["max_rss_kb"]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["startup", "run-memory", "report-memory", "all"])
    ap.add_argument("--repeat", type=int, default=15, help="startup: runs of each command")
    ap.add_argument("--small", type=int, default=10_000, help="run-memory: the smaller run")
    ap.add_argument("--large", type=int, default=100_000, help="run-memory: the larger run")
    ap.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    a = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="escsim-bench-cli-"))
    ok = True
    try:
        if a.what in ("startup", "all"):
            ok = show("startup", bench_startup(a.repeat)) and ok
        if a.what in ("run-memory", "all"):
            ok = show("run-memory", bench_run_memory(a.small, a.large, work)) and ok
        if a.what in ("report-memory", "all"):
            ok = show("report-memory", bench_report_memory(a.small, a.large, work)) and ok
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok or not a.check else 1


if __name__ == "__main__":
    sys.exit(main())
