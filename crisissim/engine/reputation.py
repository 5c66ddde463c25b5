"""Reputation R in [0, 100]: relaxes toward its baseline, moved by events and effects.

Between events R relaxes exponentially, R(t) = B + (R₀ − B)·e^(−κ(t − t₀)) with
κ = ln 2 / half-life, so it is evaluated exactly and lazily. A change that
happened at an earlier time (an abandonment settled late) is applied as it
would have relaxed since.
"""

from __future__ import annotations

import math


class Reputation:
    """Lazily relaxed reputation score."""

    __slots__ = ("value", "baseline", "kappa", "_t", "minimum")

    def __init__(self, initial: float, baseline: float, half_life: float):
        self.value = float(initial)
        self.baseline = float(baseline)
        self.kappa = math.log(2) / half_life
        self._t = 0.0
        self.minimum = self.value

    def at(self, now: float) -> float:
        """R at ``now`` (no state change)."""
        dt = now - self._t
        if dt <= 0:
            return self.value
        b = self.baseline
        return b + (self.value - b) * math.exp(-self.kappa * dt)

    def advance(self, now: float) -> float:
        v = self.at(now)
        if now > self._t:
            self.value = v
            self._t = now
            if v < self.minimum:
                self.minimum = v
        return v

    def add(self, delta: float, now: float, when: float | None = None) -> None:
        """Add ``delta`` points at ``now``; with ``when`` < now, as if added then and relaxed since."""
        v = self.advance(now)
        if when is not None and when < now:
            delta *= math.exp(-self.kappa * (now - when))
        v = min(100.0, max(0.0, v + delta))
        self.value = v
        if v < self.minimum:
            self.minimum = v
