"""Global sensitivity of sweep outcomes: Sobol' indices and Morris elementary effects.

Both methods read a finished sweep folder (so they can be recomputed from disk) whose design
was built for them (:func:`escsim.sweep.design.saltelli_points`,
:func:`escsim.sweep.design.morris_points`). The model output at a point is the *mean over its
replications* of an outcome (:mod:`escsim.analysis.outcomes`): a probability such as ``rung:8`` or
a mean count such as ``us_killed``.

* **Sobol'** first-order ``S1`` (share of the output variance explained by one parameter alone)
  and total-order ``ST`` (including all its interactions), estimated as in
  :func:`scipy.stats.sobol_indices` (Saltelli et al. 2010 for ``S1``, Jansen 1999 for ``ST``)
  with BCa bootstrap intervals from a seeded generator (scipy's own bootstrap would draw from
  global randomness).
* **Morris** screening: ``mu*`` (mean absolute elementary effect: overall influence), ``sigma``
  (spread: non-linearity or interactions), per unit of the parameter's normalised range, with a
  bootstrap interval of ``mu*`` over trajectories. Cheap: ``r (d + 1)`` points for ``d``
  parameters.

A simulator is noisy: each point's mean carries Monte Carlo error. ``noise_share`` (the mean
within-point variance of the outcome divided by the replications, over the variance of the point
means) says how much of the output variance is that noise; above ~0.1, add replications. By
default sensitivity sweeps use common random numbers (every point the same seeds) so the noise
largely cancels in the differences the estimators use.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from escsim.analysis.outcomes import Outcome, parse_outcome
from escsim.errors import InputError
from escsim.results import read_json, write_table
from escsim.results import sweep as tables
from escsim.results.columns import write_columns
from escsim.results.tables import read_shaped

RESULTS = "sensitivity.csv"
#: The spawn key of the bootstrap's random stream under the root seed.
BOOTSTRAP_SPAWN_KEY = 0xB007


# ----------------------------------------------------------------------------- estimators ---
def sobol_estimates(f_a: np.ndarray, f_b: np.ndarray, f_ab: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """First- and total-order Sobol' indices from evaluations on the Saltelli matrices.

    Shapes: ``f_a``, ``f_b`` ``(s, n)``; ``f_ab`` ``(d, s, n)``; returns two ``(s, d)`` arrays.
    The same estimators as :func:`scipy.stats.sobol_indices` (``saltelli_2010``).
    """
    mean = np.mean([f_a, f_b], axis=(0, -1)).reshape(-1, 1)
    a, b, ab = f_a - mean, f_b - mean, f_ab - mean
    var = np.var([a, b], axis=(0, -1))
    with np.errstate(divide="ignore", invalid="ignore"):
        first = (np.mean(b * (ab - a), axis=-1) / var).T
        total = (0.5 * np.mean((a - ab) ** 2, axis=-1) / var).T
    return np.nan_to_num(first), np.nan_to_num(total)


def split_saltelli(y: np.ndarray, d: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Outputs at the points of a Saltelli design (``A``, ``B``, ``AB_1..AB_d``, ``n`` rows
    each) -> ``f_a (s, n)``, ``f_b (s, n)``, ``f_ab (d, s, n)``."""
    y = np.atleast_2d(np.asarray(y, dtype=float))
    if y.shape[1] != n * (d + 2):
        raise ValueError(f"expected {n * (d + 2)} outputs, got {y.shape[1]}")
    f_a, f_b = y[:, :n], y[:, n:2 * n]
    f_ab = np.stack([y[:, (2 + i) * n:(3 + i) * n] for i in range(d)])
    return f_a, f_b, f_ab


@dataclass(frozen=True)
class SobolIndices:
    """Indices of ``s`` outputs and ``d`` parameters, each ``(s, d)``, with intervals."""

    first: np.ndarray
    total: np.ndarray
    first_low: np.ndarray
    first_high: np.ndarray
    total_low: np.ndarray
    total_high: np.ndarray


def sobol_analysis(y: np.ndarray, d: int, n: int, rng: np.random.Generator,
                   n_resamples: int = 1000, confidence: float = 0.95) -> SobolIndices:
    """Sobol' indices of outputs ``y`` (``(s, n (d + 2))``) with BCa bootstrap intervals."""
    f_a, f_b, f_ab = split_saltelli(y, d, n)
    first, total = sobol_estimates(f_a, f_b, f_ab)
    s = f_a.shape[0]
    nan = np.full((s, d), np.nan)
    if n_resamples <= 0:
        return SobolIndices(first, total, nan, nan, nan, nan)

    def statistic(idx: np.ndarray) -> np.ndarray:
        fi, ti = sobol_estimates(f_a[:, idx], f_b[:, idx], f_ab[..., idx])
        return np.stack([fi, ti])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degenerate outputs (constant) give NaN intervals
        res = stats.bootstrap([np.arange(n)], statistic, method="BCa", n_resamples=n_resamples,
                              confidence_level=confidence, vectorized=False, rng=rng)
    low, high = np.asarray(res.confidence_interval.low), np.asarray(res.confidence_interval.high)
    # BCa gives no interval when every resample gives the same value (an index of exactly 0,
    # a constant outcome): the interval is then that value, not NaN
    spread = np.ptp(np.asarray(res.bootstrap_distribution), axis=-1)
    point = np.stack([first, total])
    degenerate = np.isnan(low) & (spread == 0)
    low = np.where(degenerate, point, low)
    high = np.where(np.isnan(high) & (spread == 0), point, high)
    return SobolIndices(first, total, low[0], high[0], low[1], high[1])


@dataclass(frozen=True)
class MorrisEffects:
    """Per output and parameter (``(s, d)`` each): mean effect, mean absolute effect with an
    interval, and the spread of the effects."""

    mu: np.ndarray
    mu_star: np.ndarray
    mu_star_low: np.ndarray
    mu_star_high: np.ndarray
    sigma: np.ndarray


def elementary_effects(y: np.ndarray, order: Sequence[Sequence[int]],
                       signs: Sequence[Sequence[int]], delta: float) -> np.ndarray:
    """Elementary effects ``(s, r, d)`` of outputs ``y`` (``(s, r (d + 1))``) on a Morris
    design: ``(y(x + delta e_i) - y(x)) / delta`` in the unit cube."""
    y = np.atleast_2d(np.asarray(y, dtype=float))
    r, d = len(order), len(order[0])
    ee = np.empty((y.shape[0], r, d))
    for t in range(r):
        base = t * (d + 1)
        for j, (i, sign) in enumerate(zip(order[t], signs[t], strict=True)):
            ee[:, t, i] = (y[:, base + j + 1] - y[:, base + j]) / (sign * delta)
    return ee


def morris_analysis(y: np.ndarray, order: Sequence[Sequence[int]], signs: Sequence[Sequence[int]],
                    delta: float, rng: np.random.Generator, n_resamples: int = 1000,
                    confidence: float = 0.95) -> MorrisEffects:
    """Morris ``mu``, ``mu*`` (with a percentile bootstrap interval over trajectories) and
    ``sigma``."""
    ee = elementary_effects(y, order, signs, delta)
    r = ee.shape[1]
    mu_star = np.abs(ee).mean(axis=1)
    low = high = np.full_like(mu_star, np.nan)
    if n_resamples > 0:
        idx = rng.integers(0, r, (n_resamples, r))
        boot = np.abs(ee)[:, idx, :].mean(axis=2)  # (s, resamples, d)
        alpha = (1 - confidence) / 2
        low, high = np.quantile(boot, [alpha, 1 - alpha], axis=1)
    return MorrisEffects(ee.mean(axis=1), mu_star, low, high, ee.std(axis=1, ddof=1))


# ---------------------------------------------------------------------- reading a sweep ---
@dataclass(frozen=True)
class PointMeans:
    """Per point and outcome: the mean over replications, and its Monte Carlo variance."""

    mean: np.ndarray  # (s, points)
    within_var: np.ndarray  # (s, points): sample variance over the point's replications
    runs: np.ndarray  # (points,)


def point_means(folder: Path, outcomes: Sequence[Outcome], chunk_rows: int = 200_000
                ) -> PointMeans:
    """Stream ``runs.csv`` and reduce each outcome to one mean per point (memory stays flat)."""
    folder = Path(folder)
    header = pd.read_csv(folder / tables.RUNS, nrows=0).columns
    for o in outcomes:
        o.values(pd.DataFrame(columns=header))  # names a missing column -> InputError
    cols = ["point", *dict.fromkeys(o.column for o in outcomes)]
    n_points = int(read_json(folder / tables.MANIFEST)["points"])
    s = len(outcomes)
    total = np.zeros((s, n_points))
    total_sq = np.zeros((s, n_points))
    count = np.zeros(n_points)
    for block in pd.read_csv(folder / tables.RUNS, usecols=cols, chunksize=chunk_rows):
        p = block["point"].to_numpy(dtype=int)
        count += np.bincount(p, minlength=n_points)
        for i, o in enumerate(outcomes):
            v = o.values(block)
            total[i] += np.bincount(p, weights=v, minlength=n_points)
            total_sq[i] += np.bincount(p, weights=v * v, minlength=n_points)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
        var = (total_sq - count * mean ** 2) / np.maximum(count - 1, 1)
    return PointMeans(mean, np.maximum(var, 0.0), count)


def noise_share(pm: PointMeans) -> np.ndarray:
    """Per outcome: Monte Carlo variance of a point mean over the variance of the point means."""
    with np.errstate(invalid="ignore", divide="ignore"):
        noise = (pm.within_var / np.maximum(pm.runs, 1)).mean(axis=1)
        spread = pm.mean.var(axis=1)
        return np.where(spread > 0, noise / spread, np.nan)


def analyse(folder: Path, outcomes: Sequence[str], n_resamples: int = 1000,
            confidence: float = 0.95) -> pd.DataFrame:
    """Sobol' indices or Morris effects of ``outcomes`` from a sensitivity sweep folder.

    Returns a tidy table: one row per outcome x parameter.
    """
    sweep = tables.read_sweep(folder)
    manifest = sweep.manifest
    design = manifest["design"]
    if design["kind"] not in ("saltelli", "morris"):
        raise InputError("not a sensitivity sweep", file=str(folder), value=design["kind"],
                         expected="a folder written by escsim sensitivity")
    parsed = [parse_outcome(o) for o in outcomes]
    if not parsed:
        raise InputError("no outcome given", key="--outcome", expected="e.g. rung:8")
    keys = list(design["keys"])
    d = len(keys)
    pm = point_means(sweep.path, parsed)
    rng = np.random.default_rng(np.random.SeedSequence(int(manifest["seeds"]["root_seed"]),
                                                       spawn_key=(BOOTSTRAP_SPAWN_KEY,)))
    share = noise_share(pm)
    rungs = sweep.rung_names()
    rows: list[dict[str, Any]] = []
    if design["kind"] == "saltelli":
        n = int(design["samples"])
        res = sobol_analysis(pm.mean, d, n, rng, n_resamples, confidence)
        for i, o in enumerate(parsed):
            for j, k in enumerate(keys):
                rows.append({"outcome": o.text, "label": o.label(rungs), "parameter": k,
                             "method": "sobol", "S1": res.first[i, j],
                             "S1_low": res.first_low[i, j], "S1_high": res.first_high[i, j],
                             "ST": res.total[i, j], "ST_low": res.total_low[i, j],
                             "ST_high": res.total_high[i, j],
                             "outcome_mean": float(np.nanmean(pm.mean[i])),
                             "outcome_var": float(np.nanvar(pm.mean[i])),
                             "noise_share": float(share[i])})
    else:
        stored = read_json(sweep.path / tables.DESIGN)
        eff = morris_analysis(pm.mean, stored["morris_order"], stored["morris_signs"],
                              float(stored["morris_delta"]), rng, n_resamples, confidence)
        for i, o in enumerate(parsed):
            for j, k in enumerate(keys):
                rows.append({"outcome": o.text, "label": o.label(rungs), "parameter": k,
                             "method": "morris", "mu": eff.mu[i, j], "mu_star": eff.mu_star[i, j],
                             "mu_star_low": eff.mu_star_low[i, j],
                             "mu_star_high": eff.mu_star_high[i, j], "sigma": eff.sigma[i, j],
                             "outcome_mean": float(np.nanmean(pm.mean[i])),
                             "outcome_var": float(np.nanvar(pm.mean[i])),
                             "noise_share": float(share[i])})
    table = pd.DataFrame(rows)
    num = table.select_dtypes("number").columns
    table[num] = table[num].astype(float).round(6)
    return table


def write_results(folder: Path, table: pd.DataFrame) -> Path:
    path = Path(folder) / RESULTS
    write_table(path, list(table.columns),
                       table.astype(object).where(table.notna(), None).itertuples(index=False))
    manifest = read_json(Path(folder) / tables.MANIFEST)
    write_columns(folder, manifest.get("design", {}).get("units"))
    return path


def read_results(folder: Path) -> pd.DataFrame:
    path = Path(folder) / RESULTS
    if not path.is_file():
        raise InputError("no sensitivity.csv in folder", file=str(folder),
                         expected="a folder written by escsim sensitivity")
    return read_shaped(Path(folder), "sensitivity", RESULTS)
