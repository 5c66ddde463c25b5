"""Rewind (Backspace): go back to the moment of a past decision and choose again.

The run so far stays saved as it is; the app rebuilds the run up to that moment (the
engine replays each earlier decision at its step, so it is the same day to the event),
paused, with the card open again, and the new branch is saved beside the old run.
"""

from __future__ import annotations

import pygame

from crisissim.engine.crisis import entry_kind
from crisissim.game import theme
from crisissim.game.fmt import TimeOfDay
from crisissim.game.keys import Binding
from crisissim.game.stack import Scene
from crisissim.game.widgets import Grid, paragraph, text, veil
from crisissim.game.words import entry_text, who

SHOWN = 12  # rows visible at once


def choices(decisions: list[dict]) -> list[int]:
    """Indices of the entries one can rewind to: every card answered and every action used."""
    return [i for i, d in enumerate(decisions) if entry_kind(d) in ("card", "action")]


class RewindScene(Scene):
    """↑ ↓ choose a past decision, Enter goes back to it, Esc or Backspace closes the list."""

    overlay = True
    help_title = "help.scene.rewind"

    def __init__(self, app, session):
        super().__init__(app)
        self.session = session
        self.rows = choices(session.decisions)
        self.selected = len(self.rows) - 1

    def bindings(self) -> list[Binding]:
        return [
            Binding(("up",), lambda i: self.move(-1), "key.rewind_up", repeat=True),
            Binding(("down",), lambda i: self.move(+1), "key.rewind_down", repeat=True),
            Binding(("return", "enter"), lambda i: self.choose(self.selected), "key.rewind_go"),
            Binding(("escape", "backspace"), lambda i: self.close(), "key.rewind_close"),
        ]

    def move(self, d: int) -> None:
        if self.rows:
            self.selected = max(0, min(len(self.rows) - 1, self.selected + d))

    def close(self) -> None:
        if self.app.stack.top is self:
            self.app.stack.pop()

    def choose(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.close()
            self.app.rewind(self.rows[row])

    def layout(self):
        f = self.app.fonts
        g = Grid(self.app.size)
        lh = f.get(15).get_linesize() + 8
        width = min(g.w - 40, max(g.x(720), f.px(15) * 46))
        head = f.get(21, True).get_linesize() + 2 * f.get(14).get_linesize() + 28
        box = g.centre(width, head + lh * max(1, min(SHOWN, len(self.rows))) + f.get(13).get_linesize() + 36)
        first = max(0, min(self.selected - SHOWN // 2, len(self.rows) - SHOWN))
        rects = []
        y = box.y + head
        for k in range(first, min(len(self.rows), first + SHOWN)):
            rects.append((k, pygame.Rect(box.x + 16, y, box.width - 32, lh - 2)))
            y += lh
        return box, rects

    def handle_event(self, event) -> None:
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            box, rects = self.layout()
            for k, r in rects:
                if r.collidepoint(event.pos):
                    self.choose(k)
                    return
            if not box.collidepoint(event.pos):
                self.close()
        elif event.type == pygame.MOUSEWHEEL:
            self.move(-event.y)

    def draw(self, surface) -> None:
        f = self.app.fonts
        w = self.app.words
        sc = self.session.scenario
        clock = TimeOfDay(sc.meta.start)
        veil(surface)
        box, rects = self.layout()
        pygame.draw.rect(surface, theme.PANEL, box, border_radius=10)
        pygame.draw.rect(surface, theme.ACCENT, box, 2, border_radius=10)
        x, width = box.x + 24, box.width - 48
        r = text(surface, f, w("rewind.title"), (x, box.y + 16), 21, theme.TEXT, bold=True, width=width)
        paragraph(surface, f, w("rewind.detail", path=self.session.save_path.name), (x, r.bottom + 4, width,
                  2 * f.get(14).get_linesize()), 14, theme.MUTED, max_lines=2)
        if not self.rows:
            text(surface, f, w("rewind.none"), (x, rects[0][1].y if rects else box.y + 90), 15, theme.MUTED, width=width)
        log = self.session.decisions
        for k, rr in rects:
            d = log[self.rows[k]]
            sel = k == self.selected
            if sel:
                pygame.draw.rect(surface, theme.BUTTON_ON, rr, border_radius=theme.RADIUS)
            line = f"{clock(d['t'])}   {entry_text(sc, w, d)}   ({who(w, d.get('by', 'trainee'))})"
            text(surface, f, line, (rr.x + 8, rr.centery), 15, theme.TEXT if sel else theme.MUTED, "midleft",
                 width=rr.width - 16)
        text(surface, f, w("rewind.keys"), (box.centerx, box.bottom - 12), 13, theme.FAINT, "midbottom", width=width)
