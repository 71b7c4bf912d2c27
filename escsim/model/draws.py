"""Random numbers: one stream per source of chance, drawn in blocks.

A replication's randomness comes from its seed alone, split by purpose (:class:`Streams`): each
militia group's attack timing, the outcomes of its attacks, the US policy's decisions, the
effects of US strikes, Iran's decisions, the outcomes of Iran's salvos, the losses Iran takes,
the timeline. Each purpose has its own generator, derived from the seed and the purpose's name,
so changing one actor's behaviour leaves the other actors' draws where they were: replication
*r* of two variants is a paired comparison (common random numbers), and a policy change cannot
shift the militias' attack times before the first US strike.

Calling ``numpy.random.Generator`` once per number costs about half a microsecond of Python
overhead; drawing a block of uniforms and handing them out from a list costs a tenth of that.
Blocks start small and grow, and a stream's generator is made only when the stream is first
used, because a replication uses some streams for a handful of numbers only.

Hot paths (a militia group's candidate attacks, the outcome of an attack) pop from
:attr:`Draws.uniforms` directly after making sure it holds at least :data:`RESERVE` numbers, which
saves a method call per number; everything else calls :meth:`Draws.uniform` and friends.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable

import numpy as np

#: Uniforms drawn from the generator at a time, at most (a stream's first block is
#: :data:`FIRST_BLOCK`; each block after it is twice the last, up to this).
BLOCK = 512
FIRST_BLOCK = 32
#: Numbers a hot path may pop from ``uniforms`` after checking ``len(uniforms) >= RESERVE``.
RESERVE = 16
#: Counts (Poisson, negative binomial) drawn at a time for each parameter value: a replication
#: draws a few dozen of each, so small blocks save most of the per-call cost and waste little.
COUNT_BLOCK = 8

_Generator, _PCG64, _SeedSequence = np.random.Generator, np.random.PCG64, np.random.SeedSequence


def purpose_key(purpose: str) -> int:
    """The spawn key of a purpose's stream: a stable hash of its name (CRC-32), so a stream
    does not depend on which other purposes exist or in what order they are first used."""
    return zlib.crc32(purpose.encode("utf-8"))


class Streams:
    """The random streams of one replication, one :class:`Draws` per purpose.

    The stream of ``purpose`` is ``default_rng(SeedSequence(seed, spawn_key=(*prefix,
    purpose_key(purpose))))`` (built as ``Generator(PCG64(...))``, the same generator);
    ``prefix`` is empty for a replication and names the clone for a history continued by
    :mod:`escsim.tail` (:meth:`reseed`).
    """

    __slots__ = ("seed", "prefix", "_draws")

    def __init__(self, seed: int, prefix: tuple[int, ...] = ()):
        self.seed = seed
        self.prefix = prefix
        self._draws: dict[str, Draws] = {}

    def _factory(self, purpose: str) -> Callable[[], np.random.Generator]:
        seed, key = self.seed, (*self.prefix, purpose_key(purpose))
        # ``default_rng(seed_sequence)`` wraps exactly this (PCG64 from the seed sequence) after
        # type checks that cost about a microsecond; a replication makes ~8 generators
        return lambda: _Generator(_PCG64(_SeedSequence(seed, spawn_key=key)))

    def draws(self, purpose: str) -> Draws:
        """The stream of ``purpose`` (e.g. ``militia/iraq_factions/timing``, ``us/policy``)."""
        found = self._draws.get(purpose)
        if found is None:
            found = self._draws[purpose] = Draws(self._factory(purpose))
        return found

    @property
    def purposes(self) -> list[str]:
        """The purposes used so far."""
        return list(self._draws)

    def reseed(self, prefix: tuple[int, ...]) -> None:
        """Draw every number from now on -- in every stream, used or not yet -- from the
        streams of ``prefix``: the one hook that continues a history with new random numbers
        (a clone in :mod:`escsim.tail`). See :meth:`Draws.reseed`."""
        self.prefix = prefix
        for purpose, draws in self._draws.items():
            draws.reseed(self._factory(purpose)())


class Draws:
    """Uniform and derived variates from one generator, drawn in blocks.

    Args:
        rng: the generator, or a function that makes it (called on first use).
    """

    __slots__ = ("_rng", "_make", "_block", "uniforms", "_counts")

    def __init__(self, rng: np.random.Generator | Callable[[], np.random.Generator]):
        if isinstance(rng, np.random.Generator):
            self._rng: np.random.Generator | None = rng
            self._make: Callable[[], np.random.Generator] | None = None
        else:
            self._rng, self._make = None, rng
        self._block = FIRST_BLOCK
        #: The pool of uniforms on [0, 1); numbers are taken with ``pop()``.
        self.uniforms: list[float] = []
        self._counts: dict[object, list[int]] = {}  # count pools by parameter value

    @property
    def rng(self) -> np.random.Generator:
        """The generator (made on first use)."""
        if self._rng is None:
            assert self._make is not None
            self._rng = self._make()
        return self._rng

    def reseed(self, rng: np.random.Generator) -> None:
        """Draw every number from now on from ``rng``: the one hook that continues a history
        with a new random stream (a clone in :mod:`escsim.tail`).

        Numbers already pooled from the old generator are discarded, so what follows depends
        only on the state of the world and ``rng``. The uniform pool is refilled in place (hot
        paths hold references to the list and may pop up to :data:`RESERVE` numbers after one
        length check), so this is safe even between a check and its pops; it is meant to be
        called between SimPy events.
        """
        self._rng, self._make = rng, None
        self._block = FIRST_BLOCK
        self.uniforms.clear()  # in place: hot paths hold the list
        self.top_up()  # as a fresh stream's first block
        self._counts.clear()

    def top_up(self) -> None:
        """Add a block of uniforms to the pool (in place: references to the list stay valid).

        The new block goes in front, so the numbers already in the pool are used first.
        """
        block = self._block
        self.uniforms[:0] = self.rng.random(block).tolist()
        if block < BLOCK:
            self._block = 2 * block

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
