"""Backtest: a scenario run over a period that happened, set beside what happened.

Every observation of the record (:mod:`escsim.history.observations`) is compared with the
distribution of the same quantity across simulated runs: where the observation falls (its
percentile), whether it lies inside the central 50% and 90% intervals, and its continuous ranked
probability score (CRPS). The simulated values come from the saved tables of a run -- the daily
cumulative series (runs x days) and the run table -- never from live actors.

Definitions (``X`` the simulated value, ``F`` its empirical distribution over runs; an observation
is a value ``y`` or a range ``[low, high]``, where ``low = high = y`` for a single figure):

* percentile = ``100 x (P(X < low) + P(X <= high)) / 2`` -- the mid-rank, so ties with a point
  mass (e.g. always zero attacks in the truce) count half below and half above;
* central c-interval = ``[Q((1 - c) / 2), Q((1 + c) / 2)]`` with ``Q`` the inverse empirical CDF;
  the observation is inside when its range meets the interval;
* CRPS = ``E|X - y| - E|X - X'| / 2`` (Gneiting & Raftery 2007), at the midpoint of a range or
  the finite end of a one-sided one; the *CRPS ratio* divides it by ``E|X - X'| / 2``, its
  expected value if ``y`` were itself a draw from the model, so ~1 is as good as the model can
  do and values well above 1 mean the record lies outside the simulated spread.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from escsim.executors import Executor
from escsim.feedback import ProgressArg
from escsim.history.observations import Observation, load_observations
from escsim.scenario import HISTORY_SCENARIOS, with_overrides
from escsim.scenario.schema import Scenario
from escsim.simulation import Simulation, simulate

#: Central intervals reported for every observation.
LEVELS = (0.5, 0.9)
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
MAX_HORIZON_DAYS = 3650


# ------------------------------------------------------------------------ scoring primitives ---
def position(values: np.ndarray, low: float, high: float) -> tuple[float, float, float]:
    """``(P(X < low), P(X <= high), mid-rank percentile in %)`` of an observed range."""
    x = np.asarray(values, dtype=float)
    n = len(x)
    below = float(np.count_nonzero(x < low)) / n
    at_or_below = float(np.count_nonzero(x <= high)) / n
    return below, at_or_below, 50.0 * (below + at_or_below)


def central_interval(values: np.ndarray, level: float) -> tuple[float, float]:
    """The central ``level`` interval of the empirical distribution (inverse-CDF quantiles, so
    the bounds are simulated values)."""
    lo, hi = np.quantile(np.asarray(values, dtype=float), [(1 - level) / 2, (1 + level) / 2],
                         method="inverted_cdf")
    return float(lo), float(hi)


def inside(low: float, high: float, interval: tuple[float, float]) -> bool:
    """Whether the observed range ``[low, high]`` meets the interval."""
    return high >= interval[0] and low <= interval[1]


def crps_ensemble(values: np.ndarray, y: float) -> float:
    """CRPS of the empirical distribution of ``values`` at ``y``: ``E|X - y| - E|X - X'| / 2``."""
    x = np.sort(np.asarray(values, dtype=float))
    term1 = float(np.mean(np.abs(x - y)))
    return term1 - 0.5 * mean_abs_difference(x, presorted=True)


def mean_abs_difference(values: np.ndarray, presorted: bool = False) -> float:
    """``E|X - X'|`` over independent pairs of the empirical distribution (Gini mean difference
    with replacement), in O(n log n)."""
    x = np.asarray(values, dtype=float) if presorted else np.sort(np.asarray(values, dtype=float))
    n = len(x)
    ranks = 2 * np.arange(1, n + 1) - n - 1
    return float(2.0 * np.sum(ranks * x) / (n * n))


# --------------------------------------------------------------- simulated values of a window ---
def series_for(measure: str, daily_by_run: dict[str, np.ndarray]) -> np.ndarray:
    """The cumulative daily series (runs x days) of a daily measure."""
    if measure == "us_casualties":
        return np.asarray(daily_by_run["us_wounded"], dtype=np.int64) + \
            np.asarray(daily_by_run["us_killed"], dtype=np.int64)
    return np.asarray(daily_by_run[measure], dtype=np.int64)


def window_values(kind: str, cumulative: np.ndarray, first: int, last: int) -> np.ndarray:
    """Per run, the ``kind`` statistic of days ``first..last`` of a cumulative series.

    ``first_date`` gives the day of the first event counted from ``first`` (``inf`` if none in
    the window).
    """
    cum = np.atleast_2d(cumulative)
    before = cum[:, first - 1] if first > 0 else np.zeros(len(cum), dtype=cum.dtype)
    if kind == "count":
        return (cum[:, last] - before).astype(float)
    if kind == "max_day":
        per_day = np.diff(cum[:, first:last + 1], axis=1, prepend=before[:, None])
        return per_day.max(axis=1).astype(float)
    if kind == "first_date":
        reached = (cum[:, first:last + 1] - before[:, None]) > 0
        day = reached.argmax(axis=1).astype(float)
        day[~reached.any(axis=1)] = math.inf
        return day
    raise ValueError(f"unknown kind {kind!r}")


def observation_window(obs: Observation, start: dt.date) -> tuple[int, int]:
    """Days (from the scenario start) of the observation's first and last date."""
    return (obs.window_start - start).days, (obs.window_end - start).days


def days_needed(obs: Observation, start: dt.date) -> int:
    """Horizon (days) a run needs to cover the observation."""
    return (obs.window_end - start).days + 1


@dataclass(frozen=True)
class Comparison:
    """One observation beside the simulated distribution of the same quantity."""

    observation: Observation
    covered: bool
    reason: str = ""
    values: np.ndarray | None = field(default=None, repr=False)
    quantiles: tuple[float, ...] = ()
    mean: float = math.nan
    below: float = math.nan
    at_or_below: float = math.nan
    percentile: float = math.nan
    interval_50: tuple[float, float] = (math.nan, math.nan)
    interval_90: tuple[float, float] = (math.nan, math.nan)
    inside_50: bool = False
    inside_90: bool = False
    crps: float = math.nan
    crps_ratio: float = math.nan
    runs: int = 0

    @property
    def point_mass(self) -> bool:
        return self.values is not None and len(self.values) > 0 and \
            bool(np.all(self.values == self.values[0]))

    def show(self, x: float) -> str:
        """A simulated value as text (dates for ``first_date``)."""
        obs = self.observation
        if obs.kind == "first_date":
            if not math.isfinite(x):
                return "none in window"
            return (obs.window_start + dt.timedelta(days=int(x))).isoformat()
        return f"{x:g}"

    def verdict(self) -> str:
        """One line: where the observation falls and what that means."""
        obs = self.observation
        if not self.covered:
            return f"not covered: {self.reason}"
        lo90, hi90 = (self.show(v) for v in self.interval_90)
        if self.point_mass:
            value = self.show(float(self.values[0])) if self.values is not None else "?"
            if self.inside_90:
                return f"matches: every run gives {value}, as observed"
            return f"OUTSIDE: every run gives {value}; observed {obs.describe_value()}"
        where = f"percentile {self.percentile:.0f}"
        lo50, hi50 = (self.show(v) for v in self.interval_50)
        if self.inside_50:
            return f"inside the 50% interval [{lo50}, {hi50}] ({where})"
        if self.inside_90:
            side = "low" if self.percentile < 50 else "high"
            return f"inside the 90% interval [{lo90}, {hi90}], outside the 50% ({where}, " \
                   f"{side} side)"
        return f"OUTSIDE the 90% interval [{lo90}, {hi90}] ({where}): {self.direction()}"

    def direction(self) -> str:
        """Which way the model misses."""
        obs = self.observation
        low = self.percentile < 50
        if obs.kind == "first_date":
            return (f"the model's first {obs.measure} comes later than observed" if low else
                    f"the model's first {obs.measure} comes earlier than observed")
        noun = {"count": obs.measure, "max_day": f"{obs.measure} in its worst day"}[obs.kind]
        return (f"the model gives more {noun} than observed" if low else
                f"the model gives fewer {noun} than observed")

    def row(self) -> dict[str, Any]:
        """A flat row for ``comparison.csv``."""
        obs = self.observation
        q = dict(zip([f"q{int(p * 100):02d}" for p in QUANTILES], self.quantiles, strict=False))
        return {
            "id": obs.id, "kind": obs.kind, "measure": obs.measure,
            "window_start": obs.window_start.isoformat(), "window_end": obs.window_end.isoformat(),
            "observed": obs.describe_value(),
            "observed_low": obs.low if math.isfinite(obs.low) else None,
            "observed_high": obs.high if math.isfinite(obs.high) else None,
            "covered": self.covered, "runs": self.runs,
            "mean": _finite(self.mean), **{k: _finite(v) for k, v in q.items()},
            "percentile": _finite(self.percentile),
            "p_below": _finite(100 * self.below), "p_at_or_below": _finite(100 * self.at_or_below),
            "ci50_low": _finite(self.interval_50[0]), "ci50_high": _finite(self.interval_50[1]),
            "ci90_low": _finite(self.interval_90[0]), "ci90_high": _finite(self.interval_90[1]),
            "inside_50": self.inside_50 if self.covered else None,
            "inside_90": self.inside_90 if self.covered else None,
            "crps": _finite(self.crps), "crps_ratio": _finite(self.crps_ratio),
            "verdict": self.verdict(), "facts": ";".join(obs.facts), "note": obs.note,
            "definition": obs.definition, "dated": obs.dated,
        }


def _finite(x: float) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def compare(obs: Observation, values: np.ndarray, window_days: int | None = None) -> Comparison:
    """Set one observation beside simulated ``values`` (one per run).

    For ``first_date``, ``inf`` (no event in the window) counts as later than any date; the CRPS
    puts it on the day after the window (``window_days``).
    """
    x = np.asarray(values, dtype=float)
    below, at_or_below, pct = position(x, obs.low, obs.high)
    i50, i90 = central_interval(x, 0.5), central_interval(x, 0.9)
    finite = x.copy()
    if obs.kind == "first_date":
        finite[~np.isfinite(finite)] = window_days if window_days is not None else obs.window_days
    y = obs.representative
    crps = crps_ensemble(finite, y)
    spread = 0.5 * mean_abs_difference(finite)
    if spread > 0:
        ratio = crps / spread
    else:
        ratio = 0.0 if crps == 0 else math.inf
    quantiles = tuple(float(v) for v in np.quantile(x, QUANTILES, method="inverted_cdf"))
    return Comparison(obs, True, "", x, quantiles, float(np.mean(finite)), below, at_or_below,
                      pct, i50, i90, inside(obs.low, obs.high, i50),
                      inside(obs.low, obs.high, i90), crps, ratio, len(x))


# ---------------------------------------------------------------------------------- backtest ---
@dataclass
class Backtest:
    """A scenario's simulated runs beside every observation of the record."""

    scenario: Scenario
    simulation: Simulation
    comparisons: list[Comparison]
    observations_file: str
    parameters: str = "none"
    extra_horizons: tuple[int, ...] = ()

    @property
    def covered(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.covered]

    def table(self) -> pd.DataFrame:
        """One row per observation (covered or not): ``comparison.csv``. Each row names the
        scenario and its window (start date, horizon): eras' rows sit in one table."""
        meta = self.scenario.scenario
        where = {"scenario": meta.name, "start_date": str(meta.start_date),
                 "horizon_days": float(meta.horizon_days)}
        return pd.DataFrame([{**where, **c.row()} for c in self.comparisons])

    def simulated(self) -> pd.DataFrame:
        """Simulated value of each covered observation, one row per run (``simulated.csv``)."""
        cols = {c.observation.id: c.values for c in self.covered}
        return pd.DataFrame(cols)

    def score(self) -> dict[str, Any]:
        """The overall score: shares inside the intervals and the mean CRPS ratio."""
        cov = self.covered
        n = len(cov)
        ratios = [c.crps_ratio for c in cov if math.isfinite(c.crps_ratio) and
                  not c.point_mass]
        return {
            "observations": len(self.comparisons),
            "covered": n,
            "not_covered": len(self.comparisons) - n,
            "inside_50": sum(c.inside_50 for c in cov),
            "inside_90": sum(c.inside_90 for c in cov),
            "share_inside_50": sum(c.inside_50 for c in cov) / n if n else None,
            "share_inside_90": sum(c.inside_90 for c in cov) / n if n else None,
            "mean_crps_ratio": float(np.mean(ratios)) if ratios else None,
            "median_crps_ratio": float(np.median(ratios)) if ratios else None,
            "crps_ratio_observations": len(ratios),
            "outside_90": [c.observation.id for c in cov if not c.inside_90],
            **self.tilt(),
        }

    def tilt(self) -> dict[str, Any]:
        """How many observations lie above / below the simulated median, and a two-sided sign
        test of "as many above as below" (the observations are correlated -- cumulative counts
        of a few series -- so read the p-value as a flag, not a test)."""
        from scipy.stats import binomtest

        pct = [c.percentile for c in self.covered if not c.point_mass]
        above = sum(p > 50 for p in pct)
        below = sum(p < 50 for p in pct)
        p_value = binomtest(above, above + below).pvalue if above + below else None
        return {"above_median": above, "below_median": below,
                "sign_test_p": float(p_value) if p_value is not None else None}

    def bands(self) -> pd.DataFrame:
        """Per day and daily measure: mean and 5/25/50/75/95% quantiles of the cumulative
        series, plus the 7-day attack rate (``attacks_per_day_7d``), for the plots."""
        daily = self.simulation.daily_by_run
        start = self.simulation.scenario.scenario.start_date
        frames = []
        series = {m: series_for(m, daily).astype(float)
                  for m in ("attacks", "us_casualties", "us_wounded", "us_killed", "us_strikes")}
        cum = series["attacks"]
        padded = np.concatenate([np.zeros((len(cum), 7)), cum], axis=1)
        series["attacks_per_day_7d"] = (padded[:, 7:] - padded[:, :-7]) / 7.0
        for name, arr in series.items():
            q = np.quantile(arr, QUANTILES, axis=0)
            days = np.arange(arr.shape[1])
            frames.append(pd.DataFrame({
                "day": days, "date": [str(start + dt.timedelta(days=int(d))) for d in days],
                "series": name, "mean": arr.mean(axis=0),
                **{f"q{int(p * 100):02d}": q[i] for i, p in enumerate(QUANTILES)}}))
        return pd.concat(frames, ignore_index=True)

    def summary(self) -> dict[str, Any]:
        s = self.scenario.scenario
        sim = self.simulation
        return {
            "scenario": s.name,
            "scenario_hash": self.scenario.param_hash,
            "start_date": str(s.start_date),
            "scenario_horizon_days": s.horizon_days,
            "simulated_horizon_days": sim.scenario.scenario.horizon_days,
            "run_total_horizons_days": list(self.extra_horizons),
            "runs": int(len(sim.runs)),
            "root_seed": sim.root_seed,
            "parameter_uncertainty": self.parameters,
            "observations_file": self.observations_file,
            "score": self.score(),
            "wall_seconds": round(sim.wall_seconds, 3),
        }


def plan_horizons(scenario: Scenario, observations: Sequence[Observation],
                  horizon: float | None = None) -> tuple[int, list[int]]:
    """The horizon of the main simulation, and the horizons of the extra simulations that run
    totals need (one per distinct window end, when it differs from the main horizon)."""
    s = scenario.scenario
    own = [o for o in observations if o.scenario == s.name]
    if horizon is None:
        needed = [days_needed(o, s.start_date) for o in own if o.is_daily
                  and o.window_end >= s.start_date]
        main = int(min(MAX_HORIZON_DAYS, max([math.ceil(s.horizon_days), *needed])))
    else:
        main = int(math.ceil(horizon))
    extra = sorted({days_needed(o, s.start_date) for o in observations
                    if o.scenario in (None, s.name) and not o.is_daily
                    and o.window_start == s.start_date
                    and days_needed(o, s.start_date) <= MAX_HORIZON_DAYS} - {main})
    return main, extra


def _not_covered(obs: Observation, scenario: Scenario, horizon: int) -> str | None:
    """Why an observation cannot be compared with this scenario's runs (None: it can)."""
    s = scenario.scenario
    if obs.scenario is not None and obs.scenario != s.name:
        return f"an observation of scenario {obs.scenario} (run escsim backtest {obs.scenario})"
    end = s.start_date + dt.timedelta(days=horizon - 1)
    if obs.is_daily:
        if obs.window_start < s.start_date or obs.window_end > end:
            hint = ""
            if obs.window_end > end and obs.window_start >= s.start_date:
                hint = f"; rerun with --horizon {days_needed(obs, s.start_date)}"
            return (f"its window {obs.describe_window()} is outside the simulated days "
                    f"{s.start_date} to {end}{hint}")
        return None
    if obs.window_start != s.start_date:
        return (f"{obs.measure} is kept only as a run total, which covers windows starting on "
                f"the scenario's first day ({s.start_date}), not {obs.window_start}")
    if days_needed(obs, s.start_date) > MAX_HORIZON_DAYS:
        return f"its window is longer than {MAX_HORIZON_DAYS} days"
    if obs.measure.startswith("attacks_weapon_") and \
            obs.measure.removeprefix("attacks_weapon_") not in scenario.weapons:
        return f"the scenario has no weapon {obs.measure.removeprefix('attacks_weapon_')!r}"
    return None


def run_backtest(scenario: Scenario, observations: Sequence[Observation] | None = None,
                 runs: int = 1000, seed: int = 0, executor: Executor | None = None,
                 horizon: float | None = None, parameters: Any = None,
                 progress: ProgressArg = None,
                 observations_file: str = "seeds/observations.csv") -> Backtest:
    """Simulate ``scenario`` over the observed window and compare every observation.

    The main simulation runs to the scenario's horizon, extended (unless ``horizon`` is given)
    to cover the daily observations that name this scenario. Observations of run totals
    (``us_targets_struck``, ``militia_killed``, ...) are compared with runs that end on the
    window's last day: same seeds, shorter or longer horizon. ``parameters`` (an
    :class:`escsim.scenario.priors.ParameterSampler`) draws uncertain parameters per replication:
    a posterior predictive check when drawn from a calibration's posterior.

    Args:
        scenario: the scenario to run over the observed window (e.g. ``surge-2023``).
        observations: the observations to compare (default: the bundled
            ``seeds/observations.csv``).
        runs: replications.
        seed: the root seed.
        executor: where replications run (default: this process).
        horizon: simulated days (default: the scenario's horizon, extended to cover the
            observations of this scenario).
        parameters: an :class:`escsim.scenario.priors.ParameterSampler`, or ``None``.
        progress: ``True`` for tqdm bars (when tqdm is installed), or a callable
            ``progress(done, total)`` of each simulation's replications
            (:func:`escsim.feedback.as_feedback`).
        observations_file: the name of the observations file, for the report.

    Returns:
        A :class:`Backtest`: ``table()`` (one row per observation: percentile, intervals,
        verdict), ``score()``, ``bands()`` and ``simulated()``.
    """
    if observations is None:
        observations = load_observations()
    main_days, extra_days = plan_horizons(scenario, observations, horizon)

    def at(days: int) -> Scenario:
        if days == scenario.scenario.horizon_days:
            return scenario
        return with_overrides(scenario, {"scenario.horizon_days": days})

    main_scenario = at(main_days)
    sim = simulate(main_scenario, runs, seed, executor, progress, parameters)
    totals: dict[int, pd.DataFrame] = {main_days: sim.runs}
    comparisons = []
    for obs in observations:
        reason = _not_covered(obs, scenario, main_days)
        if reason is not None:
            comparisons.append(Comparison(obs, False, reason))
            continue
        if obs.is_daily:
            first, last = observation_window(obs, scenario.scenario.start_date)
            values = window_values(obs.kind, series_for(obs.measure, sim.daily_by_run), first,
                                   last)
        else:
            days = days_needed(obs, scenario.scenario.start_date)
            if days not in totals:
                totals[days] = simulate(at(days), runs, seed, executor, progress,
                                        parameters).runs
            values = totals[days][obs.measure].to_numpy(dtype=float)
        comparisons.append(compare(obs, values, obs.window_days))
    return Backtest(scenario, sim, comparisons, observations_file,
                    getattr(parameters, "mode", "none"), tuple(extra_days))


# ------------------------------------------------------------------------------- the report ---
LIMITS = """\
- **The record is short and press-reported.** One surge of 111 days, counted by the Pentagon
  (which counts only attacks that reached or targeted US facilities, PR-A3) and reported by the
  press; casualty tallies grew for weeks as brain injuries were diagnosed. One history is a
  single draw: it cannot tell a model that is right from one that is lucky, and most observations
  here are cumulative counts of the same few series, so they are not independent checks.
- **The decisions are stylised.** US, Iranian and militia choices are probabilities in small
  rule classes, not the deliberations that made them; dates of singular events (Tower 22, the
  package of 2 Feb) are matched only in distribution, never event by event.
- **In sample.** The scenario's defaults were set with these very figures in view (and
  `escsim calibrate` fits them), so passing is a check of consistency, not a validation on data
  the model has not seen. The Nov 2024 observations belong to another scenario's window.
- **Wide bands pass easily.** An observation can sit inside a 90% interval because the model is
  uncertain, not because it is right: read the percentiles and the CRPS ratios, not only the
  verdicts."""


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _score_markdown(sc: dict[str, Any]) -> list[str]:
    """The report's score section: coverage of the intervals, CRPS, the lean of the record."""
    lines: list[str] = []
    lines += ["## Score", ""]
    if sc["covered"]:
        lines += [f"- **{sc['inside_90']} of {sc['covered']}** compared observations lie inside "
                  f"the simulated 90% interval ({sc['share_inside_90']:.0%}; about 90% expected "
                  "if the record were a draw from the model).",
                  f"- {sc['inside_50']} of {sc['covered']} lie inside the 50% interval "
                  f"({sc['share_inside_50']:.0%}; about 50% expected). Many more than half means "
                  "wide simulated distributions as much as a good fit.",
                  ]
        if sc["mean_crps_ratio"] is not None:
            lines += [f"- Mean CRPS ratio {sc['mean_crps_ratio']:.2f} (median "
                      f"{sc['median_crps_ratio']:.2f}) over {sc['crps_ratio_observations']} "
                      "observations with simulated spread: the CRPS divided by its expected "
                      "value were the observation a draw from the model, so ~1 is as good as "
                      "the model can score and values well above 1 flag misses."]
    if sc["above_median"] + sc["below_median"]:
        lean = ""
        if sc["sign_test_p"] is not None and sc["sign_test_p"] < 0.05:
            if sc["above_median"] > sc["below_median"]:
                lean = (" The record lies above the simulated median far more often than "
                        "below: what happened tends to exceed what the model simulates (more "
                        "events than simulated; first dates later than simulated), even where "
                        "each observation is inside its interval.")
            else:
                lean = (" The record lies below the simulated median far more often than "
                        "above: the model tends to simulate more than happened (more events; "
                        "first dates later than observed), even where each observation is "
                        "inside its interval.")
        lines += [f"- {sc['above_median']} observations lie above the simulated median, "
                  f"{sc['below_median']} below (sign test p = {sc['sign_test_p']:.2g}; the "
                  "observations are cumulative counts of a few series, so they are correlated "
                  f"and the p-value is a flag, not a test).{lean}"]
    lines += [f"- {sc['not_covered']} observation(s) not covered by this scenario's runs "
              "(listed below).", ""]
    return lines


def report_markdown(bt: Backtest, figures: dict[str, Path] | None = None,
                    command: str | None = None) -> str:
    """The backtest report (Markdown): verdicts, score, misses and why, plots, limits."""
    s = bt.scenario.scenario
    sim_s = bt.simulation.scenario.scenario
    end = sim_s.start_date + dt.timedelta(days=int(sim_s.horizon_days) - 1)
    lines = [f"# Backtest: {s.name}", ""]
    extended = "" if sim_s.horizon_days == s.horizon_days else \
        f" (the scenario's own horizon is {s.horizon_days:g} days; extended to cover the " \
        "observations)"
    lines += [f"{len(bt.simulation.runs)} runs, root seed {bt.simulation.root_seed}, simulated "
              f"{sim_s.start_date} to {end} ({sim_s.horizon_days:g} days){extended}. "
              f"Observations: `{bt.observations_file}`. Parameter uncertainty: "
              f"{bt.parameters}" + (" (posterior predictive check)" if bt.parameters ==
                                    "posterior" else "") + ".", ""]
    lines += ["> A check of consistency with a short, press-reported record under stylised "
              "decision rules: it explores the consequences of stated assumptions and does not "
              "forecast.", ""]
    lines += _score_markdown(bt.score())
    lines += ["## Observation by observation", "",
              "| observation | window | observed | simulated median [90% interval] | percentile "
              "| CRPS ratio | verdict |", "|---|---|---|---|---|---|---|"]
    for c in bt.covered:
        o = c.observation
        q = c.quantiles
        median = c.show(q[2]) if q else ""
        interval = f"[{c.show(c.interval_90[0])}, {c.show(c.interval_90[1])}]"
        ratio = f"{c.crps_ratio:.2f}" if math.isfinite(c.crps_ratio) else "inf"
        what = {"count": o.measure, "first_date": f"first {o.measure}",
                "max_day": f"most {o.measure} in a day"}[o.kind]
        lines.append(f"| {o.id} ({_md_escape(what)}) | {o.describe_window()} | "
                     f"{_md_escape(o.describe_value())} | {median} {interval} | "
                     f"{c.percentile:.0f} | {ratio} | {_md_escape(c.verdict())} |")
    lines.append("")
    outside = [c for c in bt.covered if not c.inside_90]
    lines += ["## Outside the 90% interval, and why", ""]
    if not outside:
        lines += ["None: every compared observation lies inside its simulated 90% interval. "
                  "The closest calls (percentile below 10 or above 90):", ""]
        close = [c for c in bt.covered if (c.percentile < 10 or c.percentile > 90)
                 and not c.point_mass]
        for c in close or []:
            lines.append(f"- {c.observation.id}: {c.verdict()}; {c.direction()}. "
                         f"{c.observation.note}")
        if not close:
            lines.append("- none")
    for c in outside:
        lines.append(f"- **{c.observation.id}** ({c.observation.label()}): {c.verdict()}. "
                     f"{c.observation.note}")
    lines.append("")
    missing = [c for c in bt.comparisons if not c.covered]
    lines += ["## Not covered", ""]
    if not missing:
        lines.append("Every observation was compared.")
    for c in missing:
        lines.append(f"- {c.observation.id} ({c.observation.label()}): {c.reason}.")
    lines.append("")
    if figures:
        captions = {
            "attacks": "Cumulative attacks: simulated median and 50%/90% bands, observed "
                       "counts (truce and lull windows shaded).",
            "tempo": "Attack tempo: simulated 7-day rate against the observed average of each "
                     "window -- the surge, the truce, and the lull after the US package of "
                     "2 Feb.",
            "casualties": "Cumulative US casualties (wounded and killed).",
            "deaths": "Cumulative US deaths.",
            "strike_rounds": "Cumulative US strike rounds against the dated rounds (bars: "
                             "counts that differ by source).",
            "percentiles": "Where each observation falls in its simulated distribution.",
            "distributions": "The simulated distribution of each observation with its 90% "
                             "interval and the observed value.",
        }
        lines += ["## Plots", ""]
        for name, path in figures.items():
            lines += [f"![{name}](plots/{path.name})", "", captions.get(name, ""), ""]
    lines += _record_section(bt)
    lines += ["## What this backtest can and cannot show", "", LIMITS, ""]
    lines += ["## Files", "",
              "- `comparison.csv`: one row per observation (quantiles, percentile, intervals, "
              "CRPS, verdict)",
              "- `simulated.csv`: the simulated value of each observation, one row per run",
              "- `bands.csv`: daily quantiles of the cumulative series (the plots' data)",
              "- `record_rows.csv`: the rows of the documented record (seeds/record) behind each "
              "observation",
              "- `simulation/`: the runs themselves (`runs.csv`, `daily.csv`, `summary.json`)",
              ""]
    if command:
        lines += ["## Reproduce", "", "```", command, "```", ""]
    return "\n".join(lines)


def _record_rows(bt: Backtest) -> pd.DataFrame:
    """The record rows behind the observations this backtest scored."""
    from escsim.record.derive import rows_behind

    return rows_behind([c.observation.id for c in bt.comparisons if c.covered])


def _record_section(bt: Backtest, shown: int = 4) -> list[str]:
    """report.md: how each observation was computed from the record, and its first rows."""
    rows = _record_rows(bt).groupby("observation")["event_id"].apply(list)
    lines = ["## The record behind each observation", "",
             "Each observation is computed from the documented record (seeds/record, "
             "docs/explanation/record.md) by its definition; `record_rows.csv` lists every row.",
             ""]
    for c in bt.comparisons:
        obs = c.observation
        if not c.covered or not obs.definition:
            continue
        ids = rows.get(obs.id, [])
        more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
        listed = ", ".join(ids[:shown]) + more if ids else "no rows (the record has none)"
        lines.append(f"- **{obs.id}** = {obs.describe_value()} (dated in the record: "
                     f"{obs.dated or '-'}); {obs.definition}. Rows: {listed}.")
    return [*lines, ""]


def write_backtest(bt: Backtest, out: Path, force: bool = False, plots: bool = True,
                   command: str | None = None) -> Path:
    """Write the backtest folder atomically: ``report.md``, ``comparison.csv``,
    ``simulated.csv``, ``bands.csv``, ``summary.json``, ``plots/`` and ``simulation/``."""
    from escsim.results import atomic_folder, atomic_write_text, write_json, write_rows_csv
    from escsim.results.columns import write_columns
    from escsim.results.provenance import write_folder_manifest
    from escsim.simulation import write_simulation

    out = Path(out)
    with atomic_folder(out, force=force) as tmp:
        table = bt.table()
        write_rows_csv(tmp / "comparison.csv", list(table.columns),
                       table.astype(object).where(table.notna(), None).to_dict(orient="records"))
        simulated = bt.simulated()
        simulated.to_csv(tmp / "simulated.csv", index=False)
        bands = bt.bands()
        bands.to_csv(tmp / "bands.csv", index=False)
        _record_rows(bt).to_csv(tmp / "record_rows.csv", index=False)
        write_json(tmp / "summary.json", bt.summary())
        write_folder_manifest(tmp, "backtest", [bt.scenario], bt.simulation.root_seed)
        write_simulation(bt.simulation, tmp / "simulation", plots=False)
        figures: dict[str, Path] = {}
        if plots:
            from escsim.plotting.history import plot_backtest_folder

            figures = plot_backtest_folder(tmp / "plots", bands, table, simulated,
                                           bt.scenario.scenario.start_date,
                                           title=bt.scenario.scenario.name)
        atomic_write_text(tmp / "report.md", report_markdown(bt, figures, command))
        write_columns(tmp)
    return out


# ------------------------------------------------------------------ several eras together ---
#: The eras escsim is backtested on, oldest first: each scenario states its era's situation and
#: shares every behavioural parameter with the others.
ERA_SCENARIOS = HISTORY_SCENARIOS
#: The manifest kind of a folder of several eras' backtests (one backtest folder per era).
ERAS_KIND = "backtest-eras"


def run_era_backtests(scenarios: Sequence[Scenario],
                      observations: Sequence[Observation] | None = None, runs: int = 1000,
                      seed: int = 0, executor: Executor | None = None,
                      progress: Callable[[int], None] | None = None,
                      observations_file: str = "seeds/observations.csv",
                      parameters: Any = None) -> list[Backtest]:
    """:func:`run_backtest` of each scenario against the observations that name it.

    Args:
        scenarios: the era scenarios (e.g. those of :data:`ERA_SCENARIOS`).
        observations: the record (default: the bundled ``seeds/observations.csv``).
        runs: replications per scenario.
        seed: the root seed (the same for every scenario).
        executor: where replications run (default: this process).
        progress: called with the number of replications finished.
        observations_file: the name of the observations file, for the report.
        parameters: an :class:`escsim.scenario.priors.ParameterSampler` whose priors every era
            has (the shared behaviour of a joint calibration), drawn per replication in every
            era; ``None`` runs each scenario's own values.

    Returns:
        One :class:`Backtest` per scenario, in the order given.
    """
    if observations is None:
        observations = load_observations()
    return [run_backtest(s, [o for o in observations if o.scenario == s.scenario.name], runs,
                         seed, executor, None, parameters, progress, observations_file)
            for s in scenarios]


#: Columns of ``scores.csv``, the one-row-per-era table of an eras folder.
ERA_SCORE_COLUMNS = ("scenario", "start_date", "horizon_days", "simulated_horizon_days", "runs",
                     "root_seed", "parameter_uncertainty", "observations_compared",
                     "observations_not_covered", "observations_inside_90",
                     "observations_inside_50", "mean_crps_ratio", "above_median",
                     "below_median")


def era_scores(backtests: Sequence[Backtest]) -> pd.DataFrame:
    """One row per era (``scores.csv``): its window (start date, horizon), runs and root seed,
    what its replications drew, and its score."""
    rows = []
    for bt in backtests:
        meta, sc = bt.scenario.scenario, bt.score()
        rows.append({
            "scenario": meta.name, "start_date": str(meta.start_date),
            "horizon_days": float(meta.horizon_days),
            "simulated_horizon_days": float(bt.simulation.scenario.scenario.horizon_days),
            "runs": int(len(bt.simulation.runs)), "root_seed": bt.simulation.root_seed,
            "parameter_uncertainty": bt.parameters,
            "observations_compared": sc["covered"], "observations_not_covered": sc["not_covered"],
            "observations_inside_90": sc["inside_90"], "observations_inside_50": sc["inside_50"],
            "mean_crps_ratio": sc["mean_crps_ratio"], "above_median": sc["above_median"],
            "below_median": sc["below_median"]})
    return pd.DataFrame(rows, columns=list(ERA_SCORE_COLUMNS))


def eras_report_markdown(backtests: Sequence[Backtest], command: str | None = None) -> str:
    """One report over several eras: a score per era, then every verdict."""
    lines = ["# Backtest over the eras", ""]
    lines += ["Every era runs with the same behavioural parameters; only its situation (dates, "
              "tempo regime, troops, the US practice of the time, documented US rounds) "
              "differs. Each era is compared with the observations that name it; each era's "
              "own report is in its folder.", ""]
    drawn = sorted({bt.parameters for bt in backtests} - {"none"})
    if drawn:
        lines += [f"Each replication drew its uncertain parameters from the {' and '.join(drawn)}"
                  + (" (a posterior predictive check)" if drawn == ["posterior"] else "")
                  + "; the priors (and posterior) it drew from are kept under each era's "
                  "`simulation/parameters/`.", ""]
    lines += ["| era | from | days | observations | inside 90% | inside 50% | mean CRPS ratio |",
              "|---|---|---:|---:|---:|---:|---:|"]
    for bt in backtests:
        sc = bt.score()
        meta = bt.scenario.scenario
        crps = sc.get("mean_crps_ratio")
        lines.append(f"| [{meta.name}]({meta.name}/report.md) | {meta.start_date} | "
                     f"{meta.horizon_days:g} | {sc['covered']} | {sc['inside_90']} | "
                     f"{sc['inside_50']} | {'' if crps is None else f'{crps:.2f}'} |")
    for bt in backtests:
        lines += ["", f"## {bt.scenario.scenario.name}", "",
                  _md_escape(" ".join(bt.scenario.scenario.description.split())), "",
                  "| observation | observed | verdict |", "|---|---:|---|"]
        for c in bt.comparisons:
            lines.append(f"| {c.observation.id} | {_md_escape(c.observation.describe_value())} "
                         f"| {_md_escape(c.verdict())} |")
    lines += ["", "## Limits", "", LIMITS, ""]
    if command:  # as each era's report has it (a command of several lines stays whole)
        lines += ["## Reproduce", "", "```", command, "```", ""]
    return "\n".join(lines)


def write_era_backtests(backtests: Sequence[Backtest], out: Path, force: bool = False,
                        plots: bool = True, command: str | None = None) -> Path:
    """Write one folder over several eras: ``report.md``, ``comparison.csv`` (every era's rows,
    each with its scenario, start date and horizon), ``scores.csv`` (one row per era: its
    window, root seed and score), ``columns.json`` and one :func:`write_backtest` folder per
    era."""
    from escsim.results import atomic_folder, atomic_write_text
    from escsim.results.columns import write_columns
    from escsim.results.provenance import write_folder_manifest

    out = Path(out)
    with atomic_folder(out, force=force) as tmp:
        tables = []
        for bt in backtests:
            write_backtest(bt, tmp / bt.scenario.scenario.name, plots=plots, command=command)
            tables.append(bt.table())  # each row names its era and the era's window
        pd.concat(tables, ignore_index=True).to_csv(tmp / "comparison.csv", index=False)
        era_scores(backtests).to_csv(tmp / "scores.csv", index=False)
        atomic_write_text(tmp / "report.md", eras_report_markdown(backtests, command))
        # each era's folder keeps its own manifest and resolved scenario
        write_folder_manifest(tmp, ERAS_KIND, [bt.scenario for bt in backtests],
                              backtests[0].simulation.root_seed if backtests else None,
                              subfolders=True,
                              folders=[bt.scenario.scenario.name for bt in backtests])
        write_columns(tmp)
    return out
