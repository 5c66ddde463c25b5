"""The clock tick: every ``meta.sample_every`` minutes (and at time 0) the engine settles
queues, moves reputation, draws silent churn, checks conditions and samples the time series.

The order is fixed, since later steps read what earlier ones changed:

1. the flow settles abandonments and SLA breaches due by now;
2. reputation: unanswered posts and the resolutions since the last tick, then re-read
   (churn intercept and arrival feedback follow);
3. silent churn over the tick at that reputation;
4. the early-warning alarms close the counting windows that have ended;
5. the director fires conditional injects and shows conditional cards;
6. one row of the time series.
"""

from __future__ import annotations

from crisissim.engine.timeline import sample


class Tick:
    """The periodic heartbeat of a run (see the module docstring for what it does, in order)."""

    def __init__(self, clock, every: float, duration: float, flow, reputation, churn, director, timeline,
                 types, pools, ledger, alarms=None):
        self.clock = clock
        self.alarms = alarms
        self.every = every
        self.duration = duration
        self.flow = flow
        self.reputation = reputation
        self.churn = churn
        self.director = director
        self.timeline = timeline
        self.types = types
        self.pools = pools
        self.ledger = ledger
        self._social = [t for t in types if t.social]

    def start(self) -> None:
        """The first tick, now (time 0); each schedules the next."""
        self._tick(None)

    def _tick(self, _ev) -> None:
        now = self.clock.now
        dt = self.every if now > 0 else 0.0
        self.flow.settle(now)
        posts = sum(t.neg_waiting for t in self._social)
        r = self.reputation.tick(now, dt, posts, self.flow.take_resolved_severity())
        self.churn.tick_silent(r, dt)
        if self.alarms is not None:
            self.alarms.update(now)
        self.director.check(now)
        self.sample(now)
        if now + self.every < self.duration - 1e-9:
            self.clock.after(self.every, self._tick)

    def sample(self, now: float) -> None:
        """One row of the time series at ``now``."""
        sample(self.timeline, now, self.types, self.pools, self.reputation.score, self.ledger, self.churn)
