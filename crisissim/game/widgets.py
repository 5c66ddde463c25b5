"""Drawing helpers, buttons and charts (pygame surfaces; imported only once pygame is loaded).

Text goes through :class:`crisissim.game.fonts.Fonts` (sizes scaled, rendered lines
cached). Layouts are proportions of the window (:class:`Grid`), never a fixed canvas
scaled up: a larger window gets sharper text and more room, not blurrier pixels.
"""

from __future__ import annotations

import pygame

from crisissim.game import theme
from crisissim.game.fmt import clock_text, money  # noqa: F401 - re-exported for scenes


class Grid:
    """Design coordinates (a 1280×720 sketch) → pixels of a window of ``size``."""

    def __init__(self, size):
        self.w, self.h = size
        self.sx = self.w / theme.DESIGN[0]
        self.sy = self.h / theme.DESIGN[1]

    def x(self, v: float) -> int:
        return int(round(v * self.sx))

    def y(self, v: float) -> int:
        return int(round(v * self.sy))

    def rect(self, x: float, y: float, w: float, h: float) -> pygame.Rect:
        left, top = self.x(x), self.y(y)
        return pygame.Rect(left, top, self.x(x + w) - left, self.y(y + h) - top)

    def centre(self, w: float, h: float) -> pygame.Rect:
        """A box of ``w``×``h`` pixels in the middle of the window (shrunk to fit)."""
        r = pygame.Rect(0, 0, min(int(w), self.w - 16), min(int(h), self.h - 16))
        r.center = (self.w // 2, self.h // 2)
        return r


def text(surface, fonts, s: str, pos, size: float = 14, colour=theme.TEXT, anchor: str = "topleft",
         width: int | None = None, bold: bool = False):
    """Blit one line (cut with an ellipsis to ``width`` pixels); return its rect."""
    font = fonts.get(size, bold)
    if width is not None:
        s = fonts.ellipsize(s, font, max(1, width))
    img = fonts.render(font, s, colour)
    rect = img.get_rect(**{anchor: pos})
    surface.blit(img, rect)
    return rect


def paragraph(surface, fonts, s: str, rect, size: float = 14, colour=theme.TEXT, max_lines: int | None = None,
              bold: bool = False) -> int:
    """Wrapped text inside ``rect`` (extra lines dropped, the last one ellipsized); return the y below it."""
    rect = pygame.Rect(rect)
    font = fonts.get(size, bold)
    lh = font.get_linesize()
    lines = fonts.wrap(s, font, max(1, rect.width))
    room = max(0, rect.height // lh)
    if max_lines is not None:
        room = min(room, max_lines)
    if len(lines) > room and room:
        fonts.note_cut(s)
        lines = lines[:room]
        lines[-1] = fonts.ellipsize(lines[-1] + "…", font, rect.width)
    y = rect.y
    for line in lines[:room]:
        if line:
            surface.blit(fonts.render(font, line, colour), (rect.x, y))
        y += lh
    return y


def line_count(fonts, s: str, width: int, size: float = 14, bold: bool = False) -> int:
    return len(fonts.wrap(s, fonts.get(size, bold), max(1, width)))


def panel(surface, fonts, rect, title: str | None = None, size: float = 15, edge=theme.PANEL_EDGE,
          background: bool = True):
    """A rounded panel, its title at the top; return the inner rect below the title.

    ``background=False`` draws only the title (the panel itself is on a cached layer)."""
    rect = pygame.Rect(rect)
    if background:
        pygame.draw.rect(surface, theme.PANEL, rect, border_radius=theme.RADIUS)
        pygame.draw.rect(surface, edge, rect, 1, border_radius=theme.RADIUS)
    pad = max(6, min(theme.PAD, rect.width // 30))
    inner = rect.inflate(-2 * pad, -2 * pad)
    if title:
        r = text(surface, fonts, title, inner.topleft, size, theme.MUTED, width=inner.width)
        inner = pygame.Rect(inner.x, r.bottom + 4, inner.width, max(0, inner.bottom - r.bottom - 4))
    return inner


def state_tag(surface, fonts, state: str, word: str, pos, size: float = 14, anchor: str = "topleft",
              width: int | None = None):
    """``✓ word`` in the state's colour: the mark and the word say what the colour says."""
    return text(surface, fonts, f"{theme.state_mark(state)} {word}", pos, size, theme.state_colour(state), anchor, width)


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


def dashed(surface, colour, a, b, dash: int = 6, gap: int = 4, width: int = 1) -> None:
    """A dashed horizontal line from ``a`` to ``b`` (same y)."""
    (x0, y), (x1, _) = a, b
    x = x0
    while x < x1:
        pygame.draw.line(surface, colour, (x, y), (min(x + dash, x1), y), width)
        x += dash + gap


def veil(surface) -> None:
    """Darken everything drawn so far (under an overlay): a multiply, no alpha surface needed."""
    surface.fill(theme.VEIL, special_flags=pygame.BLEND_MULT)


class Chart:
    """A line chart over time with a labelled time axis and dashed reference lines, drawn
    into a cached surface that is redrawn only when its data or size change."""

    def __init__(self):
        self._key = None
        self._img = None
        self.redraws = 0

    def draw(self, surface, fonts, rect, key, points, x_range, lo: float, hi: float, colour, ticks=(), guides=(),
             y_labels=()) -> None:
        """``points`` [(t, v)] over ``x_range`` (t0, t1), ``ticks`` [(t, label)] on the time axis,
        ``guides`` [(value, colour, label)] dashed across, ``y_labels`` [(value, label)]; ``key``
        changes whenever the data do."""
        rect = pygame.Rect(rect)
        full = (rect.size, key, fonts.scale)
        if full != self._key or self._img is None:
            self._img = self._render(fonts, rect.size, points, x_range, lo, hi, colour, ticks, guides, y_labels)
            self._key = full
            self.redraws += 1
        surface.blit(self._img, rect)

    @staticmethod
    def _render(fonts, size, points, x_range, lo, hi, colour, ticks, guides, y_labels):
        img = pygame.Surface(size)
        img.fill(theme.PANEL)
        w, h = size
        small = 12
        fh = fonts.get(small).get_linesize()
        plot = pygame.Rect(0, 0, w, max(8, h - fh - 2))
        pygame.draw.rect(img, theme.BUTTON_OFF, plot, border_radius=3)
        span = max(hi - lo, 1e-9)
        x_start, x_end = x_range
        xs = max(x_end - x_start, 1e-9)

        def px(t):
            return plot.x + 2 + (plot.width - 4) * (t - x_start) / xs

        def py(v):
            return plot.bottom - 2 - (plot.height - 4) * (min(max(v, lo), hi) - lo) / span

        for t, label in ticks:
            x = int(px(t))
            pygame.draw.line(img, theme.PANEL_EDGE, (x, plot.y), (x, plot.bottom), 1)
            lw = fonts.get(small).size(label)[0]
            lx = min(max(x, lw // 2), w - lw // 2 - 1)
            text(img, fonts, label, (lx, plot.bottom + 1), small, theme.FAINT, "midtop")
        for value, label in y_labels:
            text(img, fonts, label, (plot.x + 4, int(py(value)) - 1), small, theme.FAINT, "bottomleft")
        placed: list = []
        for value, gcolour, label in guides:
            y = int(py(value))
            dashed(img, gcolour, (plot.x + 2, y), (plot.right - 2, y), width=2)
            if not label or plot.height < 3 * fh:  # too low a chart: the panel's title names the lines
                continue
            lw = fonts.get(small).size(label)[0]
            above = pygame.Rect(plot.right - 4 - lw, y - 1 - fh, lw, fh)
            below = pygame.Rect(plot.right - 4 - lw, y + 2, lw, fh)
            # above the line unless that leaves the plot or covers a label already written
            spot = above if above.top >= plot.y and not any(above.colliderect(r) for r in placed) else below
            placed.append(spot)
            text(img, fonts, label, spot.topleft, small, gcolour)
        if len(points) >= 2:
            pts = [(px(t), py(v)) for t, v in points]
            pygame.draw.lines(img, colour, False, pts, 2)
        return img


class Button:
    """A clickable rectangle with a label (and a second, smaller line); ``key`` names its shortcut."""

    def __init__(self, rect, label: str, key: str = "", *, enabled: bool = True, selected: bool = False,
                 sub: str = "", action=None, sub_colour=None):
        self.rect = pygame.Rect(rect)
        self.label = label
        self.key = key
        self.enabled = enabled
        self.selected = selected
        self.sub = sub
        self.action = action
        self.sub_colour = sub_colour

    def hit(self, pos) -> bool:
        return self.enabled and self.rect.collidepoint(pos)

    def draw(self, surface, fonts, mouse=(-1, -1), size: float = 16) -> None:
        hover = self.enabled and self.rect.collidepoint(mouse)
        if not self.enabled:
            bg, fg = theme.BUTTON_OFF, theme.FAINT
        elif self.selected:
            bg, fg = theme.BUTTON_ON, theme.TEXT
        else:
            bg, fg = (theme.BUTTON_HOVER if hover else theme.BUTTON), theme.TEXT
        pygame.draw.rect(surface, bg, self.rect, border_radius=theme.RADIUS)
        edge = theme.ACCENT if hover or self.selected else theme.PANEL_EDGE
        pygame.draw.rect(surface, edge, self.rect, 2 if hover else 1, border_radius=theme.RADIUS)
        label = f"[{self.key}] {self.label}" if self.key else self.label
        pad = 8
        w = self.rect.width - 2 * pad
        f = fonts.get(size)
        if self.sub:
            fs = fonts.get(size - 3)
            gap = 1
            hgt = f.get_linesize() + gap + fs.get_linesize()
            y = self.rect.centery - hgt // 2
            text(surface, fonts, label, (self.rect.x + pad, y), size, fg, width=w)
            sub_colour = self.sub_colour or (theme.FAINT if not self.enabled else theme.MUTED)
            text(surface, fonts, self.sub, (self.rect.x + pad, y + f.get_linesize() + gap), size - 3, sub_colour, width=w)
        else:
            text(surface, fonts, label, self.rect.center, size, fg, "center", width=w)

    def height_for(self, fonts, size: float = 16) -> int:
        """The height that fits the label and the second line at ``size``."""
        h = fonts.get(size).get_linesize()
        if self.sub:
            h += 1 + fonts.get(size - 3).get_linesize()
        return h + 10
