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
    OUTPUT,
    Progress,
    check_out,
    check_tail,
    echo,
    emit_json,
    executor_options,
    horizon_option,
    make_cli_executor,
    out_options,
    output_folder,
    report_option,
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


_sweep_out_options = out_options(
    "results/sweep-<scenario>",
    resume="Finish an interrupted sweep in --out: run only the missing chunks.")


def _out_options(f: Callable[..., Any]) -> Callable[..., Any]:
    return _sweep_out_options(report_option(f))


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
        echo(f"\ninterrupted; finished chunks are kept. Resume with:\n  escsim {command} "
                   f"--resume --out {out}", err=True)
        sys.exit(130)
    except InputError:
        raise
    except Exception as exc:
        progress.close()
        if not (out / "manifest.json").is_file():
            raise
        echo(f"\nescsim: error: the sweep stopped: {type(exc).__name__}: {exc}\n"
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
@horizon_option()
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
            echo(f"note: {samples} Sobol' points is not a power of two; the design is "
                       "less balanced than with 2^k points", err=True)
        spec = SweepSpec(scenarios=tuple(scenarios), vary=tuple(vary), design=design,
                         samples=samples, runs=runs, seed=seed, overrides=tuple(items),
                         design_table=table, parameter_uncertainty=uncertainty,
                         priors=None if priors is None else str(priors),
                         posterior=None if posterior is None else str(posterior),
                         pair=tuple(pair))
        try:
            plan = plan_sweep(spec)
        except InputError as exc:
            if table is None or design_table is None:
                raise
            raise _in_design_table(exc, design_table, table) from None
    tail_rungs = check_tail(plan.scenarios, tail_method, rung, plan.spec.parameter_uncertainty)
    target = output_folder(out, f"sweep-{plan.points[0].scenario}", force, resume)
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
    echo("\n  point  rung  splitting estimate [95%]            plain [95%]")
    for r in table.itertuples():
        split = f"{r.estimate:.3g} [{r.ci_low:.3g}, {r.ci_high:.3g}]"
        plain = f"{r.plain_estimate:.3g} [{r.plain_ci_low:.3g}, {r.plain_ci_high:.3g}]"
        echo(f"  {r.point:>5}  {r.rung:>4}  {split:<34} {plain}")


def _in_design_table(exc: InputError, path: Path, table: Any) -> InputError:
    """A value of a design table refused by the checks: blamed on the table's file, line and
    column (not on --vary, which was not given)."""
    keys, points = table
    where = ""
    if exc.key in keys:
        col = list(keys).index(exc.key)
        line = next((i + 2 for i, p in enumerate(points)
                     if p[col] == exc.value or str(p[col]) == str(exc.value)), None)
        where = f"line {line}, column {col + 1}" if line else f"column {col + 1}"
    else:
        point = next((i for i, p in enumerate(points)
                      if "at the point " + ", ".join(
                          f"{k}={v!r}" for k, v in zip(keys, p, strict=True))
                      in exc.message), None)
        if point is not None:
            where = f"line {point + 2}"
    message = exc.message.split(" at the point ")[0]
    return InputError(f"{message}" + (f" ({where})" if where else ""), file=str(path),
                      key=exc.key, value=exc.value, expected=exc.expected)


def _point_text(summary: Any, row: Any, keys: list[str]) -> str:
    """A point of a sweep's summary as ``point 3 (key=value, ...)``."""
    r = summary.loc[row]
    values = [f"{k}={r[k]}" for k in keys if k in summary]
    if "scenario" in summary and summary["scenario"].nunique() > 1:
        values.insert(0, str(r["scenario"]))
    return f"point {int(r['point'])}" + (f" ({', '.join(values)})" if values else "")


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
    echo(f"\n{how}{plan.n_points} points x {plan.spec.runs} runs = {plan.total_runs:,} "
               f"runs ({result.runs_run:,} run now, {result.wall_seconds:.1f}s); root seed "
               f"{plan.spec.seed}")
    windows = sorted({(str(s), float(h)) for s, h in zip(summary["start_date"],
                                                          summary["horizon_days"], strict=True)})
    if len(windows) > 1:  # a probability within 60 days is not one within 365
        echo(f"note: the points cover {len(windows)} windows ("
             + ", ".join(f"{s} + {h:g} days" for s, h in windows)
             + "): a point's probabilities are within its own window (start_date, "
               "horizon_days of summary.csv)")
    echo(f"  {'rung':<28}{'P(reached) across points: min':>31}{'median':>9}{'max':>7}")
    for r in plan.rungs:
        col = summary[f"p_rung_{r}"].dropna()
        if len(col):
            label = f"{r} {names.get(r, '')}"
            echo(f"  {label:<28}{sig(col.min()):>31}{sig(col.median()):>9}"
                 f"{sig(col.max()):>9}")
            if plan.n_points > 1 and col.min() < col.max():  # which point gave which value
                echo(f"  {'':<4}min at {_point_text(summary, col.idxmin(), plan.keys)}; "
                     f"max at {_point_text(summary, col.idxmax(), plan.keys)}")
    if plan.uncertainty is not None:
        for line in plan.uncertainty.describe():
            echo(f"parameter uncertainty: {line}")
    if not no_plots:
        from escsim.plotting.sweeps import plot_sweep_folder

        files = plot_sweep_folder(folder, outcomes)
        echo(f"plots: {len(files)} in {folder / 'plots'}")
    if OUTPUT.report:
        from escsim.results.report import write_report

        write_report(folder)
    echo(f"results: {folder}")
    emit_json({"results": str(folder), "points": plan.n_points, "runs_per_point": plan.spec.runs,
               "root_seed": plan.spec.seed, "summary": summary.to_dict(orient="records")})


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
@horizon_option("the scenario's")
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
    for o in outcomes:  # before any run: a rung or a column the runs will not have
        parse_outcome(o).check(plan.columns)
    target = output_folder(out, f"sensitivity-{plan.points[0].scenario}", force, resume)
    result = _run(plan, target, executor, jobs, scheduler, chunk_runs, resume, force,
                  "sensitivity")
    table = analyse(result.folder, outcomes, n_resamples=bootstrap)
    write_results(result.folder, table)
    _report(result, no_plots, outcomes)
    _print_sensitivity(table)


def _interval(estimate: float, low: float, high: float) -> str:
    """``[low, high]``; where the bootstrap gave no interval because every resample gave the
    same value (an index of exactly zero), that value, not ``[nan, nan]``."""
    import math

    if math.isnan(low) or math.isnan(high):
        return "n/a" if math.isnan(estimate) else f"[{estimate:.2f}, {estimate:.2f}]"
    return f"[{low:.2f}, {high:.2f}]"


def _print_sensitivity(table: Any) -> None:
    for _outcome, t in table.groupby("outcome", sort=False):
        share = float(t["noise_share"].iloc[0])
        noise = f"Monte Carlo noise share {share:.2f}" if share == share else \
            "the same at every point"  # no spread across points: no share of it
        echo(f"\n{t['label'].iloc[0]} (mean across points {t['outcome_mean'].iloc[0]:.3g}; "
             f"{noise})")
        if t["method"].iloc[0] == "sobol":
            echo(f"  {'parameter':<48}{'S1':>7}  {'95% interval':<16}{'ST':>7}  "
                       "95% interval")
            for r in t.sort_values("ST", ascending=False).itertuples():
                echo(f"  {r.parameter:<48}{r.S1:>7.3f}  {_interval(r.S1, r.S1_low, r.S1_high):<13}"
                     f"{'':<3}{r.ST:>7.3f}  {_interval(r.ST, r.ST_low, r.ST_high)}")
        else:
            echo(f"  {'parameter':<48}{'mu*':>8}  {'95% interval':<18}{'sigma':>8}")
            for r in t.sort_values("mu_star", ascending=False).itertuples():
                echo(f"  {r.parameter:<48}{r.mu_star:>8.3g}  [{r.mu_star_low:.3g}, "
                           f"{r.mu_star_high:.3g}]{'':<4}{r.sigma:>8.3g}")
        if share > 0.1:
            echo("  note: Monte Carlo noise is a large share of the variance; add --runs",
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
    """Redraw the figures of a result FOLDER from its saved tables (into FOLDER/plots).

    Any folder escsim writes: a run, a comparison of several scenarios (escsim run with several
    scenarios or --all), a sweep or sensitivity analysis, a study, a backtest (one era or
    --eras) or a calibration.
    """
    from escsim.plotting.sweeps import plot_sweep_folder
    from escsim.results import check_writable
    from escsim.sweep import read_sweep

    kind = _folder_kind(folder)
    if kind != "sweep":
        if outcomes or rung is not None or axes or by:
            raise InputError("--outcome, --rung, --axis and --by apply to sweep folders",
                             file=str(folder), value=kind, expected="a sweep folder")
        files = _plot_other(folder, kind)
        for f in files:
            echo(str(f))
        emit_json({"folder": str(folder), "kind": kind, "plots": [str(f) for f in files]})
        return
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
        echo(str(f))
    emit_json({"folder": str(folder), "kind": "sweep", "plots": [str(f) for f in files]})


#: The tables each kind of folder must hold before it can be drawn.
_FOLDER_TABLES = {"run": ("runs.csv", "daily.csv", "summary.json"),
                  "comparison": ("comparison.csv",),
                  "backtest-eras": ("comparison.csv",),
                  "study": ("regret.csv", "front.csv", "study.json"),
                  "backtest": ("comparison.csv", "bands.csv"),
                  "calibrate": ("posterior.csv",)}


def _folder_kind(folder: Path) -> str:
    """What wrote ``folder``: sweep (also sensitivity), run, comparison, backtest, calibrate."""
    from escsim.results import read_json_input

    if not folder.is_dir():
        raise InputError("no such folder", file=str(folder), expected="a result folder")
    manifest = folder / "manifest.json"
    kind = ""
    if manifest.is_file():
        data = read_json_input(manifest, "manifest", "a manifest.json written by escsim")
        kind = str(data.get("kind", "")) if isinstance(data, dict) else ""
    if kind in ("sweep", "sensitivity"):
        return "sweep"
    if kind in _FOLDER_TABLES:
        missing = [f for f in _FOLDER_TABLES[kind] if not (folder / f).is_file()]
        if missing:
            raise InputError(f"incomplete {kind} folder (unfinished, or files removed): no "
                             + ", ".join(missing), file=str(folder),
                             expected=f"a finished {kind} folder (--resume finishes a run)")
        return kind
    if (folder / "comparison.csv").is_file() and any(folder.glob("*/bands.csv")):
        return "backtest-eras"  # written before the eras' folder had a manifest
    if (folder / "comparison.csv").is_file() and not (folder / "runs.csv").is_file():
        return "comparison"
    if (folder / "runs.csv").is_file() and (folder / "summary.json").is_file():
        return "run"
    if (folder / "bands.csv").is_file():
        return "backtest"
    raise InputError("not a result folder", file=str(folder),
                     expected="a folder written by escsim run, sweep, sensitivity, study, "
                              "backtest or calibrate (a trace folder holds its one figure "
                              "already)")


def _plot_other(folder: Path, kind: str) -> list[Path]:
    """Redraw a run, comparison, backtest or calibration folder."""
    import pandas as pd

    from escsim.simulation import plot_run_folder, write_comparison

    if kind == "run":
        return plot_run_folder(folder)
    if kind == "comparison":
        subs = sorted(p.parent for p in folder.glob("*/runs.csv"))
        if not subs:
            raise InputError("a comparison folder without its scenarios' run folders",
                             file=str(folder), expected="a folder of escsim run with several "
                                                        "scenarios (one run folder each)")
        files = [f for sub in subs for f in plot_run_folder(sub)]
        # the figures only: comparison.csv is the folder's data, not redrawn
        base = None  # a comparison run with --base keeps its base drawn first
        if (folder / "differences.csv").is_file():
            bases = pd.read_csv(folder / "differences.csv", usecols=["base"])["base"]
            base = str(bases.iloc[0]) if len(bases) else None
        write_comparison(folder, subs, plots=True, table=False, base=base)
        return files + sorted((folder / "plots").glob("*.png"))
    if kind == "study":  # the study's own figures (its runs are a sweep's: plot them too)
        from escsim.plotting.study import plot_study_folder
        from escsim.results import read_json

        return plot_study_folder(folder, str(read_json(folder / "study.json")["rank_by"]))
    if kind == "backtest-eras":  # each era's backtest folder
        eras = sorted(p.parent for p in folder.glob("*/bands.csv"))
        if not eras:
            raise InputError("an eras folder without its eras' backtest folders",
                             file=str(folder), expected="a folder of escsim backtest --eras")
        return [f for era in eras for f in _plot_other(era, "backtest")]
    if kind == "backtest":
        from escsim.plotting.history import plot_backtest_folder
        from escsim.results import read_json

        summary = read_json(folder / "summary.json")
        figures = plot_backtest_folder(folder / "plots", pd.read_csv(folder / "bands.csv"),
                                       pd.read_csv(folder / "comparison.csv"),
                                       pd.read_csv(folder / "simulated.csv"),
                                       summary["start_date"], title=summary["scenario"])
        return list(figures.values())
    # a calibration: the prior and posterior of each parameter, and its check (a backtest)
    from escsim.plotting.history import plot_prior_posterior, save_figure

    posterior = pd.read_csv(folder / "posterior.csv")
    prior = pd.read_csv(folder / "prior_predictive.csv")
    columns = list(posterior.columns[:list(posterior.columns).index("weight")])
    files = [save_figure(plot_prior_posterior(prior, posterior, columns,
                                              posterior["weight"].tolist(),
                                              title="prior and ABC posterior of each "
                                                    "uncertain parameter"),
                         folder / "plots" / "prior_posterior.png")]
    if (folder / "check" / "bands.csv").is_file():
        files += _plot_other(folder / "check", "backtest")
    elif (folder / "check" / "scores.csv").is_file():  # a joint fit's check: one per era
        files += _plot_other(folder / "check", "backtest-eras")
    return files


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

    echo(f"{label}: a share of {sig(res.outcome_share)} of {res.trajectory[0].runs:,} "
               "runs")
    echo(f"box ({sig(b.support)} of runs): coverage {sig(b.coverage)}, density "
               f"{sig(b.density)} (x{b.density / res.outcome_share:.1f} the overall rate)")
    rules = res.rules()
    for r in rules or ["(no swept value restricts it: the outcome is spread evenly)"]:
        echo(f"  {r}")
    plots = Path(folder) / "plots"
    plots.mkdir(exist_ok=True)
    path = save_figure(plot_prim_trajectory(res), plots / "prim-trajectory.png")
    traj = res.trajectory_table()
    write_table(Path(folder) / "prim-trajectory.csv", list(traj.columns),
                traj.itertuples(index=False))
    echo(f"trajectory: {path}")
    emit_json({"outcome": outcome, "label": label, "outcome_share": res.outcome_share,
               "support": b.support, "coverage": b.coverage, "density": b.density,
               "rules": [str(r) for r in rules], "trajectory": str(path)})
