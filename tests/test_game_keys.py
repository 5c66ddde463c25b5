"""Every key of every scene: no chord bound twice, the help lists exactly the keys that work,
held keys do not repeat a choice, Space pauses on a card, focus loss pauses the run."""

from __future__ import annotations

import pytest

pygame = pytest.importorskip("pygame")

from game_helpers import CROWDED, all_scenes, make_app, press, run_until, run_until_card, start_run  # noqa: E402

from crisissim.game.clock import TICK  # noqa: E402
from crisissim.game.keys import clashes, find, pretty  # noqa: E402
from crisissim.game.scenes.briefing import BriefingScene  # noqa: E402
from crisissim.game.scenes.card import CardScene  # noqa: E402
from crisissim.game.scenes.confirm import ConfirmScene  # noqa: E402
from crisissim.game.scenes.dashboard import DashboardScene  # noqa: E402
from crisissim.game.scenes.debrief import DebriefScene  # noqa: E402
from crisissim.game.scenes.facilitator import FacilitatorScene  # noqa: E402
from crisissim.game.scenes.help import HelpScene  # noqa: E402
from crisissim.game.scenes.menu import MenuScene  # noqa: E402
from crisissim.game.scenes.rewind import RewindScene  # noqa: E402


@pytest.fixture
def crowded(tmp_path):
    path = tmp_path / "crowded.yaml"
    path.write_text(CROWDED)
    return path


def test_no_key_is_bound_twice_in_any_scene(tmp_path, crowded):
    app = make_app(tmp_path, file=None)
    scenes = all_scenes(app, tmp_path, crowded)
    kinds = {type(s) for _, s in scenes}
    assert kinds == {MenuScene, BriefingScene, DashboardScene, CardScene, ConfirmScene, HelpScene, DebriefScene,
                     FacilitatorScene, RewindScene}
    for name, scene in scenes:
        bindings = scene.app.global_bindings() + scene.bindings()
        assert clashes(bindings) == [], name
    assert any(n.startswith("facilitator typing") for n, _ in scenes)
    crowded_card = next(s for n, s in scenes if n == "card crowded.yaml")
    assert len(crowded_card.open_cards()) == 2 and len(crowded_card.options()) == 5
    chords = {c for b in crowded_card.bindings() for c in b.chords}
    assert {"a", "b", "c", "d", "e", "1", "2", "3", "space"} <= chords  # options and speed side by side
    dash = next(s for n, s in scenes if n == "dashboard crowded.yaml")
    keys = [b for b in dash.bindings() if b.help == "key.action"][0]
    assert len(keys.chords) == 10  # Q to P; the other two actions by mouse


def test_help_lists_exactly_the_bound_keys(tmp_path):
    app = make_app(tmp_path)
    dash = start_run(app)
    press(app, "f1")
    help_ = app.stack.top
    assert isinstance(help_, HelpScene) and help_.below is dash
    rows = help_.rows()
    listed = [k for k, _ in rows if k]
    want = [b.label() for b in dash.bindings()] + [b.label() for b in app.global_bindings()]
    assert listed == want
    assert ("Space", "pause or go on (also while a card is open)") in rows
    app.draw(pygame.Surface((1280, 720)))
    press(app, "h")  # H closes it again
    assert app.stack.top is dash
    assert pretty("ctrl+=") == "Ctrl + =" and pretty("shift+tab") == "Shift + Tab"


def test_shift_falls_back_and_ctrl_does_not(tmp_path):
    app = make_app(tmp_path)
    dash = start_run(app)
    b = app.bindings()
    assert find(b, "shift+n")[0].help == "key.skip"  # caps or shift still skips
    assert find(b, "ctrl+n") is None
    step = app.text_step
    press(app, "=", pygame.KMOD_LCTRL)
    assert app.text_step == step + 1 and app.fonts.scale > 1.0
    press(app, "0", pygame.KMOD_LCTRL)
    assert app.text_step == step and app.fonts.scale == 1.0
    assert dash.clock.speed == 1  # plain digits set the speed, Ctrl + 0 did not


def test_a_held_key_chooses_once(tmp_path):
    app = make_app(tmp_path, speed=20.0)
    start_run(app)
    card = run_until_card(app)
    assert card.card_id == "recall"  # hold the key of its free option ("wait") down
    i = [o.id for o in card.options()].index("wait")
    down = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_a + i, mod=0, unicode="")
    app.handle_event(down)
    assert card.session.decisions[-1]["option"] == "wait"
    n = len(card.session.decisions)
    run_until_card(app)
    for _ in range(5):
        app.handle_event(down)  # key repeats of the same press: no second choice
    assert len(card.session.decisions) == n


def test_space_pauses_while_a_card_is_open(tmp_path):
    app = make_app(tmp_path, speed=20.0)
    dash = start_run(app)
    card = run_until_card(app)
    press(app, "space")
    t0 = dash.clock.snap.time
    for _ in range(50):
        app.update(TICK)
    assert dash.clock.paused and dash.clock.snap.time == t0 and app.stack.top is card
    press(app, "space")
    app.update(TICK)
    assert dash.clock.snap.time > t0


def test_losing_focus_pauses_the_run(tmp_path):
    app = make_app(tmp_path)
    dash = start_run(app)
    app.update(TICK)
    app.handle_event(pygame.event.Event(pygame.WINDOWFOCUSLOST))
    t0 = dash.clock.snap.time
    for _ in range(20):
        app.update(TICK)
    assert dash.clock.paused and dash.clock.pause_reason == "focus" and dash.clock.snap.time == t0
    app.handle_event(pygame.event.Event(pygame.WINDOWFOCUSGAINED))
    assert dash.clock.paused  # it waits for the trainee
    press(app, "space")
    assert not dash.clock.paused


def test_language_switch_changes_every_word(tmp_path):
    app = make_app(tmp_path, lang="en")
    dash = start_run(app)
    surface = pygame.Surface((1280, 720))
    app.draw(surface)
    en = pygame.image.tobytes(surface, "RGB")
    press(app, "l")
    assert app.words.lang == "zh" and app.words("top.pause") == "暂停"
    app.draw(surface)
    assert pygame.image.tobytes(surface, "RGB") != en
    assert app.words.of(dash.sc.meta.title) == "电水壶召回"
    press(app, "l")
    assert app.words.lang == "en"


def test_holding_enter_on_the_debrief_does_not_start_a_new_run(tmp_path, crowded):
    app = make_app(tmp_path, file=crowded, speed=200.0)
    dash = start_run(app)
    dash.session.sim.run_until(dash.session.sim.duration)
    dash.clock.refresh()
    run_until(app, lambda: isinstance(app.stack.top, DebriefScene))
    down = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="")
    for _ in range(10):  # the first press and the key repeats of holding it
        app.handle_event(down)
    assert isinstance(app.stack.top, MenuScene)  # back at the menu, no briefing opened, no run started
    assert app.session is None
    app.handle_event(pygame.event.Event(pygame.KEYUP, key=pygame.K_RETURN, mod=0))
    press(app, "return")  # a new press opens the briefing
    assert isinstance(app.stack.top, BriefingScene)


def test_cards_fold_away_to_look_at_the_dashboard(tmp_path):
    app = make_app(tmp_path, speed=20.0)
    dash = start_run(app)
    card = run_until_card(app)
    press(app, "v")
    assert card.minimised and app.stack.top is card
    assert not [b for b in card.bindings() if b.help == "key.card_option"]  # no choosing what is not shown
    press(app, "a")
    assert dash.session.decisions == []
    folded, alone = pygame.Surface((1280, 720)), pygame.Surface((1280, 720))
    app.draw(folded)
    dash.draw(alone)
    points = [(x, y) for x in range(20, 1280, 97) for y in range(20, card.strip().y, 53)]
    assert all(folded.get_at(p) == alone.get_at(p) for p in points)  # the dashboard as it is, not veiled
    t0 = dash.clock.snap.time
    app.update(TICK)
    assert dash.clock.snap.time > t0  # the countdowns run on
    app.handle_event(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=card.strip().center))
    assert not card.minimised
    app.draw(folded)
    assert sum(folded.get_at(p) != alone.get_at(p) for p in points) > len(points) // 2  # veiled and covered again
