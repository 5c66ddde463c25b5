"""How much work a run is, known before it starts: a run either fits the limit or is refused.

:func:`estimate` reads a scenario and bounds the contacts one replication will handle:

* first contacts: ∫ rate · profile over the run, times the rate effects that can raise it
  (every inject, the strongest option of each card, each action once) and the word-of-mouth
  factor at the worst reputation (1 + arrival_feedback · baseline / 100);
* surges: each firing adds ``peak · base · max(profile) · half_life / ln 2`` contacts, a ramp
  ``peak · base · max(profile) · duration``;
* social self-excitation (Hawkes): an immigrant post's expected progeny over the run of length T
  is ``1 + n (e^{(n-1)βT} - 1) / (n - 1)``, where the branching ratio n is excitation ÷ β ×
  negative share × the strongest amplification (``1/(1-n)`` for a long subcritical run);
* repeat contacts and redials: a chain of ``1 / (1 - q)`` contacts, q the largest chance of
  coming back (1 − the lowest first-contact resolution, or the redial share), and never more
  than ``1 + duration / mean delay`` (an endless chain in no time is unbounded work);
* exposure incidents: no more than the units ever exposed (each incident takes its unit out),
  nor than those units × the total hazard (at its strongest) × the run;
* retention outreach: the ``calls`` of every ``outreach`` effect, each time it can start.

Clock events not tied to contacts (samples, KPI intervals, profile steps, repeating injects,
shift changes) are counted too. :func:`check` refuses a scenario whose estimate exceeds
``max_contacts`` contacts (or the same number of events, :data:`EVENTS_PER_CONTACT` per
contact) with a one-line :class:`WorkloadError`; the CLI's ``--max-contacts`` raises the limit.
The estimate is deliberately an upper one; as a last resort a run that processes more than
:func:`step_budget` events anyway (a trainee's choices the estimate did not foresee) stops
with a :class:`WorkloadError` instead of running without end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from crisissim.limits import DEFAULT_MAX_CONTACTS  # the documented default (``--max-contacts``)

EVENTS_PER_CONTACT = 3
"""Events per contact in the estimate (measured: about 2, an arrival and a completion)."""
BUDGET_FACTOR = 2
"""A run may process this many times its limit's events before it is stopped."""
DEFAULT_REPEAT_MEAN = 240.0  # as crisissim.engine.flow
DEFAULT_RETRY_MEAN = 10.0


class WorkloadError(ValueError):
    """A run that is (or became) larger than the work limit; the message is one line."""


@dataclass(frozen=True)
class Workload:
    """An upper estimate of one replication's work."""

    contacts: float
    """Contacts (first contacts, repeats, redials, social posts) and exposure incidents."""
    clock_events: float
    """Events not tied to contacts: samples (weighted by what a sample does), intervals, profile steps…"""
    by_type: dict[str, float] = field(default_factory=dict)
    """Contacts by contact type."""
    why: dict[str, str] = field(default_factory=dict)
    """Contact type → what makes it unbounded, for those that are."""

    @property
    def events(self) -> float:
        return self.contacts * EVENTS_PER_CONTACT + self.clock_events


def _targets(sc, target: str | None) -> list[str]:
    if target is None:
        return list(sc.contact_types)
    if target in sc.contact_types:
        return [target]
    return [n for n, ct in sc.contact_types.items() if ct.channel == target]


def _sources(sc):
    """Effect groups as (effects, times applied), choices folded to their strongest option per card."""
    for inj in sc.injects:
        yield [inj.effects], _firings(sc, inj)
    for card in sc.decisions:
        yield [o.effects for o in card.options], 1.0
    for act in sc.actions:
        yield [act.effects], 1.0


def _firings(sc, inj) -> float:
    """Most times an inject can fire (at a time, on a condition, or when an incident names it)."""
    d = sc.meta.duration
    cap = float(inj.limit) if inj.limit is not None else (math.inf if inj.every is not None else 1.0)
    if inj.every is None:
        return cap
    start = inj.at if isinstance(inj.at, (int, float)) else 0.0  # a random time may come at once
    n = 1.0 + max(0.0, d - start) / inj.every
    if inj.when is not None:  # conditions are checked at samples
        n = min(n, 1.0 + d / sc.meta.sample_every)
    return min(n, cap)


def _strongest(sc, name: str, kind: str, value) -> tuple[float, float]:
    """(product of the strongest raising factors, total surge area in base-rate minutes) for type ``name``."""
    mult, area = 1.0, 0.0
    horizon = sc.meta.duration
    for choices, times in _sources(sc):
        best_mult, best_area = 1.0, 0.0
        for effects in choices:
            m, a = 1.0, 0.0
            for e in effects:
                if e.effect == kind and name in _targets(sc, getattr(e, "target", None)):
                    m *= max(1.0, value(e))
                if kind == "rate" and e.effect == "surge" and name in _targets(sc, e.target):
                    a += e.peak * min(e.half_life / math.log(2), horizon)
                if kind == "rate" and e.effect == "ramp" and name in _targets(sc, e.target):
                    a += e.peak * horizon  # climbs to its peak and holds (at most) to the end
            best_mult, best_area = max(best_mult, m), max(best_area, a)
        mult *= best_mult
        area += best_area * times
    return mult, area


def _amplification(sc) -> float:
    amp = 1.0
    for choices, _ in _sources(sc):
        best = 1.0
        for effects in choices:
            m = 1.0
            for e in effects:
                if e.effect == "amplification":
                    m *= max(1.0, e.factor)
            best = max(best, m)
        amp *= best
    return amp


def _profile_area(profile: list[float], step: float, duration: float) -> float:
    """∫ profile(t) dt over [0, duration] for a profile repeating every len(profile) · step."""
    if len(profile) == 1:
        return profile[0] * duration
    cycle = step * len(profile)
    full, rest = divmod(duration, cycle)
    area = full * step * sum(profile)
    k = 0
    while rest > 0 and k < len(profile):
        area += profile[k] * min(step, rest)
        rest -= step
        k += 1
    return area


def hawkes_factor(n: float, beta: float, horizon: float) -> float:
    """Expected posts (itself included) descending from one post within ``horizon`` minutes,
    for branching ratio ``n`` and decay rate ``beta`` per minute (inf if it overflows)."""
    if n <= 0:
        return 1.0
    x = (n - 1.0) * beta * horizon
    if x > 700:
        return math.inf
    if abs(x) < 1e-12:
        return 1.0 + n * beta * horizon
    return 1.0 + n * beta * horizon * math.expm1(x) / x


def _chain(sc, name: str, ct) -> tuple[float, str]:
    """Contacts per first contact (repeats and redials) and, if unbounded, why."""
    channel = sc.channels.get(ct.channel)
    sync = channel is not None and channel.kind == "sync"
    pools = [p for p in sc.pools.values() if name in p.skill_priority]
    fcr = min((min(1.0, ct.first_contact_resolution * p.training) for p in pools), default=1.0)
    drop = sum(min(0.0, e.delta) for choices, _ in _sources(sc) for effects in choices for e in effects
               if e.effect == "resolution" and name in _targets(sc, e.target))
    q_repeat = (1.0 - max(0.0, min(1.0, fcr + drop))) if pools else 0.0
    q_retry = ct.retry if sync else 0.0
    q = max(q_repeat, q_retry)
    if q <= 0:
        return 1.0, ""
    delays = []
    if q_repeat > 0:
        delays.append(ct.repeat_delay.mean if ct.repeat_delay is not None else DEFAULT_REPEAT_MEAN)
    if q_retry > 0:
        delays.append(ct.retry_delay.mean if ct.retry_delay is not None else DEFAULT_RETRY_MEAN)
    cycle = min(delays)
    by_time = 1.0 + sc.meta.duration / cycle if cycle > 0 else math.inf
    by_chance = 1.0 / (1.0 - q) if q < 1 else math.inf
    chain = min(by_time, by_chance)
    if chain == math.inf:
        which = "repeat_delay" if q_repeat >= 1 else "retry_delay"
        return chain, f"every contact comes back and its {which} has mean 0, so contacts repeat endlessly at one instant"
    return chain, ""


def estimate(sc) -> Workload:
    """An upper estimate of the work of one replication of scenario ``sc``."""
    from crisissim.scenario.units import PER_MINUTES

    d = sc.meta.duration
    rs = sc.reputation
    word_of_mouth = 1.0 + rs.arrival_feedback * rs.base / 100.0
    amp = _amplification(sc)
    by_type: dict[str, float] = {}
    why: dict[str, str] = {}
    clock = 0.0
    for name, ct in sc.contact_types.items():
        arr = ct.arrival
        base = arr.rate / PER_MINUTES[arr.per]
        profile = arr.profile or [1.0]
        if len(profile) > 1:
            clock += d / arr.profile_step
        mult, surge_area = _strongest(sc, name, "rate", lambda e: e.factor)
        first = base * word_of_mouth * mult * (_profile_area(profile, arr.profile_step, d) + max(profile) * surge_area)
        channel = sc.channels.get(ct.channel)
        if channel is not None and channel.kind == "social":
            beta = math.log(2) / channel.excitation_half_life
            n = channel.excitation / 60.0 / beta * ct.negative_share * amp
            grow = hawkes_factor(n, beta, d)
            if grow == math.inf:
                why[name] = f"social self-excitation with branching ratio {n:.2f} explodes over the run"
            first *= grow
            clock += d / 60.0  # a source with no base rate polls its excitation hourly
        chain, reason = _chain(sc, name, ct)
        if reason and first > 0:
            why[name] = reason
        by_type[name] = first * chain if first > 0 else 0.0
    for name, n in _incidents(sc).items():
        by_type[f"exposures.{name}"] = n
    calls = _outreach_calls(sc)
    if calls:
        by_type["outreach"] = calls
    conditions = sum(1 for x in [*sc.injects, *sc.decisions] if x.when is not None)
    tick_work = 1.0 + (len(sc.contact_types) + len(sc.pools) + 4 * conditions) / 8.0
    clock += (d / sc.meta.sample_every) * tick_work + d / sc.meta.interval
    clock += sum(_firings(sc, i) for i in sc.injects) + len(sc.decisions)
    clock += sum(2 * len(p.shifts or []) for p in sc.pools.values())
    return Workload(math.fsum(by_type.values()), clock, by_type, why)


def _incidents(sc) -> dict[str, float]:
    """Most incidents of each exposure over the run: every incident takes its unit out, so no more
    than the units ever exposed, nor than those units times the strongest hazard over the run."""
    from crisissim.scenario.units import PER_MINUTES

    exposures = getattr(sc, "exposures", None) or {}
    out: dict[str, float] = {}
    d = sc.meta.duration
    for name, ex in exposures.items():
        units = float(ex.units)
        factor = 1.0
        for choices, times in _sources(sc):
            best_units, best_factor = 0.0, 1.0
            for effects in choices:
                u, f = 0.0, 1.0
                for e in effects:
                    if e.effect == "expose" and e.exposure == name:
                        u += e.units + e.rate / PER_MINUTES[e.per] * d
                    if e.effect == "hazard" and e.exposure == name:
                        f *= max(1.0, e.factor)
                best_units, best_factor = max(best_units, u), max(best_factor, f)
            units += best_units * times
            factor *= best_factor
        hazard = sum(i.hazard_per_minute for i in ex.incidents.values()) * factor
        out[name] = min(units, units * hazard * d)
    return out


def _outreach_calls(sc) -> float:
    """Most retention calls (``outreach`` effects' ``calls``), each a piece of a pool's work."""
    total = 0.0
    for choices, times in _sources(sc):
        total += max(sum(getattr(e, "calls", 0) for e in effects if e.effect == "outreach") for effects in choices) * times
    return total


def _count(x: float) -> str:
    return f"{x:,.0f}" if x < 1e15 else f"{x:.1e}"


def check(sc, max_contacts: int | None = DEFAULT_MAX_CONTACTS) -> Workload:
    """The estimate of ``sc``; raise :class:`WorkloadError` if it exceeds ``max_contacts``."""
    w = estimate(sc)
    if max_contacts is None:
        return w
    raise_it = "raise the limit with --max-contacts N if you mean it"
    if w.why:
        name, reason = next(iter(w.why.items()))
        raise WorkloadError(f"contact_types.{name}: the run would never finish: {reason}")
    if w.contacts > max_contacts:
        name = max(w.by_type, key=lambda k: w.by_type[k])
        where = name if name.startswith("exposures.") or name == "outreach" else f"contact_types.{name}"
        what = "contacts and incidents" if any(k.startswith("exposures.") for k in w.by_type) else "contacts"
        raise WorkloadError(
            f"the run would handle about {_count(w.contacts)} {what} (an upper estimate, mostly "
            f"{where}), more than the limit of {max_contacts:,}; {raise_it}")
    limit = max_contacts * EVENTS_PER_CONTACT
    if w.clock_events > limit:
        raise WorkloadError(
            f"the run would process about {_count(w.clock_events)} clock events (samples every meta.sample_every, "
            f"KPI intervals, profile steps, repeating injects), more than the limit of {limit:,} "
            f"({EVENTS_PER_CONTACT} per contact of --max-contacts); {raise_it}")
    return w


def step_budget(w: Workload, max_contacts: int | None) -> float:
    """Events a run may process before it is stopped (inf without a limit)."""
    if max_contacts is None:
        return math.inf
    return BUDGET_FACTOR * (max_contacts * EVENTS_PER_CONTACT + w.clock_events)
