"""How much pairing by seed removes from a comparison's noise, as ratios measured in one run.

For restraint vs punitive in baseline-2024-11 (``--runs`` replications each, root seed
``--seed``), replication ``r`` of both policies gets the same seed. The ratio printed per
measure is

    Var(paired difference) / (Var(restraint) + Var(punitive))

-- the variance of the difference estimated pair by pair over the variance it would have from
two independent samples (``variance_ratio`` of ``escsim compare``'s ``differences.csv``). 1 means
the pairing bought nothing; the goals (issue 10, item 1: common random numbers by source of
chance) are at most 0.5 for P(US killed) and at most 0.3 for the number of attacks.

    python benchmarks/bench_pairing.py [--runs 2000 --seed 5 --jobs 2] [--check]
"""

from __future__ import annotations

import argparse
import sys

import escsim
from escsim.executors import make_executor

#: measure of differences.csv -> (what, goal: the ratio at most this)
GOALS = {
    "rung_4_reached": ("P(US killed) within the horizon", 0.5),
    "attacks_mean": ("militia attacks", 0.3),
    "rung_6_reached": ("P(Iranian direct attack)", None),
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--check", action="store_true", help="exit 1 when a goal is not met")
    args = ap.parse_args()
    s = escsim.load_scenario("baseline-2024-11")
    restraint = escsim.with_overrides(s, {"us_policy.preset": "restraint",
                                          "scenario.name": "restraint"})
    punitive = escsim.with_overrides(s, {"us_policy.preset": "punitive",
                                         "scenario.name": "punitive"})
    with make_executor("process", args.jobs) as ex:
        cmp = escsim.compare(restraint, [punitive], runs=args.runs, seed=args.seed, executor=ex)
    d = cmp.differences.set_index("measure")
    failed = False
    print(f"restraint vs punitive, baseline-2024-11, {args.runs} runs each, seed {args.seed}")
    print(f"  {'measure':<36}{'paired/unpaired variance':>26}{'goal':>8}  met")
    for measure, (what, goal) in GOALS.items():
        ratio = float(d.loc[measure, "variance_ratio"])
        met = "-" if goal is None else ("yes" if ratio <= goal else "no")
        failed |= met == "no"
        print(f"  {what:<36}{ratio:>26.3f}{'' if goal is None else f'<= {goal}':>8}  {met}")
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
