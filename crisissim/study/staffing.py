"""What queueing theory alone says: the Erlang C headcount for a level's average load.

The offered rate is the base arrival rate of each contact type the pool serves, averaged
over the run through its intraday profile (crisis surges and feedback are left out, as a
planner's forecast would); the handle time is the rate-weighted mean, divided by training.
The answer is agents on duty for the service-level target, grossed up for shrinkage.
"""

from __future__ import annotations

import math

from crisissim.queueing import erlang_c_staffing
from crisissim.scenario.schema import Arrival, Scenario

_PER_MINUTES = {"minute": 1.0, "hour": 60.0, "day": 1440.0}


def mean_rate(arrival: Arrival, duration: float) -> float:
    """Mean arrival rate per minute over [0, duration] minutes, profile included."""
    base = arrival.rate / _PER_MINUTES[arrival.per]
    prof = arrival.profile
    if not prof:
        return base
    step = arrival.profile_step
    total, t, i = 0.0, 0.0, 0
    while t < duration:
        span = min(step, duration - t)
        total += prof[i % len(prof)] * span
        t += step
        i += 1
        if i > 1_000_000:  # very fine profiles over long runs: use the profile mean
            return base * sum(prof) / len(prof)
    return base * total / duration


def pick_pool(scenario: Scenario, paths: list[str]) -> str | None:
    """The pool a study varies (first ``pools.NAME…`` path), else the only pool, else None."""
    for p in paths:
        parts = p.split(".")
        if len(parts) > 1 and parts[0] == "pools" and parts[1] in scenario.pools:
            return parts[1]
    return next(iter(scenario.pools)) if len(scenario.pools) == 1 else None


def erlang_agents(scenario: Scenario, pool: str | None) -> int | None:
    """Erlang C paid headcount of ``pool`` for the scenario's service-level target (None if n/a)."""
    if pool is None or pool not in scenario.pools:
        return None
    p = scenario.pools[pool]
    duration = scenario.meta.duration
    lam = 0.0
    work = 0.0
    for name in p.skill_priority:
        ct = scenario.contact_types.get(name)
        if ct is None:
            continue
        r = mean_rate(ct.arrival, duration)
        lam += r
        work += r * ct.handle_time.mean / p.training
    if lam <= 0 or work <= 0:
        return 0
    sl = scenario.scoring.service_level
    agents = erlang_c_staffing(lam, lam / work, sl.target, sl.threshold)
    return math.ceil(agents / (1 - p.shrinkage) - 1e-9)
