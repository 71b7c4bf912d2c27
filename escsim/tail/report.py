"""The tail estimate as the command line reports it: a dict for ``summary.json`` and a line
for the printed table, with the plain Monte Carlo estimate of the same rung beside it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from escsim.analysis.runs import binomial_interval
from escsim.errors import InputError
from escsim.executors import Executor
from escsim.results import write_table
from escsim.results.tables import read_shaped
from escsim.scenario.schema import Scenario
from escsim.sweep.plan import SweepPlan
from escsim.tail.levels import plan_levels
from escsim.tail.splitting import estimate_tail

#: Estimators ``--tail`` accepts (``none``: plain Monte Carlo only).
TAIL_METHODS = ("none", "splitting")


def default_rung(scenario: Scenario) -> int:
    """The top rung of the scenario's ladder: the rare end the tail estimate is for."""
    return max(r.level for r in scenario.ladder.values())


def check_tail_request(scenario: Scenario, rung: int | None, levels: tuple[str, ...] = ()
                       ) -> int:
    """The rung to estimate, checked before any run starts with its ``--level`` s (``InputError``
    if it cannot be split on: unknown, or not monotone in the history, or a level that is
    neither a rung below it nor a monotone condition)."""
    target = default_rung(scenario) if rung is None else rung
    try:
        plan_levels(scenario, target, levels or None)
    except InputError as e:
        if e.key in ("rung", "levels"):
            e.key = {"rung": "--rung", "levels": "--level"}[e.key]
        if not e.file and e.key != "--level":  # a rung's trouble is in the scenario file
            from escsim.results.provenance import display_path

            e.file = display_path(scenario.source)  # as the user wrote it, not absolute
        raise
    return target


def tail_report(scenario: Scenario, rung: int, *, root_seed: int, repetitions: int,
                effort: int, executor: Executor | None = None, plain_reached: int | None = None,
                plain_runs: int | None = None, progress: Any = None,
                levels: tuple[str, ...] = ()) -> tuple[dict[str, Any], str]:
    """Run the splitting estimate and report it beside the plain estimate.

    Args:
        scenario, rung, root_seed, repetitions, effort, executor: as for
            :func:`escsim.tail.estimate_tail`.
        plain_reached, plain_runs: the plain Monte Carlo count of runs that reached the rung,
            and of runs, if any were made.
        progress: called with 1 as each repetition finishes.
        levels: the ``--level`` s (empty: the default levels, chosen from by a pilot).

    Returns:
        The ``tail`` entry of ``summary.json`` and a printable line.
    """
    est = estimate_tail(scenario, rung, root_seed=root_seed, repetitions=repetitions,
                        effort=effort, executor=executor, progress=progress,
                        levels=levels or None)
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


#: Columns of a sweep folder's ``tail.csv``.
SWEEP_TAIL_COLUMNS = ("point", "scenario", "start_date", "horizon_days", "rung", "rung_name",
                      "estimate", "ci_low", "ci_high", "relative_half_width",
                      "effective_sample_size", "cost_replications", "repetitions",
                      "effort_per_level", "root_seed", "plain_reached", "plain_runs",
                      "plain_estimate", "plain_ci_low", "plain_ci_high")


def sweep_tail(folder: Path, plan: SweepPlan, rungs: Mapping[str, int | None], root_seed: int,
               repetitions: int, effort: int, executor: Executor | None = None,
               progress: Any = None, levels: tuple[str, ...] = ()) -> pd.DataFrame:
    """The splitting estimate of a rare rung at every point of a finished sweep, beside the
    point's plain estimate, written to ``tail.csv`` in the sweep folder.

    Every point's estimate uses the same ``root_seed`` (common random numbers across points, so
    differences between points are not blurred by independent noise); each is deterministic
    for that seed and identical on every executor.

    Args:
        folder: the sweep folder (its ``summary.csv`` gives the plain estimates).
        plan: the sweep's plan (each point's scenario).
        rungs: per scenario name, the rung to estimate (None: that scenario is skipped).
        root_seed, repetitions, effort, executor: as for :func:`escsim.tail.estimate_tail`.
        progress: called as ``progress(done, total)`` with repetitions finished.
        levels: the ``--level`` s (empty: the default levels).
    """
    summary = read_shaped(Path(folder), "sweep", "summary.csv").set_index("point")
    todo = [p for p in range(plan.n_points) if rungs.get(plan.points[p].scenario) is not None]
    total = len(todo) * repetitions
    done = 0
    rows = []
    for p in todo:
        rung = int(rungs[plan.points[p].scenario])  # type: ignore[arg-type]
        n = int(summary.at[p, "runs"])
        share = summary.at[p, f"p_rung_{rung}"] if f"p_rung_{rung}" in summary else float("nan")
        reached = 0 if pd.isna(share) else int(round(float(share) * n))

        def step(k: int = 1) -> None:
            nonlocal done
            done += k
            if progress is not None:
                progress(done, total)

        tail, _ = tail_report(plan.scenario(p), rung, root_seed=root_seed,
                              repetitions=repetitions, effort=effort, executor=executor,
                              plain_reached=reached, plain_runs=n, progress=step,
                              levels=levels)
        plain = tail["plain"]
        info = plan.points[p]
        rows.append([p, info.scenario, info.start_date, info.horizon_days, rung,
                     tail["rung_name"], tail["estimate"],
                     tail["ci_low"], tail["ci_high"], tail["relative_half_width"],
                     tail["effective_sample_size"], tail["cost_replications"], repetitions,
                     "/".join(map(str, tail["effort_per_level"])), root_seed, reached, n,
                     plain["estimate"], plain["ci_low"], plain["ci_high"]])
    write_table(Path(folder) / "tail.csv", SWEEP_TAIL_COLUMNS, rows)
    return pd.DataFrame(rows, columns=list(SWEEP_TAIL_COLUMNS))
