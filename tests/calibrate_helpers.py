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
import math  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from scipy import stats  # noqa: E402


@dataclass
class Check:
    """A fitted value against the truth it should recover."""

    name: str
    truth: float
    estimate: object  # crisissim.calibrate.fit.Estimate

    @property
    def p(self) -> float:
        """Two-sided p-value of the truth under the estimate's sampling distribution: exact Poisson for
        rates (the count against the truth times the exposure), else normal with the standard error."""
        e = self.estimate
        if e.exact is not None and e.exact[0] == "poisson":
            _, k, exposure = e.exact
            mu = self.truth * exposure
            return float(min(1.0, 2 * min(stats.poisson.cdf(k, mu), stats.poisson.sf(k - 1, mu))))
        if not (e.se > 0 and math.isfinite(e.se)):
            return 1.0 if e.value == self.truth else 0.0
        return float(2 * stats.norm.sf(abs(e.value - self.truth) / e.se))

    def __str__(self) -> str:
        lo, hi = self.estimate.ci(0.95)
        return f"{self.name}: truth {self.truth:.4g}, estimate {self.estimate.value:.4g} (95% {lo:.4g}–{hi:.4g}), p = {self.p:.2g}"


def parameter_checks(cal, sc: Scenario) -> tuple[list[Check], list[str]]:
    """Every fitted parameter against the truth, and the model choices made."""
    checks: list[Check] = []
    families: list[str] = []
    pat = sc.channels["phone"].patience
    ch = cal.channels["phone"]
    families.append(f"patience:{ch.patience.family.name}")
    checks.append(Check("patience.shape", pat.shape, ch.patience.params["shape"]))
    checks.append(Check("patience.scale", pat.scale, ch.patience.params["scale"]))
    for name, spec in sc.contact_types.items():
        tf = cal.types[name]
        prof, step = spec.arrival.profile, spec.arrival.profile_step
        for j, e in enumerate(tf.arrival.slot_rates):
            checks.append(Check(f"{name}.rate[slot {j}]", spec.arrival.rate * prof[int(j * cal.interval / step) % len(prof)], e))
        families.append(f"{name}.handle:{tf.handle.family.name}")
        checks.append(Check(f"{name}.handle.mu", spec.handle_time.mu, tf.handle.params["mu"]))
        checks.append(Check(f"{name}.handle.sigma", spec.handle_time.sigma, tf.handle.params["sigma"]))
        checks.append(Check(f"{name}.first_contact_resolution", spec.first_contact_resolution, tf.fcr))
        checks.append(Check(f"{name}.repeat_delay.mean", spec.repeat_delay.mean, tf.repeat.mean_delay))
        checks.append(Check(f"{name}.retry", spec.retry, tf.retry.p))
        checks.append(Check(f"{name}.retry_delay.mean", spec.retry_delay.mean, tf.retry.mean_delay))
    truth = sc.churn
    checks.append(Check("churn.b0", truth.b0, cal.churn.coef["b0"]))
    # the wait term is per unit of wait / mean patience, and the fitted scenario uses the fitted mean
    checks.append(Check("churn.wait", truth.wait * ch.patience.mean.value / pat.mean, cal.churn.coef["wait"]))
    checks.append(Check("churn.abandon", truth.abandon, cal.churn.coef["abandon"]))
    checks.append(Check("churn.fix", truth.fix, cal.churn.coef["fix"]))
    return checks, families


EXPECTED_FAMILIES = ["patience:weibull", "billing.handle:lognormal", "defect.handle:lognormal"]


def naive_patience(waits_abandoned, level: float) -> tuple[float, float, float]:
    """The naive estimate (mean of abandoned waits, minutes) with its normal interval."""
    import numpy as np

    w = np.asarray(waits_abandoned, dtype=float)
    m, se = float(w.mean()), float(w.std(ddof=1) / len(w) ** 0.5)
    z = stats.norm.ppf(0.5 + level / 2)
    return m, m - z * se, m + z * se
