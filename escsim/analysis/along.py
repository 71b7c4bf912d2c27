"""Summaries of a sweep's run table along its swept values (what the sweep plots draw).

Probabilities pool the runs of every point that shares the swept value(s) in question (so along
one axis they average over the other swept values, each point weighing by its runs) and carry
exact Clopper-Pearson intervals; means carry normal-approximation intervals. A numeric axis with
many distinct values (an LHS or Sobol' design) is cut into quantile bins.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from escsim.analysis.outcomes import Outcome
from escsim.analysis.runs import binomial_intervals

#: A numeric axis with more distinct values than this is binned.
MAX_LEVELS = 12


def is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def axis_levels(values: pd.Series, bins: int = 10) -> tuple[pd.Series, pd.Series]:
    """(level of each run, x position of each level): the values themselves, or quantile bins
    of a many-valued numeric axis placed at the mean value in the bin."""
    if is_numeric(values) and values.nunique() > MAX_LEVELS:
        level = pd.qcut(values, q=bins, labels=False, duplicates="drop")
        x = values.groupby(level).mean()
        return level, x
    uniq = values.drop_duplicates()
    uniq = uniq.sort_values() if is_numeric(values) else uniq
    x = pd.Series(uniq.to_numpy(), index=uniq.to_numpy())
    return values, x


def pooled(values: np.ndarray, groups: Sequence[pd.Series], outcome: Outcome,
           confidence: float = 0.95) -> pd.DataFrame:
    """Per group: runs, estimate and interval of an outcome (``values`` one per run)."""
    frame = pd.DataFrame({f"g{i}": g.to_numpy() for i, g in enumerate(groups)})
    frame["v"] = values
    g = frame.groupby([f"g{i}" for i in range(len(groups))], sort=False)["v"]
    out = g.agg(["count", "sum", "mean", "std"]).reset_index()
    n = out["count"].to_numpy(dtype=float)
    if outcome.is_probability:
        lo, hi = binomial_intervals(out["sum"].to_numpy(), n, confidence)
    else:
        z = stats.norm.ppf(0.5 + confidence / 2)
        se = out["std"].fillna(0).to_numpy() / np.sqrt(n)
        lo, hi = out["mean"].to_numpy() - z * se, out["mean"].to_numpy() + z * se
    return out.assign(low=lo, high=hi).rename(columns={"count": "runs", "mean": "estimate"})


def along_axis(runs: pd.DataFrame, axis: str, outcome: Outcome, by: str | None = None,
               bins: int = 10, confidence: float = 0.95) -> pd.DataFrame:
    """The outcome at each value (or bin) of ``axis``, optionally one series per value of
    ``by`` (another swept key, or ``scenario``). Columns: ``x``, ``group``, ``runs``,
    ``estimate``, ``low``, ``high``."""
    level, xs = axis_levels(runs[axis], bins)
    groups = [level] + ([runs[by]] if by else [])
    t = pooled(outcome.values(runs), groups, outcome, confidence)
    t["x"] = t["g0"].map(xs)
    t["group"] = t["g1"] if by else ""
    order = {v: i for i, v in enumerate(xs.index)}
    t["_order"] = t["g0"].map(order)
    t = t.sort_values(["group", "_order"], kind="stable")
    return t[["x", "group", "runs", "estimate", "low", "high"]].reset_index(drop=True)


def on_grid(runs: pd.DataFrame, x: str, y: str, outcome: Outcome, bins: int = 8,
            confidence: float = 0.95) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """The outcome on each (x, y) cell; returns the table and the x and y level positions."""
    lx, xs = axis_levels(runs[x], bins)
    ly, ys = axis_levels(runs[y], bins)
    t = pooled(outcome.values(runs), [lx, ly], outcome, confidence)
    return t.rename(columns={"g0": "x_level", "g1": "y_level"}), xs, ys
