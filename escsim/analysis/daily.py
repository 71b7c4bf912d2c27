"""Daily bands without holding every run: a tally of how many runs had each value on each day.

The cumulative daily series are whole numbers, so the exact quantiles across runs (the
``inverted_cdf`` definition of :func:`numpy.quantile`, which returns values that occurred) and
the mean follow from counts per (day, value). A tally grows with the range of values, not with
the number of runs, so ``escsim run`` keeps its memory flat however many runs it streams; tallies
of chunks add up, in any order, to the same table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

#: Quantiles of the daily bands (``daily.csv``: q05, q50, q95).
BAND_QUANTILES = (0.05, 0.5, 0.95)


class DailyTally:
    """Per daily series: ``counts[day, value]`` = runs whose cumulative count on ``day`` was
    ``value``; and ``runs``, the number of runs added."""

    def __init__(self, days: int, series: tuple[str, ...]):
        self.days = days
        self.series = series
        self.runs = 0
        self.counts: dict[str, np.ndarray] = {s: np.zeros((days, 1), dtype=np.int64)
                                              for s in series}

    def add(self, daily: Mapping[str, np.ndarray]) -> None:
        """Add one run's cumulative daily series."""
        self.add_many({s: np.asarray(daily[s])[None, :] for s in self.series})

    def add_many(self, daily: Mapping[str, np.ndarray]) -> None:
        """Add several runs at once: ``daily[series]`` has shape (runs, days)."""
        n = 0
        for s in self.series:
            values = np.asarray(daily[s], dtype=np.int64)[:, :self.days]
            n = values.shape[0]
            table = self._fit(s, int(values.max(initial=0)))
            width = table.shape[1]
            cells = (np.arange(values.shape[1]) * width + values).ravel()
            table += np.bincount(cells, minlength=self.days * width).reshape(self.days, width)
        self.runs += n

    def merge(self, other: DailyTally) -> None:
        """Add another tally (of other runs) into this one."""
        for s in self.series:
            theirs = other.counts[s]
            mine = self._fit(s, theirs.shape[1] - 1)
            mine[:, :theirs.shape[1]] += theirs
        self.runs += other.runs

    def _fit(self, series: str, max_value: int) -> np.ndarray:
        table = self.counts[series]
        if max_value >= table.shape[1]:
            wider = np.zeros((self.days, max(max_value + 1, 2 * table.shape[1])), dtype=np.int64)
            wider[:, :table.shape[1]] = table
            self.counts[series] = table = wider
        return table

    def bands(self) -> pd.DataFrame:
        """Per day and series: mean and 5/50/95% quantiles across runs (``daily.csv``), equal to
        :func:`escsim.analysis.daily_bands` of the runs' arrays."""
        frames = []
        n = self.runs
        for s in self.series:
            table = self.counts[s]
            values = np.arange(table.shape[1], dtype=np.int64)  # exact integer sums, as numpy
            cdf = np.cumsum(table, axis=1)
            q = [_inverted_cdf(cdf, n, p) for p in BAND_QUANTILES]
            frames.append(pd.DataFrame({
                "day": np.arange(self.days), "series": s,
                "mean": (table @ values) / n, "q05": q[0], "q50": q[1], "q95": q[2]}))
        return pd.concat(frames, ignore_index=True)

    # --- on disk (a resumable run keeps its running tally between chunks) --------------------
    def to_arrays(self) -> dict[str, Any]:
        """The tally as named arrays (for :func:`numpy.savez`)."""
        out: dict[str, Any] = {f"counts_{s}": _trim(self.counts[s]) for s in self.series}
        out["runs"] = np.array([self.runs])
        out["days"] = np.array([self.days])
        out["series"] = np.array(self.series)
        return out

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, Any]) -> DailyTally:
        """The tally saved by :meth:`to_arrays`."""
        tally = cls(int(arrays["days"][0]), tuple(str(s) for s in arrays["series"]))
        tally.runs = int(arrays["runs"][0])
        for s in tally.series:
            tally.counts[s] = np.array(arrays[f"counts_{s}"], dtype=np.int64)
        return tally


def _trim(table: np.ndarray) -> np.ndarray:
    used = np.flatnonzero(table.any(axis=0))
    return table[:, :(used[-1] + 1 if len(used) else 1)]


def _inverted_cdf(cdf: np.ndarray, n: int, q: float) -> np.ndarray:
    """Per row: the smallest value whose cumulative count reaches ``n * q`` (numpy's
    ``inverted_cdf``: the ``ceil(n q)``-th smallest value, at least the first)."""
    need = max(1, int(np.ceil(n * q - 1e-9)))
    return np.argmax(cdf >= need, axis=1).astype(float)
