"""A scenario with known parameters for calibration round trips."""

from __future__ import annotations

import copy

from crisissim.scenario.schema import Scenario

PROFILE = [0.25, 0.2, 0.2, 0.2, 0.25, 0.35, 0.6, 1.0, 1.5, 1.8, 1.7, 1.5,
           1.3, 1.4, 1.6, 1.7, 1.5, 1.3, 1.1, 0.9, 0.7, 0.55, 0.4, 0.3]
"""Hourly arrival multipliers (a working day with a morning and an afternoon peak)."""

SHIFTS = [
    {"start": 0, "end": "7h", "size": 3},
    {"start": "7h", "end": "8h", "size": 6},
    {"start": "8h", "end": "12h", "size": 10},
    {"start": "12h", "end": "13h", "size": 8},
    {"start": "13h", "end": "18h", "size": 10},
    {"start": "18h", "end": "21h30m", "size": 7},
    {"start": "21h30m", "end": "24h", "size": 4},
]


def truth_dict(days: int = 4, seed: int = 11) -> dict:
    shifts = [dict(s, start=_m(s["start"]) + 1440 * d, end=_m(s["end"]) + 1440 * d) for d in range(days) for s in SHIFTS]
    return copy.deepcopy({
        "meta": {"id": "truth", "title": "known parameters", "duration": f"{days}d", "interval": "30m", "seed": seed},
        "channels": {"phone": {"kind": "sync", "patience": {"dist": "weibull", "shape": 0.6, "scale": "3m"}}},
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


def truth(days: int = 4, seed: int = 11) -> Scenario:
    return Scenario.model_validate(truth_dict(days, seed))
