"""``escsim backtest`` and ``escsim calibrate``: a thin layer over :mod:`escsim.history`, with
the exit codes of :mod:`escsim.cli` (2 for bad input, with one message naming the file, the key,
the value and what was expected).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from escsim.cli.common import (
    OUTPUT,
    check_out,
    echo,
    emit_json,
    executor_options,
    load_scenario_arg,
    make_cli_executor,
    out_options,
    output_folder,
    progressbar,
    report_option,
    set_option,
)
from escsim.executors import Executor

#: The calibration scenario: the surge of 17 Oct 2023 - 4 Feb 2024.
CALIBRATION_SCENARIO = "surge-2023"
_UNCERTAINTY = click.Choice(["none", "prior", "posterior"])


def _command_line() -> str:
    from escsim.results.provenance import command_line

    return command_line()


def _shown(path: Path) -> str:
    from escsim.results.provenance import display_path

    return display_path(path.resolve())


class _StagedProgress:
    """A progress bar per stage (label), on stderr: the callback of :func:`calibrate`."""

    def __init__(self) -> None:
        self.label: str | None = None
        self.bar: Any = None
        self.done = 0

    def __call__(self, label: str, done: int, total: int) -> None:
        if OUTPUT.quiet:
            return
        if label != self.label:
            self.close()
            self.bar = click.progressbar(length=total, label=label, file=sys.stderr,
                                         show_pos=True, show_eta=True)
            self.bar.__enter__()
            self.label, self.done = label, 0
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar, self.label = None, None


_observations_option = click.option(
    "--observations", type=click.Path(dir_okay=False, path_type=Path),
    help="Observations CSV [default: the bundled seeds/observations.csv].")
_priors_option = click.option("--priors", type=click.Path(dir_okay=False, path_type=Path),
                              help="Priors file [default: scenarios/priors/<scenario>.toml].")


# -------------------------------------------------------------------------------- backtest ---
@click.command()
@click.argument("scenario", default=CALIBRATION_SCENARIO)
@click.option("--runs", "-n", default=1000, show_default=True, type=click.IntRange(10, 10_000_000),
              help="Replications.")
@click.option("--seed", "-s", default=20231017, show_default=True, type=click.IntRange(0),
              help="Root seed; replication seeds derive from it.")
@click.option("--horizon", type=click.IntRange(1, 3650), metavar="DAYS",
              help="Simulated days [default: the scenario's horizon, extended to cover the "
                   "observations of this scenario].")
@set_option
@_observations_option
@click.option("--parameter-uncertainty", "uncertainty", type=_UNCERTAINTY, default="none",
              show_default=True,
              help="Draw each replication's uncertain parameters from the priors or from the "
                   "posterior of escsim calibrate (posterior: a posterior predictive check).")
@_priors_option
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
    from escsim.history.backtest import plan_horizons, run_backtest, write_backtest
    from escsim.history.observations import default_observations_path, load_observations
    from escsim.scenario.priors import make_sampler

    if eras:
        _backtest_eras(runs, seed, overrides, observations, (executor, jobs, scheduler), out,
                       force, no_plots)
        return

    s = load_scenario_arg(scenario, overrides)
    obs_path = observations or default_observations_path()
    obs = load_observations(obs_path)
    sampler = make_sampler(s, uncertainty, priors, posterior)
    target = output_folder(out, f"backtest-{s.scenario.name}", force)
    check_out(target, force)
    main_days, extra = plan_horizons(s, obs, horizon)
    with make_cli_executor(executor, jobs, scheduler) as ex, \
            progressbar(length=runs * (1 + len(extra)),
                              label=f"backtest {s.scenario.name}: {runs} runs",
                              show_pos=True, show_eta=True) as bar:
        bt = run_backtest(s, obs, runs, seed, ex, horizon, sampler, bar.update,
                          observations_file=_shown(obs_path))
    write_backtest(bt, target, force=force, plots=not no_plots, command=_command_line())
    if OUTPUT.report:
        from escsim.results.report import write_report

        write_report(target)
    sc = bt.score()
    echo(f"\nbacktest of {s.scenario.name}: {len(bt.simulation.runs)} runs over "
               f"{bt.simulation.scenario.scenario.horizon_days:g} days from "
               f"{s.scenario.start_date}" + (f"; {sampler.describe()}" if sampler else ""))
    for c in bt.comparisons:
        echo(f"  {c.observation.id:<28} {c.observation.describe_value():>12}  "
                   f"{c.verdict()}")
    if sc["covered"]:
        crps = f"; mean CRPS ratio {sc['mean_crps_ratio']:.2f} (1 = as expected were the " \
               "record a draw from the model)" if sc["mean_crps_ratio"] is not None else ""
        echo(f"score: {sc['inside_90']} of {sc['covered']} inside the 90% interval, "
                   f"{sc['inside_50']} inside the 50%{crps}; {sc['not_covered']} not covered")
    echo(f"report: {target / 'report.md'}")
    emit_json({"results": str(target), **bt.summary()})


def _backtest_eras(runs: int, seed: int, overrides: tuple[str, ...], observations: Path | None,
                   where: tuple[str, int | None, str | None], out: Path | None, force: bool,
                   no_plots: bool) -> None:
    """``escsim backtest --eras``: every era scenario against its own observations."""
    from escsim.history.backtest import ERA_SCENARIOS, run_era_backtests, write_era_backtests
    from escsim.history.observations import default_observations_path, load_observations

    scenarios = [load_scenario_arg(name, overrides) for name in ERA_SCENARIOS]
    obs_path = observations or default_observations_path()
    obs = load_observations(obs_path)
    target = output_folder(out, "backtest-eras", force)
    check_out(target, force)
    with make_cli_executor(*where) as ex, \
            progressbar(length=runs * 4 * len(scenarios),
                        label=f"backtest of {len(scenarios)} eras: {runs} runs each",
                        show_pos=True) as bar:
        bts = run_era_backtests(scenarios, obs, runs, seed, ex, bar.update, _shown(obs_path))
    write_era_backtests(bts, target, force=force, plots=not no_plots, command=_command_line())
    if OUTPUT.report:
        from escsim.results.report import write_report

        write_report(target)
    for bt in bts:
        sc = bt.score()
        echo(f"\n{bt.scenario.scenario.name}: {sc['inside_90']} of {sc['covered']} "
             "observations inside the 90% interval")
        for c in bt.comparisons:
            echo(f"  {c.observation.id:<28} {c.observation.describe_value():>12}  "
                 f"{c.verdict()}")
    echo(f"report: {target / 'report.md'}")
    emit_json({"results": str(target),
               "eras": {bt.scenario.scenario.name: bt.summary() for bt in bts}})


# ------------------------------------------------------------------------------- calibrate ---
@click.command()
@click.argument("scenario", default=CALIBRATION_SCENARIO)
@_priors_option
@_observations_option
@click.option("--particles", type=click.IntRange(10, 100_000), metavar="N",
              help="Posterior sample size [default: from the priors file].")
@click.option("--generations", type=click.IntRange(0, 50), metavar="G",
              help="ABC-SMC generations after the rejection step (0 = rejection ABC) "
                   "[default: from the priors file].")
@click.option("--seed", "-s", default=20231017, show_default=True, type=click.IntRange(0),
              help="Root seed: the same seed gives the same posterior on any executor.")
@set_option
@click.option("--check-runs", default=1000, show_default=True, type=click.IntRange(0),
              help="Runs of the posterior predictive check (a backtest drawing parameters from "
                   "the posterior); 0 skips it.")
@executor_options
@out_options("results/calibrate-<scenario>")
@click.option("--eras", is_flag=True,
              help="Fit the shared behavioural parameters to every era at once (era-2019-20, "
                   "era-2021, surge-2023) with scenarios/priors/eras.toml, then check every "
                   "era against the joint posterior (check/<era>/; --check-runs per era) "
                   "[default output: results/calibrate-eras]; SCENARIO is ignored.")
def calibrate(scenario: str, priors: Path | None, observations: Path | None,
              particles: int | None, generations: int | None, seed: int,
              overrides: tuple[str, ...], check_runs: int, executor: str, jobs: int | None,
              scheduler: str | None, out: Path | None, force: bool, no_plots: bool,
              eras: bool) -> None:
    """Fit SCENARIO's uncertain parameters (default: surge-2023) to the observed record by
    approximate Bayesian computation (ABC-SMC), with the priors of
    scenarios/priors/<scenario>.toml.

    Writes the posterior sample (posterior.csv), its summary, prior-vs-posterior plots and a
    posterior predictive check (check/, a backtest drawing parameters from the posterior; with
    --eras one backtest per era and check/scores.csv).
    Then `escsim run SCENARIO --parameter-uncertainty posterior` draws from it.
    """
    from escsim.history.calibration import CalibrationSettings, select_observations
    from escsim.history.calibration import calibrate as fit
    from escsim.history.observations import default_observations_path, load_observations
    from escsim.scenario.priors import resolve_priors

    if eras:
        _calibrate_eras(priors, observations, particles, generations, seed, overrides,
                        check_runs, (executor, jobs, scheduler), out, force, no_plots)
        return
    s = load_scenario_arg(scenario, overrides)
    prior_set = resolve_priors(s, priors)
    settings = CalibrationSettings.from_priors(prior_set, particles=particles,
                                               generations=generations)
    obs_path = observations or default_observations_path()
    all_obs = load_observations(obs_path)
    used = select_observations(all_obs, settings.observations, s, prior_set.file)
    # not numbered when it exists (as other commands' folders are): results/calibrate-NAME
    # is where --parameter-uncertainty posterior looks by default
    target = out or Path("results") / f"calibrate-{s.scenario.name}"
    check_out(target, force)
    stages = _StagedProgress()
    with make_cli_executor(executor, jobs, scheduler) as ex:
        try:
            cal = fit(s, prior_set, used, settings, seed, ex, stages)
            stages.close()
            check = None
            if check_runs:
                check = _posterior_check(s, cal, all_obs, check_runs, seed, ex,
                                         _shown(obs_path))
        finally:
            stages.close()
    from escsim.history.calibration import write_calibration

    write_calibration(cal, target, force=force, plots=not no_plots, check=check,
                      command=_command_line())
    table = cal.summary_table()
    echo(f"\ncalibration of {s.scenario.name}: {len(cal.particles)} particles, "
               f"{sum(h['simulations'] for h in cal.history)} simulations, effective sample "
               f"size {cal.ess:.0f}" + (f"; stopped early: {cal.stopped_early}"
                                        if cal.stopped_early else ""))
    echo(f"  {'parameter':<46}{'scenario':>9}{'prior 90%':>19}{'posterior median [90%]':>30}")
    for r in table.itertuples():
        echo(f"  {r.parameter:<46}{r.scenario_value:>9.3g}"
                   f"{f'[{r.prior_q05:.3g}, {r.prior_q95:.3g}]':>19}"
                   f"{f'{r.posterior_q50:.3g} [{r.posterior_q05:.3g}, {r.posterior_q95:.3g}]':>30}")
    if check is not None:
        sc = check.score()
        echo(f"posterior predictive check: {sc['inside_90']} of {sc['covered']} "
                   f"observations inside the 90% interval")
    echo(f"report: {target / 'report.md'}")
    emit_json({"results": str(target), **cal.summary()})


def _calibrate_eras(priors: Path | None, observations: Path | None, particles: int | None,
                    generations: int | None, seed: int, overrides: tuple[str, ...],
                    check_runs: int, where: tuple[str, int | None, str | None],
                    out: Path | None, force: bool, no_plots: bool) -> None:
    """``escsim calibrate --eras``: the shared parameters fitted to every era jointly, then the
    posterior predictive check of every era."""
    from escsim.history.backtest import ERA_SCENARIOS, plan_horizons
    from escsim.history.calibration import (
        CalibrationSettings,
        calibrate_jointly,
        posterior_check_eras,
        select_observations,
        write_calibration,
    )
    from escsim.history.observations import default_observations_path, load_observations
    from escsim.paths import scenarios_dir
    from escsim.scenario.priors import load_priors

    scenarios = [load_scenario_arg(name, overrides) for name in ERA_SCENARIOS]
    prior_set = load_priors(priors or scenarios_dir() / "priors" / "eras.toml", scenarios[-1])
    settings = CalibrationSettings.from_priors(prior_set, particles=particles,
                                               generations=generations)
    obs_path = observations or default_observations_path()
    all_obs = load_observations(obs_path)
    by_id = {o.id: o for o in all_obs}
    used = []
    for s in scenarios:
        ids = [i for i in settings.observations
               if i in by_id and by_id[i].scenario == s.scenario.name]
        used += select_observations(all_obs, ids, s, prior_set.file)
    unknown = [i for i in settings.observations if i not in {o.id for o in used}]
    select_observations(all_obs, unknown, scenarios[-1], prior_set.file)  # names the problem
    target = out or Path("results") / "calibrate-eras"
    check_out(target, force)
    stages = _StagedProgress()
    with make_cli_executor(*where) as ex:
        try:
            cal = calibrate_jointly(scenarios, prior_set, used, settings, seed, ex, stages)
        finally:
            stages.close()
        checks = []
        if check_runs:
            length = sum(check_runs * (1 + len(plan_horizons(s, all_obs)[1])) for s in scenarios)
            with progressbar(length=length, show_pos=True, show_eta=True,
                             label=f"posterior predictive check of {len(scenarios)} eras") as bar:
                checks = posterior_check_eras(scenarios, cal, all_obs, check_runs, seed, ex,
                                              bar.update, _shown(obs_path))
    write_calibration(cal, target, force=force, plots=not no_plots, check=checks,
                      command=_command_line())
    echo(f"\njoint calibration of {', '.join(ERA_SCENARIOS)}: {len(cal.particles)} "
         f"particles, effective sample size {cal.ess:.0f}"
         + (f"; stopped early: {cal.stopped_early}" if cal.stopped_early else ""))
    table = cal.summary_table()
    for r in table.itertuples():
        echo(f"  {r.parameter:<46} posterior median {r.posterior_q50:.3g} "
             f"[{r.posterior_q05:.3g}, {r.posterior_q95:.3g}]")
    if checks:
        echo(f"posterior predictive check ({check_runs} runs per era):")
    for bt in checks:
        sc = bt.score()
        echo(f"  {bt.scenario.scenario.name}: {sc['inside_90']} of {sc['covered']} "
             "observations inside the 90% interval"
             + (f" (outside: {', '.join(sc['outside_90'])})" if sc["outside_90"] else ""))
    echo(f"report: {target / 'report.md'}")
    emit_json({"results": str(target), "particles": len(cal.particles), "ess": cal.ess,
               "posterior": table.to_dict(orient="records"),
               "posterior_check": {bt.scenario.scenario.name: bt.summary() for bt in checks}})


def _posterior_check(base: Any, cal: Any, observations: Any, runs: int, seed: int,
                     executor: Executor, observations_file: str) -> Any:
    """:func:`escsim.history.calibration.posterior_check` with a progress bar."""
    from escsim.history.backtest import plan_horizons
    from escsim.history.calibration import posterior_check

    _, extra = plan_horizons(base, observations)
    with progressbar(length=runs * (1 + len(extra)), show_pos=True,
                           label="posterior predictive check", show_eta=True) as bar:
        return posterior_check(base, cal, observations, runs, seed, executor, bar.update,
                               observations_file)
