"""Pick a scenario: the bundled ones, or the FILE given on the command line."""

from __future__ import annotations

from pathlib import Path

import pygame

from crisissim.game import theme
from crisissim.game.stack import Scene
from crisissim.game.widgets import Button, paragraph, text
from crisissim.scenario import ScenarioError, bundled_scenarios_dir, load_scenario


def _entries(extra: Path | None) -> list[tuple[Path, object, str]]:
    """(path, scenario or None, problem) for FILE and every bundled ``*.yaml``."""
    paths = sorted(bundled_scenarios_dir().glob("*.yaml"), key=lambda p: (p.name != "default.yaml", p.name))
    if extra is not None:
        paths = [extra] + [p for p in paths if p.resolve() != extra.resolve()]
    out = []
    for p in paths:
        try:
            out.append((p, load_scenario(p), ""))
        except ScenarioError as e:
            out.append((p, None, str(e).splitlines()[0]))
    return out


class MenuScene(Scene):
    """The list of scenarios; Enter, a click or a number key opens one's briefing; Esc quits."""

    def __init__(self, app):
        super().__init__(app)
        self.entries = _entries(app.options.file)
        self.selected = 0
        self.problem = ""

    def buttons(self) -> list[Button]:
        out = []
        y = 200
        for i, (p, sc, problem) in enumerate(self.entries[:9]):
            label = sc.meta.title if sc else p.name
            sub = (f"{p.name} · {sc.meta.duration / 60:g} h · {len(sc.decisions)} decision cards · "
                   f"{len(sc.actions)} actions" if sc else problem)
            out.append(Button((340, y, 600, 58), f"{i + 1}.  {label}", pygame.K_1 + i, enabled=sc is not None,
                              selected=i == self.selected, sub=sub, action=i))
            y += 70
        return out

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

        p, sc, _ = self.entries[i]
        if sc is not None:
            self.app.stack.push(BriefingScene(self.app, sc, p))

    def handle_event(self, event) -> None:
        n = min(len(self.entries), 9)
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE:
                self.app.quit()
            elif event.key in (pygame.K_UP, pygame.K_DOWN) and n:
                self.selected = (self.selected + (1 if event.key == pygame.K_DOWN else -1)) % n
            elif event.key in (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE) and n:
                self.open(self.selected)
            elif pygame.K_1 <= event.key < pygame.K_1 + n:
                self.selected = event.key - pygame.K_1
                self.open(self.selected)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for b in self.buttons():
                if b.hit(event.pos):
                    self.selected = b.action
                    self.open(b.action)

    def draw(self, surface) -> None:
        f = self.app.fonts
        text(surface, f.get(40, bold=True), "crisissim", (640, 70), theme.TEXT, "center")
        text(surface, f.get(18), "Crisis simulation for customer service · 客服危机模拟演练", (640, 118), theme.MUTED, "center")
        text(surface, f.get(16), "Choose a scenario", (340, 170), theme.MUTED)
        for b in self.buttons():
            b.draw(surface, f, self.app.mouse, size=18)
        if self.problem:
            paragraph(surface, f.get(15), self.problem, (340, 620, 600, 40), theme.BAD)
        text(surface, f.get(14), "↑ ↓ choose · Enter or 1–9 open · Esc quit", (640, 690), theme.FAINT, "center")
