"""The final summary of a run: the JSON the CLI writes, flat metrics for studies, arrays for plots.

``contacts`` and the wait statistics cover contacts that arrived after the
warm-up; costs and reputation cover the whole run. ``incidents`` counts incidents by
kind over every exposure; ``exposures`` gives each exposure's units, retrievals, incidents
and costs in the run and its expected ``tail`` after it; ``alarms`` when each contact
type's early-warning alarm was first raised. ``arrived = served +
abandoned + waiting + in_service + backlog``; ``repeat`` and ``deflected`` are
sub-counts and self-service absorptions (not in ``arrived``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from crisissim.engine.contact_types import service_level
from crisissim.engine.contacts import WAITING
from crisissim.engine.ledger import LOSS_PARTS


def _mean_occupancy(d: dict) -> float:
    pools = d["pools"]
    return float(np.mean([p["occupancy"] for p in pools.values()])) if pools else 0.0


def _loss_part(part: str) -> Callable[[dict], float]:
    return lambda d: d["losses"][part]


METRICS: tuple[tuple[str, Callable[[dict], float]], ...] = (
    ("total_loss", lambda d: d["total_loss"]),
    *((f"loss_{part}", _loss_part(part)) for part in LOSS_PARTS),
    ("arrived", lambda d: d["contacts"]["arrived"]),
    ("served", lambda d: d["contacts"]["served"]),
    ("abandoned", lambda d: d["contacts"]["abandoned"]),
    ("abandon_rate", lambda d: d["abandon_rate"]),
    ("service_level", lambda d: d["service_level"]),
    ("wait_mean", lambda d: d["wait"]["mean"]),
    ("wait_p50", lambda d: d["wait"]["p50"]),
    ("wait_p90", lambda d: d["wait"]["p90"]),
    ("wait_p99", lambda d: d["wait"]["p99"]),
    ("reputation_final", lambda d: d["reputation"]["final"]),
    ("reputation_min", lambda d: d["reputation"]["min"]),
    ("churned", lambda d: d["churned"]),
    ("incidents", lambda d: sum(d["incidents"].values())),
    ("occupancy", _mean_occupancy),
)
"""The flat metrics of a run (what studies aggregate): name and how to read it from the result
JSON. Adding a metric is adding a line here."""

METRIC_KEYS = tuple(name for name, _ in METRICS)


def _r(x: float, nd: int = 6) -> float:
    return float(round(float(x), nd))


def _rounded(x):
    """Floats in nested dicts rounded as in the rest of the result; counts and None unchanged."""
    if isinstance(x, dict):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, float):
        return _r(x, 4)
    return x


def _counts(types, sync_only: bool | None = None) -> dict:
    sel = [t for t in types if sync_only is None or t.sync == sync_only]
    waiting = backlog = 0
    for t in sel:
        n = sum(1 for c in t.queue.waiting_contacts() if c.counted and c.state == WAITING)
        if t.sync:
            waiting += n
        else:
            backlog += n
    return {
        "arrived": sum(t.counts.arrived for t in sel),
        "served": sum(t.counts.served for t in sel),
        "abandoned": sum(t.counts.abandoned for t in sel),
        "waiting": waiting,
        "in_service": sum(t.counts.in_service for t in sel),
        "backlog": backlog,
        "repeat": sum(t.counts.repeat for t in sel),
        "deflected": sum(t.counts.deflected for t in sel),
        "resolved": sum(t.counts.resolved for t in sel),
        "breached": sum(t.counts.breached for t in sel),
    }


@dataclass
class Result:
    """Outcome of one replication (money in ``currency``, time in minutes)."""

    data: dict
    intervals: dict[str, np.ndarray]
    timeline: dict[str, np.ndarray]
    queue_by_type: np.ndarray
    type_names: list[str]
    records: list | None = field(default=None)
    agents: dict[str, np.ndarray] = field(default_factory=dict)  # per pool, agents on duty per interval

    @classmethod
    def build(cls, sim) -> Result:
        sc = sim.scenario
        types = sim.types
        has_sync = any(t.sync for t in types)
        hist = sim.flow.wait_hist if has_sync else sim.flow.wait_hist_async
        parts = sim.loss_parts(sim.duration)
        contacts = _counts(types)
        sync = [t for t in types if t.sync] or types
        arrived_sync = sum(t.counts.arrived for t in sync)
        abandoned_sync = sum(t.counts.abandoned for t in sync)
        by_type = {}
        for t in types:
            c = _counts([t])
            c["wait_mean"] = _r(t.counts.wait_sum / t.counts.answered) if t.counts.answered else 0.0
            c["churned"] = sim.churn.by_type[t.index]
            by_type[t.name] = c
        pools = {}
        for p in sim.pools:
            pools[p.name] = {
                "occupancy": _r(p.occupancy()),
                "agents_final": p.on_duty,
                "cost_regular": _r(p.regular_cost),
                "cost_overtime": _r(p.overtime_cost),
            }
        iv = sim.intervals.arrays()
        p50, p90, p99 = hist.quantiles((0.5, 0.9, 0.99))
        exposures = _rounded(sim.exposures.summary())
        data = {
            "scenario": sc.meta.id,
            "title": sc.meta.title,
            "seed": sim.seed,
            "duration": sim.duration,
            "warmup": sc.meta.warmup,
            "currency": sc.meta.currency,
            "total_loss": _r(sum(parts.values()), 4),
            "losses": {k: _r(v, 4) for k, v in parts.items()},
            "contacts": contacts,
            "by_type": by_type,
            "wait": {
                "mean": _r(hist.mean()),
                "p50": _r(p50),
                "p90": _r(p90),
                "p99": _r(p99),
                "max": _r(hist.max),
                "p_wait": _r(
                    sum(t.counts.waited for t in sync) / max(1, sum(t.counts.answered for t in sync))
                ),
                "channels": "sync" if has_sync else "async",
            },
            "wait_all_mean": _r(
                (sum(t.counts.wait_sum + t.counts.abandon_wait_sum for t in sync))
                / max(1, sum(t.counts.answered + t.counts.abandoned for t in sync))
            ),
            "service_level": _r(service_level(types)),
            "service_level_target": sc.scoring.service_level.target,
            "service_level_threshold": _r(sc.scoring.service_level.threshold),
            "abandon_rate": _r(abandoned_sync / arrived_sync if arrived_sync else 0.0),
            "reputation": {
                "initial": _r(sc.reputation.initial),
                "final": _r(sim.score.at(sim.duration)),
                "min": _r(sim.score.minimum),
            },
            "churned": sim.churn.contact + sim.churn.silent + _r(sim.churn.tail, 4),
            "churn": {"contact": sim.churn.contact, "silent": sim.churn.silent, "tail": _r(sim.churn.tail, 4),
                      "saved": sim.churn.saved},
            "by_segment": sim.customers.breakdown(),
            "retention": sim.outreach.summary(sim.duration),
            "social": {"negative": sum(t.counts.negative for t in types), "turned": sum(t.counts.turned for t in types)},
            "pools": pools,
            "incidents": {k: sum(e["incidents"].get(k, 0) for e in exposures.values())
                          for k in dict.fromkeys(k for e in exposures.values() for k in e["incidents"])},
            "exposures": exposures,
            "alarms": _rounded(sim.alarms.summary()),
            "decisions": [dict(d) for d in sim.director.decisions],
            "events": [dict(e) for e in sim.log.events],
            "intervals": {k: [None if np.isnan(x) else _r(x) for x in v] for k, v in iv.items()},
        }
        return cls(
            data=data,
            intervals=iv,
            timeline=sim.timeline.arrays(),
            queue_by_type=sim.timeline.queue_by_type[: sim.timeline.n].copy(),
            type_names=[t.name for t in types],
            records=sim.records,
            agents=sim.intervals.agents_on_duty(sim.duration),
        )

    def to_dict(self) -> dict:
        """The full JSON-able result."""
        return self.data

    def to_json(self) -> str:
        """Canonical JSON text (same input, same bytes)."""
        return json.dumps(self.data, ensure_ascii=False, indent=2, allow_nan=False) + "\n"

    def metrics(self) -> dict[str, float]:
        """Flat metrics for studies, in ``METRIC_KEYS`` order."""
        return {name: float(read(self.data)) for name, read in METRICS}

    def timeline_rows(self):
        """Rows of the sampled time series: column names, then one tuple per sample."""
        cols = list(self.timeline) + [f"queue.{n}" for n in self.type_names]
        n = len(self.timeline["time"])
        rows = [
            tuple(self.timeline[c][i] for c in self.timeline) + tuple(self.queue_by_type[i, : len(self.type_names)])
            for i in range(n)
        ]
        return cols, rows
