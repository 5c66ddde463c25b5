"""The clock tick: every ``meta.sample_every`` minutes (and at time 0) the engine settles
queues, moves reputation, draws silent churn, checks conditions and samples the time series.

The order is fixed, since later steps read what earlier ones changed:

1. the flow settles abandonments and SLA breaches due by now;
2. reputation: unanswered posts in view, the resolutions and the goodwill (compensation,
   turned posts, outreach offers) since the last tick, then re-read (churn intercept and
   arrival feedback follow);
3. silent churn over the tick at that reputation;
4. the early-warning alarms close the counting windows that have ended;
5. outreach: pools with calls to make and idle agents start calling (the at-risk list is pruned);
6. the director fires conditional injects and shows conditional cards;
7. one row of the time series.

At the end of the run :meth:`Tick.close` books what happened since the last tick (posts in
view, resolutions and goodwill, silent churn over the remaining minutes) and takes the last row.
"""

from __future__ import annotations

from crisissim.engine.timeline import sample


class Tick:
    """The periodic heartbeat of a run (see the module docstring for what it does, in order)."""

    def __init__(self, clock, every: float, duration: float, flow, reputation, churn, outreach, director, timeline,
                 types, pools, ledger, alarms=None):
        self.clock = clock
        self.alarms = alarms
        self.every = every
        self.duration = duration
        self.flow = flow
        self.reputation = reputation
        self.churn = churn
        self.outreach = outreach
        self.director = director
        self.timeline = timeline
        self.types = types
        self.pools = pools
        self.ledger = ledger
        self._social = [t for t in types if t.social]
        self._last = 0.0  # time of the last tick

    def start(self) -> None:
        """The first tick, now (time 0); each schedules the next."""
        self._tick(None)

    def _tick(self, _ev) -> None:
        now = self.clock.now
        dt = self.every if now > 0 else 0.0
        self.flow.settle(now)
        self._move(now, dt)
        if self.alarms is not None:
            self.alarms.update(now)
        self.outreach.wake(now, self.flow.dispatch_idle)
        self.director.check(now)
        self.sample(now)
        if now + self.every < self.duration - 1e-9:
            self.clock.after(self.every, self._tick)

    def _move(self, now: float, dt: float) -> None:
        """Reputation and silent churn since the last tick, ``dt`` minutes ago."""
        seen = sum(t.visibility.take(now) for t in self._social) if self._social else 0.0
        goodwill = self.flow.take_goodwill() + self.outreach.take_goodwill()
        r = self.reputation.tick(now, seen, self.flow.take_resolved_severity(), goodwill)
        self.churn.tick_silent(r, dt)
        self._last = now

    def close(self, now: float) -> None:
        """The end of the run (after the flow settled): book what happened since the last tick, sample."""
        if now > self._last:
            self._move(now, now - self._last)
        self.sample(now)

    def sample(self, now: float) -> None:
        """One row of the time series at ``now``."""
        sample(self.timeline, now, self.types, self.pools, self.reputation.score, self.ledger, self.churn)
