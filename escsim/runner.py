"""Monte Carlo runs of one scenario: simulate on an executor, then write a result folder."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from escsim.analysis import daily_bands, summarize
from escsim.engine import run_columns
from escsim.executors import ParameterDraws, SerialExecutor, chunks_for, run_chunk
from escsim.model.recorder import DAILY_SERIES
from escsim.results import atomic_folder, write_json, write_rows_csv
from escsim.scenario.schema import Scenario
from escsim.version import __version__


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
    """

    scenario: Scenario
    root_seed: int
    runs: pd.DataFrame
    daily_by_run: dict[str, np.ndarray] = field(repr=False)
    wall_seconds: float = 0.0
    executor: str = "serial"
    workers: int = 1

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

    def summary(self) -> dict[str, Any]:
        """Rung probabilities with 95% intervals, count quantiles and run metadata.

        Returns:
            The content of ``summary.json``: ``rung_probability`` (one dict per rung: rung,
            runs, reached, probability, ci_low, ci_high; a 95% Clopper-Pearson interval, Monte
            Carlo uncertainty only), ``median_day_reached_given_reached``, ``count_quantiles``
            (mean and 5/25/50/75/95% quantiles of every count), ``rung_names`` and the scenario
            name, hash, start date, root seed, escsim version, wall time and executor.
        """
        s = summarize(self.runs, self.scenario.scenario.horizon_days)
        s.update({
            "scenario": self.scenario.scenario.name,
            "scenario_hash": self.scenario.param_hash,
            "start_date": str(self.scenario.scenario.start_date),
            "root_seed": self.root_seed,
            "escsim_version": __version__,
            "wall_seconds": round(self.wall_seconds, 3),
            "executor": self.executor,
            "workers": self.workers,
            "rung_names": self.rung_names,
        })
        return s


def simulate(scenario: Scenario, runs: int = 200, seed: int = 0, executor: Any = None,
             progress: Callable[[int], None] | None = None,
             parameters: ParameterDraws | None = None) -> Simulation:
    """Run ``runs`` replications of ``scenario`` under root seed ``seed``.

    Results are identical whatever the executor or its number of workers: each replication's
    seed derives from (``seed``, replication index) and rows are sorted by replication.

    Args:
        scenario: a loaded scenario (:func:`escsim.load_scenario`).
        runs: number of replications.
        seed: the root seed.
        executor: where the replications run; default in this process
            (:class:`escsim.executors.SerialExecutor`). Pass
            ``escsim.executors.ProcessExecutor(workers)`` or a Dask executor to parallelise.
        progress: called with the number of replications finished, as chunks finish.
        parameters: an :class:`escsim.uncertainty.ParameterSampler` that draws each
            replication's uncertain parameters from its seed; the drawn values become extra
            ``drawn_*`` columns of the run table.

    Returns:
        A :class:`Simulation`: the run table, the daily series, ``summary()`` and plots.

    Raises:
        ValueError: if ``runs`` is below 1.
    """
    if runs < 1:
        raise ValueError("runs must be at least 1")
    executor = executor or SerialExecutor()
    started = time.perf_counter()
    records = []
    chunks = chunks_for(scenario, runs, seed, parameters=parameters)
    for result in executor.map_unordered(run_chunk, chunks):
        records.extend(result.records)
        if progress is not None:
            progress(len(result.records))
    records.sort(key=lambda r: r.row["replication"])
    columns = run_columns(scenario) + list(getattr(parameters, "columns", []))
    table = pd.DataFrame([r.row for r in records], columns=columns)
    for c in columns:  # rung days: float with NaN for "never", whatever the run count
        if c.startswith("day_rung_"):
            table[c] = pd.to_numeric(table[c]).astype(float)
    daily = {name: np.stack([r.daily[name] for r in records]) for name in DAILY_SERIES}
    return Simulation(scenario, seed, table, daily, time.perf_counter() - started,
                      getattr(executor, "name", "custom"), getattr(executor, "workers", 1))


def write_simulation(sim: Simulation, out: Path, force: bool = False,
                     plots: bool = True, summary_extra: dict[str, Any] | None = None) -> Path:
    """Write a simulation as a result folder, atomically (what ``escsim run`` writes).

    Args:
        sim: the simulation to write.
        out: the folder to create: ``runs.csv``, ``daily.csv``, ``summary.json`` and ``plots/``.
        force: replace ``out`` if it exists.
        plots: also draw the PNG plots.
        summary_extra: entries added to ``summary.json`` (e.g. ``tail``, a rare-event estimate).

    Returns:
        The folder written.

    Raises:
        InputError: if ``out`` exists and ``force`` is false.
    """
    out = Path(out)
    with atomic_folder(out, force=force) as tmp:
        rows = sim.runs.astype(object).where(sim.runs.notna(), None).to_dict(orient="records")
        write_rows_csv(tmp / "runs.csv", list(sim.runs.columns), rows)
        daily = sim.daily
        start = sim.scenario.scenario.start_date
        daily.insert(1, "date", [str(start + pd.Timedelta(days=int(d))) for d in daily["day"]])
        daily.to_csv(tmp / "daily.csv", index=False)
        write_json(tmp / "summary.json", {**sim.summary(), **(summary_extra or {})})
        if plots:
            from escsim.plotting import plot_result_folder  # matplotlib only when plotting

            plot_result_folder(tmp, sim.runs, daily, sim.summary())
    return out
