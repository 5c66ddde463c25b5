"""Model details: skill priorities, training, repeat contacts, SLA breaches, Hawkes posts, conditional injects."""

from __future__ import annotations

import math

import numpy as np
import pytest

from crisissim.engine import Simulation
from crisissim.scenario.schema import Scenario
from stats_budget import assert_binomial, assert_mean, seed, seeds


def two_types(prio: dict, **pool) -> Scenario:
    return Scenario.model_validate({
        "meta": {"id": "p", "title": "p", "duration": "4h", "seed": 1},
        "channels": {"phone": {"kind": "sync"}},
        "contact_types": {
            "a": {"channel": "phone", "arrival": {"rate": 5, "per": "minute"}, "handle_time": {"dist": "exponential", "mean": 1}},
            "b": {"channel": "phone", "arrival": {"rate": 5, "per": "minute"}, "handle_time": {"dist": "exponential", "mean": 1}},
        },
        "pools": {"x": {"size": 9, "skills": prio, **pool}},
        "reputation": {"arrival_feedback": 0},
    })


def test_higher_priority_skill_is_served_first():
    """Nine agents for ten Erlangs: the priority-1 type waits little, the other takes the overflow."""
    d = Simulation(two_types({"a": 1, "b": 2}), seed(3)).result().to_dict()["by_type"]
    assert d["a"]["wait_mean"] < 0.5
    assert d["b"]["wait_mean"] > 10 * d["a"]["wait_mean"]
    same = Simulation(two_types({"a": 1, "b": 1}), seed(3)).result().to_dict()["by_type"]
    assert same["a"]["wait_mean"] == pytest.approx(same["b"]["wait_mean"], rel=0.35)


def test_training_divides_handle_time_and_multiplies_resolution():
    def run(training):
        sc = Scenario.model_validate({
            "meta": {"id": "t", "title": "t", "duration": "8h", "seed": 1},
            "channels": {"phone": {"kind": "sync"}},
            "contact_types": {"a": {"channel": "phone", "arrival": {"rate": 2, "per": "minute"},
                                    "handle_time": {"dist": "fixed", "value": 3}, "first_contact_resolution": 0.5}},
            "pools": {"x": {"size": 40, "skills": ["a"], "training": training}},
            "reputation": {"arrival_feedback": 0},
        })
        r = Simulation(sc, seed(5), record_contacts=True).result()
        served = [x for x in r.records if x[4] == "served"]
        return [x[3] - x[2] for x in served], sum(x[5] for x in served), len(served)

    ht1, resolved1, served1 = run(1.0)
    ht2, resolved2, served2 = run(1.5)
    assert ht1 == pytest.approx([3.0] * served1) and ht2 == pytest.approx([2.0] * served2)  # every contact
    assert served1 > 800 and served2 > 800
    assert_binomial(resolved1, served1, 0.5, what="resolved at training 1")
    assert_binomial(resolved2, served2, 0.75, what="resolved at training 1.5")


def test_unresolved_customers_come_back_after_the_repeat_delay():
    sc = Scenario.model_validate({
        "meta": {"id": "r", "title": "r", "duration": "10h", "seed": 1},
        "channels": {"phone": {"kind": "sync"}},
        "contact_types": {"a": {"channel": "phone", "arrival": {"rate": 1, "per": "minute"},
                                "handle_time": {"dist": "fixed", "value": 1}, "first_contact_resolution": 0.6,
                                "repeat_delay": {"dist": "fixed", "value": 30}}},
        "pools": {"x": {"size": 10, "skills": ["a"]}},
        "reputation": {"arrival_feedback": 0},
        "churn": {"b0": -30},  # nobody churns, so every unresolved customer returns
    })
    # a customer arriving at t (uniform over the 600 minutes) fails k times in a row with 0.4^k,
    # the k-th return at t + 31k minutes: repeats per first contact, in expectation
    per_first = sum(0.4**k * max(0.0, 600 - 31 * k) for k in range(1, 30)) / 600
    ratios = []
    for seed in seeds(20, 2):
        r = Simulation(sc, seed, record_contacts=True).result()
        d = r.to_dict()["contacts"]
        ratios.append(d["repeat"] / (d["arrived"] - d["repeat"]))
        repeats = sorted(x[1] for x in r.records if x[7])
        assert repeats[0] >= 31.0  # first possible: a contact at t≥0 served for 1 minute, back 30 minutes later
    assert_mean(ratios, per_first, what="repeats per first contact")


def test_async_backlog_breaches_its_sla():
    sc = Scenario.model_validate({
        "meta": {"id": "e", "title": "e", "duration": "5h", "seed": 1},
        "channels": {"email": {"kind": "async", "sla": "2h"}},
        "contact_types": {"m": {"channel": "email", "arrival": {"rate": 60, "per": "hour"},
                                "handle_time": {"dist": "fixed", "value": 5}}},
        "pools": {"x": {"size": 0, "skills": ["m"]}},
        "reputation": {"arrival_feedback": 0},
    })
    breached = []
    for seed in seeds(20):
        d = Simulation(sc, seed).result().to_dict()
        assert d["contacts"]["backlog"] == d["contacts"]["arrived"]
        breached.append(d["contacts"]["breached"])
    # everything that arrived in the first 3 hours is over its 2-hour SLA by the end
    assert_mean(breached, 180.0, what="breaches")


def test_hawkes_posts_match_the_stationary_rate():
    """Unanswered negative posts breed posts: a stationary Hawkes process has rate λ₀ / (1 − n)."""
    n = 0.5
    half = 30.0
    alpha = n * math.log(2) / half * 60  # per hour
    sc = Scenario.model_validate({
        "meta": {"id": "h", "title": "h", "duration": "3d", "warmup": "6h", "seed": 1, "interval": "6h"},
        "channels": {"social": {"kind": "social", "excitation": alpha, "excitation_half_life": half}},
        "contact_types": {"p": {"channel": "social", "arrival": {"rate": 6, "per": "hour"}, "negative_share": 1.0,
                                "handle_time": {"dist": "fixed", "value": 1}}},
        "pools": {},
        "reputation": {"arrival_feedback": 0, "post_hit": 0},
    })
    rates = []
    for seed in seeds(20):
        d = Simulation(sc, seed).result().to_dict()
        rates.append(d["contacts"]["arrived"] / (sc.meta.duration - sc.meta.warmup) * 60)
    assert_mean(rates, 6.0 / (1 - n), what="posts per hour")


def test_conditional_inject_fires_when_the_condition_holds_and_repeats():
    sc = Scenario.model_validate({
        "meta": {"id": "c", "title": "c", "duration": "6h", "seed": 1},
        "channels": {"phone": {"kind": "sync", "patience": {"dist": "exponential", "mean": 1}}},
        "contact_types": {"a": {"channel": "phone", "arrival": {"rate": 4, "per": "minute"},
                                "handle_time": {"dist": "exponential", "mean": 1}}},
        "pools": {"x": {"size": 2, "skills": ["a"]}},
        "reputation": {"arrival_feedback": 0},
        "injects": [{"id": "angry", "when": "abandon_rate > 0.3 and time >= 1h", "every": "1h", "limit": 3,
                     "effects": [{"effect": "reputation", "delta": -1}]}],
    })
    d = Simulation(sc, seed(1)).result().to_dict()
    fired = [e["t"] for e in d["events"] if e["kind"] == "inject"]
    assert fired == [60.0, 120.0, 180.0]


def test_abandoned_customers_redial_with_the_retry_probability():
    def run(retry):
        sc = Scenario.model_validate({
            "meta": {"id": "r", "title": "r", "duration": "4h", "seed": 1},
            "channels": {"phone": {"kind": "sync", "patience": {"dist": "exponential", "mean": 1}}},
            "contact_types": {"a": {"channel": "phone", "arrival": {"rate": 6, "per": "minute"},
                                    "handle_time": {"dist": "exponential", "mean": 1}, "first_contact_resolution": 1,
                                    "retry": retry, "retry_delay": {"dist": "fixed", "value": 5}}},
            "pools": {"x": {"size": 5, "skills": ["a"]}},
            "reputation": {"arrival_feedback": 0},
            "churn": {"b0": -30},  # nobody churns: every abandonment may redial
        })
        return Simulation(sc, seed(4), record_contacts=True).result()

    r = run(1.0)
    abandoned = [x for x in r.records if x[4] == "abandoned"]
    due = sum(1 for x in abandoned if x[3] + 5 < 240)
    assert r.to_dict()["contacts"]["repeat"] == due > 500  # every one redials 5 minutes later
    none = run(0.0).to_dict()["contacts"]
    assert none["repeat"] == 0
    half = run(0.5)
    ab = [x for x in half.records if x[4] == "abandoned" and x[3] + 5 < 240]
    assert_binomial(half.to_dict()["contacts"]["repeat"], len(ab), 0.5, what="redials at retry 0.5")
