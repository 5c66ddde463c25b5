"""The facilitator's panel: pause, speed, fire an inject, post a message, mark a discussion point;
typed text takes the keys; every move is saved and replays exactly (also by ``crisissim run --replay``)."""

from __future__ import annotations

import json

import pytest

pygame = pytest.importorskip("pygame")

from game_helpers import RECALL, make_app, press, start_run  # noqa: E402

from crisissim.cli import main  # noqa: E402
from crisissim.game.app import App, Options  # noqa: E402
from crisissim.game.clock import TICK  # noqa: E402
from crisissim.game.keys import clashes  # noqa: E402
from crisissim.game.scenes.card import CardScene  # noqa: E402
from crisissim.game.scenes.confirm import ConfirmScene  # noqa: E402
from crisissim.game.scenes.dashboard import DashboardScene  # noqa: E402
from crisissim.game.scenes.debrief import DebriefScene  # noqa: E402
from crisissim.game.scenes.facilitator import FacilitatorScene  # noqa: E402
from crisissim.game.scenes.help import HelpScene  # noqa: E402


def typed(app, s: str) -> None:
    """Text typed (what SDL sends for it: a key press, then the text)."""
    for ch in s:
        key = getattr(pygame, f"K_{ch.lower()}", pygame.K_UNKNOWN) if ch.isascii() and ch.isalnum() else pygame.K_UNKNOWN
        app.handle_event(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=ch))
        app.handle_event(pygame.event.Event(pygame.TEXTINPUT, text=ch))
        app.handle_event(pygame.event.Event(pygame.KEYUP, key=key, mod=0))


def to_the_end(app) -> None:
    for _ in range(400_000):
        top = app.stack.top
        if isinstance(top, DebriefScene):
            return
        if isinstance(top, ConfirmScene):
            press(app, "y")
        elif isinstance(top, CardScene) and top.view is not None:
            press(app, "a")
        app.update(TICK)
    raise AssertionError("the run did not end")


def test_the_facilitators_moves_are_logged_saved_and_replay_exactly(tmp_path):
    app = make_app(tmp_path, speed=20.0)
    dash = start_run(app)
    for _ in range(20):
        app.update(TICK)
    press(app, "f9")
    fac = app.stack.top
    assert isinstance(fac, FacilitatorScene)
    assert clashes(fac.bindings()) == [] and clashes(app.bindings()) == []
    t0 = dash.clock.snap.time
    app.update(TICK)
    assert dash.clock.snap.time > t0  # the run goes on beside the panel
    app.draw(pygame.Surface((1280, 720)))
    target = fac.injects[1]
    press(app, "down")
    press(app, "return")
    assert dash.session.decisions[-1] == {"t": dash.clock.snap.time, "step": dash.session.sim.steps,
                                          "inject": target.id, "by": "facilitator"}
    press(app, "m")
    assert fac.typing == "message" and [b.help for b in app.bindings()] == [b.help for b in fac.bindings()]
    typed(app, "Hello, is it safe? ")
    app.handle_event(pygame.event.Event(pygame.TEXTINPUT, text="记者来电"))
    press(app, "backspace")
    press(app, "tab")  # negative → neutral
    assert app.words.lang == "en" and not isinstance(app.stack.top, HelpScene)  # h and l were typed, not keys
    app.draw(pygame.Surface((1280, 720)))
    press(app, "return")
    assert fac.typing is None
    last = dash.session.decisions[-1]
    assert (last["message"], last["tone"], last["by"]) == ("Hello, is it safe? 记者来", "neutral", "facilitator")
    assert dash.feed.items[-1].kind == "message" and dash.feed.items[-1].text == "Hello, is it safe? 记者来"
    press(app, "d")
    typed(app, "Why now")
    press(app, "return")
    assert dash.session.decisions[-1]["mark"] == "discussion" and dash.session.decisions[-1]["text"] == "Why now"
    press(app, "space")
    assert dash.clock.paused and dash.clock.pause_reason == "facilitator"
    press(app, "space")
    press(app, "3")
    assert not dash.clock.paused and dash.clock.speed == 4
    assert [d.get("mark") for d in dash.session.decisions[-3:]] == ["pause", "resume", "speed"]
    app.draw(pygame.Surface((960, 540)))
    press(app, "f9")
    assert app.stack.top is dash
    to_the_end(app)
    played = json.loads(json.dumps(app.session.sim.result().to_dict()))
    moves = [d for d in played["decisions"] if d["by"] == "facilitator"]
    assert [next(k for k in ("inject", "message", "mark") if k in d) for d in moves] == \
        ["inject", "message", "mark", "mark", "mark", "mark"]
    kinds = [e["kind"] for e in played["events"]]
    assert kinds.count("message") == 1 and kinds.count("mark") == 4
    save = tmp_path / "save.json"
    out = tmp_path / "replayed.json"
    assert main(["run", "--replay", str(save), "--json", str(out)]) == 0
    again = json.loads(out.read_text(encoding="utf-8"))
    again.pop("policy")
    assert again == played


def test_facilitator_flag_opens_the_panel_and_a_resumed_run_keeps_the_moves(tmp_path):
    app = App(pygame, Options(file=RECALL, seed=4, speed=20.0, save=tmp_path / "s.json",
                              facilitator=True, debrief_reps=2))
    app.start()
    press(app, "return")  # the briefing's start
    fac = app.stack.top
    assert isinstance(fac, FacilitatorScene) and isinstance(fac.dashboard, DashboardScene)
    for _ in range(10):
        app.update(TICK)
    press(app, "return")  # fire the first inject
    press(app, "d")
    press(app, "return")  # a discussion point with no note
    log = list(app.session.decisions)
    assert [d["by"] for d in log] == ["facilitator", "facilitator"] and log[1]["text"] == ""
    path = app.leave_session()
    resumed = App(pygame, Options(resume=path, speed=20.0, facilitator=True))
    resumed.start()
    assert isinstance(resumed.stack.top, FacilitatorScene)
    assert resumed.session.decisions == log
    events = resumed.session.sim.events_since(0)
    assert [e["kind"] for e in events if e["kind"] in ("mark",)] == ["mark"]
    assert any(e["kind"] == "inject" and e["id"] == log[0]["inject"] and e["t"] == log[0]["t"] for e in events)
