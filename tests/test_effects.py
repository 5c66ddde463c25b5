"""Every effect primitive moves the outcome the documented way, by a plausible amount.

Each test builds a small scenario, applies one primitive through an inject, a decision
card or an action, and compares runs under common random numbers (same seeds, with vs
without, or option A vs option B). What the random numbers decide is either checked
exactly (a count that must be Poisson or binomial with a known parameter: a statistical
check with its share of the budget in tests/stats_budget.py), or compared with a margin of
at least five standard deviations of its spread over fresh seeds (measured over 30 seed
offsets), enough to fail if the effect did nothing or went the wrong way.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from crisissim.engine import Simulation
from crisissim.policy import ScriptedPolicy, resolve
from crisissim.scenario.schema import Scenario
from stats_budget import assert_binomial, assert_poisson, seeds


def make_sim(scenario, seed, policy=None, **kw):
    """A Simulation whose policy may be given by name (resolved as the CLI does)."""
    if isinstance(policy, str):
        policy = resolve(policy, scenario, seed)
    return Simulation(scenario, seed, policy, **kw)

SEEDS = tuple(seeds(4, 1))  # moved by $CRISISSIM_TEST_SEED_OFFSET like every statistical test's
S1, S2 = SEEDS[:2]


def base(**over) -> dict:
    """Phone (billing, 2/min × 5m) and chat (web, 1/min × 3m): 13 Erlangs on 16 agents, 8 hours."""
    d = {
        "meta": {"id": "fx", "title": "fx", "duration": "8h", "seed": 1},
        "customers": {"base": 100000, "clv": 1200, "acquisition_cost": 300},
        "channels": {
            "phone": {"kind": "sync", "patience": {"dist": "exponential", "mean": "5m"}},
            "chat": {"kind": "sync", "patience": {"dist": "exponential", "mean": "5m"}},
        },
        "contact_types": {
            "billing": {
                "channel": "phone",
                "arrival": {"rate": 2, "per": "minute"},
                "handle_time": {"dist": "exponential", "mean": "5m"},
                "first_contact_resolution": 1.0,
            },
            "web": {
                "channel": "chat",
                "arrival": {"rate": 1, "per": "minute"},
                "handle_time": {"dist": "exponential", "mean": "3m"},
                "first_contact_resolution": 1.0,
            },
        },
        "pools": {"agents": {"size": 16, "skills": ["billing", "web"], "wage": 30, "overtime_wage": 45}},
        "reputation": {"arrival_feedback": 0},
    }
    for path, value in over.items():
        node = d
        *head, last = path.split("__")
        for k in head:
            node = node.setdefault(k, {})
        node[last] = value
    return d


def inject(d: dict, effects: list, at=0, **extra) -> dict:
    d = copy.deepcopy(d)
    d.setdefault("injects", []).append({"id": extra.pop("id", "fx"), "at": at, "effects": effects, **extra})
    return d


def card(d: dict, effects: list, at=0, **option) -> dict:
    """A card ``fx`` at ``at``: option ``off`` (the default, does nothing) or ``on`` (the effects)."""
    d = copy.deepcopy(d)
    d.setdefault("decisions", []).append({
        "id": "fx", "title": "fx", "at": at, "default": "off",
        "options": [{"id": "off", "label": "off"}, {"id": "on", "label": "on", "effects": effects, **option}],
    })
    return d


def action(d: dict, effects: list, **extra) -> dict:
    d = copy.deepcopy(d)
    d.setdefault("actions", []).append({"id": "fx", "label": "fx", "effects": effects, **extra})
    return d


def run(d: dict, seed: int, policy=None, **kw):
    return make_sim(Scenario.model_validate(d), seed, policy, **kw)


def result(d: dict, seed: int, policy=None) -> dict:
    return run(d, seed, policy).result().to_dict()


def on(t_actions=()):
    """Choose ``on`` on card ``fx``; use action ``fx`` at the given minutes."""
    return ScriptedPolicy({"fx": "on"}, [(t, "fx") for t in t_actions])


def pair(without: dict, with_: dict, seeds=SEEDS, policy_with=None, policy_without=None):
    a = [result(without, s, policy_without) for s in seeds]
    b = [result(with_, s, policy_with) for s in seeds]
    return a, b


def total(rs, *keys) -> float:
    out = 0.0
    for r in rs:
        v = r
        for k in keys:
            v = v[k]
        out += v
    return out


def first_contacts(r: dict, ctype: str) -> int:
    bt = r["by_type"][ctype]
    return bt["arrived"] - bt["repeat"]


# ------------------------------------------------------------------- cost
def test_cost_adds_exactly_its_amount_to_action_losses_and_nothing_else():
    d = base()
    for seed in (S1, S2):
        off = run(card(d, [{"effect": "cost", "amount": 12345.5}], at="1h"), seed, "default")
        won = run(card(d, [{"effect": "cost", "amount": 12345.5}], at="1h"), seed, on())
        a, b = off.result(), won.result()
        ra, rb = a.to_dict(), b.to_dict()
        assert rb["losses"]["actions"] - ra["losses"]["actions"] == pytest.approx(12345.5, abs=1e-6)
        assert rb["total_loss"] - ra["total_loss"] == pytest.approx(12345.5, abs=1e-3)
        for k in ("contacts", "wait", "churned", "reputation"):
            assert ra[k] == rb[k]
        # the loss time series steps up by the amount at 1h and not before
        t = a.timeline["time"]
        gap = b.timeline["loss"] - a.timeline["loss"]
        assert np.all(gap[t < 60] == 0)
        assert np.allclose(gap[t >= 61], 12345.5)
        start = [e for e in rb["events"] if e["kind"] == "effect_start"]
        assert [(e["t"], e["effect"], e["amount"]) for e in start] == [(60.0, "cost", 12345.5)]


# ------------------------------------------------------------- reputation
def test_reputation_delta_shows_right_after_and_relaxes_with_its_half_life():
    d = base()
    hit = inject(d, [{"effect": "reputation", "delta": -15}], at="2h")
    for seed in (S1, S2):
        a = run(d, seed).result()
        b = run(hit, seed).result()
        t = a.timeline["time"]
        gap = b.timeline["reputation"] - a.timeline["reputation"]
        assert np.all(np.abs(gap[t < 120]) < 1e-9)
        just_after = gap[np.searchsorted(t, 121.0)]
        assert -15.2 < just_after < -14.5  # the shock, barely relaxed after a minute
        # relaxation toward the baseline with a 6h half-life: half of it left 6 hours later
        assert gap[-1] == pytest.approx(-7.5, abs=0.8)
        assert b.to_dict()["reputation"]["min"] < a.to_dict()["reputation"]["min"] - 14
    # a positive delta raises it, in full when far enough below the ceiling (baseline + headroom) ...
    room = base(reputation__headroom=30)
    up = inject(room, [{"effect": "reputation", "delta": 5}], at="2h")
    a, b = run(room, S1).result(), run(up, S1).result()
    i = np.searchsorted(a.timeline["time"], 121.0)
    assert b.timeline["reputation"][i] - a.timeline["reputation"][i] == pytest.approx(5, abs=0.2)
    # ... and with diminishing returns near it: from about 70 toward the default ceiling 73
    a, b = run(d, S1).result(), run(inject(d, [{"effect": "reputation", "delta": 5}], at="2h"), S1).result()
    r = a.timeline["reputation"][i]
    want = 73 - (73 - r) * math.exp(-5 / 10)
    assert 1 < want - r < 2 and b.timeline["reputation"][i] == pytest.approx(want, abs=0.05)


# ------------------------------------------------------------------- rate
def test_rate_half_halves_arrivals_of_its_target_only():
    """First contacts are a Poisson process: over 4 runs of 8 hours at 2/min (billing) and 1/min
    (web), halved, their counts are Poisson with means 4·480 and 4·240."""
    d = base()
    half = inject(d, [{"effect": "rate", "factor": 0.5}])
    b = [result(half, s) for s in SEEDS]
    for k, per_minute in (("billing", 2.0), ("web", 1.0)):
        assert_poisson(sum(first_contacts(r, k) for r in b), 4 * 480 * per_minute * 0.5, what=f"{k} halved")
    # targeted at a channel: the other type's arrivals are untouched (their own random streams),
    # and the chat type's are exactly those it had when everything was halved
    chat = inject(d, [{"effect": "rate", "target": "chat", "factor": 0.5}])
    a, c = pair(d, chat)
    assert [first_contacts(r, "billing") for r in a] == [first_contacts(r, "billing") for r in c]
    assert [first_contacts(r, "web") for r in c] == [first_contacts(r, "web") for r in b]
    # with a duration it ends: halving for 2 of 8 hours removes 1/8 of the 3/min
    part = inject(d, [{"effect": "rate", "factor": 0.5, "duration": "2h"}], at="3h")
    b = [result(part, s) for s in SEEDS]
    assert_poisson(total(b, "contacts", "arrived"), 4 * 3.0 * (480 - 0.5 * 120), what="arrivals halved for 2 hours")


# ------------------------------------------------------------------ surge
def test_surge_adds_peak_times_half_life_over_ln2_times_base_rate():
    d = base()
    surge = inject(d, [{"effect": "surge", "target": "billing", "peak": 4, "half_life": "1h"}], at="1h")
    a, b = pair(d, surge)
    extra = np.mean([first_contacts(y, "billing") - first_contacts(x, "billing") for x, y in zip(a, b)])
    expected = 4 * 60 / math.log(2) * 2.0 * (1 - 2.0 ** -7)  # base 2/min, 7 half-lives left in the run
    assert extra == pytest.approx(expected, rel=0.08)
    # other types untouched
    assert [first_contacts(r, "web") for r in a] == [first_contacts(r, "web") for r in b]


# ------------------------------------------------------------------ staff
def test_staff_lowers_wait_and_costs_overtime():
    d = base(pools__agents__size=14)  # 13 Erlangs on 14 agents: long queues
    more = action(d, [{"effect": "staff", "pool": "agents", "add": 4}], cost=100)
    a, b = pair(more, more, policy_with=on([60]))
    for x, y in zip(a, b):
        assert y["wait"]["mean"] < 0.5 * x["wait"]["mean"]
        assert y["abandon_rate"] < x["abandon_rate"]
        assert y["service_level"] > x["service_level"]
        assert x["losses"]["staff_overtime"] == 0
        # 4 agents × 7 hours at the overtime wage of 45
        assert y["losses"]["staff_overtime"] == pytest.approx(4 * 7 * 45, rel=0.01)
        assert y["losses"]["staff_regular"] == pytest.approx(x["losses"]["staff_regular"])
        assert y["losses"]["actions"] == 100
        assert y["pools"]["agents"]["agents_final"] == 18
    # with a duration the agents go home: overtime for 2 hours only
    short = action(d, [{"effect": "staff", "pool": "agents", "add": 4, "duration": "2h"}])
    y = result(short, S1, on([60]))
    assert y["losses"]["staff_overtime"] == pytest.approx(4 * 2 * 45, rel=0.02)
    assert y["pools"]["agents"]["agents_final"] == 14
    # agents lost (sickness) raise the wait
    sick = inject(d, [{"effect": "staff", "pool": "agents", "add": -2}], at="1h")
    a, b = pair(d, sick, seeds=(S1, S2))
    assert all(y["wait"]["mean"] > x["wait"]["mean"] for x, y in zip(a, b))
    # the scheduled agents are still paid (sick pay); no overtime
    assert all(y["losses"]["staff_regular"] == x["losses"]["staff_regular"] for x, y in zip(a, b))
    assert all(y["losses"]["staff_overtime"] == 0 for y in b)


# ----------------------------------------------------------- compensation
def test_compensation_lowers_churn_and_costs_its_amount_per_resolved_contact():
    d = base(churn__b0=-2.0)  # churn after a resolved contact ~4.7% without compensation
    # 240 is 4.8 × the default fair amount (50): strength 0.99, odds × e^(-1.5 × 0.99) = 0.23
    comp = card(d, [{"effect": "compensation", "amount": 240}])
    a, b = pair(comp, comp, policy_with=on())
    for x, y in zip(a, b):
        assert x["losses"]["compensation"] == 0
        assert y["losses"]["compensation"] == pytest.approx(240 * y["contacts"]["resolved"])
        assert y["churn"]["contact"] < x["churn"]["contact"]
        assert y["losses"]["churn_margin"] < x["losses"]["churn_margin"]
    ca, cb = total(a, "churn", "contact"), total(b, "churn", "contact")
    # resolved contacts churn about 4.7% → 1.2%; abandoned ones (unaffected, ~a fifth) add to both
    assert 0.2 * ca < cb < 0.6 * ca  # about 0.38 (sd 0.03)
    # a small amount helps less than a large one
    small = card(d, [{"effect": "compensation", "amount": 24}])
    c_small = sum(result(small, s, on())["churn"]["contact"] for s in SEEDS)
    assert cb < c_small < ca
    # targeted at one type: only its resolved contacts are paid
    web = card(d, [{"effect": "compensation", "amount": 240, "target": "web"}])
    y = result(web, S1, on())
    assert y["losses"]["compensation"] == pytest.approx(240 * y["by_type"]["web"]["resolved"])


# ---------------------------------------------------------------- deflect
def test_deflect_absorbs_its_share_of_new_contacts():
    d = base()
    faq = action(d, [{"effect": "deflect", "share": 0.3}])
    a, b = pair(faq, faq, policy_with=on([0]))
    for x, y in zip(a, b):
        assert x["contacts"]["deflected"] == 0
        # same arrival streams: every contact either reaches us or is deflected (no repeats at FCR 1)
        assert y["contacts"]["arrived"] + y["contacts"]["deflected"] == x["contacts"]["arrived"]
        assert y["wait"]["mean"] < x["wait"]["mean"]
    # each contact that would have arrived is deflected on its own uniform draw: binomial
    assert_binomial(total(b, "contacts", "deflected"), total(a, "contacts", "arrived"), 0.3, what="deflected share")
    # targeted at billing for the first 4 hours: half of those billing contacts, nothing else
    part = action(d, [{"effect": "deflect", "share": 0.5, "target": "billing"}], duration="4h")
    y = result(part, S1, on([0]))
    x = run(d, S1, record_contacts=True).result()
    billing_first_4h = sum(1 for c in x.records if c[0] == "billing" and c[1] < 240)
    assert y["by_type"]["web"]["deflected"] == 0
    assert y["by_type"]["billing"]["deflected"] + y["by_type"]["billing"]["arrived"] == x.to_dict()["by_type"]["billing"]["arrived"]
    assert y["intervals"]["offered"][8:] == x.to_dict()["intervals"]["offered"][8:]  # nothing deflected after 4h
    assert_binomial(y["by_type"]["billing"]["deflected"], billing_first_4h, 0.5, what="billing deflected for 4 hours")


# ---------------------------------------------------------- amplification
def social(**over) -> dict:
    """A social channel with little staff: unanswered negative posts breed posts (Hawkes)."""
    d = base(**over)
    d["channels"]["social"] = {"kind": "social", "sla": "30m", "excitation": 0.5, "excitation_half_life": "30m"}
    d["contact_types"]["post"] = {
        "channel": "social",
        "arrival": {"rate": 20, "per": "hour"},
        "handle_time": {"dist": "exponential", "mean": "10m"},
        "negative_share": 0.7,
        "first_contact_resolution": 1.0,
    }
    d["pools"]["social-team"] = {"size": 1, "skills": ["post"], "wage": 30}
    return d


def test_amplification_raises_social_posts():
    d = social()
    loud = inject(d, [{"effect": "amplification", "factor": 2.5}])
    a, b = pair(d, loud)
    posts_a = sum(first_contacts(r, "post") for r in a)
    posts_b = sum(first_contacts(r, "post") for r in b)
    # more unanswered posts breed more: about 1.7× as many (sd 0.07 over fresh seeds)
    assert 1.3 < posts_b / posts_a < 2.5
    # phone and chat are untouched
    assert [first_contacts(r, "billing") for r in a] == [first_contacts(r, "billing") for r in b]
    # unanswered posts pile up faster and hurt reputation more
    ua = np.mean([run(d, s).result().timeline["posts"].mean() for s in SEEDS[:2]])
    ub = np.mean([run(loud, s).result().timeline["posts"].mean() for s in SEEDS[:2]])
    assert ub > 1.25 * ua  # about 1.77× (sd 0.09)
    assert total(b, "reputation", "final") < total(a, "reputation", "final")
    # a factor of 0 stops the spread: only the base rate is left, a Poisson process of 20/hour × 8h
    quiet = inject(d, [{"effect": "amplification", "factor": 0}])
    q = sum(first_contacts(result(quiet, s), "post") for s in SEEDS)
    assert_poisson(q, 4 * 160, what="posts without amplification")
    assert q < posts_a


# ------------------------------------------------------------ handle_time
def test_handle_time_factor_lowers_wait():
    d = base(pools__agents__size=14)
    fast = inject(d, [{"effect": "handle_time", "factor": 0.5}])
    a, b = pair(d, fast)
    for x, y in zip(a, b):
        assert y["wait"]["mean"] < 0.2 * x["wait"]["mean"]
        assert y["abandon_rate"] < 0.5 * x["abandon_rate"]
        # half the work; without the effect ~8% also hang up first: about 0.54 (sd 0.009)
        assert 0.49 < y["pools"]["agents"]["occupancy"] / x["pools"]["agents"]["occupancy"] < 0.6
    # slower handling (a factor above 1) raises it; a pool target works like a type target
    slow = inject(d, [{"effect": "handle_time", "factor": 1.2, "target": "agents"}], at="1h")
    a, b = pair(d, slow, seeds=(S1, S2))
    assert all(y["wait"]["mean"] > 1.5 * x["wait"]["mean"] for x, y in zip(a, b))
    only_web = inject(d, [{"effect": "handle_time", "factor": 0.5, "target": "web"}])
    a, b = pair(d, only_web, seeds=(S1, S2))
    assert all(y["wait"]["mean"] < x["wait"]["mean"] for x, y in zip(a, b))


# ------------------------------------------------------------- resolution
def test_resolution_delta_lowers_repeat_contacts():
    d = base(contact_types__billing__first_contact_resolution=0.6)
    d["contact_types"]["billing"]["repeat_delay"] = {"dist": "exponential", "mean": "30m"}
    better = card(d, [{"effect": "resolution", "delta": 0.2, "target": "billing"}])
    a, b = pair(better, better, policy_with=on())
    ra, rb = total(a, "contacts", "repeat"), total(b, "contacts", "repeat")
    # repeats per first contact: 0.4/0.6 → 0.2/0.8 in the long run, ratio ~0.375
    assert 0.25 < rb / ra < 0.6  # (~0.46 here: the 8h horizon cuts later generations of a more)
    assert all(y["contacts"]["repeat"] < x["contacts"]["repeat"] for x, y in zip(a, b))
    fix_a = total(a, "by_type", "billing", "resolved") / total(a, "by_type", "billing", "served")
    fix_b = total(b, "by_type", "billing", "resolved") / total(b, "by_type", "billing", "served")
    assert fix_a == pytest.approx(0.6, abs=0.03) and fix_b == pytest.approx(0.8, abs=0.03)
    # a negative delta does the opposite
    worse = card(d, [{"effect": "resolution", "delta": -0.2}])
    c = [result(worse, s, on()) for s in SEEDS]
    assert total(c, "contacts", "repeat") > 1.3 * ra


# -------------------------------------------------------------- statement
def statement_case(at: str, headroom: float = 100, **fx) -> dict:
    """A −10 shock at 1h answered by a +8 statement at ``at`` (room to gain in full unless ``headroom`` says otherwise)."""
    d = inject(base(reputation__headroom=headroom), [{"effect": "reputation", "delta": -10}], at="1h", id="news")
    effect = {"effect": "statement", "answers": "news", "reputation": 8, "half_life": "2h", **fx}
    return card(d, [effect], at=at)


def test_early_statement_leaves_more_reputation_than_a_late_one():
    early, late = statement_case("1h"), statement_case("7h")
    for seed in (S1, S2):
        e = run(early, seed, on()).result()
        l_ = run(late, seed, on()).result()
        de, dl = e.to_dict(), l_.to_dict()
        gain = {r["t"]: r["gain"] for r in de["events"] + dl["events"]
                if r["kind"] == "effect_start" and r["effect"] == "statement"}
        assert gain[60.0] == pytest.approx(8.0)
        assert gain[420.0] == pytest.approx(8 * 2.0 ** -3)  # 6 hours late, half-life 2h: 1 point
        # the gain shows at once in the time series
        t = e.timeline["time"]
        none = run(early, seed, "default").result()
        i = np.searchsorted(t, 61.0)
        assert e.timeline["reputation"][i] - none.timeline["reputation"][i] == pytest.approx(8, abs=0.2)
        # at the end: 8 points relaxed for 7h (half-life 6h) vs 1 point relaxed for 1h
        diff = de["reputation"]["final"] - dl["reputation"]["final"]
        assert diff == pytest.approx(8 * 2 ** (-7 / 6) - 2 ** (-1 / 6), abs=0.5)
        assert de["reputation"]["final"] > dl["reputation"]["final"] > none.to_dict()["reputation"]["final"]


def test_transparent_statement_cuts_social_spread():
    d = inject(social(), [{"effect": "reputation", "delta": -5}], at=0, id="news")
    d = card(d, [{"effect": "statement", "answers": "news", "reputation": 0, "transparency": 1.0}])
    a, b = pair(d, d, policy_with=on())
    posts_a = sum(first_contacts(r, "post") for r in a)
    posts_b = sum(first_contacts(r, "post") for r in b)
    # no self-excitation left: only the base rate, a Poisson process of 20 posts/hour over 8 hours
    assert_poisson(posts_b, 4 * 160, what="posts after a transparent statement")
    assert posts_b < 0.9 * posts_a  # about 0.78 (sd 0.015)


# ----------------------------------------------------------------- outage
def test_outage_makes_contacts_on_the_channel_abandon_until_it_ends():
    d = base()
    down = inject(d, [{"effect": "outage", "channel": "chat", "duration": "2h"}], at="2h")
    a, b = pair(d, down)
    extra = [y["by_type"]["web"]["abandoned"] - x["by_type"]["web"]["abandoned"] for x, y in zip(a, b)]
    # 1 chat/min for 120 minutes fail at once (a few of them would have abandoned anyway): ~115 (sd 6)
    assert 80 < np.mean(extra) < 150
    for x, y in zip(a, b):
        assert first_contacts(y, "web") == first_contacts(x, "web")  # they did arrive
        assert y["by_type"]["billing"]["abandoned"] <= x["by_type"]["billing"]["abandoned"]  # agents freed
        ev = [(e["t"], e["kind"]) for e in y["events"] if e.get("effect") == "outage"]
        assert ev == [(120.0, "effect_start"), (240.0, "effect_end")]
    # the extra abandonments sit in the outage's intervals (30-minute intervals 4..7), not after it
    # (net of phone calls that no longer abandon because chat frees the agents)
    r = run(down, S1, record_contacts=True).result()
    base_r = run(d, S1).result()
    during = [c for c in r.records if c[0] == "web" and 120 <= c[1] < 240]
    assert len(during) > 60 and all(c[4] == "abandoned" and c[3] == c[1] for c in during)  # at once
    ab = np.asarray(r.to_dict()["intervals"]["abandoned"], float) - np.asarray(base_r.to_dict()["intervals"]["abandoned"], float)
    assert ab[4:8].sum() > 0.5 * len(during)  # ~110 (sd 10) of ~120
    assert abs(ab[9:].sum()) < 25


# ------------------------------------------------------ common random numbers
def test_effects_on_one_type_keep_other_types_arrivals():
    # arrivals of a type come from its own streams; an effect that does not change its rate
    # should leave its arrival times untouched, so paired comparisons stay exact
    d = base()
    for fx in (
        {"effect": "rate", "target": "chat", "factor": 0.5},
        {"effect": "outage", "channel": "chat", "duration": "1h"},
        {"effect": "handle_time", "factor": 0.9},
    ):
        a, b = pair(d, inject(d, [fx], at="1h"), seeds=(S1,))
        assert first_contacts(a[0], "billing") == first_contacts(b[0], "billing"), fx
