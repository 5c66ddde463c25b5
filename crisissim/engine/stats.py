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

    __slots__ = ("bins", "total", "max")

    def __init__(self):
        self.bins = [0] * (_FINE_N + _COARSE_N + 1)  # a list: cheaper to bump than numpy
        self.total = 0.0
        self.max = 0.0

    @property
    def n(self) -> int:
        """Waits recorded (a zero wait is recorded by bumping ``bins[0]`` directly)."""
        return sum(self.bins)

    def add(self, w: float) -> None:
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
        n = self.n
        return self.total / n if n else 0.0

    def quantiles(self, qs) -> list[float]:
        """The q-quantiles for each q in ``qs``, interpolated within their bins (1 s resolution below 1 h)."""
        bins = np.asarray(self.bins, dtype=np.int64)
        cum = np.cumsum(bins)
        n = int(cum[-1])
        if n == 0:
            return [0.0 for _ in qs]
        out = []
        for q in qs:
            k = q * n
            i = int(np.searchsorted(cum, k, side="left"))
            below = cum[i - 1] if i > 0 else 0
            inside = bins[i]
            frac = (k - below) / inside if inside else 0.0
            if i < _FINE_N:
                lo, width = i * _FINE, _FINE
            else:
                lo, width = 60.0 + (i - _FINE_N), 1.0
            out.append(float(min(self.max, lo + frac * width)))
        return out


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
        "waited",
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

    def __init__(self, duration: float, interval: float, pool_names: list[str]):
        n_pools = len(pool_names)
        self.pool_names = pool_names
        self.interval = interval
        self.n = max(1, math.ceil(duration / interval - 1e-9))
        n = self.n
        # Python lists: the hot path bumps them one at a time
        self.offered = [0] * n
        self.answered = [0] * n
        self.abandoned = [0] * n
        self.within = [0] * n
        self.sync_answered = [0] * n  # service level and ASA are of phone and chat only
        self.sync_abandoned = [0] * n
        self.wait_sum = [0.0] * n
        self.backlog = [0] * n
        self.busy = np.zeros((n, max(1, n_pools)))
        self.avail = np.zeros((n, max(1, n_pools)))

    def index(self, t: float) -> int:
        i = int(t / self.interval)
        return i if i < self.n else self.n - 1

    def arrays(self) -> dict[str, np.ndarray]:
        """KPIs per interval: start (minutes), offered, answered, abandoned, service_level,
        asa (minutes), occupancy (all pools), backlog, then ``occupancy.<pool>`` for each pool."""
        answered = np.asarray(self.answered, dtype=float)
        abandoned = np.asarray(self.abandoned, dtype=float)
        within = np.asarray(self.within, dtype=float)
        wait_sum = np.asarray(self.wait_sum, dtype=float)
        s_ans = np.asarray(self.sync_answered, dtype=float)
        left = s_ans + np.asarray(self.sync_abandoned, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            sl = np.where(left > 0, within / np.maximum(left, 1), np.nan)
            asa = np.where(s_ans > 0, wait_sum / np.maximum(s_ans, 1), np.nan)
            busy = self.busy.sum(axis=1)
            avail = self.avail.sum(axis=1)
            occ = np.where(avail > 0, busy / np.maximum(avail, 1e-300), np.nan)
        return {
            "start": np.arange(self.n) * self.interval,
            "offered": np.asarray(self.offered, dtype=float),
            "answered": answered,
            "abandoned": abandoned,
            "service_level": sl,
            "asa": asa,
            "occupancy": occ,
            "backlog": np.asarray(self.backlog, dtype=float),
        } | self._pool_occupancy()

    def _pool_occupancy(self) -> dict[str, np.ndarray]:
        out = {}
        with np.errstate(invalid="ignore", divide="ignore"):
            for i, name in enumerate(self.pool_names):
                b, a = self.busy[:, i], self.avail[:, i]
                out[f"occupancy.{name}"] = np.where(a > 0, b / np.maximum(a, 1e-300), np.nan)
        return out


class TimeSeries:
    """Samples at a fixed spacing (bounded by duration / spacing, not by contacts); numpy on request."""

    COLUMNS = ("time", "waiting", "backlog", "in_service", "agents", "reputation", "loss", "churned", "posts")

    def __init__(self, duration: float, every: float, n_types: int):
        self.every = every
        self.capacity = int(math.floor(duration / every + 1e-9)) + 1
        self.n_types = n_types
        self.rows: list[tuple] = []
        self.queues: list = []

    @property
    def n(self) -> int:
        return len(self.rows)

    def record(self, row: tuple, queues) -> None:
        if len(self.rows) < self.capacity:
            self.rows.append(row)
            self.queues.append(queues)

    def arrays(self) -> dict[str, np.ndarray]:
        data = np.array(self.rows, dtype=float).reshape(-1, len(self.COLUMNS))
        return {c: data[:, i].copy() for i, c in enumerate(self.COLUMNS)}

    @property
    def queue_by_type(self) -> np.ndarray:
        return np.array(self.queues, dtype=float).reshape(-1, max(1, self.n_types))
