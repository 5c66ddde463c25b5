"""The contact flow: arrival, routing, service, resolution, repeat contacts, abandonment, churn.

This is the hot path. Each contact costs two SimPy events (its arrival and its
service completion); abandonments are settled lazily by the queues; routing
reads pool counts. An idle agent takes the longest-waiting contact among its
skills, highest skill priority first.
"""

from __future__ import annotations

import math

from crisissim.engine.contacts import INF, Contact, ContactQueue
from crisissim.engine.rng import dist_stream, uniform_stream
from crisissim.engine.stats import Counters

DEFAULT_REPEAT_MEAN = 240.0  # minutes until an unresolved customer comes back
SYNC_WAIT_REFERENCE = 5.0  # minutes: wait scale for churn on sync channels without patience


class TypeRT:
    """Runtime state of one contact type: queue, counters, random streams, who serves it."""

    def __init__(self, index: int, name: str, spec, channel, seed: int, scenario):
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
        self.has_patience = patience is not None
        if patience is not None:
            self.wait_ref = patience.mean
        elif self.sync:
            self.wait_ref = SYNC_WAIT_REFERENCE
        else:
            self.wait_ref = channel.sla
        self.excitation = None
        p = f"type:{name}:"
        # first contacts and repeat contacts draw from separate streams (common random numbers)
        self.streams = {}
        for prefix in ("", "repeat:"):
            s = {
                "handle": dist_stream(seed, p + prefix + "handle", spec.handle_time),
                "fcr": uniform_stream(seed, p + prefix + "fcr"),
                "churn": uniform_stream(seed, p + prefix + "churn"),
                "negative": uniform_stream(seed, p + prefix + "negative"),
                "deflect": uniform_stream(seed, p + prefix + "deflect"),
            }
            if patience is not None:
                s["patience"] = dist_stream(seed, p + prefix + "patience", patience)
            self.streams[prefix or "first"] = s
        self.repeat_delay = dist_stream(seed, p + "repeat-delay", spec.repeat_delay) if spec.repeat_delay else None
        self._repeat_default = uniform_stream(seed, p + "repeat-delay-exp") if spec.repeat_delay is None else None

    def next_repeat_delay(self) -> float:
        if self.repeat_delay is not None:
            return self.repeat_delay.next()
        return -math.log(1.0 - self._repeat_default.next()) * DEFAULT_REPEAT_MEAN


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

    # ---------------------------------------------------------------- arrivals
    def arrive(self, ti: int, now: float, repeat: bool = False) -> Contact | None:
        """A contact of type ``ti`` arrives at ``now``; returns it (None if self-service absorbed it)."""
        t = self.types[ti]
        s = t.streams["repeat:" if repeat else "first"]
        mods = self.mods
        # attributes are drawn in a fixed order whatever happens next (common random numbers)
        handle = s["handle"].next()
        fcr_u = s["fcr"].next()
        churn_u = s["churn"].next()
        neg = t.social and s["negative"].next() < t.negative_share
        defl = s["deflect"].next()
        deadline = now + s["patience"].next() if t.has_patience else INF
        counted = now >= self.warmup
        if defl < mods.deflect[ti]:
            if counted:
                t.counts.deflected += 1
            return None
        c = Contact(ti, now, deadline, handle, fcr_u, churn_u, neg, repeat, counted)
        if counted:
            t.counts.arrived += 1
            if repeat:
                t.counts.repeat += 1
            iv = self.intervals.index(now)
            self.intervals.offered[iv] += 1
            if t.sync:
                self.intervals.sync_offered[iv] += 1
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
        if t.has_patience:
            for x in q.expire(now):
                self._abandoned(t, x, now)
        q.push(c)
        return c

    def repeat_later(self, ti: int, delay: float) -> None:
        ev = self.env.timeout(delay, ti)
        ev.callbacks.append(self._repeat_cb)

    def _repeat_cb(self, ev) -> None:
        self.arrive(ev.value, self.env.now, repeat=True)

    # ----------------------------------------------------------------- service
    def _start(self, pool, t: TypeRT, c: Contact, now: float) -> None:
        c.start = now
        wait = now - c.arrival
        if c.counted:
            cnt = t.counts
            cnt.answered += 1
            cnt.in_service += 1
            cnt.wait_sum += wait
            iv = self.intervals.index(c.arrival)
            self.intervals.answered[iv] += 1
            if t.sync:
                self.intervals.wait_sum[iv] += wait
                self.sim.wait_hist.add(wait)
                if wait <= self.threshold:
                    cnt.within += 1
                    self.intervals.within[iv] += 1
            else:
                self.sim.wait_hist_async.add(wait)
        if wait > t.sla and not c.breached:
            c.breached = True
            self._breach(t, c, now, c.arrival + t.sla)
        if c.negative:
            t.neg_waiting -= 1
            if t.excitation is not None and c.alpha:
                t.excitation.add(now, -c.alpha * math.exp(-t.excitation.beta * (now - c.arrival)))
        ht = c.handle * self.mods.ht_type[t.index] * self.mods.ht_pool[pool.index] / pool.training
        ev = self.env.timeout(ht, (pool, c))
        ev.callbacks.append(self._done)

    def _done(self, ev) -> None:
        pool, c = ev.value
        now = self.env.now
        t = self.types[c.ctype]
        mods = self.mods
        ti = t.index
        p = min(1.0, t.fcr * pool.training) + mods.fcr_delta[ti]
        resolved = c.fcr_u < p
        comp = mods.compensation[ti] if resolved else 0.0
        rep = self.rep
        r = rep.advance(now)
        ch = self.churn
        if resolved:
            if comp:
                self.losses["compensation"] += comp
            if self.rep_spec.resolution_gain:
                rep.add(self.rep_spec.resolution_gain * t.severity, now)
        x = (
            ch.b0
            + ch.wait * (c.start - c.arrival) / t.wait_ref
            - (ch.fix if resolved else 0.0)
            - (ch.compensation * comp / self.clv if self.clv > 0 else 0.0)
            - ch.reputation * (r - self.rep_base) / 100.0
        )
        churned = c.churn_u < 1.0 / (1.0 + math.exp(-x))
        if churned:
            self._churn(t, c)
        elif not resolved:
            self.repeat_later(ti, t.next_repeat_delay())
        if c.counted:
            t.counts.in_service -= 1
            t.counts.served += 1
            if resolved:
                t.counts.resolved += 1
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
                if t.has_patience:
                    for x in q.expire(now):
                        self._abandoned(t, x, now)
                h = q.head()
                if h is not None and (best is None or h.arrival < best.arrival):
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
        hit = self.rep_spec.abandon_hit * t.severity
        if hit:
            self.rep.add(-hit, now, when=at)
        ch = self.churn
        r = self.rep.at(now)
        x = ch.b0 + ch.wait * wait / t.wait_ref + ch.abandon - ch.reputation * (r - self.rep_base) / 100.0
        churned = c.churn_u < 1.0 / (1.0 + math.exp(-x))
        if churned:
            self._churn(t, c)
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
            if t.has_patience:
                for x in q.expire(now):
                    self._abandoned(t, x, now)
            if t.sla < INF:
                for x in q.breaches(now):
                    self._breach(t, x, now, x.arrival + t.sla)
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

