"""The contact flow: arrival, routing, service, resolution, repeat contacts, abandonment, churn.

This is the hot path. Each contact costs two SimPy events (its arrival and its
service completion); abandonments are settled lazily by the queues; routing
reads pool counts. An idle agent takes the longest-waiting contact among its
skills, highest skill priority first.
"""

from __future__ import annotations

import heapq
import math

from crisissim.engine.contacts import INF, Contact, ContactQueue
from crisissim.engine.arrivals import _Ev, schedule
from crisissim.engine.rng import AttributeStream, Stream, dist_stream, generator
from crisissim.engine.stats import Counters

DEFAULT_REPEAT_MEAN = 240.0  # minutes until an unresolved customer comes back
DEFAULT_RETRY_MEAN = 10.0  # minutes until a customer who abandoned calls again
SYNC_WAIT_REFERENCE = 5.0  # minutes: wait scale for churn on sync channels without patience


class TypeRT:
    """Runtime state of one contact type: queue, counters, random streams, who serves it."""

    def __init__(self, index: int, name: str, spec, channel, seed: int):
        self.index = index
        self.name = name
        self.spec = spec
        self.channel_name = spec.channel
        self.kind = channel.kind
        self.sync = channel.kind == "sync"
        self.social = channel.kind == "social"
        self.severity = spec.severity
        self.fcr = spec.first_contact_resolution
        self.negative_share = spec.negative_share if self.social else 0.0
        sla = INF if self.sync else channel.sla
        self.sla = sla
        self.queue = ContactQueue(sla)
        self.counts = Counters()
        self.pools: list = []  # (priority, pool) sorted
        self.neg_waiting = 0
        patience = channel.patience if self.sync else None
        if patience is not None:
            self.wait_ref = patience.mean
        elif self.sync:
            self.wait_ref = SYNC_WAIT_REFERENCE
        else:
            self.wait_ref = channel.sla
        self.excitation = None
        p = f"type:{name}:"
        # first contacts and repeat contacts draw from separate streams (common random numbers)
        self.attrs = AttributeStream(seed, p, spec.handle_time, patience)
        self.repeat_attrs = AttributeStream(seed, p + "repeat:", spec.handle_time, patience)
        self.repeat_delay = _delays(seed, p + "repeat-delay", spec.repeat_delay, DEFAULT_REPEAT_MEAN)
        self.retry = spec.retry if self.sync else 0.0
        self.retry_delay = _delays(seed, p + "retry-delay", spec.retry_delay, DEFAULT_RETRY_MEAN) if self.retry else None

    def next_repeat_delay(self) -> float:
        return self.repeat_delay.next()


def _delays(seed: int, name: str, dist, default_mean: float):
    """Draws of a delay distribution, or exponential with ``default_mean`` minutes when none is given."""
    if dist is not None:
        return dist_stream(seed, name, dist)
    return Stream(generator(seed, name + "-exp"), lambda rng, n: rng.exponential(default_mean, n))


class ContactFlow:
    """Moves contacts through queues and pools and books their outcomes."""

    def __init__(self, sim):
        self.sim = sim
        self.env = sim.env
        sc = sim.scenario
        self.warmup = sc.meta.warmup
        self.threshold = sc.scoring.service_level.threshold
        self.churn = sc.churn
        self.clv = sc.customers.clv
        self.acq = sc.customers.acquisition_cost
        self.rep_spec = sc.reputation
        self.rep_base = sc.reputation.base
        self.types: list[TypeRT] = sim.types
        self.pools = sim.pools
        self.mods = sim.mods
        self.rep = sim.rep
        self.intervals = sim.intervals
        self.losses = sim.losses
        self.record = sim.records
        self.iv_scale = 1.0 / sim.intervals.interval
        self.iv_n = sim.intervals.n
        self.x_rep = self.churn.b0  # churn intercept with the reputation term, refreshed each tick
        self.pending_gain = 0.0  # resolution gains, booked to reputation on the next tick
        self._queue = sim.env._queue  # Environment.schedule, inlined on the hot path
        self._eid = sim.env._eid
        self.hist_add = sim.wait_hist.add
        self.hist_zero = sim.wait_hist.bins
        self.hist_async_add = sim.wait_hist_async.add
        for t in self.types:
            t.wait_coef = self.churn.wait / t.wait_ref

    # ---------------------------------------------------------------- arrivals
    def arrive(self, ti: int, now: float, repeat: bool = False) -> Contact | None:
        """A contact of type ``ti`` arrives at ``now``; returns it (None if self-service absorbed it)."""
        t = self.types[ti]
        mods = self.mods
        # attributes are drawn in a fixed order whatever happens next (common random numbers)
        handle, patience, fcr_u, churn_u, neg_u, defl = (t.repeat_attrs if repeat else t.attrs).next()
        neg = t.social and neg_u < t.negative_share
        deadline = now + patience
        counted = now >= self.warmup
        if defl < mods.deflect[ti]:
            if counted:
                t.counts.deflected += 1
            return None
        c = Contact(t, now, deadline, handle, fcr_u, churn_u, neg, repeat, counted)
        if counted:
            t.counts.arrived += 1
            if repeat:
                t.counts.repeat += 1
            iv = int(now * self.iv_scale)
            if iv >= self.iv_n:
                iv = self.iv_n - 1
            self.intervals.offered[iv] += 1
        if mods.down[ti]:
            c.state = 2
            c.deadline = now
            self._abandoned(t, c, now)
            return c
        if neg:
            t.neg_waiting += 1
            if t.excitation is not None:
                c.alpha = t.excitation.base_alpha * mods.alpha
                t.excitation.add(now, c.alpha)
        for _, pool in t.pools:
            if pool.idle > 0:
                pool.accrue(now)
                pool.idle -= 1
                pool.busy += 1
                c.state = 1
                self._start(pool, t, c, now)
                return c
        q = t.queue
        dl = q.deadlines
        if dl and dl[0][0] <= now:
            for x in q.expire(now):
                self._abandoned(t, x, now)
        q.push(c)
        return c

    def repeat_later(self, ti: int, delay: float) -> None:
        schedule(self.env, delay, self._repeat_cb, ti)

    def _repeat_cb(self, ev) -> None:
        self.arrive(ev._value, self.env._now, repeat=True)

    # ----------------------------------------------------------------- service
    def _start(self, pool, t: TypeRT, c: Contact, now: float) -> None:
        c.start = now
        arrival = c.arrival
        wait = now - arrival
        if c.counted:
            cnt = t.counts
            cnt.answered += 1
            cnt.in_service += 1
            iv = int(arrival * self.iv_scale)
            if iv >= self.iv_n:
                iv = self.iv_n - 1
            ivs = self.intervals
            ivs.answered[iv] += 1
            if t.sync:
                ivs.sync_answered[iv] += 1
                if wait > 0:
                    cnt.waited += 1
                    cnt.wait_sum += wait
                    ivs.wait_sum[iv] += wait
                    self.hist_add(wait)
                else:
                    self.hist_zero[0] += 1  # WaitHistogram: a zero wait
                if wait <= self.threshold:
                    cnt.within += 1
                    ivs.within[iv] += 1
            else:
                cnt.wait_sum += wait
                if wait > 0:
                    cnt.waited += 1
                self.hist_async_add(wait)
        if wait > t.sla and not c.breached:
            c.breached = True
            self._breach(t, c, now, arrival + t.sla)
        if c.negative:
            t.neg_waiting -= 1
            if t.excitation is not None and c.alpha:
                t.excitation.add(now, -c.alpha * math.exp(-t.excitation.beta * wait))
        ht = c.handle * t.ht_scale[pool.index]
        heapq.heappush(self._queue, (now + ht, 1, next(self._eid), _Ev(self._done, (pool, c))))

    def _done(self, ev) -> None:
        pool, c = ev._value
        now = self.env._now
        t = c.ctype
        ti = t.index
        resolved = c.fcr_u < t.p_fix[pool.index]
        x = self.x_rep + t.wait_coef * (c.start - c.arrival)
        if resolved:
            ch = self.churn
            comp = self.mods.compensation[ti]
            if comp:
                self.losses["compensation"] += comp
                if self.clv > 0:
                    x -= ch.compensation * comp / self.clv
            x -= ch.fix
            self.pending_gain += t.severity
        churned = c.churn_u < 1.0 / (1.0 + math.exp(-x))
        if churned:
            self._churn(t, c)
        elif not resolved:
            self.repeat_later(ti, t.next_repeat_delay())
        if c.counted:
            cnt = t.counts
            cnt.in_service -= 1
            cnt.served += 1
            if resolved:
                cnt.resolved += 1
        c.state = 2
        if self.record is not None:
            self.record.append((t.name, c.arrival, c.start, now, "served", resolved, churned, c.repeat))
        # the agent is free: go home if over headcount, else take the next contact
        pool.accrue(now)
        pool.busy -= 1
        if pool.busy + pool.idle >= pool.target:
            return
        self.next_for(pool, now)

    def next_for(self, pool, now: float) -> bool:
        """Give a free agent of ``pool`` the longest-waiting contact of its best skill group."""
        for group in pool.groups:
            best = None
            best_t = None
            for t in group:
                q = t.queue
                dl = q.deadlines
                if dl and dl[0][0] <= now:
                    for x in q.expire(now):
                        self._abandoned(t, x, now)
                if q.waiting:
                    h = q.head()
                    if best is None or h.arrival < best.arrival:
                        best, best_t = h, t
            if best is not None:
                best_t.queue.pop()
                pool.busy += 1
                self._start(pool, best_t, best, now)
                return True
        pool.idle += 1
        return False

    # ---------------------------------------------------------------- outcomes
    def _abandoned(self, t: TypeRT, c: Contact, now: float) -> None:
        at = c.deadline
        wait = at - c.arrival
        if c.counted:
            t.counts.abandoned += 1
            t.counts.abandon_wait_sum += wait
            iv = self.intervals.index(c.arrival)
            self.intervals.abandoned[iv] += 1
            if t.sync:
                self.intervals.sync_abandoned[iv] += 1
        hit = self.rep_spec.abandon_hit * t.severity
        if hit:
            self.rep.add(-hit, now, when=at)
        ch = self.churn
        r = self.sim.r_now
        x = ch.b0 + t.wait_coef * wait + ch.abandon - ch.reputation * (r - self.rep_base) / 100.0
        churned = c.churn_u < 1.0 / (1.0 + math.exp(-x))
        if churned:
            self._churn(t, c)
        elif t.retry and c.fcr_u < t.retry:  # fcr_u is this customer's spare uniform: no call was answered
            self.repeat_later(t.index, max(0.0, at + t.retry_delay.next() - now))
        if self.record is not None:
            self.record.append((t.name, c.arrival, math.nan, at, "abandoned", False, churned, c.repeat))

    def _breach(self, t: TypeRT, c: Contact, now: float, when: float) -> None:
        if c.counted:
            t.counts.breached += 1
        hit = self.rep_spec.breach_hit * t.severity
        if hit:
            self.rep.add(-hit, now, when=when)

    def _churn(self, t: TypeRT, c: Contact) -> None:
        self.sim.churned_contact += 1
        if c.counted:
            t.counts.churned += 1
        self.losses["churn_clv"] += self.clv
        self.losses["acquisition"] += self.acq

    def settle(self, now: float) -> None:
        """Settle abandonments and SLA breaches due by ``now`` (called on the clock tick)."""
        for t in self.types:
            q = t.queue
            dl = q.deadlines
            if dl and dl[0][0] <= now:
                for x in q.expire(now):
                    self._abandoned(t, x, now)
            if q.sla_watch and q.sla_watch[0].arrival + q.sla <= now:
                for x in q.breaches(now):
                    self._breach(t, x, now, x.arrival + t.sla)
            if len(q.fifo) > 64:
                q.compact()

    def dispatch_idle(self, pool, now: float, n: int) -> None:
        """Give work to ``n`` agents that just became idle in ``pool``."""
        for _ in range(n):
            if pool.idle <= 0:
                return
            pool.accrue(now)
            pool.idle -= 1
            if not self.next_for(pool, now):
                return

