"""What the one-year outlook of baseline-2024-11 hinges on (issue 19).

Run::

    python benchmarks/bench_outlook.py              # 3000 runs, root seed 1
    python benchmarks/bench_outlook.py --runs 5000 --seed 7 --scenario baseline-2024-11
    ... --check                                     # exit 1 if a goal is missed

Two figures, both taken from the runs' own records (no model internals), so they mean the same
before and after a change of the model:

* **the share of US deaths from runs where the whole campaign returned at surge rates**: a run
  "returned at surge rates" if some 30-day window holds at least ``SURGE_WINDOW_ATTACKS``
  attacks -- one a day, about 60% of the surge's tempo (170 attacks in 104 non-truce days,
  PR-A1, PR-A4) and several times the low tempo of the record's erosion of the 2024 pause (5-25
  attacks in nine months, PR-P4). Goal: under half of the deaths.
* **whether yearly attacks are bimodal**: the modes of a Gaussian kernel density estimate of
  log(1 + yearly attacks) (Silverman's bandwidth; a mode counts if its density is at least 10% of
  the highest), and Sarle's bimodality coefficient (above 5/9 suggests two modes; skewed
  unimodal counts can exceed it too, so the modes decide). Goal: one mode.

It prints P(US killed) among the runs that returned at surge rates and among the others, the
median and mean of yearly attacks, and the share of runs that returned at surge rates.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from scipy import stats

import escsim
from escsim.engine import replication_seed, run_replication

#: Attacks in 30 days that count as the campaign back at surge rates (one a day).
SURGE_WINDOW_ATTACKS = 30
WINDOW_DAYS = 30
GOALS = {"share_deaths_surge": 0.5, "modes": 1}


def surge_returned(daily_attacks: np.ndarray) -> bool:
    """Whether some 30-day window of a cumulative daily attack series holds at least
    ``SURGE_WINDOW_ATTACKS`` attacks."""
    padded = np.concatenate(([0], daily_attacks))
    if len(padded) <= WINDOW_DAYS:
        return bool(padded[-1] >= SURGE_WINDOW_ATTACKS)
    in_window = padded[WINDOW_DAYS:] - padded[:-WINDOW_DAYS]
    return bool(in_window.max() >= SURGE_WINDOW_ATTACKS)


def kde_modes(values: np.ndarray, floor: float = 0.1) -> int:
    """Modes of a Gaussian KDE of log(1 + values) with at least ``floor`` of the top density."""
    x = np.log1p(values.astype(float))
    if np.ptp(x) == 0.0:
        return 1
    kde = stats.gaussian_kde(x, bw_method="silverman")
    grid = np.linspace(x.min() - 0.5, x.max() + 0.5, 1024)
    density = kde(grid)
    peaks = (density[1:-1] > density[:-2]) & (density[1:-1] >= density[2:])
    heights = density[1:-1][peaks]
    return int((heights >= floor * heights.max()).sum())


def bimodality_coefficient(values: np.ndarray) -> float:
    """Sarle's bimodality coefficient (sample skewness and excess kurtosis, bias-corrected)."""
    n = len(values)
    g = stats.skew(values, bias=False)
    k = stats.kurtosis(values, bias=False)
    return float((g ** 2 + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def measure(scenario_name: str, runs: int, seed: int,
            overrides: list[str] | None = None) -> dict[str, float]:
    scenario = escsim.load_scenario(scenario_name, overrides or [])
    killed = np.zeros(runs)
    attacks = np.zeros(runs)
    surge = np.zeros(runs, dtype=bool)
    for r in range(runs):
        record = run_replication(scenario, replication_seed(seed, r), r)
        killed[r] = record["us_killed"]
        attacks[r] = record["attacks"]
        surge[r] = surge_returned(record.daily["attacks"])
    dead = killed > 0
    return {
        "runs": runs,
        "p_surge_return": surge.mean(),
        "p_us_killed": dead.mean(),
        "p_us_killed_if_surge": dead[surge].mean() if surge.any() else float("nan"),
        "p_us_killed_if_not": dead[~surge].mean() if (~surge).any() else float("nan"),
        "share_deaths_surge": killed[surge].sum() / killed.sum() if killed.sum() else 0.0,
        "share_dead_runs_surge": (dead & surge).sum() / dead.sum() if dead.any() else 0.0,
        "attacks_median": float(np.median(attacks)),
        "attacks_mean": attacks.mean(),
        "attacks_p90": float(np.quantile(attacks, 0.9)),
        "modes": kde_modes(attacks),
        "bimodality_coefficient": bimodality_coefficient(attacks),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", default="baseline-2024-11")
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="an override of the scenario (repeatable)")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    m = measure(args.scenario, args.runs, args.seed, args.set)
    print(f"{args.scenario}: {m['runs']} runs, root seed {args.seed}"
          + (f", {' '.join(args.set)}" if args.set else ""))
    print(f"  runs where the whole campaign returned at surge rates "
          f"(>= {SURGE_WINDOW_ATTACKS} attacks in {WINDOW_DAYS} days): {m['p_surge_return']:.3f}")
    print(f"  P(US killed): {m['p_us_killed']:.3f}  (if surge returned "
          f"{m['p_us_killed_if_surge']:.3f}, else {m['p_us_killed_if_not']:.3f})")
    print(f"  share of US deaths from surge-return runs: {m['share_deaths_surge']:.3f}  "
          f"(goal < {GOALS['share_deaths_surge']}); of runs with a death: "
          f"{m['share_dead_runs_surge']:.3f}")
    print(f"  yearly attacks: median {m['attacks_median']:.0f}, mean {m['attacks_mean']:.1f}, "
          f"90th percentile {m['attacks_p90']:.0f}")
    print(f"  bimodality: KDE modes of log(1 + attacks) {m['modes']} (goal {GOALS['modes']}); "
          f"bimodality coefficient {m['bimodality_coefficient']:.3f} (5/9 = 0.556)")
    missed = m["share_deaths_surge"] >= GOALS["share_deaths_surge"] or m["modes"] > GOALS["modes"]
    if args.check and missed:
        print("a goal is missed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
