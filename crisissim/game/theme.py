"""Colours (RGB), state marks and sizes of the game; plain data and colour arithmetic, no pygame.

The state colours follow the Okabe–Ito palette (bluish green, orange-yellow, vermillion),
lightened so that every text colour reads at a contrast of at least 4.5:1 on every
background (WCAG AA), and every state is drawn with a mark and a word beside its colour,
so nothing depends on telling colours apart. ``tests/test_game_theme.py`` checks both.
"""

from __future__ import annotations

SIZE = (1280, 720)  # the default window; layouts use whatever size the window has
DESIGN = (1280, 720)  # the size the layout proportions were drawn for
FPS = 60

# backgrounds
BG = (16, 20, 28)
PANEL = (27, 33, 45)
BUTTON = (40, 49, 66)
BUTTON_HOVER = (45, 55, 74)
BUTTON_ON = (22, 56, 96)
BUTTON_OFF = (33, 38, 48)
PANEL_EDGE = (70, 84, 108)  # lines only, never under text
VEIL = (80, 80, 84)  # multiplies what lies under an overlay (about a third as bright)

# text and marks
TEXT = (232, 236, 242)
MUTED = (178, 188, 204)
FAINT = (158, 169, 186)
ACCENT = (86, 180, 233)  # Okabe–Ito sky blue
GOOD = (40, 195, 165)  # Okabe–Ito bluish green, lightened
WARN = (240, 200, 40)  # between Okabe–Ito orange and yellow
BAD = (255, 132, 88)  # Okabe–Ito vermillion, lightened
SERIES = (220, 150, 190)  # Okabe–Ito reddish purple, lightened: a chart line that is not a state

BACKGROUNDS = {"BG": BG, "PANEL": PANEL, "BUTTON": BUTTON, "BUTTON_HOVER": BUTTON_HOVER,
               "BUTTON_ON": BUTTON_ON, "BUTTON_OFF": BUTTON_OFF}
FOREGROUNDS = {"TEXT": TEXT, "MUTED": MUTED, "FAINT": FAINT, "ACCENT": ACCENT, "GOOD": GOOD, "WARN": WARN, "BAD": BAD}

STATES = {"ok": (GOOD, "✓"), "warn": (WARN, "▲"), "bad": (BAD, "✖"), "none": (MUTED, "·")}
"""State → (colour, mark). The word goes beside them (catalogue keys ``state.<name>``)."""

PAD = 12
RADIUS = 6
MIN_TEXT_PX = 12  # no text is drawn smaller, whatever the window


def state_colour(state: str) -> tuple[int, int, int]:
    return STATES[state][0]


def state_mark(state: str) -> str:
    return STATES[state][1]


# ------------------------------------------------------------ colour arithmetic
def _linear(c: float) -> float:
    c = c / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(rgb) -> float:
    """WCAG relative luminance of an sRGB colour."""
    r, g, b = (_linear(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


CVD = {  # Machado, Oliveira & Fernandes (2009), severity 1.0, on linear RGB
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}


def simulate(rgb, kind: str) -> tuple[float, float, float]:
    """Linear RGB of ``rgb`` as seen with the colour-vision deficiency ``kind``."""
    lin = [_linear(v) for v in rgb[:3]]
    r, g, b = (min(1.0, max(0.0, sum(m * x for m, x in zip(row, lin, strict=False)))) for row in CVD[kind])
    return r, g, b


def lab(linear_rgb) -> tuple[float, float, float]:
    """CIELAB (D65) of a linear RGB triple."""
    r, g, b = linear_rgb
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e(a, b) -> float:
    """CIE76 colour difference of two CIELAB colours."""
    return sum((p - q) ** 2 for p, q in zip(a, b, strict=False)) ** 0.5
