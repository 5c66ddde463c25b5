"""Statistics kept in fixed memory: counters, a wait histogram, interval KPIs, time series.

Contact statistics cover contacts that arrived after the warm-up; the histogram
gives wait percentiles without keeping one number per contact.
"""

from __future__ import annotations

import math

import numpy as np

_FINE = 1.0 / 60.0  # one-second bins ...
_FINE_N = 3600  # ... up to one hour
_COARSE_N = 14_400  # then one-minute bins up to ten days


class WaitHistogram:
    """Histogram of waits (minutes) with exact count, sum and maximum."""

    __slots__ = ("bins", "n", "total", "max")

    def __init__(self):
        self.bins = np.zeros(_FINE_N + _COARSE_N + 1, dtype=np.int64)
        self.n = 0
        self.total = 0.0
        self.max = 0.0

    def add(self, w: float) -> None:
        self.n += 1
        self.total += w
        if w > self.max:
            self.max = w
        if w < 60.0:
            i = int(w / _FINE)
        else:
            i = _FINE_N + int(w - 60.0)
            if i > _FINE_N + _COARSE_N:
                i = _FINE_N + _COARSE_N
        self.bins[i] += 1

    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    def quantile(self, q: float) -> float:
        """The q-quantile, interpolated within its bin (resolution 1 s below 1 h)."""
        if self.n == 0:
            return 0.0
        cum = np.cumsum(self.bins)
        k = q * self.n
        i = int(np.searchsorted(cum, k, side="left"))
        below = cum[i - 1] if i > 0 else 0
        inside = self.bins[i]
        frac = (k - below) / inside if inside else 0.0
        if i < _FINE_N:
            lo, width = i * _FINE, _FINE
        else:
            lo, width = 60.0 + (i - _FINE_N), 1.0
        return float(min(self.max, lo + frac * width))


class Counters:
    """Contact counts of one contact type (after the warm-up)."""

    __slots__ = (
        "arrived",
        "answered",
        "in_service",
        "served",
        "abandoned",
        "repeat",
        "deflected",
        "breached",
        "resolved",
        "within",
        "wait_sum",
        "abandon_wait_sum",
        "churned",
    )

    def __init__(self):
        for s in self.__slots__:
            setattr(self, s, 0)
        self.wait_sum = 0.0
        self.abandon_wait_sum = 0.0


class IntervalStats:
    """Workforce-planning KPIs per interval, by the interval a contact arrived in.

    ``sync`` arrays cover phone and chat (service level, ASA); ``offered`` and
    ``backlog`` cover every channel.
    """

    def __init__(self, duration: float, interval: float, n_pools: int):
        self.interval = interval
        self.n = max(1, math.ceil(duration / interval - 1e-9))
        n = self.n
        self.offered = np.zeros(n, dtype=np.int64)
        self.sync_offered = np.zeros(n, dtype=np.int64)
        self.answered = np.zeros(n, dtype=np.int64)
        self.abandoned = np.zeros(n, dtype=np.int64)
        self.within = np.zeros(n, dtype=np.int64)
        self.wait_sum = np.zeros(n)
        self.backlog = np.zeros(n, dtype=np.int64)
        self.busy = np.zeros((n, max(1, n_pools)))
        self.avail = np.zeros((n, max(1, n_pools)))

    def index(self, t: float) -> int:
        i = int(t / self.interval)
        return i if i < self.n else self.n - 1

    def arrays(self) -> dict[str, np.ndarray]:
        """KPIs per interval: start (minutes), offered, answered, abandoned, service_level,
        asa (minutes), occupancy, backlog."""
        left = self.answered + self.abandoned
        with np.errstate(invalid="ignore", divide="ignore"):
            sl = np.where(left > 0, self.within / np.maximum(left, 1), np.nan)
            asa = np.where(self.answered > 0, self.wait_sum / np.maximum(self.answered, 1), np.nan)
            busy = self.busy.sum(axis=1)
            avail = self.avail.sum(axis=1)
            occ = np.where(avail > 0, busy / np.maximum(avail, 1e-300), np.nan)
        return {
            "start": np.arange(self.n) * self.interval,
            "offered": self.offered.astype(float),
            "answered": self.answered.astype(float),
            "abandoned": self.abandoned.astype(float),
            "service_level": sl,
            "asa": asa,
            "occupancy": occ,
            "backlog": self.backlog.astype(float),
        }


class TimeSeries:
    """Samples at a fixed spacing in preallocated numpy arrays."""

    COLUMNS = ("time", "waiting", "backlog", "in_service", "agents", "reputation", "loss", "churned", "posts")

    def __init__(self, duration: float, every: float, n_types: int):
        self.every = every
        self.capacity = int(math.floor(duration / every + 1e-9)) + 1
        self.data = {c: np.full(self.capacity, np.nan) for c in self.COLUMNS}
        self.queue_by_type = np.zeros((self.capacity, max(1, n_types)))
        self.n = 0

    def record(self, row: tuple, queues) -> None:
        i = self.n
        if i >= self.capacity:
            return
        for col, v in zip(self.COLUMNS, row):
            self.data[col][i] = v
        self.queue_by_type[i, : len(queues)] = queues
        self.n = i + 1

    def arrays(self) -> dict[str, np.ndarray]:
        return {c: a[: self.n].copy() for c, a in self.data.items()}
