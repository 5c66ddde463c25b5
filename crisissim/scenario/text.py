"""Texts shown to trainees, in one language or several, and times of day.

Wherever a scenario has a title, prompt, label, briefing or debrief text, a trainer may
write a plain string or one text per language::

    title: Kettle recall
    title: {en: Kettle recall, zh: 电水壶召回}

Either way the validated value is a :class:`Text`: a ``str`` (so every reader that
wants one string keeps working; its value is the English text, else the first given)
that also knows its translations (:meth:`Text.get`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    Tag,
    WithJsonSchema,
)

LANGUAGES = ("en", "zh")
"""The languages a text may be given in (the game's catalogues cover the same)."""


class Text(str):
    """A string with translations: ``str(t)`` is the default text, ``t.get("zh")`` one language."""

    translations: dict[str, str]

    def __new__(cls, translations: dict[str, str]):
        given = {k: v for k, v in translations.items() if v is not None}
        default = given.get("en", next(iter(given.values()), ""))
        self = super().__new__(cls, default)
        self.translations = given
        return self

    def get(self, lang: str) -> str:
        """The text in ``lang``, else in English, else in the first language given."""
        t = self.translations
        return t.get(lang) or t.get("en") or next(iter(t.values()), "")

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(k for k, v in self.translations.items() if v)

    def __reduce__(self):
        return (Text, (dict(self.translations),))

    def __repr__(self) -> str:
        if len(self.translations) <= 1:
            return super().__repr__()
        return f"Text({self.translations!r})"


def text_in(value: Any, lang: str) -> str:
    """``value`` (a :class:`Text` or a plain string) in ``lang``."""
    if isinstance(value, Text):
        return value.get(lang)
    return "" if value is None else str(value)


class Translations(BaseModel):
    """The same text in several languages: ``{en: "Recall now", zh: "立即召回"}``; at least one."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    en: str | None = None
    """English."""
    zh: str | None = None
    """Chinese (简体中文)."""


def _branch(value: Any) -> str:
    return "translations" if isinstance(value, dict) else "string"


def _to_text(max_length: int):
    def convert(value: Any) -> Text:
        if isinstance(value, Translations):
            given = value.model_dump(exclude_none=True)
            if not given:
                raise ValueError(f"give the text in at least one language ({', '.join(LANGUAGES)})")
            for lang, s in given.items():
                if len(s) > max_length:
                    raise ValueError(f"the {lang} text is longer than {max_length:,} characters")
            return Text(given)
        return value if isinstance(value, Text) else Text({"en": value})

    return convert


def _dump(value: Any):
    if isinstance(value, Text) and (len(value.translations) > 1 or "en" not in value.translations):
        return dict(value.translations)
    return str(value)


def LocalText(max_length: int):  # noqa: N802 - used like a type: ``title: LocalText(200)``
    """A text field: a string of at most ``max_length`` characters or one per language."""
    return Annotated[
        Annotated[Annotated[str, Field(max_length=max_length)], Tag("string")] | Annotated[Translations, Tag("translations")],
        Discriminator(_branch),
        AfterValidator(_to_text(max_length)),
        PlainSerializer(_dump),
    ]


# The text fields of the schema, by longest length. Pydantic reads the validation; a type checker
# sees a str (the validated value is a Text, a str that also knows its translations).
if TYPE_CHECKING:
    LocalText40 = str
    LocalText100 = str
    LocalText200 = str
    LocalText500 = str
    LocalText1000 = str
    LocalText5000 = str
    LocalText20000 = str
else:
    LocalText40, LocalText100, LocalText200, LocalText500 = (LocalText(n) for n in (40, 100, 200, 500))
    LocalText1000, LocalText5000, LocalText20000 = (LocalText(n) for n in (1000, 5000, 20_000))


_CLOCK = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")
CLOCK_PATTERN = r"^\s*([01]?\d|2[0-3]):[0-5]\d\s*$"


def parse_time_of_day(value: Any) -> float:
    """``"08:00"`` (or minutes after midnight) → minutes after midnight."""
    if isinstance(value, bool):
        raise ValueError('expected a time of day such as "08:00", got a boolean')
    if isinstance(value, (int, float)):  # YAML 1.1 reads an unquoted 8:00 as 480 (base 60)
        if not 0 <= value < 1440:
            raise ValueError(f'expected a time of day such as "08:00" (or 0 to 1439 minutes), got {value!r}')
        return float(value)
    if isinstance(value, str):
        m = _CLOCK.match(value)
        if m:
            return float(int(m.group(1)) * 60 + int(m.group(2)))
    raise ValueError(f'expected a time of day such as "08:00", got {value!r}')


def format_time_of_day(minutes: float) -> str:
    m = int(round(minutes)) % 1440
    return f"{m // 60:02d}:{m % 60:02d}"


TimeOfDay = Annotated[
    float,
    BeforeValidator(parse_time_of_day),
    PlainSerializer(format_time_of_day),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": CLOCK_PATTERN, "description": 'e.g. "08:00"'},
                {"type": "number", "minimum": 0, "exclusiveMaximum": 1440, "description": "minutes after midnight"},
            ]
        }
    ),
]
"""A time of day, ``"HH:MM"`` (stored as minutes after midnight)."""


def texts(model, path: str = ""):
    """Every :class:`Text` in a validated scenario (or any part of it), as (field path, text)."""
    from pydantic import BaseModel

    if isinstance(model, Text):
        yield path, model
    elif isinstance(model, BaseModel):
        for name in type(model).model_fields:
            yield from texts(getattr(model, name), f"{path}.{name}" if path else name)
    elif isinstance(model, dict):
        for k, v in model.items():
            yield from texts(v, f"{path}.{k}")
    elif isinstance(model, (list, tuple)):
        for i, v in enumerate(model):
            yield from texts(v, f"{path}[{i}]")


# --- text from shared files, safe to show ---------------------------------------------------------
# A scenario, save or study file is data someone sent. Its free text may carry control characters;
# printed raw, ``ESC [ 2 J`` clears a trainer's terminal and worse sequences rewrite what a terminal
# shows. Scenario text is cleaned as it is loaded (``schema.Part``), and anything else printed from
# a shared file goes through :func:`printable`.

# C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides that
# reorder what a reader sees (U+200E/F, U+202A–E, U+2066–9)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile("[\t\n]+")


def printable(text: str, newlines: bool = True) -> str:
    """``text`` without control characters; with ``newlines=False`` tabs and line breaks
    become single spaces, so the text stays on one line. A :class:`Text` stays one, each of
    its translations cleaned."""
    if isinstance(text, Text):
        return Text({k: printable(v, newlines) for k, v in text.translations.items()})
    text = _CONTROLS.sub("", text)
    return text if newlines else _BREAKS.sub(" ", text)
