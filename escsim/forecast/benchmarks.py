"""Benchmark forecasters: what a plain statistical model of the same counts forecasts.

Every forecaster has the same two steps, so the rolling evaluation (and, later, the model's own
forecaster) treats them alike:

1. ``fitted = forecaster.fit(history)``: learn from a :class:`~escsim.forecast.events.DailySeries`
   that ends on the last day known at the origin (``history.through``). A forecaster sees
   nothing else, so it cannot look ahead.
2. ``fitted.sample(start, days, n, rng)``: a :class:`Forecast` of the window ``start .. start +
   days - 1`` (``start`` after ``history.through``; the days between are the lead): ``n``
   samples of the attacks per country and, where the forecaster has them, the probabilities of
   binary events (``us_killed``: US personnel killed in the window; ``us_round``: a US strike
   round in it). The generator ``rng`` is the only randomness: same seed, same forecast.

The benchmarks (``name``):

* ``zeros``: no attacks, ever (the VIEWS challenges' first benchmark, hard to beat in quiet
  months).
* ``bootstrap``: the VIEWS bootstrap: the last twelve 30-day blocks before the origin are
  resampled with replacement; a 30-day window is one block, a 90-day window the sum of three
  drawn independently (a window of ``d`` days: ``d // 30`` blocks and a binomially thinned
  remainder). A block keeps its countries together, and its US rounds and deaths, which give
  the probabilities of the binary events.
* ``negbin``: a negative binomial fitted by maximum likelihood to the same twelve 30-day block
  totals (the mean is the blocks' mean; the size maximises the profile likelihood,
  ``scipy.optimize.minimize_scalar`` on ``scipy.stats.nbinom.logpmf``; a Poisson when the blocks
  are not overdispersed). A ``d``-day window is the sum of ``d / 30`` independent blocks:
  negative binomial with the size times ``d / 30``. Totals are split among countries
  multinomially by the blocks' country shares (each country given half an attack, so none is
  ruled out).
* ``hawkes``: the discrete-time Hawkes process of :mod:`escsim.forecast.hawkes`, fitted by
  maximum likelihood to every day of the record up to the origin (total attacks, US rounds as
  exogenous marks), simulated forward through the lead and the window with US rounds drawn at
  the last 365 days' daily rate; split among countries as ``negbin`` does, by the last 365
  days' shares.
* ``climatology`` (binary events only): the share of all ``d``-day windows of the history (every
  start day) in which the event happened, as ``(k + 1/2) / (N + 1)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from scipy import optimize, stats

from escsim.forecast.events import TOTAL, DailySeries
from escsim.forecast.hawkes import HawkesFit, fit_hawkes
from escsim.forecast.scores import probability_from_samples

__all__ = [
    "BINARY_EVENTS", "Bootstrap", "Climatology", "Fitted", "Forecast", "Forecaster", "Hawkes",
    "NegBinom", "Zeros", "default_benchmarks", "fit_negbin",
]

#: The binary events scored: US personnel killed in the window; a US strike round in it.
BINARY_EVENTS = ("us_killed", "us_round")
#: Days of one block of the bootstrap and the negative binomial ("a month").
BLOCK_DAYS = 30


@dataclass(frozen=True)
class Forecast:
    """A forecast of one window: samples of attacks per country and event probabilities.

    ``attacks`` has shape ``(n, len(countries))`` (``None`` for a forecaster of binary events
    only); ``probabilities`` maps a binary event (:data:`BINARY_EVENTS`) to its probability.
    """

    countries: tuple[str, ...]
    attacks: np.ndarray | None
    probabilities: dict[str, float] = field(default_factory=dict)

    def samples(self, country: str) -> np.ndarray:
        """The samples of one country's attacks, or of the total (``"total"``)."""
        if self.attacks is None:
            raise ValueError("this forecast has no attack samples")
        if country == TOTAL:
            return self.attacks.sum(axis=1)
        return self.attacks[:, self.countries.index(country)]


class Fitted(Protocol):
    """A forecaster fitted to a history: forecasts windows after it."""

    def sample(self, start: dt.date, days: int, n: int, rng: np.random.Generator) -> Forecast:
        """A forecast of ``days`` days from ``start`` (after the history), ``n`` samples."""
        ...

    def params(self) -> dict[str, float]:
        """The fitted parameters by name (for the tables; may be empty)."""
        ...


class Forecaster(Protocol):
    """Something that fits a history and forecasts windows after it (see the module)."""

    @property
    def name(self) -> str:
        """The forecaster's name in tables (unique in an evaluation)."""
        ...

    def fit(self, history: DailySeries) -> Fitted:
        """The forecaster fitted to ``history`` (which ends on the last day known)."""
        ...


def _lead(history: DailySeries, start: dt.date) -> int:
    lead = (start - history.through).days - 1
    if lead < 0:
        raise ValueError(f"the window starts on {start}, inside the history (known through "
                         f"{history.through}): a forecast cannot see its own window")
    return lead


def _shares(counts: np.ndarray) -> np.ndarray:
    """Country shares of attacks, each country given half an attack (none ruled out)."""
    c = np.asarray(counts, dtype=float) + 0.5
    return c / c.sum()


def _blocks(history: DailySeries, blocks: int) -> tuple[slice, ...]:
    """The last ``blocks`` complete 30-day blocks of the history, the latest last."""
    k = min(blocks, history.days // BLOCK_DAYS)
    if k < 1:
        raise ValueError(f"a history of {history.days} days has no complete {BLOCK_DAYS}-day "
                         "block")
    end = history.days
    return tuple(slice(end - (k - i) * BLOCK_DAYS, end - (k - i - 1) * BLOCK_DAYS)
                 for i in range(k))


# --------------------------------------------------------------------------------- zeros ---
@dataclass(frozen=True)
class _ZerosFit:
    countries: tuple[str, ...]
    through: dt.date
    history: DailySeries

    def sample(self, start: dt.date, days: int, n: int, rng: np.random.Generator) -> Forecast:
        _lead(self.history, start)
        return Forecast(self.countries, np.zeros((n, len(self.countries)), dtype=np.int64))

    def params(self) -> dict[str, float]:
        return {}


@dataclass(frozen=True)
class Zeros:
    """No attacks in any window (the VIEWS all-zeros benchmark)."""

    name: str = "zeros"

    def fit(self, history: DailySeries) -> _ZerosFit:
        """Nothing to learn: every forecast is zero attacks.

        Args:
            history: the days known (used only to refuse a window inside them).
        """
        return _ZerosFit(history.countries, history.through, history)


# ----------------------------------------------------------------------------- bootstrap ---
@dataclass(frozen=True)
class _BootstrapFit:
    history: DailySeries
    attacks: np.ndarray  # (K, C) per block and country
    killed: np.ndarray  # (K,) bool
    rounds: np.ndarray  # (K,) bool

    def sample(self, start: dt.date, days: int, n: int, rng: np.random.Generator) -> Forecast:
        _lead(self.history, start)
        k = self.attacks.shape[0]
        whole, rest = divmod(days, BLOCK_DAYS)
        pick = rng.integers(0, k, size=(n, whole))
        attacks = self.attacks[pick].sum(axis=1)
        killed = self.killed[pick].any(axis=1)
        rounds = self.rounds[pick].any(axis=1)
        if rest:
            extra = rng.integers(0, k, size=n)
            share = rest / BLOCK_DAYS
            attacks = attacks + rng.binomial(self.attacks[extra], share)
            killed |= self.killed[extra] & (rng.random(n) < share)
            rounds |= self.rounds[extra] & (rng.random(n) < share)
        return Forecast(self.history.countries, attacks.astype(np.int64),
                        {"us_killed": float(probability_from_samples(killed)),
                         "us_round": float(probability_from_samples(rounds))})

    def params(self) -> dict[str, float]:
        totals = self.attacks.sum(axis=1)
        return {"blocks": float(len(totals)), "mean_per_block": float(totals.mean())}


@dataclass(frozen=True)
class Bootstrap:
    """Resample the last ``blocks`` 30-day blocks before the origin (VIEWS-style)."""

    blocks: int = 12
    name: str = "bootstrap"

    def fit(self, history: DailySeries) -> _BootstrapFit:
        """The last blocks' attacks per country, and whether each had US deaths and rounds.

        Args:
            history: the days known at the origin (at least one complete 30-day block).
        """
        parts = _blocks(history, self.blocks)
        return _BootstrapFit(
            history,
            np.stack([history.attacks[p].sum(axis=0) for p in parts]),
            np.array([history.killed[p].sum() > 0 for p in parts]),
            np.array([history.rounds[p].sum() > 0 for p in parts]))


# ---------------------------------------------------------------------- negative binomial ---
def fit_negbin(counts: np.ndarray) -> tuple[float, float]:
    """The maximum-likelihood negative binomial of whole counts, as ``(mean, size)``.

    Args:
        counts: the observed counts (at least one).

    Returns:
        ``mean`` (the sample mean, which is the MLE) and ``size`` (``inf`` for a Poisson: the
        counts are not overdispersed, or the likelihood keeps rising towards the Poisson limit).
        The variance is ``mean + mean**2 / size``.
    """
    x = np.asarray(counts, dtype=float)
    if x.size == 0:
        raise ValueError("no counts to fit")
    mean = float(x.mean())
    if mean == 0.0 or x.var() <= mean:
        return mean, float("inf")

    def negative(log_size: float) -> float:
        size = float(np.exp(log_size))
        return -float(stats.nbinom.logpmf(x, size, size / (size + mean)).sum())

    low, high = np.log(1e-3), np.log(1e6)
    res = optimize.minimize_scalar(negative, bounds=(low, high), method="bounded")
    if res.x > high - 0.01 or negative(high) <= res.fun:
        return mean, float("inf")
    return mean, float(np.exp(res.x))


def _split(totals: np.ndarray, shares: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return rng.multinomial(totals.astype(np.int64), shares).astype(np.int64)


@dataclass(frozen=True)
class _NegBinomFit:
    history: DailySeries
    mean: float
    size: float
    shares: np.ndarray

    def sample(self, start: dt.date, days: int, n: int, rng: np.random.Generator) -> Forecast:
        _lead(self.history, start)
        scale = days / BLOCK_DAYS
        if self.mean == 0.0:
            totals = np.zeros(n, dtype=np.int64)
        elif np.isinf(self.size):
            totals = rng.poisson(self.mean * scale, size=n)
        else:
            size = self.size * scale
            totals = rng.negative_binomial(size, self.size / (self.size + self.mean), size=n)
        return Forecast(self.history.countries, _split(totals, self.shares, rng))

    def params(self) -> dict[str, float]:
        return {"mean_per_block": self.mean, "size": self.size}


@dataclass(frozen=True)
class NegBinom:
    """A negative binomial fitted to the last ``blocks`` 30-day block totals."""

    blocks: int = 12
    name: str = "negbin"

    def fit(self, history: DailySeries) -> _NegBinomFit:
        """The MLE negative binomial of the blocks' totals and the blocks' country shares.

        Args:
            history: the days known at the origin (at least one complete 30-day block).
        """
        parts = _blocks(history, self.blocks)
        per_block = np.stack([history.attacks[p].sum(axis=0) for p in parts])
        mean, size = fit_negbin(per_block.sum(axis=1))
        return _NegBinomFit(history, mean, size, _shares(per_block.sum(axis=0)))


# --------------------------------------------------------------------------------- hawkes ---
@dataclass(frozen=True)
class _HawkesFit:
    history: DailySeries
    fit: HawkesFit
    round_rate: float
    shares: np.ndarray

    def sample(self, start: dt.date, days: int, n: int, rng: np.random.Generator) -> Forecast:
        lead = _lead(self.history, start)
        totals = self.fit.simulate(days, n, rng, round_rate=self.round_rate, lead=lead)
        return Forecast(self.history.countries, _split(totals, self.shares, rng))

    def params(self) -> dict[str, float]:
        return {**self.fit.params(), "round_rate": self.round_rate,
                "log_likelihood": self.fit.log_likelihood}


@dataclass(frozen=True)
class Hawkes:
    """A discrete-time Hawkes process of daily attacks with US rounds as exogenous marks,
    fitted by maximum likelihood to the whole history."""

    recent_days: int = 365
    name: str = "hawkes"

    def fit(self, history: DailySeries) -> _HawkesFit:
        """The MLE Hawkes process of the history, the recent rate of US rounds and the recent
        country shares.

        Args:
            history: the days known at the origin.
        """
        fit = fit_hawkes(history.total(), history.rounds)
        recent = slice(max(0, history.days - self.recent_days), history.days)
        days = recent.stop - recent.start
        rate = float(history.rounds[recent].clip(max=1).sum()) / max(days, 1)
        return _HawkesFit(history, fit, rate, _shares(history.attacks[recent].sum(axis=0)))


# ---------------------------------------------------------------------------- climatology ---
@dataclass(frozen=True)
class _ClimatologyFit:
    history: DailySeries
    lookback_days: int | None

    def sample(self, start: dt.date, days: int, n: int, rng: np.random.Generator) -> Forecast:
        _lead(self.history, start)
        first = 0 if self.lookback_days is None else max(0, self.history.days
                                                          - self.lookback_days)
        probabilities = {}
        for event, series in (("us_killed", self.history.killed),
                              ("us_round", self.history.rounds)):
            hit = np.concatenate(([0], np.cumsum(series[first:] > 0)))
            windows = len(hit) - days
            if windows < 1:
                probabilities[event] = 0.5
                continue
            k = int(((hit[days:] - hit[:-days]) > 0).sum())
            probabilities[event] = (k + 0.5) / (windows + 1.0)
        return Forecast(self.history.countries, None, probabilities)

    def params(self) -> dict[str, float]:
        return {}


@dataclass(frozen=True)
class Climatology:
    """Binary events at their historical rate: the share of all windows of the same length in
    the history (or its last ``lookback_days``) that had the event."""

    lookback_days: int | None = None
    name: str = "climatology"

    def fit(self, history: DailySeries) -> _ClimatologyFit:
        """Keep the history: the rate depends on the window's length.

        Args:
            history: the days known at the origin.
        """
        return _ClimatologyFit(history, self.lookback_days)


def default_benchmarks() -> list[Forecaster]:
    """The benchmarks of the rolling evaluation: zeros, bootstrap, negbin, hawkes, climatology.

    Returns:
        The forecasters, with their default settings.
    """
    return [Zeros(), Bootstrap(), NegBinom(), Hawkes(), Climatology()]
