"""Headless policies: default, first, random, scripted, Python callables, and ``resolve``."""

from __future__ import annotations

import copy
import sys
import textwrap

import pytest

from crisissim.engine import Simulation
from crisissim.policy import (
    CallablePolicy,
    DefaultPolicy,
    FirstPolicy,
    PolicyError,
    RandomPolicy,
    ScriptedPolicy,
    policy_factory,
    resolve,
)
from crisissim.scenario.schema import Scenario


def make_sim(scenario, seed, policy=None, **kw):
    """A Simulation whose policy may be given by name (resolved as the CLI does)."""
    if isinstance(policy, str):
        policy = resolve(policy, scenario, seed)
    return Simulation(scenario, seed, policy, **kw)

SCENARIO = {
    "meta": {"id": "policy-test", "title": "Policy test", "duration": "6h", "seed": 3},
    "channels": {"phone": {"kind": "sync", "patience": {"dist": "exponential", "mean": 5}}},
    "contact_types": {
        "billing": {
            "channel": "phone",
            "arrival": {"rate": 2, "per": "minute"},
            "handle_time": {"dist": "exponential", "mean": 5},
        }
    },
    "pools": {"agents": {"size": 10, "skills": ["billing"], "wage": 30}},
    "injects": [
        {"id": "news", "title": "Recall story", "at": "30m",
         "effects": [{"effect": "reputation", "delta": -10}, {"effect": "surge", "peak": 1, "half_life": "1h"}]}
    ],
    "decisions": [
        {"id": "statement", "title": "Public statement", "at": "1h", "default": "wait",
         "options": [
             {"id": "wait", "label": "Say nothing"},
             {"id": "apologise-now", "label": "Apologise", "cost": 1000,
              "effects": [{"effect": "statement", "answers": "news", "reputation": 8}]},
         ]},
        {"id": "recall", "title": "Recall", "at": "2h", "default": "none",
         "options": [
             {"id": "none", "label": "No recall"},
             {"id": "partial", "label": "Partial", "cost": 20000},
             {"id": "full-recall", "label": "Full", "cost": 50000, "delay": "30m", "duration": "1h",
              "effects": [{"effect": "rate", "factor": 0.5}]},
         ]},
        {"id": "comp", "title": "Compensation", "at": "3h", "default": "no",
         "options": [
             {"id": "no", "label": "No"},
             {"id": "small", "label": "Small", "effects": [{"effect": "compensation", "amount": 20}]},
             {"id": "large", "label": "Large", "effects": [{"effect": "compensation", "amount": 100}]},
             {"id": "huge", "label": "Huge", "effects": [{"effect": "compensation", "amount": 300}]},
         ]},
    ],
    "actions": [
        {"id": "overtime", "label": "Overtime", "cost": 500, "duration": "2h", "cooldown": "1h",
         "effects": [{"effect": "staff", "pool": "agents", "add": 3}]},
        {"id": "faq", "label": "FAQ", "cost": 200, "limit": 1,
         "effects": [{"effect": "deflect", "share": 0.2}]},
    ],
}


@pytest.fixture(scope="module")
def sc():
    return Scenario.model_validate(SCENARIO)


def decisions(res):
    return res.to_dict()["decisions"]


def chosen(res):
    return {d["card"]: d["option"] for d in decisions(res) if "card" in d}


# ------------------------------------------------------------------ built-ins
def test_default_policy_takes_every_default_at_once(sc):
    res = make_sim(sc, 1, "default").result()
    ds = decisions(res)
    assert chosen(res) == {"statement": "wait", "recall": "none", "comp": "no"}
    assert [d["t"] for d in ds] == [60.0, 120.0, 180.0]  # answered when shown, not at the deadline
    assert all(d["by"] == "policy" for d in ds)
    assert resolve("default", sc, 1).name == "default"


def test_first_policy_takes_every_first_option(sc):
    p = resolve("first", sc, 1)
    assert isinstance(p, FirstPolicy) and p.name == "first"
    assert chosen(make_sim(sc, 1, p).result()) == {"statement": "wait", "recall": "none", "comp": "no"}
    # first is not default when the default is not listed first
    alt = copy.deepcopy(SCENARIO)
    alt["decisions"][0]["default"] = "apologise-now"
    sc2 = Scenario.model_validate(alt)
    assert chosen(make_sim(sc2, 1, "first").result())["statement"] == "wait"
    assert chosen(make_sim(sc2, 1, "default").result())["statement"] == "apologise-now"


def test_no_policy_leaves_cards_to_the_deadline(sc):
    res = make_sim(sc, 1).result()
    ds = decisions(res)
    assert [d["by"] for d in ds] == ["timeout"] * 3
    assert [d["t"] for d in ds] == [75.0, 135.0, 195.0]


def test_random_is_reproducible_under_a_seed_and_varies_across_seeds(sc):
    runs = {seed: chosen(make_sim(sc, seed, "random").result()) for seed in range(24)}
    again = {seed: chosen(make_sim(sc, seed, "random").result()) for seed in range(24)}
    assert runs == again
    assert len({tuple(sorted(c.items())) for c in runs.values()}) >= 4
    # every option of the four-option card turns up across seeds
    assert {c["comp"] for c in runs.values()} == {"no", "small", "large", "huge"}
    assert resolve("random", sc, 5).name == "random"


def test_random_choices_share_no_randomness_with_the_engine(sc):
    # the run under "random" matches a scripted run with the same choices bit for bit:
    # the policy draws from its own stream and leaves every engine stream untouched
    for seed in (2, 7):
        res = make_sim(sc, seed, "random").result()
        pick = chosen(res)
        script = ScriptedPolicy(pick, [])
        other = make_sim(sc, seed, script).result().to_dict()
        mine = res.to_dict()
        for k in ("total_loss", "contacts", "wait", "reputation", "churned"):
            assert mine[k] == other[k]


def test_random_choice_of_a_card_does_not_depend_on_other_cards(sc):
    class Card:
        def __init__(self, cid, n):
            self.id = cid
            self.options = [type("O", (), {"id": f"{cid}{i}"})() for i in range(n)]
            self.default = f"{cid}0"

    a = RandomPolicy(9)
    b = RandomPolicy(9)
    first = a(None, Card("x", 5))
    b(None, Card("y", 5))
    b(None, Card("z", 3))
    assert b(None, Card("x", 5)) == first
    picks = [RandomPolicy(s)(None, Card("x", 5)) for s in range(60)]
    counts = {o: picks.count(o) for o in set(picks)}
    assert len(counts) == 5 and max(counts.values()) < 30


# ------------------------------------------------------------------ scripted
def write(tmp_path, text, name="plan.yaml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return p


PLAN = """
cards: {statement: apologise-now, recall: full-recall}
actions:
  - {action: overtime, at: 1h30m}
  - {action: faq, at: 2h}
  - {action: overtime, at: 4h}
"""


def test_scripted_applies_mapped_options_and_timed_actions(sc, tmp_path):
    path = write(tmp_path, PLAN)
    for spec in (f"scripted:{path}", str(path)):
        pol = resolve(spec, sc, 1)
        assert isinstance(pol, ScriptedPolicy) and pol.name == f"scripted:{path}"
        assert pol.scheduled_actions() == [(90.0, "overtime"), (120.0, "faq"), (240.0, "overtime")]
    res = make_sim(sc, 4, f"scripted:{path}").result()
    d = res.to_dict()
    ds = d["decisions"]
    assert [(x["t"], x.get("card"), x.get("action"), x.get("option"), x["by"]) for x in ds] == [
        (60.0, "statement", None, "apologise-now", "policy"),
        (90.0, None, "overtime", None, "policy"),
        (120.0, None, "faq", None, "policy"),  # timed actions go before events due at the same time
        (120.0, "recall", None, "full-recall", "policy"),
        (180.0, "comp", None, "no", "policy"),  # not listed: its default
        (240.0, None, "overtime", None, "policy"),
    ]
    # actions are taken between events (a step count); policy answers inside the show event (None)
    steps = [x["step"] for x in ds if "action" in x]
    assert steps == sorted(steps) and all(isinstance(s, int) for s in steps)
    assert all(x["step"] is None for x in ds if "card" in x)
    # the event log tells the same story
    ev = d["events"]
    kinds = {e["kind"] for e in ev}
    assert {"inject", "card_shown", "decision", "action", "effect_start", "effect_end"} <= kinds
    assert [(e["t"], e["id"]) for e in ev if e["kind"] == "action"] == [(90.0, "overtime"), (120.0, "faq"), (240.0, "overtime")]
    starts = [(e["t"], e["source"], e["effect"]) for e in ev if e["kind"] == "effect_start"]
    assert (60.0, "card:statement:apologise-now", "statement") in starts
    assert (150.0, "card:recall:full-recall", "rate") in starts  # after the option's 30m delay
    assert (90.0, "action:overtime", "staff") in starts and (240.0, "action:overtime", "staff") in starts
    ends = [(e["t"], e["source"], e["effect"]) for e in ev if e["kind"] == "effect_end"]
    assert (210.0, "card:recall:full-recall", "rate") in ends  # its 1h duration
    assert (210.0, "action:overtime", "staff") in ends  # the action's 2h duration
    assert d["losses"]["actions"] == pytest.approx(1000 + 50000 + 500 + 200 + 500)
    assert d["losses"]["staff_overtime"] > 0
    # replaying the decision log reproduces the run
    again = make_sim(sc, 4, replay=ds).result().to_dict()
    assert again["total_loss"] == d["total_loss"] and again["contacts"] == d["contacts"]


def test_scripted_run_differs_from_default_in_the_expected_direction(sc, tmp_path):
    path = write(tmp_path, PLAN)
    base = make_sim(sc, 4, "default").result().to_dict()
    plan = make_sim(sc, 4, str(path)).result().to_dict()
    assert plan["contacts"]["deflected"] > 0 == base["contacts"]["deflected"]
    assert plan["wait"]["mean"] < base["wait"]["mean"]
    assert plan["reputation"]["final"] > base["reputation"]["final"]


def test_scripted_file_may_list_only_cards_or_only_actions(sc, tmp_path):
    p1 = write(tmp_path, "cards:\n  comp: large\n", "a.yaml")
    p2 = write(tmp_path, "actions:\n  - action: faq\n    at: 10\n", "b.yml")
    p3 = write(tmp_path, "cards:\nactions: []\n", "c.yaml")
    assert chosen(make_sim(sc, 1, str(p1)).result())["comp"] == "large"
    r2 = make_sim(sc, 1, str(p2)).result().to_dict()
    assert [(x["t"], x["action"]) for x in r2["decisions"] if "action" in x] == [(10.0, "faq")]
    pol = resolve(str(p3), sc, 1)
    assert pol.cards == {} and pol.scheduled_actions() == []


def test_scripted_ids_are_taken_as_written(tmp_path):
    # YAML 1.1 would read `no`/`yes`/`on` as booleans; option ids are compared as written
    data = copy.deepcopy(SCENARIO)
    data["decisions"][2]["options"][1]["id"] = "yes"
    sc = Scenario.model_validate(data)
    path = write(tmp_path, "cards: {comp: yes}\n")
    assert chosen(make_sim(sc, 1, str(path)).result())["comp"] == "yes"


def err(sc, tmp_path, text, name="plan.yaml"):
    path = write(tmp_path, text, name)
    with pytest.raises(PolicyError) as e:
        resolve(str(path), sc, 1)
    return str(e.value).replace(str(path), "FILE")


def test_scripted_errors_point_at_file_line_col(sc, tmp_path):
    assert err(sc, tmp_path, "cards: {statement: x}\n") == (
        "FILE:1:20: cards.statement: unknown option 'x' (expected one of: wait, apologise-now)"
    )
    assert err(sc, tmp_path, "cards:\n  statment: wait\n") == (
        "FILE:2:3: cards.statment: unknown card 'statment' (expected one of: statement, recall, comp)"
    )
    assert err(sc, tmp_path, "actions:\n  - {action: overtim, at: 1h}\n") == (
        "FILE:2:14: actions[0].action: unknown action 'overtim' (expected one of: overtime, faq)"
    )
    assert err(sc, tmp_path, "actions:\n  - {action: faq, at: soon}\n") == (
        "FILE:2:23: actions[0].at: expected a duration such as 90s, 15m, 2h, 3d or minutes, got 'soon'"
    )
    assert err(sc, tmp_path, "actions:\n  - {action: faq, at: 7h}\n") == (
        "FILE:2:23: actions[0].at: 7h is not before the end of the run (6h)"
    )
    assert err(sc, tmp_path, "actions:\n  - action: faq\n") == "FILE:2:5: actions[0]: missing key 'at'"
    assert err(sc, tmp_path, "actions:\n  - {action: faq, at: 1h, every: 2h}\n") == (
        "FILE:2:27: actions[0].every: unknown key (expected one of: action, at)"
    )
    assert err(sc, tmp_path, "card: {statement: wait}\n") == (
        "FILE:1:1: card: unknown key (expected one of: cards, actions)"
    )
    assert err(sc, tmp_path, "cards: [statement]\n") == "FILE:1:8: cards: expected a mapping, got a list"
    assert err(sc, tmp_path, "cards: {statement: [wait]}\n") == (
        "FILE:1:20: cards.statement: expected an option id, got a list"
    )
    assert err(sc, tmp_path, "actions: {faq: 1h}\n") == (
        "FILE:1:10: actions: expected a list of {action: ID, at: TIME}, got a mapping"
    )
    assert err(sc, tmp_path, "- statement\n") == "FILE:1:1: expected a mapping, got a list"
    assert err(sc, tmp_path, "cards:\n  comp: no\n  comp: large\n") == "FILE:3:3: cards.comp: duplicate key"


def test_scripted_errors_on_limits_cooldowns_syntax_and_files(sc, tmp_path):
    assert err(sc, tmp_path, "actions:\n  - {action: faq, at: 1h}\n  - {action: faq, at: 2h}\n") == (
        "FILE:3:5: actions[1]: action 'faq' can be used at most 1 time(s)"
    )
    # entries are checked in time order, whatever their order in the file
    assert err(sc, tmp_path, "actions:\n  - {action: overtime, at: 2h}\n  - {action: overtime, at: 1h30m}\n") == (
        "FILE:2:5: actions[0]: action 'overtime' is cooling down until 2h30m (cooldown 1h after its use at 1h30m)"
    )
    assert err(sc, tmp_path, "cards: {statement: wait\n") .startswith("FILE:2:1: YAML syntax error: ")
    assert err(sc, tmp_path, "") == "FILE:1:1: empty policy file (expected a mapping with cards and/or actions)"
    assert err(sc, tmp_path, "# nothing\n") == (
        "FILE:1:1: empty policy file (expected a mapping with cards and/or actions)"
    )
    # unsafe tags are never constructed; the id is just not known
    assert err(sc, tmp_path, "cards: {statement: !!python/object/apply:os.system [echo]}\n") == (
        "FILE:1:20: cards.statement: expected an option id, got a list"
    )
    missing = tmp_path / "missing.yaml"
    with pytest.raises(PolicyError, match=r"missing\.yaml:1:1: no such file$"):
        resolve(f"scripted:{missing}", sc, 1)
    bad = tmp_path / "latin.yaml"
    bad.write_bytes(b"cards: {statement: caf\xe9}\n")
    with pytest.raises(PolicyError, match=r"latin\.yaml:1:23: not UTF-8 text \(byte 0xe9\)$"):
        resolve(str(bad), sc, 1)
    with pytest.raises(PolicyError, match="needs the scenario"):
        resolve(str(write(tmp_path, PLAN)), None, 1)
    with pytest.raises(PolicyError, match="scripted: needs a file"):
        resolve("scripted:", sc, 1)


def test_scripted_reports_every_problem_one_line_each(sc, tmp_path):
    msg = err(sc, tmp_path, "cards: {statement: x, recall: y}\nactions:\n  - {action: z, at: 1h}\n")
    lines = msg.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("FILE:1:20: cards.statement: unknown option 'x'")
    assert lines[1].startswith("FILE:1:31: cards.recall: unknown option 'y'")
    assert lines[2].startswith("FILE:3:14: actions[0].action: unknown action 'z'")


# ------------------------------------------------------------------ callables
def test_callable_policy_sees_snapshot_and_card(sc):
    seen = []

    def planner(snapshot, card):
        seen.append((snapshot.time, card.id, snapshot.reputation))
        return card.options[-1].id

    res = make_sim(sc, 1, resolve(planner, sc, 1)).result()
    assert chosen(res) == {"statement": "apologise-now", "recall": "full-recall", "comp": "huge"}
    assert [(t, c) for t, c, _ in seen] == [(60.0, "statement"), (120.0, "recall"), (180.0, "comp")]
    assert seen[0][2] < 70  # the snapshot is live: the 30m news story has hit reputation
    assert resolve(planner, sc, 1).name.endswith("planner")


def test_callable_with_a_name_and_scheduled_actions(sc):
    class Planner:
        name = "cautious"

        def __call__(self, snapshot, card):
            return card.default

        def scheduled_actions(self):
            return [(30, "faq")]

    pol = resolve(Planner(), sc, 1)
    assert pol.name == "cautious"
    d = make_sim(sc, 1, pol).result().to_dict()
    assert [(x["t"], x["action"]) for x in d["decisions"] if "action" in x] == [(30.0, "faq")]

    class Bad(Planner):
        def scheduled_actions(self):
            return [(30, "fax")]

    with pytest.raises(PolicyError, match=r"unknown action 'fax' \(expected one of: overtime, faq\)"):
        resolve(Bad(), sc, 1)


def test_callable_answer_is_checked(sc):
    pol = resolve(lambda snapshot, card: "maybe", sc, 1)
    with pytest.raises(PolicyError, match=r"answered 'maybe' on card 'statement' \(expected one of: wait, apologise-now\)"):
        make_sim(sc, 1, pol).result()


def test_callable_failure_is_a_policy_error_with_the_cause(sc):
    def planner(snapshot, card):
        raise KeyError("budget")

    with pytest.raises(PolicyError, match=r"policy '.*planner' failed on card 'statement': KeyError: 'budget'") as e:
        make_sim(sc, 1, resolve(planner, sc, 1)).result()
    assert isinstance(e.value.__cause__, KeyError)


def test_builtin_instances_pass_through(sc):
    p = DefaultPolicy()
    assert resolve(p, sc, 1) is p


MODULE = '''
from crisissim.policy import policy_factory

def cheapest(snapshot, card):
    return min(card.options, key=lambda o: (o.cost, o.id)).id

class Greedy:
    def __init__(self, scenario, seed):
        self.name = f"greedy-{seed}"
        self.n_cards = len(scenario.decisions)

    def __call__(self, snapshot, card):
        return card.options[-1].id

    def scheduled_actions(self):
        return [(45, "faq")]

@policy_factory
def make(sc, seed):
    return lambda snapshot, card: card.options[seed % len(card.options)].id

def planner_for(scenario, seed):
    ids = {c.id: c.options[1].id for c in scenario.decisions}
    return lambda snapshot, card: ids[card.id]

not_callable = 3

def wrong_arity(card):
    return card.default

def bad_factory(scenario, seed):
    return 42
'''


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    (tmp_path / "my_planners.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "my_planners"
    sys.modules.pop("my_planners", None)


def test_module_function_policy(sc, plugin):
    pol = resolve(f"{plugin}:cheapest", sc, 1)
    assert isinstance(pol, CallablePolicy) and pol.name == "my_planners:cheapest"
    assert chosen(make_sim(sc, 1, f"{plugin}:cheapest").result()) == {
        "statement": "wait", "recall": "none", "comp": "huge"}  # ties on cost broken by id


def test_module_factories(sc, plugin):
    g = resolve(f"{plugin}:Greedy", sc, 7)
    assert g.name == "greedy-7" and g.scheduled_actions() == [(45, "faq")]
    d = make_sim(sc, 7, f"{plugin}:Greedy").result().to_dict()
    assert {x["card"]: x["option"] for x in d["decisions"] if "card" in x}["comp"] == "huge"
    assert [x["t"] for x in d["decisions"] if "action" in x] == [45.0]
    m = resolve(f"{plugin}:make", sc, 2)
    assert m.name == "my_planners:make"
    assert chosen(make_sim(sc, 2, m).result()) == {"statement": "wait", "recall": "full-recall", "comp": "large"}
    assert chosen(make_sim(sc, 1, f"{plugin}:planner_for").result()) == {
        "statement": "apologise-now", "recall": "partial", "comp": "small"}


def test_file_function_policy(sc, tmp_path):
    f = tmp_path / "plan_file.py"
    f.write_text(MODULE)
    pol = resolve(f"{f}:cheapest", sc, 1)
    assert pol.name == f"{f}:cheapest"
    assert chosen(make_sim(sc, 1, pol).result())["comp"] == "huge"


def test_module_policy_errors(sc, plugin, tmp_path):
    cases = {
        "no_such_module_xyz:f": "cannot import policy module 'no_such_module_xyz'",
        f"{plugin}:nothing": "module 'my_planners' has no attribute 'nothing'",
        f"{plugin}:not_callable": "'not_callable' is a int, not a callable",
        f"{plugin}:wrong_arity": "must take (snapshot, card)",
        f"{plugin}:bad_factory": "returned a int, not a callable",
        f"{plugin}:": "expected module.path:function",
        "bad module:f": "is not a module path",
        f"{tmp_path}/nope.py:f": "not found",
        "nonsense": "unknown policy 'nonsense' (expected one of: default, first, random, scripted:FILE.yaml",
        "": "empty policy name",
    }
    for spec, message in cases.items():
        with pytest.raises(PolicyError) as e:
            resolve(spec, sc, 1)
        assert message in str(e.value), spec
        assert "\n" not in str(e.value)
    with pytest.raises(PolicyError, match="not int"):
        resolve(3, sc, 1)


def test_a_failing_import_is_a_policy_error(sc, tmp_path, monkeypatch):
    (tmp_path / "broken_planner.py").write_text("raise RuntimeError('boom')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PolicyError, match="importing policy module 'broken_planner' failed: RuntimeError: boom"):
        resolve("broken_planner:f", sc, 1)


def test_simulation_takes_a_callable_and_refuses_a_policy_name(sc):
    """Names are resolved by ``resolve`` (with the run's seed), not by the engine."""
    with pytest.raises(TypeError, match=r"policy must be a callable or None, got 'random' \(resolve a name with"):
        Simulation(sc, 11, "random")
    pol = resolve("random", sc, 11)
    assert isinstance(pol, RandomPolicy) and pol.seed == 11
    assert chosen(Simulation(sc, 11, pol).result()) == chosen(Simulation(sc, 11, RandomPolicy(11)).result())


def test_policies_also_answer_engine_card_views(sc, tmp_path):
    # the game or a planner may hand a policy the CardView of an open card
    sim = make_sim(sc, 1)
    view = sim.run_to_next_decision()
    assert view is not None and view.id == "statement"
    snap = sim.snapshot()
    assert resolve("default", sc, 1)(snap, view) == "wait"
    assert resolve("first", sc, 1)(snap, view) == "wait"
    assert resolve("random", sc, 1)(snap, view) in {"wait", "apologise-now"}
    assert resolve(str(write(tmp_path, PLAN)), sc, 1)(snap, view) == "apologise-now"
    assert resolve(lambda s, c: c.options[1][0], sc, 1)(snap, view) == "apologise-now"
    sim.decide(view.id, resolve("random", sc, 1)(snap, view))
    assert sim.result().to_dict()["decisions"][0]["by"] == "trainee"


def test_resolve_accepts_paths_and_upper_case_suffixes(sc, tmp_path):
    p = write(tmp_path, "cards: {recall: partial}\n", "PLAN.YML")
    assert resolve(p, sc, 1).cards == {"recall": "partial"}
    assert resolve(f"  scripted:{p}  ", sc, 1).cards == {"recall": "partial"}
