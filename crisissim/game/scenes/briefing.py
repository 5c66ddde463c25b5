"""The briefing: title, the stakes and the briefing text (English and Chinese), then start."""

from __future__ import annotations

import pygame

from crisissim.game import theme
from crisissim.game.stack import Scene
from crisissim.game.widgets import Button, money, paragraph, panel, text

CONTROLS = "Space pause · 1 / 2 / 3 speed 1× 2× 4× · 1–9 choose on a card · Esc leave (the run is saved)"


def stakes(sc) -> list[str]:
    """Lines that say what the run is scored against."""
    s = sc.scoring
    cur = sc.meta.currency
    lines = [f"Duration {sc.meta.duration / 60:g} h simulated · money in {cur}"]
    if s.loss_budget is not None:
        lines.append(f"Loss budget {money(s.loss_budget, cur)}")
    lines.append(f"Service level target {s.service_level.target:.0%} answered within {s.service_level.threshold * 60:g} s")
    lines.append(f"Reputation floor {s.reputation_floor:g} (starts at {sc.reputation.initial:g})")
    return lines


class BriefingScene(Scene):
    """Enter or Start begins the run; Esc goes back to the menu."""

    def __init__(self, app, scenario, path):
        super().__init__(app)
        self.scenario = scenario
        self.path = path
        self.start_button = Button((930, 640, 330, 52), "Start the run  (Enter)", pygame.K_RETURN, selected=True)
        self.back_button = Button((20, 640, 200, 52), "Back  (Esc)", pygame.K_ESCAPE)

    def begin(self) -> None:
        from crisissim.game.scenes.dashboard import DashboardScene

        session = self.app.new_session(self.scenario, self.path)
        self.app.stack.replace(DashboardScene(self.app, session))

    def handle_event(self, event) -> None:
        if event.type == pygame.KEYDOWN:
            if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE):
                self.begin()
            elif event.key == pygame.K_ESCAPE:
                self.app.stack.pop()
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            if self.start_button.hit(event.pos):
                self.begin()
            elif self.back_button.hit(event.pos):
                self.app.stack.pop()

    def draw(self, surface) -> None:
        f = self.app.fonts
        sc = self.scenario
        y = paragraph(surface, f.get(30, bold=True), sc.meta.title, (40, 28, 1200, 80), theme.TEXT, max_lines=2)
        text(surface, f.get(15), f"{sc.meta.id} · {self.path.name} · seed {self.app.options.seed if self.app.options.seed is not None else sc.meta.seed}",
             (40, y + 2), theme.FAINT)
        inner = panel(surface, (30, y + 34, 800, 566 - y), "Briefing · 情况简报", f.get(16))
        paragraph(surface, f.get(21), sc.meta.briefing or "(no briefing)", inner, theme.TEXT)
        side = panel(surface, (850, y + 34, 400, 566 - y), "What counts", f.get(16))
        yy = side.y
        for line in stakes(sc):
            yy = paragraph(surface, f.get(16), line, (side.x, yy, side.width, 60), theme.TEXT) + 8
        yy += 8
        text(surface, f.get(16), "Decision cards", (side.x, yy), theme.MUTED)
        yy += 26
        for c in sc.decisions:
            yy = paragraph(surface, f.get(15), "• " + c.title, (side.x, yy, side.width, 44), theme.TEXT, max_lines=2) + 2
        yy += 8
        text(surface, f.get(16), "Actions", (side.x, yy), theme.MUTED)
        yy += 26
        for a in sc.actions:
            yy = paragraph(surface, f.get(15), "• " + a.label, (side.x, yy, side.width, 44), theme.TEXT, max_lines=2) + 2
        text(surface, f.get(14), CONTROLS, (640, 618), theme.MUTED, "center")
        self.back_button.draw(surface, f, self.app.mouse)
        self.start_button.draw(surface, f, self.app.mouse, size=18)
