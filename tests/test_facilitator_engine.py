"""A facilitator's moves in the engine: fire an inject now, post a message, mark the log;
each is a decision-log entry, saved and replayed exactly (also through ``crisissim run --replay``)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from crisissim.cli import app
from crisissim.engine import DecisionError, Simulation
from crisissim.save import build_save, read_save, write_save
from test_engine_behaviour import crisis


def facilitated(seed: int = 2) -> Simulation:
    """A run in which the facilitator fires ``news`` early, twice, posts, and marks the log."""
    sim = Simulation(crisis(), seed)
    sim.run_until(30.5)
    sim.fire_inject("news")
    sim.run_until(41.25)
    sim.post_message("  A journalist asks for a comment  ", "negative")
    sim.mark("discussion", "What would you say to her?")
    sim.run_until(70)
    sim.fire_inject("news")  # its limit is once; a facilitator may fire it again
    sim.mark("pause")
    card = sim.run_to_next_decision()
    sim.decide(card.id, "apologise")
    return sim


def test_fire_post_and_mark_are_logged_decisions_that_change_the_run_only_as_said():
    sim = facilitated()
    d = sim.result().to_dict()
    made = d["decisions"]
    assert [(x["t"], x.get("inject") or x.get("message") or x.get("mark") or x.get("card"), x["by"]) for x in made] == [
        (30.5, "news", "facilitator"), (41.25, "A journalist asks for a comment", "facilitator"),
        (41.25, "discussion", "facilitator"), (70.0, "news", "facilitator"), (70.0, "pause", "facilitator"),
        (made[5]["t"], "respond", "trainee"),
    ]
    assert made[1]["tone"] == "negative" and made[2]["text"] == "What would you say to her?"
    assert all(isinstance(x["step"], int) for x in made)
    injects = [e for e in d["events"] if e["kind"] == "inject" and e["id"] == "news"]
    assert [e["t"] for e in injects] == [30.5, 70.0, 90.0]  # the scheduled one still comes at 1h30m
    assert [e["count"] for e in injects] == [1, 2, 3]
    msg = next(e for e in d["events"] if e["kind"] == "message")
    assert (msg["t"], msg["text"], msg["tone"], msg["by"]) == (41.25, "A journalist asks for a comment", "negative",
                                                               "facilitator")
    marks = [(e["t"], e["mark"], e["text"]) for e in d["events"] if e["kind"] == "mark"]
    assert marks == [(41.25, "discussion", "What would you say to her?"), (70.0, "pause", "")]
    # the surge made the day worse than the same seed left alone with the same answer
    plain = Simulation(crisis(), 2)
    plain.decide(plain.run_to_next_decision().id, "apologise")
    assert d["contacts"]["arrived"] > plain.result().to_dict()["contacts"]["arrived"]


def test_message_and_mark_alone_change_no_number():
    a = Simulation(crisis(), 5)
    a.run_until(33.3)
    a.post_message("hello", "positive")
    a.mark("discussion", "look at the queue")
    a.mark("speed", "4")
    ra = a.result().to_dict()
    rb = Simulation(crisis(), 5).result().to_dict()
    for d in (ra, rb):
        d.pop("decisions")
        d["events"] = [e for e in d["events"] if e["kind"] not in ("message", "mark")]
    assert json.dumps(ra, sort_keys=True) == json.dumps(rb, sort_keys=True)


def test_replaying_the_log_reproduces_the_run_bit_for_bit():
    sim = facilitated(3)
    a = sim.result().to_dict()
    b = Simulation(crisis(), 3, replay=sim.decisions).result().to_dict()
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_facilitator_moves_replay_through_a_save_and_the_cli(tmp_path):

    path = tmp_path / "mix.yaml"
    from test_engine_behaviour import crisis_dict

    d = crisis_dict()
    d["channels"]["social"]["excitation"] = 1.5  # validate refuses the explosive 2.0 (a branching ratio above 1)
    path.write_text(json.dumps(d), encoding="utf-8")
    from crisissim.scenario import load_scenario

    sc = load_scenario(path)
    sim = Simulation(sc, 4)
    sim.run_until(12.75)
    sim.fire_inject("storm")
    sim.post_message("Is it true?", "neutral")
    sim.run_until(50)
    sim.mark("discussion", "first surge — 讨论")
    d = sim.result().to_dict()
    save = tmp_path / "run.json"
    write_save(save, build_save(sc, 4, d["decisions"], path=str(path), total_loss=d["total_loss"]))
    assert [x.by for x in read_save(save).decisions][:3] == ["facilitator"] * 3
    out = tmp_path / "again.json"
    r = CliRunner().invoke(app, ["run", "--replay", str(save), "--json", str(out)])
    assert r.exit_code == 0, r.output
    again = json.loads(out.read_text(encoding="utf-8"))
    again.pop("policy")
    assert again == json.loads(json.dumps(d))
    assert "storm!@13m" in r.output and "message@13m" in r.output and "discussion@50m" in r.output


@pytest.mark.parametrize("call, message", [
    (lambda s: s.fire_inject("meteor"), "unknown inject 'meteor' (expected one of: news, storm)"),
    (lambda s: s.post_message("   "), "message is empty"),
    (lambda s: s.post_message("x" * 501), "message is 501 characters long (at most 500)"),
    (lambda s: s.post_message("hi", "angry"), "message tone 'angry' is not one of: negative, neutral, positive"),
    (lambda s: s.mark("lunch"), "mark 'lunch' is not one of: discussion, pause, resume, speed"),
])
def test_bad_facilitator_moves_are_refused_and_leave_no_trace(call, message):
    sim = Simulation(crisis(), 1)
    sim.run_until(10)
    with pytest.raises(DecisionError) as e:
        call(sim)
    assert str(e.value) == message
    assert sim.decisions == [] and not [x for x in sim.events_since(0) if x["kind"] in ("message", "mark", "inject")]


def test_a_save_with_a_bad_facilitator_entry_is_refused_with_its_place(tmp_path):
    sc = crisis()
    save = tmp_path / "s.json"
    entry = {"t": 3.0, "step": 10, "by": "facilitator", "message": "hi", "mark": "pause"}
    write_save(save, build_save(sc, 1, [entry]))
    from crisissim.save import SaveError

    with pytest.raises(SaveError) as e:
        read_save(save)
    assert str(e.value) == f"{save}:12:5: decisions[0]: a decision needs card and option, or action, inject, message or mark"
    with pytest.raises(DecisionError, match=r"^decisions\.0\.inject: unknown inject 'meteor'$"):
        Simulation(sc, 1, replay=[{"t": 3.0, "step": 10, "by": "facilitator", "inject": "meteor"}])
