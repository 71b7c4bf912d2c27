"""Where the most robust doctrine is not the best, told apart from noise (issue 19, item 7).

A study runs each state with its own replication seeds, so two states that differ only in an
uncertainty without effect are copies of one state: their outcomes differ by Monte Carlo noise
alone. Two rules keep that noise out of what a study says about itself:

* **a flip is tested**: the top doctrine is "not the best" in a state only where the best
  doctrine beats it beyond noise -- a one-sided paired t-test of their per-replication losses
  (the doctrines of one state share seeds), with the Benjamini-Hochberg procedure over the
  states tested (``scipy.stats.false_discovery_control``). States where another doctrine does
  better by less are counted apart, as within the noise.
* **discovery only over uncertainties that change the outcome**: the PRIM box search over the
  states leaves out any uncertainty whose values give indistinguishable losses -- for every
  doctrine, among states that differ in it alone (Welch's t-test for two values, Welch's ANOVA
  for more, Bonferroni over the comparisons) -- in the states the box describes; an identical
  run table counts as no effect. The box is searched again without it until every uncertainty
  it restricts has an effect there.

The loss is the quantity the ranking uses: with ``relative_regret``, each outcome signed (so
that less is better), divided by its largest mean anywhere in the study and averaged with the
outcomes' weights; with one outcome, that outcome signed. Two doctrines' regrets in a state
differ by the difference of their mean losses there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from escsim.analysis.discovery import PrimResult, prim
from escsim.analysis.robustness import RELATIVE_REGRET, Cube

#: Significance of a flip (false discovery rate over the states tested) and of an
#: uncertainty's effect (family-wise, over its comparisons).
ALPHA = 0.05


def replication_loss(cube: Cube, directions: Mapping[str, str], rank_by: str = RELATIVE_REGRET,
                     weights: Mapping[str, float] | None = None) -> np.ndarray:
    """Per-replication loss ``[doctrine, state, replication]`` whose cell means differ by the
    regret the study ranks by (less is better)."""
    names = list(directions) if rank_by == RELATIVE_REGRET else [rank_by]
    total = np.zeros_like(next(iter(cube.values.values())))
    weight_sum = 0.0
    for o in names:
        v = cube.values[o] * (-1.0 if directions[o] == "max" else 1.0)
        if rank_by != RELATIVE_REGRET:
            return v
        scale = float(np.abs(cube.values[o].mean(axis=2)).max())
        w = 1.0 if weights is None else float(weights.get(o, 0.0))
        if scale > 0:
            total = total + v * (w / scale)
        weight_sum += w
    return total / weight_sum if weight_sum > 0 else total


@dataclass
class FlipTest:
    """Which states the top doctrine loses beyond noise, and which by less."""

    top: int
    flips: np.ndarray  # bool per state: another doctrine beats the top beyond noise
    within_noise: np.ndarray  # bool per state: another doctrine is better by less than noise
    best: np.ndarray  # per state: the doctrine of smallest mean loss
    p_values: np.ndarray = field(repr=False)  # per state (1 where the top is best)


def flips_beyond_noise(loss: np.ndarray, top: int, alpha: float = ALPHA) -> FlipTest:
    """Test, in each state, whether the best doctrine beats ``top`` beyond noise."""
    means = loss.mean(axis=2)
    best = means.argmin(axis=0)
    n_states = loss.shape[1]
    p = np.ones(n_states)
    behind = means[top] > means[best, np.arange(n_states)] + 1e-12
    for s in np.flatnonzero(behind):
        diff = loss[top, s] - loss[best[s], s]
        if np.all(diff == diff[0]):  # every pair agrees: no noise to test against
            p[s] = 0.0 if diff[0] > 0 else 1.0
        else:
            p[s] = float(stats.ttest_1samp(diff, 0.0, alternative="greater").pvalue)
    flips = np.zeros(n_states, dtype=bool)
    if behind.any():
        adjusted = stats.false_discovery_control(p[behind], method="bh")
        flips[np.flatnonzero(behind)] = adjusted < alpha
    return FlipTest(top, flips, behind & ~flips, best, p)


def _differs(samples: Sequence[np.ndarray]) -> float:
    """p-value of "these replications' losses have different means" (1 when identical)."""
    if all(np.array_equal(samples[0], s) for s in samples[1:]):
        return 1.0
    if all(np.all(s == s[0]) for s in samples):
        return 0.0  # each constant, not all equal: a difference without noise
    if len(samples) == 2:
        res = stats.ttest_ind(samples[0], samples[1], equal_var=False)
    else:
        res = stats.alexandergovern(*samples)
    p = float(res.pvalue)
    return 1.0 if np.isnan(p) else p


def has_effect(x: pd.DataFrame, loss: np.ndarray, key: str, among: np.ndarray,
               alpha: float = ALPHA) -> bool:
    """Whether ``key``'s values change any doctrine's loss among the states ``among`` (bool
    per row of ``x``, one row per state, in the order of ``loss``'s states)."""
    others = [c for c in x.columns if c != key]
    rows = x[among]
    groups = rows.groupby(others if len(others) > 1 else others[0], dropna=False,
                          sort=False).groups if others else {(): rows.index}
    position = {label: i for i, label in enumerate(x.index)}
    p_values = []
    for index in groups.values():
        by_value = rows.loc[index].groupby(key, sort=False).groups
        if len(by_value) < 2:
            continue
        for d in range(loss.shape[0]):
            samples = [np.concatenate([loss[d, position[s]] for s in states])
                       for states in by_value.values()]
            p_values.append(_differs(samples))
    return bool(p_values) and min(p_values) * len(p_values) < alpha


def _inside(x: pd.DataFrame, limits: Mapping[str, Any]) -> np.ndarray:
    """The rows of ``x`` inside a box's ``limits`` (a set of categories or a (low, high))."""
    mask = np.ones(len(x), dtype=bool)
    for k, lim in limits.items():
        v = x[k]
        if isinstance(lim, frozenset):
            mask &= v.astype(str).isin(lim).to_numpy()
        else:
            low, high = float(lim[0]), float(lim[1])
            mask &= ((v >= low) & (v <= high)).to_numpy()
    return mask


@dataclass
class Discovery:
    """The PRIM box over the states where the top doctrine flips, and what was left out."""

    result: PrimResult | None
    left_out: list[str]


def discover_flips(x: pd.DataFrame, loss: np.ndarray, flips: np.ndarray,
                   alpha: float = ALPHA) -> Discovery:
    """PRIM over the states (rows of ``x``) for ``flips``, only over uncertainties that change
    the loss in the states the box describes."""
    everywhere = np.ones(len(x), dtype=bool)
    keep = [k for k in x.columns if has_effect(x, loss, k, everywhere, alpha)]
    left_out = [k for k in x.columns if k not in keep]
    while keep:
        res = prim(x[keep].reset_index(drop=True), flips.astype(float), alpha=0.1,
                   min_support=0.05)
        restricted = res.box.restricted(res.trajectory[0])
        idle = [k for k in restricted if not has_effect(
            x, loss, k, _inside(x, {o: v for o, v in restricted.items() if o != k}), alpha)]
        if not idle:
            return Discovery(res, left_out)
        keep = [k for k in keep if k not in idle]
        left_out.extend(idle)
    return Discovery(None, left_out)
