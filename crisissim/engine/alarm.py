"""Early-warning alarms: a Poisson CUSUM of each contact type's new contacts against its forecast.

The design (statistic, threshold, false-alarm bound, detection delay) is documented in
:mod:`crisissim.scenario.monitoring`. Windows close on the simulation's clock ticks: the
first tick at or after ``interval`` since the last close ends a window, and its forecast
count is the integral of rate × profile over exactly that window, so the statistic is
exact even when ticks do not divide the interval. Nothing here schedules events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import accumulate

from crisissim.scenario.units import PER_MINUTES


class Forecast:
    """The planner's forecast of a contact type: ∫ rate × profile over a window (no crisis)."""

    def __init__(self, arrival):
        self.base = arrival.rate / PER_MINUTES[arrival.per]
        self.profile = list(arrival.profile or [1.0])
        self.step = arrival.profile_step
        self.cum = [0.0, *accumulate(self.profile)]  # slot sums, in units of one slot
        self.cycle = self.step * len(self.profile)

    def _area(self, t: float) -> float:
        """∫₀ᵗ profile (minutes)."""
        if len(self.profile) == 1:
            return self.profile[0] * t
        cycles, rest = divmod(t, self.cycle)
        k = min(int(rest / self.step), len(self.profile) - 1)
        part = self.cum[k] * self.step + self.profile[k] * (rest - k * self.step)
        return cycles * self.cum[-1] * self.step + part

    def count(self, t0: float, t1: float) -> float:
        """Expected new contacts in [t0, t1)."""
        return self.base * (self._area(t1) - self._area(t0))


@dataclass(frozen=True)
class AlarmView:
    """One contact type's early warning: the last closed window's observed and forecast rates
    (contacts per hour), the CUSUM statistic S against its threshold h, and whether it is raised."""

    observed_rate: float
    expected_rate: float
    statistic: float
    threshold: float
    raised: bool
    first_raised: float | None


class ArrivalAlarm:
    """The CUSUM of one contact type: feed it the running count of new contacts at each tick."""

    __slots__ = ("forecast", "interval", "log_shift", "drift", "threshold", "S", "start", "mark",
                 "last", "raised", "first_raised", "windows")

    def __init__(self, forecast: Forecast, interval: float, shift: float, threshold: float):
        self.forecast = forecast
        self.interval = interval
        self.log_shift = math.log(shift)
        self.drift = shift - 1.0
        self.threshold = threshold
        self.S = 0.0
        self.start = 0.0  # start of the open window
        self.mark = 0  # running count at its start
        self.last = (0.0, 0.0, 0.0)  # (length, observed, forecast) of the last closed window
        self.raised = False
        self.first_raised: float | None = None
        self.windows = 0

    def update(self, now: float, count: int) -> None:
        """Close the open window if it has lasted ``interval`` (``count``: new contacts since the start)."""
        if now - self.start < self.interval - 1e-9:
            return
        x = count - self.mark
        mu = self.forecast.count(self.start, now)
        self.S = max(0.0, self.S + x * self.log_shift - self.drift * mu)
        self.last = (now - self.start, float(x), mu)
        self.start, self.mark = now, count
        self.windows += 1
        self.raised = self.S >= self.threshold
        if self.raised and self.first_raised is None:
            self.first_raised = now

    def view(self) -> AlarmView:
        length, x, mu = self.last
        per_hour = 60.0 / length if length > 0 else 0.0
        return AlarmView(x * per_hour, mu * per_hour, self.S, self.threshold, self.raised, self.first_raised)


class Alarms:
    """The early-warning alarm of every contact type, fed by its arrival source's count of new contacts."""

    def __init__(self, scenario, sources):
        m = scenario.monitoring
        self.names = list(scenario.contact_types)
        self.sources = sources
        self.alarms = [ArrivalAlarm(Forecast(spec.arrival), m.interval, m.shift, m.threshold)
                       for spec in scenario.contact_types.values()]
        self.by_name = dict(zip(self.names, self.alarms, strict=True))
        self._due = self._earliest()

    def _earliest(self) -> float:
        """A time before which no window can close (a little early: each alarm's own test decides)."""
        return min((a.start + a.interval for a in self.alarms), default=math.inf) - 1e-6

    def update(self, now: float) -> None:
        """Close the windows that have lasted an interval (called on every clock tick)."""
        if now < self._due:  # hot path: most ticks close no window
            return
        for alarm, src in zip(self.alarms, self.sources, strict=True):
            if now - alarm.start >= alarm.interval - 1e-9:
                alarm.update(now, src.accepted)
        self._due = self._earliest()

    def raised(self, name: str) -> bool:
        return self.by_name[name].raised

    def views(self) -> dict[str, AlarmView]:
        return {n: a.view() for n, a in self.by_name.items()}

    def summary(self) -> dict:
        """Per contact type: when its alarm was first raised (None: never), and the statistic at the end."""
        return {n: {"first_raised": a.first_raised, "raised": a.raised, "statistic": a.S}
                for n, a in self.by_name.items()}
