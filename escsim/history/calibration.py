"""Calibration: fit a scenario's uncertain parameters to the observed record by ABC-SMC.

Approximate Bayesian computation returns a distribution, not a point: parameter vectors whose
simulated histories resemble the record, weighted so that they sample (approximately) the
posterior given the priors and the chosen summary statistics.

* **Summary statistics** are observations of ``seeds/observations.csv`` (their ids listed in the
  priors file's ``[calibrate]`` table): each is computed on one simulated run exactly as the
  backtest computes it (:func:`escsim.history.backtest.window_values`).
* **Distance** ``d = sqrt(sum_k (gap_k / scale_k)^2)``: ``gap_k`` is how far the simulated value
  lies outside the observed range (0 inside it), ``scale_k`` the median absolute deviation of
  the statistic across the prior-predictive runs of the first step (its standard deviation if
  that is zero, else 1), so no statistic dominates by its units.
* **Algorithm** (Beaumont, Cornuet, Marin & Robert 2009; adaptive tolerances as in Del Moral,
  Doucet & Jasra 2012): a rejection step keeps the best ``particles`` of
  ``particles x oversample`` prior draws; each of ``generations`` SMC steps lowers the tolerance to
  the ``quantile`` of the last distances, proposes from the weighted particles perturbed by a
  Gaussian kernel with twice their weighted covariance, keeps proposals within the tolerance and
  reweights them by prior / proposal density. It stops early when the acceptance rate falls below
  ``min_acceptance``.
* **Reproducible and parallel**: proposals are drawn in order in this process from streams derived
  from the root seed; candidate ``i`` of generation ``t`` is simulated with
  ``replication_seed(seed, i, point=t)``; batches of candidates are mapped over any executor and
  accepted in candidate order, so the result does not depend on the executor or the number of
  workers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import logsumexp

from escsim.engine import replication_seed
from escsim.errors import InputError
from escsim.executors import Executor, SerialExecutor
from escsim.feedback import ProgressArg, as_feedback
from escsim.history.backtest import (
    Backtest,
    days_needed,
    observation_window,
    run_backtest,
    run_era_backtests,
    series_for,
    window_values,
)
from escsim.history.observations import Observation
from escsim.scenario import with_overrides
from escsim.scenario.priors import ParameterSampler, PosteriorSample, PriorSet
from escsim.scenario.schema import Scenario
from escsim.sweep.work import Chunk, Task, run_chunk

#: Spawn key of the proposal streams: ``SeedSequence(seed, spawn_key=(PROPOSAL_STREAM, t))``.
PROPOSAL_STREAM = 0x61626373  # "abcs"
#: The posterior predictive check's root seed comes from ``replication_seed(seed, 0,
#: CHECK_STREAM)``: its replications must not rerun the candidates' own random streams (the
#: rejection step's candidate ``i`` ran on ``replication_seed(seed, i, 0)``, which a check on
#: the calibration's own root seed would give its replication ``i``).
CHECK_STREAM = 0x63686b  # "chk"
SUMMARY_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

#: Progress callback: (stage label, done, total).
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class CalibrationSettings:
    """How ``escsim calibrate`` runs (the ``[calibrate]`` table of a priors file)."""

    observations: tuple[str, ...]
    particles: int = 300
    generations: int = 4
    oversample: int = 5
    quantile: float = 0.5
    min_acceptance: float = 0.03
    batch_size: int = 25

    @classmethod
    def from_priors(cls, priors: PriorSet, **overrides: Any) -> CalibrationSettings:
        """Read and check the ``[calibrate]`` table; keyword arguments (not None) override it."""
        raw = dict(priors.settings)
        raw.update({k: v for k, v in overrides.items() if v is not None})
        fields = {f for f in cls.__dataclass_fields__}
        for k in raw:
            if k not in fields:
                raise InputError("unknown calibrate setting", file=priors.file,
                                 key=f"calibrate.{k}", expected=", ".join(sorted(fields)))
        obs = raw.get("observations")
        if not (isinstance(obs, list | tuple) and obs and all(isinstance(o, str) for o in obs)):
            raise InputError("the observations to fit are not listed", file=priors.file,
                             key="calibrate.observations", value=obs,
                             expected="a list of observation ids of seeds/observations.csv")
        checks = {"particles": (int, 10, 100_000), "generations": (int, 0, 50),
                  "oversample": (int, 1, 1000), "quantile": (float, 0.05, 0.95),
                  "min_acceptance": (float, 1e-4, 1.0), "batch_size": (int, 1, 10_000)}
        values: dict[str, Any] = {"observations": tuple(obs)}
        for k, (tp, lo, hi) in checks.items():
            if k not in raw:
                continue
            v = raw[k]
            ok = isinstance(v, int | float) and not isinstance(v, bool) and \
                (tp is float or float(v).is_integer()) and lo <= v <= hi
            if not ok:
                what = "a whole number" if tp is int else "a number"
                raise InputError("bad calibrate setting", file=priors.file, key=f"calibrate.{k}",
                                 value=v, expected=f"{what} from {lo:g} to {hi:g}")
            values[k] = tp(v)
        return cls(**values)


# --------------------------------------------------------------------- summary statistics ---
def select_observations(observations: Sequence[Observation], ids: Sequence[str],
                        scenario: Scenario, file: str = "") -> list[Observation]:
    """The observations used as summary statistics, checked for use with ``scenario``."""
    by_id = {o.id: o for o in observations}
    chosen = []
    start = scenario.scenario.start_date
    for oid in ids:
        if oid not in by_id:
            import difflib

            close = difflib.get_close_matches(oid, list(by_id), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise InputError("unknown observation id" + hint, file=file,
                             key="calibrate.observations", value=oid,
                             expected="an id of the observations file")
        o = by_id[oid]
        if o.scenario not in (None, scenario.scenario.name):
            raise InputError(f"observation {oid} belongs to scenario {o.scenario}", file=file,
                             key="calibrate.observations", value=oid,
                             expected=f"observations of {scenario.scenario.name}")
        if not o.is_daily:
            raise InputError(f"observation {oid} is a run total ({o.measure}); calibration uses "
                             "daily series only", file=file, key="calibrate.observations",
                             value=oid, expected="observations of attacks, us_wounded, "
                             "us_killed, us_casualties or us_strikes")
        if o.window_start < start:
            raise InputError(f"observation {oid} starts before the scenario", file=file,
                             key="calibrate.observations", value=oid,
                             expected=f"windows from {start} on")
        chosen.append(o)
    return chosen


def calibration_horizon(scenario: Scenario, observations: Sequence[Observation]) -> int:
    """Days a run needs to cover every summary statistic."""
    start = scenario.scenario.start_date
    return max(math.ceil(scenario.scenario.horizon_days),
               *(days_needed(o, start) for o in observations)) if observations else \
        math.ceil(scenario.scenario.horizon_days)


def summaries(observations: Sequence[Observation], daily: dict[str, np.ndarray],
              start: Any) -> np.ndarray:
    """Summary statistics (one per observation) of runs' daily series: shape (runs, stats).

    ``first_date`` statistics with no event in the window are put on the day after it.
    """
    cols = []
    for o in observations:
        first, last = observation_window(o, start)
        v = window_values(o.kind, series_for(o.measure, daily), first, last)
        v[~np.isfinite(v)] = o.window_days
        cols.append(v)
    return np.column_stack(cols)


def observed_bounds(observations: Sequence[Observation]) -> tuple[np.ndarray, np.ndarray]:
    return (np.array([o.low for o in observations], dtype=float),
            np.array([o.high for o in observations], dtype=float))


def distances(stats: np.ndarray, low: np.ndarray, high: np.ndarray,
              scales: np.ndarray) -> np.ndarray:
    """Scaled Euclidean distance of each row of ``stats`` to the observed ranges."""
    gap = np.maximum(0.0, np.maximum(low - stats, stats - high)) / scales
    return np.sqrt(np.sum(gap * gap, axis=1))


def statistic_scales(stats: np.ndarray) -> np.ndarray:
    """Median absolute deviation (x1.4826) of each statistic; its SD where that is 0, else 1."""
    med = np.median(stats, axis=0)
    mad = 1.4826 * np.median(np.abs(stats - med), axis=0)
    sd = np.std(stats, axis=0)
    return np.where(mad > 0, mad, np.where(sd > 0, sd, 1.0))


def candidate_chunk(bases: tuple[Scenario, ...], priors: PriorSet, thetas: np.ndarray,
                    root_seed: int, generation: int, first: int, chunk_id: int) -> Chunk:
    """The work of candidates ``first..first+len(thetas)-1`` of a generation: one run of each
    candidate in each of ``bases`` (one scenario, or the eras of a joint fit), candidate ``i``
    seeded ``replication_seed(root_seed, i, generation)`` in every one, returning the daily
    series for the summary statistics. Rows are ``[base index, candidate]``."""
    tasks = tuple(Task(point=first + i, seed_key=generation, base=k,
                       patch=priors.patch(base, theta), prefix=(k,), start=first + i,
                       stop=first + i + 1)
                  for i, theta in enumerate(thetas) for k, base in enumerate(bases))
    return Chunk(chunk_id, root_seed, bases, tasks, ("replication",), daily="series",
                 hash_points=False)


# ---------------------------------------------------------------------------------- result ---
@dataclass
class Calibration:
    """An ABC-SMC posterior sample and how it was reached."""

    scenario: Scenario
    priors: PriorSet
    observations: list[Observation]
    settings: CalibrationSettings
    root_seed: int
    particles: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    stats: np.ndarray
    seeds: np.ndarray
    scales: np.ndarray
    prior_predictive: np.ndarray = field(repr=False)
    prior_draws: np.ndarray = field(repr=False)
    history: list[dict[str, Any]] = field(default_factory=list)
    stopped_early: str = ""
    wall_seconds: float = 0.0
    #: The scenarios of a joint fit (:func:`calibrate_jointly`), in order; empty for one.
    eras: tuple[str, ...] = ()
    #: The same scenarios themselves (their manifest entries and resolved files).
    era_scenarios: tuple[Scenario, ...] = field(default=(), repr=False)

    @property
    def ess(self) -> float:
        """Effective sample size of the weighted particles."""
        return float(1.0 / np.sum(self.weights ** 2))

    def table(self) -> pd.DataFrame:
        """The posterior sample: ``posterior.csv``."""
        cols: dict[str, Any] = {c: self.particles[:, j] for j, c in
                                enumerate(self.priors.columns)}
        cols["weight"] = self.weights
        cols["distance"] = self.distances
        cols["seed"] = self.seeds
        for k, o in enumerate(self.observations):
            cols[f"stat_{o.id}"] = self.stats[:, k]
        return pd.DataFrame(cols)

    def summary_table(self) -> pd.DataFrame:
        """Per parameter: the prior's and the posterior's median and 50%/90% intervals."""
        base_values = self.base_values()
        prior_q = self.priors.quantiles(list(SUMMARY_QUANTILES))
        rows = []
        for j, p in enumerate(self.priors.priors):
            post = weighted_quantiles(self.particles[:, j], self.weights, SUMMARY_QUANTILES)
            rows.append({
                "parameter": p.name, "keys": ";".join(p.keys), "mode": p.mode,
                "prior": p.describe(), "scenario_value": base_values[p.column],
                "prior_q05": prior_q[0, j], "prior_q50": prior_q[2, j],
                "prior_q95": prior_q[4, j],
                "posterior_mean": float(np.sum(self.weights * self.particles[:, j])),
                **{f"posterior_q{int(q * 100):02d}": v for q, v in
                   zip(SUMMARY_QUANTILES, post, strict=True)},
                "narrowing_90": (post[4] - post[0]) / (prior_q[4, j] - prior_q[0, j])
                if prior_q[4, j] > prior_q[0, j] else math.nan,
            })
        return pd.DataFrame(rows)

    def base_values(self) -> dict[str, float]:
        """The scenario's own value of each parameter (1 for 'scale' priors)."""
        out = {}
        for p, targets in zip(self.priors.priors, self.priors.targets, strict=True):
            out[p.column] = 1.0 if p.mode == "scale" else targets[0].base
        return out

    def summary(self) -> dict[str, Any]:
        s = self.settings
        return {
            "scenario": self.scenario.scenario.name,
            "scenario_hash": self.scenario.param_hash,
            "priors_file": self.priors.file,
            "root_seed": self.root_seed,
            "method": "ABC-SMC (Beaumont et al. 2009), adaptive tolerance, Gaussian kernel with "
                      "twice the weighted covariance; scaled Euclidean distance to the observed "
                      "ranges",
            "settings": {"particles": s.particles, "generations": s.generations,
                         "oversample": s.oversample, "quantile": s.quantile,
                         "min_acceptance": s.min_acceptance, "batch_size": s.batch_size},
            "summary_statistics": [{"id": o.id, "observed": o.describe_value(),
                                    "scale": float(sc)} for o, sc in
                                   zip(self.observations, self.scales, strict=True)],
            "horizon_days": self.scenario.scenario.horizon_days,
            "generations": self.history,
            "stopped_early": self.stopped_early or None,
            "simulations": int(sum(h["simulations"] for h in self.history)),
            "effective_sample_size": round(self.ess, 1),
            "wall_seconds": round(self.wall_seconds, 2),
        }


def weighted_quantiles(x: np.ndarray, w: np.ndarray, q: Sequence[float]) -> list[float]:
    """Quantiles of a weighted sample (inverse of the weighted empirical CDF)."""
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cdf = np.cumsum(ws) / np.sum(ws)
    idx = np.searchsorted(cdf, np.asarray(q) - 1e-12, side="left")
    return [float(xs[min(i, len(xs) - 1)]) for i in idx]


def _weighted_cov(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    mean = np.sum(w[:, None] * x, axis=0)
    d = x - mean
    cov = (w[:, None] * d).T @ d
    return np.atleast_2d(cov)


def _log_kernel(diff: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """Log density of N(0, L L^T) at the rows of ``diff`` (last axis the parameters)."""
    k = chol.shape[0]
    z = np.linalg.solve(chol, diff.reshape(-1, k).T).T.reshape(diff.shape)
    log_det = 2.0 * np.sum(np.log(np.diag(chol)))
    return -0.5 * np.sum(z * z, axis=-1) - 0.5 * (k * math.log(2 * math.pi) + log_det)


def _propose(rng: np.random.Generator, particles: np.ndarray, weights: np.ndarray,
             chol: np.ndarray, priors: PriorSet, count: int) -> np.ndarray:
    """``count`` proposals inside the prior's support: a particle drawn by weight, moved by
    the Gaussian kernel (draws outside the support are redrawn)."""
    n, k = particles.shape
    cdf = np.cumsum(weights)
    out = np.empty((count, k))
    filled = 0
    while filled < count:
        need = count - filled
        parents = np.minimum(np.searchsorted(cdf, rng.random(need) * cdf[-1]), n - 1)
        cand = particles[parents] + rng.standard_normal((need, k)) @ chol.T
        good = cand[np.isfinite(priors.logpdf(cand))]
        out[filled:filled + len(good)] = good
        filled += len(good)
    return out


# ------------------------------------------------------------------------------- algorithm ---
def _proposal_chol(particles: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """The Cholesky factor of the proposal kernel: twice the weighted covariance of the
    particles (Beaumont et al. 2009), kept positive definite."""
    cov = 2.0 * _weighted_cov(particles, weights)
    cov += np.eye(k) * 1e-12 * max(1.0, float(np.max(np.abs(np.diag(cov)))))
    try:
        return np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        return np.diag(np.sqrt(np.maximum(np.diag(cov), 1e-12)))


def _importance_weights(new: np.ndarray, priors: PriorSet, particles: np.ndarray,
                        weights: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """The normalised weights of the accepted particles: prior over the proposal mixture."""
    log_prior = priors.logpdf(new)
    log_mix = logsumexp(np.log(weights)[None, :] +
                        _log_kernel(new[:, None, :] - particles[None, :, :], chol), axis=1)
    log_w = log_prior - log_mix
    w = np.exp(log_w - np.max(log_w))
    return w / w.sum()


def _accept(run: Callable[[np.ndarray, int, int], np.ndarray], rng: np.random.Generator,
            particles: np.ndarray, weights: np.ndarray, chol: np.ndarray, priors: PriorSet,
            settings: CalibrationSettings, epsilon: float,
            bounds: tuple[np.ndarray, np.ndarray, np.ndarray], seed: int, t: int, wave: int,
            progress: Progress | None
            ) -> tuple[list[np.ndarray], list[np.ndarray], list[float], list[int], int]:
    """One SMC generation's proposals, run in waves until ``particles`` are within tolerance
    ``epsilon`` (or the acceptance cap is reached): the accepted values, statistics, distances
    and seeds, and how many proposals were tried."""
    n = settings.particles
    batch_size = settings.batch_size
    low, high, scales = bounds
    cap = int(math.ceil(n / settings.min_acceptance))
    acc_theta: list[np.ndarray] = []
    acc_stats: list[np.ndarray] = []
    acc_dist: list[float] = []
    acc_seed: list[int] = []
    tried = 0
    while len(acc_theta) < n and tried < cap:
        # proposals come in blocks of batch_size, so the candidate sequence does not depend
        # on how many blocks a wave holds (that is, on the number of workers)
        thetas = np.concatenate([_propose(rng, particles, weights, chol, priors, batch_size)
                                 for _ in range(wave // batch_size)])
        count = min(len(thetas), cap - tried)
        thetas = thetas[:count]
        st = run(thetas, t, tried)
        d = distances(st, low, high, scales)
        for j in range(count):
            if d[j] <= epsilon:
                acc_theta.append(thetas[j])
                acc_stats.append(st[j])
                acc_dist.append(float(d[j]))
                acc_seed.append(replication_seed(seed, tried + j, t))
                if len(acc_theta) == n:
                    tried += j + 1
                    break
        else:
            tried += count
        if progress:
            progress(f"generation {t} of {settings.generations} (tolerance {epsilon:.3g})",
                     len(acc_theta), n)
    return acc_theta, acc_stats, acc_dist, acc_seed, tried


def calibrate(scenario: Scenario, priors: PriorSet, observations: Sequence[Observation],
              settings: CalibrationSettings, seed: int = 0, executor: Executor | None = None,
              progress: ProgressArg = None,
              eras: Sequence[tuple[Scenario, tuple[Observation, ...]]] | None = None
              ) -> Calibration:
    """Fit ``priors`` to ``observations`` (the summary statistics) by ABC-SMC.

    The scenario runs to the last day any statistic needs.

    Args:
        scenario: the scenario whose uncertain parameters are fitted (e.g. ``surge-2023``).
        priors: the uncertain parameters and their priors
            (:func:`escsim.scenario.priors.load_priors`).
        observations: the observations to fit (:func:`escsim.load_observations`).
        settings: particles, generations and the other settings of the ``[calibrate]`` table.
        seed: the root seed of the draws and the replications.
        executor: where replications run (default: this process).
        progress: ``True`` for a tqdm bar per stage (when tqdm is installed), or a callable
            ``progress(done, total)`` (or ``progress(stage, done, total)``) called while the
            fit runs (:func:`escsim.feedback.as_feedback`).
        eras: for a joint fit (:func:`calibrate_jointly`): the scenarios each candidate runs in,
            each with its own observations (whose statistics are put side by side, in this
            order); ``scenario`` and ``observations`` are then the last era's and all of them.

    Returns:
        A :class:`Calibration`: the weighted posterior sample with the tolerance schedule and
        acceptance rates.
    """
    with as_feedback(progress).stages() as stages:
        return _fit(scenario, priors, observations, settings, seed, executor, stages, eras)


def _fit(scenario: Scenario, priors: PriorSet, observations: Sequence[Observation],
         settings: CalibrationSettings, seed: int, executor: Executor | None,
         progress: Progress | None,
         eras: Sequence[tuple[Scenario, tuple[Observation, ...]]] | None) -> Calibration:
    """:func:`calibrate`'s work, reporting its stages to ``progress``."""
    started = time.perf_counter()
    executor = executor or SerialExecutor()
    workers = max(1, int(getattr(executor, "workers", 1)))
    obs = tuple(observations)
    if eras is None:
        horizon = calibration_horizon(scenario, obs)
        if horizon != scenario.scenario.horizon_days:
            scenario = with_overrides(scenario, {"scenario.horizon_days": horizon})
        eras = [(scenario, obs)]
    bases = tuple(era for era, _ in eras)
    edges = np.cumsum([0, *(len(own) for _, own in eras)])
    (low, high), n, k = observed_bounds(obs), settings.particles, len(priors)
    batch_size = settings.batch_size
    wave = batch_size * workers * 2

    def run(thetas: np.ndarray, generation: int, first: int) -> np.ndarray:
        """Summary statistics of candidates first.. (all of them), in candidate order."""
        chunks = [candidate_chunk(bases, priors, thetas[b:b + batch_size], seed, generation,
                                  first + b, b) for b in range(0, len(thetas), batch_size)]
        out = np.empty((len(thetas), len(obs)))
        for res in executor.map_unordered(run_chunk, chunks):
            for (k, candidate), daily in zip(res.rows, res.daily or [], strict=True):
                era, own = eras[k]
                out[candidate - first, edges[k]:edges[k + 1]] = \
                    summaries(own, daily, era.scenario.start_date)[0]
        return out

    # --- step 0: rejection from the prior ------------------------------------------------------
    rng0 = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(PROPOSAL_STREAM, 0)))
    m = n * settings.oversample
    prior_draws = priors.sample(rng0, m)
    stats0 = np.empty((m, len(obs)))
    for b in range(0, m, wave):
        stats0[b:b + wave] = run(prior_draws[b:b + wave], 0, b)
        if progress:
            progress("rejection step (prior draws)", min(b + wave, m), m)
    scales = statistic_scales(stats0)
    d0 = distances(stats0, low, high, scales)
    keep = np.argsort(d0, kind="stable")[:n]
    particles, dist, stats = prior_draws[keep], d0[keep], stats0[keep]
    seeds = np.array([replication_seed(seed, int(i), 0) for i in keep], dtype=np.int64)
    weights = np.full(n, 1.0 / n)
    history = [{"generation": 0, "epsilon": float(dist.max()), "simulations": m,
                "accepted": n, "acceptance_rate": n / m, "ess": float(n)}]
    stopped = ""

    # --- SMC steps -------------------------------------------------------------------------------
    for t in range(1, settings.generations + 1):
        epsilon = float(np.quantile(dist, settings.quantile))
        chol = _proposal_chol(particles, weights, k)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(PROPOSAL_STREAM, t)))
        acc_theta, acc_stats, acc_dist, acc_seed, tried = _accept(
            run, rng, particles, weights, chol, priors, settings, epsilon, (low, high, scales),
            seed, t, wave, progress)
        if len(acc_theta) < n:
            stopped = (f"generation {t}: acceptance below {settings.min_acceptance:g} "
                       f"({len(acc_theta)} of {tried} proposals within tolerance {epsilon:.3g}); "
                       f"kept generation {t - 1}")
            history.append({"generation": t, "epsilon": epsilon, "simulations": tried,
                            "accepted": len(acc_theta), "acceptance_rate": len(acc_theta) / tried,
                            "ess": math.nan, "completed": False})
            break
        new = np.asarray(acc_theta)
        weights = _importance_weights(new, priors, particles, weights, chol)
        particles, stats, dist = new, np.asarray(acc_stats), np.asarray(acc_dist)
        seeds = np.asarray(acc_seed, dtype=np.int64)
        history.append({"generation": t, "epsilon": epsilon, "simulations": tried,
                        "accepted": n, "acceptance_rate": n / tried,
                        "ess": float(1.0 / np.sum(weights ** 2))})
    return Calibration(scenario, priors, list(obs), settings, seed, particles, weights, dist,
                       stats, seeds, scales, stats0, prior_draws, history, stopped,
                       time.perf_counter() - started,
                       tuple(era.scenario.name for era in bases) if len(bases) > 1 else (),
                       tuple(bases) if len(bases) > 1 else ())


# ------------------------------------------------------------------------------- the report ---
def report_markdown(cal: Calibration, figures: dict[str, Any] | None = None,
                    check: Any = None, command: str | None = None) -> str:
    """The calibration report (Markdown)."""
    s = cal.scenario.scenario
    summ = cal.summary()
    runs = f"{summ['simulations']} simulated runs of {s.horizon_days:g} days"
    if cal.eras:
        runs = (f"{summ['simulations']} candidates, each run once in every era (the statistics "
                "of all of them make one distance)")
    lines = [f"# Calibration: {', '.join(cal.eras) + ' jointly' if cal.eras else s.name}", ""]
    lines += [f"ABC-SMC with the priors of `{cal.priors.file}`: {len(cal.particles)} particles, "
              f"{runs}, root seed {cal.root_seed}, effective sample size {cal.ess:.0f}."
              + (f" Stopped early: {cal.stopped_early}." if cal.stopped_early else ""), ""]
    lines += ["> The posterior is conditional on the model's stylised decision rules and on a "
              "short, press-reported record: it says which parameter values make the model "
              "consistent with that record, not what the parameters 'really' are.", ""]
    lines += ["## Summary statistics", "",
              "| observation | observed | scale (prior-predictive MAD) |", "|---|---|---|"]
    for o, sc in zip(cal.observations, cal.scales, strict=True):
        lines.append(f"| {o.id} ({o.label()}) | {o.describe_value()} | {sc:.3g} |")
    lines += ["", "## Tolerance schedule", "",
              "| generation | tolerance | simulations | accepted | acceptance | ESS |",
              "|---|---|---|---|---|---|"]
    for h in cal.history:
        ess = f"{h['ess']:.0f}" if h.get("ess") is not None and math.isfinite(h["ess"]) \
            else "-"
        lines.append(f"| {h['generation']} | {h['epsilon']:.3g} | {h['simulations']} | "
                     f"{h['accepted']} | {h['acceptance_rate']:.3f} | {ess} |")
    lines += ["", "## Posterior", "",
              "| parameter | prior | scenario value | prior 90% | posterior median [50%] [90%] | "
              "90% width / prior's |", "|---|---|---|---|---|---|"]
    for r in cal.summary_table().itertuples():
        lines.append(f"| {r.parameter} ({r.mode}) | {r.prior} | {r.scenario_value:.3g} | "
                     f"[{r.prior_q05:.3g}, {r.prior_q95:.3g}] | {r.posterior_q50:.3g} "
                     f"[{r.posterior_q25:.3g}, {r.posterior_q75:.3g}] "
                     f"[{r.posterior_q05:.3g}, {r.posterior_q95:.3g}] | "
                     f"{r.narrowing_90:.2f} |")
    lines += ["", "A width ratio near 1 means the record says little about that parameter on "
              "its own (it may still constrain combinations: see the correlations in "
              "`posterior.csv`). 'scale' parameters multiply the scenario's values of their "
              "keys.", ""]
    corr = _strong_correlations(cal)
    if corr:
        lines += ["Strongest posterior correlations (weighted):", ""]
        lines += [f"- {a} and {b}: {r:+.2f}" for a, b, r in corr]
        lines.append("")
    if isinstance(check, Backtest):
        sc = check.score()
        lines += ["## Posterior predictive check", "",
                  f"The backtest with each replication's parameters drawn from this posterior "
                  f"(`check/report.md`): {sc['inside_90']} of {sc['covered']} observations "
                  f"inside the 90% interval, {sc['inside_50']} inside the 50%."
                  + (f" Outside: {', '.join(sc['outside_90'])}." if sc["outside_90"] else ""),
                  ""]
    elif check:
        lines += check_markdown(check)
    if figures:
        lines += ["## Plots", ""]
        for name, path in figures.items():
            lines += [f"![{name}](plots/{Path(path).name})", ""]
    lines += ["## Using it", "",
              f"`escsim run {s.name} --parameter-uncertainty posterior --posterior <this "
              "folder>` draws each replication's parameters from `posterior.csv` (by weight), "
              "so its outcome distributions include parameter uncertainty as well as chance. "
              "`priors.toml` is the copy of the priors this posterior belongs to."
              + (" The parameters are shared behaviour: the posterior applies to every era "
                 "fitted (name any of them in place of " + s.name + ")." if cal.eras else ""),
              ""]
    if command:
        lines += ["## Reproduce", "", "```", command, "```", ""]
    return "\n".join(lines)


def check_markdown(checks: Sequence[Backtest]) -> list[str]:
    """The report section of the posterior predictive check of a joint fit: a score per era,
    each era with its window (start date, horizon) and runs, and what lies outside."""
    lines = ["## Posterior predictive check", "",
             "The backtest of every era with each replication's parameters drawn from this "
             "posterior (`check/report.md`, one folder per era; `check/scores.csv` holds this "
             "table):", "",
             "| era | from | days | runs | observations | inside 90% | inside 50% | outside the "
             "90% interval |", "|---|---|---:|---:|---:|---:|---:|---|"]
    for bt in checks:
        meta, sc = bt.scenario.scenario, bt.score()
        lines.append(f"| [{meta.name}](check/{meta.name}/report.md) | {meta.start_date} | "
                     f"{meta.horizon_days:g} | {len(bt.simulation.runs)} | {sc['covered']} | "
                     f"{sc['inside_90']} | {sc['inside_50']} | "
                     f"{', '.join(sc['outside_90']) or 'none'} |")
    return [*lines, ""]


def _strong_correlations(cal: Calibration, top: int = 4) -> list[tuple[str, str, float]]:
    x, w = cal.particles, cal.weights
    if x.shape[1] < 2:
        return []
    cov = _weighted_cov(x, w)
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    names = cal.priors.names
    pairs = [(names[i], names[j], float(corr[i, j])) for i in range(len(names))
             for j in range(i + 1, len(names)) if np.isfinite(corr[i, j])]
    pairs.sort(key=lambda p: -abs(p[2]))
    return [p for p in pairs[:top] if abs(p[2]) >= 0.2]


def write_calibration(cal: Calibration, out: Path, force: bool = False, plots: bool = True,
                      check: Any = None, command: str | None = None) -> Path:
    """Write the calibration folder atomically: ``posterior.csv``, ``posterior_summary.csv``,
    ``generations.csv``, ``prior_predictive.csv``, ``summary.json``, ``priors.toml``,
    ``report.md``, ``plots/`` and (given a check) ``check/``: a backtest folder, or for the
    check of a joint fit (a list of backtests) an eras folder with one backtest per era."""
    from escsim.history.backtest import write_backtest, write_era_backtests
    from escsim.results import atomic_folder, atomic_write_text, write_json
    from escsim.results.columns import write_columns
    from escsim.results.provenance import write_folder_manifest
    from escsim.scenario.priors import PRIORS_COPY

    out = Path(out)
    with atomic_folder(out, force=force) as tmp:
        table = cal.table()
        table.to_csv(tmp / "posterior.csv", index=False)
        cal.summary_table().to_csv(tmp / "posterior_summary.csv", index=False)
        pd.DataFrame(cal.history).to_csv(tmp / "generations.csv", index=False)
        prior_pred = pd.DataFrame(cal.prior_draws, columns=cal.priors.columns)
        for k, o in enumerate(cal.observations):
            prior_pred[f"stat_{o.id}"] = cal.prior_predictive[:, k]
        prior_pred.to_csv(tmp / "prior_predictive.csv", index=False)
        write_json(tmp / "summary.json", cal.summary())
        # a joint fit was made of every era: each is named, and its resolved file kept
        write_folder_manifest(tmp, "calibrate", list(cal.era_scenarios) or [cal.scenario],
                              cal.root_seed)
        atomic_write_text(tmp / PRIORS_COPY, cal.priors.text)
        figures: dict[str, Any] = {}
        if plots:
            from escsim.plotting.history import (
                plot_prior_posterior,
                plot_summary_statistics,
                save_figure,
            )

            figures["prior_posterior"] = save_figure(
                plot_prior_posterior(prior_pred, table, cal.priors.columns, cal.weights.tolist(),
                                     reference=cal.base_values(),
                                     xlabels=cal.priors.axis_labels(),
                                     title=f"{cal.scenario.scenario.name}: prior and ABC "
                                           "posterior of each uncertain parameter"),
                tmp / "plots" / "prior_posterior.png")
            stat_cols = [f"stat_{o.id}" for o in cal.observations]
            figures["statistics"] = save_figure(
                plot_summary_statistics(prior_pred[stat_cols], table[stat_cols],
                                        {o.id: (o.low, o.high) for o in cal.observations},
                                        cal.weights.tolist()),
                tmp / "plots" / "statistics.png")
        note = f"{command or 'escsim calibrate'}\n# (check/ is part of this calibration's output)"
        if isinstance(check, Backtest):
            write_backtest(check, tmp / "check", plots=plots, command=note)
        elif check:  # a joint fit's check: one backtest per era
            write_era_backtests(check, tmp / "check", plots=plots, command=note)
        atomic_write_text(tmp / "report.md", report_markdown(cal, figures, check, command))
        write_columns(tmp)
    return out


def posterior_check(base: Scenario, cal: Calibration, observations: Sequence[Observation],
                    runs: int, seed: int, executor: Executor | None = None,
                    progress: Callable[[int], None] | None = None,
                    observations_file: str = "") -> Backtest:
    """The posterior predictive check: the backtest of the calibrated scenario with each
    replication's parameters drawn from the posterior sample, on a root seed of its own
    (:func:`check_seed` of ``seed``, the calibration's)."""
    return run_backtest(base, list(observations), runs, check_seed(seed), executor, None,
                        posterior_sampler(cal), progress, observations_file=observations_file)


def check_seed(seed: int) -> int:
    """The root seed of the posterior predictive check of a calibration on root ``seed``: a
    stream apart from every candidate's (see :data:`CHECK_STREAM`)."""
    return replication_seed(seed, 0, CHECK_STREAM)


def posterior_check_eras(scenarios: Sequence[Scenario], cal: Calibration,
                         observations: Sequence[Observation], runs: int, seed: int,
                         executor: Executor | None = None,
                         progress: Callable[[int], None] | None = None,
                         observations_file: str = "") -> list[Backtest]:
    """The posterior predictive check of a joint fit (:func:`calibrate_jointly`): the backtest
    of every era scenario (:func:`escsim.history.backtest.run_era_backtests`, each against the
    observations that name it) with each replication's shared parameters drawn from the
    joint posterior, from the replication's seed, on the check's own root seed, as in
    :func:`posterior_check`."""
    return run_era_backtests(scenarios, list(observations), runs, check_seed(seed), executor,
                             progress, observations_file, parameters=posterior_sampler(cal))


def posterior_sampler(cal: Calibration) -> ParameterSampler:
    """Draws from the calibration's posterior sample (in memory; a result folder keeps a copy
    that reads back bit for bit, so its rows replay)."""
    return ParameterSampler(cal.priors, PosteriorSample(cal.particles, cal.weights,
                                                        "this calibration"))


# ------------------------------------------------------------------ several eras jointly ---
def calibrate_jointly(scenarios: Sequence[Scenario], priors: Any,
                      observations: Sequence[Observation], settings: CalibrationSettings,
                      seed: int = 0, executor: Executor | None = None,
                      progress: Progress | None = None) -> Calibration:
    """Fit shared (behavioural) parameters to the observations of several scenarios at once.

    Each candidate is run once in every scenario; its distance is taken over the statistics of
    all of them. The priors must name only keys every scenario has and should hold behaviour,
    not the situation of an era. The result's ``scenario`` is the last scenario (the reference
    whose horizon the statistics of the others never extend).

    Args:
        scenarios: the era scenarios (e.g. ``era-2019-20``, ``era-2021``, ``surge-2023``).
        priors: the shared priors (e.g. ``scenarios/priors/eras.toml``).
        observations: the observations to fit, each naming one of ``scenarios``.
        settings: as for :func:`calibrate`.
        seed: the root seed.
        executor: where replications run (default: this process).
        progress: as for :func:`calibrate`.

    Returns:
        A :class:`Calibration` whose statistics are those of every scenario, in scenario order.
    """
    by_name = {s.scenario.name: s for s in scenarios}
    eras = []
    for name, scenario in by_name.items():
        own = tuple(o for o in observations if o.scenario == name)
        if own:
            horizon = calibration_horizon(scenario, own)
            if horizon != scenario.scenario.horizon_days:
                scenario = with_overrides(scenario, {"scenario.horizon_days": horizon})
            eras.append((scenario, own))
    stray = [o.id for o in observations if o.scenario not in by_name]
    if stray:
        raise InputError("observations of no scenario being fitted", key="calibrate.observations",
                         value=", ".join(stray), expected=" | ".join(by_name))
    ordered = [o for _, own in eras for o in own]
    return calibrate(eras[-1][0], priors, ordered, settings, seed, executor, progress,
                     eras=eras)
