"""Backtest folders (``escsim backtest``, ``--eras``): a scenario run over a period that happened,
every observation of the record set beside the simulated distribution (the work is
:mod:`escsim.history.backtest`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from escsim.apps.common import (
    SILENT,
    AppResult,
    Feedback,
    check_out,
    command_line,
    load,
    open_executor,
    output_folder,
    shown_path,
    write_report_if,
)
from escsim.executors import Executor
from escsim.records import DEFAULT_SEED

#: The calibration scenario: the surge of 17 Oct 2023 - 4 Feb 2024.
CALIBRATION_SCENARIO = "surge-2023"


def observations_from(path: Path | None) -> tuple[Path, Any]:
    """The observations file (default: the bundled record) and its observations."""
    from escsim.history.observations import default_observations_path, load_observations

    obs_path = path or default_observations_path()
    return obs_path, load_observations(obs_path)


def verdict_lines(bt: Any) -> list[str]:
    """One line per observation: its value and where it falls in the simulated distribution."""
    return [f"  {c.observation.id:<28} {c.observation.describe_value():>12}  {c.verdict()}"
            for c in bt.comparisons]


#: The options of ``escsim backtest`` that ``--eras`` cannot honour (each era runs its own
#: scenario over its own period with its point values), and their values when not given.
_NOT_WITH_ERAS = {"uncertainty": ("--parameter-uncertainty", "none"),
                  "priors": ("--priors", None), "posterior": ("--posterior", None),
                  "horizon": ("--horizon", None)}


def refuse_with_eras(**given: Any) -> None:
    """Refuse an option ``--eras`` would ignore (rather than record it as if it were used)."""
    from escsim.apps.inputs import refuse_unhonoured

    refuse_unhonoured(given, _NOT_WITH_ERAS, "--eras", "each era runs its own scenario over its "
                                                       "own period, with its point values")


def backtest(scenario: str = CALIBRATION_SCENARIO, runs: int = 1000, seed: int = DEFAULT_SEED,
             horizon: int | None = None, overrides: tuple[str, ...] = (),
             observations: Path | None = None, uncertainty: str = "none",
             priors: Path | None = None, posterior: Path | None = None,
             executor: str | Executor = "process", jobs: int | None = None,
             scheduler: str | None = None, out: Path | None = None, force: bool = False,
             plots: bool = True, report: bool = True, eras: bool = False,
             feedback: Feedback = SILENT) -> AppResult:
    """Run ``scenario`` over a period that happened and score it against the record
    (``escsim backtest``; the arguments are its options); ``eras``: every era at once
    (:func:`backtest_eras`). ``value`` is the :class:`~escsim.history.backtest.Backtest`."""
    from escsim.history.backtest import plan_horizons, run_backtest, write_backtest
    from escsim.scenario.priors import make_sampler

    if eras:
        refuse_with_eras(uncertainty=uncertainty, priors=priors, posterior=posterior,
                         horizon=horizon)
        return backtest_eras(runs, seed, overrides, observations, executor, jobs, scheduler,
                             out, force, plots, report, feedback)
    s = load(scenario, overrides)
    obs_path, obs = observations_from(observations)
    sampler = make_sampler(s, uncertainty, priors, posterior)
    target = output_folder(out, f"backtest-{s.scenario.name}", force, feedback=feedback)
    check_out(target, force)
    main_days, extra = plan_horizons(s, obs, horizon)
    with open_executor(executor, jobs, scheduler) as ex, \
            feedback.counted(f"backtest {s.scenario.name}: {runs} runs",
                             runs * (1 + len(extra))) as bar:
        bt = run_backtest(s, obs, runs, seed, ex, horizon, sampler, bar,
                          observations_file=shown_path(obs_path))
    write_backtest(bt, target, force=force, plots=plots, command=command_line())
    write_report_if(target, report)
    sc = bt.score()
    lines = [f"\nbacktest of {s.scenario.name}: {len(bt.simulation.runs)} runs over "
             f"{bt.simulation.scenario.scenario.horizon_days:g} days from "
             f"{s.scenario.start_date}" + (f"; {sampler.describe()}" if sampler else ""),
             *verdict_lines(bt)]
    if sc["covered"]:
        crps = f"; mean CRPS ratio {sc['mean_crps_ratio']:.2f} (1 = as expected were the " \
               "record a draw from the model)" if sc["mean_crps_ratio"] is not None else ""
        lines.append(f"score: {sc['inside_90']} of {sc['covered']} inside the 90% interval, "
                     f"{sc['inside_50']} inside the 50%{crps}; {sc['not_covered']} not covered")
    lines.append(f"report: {target / 'report.md'}")
    return AppResult(target, lines, {"results": str(target), **bt.summary()}, value=bt)


def backtest_eras(runs: int = 1000, seed: int = DEFAULT_SEED, overrides: tuple[str, ...] = (),
                  observations: Path | None = None, executor: str | Executor = "process",
                  jobs: int | None = None, scheduler: str | None = None,
                  out: Path | None = None, force: bool = False, plots: bool = True,
                  report: bool = True, feedback: Feedback = SILENT) -> AppResult:
    """``escsim backtest --eras``: every era scenario against its own observations."""
    from escsim.history.backtest import ERA_SCENARIOS, run_era_backtests, write_era_backtests

    scenarios = [load(name, overrides) for name in ERA_SCENARIOS]
    obs_path, obs = observations_from(observations)
    target = output_folder(out, "backtest-eras", force, feedback=feedback)
    check_out(target, force)
    with open_executor(executor, jobs, scheduler) as ex, \
            feedback.counted(f"backtest of {len(scenarios)} eras: {runs} runs each",
                             runs * 4 * len(scenarios), eta=False) as bar:
        bts = run_era_backtests(scenarios, obs, runs, seed, ex, bar, shown_path(obs_path))
    write_era_backtests(bts, target, force=force, plots=plots, command=command_line())
    write_report_if(target, report)
    lines = []
    for bt in bts:
        sc = bt.score()
        lines += [f"\n{bt.scenario.scenario.name}: {sc['inside_90']} of {sc['covered']} "
                  "observations inside the 90% interval", *verdict_lines(bt)]
    lines.append(f"report: {target / 'report.md'}")
    data = {"results": str(target),
            "eras": {bt.scenario.scenario.name: bt.summary() for bt in bts}}
    return AppResult(target, lines, data, value=bts)


def redraw(folder: Path) -> list[Path]:
    """Redraw a backtest folder from its tables."""
    from escsim.plotting.history import plot_backtest_folder
    from escsim.results import read_json
    from escsim.results.tables import read_shaped

    summary = read_json(folder / "summary.json")
    figures = plot_backtest_folder(folder / "plots", read_shaped(folder, "backtest", "bands.csv"),
                                   read_shaped(folder, "backtest", "comparison.csv"),
                                   read_shaped(folder, "backtest", "simulated.csv"),
                                   summary["start_date"], title=summary["scenario"])
    return list(figures.values())


def redraw_eras(folder: Path) -> list[Path]:
    """Redraw a folder of ``--eras``: each era's backtest folder."""
    from escsim.errors import InputError

    eras = sorted(p.parent for p in folder.glob("*/bands.csv"))
    if not eras:
        raise InputError("an eras folder without its eras' backtest folders",
                         file=str(folder), expected="a folder of escsim backtest --eras")
    return [f for era in eras for f in redraw(era)]
