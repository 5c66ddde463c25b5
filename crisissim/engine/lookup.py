"""The values of the condition language (``when:``), read from a running simulation.

Each name of :mod:`crisissim.scenario.condition` has one method here: ``SCALARS`` by
their own name, ``PER_TYPE`` and ``BOOL_PER_TYPE`` as ``<name>_of_type(type)``, ``PER_POOL`` as
``<name>_of_pool(pool)``, ``PER_INJECT`` as ``<name>_of_inject(inject)``, ``PER_EXPOSURE`` as
``<name>_of_exposure(name)``, ``PER_INCIDENT`` as ``<name>_of_incident(kind)``. The table is
built once and checked against the language, so a name added there without a reader here
fails at start-up, not mid-run. Adding a name: the grammar's list there, a method here.
"""

from __future__ import annotations

from crisissim.engine.contact_types import service_level
from crisissim.scenario.condition import (
    BOOL_PER_TYPE,
    PER_EXPOSURE,
    PER_INCIDENT,
    PER_INJECT,
    PER_POOL,
    PER_TYPE,
    SCALARS,
)


class Lookup:
    """``lookup(kind, arg)``: the value a condition names, now (reads only)."""

    def __init__(self, clock, types, pools, score, ledger, churn, fired, exposures=None, alarms=None, outreach=None):
        self.clock = clock
        self.types = types
        self.type_by_name = {t.name: t for t in types}
        self.pool_by_name = {p.name: p for p in pools}
        self.score = score
        self.ledger = ledger
        self.churn = churn
        self.fired = fired  # fired(inject id) -> times fired
        self.exposures = exposures  # incidents.Incidents
        self.alarms = alarms  # alarm.Alarms
        self.outreach = outreach  # recovery.Outreach
        self._scalars = {k: getattr(self, k) for k in SCALARS}
        self._per: dict[str, tuple] = {}
        for names, suffix, objects in ((PER_TYPE + BOOL_PER_TYPE, "type", self.type_by_name),
                                       (PER_POOL, "pool", self.pool_by_name), (PER_INJECT, "inject", None),
                                       (PER_EXPOSURE, "exposure", None), (PER_INCIDENT, "incident", None)):
            for k in names:
                self._per[k] = (getattr(self, f"{k}_of_{suffix}"), objects)

    def __call__(self, kind: str, arg: str | None) -> float:
        if arg is None:
            return self._scalars[kind]()
        read, objects = self._per[kind]
        return read(arg if objects is None else objects[arg])

    # ------------------------------------------------------------------ scalars
    def time(self) -> float:
        return self.clock.now

    def reputation(self) -> float:
        return self.score.at(self.clock.now)

    def loss(self) -> float:
        return self.ledger.total(self.clock.now)

    def churned(self) -> float:
        return float(self.churn.during_run)

    def at_risk(self) -> float:
        lst = self.outreach.list if self.outreach is not None else None
        return float(lst.waiting(self.clock.now)) if lst is not None else 0.0

    def won_back(self) -> float:
        return float(self.churn.saved)

    def queue(self) -> float:
        return float(sum(t.queue.waiting for t in self.types if t.sync))

    def backlog(self) -> float:
        return float(sum(t.queue.waiting for t in self.types if not t.sync))

    def posts(self) -> float:
        return float(sum(t.neg_waiting for t in self.types if t.social))

    def arrived(self) -> float:
        return float(sum(t.counts.arrived for t in self.types))

    def abandoned(self) -> float:
        return float(sum(t.counts.abandoned for t in self.types))

    def abandon_rate(self) -> float:
        arr = sum(t.counts.arrived for t in self.types if t.sync)
        return sum(t.counts.abandoned for t in self.types if t.sync) / arr if arr else 0.0

    def service_level(self) -> float:
        return service_level(self.types)

    def incidents(self) -> float:
        return float(self.exposures.incident_count())

    def exposed(self) -> float:
        return self.exposures.exposed(None, self.clock.now)

    # ----------------------------------------------------------- per contact type
    def queue_of_type(self, t) -> float:
        return float(t.queue.waiting if t.sync else 0)

    def backlog_of_type(self, t) -> float:
        return float(0 if t.sync else t.queue.waiting)

    def arrived_of_type(self, t) -> float:
        return float(t.counts.arrived)

    def abandoned_of_type(self, t) -> float:
        return float(t.counts.abandoned)

    def alarm_of_type(self, t) -> float:
        return 1.0 if self.alarms.raised(t.name) else 0.0

    # ------------------------------------------------------------------ per pool
    def busy_of_pool(self, p) -> float:
        return float(p.busy)

    def agents_of_pool(self, p) -> float:
        return float(p.on_duty)

    def occupancy_of_pool(self, p) -> float:
        return p.occupancy()

    # ---------------------------------------------------------------- per inject
    def fired_of_inject(self, inject: str) -> float:
        return float(self.fired(inject))

    # ------------------------------------------------------- exposures, incidents
    def exposed_of_exposure(self, name: str) -> float:
        return self.exposures.exposed(name, self.clock.now)

    def retrieved_of_exposure(self, name: str) -> float:
        return self.exposures.retrieved(name, self.clock.now)

    def incidents_of_incident(self, kind: str) -> float:
        return float(self.exposures.incident_count(kind))
