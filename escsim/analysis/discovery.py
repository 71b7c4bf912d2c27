"""Scenario discovery: which swept values lead to an outcome (PRIM box search).

PRIM (Friedman and Fisher 1999, as used in scenario discovery by Bryant and Lempert 2010) starts
from a box holding every run and repeatedly *peels* off the slice of the box -- the lowest or
highest ``alpha`` share of one numeric swept value, or one category of a listed value -- whose
removal most raises the share of runs inside with the outcome. Each step gives a box on the
*peeling trajectory*, trading:

* **coverage**: share of all runs with the outcome that fall inside the box;
* **density**: share of the runs inside the box that have the outcome;
* **support**: share of all runs inside the box.

The box reported is the trajectory's best balance of the two (highest harmonic mean of coverage
and density) unless a minimum density is asked for, and it is printed as rules on the swept
values that actually restrict it. Reads the tidy run table of a sweep (swept values x outcome),
never live actors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from escsim.analysis.along import is_numeric
from escsim.analysis.outcomes import parse_outcome
from escsim.errors import InputError
from escsim.results import sweep as tables


@dataclass(frozen=True)
class Box:
    """Limits on each swept value: ``(low, high)`` for numbers, a set for categories."""

    limits: dict[str, Any]
    coverage: float
    density: float
    support: float
    runs: int

    def restricted(self, full: Box) -> dict[str, Any]:
        """Only the limits narrower than the full box's."""
        out = {}
        for k, lim in self.limits.items():
            if lim != full.limits[k]:
                out[k] = lim
        return out


@dataclass
class PrimResult:
    """The peeling trajectory (first box = everything) and the chosen box."""

    trajectory: list[Box]
    chosen: int
    outcome_share: float
    keys: list[str]
    units: dict[str, str] = field(default_factory=dict)

    @property
    def box(self) -> Box:
        return self.trajectory[self.chosen]

    def rules(self) -> list[str]:
        """The chosen box as readable rules, one per restricted swept value."""
        return box_rules(self.box, self.trajectory[0], self.units)

    def trajectory_table(self) -> pd.DataFrame:
        full = self.trajectory[0]
        return pd.DataFrame([{"step": i, "coverage": b.coverage, "density": b.density,
                              "support": b.support, "runs": b.runs,
                              "restricted": len(b.restricted(full))}
                             for i, b in enumerate(self.trajectory)])


def _fmt(v: Any) -> str:
    if isinstance(v, float | np.floating):
        return f"{float(v):.4g}"
    return str(v)


def box_rules(box: Box, full: Box, units: dict[str, str] | None = None) -> list[str]:
    units = units or {}
    rules = []
    for k, lim in box.restricted(full).items():
        unit = f" [{units[k]}]" if units.get(k) else ""
        if isinstance(lim, frozenset):
            items = sorted(lim, key=str)
            rules.append(f"{k} in {{{', '.join(map(str, items))}}}")
            continue
        lo, hi = lim
        flo, fhi = full.limits[k]
        if lo > flo and hi < fhi:
            rules.append(f"{_fmt(lo)} <= {k} <= {_fmt(hi)}{unit}")
        elif lo > flo:
            rules.append(f"{k} >= {_fmt(lo)}{unit}")
        else:
            rules.append(f"{k} <= {_fmt(hi)}{unit}")
    return rules


def _mask(limits: dict[str, Any], cols: dict[str, np.ndarray], numeric: dict[str, bool]
          ) -> np.ndarray:
    m = np.ones(len(next(iter(cols.values()))), dtype=bool)
    for c, lim in limits.items():
        v = cols[c]
        m &= (v >= lim[0]) & (v <= lim[1]) if numeric[c] else np.isin(v, list(lim))
    return m


def _relax(box: Box, full: Box, cols: dict[str, np.ndarray], numeric: dict[str, bool],
           y: np.ndarray, total_hits: float, tolerance: float) -> Box:
    """Drop each restriction whose removal costs less than ``tolerance`` (relative) of the
    box's density: peeling nibbles at values that do not matter, and rules should not show
    them."""
    limits = dict(box.limits)

    def density(lims: dict[str, Any]) -> float:
        return float(y[_mask(lims, cols, numeric)].mean())

    for k in sorted(box.restricted(full), key=str):
        for side in (0, 1):  # numbers: lift each side on its own; categories: all at once
            cur = limits[k]
            if numeric[k]:
                lim = (full.limits[k][0], cur[1]) if side == 0 else (cur[0], full.limits[k][1])
            else:
                lim = full.limits[k]
            if lim == cur:
                continue
            trial = {**limits, k: lim}
            if density(trial) >= density(limits) * (1 - tolerance):
                limits = trial
    m = _mask(limits, cols, numeric)
    n = int(m.sum())
    hits = float(y[m].sum())
    return Box(limits, hits / total_hits, hits / n, n / len(y), n)


def prim(x: pd.DataFrame, y: np.ndarray, alpha: float = 0.05, min_support: float = 0.05,
         min_density: float | None = None, relax_tolerance: float = 0.02) -> PrimResult:
    """Peel boxes over the columns of ``x`` for the 0/1 outcome ``y`` (one row per run).

    Args:
        alpha: share of the box's runs removed per peel.
        min_support: stop when the box holds less than this share of all runs.
        min_density: choose the box of largest coverage with at least this density (default:
            the highest harmonic mean of coverage and density).
        relax_tolerance: a restriction is dropped from a box when lifting it lowers the box's
            density by less than this share.
    """
    y = np.asarray(y, dtype=float)
    if len(y) != len(x) or len(y) == 0:
        raise ValueError("x and y must have the same, non-zero length")
    total_hits = y.sum()
    if total_hits == 0:
        raise InputError("the outcome never happens in these runs: nothing to explain",
                         key="--outcome", expected="an outcome reached in some runs")
    numeric = {c: is_numeric(x[c]) for c in x.columns}
    cols = {c: (x[c].to_numpy(dtype=float) if numeric[c] else x[c].astype(str).to_numpy())
            for c in x.columns}
    inside = np.ones(len(y), dtype=bool)

    def box_of(mask: np.ndarray) -> Box:
        limits: dict[str, Any] = {}
        for c in x.columns:
            v = cols[c][mask]
            limits[c] = (float(v.min()), float(v.max())) if numeric[c] else frozenset(v)
        n = int(mask.sum())
        hits = float(y[mask].sum())
        return Box(limits, hits / total_hits, hits / n if n else float("nan"), n / len(y), n)

    trajectory = [box_of(inside)]
    while inside.sum() / len(y) > min_support:
        best: tuple[float, int, np.ndarray] | None = None
        n_in = inside.sum()
        for c in x.columns:
            v = cols[c]
            candidates = []
            if numeric[c]:
                vin = v[inside]
                lo_q, hi_q = np.quantile(vin, [alpha, 1 - alpha])
                # peel at least one distinct value (grids have few) but never the whole box
                lo_cut = lo_q if lo_q > vin.min() else np.min(vin[vin > vin.min()], initial=np.inf)
                hi_cut = hi_q if hi_q < vin.max() else np.max(vin[vin < vin.max()],
                                                              initial=-np.inf)
                candidates.append(inside & (v >= lo_cut))
                candidates.append(inside & (v <= hi_cut))
            else:
                for cat in np.unique(v[inside]):
                    candidates.append(inside & (v != cat))
            mean_in = y[inside].mean()
            for m in candidates:
                n = m.sum()
                if n == 0 or n == n_in:
                    continue
                removed = n_in - n
                # gain in density per run removed: a category holding a third of the box must
                # earn its place against an alpha-sized numeric peel
                score = (y[m].mean() - mean_in) / removed
                if best is None or (score, -removed) > (best[0], -best[1]):
                    best = (score, removed, m)
        if best is None or best[2].sum() / len(y) < min_support:
            break
        inside = best[2]
        trajectory.append(box_of(inside))
    trajectory = [_relax(b, trajectory[0], cols, numeric, y, total_hits, relax_tolerance)
                  for b in trajectory]
    cov = np.array([b.coverage for b in trajectory])
    den = np.array([b.density for b in trajectory])
    if min_density is not None:
        ok = np.flatnonzero(den >= min_density)
        chosen = int(ok[np.argmax(cov[ok])]) if len(ok) else int(np.argmax(den))
    else:
        chosen = int(np.argmax(2 * cov * den / (cov + den)))
    return PrimResult(trajectory, chosen, float(total_hits / len(y)), list(x.columns))


def discover(folder: Path, outcome: str, keys: Sequence[str] | None = None,
             alpha: float = 0.05, min_support: float = 0.05,
             min_density: float | None = None) -> PrimResult:
    """PRIM over a sweep folder's runs: which swept values lead to ``outcome``."""
    sweep = tables.read_sweep(folder)
    o = parse_outcome(outcome)
    keys = list(keys or sweep.keys)
    unknown = [k for k in keys if k not in sweep.keys]
    if unknown:
        raise InputError("not a swept key", key="--key", value=unknown,
                         expected=" | ".join(sweep.keys))
    multi = len(sweep.manifest["scenarios"]) > 1
    o.check(list(sweep.runs_columns()))
    cols = [*keys, *(["scenario"] if multi else []), o.column]
    runs = sweep.read_runs(cols)
    y = o.values(runs)
    x = runs[[*keys, *(["scenario"] if multi else [])]]
    if x.shape[1] == 0:
        raise InputError("nothing was swept", file=str(folder))
    res = prim(x, y, alpha, min_support, min_density)
    res.units = sweep.units()
    return res
