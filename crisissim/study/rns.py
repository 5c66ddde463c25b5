"""Ranking and selection: Kim & Nelson's fully sequential procedure (KN) under CRN.

Minimises the mean total loss. After ``n0`` replications of every level the variance of
each pairwise difference is estimated (CRN makes it small); from then on a level is
eliminated as soon as its running mean exceeds another survivor's by more than the
shrinking continuation region ``W_il(r) = max(0, δ/(2r)·(h²·S²_il/δ² − r))``. With
probability >= ``confidence`` the survivor is best or within the indifference zone ``δ``
of the best. Replications are added in rounds of ``step`` (a fixed number, so decisions do
not depend on the worker count); eliminations are checked at every r inside a round,
exactly as if replications came one by one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass
class KNResult:
    """Outcome of KN: the chosen level, whether it was resolved before ``max_reps``, per-level reps."""

    best: int
    resolved: bool
    delta: float
    n0: int
    h2: float
    reps_used: dict[int, int]
    eliminated_at: dict[int, int] = field(default_factory=dict)

    @property
    def total_reps(self) -> int:
        return sum(self.reps_used.values())


def kn_constants(k: int, n0: int, confidence: float) -> float:
    """h² of KN for ``k`` levels, first-stage size ``n0`` and the confidence level."""
    alpha = 1 - confidence
    eta = 0.5 * ((2 * alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1)
    return 2 * eta * (n0 - 1)


def kn_select(
    levels: list[int],
    ensure: Callable[[dict[int, int]], None],
    losses: Callable[[int, int], np.ndarray],
    n0: int = 10,
    confidence: float = 0.95,
    delta: float | None = None,
    delta_share: float = 0.01,
    max_reps: int = 1000,
    step: int = 5,
) -> KNResult:
    """Run KN over ``levels``.

    ``ensure({level: n})`` makes replications 0..n−1 of each level available and
    ``losses(level, n)`` returns their total losses (same seeds across levels). ``delta``
    None means ``delta_share`` of the grand mean loss after the first stage.
    """
    if n0 < 2:
        raise ValueError("n0 must be >= 2")
    k = len(levels)
    ensure({lv: n0 for lv in levels})
    if k == 1:
        return KNResult(levels[0], True, delta or 0.0, n0, 0.0, {levels[0]: n0})
    first = np.array([losses(lv, n0) for lv in levels])
    if delta is None:
        delta = delta_share * abs(float(first.mean()))
    delta = max(delta, 1e-12)
    h2 = kn_constants(k, n0, confidence)
    diff = first[:, None, :] - first[None, :, :]
    s2 = diff.var(axis=2, ddof=1)  # S²_il
    alive = list(range(k))
    used = {lv: n0 for lv in levels}
    gone: dict[int, int] = {}
    r = n0
    checked = n0 - 1
    while True:
        data = np.array([losses(levels[i], r) for i in alive])
        # check r' = previous r … current r, one replication at a time
        for rr in range(checked + 1, r + 1):
            means = data[:, :rr].mean(axis=1)
            keep = []
            for a, i in enumerate(alive):
                out = False
                for b, j in enumerate(alive):
                    if i == j:
                        continue
                    w = max(0.0, delta / (2 * rr) * (h2 * s2[i, j] / delta**2 - rr))
                    if means[a] > means[b] + w:
                        out = True
                        break
                keep.append(not out)
            if not all(keep):
                for a, i in enumerate(alive):
                    if not keep[a]:
                        gone[levels[i]] = rr
                data = data[np.array(keep)]
                alive = [i for a, i in enumerate(alive) if keep[a]]
            if len(alive) == 1:
                return KNResult(levels[alive[0]], True, delta, n0, h2, used, gone)
        checked = r
        if r >= max_reps:
            means = data[:, :r].mean(axis=1)
            return KNResult(levels[alive[int(np.argmin(means))]], False, delta, n0, h2, used, gone)
        r = min(r + step, max_reps)
        ensure({levels[i]: r for i in alive})
        for i in alive:
            used[levels[i]] = r
