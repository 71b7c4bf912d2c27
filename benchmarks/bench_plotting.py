"""The share of `escsim run --all --runs 300` spent drawing figures, measured in one run.

The command reports, with --json, the seconds it spent simulating and writing tables and the
seconds it spent drawing figures (escsim/cli/main.py). This script runs it in a temporary folder
(``--repeat`` times, 3 by default) and prints both and the drawing share of the wall time for
each run, then the median share. Goal (issue 11): at most 0.25.

    python benchmarks/bench_plotting.py [--runs 300] [--jobs N] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    command = [sys.executable, "-m", "escsim.cli", "run", "--all", "--runs", str(args.runs),
               "--json", "-q", "--out", "compare"]
    if args.jobs:
        command += ["--jobs", str(args.jobs)]
    shares = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="escsim-bench-plot-") as here:
            started = time.perf_counter()
            done = subprocess.run(command, cwd=here, env=env, capture_output=True, text=True,
                                  check=True)
            wall = time.perf_counter() - started
        seconds = json.loads(done.stdout)["seconds"]
        shares.append(seconds["figures"] / wall)
        print(f"escsim run --all --runs {args.runs}: wall {wall:.1f}s (process start "
              f"included), simulation and tables {seconds['simulation']:.1f}s, figures "
              f"{seconds['figures']:.2f}s, plotting share {shares[-1]:.3f}")
    print(f"plotting share of the wall time, median of {len(shares)}: "
          f"{statistics.median(shares):.3f} (goal: at most 0.25)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
