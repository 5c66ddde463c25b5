"""The briefing: title, the stakes and the briefing text, then start."""

from __future__ import annotations

import pygame

from crisissim.game import theme
from crisissim.game.fmt import TimeOfDay, duration_text, money
from crisissim.game.keys import Binding, pretty
from crisissim.game.stack import Scene
from crisissim.game.widgets import Button, Grid, panel, paragraph, text


def stakes(sc, w) -> list[str]:
    """Lines that say what the run is scored against, in the current language."""
    s = sc.scoring
    cur = sc.meta.currency
    lines = []
    if sc.meta.start is not None:
        clock = TimeOfDay(sc.meta.start)
        lines.append(w("brief.span", start=clock(0), end=clock(sc.meta.duration), length=duration_text(w, sc.meta.duration)))
    else:
        lines.append(w("brief.length", length=duration_text(w, sc.meta.duration)))
    lines.append(w("brief.currency", currency=cur))
    if s.loss_budget is not None:
        lines.append(w("brief.budget", budget=money(s.loss_budget, cur)))
    lines.append(w("brief.service", target=f"{s.service_level.target:.0%}", seconds=f"{s.service_level.threshold * 60:g}"))
    lines.append(w("brief.floor", floor=f"{s.reputation_floor:g}", start=f"{sc.reputation.initial:g}"))
    return lines


class BriefingScene(Scene):
    """Enter or Start begins the run; Esc goes back to the menu."""

    help_title = "help.scene.briefing"

    def __init__(self, app, scenario, path):
        super().__init__(app)
        self.scenario = scenario
        self.path = path

    def bindings(self) -> list[Binding]:
        return [
            Binding(("return", "enter", "space"), lambda i: self.begin(), "key.start_run"),
            Binding(("escape",), lambda i: self.back(), "key.back"),
        ]

    def back(self) -> None:
        if self.app.stack.top is self:
            self.app.stack.pop()

    def begin(self) -> None:
        from crisissim.game.scenes.dashboard import DashboardScene

        session = self.app.new_session(self.scenario, self.path)
        self.app.stack.replace(DashboardScene(self.app, session))

    def buttons(self) -> tuple[Button, Button]:
        f = self.app.fonts
        w = self.app.words
        g = Grid(self.app.size)
        h = f.get(18).get_linesize() + 22
        bw = min(g.w // 3, max(g.x(300), f.px(18) * 16))
        start = Button((g.w - 20 - bw, g.h - 16 - h, bw, h), w("brief.start"), pretty("return", w.lang), selected=True)
        back = Button((20, g.h - 16 - h, min(bw, g.x(220)), h), w("brief.back"), pretty("escape", w.lang))
        return start, back

    def handle_event(self, event) -> None:
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            start, back = self.buttons()
            if start.hit(event.pos):
                self.begin()
            elif back.hit(event.pos):
                self.back()

    def draw(self, surface) -> None:
        f = self.app.fonts
        w = self.app.words
        g = Grid(self.app.size)
        sc = self.scenario
        y = paragraph(surface, f, w.of(sc.meta.title), (g.x(40), g.y(20), g.w - g.x(80), 2 * f.get(30, True).get_linesize()),
                      30, theme.TEXT, max_lines=2, bold=True)
        seed = self.app.options.seed if self.app.options.seed is not None else sc.meta.seed
        r = text(surface, f, w("brief.info", id=sc.meta.id, file=self.path.name, seed=seed), (g.x(40), y + 2), 14,
                 theme.FAINT, width=g.w - g.x(80))
        start, back = self.buttons()
        keys_y = start.rect.y - 8 - f.get(14).get_linesize()
        top = r.bottom + 12
        left_w = g.x(800)
        inner = panel(surface, f, (g.x(30), top, left_w, keys_y - top - 8), w("brief.briefing"), 16)
        paragraph(surface, f, w.of(sc.meta.briefing) or w("brief.none"), inner, 19, theme.TEXT)
        side = panel(surface, f, (g.x(30) + left_w + g.x(20), top, g.w - left_w - g.x(80), keys_y - top - 8),
                     w("brief.what_counts"), 16)
        yy = side.y
        for line in stakes(sc, w):
            yy = paragraph(surface, f, line, (side.x, yy, side.width, side.bottom - yy), 15, theme.TEXT) + 4
        for head, items in ((w("brief.cards"), [c.title for c in sc.decisions]),
                            (w("brief.actions"), [a.label for a in sc.actions])):
            yy += 8
            if yy + f.get(15).get_linesize() > side.bottom:
                break
            text(surface, f, head, (side.x, yy), 15, theme.MUTED)
            yy += f.get(15).get_linesize() + 2
            for item in items:
                if yy + f.get(14).get_linesize() > side.bottom:
                    break
                yy = paragraph(surface, f, "• " + w.of(item), (side.x, yy, side.width, side.bottom - yy), 14, theme.TEXT,
                               max_lines=2) + 2
        text(surface, f, w("brief.keys"), (g.w // 2, keys_y), 14, theme.MUTED, "midtop", width=g.w - 40)
        back.draw(surface, f, self.app.mouse)
        start.draw(surface, f, self.app.mouse, size=18)
