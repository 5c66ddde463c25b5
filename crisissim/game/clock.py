"""The game's simulation clock: a fixed timestep decoupled from drawing.

Real time accumulates; every ``TICK`` real seconds the simulation advances a fixed
number of simulated minutes (``minutes_per_second × speed × TICK``) through
``sim.run_until``. Paused, nothing advances (the engine refuses to run back in time,
and a paused clock never asks it to run at all). No pygame here.
"""

from __future__ import annotations

from collections import deque

TICK = 1.0 / 30.0  # real seconds per fixed step
SPEEDS = (1, 2, 4)
MAX_FRAME = 0.25  # real seconds of one frame counted at most (a stalled window does not fast-forward)
HISTORY_EVERY = 1.0  # simulated minutes between trend samples
HISTORY_LEN = 720


class SimClock:
    """Drives ``sim`` at ``minutes_per_second`` simulated minutes per real second at 1×."""

    def __init__(self, sim, minutes_per_second: float = 2.0):
        if minutes_per_second <= 0:
            raise ValueError(f"speed must be positive, got {minutes_per_second:g}")
        self.sim = sim
        self.rate = float(minutes_per_second)
        self.speed = 1
        self.paused = False
        self.acc = 0.0
        self.steps = 0
        self.snap = sim.snapshot()
        self.history: deque = deque(maxlen=HISTORY_LEN)  # (minutes, reputation, total loss)
        self._record()

    @property
    def finished(self) -> bool:
        return self.snap.finished

    def step_minutes(self, pace: float | None = None) -> float:
        """Simulated minutes per fixed step at the current speed, or at ``pace`` × the 1× rate."""
        return self.rate * (self.speed if pace is None else pace) * TICK

    def toggle_pause(self) -> None:
        self.paused = not self.paused
        self.acc = 0.0

    def set_speed(self, speed: int) -> None:
        """Run at ``speed``× (one of :data:`SPEEDS`) and unpause."""
        if speed not in SPEEDS:
            raise ValueError(f"speed must be one of {SPEEDS}, got {speed}")
        self.speed = speed
        self.paused = False

    def update(self, dt: float, pace: float | None = None, *, ignore_pause: bool = False) -> int:
        """Account ``dt`` real seconds; run whole fixed steps; return how many ran.

        Stops early when a decision card opens so the overlay appears at once.
        """
        if (self.paused and not ignore_pause) or self.snap.finished:
            self.acc = 0.0
            return 0
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

    def advance(self, minutes: float) -> None:
        """One step: ``minutes`` of simulated time (capped at the end of the run)."""
        sim = self.sim
        now = self.snap.time
        target = min(round(now + minutes, 6), self.snap.duration)  # whole microminutes: tidy save files
        if target > now:
            self.snap = sim.run_until(target)
            self.steps += 1
            self._record()

    def refresh(self) -> None:
        """Re-read the snapshot after a decision or an action."""
        self.snap = self.sim.snapshot()

    def _record(self) -> None:
        s = self.snap
        if not self.history or s.time - self.history[-1][0] >= HISTORY_EVERY - 1e-9 or s.finished:
            self.history.append((s.time, s.reputation, s.total_loss))
