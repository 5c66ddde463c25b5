"""The help overlay (H or F1): every key of the scene beneath it, and the keys that work everywhere.

The list is built from the same :class:`~crisissim.game.keys.Binding` objects the app
dispatches keys with, so the help cannot disagree with the keys.
"""

from __future__ import annotations

import pygame

from crisissim.game import theme
from crisissim.game.keys import Binding
from crisissim.game.stack import Scene
from crisissim.game.widgets import Grid, text, veil


class HelpScene(Scene):
    """Esc, H or F1 close it (the run stays paused underneath while it is open)."""

    overlay = True
    help_title = "help.scene.help"

    def __init__(self, app, below: Scene):
        super().__init__(app)
        self.below = below

    def bindings(self) -> list[Binding]:
        return [Binding(("escape", "return"), lambda i: self.close(), "key.close_help")]

    def close(self) -> None:
        if self.app.stack.top is self:
            self.app.stack.pop()

    def handle_event(self, event) -> None:
        if event.type == pygame.MOUSEBUTTONDOWN:
            self.close()

    def rows(self) -> list[tuple[str, str]]:
        """(keys, what they do) for the scene beneath, then the keys that work everywhere."""
        w = self.app.words
        out = [(b.label(w.lang), w(b.help, **b.fields)) for b in self.below.bindings()]
        out.append(("", ""))
        out += [(b.label(w.lang), w(b.help, **b.fields)) for b in self.app.global_bindings()]
        return out

    def draw(self, surface) -> None:
        f = self.app.fonts
        w = self.app.words
        veil(surface)
        rows = self.rows()
        lh = f.get(15).get_linesize() + 4
        key_w = max([f.get(15, True).size(k)[0] for k, _ in rows] + [80]) + 24
        g = Grid(self.app.size)
        box = g.centre(min(g.w - 40, key_w + f.px(15) * 34), 110 + lh * len(rows))
        pygame.draw.rect(surface, theme.PANEL, box, border_radius=10)
        pygame.draw.rect(surface, theme.ACCENT, box, 2, border_radius=10)
        x = box.x + 24
        text(surface, f, w("help.title", scene=w(self.below.help_title)), (x, box.y + 18), 22, theme.TEXT, bold=True,
             width=box.width - 48)
        y = box.y + 18 + f.get(22, True).get_linesize() + 12
        for keys, what in rows:
            if y + lh > box.bottom - 36:
                break
            if not keys:
                y += lh // 2
                text(surface, f, w("help.everywhere"), (x, y), 14, theme.MUTED)
                y += lh
                continue
            text(surface, f, keys, (x, y), 15, theme.ACCENT, bold=True, width=key_w - 12)
            text(surface, f, what, (x + key_w, y), 15, theme.TEXT, width=box.right - 24 - x - key_w)
            y += lh
        text(surface, f, w("help.close"), (box.centerx, box.bottom - 12), 13, theme.FAINT, "midbottom")
