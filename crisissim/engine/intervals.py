"""Interval accounting: workforce-planning KPIs per interval (30 minutes by default).

Contacts are tallied by the interval they *arrived* in (the ContactFlow is the one writer
of the contact tallies: ``offered`` … ``wait_sum``); agent time and the async backlog are
closed at each interval's end by :meth:`IntervalStats.close`, driven by the clock through
:meth:`IntervalStats.start`.
"""

from __future__ import annotations

import math

import numpy as np


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
        self.async_answered = [0] * n  # answered = sync_answered + async_answered
        self.abandoned = [0] * n
        self.within = [0] * n
        self.sync_answered = [0] * n  # service level and ASA are of phone and chat only
        self.sync_abandoned = [0] * n
        self.wait_sum = [0.0] * n
        self.backlog = [0] * n
        self.busy = np.zeros((n, max(1, n_pools)))
        self.avail = np.zeros((n, max(1, n_pools)))
        self.agents = np.zeros((n, max(1, n_pools)))  # agent-minutes of headcount target (agents meant on duty)
        self.closed = 0  # intervals closed so far
        self._marks = [(0.0, 0.0, 0.0)] * n_pools  # (busy, available, target) agent-minutes at the last close

    def start(self, clock, duration: float, pools, types) -> None:
        """Close each interval on the clock at its end (the last one is closed by :meth:`close_all`)."""

        def at_end(_ev) -> None:
            now = clock.now
            self.close(now, pools, types)
            if now + self.interval < duration - 1e-9:
                clock.after(self.interval, at_end)

        if self.interval < duration:
            clock.after(self.interval, at_end)

    def close(self, now: float, pools, types) -> None:
        """Close the next interval: agent time of each pool since the last close, and the backlog."""
        k = self.closed
        if k >= self.n:
            return
        for p in pools:
            p.accrue(now)
            p.accrue_target(now)
            b0, a0, g0 = self._marks[p.index]
            self.busy[k, p.index] = p.busy_area - b0
            self.avail[k, p.index] = p.avail_area - a0
            self.agents[k, p.index] = p.target_area - g0
            self._marks[p.index] = (p.busy_area, p.avail_area, p.target_area)
        self.backlog[k] = sum(t.queue.waiting for t in types if not t.sync)
        self.closed = k + 1

    def close_all(self, now: float, pools, types) -> None:
        """At the end of the run: close every interval still open."""
        while self.closed < self.n:
            self.close(now, pools, types)

    def index(self, t: float) -> int:
        i = int(t / self.interval)
        return i if i < self.n else self.n - 1

    def arrays(self) -> dict[str, np.ndarray]:
        """KPIs per interval: start (minutes), offered, answered, abandoned, service_level,
        asa (minutes), occupancy (all pools), backlog, then ``occupancy.<pool>`` for each pool."""
        answered = np.asarray(self.sync_answered, dtype=float) + np.asarray(self.async_answered, dtype=float)
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

    def agents_on_duty(self, duration: float) -> dict[str, np.ndarray]:
        """Per pool, agents meant to be on duty (headcount target) averaged over each interval."""
        length = np.minimum(self.interval, duration - np.arange(self.n) * self.interval)
        return {name: self.agents[:, i] / length for i, name in enumerate(self.pool_names)}

    def _pool_occupancy(self) -> dict[str, np.ndarray]:
        out = {}
        with np.errstate(invalid="ignore", divide="ignore"):
            for i, name in enumerate(self.pool_names):
                b, a = self.busy[:, i], self.avail[:, i]
                out[f"occupancy.{name}"] = np.where(a > 0, b / np.maximum(a, 1e-300), np.nan)
        return out


