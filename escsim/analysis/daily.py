"""Daily bands without holding every run: a tally of how many runs had each value on each day.

The cumulative daily series are whole numbers, so the exact quantiles across runs (the
``inverted_cdf`` definition of :func:`numpy.quantile`, which returns values that occurred) and
the mean follow from counts per (day, value). The tally keeps only the (day, value) pairs that
occur, so it grows with the spread of the series, not with the number of runs nor with the
largest count, and ``escsim run`` keeps its memory flat however many runs it streams; tallies of
chunks add up, in any order, to the same table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

#: Quantiles of the daily bands (``daily.csv``: q05, q50, q95).
BAND_QUANTILES = (0.05, 0.5, 0.95)


#: A tally key packs (day, value) as ``day << VALUE_BITS | value``: days up to 2^19 and values
#: up to 2^44 (about 1.8e13, far beyond any count a replication reaches) fit an int64.
VALUE_BITS = 44
_VALUE_MASK = (1 << VALUE_BITS) - 1


class DailyTally:
    """Per daily series: how many runs had each cumulative count on each day, kept sparse (the
    (day, value) pairs that occurred and their counts, sorted), so its size follows the values
    that occur, not the largest one: in-range parameters that drive counts into the millions
    cannot make it allocate a table as wide as the largest count."""

    def __init__(self, days: int, series: tuple[str, ...]):
        self.days = days
        self.series = series
        self.runs = 0
        self.keys: dict[str, np.ndarray] = {s: np.zeros(0, dtype=np.int64) for s in series}
        self.counts: dict[str, np.ndarray] = {s: np.zeros(0, dtype=np.int64) for s in series}

    def add(self, daily: Mapping[str, np.ndarray]) -> None:
        """Add one run's cumulative daily series."""
        self.add_many({s: np.asarray(daily[s])[None, :] for s in self.series})

    def add_many(self, daily: Mapping[str, np.ndarray]) -> None:
        """Add several runs at once: ``daily[series]`` has shape (runs, days)."""
        n = 0
        for s in self.series:
            values = np.asarray(daily[s], dtype=np.int64)[:, :self.days]
            n = values.shape[0]
            if values.size and (values.min() < 0 or values.max() > _VALUE_MASK):
                raise OverflowError(f"daily count of {s} outside 0..{_VALUE_MASK}")
            days = np.arange(values.shape[1], dtype=np.int64)
            keys, counts = np.unique(((days << VALUE_BITS) | values).ravel(), return_counts=True)
            self._merge(s, keys, counts.astype(np.int64))
        self.runs += n

    def merge(self, other: DailyTally) -> None:
        """Add another tally (of other runs) into this one."""
        for s in self.series:
            self._merge(s, other.keys[s], other.counts[s])
        self.runs += other.runs

    def merged(self, other: DailyTally) -> DailyTally:
        """A new tally of both, this one left as it was (so an interruption half-way through
        cannot leave it half-merged)."""
        out = DailyTally(self.days, self.series)
        # _merge replaces each series' arrays rather than writing into them: sharing is safe
        out.keys, out.counts, out.runs = dict(self.keys), dict(self.counts), self.runs
        out.merge(other)
        return out

    def _merge(self, series: str, keys: np.ndarray, counts: np.ndarray) -> None:
        if not len(self.keys[series]):
            self.keys[series], self.counts[series] = keys.copy(), counts.copy()
            return
        all_keys = np.concatenate([self.keys[series], keys])
        all_counts = np.concatenate([self.counts[series], counts])
        order = np.argsort(all_keys, kind="stable")
        all_keys, all_counts = all_keys[order], all_counts[order]
        first = np.flatnonzero(np.r_[True, all_keys[1:] != all_keys[:-1]])
        self.keys[series] = all_keys[first]
        self.counts[series] = np.add.reduceat(all_counts, first)

    def bands(self) -> pd.DataFrame:
        """Per day and series: mean and 5/50/95% quantiles across runs (``daily.csv``), equal to
        :func:`escsim.analysis.daily_bands` of the runs' arrays."""
        frames = []
        n = self.runs
        for s in self.series:
            keys, counts = self.keys[s], self.counts[s]
            day = keys >> VALUE_BITS
            values = keys & _VALUE_MASK
            starts = np.searchsorted(day, np.arange(self.days))  # every day has n runs
            sums = np.add.reduceat(values * counts, starts)  # exact integer sums, as numpy
            cdf = np.cumsum(counts)
            before = np.r_[0, cdf][starts]
            q = []
            for p in BAND_QUANTILES:
                need = max(1, int(np.ceil(n * p - 1e-9)))  # numpy's inverted_cdf
                q.append(values[np.searchsorted(cdf, before + need)].astype(float))
            frames.append(pd.DataFrame({
                "day": np.arange(self.days), "series": s,
                "mean": sums / n, "q05": q[0], "q50": q[1], "q95": q[2]}))
        return pd.concat(frames, ignore_index=True)

    # --- on disk (a resumable run keeps its running tally between chunks) --------------------
    def to_arrays(self) -> dict[str, Any]:
        """The tally as named arrays (for :func:`numpy.savez`)."""
        out: dict[str, Any] = {}
        for s in self.series:
            out[f"keys_{s}"] = self.keys[s]
            out[f"counts_{s}"] = self.counts[s]
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
            tally.keys[s] = np.array(arrays[f"keys_{s}"], dtype=np.int64)
            tally.counts[s] = np.array(arrays[f"counts_{s}"], dtype=np.int64)
        return tally
