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
        dt = now - self._t  # advance(now), inlined: abandonments hit reputation one by one
        if dt > 0:
            b = self.baseline
            v = b + (self.value - b) * math.exp(-self.kappa * dt)
            self._t = now
            if v < self.minimum:
                self.minimum = v
        else:
            v = self.value
        if when is not None and when < now:
            delta *= math.exp(-self.kappa * (now - when))
        v = min(100.0, max(0.0, v + delta))
        self.value = v
        if v < self.minimum:
            self.minimum = v


class ReputationTicks:
    """What moves reputation over time besides instant hits, and who hears of a new level.

    On each clock tick: unanswered negative social posts cost ``post_hit`` points per post-hour,
    the resolutions booked since the last tick add ``resolution_gain`` × their severity, and
    the new level is *re-read*: every listener (the churn intercept, the arrival sources'
    feedback) gets it. A shock (an effect) is applied and re-read at once. Abandonments and
    breaches hit the :class:`Reputation` score directly and are heard on the next re-read.
    """

    def __init__(self, score: Reputation, spec, listeners):
        self.score = score
        self.post_hit = spec.post_hit
        self.resolution_gain = spec.resolution_gain
        self.listeners = list(listeners)  # callables(r)

    def reread(self, now: float) -> float:
        """Bring the score to ``now`` and tell every listener."""
        r = self.score.advance(now)
        for listen in self.listeners:
            listen(r)
        return r

    def shock(self, delta: float, now: float) -> None:
        """An instant change (an effect): applied and re-read now."""
        self.score.add(delta, now)
        self.reread(now)

    def tick(self, now: float, dt: float, posts: int, resolved_severity: float) -> float:
        """A clock tick ``dt`` minutes after the last: posts and resolutions, then re-read."""
        if posts and self.post_hit and dt:
            self.score.add(-self.post_hit * posts * dt / 60.0, now)
        if resolved_severity:
            self.score.add(self.resolution_gain * resolved_severity, now)
        return self.reread(now)
