"""Fonts with CJK glyphs and text wrapping that handles English and Chinese alike.

The bundled font is ``assets/fonts/wqy-microhei.ttc`` (WenQuanYi Micro Hei, Apache-2.0
or GPLv3 with font exception; see the ``.copyright`` file beside it). When it is missing
the game falls back to pygame's default font (Chinese then shows as boxes).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from pathlib import Path

from crisissim.game.theme import MIN_TEXT_PX
from crisissim.paths import data_dir

FONT_FILE = "wqy-microhei.ttc"
_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_TOKENS = re.compile(rf"[{_CJK}]|\s+|[^\s{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
_NO_LINE_START = set("，。、；：？！）》」』”’,.;:?!)%")


def assets_dir() -> Path:
    """The ``assets/`` folder (source tree or installed share folder)."""
    return data_dir("assets")


def font_path() -> Path | None:
    """The CJK font file, or None when it is not there."""
    p = assets_dir() / "fonts" / FONT_FILE
    return p if p.is_file() else None


class Fonts:
    """pygame fonts by size, loaded once each (after ``pygame.font.init()``), and a cache of
    rendered lines and wrapped paragraphs (most of a frame's text is the same as the last's).

    ``scale`` multiplies every size (the window's size and the trainee's text-size setting);
    no font is smaller than :data:`crisissim.game.theme.MIN_TEXT_PX` pixels.
    """

    CACHE = 4096  # rendered lines kept

    def __init__(self, pygame, path: Path | None = None, scale: float = 1.0):
        self.pg = pygame
        self.path = font_path() if path is None else path
        self._cache: dict[tuple[int, bool], object] = {}  # (pixels, bold) -> font
        self._by_size: dict[tuple[float, bool], object] = {}  # (nominal size, bold) -> font at the current scale
        self.scale = scale
        self._lines: OrderedDict = OrderedDict()
        self._wraps: OrderedDict = OrderedDict()
        self.renders = 0  # lines rendered (cache misses), for the frame-time benchmark
        self.watch: Watch | None = None  # set one to collect what is drawn (the tests read it)

    def px(self, size: float) -> int:
        """Pixel size of a font of nominal ``size`` at the current scale."""
        return max(MIN_TEXT_PX, int(round(size * self.scale)))

    @property
    def scale(self) -> float:
        return self._scale

    @scale.setter
    def scale(self, value: float) -> None:
        self._scale = value
        self._by_size = {}

    def get(self, size: float, bold: bool = False):
        f = self._by_size.get((size, bold))
        if f is None:
            f = self._by_size[(size, bold)] = self._load(self.px(size), bold)
        return f

    def _load(self, px: int, bold: bool):
        key = (px, bold)
        f = self._cache.get(key)
        if f is None:
            try:
                f = self.pg.font.Font(str(self.path) if self.path else None, key[0])
            except (OSError, FileNotFoundError):
                f = self.pg.font.Font(None, key[0])
            f.set_bold(bold)
            self._cache[key] = f
        return f

    def render(self, font, s: str, colour):
        """``font.render(s, True, colour)``, cached."""
        if self.watch is not None:
            self.watch.lines.append(s)
        key = (id(font), s, tuple(colour))
        img = self._lines.get(key)
        if img is None:
            img = font.render(s, True, colour)
            self.renders += 1
            self._lines[key] = img
            if len(self._lines) > self.CACHE:
                self._lines.popitem(last=False)
        else:
            self._lines.move_to_end(key)
        return img

    def wrap(self, s: str, font, width: int) -> list[str]:
        """:func:`wrap`, cached."""
        key = (id(font), s, width)
        lines = self._wraps.get(key)
        if lines is None:
            lines = wrap(s, font, width)
            self._wraps[key] = lines
            if len(self._wraps) > self.CACHE:
                self._wraps.popitem(last=False)
        return lines

    def ellipsize(self, s: str, font, width: int) -> str:
        """:func:`ellipsize`, cached (as a one-line wrap)."""
        key = (id(font), s, -width)
        out = self._wraps.get(key)
        if out is None:
            out = ellipsize(s, font, width)
            self._wraps[key] = out
            if len(self._wraps) > self.CACHE:
                self._wraps.popitem(last=False)
        if out != s:
            self.note_cut(s)
        return out

    def note_cut(self, s: str) -> None:
        """``s`` did not fit where it was drawn and was cut (with an ellipsis)."""
        if self.watch is not None:
            self.watch.cut.append(s)


class Watch:
    """What was drawn while ``fonts.watch`` held it: every line of text as rendered, and every
    text cut to fit (whole, as it was given)."""

    def __init__(self):
        self.lines: list[str] = []
        self.cut: list[str] = []


def unfold(text: str) -> list[str]:
    """Paragraphs of ``text``: blank lines separate them; single line breaks inside one are
    joined by a space, or by nothing between two Chinese characters."""
    paras = []
    for block in re.split(r"\n\s*\n", text.strip()):
        out = ""
        for line in block.splitlines():
            line = line.strip()
            if not line:
                continue
            if out and not (_IS_CJK.match(out[-1]) and _IS_CJK.match(line[0])):
                out += " "
            out += line
        paras.append(out)
    return paras


def wrap(text: str, font, width: int) -> list[str]:
    """Lines of ``text`` no wider than ``width`` pixels: English breaks at spaces, Chinese
    between any two characters (not before closing punctuation); blank line between paragraphs."""
    lines: list[str] = []

    def fit(line: str) -> str:  # split a word longer than a line
        while len(line) > 1 and font.size(line.rstrip())[0] > width:
            cut = len(line) - 1
            while cut > 1 and font.size(line[:cut])[0] > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        return line

    for i, para in enumerate(unfold(text)):
        if i:
            lines.append("")
        line = ""
        for tok in _TOKENS.findall(para):
            if tok in _NO_LINE_START or not line.strip():
                line = line + tok if tok in _NO_LINE_START else fit(line + tok)
            elif font.size((line + tok).rstrip())[0] <= width:
                line += tok
            else:
                lines.append(line.rstrip())
                line = "" if tok.isspace() else fit(tok)
        if line.strip():
            lines.append(line.rstrip())
    return lines


def ellipsize(text: str, font, width: int) -> str:
    """``text`` cut with an ellipsis to fit ``width`` pixels."""
    if font.size(text)[0] <= width:
        return text
    while text and font.size(text + "…")[0] > width:
        text = text[:-1]
    return text + "…"


def missing_glyphs(text: str, path: Path | None = None) -> set[str]:
    """Characters of ``text`` the font at ``path`` (default the bundled one) has no glyph for."""
    import pygame.freetype

    if not pygame.freetype.get_init():
        pygame.freetype.init()
    face = _faces.get(path)
    if face is None:
        face = _faces[path] = pygame.freetype.Font(str(path or font_path()), 16)
    chars = {c for c in text if not c.isspace()}
    return {c for c, m in zip(sorted(chars), face.get_metrics("".join(sorted(chars))), strict=False) if m is None}


_faces: dict = {}
