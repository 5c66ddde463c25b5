"""What the dashboard remembers of the run: samples of reputation, loss and contact counts.

The engine's counts are cumulative; differences between two samples give what happened
in a window: the answer speed of the last 15 minutes, the service level of the last
interval, the contacts resolved per hour at the current volume. No pygame here.
"""

from __future__ import annotations

from dataclasses import dataclass

FIELDS = ("arrived", "answered", "within", "abandoned", "served", "resolved", "wait_sum")


@dataclass(frozen=True)
class Window:
    """What happened between two samples (``minutes`` long), summed over some contact types."""

    minutes: float
    arrived: float
    answered: float
    within: float
    abandoned: float
    served: float
    resolved: float
    wait_sum: float

    @property
    def service_level(self) -> float | None:
        """Share answered within the threshold of those answered or abandoned (None: no contacts)."""
        left = self.answered + self.abandoned
        return self.within / left if left > 0 else None

    @property
    def answer_speed(self) -> float | None:
        """Mean wait of the contacts answered (minutes; None: none answered)."""
        return self.wait_sum / self.answered if self.answered > 0 else None

    def per_hour(self, what: str) -> float:
        return getattr(self, what) * 60.0 / self.minutes if self.minutes > 0 else 0.0


class History:
    """Samples every ``every`` simulated minutes: time, reputation, total loss, per-type counts."""

    def __init__(self, type_names, every: float = 1.0):
        self.names = list(type_names)
        self.every = every
        self.times: list[float] = []
        self.reputation: list[float] = []
        self.loss: list[float] = []
        self.counts: list[tuple] = []  # per sample: one tuple of FIELDS per type

    def __len__(self) -> int:
        return len(self.times)

    @staticmethod
    def _row(stats, names) -> tuple:
        return tuple(tuple(getattr(stats[n], f) for f in FIELDS) if n in stats else (0,) * len(FIELDS) for n in names)

    def due(self, t: float) -> bool:
        return not self.times or t - self.times[-1] >= self.every - 1e-9

    def record(self, t: float, reputation: float, loss: float, stats) -> None:
        if self.times and t <= self.times[-1]:  # the same minute again (after a decision): replace it
            self.times.pop()
            self.reputation.pop()
            self.loss.pop()
            self.counts.pop()
        self.times.append(t)
        self.reputation.append(reputation)
        self.loss.append(loss)
        self.counts.append(self._row(stats, self.names))

    def index_before(self, t: float) -> int:
        """Index of the last sample at or before ``t`` (0 if none)."""
        import bisect

        return max(0, bisect.bisect_right(self.times, t + 1e-9) - 1)

    def window(self, now: float, minutes: float, stats, types=None) -> Window:
        """Counts of ``types`` (default all) from ``minutes`` before ``now`` up to ``stats`` (now)."""
        idx = [i for i, n in enumerate(self.names) if types is None or n in types]
        current = self._row(stats, self.names)
        if not self.times:
            return Window(0.0, *([0.0] * len(FIELDS)))
        j = self.index_before(now - minutes)
        past = self.counts[j]
        span = now - self.times[j]
        sums = [sum(current[i][k] - past[i][k] for i in idx) for k in range(len(FIELDS))]
        return Window(span, *sums)
