"""ABC with a reference table, fitted summaries and local-linear regression adjustment.

The machinery of :mod:`escsim.history.learning`, on plain arrays so that it can be tested on
models whose posterior is known (tests/test_regression_abc.py):

1. **A reference table**: ``N`` parameter vectors drawn from the prior, each simulated once,
   with its summary statistics ``S`` (``N x q``).
2. **Fitted summaries** (Fearnhead & Prangle 2012, "semi-automatic ABC"): each parameter, on its
   probit scale ``z = Phi^-1(F(theta))`` (``F`` the prior's CDF: a normal prior stays linear, a
   bounded one becomes unbounded), is regressed by least squares on the standardised statistics
   and their squares. The fitted values ``T = E[z | S]`` (one per parameter) are the summaries
   the distance uses: statistics that say nothing about any parameter get no weight, and no
   hand-picked scale decides which dominates. They stay on the probit scale, where every prior
   has standard deviation 1: a parameter the statistics explain poorly has a fitted summary that
   varies little over the table, and so weighs little in the distance (rescaling it to unit
   spread would make its noise count as much as the informative ones).
3. **Rejection**: the ``accept`` nearest rows of the table to the observed ``t`` (Euclidean
   distance of ``T``), weighted by the Epanechnikov
   kernel ``1 - (d / h)^2`` with ``h`` the largest accepted distance.
4. **Local-linear regression adjustment** (Beaumont, Zhang & Balding 2002): a weighted least
   squares of the accepted ``z`` on ``T - t``; each accepted ``z_i`` is moved to
   ``z_i - beta (T_i - t)``, what it would have been had its simulation given the observed
   summaries; the residuals are widened by ``sqrt(ess / (ess - p - 1))`` for the coefficients
   fitted (as an unbiased variance is), so that few accepted rows do not make the posterior
   overconfident. Back on the parameter scale (``theta = F^-1(Phi(z))``) it stays inside the prior's
   support.

Why this method and not SMC-ABC or a synthetic likelihood: one table of prior simulations serves
the real record and every synthetic record of the recovery benchmark at no further simulation
cost, so the coverage and rank checks of many synthetic truths (Talts et al. 2018) fit in
minutes on two cores; the regression adjustment lets a rejection rate of a few per cent give a
posterior close to the exact one where the summaries relate to the parameters about linearly
(it is exact for a linear-Gaussian model).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

__all__ = ["FittedSummaries", "RegressionPosterior", "cross_validated_r2", "fit_summaries",
           "from_probit", "regression_posterior", "to_probit"]

#: Probabilities are kept this far from 0 and 1 before the probit (finite ``z``).
_EDGE = 1e-9


#: Effective accepted rows per regression coefficient below which no adjustment is made.
MIN_ROWS_PER_COEFFICIENT = 3


def to_probit(u: np.ndarray) -> np.ndarray:
    """``Phi^-1(u)`` of prior-CDF values ``u`` (clipped away from 0 and 1)."""
    return np.asarray(ndtri(np.clip(u, _EDGE, 1 - _EDGE)), dtype=float)


def from_probit(z: np.ndarray) -> np.ndarray:
    """``Phi(z)``: back to prior-CDF values."""
    return np.asarray(ndtr(z), dtype=float)


def _features(stats: np.ndarray, centre: np.ndarray, spread: np.ndarray) -> np.ndarray:
    x = (stats - centre) / spread
    return np.column_stack([np.ones(len(x)), x, x * x])


@dataclass(frozen=True)
class FittedSummaries:
    """The regression of each parameter's probit on the statistics (see the module)."""

    centre: np.ndarray
    spread: np.ndarray
    coefficients: np.ndarray  # (1 + 2q, p)
    r_squared: np.ndarray  # per parameter: the share of its prior variance the statistics explain

    def transform(self, stats: np.ndarray) -> np.ndarray:
        """The fitted summaries of rows of statistics: shape (rows, parameters)."""
        stats = np.atleast_2d(np.asarray(stats, dtype=float))
        return _features(stats, self.centre, self.spread) @ self.coefficients


def fit_summaries(z: np.ndarray, stats: np.ndarray, ridge: float = 1e-6) -> FittedSummaries:
    """Fit the summaries on a reference table: probits ``z`` (N x p), statistics (N x q)."""
    centre = np.median(stats, axis=0)
    spread = np.std(stats, axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    x = _features(stats, centre, spread)
    gram = x.T @ x
    gram += ridge * len(x) * np.diag(np.r_[0.0, np.ones(x.shape[1] - 1)])
    coef = np.linalg.solve(gram, x.T @ z)
    fitted = x @ coef
    resid = np.var(z - fitted, axis=0)
    total = np.var(z, axis=0)
    r2 = np.where(total > 0, 1 - resid / np.where(total > 0, total, 1.0), 0.0)
    return FittedSummaries(centre, spread, coef, r2)


def cross_validated_r2(z: np.ndarray, stats: np.ndarray, folds: int = 5, seed: int = 0
                       ) -> np.ndarray:
    """Per parameter, the R squared of the fitted summaries on held-out rows: the table split
    at random into ``folds`` parts, each predicted by the regression fitted on the others (how
    statistics are chosen: a statistic that only fits noise lowers it)."""
    part = np.random.default_rng(seed).permutation(len(z)) % folds
    predicted = np.empty_like(z, dtype=float)
    for f in range(folds):
        held = part == f
        predicted[held] = fit_summaries(z[~held], stats[~held]).transform(stats[held])
    return np.asarray(1.0 - np.var(z - predicted, axis=0) / np.var(z, axis=0), dtype=float)


@dataclass(frozen=True)
class RegressionPosterior:
    """A weighted posterior sample on the probit scale, and the table rows it came from."""

    z: np.ndarray  # (accepted, parameters), adjusted
    weights: np.ndarray  # sums to 1
    rows: np.ndarray  # the accepted rows of the table
    bandwidth: float

    @property
    def ess(self) -> float:
        return float(1.0 / np.sum(self.weights ** 2))


def regression_posterior(z: np.ndarray, summaries: np.ndarray, observed: np.ndarray,
                         accept: int, adjust: bool = True) -> RegressionPosterior:
    """Rejection on the fitted summaries and local-linear regression adjustment.

    Args:
        z: the table's parameters on the probit scale (N x p).
        summaries: the table's fitted summaries (N x p, :meth:`FittedSummaries.transform`).
        observed: the observed fitted summaries (p,).
        accept: how many nearest rows to keep.
        adjust: apply the regression adjustment (plain rejection otherwise).

    Returns:
        The :class:`RegressionPosterior`.
    """
    observed = np.asarray(observed, dtype=float).ravel()
    d = np.sqrt(np.sum((summaries - observed) ** 2, axis=1))
    accept = int(min(max(accept, summaries.shape[1] + 2), len(d)))
    rows = np.sort(np.argpartition(d, accept - 1)[:accept])
    h = float(d[rows].max()) * (1 + 1e-9) or 1.0
    w = 1.0 - (d[rows] / h) ** 2
    w = w / w.sum()
    zk = z[rows]
    ess = 1.0 / np.sum(w ** 2)
    # a regression of p + 1 coefficients on barely more weighted rows fits them exactly and
    # collapses the posterior to a point: adjust only with at least MIN_ROWS_PER_COEFFICIENT
    # effective rows per coefficient (else plain rejection, wider but honest)
    if adjust and ess >= MIN_ROWS_PER_COEFFICIENT * (summaries.shape[1] + 1):
        x = np.column_stack([np.ones(accept), summaries[rows] - observed])
        sw = np.sqrt(w)[:, None]
        beta, *_ = np.linalg.lstsq(x * sw, zk * sw, rcond=None)
        # the residuals of a fit of p + 1 coefficients are narrower than the errors they
        # estimate; widen them by sqrt(ess / (ess - p - 1)), as the unbiased variance does
        widen = math.sqrt(ess / max(ess - x.shape[1], 1.0))
        zk = beta[0] + widen * (zk - x @ beta)
    return RegressionPosterior(zk, w, rows, h)
