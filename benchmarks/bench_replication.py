"""Cost of one replication in units of the engine's own floor, a bare SimPy timeout.

Run::

    python benchmarks/bench_replication.py            # print the figures
    python benchmarks/bench_replication.py --check    # exit 1 if the goal is missed
    python benchmarks/bench_replication.py --profile  # also write a pyinstrument profile

The reference replication is ``surge-2023`` run for 365 days under the proportional policy.
Everything is measured in this one process and reported as ratios, so the figures carry from one
machine to another: every pass runs the same replications in short chunks and times a loop of
bare ``env.timeout(1)`` events between chunks; each chunk's time is divided by the mean of the
two bare timings around it. Times are this process's CPU time (``time.process_time``), so another
program taking turns on the same core does not count as ours; chunks are short, and the figure
reported is the median over passes, which shrugs off what sharing remains (caches, clock changes).

Events are counted in a separate pass (with ``Environment.step`` wrapped), so the timed passes run
the model exactly as ``escsim run`` does.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from typing import Any

import simpy
import simpy.core

import escsim

#: The goal: at most this many bare-timeout equivalents per simulated attack.
GOAL_PER_ATTACK = 4.0
REFERENCE = ("surge-2023", ["scenario.horizon_days=365"])
#: The fixed cost of a replication: the outlook scenario run for one day (world, streams, the
#: initial state, the row and the daily series; about a third of an attack on average).
FIXED = ("baseline-2024-11", ["scenario.horizon_days=1"])
#: The goal for the fixed cost, in milliseconds of CPU time.
GOAL_FIXED_MS = 0.2
#: This process's CPU time: other programs on the machine do not add to it.
CLOCK = time.process_time


def reference_scenario(which: tuple[str, list[str]] = REFERENCE) -> escsim.Scenario:
    name, overrides = which
    return escsim.load_scenario(name, overrides)


def bare_timeout_seconds(n: int) -> float:
    """Mean wall time of one bare SimPy timeout: a process yielding ``env.timeout(1)`` n times."""
    env = simpy.Environment()

    def loop(env: simpy.Environment, n: int) -> Generator[simpy.Event, Any, None]:
        timeout = env.timeout
        for _ in range(n):
            yield timeout(1)

    env.process(loop(env, n))
    start = CLOCK()
    env.run()
    return (CLOCK() - start) / n


def replications_seconds(scenario: escsim.Scenario, seeds: list[int]) -> float:
    """Mean wall time of one replication over ``seeds`` (the engine's own entry point)."""
    run = escsim.run_replication
    start = CLOCK()
    for r, seed in enumerate(seeds):
        run(scenario, seed, replication=r)
    return (CLOCK() - start) / len(seeds)


@contextmanager
def counting_steps() -> Iterator[list[int]]:
    """Count every SimPy event processed while the block runs."""
    counter = [0]
    original = simpy.core.Environment.step

    def step(self: simpy.core.Environment) -> None:
        counter[0] += 1
        original(self)

    simpy.core.Environment.step = step  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        simpy.core.Environment.step = original  # type: ignore[method-assign]


def model_counts(scenario: escsim.Scenario, seeds: list[int]) -> dict[str, float]:
    """Mean SimPy events, attacks and strike rounds per replication over ``seeds``."""
    attacks = strikes = 0
    with counting_steps() as events:
        for r, seed in enumerate(seeds):
            row = escsim.run_replication(scenario, seed, replication=r).row
            attacks += row["attacks"]
            strikes += row["us_strikes"]
    n = len(seeds)
    return {"events": events[0] / n, "attacks": attacks / n, "us_strikes": strikes / n}


def measure(passes: int, reps: int, chunk: int, bare_n: int, root_seed: int = 2024,
            which: tuple[str, list[str]] = REFERENCE) -> dict[str, Any]:
    """Time ``passes`` passes over the same ``reps`` seeds, in chunks of ``chunk`` replications
    with a bare-timeout measurement at every chunk boundary; each chunk's time is expressed in
    the mean of the bare timings on either side of it, and a pass's figure is the sum over its
    chunks. Reported: medians over passes."""
    scenario = reference_scenario(which)
    seeds = [escsim.replication_seed(root_seed, r) for r in range(reps)]
    counts = model_counts(scenario, seeds)
    replications_seconds(scenario, seeds[: max(1, reps // 10)])  # warm caches and imports
    per_rep, rep_times, bare_times = [], [], []
    for _ in range(passes):
        bare = [bare_timeout_seconds(bare_n)]
        units = seconds = 0.0
        for start in range(0, reps, chunk):
            batch = seeds[start:start + chunk]
            t = replications_seconds(scenario, batch) * len(batch)
            bare.append(bare_timeout_seconds(bare_n))
            units += t / ((bare[-2] + bare[-1]) / 2)
            seconds += t
        per_rep.append(units / reps)
        rep_times.append(seconds / reps)
        bare_times.append(statistics.median(bare))
    per_replication = statistics.median(per_rep)
    return {
        "passes": passes,
        "replications": reps,
        "bare_timeout_us": statistics.median(bare_times) * 1e6,
        "replication_ms": statistics.median(rep_times) * 1e3,
        "timeouts_per_replication": per_replication,
        "timeouts_per_replication_spread": (min(per_rep), max(per_rep)),
        "events_per_replication": counts["events"],
        "attacks_per_replication": counts["attacks"],
        "strikes_per_replication": counts["us_strikes"],
        "timeouts_per_attack": per_replication / max(counts["attacks"], 1e-9),
        "timeouts_per_event": per_replication / counts["events"],
    }


def report(m: dict[str, Any]) -> str:
    lo, hi = m["timeouts_per_replication_spread"]
    lines = [
        f"machine: {platform.machine()} {cpu_model()}, Python {platform.python_version()}, "
        f"SimPy {simpy.__version__}, escsim {escsim.__version__}",
        f"reference: {REFERENCE[0]} {' '.join(REFERENCE[1])}, proportional policy; "
        f"{m['replications']} replications x {m['passes']} passes, medians of CPU time",
        f"bare SimPy timeout            {m['bare_timeout_us']:8.3f} us   (the unit)",
        f"replication                   {m['replication_ms']:8.3f} ms",
        f"replication / bare timeout    {m['timeouts_per_replication']:8.1f}      "
        f"(passes {lo:.1f}-{hi:.1f})",
        f"SimPy events per replication  {m['events_per_replication']:8.1f}",
        f"attacks per replication       {m['attacks_per_replication']:8.1f}",
        f"US strike rounds per rep.     {m['strikes_per_replication']:8.1f}",
        f"bare timeouts per event       {m['timeouts_per_event']:8.2f}",
        f"bare timeouts per attack      {m['timeouts_per_attack']:8.2f}   "
        f"(goal <= {GOAL_PER_ATTACK:g})",
    ]
    return "\n".join(lines)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


@contextmanager
def attacks_only() -> Iterator[None]:
    """The US side reduced to counting each attack: the group's callback draws its weapon and
    counts the attack, with no site, outcome, casualties, policy, strikes, Iran or Baghdad
    reaction. What is left is the militia groups' attack processes and the engine (the shape of
    the issue's stripped-down prototype)."""
    from bisect import bisect_right

    from escsim.model.draws import RESERVE
    from escsim.model.militia import Militia

    original = Militia._on_attack

    def count_only(self: Any, _event: Any) -> None:
        now = self._env.now
        pool = self.attack_pool
        if len(pool) < RESERVE:
            self.attack_draws.top_up()
        bisect_right(self._weapon_cuts, pool.pop())
        self._recorder.attack(now)
        self._draw(now, self._excitation_then, self._lost_then, self._cut_then)

    Militia._on_attack = count_only  # type: ignore[method-assign]
    try:
        yield
    finally:
        Militia._on_attack = original  # type: ignore[method-assign]


def profile(reps: int, path: str) -> None:
    from pyinstrument import Profiler

    scenario = reference_scenario()
    seeds = [escsim.replication_seed(7, r) for r in range(reps)]
    profiler = Profiler(interval=0.0002)
    profiler.start()
    replications_seconds(scenario, seeds)
    profiler.stop()
    with open(path, "w") as f:
        f.write(profiler.output_text(unicode=False, color=False, show_all=False))
    print(f"profile written to {path}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--passes", type=int, default=5, help="passes over the seeds (median)")
    ap.add_argument("--reps", type=int, default=200, help="replications (seeds) per pass")
    ap.add_argument("--chunk", type=int, default=10, help="replications between bare timings")
    ap.add_argument("--bare", type=int, default=20_000, help="bare timeouts per measurement")
    ap.add_argument("--check", action="store_true", help="exit 1 if the goal is missed")
    ap.add_argument("--profile", metavar="FILE", help="also write a pyinstrument text profile")
    ap.add_argument("--decompose", action="store_true",
                    help="also measure the militia processes and engine alone (the US side "
                         "reduced to counting attacks)")
    ap.add_argument("--no-fixed", action="store_true", help="skip the fixed-cost figure")
    args = ap.parse_args(argv)
    m = measure(args.passes, args.reps, args.chunk, args.bare)
    print(report(m))
    fixed = None if args.no_fixed else measure(args.passes, 5 * args.reps, 5 * args.chunk,
                                               args.bare, which=FIXED)
    if fixed is not None:
        print(f"fixed cost per replication      {fixed['replication_ms']:8.3f} ms = "
              f"{fixed['timeouts_per_replication']:.0f} bare timeouts (passes "
              f"{fixed['timeouts_per_replication_spread'][0]:.0f}-"
              f"{fixed['timeouts_per_replication_spread'][1]:.0f}; {FIXED[0]} "
              f"{' '.join(FIXED[1])}, {fixed['attacks_per_replication']:.2f} attacks, "
              f"{fixed['events_per_replication']:.1f} events; goal <= {GOAL_FIXED_MS:g} ms, "
              f"{GOAL_FIXED_MS * 1e3 / m['bare_timeout_us']:.0f} bare timeouts here)")
        share = fixed["timeouts_per_replication"] / m["timeouts_per_replication"]
        print(f"fixed cost / reference replication  {share:.3f}")
    if args.decompose:
        with attacks_only():
            alone = measure(args.passes, args.reps, args.chunk, args.bare)
        print(f"militia processes and engine alone: {alone['timeouts_per_attack']:.2f} bare "
              f"timeouts per attack ({alone['attacks_per_replication']:.1f} attacks, "
              f"{alone['events_per_replication']:.1f} events per replication); the rest of "
              f"the model adds {m['timeouts_per_attack'] - alone['timeouts_per_attack']:.2f}")
    if args.profile:
        profile(args.reps, args.profile)
    failed = []
    if m["timeouts_per_attack"] > GOAL_PER_ATTACK:
        failed.append(f"{m['timeouts_per_attack']:.2f} bare timeouts per attack > "
                      f"{GOAL_PER_ATTACK:g}")
    if fixed is not None and fixed["replication_ms"] > GOAL_FIXED_MS:
        failed.append(f"fixed cost {fixed['replication_ms']:.3f} ms > {GOAL_FIXED_MS:g} ms")
    if args.check and failed:
        print("FAIL: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
