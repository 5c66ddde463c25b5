"""The pygame game, headless: scene stack, clock, cards, actions, debrief, save/replay, CLI."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import json
import sys

import pytest

pygame = pytest.importorskip("pygame")

from crisissim import Simulation, load_scenario  # noqa: E402
from crisissim.cli import main  # noqa: E402
from crisissim.game.app import App, Options  # noqa: E402
from crisissim.game.clock import TICK, SimClock  # noqa: E402
from crisissim.game.scenes.briefing import BriefingScene  # noqa: E402
from crisissim.game.scenes.card import CARD_PACE, CardScene  # noqa: E402
from crisissim.game.scenes.confirm import ConfirmScene  # noqa: E402
from crisissim.game.scenes.dashboard import DashboardScene  # noqa: E402
from crisissim.game.scenes.debrief import DebriefScene  # noqa: E402
from crisissim.game.scenes.menu import MenuScene  # noqa: E402
from crisissim.game.stack import Scene, SceneStack  # noqa: E402
from crisissim.scenario import bundled_scenarios_dir  # noqa: E402

RECALL = bundled_scenarios_dir() / "product-recall.yaml"


@pytest.fixture(scope="module")
def recall():
    return load_scenario(RECALL)


def key(k, mod=0):
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode="")


def press(app, k, mod=0):
    """A key pressed and released (a held key's repeats are not presses)."""
    app.handle_event(key(k, mod))
    app.handle_event(pygame.event.Event(pygame.KEYUP, key=k, mod=mod))


def letter(card, option_id):
    """The key of ``option_id`` on the card shown (options are shuffled per seed)."""
    i = [o.id for o in card.options()].index(option_id)
    return pygame.K_a + i


def click(pos):
    return pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=pos)


def make_app(tmp_path, speed=2.0, seed=3, file=RECALL):
    pygame.font.init()
    app = App(pygame, Options(file=file, seed=seed, speed=speed, save=tmp_path / "save.json", debrief_reps=3))
    app.start()
    return app


def start_run(app) -> DashboardScene:
    assert isinstance(app.stack.top, BriefingScene)
    press(app, pygame.K_RETURN)
    assert isinstance(app.stack.top, DashboardScene)
    return app.stack.top


def run_until_card(app, limit=100_000):
    for _ in range(limit):
        app.update(TICK)
        if isinstance(app.stack.top, CardScene):
            return app.stack.top
    raise AssertionError("no card opened")


# ------------------------------------------------------------------ scene stack
class Rec(Scene):
    def __init__(self, app, name, log, overlay=False):
        super().__init__(app)
        self.name, self.log, self.overlay = name, log, overlay

    def startup(self):
        self.log.append(("up", self.name))

    def cleanup(self):
        self.log.append(("down", self.name))


def test_scene_stack_push_pop_replace_and_visible():
    log = []
    st = SceneStack()
    a, b, c, d = (Rec(None, n, log, overlay=n in "cd") for n in "abcd")
    assert st.top is None and st.visible() == []
    st.push(a)
    st.push(b)
    assert st.top is b and len(st) == 2
    st.push(c)
    st.push(d)
    assert st.visible() == [b, c, d]  # overlays over the topmost opaque scene
    assert st.pop() is d
    st.replace(Rec(None, "e", log))
    assert [s.name for s in st.scenes] == ["a", "b", "e"] and st.visible()[0].name == "e"
    assert log == [("up", "a"), ("up", "b"), ("up", "c"), ("up", "d"), ("down", "d"), ("down", "c"), ("up", "e")]
    st.clear()
    assert len(st) == 0
    with pytest.raises(IndexError):
        st.pop()


# ------------------------------------------------------------------------ clock
class FakeSim:
    """Records run_until; the snapshot carries only what the clock reads."""

    def __init__(self, real):
        self.real = real
        self.calls = []

    def __getattr__(self, name):  # scenario, contact_stats, events_since: the real simulation's
        return getattr(self.real, name)

    def snapshot(self):
        return self.real.snapshot()

    def run_until(self, t):
        assert t > self.real.snapshot().time, "asked to run to a time not after now"
        self.calls.append(t)
        return self.real.run_until(t)


def test_clock_advances_by_fixed_steps_and_never_while_paused(recall):
    sim = FakeSim(Simulation(recall, 1))
    clock = SimClock(sim, minutes_per_second=3.0)
    assert clock.update(TICK * 0.5) == 0 and sim.calls == []  # less than one step accumulates
    assert clock.update(TICK * 0.5) == 1
    assert clock.snap.time == pytest.approx(3.0 * TICK, abs=1e-6)
    clock.set_speed(4)
    n = clock.update(TICK * 3)
    assert n == 3 and clock.snap.time == pytest.approx(3.0 * TICK * (1 + 3 * 4), abs=1e-6)
    steps = [b - a for a, b in zip(sim.calls, sim.calls[1:])]
    assert steps == pytest.approx([3.0 * TICK * 4] * 3, abs=1e-6)
    clock.toggle_pause()
    before = len(sim.calls)
    for _ in range(50):
        assert clock.update(0.1) == 0
    assert len(sim.calls) == before
    clock.toggle_pause()
    clock.update(TICK)
    assert len(sim.calls) == before + 1
    with pytest.raises(ValueError):
        clock.set_speed(3)


def test_space_pauses_and_number_keys_set_speed(tmp_path):
    app = make_app(tmp_path)
    dash = start_run(app)
    press(app, pygame.K_SPACE)
    t0 = dash.clock.snap.time
    for _ in range(30):
        app.update(TICK)
    assert dash.clock.paused and dash.clock.snap.time == t0
    press(app, pygame.K_3)
    assert not dash.clock.paused and dash.clock.speed == 4
    app.update(TICK)
    assert dash.clock.snap.time == pytest.approx(t0 + 2.0 * 4 * TICK, abs=1e-6)
    # the speed buttons do the same with the mouse
    pause = dash.speed_buttons()[0]
    app.handle_event(click(pause.rect.center))
    assert dash.clock.paused


# ------------------------------------------------------------------------ cards
def test_card_opens_overlay_choice_decides_and_pops(tmp_path):
    app = make_app(tmp_path, speed=20.0)
    dash = start_run(app)
    card = run_until_card(app)
    first = card.card_id
    assert card.overlay and app.stack.visible()[0] is dash
    # while the card is open the clock runs at the card pace
    t0 = dash.clock.snap.time
    app.update(TICK)
    assert dash.clock.snap.time == pytest.approx(t0 + 20.0 * CARD_PACE * TICK, abs=1e-6)
    budget = dash.sc.scoring.loss_budget
    dear = max(card.options(), key=lambda o: card.cost(o).total)
    assert card.cost(dear).total >= 0.05 * budget  # 5% of the budget or more: it asks first
    press(app, letter(card, dear.id))
    assert isinstance(app.stack.top, ConfirmScene)
    press(app, pygame.K_y)
    last = dash.session.decisions[-1]
    assert (last["card"], last["option"], last["by"]) == (first, dear.id, "trainee")
    assert first not in {c.id for c in dash.clock.snap.open_cards}
    assert app.stack.top is dash or app.stack.top.card_id != first  # another card may be open already
    # a click on an option works too (a cheap one: no question asked)
    card = app.stack.top if isinstance(app.stack.top, CardScene) else run_until_card(app)
    cheap = min(card.options(), key=lambda o: card.cost(o).total)
    assert card.cost(cheap).total < 0.05 * budget
    row = [o.id for o in card.options()].index(cheap.id)
    shown = card.card_id
    app.handle_event(click(card.layout()["rows"][row].center))
    assert dash.session.decisions[-1]["card"] == shown and dash.session.decisions[-1]["option"] == cheap.id
    assert not isinstance(app.stack.top, ConfirmScene)


def test_card_deadline_closes_overlay_with_the_default(tmp_path):
    app = make_app(tmp_path, speed=20.0)
    dash = start_run(app)
    card = run_until_card(app)
    view = card.view
    for _ in range(100_000):
        app.update(TICK)
        if app.stack.top is not card:
            break
    assert dash.clock.snap.time >= view.deadline
    d = dash.session.decisions[0]
    assert (d["card"], d["option"], d["by"]) == ("recall", "wait", "timeout")
    assert "Time ran out" in dash.toast


# ---------------------------------------------------------------------- actions
def test_action_buttons_disabled_on_cooldown_and_when_used_up(tmp_path):
    app = make_app(tmp_path)
    dash = start_run(app)
    app.update(TICK)
    buttons = {b.action: b for b in dash.action_buttons()}
    assert all(b.enabled for b in buttons.values())
    app.handle_event(click(buttons["social-update"].rect.center))
    press(app, pygame.K_q)  # faq, limit 1
    buttons = {b.action: b for b in dash.action_buttons()}
    spec = {a.id: a for a in dash.sc.actions}
    clock = dash.time_of_day
    now = dash.clock.snap.time
    assert not buttons["social-update"].enabled
    assert f"ready at {clock(now + spec['social-update'].cooldown)}" in buttons["social-update"].sub
    assert spec["faq"].limit == 1 and spec["faq"].delay > 0
    assert not buttons["faq"].enabled and buttons["faq"].sub == f"pending · takes effect at {clock(now + spec['faq'].delay)}"
    n = len(dash.session.decisions)
    app.handle_event(click(buttons["social-update"].rect.center))
    press(app, pygame.K_q)
    assert len(dash.session.decisions) == n  # nothing happens on a greyed button
    assert [d["action"] for d in dash.session.decisions] == ["social-update", "faq"]


# ------------------------------------------------------------------------- draw
def _state(sim):
    s = sim.snapshot()
    return (sim.steps, sim.env.now, s.total_loss, s.reputation, dict(s.queues), dict(s.backlog), s.open_cards,
            s.actions, len(sim.log.events), s.recent_posts)


def test_drawing_any_scene_leaves_the_simulation_alone(tmp_path):
    app = make_app(tmp_path, speed=20.0)
    surface = pygame.Surface((1280, 720))
    app.draw(surface)  # briefing over the menu
    dash = start_run(app)
    sim = dash.session.sim
    for _ in range(5):
        app.update(TICK)
    before = _state(sim)
    app.draw(surface)
    assert _state(sim) == before
    run_until_card(app)
    before = _state(sim)
    app.draw(surface)
    assert _state(sim) == before
    press(app, pygame.K_ESCAPE)
    assert isinstance(app.stack.top, ConfirmScene)
    before = _state(sim)
    app.draw(surface)
    for _ in range(10):
        app.update(TICK)  # the confirmation holds the clock
    assert _state(sim) == before


# ------------------------------------------------------------------ play-through
@pytest.fixture
def display():
    pygame.display.init()
    yield pygame.display.set_mode((1280, 720))
    pygame.display.quit()


def test_scripted_play_through_saves_a_replayable_run(tmp_path, recall, display):
    app = make_app(tmp_path, speed=30.0, seed=11)
    dash = start_run(app)
    choices = {"recall": "full-recall", "statement": "apologise-now", "staffing": "borrow"}
    acted = False
    for i in range(200_000):
        top = app.stack.top
        if isinstance(top, DebriefScene):
            break
        if isinstance(top, ConfirmScene):
            press(app, pygame.K_y)
        elif isinstance(top, CardScene) and top.card_id in choices:
            press(app, letter(top, choices[top.card_id]))
        if not acted and dash.clock.snap.time > 150 and app.stack.top is dash:
            press(app, pygame.K_w)  # the call script
            acted = True
        app.update(TICK)
    debrief = app.stack.top
    assert isinstance(debrief, DebriefScene)
    assert debrief.work_done()
    app.draw(display)
    pygame.display.flip()
    save = tmp_path / "save.json"
    assert app.session.saved == save and save.is_file()
    data = json.loads(save.read_text())
    assert data["seed"] == 11 and data["policy"] is None
    by = {d.get("card") or d.get("action"): d["by"] for d in data["decisions"]}
    assert by["recall"] == "trainee" and by["script"] == "trainee"
    out = tmp_path / "replay.json"
    assert main(["run", "--replay", str(save), "--json", str(out)]) == 0
    replayed = json.loads(out.read_text())
    played = dict(debrief.result)
    replayed.pop("policy")
    played.pop("policy", None)
    assert replayed == played
    assert data["total_loss"] == played["total_loss"]
    # the debrief rows cover every decision, with numbers for each alternative
    assert len(debrief.rows) == len(played["decisions"])
    assert all(r.done for r in debrief.rows)
    press(app, pygame.K_RETURN)
    assert isinstance(app.stack.top, MenuScene)


def test_leaving_early_asks_then_saves_and_returns_to_menu(tmp_path):
    app = make_app(tmp_path, speed=20.0)
    dash = start_run(app)
    for _ in range(20):
        app.update(TICK)
    press(app, pygame.K_ESCAPE)
    press(app, pygame.K_ESCAPE)  # "keep playing"
    assert app.stack.top is dash
    press(app, pygame.K_ESCAPE)
    press(app, pygame.K_y)
    assert isinstance(app.stack.top, MenuScene)
    data = json.loads((tmp_path / "save.json").read_text())
    assert data["total_loss"] is None and data["scenario"]["id"] == "product-recall"
    out = tmp_path / "r.json"
    assert main(["run", "--replay", str(tmp_path / "save.json"), "--json", str(out)]) == 0


def test_menu_lists_bundled_scenarios_and_opens_one(tmp_path):
    app = make_app(tmp_path, file=None)
    menu = app.stack.top
    assert isinstance(menu, MenuScene)
    names = [p.name for p, sc, _ in menu.entries]
    assert names[0] == "default.yaml" and "product-recall.yaml" in names
    app.draw(pygame.Surface((1280, 720)))
    press(app, pygame.K_DOWN)
    press(app, pygame.K_RETURN)
    assert isinstance(app.stack.top, BriefingScene)
    press(app, pygame.K_ESCAPE)
    assert app.stack.top is menu
    press(app, pygame.K_ESCAPE)
    assert not app.running


# ------------------------------------------------------------------- fonts, CLI
def test_cjk_text_renders_with_real_glyphs_and_wraps():
    from crisissim.game.fonts import Fonts, font_path, wrap

    pygame.font.init()
    assert font_path() is not None and font_path().stat().st_size < 10_000_000
    f = Fonts(pygame).get(20)
    a, b = f.render("电", True, (255, 255, 255)), f.render("水", True, (255, 255, 255))
    assert pygame.image.tobytes(a, "RGBA") != pygame.image.tobytes(b, "RGBA")  # not the same box
    text = "A full recall costs 450,000 CNY.\n\n一位顾客发布视频，显示本公司电水壶\n过热。工程部确认第42批次温控器存在缺陷。"
    lines = wrap(text, f, 200)
    assert all(f.size(line)[0] <= 200 for line in lines)
    assert "".join(lines).replace(" ", "") == "Afullrecallcosts450,000CNY.一位顾客发布视频，显示本公司电水壶过热。工程部确认第42批次温控器存在缺陷。"
    assert not any(line.startswith("，") or line.startswith("。") for line in lines)


def test_play_without_pygame_is_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pygame", None)  # import pygame raises ImportError
    assert main(["play"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "crisissim: error: pygame-ce is not installed (pip install 'crisissim[game]')"


def test_play_rejects_bad_flags(capsys, tmp_path):
    assert main(["play", "--windowed", "big"]) == 2
    assert main(["play", "--speed", "0"]) == 2
    assert main(["play", str(tmp_path / "missing.yaml")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and "--windowed" in err[0] and "--speed" in err[1]


def test_import_crisissim_game_does_not_import_pygame():
    import subprocess

    code = "import sys, crisissim, crisissim.game, crisissim.game.clock, crisissim.game.counterfactual; print('pygame' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"
