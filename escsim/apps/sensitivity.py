"""Sensitivity folders (``escsim sensitivity``): a sweep on a Sobol' (Saltelli) or Morris
design, and the indices of each outcome (``sensitivity.csv``, a tornado or mu*-sigma chart)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from escsim.apps.common import (
    SILENT,
    AppResult,
    Feedback,
    UsageError,
    check_format,
    open_executor,
    output_folder,
    with_horizon,
)
from escsim.apps.sweep import finish, resumed_plan, run_plan, wrapped
from escsim.errors import InputError
from escsim.executors import Executor
from escsim.records import DEFAULT_SEED


def _interval(estimate: float, low: float, high: float) -> str:
    """``[low, high]``; where the bootstrap gave no interval because every resample gave the
    same value (an index of exactly zero), that value, not ``[nan, nan]``."""
    if math.isnan(low) or math.isnan(high):
        return "n/a" if math.isnan(estimate) else f"[{estimate:.2f}, {estimate:.2f}]"
    return f"[{low:.2f}, {high:.2f}]"


def index_lines(table: Any, feedback: Feedback = SILENT) -> list[str]:
    """Each outcome's indices, largest first (a note when Monte Carlo noise is a large share)."""
    lines, noisy = [], []
    for _outcome, t in table.groupby("outcome", sort=False):
        share = float(t["noise_share"].iloc[0])
        noise = f"Monte Carlo noise share {share:.2f}" if share == share else \
            "the same at every point"  # no spread across points: no share of it
        lines.append(f"\n{t['label'].iloc[0]} (mean across points "
                     f"{t['outcome_mean'].iloc[0]:.3g}; {noise})")
        if t["method"].iloc[0] == "sobol":
            lines.append(f"  {'parameter':<48}{'S1':>7}  {'95% interval':<16}{'ST':>7}  "
                         "95% interval")
            for r in t.sort_values("ST", ascending=False).itertuples():
                lines.append(f"  {r.parameter:<48}{r.S1:>7.3f}  "
                             f"{_interval(r.S1, r.S1_low, r.S1_high):<13}{'':<3}{r.ST:>7.3f}  "
                             f"{_interval(r.ST, r.ST_low, r.ST_high)}")
        else:
            lines.append(f"  {'parameter':<48}{'mu*':>8}  {'95% interval':<18}{'sigma':>8}")
            for r in t.sort_values("mu_star", ascending=False).itertuples():
                lines.append(f"  {r.parameter:<48}{r.mu_star:>8.3g}  [{r.mu_star_low:.3g}, "
                             f"{r.mu_star_high:.3g}]{'':<4}{r.sigma:>8.3g}")
        if share > 0.1:
            noisy.append(str(t["label"].iloc[0]))
    if noisy:  # once, naming the outcomes
        feedback.note("\n".join(wrapped(
            "note: Monte Carlo noise is a large share of the variance of " + "; ".join(noisy)
            + " (more --runs per point narrow it)", "")))
    return lines


def sensitivity(scenario: str | None = None, vary: tuple[str, ...] = (),
                outcomes: tuple[str, ...] = (), method: str = "sobol", samples: int = 64,
                levels: int = 4, runs: int = 20, seed: int = DEFAULT_SEED,
                seeds: str = "common", bootstrap: int = 1000, horizon: float | None = None,
                overrides: tuple[str, ...] = (), executor: str | Executor = "process",
                jobs: int | None = None, scheduler: str | None = None,
                chunk_runs: int | None = None, out: Path | None = None, resume: bool = False,
                force: bool = False, plots: bool = True, report: bool = True,
                feedback: Feedback = SILENT, runs_format: str = "csv") -> AppResult:
    """Global sensitivity of ``outcomes`` to the ``vary`` parameters of ``scenario``
    (``escsim sensitivity``; the arguments are its options): Sobol' S1/ST with bootstrap
    intervals, or Morris mu*/sigma, in ``sensitivity.csv`` of a sweep folder
    (``runs_format="parquet"``: its run table as runs.parquet)."""
    from escsim.analysis.sensitivity import analyse, write_results
    from escsim.sweep import SweepSpec, parse_outcome, plan_sweep

    check_format(runs_format)
    if not outcomes:
        raise InputError("give at least one --outcome", key="--outcome",
                         expected="e.g. --outcome rung:8 or --outcome us_killed>=1")
    for o in outcomes:
        parse_outcome(o)
    if resume and scenario is None:
        plan = resumed_plan(out, "SCENARIO")
    else:
        if scenario is None:
            raise UsageError("give a SCENARIO (or --resume --out DIR)")
        spec = SweepSpec(scenarios=(scenario,), vary=tuple(vary),
                         design="saltelli" if method == "sobol" else "morris", samples=samples,
                         runs=runs, seed=seed, overrides=tuple(with_horizon(overrides, horizon)),
                         levels=levels if method == "morris" else None, seeds=seeds,
                         kind="sensitivity")
        plan = plan_sweep(spec)
        for note in plan.notes:
            feedback.warn(note)
    for o in outcomes:  # before any run: a rung or a column the runs will not have
        parse_outcome(o).check(plan.columns)
    target = output_folder(out, f"sensitivity-{plan.points[0].scenario}", force, resume,
                           feedback)
    with open_executor(executor, jobs, scheduler) as ex:
        result = run_plan(plan, target, ex, chunk_runs, resume, force, feedback, runs_format)
    table = analyse(result.folder, outcomes, n_resamples=bootstrap)
    write_results(result.folder, table)
    done = finish(result, plots, report, [], outcomes)
    done.lines += index_lines(table, feedback)
    return done


def redraw(folder: Path, **options: Any) -> list[Path]:
    """Redraw a sensitivity folder: a sweep folder with its indices' charts."""
    from escsim.apps.sweep import redraw as redraw_sweep

    return redraw_sweep(folder, **options)
