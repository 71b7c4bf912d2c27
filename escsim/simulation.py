"""One scenario's simulation: Monte Carlo runs on an executor, a result folder, one traced run.

:func:`simulate` runs replications and returns a :class:`Simulation` (tables for notebooks);
:func:`write_simulation` saves it as a result folder; :func:`trace` replays one replication
event by event (``escsim trace``).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from escsim.analysis import daily_bands
from escsim.engine import day_to_date, run_replication
from escsim.errors import InputError
from escsim.executors import Executor, SerialExecutor
from escsim.feedback import ProgressArg, as_feedback
from escsim.records import COMPARISON_FIGURES, DAILY_SERIES, RUNG_DAY_PREFIX
from escsim.results import atomic_folder, atomic_open, atomic_write_text, csv_text, write_json
from escsim.results import run as run_folder
from escsim.results.columns import write_columns
from escsim.results.provenance import write_folder_manifest
from escsim.results.summary import Summary
from escsim.scenario.priors import ParameterSampler
from escsim.scenario.schema import Scenario
from escsim.sweep.parameters import single_uncertainty
from escsim.sweep.plan import plan_single
from escsim.sweep.run import (
    SweepResult,
    default_chunk_runs,
    make_chunk,
    run_summary,
    run_sweep,
)
from escsim.sweep.work import ParameterDraws, run_chunk


@dataclass
class Simulation:
    """The runs of one scenario: a tidy table plus the per-run daily series.

    Returned by :func:`simulate`; :func:`write_simulation` saves it as a result folder.

    Attributes:
        scenario: the scenario that was run.
        root_seed: the root seed every replication's seed derives from.
        runs: one row per replication (the columns of ``runs.csv``): counts, ``max_rung``, the
            day each rung K was first reached (``day_rung_K``, NaN if never) and the ``seed``
            that replays the row with :func:`escsim.trace`.
        daily_by_run: per daily series (``attacks``, ``us_wounded``, ...), an array of shape
            (runs, days) of cumulative counts at the end of each day.
        wall_seconds: how long the runs took.
        executor: name of the executor that ran them.
        workers: its number of workers.
        parameters: what drew each replication's uncertain parameters
            (``simulate(parameters=...)``), so :func:`write_simulation` records it and a
            written row replays; None without parameter uncertainty.
    """

    scenario: Scenario
    root_seed: int
    runs: pd.DataFrame
    daily_by_run: dict[str, np.ndarray] = field(repr=False)
    wall_seconds: float = 0.0
    executor: str = "serial"
    workers: int = 1
    parameters: Any = field(default=None, repr=False)

    @property
    def daily(self) -> pd.DataFrame:
        """Per day and series: mean and 5/50/95% quantiles of the cumulative counts across runs
        (the table of ``daily.csv``)."""
        return daily_bands(self.daily_by_run)

    @property
    def rung_names(self) -> dict[int, str]:
        """Ladder level -> rung name, for labels."""
        return {r.level: name for name, r in self.scenario.ladder.items()}

    # --- plots (thin wrappers over escsim.plotting, for notebooks) -------------------------
    def plot_rungs(self, ax: Any = None) -> Any:
        """Probability of reaching each rung within the horizon, with 95% intervals.

        Args:
            ax: matplotlib axes to draw on; a new figure if omitted.

        Returns:
            The matplotlib Figure (see :func:`escsim.plotting.plot_rung_probabilities`).
        """
        from escsim.plotting import plot_rung_probabilities

        return plot_rung_probabilities(self.runs, ax, rung_names=self.rung_names,
                                       horizon_days=self.scenario.scenario.horizon_days)

    def plot_counts(self, counts: Any = None) -> Any:
        """Histograms of counts across runs, with the median and the 5-95% range.

        Args:
            counts: run-table columns to draw (default: the main counts).

        Returns:
            The matplotlib Figure (see :func:`escsim.plotting.plot_count_distributions`).
        """
        from escsim.plotting import plot_count_distributions

        return plot_count_distributions(self.runs, counts) if counts else \
            plot_count_distributions(self.runs)

    def plot_survival(self, levels: Any = None, ax: Any = None) -> Any:
        """Time to each rung: Kaplan-Meier curves, censored at the horizon.

        Args:
            levels: rungs to draw (default: every rung some run reached).
            ax: matplotlib axes to draw on; a new figure if omitted.

        Returns:
            The matplotlib Figure (see :func:`escsim.plotting.plot_survival`).
        """
        from escsim.plotting import plot_survival

        return plot_survival(self.runs, self.scenario.scenario.horizon_days, levels, ax,
                             rung_names=self.rung_names,
                             start_date=self.scenario.scenario.start_date)

    def plot_daily(self) -> Any:
        """Cumulative counts by day: median, 5-95% band across runs, mean.

        Returns:
            The matplotlib Figure (see :func:`escsim.plotting.plot_daily_bands`).
        """
        from escsim.plotting import plot_daily_bands

        return plot_daily_bands(self.daily, self.scenario.scenario.start_date)

    def summary(self) -> Summary:
        """Rung probabilities with 95% intervals, count quantiles and run metadata.

        Returns:
            A :class:`Summary`: its parts as DataFrames (``.rungs``: one row per rung with
            rung, name, runs, reached, probability, ci_low, ci_high -- a 95% Clopper-Pearson
            interval, Monte Carlo uncertainty only; ``.counts``: mean and 5/25/50/75/95%
            quantiles of every count) and, as a dict (``.to_dict()``, or indexing it), the
            content of ``summary.json``: also ``median_day_reached_given_reached``,
            ``rung_names`` and the scenario name, hash, start date, root seed, escsim version,
            wall time and executor. In a notebook it displays as tables.
        """
        s = run_summary(self.runs, self.scenario, self.root_seed)
        s.update(wall_seconds=round(self.wall_seconds, 3), executor=self.executor,
                 workers=self.workers)
        return Summary(s)


#: Bytes an in-memory replication holds besides its daily series (its row, in a table).
_ROW_BYTES = 2_000


def in_memory_bytes(scenario: Scenario, runs: int) -> int:
    """About how much memory :func:`simulate` needs for ``runs`` replications: every daily
    series of every run (int64, held twice while stacking) and the run table."""
    days = math.ceil(scenario.scenario.horizon_days)
    return runs * (2 * days * len(DAILY_SERIES) * 8 + _ROW_BYTES)


def _available_memory() -> int | None:
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # not a POSIX system: no check
        return None


def check_memory(scenario: Scenario, runs: int) -> None:
    """Refuse, before any replication, an in-memory request larger than the free memory."""
    need = in_memory_bytes(scenario, runs)
    free = _available_memory()
    if free is not None and need > free:
        raise InputError(f"{runs:,} runs held in memory need about {need / 2**30:.1f} GiB, "
                         f"more than the {free / 2**30:.1f} GiB free", key="--runs", value=runs,
                         expected="fewer runs; or escsim run, which streams its runs to disk "
                                  "(run_to_folder in Python)")


def simulate(scenario: Scenario, runs: int = 200, seed: int = 0, executor: Executor | None = None,
             progress: ProgressArg = None,
             parameters: ParameterDraws | None = None) -> Simulation:
    """Run ``runs`` replications of ``scenario`` under root seed ``seed``, in memory.

    The same work as ``escsim run`` (the one-point plan of :func:`escsim.sweep.plan.plan_single`,
    mapped over :func:`escsim.sweep.work.run_chunk`), kept in memory for notebooks: results are
    identical whatever the executor or its number of workers, because each replication's seed
    derives from (``seed``, replication index) and rows are sorted by replication. For many runs,
    :func:`run_to_folder` streams them to disk instead.

    Args:
        scenario: a loaded scenario (:func:`escsim.load_scenario`).
        runs: number of replications.
        seed: the root seed.
        executor: where the replications run; default in this process
            (:class:`escsim.executors.SerialExecutor`). Pass
            ``escsim.executors.ProcessExecutor(workers)`` or a Dask executor to parallelise.
        progress: ``True`` for a tqdm bar (when tqdm is installed), a callable
            ``progress(done, total)`` called as chunks finish, or a
            :class:`~escsim.feedback.Feedback` (:func:`escsim.feedback.as_feedback`).
        parameters: an :class:`escsim.scenario.priors.ParameterSampler` that draws each
            replication's uncertain parameters from its seed; the drawn values become extra
            ``drawn_*`` columns of the run table.

    Returns:
        A :class:`Simulation`: the run table, the daily series, ``summary()`` and plots.

    Raises:
        ValueError: if ``runs`` is below 1.
    """
    if runs < 1:
        raise ValueError("runs must be at least 1")
    check_memory(scenario, runs)
    executor = executor or SerialExecutor()
    started = time.perf_counter()
    plan = plan_single(scenario, runs, seed, parameters)
    size = default_chunk_runs(runs, int(getattr(executor, "workers", 1) or 1))
    chunks = (make_chunk(plan, i, size, daily="series") for i in range(-(-runs // size)))
    outputs = []
    with as_feedback(progress).counted(f"{scenario.scenario.name}: {runs} runs", runs) as update:
        for out in executor.map_unordered(run_chunk, chunks):
            outputs.append(out)
            update(len(out.rows))
    outputs.sort(key=lambda o: o.chunk_id)
    table = pd.DataFrame([row for o in outputs for row in o.rows], columns=plan.columns)
    for c in plan.columns:  # rung days: float with NaN for "never", whatever the run count
        if c.startswith(RUNG_DAY_PREFIX):
            table[c] = pd.to_numeric(table[c]).astype(float)
    series = [d for o in outputs for d in o.daily or []]
    daily = {name: np.stack([d[name] for d in series]) for name in DAILY_SERIES}
    return Simulation(scenario, seed, table, daily, time.perf_counter() - started,
                      getattr(executor, "name", "custom"), getattr(executor, "workers", 1),
                      parameters)


def run_to_folder(scenario: Scenario, out: Path, runs: int = 200, seed: int = 0,
                  executor: Executor | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  parameters: ParameterDraws | None = None, resume: bool = False,
                  force: bool = False, plots: bool = True,
                  title: str | None = None, runs_format: str = "csv") -> SweepResult:
    """Run ``runs`` replications of ``scenario`` streamed into the result folder ``out``
    (what ``escsim run`` does): rows go to disk chunk by chunk and the daily bands are tallied,
    so memory stays flat however many runs; an interrupted run resumes with ``resume=True``.

    Returns:
        The :class:`~escsim.sweep.run.SweepResult` of the one-point plan; the folder holds
        ``runs.csv``, ``daily.csv``, ``summary.json``, ``manifest.json`` and ``plots/`` (the
        same tables, byte for byte, as :func:`write_simulation` writes for the same runs);
        with ``runs_format="parquet"``, ``runs.parquet`` instead of ``runs.csv``.
    """
    plan = plan_single(scenario, runs, seed, parameters)
    result = run_sweep(plan, Path(out), executor=executor, resume=resume, force=force,
                       progress=progress, title=title, runs_format=runs_format)
    if plots:
        plot_run_folder(result.folder)
    return result


def draw_task(task: tuple[Any, ...]) -> list[str]:
    """One figure-drawing task, picklable for any executor: ``("run", folder, ()[, None[,
    figures]])`` draws a run folder's figures (``figures``: some of
    :data:`escsim.records.RUN_FIGURES`; default all); ``("comparison", target, folders[,
    base[, figures]])`` the side-by-side ones (some of
    :data:`escsim.records.COMPARISON_FIGURES`). One figure a task draws them in parallel."""
    kind, folder, others = task[:3]
    base = task[3] if len(task) > 3 else None
    only = task[4] if len(task) > 4 else None
    if kind == "run":
        return [str(p) for p in plot_run_folder(Path(folder), only)]
    return [str(p) for p in write_comparison(Path(folder), [Path(f) for f in others],
                                             plots=True, table=False, base=base,
                                             figures=only)]


def draw_figures(tasks: list[tuple[Any, ...]], executor: Executor | None = None,
                 progress: Callable[[int, int], None] | None = None) -> list[str]:
    """Draw several folders' figures at once on ``executor`` (figures are independent: one
    task per folder, so a process pool draws scenarios in parallel); ``progress(done, total)``
    after each task."""
    executor = executor or SerialExecutor()
    drawn: list[str] = []
    if progress is not None:
        progress(0, len(tasks))
    for i, files in enumerate(executor.map_unordered(draw_task, tasks), start=1):
        drawn += files
        if progress is not None:
            progress(i, len(tasks))
    return drawn


def plot_run_folder(folder: Path, figures: tuple[str, ...] | None = None) -> list[Path]:
    """Draw the figures of a run folder from its saved tables (``figures``: some of
    :data:`escsim.records.RUN_FIGURES`; default all)."""
    from escsim.plotting import plot_result_folder  # matplotlib only when plotting

    tables = (folder, run_folder.read_runs(folder), run_folder.read_daily(folder),
              run_folder.read_summary(folder))
    if figures is None:
        return plot_result_folder(*tables)
    return plot_result_folder(*tables, figures=figures)


def write_simulation(sim: Simulation, out: Path, force: bool = False,
                     plots: bool = True) -> Path:
    """Write an in-memory simulation as a result folder, atomically (the tables that
    :func:`run_to_folder` streams, from a :class:`Simulation` of :func:`simulate`).

    Args:
        sim: the simulation to write.
        out: the folder to create: ``runs.csv``, ``daily.csv``, ``summary.json`` and ``plots/``.
        force: replace ``out`` if it exists.
        plots: also draw the PNG plots.

    Returns:
        The folder written.

    Raises:
        InputError: if ``out`` exists and ``force`` is false.
    """
    out = Path(out)
    with atomic_folder(out, force=force) as tmp:
        rows = sim.runs.astype(object).where(sim.runs.notna(), None).itertuples(index=False)
        (tmp / run_folder.RUNS).write_text(csv_text(list(sim.runs.columns), rows),
                                           encoding="utf-8", newline="")
        run_folder.write_daily(tmp, sim.daily, sim.scenario.scenario.start_date)
        write_json(tmp / run_folder.SUMMARY_JSON, sim.summary().to_dict())
        drawn: dict[str, Any] = {}
        if isinstance(sim.parameters, ParameterSampler):  # what a replay redraws from
            uncertainty = single_uncertainty(sim.scenario, sim.parameters)
            drawn["parameter_uncertainty"] = uncertainty.to_json()
            for u in uncertainty.scenarios:
                for name, text in u.copies().items():
                    atomic_write_text(tmp / name, text)
        write_folder_manifest(tmp, "run", [sim.scenario], sim.root_seed, runs=len(sim.runs),
                              **drawn)
        write_columns(tmp)
        if plots:
            plot_run_folder(tmp)
    return out


# ------------------------------------------------------------------------------- one run ---
TRACE_COLUMNS = ["day", "date", "actor", "action", "target", "outcome"]


def trace(scenario: Scenario, seed: int) -> pd.DataFrame:
    """The event log of one replication, event by event (what ``escsim trace`` writes).

    Args:
        scenario: a loaded scenario.
        seed: a replication seed, as in the ``seed`` column of a run table, so any row of a
            result can be replayed.

    Returns:
        One row per event: ``day``, ``date``, ``actor``, ``action``, ``target``, ``outcome``.
        ``table.attrs["row"]`` holds the replication's run-table row (the same counts as the
        row it replays). Draw it with :func:`escsim.plotting.plot_trace_timeline`.
    """
    record = run_replication(scenario, seed, trace=True)
    rows = [(round(day, 3), str(day_to_date(scenario, day)), actor, action, target, outcome)
            for day, actor, action, target, outcome in (record.log or [])]
    table = pd.DataFrame(rows, columns=TRACE_COLUMNS)
    table.attrs["row"] = record.row
    table.attrs["initial_posture"] = scenario.iran.initial_posture
    return table


# ---------------------------------------------------------------------------- comparisons ---
def write_comparison(target: Path, folders: list[Path], plots: bool = True,
                     scenarios: list[Scenario] | None = None, root_seed: int | None = None,
                     table: bool = True, base: str | None = None,
                     figures: tuple[str, ...] | None = None) -> list[Path]:
    """Set the run folders of several scenarios side by side in ``target``: ``comparison.csv``
    (rung probabilities and count quantiles per scenario) and, with ``plots``, the comparison
    figures (``figures``: some of :data:`escsim.records.COMPARISON_FIGURES`). Reads
    the saved run tables back. Returns the files written (``table=False`` skips the table, the
    manifest and the column dictionary: for redrawing figures only)."""
    from escsim.analysis.compare import comparison_table

    written: list[Path] = []
    summaries = [run_folder.read_summary(f) for f in folders]
    runs_by_scenario = {s["scenario"]: run_folder.read_runs(f) for s, f in
                        zip(summaries, folders, strict=True)}
    if table:
        compared = comparison_table(runs_by_scenario, {s["scenario"]: (
            s["start_date"], float(s["horizon_days"])) for s in summaries})
        with atomic_open(Path(target) / "comparison.csv") as fh:
            compared.to_csv(fh, index=False)
        written.append(Path(target) / "comparison.csv")
        if scenarios:
            write_folder_manifest(target, "comparison", scenarios, root_seed, subfolders=True,
                                  folders=[Path(f).name for f in folders])
        write_columns(target)
    if plots:
        from escsim.plotting import plot_comparison_folder

        names = {int(k): v for k, v in summaries[0].get("rung_names", {}).items()}
        figures = figures or COMPARISON_FIGURES
        daily = {s["scenario"]: run_folder.read_daily(f) for s, f in
                 zip(summaries, folders, strict=True)} if "daily" in figures else None
        starts = {s["start_date"] for s in summaries}
        written += plot_comparison_folder(target, runs_by_scenario,
                                          max(float(s["horizon_days"]) for s in summaries),
                                          rung_names=names, base=base, figures=figures,
                                          daily_by_scenario=daily,
                                          start_date=starts.pop() if len(starts) == 1 else None)
    return written


# ------------------------------------------------------------------------------ the tail ---
def add_tail_estimate(folder: Path, scenario: Scenario, rung: int, seed: int,
                      repetitions: int, effort: int, executor: Executor | None = None,
                      progress: Callable[[int], None] | None = None,
                      levels: tuple[str, ...] = ()) -> dict[str, Any]:
    """Estimate P(``rung`` reached) by multilevel splitting (:mod:`escsim.tail`; ``levels``:
    the ``--level`` s, empty for the default) and write it into the run folder's
    ``summary.json`` as ``tail``, beside the plain Monte Carlo estimate of the folder's own
    runs. Returns the ``tail`` entry."""
    from escsim.tail.report import tail_report

    summary = run_folder.read_summary(folder)
    plain = next((r for r in summary["rung_probability"] if int(r["rung"]) == rung), None)
    tail, _ = tail_report(scenario, rung, root_seed=seed, repetitions=repetitions, effort=effort,
                          executor=executor, progress=progress, levels=levels,
                          plain_reached=int(plain["reached"]) if plain else 0,
                          plain_runs=int(summary["runs"]))
    summary["tail"] = tail
    write_json(Path(folder) / run_folder.SUMMARY_JSON, summary)
    return tail

def write_differences(target: Path, folders: list[Path], base: str,
                      plots: bool = True) -> Path:
    """Paired differences of several run folders from the ``base`` scenario's: writes
    ``differences.csv`` (one row per variant x measure, with Newcombe's paired interval for
    rungs and a paired t interval for counts; see :mod:`escsim.analysis.paired`) and, with
    ``plots``, the forest plot ``plots/differences.png``. The folders must have been run on the
    same root seed and number of runs (``escsim run``/``compare`` do), so replication ``r`` of
    every scenario shares its seed."""
    from escsim.analysis.paired import paired_differences

    summaries = [run_folder.read_summary(f) for f in folders]
    names = [s["scenario"] for s in summaries]
    if base not in names:
        from escsim.errors import InputError

        raise InputError("the base is not one of the scenarios run", key="--base", value=base,
                         expected=" | ".join(names))
    runs_by_scenario = {n: run_folder.read_runs(f) for n, f in zip(names, folders, strict=True)}
    try:
        table = paired_differences(runs_by_scenario, base, windows={
            s["scenario"]: (s["start_date"], float(s["horizon_days"])) for s in summaries})
    except ValueError as exc:
        from escsim.errors import InputError

        raise InputError(str(exc), file=str(target),
                         expected="runs of every scenario on the same root seed and --runs") \
            from None
    with atomic_open(Path(target) / "differences.csv") as fh:
        table.to_csv(fh, index=False)
    write_columns(target)  # the comparison's dictionary was written before this table
    if plots:
        from escsim.plotting.study import plot_differences

        rung_names = {int(k): v for k, v in summaries[0].get("rung_names", {}).items()}
        fig = plot_differences(table, rung_names=rung_names)
        (Path(target) / "plots").mkdir(exist_ok=True)
        from escsim.plotting import save_figure

        save_figure(fig, Path(target) / "plots" / "differences.png")
    return Path(target) / "differences.csv"
