"""Paired differences between variants run on the same replication seeds.

``escsim run A B`` and ``escsim compare`` give replication ``r`` of every variant the same seed,
so the runs come in pairs and a difference is estimated on the pairs, not on two independent
samples. For a rung ("reached rung K: yes/no") the pair is a 2x2 table and the interval is
Newcombe's hybrid score interval for paired proportions (Newcombe 1998, *Improved confidence
intervals for the difference between binomial proportions based on paired data*, Statistics in
Medicine 17:2635-2650, method 10): Wilson intervals of each proportion combined with the
correlation of the pairs. It keeps its coverage near 95% for rare outcomes, where a Wald
interval collapses to a point. For a count the difference is the mean of the paired
differences with a t interval (``scipy.stats.ttest_1samp``), fine at the hundreds of runs a
comparison uses.

Each row also carries ``variance_ratio``: the variance of the paired difference over the
variance the same difference would have from two independent samples. Below 1 the pairing paid
(common random numbers); 1 means the variants drew unrelated numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from escsim.analysis.runs import rung_levels
from escsim.records import MAIN_COUNTS

PAIRED_PROPORTION_METHOD = "Newcombe (1998) paired hybrid score, method 10"
PAIRED_MEAN_METHOD = "paired t interval on per-replication differences"


def wilson_interval(successes: float, trials: float, confidence: float = 0.95
                    ) -> tuple[float, float]:
    """Wilson score interval of one proportion (the building block of Newcombe's method)."""
    if trials <= 0:
        return (float("nan"), float("nan"))
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * np.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def paired_proportion_difference(base: np.ndarray, variant: np.ndarray,
                                 confidence: float = 0.95) -> tuple[float, float, float]:
    """Difference ``P(variant) - P(base)`` of paired 0/1 outcomes, with Newcombe's interval.

    ``base[i]`` and ``variant[i]`` are the outcomes of the same replication seed.
    """
    b = np.asarray(base, dtype=bool)
    v = np.asarray(variant, dtype=bool)
    if b.shape != v.shape or b.size == 0:
        raise ValueError("paired outcomes need two arrays of the same, non-zero length")
    n = b.size
    both = float(np.sum(b & v))
    base_only = float(np.sum(b & ~v))
    variant_only = float(np.sum(~b & v))
    neither = n - both - base_only - variant_only
    p1 = (both + base_only) / n
    p2 = (both + variant_only) / n
    l1, u1 = wilson_interval(both + base_only, n, confidence)
    l2, u2 = wilson_interval(both + variant_only, n, confidence)
    margins = (both + base_only) * (variant_only + neither) * (neither + base_only) * \
        (both + variant_only)
    phi = (both * neither - base_only * variant_only) / np.sqrt(margins) if margins > 0 else 0.0
    d = p2 - p1
    low = d - np.sqrt(max(0.0, (p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2))
    high = d + np.sqrt(max(0.0, (u2 - p2) ** 2 - 2 * phi * (u2 - p2) * (p1 - l1) + (p1 - l1) ** 2))
    return float(d), float(max(-1.0, low)), float(min(1.0, high))


def paired_mean_difference(base: np.ndarray, variant: np.ndarray, confidence: float = 0.95
                           ) -> tuple[float, float, float]:
    """Mean of ``variant - base`` over pairs, with a t interval (a point when all agree)."""
    diff = np.asarray(variant, dtype=float) - np.asarray(base, dtype=float)
    if diff.size == 0:
        raise ValueError("paired outcomes need two arrays of the same, non-zero length")
    mean = float(diff.mean())
    if diff.size < 2 or np.all(diff == diff[0]):
        return mean, mean, mean
    ci = stats.ttest_1samp(diff, 0.0).confidence_interval(confidence)
    return mean, float(ci.low), float(ci.high)


def variance_ratio(base: np.ndarray, variant: np.ndarray) -> float:
    """Var(paired difference) / (Var(base) + Var(variant)); NaN when both are constant."""
    b = np.asarray(base, dtype=float)
    v = np.asarray(variant, dtype=float)
    unpaired = b.var(ddof=1) + v.var(ddof=1) if b.size > 1 else 0.0
    return float((v - b).var(ddof=1) / unpaired) if unpaired > 0 else float("nan")


def align_pairs(base: pd.DataFrame, variant: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two run tables in replication order, checked to be paired (same replications, and
    the same seeds where both tables carry them)."""
    b = base.sort_values("replication").reset_index(drop=True)
    v = variant.sort_values("replication").reset_index(drop=True)
    if len(b) != len(v) or not np.array_equal(b["replication"].to_numpy(),
                                              v["replication"].to_numpy()):
        raise ValueError("the two run tables do not hold the same replications")
    if "seed" in b and "seed" in v and not np.array_equal(b["seed"].to_numpy(),
                                                          v["seed"].to_numpy()):
        raise ValueError("the two run tables were not run on the same seeds: not paired")
    return b, v


#: The columns of a differences table (``differences.csv``).
DIFFERENCE_COLUMNS = ["base", "variant", "base_start_date", "base_horizon_days", "start_date",
                      "horizon_days", "measure", "kind", "base_estimate", "variant_estimate",
                      "difference", "low", "high", "confidence", "method", "runs",
                      "variance_ratio", "ratio"]


def paired_differences(runs_by_variant: Mapping[str, pd.DataFrame], base: str,
                       counts: Sequence[str] = MAIN_COUNTS, confidence: float = 0.95,
                       windows: Mapping[str, tuple[str, float]] | None = None
                       ) -> pd.DataFrame:
    """Tidy table: one row per (variant, measure) of the difference from ``base``.

    Measures are ``rung_K_reached`` (a probability; Newcombe's paired interval) and the mean
    of each count in ``counts`` (a paired t interval). Columns: :data:`DIFFERENCE_COLUMNS`:
    ``base``, ``variant``, the windows of both (``base_start_date``, ``base_horizon_days``,
    ``start_date``, ``horizon_days``: from ``windows``, each scenario's (start date, horizon in
    days), empty when not given), ``measure``, ``kind``, ``base_estimate``,
    ``variant_estimate``, ``difference``, ``low``, ``high``, ``confidence``, ``method``,
    ``runs``, ``variance_ratio``, ``ratio`` (``variant_estimate / base_estimate``: a risk
    ratio for a rung; NaN when the base is 0).
    """
    if base not in runs_by_variant:
        raise ValueError(f"the base {base!r} is not among the variants")
    windows = windows or {}
    base_start, base_horizon = windows.get(base, ("", float("nan")))
    rows = []
    for name, runs in runs_by_variant.items():
        if name == base:
            continue
        start, horizon = windows.get(name, ("", float("nan")))
        where = {"base": base, "variant": name, "base_start_date": base_start,
                 "base_horizon_days": base_horizon, "start_date": start,
                 "horizon_days": horizon}
        b, v = align_pairs(runs_by_variant[base], runs)
        levels = [lv for lv in rung_levels(b) if f"day_rung_{lv}" in v]
        for level in levels:
            xb = b[f"day_rung_{level}"].notna().to_numpy()
            xv = v[f"day_rung_{level}"].notna().to_numpy()
            d, lo, hi = paired_proportion_difference(xb, xv, confidence)
            rows.append({**where, "measure": f"rung_{level}_reached",
                         "kind": "probability", "base_estimate": float(xb.mean()),
                         "variant_estimate": float(xv.mean()), "difference": d, "low": lo,
                         "high": hi, "confidence": confidence,
                         "method": PAIRED_PROPORTION_METHOD, "runs": len(b),
                         "variance_ratio": variance_ratio(xb, xv)})
        for c in counts:
            if c not in b or c not in v:
                continue
            xb = b[c].to_numpy(dtype=float)
            xv = v[c].to_numpy(dtype=float)
            d, lo, hi = paired_mean_difference(xb, xv, confidence)
            rows.append({**where, "measure": f"{c}_mean", "kind": "mean",
                         "base_estimate": float(xb.mean()), "variant_estimate": float(xv.mean()),
                         "difference": d, "low": lo, "high": hi, "confidence": confidence,
                         "method": PAIRED_MEAN_METHOD, "runs": len(b),
                         "variance_ratio": variance_ratio(xb, xv)})
    for row in rows:
        row["ratio"] = ratio(float(row["variant_estimate"]), float(row["base_estimate"]))  # type: ignore[arg-type]
    return pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS)


def ratio(variant: float, base: float) -> float:
    """``variant / base`` (a risk ratio for probabilities); NaN when the base is 0."""
    return float(variant / base) if base else float("nan")


def sign_of(low: float, high: float) -> str:
    """``+`` when the interval lies above 0, ``-`` below, ``0?`` when it holds 0."""
    return "+" if low > 0 else "-" if high < 0 else "0?"


#: The columns of ``mechanisms.csv``: a comparison under each alternative of each contested
#: mechanism.
MECHANISM_COLUMNS = ["mechanism", "alternative", "default", "base", "variant", "measure",
                     "base_estimate", "variant_estimate", "difference", "low", "high", "ratio",
                     "sign", "flips"]


def across_mechanisms(differences: Sequence[tuple[str, str, bool, pd.DataFrame]]
                      ) -> pd.DataFrame:
    """The paired differences of one comparison under each alternative of each contested
    mechanism, side by side (:data:`MECHANISM_COLUMNS`).

    Args:
        differences: (mechanism, alternative, whether it is the alternative in force in the
            comparison as run, its differences table from :func:`paired_differences`). The
            alternative in force is the reference of every mechanism.

    ``sign`` is :func:`sign_of` the interval; ``flips`` marks a row whose difference has the
    other sign from the reference's where at least one of the two intervals excludes 0 (the
    answer's sign rests on the mechanism).
    """
    rows = []
    for mechanism, alternative, default, table in differences:
        for r in table.itertuples():
            rows.append({"mechanism": mechanism, "alternative": alternative,
                         "default": bool(default), "base": r.base, "variant": r.variant,
                         "measure": r.measure, "base_estimate": r.base_estimate,
                         "variant_estimate": r.variant_estimate, "difference": r.difference,
                         "low": r.low, "high": r.high,
                         "ratio": ratio(r.variant_estimate, r.base_estimate),
                         "sign": sign_of(r.low, r.high), "flips": False})
    out = pd.DataFrame(rows, columns=MECHANISM_COLUMNS)
    if out.empty:
        return out
    for (_mechanism, _variant, _measure), part in out.groupby(
            ["mechanism", "variant", "measure"], sort=False):
        reference = part[part["default"]]
        if reference.empty:
            continue
        ref = reference.iloc[0]
        d = part["difference"].to_numpy(dtype=float)
        opposite = np.sign(d) * np.sign(ref["difference"]) < 0
        settled = (part["sign"] != "0?").to_numpy() | (ref["sign"] != "0?")
        out.loc[part.index, "flips"] = opposite & settled & ~part["default"].to_numpy()
    return out
