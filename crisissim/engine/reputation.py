"""Reputation R in [0, 100]: relaxes toward its baseline, moved by events and effects.

Between events R relaxes exponentially, R(t) = B + (R₀ − B)·e^(−κ(t − t₀)) with
κ = ln 2 / half-life, so it is evaluated exactly and lazily. A change that
happened at an earlier time (an abandonment settled late) is applied as it
would have relaxed since.

Gains have diminishing returns toward a ceiling C = min(100, B + headroom): a gain
of δ moves R to ``min(R + δ, C − (C − R)·e^(−δ/scale))`` (see
``crisissim.scenario.schema.Reputation``). Unanswered negative posts hurt in
proportion to their visibility, which :class:`Visibility` integrates exactly.
"""

from __future__ import annotations

import math


class Reputation:
    """Lazily relaxed reputation score."""

    __slots__ = ("value", "baseline", "kappa", "_t", "minimum", "ceiling", "gain_scale")

    def __init__(self, initial: float, baseline: float, half_life: float, headroom: float = 100.0,
                 gain_scale: float = 10.0):
        self.value = float(initial)
        self.baseline = float(baseline)
        self.kappa = math.log(2) / half_life
        self._t = 0.0
        self.minimum = self.value
        self.ceiling = min(100.0, self.baseline + headroom)
        self.gain_scale = gain_scale

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

    def gain(self, r: float, delta: float) -> float:
        """R after a gain of ``delta`` ≥ 0 points from ``r``: full far below the ceiling, diminishing near it."""
        c = self.ceiling
        if r >= c:
            return r
        return min(r + delta, c - (c - r) * math.exp(-delta / self.gain_scale))

    def add(self, delta: float, now: float, when: float | None = None) -> float:
        """Add ``delta`` points at ``now`` (gains with diminishing returns); with ``when`` < now, as if
        added then and relaxed since. Returns the change actually made."""
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
        new = self.gain(v, delta) if delta > 0 else v + delta
        new = min(100.0, max(0.0, new))
        self.value = new
        if new < self.minimum:
            self.minimum = new
        return new - v


class Visibility:
    """How many unanswered negative posts are in view: each counts 1 when posted and fades with
    ``e^(−β·age)`` (the social channel's excitation kernel) until answered. ``take()`` returns the
    post-minutes of visibility accumulated since the last call, integrated exactly."""

    __slots__ = ("value", "_t", "beta", "area")

    def __init__(self, half_life: float):
        self.value = 0.0
        self._t = 0.0
        self.beta = math.log(2) / half_life
        self.area = 0.0

    def _to(self, now: float) -> None:
        dt = now - self._t
        if dt > 0:
            decay = math.exp(-self.beta * dt)
            self.area += self.value * (1.0 - decay) / self.beta
            self.value *= decay
            self._t = now

    def post(self, now: float) -> None:
        """A negative post appears."""
        self._to(now)
        self.value += 1.0

    def answered(self, now: float, age: float) -> None:
        """A negative post of age ``age`` minutes is answered and leaves the view."""
        self._to(now)
        self.value = max(0.0, self.value - math.exp(-self.beta * age))

    def take(self, now: float) -> float:
        """Post-minutes of visibility since the last ``take``."""
        self._to(now)
        a, self.area = self.area, 0.0
        return a


class ReputationTicks:
    """What moves reputation over time besides instant hits, and who hears of a new level.

    On each clock tick: unanswered negative social posts cost ``post_hit`` points per hour of
    visibility (see :class:`Visibility`), the resolutions booked since the last tick add
    ``resolution_gain`` × their severity and the goodwill of compensated customers its points,
    and the new level is *re-read*: every listener (the churn intercept, the arrival sources'
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

    def shock(self, delta: float, now: float) -> float:
        """An instant change (an effect): applied and re-read now; returns the change made."""
        made = self.score.add(delta, now)
        self.reread(now)
        return made

    def tick(self, now: float, post_minutes: float, resolved_severity: float, goodwill: float) -> float:
        """A clock tick: ``post_minutes`` of unanswered negative posts in view since the last tick,
        resolutions (their severity) and goodwill points; then re-read."""
        if post_minutes and self.post_hit:
            self.score.add(-self.post_hit * post_minutes / 60.0, now)
        gain = self.resolution_gain * resolved_severity + goodwill
        if gain:
            self.score.add(gain, now)
        return self.reread(now)
