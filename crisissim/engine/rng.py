"""Random streams: one ``numpy.random.Generator`` per source of randomness, drawn in blocks.

Every stream is derived from the scenario seed by name: ``SeedSequence(seed,
spawn_key=(crc32(name),))`` is what ``SeedSequence.spawn`` does with a
positional key, but keyed by a stable name, so adding a pool or a contact type
never shifts the draws of another source. Studies get common random numbers
because each customer's attributes are drawn from their contact type's streams
at arrival, whatever the staffing.
"""

from __future__ import annotations

import math
import zlib
from abc import ABC, abstractmethod

import numpy as np

FIRST_BLOCK = 128
BLOCK = 512
"""Draws are made in blocks: the first of FIRST_BLOCK values, each next one twice as large up to
BLOCK. A stream used a little draws little (most draw a few hundred values per run, and a
block's unused tail is wasted work); a busy one makes few numpy calls. The values are the same
whatever the block sizes: numpy's generators give ``n`` then ``m`` draws as ``n + m`` at once."""


def _grown(n: int) -> int:
    return n * 2 if n < BLOCK else BLOCK


def seed_sequence(seed: int, name: str) -> np.random.SeedSequence:
    """The seed sequence of the stream ``name`` under scenario seed ``seed``."""
    return np.random.SeedSequence(int(seed), spawn_key=(zlib.crc32(name.encode("utf-8")),))


def generator(seed: int, name: str) -> np.random.Generator:
    """A fresh generator for stream ``name``."""
    return np.random.Generator(np.random.PCG64(seed_sequence(seed, name)))


class Stream:
    """Buffered draws of one kind from the generator of stream ``name``: ``next()`` returns a float.

    ``draw(rng, n)`` fills a block; values are consumed in order, so the sequence
    is the same however the simulation is advanced. The generator is made on the first
    draw (a stream never drawn from costs nothing).
    """

    __slots__ = ("_seed", "_name", "_rng", "_draw", "_buf", "_i", "_n", "_size")

    def __init__(self, seed: int, name: str, draw):
        self._seed = seed
        self._name = name
        self._rng: np.random.Generator | None = None
        self._draw = draw
        self._buf: list[float] = []
        self._i = 0
        self._n = 0
        self._size = FIRST_BLOCK

    def next(self) -> float:
        i = self._i
        if i >= self._n:
            if self._rng is None:
                self._rng = generator(self._seed, self._name)
            n = self._size
            self._size = _grown(n)
            self._buf = self._draw(self._rng, n).tolist()
            self._n = len(self._buf)
            i = 0
        self._i = i + 1
        return self._buf[i]


def uniform_stream(seed: int, name: str) -> Stream:
    """Uniform(0, 1) draws."""
    return Stream(seed, name, lambda rng, n: rng.random(n))


def dist_stream(seed: int, name: str, dist) -> Stream:
    """Draws of a scenario distribution (minutes)."""
    return Stream(seed, name, dist.sample)


def poisson_from_uniform(u: float, lam: float) -> int:
    """Inverse-CDF Poisson draw from one uniform, so a stream advances one step per draw."""
    if lam <= 0:
        return 0
    if lam > 200:  # normal approximation with continuity correction
        from statistics import NormalDist

        return max(0, int(round(NormalDist(lam, lam**0.5).inv_cdf(min(max(u, 1e-12), 1 - 1e-12)))))
    p = math.exp(-lam)
    cdf = p
    k = 0
    while u > cdf and k < 10_000:
        k += 1
        p *= lam / k
        cdf += p
    return k


class _Rows(ABC):
    """Consumes rows drawn a block at a time by ``_block()`` (columns, zipped here); one call
    per customer or candidate.

    Hot path: ``take`` is the C-level ``__next__`` of a ``zip`` over the block's columns, so
    a row costs no Python call and, unpacked at once, no allocation (``zip`` reuses its
    tuple) — a block of tuples would keep the garbage collector busy. It raises
    ``StopIteration`` when the block is used up, and then ``next()`` refills it::

        try:
            a, b = rows.take()
        except StopIteration:
            a, b = rows.next()

    ``next()`` alone gives the same rows in the same order.
    """

    __slots__ = ("take", "_size")

    def __init__(self):
        self.take = iter(()).__next__
        self._size = FIRST_BLOCK

    @abstractmethod
    def _block(self, n: int) -> list[list[float]]:
        """The columns of the next block, ``n`` rows."""

    def next(self) -> tuple:
        try:
            return self.take()
        except StopIteration:
            n = self._size
            self._size = _grown(n)
            self.take = zip(*self._block(n), strict=True).__next__
            return self.take()


class AttributeStream(_Rows):
    """Per-customer attribute rows ``(handle, patience, fcr_u, churn_u, negative_u, deflect_u)``.

    Each column comes from its own generator (one stream per source of randomness),
    drawn in blocks and zipped, so the engine pays one call per customer. The generators
    are made on the first draw; without ``negative`` (a contact type that is not social)
    that column is a constant 1.0 and its stream is never drawn.
    """

    __slots__ = ("_seed", "_prefix", "_gens", "_hd", "_pd", "_negative")

    def __init__(self, seed: int, prefix: str, handle_dist, patience_dist, negative: bool = True):
        super().__init__()
        self._seed = seed
        self._prefix = prefix
        self._gens: dict[str, np.random.Generator] | None = None
        self._hd = handle_dist
        self._pd = patience_dist
        self._negative = negative

    def _block(self, n: int) -> list[list[float]]:
        if self._gens is None:
            seed, prefix = self._seed, self._prefix
            self._gens = {k: generator(seed, prefix + k) for k in ("handle", "patience", "fcr", "churn", "negative",
                                                                   "deflect")
                          if (k != "patience" or self._pd is not None) and (k != "negative" or self._negative)}
        g = self._gens
        h = self._hd.sample(g["handle"], n).tolist()
        p = self._pd.sample(g["patience"], n).tolist() if self._pd is not None else [float("inf")] * n
        neg = g["negative"].random(n).tolist() if self._negative else [1.0] * n
        return [h, p, g["fcr"].random(n).tolist(), g["churn"].random(n).tolist(), neg, g["deflect"].random(n).tolist()]


class CandidateStream(_Rows):
    """Rows ``(exponential gap, acceptance uniform)`` for thinning, from two generators."""

    __slots__ = ("_e", "_u")

    def __init__(self, seed: int, prefix: str):
        super().__init__()
        self._e = generator(seed, prefix + "arrival-gap")
        self._u = generator(seed, prefix + "arrival-accept")

    def _block(self, n: int) -> list[list[float]]:
        return [self._e.standard_exponential(n).tolist(), self._u.random(n).tolist()]
