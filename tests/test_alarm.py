"""Early-warning alarms: the forecast integral, the CUSUM's false-alarm law on a flat profile
(against the exact probability and the design bound n·e^(−h)), and its delay on a ramp.

The false-alarm law is an exact binomial check with its share of the suite's budget
(``tests/stats_budget.py``); the delay checks hold margins of at least 5 standard deviations
of their spread, and the seeds move with the seed offset.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from crisissim.engine.alarm import ArrivalAlarm, Forecast
from crisissim.scenario.monitoring import Monitoring
from crisissim.scenario.schema import Arrival
from stats_budget import assert_binomial, seed


def test_forecast_integrates_rate_times_profile():
    arr = Arrival.model_validate({"rate": 30, "per": "hour", "profile": [0.5, 2.0, 1.0, 0.0], "profile_step": "45m"})
    f = Forecast(arr)

    def rate(t):
        return 0.5 * arr.profile[int(t // 45) % 4]

    for t0, t1 in [(0, 15), (10, 100), (170, 185), (0, 1000), (333.3, 1777.7), (179.9, 180.1)]:
        pts = [t0, *[k * 45.0 for k in range(int(t0 // 45) + 1, int(t1 // 45) + 1)], t1]
        exact = sum(integrate.quad(rate, a, b)[0] for a, b in zip(pts, pts[1:]) if b > a)
        assert f.count(t0, t1) == pytest.approx(exact, rel=1e-9, abs=1e-12)


def test_threshold_from_the_design():
    m = Monitoring()
    assert m.threshold == pytest.approx(math.log(90 * 96))  # 90 days of 15-minute windows
    with pytest.raises(ValueError, match="twice the interval"):
        Monitoring(interval=60, false_alarm_every=90)


def _flat(per_window: float, shift: float, h: float):
    arr = Arrival.model_validate({"rate": per_window, "per": "hour"})
    return ArrivalAlarm(Forecast(arr), 60.0, shift, h)


def exact_alarm_probability(mu: float, shift: float, h: float, n: int) -> float:
    """P(alarm within n windows) with Poisson(mu) counts, by dynamic programming over the
    state (counts, windows) since the statistic last sat at 0 (S is a function of it)."""
    ls, drift = math.log(shift), (shift - 1) * mu
    xmax = int(stats.poisson.ppf(1 - 1e-15, mu)) + 1
    px = stats.poisson.pmf(np.arange(xmax + 1), mu)
    states = {(0, 0): 1.0}
    alarmed = 0.0
    for _ in range(n):
        nxt: dict = {}
        for (sx, k), p in states.items():
            s = sx * ls - k * drift
            for x in range(xmax + 1):
                s1 = s + x * ls - drift
                q = p * px[x]
                if s1 >= h:
                    alarmed += q
                elif s1 <= 0:
                    nxt[(0, 0)] = nxt.get((0, 0), 0.0) + q
                else:
                    key = (sx + x, k + 1)
                    nxt[key] = nxt.get(key, 0.0) + q
        states = nxt
    return alarmed


def test_false_alarms_on_a_flat_profile_match_the_design():
    """With no crisis, runs of n windows alarm with the exact probability of the CUSUM law,
    which is below the design bound n·e^(−h) = n·interval / false_alarm_every."""
    mu, shift, n, runs = 6.0, 2.0, 24, 3000
    h = math.log(40.0)  # false_alarm_every = 40 windows, so that false alarms are common enough to count
    exact = exact_alarm_probability(mu, shift, h, n)
    assert exact <= n * math.exp(-h)
    rng = np.random.default_rng(seed(2024))
    alarms = 0
    for _ in range(runs):
        a = _flat(mu, shift, h)
        counts = np.cumsum(rng.poisson(mu, n))
        for i, c in enumerate(counts):
            a.update(60.0 * (i + 1), int(c))
        alarms += a.first_raised is not None
    assert_binomial(alarms, runs, exact, "runs with a false alarm")


def fluid_delay(base: float, rise: float, start: float, over: float, shift: float, h: float) -> float:
    """When the reflected drift of S, ∫(λ(t)·ln shift − (shift−1)·λ₀) dt, first reaches h (per minute)."""
    s, t, dt = 0.0, 0.0, 0.05
    while s < h:
        lam = base * (1 + rise * min(1.0, max(0.0, (t - start) / over)))
        s = max(0.0, s + (lam * math.log(shift) - (shift - 1) * base) * dt)
        t += dt
    return t - start


def test_alarm_fires_near_the_fluid_delay_on_a_ramp():
    """A complaint rate creeping from 24/h to 72/h over 6 hours (the Amazon case's weak signal):
    the mean delay is within 15% of the fluid delay, and over 92.5% of runs alarm by 1.4× it.
    (Measured over 5,000 runs: mean 181 min against a fluid 188; 2.4% later than 1.3×, 0.2% than
    1.5×; so both margins are over 5 standard deviations of their spread in 200 runs.)"""
    base, rise, start, over, iv = 24 / 60, 2.0, 60.0, 360.0, 15.0
    m = Monitoring()
    h = m.threshold
    td = fluid_delay(base, rise, start, over, m.shift, h)
    arr = Arrival.model_validate({"rate": 24, "per": "hour"})

    def area(u):
        x = min(max(0.0, u - start), over)
        return u + rise * (x * x / (2 * over) + max(0.0, u - start - over))

    rng = np.random.default_rng(seed(99))
    delays = []
    for _ in range(200):
        a = ArrivalAlarm(Forecast(arr), iv, m.shift, h)
        c, t = 0, 0.0
        while a.first_raised is None:
            c += int(rng.poisson(base * (area(t + iv) - area(t))))
            t += iv
            a.update(t, c)
        delays.append(a.first_raised - start)
    d = np.array(delays)
    assert abs(d.mean() - td) < 0.15 * td, (d.mean(), td)
    assert np.mean(d <= 1.4 * td) >= 0.925, np.quantile(d, [0.5, 0.9, 0.99])


def test_alarm_view_reports_the_last_window():
    a = _flat(12.0, 2.0, 5.0)
    a.update(30.0, 4)  # half a window: nothing closes
    assert a.windows == 0
    a.update(60.0, 30)
    v = a.view()
    assert v.observed_rate == 30.0 and v.expected_rate == pytest.approx(12.0)
    assert v.statistic == pytest.approx(30 * math.log(2) - 12.0)
    assert v.raised and v.first_raised == 60.0 and v.threshold == 5.0
    a.update(120.0, 30)  # a quiet hour: S falls below h again, the first time stays
    assert not a.view().raised and a.view().first_raised == 60.0


def test_documented_step_delay():
    """The docstring's example: 24/h doubling is caught after about 59 minutes (fluid delay)."""
    m = Monitoring()
    assert fluid_delay(0.4, 1.0, 0.0, 1e-9, m.shift, m.threshold) == pytest.approx(59.0, abs=1.0)
    assert "59 minutes" in Monitoring.__doc__
