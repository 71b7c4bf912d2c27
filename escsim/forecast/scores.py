"""Scores of probabilistic forecasts: counts given as samples, binary events as probabilities.

The rules are the conflict-forecasting standard (the VIEWS prediction challenges): the continuous
ranked probability score (CRPS) of a count forecast, Brier and logarithmic scores of a binary
event, the coverage of central prediction intervals, and the probability integral transform
(PIT) for calibration; skill is measured against a benchmark.

**CRPS of samples.** A forecast is an ensemble of ``m`` simulated counts. Its CRPS is computed by
:func:`scoringrules.crps_ensemble` with the probability-weighted-moment estimator (``"pwm"``),
which is algebraically the *fair* estimator (Ferro 2014; Zamo & Naveau 2018):

    CRPS = mean |x_i - y|  -  1 / (2 m (m - 1)) * sum_{i != j} |x_i - x_j|

It is unbiased for the CRPS of the distribution the samples are drawn from, so a forecaster is
not rewarded or punished for its ensemble size (the model's forecasts are a few hundred runs, the
benchmarks' a few thousand samples), and it takes ``O(m log m)`` (a sort), not the ``O(m^2)`` of
the pairwise form. For ``m`` of a few thousand it differs from the plain (empirical-distribution)
estimator by a fraction ``1/m`` of the spread term.

**Binary events.** A probability from ``m`` samples is ``(k + 1/2) / (m + 1)`` where ``k`` of them
have the event (:func:`probability_from_samples`, the Krichevsky-Trofimov estimate): never exactly
0 or 1, so the log score stays finite, and the same rule for every forecaster.

**PIT of counts.** For a discrete forecast the PIT is randomised (Brockwell 2007; Czado, Gneiting
& Held 2009): ``u = F(y - 1) + v (F(y) - F(y - 1))`` with ``v ~ U(0, 1)`` and ``F`` the
forecast's CDF, here the samples' empirical CDF. A calibrated forecaster's PIT values are
uniform on (0, 1).

**Intervals.** The central ``p`` interval of samples is ``[q_{(1-p)/2}, q_{(1+p)/2}]`` with the
quantiles of the empirical CDF (``numpy.quantile(method="inverted_cdf")``), closed at both ends.
For counts an interval covers at least its nominal rate when the forecast is calibrated (the
probability of its end points is included whole), and a point mass at 0 covers every 0.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd
import scoringrules as sr

__all__ = [
    "brier_score", "central_interval", "count_scores", "covers", "crps_samples", "log_score",
    "pit_histogram", "probability_from_samples", "randomised_pit", "skill_interval",
    "skill_score",
]

#: Levels of the central intervals scored (``in50``, ``in90``).
INTERVAL_LEVELS = (0.5, 0.9)


def crps_samples(observed: float | np.ndarray, samples: np.ndarray) -> np.ndarray:
    """The CRPS of sample forecasts (the fair, unbiased estimator; lower is better).

    Args:
        observed: the outcome(s): a number, or an array of shape ``(...)``.
        samples: the forecast's samples, shape ``(..., m)`` with ``m >= 2``: the last axis
            holds the samples of the forecast of the matching outcome.

    Returns:
        The CRPS of each forecast, shape ``(...)`` (a 0-d array for one forecast).
    """
    samples = np.asarray(samples, dtype=float)
    if samples.shape[-1] < 2:
        raise ValueError("a sample forecast needs at least 2 samples")
    obs = np.asarray(observed, dtype=float)
    return np.asarray(sr.crps_ensemble(obs, samples, estimator="pwm", backend="numpy"))


def probability_from_samples(indicators: npt.ArrayLike) -> np.ndarray:
    """The probability of an event from samples that have it or not: ``(k + 1/2) / (m + 1)``.

    Args:
        indicators: shape ``(..., m)``, true (or 1) where a sample has the event.

    Returns:
        The probability, shape ``(...)``: never 0 or 1, so log scores stay finite.
    """
    ind = np.asarray(indicators, dtype=bool)
    m = ind.shape[-1]
    return (ind.sum(axis=-1) + 0.5) / (m + 1.0)


def brier_score(observed: bool | np.ndarray, probability: float | np.ndarray) -> np.ndarray:
    """The Brier score ``(p - y)^2`` of probability forecasts of binary events (lower is better).

    Args:
        observed: whether each event happened (bool or 0/1).
        probability: the forecast probability of each event, in [0, 1].

    Returns:
        The score of each forecast.
    """
    return np.asarray(sr.brier_score(np.asarray(observed, dtype=float),
                                     np.asarray(probability, dtype=float), backend="numpy"))


def log_score(observed: bool | np.ndarray, probability: float | np.ndarray) -> np.ndarray:
    """The logarithmic score ``-log p`` if the event happened, ``-log(1 - p)`` if not (lower is
    better; natural logarithm).

    Args:
        observed: whether each event happened (bool or 0/1).
        probability: the forecast probability of each event, in [0, 1]; 0 or 1 on the wrong
            side scores infinity (use :func:`probability_from_samples` for sample forecasts).

    Returns:
        The score of each forecast.
    """
    with np.errstate(divide="ignore"):
        return np.asarray(sr.log_score(np.asarray(observed, dtype=float),
                                       np.asarray(probability, dtype=float), backend="numpy"))


def central_interval(samples: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The central ``level`` interval of sample forecasts.

    Args:
        samples: shape ``(..., m)``.
        level: the interval's probability, in (0, 1) (0.9: from the 5% to the 95% quantile).

    Returns:
        ``(low, high)``, each of shape ``(...)``: quantiles of the samples' empirical CDF (the
        smallest sample value whose CDF reaches the probability).
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"an interval's level is in (0, 1), got {level}")
    s = np.asarray(samples, dtype=float)
    low = np.quantile(s, (1.0 - level) / 2.0, axis=-1, method="inverted_cdf")
    high = np.quantile(s, (1.0 + level) / 2.0, axis=-1, method="inverted_cdf")
    return np.asarray(low), np.asarray(high)


def covers(observed: float | np.ndarray, samples: np.ndarray, level: float) -> np.ndarray:
    """Whether the central ``level`` interval of each sample forecast holds its outcome.

    Args:
        observed: the outcome(s), shape ``(...)``.
        samples: the forecasts' samples, shape ``(..., m)``.
        level: the interval's probability (0.5, 0.9, ...).

    Returns:
        A boolean array of shape ``(...)``; the interval is closed at both ends.
    """
    low, high = central_interval(samples, level)
    y = np.asarray(observed, dtype=float)
    return np.asarray((low <= y) & (y <= high))


def randomised_pit(observed: float | np.ndarray, samples: np.ndarray,
                   rng: np.random.Generator) -> np.ndarray:
    """The randomised probability integral transform of count forecasts given as samples.

    Args:
        observed: the outcome(s), whole numbers, shape ``(...)``.
        samples: the forecasts' samples (whole numbers), shape ``(..., m)``.
        rng: the generator of the uniform draws (one per outcome), for reproducible values.

    Returns:
        ``F(y - 1) + v * (F(y) - F(y - 1))`` with ``v ~ U(0, 1)`` and ``F`` the samples'
        empirical CDF, shape ``(...)``; uniform on (0, 1) for a calibrated forecaster.
    """
    s = np.asarray(samples, dtype=float)
    y = np.asarray(observed, dtype=float)[..., None]
    below = (s < y).mean(axis=-1)
    at_or_below = (s <= y).mean(axis=-1)
    v = rng.uniform(size=below.shape)
    return np.asarray(below + v * (at_or_below - below))


def count_scores(observed: float, samples: np.ndarray, rng: np.random.Generator,
                 levels: Sequence[float] = INTERVAL_LEVELS) -> dict[str, float]:
    """Every score of one count forecast, as one table row.

    Args:
        observed: the outcome.
        samples: the forecast's samples, shape ``(m,)``.
        rng: the generator of the PIT's uniform draw.
        levels: the central intervals whose coverage is reported (``in50``, ``in90``, ...).

    Returns:
        ``observed``, ``mean``, ``median``, ``q05``, ``q95``, ``crps``, ``pit`` and, per level,
        ``in<percent>`` (1.0 if the interval holds the outcome, else 0.0).
    """
    s = np.asarray(samples, dtype=float)
    row = {
        "observed": float(observed),
        "mean": float(s.mean()),
        "median": float(np.quantile(s, 0.5, method="inverted_cdf")),
        "q05": float(np.quantile(s, 0.05, method="inverted_cdf")),
        "q95": float(np.quantile(s, 0.95, method="inverted_cdf")),
        "crps": float(crps_samples(observed, s)),
        "pit": float(randomised_pit(observed, s, rng)),
    }
    for level in levels:
        row[f"in{round(level * 100)}"] = float(covers(observed, s, level))
    return row


def skill_score(scores: Sequence[float] | np.ndarray,
                reference: Sequence[float] | np.ndarray) -> float:
    """The skill of a forecaster against a reference: ``1 - mean(scores) / mean(reference)``.

    Args:
        scores: the forecaster's scores (CRPS, Brier, ...; lower is better) on a set of
            forecasts.
        reference: the reference forecaster's scores on the same forecasts, in the same order.

    Returns:
        The skill: 1 is perfect, 0 as good as the reference, negative worse; ``nan`` when the
        reference's mean score is 0 (a perfect reference).
    """
    a = np.asarray(scores, dtype=float)
    b = np.asarray(reference, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"scores and reference differ in shape: {a.shape} vs {b.shape}")
    ref = b.mean()
    return float("nan") if ref == 0 else float(1.0 - a.mean() / ref)


def skill_interval(scores: Sequence[float] | np.ndarray,
                   reference: Sequence[float] | np.ndarray, rng: np.random.Generator,
                   level: float = 0.9, block: int = 6, resamples: int = 2000
                   ) -> tuple[float, float]:
    """A bootstrap interval of :func:`skill_score` over forecasts in time order.

    Forecasts from consecutive origins are not independent (their windows overlap, and a
    regime lasts months), so the pairs (score, reference score) are resampled in blocks of
    ``block`` consecutive forecasts (the circular moving-block bootstrap), and the interval is
    the percentile interval of the resampled skills.

    Args:
        scores: the forecaster's scores, in the order of their origins.
        reference: the reference's scores on the same forecasts, in the same order.
        rng: the generator of the resampling.
        level: the interval's probability.
        block: consecutive forecasts resampled together (6: half a year of month starts).
        resamples: bootstrap resamples.

    Returns:
        ``(low, high)``; ``nan`` where the reference scores 0 in too many resamples.
    """
    a = np.asarray(scores, dtype=float)
    b = np.asarray(reference, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError("scores and reference must be non-empty 1-d arrays of one length")
    n = a.size
    length = max(1, min(block, n))
    k = -(-n // length)
    starts = rng.integers(0, n, size=(resamples, k))
    idx = ((starts[:, :, None] + np.arange(length)) % n).reshape(resamples, -1)[:, :n]
    ref = b[idx].mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        skill = np.where(ref > 0, 1.0 - a[idx].mean(axis=1) / ref, np.nan)
    if np.isnan(skill).mean() > 1.0 - level:
        return float("nan"), float("nan")
    q = np.nanquantile(skill, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return float(q[0]), float(q[1])


def pit_histogram(pit: Sequence[float] | np.ndarray, bins: int = 10) -> pd.DataFrame:
    """PIT values counted in equal bins of (0, 1).

    Args:
        pit: PIT values in [0, 1].
        bins: the number of equal bins.

    Returns:
        One row per bin: ``low``, ``high``, ``count``, ``share`` and ``expected`` (the share a
        calibrated forecaster would have: ``1 / bins``).
    """
    values = np.asarray(pit, dtype=float)
    counts, edges = np.histogram(values, bins=bins, range=(0.0, 1.0))
    total = max(int(counts.sum()), 1)
    return pd.DataFrame({"low": edges[:-1], "high": edges[1:], "count": counts,
                         "share": counts / total, "expected": 1.0 / bins})
