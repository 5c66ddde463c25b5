"""Colours (RGB) and layout constants of the game; plain data, no pygame."""

from __future__ import annotations

SIZE = (1280, 720)  # the logical canvas; the window scales it
FPS = 60

BG = (17, 22, 31)
PANEL = (29, 36, 49)
PANEL_EDGE = (52, 63, 82)
TEXT = (226, 231, 238)
MUTED = (146, 157, 175)
FAINT = (92, 102, 120)
ACCENT = (80, 160, 255)
GOOD = (76, 196, 124)
WARN = (240, 180, 60)
BAD = (236, 88, 88)
BUTTON = (48, 60, 82)
BUTTON_HOVER = (64, 82, 112)
BUTTON_ON = (50, 110, 190)
BUTTON_OFF = (38, 43, 54)
SHADE = (8, 10, 14, 190)  # RGBA veil under overlays

PAD = 12
RADIUS = 6


def level_colour(share: float) -> tuple[int, int, int]:
    """Green, amber or red for a fill share in [0, 1] (how close to trouble)."""
    if share < 0.5:
        return GOOD
    if share < 0.8:
        return WARN
    return BAD
