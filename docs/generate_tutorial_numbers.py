"""Regenerate the numbers docs/tutorial.md prints, from the simulation itself.

The tutorial shows what `escsim run baseline-2024-11 --runs 1000 --seed 2024` prints and reads
one line of it. Those numbers change whenever the model, the defaults or the random streams do;
this script reruns the same simulation and rewrites the block between the markers
``<!-- tutorial-numbers:start -->`` and ``<!-- tutorial-numbers:end -->``::

    python docs/generate_tutorial_numbers.py           # rewrite the block
    python docs/generate_tutorial_numbers.py --check   # exit 1 if it is out of date

``tests/test_docs.py`` fails when the committed block differs from what this script generates.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import escsim
from escsim.apps.run import summary_lines

TUTORIAL = Path(__file__).resolve().parent / "tutorial.md"
START, END = "<!-- tutorial-numbers:start -->", "<!-- tutorial-numbers:end -->"
SCENARIO, RUNS, SEED = "baseline-2024-11", 1000, 2024


def block() -> str:
    """The generated block: the printed summary and the reading of its rung-4 line."""
    sim = escsim.simulate(escsim.load_scenario(SCENARIO), runs=RUNS, seed=SEED)
    summary = sim.summary()
    lines = summary_lines(summary.to_dict())
    counts = [i for i, line in enumerate(lines) if line.lstrip().startswith("count ")][0]
    shown = [*lines[:counts + 2], "  ..."]
    killed = summary.rungs.set_index("rung").loc[4]
    reading = (f"How to read a rung line: `4 us_killed {killed.probability:.3f} "
               f"[{killed.ci_low:.3f}, {killed.ci_high:.3f}]` means that in "
               f"{killed.probability:.1%} of the simulated years, *under these assumptions*, at "
               "least one US service member was killed.")
    return "\n".join([START, "```", *shown, "```", "",
                      "(printed by the command above; in Python the same numbers are in "
                      "`sim.summary().rungs` and", "`sim.summary().counts`, as DataFrames.)",
                      "", reading, END])


def main(argv: list[str]) -> int:
    text = TUTORIAL.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        sys.stderr.write(f"{TUTORIAL.name}: no {START} ... {END} block\n")
        return 1
    new = pattern.sub(lambda _m: block(), text)
    if new == text:
        return 0
    if "--check" in argv:
        sys.stdout.write("docs/tutorial.md: numbers out of date; run "
                         "python docs/generate_tutorial_numbers.py\n")
        return 1
    TUTORIAL.write_text(new, encoding="utf-8")
    sys.stdout.write("docs/tutorial.md: numbers written\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
