"""The rolling evaluation of the benchmark forecasters: how long the default run takes.

``escsim.forecast.evaluate()`` with its defaults (58 rolling origins and the year after the seed,
30- and 90-day windows, zeros, bootstrap, negbin, hawkes and climatology, 2000 samples per
forecast), each repeat in a fresh process (imports included), then the time each forecaster
takes (fit and sample) within one process. Goal: the whole default evaluation in at most 120 s
wall on the 2-core machine (it runs in one process; the second core is free for others).

    python benchmarks/bench_forecast.py [--repeat 3] [--check]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

GOAL_S = 120.0

CHILD = """
import resource, time
t0 = time.perf_counter()
from escsim.forecast import evaluate
ev = evaluate()
wall = time.perf_counter() - t0
cpu = resource.getrusage(resource.RUSAGE_SELF)
print(wall, cpu.ru_utime + cpu.ru_stime, len(ev.counts), len(ev.events))
"""


def per_forecaster() -> dict[str, float]:
    """CPU seconds of each forecaster (fitting and sampling) over the default plan."""
    from escsim.forecast import default_benchmarks, evaluate, record_series

    series = record_series()
    out = {}
    for f in default_benchmarks():
        c0 = time.process_time()
        evaluate([f], series=series)
        out[f.name] = time.process_time() - c0
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit 1 if the goal is missed")
    args = parser.parse_args(argv)
    walls, cpus = [], []
    for _ in range(args.repeat):
        out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                             check=True)
        wall, cpu, n_counts, n_events = out.stdout.split()
        walls.append(float(wall))
        cpus.append(float(cpu))
    wall_s, cpu_s = statistics.median(walls), statistics.median(cpus)
    print(f"load average {os.getloadavg()[0]:.1f}; {args.repeat} fresh processes")
    print(f"default evaluation: {wall_s:6.1f} s wall, {cpu_s:6.1f} s CPU (median; "
          f"{n_counts} count rows, {n_events} event rows)")
    for name, seconds in per_forecaster().items():
        print(f"  {name:<12} {seconds:6.1f} s CPU (fit, sample and score)")
    met = wall_s <= GOAL_S
    print(f"goal: <= {GOAL_S:.0f} s wall: {'met' if met else 'NOT MET'}")
    return 0 if met or not args.check else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
