"""Immutable views of a running simulation, cheap enough to take every simulated minute."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from crisissim.engine.alarm import AlarmView
from crisissim.engine.contacts import WAITING
from crisissim.engine.incidents import ExposureView


@dataclass(frozen=True)
class CardView:
    """An open decision card: options as (id, label, cost) and the deadline (minutes)."""

    id: str
    title: str
    prompt: str
    options: tuple[tuple[str, str, float], ...]
    default: str
    shown: float
    deadline: float


@dataclass(frozen=True)
class ActionView:
    """An action and whether it can be used now."""

    id: str
    label: str
    cost: float
    ready: bool
    ready_in: float
    uses_left: int | None


@dataclass(frozen=True)
class PoolView:
    """Agents of a pool: on duty, busy, and the headcount the pool is heading to."""

    on_duty: int
    busy: int
    target: int


@dataclass(frozen=True)
class ContactStats:
    """Counts of one contact type since the warm-up (cumulative), and its queue now.

    ``within``: answered within the service-level threshold (sync only); ``wait_sum``:
    minutes waited by the answered contacts; ``longest_wait``: minutes the longest-waiting
    contact still in the queue has waited (0 when none waits)."""

    arrived: int
    answered: int
    within: int
    abandoned: int
    served: int
    resolved: int
    breached: int
    wait_sum: float
    waiting: int
    longest_wait: float


@dataclass(frozen=True)
class SegmentView:
    """Churn and loss of one customer segment so far: ``churned`` after contacts and silently,
    ``won_back`` by outreach, ``loss`` what its churn, compensation and retention cost."""

    churned: int
    won_back: int
    loss: float


@dataclass(frozen=True)
class Snapshot:
    """The state at ``time`` (minutes). Money in the scenario currency; counts since the warm-up."""

    time: float
    duration: float
    queues: Mapping[str, int]
    backlog: Mapping[str, int]
    pools: Mapping[str, PoolView]
    reputation: float
    losses: Mapping[str, float]
    total_loss: float
    churned: int
    arrived: int
    served: int
    abandoned: int
    service_level: float
    unanswered_posts: int
    recent_posts: tuple[tuple[float, str, bool], ...]
    open_cards: tuple[CardView, ...]
    actions: tuple[ActionView, ...]
    recent_events: tuple[Mapping, ...] = field(default=())
    finished: bool = False
    exposures: Mapping[str, ExposureView] = field(default_factory=lambda: MappingProxyType({}))
    """Each exposure: units exposed now, the retrieval in force, incidents so far by kind and their cost."""
    alarms: Mapping[str, AlarmView] = field(default_factory=lambda: MappingProxyType({}))
    """Each contact type's early warning: observed against forecast rate, the CUSUM and whether it is raised."""
    segments: Mapping[str, SegmentView] = field(default_factory=dict)
    at_risk: int = 0
    posts_turned: int = 0
    readings: Mapping[tuple[str, str | None], float] = field(default_factory=lambda: MappingProxyType({}), repr=False)
    """Values of the condition language (``when:``) read at ``time``, keyed ``(name, argument)``
    (``("fired", "hub-long")``, ``("time", None)``): only those asked for when the snapshot was
    taken (:meth:`Simulation.snapshot`'s ``reads``; a policy's ``reads()``)."""

    def reading(self, name: str, arg: str | None = None) -> float:
        """The value of ``name`` (``name.arg``) at ``time``; a name not read then is a KeyError."""
        try:
            return self.readings[(name, arg)]
        except KeyError:
            shown = name if arg is None else f"{name}.{arg}"
            raise KeyError(f"{shown} was not read when this snapshot was taken (ask for it in reads)") from None

    def holds(self, condition) -> bool:
        """Whether a parsed condition (:func:`crisissim.scenario.condition.parse_condition`) held at
        ``time``, from ``readings``: what was known then, whatever happened after."""
        return condition.evaluate(self.reading)

    @staticmethod
    def freeze(d: dict) -> Mapping:
        return MappingProxyType(dict(d))


def card_views(director) -> list[CardView]:
    """The cards open now, oldest first."""
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
        for oc in director.open.values()
    ]


class SnapshotBuilder:
    """Builds :class:`Snapshot` views from the parts that own the state (reads only)."""

    def __init__(self, scenario, types, pools, score, ledger, churn, flow, director, log, exposures=None, alarms=None,
                 customers=None, outreach=None, lookup=None):
        self.actions = scenario.actions
        self.duration = scenario.meta.duration
        self.types = types
        self.pools = pools
        self.score = score
        self.ledger = ledger
        self.churn = churn
        self.flow = flow
        self.director = director
        self.log = log
        self.exposures = exposures
        self.alarms = alarms
        self.customers = customers
        self.outreach = outreach
        self.lookup = lookup  # lookup.Lookup: the condition language's values now

    def contact_stats(self, now: float) -> dict[str, ContactStats]:
        """Per contact type: cumulative counts and the queue now."""
        out = {}
        for t in self.types:
            c = t.counts
            q = t.queue
            oldest = next((x.arrival for x in q.fifo if x.state == WAITING and x.deadline > now), None)
            out[t.name] = ContactStats(c.arrived, c.answered, c.within, c.abandoned, c.served, c.resolved, c.breached,
                                       c.wait_sum, q.waiting_at(now) if t.sync else q.waiting,
                                       0.0 if oldest is None else max(0.0, now - oldest))
        return out

    def build(self, now: float, finished: bool, reads=()) -> Snapshot:
        """The view at ``now``, with ``readings`` of the condition names ``reads`` ((name, argument) pairs)."""
        from crisissim.engine.contact_types import service_level

        d = self.director
        parts = self.ledger.parts(now)
        acts = []
        for a in self.actions:
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
            reputation=self.score.at(now),
            losses=Snapshot.freeze(parts),
            total_loss=sum(parts.values()),
            churned=self.churn.during_run,
            arrived=sum(t.counts.arrived for t in types),
            served=sum(t.counts.served for t in types),
            abandoned=sum(t.counts.abandoned for t in types),
            service_level=service_level(types),
            unanswered_posts=sum(t.neg_waiting for t in types if t.social),
            recent_posts=tuple(self.flow.posts),
            open_cards=tuple(card_views(d)),
            actions=tuple(acts),
            recent_events=tuple(self.log.events[-12:]),
            finished=finished,
            exposures=self.exposures.views(now) if self.exposures is not None else MappingProxyType({}),
            alarms=MappingProxyType(self.alarms.views()) if self.alarms is not None else MappingProxyType({}),
            segments=Snapshot.freeze({
                g.name: SegmentView(g.contact + g.silent, g.saved, sum(g.losses.values())) for g in self.customers.segments
            }),
            at_risk=self.outreach.list.waiting(now) if self.outreach.list is not None else 0,
            posts_turned=sum(t.counts.turned for t in types),
            readings=Snapshot.freeze({ref: float(self.lookup(*ref)) for ref in reads}) if reads else MappingProxyType({}),
        )
