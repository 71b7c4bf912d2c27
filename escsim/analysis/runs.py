"""Summaries of saved run tables: rung probabilities with intervals, quantiles, survival curves.

Everything here takes tables (pandas DataFrames read from ``runs.csv`` / ``daily.csv``), never
live actors, so a result folder can be re-analysed and re-plotted without re-running.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

#: Counts summarised by default (median and 90% range in the printed table).
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_RUNG = re.compile(r"^day_rung_(\d+)$")


def rung_levels(runs: pd.DataFrame) -> list[int]:
    """Ladder levels present in a run table (from its ``day_rung_K`` columns)."""
    return sorted(int(m.group(1)) for c in runs.columns if (m := _RUNG.match(c)))


def binomial_intervals(successes: np.ndarray, trials: np.ndarray, confidence: float = 0.95
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper-Pearson) intervals for many proportions at once, from beta quantiles.

    Equal to scipy's exact ``binomtest`` interval (to ~1e-12) but vectorised: a sweep
    has thousands of points x rungs.
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    alpha = 1 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(k <= 0, 0.0, stats.beta.ppf(alpha / 2, k, n - k + 1))
        hi = np.where(k >= n, 1.0, stats.beta.ppf(1 - alpha / 2, k + 1, n - k))
    bad = n <= 0
    return np.where(bad, np.nan, lo), np.where(bad, np.nan, hi)


def binomial_interval(successes: int, trials: int, confidence: float = 0.95
                      ) -> tuple[float, float]:
    """Exact (Clopper-Pearson) interval for one proportion (NaN for no trials)."""
    lo, hi = binomial_intervals(np.array([successes]), np.array([trials]), confidence)
    return (float(lo[0]), float(hi[0]))


def rung_probabilities(runs: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Probability of reaching each rung within the horizon, with a binomial interval."""
    return pd.DataFrame(RunTally.of(runs).rungs(confidence))


def count_quantiles(runs: pd.DataFrame, columns: tuple[str, ...] | list[str] | None = None
                    ) -> pd.DataFrame:
    """Mean and quantiles of each count column (of ``columns``, in that order)."""
    return pd.DataFrame(RunTally.of(runs if columns is None else runs[list(columns)]).counts())


#: Run-table columns that identify a run rather than count what happened in it.
_NOT_COUNTS = frozenset({"scenario", "param_hash", "point", "replication", "seed", "end_day"})


def summary_columns_of_run(columns: Sequence[str]) -> list[str]:
    """The columns of a run table that :func:`summarize` reads (counts and rung days)."""
    return [c for c in columns if c not in _NOT_COUNTS]


def _count_columns(runs: pd.DataFrame) -> list[str]:
    return [c for c in runs.columns if c not in _NOT_COUNTS and not _RUNG.match(c)
            and pd.api.types.is_numeric_dtype(runs[c])]


def survival_curve(runs: pd.DataFrame, level: int, horizon_days: float,
                   confidence: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier probability of *not yet* having reached rung ``level`` by each day.

    Runs that never reach the rung are followed to the horizon. A run ended early by a rung
    that ends the run (the regional war) can reach nothing more, so it counts as not reaching
    this rung within the horizon rather than as censored at its end day (which would raise the
    curve above the share of runs that reached the rung): the curve's right edge is the share
    that :func:`rung_probabilities` reports. Uses ``scipy.stats.ecdf`` on censored data.
    """
    reached = runs[f"day_rung_{level}"]
    events = reached.dropna().to_numpy(dtype=float)
    censored = np.full(int(reached.isna().sum()), float(horizon_days))
    grid = np.arange(0, int(np.ceil(horizon_days)) + 1, dtype=float)
    if len(events) == 0:
        ones = np.ones_like(grid)
        return pd.DataFrame({"rung": level, "day": grid, "survival": ones, "ci_low": ones,
                             "ci_high": ones})
    data = stats.CensoredData(uncensored=events, right=censored)
    sf = stats.ecdf(data).sf
    ci = sf.confidence_interval(confidence_level=confidence)
    estimate = sf.evaluate(grid)
    with np.errstate(invalid="ignore"):
        low = ci.low.evaluate(grid)
        high = ci.high.evaluate(grid)
    # where the interval is undefined (e.g. once every run has reached the rung and the estimate
    # is 0 with no one left at risk) collapse it onto the estimate rather than invent a band
    low = np.where(np.isnan(low), estimate, low)
    high = np.where(np.isnan(high), estimate, high)
    return pd.DataFrame({"rung": level, "day": grid, "survival": estimate,
                         "ci_low": low, "ci_high": high})


def daily_bands(daily_by_run: dict[str, np.ndarray]) -> pd.DataFrame:
    """Per day: mean and 5/50/95% quantiles of each cumulative series across runs.

    ``daily_by_run[name]`` is an array of shape (runs, days).
    """
    frames = []
    for name, arr in daily_by_run.items():
        arr = np.asarray(arr, dtype=float)
        q = np.quantile(arr, [0.05, 0.5, 0.95], axis=0, method="inverted_cdf")
        frames.append(pd.DataFrame({"day": np.arange(arr.shape[1]), "series": name,
                                    "mean": arr.mean(axis=0), "q05": q[0], "q50": q[1],
                                    "q95": q[2]}))
    return pd.concat(frames, ignore_index=True)


def summarize(runs: pd.DataFrame | Iterable[pd.DataFrame], horizon_days: float
              ) -> dict[str, Any]:
    """The JSON-ready summary of a run table: rung probabilities and count quantiles.

    ``runs``: the table, or its parts one after another (``escsim run`` reads them from disk
    part by part: see :class:`RunTally`, which keeps a few numbers per distinct count, not the
    table)."""
    tally = RunTally()
    for part in [runs] if isinstance(runs, pd.DataFrame) else runs:
        tally.add(part)
    return tally.summary(horizon_days)


class RunTally:
    """What :func:`summarize` needs of a run table, gathered part by part in little memory.

    Whole-number columns (every count) are kept as tallies of their values -- the exact mean
    and inverted-CDF quantiles follow from them, and a count takes few distinct values however
    many runs there are; other numeric columns (a drawn parameter) and the days rungs were
    reached are kept whole, as the exact quantiles and medians need them."""

    def __init__(self) -> None:
        self.runs = 0
        self._days: dict[int, list[np.ndarray]] = {}
        self._tallies: dict[str, dict[float, int]] = {}
        self._values: dict[str, list[np.ndarray]] = {}
        self._order: list[str] = []  # count columns, in the table's order

    def add(self, runs: pd.DataFrame) -> None:
        """Add the runs of one part (the same columns in every part)."""
        self.runs += len(runs)
        for level in rung_levels(runs):
            days = runs[f"day_rung_{level}"].to_numpy(dtype=float)
            self._days.setdefault(level, []).append(days[~np.isnan(days)])
        for c in _count_columns(runs):
            if c not in self._tallies and c not in self._values:
                self._order.append(c)
                if pd.api.types.is_integer_dtype(runs[c]):
                    self._tallies[c] = {}
                else:
                    self._values[c] = []
            v = runs[c].to_numpy(dtype=float)
            if c in self._tallies and not pd.api.types.is_integer_dtype(runs[c]):
                tally = self._tallies.pop(c)  # not whole numbers after all: keep the values
                self._values[c] = [np.repeat(np.array(list(tally), dtype=float),
                                             list(tally.values()))]
            if c in self._tallies:
                tally = self._tallies[c]
                for x, k in zip(*np.unique(v, return_counts=True), strict=True):
                    tally[float(x)] = tally.get(float(x), 0) + int(k)
            else:
                self._values[c].append(v)

    @classmethod
    def of(cls, runs: pd.DataFrame) -> RunTally:
        """The tally of a whole table."""
        tally = cls()
        tally.add(runs)
        return tally

    def summary(self, horizon_days: float, confidence: float = 0.95) -> dict[str, Any]:
        """What ``summary.json`` holds of the runs."""
        median_day = {}
        for level in sorted(self._days):
            days = np.concatenate(self._days[level])
            median_day[str(level)] = float(np.median(days)) if len(days) else None
        return {"runs": self.runs, "horizon_days": horizon_days,
                "rung_probability": self.rungs(confidence),
                "median_day_reached_given_reached": median_day,
                "count_quantiles": self.counts()}

    def rungs(self, confidence: float = 0.95) -> list[dict[str, Any]]:
        """Per rung: runs, runs that reached it, the probability and its exact interval."""
        n, rows = self.runs, []
        for level in sorted(self._days):
            k = int(sum(len(d) for d in self._days[level]))
            low, high = binomial_interval(k, n, confidence)
            rows.append({"rung": level, "runs": n, "reached": k,
                         "probability": k / n if n else float("nan"), "ci_low": low,
                         "ci_high": high})
        return rows

    def counts(self) -> list[dict[str, Any]]:
        """Per count column: the mean and the quantiles :data:`QUANTILES`."""
        return [self._quantiles(c) for c in self._order]

    def _quantiles(self, column: str) -> dict[str, Any]:
        n = self.runs
        if n == 0:
            q: Any = [float("nan")] * len(QUANTILES)
            mean = float("nan")
        elif column in self._values:
            v = np.concatenate(self._values[column])
            # counts are whole numbers: report observed values, not interpolations between them
            q, mean = np.quantile(v, QUANTILES, method="inverted_cdf"), float(v.mean())
        else:
            values = np.array(sorted(self._tallies[column]))
            counts = np.array([self._tallies[column][x] for x in values])
            # the sorted positions numpy's inverted CDF picks, found in the cumulative counts
            at = np.quantile(np.arange(n), QUANTILES, method="inverted_cdf")
            q = values[np.searchsorted(np.cumsum(counts), at, side="right")]
            mean = float((values * counts).sum() / n)
        return {"count": column, "mean": mean,
                **{f"q{int(p * 100):02d}": float(x) for p, x in zip(QUANTILES, q, strict=True)}}

