"""The decision card overlay: prompt, options with costs, and the countdown to the default.

While a card is open the simulation keeps running, at ``CARD_PACE`` times the 1× rate
(a quarter), whatever the speed or pause setting: the crisis does not wait, but the
trainee has time to read. The countdown is in simulated minutes; at the deadline the
engine itself takes the card's default and the overlay closes.
"""

from __future__ import annotations

import pygame

from crisissim.engine import DecisionError
from crisissim.game import theme
from crisissim.game.stack import Scene
from crisissim.game.fonts import wrap
from crisissim.game.widgets import Button, bar, money, paragraph, text

CARD_PACE = 0.25
WIDTH = 780
OPTION_H = 62


def _duration(minutes: float) -> str:
    if minutes >= 60 and minutes % 60 == 0:
        return f"{minutes / 60:g} h"
    return f"{minutes:g} min" if minutes < 60 else f"{minutes // 60:.0f} h {minutes % 60:.0f} min"


def countdown(minutes: float) -> str:
    """``M:SS`` of simulated time left."""
    s = max(0, int(round(minutes * 60)))
    return f"{s // 60}:{s % 60:02d}"


class CardScene(Scene):
    """Number keys or a click choose an option; Esc asks to leave the run."""

    overlay = True

    def __init__(self, app, dashboard, card_id: str):
        super().__init__(app)
        self.dashboard = dashboard
        self.session = dashboard.session
        self.card_id = card_id
        self.spec = next(c for c in self.session.scenario.decisions if c.id == card_id)
        self.view = self._view()
        self.closed = False
        self._layout()

    def _layout(self) -> None:
        """Box and rows sized to the title, the prompt and the options (canvas pixels)."""
        f = self.app.fonts
        inner = WIDTH - 48
        title_h = min(2, len(wrap(self.spec.title, f.get(24, bold=True), inner))) * f.get(24, bold=True).get_linesize()
        prompt_lines = min(8, len(wrap(self.spec.prompt, f.get(17), inner)))
        self.prompt_h = prompt_lines * f.get(17).get_linesize()
        n = len(self.spec.options)
        self.option_h = OPTION_H if n <= 5 else max(40, 330 // n)
        h = 38 + title_h + 8 + self.prompt_h + 16 + 40 + n * (self.option_h + 8) + 34
        self.box = pygame.Rect(0, 0, WIDTH, min(h, 700))
        self.box.center = (640, 360)
        self.title_y = self.box.y + 38
        self.prompt_y = self.title_y + title_h + 8
        self.count_y = self.prompt_y + self.prompt_h + 16
        self.options_y = self.count_y + 40

    def _view(self):
        return next((c for c in self.session.clock.snap.open_cards if c.id == self.card_id), None)

    def buttons(self) -> list[Button]:
        cur = self.session.scenario.meta.currency
        out = []
        h = self.option_h
        y = self.options_y
        box = self.box
        for i, o in enumerate(self.spec.options):
            bits = [money(o.cost, cur) if o.cost else "no up-front cost"]
            if o.delay:
                bits.append(f"takes effect after {_duration(o.delay)}")
            if o.duration:
                bits.append(f"lasts {_duration(o.duration)}")
            if o.id == self.spec.default:
                bits.append("default if time runs out")
            out.append(Button((box.x + 24, y, box.width - 48, h), f"{i + 1}.  {o.label}",
                              pygame.K_1 + i if i < 9 else None, sub=" · ".join(bits), action=o.id))
            y += h + 8
        return out

    def choose(self, option_id: str) -> None:
        """Take ``option_id`` (through ``sim.decide``) and close the card."""
        if self.closed:
            return
        try:
            self.session.sim.decide(self.card_id, option_id)
        except DecisionError as e:
            self.dashboard.say(str(e))
        self.session.clock.refresh()
        self.dashboard.sync()
        self.close()

    def close(self) -> None:
        self.closed = True
        if self.app.stack.top is self:
            self.app.stack.pop()

    def handle_event(self, event) -> None:
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE:
                self.dashboard.ask_leave()
                return
            for b in self.buttons():
                if b.key == event.key:
                    self.choose(b.action)
                    return
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for b in self.buttons():
                if b.hit(event.pos):
                    self.choose(b.action)
                    return

    def update(self, dt: float) -> None:
        clock = self.session.clock
        clock.update(dt, pace=CARD_PACE, ignore_pause=True)
        self.dashboard.sync()
        self.dashboard.toast_left = max(0.0, self.dashboard.toast_left - dt)
        self.view = self._view()
        if self.view is None:
            if not clock.finished:
                label = next(o.label for o in self.spec.options if o.id == self.spec.default)
                self.dashboard.say(f"Time ran out: “{label}” was taken by default")
            self.close()

    def draw(self, surface) -> None:
        f = self.app.fonts
        veil = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
        veil.fill(theme.SHADE)
        surface.blit(veil, (0, 0))
        box = self.box
        pygame.draw.rect(surface, theme.PANEL, box, border_radius=10)
        pygame.draw.rect(surface, theme.ACCENT, box, 2, border_radius=10)
        x, w = box.x + 24, box.width - 48
        text(surface, f.get(14), "DECISION", (x, box.y + 16), theme.ACCENT)
        paragraph(surface, f.get(24, bold=True), self.spec.title, (x, self.title_y, w, self.prompt_y - self.title_y), theme.TEXT, max_lines=2)
        paragraph(surface, f.get(17), self.spec.prompt, (x, self.prompt_y, w, self.prompt_h), theme.TEXT)
        v = self.view
        if v is not None:
            left = v.deadline - self.session.clock.snap.time
            total = max(v.deadline - v.shown, 1e-9)
            share = left / total
            colour = theme.level_colour(1 - share)
            text(surface, f.get(16), f"{countdown(left)} simulated minutes left", (x, self.count_y), colour)
            text(surface, f.get(13), f"the clock runs at {CARD_PACE:g}× while you decide", (x + w, self.count_y + 3), theme.FAINT, "topright")
            bar(surface, (x, self.count_y + 26, w, 10), share, colour)
        for b in self.buttons():
            b.draw(surface, f, self.app.mouse, size=17)
        text(surface, f.get(13), "Press 1–9 or click an option", (box.centerx, box.bottom - 10), theme.FAINT, "midbottom")
