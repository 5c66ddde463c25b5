"""The Simulation API that the game, the CLI and studies drive.

``Simulation(scenario, seed, policy=None)``; ``run_until(t)``, ``run_to_next_decision()``,
``snapshot()``, ``decide(card, option)``, ``act(action)``, ``result()``. Time in minutes.

The clock advances by processing SimPy events one at a time in our own loop, so
that every decision is recorded with the number of events processed before it
("step"); a replay applies it at the same step and reproduces the run bit for bit,
however the original was advanced.
"""

from __future__ import annotations

import heapq
import math
from collections import deque

import simpy

from crisissim.engine.arrivals import ArrivalSource, Excitation
from crisissim.engine.crisis import DecisionError, Director
from crisissim.engine.effects import EffectRunner
from crisissim.engine.events import EventLog
from crisissim.engine.flow import ContactFlow, TypeRT
from crisissim.engine.modifiers import Modifiers
from crisissim.engine.reputation import Reputation
from crisissim.engine.rng import CandidateStream, poisson_from_uniform, uniform_stream
from crisissim.engine.snapshot import ActionView, CardView, PoolView, Snapshot
from crisissim.engine.staff import StaffPool, scheduled_at, shift_changes
from crisissim.engine.stats import IntervalStats, TimeSeries, WaitHistogram

LOSS_PARTS = ("churn_clv", "acquisition", "compensation", "staff_regular", "staff_overtime", "actions")
MINUTES_PER_YEAR = 525_600.0


class Simulation:
    """One replication of a scenario under a seed.

    ``policy`` answers decision cards headless: a callable ``policy(snapshot, card) -> option_id``
    (optionally with ``scheduled_actions() -> [(minutes, action_id)]``; named policies come from
    :func:`crisissim.policy.resolve`), or None to leave cards to the trainee (unanswered cards
    take their default at the deadline). ``replay`` is a decision log to reproduce.
    """

    def __init__(self, scenario, seed: int | None = None, policy=None, *, record_contacts: bool = False, replay=None):
        self.scenario = sc = scenario
        self.seed = int(sc.meta.seed if seed is None else seed)
        if policy is not None and not callable(policy):
            raise TypeError(
                f"policy must be a callable or None, got {policy!r} "
                "(resolve a name with crisissim.policy.resolve(name, scenario, seed))"
            )
        self.policy = policy
        self.env = simpy.Environment()
        self.steps = 0
        self.duration = sc.meta.duration
        self.finished = False
        self.records = [] if record_contacts else None
        self.losses = {k: 0.0 for k in LOSS_PARTS}
        self.churned_contact = 0
        self.churned_silent = 0
        self.churned_tail = 0
        rs = sc.reputation
        self.rep = Reputation(rs.initial, rs.base, rs.recovery_half_life)
        self.r_now = self.rep.value  # reputation as of the last tick or shock, read by churn and arrivals
        type_names = list(sc.contact_types)
        self.mods = Modifiers(type_names, [c.channel for c in sc.contact_types.values()], list(sc.pools))
        self.types = [
            TypeRT(i, n, spec, sc.channels[spec.channel], self.seed) for i, (n, spec) in enumerate(sc.contact_types.items())
        ]
        self.type_by_name = {t.name: t for t in self.types}
        self.pools = [StaffPool(n, i, spec, scheduled_at(spec, 0.0)) for i, (n, spec) in enumerate(sc.pools.items())]
        self.pool_by_name = {p.name: p for p in self.pools}
        self._route()
        self.mods.on_change = self._refresh_factors
        self._refresh_factors()
        self.intervals = IntervalStats(self.duration, sc.meta.interval, [p.name for p in self.pools])
        self.timeline = TimeSeries(self.duration, sc.meta.sample_every, len(self.types))
        self.wait_hist = WaitHistogram()
        self.wait_hist_async = WaitHistogram()
        self.posts: deque = deque(maxlen=30)
        self.log = EventLog(self)
        self.effects = EffectRunner(self)
        self.flow = ContactFlow(self)
        self.sources = []
        for t in self.types:
            ch = sc.channels[t.channel_name]
            if t.social:
                t.excitation = Excitation(ch.excitation, ch.excitation_half_life)
            self.sources.append(
                ArrivalSource(
                    self.env,
                    t.spec,
                    t.index,
                    self.mods,
                    rs,
                    CandidateStream(self.seed, f"type:{t.name}:"),
                    self._on_arrival if t.social else self.flow.arrive,
                    t.excitation,
                )
            )
        self.silent = uniform_stream(self.seed, "silent-churn")
        self._iv_done = 0
        self._iv_marks = [(0.0, 0.0)] * len(self.pools)
        self.director = Director(self)
        self.replaying = replay is not None
        self._replay_hooks: list[dict] = []
        self._replay_cards: dict[str, dict] = {}
        if replay is not None:
            self._load_replay(replay)
        self._timed_actions: list[tuple[float, str]] = []
        if policy is not None and not self.replaying and hasattr(policy, "scheduled_actions"):
            self._timed_actions = sorted((float(t), a) for t, a in policy.scheduled_actions())
        self._start()

    # ------------------------------------------------------------------ set-up
    def _route(self) -> None:
        """Skill groups of each pool (by priority) and, per contact type, the pools that serve it."""
        for pool in self.pools:
            prio = pool.spec.skill_priority
            levels = sorted(set(prio.values()))
            pool.groups = [[self.type_by_name[t] for t in prio if prio[t] == lv and t in self.type_by_name] for lv in levels]
            for t, lv in prio.items():
                if t in self.type_by_name:
                    self.type_by_name[t].pools.append((lv, pool.index, pool))
        for t in self.types:
            t.pools = [(lv, p) for lv, _, p in sorted(t.pools, key=lambda x: (x[0], x[1]))]

    def _load_replay(self, replay) -> None:
        """Decisions taken between events are applied at their step; policy answers when their card shows."""
        sc = self.scenario
        cards = {c.id: {o.id for o in c.options} for c in sc.decisions}
        actions = {a.id for a in sc.actions}
        for i, e in enumerate(replay):
            e = {k: v for k, v in dict(e).items() if v is not None}
            if "action" in e and e["action"] not in actions:
                raise DecisionError(f"decisions.{i}: unknown action {e['action']!r}")
            if "card" in e and e.get("option") not in cards.get(e["card"], ()):
                raise DecisionError(f"decisions.{i}: card {e['card']!r} has no option {e.get('option')!r}")
            if "action" in e or e.get("by") == "trainee":
                if "step" not in e:
                    raise DecisionError(f"decisions.{i}: a decision taken between events needs its step")
                self._replay_hooks.append(e)
            elif e.get("by") == "policy":
                self._replay_cards[e["card"]] = e
        self._replay_hooks.sort(key=lambda e: e["step"])

    def _start(self) -> None:
        env = self.env
        for src in self.sources:
            src.rebound()
        for pool in self.pools:
            pool.idle = pool.target
            for t in shift_changes(pool.spec, self.duration):
                ev = env.timeout(t)
                ev.callbacks.append(lambda _e, pool=pool: self._shift(pool))
        self._tick_every = self.scenario.meta.sample_every
        self._tick(None)
        iv = self.scenario.meta.interval
        if iv < self.duration:
            env.timeout(iv).callbacks.append(self._interval)

    def _on_arrival(self, ti: int, now: float) -> None:
        c = self.flow.arrive(ti, now)
        if c is not None and self.types[ti].social:
            self.posts.append((now, self.types[ti].name, c.negative))

    def _shift(self, pool) -> None:
        now = self.env.now
        pool.accrue_pay(now)
        pool.scheduled = scheduled_at(pool.spec, now)
        new = pool.retarget(now)
        if new:
            self.flow.dispatch_idle(pool, now, new)

    def _refresh_factors(self) -> None:
        """Fold training and effects into per (type, pool) resolution probability and handle-time scale."""
        m = self.mods
        for t in self.types:
            i = t.index
            t.p_fix = [min(1.0, max(0.0, min(1.0, t.fcr * p.training) + m.fcr_delta[i])) for p in self.pools]
            t.ht_scale = [m.ht_type[i] * m.ht_pool[p.index] / p.training for p in self.pools]

    def refresh_reputation(self, now: float) -> float:
        """Re-read reputation for churn and arrival feedback (each tick and after a shock)."""
        r = self.r_now = self.rep.advance(now)
        ch = self.scenario.churn
        self.flow.x_rep = ch.b0 - ch.reputation * (r - self.scenario.reputation.base) / 100.0
        for src in self.sources:
            src.set_reputation(r)
        return r

    def rebound(self, idx) -> None:
        """Recompute arrival bounds of the given contact types (all when None)."""
        for i in range(len(self.sources)) if idx is None else idx:
            self.sources[i].rebound()

    def _tick(self, _ev) -> None:
        now = self.env.now
        dt = self._tick_every if now > 0 else 0.0
        self.flow.settle(now)
        rs = self.scenario.reputation
        posts = sum(t.neg_waiting for t in self.types if t.social)
        if posts and rs.post_hit and dt:
            self.rep.add(-rs.post_hit * posts * dt / 60.0, now)
        if self.flow.pending_gain:
            self.rep.add(rs.resolution_gain * self.flow.pending_gain, now)
            self.flow.pending_gain = 0.0
        cu = self.scenario.customers
        r = self.refresh_reputation(now)
        excess = cu.base * cu.baseline_churn / MINUTES_PER_YEAR * self.scenario.churn.silent_feedback
        excess *= max(0.0, self.rep.baseline - r) / 100.0
        k = poisson_from_uniform(self.silent.next(), excess * dt) if dt else 0
        if k:
            self.churned_silent += k
            self.losses["churn_clv"] += k * cu.clv
            self.losses["acquisition"] += k * cu.acquisition_cost
        self.director.check(now)
        self._sample(now)
        nxt = now + self._tick_every
        if nxt < self.duration - 1e-9:
            self.env.timeout(self._tick_every).callbacks.append(self._tick)

    def _sample(self, now: float) -> None:
        waiting = backlog = posts = 0
        queues = []
        for t in self.types:
            w = t.queue.waiting
            queues.append(w)
            if t.sync:
                waiting += w
            else:
                backlog += w
                if t.social:
                    posts += t.neg_waiting
        busy = on_duty = 0
        pay = 0.0
        for p in self.pools:
            busy += p.busy
            on_duty += p.idle + p.busy
            reg, ot = p.cost_at(now)
            pay += reg + ot
        row = (
            now,
            waiting,
            backlog,
            busy,
            on_duty,
            self.rep.at(now),
            sum(self.losses.values()) + pay,  # the staff parts of `losses` stay 0; pools hold pay
            self.churned_contact + self.churned_silent,
            posts,
        )
        self.timeline.record(row, queues)

    def _interval(self, _ev) -> None:
        now = self.env.now
        self._close_interval(now)
        nxt = now + self.scenario.meta.interval
        if nxt < self.duration - 1e-9:
            self.env.timeout(self.scenario.meta.interval).callbacks.append(self._interval)

    def _close_interval(self, now: float) -> None:
        k = self._iv_done
        if k >= self.intervals.n:
            return
        for p in self.pools:
            p.accrue(now)
            b0, a0 = self._iv_marks[p.index]
            self.intervals.busy[k, p.index] = p.busy_area - b0
            self.intervals.avail[k, p.index] = p.avail_area - a0
            self._iv_marks[p.index] = (p.busy_area, p.avail_area)
        self.intervals.backlog[k] = sum(t.queue.waiting for t in self.types if not t.sync)
        self._iv_done = k + 1

    # ------------------------------------------------------------ the clock
    def _advance(self, until: float, stop_on_card: bool) -> bool:
        """Process events before ``until``, applying replayed and scheduled decisions at their
        step or time; with ``stop_on_card``, return True as soon as a card waits for the trainee."""
        env = self.env
        q = env._queue
        hooks = self._replay_hooks
        acts = self._timed_actions
        seen = self.director.awaiting
        until = min(until, self.duration)
        while True:
            if hooks and hooks[0]["step"] <= self.steps:
                self._apply_hook(hooks.pop(0))
                continue
            nxt = q[0][0] if q else math.inf
            if acts and acts[0][0] <= nxt and acts[0][0] < until:
                t, action = acts.pop(0)
                if t > env._now:
                    env._now = t
                try:
                    self.director.act(action, by="policy", step=self.steps)
                except DecisionError:
                    pass  # a scripted action that is not available then is skipped
                continue
            if nxt >= until:
                break
            t_end = min(until, acts[0][0]) if acts else until
            step_end = hooks[0]["step"] if hooks else math.inf
            if self._events(t_end, step_end, seen if stop_on_card else None):
                return True
        if until > env._now:
            env._now = until
        return False

    def _events(self, t_end: float, step_end: float, seen: int | None) -> bool:
        """SimPy's ``Environment.step``, inlined: process events before ``t_end`` and step ``step_end``.

        Return True if a card started waiting for the trainee (when ``seen`` is given)."""
        env = self.env
        q = env._queue
        pop = heapq.heappop
        director = self.director
        steps = self.steps
        try:
            while q and q[0][0] < t_end and steps < step_end:
                env._now, _, _, event = pop(q)
                callbacks, event.callbacks = event.callbacks, None
                for callback in callbacks:
                    callback(event)
                if not event._ok and not hasattr(event, "_defused"):
                    raise event._value
                steps += 1
                if seen is not None and director.awaiting > seen:
                    return True
        finally:
            self.steps = steps
        return False

    def _apply_hook(self, e: dict) -> None:
        if e["t"] > self.env.now:
            self.env._now = e["t"]
        if "action" in e:
            self.director.act(e["action"], by=e.get("by", "trainee"), step=self.steps)
        else:
            self.director.choose(e["card"], e["option"], by=e.get("by", "trainee"), step=self.steps)

    def replay_answer(self, card_id: str):
        e = self._replay_cards.pop(card_id, None)
        return (e["option"], e["by"]) if e else None

    def run_until(self, t: float) -> Snapshot:
        """Advance the clock to ``t`` minutes (capped at the duration); return a snapshot."""
        if t < self.env.now:
            raise ValueError(f"cannot run back in time: now {self.env.now:g}, asked {t:g}")
        self._advance(t, stop_on_card=False)
        if self.env.now >= self.duration:
            self._finish()
        return self.snapshot()

    def run_to_next_decision(self) -> CardView | None:
        """Advance until a card waits for the trainee (returned) or the run ends (None)."""
        if self.finished:
            return None
        if self._advance(self.duration, stop_on_card=True):
            return self._card_views()[-1]
        self._finish()
        return None

    def decide(self, card_id: str, option_id: str) -> dict:
        """The trainee takes ``option_id`` on the open card ``card_id``."""
        self._not_finished()
        return self.director.choose(card_id, option_id, by="trainee", step=self.steps)

    def act(self, action_id: str) -> dict:
        """The trainee uses action ``action_id`` now."""
        self._not_finished()
        return self.director.act(action_id, by="trainee", step=self.steps)

    def _not_finished(self) -> None:
        if self.finished:
            raise DecisionError("the run has ended")

    def _finish(self) -> None:
        if self.finished:
            return
        now = self.duration
        self.env._now = now
        self.flow.settle(now)
        for p in self.pools:
            p.accrue(now)
            p.accrue_pay(now)
        while self._iv_done < self.intervals.n:
            self._close_interval(now)
        self._sample(now)
        r = self.rep.advance(now)
        # the reputation gap left at the end keeps raising silent churn while it relaxes:
        # expected excess customers = rate per point-minute × gap × (half-life / ln 2)
        cu = self.scenario.customers
        per_min = cu.base * cu.baseline_churn / MINUTES_PER_YEAR * self.scenario.churn.silent_feedback / 100.0
        gap = max(0.0, self.rep.baseline - r)
        self.churned_tail = int(round(per_min * gap / self.rep.kappa))
        if self.churned_tail:
            self.losses["churn_clv"] += self.churned_tail * cu.clv
            self.losses["acquisition"] += self.churned_tail * cu.acquisition_cost
        self.finished = True

    # ---------------------------------------------------------------- reading
    @property
    def now(self) -> float:
        """The simulation clock (minutes)."""
        return self.env.now

    @property
    def decisions(self) -> list[dict]:
        """The replayable decision log so far (copies): ``t``, ``step``, ``card``/``action``, ``option``, ``by``."""
        return [dict(d) for d in self.director.decisions]

    def events_since(self, index: int) -> list[dict]:
        """Events logged from position ``index`` on (read ``len`` of all so far with ``events_since(0)``)."""
        return self.log.events[index:]

    def total_loss(self, now: float | None = None) -> float:
        """Total loss so far (money)."""
        return sum(self.loss_parts(now).values())

    def loss_parts(self, now: float | None = None) -> dict[str, float]:
        now = self.env.now if now is None else now
        parts = dict(self.losses)
        reg = ot = 0.0
        for p in self.pools:
            r, o = p.cost_at(now)
            reg += r
            ot += o
        parts["staff_regular"] = reg
        parts["staff_overtime"] = ot
        return parts

    def lookup(self, kind: str, arg: str | None) -> float:
        """Values of the condition language (see ``crisissim.scenario.condition``)."""
        now = self.env.now
        types = self.types
        if arg is None:
            if kind == "time":
                return now
            if kind == "reputation":
                return self.rep.at(now)
            if kind == "loss":
                return self.total_loss(now)
            if kind == "churned":
                return float(self.churned_contact + self.churned_silent)
            if kind == "queue":
                return float(sum(t.queue.waiting for t in types if t.sync))
            if kind == "backlog":
                return float(sum(t.queue.waiting for t in types if not t.sync))
            if kind == "posts":
                return float(sum(t.neg_waiting for t in types if t.social))
            if kind == "arrived":
                return float(sum(t.counts.arrived for t in types))
            if kind == "abandoned":
                return float(sum(t.counts.abandoned for t in types))
            if kind == "abandon_rate":
                arr = sum(t.counts.arrived for t in types if t.sync)
                return sum(t.counts.abandoned for t in types if t.sync) / arr if arr else 0.0
            if kind == "service_level":
                return self._service_level()
            raise KeyError(kind)
        if kind in ("queue", "backlog", "arrived", "abandoned"):
            t = self.type_by_name[arg]
            if kind == "queue":
                return float(t.queue.waiting if t.sync else 0)
            if kind == "backlog":
                return float(0 if t.sync else t.queue.waiting)
            return float(getattr(t.counts, kind))
        if kind == "fired":
            return float(self.director.fire_count[arg])
        p = self.pool_by_name[arg]
        if kind == "busy":
            return float(p.busy)
        if kind == "agents":
            return float(p.on_duty)
        if kind == "occupancy":
            return p.occupancy()
        raise KeyError(kind)

    def _service_level(self) -> float:
        within = sum(t.counts.within for t in self.types if t.sync)
        left = sum(t.counts.answered + t.counts.abandoned for t in self.types if t.sync)
        return within / left if left else 1.0

    def _card_views(self) -> list[CardView]:
        return [
            CardView(
                oc.spec.id,
                oc.spec.title,
                oc.spec.prompt,
                tuple((o.id, o.label, o.cost) for o in oc.spec.options),
                oc.spec.default,
                oc.shown,
                oc.deadline,
            )
            for oc in self.director.open.values()
        ]

    def snapshot(self) -> Snapshot:
        """An immutable view of the state now; reading it changes nothing."""
        now = self.env.now
        d = self.director
        parts = self.loss_parts(now)
        acts = []
        for a in self.scenario.actions:
            why = d.available(a.id, now)
            left = None if a.limit is None else a.limit - d.uses[a.id]
            acts.append(ActionView(a.id, a.label, a.cost, why is None, max(0.0, d.ready_at[a.id] - now), left))
        types = self.types
        return Snapshot(
            time=now,
            duration=self.duration,
            queues=Snapshot.freeze({t.name: t.queue.waiting_at(now) for t in types if t.sync}),
            backlog=Snapshot.freeze({t.name: t.queue.waiting for t in types if not t.sync}),
            pools=Snapshot.freeze({p.name: PoolView(p.on_duty, p.busy, p.target) for p in self.pools}),
            reputation=self.rep.at(now),
            losses=Snapshot.freeze(parts),
            total_loss=sum(parts.values()),
            churned=self.churned_contact + self.churned_silent,
            arrived=sum(t.counts.arrived for t in types),
            served=sum(t.counts.served for t in types),
            abandoned=sum(t.counts.abandoned for t in types),
            service_level=self._service_level(),
            unanswered_posts=sum(t.neg_waiting for t in types if t.social),
            recent_posts=tuple(self.posts),
            open_cards=tuple(self._card_views()),
            actions=tuple(acts),
            recent_events=tuple(self.log.events[-12:]),
            finished=self.finished,
        )

    def result(self):
        """Run to the end (cards left open take their defaults) and return the :class:`Result`."""
        from crisissim.engine.result import Result

        if not self.finished:
            self._advance(self.duration, stop_on_card=False)
            self._finish()
        return Result.build(self)
