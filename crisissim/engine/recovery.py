"""Service recovery at run time: the strength of compensation, the at-risk list, and retention
outreach (outbound calls made by a staff pool).

The coefficients and their reasoning are documented with ``recovery`` and ``churn`` in
``crisissim/scenario/customers.py``. A customer whose contact leaves them at or above the
``churn.at_risk`` probability goes on the at-risk list until their departure time (drawn per
contact from the contact type's own stream, whatever the outcome, so studies keep common random
numbers). Outreach pops the customer with the most value at risk (churn probability × what
they would cost) that its filters allow; a reached customer is re-evaluated with the same
uniform that decided their churn, so a call can only win a customer back, never push one out.
The list is kept only when the scenario has an ``outreach`` effect somewhere.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from typing import Any

from crisissim.engine.rng import Stream, dist_stream, uniform_stream

DEFAULT_DEPARTURE_MEAN = 720.0  # minutes: a leaving customer is gone 12 hours after the contact on average
DEFAULT_CALL_MEAN = 6.0  # minutes of agent time per outreach call that reaches the customer
MISSED_CALL = 1.0  # minutes of agent time per call that does not reach the customer


def strength(amount: float, fair: float) -> float:
    """Strength of a remedy worth ``amount`` where ``fair`` makes good the harm: ``1 − e^(−amount / fair)``."""
    if amount <= 0:
        return 0.0
    if fair <= 0:
        return 1.0
    return 1.0 - math.exp(-amount / fair)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -700 else 0.0


def uses_outreach(scenario) -> bool:
    """Whether any inject, option or action of ``scenario`` has an ``outreach`` effect."""
    groups = [i.effects for i in scenario.injects]
    groups += [o.effects for c in scenario.decisions for o in c.options]
    groups += [a.effects for a in scenario.actions]
    return any(e.effect == "outreach" for g in groups for e in g)


def _unset(*args: Any) -> Any:
    raise RuntimeError("the contact flow's hooks are not given yet (Outreach.serve_with)")


class AtRisk:
    """Customers at risk of leaving who have not left yet, one heap per (segment, contact type).

    An entry is ``[-value, seq, until, segment, type, x, u, churned]``: ``value`` the churn
    probability times the cost of the customer leaving, ``until`` the departure time, ``x`` the
    churn log-odds after the contact, ``u`` the uniform that decided it (churned iff u < sigmoid(x)).
    """

    def __init__(self, n_segments: int, n_types: int):
        self.heaps: list[list[list]] = [[] for _ in range(n_segments * n_types)]
        self.n_types = n_types
        self._seq = 0
        self.size = 0
        self._clean_at = 4096
        self.listed = 0  # customers ever put on the list
        self._untils: list[float] = []  # departure times of everyone listed (to count who is still here)
        self._taken: list[float] = []  # departure times of those taken off the list by a call

    def add(self, now: float, until: float, seg: int, ti: int, x: float, u: float, churned: bool, value: float) -> None:
        if until <= now:
            return
        self._seq += 1
        self.listed += 1
        heapq.heappush(self.heaps[seg * self.n_types + ti], [-value, self._seq, until, seg, ti, x, u, churned])
        heapq.heappush(self._untils, until)
        self.size += 1

    def pop(self, now: float, segments, types) -> list | None:
        """The entry with most value at risk among ``segments`` × ``types`` (index lists) still here at ``now``."""
        best = None
        best_heap: list = []
        for s in segments:
            base = s * self.n_types
            for t in types:
                h = self.heaps[base + t]
                while h and h[0][2] <= now:
                    heapq.heappop(h)
                    self.size -= 1
                if h and (best is None or h[0][:2] < best[:2]):
                    best, best_heap = h[0], h
        if best is None:
            return None
        heapq.heappop(best_heap)
        heapq.heappush(self._taken, best[2])
        self.size -= 1
        return best

    def waiting(self, now: float) -> int:
        """Customers on the list who have not left by ``now`` (nor been called)."""
        for h in (self._untils, self._taken):
            while h and h[0] <= now:
                heapq.heappop(h)
        return len(self._untils) - len(self._taken)

    def prune(self, now: float) -> None:
        """Drop departed customers once the list has doubled since the last pruning (bounded memory)."""
        if self.size < self._clean_at:
            return
        size = 0
        for i, h in enumerate(self.heaps):
            live = [e for e in h if e[2] > now]
            heapq.heapify(live)
            self.heaps[i] = live
            size += len(live)
        self.size = size
        self._clean_at = max(4096, 2 * size)


class Campaign:
    """One outreach effect in progress: calls left, whom it may call, and its draws."""

    __slots__ = ("spec", "pool", "left", "segments", "types", "priority", "handle", "reach", "made", "reached",
                 "won_back")

    def __init__(self, spec, pool, segments: list[int], types: list[int], handle: Stream, reach: Stream):
        self.spec = spec
        self.pool = pool
        self.left = spec.calls
        self.segments = segments
        self.types = types
        self.priority = spec.priority
        self.handle = handle
        self.reach = reach
        self.made = 0
        self.reached = 0
        self.won_back = 0

    def take_call(self) -> None:
        """One of its calls is made."""
        self.left -= 1
        self.made += 1

    def record(self, reached: bool, won_back: bool) -> None:
        """A call ended."""
        self.reached += reached
        self.won_back += won_back


class Call:
    """One outreach call in progress (an agent's work item, as a contact is)."""

    __slots__ = ("campaign", "entry", "reached")

    def __init__(self, campaign, entry: list, reached: bool):
        self.campaign = campaign
        self.entry = entry
        self.reached = reached


OUTBOUND = object()
"""Marker in a pool's skill groups where its outbound calls come in priority order."""


class Outreach:
    """Retention outreach of one simulation: the at-risk list and the calls pools make from it.

    It owns the list, the campaigns and their counts; it decides whom a call reaches through the
    :class:`~crisissim.engine.churn.ChurnModel` (:meth:`~ChurnModel.reconsider`), books calls and
    offers through the :class:`~crisissim.engine.customers.CustomerBase`, and hands agents back to
    the flow (``serve_with``) when a call ends.
    """

    def __init__(self, clock, scenario, seed: int, customers, churn, types, pools, mods):
        self.clock = clock
        self.seed = seed
        self.enabled = uses_outreach(scenario)
        self.recovery = scenario.recovery
        self.at_risk_level = scenario.churn.at_risk
        self.customers = customers
        self.churn = churn
        self.types = types
        self.pool_by_name = {p.name: p for p in pools}
        self.mods = mods
        # used only when enabled (consider, call, ... are reached only then)
        self.list: AtRisk = AtRisk(len(customers.segments), len(types)) if self.enabled else None  # type: ignore[assignment]
        self.campaigns: list[Campaign] = []
        self.calls = self.reached = self.won_back = 0
        self.goodwill = 0.0  # reputation points earned by offers since the last tick
        self._next_for: Callable[..., Any] = _unset  # the flow's next_for(pool, now): give a free agent work
        self._set_outbound: Callable[..., Any] = _unset  # the flow's set_outbound(pool, position or None)
        self._departure: list[tuple[Stream, Stream] | None] = []
        d = scenario.churn.departure
        for t in types:
            if not self.enabled:
                self._departure.append(None)
                continue
            p = f"type:{t.name}:"
            if d is not None:
                self._departure.append((dist_stream(seed, p + "departure", d), dist_stream(seed, p + "repeat:departure", d)))
            else:
                self._departure.append((_exponential(seed, p + "departure-exp", DEFAULT_DEPARTURE_MEAN),
                                        _exponential(seed, p + "repeat:departure-exp", DEFAULT_DEPARTURE_MEAN)))

    def serve_with(self, next_for, set_outbound) -> None:
        """The flow's hooks: ``next_for(pool, now)`` and ``set_outbound(pool, position)``."""
        self._next_for = next_for
        self._set_outbound = set_outbound

    def departure(self, ti: int, repeat: bool) -> float:
        """Departure delay of a new contact's customer (drawn for every contact when outreach exists)."""
        pair = self._departure[ti]
        return pair[1 if repeat else 0].next() if pair is not None else math.inf

    def consider(self, now: float, c, x: float, churned: bool) -> None:
        """Put the customer of a finished contact on the at-risk list if their churn probability is high enough."""
        p = sigmoid(x)
        if p < self.at_risk_level:
            return
        cost = self.customers.segments[c.seg].cost
        self.list.add(now, now + c.depart, c.seg, c.ctype.index, x, c.churn_u, churned, p * cost)

    def take_goodwill(self) -> float:
        """Reputation points earned by offers since the last call (the tick books them)."""
        g, self.goodwill = self.goodwill, 0.0
        return g

    # -------------------------------------------------------------- campaigns
    def launch(self, spec) -> Campaign:
        """Start an outreach effect: its pool makes ``spec.calls`` calls from the at-risk list."""
        pool = self.pool_by_name[spec.pool]
        cu = self.customers
        segs = [cu.by_name[spec.segment].index] if spec.segment else list(range(len(cu.segments)))
        types = self.mods.targets(spec.target)
        p = f"outreach:{pool.name}:{len(self.campaigns)}:"
        handle = (dist_stream(self.seed, p + "handle", spec.handle_time) if spec.handle_time is not None else
                  _exponential(self.seed, p + "handle-exp", DEFAULT_CALL_MEAN))
        camp = Campaign(spec, pool, segs, types, handle, uniform_stream(self.seed, p + "reach"))
        self.campaigns.append(camp)
        self._arrange(pool)
        return camp

    def _arrange(self, pool) -> None:
        """Put the pool's outbound marker among its skill groups by the best priority in progress."""
        live = [c for c in self.campaigns if c.pool is pool and c.left > 0]
        if not live:
            self._set_outbound(pool, None)
            return
        levels = sorted(set(pool.spec.skill_priority.values()))
        prios = [c.priority for c in live if c.priority is not None]
        self._set_outbound(pool, len(levels) if not prios else sum(1 for lv in levels if lv < min(prios)))

    def call(self, pool, now: float) -> bool:
        """A free agent of ``pool`` (counted busy) makes an outreach call if a campaign has someone to call."""
        for camp in self.campaigns:
            if camp.pool is not pool or camp.left <= 0:
                continue
            entry = self.list.pop(now, camp.segments, camp.types)
            if entry is None:
                continue
            camp.take_call()
            self.calls += 1
            spec = camp.spec
            reached = camp.reach.next() < spec.reach
            length = camp.handle.next() if reached else MISSED_CALL
            if spec.cost_per_call:
                self.customers.pay(entry[3], "retention", spec.cost_per_call)
            call = Call(camp, entry, reached)
            if pool.serving is not None:  # the pool keeps track of work in progress (shift handover)
                pool.begin(call)
            self.clock.after(length, self._done, (pool, call))
            if camp.left <= 0:
                self._arrange(pool)
            return True
        return False

    def _done(self, ev) -> None:
        pool, call = ev.value
        camp, entry, reached = call.campaign, call.entry, call.reached
        now = self.clock.now
        won = False
        if reached:
            self.reached += 1
            _, _, _, seg, ti, x, u, churned = entry
            offer = camp.spec.offer
            s = 0.0
            if offer:
                self.customers.pay(seg, "retention", offer)
                t = self.types[ti]
                s = strength(offer, t.fair)
                self.goodwill += self.recovery.goodwill * t.severity * s
            won = self.churn.reconsider(seg, x, u, churned, s)
            self.won_back += won
        camp.record(reached, won)
        if pool.finish(now, call):
            self._next_for(pool, now)

    def wake(self, now: float, dispatch) -> None:
        """Give idle agents of pools with calls to make something to do (on the clock tick)."""
        if self.list is None:
            return
        self.list.prune(now)
        for camp in self.campaigns:
            pool = camp.pool
            if camp.left > 0 and pool.idle > 0:
                dispatch(pool, now, pool.idle)

    def summary(self, now: float) -> dict:
        """Counts for the result: customers ever listed, still at risk, calls made, reached, won back."""
        return {
            "listed": self.list.listed if self.list is not None else 0,
            "at_risk": self.list.waiting(now) if self.list is not None else 0,
            "calls": self.calls,
            "reached": self.reached,
            "won_back": self.won_back,
            "calls_left": sum(c.left for c in self.campaigns),
        }


def _exponential(seed: int, name: str, mean: float) -> Stream:
    return Stream(seed, name, lambda rng, n: rng.exponential(mean, n))
