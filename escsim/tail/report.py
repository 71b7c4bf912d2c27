"""The tail estimate as the command line reports it: a dict for ``summary.json`` and a line
for the printed table, with the plain Monte Carlo estimate of the same rung beside it."""

from __future__ import annotations

from typing import Any

from escsim.analysis.runs import binomial_interval
from escsim.errors import InputError
from escsim.scenario.schema import Scenario
from escsim.tail.levels import plan_levels
from escsim.tail.splitting import estimate_tail

#: Estimators ``--tail`` accepts (``none``: plain Monte Carlo only).
TAIL_METHODS = ("none", "splitting")


def default_rung(scenario: Scenario) -> int:
    """The top rung of the scenario's ladder: the rare end the tail estimate is for."""
    return max(r.level for r in scenario.ladder.values())


def check_tail_request(scenario: Scenario, rung: int | None) -> int:
    """The rung to estimate, checked before any run starts (``InputError`` if it cannot be
    split on: unknown, or not monotone in the history)."""
    target = default_rung(scenario) if rung is None else rung
    try:
        plan_levels(scenario, target)
    except InputError as e:
        if e.key == "rung":
            e.key = "--rung"
        if not e.file:
            e.file = str(scenario.source)
        raise
    return target


def tail_report(scenario: Scenario, rung: int, *, root_seed: int, repetitions: int,
                effort: int, executor: Any = None, plain_reached: int | None = None,
                plain_runs: int | None = None, progress: Any = None
                ) -> tuple[dict[str, Any], str]:
    """Run the splitting estimate and report it beside the plain estimate.

    Args:
        scenario, rung, root_seed, repetitions, effort, executor: as for
            :func:`escsim.tail.estimate_tail`.
        plain_reached, plain_runs: the plain Monte Carlo count of runs that reached the rung,
            and of runs, if any were made.
        progress: called with 1 as each repetition finishes.

    Returns:
        The ``tail`` entry of ``summary.json`` and a printable line.
    """
    est = estimate_tail(scenario, rung, root_seed=root_seed, repetitions=repetitions,
                        effort=effort, executor=executor, progress=progress)
    out = est.to_dict()
    if plain_runs:
        assert plain_reached is not None
        low, high = binomial_interval(plain_reached, plain_runs)
        out["plain"] = {"method": "plain Monte Carlo", "reached": plain_reached,
                        "runs": plain_runs, "estimate": plain_reached / plain_runs,
                        "ci_low": low, "ci_high": high}
    return out, tail_line(out)


def tail_line(tail: dict[str, Any]) -> str:
    """The printed lines of a ``tail`` entry of ``summary.json``: the splitting estimate with its
    interval, effective sample size and cost, and the plain estimate beside it."""
    ess = tail.get("effective_sample_size")
    per_level = sorted(set(tail["effort_per_level"]))
    effort = per_level[0] if len(per_level) == 1 else "/".join(map(str, tail["effort_per_level"]))
    line = (f"  tail  P(rung {tail['rung']} {tail['rung_name']}) = {tail['estimate']:.3g}  "
            + (f"[{tail['ci_low']:.3g}, {tail['ci_high']:.3g}]"
               if tail.get("ci_high") is not None
               else "[no interval: no repetition reached the rung]")
            + f"  by splitting ({tail['repetitions']} x {effort} histories per level, ESS "
            + (f"{ess:,.0f}" if ess is not None else "n/a")
            + f", cost {tail['cost_replications']:,.0f} replication equivalents)")
    plain = tail.get("plain")
    if plain:
        line += (f"\n        plain {plain['reached']}/{plain['runs']} = "
                 f"{plain['estimate']:.3g}  [{plain['ci_low']:.3g}, {plain['ci_high']:.3g}]")
    return line
