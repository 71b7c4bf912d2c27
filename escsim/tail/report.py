"""The tail estimate as the command line reports it: a dict for ``summary.json`` and a line
for the printed table, with the plain Monte Carlo estimate of the same rung beside it."""

from __future__ import annotations

from typing import Any

from scipy import stats

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
    line = (f"  tail  P(rung {rung} {est.rung_name}) = {est.estimate:.3g}  "
            + (f"[{est.interval[0]:.3g}, {est.interval[1]:.3g}]" if out["ci_high"] is not None
               else "[no interval: no repetition reached the rung]")
            + f"  by splitting ({repetitions} x {effort} histories per level, ESS "
            + (f"{out['effective_sample_size']:,.0f}" if out["effective_sample_size"] is not None
               else "n/a")
            + f", cost {est.cost_replications:,.0f} replication equivalents)")
    if plain_runs:
        assert plain_reached is not None
        ci = stats.binomtest(plain_reached, plain_runs).proportion_ci(0.95, method="exact")
        out["plain"] = {"method": "plain Monte Carlo", "reached": plain_reached,
                        "runs": plain_runs, "estimate": plain_reached / plain_runs,
                        "ci_low": float(ci.low), "ci_high": float(ci.high)}
        line += (f"\n        plain {plain_reached}/{plain_runs} = "
                 f"{plain_reached / plain_runs:.3g}  [{ci.low:.3g}, {ci.high:.3g}]")
    return out, line
