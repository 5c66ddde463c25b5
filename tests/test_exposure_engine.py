"""Exposures, random injects and early-warning alarms inside a whole simulation: the loss
parts, the snapshot, the condition names, determinism and common random numbers across
decisions, and ramps against their arrival law.

Three statistical checks (exact binomial, Kolmogorov-Smirnov, Poisson) take their share of the
suite's false-alarm budget (``tests/stats_budget.py``); their seeds move with the seed offset.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from crisissim.engine import Simulation
from crisissim.engine.crisis import fire_time, happens
from crisissim.engine.ledger import LOSS_PARTS
from crisissim.scenario import load_scenario
from crisissim.scenario.schema import Scenario
from stats_budget import assert_binomial, assert_ks, assert_poisson, seeds

DATA = Path(__file__).parent / "data"


def case(**edits) -> Scenario:
    """The exposure fixture with edits as dotted paths, e.g. ``{"exposures.batch.units": 5}``."""
    data = load_scenario(DATA / "exposure.yaml").model_dump(by_alias=True, exclude_unset=True)
    for path, value in edits.items():
        node = data
        *head, last = path.split(".")
        for k in head:
            node = node[int(k)] if isinstance(node, list) else node[k]
        node[last] = value
    return Scenario.model_validate(data)


def always(option: str):
    """Take ``option`` on the recall (or carrier) card, the default on any other."""
    return lambda snap, card: option if card.id in ("recall", "carrier") else card.default


def test_loss_parts_and_totals():
    sc = case(**{"exposures.batch.incidents.injury.hazard": 0.01})
    res = Simulation(sc, 11, always("recall")).result().to_dict()
    losses = res["losses"]
    assert set(losses) == set(LOSS_PARTS)
    assert res["total_loss"] == pytest.approx(sum(losses.values()), abs=1e-3)
    ex = res["exposures"]["batch"]
    assert losses["incidents"] == pytest.approx(sum(ex["incident_costs"].values()), abs=1e-3)
    assert losses["retrieval"] == pytest.approx(ex["retrieval_cost"], abs=1e-3)
    assert losses["retrieval"] == pytest.approx(150 * ex["retrieved"], rel=1e-6)
    assert losses["exposure_tail"] == pytest.approx(ex["tail"]["total"], abs=1e-3)
    assert res["incidents"] == ex["incidents"]
    assert res["incidents"]["injury"] >= 3  # so the regulator came: fine and a forced recall
    assert losses["fines"] == 500_000
    fired = [e for e in res["events"] if e["kind"] == "inject" and e["id"] == "regulator"]
    assert len(fired) == 1
    assert Simulation(sc, 11, always("recall")).result().metrics()["incidents"] == sum(res["incidents"].values())


def test_recall_cuts_the_tail_and_costs_retrieval():
    sc = load_scenario(DATA / "exposure.yaml")
    wait = Simulation(sc, 5, always("wait")).result().to_dict()
    recall = Simulation(sc, 5, always("recall")).result().to_dict()
    assert wait["losses"]["retrieval"] == 0 and recall["losses"]["retrieval"] > 0
    assert recall["exposures"]["batch"]["exposed_final"] < wait["exposures"]["batch"]["exposed_final"]
    tr, tw = recall["exposures"]["batch"]["tail"], wait["exposures"]["batch"]["tail"]
    assert tr["incident_costs"]["injury"] < 0.25 * tw["incident_costs"]["injury"]  # most kettles come back
    assert tr["retrieval_cost"] == pytest.approx(150 * tr["retrieved"], rel=1e-6) and tw["retrieved"] == 0
    assert recall["losses"]["exposure_tail"] == pytest.approx(
        sum(tr["incident_costs"].values()) + tr["retrieval_cost"], abs=1e-3)
    # 20% of the units are out of reach: even a recall leaves them exposed over the horizon
    assert recall["exposures"]["batch"]["tail"]["exposed_after"] > 0.2 * 10_000 * math.exp(-31 * 0.0011)


def test_incidents_before_a_decision_are_the_same_in_both_branches():
    """Common random numbers: each incident kind has its own streams, so what happens before the
    recall starts is identical, and the random inject's draw is the same in both branches."""
    sc = case(**{"exposures.batch.incidents.refund.hazard": 0.05, "decisions.0.at": "4h"})
    runs = {o: Simulation(sc, 8, always(o)).result().to_dict() for o in ("recall", "wait")}
    early = {o: [(e["t"], e["incident"], e["cost"]) for e in r["events"]
                 if e["kind"] == "incident" and e["t"] < 240] for o, r in runs.items()}
    assert early["recall"] == early["wait"]
    assert runs["recall"]["incidents"]["refund"] < runs["wait"]["incidents"]["refund"]


def test_same_seed_and_decisions_give_the_same_result():
    sc = case(**{"exposures.batch.incidents.refund.hazard": 0.05})
    a = Simulation(sc, 3)
    a.run_until(30.0)
    card = a.run_to_next_decision()
    a.decide(card.id, "recall")
    ra = a.result()
    rb = Simulation(sc, 3, replay=a.decisions).result()
    assert ra.to_json() == rb.to_json()
    assert Simulation(sc, 3, always("wait")).result().to_json() == Simulation(sc, 3, always("wait")).result().to_json()


def test_snapshot_shows_each_exposure_and_alarm():
    sc = case(**{"exposures.batch.incidents.refund.hazard": 0.5})
    sim = Simulation(sc, 2, always("recall"))
    s0 = sim.run_until(30.0)
    v0 = s0.exposures["batch"]
    assert v0.open and v0.label == "Faulty kettles in homes" and v0.unit == "kettles"
    assert v0.retrieval_per_day == 0.0 and v0.exposed <= 10_000
    s = sim.run_until(300.0)
    v = s.exposures["batch"]
    assert v.retrieval_per_day == pytest.approx(1 - 2 ** (-1 / 3))  # the recall's 3-day half-life
    assert v.incidents["refund"] > 0 and v.incident_costs["refund"] == 200 * v.incidents["refund"]
    assert v.retrieved > 0 and v.exposed == pytest.approx(10_000 - v.retrieved - sum(v.incidents.values()), rel=0.02)
    assert s.losses["retrieval"] == pytest.approx(v.retrieval_cost)
    a = s.alarms["safety"]
    assert a.expected_rate == pytest.approx(60.0) and a.threshold == pytest.approx(sc.monitoring.threshold)
    assert not a.raised
    assert sim.snapshot() == sim.snapshot()  # reading changes nothing


def test_conditions_read_exposures_incidents_and_alarms():
    sc = case(**{
        "exposures.batch.incidents.refund.hazard": 0.2,
        "contact_types.safety.arrival.rate": 30,
        "injects": [
            {"id": "ramp", "at": "1h", "effects": [{"effect": "ramp", "target": "safety", "peak": 3, "over": "2h"}]},
            {"id": "many-refunds", "when": "incidents.refund >= 20"},
            {"id": "half-back", "when": "exposed.batch < 9000 and retrieved.batch > 500"},
            {"id": "story", "title": "Injury in the news"},
        ],
        "decisions.0.at": "30m",
        "decisions": [
            *load_scenario(DATA / "exposure.yaml").model_dump(by_alias=True, exclude_unset=True)["decisions"],
            {"id": "alarm-card", "title": "Complaints are rising", "when": "alarm.safety", "deadline": "10m",
             "default": "look", "options": [{"id": "look", "label": "Look"}, {"id": "ignore", "label": "Ignore"}]},
        ],
    })
    sim = Simulation(sc, 4, always("recall"))
    res = sim.result().to_dict()
    when = {e["id"]: e["t"] for e in res["events"] if e["kind"] in ("inject", "card_shown")}
    counts = sorted(e["t"] for e in res["events"] if e["kind"] == "incident" and e["incident"] == "refund")
    assert counts == []  # refunds are counted, not shown in the feed
    assert "many-refunds" in when and "half-back" in when
    assert "alarm-card" in when and when["alarm-card"] == res["alarms"]["safety"]["first_raised"]
    assert 60 < when["alarm-card"] < 240


def test_follow_on_inject_respects_its_limit():
    sc = case(**{"exposures.batch.incidents.injury.hazard": 0.02})
    res = Simulation(sc, 6, always("wait")).result().to_dict()
    assert res["incidents"]["injury"] >= 2
    stories = [e for e in res["events"] if e["kind"] == "inject" and e["id"] == "story"]
    assert len(stories) == 1 and stories[0]["t"] == min(
        e["t"] for e in res["events"] if e["kind"] == "incident" and e["incident"] == "injury")


def test_random_inject_chance_and_time_are_drawn_per_seed_not_per_branch():
    injects = [{"id": "repaired", "at": {"dist": "uniform", "low": "2h", "high": "10h"}, "probability": 0.5,
                "effects": [{"effect": "hazard", "exposure": "batch", "factor": 0.5}]},
               {"id": "story", "title": "Injury in the news"}]
    sc = case(injects=injects)
    inj = sc.injects[0]
    for s in range(1000, 1012):
        firing = {}
        for option in ("recall", "wait"):
            res = Simulation(sc, s, always(option)).result().to_dict()
            firing[option] = [e["t"] for e in res["events"] if e["kind"] == "inject" and e["id"] == "repaired"]
        assert firing["recall"] == firing["wait"]
        assert firing["wait"] == ([pytest.approx(fire_time(inj, s))] if happens(inj, s) else [])
    # the law of the draws: a fair coin, and a uniform time between 2h and 10h
    drawn = seeds(400, 2000)
    happened = [s for s in drawn if happens(inj, s)]
    assert_binomial(len(happened), len(drawn), 0.5, "runs in which the inject happens")
    assert_ks([fire_time(inj, s) for s in happened], stats.uniform(120, 480).cdf, "random inject times")


def test_ramp_raises_arrivals_by_its_integral():
    """A ramp to 3× over 4h then holding: arrivals are Poisson with mean ∫ rate (exact test, 30 runs)."""
    sc = case(**{"contact_types.safety.arrival.rate": 40, "exposures": {}, "decisions": [], "injects": [
        {"id": "creep", "at": "2h", "effects": [{"effect": "ramp", "target": "safety", "peak": 2, "over": "4h"}]}]})
    base = 40 / 60
    expected = base * (720 + 2 * (240 / 2 + 360))  # 2h flat, a 4h climb (area 2·240/2), 6h at 3×
    total = 0
    for s in seeds(30, 300):
        c = Simulation(sc, s).result().to_dict()["contacts"]
        total += c["arrived"] - c["repeat"]  # first contacts (repeats come back after unresolved ones)
    assert_poisson(total, 30 * expected, "first contacts under a ramp in 30 runs")


def test_ramp_ends_with_its_duration():
    sc = case(**{"contact_types.safety.arrival.rate": 40, "exposures": {}, "decisions": [], "injects": [
        {"id": "creep", "at": "1h", "effects": [{"effect": "ramp", "target": "safety", "peak": 5, "over": "1h",
                                                 "duration": "2h"}]}]})
    res = Simulation(sc, 1).result()
    arr = np.asarray(res.intervals["offered"])  # 30-minute intervals
    assert arr[8:].mean() < 2 * 20  # back to the base 20 per half hour after 3h
    assert arr[4:6].mean() > 3 * 20  # at the top of the ramp


def test_switching_carrier_pays_only_if_the_hub_stays_down():
    """A card whose better answer depends on what the trainee will see: with the hub repaired
    within 4 hours waiting wins by about the switch's price; with it still down at 12h switching
    saves the refunds of thousands of stuck orders. Same random repair time in both branches."""
    sc = load_scenario(DATA / "carrier.yaml")
    repaired = sc.injects[1]
    early = late = 0
    for s in range(20):
        t = fire_time(repaired, s)
        if 240 < t < 720:
            continue  # in between, the answer depends on how late
        loss = {o: Simulation(sc, s, always(o)).result().to_dict()["total_loss"] for o in ("switch", "wait")}
        if t <= 240:
            early += 1
            assert loss["wait"] + 90_000 < loss["switch"], (s, t, loss)
        else:
            late += 1
            assert loss["switch"] + 500_000 < loss["wait"], (s, t, loss)
    assert early >= 2 and late >= 8
