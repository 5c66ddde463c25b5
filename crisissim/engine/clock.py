"""The clock: SimPy's environment driven one event at a time, counting steps.

Every decision is recorded with the number of events processed before it (its
"step"); a replay applies it at the same step and reproduces the run bit for bit,
however the original was advanced. Between events the clock applies the
:class:`~crisissim.engine.replay.DecisionPlan`'s decisions due at the current step
or time, and with ``stop_on_card`` it stops as soon as a card waits for the trainee.
"""

from __future__ import annotations

import heapq
import math

from crisissim.engine.crisis import DecisionError


class Clock:
    """Owns the step count and advances the environment."""

    def __init__(self, env, duration: float, director, plan):
        self.env = env
        self.duration = duration
        self.director = director
        self.plan = plan
        self.steps = 0

    @property
    def now(self) -> float:
        return self.env.now

    def advance(self, until: float, stop_on_card: bool) -> bool:
        """Process events before ``until``, applying replayed and scheduled decisions at their
        step or time; with ``stop_on_card``, return True as soon as a card waits for the trainee."""
        env = self.env
        q = env._queue
        hooks = self.plan.hooks
        acts = self.plan.timed
        seen = self.director.awaiting
        until = min(until, self.duration)
        while True:
            if hooks and hooks[0]["step"] <= self.steps:
                self._apply_hook(hooks.pop(0))
                continue
            nxt = q[0][0] if q else math.inf
            if acts and acts[0][0] <= nxt and acts[0][0] < until:
                t, action = acts.pop(0)
                if t > env._now:
                    env._now = t
                try:
                    self.director.act(action, by="policy", step=self.steps)
                except DecisionError:
                    pass  # a scripted action that is not available then is skipped
                continue
            if nxt >= until:
                break
            t_end = min(until, acts[0][0]) if acts else until
            step_end = hooks[0]["step"] if hooks else math.inf
            if self._events(t_end, step_end, seen if stop_on_card else None):
                return True
        if until > env._now:
            env._now = until
        return False

    def _events(self, t_end: float, step_end: float, seen: int | None) -> bool:
        """SimPy's ``Environment.step``, inlined: process events before ``t_end`` and step ``step_end``.

        Return True if a card started waiting for the trainee (when ``seen`` is given)."""
        env = self.env
        q = env._queue
        pop = heapq.heappop
        director = self.director
        steps = self.steps
        try:
            while q and q[0][0] < t_end and steps < step_end:
                env._now, _, _, event = pop(q)
                callbacks, event.callbacks = event.callbacks, None
                for callback in callbacks:
                    callback(event)
                if not event._ok and not hasattr(event, "_defused"):
                    raise event._value
                steps += 1
                if seen is not None and director.awaiting > seen:
                    return True
        finally:
            self.steps = steps
        return False

    def _apply_hook(self, e: dict) -> None:
        if e["t"] > self.env.now:
            self.env._now = e["t"]
        if "action" in e:
            self.director.act(e["action"], by=e.get("by", "trainee"), step=self.steps)
        else:
            self.director.choose(e["card"], e["option"], by=e.get("by", "trainee"), step=self.steps)

    def jump_to_end(self) -> None:
        """Set the clock to the end of the run (after the last event before it)."""
        self.env._now = self.duration
