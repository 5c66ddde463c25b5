"""The game's words in English and Chinese: one catalogue per language, no pygame.

Every string the game shows comes from ``crisissim/game/locales/<lang>.yaml`` (a flat
mapping of dotted keys to ``str.format`` templates) or from the scenario, whose texts
may be given per language (:class:`crisissim.scenario.text.Text`). Both catalogues
have the same keys and the same placeholders (the tests check). A key named in a text is
written ``{key_space}``, ``{key_return}``…: :class:`Words` fills in its name in the current
language from :mod:`crisissim.game.keys`, the one place key names are defined.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path

import yaml

from crisissim.game.keys import fill_key_names
from crisissim.scenario.text import text_in

LANGUAGES = ("en", "zh")
LOCALES = Path(__file__).parent / "locales"


@cache
def catalogue(lang: str) -> dict[str, str]:
    """The catalogue of ``lang`` (``en`` or ``zh``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r} (expected one of: {', '.join(LANGUAGES)})")
    data = yaml.safe_load((LOCALES / f"{lang}.yaml").read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


@cache
def named_keys(lang: str) -> dict[str, str]:
    """The catalogue of ``lang`` with the keys it names written in ``lang`` (``{key_space}`` → ``空格``)."""
    return {k: fill_key_names(v, lang) for k, v in catalogue(lang).items()}


def placeholders(template: str) -> set[str]:
    """The ``{name}`` fields of a template."""
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


class Words:
    """The current language: ``w("key", n=3)`` formats a catalogue entry, ``w.of(text)`` picks a
    scenario text's translation, ``w.toggle()`` switches English ↔ Chinese."""

    def __init__(self, lang: str = "en"):
        self.lang = lang
        self._table = named_keys(lang)

    @property
    def lang(self) -> str:
        return self._lang

    @lang.setter
    def lang(self, lang: str) -> None:
        self._table = named_keys(lang)
        self._lang = lang

    def toggle(self) -> str:
        self.lang = LANGUAGES[(LANGUAGES.index(self.lang) + 1) % len(LANGUAGES)]
        return self.lang

    def __call__(self, key: str, **fields) -> str:
        template = self._table.get(key)
        if template is None:
            raise KeyError(f"no catalogue entry {key!r} in {self.lang}")
        return template.format(**fields) if fields else template

    def of(self, text) -> str:
        """A scenario text (plain or per language) in the current language."""
        return text_in(text, self.lang)
