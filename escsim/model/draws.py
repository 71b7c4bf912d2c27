"""Random numbers drawn in blocks from one generator per replication.

Calling ``numpy.random.Generator`` once per number costs about half a microsecond of Python
overhead; drawing a block of uniforms and handing them out from a list costs a tenth of that.
Every draw in a replication comes from the one generator it was given, so the replication is
reproducible from its seed alone.

Hot paths (a militia group's candidate attacks, the outcome of an attack) pop from
:attr:`Draws.uniforms` directly after making sure it holds at least :data:`RESERVE` numbers, which
saves a method call per number; everything else calls :meth:`Draws.uniform` and friends.
"""

from __future__ import annotations

import math

import numpy as np

#: Uniforms drawn from the generator at a time.
BLOCK = 512
#: Numbers a hot path may pop from ``uniforms`` after checking ``len(uniforms) >= RESERVE``.
RESERVE = 16
#: Counts (Poisson, negative binomial) drawn at a time for each parameter value: a replication
#: draws a few dozen of each, so small blocks save most of the per-call cost and waste little.
COUNT_BLOCK = 8


class Draws:
    """Uniform and derived variates from ``rng``, drawn in blocks."""

    __slots__ = ("rng", "uniforms", "_counts")

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        #: The pool of uniforms on [0, 1); numbers are taken with ``pop()``.
        self.uniforms: list[float] = []
        self._counts: dict[object, list[int]] = {}  # count pools by parameter value

    def reseed(self, rng: np.random.Generator) -> None:
        """Draw every number from now on from ``rng``: the one hook that continues a history
        with a new random stream (a clone in :mod:`escsim.tail`).

        Numbers already pooled from the old generator are discarded, so what follows depends
        only on the state of the world and ``rng``. The uniform pool is refilled in place (hot
        paths hold references to the list and may pop up to :data:`RESERVE` numbers after one
        length check), so this is safe even between a check and its pops; it is meant to be
        called between SimPy events.
        """
        self.rng = rng
        self.uniforms[:] = rng.random(BLOCK).tolist()
        self._counts.clear()

    def top_up(self) -> None:
        """Add a block of uniforms to the pool (in place: references to the list stay valid).

        The new block goes in front, so the numbers already in the pool are used first.
        """
        self.uniforms[:0] = self.rng.random(BLOCK).tolist()

    def uniform(self) -> float:
        """A uniform variate on [0, 1)."""
        try:
            return self.uniforms.pop()
        except IndexError:
            self.top_up()
            return self.uniforms.pop()

    def exponential(self) -> float:
        """A standard exponential variate (mean 1), by inversion of a uniform."""
        return -math.log(1.0 - self.uniform())

    def bernoulli(self, p: float) -> bool:
        try:
            return self.uniforms.pop() < p
        except IndexError:
            self.top_up()
            return self.uniforms.pop() < p

    def between(self, low: float, high: float) -> float:
        return low + (high - low) * self.uniform()

    def integer_between(self, low: int, high: int) -> int:
        """Uniform integer in [low, high]."""
        return low + min(int(self.uniform() * (high - low + 1)), high - low)

    def poisson(self, mean: float) -> int:
        """A Poisson count (drawn ``COUNT_BLOCK`` at a time for each mean)."""
        if mean <= 0:
            return 0
        pool = self._counts.get(mean)
        if not pool:
            pool = self._counts[mean] = self.rng.poisson(mean, COUNT_BLOCK).tolist()
        return pool.pop()

    def negative_binomial_mean(self, mean: float, shape: float) -> int:
        """Negative binomial count with the given mean and shape (gamma-Poisson mixture), drawn
        ``COUNT_BLOCK`` at a time for each (mean, shape)."""
        if mean <= 0:
            return 0
        key = (mean, shape)
        pool = self._counts.get(key)
        if not pool:
            pool = self._counts[key] = self.rng.negative_binomial(
                shape, shape / (shape + mean), COUNT_BLOCK).tolist()
        return pool.pop()
