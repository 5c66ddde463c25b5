"""A yes/no question over the scene below (the clock stands still while it is open)."""

from __future__ import annotations

import pygame

from crisissim.game import theme
from crisissim.game.keys import Binding, pretty
from crisissim.game.stack import Scene
from crisissim.game.widgets import Button, Grid, line_count, paragraph, veil


class ConfirmScene(Scene):
    """Y or Enter confirms (then ``on_yes`` runs); N or Esc goes back (then ``on_no``, if any).

    ``question``, ``detail``, ``yes`` and ``no`` are callables returning text, so the words
    follow a language switch while the question is open.
    """

    overlay = True
    help_title = "help.scene.confirm"

    def __init__(self, app, question, detail, on_yes, yes=None, no=None, on_no=None):
        super().__init__(app)
        w = app.words
        self.question = question
        self.detail = detail
        self.on_yes = on_yes
        self.on_no = on_no
        self.yes_text = yes or (lambda: w("confirm.yes"))
        self.no_text = no or (lambda: w("confirm.no"))

    def bindings(self) -> list[Binding]:
        return [
            Binding(("y", "return", "enter"), lambda i: self.answer(True), "key.confirm_yes"),
            Binding(("n", "escape"), lambda i: self.answer(False), "key.confirm_no"),
        ]

    def answer(self, yes: bool) -> None:
        if self.app.stack.top is self:
            self.app.stack.pop()
        if yes:
            self.on_yes()
        elif self.on_no is not None:
            self.on_no()

    def layout(self):
        f = self.app.fonts
        g = Grid(self.app.size)
        width = min(g.w - 40, max(560, f.px(15) * 40))
        inner = width - 48
        q_lines = line_count(f, self.question(), inner, 21, bold=True)
        d_lines = line_count(f, self.detail(), inner, 15)
        bh = f.get(16).get_linesize() + 22
        h = 24 + q_lines * f.get(21, True).get_linesize() + 12 + d_lines * f.get(15).get_linesize() + 20 + bh + 24
        box = g.centre(width, h)
        half = (box.width - 48 - 16) // 2
        yes = Button((box.x + 24, box.bottom - 24 - bh, half, bh), self.yes_text(), "Y")
        no = Button((box.right - 24 - half, box.bottom - 24 - bh, half, bh), self.no_text(), pretty("escape", self.app.words.lang))
        return box, yes, no

    def handle_event(self, event) -> None:
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            _, yes, no = self.layout()
            if yes.hit(event.pos):
                self.answer(True)
            elif no.hit(event.pos):
                self.answer(False)

    def draw(self, surface) -> None:
        f = self.app.fonts
        veil(surface)
        box, yes, no = self.layout()
        pygame.draw.rect(surface, theme.PANEL, box, border_radius=10)
        pygame.draw.rect(surface, theme.WARN, box, 2, border_radius=10)
        x, w = box.x + 24, box.width - 48
        y = paragraph(surface, f, self.question(), (x, box.y + 24, w, box.height), 21, theme.TEXT, bold=True)
        paragraph(surface, f, self.detail(), (x, y + 12, w, yes.rect.y - y - 20), 15, theme.MUTED)
        yes.draw(surface, f, self.app.mouse)
        no.draw(surface, f, self.app.mouse)
