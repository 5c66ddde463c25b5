"""The sampled time series: one row every ``meta.sample_every`` minutes, taken on the clock tick.

Memory is bounded by duration / spacing, not by contacts; numpy arrays on request.
"""

from __future__ import annotations

import itertools
import math

import numpy as np


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
        k = len(self.COLUMNS)
        data = np.fromiter(itertools.chain.from_iterable(self.rows), float, len(self.rows) * k).reshape(-1, k)
        return {c: data[:, i].copy() for i, c in enumerate(self.COLUMNS)}

    @property
    def queue_by_type(self) -> np.ndarray:
        k = max(1, self.n_types)
        return np.fromiter(itertools.chain.from_iterable(self.queues), float, len(self.queues) * self.n_types).reshape(-1, k)


def sample(timeline: TimeSeries, now: float, types, pools, score, ledger, churn) -> None:
    """Record one row of the time series at ``now``."""
    waiting = backlog = posts = 0
    queues = []
    for t in types:
        w = t.queue.waiting
        queues.append(w)
        if t.sync:
            waiting += w
        else:
            backlog += w
            if t.social:
                posts += t.neg_waiting
    busy = on_duty = 0
    pay = 0.0
    for p in pools:
        busy += p.busy
        on_duty += p.idle + p.busy
        reg, ot = p.cost_at(now)
        pay += reg + ot
    row = (
        now,
        waiting,
        backlog,
        busy,
        on_duty,
        score.at(now),
        ledger.booked_total() + pay + ledger.accrued_total(now),
        churn.during_run,
        posts,
    )
    timeline.record(row, queues)
