"""The scoring rules of escsim.forecast on cases with known answers: the CRPS of a point mass and
of a Poisson sample against the closed form (within a tolerance from the estimator's sampling
distribution), Brier and log scores, intervals, the randomised PIT and skill."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from escsim.forecast.scores import (
    brier_score,
    central_interval,
    count_scores,
    covers,
    crps_samples,
    log_score,
    pit_histogram,
    probability_from_samples,
    randomised_pit,
    skill_score,
)


def _crps_of_counts(cdf: np.ndarray, y: int) -> float:
    """The exact CRPS of a distribution on 0, 1, 2, ... (``cdf[k] = F(k)``): the integral of
    ``(F(x) - 1{y <= x})^2`` is a sum over unit steps."""
    k = np.arange(len(cdf))
    return float(np.sum((cdf - (y <= k)) ** 2))


def test_crps_of_a_point_mass_is_the_absolute_error() -> None:
    for x, y in [(0, 0), (0, 3), (5, 2), (7, 7), (2.5, 10)]:
        samples = np.full(50, float(x))
        assert crps_samples(y, samples) == pytest.approx(abs(x - y), abs=1e-12)


def test_crps_is_the_fair_estimator() -> None:
    """mean |x_i - y| - sum_{i != j} |x_i - x_j| / (2 m (m - 1)), by brute force."""
    rng = np.random.default_rng(3)
    x = rng.poisson(4.0, size=37).astype(float)
    for y in (0.0, 3.0, 11.0):
        m = len(x)
        fair = np.abs(x - y).mean() - np.abs(x[:, None] - x[None, :]).sum() / (2 * m * (m - 1))
        assert crps_samples(y, x) == pytest.approx(fair, rel=1e-12)
    # two members {0, 2} and y = 1: 1 - 4 / 4 = 0
    assert crps_samples(1.0, np.array([0.0, 2.0])) == pytest.approx(0.0, abs=1e-12)


def test_crps_is_vectorised_over_forecasts() -> None:
    samples = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    assert crps_samples(np.array([2.0, 2.0]), samples) == pytest.approx([2.0, 1.0])


@pytest.mark.parametrize("lam, y", [(0.3, 0), (3.0, 1), (3.0, 7), (12.0, 12), (40.0, 25)])
def test_crps_of_a_poisson_sample_matches_the_closed_form(lam: float, y: int) -> None:
    """The sample CRPS is within 4 standard errors of the exact CRPS of the Poisson. The
    estimator is a U-statistic: its variance is Var(|X - y| - g(X)) / m with g(x) = E|x - X'|
    (Hoeffding's first-order term), computed here exactly from the Poisson's pmf."""
    m = 4000
    top = int(stats.poisson.ppf(1 - 1e-12, lam)) + 1
    k = np.arange(top + 1)
    pmf = stats.poisson.pmf(k, lam)
    exact = _crps_of_counts(stats.poisson.cdf(k, lam), y)
    g = np.abs(k[:, None] - k[None, :]) @ pmf
    h = np.abs(k - y) - g
    se = np.sqrt((pmf @ h**2 - (pmf @ h) ** 2) / m)
    samples = np.random.default_rng(20240611).poisson(lam, size=m)
    assert abs(float(crps_samples(y, samples)) - exact) < 4 * se + 1e-12
    # and the library's own closed form agrees with the sum over unit steps
    import scoringrules as sr
    assert float(sr.crps_poisson(float(y), lam)) == pytest.approx(exact, rel=1e-6)


def test_crps_needs_two_samples() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        crps_samples(1.0, np.array([1.0]))


def test_brier_and_log_scores_of_known_cases() -> None:
    assert brier_score(True, 0.7) == pytest.approx(0.09)
    assert brier_score(False, 0.7) == pytest.approx(0.49)
    assert brier_score(np.array([1, 0]), np.array([1.0, 0.0])) == pytest.approx([0.0, 0.0])
    assert log_score(True, 0.7) == pytest.approx(-np.log(0.7))
    assert log_score(False, 0.7) == pytest.approx(-np.log(0.3))
    assert np.isinf(log_score(True, 0.0))


def test_probability_from_samples_is_never_certain() -> None:
    assert probability_from_samples(np.zeros(9, dtype=bool)) == pytest.approx(0.05)
    assert probability_from_samples(np.ones(9, dtype=bool)) == pytest.approx(0.95)
    assert probability_from_samples(np.array([[1, 0, 1, 0]])) == pytest.approx([0.5])


def test_central_intervals_of_known_samples() -> None:
    samples = np.arange(100.0)  # F(x) = (x + 1) / 100
    assert [float(v) for v in central_interval(samples, 0.9)] == [4.0, 94.0]
    assert [float(v) for v in central_interval(samples, 0.5)] == [24.0, 74.0]
    assert covers(4, samples, 0.9) and covers(94, samples, 0.9)
    assert not covers(3, samples, 0.9) and not covers(95, samples, 0.9)
    assert covers(0, np.zeros(10), 0.9) and not covers(1, np.zeros(10), 0.9)
    with pytest.raises(ValueError):
        central_interval(samples, 1.0)


def test_intervals_of_a_calibrated_count_forecast_cover_at_least_their_level() -> None:
    """Counts: a closed interval of a calibrated forecast covers at least its nominal rate (up
    to sampling: 4 standard errors of a share of 3000 outcomes)."""
    rng = np.random.default_rng(5)
    samples = rng.poisson(2.0, size=(3000, 1000))
    outcomes = rng.poisson(2.0, size=3000)
    for level in (0.5, 0.9):
        share = covers(outcomes, samples, level).mean()
        assert share > level - 4 * np.sqrt(level * (1 - level) / 3000)


def test_randomised_pit_of_known_cases() -> None:
    rng = np.random.default_rng(0)
    samples = np.array([0, 0, 1, 1])
    for _ in range(20):
        assert 0.0 <= randomised_pit(0, samples, rng) <= 0.5
        assert 0.5 <= randomised_pit(1, samples, rng) <= 1.0
    assert randomised_pit(5, samples, rng) == 1.0
    assert randomised_pit(-1, samples, rng) == 0.0


def test_randomised_pit_of_a_calibrated_forecaster_is_uniform() -> None:
    """Poisson forecasts of Poisson outcomes: the randomised PIT passes a KS test of uniformity;
    the plain PIT F(y) of the same counts does not."""
    rng = np.random.default_rng(11)
    samples = rng.poisson(1.5, size=(2000, 4000))
    outcomes = rng.poisson(1.5, size=2000)
    pit = randomised_pit(outcomes, samples, np.random.default_rng(12))
    assert stats.kstest(pit, "uniform").pvalue > 1e-3
    plain = (samples <= outcomes[:, None]).mean(axis=1)
    assert stats.kstest(plain, "uniform").pvalue < 1e-6


def test_skill_score() -> None:
    assert skill_score([1.0, 1.0], [2.0, 2.0]) == pytest.approx(0.5)
    assert skill_score([2.0, 4.0], [3.0, 3.0]) == pytest.approx(0.0)
    assert skill_score([3.0], [2.0]) == pytest.approx(-0.5)
    assert np.isnan(skill_score([1.0], [0.0]))
    with pytest.raises(ValueError):
        skill_score([1.0, 2.0], [1.0])


def test_pit_histogram_and_count_scores() -> None:
    h = pit_histogram([0.05, 0.15, 0.95, 0.951], bins=10)
    assert list(h["count"]) == [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert h["share"].sum() == pytest.approx(1.0) and h["expected"].iloc[0] == 0.1
    row = count_scores(3, np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), np.random.default_rng(0))
    assert set(row) == {"observed", "mean", "median", "q05", "q95", "crps", "pit", "in50",
                        "in90"}
    assert row["mean"] == 4.5 and row["in90"] == 1.0 and row["in50"] == 1.0
    assert 0.3 <= row["pit"] <= 0.4


def test_skill_interval_of_a_constant_ratio_and_of_noise() -> None:
    from escsim.forecast.scores import skill_interval

    ref = np.random.default_rng(1).gamma(2.0, 2.0, size=40)
    low, high = skill_interval(0.5 * ref, ref, np.random.default_rng(0))
    assert low == pytest.approx(0.5) and high == pytest.approx(0.5)
    # equal forecasters up to noise: the interval holds 0 and is reproducible
    rng = np.random.default_rng(2)
    a, b = rng.gamma(2.0, 2.0, size=60), rng.gamma(2.0, 2.0, size=60)
    low, high = skill_interval(a, b, np.random.default_rng(3))
    assert low < skill_score(a, b) < high and low < 0 < high
    assert (low, high) == skill_interval(a, b, np.random.default_rng(3))
    assert all(np.isnan(skill_interval([1.0, 2.0], [0.0, 0.0], np.random.default_rng(0))))
