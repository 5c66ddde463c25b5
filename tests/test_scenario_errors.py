"""Schema errors, cross-reference checks and includes, each at its exact ``FILE:LINE:COL: path``."""

from __future__ import annotations

from pathlib import Path

import pytest

from crisissim.scenario import (
    ScenarioError,
    load_scenario,
    load_scenario_text,
    scenario_hash,
    validate_file,
    validate_text,
)
from crisissim.scenario.checks import condition_position
from crisissim.scenario.effects import KINDS
from crisissim.scenario.errors import Problem
from crisissim.scenario.yamlio import compose

DATA = Path(__file__).parent / "data"
MINIMAL = (DATA / "minimal.yaml").read_text()


def errors(text: str, name: str = "s.yaml") -> list[str]:
    with pytest.raises(ScenarioError) as e:
        load_scenario_text(text, name)
    return str(e.value).splitlines()


def edit(old: str, new: str) -> str:
    assert old in MINIMAL
    return MINIMAL.replace(old, new)


def test_problem_format():
    assert str(Problem("f.yaml", 3, 5, "a.b", "bad")) == "f.yaml:3:5: a.b: bad"
    assert str(Problem("f.yaml", 3, 5, "a", "odd", "warning")) == "f.yaml:3:5: warning: a: odd"
    assert str(ScenarioError([Problem("f", 1, 1, "", "x"), Problem("f", 2, 1, "p", "y")])) == "f:1:1: x\nf:2:1: p: y"


def test_unknown_key_with_suggestion():
    assert errors(edit("{size: 11,", "{sizee: 11,")) == [
        "s.yaml:11:12: pools.agents.sizee: unknown field 'sizee'; did you mean 'size'?"
    ]


def test_unknown_key_without_suggestion_lists_fields():
    out = errors(edit("seed: 1}", "seed: 1, zzz: 2}"))
    assert out == [
        "s.yaml:1:80: meta.zzz: unknown field 'zzz' (expected one of: id, title, briefing, duration, start, warmup, seed, "
        "currency, language, company, interval, sample_every)"
    ]


def test_wrong_type():
    assert errors(edit("rate: 600", "rate: lots")) == [
        "s.yaml:7:21: contact_types.billing.arrival.rate: wrong type (expected a number, got 'lots')"
    ]


def test_bad_duration():
    assert errors(edit("duration: 8h", "duration: 8x")) == [
        "s.yaml:1:54: meta.duration: bad duration "
        "(expected a duration such as 90s, 15m, 2h, 3d or minutes, got '8x')"
    ]


def test_negative_duration_and_range():
    out = errors(edit("mean: 1m}", "mean: -5}").replace("resolution: 1.0", "resolution: 1.5"))
    assert out == [
        "s.yaml:8:44: contact_types.billing.handle_time.mean: bad duration (expected a duration >= 0, got -5)",
        "s.yaml:9:31: contact_types.billing.first_contact_resolution: out of range (expected a value <= 1, got 1.5)",
    ]


def test_missing_required_field_points_at_parent():
    assert errors(edit("    channel: phone\n", "")) == [
        "s.yaml:5:3: contact_types.billing: missing required field 'channel'"
    ]


def test_literal_with_suggestion_and_nested_distribution():
    out = errors(edit("{kind: sync, patience: {dist: exponential, mean: 2m}}", "{kind: synk, patience: {dist: gama}}"))
    assert out == [
        "s.yaml:3:17: channels.phone.kind: unknown value; did you mean 'sync'? "
        "(expected 'sync', 'async' or 'social', got 'synk')",
        "s.yaml:3:40: channels.phone.patience.dist: unknown dist type; did you mean 'gamma'? "
        "(expected one of: exponential, lognormal, gamma, weibull, uniform, fixed, empirical, got 'gama')",
    ]


def test_field_inside_discriminated_union():
    out = errors(edit("{dist: exponential, mean: 1m}", "{dist: gamma, mean: 1m, cvv: 2}"))
    assert out == ["s.yaml:8:42: contact_types.billing.handle_time.cvv: unknown field 'cvv'; did you mean 'cv'?"]


def test_one_of_message_names_the_alias():
    out = errors(edit("mean: 1m}", "mean: 1m, rate: 2}"))
    assert out == [
        "s.yaml:8:18: contact_types.billing.handle_time: give exactly one of {mean} or {scale} or {rate}"
    ]


def test_plain_union_merges_type_errors_and_keeps_matching_branch():
    assert errors(edit("skills: [billing]", "skills: 5")) == [
        "s.yaml:11:30: pools.agents.skills: wrong type (expected a list or a mapping, got 5)"
    ]
    assert errors(edit("skills: [billing]", "skills: {billing: first}")) == [
        "s.yaml:11:40: pools.agents.skills.billing: wrong type (expected an integer, got 'first')"
    ]


EFFECTS = MINIMAL + """injects:
  - id: storm
    at: 1h
    effects:
      - {effect: rate, factr: 2}
      - {effect: bogus}
      - {amount: 1}
      - 7
"""


KIND_LIST = ", ".join(KINDS)  # every effect kind, in the registry's (alphabetical) order


def test_effect_errors():
    assert errors(EFFECTS) == [
        "s.yaml:17:24: injects[0].effects[0].factr: unknown field 'factr'; did you mean 'factor'?",
        f"s.yaml:18:18: injects[0].effects[1].effect: unknown effect type (expected one of: {KIND_LIST}, "
        "got 'bogus')",
        f"s.yaml:19:9: injects[0].effects[2]: missing 'effect' (expected one of: {KIND_LIST})",
        "s.yaml:20:9: injects[0].effects[3]: wrong type (expected a mapping, got 7)",
    ]


def test_model_rule_points_at_mapping_and_long_values_are_truncated():
    out = errors(edit("warmup: 30m", "warmup: 9h"))
    assert out == ["s.yaml:1:7: meta: warmup must be shorter than duration"]
    assert errors(edit("title: One queue", "title: " + "T" * 300)) == [
        "s.yaml:1:33: meta.title: wrong length (expected at most 200 characters, got 300)"
    ]
    assert errors(edit("rate: 600", "rate: " + "y" * 300)) == [
        "s.yaml:7:21: contact_types.billing.arrival.rate: wrong type (expected a number, got '" + "y" * 38 + "…)"
    ]
    out = errors(edit("id: single-queue", "id: 'not an id, and a rather long one too'"))
    assert out == [
        "s.yaml:1:12: meta.id: invalid name (expected an identifier (letters, digits, '_' or '-', starting with a "
        "letter or '_'), got 'not an id, and a rather long one too')"
    ]


def test_nan_inf_and_huge_numbers():
    out = errors(edit("rate: 600", "rate: .nan").replace("size: 11", "size: 1.0e+999").replace("seed: 1", "seed: " + "9" * 30))
    assert out == [
        "s.yaml:1:77: meta.seed: out of range (expected a value <= 9223372036854775807, got " + "9" * 30 + ")",
        "s.yaml:7:21: contact_types.billing.arrival.rate: wrong type (expected a finite number, got nan)",
        "s.yaml:11:18: pools.agents.size: wrong type (expected a finite number, got inf)",
    ]


# --- cross-reference checks ----------------------------------------------------------------------

CROSS = """meta: {id: x, title: t, duration: 8h}
channels:
  phone: {kind: sync}
contact_types:
  billing: {channel: fone, arrival: {rate: 1}, handle_time: {dist: fixed, value: 1}}
  defect: {channel: phone, arrival: {rate: 1}, handle_time: {dist: fixed, value: 1}}
pools:
  agents:
    skills: {billing: 1, bling: 2}
    shifts: [{start: 0, end: 9h, size: 2}, {start: 8h, end: 9h, size: 1}]
injects:
  - id: news
    when: queue.billing > 4 and reputaton < 3
    effects: [{effect: staff, pool: agentz, add: 1}, {effect: statement, answers: nws, reputation: 2}]
  - {id: news, at: 9h, effects: [{effect: rate, target: x, factor: 1}]}
decisions:
  - id: card
    title: T
    when: "busy.agent > 1"
    default: c
    options:
      - {id: a, label: A}
      - {id: a, label: B, effects: [{effect: outage, channel: mail}, {effect: handle_time, factor: 2, target: agents}]}
actions:
  - {id: card, label: Again}
"""


def test_cross_reference_checks_report_everything():
    sc, errs, warns = validate_text(CROSS, "c.yaml")
    assert sc is None
    assert [str(p) for p in warns] == [
        "c.yaml:6:3: warning: contact_types.defect: no pool has the skill 'defect'; these contacts will never be answered"
    ]
    assert [str(p) for p in errs] == [
        "c.yaml:5:22: contact_types.billing.channel: unknown channel 'fone'; did you mean 'phone'? (expected one of: phone)",
        "c.yaml:9:26: pools.agents.skills.bling: unknown contact type 'bling'; did you mean 'billing'? "
        "(expected one of: billing, defect)",
        "c.yaml:10:30: pools.agents.shifts[0].end: after the end of the run (expected at most 8h, got 9h)",
        "c.yaml:10:52: pools.agents.shifts[1].start: after the end of the run (expected before 8h, got 8h)",
        "c.yaml:10:61: pools.agents.shifts[1].end: after the end of the run (expected at most 8h, got 9h)",
        "c.yaml:13:33: injects[0].when: bad condition: unknown name 'reputaton'; did you mean 'reputation'? "
        "(expected one of: time, reputation, abandon_rate, service_level, loss, churned, queue, backlog, posts, "
        "arrived, abandoned, incidents, …)",
        "c.yaml:14:37: injects[0].effects[0].pool: unknown pool 'agentz'; did you mean 'agents'? (expected one of: agents)",
        "c.yaml:14:83: injects[0].effects[1].answers: unknown inject 'nws'; did you mean 'news'? (expected one of: news)",
        "c.yaml:15:10: injects[1].id: duplicate id 'news' (already used by injects[0])",
        "c.yaml:15:20: injects[1].at: after the end of the run (expected before 8h, got 9h)",
        "c.yaml:15:57: injects[1].effects[0].target: unknown contact type or channel 'x' "
        "(expected one of: billing, defect, phone)",
        "c.yaml:19:17: decisions[0].when: bad condition: unknown pool 'agent'; did you mean 'agents'? "
        "(expected one of: agents)",
        "c.yaml:20:14: decisions[0].default: unknown option 'c' (expected one of: a)",
        "c.yaml:23:14: decisions[0].options[1].id: duplicate option id 'a' (already used by options[0])",
        "c.yaml:23:63: decisions[0].options[1].effects[0].channel: unknown channel 'mail' (expected one of: phone)",
        "c.yaml:25:10: actions[0].id: duplicate id 'card' (already used by decisions[0])",
    ]


def test_warning_does_not_fail_and_handle_time_may_target_a_pool():
    text = MINIMAL.replace("billing:\n    channel", "spare:\n    channel: phone\n    arrival: {rate: 1}\n"
                           "    handle_time: {dist: fixed, value: 1}\n  billing:\n    channel")
    text += "actions:\n  - {id: script, label: S, effects: [{effect: handle_time, factor: 0.9, target: agents}]}\n"
    sc, errs, warns = validate_text(text, "w.yaml")
    assert sc is not None and errs == []
    assert [str(w) for w in warns] == [
        "w.yaml:5:3: warning: contact_types.spare: no pool has the skill 'spare'; these contacts will never be answered"
    ]


def test_condition_column_plain_and_quoted():
    for src, expect in (("when: a > 1\n", (1, 12)), ("when: 'a > 1'\n", (1, 13)), ('when: "a > 1"\n', (1, 13)),
                        ("when: 'it''s > 1'\n", (1, 14))):
        node = compose(src, "q.yaml").value["when"]
        assert condition_position(node, node.value, 5) == expect


def test_bad_condition_syntax_column():
    text = MINIMAL + "injects:\n  - {id: i, when: 'queue.billing >> 3', effects: []}\n"
    assert errors(text) == [
        "s.yaml:14:35: injects[0].when: bad condition: unexpected '>' (expected a name, number or '(')"
    ]


# --- includes ------------------------------------------------------------------------------------

def test_include_deep_merges_and_child_wins():
    sc = load_scenario(DATA / "inc" / "child.yaml")
    assert sc.meta.id == "child" and sc.meta.duration == 480
    assert sc.pools["agents"].size == 20 and sc.pools["agents"].skills == ["billing"]
    assert sc.include is None


def test_include_cycle_names_the_chain():
    a = DATA / "inc" / "cycle_a.yaml"
    _, errs, _ = validate_file(a)
    b = str(DATA / "inc" / "cycle_b.yaml")
    assert [str(p) for p in errs] == [f"{b}:1:11: include[0]: include cycle: {a} -> {b} -> {a}"]


def test_error_inside_included_file_names_that_file():
    _, errs, _ = validate_file(DATA / "inc" / "uses_bad.yaml")
    bad = DATA / "inc" / "bad_base.yaml"
    assert [str(p) for p in errs] == [
        f"{bad}:7:21: contact_types.billing.arrival.rate: wrong type (expected a number, got 'lots')"
    ]


def test_missing_include_points_at_entry():
    f = DATA / "inc" / "missing.yaml"
    _, errs, _ = validate_file(f)
    assert [str(p) for p in errs] == [f"{f}:3:5: include[1]: cannot include 'nowhere.yaml': no such file"]


def test_include_of_wrong_type():
    assert errors("include: {a: 1}\n") == ["s.yaml:1:10: include: wrong type (expected a file path or a list of paths)"]


# --- hash ----------------------------------------------------------------------------------------

def test_scenario_hash_is_canonical(tmp_path):
    reordered = tmp_path / "r.yaml"
    reordered.write_text("reputation: {arrival_feedback: 0}\n" + MINIMAL.replace("reputation: {arrival_feedback: 0}\n", "")
                         .replace("duration: 8h", "duration: 480"))
    h = scenario_hash(DATA / "minimal.yaml")
    assert len(h) == 64 and h == scenario_hash(reordered) == scenario_hash(load_scenario(reordered))
    assert h != scenario_hash(load_scenario_text(edit("seed: 1", "seed: 2")))
