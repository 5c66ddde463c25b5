"""Early warning: every contact type's arrivals watched against the planner's forecast.

The forecast of a contact type is what its ``arrival`` says with no crisis: rate ×
profile (no surges, ramps, rate effects, word of mouth or social self-excitation, so
unanswered posts breeding posts on a social type count as a signal too). Each ``interval`` the new
contacts of the type (first contacts, self-service ones included; no repeats or
redials) are counted and fed to a one-sided Poisson CUSUM tuned to a rise of ``shift``
× the forecast (Lucas 1985): with X the count and μ₀ the forecast count of the interval,

    S ← max(0, S + X·ln(shift) − (shift − 1)·μ₀)

and the alarm is raised while S ≥ h, h = ln(false_alarm_every / interval). S is the
log-likelihood ratio of "the rate is shift × forecast" against "the rate is as forecast",
so by Ville's inequality, with no crisis, the chance of any false alarm within n
intervals is at most n·e^(−h) = n·interval / false_alarm_every, whatever the volume or
profile. The detection delay after a step to ``shift`` × forecast is about
h / (μ₀·(shift·ln shift − shift + 1)) intervals; low-volume types take longer.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crisissim.scenario.units import Duration


class Monitoring(BaseModel):
    """Early-warning alarms on every contact type's arrival rate, a Poisson CUSUM against the planner's
    forecast (rate × profile: no crisis, and no posts breeding posts on social types). Every ``interval`` the new contacts X of the type are counted
    against the forecast count μ₀: S ← max(0, S + X·ln(shift) − (shift − 1)·μ₀); the alarm is raised while
    S ≥ h = ln(false_alarm_every / interval) (``alarm.TYPE`` in conditions; the snapshot shows S, h and
    observed against forecast rates). With no crisis, the chance of a false alarm within n intervals is at
    most n·e^(−h) (Ville's inequality: S is a log-likelihood ratio). After a rise the alarm comes about when
    ∫(λ(t)·ln(shift) − (shift − 1)·λ₀(t)) dt reaches h (λ the true, λ₀ the forecast rate per minute): with the
    defaults (h ≈ 9.06), a step from a forecast of 24 an hour (0.4 a minute) to twice that is caught after about
    9.06 / (0.8·ln 2 − 0.4) ≈ 59 minutes, sooner for busier types or steeper rises."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    interval: Duration = Field(15.0, gt=0)
    """Counting interval; default 15m, the usual contact-centre forecasting interval."""
    shift: Annotated[float, Field(gt=1, le=100, allow_inf_nan=False)] = 2.0
    """The rise the alarm is tuned to catch, as a ratio to the forecast; default 2 (a doubling is a crisis
    signal, while ordinary forecast error is ±10–20%)."""
    false_alarm_every: Duration = Field(129600.0, le=100 * 365 * 1440)
    """At most one false alarm per contact type in this much time, on average (sets the threshold h);
    default 90d: a planner tolerates a needless check once a quarter per contact type."""

    @model_validator(mode="after")
    def _check(self) -> Monitoring:
        if self.false_alarm_every < 2 * self.interval:
            raise ValueError("false_alarm_every must be at least twice the interval")
        return self

    @property
    def threshold(self) -> float:
        """The CUSUM threshold h = ln(false_alarm_every / interval)."""
        return math.log(self.false_alarm_every / self.interval)
