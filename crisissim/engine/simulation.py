"""The Simulation API that the game, the CLI and studies drive.

``Simulation(scenario, seed, policy=None)``; ``run_until(t)``, ``run_to_next_decision()``,
``snapshot()``, ``decide(card, option)``, ``act(action)``, ``result()``; a facilitator's
``fire_inject(inject)``, ``post_message(text)`` and ``mark(kind, text)``. Time in minutes.

This module only wires the parts together and exposes the API; each piece of state has
one owner, found by name:

=========================  ==========================================================
``clock.Clock``            the event loop, the step count, decisions applied at their step
``replay.DecisionPlan``    a replayed log and a policy's timed actions
``flow.ContactFlow``       contacts: arrival, routing, service, abandonment (the hot path)
``contacts``               one contact, and a queue with lazy abandonment
``contact_types``          each contact type's live state (queue, counts, streams)
``staff.StaffPool``        agents of a pool: headcount, busy/idle, time and pay
``routing.route``          which pools serve which contact types, by skill priority
``arrivals``               the arrival processes (thinning) and social self-excitation
``rng``                    one random stream per source, derived from the seed by name
``churn.ChurnModel``       the churn formula and churn counts
``customers``              segments, what a churner costs, churn and money by segment
``recovery.Outreach``      the at-risk list and retention calls
``reputation``             the score, and what moves it each tick
``ledger.Ledger``          losses by part (``LOSS_PARTS``)
``tick.Tick``              the heartbeat: settle, reputation, silent churn, conditions, sample
``intervals``              workforce-planning KPIs per interval
``timeline``               the sampled time series
``stats``                  per-type counters and the wait histogram
``events.EventLog``        the log of injects, cards, decisions and effects
``crisis.Director``        injects (fixed, conditional, random), decision cards, actions
``incidents.Incidents``    exposures and the incidents they breed (the fluid: ``exposure``)
``alarm.Alarms``           early-warning CUSUM alarms on each contact type's arrivals
``effects.EffectRunner``   effects starting and ending (kinds: ``crisissim/scenario/effects/``)
``modifiers.Modifiers``    the effects in force, folded into factors the hot path reads
``lookup.Lookup``          the values the condition language reads
``snapshot``               the immutable views the game shows
``result.Result``          the final summary and the flat metrics (``METRICS``)
``workload``               the work a run will be, estimated before it starts, and its limit
=========================  ==========================================================

Extension points: a new effect kind is one module in ``crisissim/scenario/effects/``; a new
loss part is a name in ``ledger.LOSS_PARTS``; a new churn term goes in ``churn.py``; a new
flat metric is a line in ``result.METRICS``; a new condition name is a method of
``lookup.Lookup``. A new mechanism with state of its own (exposures, customer segments) gets
its own module and owner, created and wired here, given to the parts that need it through
their constructors (never by writing another object's fields), stepped by ``tick.Tick`` if
it moves with time, and read by ``lookup``, ``snapshot`` and ``result``.
"""

from __future__ import annotations

import simpy

from crisissim.engine.alarm import Alarms
from crisissim.engine.arrivals import ArrivalSource
from crisissim.engine.churn import ChurnModel
from crisissim.engine.clock import Clock
from crisissim.engine.contact_types import ContactTypeState, service_level
from crisissim.engine.crisis import DecisionError, Director
from crisissim.engine.customers import CustomerBase
from crisissim.engine.effects import EffectRunner
from crisissim.engine.events import EventLog
from crisissim.engine.flow import ContactFlow
from crisissim.engine.incidents import Incidents
from crisissim.engine.intervals import IntervalStats
from crisissim.engine.ledger import Ledger
from crisissim.engine.lookup import Lookup
from crisissim.engine.modifiers import Modifiers
from crisissim.engine.recovery import Outreach
from crisissim.engine.replay import DecisionPlan
from crisissim.engine.reputation import Reputation, ReputationTicks
from crisissim.engine.rng import CandidateStream
from crisissim.engine.routing import route
from crisissim.engine.snapshot import CardView, ContactStats, Snapshot, SnapshotBuilder, card_views
from crisissim.engine.staff import StaffPool, schedule_shifts, scheduled_at, shift_plan
from crisissim.engine.tick import Tick
from crisissim.engine.timeline import TimeSeries
from crisissim.engine.workload import DEFAULT_MAX_CONTACTS, step_budget
from crisissim.engine.workload import check as check_workload
from crisissim.scenario.condition import ConditionError, Names, check_name


def policy_reads(policy, scenario) -> tuple[tuple[str, str | None], ...]:
    """The condition names a policy's snapshots carry (its ``reads()``, checked against the scenario)."""
    if policy is None or not hasattr(policy, "reads"):
        return ()
    names = Names.of(scenario)
    out = []
    for ref in policy.reads():
        try:
            kind, arg = ref
            check_name(kind, arg, names)
        except (TypeError, ValueError) as e:
            why = f": {e}" if isinstance(e, ConditionError) else " (expected (name, argument) pairs)"
            raise ValueError(f"policy {getattr(policy, 'name', policy)!r} reads {ref!r}{why}") from None
        if (kind, arg) not in out:
            out.append((kind, arg))
    return tuple(out)


class Simulation:
    """One replication of a scenario under a seed.

    ``policy`` answers decision cards headless: a callable ``policy(snapshot, card) -> option_id``
    (optionally with ``scheduled_actions() -> [(minutes, action_id)]``, and ``reads() -> [(name,
    argument)]``: the condition-language values its snapshots carry in ``readings``, read as the
    card shows; named policies come from :func:`crisissim.policy.resolve`), or None to leave cards
    to the trainee (unanswered cards take their default at the deadline). ``replay`` is a decision
    log to reproduce.
    """

    # made after the parts whose callbacks reach them
    ledger: Ledger
    reputation: ReputationTicks
    log: EventLog
    director: Director

    def __init__(self, scenario, seed: int | None = None, policy=None, *, record_contacts: bool = False, replay=None,
                 max_contacts: int | None = DEFAULT_MAX_CONTACTS):
        self.scenario = sc = scenario
        self.workload = check_workload(sc, max_contacts)  # refuse up front what would not finish (one line)
        self.seed = int(sc.meta.seed if seed is None else seed)
        if policy is not None and not callable(policy):
            raise TypeError(
                f"policy must be a callable or None, got {policy!r} "
                "(resolve a name with crisissim.policy.resolve(name, scenario, seed))"
            )
        self.policy = policy
        self.policy_reads = policy_reads(policy, sc)
        self.env = simpy.Environment()
        self.clock = clock = Clock(self.env, sc.meta.duration)
        self.duration = sc.meta.duration
        self.finished = False
        seed = self.seed
        rs = sc.reputation

        # agents and contact types, and who serves what
        self.pools = [StaffPool(n, i, spec, scheduled_at(spec, 0.0), seed, handover=bool(shift_plan(spec, self.duration)))
                      for i, (n, spec) in enumerate(sc.pools.items())]
        # exposures and their incidents (the log, reputation and director they reach are made below)
        self.exposures = Incidents(clock, sc, seed, lambda part, amount: self.ledger.add(part, amount),
                                   lambda delta: self.reputation.shock(delta, clock.now),
                                   lambda inject: self.director.trigger(inject),
                                   lambda now, kind, **detail: self.log.add(now, kind, **detail))
        self.ledger = Ledger(self.pools, {"retrieval": self.exposures.retrieval_cost} if sc.exposures else None)
        self.score = Reputation(rs.initial, rs.base, rs.recovery_half_life, rs.headroom, rs.gain_scale)
        self.customers = CustomerBase(sc, seed, self.ledger)
        self.churn = ChurnModel(sc.churn, sc.recovery, self.customers, rs.base, len(sc.contact_types))
        self.types = [
            ContactTypeState(i, n, spec, sc.channels[spec.channel], seed, self.churn.per_wait_ref,
                             sc.recovery.fair_compensation)
            for i, (n, spec) in enumerate(sc.contact_types.items())
        ]
        skill_groups = route(self.types, self.pools)
        self.mods = Modifiers(list(sc.contact_types), [c.channel for c in sc.contact_types.values()], list(sc.pools),
                              on_change=self._refold_types, segment_names=[s.name for s in self.customers.segments])
        self._refold_types()
        self.outreach = Outreach(clock, sc, seed, self.customers, self.churn, self.types, self.pools, self.mods)

        # the flow of contacts and the processes that feed it
        self.intervals = IntervalStats(self.duration, sc.meta.interval, [p.name for p in self.pools])
        self.timeline = TimeSeries(self.duration, sc.meta.sample_every, len(self.types))
        self.flow = ContactFlow(clock, sc, self.types, self.pools, skill_groups, self.mods, self.score, self.churn,
                                self.customers, self.outreach, self.intervals, record=record_contacts)
        self.outreach.serve_with(self.flow.next_for, self.flow.set_outbound)
        self.sources = [
            ArrivalSource(clock, clock.agenda, t.spec, t.index, self.mods, rs, CandidateStream(seed, f"type:{t.name}:"),
                          self.flow.post if t.social else self.flow.arrive, t.excitation, key=t)
            for t in self.types
        ]
        self.reputation = ReputationTicks(self.score, rs, [self.churn.set_reputation]
                                          + [src.set_reputation for src in self.sources])
        self.alarms = Alarms(sc, self.sources)

        # the crisis: log, effects, conditions, cards, and the decisions to apply
        self.log = EventLog(self.ledger.total, self.score.at)
        self.plan = DecisionPlan(sc, replay, policy)
        self.replaying = self.plan.replaying
        self.effects = EffectRunner(clock, self.ledger, self.reputation, self.mods, self.rebound, self.pools,
                                    self.flow.dispatch_idle, lambda inject: self.director.fired_at.get(inject),
                                    self.log, self.exposures, self.outreach, rs.statement_repeat)
        self.lookup = Lookup(clock, self.types, self.pools, self.score, self.ledger, self.churn,
                             lambda inject: self.director.fire_count[inject], self.exposures, self.alarms,
                             self.outreach)
        self.director = Director(sc, clock, self.log, self.effects, self.ledger, self.lookup, self._answer, seed)
        clock.drive(self.director, self.plan)
        clock.limit(step_budget(self.workload, max_contacts), max_contacts)
        self.tick = Tick(clock, sc.meta.sample_every, self.duration, self.flow, self.reputation, self.churn,
                         self.outreach, self.director, self.timeline, self.types, self.pools, self.ledger, self.alarms)
        self.snapshots = SnapshotBuilder(sc, self.types, self.pools, self.score, self.ledger, self.churn, self.flow,
                                         self.director, self.log, self.exposures, self.alarms, self.customers,
                                         self.outreach, self.lookup)
        self._start()

    # ------------------------------------------------------------------ set-up
    def _refold_types(self) -> None:
        for t in self.types:
            t.refold(self.pools, self.mods)

    def _answer(self, card) -> tuple[str, str] | None:
        """How a card is answered as it shows: replayed, by the policy, or (None) by the trainee."""
        if self.replaying:
            return self.plan.answer(card.id)
        if self.policy is not None:
            return self.policy(self.snapshot(self.policy_reads), card), "policy"
        return None

    def _start(self) -> None:
        # the order of these first events is part of the run's definition (ties on the heap)
        for src in self.sources:
            src.rebound()
        schedule_shifts(self.clock, self.pools, self.duration, self.flow.dispatch_idle)
        self.tick.start()
        self.intervals.start(self.clock, self.duration, self.pools, self.types)
        self.exposures.start()

    def rebound(self, idx) -> None:
        """Recompute arrival bounds of the given contact types (all when None)."""
        for i in range(len(self.sources)) if idx is None else idx:
            self.sources[i].rebound()

    # ------------------------------------------------------------ the clock
    def run_until(self, t: float, stop_on_card: bool = False) -> Snapshot:
        """Advance the clock to ``t`` minutes (capped at the duration); return a snapshot.

        With ``stop_on_card``, stop earlier, at the moment a card opens that waits for the trainee."""
        if t < self.clock.now:
            raise ValueError(f"cannot run back in time: now {self.clock.now:g}, asked {t:g}")
        if self.clock.advance(t, stop_on_card=stop_on_card):
            return self.snapshot()
        if self.clock.now >= self.duration:
            self._finish()
        return self.snapshot()

    def run_to_next_decision(self) -> CardView | None:
        """Advance until a card waits for the trainee (returned) or the run ends (None)."""
        if self.finished:
            return None
        if self.clock.advance(self.duration, stop_on_card=True):
            return card_views(self.director)[-1]
        self._finish()
        return None

    def decide(self, card_id: str, option_id: str) -> dict:
        """The trainee takes ``option_id`` on the open card ``card_id``."""
        self._not_finished()
        return self.director.choose(card_id, option_id, by="trainee", step=self.clock.steps)

    def act(self, action_id: str) -> dict:
        """The trainee uses action ``action_id`` now."""
        self._not_finished()
        return self.director.act(action_id, by="trainee", step=self.clock.steps)

    def fire_inject(self, inject_id: str) -> dict:
        """A facilitator fires inject ``inject_id`` now (whatever its time, condition or limit)."""
        self._not_finished()
        return self.director.fire_now(inject_id, step=self.clock.steps)

    def post_message(self, text: str, tone: str = "neutral") -> dict:
        """A facilitator posts ``text`` to the social feed (``tone``: negative, neutral, positive)."""
        self._not_finished()
        return self.director.post(text, tone, step=self.clock.steps)

    def mark(self, kind: str = "discussion", text: str = "") -> dict:
        """A facilitator marks the log now (``kind``: discussion, pause, resume, speed)."""
        self._not_finished()
        return self.director.mark(kind, text, step=self.clock.steps)

    def _not_finished(self) -> None:
        if self.finished:
            raise DecisionError("the run has ended")

    def _finish(self) -> None:
        if self.finished:
            return
        self.plan.check_done(self.clock.steps)
        now = self.duration
        self.clock.finish()
        self.flow.settle(now)
        for p in self.pools:
            p.accrue(now)
            p.accrue_pay(now)
        self.intervals.close_all(now, self.pools, self.types)
        self.tick.close(now)
        if self.flow.records is not None:
            self.flow.record_open()
        r = self.score.advance(now)
        self.churn.close_tail(r, self.score.kappa)
        self.exposures.finish(now)
        self.finished = True

    # ---------------------------------------------------------------- reading
    @property
    def now(self) -> float:
        """The simulation clock (minutes)."""
        return self.clock.now

    @property
    def steps(self) -> int:
        """Events processed so far."""
        return self.clock.steps

    @property
    def records(self) -> list | None:
        """Per-contact records (with ``record_contacts=True``), else None."""
        return self.flow.records

    @property
    def decisions(self) -> list[dict]:
        """The replayable decision log so far (copies): ``t``, ``step``, ``by`` and ``card`` + ``option``,
        ``action``, ``inject``, ``message`` + ``tone`` or ``mark`` + ``text``."""
        return [dict(d) for d in self.director.decisions]

    def events_since(self, index: int) -> list[dict]:
        """Events logged from position ``index`` on (read ``len`` of all so far with ``events_since(0)``)."""
        return self.log.events[index:]

    def total_loss(self, now: float | None = None) -> float:
        """Total loss so far (money)."""
        return self.ledger.total(self.clock.now if now is None else now)

    def loss_parts(self, now: float | None = None) -> dict[str, float]:
        """Loss so far by part (``LOSS_PARTS``)."""
        return self.ledger.parts(self.clock.now if now is None else now)

    def service_level(self) -> float:
        """Share of sync contacts answered within the threshold so far."""
        return service_level(self.types)

    def snapshot(self, reads=()) -> Snapshot:
        """An immutable view of the state now; reading it changes nothing. ``reads``: condition-language
        names as ``(name, argument)`` pairs (a parsed condition's ``refs``) whose values now the
        snapshot carries in ``readings`` (``snapshot.holds(condition)``)."""
        return self.snapshots.build(self.clock.now, self.finished, tuple(reads))

    def contact_stats(self) -> dict[str, ContactStats]:
        """Per contact type: cumulative counts and the queue now (read-only; for dashboards)."""
        return self.snapshots.contact_stats(self.clock.now)

    def result(self):
        """Run to the end (cards left open take their defaults) and return the :class:`Result`."""
        from crisissim.engine.result import Result

        if not self.finished:
            self.clock.advance(self.duration, stop_on_card=False)
            self._finish()
        return Result.build(self)
