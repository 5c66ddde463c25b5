"""A scenario with known parameters for calibration round trips."""

from __future__ import annotations

import copy

from crisissim.scenario.schema import Scenario

PROFILE = [0.25, 0.2, 0.2, 0.2, 0.25, 0.35, 0.6, 1.0, 1.5, 1.8, 1.7, 1.5,
           1.3, 1.4, 1.6, 1.7, 1.5, 1.3, 1.1, 0.9, 0.7, 0.55, 0.4, 0.3]
"""Hourly arrival multipliers (a working day with a morning and an afternoon peak)."""

SHIFTS = [
    {"start": 0, "end": "7h", "size": 4},
    {"start": "7h", "end": "8h", "size": 8},
    {"start": "8h", "end": "12h", "size": 14},
    {"start": "12h", "end": "13h", "size": 12},
    {"start": "13h", "end": "18h", "size": 14},
    {"start": "18h", "end": "21h30m", "size": 10},
    {"start": "21h30m", "end": "24h", "size": 5},
]
"""A day's staffing (about 15% of calls abandoned: queues long enough to see patience)."""


def truth_dict(days: int = 3, seed: int = 11) -> dict:
    shifts = [dict(s, start=_m(s["start"]) + 1440 * d, end=_m(s["end"]) + 1440 * d) for d in range(days) for s in SHIFTS]
    return copy.deepcopy({
        "meta": {"id": "truth", "title": "known parameters", "duration": f"{days}d", "interval": "30m", "seed": seed},
        "channels": {"phone": {"kind": "sync", "patience": {"dist": "weibull", "shape": 0.6, "scale": "5m"}}},
        "contact_types": {
            "billing": {
                "channel": "phone",
                "arrival": {"rate": 40, "per": "hour", "profile_step": "1h", "profile": PROFILE},
                "handle_time": {"dist": "lognormal", "mu": 1.4, "sigma": 0.8},
                "first_contact_resolution": 0.75,
                "repeat_delay": {"dist": "exponential", "mean": "2h"},
                "retry": 0.35,
                "retry_delay": {"dist": "exponential", "mean": "10m"},
            },
            "defect": {
                "channel": "phone",
                "arrival": {"rate": 18, "per": "hour", "profile_step": "1h", "profile": PROFILE[6:] + PROFILE[:6]},
                "handle_time": {"dist": "lognormal", "mu": 1.9, "sigma": 0.6},
                "first_contact_resolution": 0.6,
                "repeat_delay": {"dist": "exponential", "mean": "3h"},
                "retry": 0.5,
                "retry_delay": {"dist": "exponential", "mean": "20m"},
            },
        },
        "pools": {"front": {"shifts": shifts, "skills": ["billing", "defect"]}},
        "reputation": {"arrival_feedback": 0},
        "churn": {"b0": -3.0, "wait": 0.6, "abandon": 1.0, "fix": 1.2, "reputation": 0},
    })


def _m(v) -> float:
    from crisissim.scenario.units import parse_duration

    return parse_duration(v)


def truth(days: int = 3, seed: int = 11) -> Scenario:
    return Scenario.model_validate(truth_dict(days, seed))


# ---------------------------------------------------------------- checks
from dataclasses import dataclass  # noqa: E402

from scipy import stats  # noqa: E402


@dataclass
class Check:
    name: str
    truth: float
    estimate: float
    low: float
    high: float

    @property
    def ok(self) -> bool:
        return self.low <= self.truth <= self.high

    def __str__(self) -> str:
        return f"{self.name}: truth {self.truth:.4g}, estimate {self.estimate:.4g}, interval {self.low:.4g}–{self.high:.4g}"


def parameter_checks(cal, sc: Scenario, level: float) -> tuple[list[Check], list[str]]:
    """Every fitted parameter against the truth, each at confidence ``level``; and the model choices made."""
    checks: list[Check] = []
    families: list[str] = []

    def est(name, truth, e):
        lo, hi = e.ci(level)
        checks.append(Check(name, float(truth), e.value, lo, hi))

    pat = sc.channels["phone"].patience
    ch = cal.channels["phone"]
    families.append(f"patience:{ch.patience.family.name}")
    est("patience.shape", pat.shape, ch.patience.params["shape"])
    est("patience.scale", pat.scale, ch.patience.params["scale"])
    for name, spec in sc.contact_types.items():
        tf = cal.types[name]
        prof, step = spec.arrival.profile, spec.arrival.profile_step
        for j, e in enumerate(tf.arrival.slot_rates):
            truth = spec.arrival.rate * prof[int(j * cal.interval / step) % len(prof)]
            est(f"{name}.rate[slot {j}]", truth, e)
        families.append(f"{name}.handle:{tf.handle.family.name}")
        est(f"{name}.handle.mu", spec.handle_time.mu, tf.handle.params["mu"])
        est(f"{name}.handle.sigma", spec.handle_time.sigma, tf.handle.params["sigma"])
        est(f"{name}.first_contact_resolution", spec.first_contact_resolution, tf.fcr)
        est(f"{name}.repeat_delay.mean", spec.repeat_delay.mean, tf.repeat.mean_delay)
        est(f"{name}.retry", spec.retry, tf.retry.p)
        est(f"{name}.retry_delay.mean", spec.retry_delay.mean, tf.retry.mean_delay)
    ch_true = sc.churn
    est("churn.b0", ch_true.b0, cal.churn.coef["b0"])
    # the wait term is per unit of wait / mean patience, and the fitted scenario uses the fitted mean
    est("churn.wait", ch_true.wait * ch.patience.mean.value / pat.mean, cal.churn.coef["wait"])
    est("churn.abandon", ch_true.abandon, cal.churn.coef["abandon"])
    est("churn.fix", ch_true.fix, cal.churn.coef["fix"])
    return checks, families


def family_level(n_checks: int, alarm: float = 0.01) -> float:
    """Per-check confidence level so that all ``n_checks`` together raise a false alarm with probability < ``alarm`` (Bonferroni)."""
    return 1.0 - alarm / n_checks


def naive_patience(waits_abandoned, level: float) -> tuple[float, float, float]:
    """The naive estimate (mean of abandoned waits, minutes) with its t interval."""
    import numpy as np

    w = np.asarray(waits_abandoned, dtype=float)
    m, se = float(w.mean()), float(w.std(ddof=1) / len(w) ** 0.5)
    z = stats.norm.ppf(0.5 + level / 2)
    return m, m - z * se, m + z * se
