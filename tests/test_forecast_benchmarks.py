"""The benchmark forecasters: reproducible from their seed, blind to what follows the origin,
and each right on synthetic data with a known answer (tolerances from the sampling
distributions)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.optimize import check_grad

from escsim.forecast.benchmarks import (
    Bootstrap,
    Climatology,
    Hawkes,
    NegBinom,
    Zeros,
    default_benchmarks,
    fit_negbin,
)
from escsim.forecast.events import DailySeries, daily_series, events_from_record
from escsim.forecast.hawkes import _negative, fit_hawkes, standard_errors
from escsim.forecast.rolling import record_series
from escsim.record import read_record

ORIGIN = dt.date(2023, 10, 1)
THROUGH = ORIGIN - dt.timedelta(days=1)


@pytest.fixture(scope="module")
def series() -> DailySeries:
    return record_series()


def _synthetic(attacks: np.ndarray, rounds: np.ndarray | None = None,
               killed: np.ndarray | None = None,
               first: dt.date = dt.date(2020, 1, 1)) -> DailySeries:
    a = np.asarray(attacks, dtype=np.int64)
    if a.ndim == 1:
        a = np.stack([a, np.zeros_like(a), np.zeros_like(a)], axis=1)
    n = a.shape[0]
    r = np.zeros(n, dtype=np.int64) if rounds is None else np.asarray(rounds, dtype=np.int64)
    k = np.zeros(n, dtype=np.int64) if killed is None else np.asarray(killed, dtype=np.int64)
    return DailySeries(first, first + dt.timedelta(days=n - 1), ("iraq", "syria", "jordan"), a,
                       r, k, k)


# ---------------------------------------------------------------- reproducible, no look-ahead ---
@pytest.mark.parametrize("forecaster", default_benchmarks(), ids=lambda f: f.name)
def test_same_seed_same_forecast(series: DailySeries, forecaster) -> None:
    fitted = forecaster.fit(series.until(THROUGH))
    a = fitted.sample(ORIGIN, 90, 400, np.random.default_rng(7))
    b = forecaster.fit(series.until(THROUGH)).sample(ORIGIN, 90, 400, np.random.default_rng(7))
    assert a.probabilities == b.probabilities
    if a.attacks is None:
        return
    assert np.array_equal(a.attacks, b.attacks)
    assert a.attacks.shape == (400, 3) and a.attacks.dtype == np.int64
    c = fitted.sample(ORIGIN, 90, 400, np.random.default_rng(8))
    if forecaster.name != "zeros":
        assert not np.array_equal(a.attacks, c.attacks)


@pytest.mark.parametrize("forecaster", default_benchmarks(), ids=lambda f: f.name)
def test_no_look_ahead(forecaster) -> None:
    """A forecast from the record as of the eve of the origin equals the forecast from a record
    whose later days are changed beyond recognition (ten times the attacks, rounds every day)."""
    events = events_from_record(read_record())
    later = events["date"] > pd.Timestamp(THROUGH)
    changed = events.copy()
    changed.loc[later, "count"] *= 10
    rounds = pd.DataFrame({"run": 0, "date": pd.date_range(ORIGIN, "2025-11-30"),
                           "kind": "us_strike", "subkind": "facilities", "country": "syria",
                           "count": 1, "us_wounded": 0, "us_killed": 0})
    changed = pd.concat([changed, rounds], ignore_index=True)
    truncated = daily_series(events_from_record(read_record(as_of=THROUGH)))
    for s in (daily_series(events), daily_series(changed), truncated):
        assert s.until(THROUGH).through == THROUGH
    forecasts = [forecaster.fit(s.until(THROUGH)).sample(ORIGIN, 30, 300,
                                                         np.random.default_rng(1))
                 for s in (daily_series(events), daily_series(changed), truncated)]
    for f in forecasts[1:]:
        assert f.probabilities == forecasts[0].probabilities
        if f.attacks is not None:
            assert np.array_equal(f.attacks, forecasts[0].attacks)


@pytest.mark.parametrize("forecaster", default_benchmarks(), ids=lambda f: f.name)
def test_a_window_inside_the_history_is_refused(series: DailySeries, forecaster) -> None:
    fitted = forecaster.fit(series.until(THROUGH))
    with pytest.raises(ValueError, match="inside the history"):
        fitted.sample(THROUGH, 30, 10, np.random.default_rng(0))


def test_zeros_forecasts_nothing(series: DailySeries) -> None:
    f = Zeros().fit(series.until(THROUGH)).sample(ORIGIN, 90, 100, np.random.default_rng(0))
    assert f.attacks is not None and not f.attacks.any() and f.probabilities == {}


# ------------------------------------------------------------------------------ bootstrap ---
def _blocky(totals: list[int], round_blocks: set[int] = frozenset(),
            killed_blocks: set[int] = frozenset()) -> DailySeries:
    """12 blocks of 30 days (after 45 days of noise the bootstrap must not see), block ``b``
    with ``totals[b]`` attacks on its first day."""
    days = 45 + 30 * len(totals)
    a = np.zeros(days, dtype=np.int64)
    a[:45] = 99
    r = np.zeros(days, dtype=np.int64)
    k = np.zeros(days, dtype=np.int64)
    for b, t in enumerate(totals):
        a[45 + 30 * b] = t
        r[45 + 30 * b + 3] = b in round_blocks
        k[45 + 30 * b + 5] = b in killed_blocks
    return _synthetic(a, r, k)


def test_bootstrap_resamples_the_last_twelve_blocks() -> None:
    totals = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30]
    hist = _blocky(totals, round_blocks={0, 5, 11})
    start = hist.through + dt.timedelta(days=1)
    n = 6000
    f = Bootstrap().fit(hist).sample(start, 30, n, np.random.default_rng(2))
    assert f.attacks is not None
    assert set(np.unique(f.attacks.sum(axis=1))) <= set(totals)  # never the 99s before them
    # a 90-day window: three blocks; mean 3 x the blocks' mean within 4 standard errors
    f90 = Bootstrap().fit(hist).sample(start, 90, n, np.random.default_rng(3))
    assert f90.attacks is not None
    mean, sd = np.mean(totals), np.std(totals)
    assert abs(f90.attacks.sum(axis=1).mean() - 3 * mean) < 4 * np.sqrt(3) * sd / np.sqrt(n)
    # rounds in 3 of 12 blocks: P(round in 30 days) = 1/4, in 90 days 1 - (3/4)^3
    for days, p in ((30, 0.25), (90, 1 - 0.75**3)):
        got = Bootstrap().fit(hist).sample(start, days, n, np.random.default_rng(4))
        assert abs(got.probabilities["us_round"] - p) < 4 * np.sqrt(p * (1 - p) / n)
        assert got.probabilities["us_killed"] == pytest.approx(0.5 / (n + 1))


def test_bootstrap_scales_a_window_between_blocks() -> None:
    hist = _blocky([10] * 12)
    f = Bootstrap().fit(hist).sample(hist.through + dt.timedelta(days=1), 45, 4000,
                                     np.random.default_rng(0))
    assert f.attacks is not None
    totals = f.attacks.sum(axis=1)
    # one block (10) and a binomially thinned half block (Binomial(10, 1/2))
    assert totals.min() >= 10 and totals.max() <= 20
    assert abs(totals.mean() - 15) < 4 * np.sqrt(2.5 / 4000)


# -------------------------------------------------------------------- negative binomial ---
def test_fit_negbin_recovers_known_parameters() -> None:
    mean, size, n = 5.0, 2.0, 4000
    x = np.random.default_rng(9).negative_binomial(size, size / (size + mean), size=n)
    m_hat, k_hat = fit_negbin(x)
    assert abs(m_hat - mean) < 4 * np.sqrt((mean + mean**2 / size) / n)

    def loglik(log_k: float) -> float:
        k = np.exp(log_k)
        return float(stats.nbinom.logpmf(x, k, k / (k + m_hat)).sum())

    h = 1e-3
    curvature = -(loglik(np.log(k_hat) + h) - 2 * loglik(np.log(k_hat))
                  + loglik(np.log(k_hat) - h)) / h**2
    assert abs(np.log(k_hat) - np.log(size)) < 4 / np.sqrt(curvature)


def test_fit_negbin_limits() -> None:
    assert fit_negbin(np.zeros(12)) == (0.0, float("inf"))
    assert fit_negbin(np.full(12, 3)) == (3.0, float("inf"))  # not overdispersed: Poisson
    with pytest.raises(ValueError):
        fit_negbin(np.array([]))


def test_negbin_forecast_has_the_fitted_mean_and_variance() -> None:
    totals = [0, 0, 1, 2, 0, 5, 9, 3, 0, 1, 20, 4]
    hist = _blocky(totals)
    m, k = fit_negbin(np.array(totals))
    n = 20000
    f = NegBinom().fit(hist).sample(hist.through + dt.timedelta(days=1), 90, n,
                                    np.random.default_rng(1))
    assert f.attacks is not None
    t = f.attacks.sum(axis=1)
    var = 3 * (m + m**2 / k)  # three independent blocks
    assert abs(t.mean() - 3 * m) < 4 * np.sqrt(var / n)
    assert f.attacks[:, 0].sum() > f.attacks[:, 1].sum()  # all in Iraq: Iraq's share dominates


# -------------------------------------------------------------------------------- hawkes ---
def _simulate_series(mu: float, alpha: float, beta: float, gamma: float, days: int,
                     round_rate: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The discrete-time Hawkes process, written out day by day (independently of the
    module's recursions)."""
    rng = np.random.default_rng(seed)
    r = np.exp(-beta)
    y = np.zeros(days, dtype=np.int64)
    u = (rng.random(days) < round_rate).astype(np.int64)
    e = g = 0.0
    for t in range(days):
        y[t] = rng.poisson(mu + (1 - r) * (alpha * e + gamma * g))
        e = r * e + y[t]
        g = r * g + u[t]
    return y, u


def test_hawkes_gradient_is_right() -> None:
    y, u = _simulate_series(0.05, 0.6, 0.3, 2.0, 3000, 0.01, 1)
    theta = np.array([0.04, 0.5, 0.4, 1.5])
    f = lambda t: _negative(t, y.astype(float), u.astype(float))[0]  # noqa: E731
    g = lambda t: _negative(t, y.astype(float), u.astype(float))[1]  # noqa: E731
    assert check_grad(f, g, theta) < 1e-4 * np.linalg.norm(g(theta))


def test_hawkes_fit_recovers_known_parameters() -> None:
    """On 40,000 simulated days every estimate is within 4 asymptotic standard errors."""
    truth = np.array([0.05, 0.6, 0.3, 2.0])
    y, u = _simulate_series(*truth, days=40000, round_rate=0.01, seed=2024)
    fit = fit_hawkes(y, u)
    se = standard_errors(fit, y, u)
    assert np.all(np.isfinite(se))
    assert np.all(np.abs(fit.theta - truth) < 4 * se), (fit.theta, se)


def test_hawkes_simulation_has_the_model_mean() -> None:
    """The mean of the simulated window equals the model's expected count, from the linear
    recursion of the conditional means (with US rounds at a known daily rate)."""
    from escsim.forecast.hawkes import HawkesFit

    fit = HawkesFit(mu=0.1, alpha=0.5, beta=0.2, gamma=1.5, log_likelihood=0.0, days=0,
                    excitation=20.0, round_excitation=1.0)
    days, lead, rate, n = 40, 10, 0.05, 20000
    r = np.exp(-fit.beta)
    e, g, expected = fit.excitation, fit.round_excitation, 0.0
    for day in range(lead + days):
        m = fit.mu + (1 - r) * (fit.alpha * e + fit.gamma * g)
        expected += m if day >= lead else 0.0
        e, g = r * e + m, r * g + rate
    totals = fit.simulate(days, n, np.random.default_rng(5), round_rate=rate, lead=lead)
    assert abs(totals.mean() - expected) < 4 * totals.std() / np.sqrt(n)


def test_hawkes_on_the_record_is_stationary_and_excited(series: DailySeries) -> None:
    fitted = Hawkes().fit(series.until(THROUGH))
    p = fitted.params()
    assert 0 < p["alpha"] < 0.99 and p["mu"] > 0 and p["gamma"] >= 0
    assert 0 < p["round_rate"] < 1


# --------------------------------------------------------------------------- climatology ---
def test_climatology_is_the_share_of_windows_with_the_event() -> None:
    days = 1000
    rounds = np.zeros(days, dtype=np.int64)
    rounds[::100] = 1
    hist = _synthetic(np.zeros(days, dtype=np.int64), rounds)
    f = Climatology().fit(hist).sample(hist.through + dt.timedelta(days=1), 30, 1,
                                       np.random.default_rng(0))
    windows = [rounds[i:i + 30].any() for i in range(days - 30 + 1)]
    assert f.attacks is None
    assert f.probabilities["us_round"] == pytest.approx((sum(windows) + 0.5)
                                                        / (len(windows) + 1))
    assert f.probabilities["us_killed"] == pytest.approx(0.5 / (len(windows) + 1))
