"""Nothing lost: autosaves every 15 simulated minutes and on Ctrl-C, SIGTERM, an error or a closed
window; a resumed run equals the uninterrupted one; rewinding to a decision and choosing again
equals a fresh run with that choice."""

from __future__ import annotations

import json
import os
import signal

import pytest

pygame = pytest.importorskip("pygame")

from game_helpers import RECALL, make_app, press, start_run  # noqa: E402

from crisissim.cli import main  # noqa: E402
from crisissim.game.app import App, Options, guarded  # noqa: E402
from crisissim.game.clock import TICK  # noqa: E402
from crisissim.game.scenes.card import CardScene  # noqa: E402
from crisissim.game.scenes.confirm import ConfirmScene  # noqa: E402
from crisissim.game.scenes.dashboard import DashboardScene  # noqa: E402
from crisissim.game.scenes.debrief import DebriefScene  # noqa: E402
from crisissim.game.scenes.rewind import RewindScene  # noqa: E402
from crisissim.game.session import AUTOSAVE_EVERY, Session, branch_path, last_unfinished  # noqa: E402

CHOICES = {"recall": "full-recall", "statement": "apologise-now", "staffing": "borrow"}


def letter(card, option_id):
    return chr(ord("a") + [o.id for o in card.options()].index(option_id))


def play(app, choices=CHOICES, act_after=150.0, stop=None, limit=400_000) -> None:
    """Play as a scripted trainee: answer the cards in ``choices`` at once (confirming), use the
    second action once after ``act_after`` minutes; until the debrief or ``stop()``."""
    acted = act_after is None
    for _ in range(limit):
        top = app.stack.top
        if isinstance(top, DebriefScene) or (stop is not None and stop()):
            return
        if isinstance(top, ConfirmScene):
            press(app, "y")
        elif isinstance(top, CardScene) and top.card_id in choices and top.view is not None:
            press(app, letter(top, choices[top.card_id]))
        dash = app.session and app.stack.top
        if not acted and isinstance(dash, DashboardScene) and dash.clock.snap.time > act_after:
            press(app, "w")
            acted = True
        app.update(TICK)
    raise AssertionError("the run did not end")


def final(app) -> dict:
    d = app.session.sim.result().to_dict()
    return json.loads(json.dumps(d))


def test_autosaves_every_15_simulated_minutes_in_the_background(tmp_path):
    app = make_app(tmp_path, speed=6.0)
    dash = start_run(app)
    save = tmp_path / "save.json"
    seen = []
    while dash.clock.snap.time < 50:
        app.update(TICK)
        if app.stack.top is not dash:
            app.stack.pop()  # no cards this early; keep to the dashboard
        s = dash.session
        if s.autosaved_at and (not seen or seen[-1] != s.autosaved_at):
            seen.append(s.autosaved_at)
    dash.session.autosaver.flush()
    assert [int(t // AUTOSAVE_EVERY) for t in seen] == [1, 2, 3]
    assert all(0 <= t - 15 * k < 0.5 for t, k in zip(seen, (1, 2, 3)))  # the first frame past each quarter hour
    data = json.loads(save.read_text())
    assert data["at"] == seen[-1] and data["total_loss"] is None and data["seed"] == 3


def test_a_resumed_run_equals_the_uninterrupted_one(tmp_path):
    whole = make_app(tmp_path / "a", speed=20.0)
    start_run(whole)
    play(whole)
    want = final(whole)
    assert {d.get("card") or d.get("action") for d in want["decisions"]} >= {"recall", "statement", "script"}

    cut = make_app(tmp_path / "b", speed=20.0)
    start_run(cut)

    def until_interrupted():
        play(cut, stop=lambda: cut.session.now > 200 and isinstance(cut.stack.top, DashboardScene))
        raise KeyboardInterrupt

    lines = []
    assert guarded(cut, until_interrupted, lines.append) == 130
    save = tmp_path / "b" / "save.json"
    assert lines == [f"crisissim: interrupted; the run is saved to {save} (crisissim play --resume {save})"]
    data = json.loads(save.read_text())
    assert data["at"] > 200 and data["total_loss"] is None

    again = App(pygame, Options(speed=20.0, resume=save))
    again.start()
    dash = again.stack.top
    assert isinstance(dash, DashboardScene) and dash.clock.paused and dash.clock.pause_reason == "resumed"
    assert dash.clock.snap.time == data["at"]
    press(again, "space")
    play(again, act_after=None)  # the action was used before the interruption
    got = final(again)
    assert got == want
    assert again.session.save_path == save  # it goes on in its own save


def test_rewinding_and_choosing_again_equals_a_fresh_run_with_that_choice(tmp_path):
    first = make_app(tmp_path / "a", speed=20.0)
    start_run(first)
    play(first, stop=lambda: first.session.now > 300 and isinstance(first.stack.top, DashboardScene))
    log = first.session.decisions
    k = next(i for i, d in enumerate(log) if d.get("card") == "recall")
    old = first.session
    press(first, "backspace")
    rw = first.stack.top
    assert isinstance(rw, RewindScene)
    first.draw(pygame.Surface((1280, 720)))
    while log[rw.rows[rw.selected]].get("card") != "recall":
        press(first, "up")
    press(first, "return")
    branch = first.session
    assert branch is not old and branch.save_path == tmp_path / "a" / "save-r1.json"
    assert json.loads((tmp_path / "a" / "save.json").read_text())["decisions"] == json.loads(json.dumps(log))
    assert branch.now == log[k]["t"] and branch.decisions == log[:k]
    assert branch.clock.paused and branch.clock.pause_reason == "rewound"
    first.update(TICK)  # the card opens again
    card = first.stack.top
    assert isinstance(card, CardScene) and card.card_id == "recall"
    press(first, letter(card, "wait"))
    press(first, "space")
    play(first, act_after=None if any(d.get("action") for d in log[:k]) else 150.0)
    got = final(first)

    fresh = make_app(tmp_path / "c", speed=20.0)
    start_run(fresh)
    play(fresh, {**CHOICES, "recall": "wait"})
    want = final(fresh)
    assert got == want
    assert [d.get("option") for d in got["decisions"] if d.get("card") == "recall"] == ["wait"]


def test_an_error_a_sigterm_and_a_closed_window_save_the_run(tmp_path):
    app = make_app(tmp_path, speed=20.0)
    start_run(app)
    save = tmp_path / "save.json"

    def crash():
        for _ in range(30):
            app.update(TICK)
        raise RuntimeError("boom")

    lines = []
    with pytest.raises(RuntimeError, match="boom"):
        guarded(app, crash, lines.append)
    assert "the game stopped on an error; the run is saved to" in lines[0]
    at = json.loads(save.read_text())["at"]
    assert at == app.session.now > 0
    save.unlink()

    def terminated():
        for _ in range(10):
            app.update(TICK)
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):
            app.update(TICK)
        raise AssertionError("SIGTERM did not stop the loop")

    assert guarded(app, terminated, lines.append) == 143
    assert json.loads(save.read_text())["at"] == app.session.now > at
    assert signal.getsignal(signal.SIGTERM) is not None  # the old handler is back
    save.unlink()
    app.handle_event(pygame.event.Event(pygame.QUIT))
    assert not app.running and json.loads(save.read_text())["at"] == app.session.now


def test_resume_from_the_command_line_finds_the_last_unfinished_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["play", "--resume"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"crisissim: error: --resume: no unfinished run saved in {tmp_path / '.crisissim' / 'saves'} "
        "(give a save: crisissim play --resume FILE.json)")
    folder = tmp_path / ".crisissim" / "saves"
    app = make_app(tmp_path, speed=20.0)
    app.session = None
    app.options.save = None
    start_run(app)
    for _ in range(40):
        app.update(TICK)
    path = app.leave_session()
    assert path.parent == folder and last_unfinished() == path
    finished = Session(app.session.scenario, RECALL, 1, save_path=folder / "done.json")
    finished.sim.result()
    finished.save()
    os.utime(path, (1, 1))  # older than the finished one: still the last unfinished
    assert last_unfinished() == path
    assert main(["play", "--resume", "--seed", "2"]) == 2
    assert "--seed: a resumed run goes on with its save's seed" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    data = json.loads(path.read_text())
    data["decisions"] = [{"t": 1.0, "step": 3, "by": "trainee", "action": "teleport"}]
    text = json.dumps(data)
    bad.write_text(text)
    assert main(["play", "--resume", str(bad)]) == 1
    col = text.index('"teleport"') + 1
    assert capsys.readouterr().err.strip() == f"{bad}:1:{col}: decisions[0].action: unknown action 'teleport'"
    assert branch_path(tmp_path / "run.json") == tmp_path / "run-r1.json"
    (tmp_path / "run-r1.json").write_text("{}")
    assert branch_path(tmp_path / "run-r1.json") == tmp_path / "run-r2.json"


def test_a_finished_games_save_records_its_result_and_replays_exactly(tmp_path, capsys):
    from crisissim.scenario import load_scenario

    s = Session(load_scenario(RECALL), RECALL, 5, save_path=tmp_path / "done.json")
    s.sim.run_until(30.0)
    card = s.sim.run_to_next_decision()
    if card is not None:
        s.sim.decide(card.id, card.options[0][0])
    s.sim.result()
    path = s.save()
    data = json.loads(path.read_text())
    assert len(data["result_fingerprint"]) == 64 and data["at"] == s.sim.duration
    assert main(["run", "--replay", str(path)]) == 0
    assert "reproduced exactly" in capsys.readouterr().out.splitlines()[0]


def test_a_failing_autosave_is_said_and_the_run_goes_on(tmp_path, capsys):
    app = make_app(tmp_path, speed=6.0)
    dash = start_run(app)
    (tmp_path / "afile").write_text("not a folder")
    dash.session.save_path = tmp_path / "afile" / "run.json"
    while dash.clock.snap.time < 20:
        app.update(TICK)
        if app.stack.top is not dash:
            app.stack.pop()
    dash.session.autosaver.flush()
    app.update(TICK)
    assert dash.session.autosaver.error and dash.toast.startswith("The autosave failed (")
    app.handle_event(pygame.event.Event(pygame.QUIT))  # quitting still works, and says why nothing was saved
    assert not app.running
    assert "crisissim: could not save the run to" in capsys.readouterr().err
