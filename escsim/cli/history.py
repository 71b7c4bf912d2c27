"""``escsim backtest`` and ``escsim calibrate``: thin commands over :mod:`escsim.apps.backtest`
and :mod:`escsim.apps.calibrate`, with
the exit codes of :mod:`escsim.cli` (2 for bad input, with one message naming the file, the key,
the value and what was expected).
"""

from __future__ import annotations

from pathlib import Path

import click

from escsim.apps.backtest import CALIBRATION_SCENARIO
from escsim.cli.common import (
    OUTPUT,
    CliFeedback,
    EscsimCommand,
    executor_options,
    horizon_option,
    out_options,
    print_result,
    priors_option,
    report_option,
    seed_option,
    set_option,
    uncertainty_option,
)

_observations_option = click.option(
    "--observations", type=click.Path(dir_okay=False, path_type=Path),
    help="Observations CSV [default: the bundled seeds/observations.csv].")


# -------------------------------------------------------------------------------- backtest ---
@click.command(cls=EscsimCommand)
@click.argument("scenario", default=CALIBRATION_SCENARIO)
@click.option("--runs", "-n", default=1000, show_default=True, type=click.IntRange(10, 10_000_000),
              help="Replications.")
@seed_option()
@horizon_option(help="Simulated days [default: the scenario's horizon, extended to cover the "
                    "observations of this scenario].", whole_days=True)
@set_option
@_observations_option
@uncertainty_option("Draw each replication's uncertain parameters from the priors or from the "
                    "posterior of escsim calibrate (posterior: a posterior predictive check).")
@priors_option
@click.option("--posterior", type=click.Path(path_type=Path),
              help="Calibration folder or its posterior.csv [default: "
                   "results/calibrate-<scenario>].")
@executor_options
@out_options("results/backtest-<scenario>")
@report_option
@click.option("--eras", is_flag=True,
              help="Backtest every era (era-2019-20, era-2021, surge-2023) in one report "
                   "[default output: results/backtest-eras]; SCENARIO is ignored.")
def backtest(scenario: str, runs: int, seed: int, horizon: int | None,
             overrides: tuple[str, ...], observations: Path | None, uncertainty: str,
             priors: Path | None, posterior: Path | None, executor: str, jobs: int | None,
             scheduler: str | None, out: Path | None, force: bool, no_plots: bool,
             eras: bool) -> None:
    """Run SCENARIO (default: surge-2023, the calibration) over a period that happened and set
    every observation of the record beside the simulated distribution.

    Prints one verdict per observation and an overall score (share inside the 90% interval,
    CRPS); writes report.md, comparison.csv, plots/ and the runs into the output folder.
    With --eras, every era in one report.
    """
    from escsim.apps.backtest import backtest as backtest_app

    print_result(backtest_app(scenario, runs, seed, horizon, overrides, observations,
                              uncertainty, priors, posterior, executor, jobs, scheduler, out,
                              force, not no_plots, OUTPUT.report, eras, CliFeedback()))


# ------------------------------------------------------------------------------- calibrate ---
@click.command(cls=EscsimCommand)
@click.argument("scenario", default=CALIBRATION_SCENARIO)
@priors_option
@_observations_option
@click.option("--particles", type=click.IntRange(10, 100_000), metavar="N",
              help="Posterior sample size [default: from the priors file].")
@click.option("--generations", type=click.IntRange(0, 50), metavar="G",
              help="ABC-SMC generations after the rejection step (0 = rejection ABC) "
                   "[default: from the priors file].")
@seed_option("Root seed: the same seed gives the same posterior on any executor.")
@set_option
@click.option("--check-runs", default=1000, show_default=True, type=click.IntRange(0),
              help="Runs of the posterior predictive check (a backtest drawing parameters from "
                   "the posterior); 0 skips it.")
@executor_options
@out_options("results/calibrate-<scenario>")
@report_option
@click.option("--eras", is_flag=True,
              help="Fit the shared behavioural parameters to every era at once (era-2019-20, "
                   "era-2021, surge-2023) with scenarios/priors/eras.toml, then check every "
                   "era against the joint posterior (check/<era>/; --check-runs per era) "
                   "[default output: results/calibrate-eras]; SCENARIO is ignored.")
@click.option("--record", "from_record", is_flag=True,
              help="Fit the shared behaviour of the four eras before the seed to the record's "
                   "summaries (ABC with a reference table and regression adjustment) with "
                   "scenarios/priors/record.toml, and print each parameter's posterior width "
                   "against its prior's [default output: results/calibrate-record]; SCENARIO, "
                   "--eras, --particles, --generations, --observations and --check-runs are "
                   "refused with it.")
@click.option("--table-size", type=click.IntRange(200, 1_000_000), metavar="N",
              help="With --record: prior draws in the reference table [default: 10000].")
def calibrate(scenario: str, priors: Path | None, observations: Path | None,
              particles: int | None, generations: int | None, seed: int,
              overrides: tuple[str, ...], check_runs: int, executor: str, jobs: int | None,
              scheduler: str | None, out: Path | None, force: bool, no_plots: bool,
              eras: bool, from_record: bool, table_size: int | None) -> None:
    """Fit SCENARIO's uncertain parameters (default: surge-2023) to the observed record by
    approximate Bayesian computation (ABC-SMC), with the priors of
    scenarios/priors/<scenario>.toml.

    Writes the posterior sample (posterior.csv), its summary, prior-vs-posterior plots and a
    posterior predictive check (check/, a backtest drawing parameters from the posterior; with
    --eras one backtest per era and check/scores.csv).
    Then `escsim run SCENARIO --parameter-uncertainty posterior` draws from it.
    """
    from escsim.apps.calibrate import calibrate as calibrate_app

    print_result(calibrate_app(scenario, priors, observations, particles, generations, seed,
                               overrides, check_runs, executor, jobs, scheduler, out, force,
                               not no_plots, eras, CliFeedback(), report=OUTPUT.report,
                               record=from_record, table_size=table_size))


# ---------------------------------------------------------------------------------- record ---
@click.command(cls=EscsimCommand)
@click.option("--from", "start", metavar="DATE", help="First day (YYYY-MM-DD).")
@click.option("--to", "end", metavar="DATE", help="Last day (YYYY-MM-DD).")
@click.option("--country", "countries", multiple=True, metavar="C",
              help="iraq, syria, jordan, iran, israel, qatar, ... (repeatable).")
@click.option("--kind", "kinds", multiple=True, metavar="K",
              help="militia_attack, us_strike, iran_attack, strike_on_iran, announcement, tally.")
@click.option("--group", metavar="TEXT", help="Rows whose actor or target names TEXT.")
@click.option("--as-of", metavar="DATE", help="Only what had happened by DATE.")
@click.option("--monthly", is_flag=True, help="Attacks on US forces per month by country.")
@click.option("--around-rounds", "rounds_days", type=click.IntRange(1, 365), metavar="DAYS",
              help="Attacks in the DAYS before and after each US round.")
@click.option("--tallies", is_flag=True, help="Each tally beside the dated count of its window.")
@click.option("--limit", default=40, show_default=True, type=click.IntRange(0, None),
              help="Rows listed (0: all).")
@click.option("--plot", is_flag=True,
              help="Write the tables and the figure [default output: results/record].")
@out_options("results/record")
@click.option("--record", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Another record folder [default: the bundled seeds/record].")
def record(start: str | None, end: str | None, countries: tuple[str, ...],
           kinds: tuple[str, ...], group: str | None, as_of: str | None, monthly: bool,
           rounds_days: int | None, tallies: bool, limit: int, plot: bool, out: Path | None,
           force: bool, no_plots: bool, folder: Path | None) -> None:
    """The documented record, 2019-2025: list and filter its events, print monthly series, and
    with --plot or --out write its tables and figure (attacks on US forces per month by
    country, US rounds, pauses and Iran's actions marked, tallies beside the dated counts).

    Every row names the reports behind it (sources.csv); see docs/explanation/record.md.
    """
    from escsim.apps.record import record as record_app

    print_result(record_app(start, end, countries, kinds, group, as_of, monthly, rounds_days,
                            tallies, limit or None, plot, out, force, folder,
                            figure=not no_plots, feedback=CliFeedback()))
