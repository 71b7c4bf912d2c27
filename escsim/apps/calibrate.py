"""Calibration folders (``escsim calibrate``, ``--eras``): the uncertain parameters fitted to the
record by ABC-SMC, and the posterior predictive check (the work is
:mod:`escsim.history.calibration`)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from escsim.apps.backtest import CALIBRATION_SCENARIO, observations_from
from escsim.apps.common import (
    SILENT,
    AppResult,
    Feedback,
    check_out,
    command_line,
    load,
    open_executor,
    shown_path,
    write_report_if,
)
from escsim.apps.inputs import refuse_unhonoured
from escsim.errors import InputError
from escsim.executors import Executor
from escsim.records import DEFAULT_SEED


def _check_length(scenarios: list[Any], observations: Any, runs: int) -> int:
    from escsim.history.backtest import plan_horizons

    return sum(runs * (1 + len(plan_horizons(s, observations)[1])) for s in scenarios)


#: The options ``calibrate --record`` cannot honour (it fits the four eras' shared behaviour to
#: the record's summaries, with a reference table), and their values when not given.
_NOT_WITH_RECORD = {"scenario": ("SCENARIO", CALIBRATION_SCENARIO),
                    "particles": ("--particles", None), "generations": ("--generations", None),
                    "observations": ("--observations", None),
                    "check_runs": ("--check-runs", 1000), "eras": ("--eras", False)}


def refuse_ignored(*, record: bool, table_size: int | None, **given: Any) -> None:
    """Refuse an option the chosen calibration would ignore (rather than record it as used):
    ``--table-size`` without ``--record``, and with ``--record`` the options of the ABC-SMC
    fits (:data:`_NOT_WITH_RECORD`)."""
    if not record:
        if table_size is not None:
            raise InputError("is only used with --record (the reference table's size)",
                             key="--table-size", value=table_size,
                             expected="--table-size with --record, or neither")
        return
    refuse_unhonoured(given, _NOT_WITH_RECORD, "--record", "it fits the eras' shared "
                                                          "behaviour to the record's summaries "
                                                          "with a reference table")


def check_check_runs(scenario: Any, check_runs: int) -> None:
    """Refuse, before the fit, a posterior predictive check larger than the free memory (its
    runs are held in memory), naming ``--check-runs``."""
    from escsim.simulation import check_memory

    try:
        check_memory(scenario, check_runs)
    except InputError as exc:
        raise dataclasses.replace(exc, key="--check-runs") from None


def calibrate(scenario: str = CALIBRATION_SCENARIO, priors: Path | None = None,
              observations: Path | None = None, particles: int | None = None,
              generations: int | None = None, seed: int = DEFAULT_SEED,
              overrides: tuple[str, ...] = (), check_runs: int = 1000,
              executor: str | Executor = "process", jobs: int | None = None,
              scheduler: str | None = None, out: Path | None = None, force: bool = False,
              plots: bool = True, eras: bool = False,
              feedback: Feedback = SILENT, report: bool = True, record: bool = False,
              table_size: int | None = None) -> AppResult:
    """Fit ``scenario``'s uncertain parameters to the record by ABC-SMC, then check the
    posterior (``escsim calibrate``; the arguments are its options); ``eras``: the shared
    parameters of every era at once (:func:`calibrate_eras`). ``value`` is the
    :class:`~escsim.history.calibration.Calibration`; ``record``: the shared behaviour of
    every era fitted to the record's summaries instead (:func:`calibrate_record`)."""
    from escsim.history.calibration import (
        CalibrationSettings,
        posterior_check,
        select_observations,
        write_calibration,
    )
    from escsim.history.calibration import calibrate as fit
    from escsim.scenario.priors import resolve_priors

    refuse_ignored(scenario=scenario, particles=particles, generations=generations,
                   observations=observations, check_runs=check_runs, eras=eras,
                   table_size=table_size, record=record)
    if record:
        return calibrate_record(priors, table_size, seed, overrides, executor, jobs, scheduler,
                                out, force, feedback, plots, report)
    if eras:
        return calibrate_eras(priors, observations, particles, generations, seed, overrides,
                              check_runs, executor, jobs, scheduler, out, force, plots,
                              feedback, report)
    s = load(scenario, overrides)
    check_check_runs(s, check_runs)
    prior_set = resolve_priors(s, priors)
    settings = CalibrationSettings.from_priors(prior_set, particles=particles,
                                               generations=generations)
    obs_path, all_obs = observations_from(observations)
    used = select_observations(all_obs, settings.observations, s, prior_set.file)
    # not numbered when it exists (as other commands' folders are): results/calibrate-NAME
    # is where --parameter-uncertainty posterior looks by default
    target = Path(out) if out is not None else Path("results") / f"calibrate-{s.scenario.name}"
    check_out(target, force)
    with open_executor(executor, jobs, scheduler) as ex:
        with feedback.stages() as stages:
            cal = fit(s, prior_set, used, settings, seed, ex, stages)
        check = None
        if check_runs:
            with feedback.counted("posterior predictive check",
                                  _check_length([s], all_obs, check_runs)) as bar:
                check = posterior_check(s, cal, all_obs, check_runs, seed, ex, bar,
                                        shown_path(obs_path))
    write_calibration(cal, target, force=force, plots=plots, check=check,
                      command=command_line())
    write_report_if(target, report)
    return AppResult(target, _lines(s, cal, check, target), {"results": str(target),
                                                              **cal.summary()}, value=cal)


def _lines(s: Any, cal: Any, check: Any, target: Path) -> list[str]:
    table = cal.summary_table()
    lines = [f"\ncalibration of {s.scenario.name}: {len(cal.particles)} particles, "
             f"{sum(h['simulations'] for h in cal.history)} simulations, effective sample "
             f"size {cal.ess:.0f}" + (f"; stopped early: {cal.stopped_early}"
                                      if cal.stopped_early else ""),
             f"  {'parameter':<46}{'scenario':>9}{'prior 90%':>19}"
             f"{'posterior median [90%]':>30}"]
    for r in table.itertuples():
        posterior = f"{r.posterior_q50:.3g} [{r.posterior_q05:.3g}, {r.posterior_q95:.3g}]"
        lines.append(f"  {r.parameter:<46}{r.scenario_value:>9.3g}"
                     f"{f'[{r.prior_q05:.3g}, {r.prior_q95:.3g}]':>19}{posterior:>30}")
    if check is not None:
        sc = check.score()
        lines.append(f"posterior predictive check: {sc['inside_90']} of {sc['covered']} "
                     f"observations inside the 90% interval")
    lines.append(f"report: {target / 'report.md'}"
                 + (f", {target / 'report.html'}" if (target / "report.html").is_file() else ""))
    return lines


def _joint_observations(scenarios: list[Any], all_obs: Any, settings: Any,
                        prior_set: Any) -> list[Any]:
    """Each era's observations named by the priors file (an unknown id is named as such)."""
    from escsim.history.calibration import select_observations

    by_id = {o.id: o for o in all_obs}
    used: list[Any] = []
    for s in scenarios:
        ids = [i for i in settings.observations
               if i in by_id and by_id[i].scenario == s.scenario.name]
        used += select_observations(all_obs, ids, s, prior_set.file)
    unknown = [i for i in settings.observations if i not in {o.id for o in used}]
    select_observations(all_obs, unknown, scenarios[-1], prior_set.file)  # names the problem
    return used


def calibrate_eras(priors: Path | None = None, observations: Path | None = None,
                   particles: int | None = None, generations: int | None = None,
                   seed: int = DEFAULT_SEED, overrides: tuple[str, ...] = (),
                   check_runs: int = 1000, executor: str | Executor = "process",
                   jobs: int | None = None, scheduler: str | None = None,
                   out: Path | None = None, force: bool = False, plots: bool = True,
                   feedback: Feedback = SILENT, report: bool = True) -> AppResult:
    """``escsim calibrate --eras``: the shared parameters fitted to every era jointly, then the
    posterior predictive check of every era."""
    from escsim.history.backtest import ERA_SCENARIOS
    from escsim.history.calibration import (
        CalibrationSettings,
        calibrate_jointly,
        posterior_check_eras,
        write_calibration,
    )
    from escsim.paths import scenarios_dir
    from escsim.scenario.priors import load_priors

    scenarios = [load(name, overrides) for name in ERA_SCENARIOS]
    for era in scenarios:
        check_check_runs(era, check_runs)
    prior_set = load_priors(priors or scenarios_dir() / "priors" / "eras.toml", scenarios[-1])
    settings = CalibrationSettings.from_priors(prior_set, particles=particles,
                                               generations=generations)
    obs_path, all_obs = observations_from(observations)
    used = _joint_observations(scenarios, all_obs, settings, prior_set)
    target = Path(out) if out is not None else Path("results") / "calibrate-eras"
    check_out(target, force)
    with open_executor(executor, jobs, scheduler) as ex:
        with feedback.stages() as stages:
            cal = calibrate_jointly(scenarios, prior_set, used, settings, seed, ex, stages)
        checks = []
        if check_runs:
            with feedback.counted(f"posterior predictive check of {len(scenarios)} eras",
                                  _check_length(scenarios, all_obs, check_runs)) as bar:
                checks = posterior_check_eras(scenarios, cal, all_obs, check_runs, seed, ex,
                                              bar, shown_path(obs_path))
    write_calibration(cal, target, force=force, plots=plots, check=checks,
                      command=command_line())
    write_report_if(target, report)
    table = cal.summary_table()
    lines = [f"\njoint calibration of {', '.join(ERA_SCENARIOS)}: {len(cal.particles)} "
             f"particles, effective sample size {cal.ess:.0f}"
             + (f"; stopped early: {cal.stopped_early}" if cal.stopped_early else "")]
    lines += [f"  {r.parameter:<46} posterior median {r.posterior_q50:.3g} "
              f"[{r.posterior_q05:.3g}, {r.posterior_q95:.3g}]" for r in table.itertuples()]
    if checks:
        lines.append(f"posterior predictive check ({check_runs} runs per era):")
    for bt in checks:
        sc = bt.score()
        lines.append(f"  {bt.scenario.scenario.name}: {sc['inside_90']} of {sc['covered']} "
                     "observations inside the 90% interval"
                     + (f" (outside: {', '.join(sc['outside_90'])})" if sc["outside_90"]
                        else ""))
    lines.append(f"report: {target / 'report.md'}"
                 + (f", {target / 'report.html'}" if (target / "report.html").is_file() else ""))
    data = {"results": str(target), "particles": len(cal.particles), "ess": cal.ess,
            "posterior": table.to_dict(orient="records"),
            "posterior_check": {bt.scenario.scenario.name: bt.summary() for bt in checks}}
    return AppResult(target, lines, data, value=cal)


def calibrate_record(priors: Path | None = None, table_size: int | None = None,
                     seed: int = DEFAULT_SEED, overrides: tuple[str, ...] = (),
                     executor: str | Executor = "process", jobs: int | None = None,
                     scheduler: str | None = None, out: Path | None = None,
                     force: bool = False, feedback: Feedback = SILENT,
                     plots: bool = True, report: bool = True) -> AppResult:
    """``escsim calibrate --record``: the shared behaviour of every era before the seed fitted
    to the record's summaries (:mod:`escsim.history.learning`); prints each parameter's
    posterior width against its prior's."""
    from escsim.history.learning import DEFAULT_TABLE_SIZE, FIT_ERAS, fit_record
    from escsim.history.learning_output import NARROWED, width_lines, write_learned
    from escsim.paths import scenarios_dir
    from escsim.scenario.priors import load_priors

    scenarios = [load(name, overrides) for name in FIT_ERAS]
    prior_set = load_priors(priors or scenarios_dir() / "priors" / "record.toml",
                            scenarios[FIT_ERAS.index("surge-2023")])
    target = Path(out) if out is not None else Path("results") / "calibrate-record"
    check_out(target, force)
    size = table_size or DEFAULT_TABLE_SIZE
    with open_executor(executor, jobs, scheduler) as ex:
        with feedback.stages() as stages:
            fit = fit_record(scenarios, prior_set, size, seed, ex, stages)
    write_learned(fit, target, force=force, command=command_line(), plots=plots)
    write_report_if(target, report)
    table = fit.summary_table()
    s = fit.summary()
    lines = [f"\ncalibration of {', '.join(FIT_ERAS)} to the record's summaries: table of "
             f"{size} prior draws, {s['accepted']} kept, effective sample size "
             f"{s['effective_sample_size']}", *width_lines(table),
             f"{s['narrowed_to_0.6']} of {len(table)} parameters with posterior sd at most "
             f"{NARROWED} of the prior's", f"report: {target / 'report.md'}"]
    data = {"results": str(target), **s, "posterior": table.to_dict(orient="records")}
    return AppResult(target, lines, data, value=fit)


def redraw(folder: Path) -> list[Path]:
    """Redraw a calibration folder: the prior and posterior of each parameter, and its check
    (a backtest, or one per era)."""
    from escsim.apps.backtest import redraw as redraw_backtest
    from escsim.apps.backtest import redraw_eras
    from escsim.plotting.history import plot_prior_posterior, save_figure
    from escsim.results.tables import read_shaped

    posterior = read_shaped(folder, "calibrate", "posterior.csv")
    prior = read_shaped(folder, "calibrate", "prior_predictive.csv")
    columns = list(posterior.columns[:list(posterior.columns).index("weight")])
    files = [save_figure(plot_prior_posterior(prior, posterior, columns,
                                              posterior["weight"].tolist(),
                                              title="prior and ABC posterior of each "
                                                    "uncertain parameter"),
                         folder / "plots" / "prior_posterior.png")]
    if (folder / "check" / "bands.csv").is_file():
        files += redraw_backtest(folder / "check")
    elif (folder / "check" / "scores.csv").is_file():  # a joint fit's check: one per era
        files += redraw_eras(folder / "check")
    return files
