"""Pick a scenario: the bundled ones, or the FILE given on the command line."""

from __future__ import annotations

from pathlib import Path

import pygame

from crisissim.game import theme
from crisissim.game.keys import Binding
from crisissim.game.stack import Scene
from crisissim.game.widgets import Button, Grid, paragraph, text
from crisissim.scenario import ScenarioError, bundled_scenarios_dir, load_scenario
from crisissim.scenario.schema import Scenario

SHOWN = 9


def _entries(extra: Path | None) -> list[tuple[Path, Scenario | None, str]]:
    """(path, scenario or None, problem) for FILE and every bundled ``*.yaml``."""
    paths = sorted(bundled_scenarios_dir().glob("*.yaml"), key=lambda p: (p.name != "default.yaml", p.name))
    if extra is not None:
        paths = [extra] + [p for p in paths if p.resolve() != extra.resolve()]
    out: list[tuple[Path, Scenario | None, str]] = []
    for p in paths:
        try:
            out.append((p, load_scenario(p), ""))
        except ScenarioError as e:
            out.append((p, None, str(e).splitlines()[0]))
    return out


class MenuScene(Scene):
    """The list of scenarios; Enter, a click or a number key opens one's briefing; Esc quits."""

    help_title = "help.scene.menu"

    def __init__(self, app):
        super().__init__(app)
        self.entries = _entries(app.options.file)
        self.selected = 0
        self.problem = ""

    def bindings(self) -> list[Binding]:
        n = min(len(self.entries), SHOWN)
        return [
            Binding(("up",), lambda i: self.move(-1), "key.menu_up", repeat=True),
            Binding(("down",), lambda i: self.move(+1), "key.menu_down", repeat=True),
            Binding(("return", "enter", "space"), lambda i: self.open(self.selected), "key.menu_open"),
            Binding(tuple(str(i + 1) for i in range(n)), self.open, "key.menu_number", keys=f"1–{n}"),
            Binding(("escape",), lambda i: self.app.quit(), "key.quit"),
        ]

    def move(self, d: int) -> None:
        n = min(len(self.entries), SHOWN)
        if n:
            self.selected = (self.selected + d) % n

    def buttons(self) -> list[Button]:
        f = self.app.fonts
        w = self.app.words
        g = Grid(self.app.size)
        width = min(g.w - 40, max(g.x(640), f.px(18) * 34))
        x = (g.w - width) // 2
        h = f.get(18).get_linesize() + f.get(15).get_linesize() + 16
        y = self.list_top()
        out = []
        for i, (p, sc, problem) in enumerate(self.entries[:SHOWN]):
            label = w.of(sc.meta.title) if sc else p.name
            sub = (w("menu.entry", file=p.name, hours=f"{sc.meta.duration / 60:g}", cards=len(sc.decisions),
                     actions=len(sc.actions)) if sc else problem)
            out.append(Button((x, y, width, h), label, str(i + 1), enabled=sc is not None,
                              selected=i == self.selected, sub=sub, action=i))
            y += h + 10
        return out

    def list_top(self) -> int:
        f = self.app.fonts
        g = Grid(self.app.size)
        return g.y(60) + f.get(40, True).get_linesize() + f.get(18).get_linesize() + f.get(16).get_linesize() + 24

    def open_file(self, path: Path) -> None:
        """Show the briefing of the scenario at ``path`` (or the problem reading it)."""
        for i, (p, sc, problem) in enumerate(self.entries):
            if p == path:
                self.selected = i
                if sc is None:
                    self.problem = problem
                    return
                self.open(i)
                return

    def open(self, i: int) -> None:
        from crisissim.game.scenes.briefing import BriefingScene

        if not 0 <= i < len(self.entries):
            return
        self.selected = i
        p, sc, _ = self.entries[i]
        if sc is not None:
            self.app.stack.push(BriefingScene(self.app, sc, p))

    def handle_event(self, event) -> None:
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for b in self.buttons():
                if b.hit(event.pos):
                    self.open(b.action)
                    return

    def draw(self, surface) -> None:
        f = self.app.fonts
        w = self.app.words
        g = Grid(self.app.size)
        cx = g.w // 2
        y = g.y(60)
        r = text(surface, f, "crisissim", (cx, y), 40, theme.TEXT, "midtop", bold=True)
        r = text(surface, f, w("menu.subtitle"), (cx, r.bottom + 4), 18, theme.MUTED, "midtop", width=g.w - 40)
        buttons = self.buttons()
        if buttons:
            text(surface, f, w("menu.choose"), (buttons[0].rect.x, r.bottom + 12), 16, theme.MUTED)
        for b in buttons:
            b.draw(surface, f, self.app.mouse, size=18)
        bottom = buttons[-1].rect.bottom if buttons else r.bottom + 40
        if self.problem:
            paragraph(surface, f, self.problem, (g.x(200), bottom + 12, g.w - g.x(400), 3 * f.get(15).get_linesize()),
                      15, theme.BAD)
        text(surface, f, w("menu.keys"), (cx, g.h - 12), 14, theme.FAINT, "midbottom", width=g.w - 40)
