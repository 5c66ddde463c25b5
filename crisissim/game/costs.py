"""What a decision option or an action will cost, and when it takes effect (no pygame).

Up front: its price plus any ``cost`` effects. Per hour: agents added by ``staff``
effects at their pool's overtime wage, for the effect's duration (or to the end of the
run). Per customer: ``compensation`` paid on every resolved contact of its targets,
estimated at the current volume (resolved contacts per hour of those types over the
last half hour). The total is the sum of the three, an estimate stated as one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

VOLUME_WINDOW = 30.0  # minutes of recent contacts that define "the current volume"


@dataclass(frozen=True)
class PerCustomer:
    """Compensation of ``amount`` per resolved contact of ``types``; ``expected`` contacts over ``hours``."""

    amount: float
    types: tuple[str, ...]
    expected: float
    hours: float

    @property
    def total(self) -> float:
        return self.amount * self.expected


@dataclass(frozen=True)
class Cost:
    """The money side of an option or action decided at ``now``; times in minutes, money in the currency."""

    upfront: float
    per_hour: float
    hours: float
    agents: int
    per_customer: tuple[PerCustomer, ...] = field(default=())
    starts: float = 0.0
    ends: float | None = None  # None: lasts to the end of the run (or has nothing that lasts)

    @property
    def staff_total(self) -> float:
        return self.per_hour * self.hours

    @property
    def total(self) -> float:
        return self.upfront + self.staff_total + sum(p.total for p in self.per_customer)

    @property
    def estimated(self) -> bool:
        """True when part of the total depends on the volume of contacts (an estimate)."""
        return bool(self.per_customer)


def target_types(sc, target: str | None) -> tuple[str, ...]:
    """Contact types an effect's ``target`` names: all, one type, or the types of a channel."""
    if target is None:
        return tuple(sc.contact_types)
    if target in sc.contact_types:
        return (target,)
    return tuple(n for n, t in sc.contact_types.items() if t.channel == target)


def resolved_per_hour(sc, history, stats, now: float) -> dict[str, float]:
    """Resolved contacts per hour of each type at the current volume.

    From the last :data:`VOLUME_WINDOW` minutes once ten minutes have passed; before that
    from the scenario's base arrival rate × first-contact resolution.
    """
    out = {}
    for name, spec in sc.contact_types.items():
        w = history.window(now, VOLUME_WINDOW, stats, (name,)) if history is not None else None
        if w is not None and w.minutes >= 10.0:
            out[name] = w.per_hour("resolved")
        else:
            per = {"minute": 60.0, "hour": 1.0, "day": 1 / 24.0}[spec.arrival.per]
            out[name] = spec.arrival.rate * per * spec.first_contact_resolution
    return out


def estimate(sc, spec, now: float, end: float, resolved: dict[str, float]) -> Cost:
    """The :class:`Cost` of option or action ``spec`` taken at ``now`` in a run ending at ``end``."""
    start = min(end, now + spec.delay)
    upfront = float(spec.cost)
    per_hour = 0.0
    agents = 0
    hours = 0.0
    comp: dict[float, list] = {}
    ends: list[float | None] = []
    for e in spec.effects:
        kind = e.effect
        span = getattr(e, "duration", None)
        if span is None:
            span = spec.duration
        last = end if span is None else min(end, start + span)
        if kind == "cost":
            upfront += e.amount
            continue
        if kind in ("staff", "compensation", "rate", "deflect", "resolution", "handle_time", "amplification",
                    "outage") or (kind == "statement" and e.transparency > 0):
            ends.append(None if span is None else last)
        if kind == "staff" and e.add > 0:
            pool = sc.pools.get(e.pool)
            if pool is not None:
                per_hour += e.add * pool.overtime_rate
                agents += e.add
                hours = max(hours, (last - start) / 60.0)
        elif kind == "compensation" and e.amount > 0:
            types = target_types(sc, e.target)
            h = max(0.0, (last - start) / 60.0)
            entry = comp.setdefault(float(e.amount), [[], 0.0, h])
            for t in types:
                if t not in entry[0]:
                    entry[0].append(t)
                    entry[1] += resolved.get(t, 0.0) * h
            entry[2] = max(entry[2], h)
    per_customer = tuple(PerCustomer(a, tuple(ts), n, h) for a, (ts, n, h) in comp.items())
    finish = None if not ends or any(x is None for x in ends) else max(x for x in ends if x is not None)
    return Cost(upfront, per_hour, hours, agents, per_customer, start, finish)


CONFIRM_SHARE = 0.05  # an option whose total reaches this share of the loss budget asks for confirmation


def is_costly(sc, cost: Cost) -> bool:
    """Does taking it deserve an "are you sure?": its total reaches :data:`CONFIRM_SHARE` of the
    loss budget (without a budget: any money at all)."""
    budget = sc.scoring.loss_budget
    if budget:
        return cost.total >= CONFIRM_SHARE * budget
    return cost.total > 0


def describe(words, cost: Cost, currency: str, clock, now: float) -> tuple[str, str]:
    """Two lines: what it costs (up front, per hour, per customer, the total) and when it acts."""
    from crisissim.game.fmt import duration_text, money

    w = words
    bits = []
    if cost.upfront:
        bits.append(w("cost.upfront", money=money(cost.upfront, currency)))
    if cost.per_hour:
        bits.append(w("cost.per_hour", money=money(cost.per_hour, currency), agents=cost.agents,
                      hours=duration_text(w, cost.hours * 60)))
    for p in cost.per_customer:
        bits.append(w("cost.per_customer", money=money(p.amount, currency), n=f"{p.expected:,.0f}"))
    if not bits:
        money_line = w("cost.none")
    elif len(bits) == 1 and not cost.estimated and not cost.per_hour:
        money_line = bits[0]
    else:
        key = "cost.total_estimate" if cost.estimated else "cost.total"
        money_line = " · ".join(bits) + " · " + w(key, money=money(cost.total, currency))
    if cost.starts <= now + 1e-9:
        when = w("cost.at_once")
    else:
        when = w("cost.takes_effect", clock=clock(cost.starts), wait=duration_text(w, cost.starts - now))
    if cost.ends is not None:
        when += " · " + w("cost.until", clock=clock(cost.ends))
    return money_line, when



def short_cost(cost: Cost, currency: str = "") -> str:
    """What it costs as one figure, for a button: ``500 CNY`` (up front), ``1,530 CNY`` (in all),
    ``≈ 1,530 CNY`` (estimated), ``0``; :func:`describe` says what the figure is made of."""
    from crisissim.game.fmt import money

    if cost.upfront and not cost.per_hour and not cost.per_customer:
        return money(cost.upfront, currency)
    return ("≈ " if cost.estimated else "") + money(cost.total, currency)
