"""Robustness of doctrines across states of the world: regret, satisficing, fronts, rankings.

A study runs every doctrine (a setting of the levers) in every state of the world (a setting of
the uncertainties) on the same replication seeds. Its outcomes form a table with one value per
(doctrine, state, outcome), each with a direction (``min``: less is better, ``max``: more is
better). From it, in the terms of robust decision making (Lempert, Popper and Bankes 2003,
*Shaping the Next One Hundred Years*; Savage 1951 for minimax regret):

* **regret** of a doctrine in a state: how much worse its outcome is than the best doctrine's in
  that state (0 for the best). A doctrine with small regret in every state is robust: whichever
  state unfolds, choosing it costs little against hindsight. Summaries: the maximum over states
  (minimax regret) and the 90th percentile (less driven by one extreme state).
* **satisficing**: the share of states in which a doctrine meets every threshold (e.g.
  P(regional war) <= 0.01). It asks "good enough how often", not "best how often".
* the **non-dominated set**: doctrines no other doctrine beats on every outcome at once.

Ranking intervals come from a paired bootstrap over replications: replication ``r`` of every
doctrine in a state shares its seed, so one resample of replication indices is applied to every
doctrine and state alike, keeping the pairs together. A rank is *resolved* when its bootstrap
interval is a single rank.

Pure functions of tables: nothing here runs the model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

DIRECTIONS = ("min", "max")
#: Name of the combined regret used to rank doctrines on several outcomes at once.
RELATIVE_REGRET = "relative_regret"


def _sign(direction: str) -> float:
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be min or max, not {direction!r}")
    return 1.0 if direction == "min" else -1.0


def regret_table(values: pd.DataFrame, directions: Mapping[str, str]) -> pd.DataFrame:
    """Regret of each doctrine in each state, per outcome.

    Args:
        values: tidy rows ``doctrine, state, outcome, value``.
        directions: outcome -> ``min`` or ``max``.

    Returns:
        ``values`` with ``best`` (the best value in the state) and ``regret`` (>= 0) added.
    """
    out = values.copy()
    sign = out["outcome"].map(lambda o: _sign(directions[o]))
    loss = out["value"] * sign  # a loss to minimise, whatever the direction
    best_loss = loss.groupby([out["state"], out["outcome"]]).transform("min")
    out["best"] = best_loss * sign
    out["regret"] = (loss - best_loss).clip(lower=0.0)
    return out


def relative_regret(regret: pd.DataFrame, weights: Mapping[str, float] | None = None
                    ) -> pd.DataFrame:
    """Regrets on several outcomes combined into one per (doctrine, state).

    Each outcome's regret is divided by its scale -- the largest absolute value the outcome
    takes anywhere in the study -- so a probability and a count weigh alike, then averaged with
    ``weights`` (default: equal). Rows: ``doctrine, state, outcome="relative_regret", regret``.
    """
    scale = regret.groupby("outcome")["value"].transform(lambda v: np.abs(v).max())
    rel = regret.assign(regret=np.where(scale > 0, regret["regret"] / scale, 0.0))
    w = rel["outcome"].map(lambda o: 1.0 if weights is None else float(weights.get(o, 0.0)))
    rel = rel.assign(weighted=rel["regret"] * w, weight=w)
    g = rel.groupby(["doctrine", "state"], sort=False)
    combined = (g["weighted"].sum() / g["weight"].sum()).rename("regret").reset_index()
    combined.insert(2, "outcome", RELATIVE_REGRET)
    return combined


def regret_summary(regret: pd.DataFrame, quantile: float = 0.9) -> pd.DataFrame:
    """Per doctrine and outcome: maximum, ``quantile`` and mean regret over states."""
    g = regret.groupby(["doctrine", "outcome"], sort=False)["regret"]
    return pd.DataFrame({
        "max_regret": g.max(),
        f"p{int(round(quantile * 100))}_regret": g.quantile(quantile, interpolation="linear"),
        "mean_regret": g.mean(),
        "states": g.size(),
    }).reset_index()


def satisficing(values: pd.DataFrame, directions: Mapping[str, str],
                thresholds: Mapping[str, float]) -> pd.DataFrame:
    """Share of states in which each doctrine meets every threshold.

    A ``min`` outcome meets its threshold when ``value <= threshold``; a ``max`` outcome when
    ``value >= threshold``. Outcomes without a threshold do not count. Columns: ``doctrine``,
    ``states_met``, ``states``, ``satisficing_share``.
    """
    v = values[values["outcome"].isin(list(thresholds))]
    if v.empty:
        doctrines = values["doctrine"].drop_duplicates()
        n = values["state"].nunique()
        return pd.DataFrame({"doctrine": doctrines, "states_met": n, "states": n,
                             "satisficing_share": 1.0})
    thr = v["outcome"].map(thresholds)
    ok = np.where(v["outcome"].map(directions) == "min", v["value"] <= thr, v["value"] >= thr)
    met = v.assign(ok=ok).groupby(["doctrine", "state"], sort=False)["ok"].all()
    g = met.groupby(level="doctrine", sort=False)
    return pd.DataFrame({"states_met": g.sum().astype(int), "states": g.size(),
                         "satisficing_share": g.mean()}).reset_index()


def non_dominated(points: pd.DataFrame, directions: Mapping[str, str]) -> np.ndarray:
    """Which rows no other row dominates (Pareto front), as a boolean array.

    Row ``a`` dominates row ``b`` when ``a`` is at least as good on every outcome column named
    in ``directions`` and strictly better on one. Ties are all kept.
    """
    cols = list(directions)
    loss = points[cols].to_numpy(dtype=float) * np.array([_sign(directions[c]) for c in cols])
    at_least = (loss[:, None, :] <= loss[None, :, :]).all(axis=2)
    strictly = (loss[:, None, :] < loss[None, :, :]).any(axis=2)
    dominated = (at_least & strictly).any(axis=0)
    return ~dominated


@dataclass(frozen=True)
class Cube:
    """Per-replication outcome values of a study as an array.

    ``values[o][d, s, r]``: outcome ``o`` of replication ``r`` of doctrine ``d`` in state ``s``
    (0/1 for a probability outcome, the count otherwise). Every (doctrine, state) cell holds the
    same replications, paired by seed.
    """

    doctrines: tuple[str, ...]
    states: tuple[str, ...]
    values: dict[str, np.ndarray]

    @classmethod
    def from_runs(cls, runs: pd.DataFrame, outcomes: Mapping[str, np.ndarray],
                  doctrines: Sequence[str], states: Sequence[str]) -> Cube:
        """From run rows with ``doctrine``, ``state``, ``replication`` columns and, per outcome,
        one value per row (aligned with ``runs``)."""
        d_index = {d: i for i, d in enumerate(doctrines)}
        s_index = {s: i for i, s in enumerate(states)}
        di = runs["doctrine"].map(d_index).to_numpy()
        si = runs["state"].map(s_index).to_numpy()
        reps = np.sort(runs["replication"].unique())
        r_index = np.searchsorted(reps, runs["replication"].to_numpy())
        shape = (len(doctrines), len(states), len(reps))
        if len(runs) != np.prod(shape):
            raise ValueError("every doctrine x state needs the same replications")
        values = {}
        for name, v in outcomes.items():
            cube = np.full(shape, np.nan)
            cube[di, si, r_index] = np.asarray(v, dtype=float)
            values[name] = cube
        return cls(tuple(doctrines), tuple(states), values)

    def means(self, index: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Per outcome, the (doctrine, state) means; over the replications ``index`` (a
        bootstrap resample, shape (B, R)) they have shape (B, doctrine, state)."""
        if index is None:
            return {o: v.mean(axis=2) for o, v in self.values.items()}
        return {o: np.moveaxis(v[:, :, index].mean(axis=3), 2, 0)
                for o, v in self.values.items()}

    def table(self) -> pd.DataFrame:
        """The tidy ``doctrine, state, outcome, value`` table of the means."""
        rows = []
        for o, m in self.means().items():
            for i, d in enumerate(self.doctrines):
                for j, s in enumerate(self.states):
                    rows.append({"doctrine": d, "state": s, "outcome": o, "value": m[i, j]})
        return pd.DataFrame(rows)


def _regret_arrays(means: Mapping[str, np.ndarray], directions: Mapping[str, str],
                   weights: Mapping[str, float] | None) -> dict[str, np.ndarray]:
    """Regret arrays (..., doctrine, state) per outcome and combined, from mean arrays."""
    out: dict[str, np.ndarray] = {}
    combined = None
    total_w = 0.0
    for o, m in means.items():
        loss = m * _sign(directions[o])
        reg = loss - loss.min(axis=-2, keepdims=True)
        out[o] = reg
        scale = np.abs(m).max(axis=(-2, -1), keepdims=True)
        w = 1.0 if weights is None else float(weights.get(o, 0.0))
        rel = np.divide(reg, scale, out=np.zeros_like(reg), where=scale > 0) * w
        combined = rel if combined is None else combined + rel
        total_w += w
    assert combined is not None
    out[RELATIVE_REGRET] = combined / total_w if total_w > 0 else combined
    return out


def _ranks(score: np.ndarray) -> np.ndarray:
    """Competition ranks (1 = smallest) along the last axis; ties share the best rank."""
    return (score[..., None, :] < score[..., :, None]).sum(axis=-1) + 1


def ranking(cube: Cube, directions: Mapping[str, str], rank_by: str = RELATIVE_REGRET,
            weights: Mapping[str, float] | None = None, boot: int = 200, seed: int = 0,
            confidence: float = 0.9) -> pd.DataFrame:
    """Doctrines ranked by maximum regret over states, with paired-bootstrap intervals.

    Args:
        cube: per-replication outcomes (:class:`Cube`).
        directions: outcome -> ``min`` / ``max``.
        rank_by: an outcome, or ``relative_regret`` (every outcome's regret as a share of its
            scale, averaged with ``weights``; see :func:`relative_regret`).
        boot: bootstrap resamples of the replications.
        seed: the bootstrap's seed (the ranking is reproducible).
        confidence: width of the intervals.

    Returns:
        One row per doctrine, best first: ``max_regret`` with ``max_regret_low/high``,
        ``p90_regret``, ``rank`` with ``rank_low/high``, ``p_best`` (share of resamples in which
        the doctrine has the smallest maximum regret) and ``resolved`` (its rank interval is
        one rank).
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0xB007,)))
    n_rep = next(iter(cube.values.values())).shape[2]
    point = _regret_arrays(cube.means(), directions, weights)[rank_by]
    max_regret = point.max(axis=1)
    p90 = np.quantile(point, 0.9, axis=1)
    rank = _ranks(max_regret)
    index = rng.integers(0, n_rep, size=(boot, n_rep))
    boot_regret = _regret_arrays(cube.means(index), directions, weights)[rank_by]
    boot_max = boot_regret.max(axis=2)  # (B, doctrine)
    boot_rank = _ranks(boot_max)
    a = (1 - confidence) / 2
    best = boot_max == boot_max.min(axis=1, keepdims=True)
    rank_low = np.quantile(boot_rank, a, axis=0, method="inverted_cdf")
    rank_high = np.quantile(boot_rank, 1 - a, axis=0, method="inverted_cdf")
    table = pd.DataFrame({
        "doctrine": cube.doctrines,
        "rank_by": rank_by,
        "max_regret": max_regret,
        "max_regret_low": np.quantile(boot_max, a, axis=0),
        "max_regret_high": np.quantile(boot_max, 1 - a, axis=0),
        "p90_regret": p90,
        "rank": rank,
        "rank_low": rank_low.astype(int),
        "rank_high": rank_high.astype(int),
        "p_best": best.mean(axis=0),
        "resolved": rank_low == rank_high,
        "confidence": confidence,
        "bootstrap": boot,
    })
    return table.sort_values(["rank", "max_regret"], kind="stable").reset_index(drop=True)


def unresolved_pairs(table: pd.DataFrame) -> list[tuple[str, str]]:
    """Pairs of doctrines whose rank intervals overlap: the study cannot order them."""
    rows = list(table.itertuples())
    pairs = []
    for i, a in enumerate(rows):
        for b in rows[i + 1:]:
            if a.rank_low <= b.rank_high and b.rank_low <= a.rank_high:
                pairs.append((str(a.doctrine), str(b.doctrine)))
    return pairs


def factor_scores(states: pd.DataFrame, target: pd.Series, bins: int = 4) -> pd.DataFrame:
    """How much of the variation of ``target`` across states each uncertainty explains alone.

    The correlation ratio (eta squared): the share of the variance of ``target`` between the
    groups of one factor. Categorical factors group by value; numeric ones by quantile bins
    (at most ``bins``). 1 means the factor alone fixes the target; near 0, it tells nothing.

    Args:
        states: one row per state, one column per uncertainty (the state's values).
        target: one value per state (an outcome of one doctrine, or its regret), same index.
    """
    y = pd.Series(np.asarray(target, dtype=float), index=states.index)
    total = float(((y - y.mean()) ** 2).sum())
    rows = []
    for c in states.columns:
        x = states[c]
        numeric = pd.api.types.is_numeric_dtype(x) and x.nunique() > bins
        groups = pd.qcut(x, bins, duplicates="drop") if numeric else x.astype(str)
        means = y.groupby(groups, observed=True).transform("mean")
        between = float(((means - y.mean()) ** 2).sum())
        rows.append({"uncertainty": c, "score": between / total if total > 0 else 0.0,
                     "groups": int(pd.Series(groups).nunique())})
    return pd.DataFrame(rows).sort_values("score", ascending=False, kind="stable") \
        .reset_index(drop=True)
