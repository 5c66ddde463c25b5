"""Churn economics, segments and service recovery: the documented formulas and numbers, exactly."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from crisissim.engine.churn import ChurnModel
from crisissim.engine.customers import CustomerBase, churner_cost
from crisissim.engine.ledger import Ledger
from crisissim.engine.recovery import AtRisk, sigmoid, strength
from crisissim.engine.reputation import Reputation, Visibility
from crisissim.scenario import ScenarioError, load_scenario_text
from crisissim.scenario.schema import Scenario
from stats_budget import assert_binomial, assert_poisson, seed

MINIMAL = (Path(__file__).parent / "data" / "minimal.yaml").read_text()


def errors(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as e:
        load_scenario_text(text, "s.yaml")
    return str(e.value).splitlines()


# ------------------------------------------------------------------ churn economics
def test_worked_example_of_what_a_churner_costs():
    """The example documented with ``customers``: half the churners replaced within 90 days."""
    margin, acquisition = churner_cost(1800, 450, 0.12, 0.5, 90 * 1440)
    assert margin == pytest.approx(900 + 0.5 * 1800 * 0.12 * 90 / 365)
    assert round(margin, 2) == 926.63 and acquisition == 225
    assert round(margin + acquisition, 2) == 1151.63


def test_a_churner_is_never_charged_both_its_lifetime_value_and_a_replacement():
    assert churner_cost(1800, 450, 0.12, 0.0, 90 * 1440) == (1800, 0)
    margin, acquisition = churner_cost(1800, 450, 0.12, 1.0, 90 * 1440)
    assert (round(margin, 2), acquisition) == (53.26, 450)
    for replaced in np.linspace(0, 1, 11):
        m, a = churner_cost(1800, 450, 0.12, replaced, 90 * 1440)
        assert m + a <= max(1800, 450 + 1800) - 450 + 1e-9  # never CLV plus acquisition
        assert m + a == pytest.approx((1 - replaced) * 1800 + replaced * (450 + 53.26), abs=0.01)


def test_margin_lost_before_a_replacement_is_capped_at_the_lifetime_value():
    assert churner_cost(1000, 100, 0.5, 1.0, 3 * 525_600) == (1000, 100)


def _segments(**customers):
    d = {
        "meta": {"id": "s", "title": "s", "duration": 60},
        "channels": {"phone": {"kind": "sync"}},
        "contact_types": {
            "billing": {"channel": "phone", "arrival": {"rate": 1, "per": "minute"}, "handle_time": {"dist": "fixed", "value": 1}},
            "defect": {"channel": "phone", "arrival": {"rate": 1, "per": "minute"}, "handle_time": {"dist": "fixed", "value": 1}},
        },
        "customers": customers,
    }
    return Scenario.model_validate(d)


def test_without_segments_the_base_is_one_segment_named_all():
    ledger = Ledger([])
    base = CustomerBase(_segments(clv=1000, acquisition_cost=200), 1, ledger)
    assert [s.name for s in base.segments] == ["all"]
    assert base.draw(0) == 0 and base.mix(1) == [1.0]
    base.lose(0)
    losses = ledger.parts(0)
    assert losses["churn_margin"] == 1000 and losses["acquisition"] == 0


def test_segment_values_default_to_the_customer_base_and_churn_books_each_segment():
    sc = _segments(clv=1000, acquisition_cost=200, replaced=1.0, baseline_churn=0.1, replacement_time="73d",
                   segments={"vip": {"share": 0.2, "clv": 5000, "churn_sensitivity": 2},
                             "regular": {"share": 0.8}})
    ledger = Ledger([])
    base = CustomerBase(sc, 1, ledger)
    vip, regular = base.segments
    assert (vip.clv, regular.clv, vip.sensitivity, regular.sensitivity) == (5000, 1000, 2, 1)
    assert vip.margin == pytest.approx(5000 * 0.1 * 73 / 365) and vip.acquisition == 200
    base.lose(0)
    base.lose(1)
    base.lose(1)
    base.win_back(1)
    base.lose(1, 3, silent=True)
    base.pay(0, "compensation", 30)
    assert (vip.contact, regular.contact, regular.saved, regular.silent) == (1, 1, 1, 3)
    losses = ledger.parts(0)
    assert losses["churn_margin"] == pytest.approx(vip.margin + 4 * regular.margin)
    for part in ("churn_margin", "acquisition", "churn_tail", "compensation", "retention"):
        assert sum(s.losses[part] for s in base.segments) == pytest.approx(losses[part])


def test_contacts_come_from_segments_in_proportion_to_share_times_contact_weight():
    sc = _segments(segments={"vip": {"share": 0.1, "contacts": {"defect": 4}}, "new": {"share": 0.3, "contacts": 2},
                             "regular": {"share": 0.6}})
    base = CustomerBase(sc, seed(7), Ledger([]))
    billing = np.array([0.1 * 1, 0.3 * 2, 0.6]) / 1.3
    defect = np.array([0.1 * 4, 0.3 * 2, 0.6]) / 1.6
    assert base.mix(0) == pytest.approx(list(billing)) and base.mix(1) == pytest.approx(list(defect))
    n = 20_000
    for ti, p in ((0, billing), (1, defect)):
        counts = np.bincount([base.draw(ti) for _ in range(n)], minlength=3)
        assert counts.sum() == n
        assert_binomial(counts[0], n, p[0], f"VIP share of type {ti}")
        assert_binomial(counts[1], n, p[1], f"new-customer share of type {ti}")


def test_segment_draws_are_deterministic_per_seed_and_type():
    sc = _segments(segments={"a": {"share": 0.5}, "b": {"share": 0.5}})
    a = CustomerBase(sc, seed(3), Ledger([]))
    b = CustomerBase(sc, seed(3), Ledger([]))
    first = [a.draw(0) for _ in range(50)]
    # drawing another type in between does not shift this type's draws (one stream per type)
    second = []
    for _ in range(50):
        b.draw(1)
        second.append(b.draw(0))
    assert first == second
    assert first != [CustomerBase(sc, seed(4), Ledger([])).draw(0) for _ in range(50)]


def test_silent_churn_and_tail_follow_their_documented_rates():
    sc = _segments(base=1_000_000, clv=100, baseline_churn=0.2,
                   segments={"vip": {"share": 0.25, "churn_sensitivity": 2}, "regular": {"share": 0.75}})
    sc.churn.silent_feedback = 30.0
    ledger = Ledger([])
    base = CustomerBase(sc, seed(1), ledger)
    churn = ChurnModel(sc.churn, sc.recovery, base, 70.0, 2)
    per_point = [1e6 * share * 0.2 / 525_600 * 30 * sens / 100 for share, sens in ((0.25, 2), (0.75, 1))]
    assert [s.silent_per_point for s in base.segments] == pytest.approx(per_point)
    # the excess over 600 one-minute ticks 10 points below the baseline: a sum of Poisson draws
    for _ in range(600):
        churn.tick_silent(60.0, 1.0)
    assert_poisson(churn.silent, sum(per_point) * 10 * 600, "silent churners in 600 minutes at a 10-point gap")
    assert churn.silent == sum(s.silent for s in base.segments) > 0
    assert ledger.parts(0)["churn_margin"] == pytest.approx(churn.silent * 100)
    kappa = math.log(2) / 360
    churn.tail_horizon = 7 * 1440
    churn.close_tail(60.0, kappa)
    assert churn.tail == pytest.approx(sum(per_point) * 10 * (1 - math.exp(-kappa * 7 * 1440)) / kappa)
    assert ledger.parts(0)["churn_tail"] == pytest.approx(churn.tail * 100)


# ------------------------------------------------------------------ recovery
def test_compensation_strength_saturates_past_the_fair_amount():
    assert round(strength(50, 50), 3) == 0.632
    assert round(strength(100, 50), 3) == 0.865
    assert round(strength(150, 50), 3) == 0.950
    assert strength(0, 50) == 0 and strength(10, 0) == 1


def test_documented_worked_example_of_fair_and_excessive_compensation():
    """The numbers in the ``recovery`` docstring (default churn_cut 1.5)."""
    cut = lambda c: 1.5 * strength(c, 50)  # noqa: E731
    p0, p1 = sigmoid(-3.8), sigmoid(-3.8 - cut(50))
    assert (round(p0 * 100, 2), round(p1 * 100, 2)) == (2.19, 0.86)
    assert round((p0 - p1) * 1800) == 24
    v0, v1, v2 = (sigmoid(-3.8 + math.log(2) - cut(c)) for c in (0, 50, 100))
    assert (round(v0 * 100, 2), round(v1 * 100, 2)) == (4.28, 1.70)
    assert round((v0 - v1) * 9000) == 232 and round((v1 - v2) * 9000) == 45
    assert (v0 - v1) * 9000 > 50 > (v1 - v2) * 9000  # fair pays for a VIP, the second 50 does not


def test_at_risk_list_gives_the_most_value_at_risk_first_and_forgets_the_departed():
    lst = AtRisk(2, 2)
    lst.add(0, 100, 0, 0, -2.0, 0.1, True, 50.0)
    lst.add(0, 10, 1, 1, -2.0, 0.1, True, 500.0)  # leaves at 10
    lst.add(0, 100, 1, 0, -2.0, 0.1, False, 80.0)
    lst.add(5, 5, 0, 0, -2.0, 0.1, True, 999.0)  # already gone: not listed
    assert lst.listed == 3 and lst.waiting(0) == 3
    assert lst.pop(20, [0, 1], [0, 1])[0] == -80.0  # the 500 one has left
    assert lst.pop(20, [1], [0, 1]) is None  # filters: segment 1 has nobody left
    assert lst.pop(20, [0], [0])[0] == -50.0
    assert lst.size == 0


# ------------------------------------------------------------------ reputation band
def test_gains_have_diminishing_returns_below_a_ceiling_near_the_baseline():
    """The example in the ``reputation`` docstring: baseline 74, headroom 3, gain_scale 10."""
    r = Reputation(60, 74, 360, headroom=3, gain_scale=10)
    assert r.add(8, 0) == 8 and r.value == 68
    r = Reputation(70, 74, 360, headroom=3, gain_scale=10)
    r.add(8, 0)
    assert round(r.value, 1) == 73.9
    r.add(4, 0)
    assert round(r.value, 1) == 74.9
    for _ in range(50):
        r.add(8, 0)
    assert 76.99 < r.value <= 77.0  # never above baseline + headroom
    assert r.add(-10, 0) == pytest.approx(-10)  # losses count in full


def test_an_unanswered_post_costs_its_visibility_and_answering_it_saves_the_rest():
    hl = 40.0
    v = Visibility(hl)
    v.post(0.0)
    assert v.take(60.0) == pytest.approx((1 - 2 ** -1.5) * hl / math.log(2))
    assert v.take(1e6) == pytest.approx(2 ** -1.5 * hl / math.log(2), rel=1e-9)
    v = Visibility(hl)
    v.post(0.0)
    v.answered(10.0, 10.0)
    assert v.value == pytest.approx(0.0, abs=1e-12)
    assert v.take(1000.0) == pytest.approx((1 - 2 ** -0.25) * hl / math.log(2))


# ------------------------------------------------------------------ validation
def test_segment_shares_must_add_up_to_the_base():
    text = MINIMAL + "customers:\n  segments:\n    vip: {share: 0.1}\n    regular: {share: 0.8}\n"
    assert errors(text) == [
        "s.yaml:14:3: customers.segments: segment shares add up to 0.9 (0.1 + 0.8), not the whole base "
        "(expected shares that add up to 1)"
    ]


def test_segment_names_in_contact_mixes_and_effects_are_checked():
    text = MINIMAL + (
        "customers:\n  segments:\n    vip: {share: 0.5, contacts: {billng: 2}}\n    regular: {share: 0.5}\n"
        "actions:\n  - {id: a, label: a, effects: [{effect: compensation, amount: 5, segment: vipp}]}\n"
        "  - {id: b, label: b, effects: [{effect: outreach, pool: agent, calls: 5, segment: regular}]}\n"
    )
    assert errors(text) == [
        "s.yaml:15:34: customers.segments.vip.contacts.billng: unknown contact type 'billng'; did you mean "
        "'billing'? (expected one of: billing)",
        "s.yaml:18:76: actions[0].effects[0].segment: unknown segment 'vipp'; did you mean 'vip'? "
        "(expected one of: regular, vip)",
        "s.yaml:19:58: actions[1].effects[0].pool: unknown pool 'agent'; did you mean 'agents'? "
        "(expected one of: agents)",
    ]


def test_every_contact_type_needs_a_segment_that_makes_it():
    text = MINIMAL + "customers:\n  segments:\n    vip: {share: 0.5, contacts: 0}\n    regular: {share: 0.5, contacts: {billing: 0}}\n"
    assert errors(text) == [
        "s.yaml:14:3: customers.segments: no segment makes 'billing' contacts: every segment's contact weight for "
        "it is 0 (expected at least one segment with contacts > 0 for 'billing')"
    ]
