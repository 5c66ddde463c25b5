"""The trainee's pygame-ce front end: menu, briefing, live dashboard, decision cards, debrief.

Nothing here imports pygame at import time: :func:`load_pygame` does, when the game
starts, so ``import crisissim`` and the engine never need it. Pure logic (the scene
stack, the simulation clock, the counterfactual debrief) lives in modules that do
not touch pygame at all and is tested without a display.
"""

from __future__ import annotations

MISSING = "pygame-ce is not installed (pip install 'crisissim[game]')"


class GameUnavailable(RuntimeError):
    """pygame-ce cannot be imported; ``str()`` is the one-line hint."""


def load_pygame():
    """Import and return pygame (quietly); raise :class:`GameUnavailable` if it is missing."""
    import os

    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        import pygame
    except ImportError:
        raise GameUnavailable(MISSING) from None
    return pygame
