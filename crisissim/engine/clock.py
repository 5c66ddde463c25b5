"""The clock: SimPy's environment driven one event at a time, counting steps.

Every decision is recorded with the number of events processed before it (its
"step"); a replay applies it at the same step and reproduces the run bit for bit,
however the original was advanced. Between events the clock applies the
:class:`~crisissim.engine.replay.DecisionPlan`'s decisions due at the current step
or time, and with ``stop_on_card`` it stops as soon as a card waits for the trainee.

SimPy is used through its public API only: ``Environment.peek()`` and ``step()`` drive
it, ``timeout()`` schedules. The contact flow's frequent events come from a second event
list, the :class:`Agenda`, merged here in time order; each counts as one step, as each
SimPy event does. SimPy's clock moves only by processing events, but a run
also stops *between* events (``run_until(t)``, a trainee's decision at ``t``, a policy's
action due at ``t``), so the clock may be *held* at a time ahead of the last event:
:attr:`Clock.now` is the time the engine is at, and :meth:`Clock.at` schedules an
event at an exact time from wherever SimPy's clock stands. Code that can run between
events reads ``clock.now`` and schedules through the clock; inside an event callback
``env.now == clock.now`` and the hot path may call ``env.timeout`` directly (it checks
``clock.held`` first).
"""

from __future__ import annotations

import heapq
import math
from typing import Any

from crisissim.engine.crisis import DecisionError


def exact_delay(base: float, t: float) -> float:
    """The delay ``d`` that puts SimPy's ``base + d`` at ``t`` (``t >= base``), or just below
    it when no float ``d`` can: ``t - base`` alone can miss ``t`` by one ulp, and with ``base``
    far below ``t`` some times are out of reach."""
    d = t - base
    while base + d < t:
        d = math.nextafter(d, math.inf)
    while base + d > t and d > 0:
        d = math.nextafter(d, -math.inf)
    return d


class Agenda:
    """The contact flow's frequent events in time order; when one is due, the clock calls
    ``handler(arg)`` standing at its time (held).

    Candidate arrivals and service completions with a continuous handle-time distribution go
    here instead of SimPy's queue (a SimPy event per contact would cost a third of the run).
    Their times are continuous, so they never tie with a SimPy event except with probability
    zero; among themselves, ties go in the order they were added, as SimPy's would.

    Layout (hot path: callers inline :meth:`add` and the clock inlines the pop): ``times`` is
    a heap of bare floats (cheaper to compare than tuples), ``due`` maps a time to its
    ``(handler, arg)``, and ``ties`` holds any further entries at a time already taken.
    """

    __slots__ = ("times", "due", "ties")

    def __init__(self):
        self.times: list[float] = []
        self.due: dict[float, tuple] = {}
        self.ties: dict[float, list[tuple]] = {}

    def add(self, t: float, handler, arg) -> None:
        """Call ``handler(arg)`` at time ``t``."""
        if t in self.due:
            self.tie(t, handler, arg)
        else:
            self.due[t] = (handler, arg)
            heapq.heappush(self.times, t)

    def tie(self, t: float, handler, arg) -> None:
        """A second entry at a time already taken: it waits its turn."""
        self.ties.setdefault(t, []).append((handler, arg))
        heapq.heappush(self.times, t)

    def untie(self, t: float) -> None:
        """The entry at ``t`` was taken: the next one tied at ``t`` moves up."""
        waiting = self.ties[t]
        self.due[t] = waiting.pop(0)
        if not waiting:
            del self.ties[t]


class Clock:
    """Owns the step count and the engine's time; advances the environment."""

    def __init__(self, env, duration: float):
        self.env = env
        self.duration = duration
        self.steps = 0
        self.held = False  # True while the clock stands ahead of SimPy's (between events)
        self.touched = False  # a SimPy event was scheduled while held (the loop must peek again)
        self._held_at = 0.0
        self.agenda = Agenda()
        self.director: Any = None  # given by drive()
        self.plan: Any = None
        self.max_steps = math.inf  # see limit()
        self.max_contacts: int | None = None

    def drive(self, director, plan) -> None:
        """The director whose cards and actions the plan's decisions go to."""
        self.director = director
        self.plan = plan

    def limit(self, max_steps: float, max_contacts: int | None) -> None:
        """Stop the run (:class:`~crisissim.engine.workload.WorkloadError`) after ``max_steps`` events."""
        self.max_steps, self.max_contacts = max_steps, max_contacts

    @property
    def now(self) -> float:
        """The engine's time (minutes): SimPy's, or the time the clock is held at."""
        return self._held_at if self.held else self.env.now

    def move_to(self, t: float) -> None:
        """Between events: stand at ``t`` (if later than now); the next events are all at or after it."""
        if t > self.now:
            self.held = True
            self._held_at = t

    def at(self, t: float, callback, value=None):
        """Schedule ``callback(event)`` at exactly ``t`` (not before now); return the event.

        If SimPy cannot place an event at ``t`` from where its clock stands, the event goes
        one ulp earlier and its callback runs with the engine's clock held at ``t``."""
        env = self.env
        self.touched = True
        base = env.now
        d = t - base
        if base + d != t:
            d = exact_delay(base, t)
            if base + d != t:
                ev = env.timeout(d, value)
                ev.callbacks.append(lambda ev: self._run_at(t, callback, ev))
                return ev
        ev = env.timeout(d, value)
        ev.callbacks.append(callback)
        return ev

    def _run_at(self, t: float, callback, ev) -> None:
        self._held_at = t
        self.held = True
        callback(ev)

    def after(self, delay: float, callback, value=None):
        """Schedule ``callback(event)`` ``delay`` minutes from now; return the event."""
        if self.held:
            return self.at(self._held_at + delay, callback, value)
        ev = self.env.timeout(delay, value)
        ev.callbacks.append(callback)
        return ev

    def next_time(self) -> float:
        """Time of the next event (SimPy's or an arrival), inf if none."""
        times = self.agenda.times
        t = self.env.peek()
        return times[0] if times and times[0] < t else t

    def advance(self, until: float, stop_on_card: bool) -> bool:
        """Process events before ``until``, applying replayed and scheduled decisions at their
        step or time; with ``stop_on_card``, return True as soon as a card waits for the trainee."""
        hooks = self.plan.hooks
        acts = self.plan.timed
        seen = self.director.awaiting
        until = min(until, self.duration)
        while True:
            if hooks and hooks[0]["step"] <= self.steps:
                self._apply_hook(hooks.pop(0))
                continue
            nxt = self.next_time()
            if acts and acts[0][0] <= nxt and acts[0][0] < until:
                t, action = acts.pop(0)
                self.move_to(t)
                try:
                    self.director.act(action, by="policy", step=self.steps)
                except DecisionError:
                    pass  # a scripted action that is not available then is skipped
                continue
            if nxt >= until:
                break
            t_end = min(until, acts[0][0]) if acts else until
            step_end = min(hooks[0]["step"] if hooks else math.inf, self.max_steps)
            if self._process(t_end, step_end, seen if stop_on_card else None):
                return True
            if self.steps >= self.max_steps:
                from crisissim.engine.workload import WorkloadError

                raise WorkloadError(
                    f"the run outgrew its work limit at {self.now:g} minutes ({self.steps:,} events for "
                    f"--max-contacts {self.max_contacts:,}); raise the limit with --max-contacts N if you mean it")
        self.move_to(until)
        return False

    def _process(self, t_end: float, step_end: float, seen: int | None) -> bool:
        """Process events before ``t_end`` and step ``step_end`` (at least one is due): SimPy's
        and the arrival agenda's, in time order (on a tie, SimPy's first).

        Return True if a card started waiting for the trainee (when ``seen`` is given)."""
        env = self.env
        step = env.step
        peek = env.peek
        agenda = self.agenda
        heap = agenda.times
        due = agenda.due
        ties = agenda.ties
        pop = heapq.heappop
        director = self.director
        steps = self.steps
        te = peek()
        if seen is None:  # no card to watch for: the tight loop (hot path; the same moves as the loop below)
            try:
                while True:
                    lim = te if te < t_end else t_end
                    if heap and heap[0] < lim:
                        self.held = True  # SimPy's clock is behind: the engine stands at the agenda's time
                        while heap and heap[0] < lim:
                            if steps >= step_end:  # a replayed decision's step, or the work limit
                                return False
                            t = pop(heap)
                            handler, arg = due.pop(t)
                            if ties and t in ties:
                                agenda.untie(t)
                            self._held_at = t
                            handler(arg)
                            steps += 1
                            if self.touched:  # it scheduled a SimPy event
                                self.touched = False
                                te = peek()
                                lim = te if te < t_end else t_end
                    elif te < t_end and steps < step_end:
                        self.held = False
                        step()
                        steps += 1
                        te = peek()
                    else:
                        return False
            finally:
                self.steps = steps
        try:
            while steps < step_end:
                if heap and heap[0] < te:
                    t = heap[0]
                    if t >= t_end:
                        break
                    pop(heap)
                    handler, arg = due.pop(t)
                    if ties and t in ties:
                        agenda.untie(t)
                    self._held_at = t  # SimPy's clock is behind: the engine stands at the agenda's time
                    self.held = True
                    handler(arg)
                    if self.touched:  # it scheduled a SimPy event
                        self.touched = False
                        te = peek()
                elif te < t_end:
                    self.held = False
                    step()
                    te = peek()
                else:
                    break
                steps += 1
                if seen is not None and director.awaiting > seen:
                    return True
        finally:
            self.steps = steps
        return False

    def _apply_hook(self, e: dict) -> None:
        self.move_to(e["t"])
        self.director.apply(e, step=self.steps)

    def finish(self) -> None:
        """Stand at the end of the run (after the last event before it)."""
        self.move_to(self.duration)
