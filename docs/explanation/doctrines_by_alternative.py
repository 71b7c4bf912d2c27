"""Measure the bundled doctrines' comparison under each alternative of each contested mechanism.

Prints the Markdown tables of docs/explanation/model.md ("The doctrines under each
alternative"). Each row switches one mechanism away from its default and runs the four US
doctrines of the Nov 2024 baseline (proportional = baseline-2024-11, restraint, punitive,
decapitation) with the same runs and root seed::

    python docs/explanation/doctrines_by_alternative.py [RUNS] [SEED]
"""

from __future__ import annotations

import sys

import escsim
from escsim.scenario.schema import MECHANISM_CHOICES

DOCTRINES = {"proportional": "baseline-2024-11", "restraint": "us-restraint",
             "punitive": "us-punitive", "decapitation": "us-decapitation"}
#: Outcomes shown: (column label, function of the runs table).
OUTCOMES = {
    "P(US killed)": lambda r: (r.us_killed > 0).mean(),
    "P(Iran direct attack)": lambda r: (r.iran_direct_attacks > 0).mean(),
    "P(regional war)": lambda r: r.day_rung_8.notna().mean(),
    "mean attacks": lambda r: r.attacks.mean(),
}


def measure(runs: int, seed: int) -> str:
    base = escsim.load_scenario("baseline-2024-11").mechanisms
    variants: list[tuple[str, dict[str, str]]] = [("defaults", {})]
    for key, choices in MECHANISM_CHOICES.items():
        for choice in choices:
            if choice != getattr(base, key):
                variants.append((f"{key} = {choice}", {f"mechanisms.{key}": choice}))
    tables = {name: [escsim.simulate(escsim.load_scenario(scenario, overrides), runs=runs,
                                     seed=seed).runs for scenario in DOCTRINES.values()]
              for name, overrides in variants}
    lines = []
    for label, fn in OUTCOMES.items():
        lines += [f"**{label}** ({runs} runs per cell, root seed {seed})", "",
                  "| mechanisms | " + " | ".join(DOCTRINES) + " |",
                  "|---|" + "---:|" * len(DOCTRINES)]
        fmt = "{:.0f}" if label.startswith("mean") else "{:.3f}"
        for name, cells in tables.items():
            lines.append(f"| {name} | " + " | ".join(fmt.format(fn(r)) for r in cells) + " |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    root = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    sys.stdout.write(measure(n, root) + "\n")
