"""Key bindings: every key a scene answers to, declared in one list per scene.

A chord is a key name as pygame spells it (``"space"``, ``"a"``, ``"f1"``, ``"="``)
with ``ctrl+`` / ``shift+`` in front. Scenes list :class:`Binding` objects; the app
dispatches a key press to the first binding that has its chord (the app's own
bindings first), and the help overlay lists the same bindings, so what the help
says is what the keys do. A test checks that no chord is bound twice in any scene.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Binding:
    """``chords`` run ``run(i)`` (``i``: which chord matched); ``help`` is a catalogue key
    (formatted with ``fields``), ``keys`` how the help writes the keys (default: the chords)."""

    chords: tuple[str, ...]
    run: Callable[[int], None]
    help: str
    keys: str = ""
    fields: dict = field(default_factory=dict)
    repeat: bool = False  # also on the key repeats of a held key (scrolling), not only the first press

    def label(self) -> str:
        return self.keys or " / ".join(pretty(c) for c in self.chords)


_PRETTY = {"space": "Space", "escape": "Esc", "return": "Enter", "tab": "Tab", "up": "↑", "down": "↓",
           "left": "←", "right": "→", "page up": "PgUp", "page down": "PgDn", "[+]": "Num +", "[-]": "Num −",
           "enter": "Num Enter", "backspace": "Backspace"}


def pretty(chord: str) -> str:
    """``ctrl+=`` → ``Ctrl + =``; ``space`` → ``Space``; ``a`` → ``A``."""
    mods, key = [], chord
    while key.startswith(("ctrl+", "shift+")):
        m, key = key.split("+", 1)
        mods.append(m)
    name = _PRETTY.get(key, key.upper() if len(key) == 1 else key.capitalize())
    return " + ".join([m.capitalize() for m in mods] + [name])


def chord_of(pg, event) -> str:
    """The chord of a KEYDOWN event."""
    name = pg.key.name(event.key)
    mod = getattr(event, "mod", 0)
    out = ""
    if mod & pg.KMOD_CTRL:
        out += "ctrl+"
    if mod & pg.KMOD_SHIFT:
        out += "shift+"
    return out + name


def find(bindings: list[Binding], chord: str) -> tuple[Binding, int] | None:
    """The binding that answers ``chord`` (shift ignored when no binding names it), with the index."""
    for candidate in (chord, chord.replace("shift+", "")) if "shift+" in chord else (chord,):
        for b in bindings:
            if candidate in b.chords:
                return b, b.chords.index(candidate)
    return None


def clashes(bindings: list[Binding]) -> list[str]:
    """Chords bound more than once."""
    seen: dict[str, int] = {}
    for b in bindings:
        for c in b.chords:
            seen[c] = seen.get(c, 0) + 1
    return sorted(c for c, n in seen.items() if n > 1)
