"""Scripted policies that branch on what is known as a card is answered (``{when, then, else}``)."""

from __future__ import annotations

import pickle
import textwrap

import pytest

from crisissim.engine import Simulation
from crisissim.engine.crisis import happens
from crisissim.lessons.arms import Arm, Forced
from crisissim.policy import PolicyError, ScriptedPolicy, parse_scripted, resolve
from crisissim.policy.scripted import Branch
from crisissim.scenario.condition import Names, parse_condition
from crisissim.scenario.schema import Scenario

SCENARIO = {
    "meta": {"id": "branch-test", "title": "Branch test", "duration": "4h", "seed": 5},
    "channels": {"phone": {"kind": "sync", "patience": {"dist": "exponential", "mean": 5}}},
    "contact_types": {
        "billing": {"channel": "phone", "arrival": {"rate": 1, "per": "minute"},
                    "handle_time": {"dist": "exponential", "mean": 5}},
    },
    "pools": {"agents": {"size": 8, "skills": ["billing"], "wage": 30}},
    "injects": [
        # half the days the outage happens, before the card; the press always calls, after it
        {"id": "outage", "title": "Outage", "at": "30m", "probability": 0.5,
         "effects": [{"effect": "surge", "peak": 2, "half_life": "1h"}]},
        {"id": "press", "title": "Press", "at": "3h", "effects": [{"effect": "reputation", "delta": -5}]},
    ],
    "decisions": [
        {"id": "staff", "title": "Extra staff?", "at": "1h", "default": "none",
         "options": [
             {"id": "none", "label": "No"},
             {"id": "extra", "label": "Five more agents", "cost": 1000, "duration": "2h",
              "effects": [{"effect": "staff", "pool": "agents", "add": 5}]},
         ]},
        {"id": "statement", "title": "Statement", "at": "2h", "default": "wait",
         "options": [{"id": "wait", "label": "Wait"}, {"id": "speak", "label": "Speak"}]},
    ],
}


@pytest.fixture(scope="module")
def sc():
    return Scenario.model_validate(SCENARIO)


def policy(sc, text: str) -> ScriptedPolicy:
    return parse_scripted(textwrap.dedent(text).lstrip("\n"), sc, "plan.yaml")


def err(sc, text: str) -> str:
    with pytest.raises(PolicyError) as e:
        policy(sc, text)
    return str(e.value)


def answers(res) -> dict[str, tuple[str, float]]:
    return {d["card"]: (d["option"], d["t"]) for d in res.to_dict()["decisions"] if "card" in d}


def fired(res, inject: str) -> bool:
    return any(e["kind"] == "inject" and e["id"] == inject for e in res.to_dict()["events"])


# ------------------------------------------------------------------ the file
def test_a_branch_is_read_with_its_condition_and_options(sc):
    pol = policy(sc, """
        cards:
          staff: {when: "fired.outage > 0", then: extra, else: none}
          statement: speak
        """)
    branch = pol.cards["staff"]
    assert isinstance(branch, Branch)
    assert (branch.when, branch.then, branch.otherwise) == ("fired.outage > 0", "extra", "none")
    assert pol.cards["statement"] == "speak"
    assert pol.reads() == [("fired", "outage")]
    # the block form, several names in one condition, each read once
    pol = policy(sc, """
        cards:
          staff:
            when: fired.outage > 0 and (queue > 10 or time >= 1h) and fired.outage < 2
            then: extra
            else: none
        """)
    assert pol.reads() == [("fired", "outage"), ("queue", None), ("time", None)]


def test_branch_errors_point_at_file_line_col(sc):
    assert err(sc, 'cards:\n  staff: {when: "fired.outge > 0", then: extra, else: none}\n') == (
        "plan.yaml:2:24: cards.staff.when: bad condition: unknown inject 'outge'; did you mean 'outage'? "
        "(expected one of: outage, press)")
    assert err(sc, "cards:\n  staff: {when: fired.outage > 0, then: extr, else: none}\n") == (
        "plan.yaml:2:41: cards.staff.then: unknown option 'extr' (expected one of: none, extra)")
    assert err(sc, "cards:\n  staff: {when: fired.outage > 0, then: extra, else: wait}\n") == (
        "plan.yaml:2:54: cards.staff.else: unknown option 'wait' (expected one of: none, extra)")
    assert err(sc, "cards:\n  staff: {when: fired.outage > 0, then: extra, otherwise: none}\n") == (
        "plan.yaml:2:10: cards.staff: missing key 'else' (a branch is {when: CONDITION, then: OPTION, else: OPTION})"
        "\nplan.yaml:2:48: cards.staff.otherwise: unknown key (expected one of: when, then, else)")
    assert err(sc, "cards:\n  staff: {then: extra, else: none}\n") == (
        "plan.yaml:2:10: cards.staff: missing key 'when' (a branch is {when: CONDITION, then: OPTION, else: OPTION})")
    assert err(sc, "cards:\n  staff: {when: [1], then: extra, else: none}\n") == (
        "plan.yaml:2:17: cards.staff.when: expected a condition such as 'fired.ID > 0' or 'queue > 40', got a list")
    assert err(sc, "cards:\n  staff: {when: , then: extra, else: none}\n") == (
        "plan.yaml:2:17: cards.staff.when: expected a condition such as 'fired.ID > 0' or 'queue > 40', "
        "got nothing")
    assert err(sc, "cards:\n  staff: {when: fired.outage, then: extra, else: none}\n") == (
        "plan.yaml:2:17: cards.staff.when: bad condition: a condition must be true or false, "
        "e.g. `queue.defect > 40` (got a number)")
    # the scenario's hints, at the character they are about (block form)
    assert err(sc, "cards:\n  staff:\n    when: fired.outage > 0 AND time > 1h\n    then: extra\n"
                   "    else: [none]\n") == (
        "plan.yaml:3:28: cards.staff.when: bad condition: unexpected 'AND'; did you mean 'and'? "
        "(and, or, not are written in small letters)\n"
        "plan.yaml:5:11: cards.staff.else: expected an option id, got a list")
    assert err(sc, "cards:\n  staff: {when: 'time > 1 hour', then: extra, else: none}\n") == (
        "plan.yaml:2:27: cards.staff.when: bad condition: unexpected 'hour'; did you mean '1h'? "
        "(a unit follows its number: 90s, 15m, 2h, 3d)")
    assert err(sc, "cards:\n  staff: {when: fired.outage > 0, when: time > 1h, then: extra, else: none}\n") == (
        "plan.yaml:2:35: cards.staff.when: duplicate key")


# ------------------------------------------------------------------ in a run
def test_the_branch_is_taken_both_ways_by_what_happened(sc):
    pol = resolve(policy(sc, 'cards:\n  staff: {when: "fired.outage > 0", then: extra, else: none}\n'), sc, 0)
    inj = next(i for i in sc.injects if i.id == "outage")
    seen = set()
    for seed in range(12):
        res = Simulation(sc, seed, pol).result()
        assert fired(res, "outage") == happens(inj, seed)  # the day decides, not the policy
        option, t = answers(res)["staff"]
        assert t == 60.0
        assert option == ("extra" if fired(res, "outage") else "none")
        seen.add(option)
    assert seen == {"extra", "none"}  # both branches taken (seeds 0..11 include days of both kinds)


def test_a_condition_about_later_is_read_as_the_card_shows(sc):
    # the press calls at 3h, every day: at the 1h card it has not, at the end of the run it has
    pol = policy(sc, """
        cards:
          staff: {when: "fired.press > 0", then: extra, else: none}
          statement: {when: "time < 2h", then: speak, else: wait}
        """)
    for seed in range(3):
        sim = Simulation(sc, seed, pol)
        res = sim.result()
        assert fired(res, "press")
        assert parse_condition("fired.press > 0", Names.of(sc)).evaluate(sim.lookup)  # true by the end
        assert answers(res) == {"staff": ("none", 60.0), "statement": ("wait", 120.0)}


def test_snapshot_readings_are_those_of_their_moment(sc):
    sim = Simulation(sc, 0)
    cond = parse_condition("fired.press > 0 or time >= 2h", Names.of(sc))
    sim.run_until(60)
    early = sim.snapshot(cond.refs)
    assert dict(early.readings) == {("fired", "press"): 0.0, ("time", None): 60.0}
    sim.run_until(200)
    late = sim.snapshot(cond.refs)
    assert late.readings[("fired", "press")] == 1.0 and late.holds(cond)
    assert not early.holds(cond)  # still what was known at 1h
    with pytest.raises(KeyError, match=r"queue was not read when this snapshot was taken \(ask for it in reads\)"):
        early.reading("queue")
    assert sim.snapshot().readings == {}


def test_a_policy_reading_an_unknown_name_is_refused_up_front(sc):
    class Reader:
        name = "reader"

        def __call__(self, snapshot, card):
            return card.default

        def reads(self):
            return [("fired", "outage"), ("fired", "nope")]

    with pytest.raises(ValueError) as e:
        Simulation(sc, 0, Reader())
    assert str(e.value) == ("policy 'reader' reads ('fired', 'nope'): unknown inject 'nope' "
                            "(expected one of: outage, press)")
    Reader.reads = lambda self: ["time"]
    with pytest.raises(ValueError) as e:
        Simulation(sc, 0, Reader())
    assert str(e.value) == "policy 'reader' reads 'time' (expected (name, argument) pairs)"
    # a Python policy given by name or as a callable is checked when it is resolved: a PolicyError
    with pytest.raises(PolicyError) as e:
        resolve(Reader(), sc, 0)
    assert str(e.value) == "policy 'reader' reads 'time' (expected (name, argument) pairs)"
    Reader.reads = lambda self: 1 / 0
    with pytest.raises(PolicyError) as e:
        resolve(Reader(), sc, 0)
    assert str(e.value) == "policy 'reader': reads() failed: ZeroDivisionError: division by zero"


def test_python_policies_and_forced_cards_carry_the_readings(sc):
    seen = []

    class Watcher:
        def __call__(self, snapshot, card):
            seen.append((card.id, dict(snapshot.readings)))
            return card.default

        def reads(self):
            return [("time", None), ("fired", "press")]

    Simulation(sc, 0, resolve(Watcher(), sc, 0)).result()
    assert seen == [("staff", {("time", None): 60.0, ("fired", "press"): 0.0}),
                    ("statement", {("time", None): 120.0, ("fired", "press"): 0.0})]
    pol = policy(sc, 'cards:\n  staff: {when: "fired.outage > 0", then: extra, else: none}\n')
    forced = Forced(pol, {"statement": "speak"})
    assert forced.reads() == [("fired", "outage")]
    for seed in range(4):
        got = answers(Simulation(sc, seed, forced).result())
        assert got["statement"][0] == "speak"
        assert got["staff"][0] == answers(Simulation(sc, seed, pol).result())["staff"][0]


def test_a_branching_policy_pickles_and_keys_its_arm(sc):
    text = 'cards:\n  staff: {when: "fired.outage > 0", then: extra, else: none}\n'
    pol = policy(sc, text)
    again = pickle.loads(pickle.dumps(pol))
    assert again.cards == pol.cards and again.reads() == pol.reads()
    assert [answers(Simulation(sc, s, again).result()) for s in range(3)] == [
        answers(Simulation(sc, s, pol).result()) for s in range(3)]
    assert Arm("a", pol).key == Arm("b", policy(sc, text)).key
    assert Arm("a", pol).key != Arm("b", policy(sc, text.replace("extra, else: none", "none, else: extra"))).key


def test_the_documented_example_is_a_valid_policy_of_its_scenario():
    from crisissim.scenario import bundled_scenarios_dir, load_scenario
    from crisissim.scenario.docs import SCRIPTED_EXAMPLE

    sc = load_scenario(bundled_scenarios_dir() / "default.yaml")
    pol = parse_scripted(SCRIPTED_EXAMPLE, sc, "example.yaml")
    assert isinstance(pol.cards["carrier"], Branch) and pol.reads() == [("fired", "hub-long")]


def test_a_snapshot_without_readings_prints_as_before(sc):
    # repr(snapshot) is how scripts/golden.py fingerprints snapshots: readings stay out of it
    sim = Simulation(sc, 0)
    sim.run_until(70)
    assert "readings" not in repr(sim.snapshot()) and "readings" not in repr(sim.snapshot([("time", None)]))


# ------------------------------------------------------------------ the bundled experts
BRANCHING = {"coffee-tutorial": "help", "default": "carrier", "payment-breach": "reissue",
             "product-recall": "batch43", "viral-rumour": "analysts"}


@pytest.mark.parametrize("name", sorted(BRANCHING))
def test_bundled_experts_branch_only_on_what_is_known_as_the_card_shows(name):
    """Each branching expert reads injects that fire at a set time (or by the end of a bounded
    window) before its card shows at a set time, so the branch sees the outcome on every day.
    (early-warning's story breaks at no set time and its expert does not branch: see its file.)"""
    from crisissim.scenario import bundled_scenarios_dir, load_scenario

    root = bundled_scenarios_dir()
    sc = load_scenario(root / f"{name}.yaml")
    pol = resolve(f"scripted:{root / 'policies' / f'{name}-responsive.yaml'}", sc, 0)
    branches = {c: b for c, b in pol.cards.items() if isinstance(b, Branch)}
    assert list(branches) == [BRANCHING[name]]
    card = next(c for c in sc.decisions if c.id == BRANCHING[name])
    assert card.when is None and isinstance(card.at, float)
    injects = {i.id: i for i in sc.injects}
    refs = branches[card.id].condition.refs
    assert refs and all(kind == "fired" for kind, _ in refs)
    for _, inject in refs:
        at = injects[inject].at
        latest = at if isinstance(at, float) else at.high
        assert injects[inject].when is None and latest < card.at, (inject, latest, card.at)
