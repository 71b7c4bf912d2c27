"""The reference-table ABC of escsim.history.regression_abc on models whose posterior is known.

Conjugate normal: theta ~ N(0, 1), n observations x_i ~ N(theta, 1); the posterior is
N(n xbar / (n + 1), 1 / (n + 1)). The summaries given to the method are the sample mean, the
sample variance (uninformative) and a pure-noise column, so it must find the informative one.
Poisson-gamma: lambda ~ Gamma(a, 1/b), n counts; the posterior is Gamma(a + sum x, 1/(b + n)).
Tolerances come from scipy's distributions of a weighted sample's mean and standard deviation
(effective sample size) plus a stated allowance for the ABC approximation.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from escsim.history.regression_abc import (
    fit_summaries,
    from_probit,
    regression_posterior,
    to_probit,
)

TABLE = 20_000
ACCEPT = 1_000


def _weighted_mean_sd(x: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    m = float(np.sum(w * x))
    return m, float(np.sqrt(np.sum(w * (x - m) ** 2)))


def _check(post_x: np.ndarray, w: np.ndarray, ess: float, mean: float, sd: float,
           allowance: float) -> None:
    """Mean and sd of the weighted sample against the exact ones: the sampling error of a
    sample of ``ess`` draws at the 0.999 level (normal for the mean, chi-square for the sd),
    widened by ``allowance`` (a share of the exact sd) for the approximation of ABC."""
    m, s = _weighted_mean_sd(post_x, w)
    z = stats.norm.ppf(0.9995)
    assert abs(m - mean) <= z * sd / np.sqrt(ess) + allowance * sd, (m, mean)
    lo = np.sqrt(stats.chi2.ppf(0.0005, ess - 1) / (ess - 1))
    hi = np.sqrt(stats.chi2.ppf(0.9995, ess - 1) / (ess - 1))
    assert sd * (lo - allowance) <= s <= sd * (hi + allowance), (s, sd)


def test_conjugate_normal_posterior_is_recovered() -> None:
    rng = np.random.default_rng(20021)
    n = 10
    theta = rng.standard_normal(TABLE)
    x = theta[:, None] + rng.standard_normal((TABLE, n))
    table = np.column_stack([x.mean(axis=1), x.var(axis=1, ddof=1), rng.standard_normal(TABLE)])
    z = to_probit(stats.norm.cdf(theta))[:, None]
    fitted = fit_summaries(z, table)
    assert fitted.r_squared[0] > 0.85  # the mean explains 10/11 of the prior variance
    for true_theta in (-1.2, 0.0, 0.8):
        obs_x = true_theta + np.random.default_rng(7).standard_normal(n)
        observed = np.array([obs_x.mean(), obs_x.var(ddof=1), 0.0])
        post = regression_posterior(z, fitted.transform(table), fitted.transform(observed)[0],
                                    ACCEPT)
        draws = stats.norm.ppf(from_probit(post.z[:, 0]))
        _check(draws, post.weights, post.ess, n * obs_x.mean() / (n + 1),
               1 / np.sqrt(n + 1), allowance=0.08)
        # the adjustment narrows: plain rejection at the same rate is wider
        plain = regression_posterior(z, fitted.transform(table),
                                     fitted.transform(observed)[0], ACCEPT, adjust=False)
        assert _weighted_mean_sd(stats.norm.ppf(from_probit(plain.z[:, 0])),
                                 plain.weights)[1] > _weighted_mean_sd(draws, post.weights)[1]


def test_poisson_gamma_posterior_is_recovered() -> None:
    rng = np.random.default_rng(19821)
    a, b, n = 3.0, 1.0, 20
    prior = stats.gamma(a, scale=1 / b)
    lam = prior.rvs(TABLE, random_state=rng)
    counts = rng.poisson(lam[:, None], (TABLE, n))
    table = np.column_stack([np.log1p(counts.sum(axis=1)), counts.max(axis=1)])
    z = to_probit(prior.cdf(lam))[:, None]
    fitted = fit_summaries(z, table)
    obs = np.random.default_rng(3).poisson(2.5, n)
    observed = np.array([np.log1p(obs.sum()), obs.max()])
    post = regression_posterior(z, fitted.transform(table), fitted.transform(observed)[0],
                                ACCEPT)
    draws = prior.ppf(from_probit(post.z[:, 0]))
    exact = stats.gamma(a + obs.sum(), scale=1 / (b + n))
    _check(draws, post.weights, post.ess, exact.mean(), exact.std(), allowance=0.10)
    assert np.all((draws > 0) & np.isfinite(draws))  # stays inside the prior's support


def test_uninformative_statistics_leave_the_prior() -> None:
    rng = np.random.default_rng(5)
    u = rng.random(TABLE)
    table = rng.standard_normal((TABLE, 3))  # nothing to do with u
    z = to_probit(u)[:, None]
    fitted = fit_summaries(z, table)
    assert fitted.r_squared[0] < 0.01
    post = regression_posterior(z, fitted.transform(table), fitted.transform(table[0])[0], ACCEPT)
    _, sd = _weighted_mean_sd(from_probit(post.z[:, 0]), post.weights)
    prior_sd = stats.uniform.std()
    lo = np.sqrt(stats.chi2.ppf(0.0005, post.ess - 1) / (post.ess - 1))
    assert sd >= prior_sd * (lo - 0.05)


def test_too_few_accepted_rows_are_not_regressed_onto_a_point() -> None:
    """With barely more accepted rows than coefficients a local-linear fit is exact and would
    collapse the posterior to a point (the residuals vanish); below the rows-per-coefficient
    floor the rows are kept unadjusted."""
    from escsim.history.regression_abc import MIN_ROWS_PER_COEFFICIENT, regression_posterior

    rng = np.random.default_rng(3)
    p = 6
    z = rng.normal(size=(400, p))
    summaries = z + rng.normal(scale=0.5, size=z.shape)
    few = regression_posterior(z, summaries, np.zeros(p), accept=p + 2)
    assert few.ess < MIN_ROWS_PER_COEFFICIENT * (p + 1)
    assert np.all(few.z.std(axis=0) > 0.05)
    np.testing.assert_array_equal(few.z, z[few.rows])  # unadjusted


def test_cross_validated_r2_credits_information_not_noise() -> None:
    """A statistic that is the parameter plus noise of known variance: its held-out R squared
    is the share of variance it explains (1 / (1 + sigma^2) for a standard normal parameter)
    within a few standard errors; columns of pure noise add nothing on held-out rows, though
    they always raise the in-sample R squared."""
    from escsim.history.regression_abc import cross_validated_r2

    rng = np.random.default_rng(5)
    n, sigma = 4000, 1.0
    z = rng.standard_normal((n, 1))
    informative = z + sigma * rng.standard_normal((n, 1))
    noise = rng.standard_normal((n, 30))
    expected = 1.0 / (1.0 + sigma**2)
    # the R squared's standard error for a correlation rho: 2 rho (1 - rho^2) / sqrt(n)
    rho = np.sqrt(expected)
    tolerance = 4 * 2 * rho * (1 - rho**2) / np.sqrt(n)
    alone = cross_validated_r2(z, informative)[0]
    assert abs(alone - expected) < tolerance
    both = np.column_stack([informative, noise])
    assert cross_validated_r2(z, both)[0] < alone
    assert fit_summaries(z, both).r_squared[0] > fit_summaries(z, informative).r_squared[0]
    assert abs(cross_validated_r2(z, noise)[0]) < tolerance
