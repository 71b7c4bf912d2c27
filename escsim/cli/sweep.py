"""``escsim sweep``, ``escsim sensitivity``, ``escsim plot`` and ``escsim discover``.

A thin layer over :mod:`escsim.sweep`, :mod:`escsim.analysis` and :mod:`escsim.plotting.sweeps`,
with the exit codes of :mod:`escsim.cli` (2 for bad input, one message naming the key, the value
and what was expected; 130 when interrupted, with the command that resumes).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from escsim.cli.common import (
    Progress,
    check_out,
    check_tail,
    executor_options,
    make_cli_executor,
    out_options,
    set_option,
    tail_options,
)
from escsim.errors import InputError

_vary_option = click.option(
    "--vary", "vary", multiple=True, metavar="KEY=SPEC",
    help="A swept key and its values (repeatable): LO:HI:N (range with a count), A,B,C (a "
         "list), or for sampled designs LO:HI or uniform(lo,hi), loguniform(lo,hi), "
         "normal(mean,sd), truncnormal(mean,sd,lo,hi), triangular(lo,mode,hi).")


def _sweep_executor_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--chunk-runs", type=click.IntRange(1), metavar="N",
                     help="Replications per chunk (the unit of work and of resume) [default: "
                          "about eight chunks per worker, at most 500].")(f)
    return executor_options(f)


_out_options = out_options(
    "results/sweep-<scenario>",
    resume="Finish an interrupted sweep in --out: run only the missing chunks.")


def _run(plan: Any, out: Path, executor_kind: str, jobs: int | None, scheduler: str | None,
         chunk_runs: int | None, resume: bool, force: bool, command: str) -> Any:
    """Run a planned sweep with a progress bar; on Ctrl-C or a crash, say how to resume."""
    from escsim.sweep import run_sweep

    check_out(out, force, resume)
    executor = make_cli_executor(executor_kind, jobs, scheduler)
    progress = Progress(f"{plan.n_points} points x {plan.spec.runs} runs")
    try:
        return run_sweep(plan, out, executor=executor, resume=resume, force=force,
                         chunk_runs=chunk_runs, progress=progress)
    except KeyboardInterrupt:
        progress.close()
        click.echo(f"\ninterrupted; finished chunks are kept. Resume with:\n  escsim {command} "
                   f"--resume --out {out}", err=True)
        sys.exit(130)
    except InputError:
        raise
    except Exception as exc:
        progress.close()
        if not (out / "manifest.json").is_file():
            raise
        click.echo(f"\nescsim: error: the sweep stopped: {type(exc).__name__}: {exc}\n"
                   f"finished chunks are kept; resume with:\n  escsim {command} --resume "
                   f"--out {out}", err=True)
        sys.exit(1)
    finally:
        progress.close()
        executor.close()


def _plan_from(folder: Path) -> Any:
    from escsim.sweep import load_plan

    return load_plan(folder)[0]


# ----------------------------------------------------------------------------------- sweep ---
@click.command()
@click.argument("scenarios", nargs=-1)
@_vary_option
@click.option("--design", type=click.Choice(["grid", "lhs", "sobol"]), default="grid",
              show_default=True, help="Cross the axes (grid) or sample them (Latin hypercube, "
                                      "scrambled Sobol').")
@click.option("--design-table", type=click.Path(dir_okay=False, path_type=Path),
              metavar="CSV", help="Points from a CSV (header: dotted keys; one row per point) "
                                  "instead of --vary.")
@click.option("--samples", "-N", type=click.IntRange(1), help="Points of an lhs or sobol design.")
@click.option("--pair", multiple=True, metavar="KEY",
              help="A swept lever key: points that differ only in paired keys share their "
                   "replication seeds, so lever settings are compared pair by pair (repeatable).")
@click.option("--runs", "-n", default=100, show_default=True, type=click.IntRange(1, 10_000_000),
              help="Replications per point.")
@click.option("--seed", "-s", default=20231017, show_default=True, type=click.IntRange(0),
              help="Root seed; every point x replication seed derives from it.")
@click.option("--horizon", type=click.FloatRange(1, 3650), metavar="DAYS",
              help="Override each scenario's horizon (days).")
@set_option
@click.option("--parameter-uncertainty", "uncertainty", default="none", show_default=True,
              type=click.Choice(["none", "prior", "posterior"]),
              help="Also draw each point x replication's uncertain parameters (all but the "
                   "swept ones) from the scenario's priors or from the posterior of escsim "
                   "calibrate (adds drawn_* columns to runs.csv).")
@click.option("--priors", type=click.Path(dir_okay=False, path_type=Path),
              help="Priors file [default: scenarios/priors/<scenario>.toml].")
@click.option("--posterior", type=click.Path(path_type=Path),
              help="Calibration folder or posterior.csv [default: results/calibrate-<scenario>].")
@_sweep_executor_options
@_out_options
@tail_options
def sweep(scenarios: tuple[str, ...], vary: tuple[str, ...], design: str,
          design_table: Path | None, samples: int | None, runs: int, seed: int,
          horizon: float | None, overrides: tuple[str, ...], uncertainty: str,
          priors: Path | None, posterior: Path | None, jobs: int | None, executor: str,
          scheduler: str | None, chunk_runs: int | None, out: Path | None, resume: bool,
          force: bool, no_plots: bool, pair: tuple[str, ...] = (), tail_method: str = "none",
          rung: int | None = None, tail_repetitions: int = 20, tail_effort: int = 500) -> None:
    """Sweep SCENARIOS (paths or bundled names) over the values of --vary keys.

    Writes a folder with runs.csv (one row per point x replication, with the swept values and
    the seed), summary.csv (per point: rung probabilities with 95% intervals), points.csv,
    manifest.json and plots/. Results stream to disk as chunks finish; an interrupted sweep
    resumes with --resume --out DIR. With --parameter-uncertainty, each point's outcome
    distributions include parameter uncertainty, not only chance; the swept keys (and what a
    swept preset sets) keep their point's values (docs/sweeps.md).

    \b
    Examples:
      escsim sweep baseline-2024-11 --vary us_policy.preset=restraint,proportional,punitive \\
          --vary militias.iraq_factions.excitation_per_round=0:2:5 --runs 200
      escsim sweep baseline-2024-11 --design lhs --samples 128 --runs 20 \\
          --vary iran.retaliate_personnel_prob=0:1 --vary us_policy.leadership_strike_prob=0:0.5
    """
    from escsim.sweep import SweepSpec, plan_sweep, read_design_table

    if resume and not scenarios:
        if out is None:
            raise click.UsageError("--resume without SCENARIO needs --out DIR")
        plan = _plan_from(out)
    else:
        if not scenarios:
            raise click.UsageError("give at least one SCENARIO (or --resume --out DIR)")
        items = list(overrides) + ([f"scenario.horizon_days={horizon}"] if horizon else [])
        table = None
        if design_table is not None:
            keys, points = read_design_table(design_table)
            table = (tuple(keys), tuple(points))
            design = "table"
        elif design in ("lhs", "sobol") and samples is None:
            raise InputError(f"a {design} design needs --samples", key="--samples",
                             expected="e.g. --samples 64")
        elif design == "grid" and samples is not None:
            raise InputError("--samples applies to lhs and sobol designs", key="--samples",
                             value=samples, expected="--design lhs or sobol")
        if design == "sobol" and samples and samples & (samples - 1):
            click.echo(f"note: {samples} Sobol' points is not a power of two; the design is "
                       "less balanced than with 2^k points", err=True)
        spec = SweepSpec(scenarios=tuple(scenarios), vary=tuple(vary), design=design,
                         samples=samples, runs=runs, seed=seed, overrides=tuple(items),
                         design_table=table, parameter_uncertainty=uncertainty,
                         priors=None if priors is None else str(priors),
                         posterior=None if posterior is None else str(posterior),
                         pair=tuple(pair))
        plan = plan_sweep(spec)
    tail_rungs = check_tail(plan.scenarios, tail_method, rung, plan.spec.parameter_uncertainty)
    target = out or Path("results") / f"sweep-{plan.points[0].scenario}"
    result = _run(plan, target, executor, jobs, scheduler, chunk_runs, resume, force, "sweep")
    if tail_method != "none":
        from escsim.tail.report import sweep_tail

        rungs = {s.scenario.name: k for s, k in zip(plan.scenarios, tail_rungs, strict=True)}
        with make_cli_executor(executor, jobs, scheduler) as ex, \
                Progress(f"{plan.n_points} points: rare rung by splitting", "repetitions") as bar:
            table = sweep_tail(result.folder, plan, rungs, plan.spec.seed, tail_repetitions,
                               tail_effort, ex, progress=bar)
        _print_tail(table)
    _report(result, no_plots)


def _print_tail(table: Any) -> None:
    """Per point: the splitting estimate of the rare rung beside the plain one."""
    click.echo("\n  point  rung  splitting estimate [95%]            plain [95%]")
    for r in table.itertuples():
        split = f"{r.estimate:.3g} [{r.ci_low:.3g}, {r.ci_high:.3g}]"
        plain = f"{r.plain_estimate:.3g} [{r.plain_ci_low:.3g}, {r.plain_ci_high:.3g}]"
        click.echo(f"  {r.point:>5}  {r.rung:>4}  {split:<34} {plain}")


def _report(result: Any, no_plots: bool, outcomes: tuple[str, ...] = ()) -> None:
    import pandas as pd

    from escsim.analysis.format import sig

    plan = result.plan
    folder = result.folder
    summary = pd.read_csv(folder / "summary.csv")
    names: dict[int, str] = {}
    for ladder in plan.ladders.values():
        for name, level in ladder.items():
            names.setdefault(level, name)
    how = "resumed: " if result.resumed else ""
    click.echo(f"\n{how}{plan.n_points} points x {plan.spec.runs} runs = {plan.total_runs:,} "
               f"runs ({result.runs_run:,} run now, {result.wall_seconds:.1f}s); root seed "
               f"{plan.spec.seed}")
    click.echo(f"  {'rung':<28}{'P(reached) across points: min':>31}{'median':>9}{'max':>7}")
    for r in plan.rungs:
        col = summary[f"p_rung_{r}"].dropna()
        if len(col):
            label = f"{r} {names.get(r, '')}"
            click.echo(f"  {label:<28}{sig(col.min()):>31}{sig(col.median()):>9}"
                       f"{sig(col.max()):>9}")
    if plan.uncertainty is not None:
        for line in plan.uncertainty.describe():
            click.echo(f"parameter uncertainty: {line}")
    if not no_plots:
        from escsim.plotting.sweeps import plot_sweep_folder

        files = plot_sweep_folder(folder, outcomes)
        click.echo(f"plots: {len(files)} in {folder / 'plots'}")
    click.echo(f"results: {folder}")


# ----------------------------------------------------------------------------- sensitivity ---
@click.command()
@click.argument("scenario", required=False)
@_vary_option
@click.option("--outcome", "outcomes", multiple=True, metavar="OUTCOME",
              help="What to explain (repeatable): rung:K, COLUMN>=X (e.g. us_killed>=1) or a "
                   "count column (its mean).")
@click.option("--method", type=click.Choice(["sobol", "morris"]), default="sobol",
              show_default=True, help="Sobol' indices (variance-based) or Morris screening "
                                      "(cheap, for many parameters).")
@click.option("--samples", "-N", type=click.IntRange(2), default=64, show_default=True,
              help="Sobol': base samples n (a power of two; n (d+2) points). Morris: "
                   "trajectories r (r (d+1) points).")
@click.option("--levels", type=click.IntRange(2), default=4, show_default=True,
              help="Morris grid levels (even).")
@click.option("--runs", "-n", default=20, show_default=True, type=click.IntRange(1, 1_000_000),
              help="Replications per point (the outcome at a point is their mean).")
@click.option("--seed", "-s", default=20231017, show_default=True, type=click.IntRange(0),
              help="Root seed (design, replications and bootstrap derive from it).")
@click.option("--seeds", type=click.Choice(["common", "point"]), default="common",
              show_default=True, help="common: every point uses the same replication seeds "
                                      "(common random numbers); point: each its own.")
@click.option("--bootstrap", type=click.IntRange(0), default=1000, show_default=True,
              help="Bootstrap resamples for the intervals (0: none).")
@click.option("--horizon", type=click.FloatRange(1, 3650), metavar="DAYS",
              help="Override the scenario's horizon (days).")
@set_option
@_sweep_executor_options
@_out_options
def sensitivity(scenario: str | None, vary: tuple[str, ...], outcomes: tuple[str, ...],
                method: str, samples: int, levels: int, runs: int, seed: int, seeds: str,
                bootstrap: int, horizon: float | None, overrides: tuple[str, ...],
                jobs: int | None, executor: str, scheduler: str | None,
                chunk_runs: int | None, out: Path | None, resume: bool, force: bool,
                no_plots: bool) -> None:
    """Global sensitivity of OUTCOMEs to the --vary parameters of SCENARIO.

    Sobol' first-order (S1) and total-order (ST) indices with bootstrap intervals, or Morris
    mu*/sigma screening; written to sensitivity.csv in a sweep folder, with a tornado (Sobol')
    or mu*-sigma (Morris) chart per outcome.

    \b
    Example:
      escsim sensitivity baseline-2024-11 --outcome rung:4 --outcome us_killed>=1 \\
          --vary iran.retaliate_personnel_prob=0:1 --vary us_policy.leadership_strike_prob=0:0.5 \\
          --vary militias.iraq_factions.excitation_per_round=0:2 --samples 64 --runs 20
    """
    from escsim.analysis.sensitivity import analyse, write_results
    from escsim.sweep import SweepSpec, parse_outcome, plan_sweep

    if not outcomes:
        raise InputError("give at least one --outcome", key="--outcome",
                         expected="e.g. --outcome rung:8 or --outcome us_killed>=1")
    for o in outcomes:
        parse_outcome(o)
    if resume and scenario is None:
        if out is None:
            raise click.UsageError("--resume without SCENARIO needs --out DIR")
        plan = _plan_from(out)
    else:
        if scenario is None:
            raise click.UsageError("give a SCENARIO (or --resume --out DIR)")
        items = list(overrides) + ([f"scenario.horizon_days={horizon}"] if horizon else [])
        spec = SweepSpec(scenarios=(scenario,), vary=tuple(vary),
                         design="saltelli" if method == "sobol" else "morris", samples=samples,
                         runs=runs, seed=seed, overrides=tuple(items),
                         levels=levels if method == "morris" else None, seeds=seeds,
                         kind="sensitivity")
        plan = plan_sweep(spec)
    target = out or Path("results") / f"sensitivity-{plan.points[0].scenario}"
    result = _run(plan, target, executor, jobs, scheduler, chunk_runs, resume, force,
                  "sensitivity")
    table = analyse(result.folder, outcomes, n_resamples=bootstrap)
    write_results(result.folder, table)
    _report(result, no_plots, outcomes)
    _print_sensitivity(table)


def _print_sensitivity(table: Any) -> None:
    for _outcome, t in table.groupby("outcome", sort=False):
        share = float(t["noise_share"].iloc[0])
        click.echo(f"\n{t['label'].iloc[0]} (mean across points {t['outcome_mean'].iloc[0]:.3g}; "
                   f"Monte Carlo noise share {share:.2f})")
        if t["method"].iloc[0] == "sobol":
            click.echo(f"  {'parameter':<48}{'S1':>7}  {'95% interval':<16}{'ST':>7}  "
                       "95% interval")
            for r in t.sort_values("ST", ascending=False).itertuples():
                click.echo(f"  {r.parameter:<48}{r.S1:>7.3f}  [{r.S1_low:.2f}, {r.S1_high:.2f}]"
                           f"{'':<3}{r.ST:>7.3f}  [{r.ST_low:.2f}, {r.ST_high:.2f}]")
        else:
            click.echo(f"  {'parameter':<48}{'mu*':>8}  {'95% interval':<18}{'sigma':>8}")
            for r in t.sort_values("mu_star", ascending=False).itertuples():
                click.echo(f"  {r.parameter:<48}{r.mu_star:>8.3g}  [{r.mu_star_low:.3g}, "
                           f"{r.mu_star_high:.3g}]{'':<4}{r.sigma:>8.3g}")
        if share > 0.1:
            click.echo("  note: Monte Carlo noise is a large share of the variance; add --runs",
                       err=True)


# ------------------------------------------------------------------------------------ plot ---
@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--outcome", "outcomes", multiple=True, metavar="OUTCOME",
              help="Also draw this outcome (repeatable): COLUMN>=X (e.g. us_killed>=1), rung:K "
                   "or a count column.")
@click.option("--rung", type=click.IntRange(1), help="Rung of the heatmap and survival curves "
                                                    "[default: the most contested].")
@click.option("--axis", "axes", multiple=True, metavar="KEY",
              help="Draw along these swept keys only (repeatable).")
@click.option("--by", metavar="KEY", help="One series per value of this swept key (or "
                                          "'scenario') along each axis.")
def plot(folder: Path, outcomes: tuple[str, ...], rung: int | None, axes: tuple[str, ...],
         by: str | None) -> None:
    """Redraw the figures of a sweep FOLDER from its saved tables (into FOLDER/plots)."""
    from escsim.plotting.sweeps import plot_sweep_folder
    from escsim.results import check_writable
    from escsim.sweep import read_sweep

    s = read_sweep(folder)
    check_writable(folder / "plots", key="FOLDER")
    for k in [*axes, *([by] if by and by != "scenario" else [])]:
        if k not in s.keys:
            raise InputError("not a swept key", key="--axis" if k in axes else "--by", value=k,
                             expected=" | ".join(s.keys))
    if rung is not None and f"day_rung_{rung}" not in s.read_runs(None).columns:
        raise InputError("no such rung in the runs", key="--rung", value=rung)
    files = plot_sweep_folder(folder, outcomes, rung=rung, axes=axes or None, by=by)
    for f in files:
        click.echo(str(f))


# -------------------------------------------------------------------------------- discover ---
@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option("--outcome", required=True, metavar="OUTCOME",
              help="The outcome to explain: rung:K (e.g. rung:8, regional war) or COLUMN>=X.")
@click.option("--key", "keys", multiple=True, metavar="KEY",
              help="Only these swept keys (repeatable) [default: all].")
@click.option("--min-density", type=click.FloatRange(0, 1),
              help="Choose the widest box with at least this density [default: the best "
                   "balance of coverage and density].")
@click.option("--min-support", type=click.FloatRange(0, 1), default=0.05, show_default=True,
              help="Stop peeling when the box holds less than this share of runs.")
@click.option("--alpha", type=click.FloatRange(0.01, 0.5), default=0.05, show_default=True,
              help="Share of the box peeled per step.")
def discover(folder: Path, outcome: str, keys: tuple[str, ...], min_density: float | None,
             min_support: float, alpha: float) -> None:
    """Scenario discovery: which swept values of FOLDER lead to OUTCOME (PRIM box search).

    Prints the box as rules with its coverage (share of the outcome's runs inside) and density
    (share of the runs inside that reach the outcome), and draws the peeling trajectory.
    """
    from escsim.analysis.discovery import discover as run_prim
    from escsim.plotting.sweeps import plot_prim_trajectory, save_figure
    from escsim.results import check_writable, write_table
    from escsim.sweep import parse_outcome, read_sweep

    read_sweep(folder)  # a sweep folder, before any work
    check_writable(Path(folder) / "plots", key="FOLDER")
    res = run_prim(folder, outcome, keys or None, alpha, min_support, min_density)
    label = parse_outcome(outcome).label(read_sweep(folder).rung_names())
    b = res.box
    from escsim.analysis.format import sig

    click.echo(f"{label}: a share of {sig(res.outcome_share)} of {res.trajectory[0].runs:,} "
               "runs")
    click.echo(f"box ({sig(b.support)} of runs): coverage {sig(b.coverage)}, density "
               f"{sig(b.density)} (x{b.density / res.outcome_share:.1f} the overall rate)")
    rules = res.rules()
    for r in rules or ["(no swept value restricts it: the outcome is spread evenly)"]:
        click.echo(f"  {r}")
    plots = Path(folder) / "plots"
    plots.mkdir(exist_ok=True)
    path = save_figure(plot_prim_trajectory(res), plots / "prim-trajectory.png")
    traj = res.trajectory_table()
    write_table(Path(folder) / "prim-trajectory.csv", list(traj.columns),
                traj.itertuples(index=False))
    click.echo(f"trajectory: {path}")
