"""What queueing theory says a level needs: the Erlang C and Erlang A headcount at the peak interval.

:func:`forecast` is a planner's forecast of the scenario, per KPI interval (``meta.interval``):
each contact type's base rate through its intraday profile, with the crisis injects that fire at
a fixed time and happen with probability at least ½: their surges, ramps, rate factors,
deflection and handle-time factors, folded by the engine's own :class:`Modifiers`. A forecast
cannot know the rest, so it leaves out injects on a condition or at a random time, decisions and
actions, repeat contacts and redials, word-of-mouth (reputation feedback) and social
self-excitation.

:func:`peak_requirement` takes the interval where a pool's offered load (rate × handle time ÷
training, over the sync contact types it serves first) is highest and asks Erlang C (no one hangs
up) and Erlang A (callers hang up after an exponential patience with their channel's mean
patience) for the fewest agents that answer the scenario's service-level share within its
threshold, counting abandoned calls as missed (as the engine does), then grosses that up for the
pool's shrinkage: paid agents on duty, the number a study's shift sizes are compared with.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import numpy as np

from crisissim.engine.modifiers import Modifiers
from crisissim.queueing import erlang_a_staffing, erlang_c_staffing
from crisissim.scenario.schema import Scenario
from crisissim.scenario.units import PER_MINUTES

SAMPLES = 12
"""Points per KPI interval at which the forecast rate is averaged (midpoint rule)."""
MAX_POINTS = 200_000
"""At most this many points in all (long runs get fewer per interval, never fewer than two)."""
LIKELY = 0.5
"""Injects with at least this probability are in the forecast."""


@dataclass(frozen=True)
class Requirement:
    """Erlang headcount of one pool at its peak interval (paid agents, shrinkage included)."""

    pool: str
    start: float
    """Start of the peak interval (minutes from the scenario start)."""
    end: float
    rate: float
    """Forecast contacts per hour of the sync types the pool serves first, in that interval."""
    handle: float
    """Their mean handle time there (minutes, training and handle-time effects included)."""
    patience: float | None
    """Mean patience (minutes) for Erlang A; None when some callers never hang up."""
    erlang_c: int
    erlang_a: int
    on_duty: int
    """The level's scheduled agents of the pool in the middle of that interval."""
    shrinkage: float
    forecast_contacts: float
    """Forecast contacts of every type (all channels) in that interval."""
    async_types: bool
    """True if the pool also works email or social contacts (not in the Erlang numbers)."""

    def as_dict(self) -> dict:
        return asdict(self)


def _points(sc: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Interval starts and the sample points (intervals × k) of the forecast."""
    step = sc.meta.interval
    n = max(1, math.ceil(sc.meta.duration / step - 1e-9))
    k = max(2, min(SAMPLES, MAX_POINTS // n))
    starts = np.arange(n) * step
    ends = np.minimum(starts + step, sc.meta.duration)
    frac = (np.arange(k) + 0.5) / k
    return starts, starts[:, None] + (ends - starts)[:, None] * frac[None, :]


def _changes(sc: Scenario) -> list[tuple[float, int, Any]]:
    """(time, order, effect or release) of the fixed-time injects' effects, in time order."""
    out: list[tuple[float, int, Any]] = []
    for inject in sc.injects:
        if inject.when is not None or not isinstance(inject.at, (int, float)) or inject.probability < LIKELY:
            continue
        limit = inject.limit if inject.limit is not None else (None if inject.every is not None else 1)
        t, fired = float(inject.at), 0
        while t < sc.meta.duration and (limit is None or fired < limit):
            for e in inject.effects:
                if e.effect in ("surge", "ramp") or e.lasting:
                    out.append((t, len(out), e))
            fired += 1
            if inject.every is None:
                break
            t += inject.every
    return sorted(out, key=lambda x: (x[0], x[1]))


@dataclass(frozen=True)
class Forecast:
    """Per contact type and KPI interval: mean arrival rate (per minute, after deflection) and the
    mean handle-time factor of the effects in force."""

    starts: np.ndarray
    rate: dict[str, np.ndarray]
    handle_factor: dict[str, np.ndarray]
    pool_factor: dict[str, np.ndarray]


def forecast(sc: Scenario) -> Forecast:
    """The planner's forecast of ``sc`` (see the module docstring); cached by the parts it reads."""
    key = json.dumps({k: sc.model_dump(mode="json")[k] for k in ("meta", "channels", "contact_types", "injects")},
                     sort_keys=True)
    return _forecast(key, sc)


_cache: dict[str, Forecast] = {}


def _forecast(key: str, sc: Scenario) -> Forecast:
    hit = _cache.get(key)
    if hit is not None:
        return hit
    starts, pts = _points(sc)
    names = list(sc.contact_types)
    pools = list(sc.pools)
    mods = Modifiers(names, [sc.contact_types[n].channel for n in names], pools)
    changes = _changes(sc)
    ends: list[tuple[float, Callable[[], object]]] = []  # (time, release)
    flat = pts.ravel()
    lift = np.zeros((len(names), flat.size))
    rate = np.ones((len(names), flat.size))
    ht = np.ones((len(names), flat.size))
    htp = np.ones((len(pools), flat.size))
    j = 0
    for col, t in enumerate(flat):
        while ends and ends[0][0] <= t:
            ends.pop(0)[1]()
        while j < len(changes) and changes[j][0] <= t:
            t0, _, e = changes[j]
            end = t0 + e.duration if getattr(e, "duration", None) is not None else math.inf
            if e.effect == "surge":
                mods.add_surge(e.target, t0, e.peak, e.half_life)
            elif e.effect == "ramp":
                token, idx = mods.add_ramp(e.target, t0, e.peak, e.over)
                ends.append((end, partial(mods.remove_ramp, token, idx)))
            else:
                token = mods.add(e)
                ends.append((end, partial(mods.remove, token)))
            ends.sort(key=lambda x: x[0])
            j += 1
        for i in range(len(names)):
            lift[i, col] = mods.surge(i, t) if (mods.surges[i] or mods.ramps[i]) else 0.0
            rate[i, col] = mods.rate[i] * (1.0 - mods.deflect[i])
            ht[i, col] = mods.ht_type[i]
        htp[:, col] = mods.ht_pool
    shape = pts.shape
    rates, hfac = {}, {}
    for i, name in enumerate(names):
        arr = sc.contact_types[name].arrival
        base = arr.rate / PER_MINUTES[arr.per]
        prof = np.asarray(arr.profile or [1.0], dtype=float)
        slot = ((flat / arr.profile_step + 1e-12).astype(np.int64) % len(prof)) if len(prof) > 1 else 0
        lam = base * prof[slot] * (1.0 + lift[i]) * rate[i]
        rates[name] = lam.reshape(shape).mean(axis=1)
        hfac[name] = ht[i].reshape(shape).mean(axis=1)
    pfac = {p: htp[k].reshape(shape).mean(axis=1) for k, p in enumerate(pools)}
    out = Forecast(starts, rates, hfac, pfac)
    if len(_cache) > 64:
        _cache.clear()
    _cache[key] = out
    return out


def primary_types(sc: Scenario, pool: str) -> list[str]:
    """Contact types ``pool`` serves with the best priority of any pool (ties: each such pool)."""
    out = []
    for name, prio in sc.pools[pool].skill_priority.items():
        if name in sc.contact_types and prio <= min(p.skill_priority.get(name, math.inf) for p in sc.pools.values()):
            out.append(name)
    return out


def _sync(sc: Scenario, name: str) -> bool:
    return sc.channels[sc.contact_types[name].channel].kind == "sync"


def on_duty(sc: Scenario, pool: str, t: float) -> int:
    """Scheduled agents of ``pool`` at time ``t``."""
    p = sc.pools[pool]
    if p.shifts is None:
        return int(p.size or 0)
    return sum(s.size for s in p.shifts if s.start <= t < s.end)


MAX_INTERVALS = 2_000
"""Per-interval Erlang numbers (for :func:`comparison`) only for runs of at most this many intervals."""


def _load(sc: Scenario, pool: str, fc: Forecast, types: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Calls per minute and offered work (agent-minutes per minute) of ``types`` per interval."""
    p = sc.pools[pool]
    lam = np.asarray(sum(fc.rate[n] for n in types), dtype=float)
    work = np.asarray(sum(fc.rate[n] * sc.contact_types[n].handle_time.mean * fc.handle_factor[n] for n in types),
                      dtype=float)
    return lam, work * fc.pool_factor[pool] / p.training


def _agents(sc: Scenario, pool: str, fc: Forecast, types: list[str], k: int, lam: float, work: float):
    """(mean patience or None, Erlang C, Erlang A) paid agents for interval ``k``."""
    patient, weighted = 0.0, 0.0
    for n in types:  # rate-weighted mean patience of the callers in that interval
        pat = sc.channels[sc.contact_types[n].channel].patience
        w = float(fc.rate[n][k])
        if pat is None:
            patient += w
        else:
            weighted += w * pat.mean
    patience = weighted / lam if patient == 0 and weighted > 0 else None
    handle = work / lam
    sl = sc.scoring.service_level
    c = erlang_c_staffing(lam, 1.0 / handle, sl.target, sl.threshold)
    a = c if patience is None else erlang_a_staffing(lam, 1.0 / handle, 1.0 / patience, sl.target, sl.threshold)
    shrink = sc.pools[pool].shrinkage
    gross = lambda n: math.ceil(n / (1.0 - shrink) - 1e-9)  # noqa: E731
    return patience, gross(c), gross(a)


def _types(sc: Scenario, pool: str | None) -> tuple[list[str], list[str]]:
    if pool is None or pool not in sc.pools:
        return [], []
    mine = primary_types(sc, pool)
    return mine, [n for n in mine if _sync(sc, n)]


def peak_requirement(sc: Scenario, pool: str | None) -> Requirement | None:
    """Erlang C and A paid headcount of ``pool`` at its peak forecast interval (None if no pool is
    given or it answers no sync contacts first)."""
    mine, types = _types(sc, pool)
    if not types or pool is None:
        return None
    fc = forecast(sc)
    lam, work = _load(sc, pool, fc, types)
    k = int(np.argmax(work))
    if not lam[k] > 0 or not work[k] > 0:
        return None
    patience, c, a = _agents(sc, pool, fc, types, k, float(lam[k]), float(work[k]))
    start = float(fc.starts[k])
    end = min(start + sc.meta.interval, sc.meta.duration)
    total = float(sum(r[k] for r in fc.rate.values())) * (end - start)
    return Requirement(pool, start, end, float(lam[k]) * 60.0, float(work[k] / lam[k]), patience, c, a,
                       on_duty(sc, pool, (start + end) / 2), sc.pools[pool].shrinkage, total,
                       any(not _sync(sc, n) for n in mine))


def comparison(sc: Scenario, pool: str | None, offered: list[float]) -> dict | None:
    """Queueing theory beside a simulated staffing: its :func:`peak_requirement`; the contacts
    the simulation offered (``offered``: mean per KPI interval, every type) against the forecast
    over the run; and the intervals in which its scheduled agents fall short of what Erlang A
    (Erlang C when callers never hang up) asks for in that interval."""
    req = peak_requirement(sc, pool)
    if req is None or pool is None:
        return None
    fc = forecast(sc)
    step = sc.meta.interval
    lengths = np.minimum(fc.starts + step, sc.meta.duration) - fc.starts
    expected = sum(r * lengths for r in fc.rate.values())
    out = {**req.as_dict(), "offered_peak": None, "offered_total": None,
           "forecast_total": float(expected.sum()), "short_intervals": None, "intervals": len(fc.starts)}
    if len(offered) == len(fc.starts):
        k = int(round(req.start / step))
        out["offered_peak"] = float(offered[k])
        out["offered_total"] = float(np.nansum(offered))
    if len(fc.starts) <= MAX_INTERVALS:
        _, types = _types(sc, pool)
        lam, work = _load(sc, pool, fc, types)
        short = []
        for k, start in enumerate(fc.starts):
            if lam[k] > 0 and work[k] > 0:
                _, c, a = _agents(sc, pool, fc, types, k, float(lam[k]), float(work[k]))
                if on_duty(sc, pool, float(start + lengths[k] / 2)) < (a if req.patience is not None else c):
                    short.append(float(start))
        out["short_intervals"] = short
    return out


def pick_pool(scenario: Scenario, paths: list[str]) -> str | None:
    """The pool a study varies (the first ``pools.NAME…`` path), else the only pool, else the pool
    with the most forecast sync work at its peak."""
    for path in paths:
        parts = path.split(".")
        if len(parts) > 1 and parts[0] == "pools" and parts[1] in scenario.pools:
            return parts[1]
    if len(scenario.pools) == 1:
        return next(iter(scenario.pools))
    fc = forecast(scenario)
    best, most = None, 0.0
    for name, p in scenario.pools.items():
        work = sum((fc.rate[n] * scenario.contact_types[n].handle_time.mean for n in primary_types(scenario, name)
                    if _sync(scenario, n)), np.zeros(1))
        peak = float(np.max(work)) / p.training
        if peak > most:
            best, most = name, peak
    return best
