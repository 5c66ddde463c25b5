"""Statistics kept in fixed memory: per-type counters and a wait histogram.

Contact statistics cover contacts that arrived after the warm-up; the histogram
gives wait percentiles without keeping one number per contact. Interval KPIs live in
:mod:`crisissim.engine.intervals`, the sampled time series in :mod:`crisissim.engine.timeline`.
"""

from __future__ import annotations

import numpy as np

_FINE = 1.0 / 60.0  # one-second bins ...
_FINE_N = 3600  # ... up to one hour
_COARSE_N = 14_400  # then one-minute bins up to ten days
_START_BINS = 600  # ten minutes' worth to begin with


class WaitHistogram:
    """Histogram of waits (minutes) with exact count, sum and maximum."""

    __slots__ = ("bins", "total", "max", "top")

    def __init__(self):
        # a list: cheaper to bump than numpy; it grows with the longest wait (up to
        # _FINE_N + _COARSE_N + 1 bins), so a run with short waits keeps a short list
        self.bins = [0] * _START_BINS
        self.total = 0.0
        self.max = 0.0
        self.top = 0  # the bin of the longest wait: no bin above it is used

    @property
    def n(self) -> int:
        """Waits recorded (a zero wait is recorded by bumping ``bins[0]`` directly)."""
        return sum(self.bins[: self.top + 1])

    def add(self, w: float) -> None:
        self.total += w
        if w < 60.0:
            i = int(w / _FINE)
        else:
            i = _FINE_N + int(w - 60.0)
            if i > _FINE_N + _COARSE_N:
                i = _FINE_N + _COARSE_N
        if w > self.max:
            self.max = w
            self.top = i
            if i >= len(self.bins):
                self.bins.extend([0] * (i + 1 - len(self.bins)))
        self.bins[i] += 1

    def mean(self) -> float:
        n = self.n
        return self.total / n if n else 0.0

    def quantiles(self, qs) -> list[float]:
        """The q-quantiles for each q in ``qs``, interpolated within their bins (1 s resolution below 1 h)."""
        bins = np.asarray(self.bins[: self.top + 1], dtype=np.int64)
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
        "negative",
        "turned",
    )

    arrived: int
    answered: int
    served: int
    abandoned: int
    repeat: int
    deflected: int
    breached: int
    resolved: int
    within: int
    waited: int
    wait_sum: float
    abandon_wait_sum: float
    negative: int
    turned: int

    def __init__(self):
        for s in self.__slots__:
            setattr(self, s, 0)
        self.wait_sum = 0.0
        self.abandon_wait_sum = 0.0

    @property
    def in_service(self) -> int:
        """Answered and not finished yet."""
        return self.answered - self.served
