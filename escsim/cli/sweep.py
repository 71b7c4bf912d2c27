"""``escsim sweep``, ``escsim sensitivity``, ``escsim plot`` and ``escsim discover``.

Thin commands over :mod:`escsim.apps.sweep`, :mod:`escsim.apps.sensitivity`,
:mod:`escsim.apps.folders` and :mod:`escsim.apps.discover`, with the exit codes of
:mod:`escsim.cli` (2 for bad input, one message naming the key, the value and what was expected;
130 when interrupted, with the command that resumes).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from escsim.apps.sensitivity import _interval  # noqa: F401  (tests/test_messages.py)
from escsim.cli.common import (
    OUTPUT,
    CliFeedback,
    EscsimCommand,
    executor_options,
    format_option,
    horizon_option,
    out_options,
    policy_module_option,
    print_result,
    priors_option,
    report_option,
    resumable,
    seed_option,
    set_option,
    tail_options,
    tail_request,
    uncertainty_option,
)

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
    return _sweep_out_options(report_option(format_option(policy_module_option(f))))


# ----------------------------------------------------------------------------------- sweep ---
@click.command(cls=EscsimCommand)
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
@seed_option("Root seed; every point x replication seed derives from it.")
@horizon_option()
@set_option
@uncertainty_option("Also draw each point x replication's uncertain parameters (all but the "
                    "swept ones) from the scenario's priors or from the posterior of escsim "
                    "calibrate (adds drawn_* columns to runs.csv).")
@priors_option
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
          force: bool, no_plots: bool, pair: tuple[str, ...], runs_format: str,
          **tail: Any) -> None:
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
    from escsim.apps.sweep import sweep as sweep_app

    feedback = CliFeedback()
    with resumable(feedback, "sweep", "escsim sweep --resume --out {out}"):
        print_result(sweep_app(
            scenarios, vary, design, design_table, samples, runs, seed, horizon, overrides,
            uncertainty, priors, posterior, executor, jobs, scheduler, chunk_runs, out, resume,
            force, not no_plots, OUTPUT.report, pair, tail_request(**tail), feedback,
            runs_format))


# ----------------------------------------------------------------------------- sensitivity ---
@click.command(cls=EscsimCommand)
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
@seed_option("Root seed (design, replications and bootstrap derive from it).")
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
                no_plots: bool, runs_format: str) -> None:
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
    from escsim.apps.sensitivity import sensitivity as sensitivity_app

    feedback = CliFeedback()
    with resumable(feedback, "sweep", "escsim sensitivity --resume --out {out}"):
        print_result(sensitivity_app(
            scenario, vary, outcomes, method, samples, levels, runs, seed, seeds, bootstrap,
            horizon, overrides, executor, jobs, scheduler, chunk_runs, out, resume, force,
            not no_plots, OUTPUT.report, feedback, runs_format))


# ------------------------------------------------------------------------------------ plot ---
@click.command(cls=EscsimCommand)
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
    from escsim.apps.folders import redraw

    print_result(redraw(folder, outcomes, rung, axes, by))


# -------------------------------------------------------------------------------- discover ---
@click.command(cls=EscsimCommand)
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
    from escsim.apps.discover import discover as discover_app

    print_result(discover_app(folder, outcome, keys, min_density, min_support, alpha))
