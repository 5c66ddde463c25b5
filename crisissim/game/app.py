"""The game application: options, the scene stack, input mapping and the main loop.

pygame is initialised in :func:`run` only. :class:`App` itself needs pygame's font module
but no display: tests build it, feed it events and draw it onto a plain Surface.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crisissim.game import theme
from crisissim.game.fonts import Fonts
from crisissim.game.session import Session
from crisissim.game.stack import SceneStack


@dataclass
class Options:
    """Command-line choices: scenario FILE, seed, simulated minutes per real second at 1×,
    save path and window size in pixels."""

    file: Path | None = None
    seed: int | None = None
    speed: float = 2.0
    save: Path | None = None
    size: tuple[int, int] = theme.SIZE


class App:
    """Scenes on a stack over a fixed 1280×720 canvas; the window scales the canvas."""

    def __init__(self, pygame, options: Options | None = None):
        self.pg = pygame
        self.options = options or Options()
        if not pygame.font.get_init():
            pygame.font.init()
        self.fonts = Fonts(pygame)
        self.canvas = pygame.Surface(theme.SIZE)
        self.stack = SceneStack()
        self.running = True
        self.mouse = (-1, -1)
        self.session: Session | None = None

    # ------------------------------------------------------------- scenes
    def start(self) -> None:
        """Show the menu, and the briefing of FILE on top of it when one was given."""
        from crisissim.game.scenes.menu import MenuScene

        menu = self.stack.push(MenuScene(self))
        if self.options.file is not None:
            menu.open_file(self.options.file)

    def new_session(self, scenario, path) -> Session:
        """Start a run of ``scenario`` with the command-line seed, speed and save path."""
        o = self.options
        self.session = Session(scenario, path, o.seed, o.speed, o.save)
        return self.session

    def leave_session(self) -> Path | None:
        """Save the current run (finished or not) once; return where it went."""
        s = self.session
        if s is None:
            return None
        if s.saved is None:
            s.save()
        return s.saved

    def quit(self) -> None:
        """Save any run in progress and stop the main loop."""
        self.leave_session()
        self.running = False

    # ---------------------------------------------------------- the loop
    def handle_event(self, event) -> None:
        """One event with positions in canvas pixels."""
        pg = self.pg
        if event.type == pg.QUIT:
            self.quit()
            return
        if event.type == pg.MOUSEMOTION:
            self.mouse = event.pos
        top = self.stack.top
        if top is not None:
            top.handle_event(event)
        if not self.stack:
            self.quit()

    def update(self, dt: float) -> None:
        top = self.stack.top
        if top is not None:
            top.update(dt)

    def draw(self, surface=None):
        """Paint the visible scenes onto ``surface`` (default the canvas) and return it."""
        surface = self.canvas if surface is None else surface
        surface.fill(theme.BG)
        for scene in self.stack.visible():
            scene.draw(surface)
        return surface


def _letterbox(window_size, canvas_size) -> tuple[float, int, int]:
    ww, wh = window_size
    cw, ch = canvas_size
    s = min(ww / cw, wh / ch)
    return s, int((ww - cw * s) / 2), int((wh - ch * s) / 2)


def to_canvas(pg, event, window_size):
    """``event`` with its mouse position mapped from window to canvas pixels."""
    if event.type not in (pg.MOUSEMOTION, pg.MOUSEBUTTONDOWN, pg.MOUSEBUTTONUP):
        return event
    s, ox, oy = _letterbox(window_size, theme.SIZE)
    x, y = event.pos
    d = dict(event.dict)
    d["pos"] = (int((x - ox) / s), int((y - oy) / s))
    return pg.event.Event(event.type, d)


def run(options: Options) -> int:
    """Open the window and play until the trainee quits; return the exit code."""
    from crisissim.game import load_pygame

    pg = load_pygame()
    pg.display.init()
    pg.font.init()
    try:
        window = pg.display.set_mode(options.size, pg.RESIZABLE)
        pg.display.set_caption("crisissim")
        pg.key.set_repeat(350, 40)
        app = App(pg, options)
        app.start()
        clock = pg.time.Clock()
        while app.running:
            dt = clock.tick(theme.FPS) / 1000.0
            window = pg.display.get_surface()
            for event in pg.event.get():
                app.handle_event(to_canvas(pg, event, window.get_size()))
                if not app.running:
                    break
            if not app.running:
                break
            app.update(dt)
            canvas = app.draw()
            s, ox, oy = _letterbox(window.get_size(), theme.SIZE)
            window.fill((0, 0, 0))
            if (ox, oy) == (0, 0) and s == 1:
                window.blit(canvas, (0, 0))
            else:
                size = (max(1, int(theme.SIZE[0] * s)), max(1, int(theme.SIZE[1] * s)))
                window.blit(pg.transform.smoothscale(canvas, size), (ox, oy))
            pg.display.flip()
    finally:
        pg.quit()
    return 0
