"""Drawing helpers and buttons (pygame surfaces; imported only once pygame is loaded)."""

from __future__ import annotations

import pygame

from crisissim.game import theme
from crisissim.game.fonts import ellipsize, wrap


def clock_text(minutes: float) -> str:
    """``HH:MM`` of elapsed simulated time."""
    m = int(minutes + 1e-9)
    return f"{m // 60:02d}:{m % 60:02d}"


def money(x: float, currency: str = "", signed: bool = False) -> str:
    """``1,234,567 CNY`` (whole units), with a sign when ``signed``."""
    s = f"{x:+,.0f}" if signed else f"{x:,.0f}"
    return f"{s} {currency}".strip()


def text(surface, font, s: str, pos, colour=theme.TEXT, anchor: str = "topleft", width: int | None = None):
    """Blit one line (cut with an ellipsis to ``width``); return its rect."""
    if width is not None:
        s = ellipsize(s, font, width)
    img = font.render(s, True, colour)
    rect = img.get_rect(**{anchor: pos})
    surface.blit(img, rect)
    return rect


def paragraph(surface, font, s: str, rect, colour=theme.TEXT, max_lines: int | None = None) -> int:
    """Wrapped text inside ``rect`` (extra lines dropped, the last one ellipsized); return the y below it."""
    rect = pygame.Rect(rect)
    lh = font.get_linesize()
    lines = wrap(s, font, rect.width)
    room = max(0, rect.height // lh)
    if max_lines is not None:
        room = min(room, max_lines)
    if len(lines) > room and room:
        lines = lines[:room]
        lines[-1] = ellipsize(lines[-1] + "…", font, rect.width)
    y = rect.y
    for line in lines[:room]:
        if line:
            surface.blit(font.render(line, True, colour), (rect.x, y))
        y += lh
    return y


def panel(surface, rect, title: str | None = None, font=None):
    """A rounded panel, its title at the top; return the inner rect below the title."""
    rect = pygame.Rect(rect)
    pygame.draw.rect(surface, theme.PANEL, rect, border_radius=theme.RADIUS)
    pygame.draw.rect(surface, theme.PANEL_EDGE, rect, 1, border_radius=theme.RADIUS)
    inner = rect.inflate(-2 * theme.PAD, -2 * theme.PAD)
    if title and font is not None:
        r = text(surface, font, title, inner.topleft, theme.MUTED)
        inner = pygame.Rect(inner.x, r.bottom + 6, inner.width, inner.bottom - r.bottom - 6)
    return inner


def bar(surface, rect, share: float, colour, marker: float | None = None, marker_colour=theme.TEXT) -> None:
    """A horizontal bar filled to ``share`` (0–1), with an optional tick at ``marker`` (0–1)."""
    rect = pygame.Rect(rect)
    pygame.draw.rect(surface, theme.BUTTON_OFF, rect, border_radius=3)
    w = int(rect.width * max(0.0, min(1.0, share)))
    if w > 0:
        pygame.draw.rect(surface, colour, (rect.x, rect.y, w, rect.height), border_radius=3)
    if marker is not None:
        x = rect.x + int(rect.width * max(0.0, min(1.0, marker)))
        pygame.draw.line(surface, marker_colour, (x, rect.y - 3), (x, rect.bottom + 2), 2)


def sparkline(surface, rect, points, lo: float, hi: float, colour, guide: float | None = None) -> None:
    """A line of ``points`` [(x, y)] scaled into ``rect`` (x over its own range, y over lo–hi)."""
    rect = pygame.Rect(rect)
    pygame.draw.rect(surface, theme.BUTTON_OFF, rect, border_radius=3)
    span = max(hi - lo, 1e-9)

    def ys(v):
        return rect.bottom - 2 - (rect.height - 4) * (min(max(v, lo), hi) - lo) / span

    if guide is not None:
        y = ys(guide)
        for x in range(rect.x + 2, rect.right - 2, 8):
            pygame.draw.line(surface, theme.BAD, (x, y), (min(x + 4, rect.right - 2), y), 1)
    if len(points) < 2:
        return
    x0, x1 = points[0][0], points[-1][0]
    xs = max(x1 - x0, 1e-9)
    pts = [(rect.x + 2 + (rect.width - 4) * (x - x0) / xs, ys(v)) for x, v in points]
    pygame.draw.lines(surface, colour, False, pts, 2)


class Button:
    """A clickable rectangle with a label (and a second, smaller line); ``key`` is its shortcut."""

    def __init__(self, rect, label: str, key: int | None = None, *, enabled: bool = True, selected: bool = False,
                 sub: str = "", action=None):
        self.rect = pygame.Rect(rect)
        self.label = label
        self.key = key
        self.enabled = enabled
        self.selected = selected
        self.sub = sub
        self.action = action

    def hit(self, pos) -> bool:
        return self.enabled and self.rect.collidepoint(pos)

    def draw(self, surface, fonts, mouse=(-1, -1), size: int = 16) -> None:
        if not self.enabled:
            bg, fg = theme.BUTTON_OFF, theme.FAINT
        elif self.selected:
            bg, fg = theme.BUTTON_ON, theme.TEXT
        else:
            bg = theme.BUTTON_HOVER if self.rect.collidepoint(mouse) else theme.BUTTON
            fg = theme.TEXT
        pygame.draw.rect(surface, bg, self.rect, border_radius=theme.RADIUS)
        edge = theme.ACCENT if self.enabled and self.rect.collidepoint(mouse) else theme.PANEL_EDGE
        pygame.draw.rect(surface, edge, self.rect, 1, border_radius=theme.RADIUS)
        f = fonts.get(size)
        w = self.rect.width - 16
        if self.sub:
            fs = fonts.get(max(11, size - 3))
            gap = 2
            h = f.get_height() + gap + fs.get_height()
            y = self.rect.centery - h // 2
            text(surface, f, self.label, (self.rect.x + 8, y), fg, width=w)
            text(surface, fs, self.sub, (self.rect.x + 8, y + f.get_height() + gap),
                 theme.FAINT if not self.enabled else theme.MUTED, width=w)
        else:
            text(surface, f, self.label, self.rect.center, fg, anchor="center", width=w)
