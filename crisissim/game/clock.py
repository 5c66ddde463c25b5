"""The game's simulation clock: a fixed timestep decoupled from drawing.

Real time accumulates; every ``TICK`` real seconds the simulation advances a fixed
number of simulated minutes (``minutes_per_second × speed × TICK``) through
``sim.run_until``. Paused, nothing advances (the engine refuses to run back in time,
and a paused clock never asks it to run at all). "Skip to the next event" runs ahead in
larger steps, a few milliseconds of real time per frame, until an inject, a decision
card or an alarm. No pygame here.
"""

from __future__ import annotations

import time

from crisissim.game.history import History

TICK = 1.0 / 30.0  # real seconds per fixed step
SPEEDS = (1, 2, 4)
MAX_FRAME = 0.25  # real seconds of one frame counted at most (a stalled window does not fast-forward)
SKIP_STEP = 1.0  # simulated minutes per step while skipping ahead
SKIP_BUDGET = 0.006  # real seconds of skipping per frame (the window stays responsive)
STOP_KINDS = frozenset({"inject", "card_shown", "alarm", "incident"})  # logged events that end a skip (and a raised alarm)


def raised_alarms(snap) -> set[str]:
    """Contact types whose early-warning alarm is raised in a snapshot."""
    return {n for n, a in getattr(snap, "alarms", {}).items() if a.raised}


class SimClock:
    """Drives ``sim`` at ``minutes_per_second`` simulated minutes per real second at 1×."""

    def __init__(self, sim, minutes_per_second: float = 2.0):
        if minutes_per_second <= 0:
            raise ValueError(f"speed must be positive, got {minutes_per_second:g}")
        self.sim = sim
        self.rate = float(minutes_per_second)
        self.speed = 1
        self.paused = False
        self.pause_reason = ""
        self.skipping = False
        self._skip_from = 0
        self.acc = 0.0
        self.steps = 0
        self.snap = sim.snapshot()
        every = max(1.0, self.snap.duration / 1440.0)
        self.history = History(sim.scenario.contact_types, every)
        self.stats = sim.contact_stats()
        self._record(force=True)

    @property
    def finished(self) -> bool:
        return self.snap.finished

    def step_minutes(self, pace: float | None = None) -> float:
        """Simulated minutes per fixed step at the current speed, or at ``pace`` × the 1× rate."""
        return self.rate * (self.speed if pace is None else pace) * TICK

    def pause(self, reason: str = "trainee") -> None:
        if not self.paused:
            self.pause_reason = reason
        self.paused = True
        self.skipping = False
        self.acc = 0.0

    def resume(self) -> None:
        self.paused = False
        self.pause_reason = ""
        self.acc = 0.0

    def toggle_pause(self) -> None:
        self.resume() if self.paused else self.pause("trainee")

    def set_speed(self, speed: int) -> None:
        """Run at ``speed``× (one of :data:`SPEEDS`) and unpause."""
        if speed not in SPEEDS:
            raise ValueError(f"speed must be one of {SPEEDS}, got {speed}")
        self.speed = speed
        self.skipping = False
        self.resume()

    def skip(self) -> None:
        """Run ahead to the next inject, card or alarm (or the end)."""
        if self.finished:
            return
        self.resume()
        self.skipping = True
        self._skip_from = len(self.sim.events_since(0))

    def update(self, dt: float, pace: float | None = None) -> int:
        """Account ``dt`` real seconds; run whole fixed steps; return how many ran.

        Stops early when a decision card opens so the overlay appears at once.
        """
        if self.paused or self.snap.finished:
            self.acc = 0.0
            self.skipping = False
            return 0
        if self.skipping and pace is None:
            return self._skip_ahead()
        self.acc += min(max(dt, 0.0), MAX_FRAME)
        ran = 0
        cards = len(self.snap.open_cards)
        while self.acc >= TICK - 1e-12:
            self.acc -= TICK
            self.advance(self.step_minutes(pace))
            ran += 1
            if self.snap.finished or len(self.snap.open_cards) > cards:
                self.acc = 0.0
                break
        return ran

    def _skip_ahead(self) -> int:
        start = time.perf_counter()
        ran = 0
        cards = len(self.snap.open_cards)
        alarms = raised_alarms(self.snap)
        while True:
            self.advance(SKIP_STEP)
            ran += 1
            new = self.sim.events_since(self._skip_from)
            self._skip_from += len(new)
            if (self.snap.finished or len(self.snap.open_cards) > cards
                    or any(e["kind"] in STOP_KINDS for e in new) or raised_alarms(self.snap) - alarms):
                self.skipping = False
                self.acc = 0.0
                break
            if time.perf_counter() - start > SKIP_BUDGET:
                break
        return ran

    def advance(self, minutes: float) -> None:
        """One step: ``minutes`` of simulated time (capped at the end of the run)."""
        sim = self.sim
        now = self.snap.time
        target = min(round(now + minutes, 6), self.snap.duration)  # whole microminutes: tidy save files
        if target > now:
            self.snap = sim.run_until(target)
            self.stats = sim.contact_stats()
            self.steps += 1
            self._record()

    def refresh(self) -> None:
        """Re-read the snapshot after a decision or an action."""
        self.snap = self.sim.snapshot()
        self.stats = self.sim.contact_stats()
        self._record(force=True)

    def _record(self, force: bool = False) -> None:
        s = self.snap
        h = self.history
        if force or h.due(s.time) or s.finished:
            h.record(s.time, s.reputation, s.total_loss, self.stats)
