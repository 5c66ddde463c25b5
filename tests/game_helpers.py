"""Shared helpers of the game tests: an app without a display, key presses, running to a card."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402

from crisissim.game.app import App, Options  # noqa: E402
from crisissim.game.clock import TICK  # noqa: E402
from crisissim.game.scenes.briefing import BriefingScene  # noqa: E402
from crisissim.game.scenes.card import CardScene  # noqa: E402
from crisissim.game.scenes.dashboard import DashboardScene  # noqa: E402
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
