"""Random streams: one ``numpy.random.Generator`` per source of randomness, drawn in blocks.

Every stream is derived from the scenario seed by name: ``SeedSequence(seed,
spawn_key=(crc32(name),))`` is what ``SeedSequence.spawn`` does with a
positional key, but keyed by a stable name, so adding a pool or a contact type
never shifts the draws of another source. Studies get common random numbers
because each customer's attributes are drawn from their contact type's streams
at arrival, whatever the staffing.
"""

from __future__ import annotations

import zlib
from abc import ABC, abstractmethod

import numpy as np

BLOCK = 2048


def seed_sequence(seed: int, name: str) -> np.random.SeedSequence:
    """The seed sequence of the stream ``name`` under scenario seed ``seed``."""
    return np.random.SeedSequence(int(seed), spawn_key=(zlib.crc32(name.encode("utf-8")),))


def generator(seed: int, name: str) -> np.random.Generator:
    """A fresh generator for stream ``name``."""
    return np.random.Generator(np.random.PCG64(seed_sequence(seed, name)))


class Stream:
    """Buffered draws of one kind from one generator: ``next()`` returns a float.

    ``draw(rng, n)`` fills a block; values are consumed in order, so the sequence
    is the same however the simulation is advanced.
    """

    __slots__ = ("_rng", "_draw", "_buf", "_i", "_n")

    def __init__(self, rng: np.random.Generator, draw):
        self._rng = rng
        self._draw = draw
        self._buf: list[float] = []
        self._i = 0
        self._n = 0

    def next(self) -> float:
        i = self._i
        if i >= self._n:
            self._buf = self._draw(self._rng, BLOCK).tolist()
            self._n = len(self._buf)
            i = 0
        self._i = i + 1
        return self._buf[i]


def uniform_stream(seed: int, name: str) -> Stream:
    """Uniform(0, 1) draws."""
    return Stream(generator(seed, name), lambda rng, n: rng.random(n))


def dist_stream(seed: int, name: str, dist) -> Stream:
    """Draws of a scenario distribution (minutes)."""
    return Stream(generator(seed, name), dist.sample)


def poisson_from_uniform(u: float, lam: float) -> int:
    """Inverse-CDF Poisson draw from one uniform, so a stream advances one step per draw."""
    if lam <= 0:
        return 0
    if lam > 200:  # normal approximation with continuity correction
        from statistics import NormalDist

        return max(0, int(round(NormalDist(lam, lam**0.5).inv_cdf(min(max(u, 1e-12), 1 - 1e-12)))))
    import math

    p = math.exp(-lam)
    cdf = p
    k = 0
    while u > cdf and k < 10_000:
        k += 1
        p *= lam / k
        cdf += p
    return k


class _Rows(ABC):
    """Consumes rows drawn a block at a time by ``_block()``; one call per customer or candidate."""

    __slots__ = ("_rows", "_i", "_n")

    def __init__(self):
        self._rows: list[tuple] = []
        self._i = 0
        self._n = 0

    @abstractmethod
    def _block(self) -> list[tuple]:
        """The next block of rows."""

    def next(self) -> tuple:
        i = self._i
        if i >= self._n:
            self._rows = self._block()
            self._n = len(self._rows)
            i = 0
        self._i = i + 1
        return self._rows[i]


class AttributeStream(_Rows):
    """Per-customer attribute rows ``(handle, patience, fcr_u, churn_u, negative_u, deflect_u)``.

    Each column comes from its own generator (one stream per source of randomness),
    drawn in blocks and zipped, so the engine pays one call per customer.
    """

    __slots__ = ("_h", "_p", "_u", "_hd", "_pd")

    def __init__(self, seed: int, prefix: str, handle_dist, patience_dist):
        super().__init__()
        self._h = generator(seed, prefix + "handle")
        self._p = generator(seed, prefix + "patience") if patience_dist is not None else None
        self._u = [generator(seed, prefix + k) for k in ("fcr", "churn", "negative", "deflect")]
        self._hd = handle_dist
        self._pd = patience_dist

    def _block(self) -> list[tuple]:
        h = self._hd.sample(self._h, BLOCK).tolist()
        p = self._pd.sample(self._p, BLOCK).tolist() if self._pd is not None else [float("inf")] * BLOCK
        return list(zip(h, p, *(g.random(BLOCK).tolist() for g in self._u)))


class CandidateStream(_Rows):
    """Rows ``(exponential gap, acceptance uniform)`` for thinning, from two generators."""

    __slots__ = ("_e", "_u")

    def __init__(self, seed: int, prefix: str):
        super().__init__()
        self._e = generator(seed, prefix + "arrival-gap")
        self._u = generator(seed, prefix + "arrival-accept")

    def _block(self) -> list[tuple]:
        return list(zip(self._e.standard_exponential(BLOCK).tolist(), self._u.random(BLOCK).tolist()))
