"""Conservation, bounds, determinism, common random numbers, shifts and the Simulation API."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from crisissim.engine import DecisionError, Simulation
from crisissim.scenario.schema import Scenario
from engine_helpers import queue_scenario


def crisis_dict() -> dict:
    """Two channels of each kind, three pools with shifts, an inject, a card, an action."""
    return {
        "meta": {"id": "mix", "title": "mix", "duration": "6h", "warmup": "20m", "seed": 7},
        "customers": {"base": 50000, "clv": 800, "acquisition_cost": 200},
        "channels": {
            "phone": {"kind": "sync", "patience": {"dist": "lognormal", "mean": "3m", "cv": 1.2}},
            "email": {"kind": "async", "sla": "2h"},
            "social": {"kind": "social", "sla": "30m", "excitation": 2.0},
        },
        "contact_types": {
            "billing": {
                "channel": "phone",
                "arrival": {"rate": 200, "per": "hour", "profile": [0.8, 1.2, 1.0]},
                "handle_time": {"dist": "gamma", "mean": "4m", "cv": 0.8},
            },
            "defect": {
                "channel": "phone",
                "arrival": {"rate": 60, "per": "hour"},
                "handle_time": {"dist": "lognormal", "mean": "7m", "cv": 0.6},
                "severity": 2,
                "first_contact_resolution": 0.6,
                "repeat_delay": {"dist": "uniform", "low": "20m", "high": "1h"},
            },
            "ticket": {
                "channel": "email",
                "arrival": {"rate": 40, "per": "hour"},
                "handle_time": {"dist": "fixed", "value": "6m"},
            },
            "post": {
                "channel": "social",
                "arrival": {"rate": 15, "per": "hour"},
                "handle_time": {"dist": "empirical", "values": [1, 2, 3, 5], "weights": [1, 2, 2, 1]},
            },
        },
        "pools": {
            "front": {
                "shifts": [{"start": 0, "end": "4h", "size": 14}, {"start": "2h", "end": "6h", "size": 10}],
                "skills": {"billing": 1, "defect": 2},
                "wage": 30,
                "shrinkage": 0.1,
            },
            "experts": {"size": 6, "skills": {"defect": 1, "billing": 2}, "training": 1.3, "wage": 45},
            "backoffice": {"size": 4, "skills": ["ticket", "post"], "wage": 28},
        },
        "injects": [
            {
                "id": "news",
                "at": "1h30m",
                "effects": [
                    {"effect": "surge", "target": "defect", "peak": 4, "half_life": "1h"},
                    {"effect": "reputation", "delta": -8},
                ],
            },
            {"id": "storm", "when": "posts > 5", "effects": [{"effect": "surge", "target": "post", "peak": 1, "half_life": "20m"}]},
        ],
        "decisions": [
            {
                "id": "respond",
                "title": "Respond?",
                "at": "1h40m",
                "default": "wait",
                "options": [
                    {"id": "wait", "label": "Wait"},
                    {
                        "id": "apologise",
                        "label": "Apologise",
                        "cost": 1000,
                        "delay": "10m",
                        "effects": [{"effect": "statement", "answers": "news", "reputation": 6, "transparency": 0.5}],
                    },
                ],
            }
        ],
        "actions": [
            {"id": "overtime", "label": "Overtime", "cooldown": "1h", "limit": 2, "duration": "2h",
             "effects": [{"effect": "staff", "pool": "experts", "add": 4}]}
        ],
    }


def first(snapshot, card) -> str:
    return card.options[0].id


def default(snapshot, card) -> str:
    return card.default


def crisis() -> Scenario:
    return Scenario.model_validate(crisis_dict())


def conserved(c: dict) -> bool:
    return c["arrived"] == c["served"] + c["abandoned"] + c["waiting"] + c["in_service"] + c["backlog"]


@pytest.mark.parametrize("seed", range(6))
def test_conservation_and_bounds_on_every_run(seed):
    r = Simulation(crisis(), seed, first).result()
    d = r.to_dict()
    assert conserved(d["contacts"])
    for name, c in d["by_type"].items():
        assert conserved(c), name
        assert c["repeat"] <= c["arrived"]
    tl = r.timeline
    assert np.all(tl["waiting"] >= 0) and np.all(tl["backlog"] >= 0)
    assert np.all((tl["reputation"] >= 0) & (tl["reputation"] <= 100))
    rep = d["reputation"]  # the lowest point of the whole run: at or below every sample (rounded to 1e-6)
    assert 0 <= rep["min"] <= min(rep["initial"], rep["final"], float(tl["reputation"].min())) + 1e-6
    assert d["total_loss"] == pytest.approx(sum(d["losses"].values()), abs=1e-3)
    assert np.all(np.diff(tl["loss"]) >= -1e-9), "losses only accumulate"
    assert d["churned"] == d["churn"]["contact"] + d["churn"]["silent"] + d["churn"]["tail"]


def test_same_seed_same_bytes_and_seed_matters():
    a = Simulation(crisis(), 11, default).result().to_json()
    b = Simulation(crisis(), 11, default).result().to_json()
    c = Simulation(crisis(), 12, default).result().to_json()
    assert a == b
    assert a != c


def test_snapshots_and_chunked_advancing_change_nothing():
    """A game reads snapshots 60 times per simulated hour and advances frame by frame."""
    whole = Simulation(crisis(), 5, default).result().to_json()
    sim = Simulation(crisis(), 5, default)
    t = 0.0
    while t < sim.duration:
        t = min(sim.duration, t + 1.0 / 3.0)
        sim.run_until(t)
        sim.snapshot()
    assert sim.result().to_json() == whole


def test_staffing_does_not_change_the_arrival_stream():
    """Common random numbers: each customer's arrival and attributes come from its type's streams."""
    def arrivals(agents):
        sc = queue_scenario(10.0, 1.0, agents, patience_mean=2.0, duration=300, warmup=0)
        recs = Simulation(sc, 9, record_contacts=True).result().records
        return sorted(r[1] for r in recs if not r[7] and r[1] < 290)

    a, b = arrivals(9), arrivals(14)
    assert len(a) > 2500
    assert a == b


def test_more_staff_less_wait_under_crn():
    d = crisis_dict()
    waits = []
    for extra in (0, 6):
        d["pools"]["experts"]["size"] = 6 + extra
        waits.append(Simulation(Scenario.model_validate(d), 3).result().to_dict()["wait"]["mean"])
    assert waits[1] < waits[0]


def test_shift_schedule_sets_headcount():
    sc = crisis()
    sim = Simulation(sc, 1)
    seen = {}
    for t in (60, 150, 300):
        snap = sim.run_until(t)
        seen[t] = snap.pools["front"].target
    # shrinkage 10%: 14 → 13 (0–2h), 24 → 22 (2–4h), 10 → 9 (4–6h)
    assert seen == {60: 13, 150: 22, 300: 9}
    r = sim.result().to_dict()
    # regular pay: (14·4h + 10·4h) · 30 + 6·6h·45 + 4·6h·28
    assert r["losses"]["staff_regular"] == pytest.approx((14 * 4 + 10 * 4) * 30 + 6 * 6 * 45 + 4 * 6 * 28)


def test_agents_leaving_at_shift_end_finish_their_contact_first():
    d = {
        "meta": {"id": "s", "title": "s", "duration": "3h", "seed": 1},
        "channels": {"phone": {"kind": "sync"}},
        "contact_types": {"x": {"channel": "phone", "arrival": {"rate": 30, "per": "hour"},
                                "handle_time": {"dist": "fixed", "value": "25m"}}},
        "pools": {"p": {"shifts": [{"start": 0, "end": "1h", "size": 20}], "skills": ["x"]}},
    }
    sim = Simulation(Scenario.model_validate(d), 1, record_contacts=True)
    snap = sim.run_until(61)
    assert snap.pools["p"].target == 0
    assert snap.pools["p"].on_duty == snap.pools["p"].busy > 0  # still finishing
    snap = sim.run_until(90)
    assert snap.pools["p"].on_duty == 0
    recs = sim.result().records
    assert max(r[3] for r in recs if r[4] == "served") <= 60 + 25 + 1e-9
    assert all(r[2] < 60 for r in recs if r[4] == "served")


def test_decide_and_act_through_the_api():
    sim = Simulation(crisis(), 2)
    card = sim.run_to_next_decision()
    assert card is not None and card.id == "respond"
    assert sim.snapshot().open_cards[0].id == "respond"
    with pytest.raises(DecisionError, match="has no option 'nope'"):
        sim.decide("respond", "nope")
    sim.decide("respond", "apologise")
    with pytest.raises(DecisionError, match="not open"):
        sim.decide("respond", "wait")
    sim.act("overtime")
    with pytest.raises(DecisionError, match="cooling down"):
        sim.act("overtime")
    d = sim.result().to_dict()
    kinds = [e["kind"] for e in d["events"]]
    assert kinds.count("decision") == 1 and kinds.count("action") == 1
    assert [x.get("card") or x.get("action") for x in d["decisions"]] == ["respond", "overtime"]
    assert d["losses"]["actions"] == pytest.approx(1000)
    assert d["losses"]["staff_overtime"] > 0


def test_unanswered_card_takes_its_default_at_the_deadline():
    sim = Simulation(crisis(), 2)
    card = sim.run_to_next_decision()
    sim.run_until(card.deadline + 1)
    d = sim.result().to_dict()
    dec = [e for e in d["events"] if e["kind"] == "decision"][0]
    assert dec["by"] == "timeout" and dec["option"] == "wait"
    assert dec["t"] == pytest.approx(card.deadline)


def test_memory_follows_contacts_in_the_system():
    """With nobody to answer, abandoned contacts are let go: the live contact objects stay near the
    ~20 waiting at any time whether 12,000 or 36,000 customers have called."""
    for minutes in (600, 1800):
        sc = queue_scenario(20.0, 1.0, 0, patience_mean=1.0, duration=minutes, warmup=0)
        sim = Simulation(sc, 1)
        sim.run_until(minutes - 1)
        gc.collect()
        alive = sum(1 for o in gc.get_objects() if type(o).__name__ == "Contact")
        assert sim.snapshot().queues["billing"] < 60
        assert 0 < alive < 400, alive


def test_interval_kpis_add_up_to_the_run_totals():
    sim = Simulation(crisis(), 4, first)
    r = sim.result()
    d, iv = r.to_dict(), r.intervals
    c = d["contacts"]
    assert iv["offered"].sum() == c["arrived"]
    assert iv["answered"].sum() == c["served"] + c["in_service"]
    assert iv["abandoned"].sum() == c["abandoned"]
    assert len(iv["start"]) == 12 and iv["start"][1] == 30
    ivs = sim.intervals
    within, left = sum(ivs.within), sum(ivs.sync_answered) + sum(ivs.sync_abandoned)
    assert within / left == pytest.approx(d["service_level"], abs=1e-6)
    assert np.all((iv["service_level"] >= 0) & (iv["service_level"] <= 1))
    for pool in ("front", "experts", "backoffice"):
        occ = iv[f"occupancy.{pool}"]
        assert np.all((occ >= 0) & (occ <= 1 + 1e-9))
        assert np.nanmean(occ) > 0
