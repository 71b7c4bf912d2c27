"""Random numbers: one keyed generator per replication, one stream per source of chance, drawn in
blocks.

A replication's randomness comes from its seed alone, split by purpose (:class:`Streams`): each
militia group's attack timing, the outcomes of its attacks, the US policy's decisions, the
effects of US strikes, Iran's decisions, the outcomes of Iran's salvos, the losses Iran takes,
the timeline. Each purpose has its own stream, derived from the seed and the purpose's name,
so changing one actor's behaviour leaves the other actors' draws where they were: replication
*r* of two variants is a paired comparison (common random numbers), and a policy change cannot
shift the militias' attack times before the first US strike.

The streams are those of a counter-based generator, Philox-4x64 (:class:`numpy.random.Philox`):
its output is a fixed function of a 128-bit key and a 256-bit counter, so a stream is a key --
``(seed, purpose_key(purpose))`` -- and a position, and needs no generator of its own. Making a
``Generator(PCG64(SeedSequence(seed, spawn_key=...)))`` per purpose cost ~20 us each (the seed
sequence's hashing), a fifth of a short replication's cost; here each block of numbers sets the
one generator of the thread (:func:`keyed_generator`) to the stream's key and position (~4 us)
and draws. A stream's uniforms come from counters ``(i, 0, 0, 0)``, i = 0, 1, ...; its count
draws (Poisson, negative binomial) from counters ``(i, j, 0, 0)`` for its j-th such draw, j >= 1,
so the counts never shift the uniforms and no state is read back.

Calling ``numpy.random.Generator`` once per number costs about half a microsecond of Python
overhead; drawing a block of uniforms and handing them out from a list costs a tenth of that.
Blocks start small and grow, because a replication uses some streams for a handful of numbers
only.

Hot paths (a militia group's candidate attacks, the outcome of an attack) pop from
:attr:`Draws.uniforms` directly after making sure it holds at least :data:`RESERVE` numbers, which
saves a method call per number; everything else calls :meth:`Draws.uniform` and friends.
"""

from __future__ import annotations

import functools
import math
import threading
import zlib
from typing import Any

import numpy as np

#: Uniforms drawn from the generator at a time, at most (a stream's first block is
#: :data:`FIRST_BLOCK`; each block after it is twice the last, up to this). Multiples of 4: a
#: Philox counter gives four 64-bit words, so a block uses whole counters.
BLOCK = 512
FIRST_BLOCK = 32
#: Numbers a hot path may pop from ``uniforms`` after checking ``len(uniforms) >= RESERVE``.
RESERVE = 16
#: Counts (Poisson, negative binomial) drawn at a time for each parameter value: a replication
#: draws a few dozen of each, so small blocks save most of the per-call cost and waste little.
COUNT_BLOCK = 8
#: Bit 32 of a key's second word: the first word is a hash of (seed, prefix), not the seed.
HASHED_KEY = 1 << 32

_U64 = np.uint64
_EMPTY_BUFFER = np.zeros(4, dtype=_U64)
_local = threading.local()


@functools.lru_cache(maxsize=1024)
def purpose_key(purpose: str) -> int:
    """The key word of a purpose's stream: a stable hash of its name (CRC-32), so a stream
    does not depend on which other purposes exist or in what order they are first used."""
    return zlib.crc32(purpose.encode("utf-8"))


def seed_word(seed: int, prefix: tuple[int, ...] = ()) -> tuple[int, int]:
    """The key of a replication (first word) and its flag bits (for the second word).

    A seed below 2**64 without prefix is its own first word (replication seeds are hashes
    already: :func:`escsim.engine.replication_seed`); anything else -- a clone's prefix, a seed
    of 64 bits or more -- is hashed by ``SeedSequence(seed, spawn_key=prefix)`` and flagged
    (:data:`HASHED_KEY`), so its keys never meet a plain seed's.
    """
    if not prefix and 0 <= seed < 2**64:
        return seed, 0
    ss = np.random.SeedSequence(seed, spawn_key=prefix)
    return int(ss.generate_state(1, dtype=_U64)[0]), HASHED_KEY


def keyed_generator(key: tuple[int, int], counter0: int, counter1: int) -> np.random.Generator:
    """The thread's Philox generator, set to ``key`` at counter ``(counter0, counter1, 0, 0)``
    with an empty buffer (one generator per thread, so threaded executors share nothing)."""
    try:
        gen: np.random.Generator = _local.generator
    except AttributeError:
        gen = _local.generator = np.random.Generator(np.random.Philox(0))
    gen.bit_generator.state = {
        "bit_generator": "Philox",
        "state": {"counter": (counter0, counter1, 0, 0), "key": key},
        "buffer": _EMPTY_BUFFER, "buffer_pos": 4, "has_uint32": 0, "uinteger": 0}
    return gen


class KeyedStream:
    """One stream of the keyed generator: its key, and how far it has drawn (see the module's
    docstring). Offers the three draws :class:`Draws` asks of a generator."""

    __slots__ = ("key", "blocks", "count_draws")

    def __init__(self, key: tuple[int, int]):
        self.key = key
        self.blocks = 0  # counters used by uniforms
        self.count_draws = 0  # count draws made

    def random(self, size: int) -> np.ndarray:
        out = keyed_generator(self.key, self.blocks, 0).random(size)
        self.blocks += -(-size // 4)  # whole counters: a partial one's rest is never used
        return out

    def poisson(self, lam: float, size: int) -> np.ndarray:
        self.count_draws += 1
        return keyed_generator(self.key, 0, self.count_draws).poisson(lam, size)

    def negative_binomial(self, n: float, p: float, size: int) -> np.ndarray:
        self.count_draws += 1
        return keyed_generator(self.key, 0, self.count_draws).negative_binomial(n, p, size)


class Streams:
    """The random streams of one replication, one :class:`Draws` per purpose.

    The stream of ``purpose`` is the :class:`KeyedStream` of key ``(k, flags | purpose_key(
    purpose))``, ``(k, flags) = seed_word(seed, prefix)``; ``prefix`` is empty for a replication
    and names the clone for a history continued by :mod:`escsim.tail` (:meth:`reseed`).
    """

    __slots__ = ("seed", "prefix", "_word", "_draws")

    def __init__(self, seed: int, prefix: tuple[int, ...] = ()):
        self.seed = seed
        self.prefix = prefix
        self._word = seed_word(seed, prefix)
        self._draws: dict[str, Draws] = {}

    def stream(self, purpose: str) -> KeyedStream:
        """A fresh stream of ``purpose`` at its start."""
        word, flags = self._word
        return KeyedStream((word, flags | purpose_key(purpose)))

    def draws(self, purpose: str) -> Draws:
        """The stream of ``purpose`` (e.g. ``militia/iraq_factions/timing``, ``us/policy``)."""
        found = self._draws.get(purpose)
        if found is None:
            found = self._draws[purpose] = Draws(self.stream(purpose))
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
        self._word = seed_word(self.seed, prefix)
        for purpose, draws in self._draws.items():
            draws.reseed(self.stream(purpose))


class Draws:
    """Uniform and derived variates from one generator, drawn in blocks.

    Args:
        rng: a :class:`KeyedStream` (a replication's streams) or a generator of its own.
    """

    __slots__ = ("rng", "_block", "uniforms", "_counts")

    def __init__(self, rng: np.random.Generator | KeyedStream):
        #: Where the numbers come from (``random``, ``poisson``, ``negative_binomial``).
        self.rng: Any = rng
        self._block = FIRST_BLOCK
        #: The pool of uniforms on [0, 1); numbers are taken with ``pop()``.
        self.uniforms: list[float] = []
        self._counts: dict[object, list[int]] = {}  # count pools by parameter value

    def reseed(self, rng: np.random.Generator | KeyedStream) -> None:
        """Draw every number from now on from ``rng``: the one hook that continues a history
        with a new random stream (a clone in :mod:`escsim.tail`).

        Numbers already pooled from the old generator are discarded, so what follows depends
        only on the state of the world and ``rng``. The uniform pool is refilled in place (hot
        paths hold references to the list and may pop up to :data:`RESERVE` numbers after one
        length check), so this is safe even between a check and its pops; it is meant to be
        called between SimPy events.
        """
        self.rng = rng
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
