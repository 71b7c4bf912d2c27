"""Rare-event splitting against brute force: is it right, and how much work does it save?

Run::

    python benchmarks/bench_tail.py validate    # iran-israel-shock, rung 8: 10 root seeds of
                                                # splitting vs one 100,000-run plain estimate
    python benchmarks/bench_tail.py restraint   # us-restraint, rung 8: splitting with the
                                                # command's defaults (goal: a 95% interval of
                                                # +-20%), vs the plain runs needed
    python benchmarks/bench_tail.py all         # both (about 5 minutes on 2 idle cores)
    python benchmarks/bench_tail.py snapshot    # what copying a paused world would cost a
                                                # clone, against a whole replication
    python benchmarks/bench_tail.py crosscheck  # us-restraint's hard level, P(rung 7 | rung 6),
                                                # from clones of plain histories' crossings
    python benchmarks/bench_tail.py spread      # how unlike one another the states crossing
                                                # rung 6 are: the floor of any splitting
    ... --check                                 # exit 1 if a goal is missed

Everything runs on a local process pool of 2 workers (``--workers``) and is timed by wall clock
in this one process, so the figures compare the two estimators on the same machine under the
same load (the load average is printed with them).

Two measures of the gain, both "variance reduction per unit of work" -- the factor by which
plain Monte Carlo would need more work for the same variance:

* by cost: ``ESS / cost``, where ESS = p(1-p)/Var(splitting estimate) is the number of plain
  runs with the splitting estimate's variance and cost is the simulated days of every history
  the splitting ran (replays included) over the horizon;
* by wall time: the plain runs one could make in the splitting's wall time (at the plain rate
  measured here) against ESS.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from typing import Any

from scipy import stats

import escsim
from escsim.apps.tail import NO_TAIL
from escsim.executors import ProcessExecutor
from escsim.tail.splitting import estimate_tail

GOALS = {
    "agreement": ("root seeds whose splitting interval holds the plain estimate", ">=", 8),
    "restraint_minutes": ("minutes to +-20% on us-restraint (2 workers)", "<=", 10.0),
    "restraint_half_width": ("relative half-width reached on us-restraint", "<=", 0.20),
    "restraint_gain": ("times faster than plain runs to the same precision (by wall)", ">=",
                       10.0),
}


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def plain(scenario: escsim.Scenario, runs: int, seed: int, executor: Any
          ) -> tuple[float, int, float]:
    """P(rung 8) from ``runs`` plain replications: (estimate, hits, wall seconds)."""
    started = time.perf_counter()
    sim = escsim.simulate(scenario, runs=runs, seed=seed, executor=executor)
    wall = time.perf_counter() - started
    hits = int(sim.runs["day_rung_8"].notna().sum())
    return hits / runs, hits, wall


def validate(workers: int, seeds: int, plain_runs: int, repetitions: int, effort: int
             ) -> dict[str, float]:
    scenario = escsim.load_scenario("iran-israel-shock")
    pool = ProcessExecutor(workers)
    try:
        p, hits, wall = plain(scenario, plain_runs, 1, pool)
        rate = plain_runs / wall
        se_plain = math.sqrt(p * (1 - p) / plain_runs)
        print(f"iran-israel-shock, rung 8, plain: {hits}/{plain_runs} = {p:.5f} "
              f"(se {se_plain:.5f}), {wall:.1f} s, {rate:.0f} runs/s  [load {_load()}]")
        print(f"splitting: {repetitions} repetitions x {effort} histories per level, "
              f"root seeds 1001..{1000 + seeds}")
        print(f"  {'seed':>5} {'estimate':>9} {'95% interval':>22} {'holds':>6} {'z':>6} "
              f"{'ESS':>8} {'cost':>8} {'wall s':>7} {'VRF cost':>9} {'VRF wall':>9}")
        held, vrf_cost, vrf_wall, estimates = 0, [], [], []
        for seed in range(1001, 1001 + seeds):
            started = time.perf_counter()
            est = estimate_tail(scenario, 8, root_seed=seed, repetitions=repetitions,
                                effort=effort, executor=pool)
            t = time.perf_counter() - started
            low, high = est.interval
            holds = low <= p <= high
            held += holds
            z = (est.estimate - p) / math.hypot(est.standard_error, se_plain)
            vc = est.effective_sample_size / est.cost_replications
            vw = est.effective_sample_size / (rate * t)
            vrf_cost.append(vc)
            vrf_wall.append(vw)
            estimates.append(est.estimate)
            print(f"  {seed:>5} {est.estimate:>9.5f} [{low:>9.5f}, {high:>9.5f}] "
                  f"{'yes' if holds else 'NO':>6} {z:>6.2f} {est.effective_sample_size:>8.0f} "
                  f"{est.cost_replications:>8.0f} {t:>7.1f} {vc:>9.2f} {vw:>9.2f}")
        mean = sum(estimates) / len(estimates)
        sd = math.sqrt(sum((e - mean) ** 2 for e in estimates) / (len(estimates) - 1))
        print(f"  mean of the {seeds} estimates {mean:.5f} (sd {sd:.5f}); plain {p:.5f}; "
              f"intervals holding the plain estimate: {held}/{seeds} "
              f"(expected about {0.95 * seeds:.1f}; P(<= {held - 1}) = "
              f"{stats.binom.cdf(held - 1, seeds, 0.95):.3f} if coverage is 95%)")
        print(f"  variance reduction per unit of work: by cost median "
              f"{sorted(vrf_cost)[seeds // 2]:.2f}, by wall time median "
              f"{sorted(vrf_wall)[seeds // 2]:.2f}  [load {_load()}]")
        return {"agreement": held}
    finally:
        pool.close()


def restraint(workers: int, plain_runs: int, repetitions: int, effort: int
              ) -> dict[str, float]:
    scenario = escsim.load_scenario("us-restraint")
    pool = ProcessExecutor(workers)
    try:
        p_plain, hits, wall_plain = plain(scenario, plain_runs, 3, pool)
        rate = plain_runs / wall_plain
        print(f"us-restraint, rung 8, plain: {hits}/{plain_runs} = {p_plain:.2e}, "
              f"{wall_plain:.1f} s, {rate:.0f} runs/s  [load {_load()}]")
        started = time.perf_counter()
        est = estimate_tail(scenario, 8, root_seed=7, repetitions=repetitions, effort=effort,
                            executor=pool)
        wall = time.perf_counter() - started
        low, high = est.interval
        p = est.estimate
        print(f"splitting (the command's defaults: {repetitions} repetitions, effort {effort}, "
              f"levels and histories per level from a pilot: "
              + ", ".join(f"{lv}: {n}" for lv, n in zip(est.levels, est.effort, strict=True))
              + f"): {p:.3e} [{low:.3e}, {high:.3e}], relative half-width "
              f"{est.relative_half_width:.3f}, {wall:.1f} s ({wall / 60:.2f} min), "
              f"cost {est.cost_replications:.0f} replication equivalents, ESS "
              f"{est.effective_sample_size:.0f}")
        print("  conditional probabilities: " + ", ".join(
            f"{lv}: {q:.4f}" for lv, q in zip(est.levels, est.conditional_probabilities,
                                             strict=True)))
        print("  distinct stage-0 ancestors of each level's crossing states (mean per "
              "repetition): " + ", ".join(f"{lv}: {a:.1f}" for lv, a in
                                          zip(est.levels, est.ancestors, strict=True)))
        z = stats.norm.ppf(0.975)
        needed = (z / 0.2) ** 2 * (1 - p) / p
        print(f"  plain Monte Carlo for +-20% at p = {p:.2e}: {needed:,.0f} runs, "
              f"{needed / rate / 60:.0f} min at {rate:.0f} runs/s")
        print(f"  variance reduction per unit of work: by cost "
              f"{est.effective_sample_size / est.cost_replications:.1f}, by wall time "
              f"{est.effective_sample_size / (rate * wall):.1f}  [load {_load()}]")
        return {"restraint_minutes": wall / 60, "restraint_half_width": est.relative_half_width,
                "restraint_gain": est.effective_sample_size / (rate * wall)}
    finally:
        pool.close()


def _rung6_states(task: tuple[int, int, int]) -> list[tuple[int, bool]]:
    """Seeds (root ``task[0]``, replications ``task[1]..task[2]-1``) of us-restraint whose plain
    history reaches rung 6, and whether it goes on to rung 7."""
    from escsim.engine import replication_seed, run_replication

    scenario = escsim.load_scenario("us-restraint")
    out = []
    for r in range(task[1], task[2]):
        seed = replication_seed(task[0], r)
        row = run_replication(scenario, seed).row
        if row["day_rung_6"] is not None:
            out.append((seed, row["day_rung_7"] is not None))
    return out


def _clones_to_rung7(task: tuple[int, int]) -> int:
    """Of ``task[1]`` clones of the history of seed ``task[0]`` made at its rung-6 crossing,
    how many reach rung 7."""
    from escsim.tail.history import Recipe, continue_history
    from escsim.tail.levels import plan_levels

    scenario = escsim.load_scenario("us-restraint")
    plan = plan_levels(scenario, 8)
    j6, j7 = plan.levels.index(6), plan.levels.index(7)
    return sum(continue_history(scenario, plan, Recipe(task[0], ((j6, k),)), j7)[0].crossed
               for k in range(task[1]))


def crosscheck(workers: int, runs: int, clones: int) -> dict[str, float]:
    """us-restraint's hard level, P(rung 7 | rung 6), without the splitting estimator: the
    rung-6 states of plain histories, each cloned ``clones`` times (a check of the clones'
    conditional law against plain Monte Carlo's: the originals' own fraction)."""
    from concurrent.futures import ProcessPoolExecutor

    started = time.perf_counter()
    with ProcessPoolExecutor(workers) as ex:
        parts = [(555, a, min(a + 1000, runs)) for a in range(0, runs, 1000)]
        states = [s for part in ex.map(_rung6_states, parts) for s in part]
        hits = list(ex.map(_clones_to_rung7, [(seed, clones) for seed, _ in states],
                           chunksize=4))
    q = [h / clones for h in hits]
    mean = sum(q) / len(q)
    se = math.sqrt(sum((x - mean) ** 2 for x in q) / (len(q) - 1) / len(q))
    originals = sum(b for _, b in states)
    print(f"us-restraint: {len(states)} of {runs} plain histories reach rung 6 "
          f"(P = {len(states) / runs:.5f}); {originals} of them go on to rung 7 "
          f"({originals / len(states):.4f}); cloned {clones} times each at the crossing: "
          f"P(7 | 6) = {mean:.4f} (se {se:.4f}); {time.perf_counter() - started:.0f} s "
          f"[load {_load()}]")
    return {}


def _clones_to_target(task: tuple[int, int, int, int]) -> int:
    """Of ``task[3]`` clones of the history of seed ``task[0]`` made where it crossed rung
    ``task[1]``, how many reach rung ``task[2]`` of us-restraint."""
    from escsim.tail.history import Recipe, continue_history
    from escsim.tail.levels import plan_levels

    seed, level, target, clones = task
    scenario = escsim.load_scenario("us-restraint")
    # the rung given by its condition is split at after every other rung below the target,
    # so the history crosses it when the rung itself is reached (not a rung placed above it)
    condition = next(r.condition for r in scenario.ladder.values() if r.level == level)
    plan = plan_levels(scenario, target, (condition,))
    return sum(continue_history(scenario, plan, Recipe(seed, ((0, k),)), 1)[0].crossed
               for k in range(clones))


def _states_at(task: tuple[int, int, int, int]) -> list[tuple[int, float]]:
    """Seeds (root ``task[0]``, replications ``task[1]..task[2]-1``) of us-restraint whose plain
    history reaches rung ``task[3]``, with the day it does."""
    from escsim.engine import replication_seed, run_replication

    scenario = escsim.load_scenario("us-restraint")
    out = []
    for r in range(task[1], task[2]):
        seed = replication_seed(task[0], r)
        day = run_replication(scenario, seed).row[f"day_rung_{task[3]}"]
        if day is not None:
            out.append((seed, day))
    return out


def spread(workers: int, runs: int, clones: int, level: int = 6, target: int = 8
           ) -> dict[str, float]:
    """How unlike one another the states crossing a level are: independent plain histories
    that reach rung ``level`` of us-restraint, each cloned ``clones`` times at the crossing,
    give each state's chance q of going on to rung ``target``. Splitting that clones those
    states cannot have a variance below the spread of q over the distinct states it holds;
    so even with free clones after the level, splitting beats plain runs there by at most
    ``mean(q) / Var(q)`` (between-state variance, the clones' binomial noise removed)."""
    from concurrent.futures import ProcessPoolExecutor

    import numpy as np

    started = time.perf_counter()
    with ProcessPoolExecutor(workers) as ex:
        parts = [(777, a, min(a + 500, runs), level) for a in range(0, runs, 500)]
        states = [s for part in ex.map(_states_at, parts) for s in part]
        hits = list(ex.map(_clones_to_target,
                           [(seed, level, target, clones) for seed, _ in states], chunksize=2))
    q = np.array(hits, dtype=float) / clones
    days = np.array([d for _, d in states])
    mean = float(q.mean())
    top = float(np.sort(q)[::-1][:max(1, len(q) // 10)].sum() / q.sum())
    noise = float(np.mean(q * (1 - q))) / (clones - 1)  # the clones' own binomial variance
    between = max(float(q.var(ddof=1)) - noise, 1e-12)
    print(f"us-restraint: {len(states)} of {runs} plain histories reach rung {level}; each "
          f"cloned {clones} times at its crossing: P(rung {target} | rung {level}) = "
          f"{mean:.4f}; states with no clone reaching it {float(np.mean(q == 0)):.2f}; "
          f"the top tenth of states carry {top:.2f} "
          f"of the sum; between-state variance of q {between:.5f} (coefficient of variation "
          f"{math.sqrt(between) / mean:.2f}); the most splitting after rung {level} can gain "
          f"over plain runs, with free clones: mean(q)/Var(q) = {mean / between:.1f}x; "
          f"correlation of q with the crossing day {np.corrcoef(q, days)[0, 1]:.2f}; "
          f"{time.perf_counter() - started:.0f} s [load {_load()}]")
    return {}


def _snapshot_pickler(buffer: Any, shared: dict[int, int]) -> Any:
    """A pickler for a paused world: closures and SimPy's bound event classes by value (the
    code objects by reference, so snapshots live in this process only), the scenario by
    reference. Only for measuring what a snapshot of a history would cost."""
    import pickle
    import types

    codes = _SNAPSHOT_CODES

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj: Any) -> Any:
            return shared.get(id(obj))

        def reducer_override(self, obj: Any) -> Any:
            if type(obj) is types.FunctionType and (obj.__closure__ is not None
                                                    or obj.__name__ == "<lambda>"):
                codes[id(obj.__code__)] = obj.__code__
                cells = tuple(c.cell_contents for c in obj.__closure__ or ())
                return _rebuild_function, (id(obj.__code__), obj.__module__, cells,
                                           obj.__defaults__, obj.__name__)
            if type(obj) is types.MethodType and isinstance(obj.__func__, type):
                return _bound, (obj.__func__, obj.__self__)
            return NotImplemented

    return Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)


_SNAPSHOT_CODES: dict[int, Any] = {}


def _rebuild_function(code_id: int, module: str, cells: tuple[Any, ...], defaults: Any,
                      name: str) -> Any:
    import types

    closure = tuple(types.CellType(v) for v in cells) or None
    return types.FunctionType(_SNAPSHOT_CODES[code_id], sys.modules[module].__dict__, name,
                              defaults, closure)


def _bound(cls: Any, obj: Any) -> Any:
    import types

    return types.MethodType(cls, obj)


def snapshot(histories: int) -> dict[str, float]:
    """What resuming a clone from a snapshot of its world would cost, against replaying it: the
    time to copy (pickle once, unpickle per clone) a us-restraint world paused mid-horizon, and
    to run a whole replication, in this one process."""
    import copy as copy_module
    import io
    import pickle

    from escsim.engine import record_of, replication_seed, run_replication
    from escsim.model.draws import Streams
    from escsim.model.world import World

    scenario = escsim.load_scenario("us-restraint")
    half = scenario.scenario.horizon_days / 2
    shared_objects = [scenario]
    shared = {id(o): i for i, o in enumerate(shared_objects)}

    class Unpickler(pickle.Unpickler):
        def persistent_load(self, pid: Any) -> Any:
            return shared_objects[pid]

    dump = load = whole = deep = 0.0
    size = 0
    for r in range(histories):
        seed = replication_seed(99, r)
        started = time.perf_counter()
        run_replication(scenario, seed)
        whole += time.perf_counter() - started
        world = World(scenario, Streams(seed))
        while world.env.now < half and world.end.callbacks is not None:
            world.env.step()
        started = time.perf_counter()
        buffer = io.BytesIO()
        _snapshot_pickler(buffer, shared).dump(world)
        data = buffer.getvalue()
        dump += time.perf_counter() - started
        started = time.perf_counter()
        copy = Unpickler(io.BytesIO(data)).load()
        load += time.perf_counter() - started
        size += len(data)
        started = time.perf_counter()
        twin = copy_module.deepcopy(world, {id(scenario): scenario})
        deep += time.perf_counter() - started
        world.run()
        copy.run()
        twin.run()
        assert record_of(world, seed).row == record_of(copy, seed).row  # the copy is exact
        assert record_of(world, seed).row == record_of(twin, seed).row
    print(f"us-restraint, {histories} worlds paused at day {half:g}: snapshot "
          f"{size / histories / 1024:.1f} KB, pickle {dump / histories * 1e3:.2f} ms, "
          f"unpickle {load / histories * 1e3:.2f} ms; a whole replication "
          f"{whole / histories * 1e3:.2f} ms; one clone's copy costs "
          f"{load / whole:.2f} replications before it simulates a day; copy.deepcopy of the "
          f"world {deep / histories * 1e3:.2f} ms = {deep / whole:.2f} replications  "
          f"[load {_load()}]")
    return {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["validate", "restraint", "crosscheck", "snapshot",
                                         "spread", "all"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--plain-runs", type=int, default=100_000)
    parser.add_argument("--restraint-plain-runs", type=int, default=20_000)
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--effort", type=int, default=300)
    parser.add_argument("--restraint-repetitions", type=int, default=NO_TAIL.repetitions,
                        help="default: the command's (--tail-repetitions)")
    parser.add_argument("--restraint-effort", type=int, default=NO_TAIL.effort,
                        help="default: the command's (--tail-effort)")
    parser.add_argument("--crosscheck-runs", type=int, default=60_000)
    parser.add_argument("--clones", type=int, default=40)
    parser.add_argument("--spread-runs", type=int, default=4000)
    parser.add_argument("--spread-level", type=int, default=6)
    parser.add_argument("--snapshot-histories", type=int, default=300)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    figures: dict[str, float] = {}
    if args.what in ("validate", "all"):
        figures |= validate(args.workers, args.seeds, args.plain_runs, args.repetitions,
                            args.effort)
    if args.what in ("restraint", "all"):
        figures |= restraint(args.workers, args.restraint_plain_runs,
                             args.restraint_repetitions, args.restraint_effort)
    if args.what == "crosscheck":
        crosscheck(args.workers, args.crosscheck_runs, args.clones)
    if args.what == "snapshot":
        snapshot(args.snapshot_histories)
    if args.what == "spread":
        spread(args.workers, args.spread_runs, args.clones, args.spread_level)
    missed = 0
    for key, value in figures.items():
        label, op, goal = GOALS[key]
        ok = value >= goal if op == ">=" else value <= goal
        missed += not ok
        print(f"goal {label}: {value:.3g} {op} {goal:g}: {'met' if ok else 'MISSED'}")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    sys.exit(main())
