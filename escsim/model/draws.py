"""Random numbers drawn in blocks from one generator per replication.

Calling ``numpy.random.Generator`` once per number costs about a microsecond of Python overhead;
drawing blocks of a few hundred and handing them out from a list costs a tenth of that. Every draw
in a replication comes from the one generator it was given, so the replication is reproducible
from its seed alone.
"""

from __future__ import annotations

import numpy as np

BLOCK = 256


class Draws:
    """Uniform and exponential variates from ``rng``, drawn ``BLOCK`` at a time."""

    __slots__ = ("rng", "_uniform", "_exponential")

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self._uniform: list[float] = []
        self._exponential: list[float] = []

    def uniform(self) -> float:
        """A uniform variate on [0, 1)."""
        try:
            return self._uniform.pop()
        except IndexError:
            self._uniform = self.rng.random(BLOCK).tolist()
            return self._uniform.pop()

    def exponential(self) -> float:
        """A standard exponential variate (mean 1)."""
        try:
            return self._exponential.pop()
        except IndexError:
            self._exponential = self.rng.standard_exponential(BLOCK).tolist()
            return self._exponential.pop()

    def bernoulli(self, p: float) -> bool:
        return self.uniform() < p

    def choice(self, cumulative: list[float]) -> int:
        """Index drawn with probabilities given as a cumulative list ending at 1."""
        u = self.uniform()
        for i, c in enumerate(cumulative):
            if u < c:
                return i
        return len(cumulative) - 1

    def between(self, low: float, high: float) -> float:
        return low + (high - low) * self.uniform()

    def integer_between(self, low: int, high: int) -> int:
        """Uniform integer in [low, high]."""
        return low + min(int(self.uniform() * (high - low + 1)), high - low)

    def poisson(self, mean: float) -> int:
        return int(self.rng.poisson(mean)) if mean > 0 else 0

    def negative_binomial_mean(self, mean: float, shape: float) -> int:
        """Negative binomial count with the given mean and shape (gamma-Poisson mixture)."""
        if mean <= 0:
            return 0
        return int(self.rng.negative_binomial(shape, shape / (shape + mean)))
