"""Eras that must produce their own sequence (issue 19): each era backtested twice, with the US
rounds of the record as dated inputs (as the era scenarios have them) and with those rounds left
to the US policy of the era, side by side.

Run::

    python benchmarks/bench_eras_generated.py              # 1000 runs per era and variant
    python benchmarks/bench_eras_generated.py --runs 2000 --seed 3

For each observation of ``seeds/observations.csv`` whose scenario is an era, it prints the
observed value and its percentile among the simulated values in both variants, and whether it
falls inside the central 90%. Only ``count`` observations are scored (the era observations are
counts); a range counts as inside when it overlaps the central 90%.

What "generated" leaves out: every ``us_strike`` event dated on or after the era's start is
switched off (``probability = 0``); rounds dated before the start stay, as initial state. In
``era-2019-20`` that switches off the killing of the Quds Force chief too, so Iran's salvo of 8 Jan
2020 must come from the model's own rounds. The answer to that strike
(``iran.retaliate_senior_commander_prob``) is set from that same case (E20-IRAN-SALVO): with the
round dated, OBS-2020-IRAN-DIRECT is in-sample, met largely by construction.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path

import numpy as np

import escsim
from escsim.engine import replication_seed, run_replication

ERAS = ("era-2019-20", "era-2021", "surge-2023", "pause-2024")
OBSERVATIONS = Path(__file__).resolve().parents[1] / "seeds" / "observations.csv"
DAILY = ("attacks", "us_wounded", "us_killed", "us_strikes")


def observations(era: str) -> list[dict[str, str]]:
    with OBSERVATIONS.open(encoding="utf-8") as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return [r for r in rows if r["scenario"] == era and r["kind"] == "count"]


def generated(scenario: escsim.Scenario) -> escsim.Scenario:
    """The era with its dated US rounds (on or after the start) left to the policy."""
    start = scenario.scenario.start_date
    off = {f"events.{name}.probability": 0.0 for name, e in scenario.events.items()
           if e.kind == "us_strike" and e.date >= start}
    return escsim.with_overrides(scenario, off)


def simulated_counts(scenario: escsim.Scenario, obs: list[dict[str, str]], runs: int,
                     seed: int) -> dict[str, np.ndarray]:
    start = scenario.scenario.start_date
    out: dict[str, list[float]] = {o["id"]: [] for o in obs}
    for r in range(runs):
        record = run_replication(scenario, replication_seed(seed, r), r)
        for o in obs:
            measure = o["measure"]
            first = (dt.date.fromisoformat(o["window_start"]) - start).days
            last = (dt.date.fromisoformat(o["window_end"]) - start).days
            if measure in DAILY or measure == "us_casualties":
                series = (record.daily["us_wounded"] + record.daily["us_killed"]
                          if measure == "us_casualties" else record.daily[measure])
                last = min(last, len(series) - 1)
                before = series[first - 1] if first > 0 else 0
                out[o["id"]].append(float(series[last] - before))
            else:  # a run total (the window is the era's span)
                out[o["id"]].append(float(record[measure]))
    return {k: np.asarray(v) for k, v in out.items()}


def verdict(o: dict[str, str], values: np.ndarray) -> tuple[str, bool]:
    low, high = np.quantile(values, [0.05, 0.95])
    if o["value"]:
        v = float(o["value"])
        pct = 100.0 * (np.mean(values < v) + 0.5 * np.mean(values == v))
        return f"{pct:5.1f}", bool(low <= v <= high)
    lo = float(o["low"]) if o["low"] else -np.inf
    hi = float(o["high"]) if o["high"] else np.inf
    share = np.mean((values >= lo) & (values <= hi))
    return f"in range {share:.2f}", bool(hi >= low and lo <= high)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    for era in ERAS:
        obs = observations(era)
        if not obs:
            continue
        dated = escsim.load_scenario(era)
        variants = {"dated": dated, "generated": generated(dated)}
        sims = {name: simulated_counts(s, obs, args.runs, args.seed)
                for name, s in variants.items()}
        print(f"{era}: {args.runs} runs per variant, root seed {args.seed}")
        print(f"  {'observation':32} {'observed':>10}  {'dated: pct, in 90%':>22}  "
              f"{'generated: pct, in 90%':>26}")
        for o in obs:
            observed = o["value"] or f"{o['low'] or ''}-{o['high'] or ''}"
            cells = []
            for name in variants:
                text, inside = verdict(o, sims[name][o["id"]])
                cells.append(f"{text} {'yes' if inside else 'NO'}")
            print(f"  {o['id']:32} {observed:>10}  {cells[0]:>22}  {cells[1]:>26}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
