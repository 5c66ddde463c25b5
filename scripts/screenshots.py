"""Save a screenshot of every scene of the game, in English and Chinese, at several window sizes.

    python scripts/screenshots.py [--out screenshots] [--sizes 960x540,1280x720,1920x1080]
                                  [--langs en,zh] [--scenario scenarios/product-recall.yaml] [--seed 42]

Plays the scenario as a trainee would (pygame events into the app, fixed time steps):
menu, briefing, dashboard early, two decision cards open at once (and folded away to look at the
dashboard), the confirmation of a
costly option, the help overlay, the dashboard in mid-crisis with actions on their way
(an action's tooltip), the facilitator's panel (and typing a message), the focus-lost pause, the
list of decisions to go back to, the debrief while its re-runs go on and when they are done (the
after-action report is written beside the saves). Runs without a display
(SDL's dummy driver) unless DISPLAY is set; the PNGs are what the window would show.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

if not os.environ.get("DISPLAY"):
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402

from crisissim.game.app import App, Options  # noqa: E402
from crisissim.game.clock import TICK  # noqa: E402
from crisissim.game.scenes.card import CardScene  # noqa: E402
from crisissim.game.scenes.confirm import ConfirmScene  # noqa: E402
from crisissim.game.scenes.dashboard import DashboardScene  # noqa: E402
from crisissim.game.scenes.debrief import DebriefScene  # noqa: E402
from crisissim.game.scenes.facilitator import FacilitatorScene  # noqa: E402
from crisissim.game.scenes.rewind import RewindScene  # noqa: E402
from crisissim.scenario import bundled_scenarios_dir  # noqa: E402


def key(name: str, mod: int = 0):
    return pygame.event.Event(pygame.KEYDOWN, key=pygame.key.key_code(name), mod=mod, unicode="")


def release(name: str):
    return pygame.event.Event(pygame.KEYUP, key=pygame.key.key_code(name), mod=0)


def press(app, name: str, mod: int = 0) -> None:
    app.handle_event(key(name, mod))
    app.handle_event(release(name))


def until(app, cond, limit: int = 20_000) -> None:
    for _ in range(limit):
        if cond():
            return
        app.update(TICK)
    raise RuntimeError("the scene the screenshot needs never came")


def shoot(app, surface, out: Path, name: str, shots: list[Path]) -> None:
    app.draw(surface)
    path = out / f"{name}.png"
    pygame.image.save(surface, str(path))
    shots.append(path)


def play(scenario: Path, seed: int, size: tuple[int, int], lang: str, out: Path, reps: int = 6) -> list[Path]:
    shots: list[Path] = []
    tag = f"{size[0]}x{size[1]}-{lang}"
    surface = pygame.Surface(size)
    app = App(pygame, Options(file=None, seed=seed, speed=20.0, lang=lang, size=size, save=out / f"save-{tag}.json",
                              debrief_reps=reps))
    app.start()
    shoot(app, surface, out, f"{tag}-01-menu", shots)
    menu = app.stack.top
    menu.entries = [e for e in menu.entries if e[0].resolve() == scenario.resolve()] + [
        e for e in menu.entries if e[0].resolve() != scenario.resolve()]
    press(app, "return")
    shoot(app, surface, out, f"{tag}-02-briefing", shots)
    press(app, "return")
    dash = app.stack.top
    assert isinstance(dash, DashboardScene)
    press(app, "3")
    until(app, lambda: dash.clock.snap.time >= 50)
    shoot(app, surface, out, f"{tag}-03-dashboard-early", shots)
    until(app, lambda: isinstance(app.stack.top, CardScene))
    card = app.stack.top
    for _ in range(3000):  # a second card, if one comes while the first is open
        if len(card.open_cards()) >= 2 or app.stack.top is not card:
            break
        app.update(TICK)
    if app.stack.top is not card:
        until(app, lambda: isinstance(app.stack.top, CardScene))
        card = app.stack.top
    shoot(app, surface, out, f"{tag}-04-cards", shots)
    press(app, "v")
    shoot(app, surface, out, f"{tag}-04b-cards-folded", shots)
    press(app, "v")
    dearest = max(range(len(card.options())), key=lambda i: card.cost(card.options()[i]).total)
    press(app, "abcde"[dearest])
    if isinstance(app.stack.top, ConfirmScene):
        shoot(app, surface, out, f"{tag}-05-confirm", shots)
        press(app, "escape")
    if isinstance(app.stack.top, CardScene):
        press(app, "f1")
        shoot(app, surface, out, f"{tag}-06-help-card", shots)
        press(app, "escape")
    while isinstance(app.stack.top, (CardScene, ConfirmScene)):
        press(app, "y" if isinstance(app.stack.top, ConfirmScene) else "a")
    until(app, lambda: app.stack.top is dash)
    press(app, "q")
    press(app, "w")
    mid = min(dash.clock.snap.duration * 0.6, dash.clock.snap.time + 50)
    until(app, lambda: dash.clock.snap.time >= mid or app.stack.top is not dash)
    while isinstance(app.stack.top, CardScene):
        press(app, "a")
        if isinstance(app.stack.top, ConfirmScene):
            press(app, "y")
    buttons = dash.action_buttons()
    if buttons:  # hover the last action: its tooltip
        app.handle_event(pygame.event.Event(pygame.MOUSEMOTION, pos=buttons[-1].rect.center, rel=(0, 0),
                                            buttons=(0, 0, 0)))
    shoot(app, surface, out, f"{tag}-07-dashboard-mid", shots)
    app.handle_event(pygame.event.Event(pygame.MOUSEMOTION, pos=(2, 2), rel=(0, 0), buttons=(0, 0, 0)))
    press(app, "h")
    shoot(app, surface, out, f"{tag}-08-help-dashboard", shots)
    press(app, "escape")
    press(app, "f9")  # the facilitator: fires an inject, writes to the feed, marks a discussion point
    press(app, "down")
    press(app, "return")
    press(app, "d")
    type_text(app, "讨论：为什么现在召回？" if lang == "zh" else "Why recall now?")
    press(app, "return")
    for _ in range(30):
        app.update(TICK)
    shoot(app, surface, out, f"{tag}-08b-facilitator", shots)
    press(app, "m")
    type_text(app, "记者来电：产品安全吗？" if lang == "zh" else "A journalist asks: is the kettle safe?")
    shoot(app, surface, out, f"{tag}-08c-facilitator-typing", shots)
    press(app, "return")
    press(app, "f9")
    back_to(app, dash)  # cards that came up meanwhile are answered, the panel under them closed
    app.handle_event(pygame.event.Event(pygame.WINDOWFOCUSLOST))
    until(app, lambda: dash.clock.paused)
    shoot(app, surface, out, f"{tag}-09-paused", shots)
    press(app, "backspace")
    if isinstance(app.stack.top, RewindScene):
        shoot(app, surface, out, f"{tag}-09b-rewind", shots)
        press(app, "escape")
    press(app, "space")
    for _ in range(200_000):
        top = app.stack.top
        if isinstance(top, DebriefScene):
            break
        if isinstance(top, CardScene):
            press(app, "a")
        elif isinstance(top, ConfirmScene):
            press(app, "y")
        elif isinstance(top, FacilitatorScene):
            press(app, "f9")
        elif top is dash and not dash.clock.skipping:
            press(app, "n")
        app.update(TICK)
    debrief = app.stack.top
    assert isinstance(debrief, DebriefScene)
    for _ in range(600):  # the re-runs under way: their progress
        app.update(TICK)
        if debrief.work.progress()[0] > 0 or debrief.work.error:
            break
        time.sleep(0.02)
    shoot(app, surface, out, f"{tag}-10-debrief-working", shots)
    debrief.work_done()
    for _ in range(3000):  # and the report
        app.update(TICK)
        if debrief.report_paths or debrief.report_error:
            break
        time.sleep(0.02)
    shoot(app, surface, out, f"{tag}-11-debrief", shots)
    app.quit()
    return shots


def back_to(app, dash, limit: int = 20) -> None:
    """Answer open cards (their first option, confirmed) and close the facilitator's panel until
    the dashboard is on top."""
    for _ in range(limit):
        top = app.stack.top
        if top is dash:
            return
        if isinstance(top, ConfirmScene):
            press(app, "y")
        elif isinstance(top, CardScene):
            press(app, "a")
        elif isinstance(top, FacilitatorScene):
            press(app, "escape" if top.typing else "f9")
        else:
            press(app, "escape")


def type_text(app, s: str) -> None:
    """Typed text: what SDL sends for it."""
    for ch in s:
        app.handle_event(pygame.event.Event(pygame.TEXTINPUT, text=ch))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("screenshots"))
    ap.add_argument("--sizes", default="960x540,1280x720,1920x1080")
    ap.add_argument("--langs", default="en,zh")
    ap.add_argument("--scenario", type=Path, default=bundled_scenarios_dir() / "product-recall.yaml")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--debrief-reps", type=int, default=6, help="days the debrief re-runs each alternative on "
                    "(the game's default is 30; fewer here so the screenshots come quickly)")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    pygame.display.init()
    pygame.font.init()
    pygame.display.set_mode((64, 64))
    n = 0
    for size in a.sizes.split(","):
        w, h = (int(v) for v in size.lower().split("x"))
        for lang in a.langs.split(","):
            shots = play(a.scenario, a.seed, (w, h), lang, a.out, a.debrief_reps)
            n += len(shots)
            print(f"{w}x{h} {lang}: {len(shots)} screenshots")
    print(f"{n} screenshots in {a.out}")
    return 0


if __name__ == "__main__":
    rc = main()
    pygame.quit()
    sys.exit(rc)
