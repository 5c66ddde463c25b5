"""Shared helpers of the game tests: an app without a display, key presses, running to a card."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402

from crisissim.game.app import App, Options  # noqa: E402
from crisissim.game.clock import TICK  # noqa: E402
from crisissim.game.keys import clashes  # noqa: E402
from crisissim.game.scenes.briefing import BriefingScene  # noqa: E402
from crisissim.game.scenes.card import CardScene  # noqa: E402
from crisissim.game.scenes.dashboard import DashboardScene  # noqa: E402
from crisissim.game.scenes.debrief import DebriefScene  # noqa: E402
from crisissim.scenario import bundled_scenarios_dir  # noqa: E402

RECALL = bundled_scenarios_dir() / "product-recall.yaml"
BUNDLED = sorted(bundled_scenarios_dir().glob("*.yaml"))


def make_app(tmp_path, file=RECALL, seed=3, speed=2.0, lang="en", size=(1280, 720), debrief_reps=3) -> App:
    """An app on ``file`` (its debrief re-runs each alternative on ``debrief_reps`` days only)."""
    pygame.font.init()
    app = App(pygame, Options(file=file, seed=seed, speed=speed, save=tmp_path / "save.json", lang=lang, size=size,
                              debrief_reps=debrief_reps))
    app.start()
    return app


NAMES = {"return": pygame.K_RETURN, "escape": pygame.K_ESCAPE, "space": pygame.K_SPACE, "tab": pygame.K_TAB,
         "=": pygame.K_EQUALS, "-": pygame.K_MINUS, "up": pygame.K_UP, "down": pygame.K_DOWN,
         "left": pygame.K_LEFT, "right": pygame.K_RIGHT, "f1": pygame.K_F1,
         "backspace": pygame.K_BACKSPACE, "f9": pygame.K_F9}


def keycode(name: str) -> int:
    return NAMES.get(name) or getattr(pygame, f"K_{name}")


def press(app, name: str, mod: int = 0) -> None:
    """Key ``name`` (as pygame names it) pressed and released."""
    k = keycode(name)
    app.handle_event(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode=""))
    app.handle_event(pygame.event.Event(pygame.KEYUP, key=k, mod=mod))


def start_run(app) -> DashboardScene:
    assert isinstance(app.stack.top, BriefingScene)
    press(app, "return")
    assert isinstance(app.stack.top, DashboardScene)
    return app.stack.top


def run_until(app, cond, limit: int = 100_000) -> None:
    for _ in range(limit):
        if cond():
            return
        app.update(TICK)
    raise AssertionError("condition never held")


def run_until_card(app, limit: int = 100_000) -> CardScene:
    run_until(app, lambda: isinstance(app.stack.top, CardScene), limit)
    return app.stack.top


CROWDED = """
meta: {id: crowded, title: Crowded, duration: 4h, seed: 5}
channels:
  phone: {kind: sync, patience: {dist: exponential, mean: 3m}}
contact_types:
  calls: {channel: phone, arrival: {rate: 60, per: hour}, handle_time: {dist: exponential, mean: 4m}}
pools:
  agents: {size: 5, skills: [calls], wage: 50}
decisions:
  - id: five
    title: Five options
    at: 10m
    deadline: 2h
    default: o1
    options:
""" + "".join(f"      - {{id: o{i}, label: Option {i}, cost: {i * 1000}}}\n" for i in range(1, 6)) + """
  - id: second
    title: A second card at once
    at: 11m
    deadline: 2h
    default: b
    options: [{id: a, label: A}, {id: b, label: B}]
actions:
""" + "".join(f"  - {{id: act{i}, label: Action {i}, cost: 10}}\n" for i in range(12))


def all_scenes(app, tmp_path, crowded_path, look=None, lang="en", size=(1280, 720)):
    """One of every scene, in its fullest state: (name, scene on top of the stack).

    ``look(name, app)`` is called as each is reached (the scene is then on top of its app's stack);
    the apps speak ``lang`` in a window of ``size``."""
    out = []

    def seen(name, scene):
        out.append((name, scene))
        if look is not None:
            look(name, scene.app)

    seen("menu", app.stack.top)
    for p in BUNDLED + [crowded_path]:
        a = make_app(tmp_path, file=p, speed=20.0, lang=lang, size=size)
        seen(f"briefing {p.name}", a.stack.top)
        dash = start_run(a)
        seen(f"dashboard {p.name}", dash)
        card = run_until_card(a)
        run_until(a, lambda: len(card.open_cards()) >= 2 or a.stack.top is not card, 20_000)
        seen(f"card {p.name}", card)
        press(a, "v")
        seen(f"card folded {p.name}", card)
        assert clashes(a.global_bindings() + card.bindings()) == []
        press(a, "v")
        press(a, "escape")
        seen(f"confirm {p.name}", a.stack.top)
        press(a, "escape")
        press(a, "h")
        seen(f"help {p.name}", a.stack.top)
        press(a, "escape")
        below = a.stack.top
        dash.open_facilitator()  # F9 on the dashboard
        seen(f"facilitator {p.name}", a.stack.top)
        press(a, "m")
        seen(f"facilitator typing {p.name}", a.stack.top)
        assert [b.help for b in a.bindings()] == [b.help for b in a.stack.top.bindings()]  # typing takes the keys
        press(a, "escape")
        press(a, "f9")
        dash.open_rewind()  # Backspace on the dashboard
        seen(f"rewind {p.name}", a.stack.top)
        press(a, "escape")
        assert a.stack.top is below
    a = make_app(tmp_path, file=crowded_path, speed=200.0, lang=lang, size=size)
    dash = start_run(a)
    dash.session.sim.run_until(dash.session.sim.duration)
    dash.clock.refresh()
    run_until(a, lambda: isinstance(a.stack.top, DebriefScene))
    seen("debrief", a.stack.top)
    return out
