"""Incidents over a run: opens exposures, applies exposure effects, schedules each incident.

The mathematics is in :mod:`crisissim.engine.exposure`; this module drives it on the
SimPy clock. Whenever something changes an exposure (it opens, units are added, a
retrieval, inflow or hazard factor starts or ends), the state is moved to now, the
incident masses used up so far are taken off, and every kind's next incident is
rescheduled from its remaining mass. An incident books its cost, may move reputation,
may fire an inject and is logged if its kind is shown in the feed. A scenario without
exposures schedules nothing, so its runs are unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from crisissim.engine.exposure import ExposureState, Hold, IncidentClock

INF = math.inf
TAIL_PART = "exposure_tail"
FEED_LIMIT = 500
"""Incidents of one kind logged to the event feed at most (all are counted): bounds the log's memory."""


@dataclass(frozen=True)
class ExposureView:
    """One exposure as the trainee sees it: units exposed now, the retrieval in force, incidents so far."""

    label: str
    unit: str
    open: bool
    exposed: float
    exposed_total: float
    retrieved: float
    retrieval_per_day: float  # share of reachable units retrieved per day at the rate in force
    inflow_per_hour: float
    incidents: Mapping[str, int]
    incident_costs: Mapping[str, float]
    retrieval_cost: float


class Incidents:
    """Every exposure of a run and the incidents they breed."""

    def __init__(self, clock, scenario, seed: int, book, shift_reputation, trigger, log):
        """``book(part, amount)`` adds to a loss part, ``shift_reputation(delta)`` moves reputation
        now, ``trigger(inject)`` fires an inject if it may still fire, ``log(now, kind, **detail)``
        writes the event log."""
        self.clock = clock  # crisissim.engine.clock.Clock: time and timeouts
        self.book = book
        self.shift_reputation = shift_reputation
        self.trigger = trigger
        self.log = log
        self.end = scenario.meta.duration
        self.states = {n: ExposureState(n, spec) for n, spec in scenario.exposures.items()}
        self.clocks = {
            n: {k: IncidentClock(seed, n, k, inc.cost) for k, inc in spec.incidents.items()}
            for n, spec in scenario.exposures.items()
        }
        self.tails: dict[str, dict] = {}
        self._token = 0

    def start(self) -> None:
        """Open the exposures due at time 0 and schedule the others' opening."""
        for name, st in self.states.items():
            at = st.spec.at
            if at is None or at >= self.end:
                continue
            if at <= 0:
                self.open(name)
            else:
                self.clock.after(at, lambda _e, name=name: self.open(name))

    # ----------------------------------------------------------------- changes
    def _change(self, name: str, change: Callable[[ExposureState], None]) -> None:
        st = self.states[name]
        now = self.clock.now
        self._advance(st, now)
        change(st)
        st.refold()
        for kind in st.counts:
            self._schedule(st, kind, now)

    def _advance(self, st: ExposureState, now: float) -> None:
        g = st.p.g
        used = st.advance(now)
        if used:
            for kind, clock in self.clocks[st.name].items():
                clock.use(g[kind] * used)

    def _schedule(self, st: ExposureState, kind: str, now: float) -> None:
        clock = self.clocks[st.name][kind]
        s = st.time_to(st.p.g[kind], clock.mass, self.end - now)
        if s is None:
            clock.wait(None)
            return
        clock.wait(self.clock.after(s, lambda e, st=st, kind=kind: self._incident(st, kind, e)))

    def _incident(self, st: ExposureState, kind: str, ev) -> None:
        clock = self.clocks[st.name][kind]
        if clock.pending is not ev:
            return  # superseded by a change
        now = self.clock.now
        self._advance(st, now)
        cost = clock.next_incident()
        st.record(kind, cost)
        self._schedule(st, kind, now)
        spec = st.spec.incidents[kind]
        self.book("incidents", cost)
        if spec.shown and st.counts[kind] <= FEED_LIMIT:
            self.log(now, "incident", exposure=st.name, incident=kind, label=spec.label,
                           cost=round(cost, 4), count=st.counts[kind])
        if spec.reputation:
            self.shift_reputation(spec.reputation)
        if spec.fires:
            self.trigger(spec.fires)

    def _hold(self, name: str, hold: Hold) -> Callable[[], None]:
        self._token += 1
        token = self._token
        self._change(name, lambda st: st.hold(token, hold))
        return lambda: self._change(name, lambda st: st.release(token))

    # ------------------------------------------------------------ what effects do
    def open(self, name: str) -> None:
        """Open an exposure with its own units (nothing if it is open already)."""
        st = self.states[name]
        if st.open:
            return
        now = self.clock.now

        self._change(name, lambda st: st.open_now(now))
        self.log(now, "exposure_open", exposure=name, label=st.spec.label, units=st.spec.units)

    def expose(self, name: str, units: int, rate: float, until: float) -> Callable[[], None] | None:
        """Open ``name`` if needed and add ``units`` now and ``rate`` units a minute until ``until``."""
        self.open(name)
        if units:
            self._change(name, lambda st: st.add_units(units))
        return self._hold(name, Hold("rate", rate, until)) if rate > 0 else None

    def inflow(self, name: str, factor: float, until: float) -> Callable[[], None]:
        """Multiply the inflow of ``name`` by ``factor`` until ``until`` (or the returned call)."""
        return self._hold(name, Hold("inflow", factor, until))

    def retrieve(self, name: str, rate: float, unit_cost: float, until: float) -> Callable[[], None]:
        """Retrieve reachable units of ``name`` at ``rate`` per minute, paying ``unit_cost`` each."""
        return self._hold(name, Hold("retrieve", rate, until, cost=unit_cost))

    def hazard(self, name: str, incident: str | None, factor: float, until: float) -> Callable[[], None]:
        """Multiply the hazard of ``incident`` (all kinds when None) of ``name`` by ``factor``."""
        return self._hold(name, Hold("hazard", factor, until, incident=incident))

    # ----------------------------------------------------------------- the end
    def finish(self, now: float) -> None:
        """Move every exposure to the end and count the expected cost after the run."""
        for st in self.states.values():
            self._advance(st, now)
            for clock in self.clocks[st.name].values():
                clock.wait(None)
            tail = st.tail(st.spec.horizon) if st.spec.horizon > 0 else None
            self.tails[st.name] = tail or {}
            if tail and tail["total"]:
                self.book(TAIL_PART, tail["total"])

    # ----------------------------------------------------------------- reading
    def retrieval_cost(self, now: float) -> float:
        """Retrieval cost up to ``now`` (it accrues continuously, so it is read, not booked)."""
        return sum(st.peek(now)[2] for st in self.states.values())

    def incident_count(self, kind: str | None = None) -> int:
        """Incidents so far, of one kind (over every exposure) or of all kinds."""
        return sum(n for st in self.states.values() for k, n in st.counts.items() if kind in (None, k))

    def exposed(self, name: str | None, now: float) -> float:
        """Units exposed at ``now`` in ``name`` (all exposures when None)."""
        return sum(st.peek(now)[0] for n, st in self.states.items() if name in (None, n))

    def retrieved(self, name: str, now: float) -> float:
        return self.states[name].peek(now)[1]

    def views(self, now: float) -> Mapping[str, ExposureView]:
        out = {}
        for name, st in self.states.items():
            exposed, retrieved, rcost = st.peek(now)
            out[name] = ExposureView(
                label=st.spec.label or name,
                unit=st.spec.unit,
                open=st.open,
                exposed=exposed,
                exposed_total=st.exposed_total + st.p.a * max(0.0, now - st.t0),
                retrieved=retrieved,
                retrieval_per_day=-math.expm1(-st.p.r * 1440.0),
                inflow_per_hour=st.p.a * 60.0,
                incidents=MappingProxyType(dict(st.counts)),
                incident_costs=MappingProxyType(dict(st.costs)),
                retrieval_cost=rcost,
            )
        return MappingProxyType(out)

    def summary(self) -> dict:
        """Per exposure: units, retrievals, incidents and costs in the run, and the tail (after ``finish``)."""
        out = {}
        for name, st in self.states.items():
            tail = self.tails.get(name) or {}
            out[name] = {
                "opened_at": st.opened_at,
                "exposed_total": st.exposed_total,
                "exposed_final": st.R + st.U,
                "retrieved": st.retrieved,
                "retrieval_cost": st.retrieval_cost,
                "incidents": dict(st.counts),
                "incident_costs": dict(st.costs),
                "tail": {
                    "horizon": st.spec.horizon,
                    "incidents": dict(tail.get("incidents", {})),
                    "incident_costs": dict(tail.get("incident_costs", {})),
                    "retrieved": tail.get("retrieved", 0.0),
                    "retrieval_cost": tail.get("retrieval_cost", 0.0),
                    "exposed_after": tail.get("exposed_after", st.R + st.U),
                    "total": tail.get("total", 0.0),
                },
            }
        return out
