"""The contact flow: arrival, routing, service, resolution, repeat contacts, abandonment.

This is the hot path. Each contact costs two SimPy events (its arrival and its
service completion); abandonments are settled lazily by the queues; routing
reads pool counts. An idle agent takes the longest-waiting contact among its
skills, highest skill priority first.

What the flow owns and writes: the live state of every contact type (counters,
queues, unanswered posts), the contact tallies of the interval KPIs, the wait
histograms, the contact records and the recent social posts, and the resolutions and
goodwill booked since the last tick (:meth:`ContactFlow.take_resolved_severity`,
:meth:`ContactFlow.take_goodwill`). It moves agents only through
:class:`~crisissim.engine.staff.StaffPool`'s methods, decides churn through the
:class:`~crisissim.engine.churn.ChurnModel`, draws each customer's segment and books
compensation through the :class:`~crisissim.engine.customers.CustomerBase`, puts customers at
risk on the :class:`~crisissim.engine.recovery.Outreach` list (which may take a free agent for
a call, where ``set_outbound`` put its marker) and hits reputation through the score's ``add``.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from typing import Any

from crisissim.engine.contacts import DONE, INF, SERVING, Contact
from crisissim.engine.recovery import OUTBOUND, strength
from crisissim.engine.stats import WaitHistogram

RECORD_FIELDS = ("type", "arrival", "start", "end", "outcome", "resolved", "churned", "repeat", "customer", "pool")
"""A recorded contact (``Simulation(..., record_contacts=True).records``): times in minutes (``start`` NaN
unless an agent took it, ``end`` NaN while open); ``outcome`` served | abandoned | deflected | open;
``churned`` if the customer churned after this contact; ``customer`` numbers customers from 1 (a repeat
keeps its customer's number); ``pool`` the pool that served it, or ""."""


class ContactFlow:
    """Moves contacts through queues and pools and books their outcomes."""

    def __init__(self, clock, scenario, types, pools, skill_groups, mods, score, churn, customers, outreach,
                 intervals, record: bool = False):
        self.clock = clock
        self.env = clock.env
        self._timeout = clock.env.timeout
        self._agenda = clock.agenda  # Agenda.add, inlined on the hot path
        self._agenda_times = clock.agenda.times
        self._agenda_due = clock.agenda.due
        self._push = heapq.heappush
        self._completes = self._complete  # bound once
        sc = scenario
        self.warmup = sc.meta.warmup
        self.threshold = sc.scoring.service_level.threshold
        self.abandon_hit = sc.reputation.abandon_hit
        self.breach_hit = sc.reputation.breach_hit
        self.types = types
        self.pools = pools
        self.skill_groups = skill_groups  # per pool: lists of contact types, best priority first
        # per pool: its one contact type when it has a single skill, else None (next_for's fast path)
        self._only = [self._single(g) for g in skill_groups]
        self.mods = mods
        self.score = score
        self.churn = churn
        self.customers = customers
        self._segmented = len(customers.segments) > 1  # else every contact is of segment 0 (no draw)
        self.outreach = outreach
        self.at_risk = outreach.list is not None  # keep the at-risk list (the scenario has outreach)
        self.recovery = sc.recovery
        self.intervals = intervals
        self.records: list | None = [] if record else None  # one tuple per contact (RECORD_FIELDS)
        self.customers_seen = 0  # customers numbered so far (recorded runs only)
        self._serving: dict[int, Contact] = {}  # contacts in service (recorded runs only)
        self.posts: deque = deque(maxlen=30)  # recent social posts: (time, type, negative)
        self.wait_hist = WaitHistogram()
        self.wait_hist_async = WaitHistogram()
        self.iv_scale = 1.0 / intervals.interval
        self.iv_n = intervals.n
        # the interval tallies, bound once (hot path)
        self._offered = intervals.offered
        self._sync_answered = intervals.sync_answered
        self._async_answered = intervals.async_answered
        self._iv_wait_sum = intervals.wait_sum
        self._iv_within = intervals.within
        self._iv_abandoned = intervals.abandoned
        self._iv_sync_abandoned = intervals.sync_abandoned
        self._resolved_severity = 0.0  # resolutions since the last tick, booked to reputation then
        self._goodwill = 0.0  # goodwill and praise points since the last tick, booked then
        self.hist_add = self.wait_hist.add
        self.hist_zero = self.wait_hist.bins
        self.hist_async_add = self.wait_hist_async.add

    def take_resolved_severity(self) -> float:
        """Severity of the contacts resolved since the last call (the tick books it to reputation)."""
        s, self._resolved_severity = self._resolved_severity, 0.0
        return s

    def take_goodwill(self) -> float:
        """Reputation points of compensated customers and turned posts since the last call."""
        g, self._goodwill = self._goodwill, 0.0
        return g

    @staticmethod
    def _single(groups):
        """A pool's one contact type when it has a single skill (and no outbound calls), else None."""
        return groups[0][0] if len(groups) == 1 and groups[0] is not OUTBOUND and len(groups[0]) == 1 else None

    def set_outbound(self, pool, position: int | None) -> None:
        """Put ``pool``'s outbound-call marker before its skill group ``position`` (None: no calls)."""
        groups = [g for g in self.skill_groups[pool.index] if g is not OUTBOUND]
        if position is not None:
            groups.insert(position, OUTBOUND)
        self.skill_groups[pool.index] = groups
        self._only[pool.index] = self._single(groups)

    # ---------------------------------------------------------------- arrivals
    def arrive(self, t, now: float, repeat: bool = False, seg: int = 0, customer: int = 0) -> Contact | None:
        """A contact of type ``t`` (its state) arrives at ``now``; returns it (None if self-service absorbed it).
        A repeat contact is the same customer again: ``seg`` is their segment, ``customer`` their
        number (recorded runs only)."""
        # attributes are drawn in a fixed order whatever happens next (common random numbers)
        rows = t.repeat_attrs if repeat else t.attrs
        try:
            handle, patience, fcr_u, churn_u, neg_u, defl = rows.take()  # AttributeStream.next, no Python call
        except StopIteration:
            handle, patience, fcr_u, churn_u, neg_u, defl = rows.next()
        if not repeat and self._segmented:
            seg = self.customers.draw(t.index)
        depart = self.outreach.departure(t.index, repeat) if self.at_risk else INF
        neg = t.social and neg_u < t.negative_share
        counted = now >= self.warmup
        if t.gated and defl < self.mods.deflect[t.index]:  # self-service or an outage in force
            if counted:
                t.counts.deflected += 1
            if self.records is not None:
                who = customer or self._new_customer()
                self.records.append((t.name, now, math.nan, now, "deflected", False, False, repeat, who, ""))
            return None
        iv = int(now * self.iv_scale)
        if iv >= self.iv_n:
            iv = self.iv_n - 1
        c = Contact(t, now, now + patience, handle, fcr_u, churn_u, neg, repeat, counted, iv, seg, depart)
        if self.records is not None:
            c.customer = customer or self._new_customer()
        if counted:
            t.counts.arrived += 1
            if repeat:
                t.counts.repeat += 1
            if neg:
                t.counts.negative += 1
            self._offered[iv] += 1
        if t.gated and self.mods.down[t.index]:
            c.state = DONE
            c.deadline = now
            self._abandoned(t, c, now)
            return c
        if neg:
            t.neg_waiting += 1
            t.visibility.post(now)
            if t.excitation is not None:
                c.alpha = t.excitation.base_alpha * self.mods.alpha
                t.excitation.add(now, c.alpha)
        for pool in t.servers:
            if pool.idle > 0:
                pool.seize(now)
                c.state = SERVING
                self._start(pool, t, c, now)
                return c
        q = t.queue
        if q.deadlines and q.deadlines[0][0] <= now:  # hot path: the check of _abandon_due, inlined
            self._abandon_due(t, now)
        q.push(c)
        return c

    def post(self, t, now: float) -> None:
        """A social post arrives: as :meth:`arrive`, and shown in the feed."""
        c = self.arrive(t, now)
        if c is not None:
            self.posts.append((now, t.name, c.negative))

    def _new_customer(self) -> int:
        self.customers_seen += 1
        return self.customers_seen

    def repeat_later(self, c: Contact, delay: float) -> None:
        """The customer of contact ``c`` calls again (same type, same segment) in ``delay`` minutes."""
        self.clock.after(delay, self._repeat_cb, (c.ctype, c.seg, 0 if self.records is None else c.customer))

    def _repeat_cb(self, ev) -> None:
        t, seg, customer = ev.value
        self.arrive(t, self.clock.now, True, seg, customer)

    # ----------------------------------------------------------------- service
    def _start(self, pool, t, c: Contact, now: float) -> None:
        c.start = now
        c.pool = pool
        if pool.serving is not None:  # a pool with shift changes tracks its contacts (handover)
            pool.begin(c)
        wait = now - c.arrival
        if c.counted:
            cnt = t.counts
            cnt.answered += 1
            iv = c.iv
            if t.sync:
                self._sync_answered[iv] += 1
                if wait > 0:
                    cnt.waited += 1
                    cnt.wait_sum += wait
                    self._iv_wait_sum[iv] += wait
                    self.hist_add(wait)
                else:
                    self.hist_zero[0] += 1  # WaitHistogram: a zero wait
                if wait <= self.threshold:
                    cnt.within += 1
                    self._iv_within[iv] += 1
            else:
                self._async_answered[iv] += 1
                cnt.wait_sum += wait
                if wait > 0:
                    cnt.waited += 1
                self.hist_async_add(wait)
        if wait > t.sla and not c.breached:
            c.breached = True
            self._breach(t, c, now, c.arrival + t.sla)
        if c.negative:
            t.neg_waiting -= 1
            t.visibility.answered(now, wait)
            if t.excitation is not None and c.alpha:
                t.excitation.add(now, -c.alpha * math.exp(-t.excitation.beta * wait))
        ht = c.handle * t.ht_scale[pool.index]
        end = c.end = now + ht
        if self.records is not None:
            self._serving[id(c)] = c
        if t.continuous_handling:  # no tie with SimPy's events possible: on the agenda
            if end in self._agenda_due:  # Agenda.add, inlined
                self._agenda.tie(end, self._completes, c)
            else:
                self._agenda_due[end] = (self._completes, c)
                self._push(self._agenda_times, end)
        elif self.clock.held:  # between SimPy's events (an arrival, a staff effect): at the exact time
            self.clock.at(end, self._done, c)
        else:
            self._timeout(ht, c).callbacks.append(self._done)  # at env.now + ht == end

    def _done(self, ev) -> None:
        self._complete(ev.value)

    def _complete(self, c: Contact) -> None:
        """A service ends at ``c.end``."""
        pool = c.pool
        now = c.end
        t = c.ctype
        p_fix = t.p_fix[pool.index]
        resolved = c.fcr_u < p_fix
        s = 0.0
        if resolved:
            comp = self.mods.compensation[t.index][c.seg]
            if comp:
                s = self._compensate(t, c, comp, c.fcr_u / p_fix)
            self._resolved_severity += t.severity
        churned, x = self.churn.after_service(t, c, resolved, s)
        if not churned and not resolved:
            self.repeat_later(c, t.next_repeat_delay())
        if self.at_risk:
            self.outreach.consider(now, c, x, churned)
        if c.counted:
            cnt = t.counts
            cnt.served += 1
            if resolved:
                cnt.resolved += 1
        c.state = DONE
        if self.records is not None:
            del self._serving[id(c)]
            self.records.append((t.name, c.arrival, c.start, now, "served", resolved, churned, c.repeat, c.customer,
                                 pool.name))
        # the agent is free: go home if over headcount, else take the next contact
        if pool.finish(now, c):
            t = self._only[pool.index]
            if t is None:
                self.next_for(pool, now)
                return
            # hot path: next_for's one-skill case, inlined (keep the two the same)
            q = t.queue
            if q.deadlines and q.deadlines[0][0] <= now:  # the check of _abandon_due, inlined
                self._abandon_due(t, now)
            if q.waiting:
                self._start(pool, t, q.pop_head(), now)
            else:
                pool.rest()

    def next_for(self, pool, now: float) -> bool:
        """Give an agent of ``pool`` who is free (counted busy) the longest-waiting contact of
        its best skill group; with nothing to do, the agent rests (becomes idle)."""
        t = self._only[pool.index]
        if t is not None:  # one skill: its queue's head, without comparing groups
            q = t.queue
            if q.deadlines and q.deadlines[0][0] <= now:  # hot path: the check of _abandon_due, inlined
                self._abandon_due(t, now)
            if q.waiting:
                self._start(pool, t, q.pop_head(), now)
                return True
            pool.rest()
            return False
        for group in self.skill_groups[pool.index]:
            if group is OUTBOUND:
                if self.outreach.call(pool, now):
                    return True
                continue
            best = None
            best_t: Any = None
            for t in group:
                q = t.queue
                if q.deadlines and q.deadlines[0][0] <= now:  # hot path: the check of _abandon_due, inlined
                    self._abandon_due(t, now)
                if q.waiting:
                    h = q.head()
                    if best is None or h.arrival < best.arrival:
                        best, best_t = h, t
            if best is not None:
                best_t.queue.pop()
                self._start(pool, best_t, best, now)
                return True
        pool.rest()
        return False

    def dispatch_idle(self, pool, now: float, n: int) -> None:
        """Give work to ``n`` agents that just became idle in ``pool``."""
        for _ in range(n):
            if pool.idle <= 0:
                return
            pool.seize(now)
            if not self.next_for(pool, now):
                return

    # ---------------------------------------------------------------- outcomes
    def _abandon_due(self, t, now: float) -> None:
        """Settle the contacts of type ``t`` whose patience ran out by ``now``."""
        dl = t.queue.deadlines
        if dl and dl[0][0] <= now:
            for x in t.queue.expire(now):
                self._abandoned(t, x, now)

    def _abandoned(self, t, c: Contact, now: float) -> None:
        at = c.deadline
        wait = at - c.arrival
        if c.counted:
            t.counts.abandoned += 1
            t.counts.abandon_wait_sum += wait
            iv = c.iv  # the interval it arrived in, as for offered and answered
            self._iv_abandoned[iv] += 1
            if t.sync:
                self._iv_sync_abandoned[iv] += 1
        hit = self.abandon_hit * t.severity
        if hit:
            self.score.add(-hit, now, when=at)
        churned, x = self.churn.after_abandon(t, c, wait)
        if not churned and t.retry and c.fcr_u < t.retry:  # fcr_u is this customer's spare uniform: no call was answered
            self.repeat_later(c, max(0.0, at + t.retry_delay.next() - now))
        if self.at_risk:
            self.outreach.consider(at, c, x, churned)
        if self.records is not None:
            self.records.append((t.name, c.arrival, math.nan, at, "abandoned", False, churned, c.repeat, c.customer, ""))

    def _compensate(self, t, c: Contact, amount: float, u: float) -> float:
        """Pay a resolved customer ``amount``: goodwill, and a negative post may turn (``u``: a
        uniform of this customer's own). Returns the remedy's strength (it cuts the churn odds)."""
        rec = self.recovery
        self.customers.pay(c.seg, "compensation", amount)
        s = strength(amount, t.fair)
        self._goodwill += rec.goodwill * t.severity * s
        if c.negative and u < rec.post_turn * s:
            if c.counted:
                t.counts.turned += 1
            self._goodwill += rec.praise * t.severity
        return s

    def _breach(self, t, c: Contact, now: float, when: float) -> None:
        if c.counted:
            t.counts.breached += 1
        hit = self.breach_hit * t.severity
        if hit:
            self.score.add(-hit, now, when=when)

    def record_open(self) -> None:
        """Record the contacts still waiting or in service when the run ends (recorded runs only)."""
        rec = self.records
        if rec is None:
            return
        for t in self.types:
            for c in t.queue.waiting_contacts():
                rec.append((t.name, c.arrival, math.nan, math.nan, "open", False, False, c.repeat, c.customer, ""))
        for c in sorted(self._serving.values(), key=lambda c: (c.arrival, c.customer)):
            rec.append((c.ctype.name, c.arrival, c.start, math.nan, "open", False, False, c.repeat, c.customer,
                        c.pool.name))

    def settle(self, now: float) -> None:
        """Settle abandonments and SLA breaches due by ``now`` (called on the clock tick)."""
        for t in self.types:
            self._abandon_due(t, now)
            q = t.queue
            if q.sla_watch and q.sla_watch[0].arrival + q.sla <= now:
                for x in q.breaches(now):
                    self._breach(t, x, now, x.arrival + t.sla)
            if len(q.fifo) > 64:
                q.compact()
