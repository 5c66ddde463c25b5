"""Key bindings: every key a scene answers to, declared in one list per scene.

A chord is a key name as pygame spells it (``"space"``, ``"a"``, ``"f1"``, ``"="``)
with ``ctrl+`` / ``shift+`` in front. Scenes list :class:`Binding` objects; the app
dispatches a key press to the first binding that has its chord (the app's own
bindings first), and the help overlay lists the same bindings, so what the help
says is what the keys do. A test checks that no chord is bound twice in any scene.
"""

from __future__ import annotations

import re
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

    def label(self, lang: str = "en") -> str:
        return self.keys or " / ".join(pretty(c, lang) for c in self.chords)


# How each language writes a key: the one place key names are defined (buttons, hints, the help
# overlay and every catalogue text name keys through here; see :func:`fill_key_names`).
# English writes what is printed on the keycap. Chinese keyboards carry the same English caps,
# and Chinese software (Windows, WPS, QQ, games) keeps most of them as printed: Esc, Tab, Ctrl,
# Shift, F1–F12, PgUp/PgDn and the letters stay as on the cap, because that is what the trainee
# looks for on the keyboard. The keys that Chinese software and everyday speech name in Chinese
# get their Chinese name, so a Chinese screen never says "Space" or "Enter": Space → 空格,
# Enter/Return → 回车, Backspace → 退格, the numeric keypad → 小键盘. Arrows are drawn as arrows
# in both languages.
KEY_NAMES: dict[str, dict[str, str]] = {
    "en": {"space": "Space", "escape": "Esc", "return": "Enter", "tab": "Tab", "up": "↑", "down": "↓",
           "left": "←", "right": "→", "page up": "PgUp", "page down": "PgDn", "[+]": "Num +", "[-]": "Num −",
           "enter": "Num Enter", "backspace": "Backspace"},
    "zh": {"space": "空格", "escape": "Esc", "return": "回车", "tab": "Tab", "up": "↑", "down": "↓",
           "left": "←", "right": "→", "page up": "PgUp", "page down": "PgDn", "[+]": "小键盘 +", "[-]": "小键盘 −",
           "enter": "小键盘回车", "backspace": "退格"},
}
MODIFIER_NAMES = {"ctrl": "Ctrl", "shift": "Shift"}  # as printed on the cap, in both languages
TRANSLATED = {en for k, en in KEY_NAMES["en"].items() if KEY_NAMES["zh"][k] != en}
"""English key names that a Chinese screen must not show (it has its own word for them)."""


def pretty(chord: str, lang: str = "en") -> str:
    """``ctrl+=`` → ``Ctrl + =``; ``space`` → ``Space`` (``空格`` in Chinese); ``a`` → ``A``."""
    mods, key = [], chord
    while key.startswith(("ctrl+", "shift+")):
        m, key = key.split("+", 1)
        mods.append(m)
    name = KEY_NAMES[lang].get(key, key.upper() if len(key) == 1 else key.capitalize())
    return " + ".join([MODIFIER_NAMES[m] for m in mods] + [name])


_KEY_FIELD = re.compile(r"\{key_([a-z0-9_]+)\}")


def fill_key_names(template: str, lang: str) -> str:
    """``{key_space}`` in a catalogue text → the key's name in ``lang`` (``page_up`` for ``page up``)."""
    return _KEY_FIELD.sub(lambda m: pretty(m.group(1).replace("_", " "), lang), template)


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
