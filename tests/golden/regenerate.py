"""Rewrite the golden summaries that tests/test_golden.py compares against.

Run it only when a change to the model, the defaults or the random stream is deliberate, and say
in the commit why the numbers moved::

    python tests/golden/regenerate.py

The golden files pin the exact output of fixed seeds: any change to how random numbers are drawn
(the order of draws, block sizes, a new draw anywhere in a replication) changes them even when the
model's distributions are unchanged. That is the point: such changes must be noticed and made on
purpose, never absorbed silently.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

import escsim

HERE = Path(__file__).resolve().parent

#: name of the golden file -> (scenario, runs, root seed)
GOLDEN = {
    "surge-2023-seed1.json": ("surge-2023", 100, 1),
}
COUNTS = ("attacks", "intercepted", "us_wounded", "us_killed", "us_casualties", "us_strikes",
          "us_targets_struck", "leadership_strikes", "militia_killed", "iran_direct_attacks",
          "restraint_orders")


def golden_summary(scenario: str, runs: int, seed: int) -> dict[str, Any]:
    """Rung probabilities, count medians and means of ``runs`` runs under root ``seed``."""
    s = escsim.load_scenario(scenario)
    table = escsim.simulate(s, runs=runs, seed=seed).runs
    levels = sorted(r.level for r in s.ladder.values())
    return {
        "scenario": scenario,
        "scenario_hash": s.param_hash,
        "runs": runs,
        "root_seed": seed,
        "rung_probability": {str(k): float(table[f"day_rung_{k}"].notna().mean())
                             for k in levels},
        "max_rung_counts": {str(k): int((table.max_rung == k).sum()) for k in [0, *levels]},
        "count_median": {c: float(np.median(table[c])) for c in COUNTS},
        "count_mean": {c: float(table[c].mean()) for c in COUNTS},
        "first_seeds": [int(x) for x in table.seed[:3]],
    }


def main() -> None:
    for name, (scenario, runs, seed) in GOLDEN.items():
        path = HERE / name
        path.write_text(json.dumps(golden_summary(scenario, runs, seed), indent=2) + "\n",
                        encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
