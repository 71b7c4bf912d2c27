"""A self-exciting (Hawkes) count process of daily attacks, with US rounds as exogenous marks.

The record dates events by day and often reports several attacks on one day (``count`` > 1), so
the process is the Hawkes process in discrete time: the day-binned form whose likelihood is exact
for daily counts (the INAR(infinity) / Poisson-autoregressive form of the Hawkes process; Kirchner
2016, "Hawkes and INAR(infinity) processes"). A continuous-time likelihood would need the times
of day that the record does not have. On day ``t`` the attacks are Poisson with intensity

    lambda_t = mu + (1 - r) * (alpha * E_t + gamma * U_t),        r = exp(-beta)
    E_t = sum_{s < t} y_s r^(t-1-s),   U_t = sum_{s < t} u_s r^(t-1-s)

where ``y_s`` are the attacks and ``u_s`` the US rounds of earlier days. The kernel
``(1 - r) r^(k-1)`` (lag ``k >= 1`` days) sums to one, so:

* ``mu``: the background rate (attacks per day);
* ``alpha``: the branching ratio, the attacks one attack triggers on average (< 1: stationary);
* ``gamma``: the attacks one US round triggers on average (the tit-for-tat; >= 0: a round can
  excite attacks, not deter them, a stated limit of this benchmark);
* ``beta``: the decay per day, shared by both kernels (the mean lag is ``1 / (1 - r)`` days).

:func:`fit_hawkes` maximises the log-likelihood with ``scipy.optimize.minimize`` (SLSQP with the
analytic gradient, several starting points); the recursions are ``scipy.signal.lfilter``.
:meth:`HawkesFit.simulate` draws the days ahead exactly, day by day (each day's attacks are
Poisson given the past; the branching structure is implicit), vectorised over the samples with a
seeded :class:`numpy.random.Generator`. US rounds ahead are not known at the origin: they are
drawn as independent Bernoulli days at a given rate (the benchmark uses the last year's).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import approx_fprime, minimize
from scipy.signal import lfilter
from scipy.special import gammaln

__all__ = ["HawkesFit", "fit_hawkes", "simulate_hawkes"]

#: Bounds of (mu, alpha, beta, gamma) in the fit: alpha below 1 keeps the process stationary.
BOUNDS = ((1e-6, 100.0), (0.0, 0.99), (0.01, 5.0), (0.0, 200.0))
PARAMS = ("mu", "alpha", "beta", "gamma")


def _decayed(x: np.ndarray, r: float) -> tuple[np.ndarray, np.ndarray]:
    """``E_t = sum_{s<t} x_s r^(t-1-s)`` and its derivative in ``r``, for every day ``t``."""
    z = lfilter([1.0], [1.0, -r], x)  # z_t = x_t + r z_{t-1}
    e = np.concatenate(([0.0], z[:-1]))
    dz = lfilter([1.0], [1.0, -r], np.concatenate(([0.0], z[:-1])))  # z'_t = z_{t-1} + r z'_{t-1}
    de = np.concatenate(([0.0], dz[:-1]))
    return e, de


def _intensity(theta: np.ndarray, y: np.ndarray, u: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """The daily intensity and its gradient (4 x T) in (mu, alpha, beta, gamma)."""
    mu, alpha, beta, gamma = theta
    r = np.exp(-beta)
    e, de = _decayed(y, r)
    g, dg = _decayed(u, r)
    lam = mu + (1.0 - r) * (alpha * e + gamma * g)
    # d lambda / d beta = d lambda / d r * d r / d beta, with d r / d beta = -r
    dlam_dr = -(alpha * e + gamma * g) + (1.0 - r) * (alpha * de + gamma * dg)
    grad = np.vstack([np.ones_like(lam), (1.0 - r) * e, -r * dlam_dr, (1.0 - r) * g])
    return lam, grad


def log_likelihood(theta: np.ndarray, y: np.ndarray, u: np.ndarray) -> float:
    """The Poisson log-likelihood of daily counts ``y`` given rounds ``u`` at ``theta``."""
    lam, _ = _intensity(np.asarray(theta, dtype=float), y, u)
    return float(np.sum(y * np.log(lam) - lam - gammaln(y + 1.0)))


def _negative(theta: np.ndarray, y: np.ndarray, u: np.ndarray) -> tuple[float, np.ndarray]:
    lam, grad = _intensity(theta, y, u)
    value = -float(np.sum(y * np.log(lam) - lam))
    return value, -(grad @ (y / lam - 1.0))


@dataclass(frozen=True)
class HawkesFit:
    """A fitted discrete-time Hawkes process and the state at the end of its history.

    ``excitation`` and ``round_excitation`` are ``E`` and ``U`` of the day after the history's
    last day, from which :meth:`simulate` continues.
    """

    mu: float
    alpha: float
    beta: float
    gamma: float
    log_likelihood: float
    days: int
    excitation: float
    round_excitation: float

    @property
    def theta(self) -> np.ndarray:
        """(mu, alpha, beta, gamma) as an array."""
        return np.array([self.mu, self.alpha, self.beta, self.gamma])

    def params(self) -> dict[str, float]:
        """The parameters by name, with the mean lag in days (``1 / (1 - exp(-beta))``)."""
        return {"mu": self.mu, "alpha": self.alpha, "beta": self.beta, "gamma": self.gamma,
                "mean_lag_days": 1.0 / (1.0 - np.exp(-self.beta))}

    def simulate(self, days: int, n: int, rng: np.random.Generator, round_rate: float = 0.0,
                 lead: int = 0) -> np.ndarray:
        """Attacks per sample over the ``days`` days that start ``lead`` days after the
        history's end (see :func:`simulate_hawkes`)."""
        return simulate_hawkes(self, days, n, rng, round_rate=round_rate, lead=lead)


def _state(theta: np.ndarray, y: np.ndarray, u: np.ndarray) -> tuple[float, float]:
    r = float(np.exp(-theta[2]))
    if len(y) == 0:
        return 0.0, 0.0
    z = lfilter([1.0], [1.0, -r], y)
    w = lfilter([1.0], [1.0, -r], u)
    return float(z[-1]), float(w[-1])


def fit_hawkes(attacks: np.ndarray, rounds: np.ndarray) -> HawkesFit:
    """The maximum-likelihood discrete-time Hawkes process of a daily attack series.

    Args:
        attacks: attacks per day (whole numbers), oldest first.
        rounds: US rounds per day, the same days.

    Returns:
        The :class:`HawkesFit` (the best of several starting points), with the state after the
        last day. A series without attacks fits ``mu`` at its lower bound and no excitation.
    """
    y = np.asarray(attacks, dtype=float)
    u = np.asarray(rounds, dtype=float)
    if y.shape != u.shape or y.ndim != 1:
        raise ValueError("attacks and rounds must be one-dimensional and of the same length")
    rate = max(y.mean() if len(y) else 0.0, 1e-4)
    starts = [np.array([0.5 * rate, 0.5, 0.3, 0.5]), np.array([0.2 * rate, 0.8, 0.1, 2.0]),
              np.array([0.9 * rate, 0.1, 1.0, 0.1])]
    best = None
    for x0 in starts:
        x0 = np.clip(x0, [b[0] for b in BOUNDS], [b[1] for b in BOUNDS])
        res = minimize(_negative, x0, args=(y, u), jac=True, method="SLSQP", bounds=BOUNDS)
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    theta = np.asarray(best.x, dtype=float)
    e, g = _state(theta, y, u)
    mu, alpha, beta, gamma = (float(v) for v in theta)
    return HawkesFit(mu, alpha, beta, gamma, log_likelihood=log_likelihood(theta, y, u),
                     days=len(y), excitation=e, round_excitation=g)


def standard_errors(fit: HawkesFit, attacks: np.ndarray, rounds: np.ndarray) -> np.ndarray:
    """Asymptotic standard errors of (mu, alpha, beta, gamma): the inverse of the observed
    information (the analytic gradient differentiated numerically). Meaningful for an interior
    maximum only (``nan`` where the information matrix is singular)."""
    y = np.asarray(attacks, dtype=float)
    u = np.asarray(rounds, dtype=float)
    theta = fit.theta
    step = 1e-5 * np.maximum(np.abs(theta), 1e-3)
    info = approx_fprime(theta, lambda t: _negative(t, y, u)[1], step)
    info = 0.5 * (info + info.T)
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return np.full(4, np.nan)
    return np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), np.nan))


def simulate_hawkes(fit: HawkesFit, days: int, n: int, rng: np.random.Generator,
                    round_rate: float = 0.0, lead: int = 0) -> np.ndarray:
    """Attacks per sample over a window ahead of a fitted process.

    Args:
        fit: the fitted process and its state after the history's last day.
        days: the window's length in days.
        n: the number of samples.
        rng: the generator (the only source of randomness: same seed, same samples).
        round_rate: the probability of a US round on each day ahead.
        lead: days between the history's end and the window's first day: simulated (they
            excite the window) but not counted.

    Returns:
        The attacks of each sample in the window, shape ``(n,)``, ``int64``.
    """
    r = float(np.exp(-fit.beta))
    k = 1.0 - r
    e = np.full(n, fit.excitation)
    g = np.full(n, fit.round_excitation)
    total = np.zeros(n, dtype=np.int64)
    for day in range(lead + days):
        lam = fit.mu + k * (fit.alpha * e + fit.gamma * g)
        y = rng.poisson(lam)
        u = rng.random(n) < round_rate if round_rate > 0.0 else np.zeros(n, dtype=bool)
        if day >= lead:
            total += y
        e = r * e + y
        g = r * g + u
    return total
