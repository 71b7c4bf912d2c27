"""The per-point summary of a sweep: rung probabilities with exact intervals, count quantiles.

Computed from blocks of the run table that each hold whole points, so a sweep's summary never
needs the whole table in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from escsim.analysis.runs import binomial_intervals
from escsim.records import MAIN_COUNTS, RUNG_DAY_PREFIX
from escsim.results.sweep import PointInfo

#: Digits kept for probabilities and quantiles in summary.csv.
SUMMARY_DIGITS = 6


def summary_inputs(rungs: Sequence[int]) -> list[str]:
    """The run columns :func:`build_summary` reads."""
    return [*(f"{RUNG_DAY_PREFIX}{r}" for r in rungs), *MAIN_COUNTS]


def summary_columns(keys: Sequence[str], rungs: Sequence[int]) -> list[str]:
    cols = ["point", "design_point", "scenario", *keys, "start_date", "horizon_days", "runs"]
    for r in rungs:
        cols += [f"p_rung_{r}", f"p_rung_{r}_low", f"p_rung_{r}_high"]
    for c in MAIN_COUNTS:
        cols += [f"mean_{c}", f"q05_{c}", f"q50_{c}", f"q95_{c}"]
    return cols


def build_summary(blocks: Iterable[pd.DataFrame], points: Sequence[PointInfo],
                  keys: Sequence[str], rungs: Sequence[int], confidence: float = 0.95
                  ) -> tuple[list[str], list[list[Any]]]:
    """Per point: runs, rung probabilities with exact intervals, count mean and quantiles.

    ``blocks`` are run tables that each hold whole points (:func:`iter_point_blocks`).
    """
    reached = np.zeros((len(points), len(rungs)))
    n = np.zeros(len(points))
    counts = np.full((len(points), 4 * len(MAIN_COUNTS)), np.nan)
    for block in blocks:
        point = block["point"].to_numpy(dtype=int)
        idx, start, size = np.unique(point, return_index=True, return_counts=True)
        n[idx] = size
        for j, r in enumerate(rungs):
            col = f"{RUNG_DAY_PREFIX}{r}"
            if col in block:
                reached[idx, j] = np.add.reduceat(block[col].notna().to_numpy(dtype=float),
                                                  start)
        for j, c in enumerate(MAIN_COUNTS):
            if c in block:
                v = pd.to_numeric(block[c], errors="coerce").to_numpy(dtype=float)
                counts[idx, 4 * j:4 * j + 4] = _group_stats(point, v, start, size)
    with np.errstate(invalid="ignore", divide="ignore"):
        prob = reached / n[:, None]
    lo, hi = binomial_intervals(reached, n[:, None], confidence)
    prob_l, lo_l, hi_l = _rounded(prob), _rounded(lo), _rounded(hi)
    counts_l = _rounded(counts)
    rows = []
    for i, info in enumerate(points):
        row: list[Any] = [info.point, info.design_point, info.scenario, *info.values,
                          info.start_date, info.horizon_days, int(n[i])]
        for j, r in enumerate(rungs):
            if r not in info.rungs or n[i] == 0:
                row += [None, None, None]
            else:
                row += [prob_l[i][j], lo_l[i][j], hi_l[i][j]]
        rows.append(row + counts_l[i])
    return summary_columns(keys, rungs), rows


def _group_stats(point: np.ndarray, v: np.ndarray, start: np.ndarray, size: np.ndarray
                 ) -> np.ndarray:
    """Per run of equal ``point`` values: mean and the 5/50/95% quantiles of ``v`` for all
    groups at once. Quantiles are values that occurred (the inverted CDF, as
    :func:`escsim.analysis.count_quantiles`: counts stay whole numbers)."""
    order = np.lexsort((v, point))
    x = v[order]
    out = np.empty((len(start), 4))
    out[:, 0] = np.add.reduceat(v, start) / size
    for k, q in enumerate((0.05, 0.5, 0.95), start=1):
        rank = np.clip(np.ceil(size * q - 1e-12).astype(int) - 1, 0, size - 1)
        out[:, k] = x[start + rank]
    return out


def _rounded(a: np.ndarray) -> list[list[float | None]]:
    """Rows of ``a`` as Python floats rounded to :data:`SUMMARY_DIGITS`, NaN as None."""
    return [[None if x != x else round(x, SUMMARY_DIGITS) for x in row] for row in a.tolist()]


def _r(x: float) -> float | None:
    x = float(x)
    return None if np.isnan(x) else round(x, SUMMARY_DIGITS)
