"""The game application: options, the scene stack, keys, language, text size and the main loop.

pygame is initialised in :func:`run` only. :class:`App` itself needs pygame's font module
but no display: tests build it, feed it events and draw it onto a plain Surface of any size.
Scenes lay themselves out in the window's own pixels (no fixed canvas is scaled up).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crisissim.game import theme
from crisissim.game.fonts import Fonts
from crisissim.game.i18n import Words
from crisissim.game.keys import Binding, chord_of, find
from crisissim.game.session import Session
from crisissim.game.stack import SceneStack

TEXT_STEPS = (0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0)  # the trainee's text-size factors (Ctrl + / −)


@dataclass
class Options:
    """Command-line choices: scenario FILE, seed, simulated minutes per real second at 1×,
    save path, window size in pixels and language (``en`` or ``zh``); ``resume``: a save to go on
    with; ``facilitator``: open the facilitator's panel when a run starts."""

    file: Path | None = None
    seed: int | None = None
    speed: float = 2.0
    save: Path | None = None
    size: tuple[int, int] = theme.SIZE
    lang: str = "en"
    resume: Path | None = None
    facilitator: bool = False
    debrief_reps: int | None = None  # days the debrief re-runs each alternative on (default: the scenario's)


def auto_scale(size) -> float:
    """Text scale for a window: 1 up to 1280×720, growing with larger windows (never below 1)."""
    w, h = size
    return max(1.0, min(w / theme.DESIGN[0], h / theme.DESIGN[1]))


def max_scale(size) -> float:
    """The largest text scale whose layouts still fit the window (a decision card with five
    options, one line each, needs about 500 pixels of height per unit of scale)."""
    w, h = size
    return max(1.0, min(w / 880.0, h / 500.0))


class App:
    """Scenes on a stack, drawn into a window of ``size`` pixels."""

    def __init__(self, pygame, options: Options | None = None):
        self.pg = pygame
        self.options = options or Options()
        if not pygame.font.get_init():
            pygame.font.init()
        self.words = Words(self.options.lang)
        self.fonts = Fonts(pygame)
        self.text_step = TEXT_STEPS.index(1.0)
        self.size = tuple(self.options.size)
        self.set_size(self.size)
        self.stack = SceneStack()
        self.running = True
        self.mouse = (-1, -1)
        self.held: set[int] = set()
        self.session: Session | None = None

    # ------------------------------------------------------------- state
    def set_size(self, size) -> None:
        """The window is ``size`` pixels: scale text for it (times the trainee's setting)."""
        self.size = (max(1, int(size[0])), max(1, int(size[1])))
        self.fonts.scale = min(auto_scale(self.size) * TEXT_STEPS[self.text_step], max_scale(self.size))

    def text_size(self, step: int | None = None, delta: int = 0) -> None:
        """Set the text-size step (``None``: keep) or move it by ``delta``."""
        i = self.text_step if step is None else step
        i = min(len(TEXT_STEPS) - 1, max(0, i + delta))
        if delta > 0 and auto_scale(self.size) * TEXT_STEPS[self.text_step] >= max_scale(self.size):
            i = self.text_step  # already as large as this window can hold
        self.text_step = i
        self.set_size(self.size)

    def toggle_language(self) -> None:
        self.words.toggle()

    def pause_run(self, reason: str) -> None:
        """Pause a run in progress (the window lost focus, a menu opened)."""
        s = self.session
        if s is not None and not s.clock.finished:
            s.clock.pause(reason)

    # ------------------------------------------------------------- scenes
    def start(self) -> None:
        """Show the menu, and on top of it the run to resume, or the briefing of FILE when one was given."""
        from crisissim.game.scenes.menu import MenuScene

        menu = MenuScene(self)
        self.stack.push(menu)
        if self.options.resume is not None:
            self.play(Session.resume(self.options.resume, self.options.speed))
        elif self.options.file is not None:
            menu.open_file(self.options.file)

    def new_session(self, scenario, path) -> Session:
        """Start a run of ``scenario`` with the command-line seed, speed and save path."""
        o = self.options
        self.session = Session(scenario, path, o.seed, o.speed, o.save)
        return self.session

    def play(self, session: Session) -> None:
        """Show ``session`` (a new, resumed or rewound run) over the menu: its dashboard, or its
        debrief when it has ended."""
        from crisissim.game.scenes.dashboard import DashboardScene
        from crisissim.game.scenes.debrief import DebriefScene

        self.session = session
        while len(self.stack) > 1:
            self.stack.pop()
        if session.sim.finished:
            self.stack.push(DebriefScene(self, session))
        else:
            self.stack.push(DashboardScene(self, session))

    def rewind(self, index: int) -> Session:
        """Go back to the moment decision ``index`` of the current run was taken, to choose again:
        the run so far stays saved; the new branch is saved beside it."""
        old = self.session
        assert old is not None  # rewinding is offered during a run only
        old.save()
        new = old.rewound(index)
        self.play(new)
        return new

    def leave_session(self) -> Path | None:
        """Save the current run (finished or not); return where it went (None if it could not be
        written: said on stderr, and the game goes on to quit or to the menu all the same)."""
        s = self.session
        if s is None:
            return None
        if s.saved is None or not s.sim.finished:
            try:
                s.save()
            except (OSError, ValueError) as e:  # fileio.OutputError is a ValueError: "cannot write PATH: why"
                import sys

                why = getattr(e, "strerror", None) or str(e).removeprefix(f"cannot write {s.save_path}: ")
                print(f"crisissim: could not save the run to {s.save_path}: {why}", file=sys.stderr)
                return None
        return s.saved

    def quit(self) -> None:
        """Save any run in progress, stop background work and the main loop."""
        self.leave_session()
        self.running = False
        stop_background()

    def show_help(self) -> None:
        from crisissim.game.scenes.help import HelpScene

        top = self.stack.top
        if isinstance(top, HelpScene):
            self.stack.pop()
        elif top is not None:
            self.stack.push(HelpScene(self, top))

    # -------------------------------------------------------------- keys
    def global_bindings(self) -> list[Binding]:
        """Keys that work in every scene."""
        return [
            Binding(("f1", "h"), lambda i: self.show_help(), "key.help"),
            Binding(("l",), lambda i: self.toggle_language(), "key.language"),
            Binding(("ctrl+=", "ctrl+[+]"), lambda i: self.text_size(delta=+1), "key.text_bigger", keys="Ctrl + ="),
            Binding(("ctrl+-", "ctrl+[-]"), lambda i: self.text_size(delta=-1), "key.text_smaller", keys="Ctrl + −"),
            Binding(("ctrl+0",), lambda i: self.text_size(step=TEXT_STEPS.index(1.0)), "key.text_reset"),
        ]

    def bindings(self) -> list[Binding]:
        """Every key the top scene answers to, the app's own first (only the scene's while it takes typed text)."""
        top = self.stack.top
        if top is not None and getattr(top, "typing", None):
            return top.bindings()
        return self.global_bindings() + (top.bindings() if top is not None else [])

    # ---------------------------------------------------------- the loop
    def handle_event(self, event) -> None:
        """One event (positions in window pixels)."""
        pg = self.pg
        kind = event.type
        if kind == pg.QUIT:
            self.quit()
            return
        if kind in (getattr(pg, "WINDOWFOCUSLOST", -1), getattr(pg, "WINDOWMINIMIZED", -2)):
            self.pause_run("focus")
            self.held.clear()
            return
        if kind in (getattr(pg, "VIDEORESIZE", -3), getattr(pg, "WINDOWSIZECHANGED", -4)):
            size = getattr(event, "size", None) or (getattr(event, "x", 0), getattr(event, "y", 0))
            if size[0] > 0 and size[1] > 0:
                self.set_size(size)
            return
        if kind == pg.KEYUP:
            self.held.discard(event.key)
            return
        if kind == pg.MOUSEMOTION:
            self.mouse = event.pos
        top = self.stack.top
        if kind == pg.KEYDOWN:
            repeat = event.key in self.held
            self.held.add(event.key)
            found = find(self.bindings(), chord_of(pg, event))
            if found is not None:
                binding, i = found
                if binding.repeat or not repeat:
                    binding.run(i)
        elif top is not None:
            top.handle_event(event)
        if not self.stack:
            self.quit()

    def update(self, dt: float) -> None:
        top = self.stack.top
        if top is not None:
            top.update(dt)

    def draw(self, surface) -> object:
        """Paint the visible scenes onto ``surface`` (laid out for its size) and return it."""
        if tuple(surface.get_size()) != self.size:
            self.set_size(surface.get_size())
        visible = self.stack.visible()
        if not visible or not visible[0].paints_background:
            surface.fill(theme.BG)
        for scene in visible:
            scene.draw(surface)
        return surface


class Terminated(Exception):
    """SIGTERM arrived (raised in the main loop by the signal handler)."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def loop(app: App, pg) -> None:
    """Events, update, draw, flip at ``theme.FPS`` until the app stops running."""
    clock = pg.time.Clock()
    while app.running:
        dt = clock.tick(theme.FPS) / 1000.0
        for event in pg.event.get():
            app.handle_event(event)
            if not app.running:
                break
        if not app.running:
            break
        app.update(dt)
        app.draw(pg.display.get_surface())
        pg.display.flip()


def guarded(app: App, body, echo=None) -> int:
    """Run ``body()``; on Ctrl-C, SIGTERM or an error save the run in progress first.

    Return the exit code: 0, 130 (Ctrl-C), 143 (SIGTERM); an error is re-raised after the save
    (``echo`` says where the run went)."""
    import signal
    import sys

    echo = echo or (lambda line: print(line, file=sys.stderr))
    old = signal.signal(signal.SIGTERM, _on_sigterm) if threading_main() else None
    try:
        body()
        return 0
    except (KeyboardInterrupt, Terminated) as e:
        path = _rescue(app)
        why = "interrupted" if isinstance(e, KeyboardInterrupt) else "terminated"
        if path is not None:
            echo(f"crisissim: {why}; the run is saved to {path} (crisissim play --resume {path})")
        return 130 if isinstance(e, KeyboardInterrupt) else 143
    except Exception:
        path = _rescue(app)
        if path is not None:
            echo(f"crisissim: the game stopped on an error; the run is saved to {path} (crisissim play --resume {path})")
        raise
    finally:
        if old is not None:
            signal.signal(signal.SIGTERM, old)


def threading_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _rescue(app: App):
    """Save the run in progress, if any, and stop background work; never raise (the original
    problem is what matters)."""
    stop_background()
    try:
        return app.leave_session()
    except Exception:  # noqa: BLE001 - a failing save must not hide why we stopped
        return None


def stop_background() -> None:
    """Stop the debrief's worker processes, if any were started."""
    import sys

    bg = sys.modules.get("crisissim.game.background")
    if bg is not None:
        bg.close_all()


def run(options: Options) -> int:
    """Open the window and play until the trainee quits; return the exit code."""
    from crisissim.game import load_pygame

    pg = load_pygame()
    pg.display.init()
    pg.font.init()
    try:
        pg.display.set_mode(options.size, pg.RESIZABLE)
        pg.display.set_caption("crisissim")
        pg.key.set_repeat(350, 40)
        app = App(pg, options)
        def body() -> None:
            app.start()
            loop(app, pg)

        return guarded(app, body)
    finally:
        pg.quit()
