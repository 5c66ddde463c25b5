"""A yes/no question over the scene below (the clock stands still while it is open)."""

from __future__ import annotations

import pygame

from crisissim.game import theme
from crisissim.game.stack import Scene
from crisissim.game.widgets import Button, paragraph, text

BOX = pygame.Rect(340, 250, 600, 220)


class ConfirmScene(Scene):
    """Enter or Y confirms (then ``on_yes`` runs); Esc or N goes back."""

    overlay = True

    def __init__(self, app, question: str, detail: str, on_yes):
        super().__init__(app)
        self.question = question
        self.detail = detail
        self.on_yes = on_yes
        self.yes = Button((BOX.x + 24, BOX.bottom - 70, 260, 48), "Yes, leave  (Y)", pygame.K_y)
        self.no = Button((BOX.right - 284, BOX.bottom - 70, 260, 48), "Keep playing  (Esc)", pygame.K_ESCAPE)

    def answer(self, yes: bool) -> None:
        self.app.stack.pop()
        if yes:
            self.on_yes()

    def handle_event(self, event) -> None:
        if event.type == pygame.KEYDOWN:
            if event.key in (pygame.K_y, pygame.K_RETURN, pygame.K_KP_ENTER):
                self.answer(True)
            elif event.key in (pygame.K_n, pygame.K_ESCAPE):
                self.answer(False)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            if self.yes.hit(event.pos):
                self.answer(True)
            elif self.no.hit(event.pos):
                self.answer(False)

    def draw(self, surface) -> None:
        f = self.app.fonts
        veil = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
        veil.fill(theme.SHADE)
        surface.blit(veil, (0, 0))
        pygame.draw.rect(surface, theme.PANEL, BOX, border_radius=10)
        pygame.draw.rect(surface, theme.WARN, BOX, 2, border_radius=10)
        text(surface, f.get(22, bold=True), self.question, (BOX.x + 24, BOX.y + 20), theme.TEXT)
        paragraph(surface, f.get(15), self.detail, (BOX.x + 24, BOX.y + 64, BOX.width - 48, 70), theme.MUTED)
        self.yes.draw(surface, f, self.app.mouse)
        self.no.draw(surface, f, self.app.mouse)
