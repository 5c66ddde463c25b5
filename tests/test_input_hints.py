"""A trainer's slips get plain words: YAML indentation, tabs, quotes and colons get a hint; the
operators and units of other languages in a condition get "did you mean"; and a part with a schema
error still has its cross-references checked, so one run of validate lists every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from crisissim.cli import main
from crisissim.scenario import validate_text

MINIMAL = (Path(__file__).parent / "data" / "minimal.yaml").read_text()


def problems(text: str) -> list[str]:
    sc, errors, _ = validate_text(text, "s.yaml")
    assert sc is None
    return [str(p) for p in errors]


@pytest.mark.parametrize("text, message", [
    ("meta: {id: a, title: b, duration: 8h}\nchannels:\n  phone: {kind: sync}\n    mail: {kind: async}\n",
     "s.yaml:4:5: did not find expected key (while parsing a block mapping); hint: the fields of the mapping that "
     "starts at line 3 begin in column 3, but line 4 starts in column 5; indent the parts of one block alike"),
    ("meta:\n  id: a\n  title: b\n   duration: 8h\n",
     "s.yaml:4:12: mapping values are not allowed in this context; hint: line 4 is indented deeper than line 3, "
     "whose key already has a value; indent it to column 3 to add a field beside that one"),
    ("meta:\n  id: a\n\ttitle: b\n",
     "s.yaml:3:1: found a tab character that violates indentation (while scanning a plain scalar); hint: indent "
     "with spaces; YAML does not allow tabs"),
    ("meta:\n  id: a\n  title: Note: b\n",
     "s.yaml:3:14: mapping values are not allowed in this context; hint: a value that contains ': ' must be quoted, "
     "as in text: \"Note: …\""),
    ("meta:\n  id: a\n  title: \"b\n  duration: 8h\nchannels: {}\n",
     "s.yaml:6:1: found unexpected end of stream (while scanning a quoted scalar); hint: the quote opened at line 3, "
     "column 10 is never closed"),
    ("meta:\n  id: a\n  title: \"b\n  duration: 8h\n  start: \"09:00\"\n",
     "s.yaml:5:11: did not find expected key (while parsing a block mapping); hint: the quote opened at line 3, "
     "column 10 is not closed on its line"),
    ("injects:\n  - id: a\n   at: 1h\n",
     "s.yaml:3:4: did not find expected '-' indicator (while parsing a block collection); hint: to add a field to "
     "the item at line 2, indent it to column 5, under its first field; to start a new item, write '- ' in column 3"),
], ids=["deeper-block", "deeper-field", "tab", "colon-in-text", "open-quote-at-end", "open-quote", "list-item"])
def test_yaml_slips_get_a_hint(text, message):
    assert problems(text) == [message]


@pytest.mark.parametrize("when, col, message", [
    ("queue.billing > 5 && time > 2h", 38, "unexpected '&&' in condition; did you mean 'and'?"),
    ("queue.billing > 5 & time > 2h", 38, "unexpected '&' in condition; did you mean 'and'?"),
    ("queue.billing > 5 || time > 2h", 38, "unexpected '||' in condition; did you mean 'or'?"),
    ("!(time > 2h)", 20, "unexpected '!' in condition; did you mean 'not'?"),
    ("time = 2h", 25, "unexpected '=' in condition; did you mean '=='?"),
    ("time > 1 hour", 29, "unexpected 'hour'; did you mean '1h'? (a unit follows its number: 90s, 15m, 2h, 3d)"),
    ("(time > 90 seconds)", 31, "unexpected 'seconds'; did you mean '90s'? (a unit follows its number: 90s, 15m, 2h, 3d)"),
    ("queue.billing > 5 AND time > 2h", 38, "unexpected 'AND'; did you mean 'and'? (and, or, not are written in "
                                            "small letters)"),
    ("NOT time > 2h", 20, "unexpected 'NOT'; did you mean 'not'? (and, or, not are written in small letters)"),
])
def test_condition_slips_get_did_you_mean(when, col, message):
    text = MINIMAL + f'injects:\n  - {{id: x, when: "{when}", effects: []}}\n'
    assert problems(text) == [f"s.yaml:14:{col}: injects[0].when: bad condition: {message}"]


def test_a_condition_without_a_slip_keeps_its_plain_message():
    text = MINIMAL + 'injects:\n  - {id: x, when: "time > 2h and (queue.billing > 5", effects: []}\n'
    assert problems(text) == ["s.yaml:14:52: injects[0].when: bad condition: expected ')' (got 'the end')"]


PARTS = MINIMAL + """injects:
  - {id: news, at: 1h, effects: [{effect: surge, target: biling, peak: lots, half_life: 1h}]}
  - {id: late, at: soon, when: "queue.biling > 5", effects: []}
decisions:
  - id: card
    title: t
    at: 2h
    default: wiat
    options:
      - {id: go, effects: [{effect: staff, pool: agnets, add: 2}]}
      - {id: wait, label: Wait, effects: [{effect: statement, answers: nwes, reputation: high}]}
"""


def test_cross_references_inside_a_part_with_a_schema_error_come_in_the_same_run(tmp_path, capsys):
    expected = [
        "s.yaml:14:58: injects[0].effects[0].target: unknown contact type or channel 'biling'; did you mean "
        "'billing'? (expected one of: billing, phone)",
        "s.yaml:14:72: injects[0].effects[0].peak: wrong type (expected a number, got 'lots')",
        "s.yaml:15:20: injects[1].at: bad duration (expected a duration such as 90s, 15m, 2h, 3d or minutes, got 'soon')",
        "s.yaml:15:39: injects[1].when: bad condition: unknown contact type 'biling'; did you mean 'billing'? "
        "(expected one of: billing)",
        "s.yaml:20:14: decisions[0].default: unknown option 'wiat'; did you mean 'wait'? (expected one of: go, wait)",
        "s.yaml:22:9: decisions[0].options[0]: missing required field 'label'",
        "s.yaml:22:50: decisions[0].options[0].effects[0].pool: unknown pool 'agnets'; did you mean 'agents'? "
        "(expected one of: agents)",
        "s.yaml:23:72: decisions[0].options[1].effects[0].answers: unknown inject 'nwes'; did you mean 'news'? "
        "(expected one of: late, news)",
        "s.yaml:23:90: decisions[0].options[1].effects[0].reputation: wrong type (expected a number, got 'high')",
    ]
    assert problems(PARTS) == expected
    f = tmp_path / "s.yaml"
    f.write_text(PARTS)
    assert main(["validate", str(f)]) == 1
    assert capsys.readouterr().err.splitlines() == [f"{tmp_path}/{line}" for line in expected]


def test_stand_ins_never_show():
    """The values put in for rejected ones, to read the rest, never reach a message."""
    text = MINIMAL + """decisions:
  - id: card
    title: 7
    at: 2h
    default: go
    options:
      - {id: go, label: 7, effects: [{effect: statement, answers: nothing, reputation: 1}]}
      - {id: wait, effects: [{effect: staff, pool: nobody, add: 1}]}
"""
    assert problems(text) == [
        "s.yaml:15:12: decisions[0].title: wrong type (expected a string, got 7)",
        "s.yaml:19:25: decisions[0].options[0].label: wrong type (expected a string, got 7)",
        "s.yaml:19:67: decisions[0].options[0].effects[0].answers: unknown inject 'nothing' (expected one of: no "
        "injects defined)",
        "s.yaml:20:9: decisions[0].options[1]: missing required field 'label'",
        "s.yaml:20:52: decisions[0].options[1].effects[0].pool: unknown pool 'nobody' (expected one of: agents)",
    ]
