"""Money figures written in texts: "costs 380,000 CNY", "380k CNY", "¥1.2m", "38万元", "每位60元".

A trainee reads the prompt and the option labels, so a figure there must be the figure the
option really costs or pays. :func:`money_figures` finds the amounts that carry a currency
(a code or symbol before or after the number, or 元/块 after it) and reads them with their
multipliers: thousands separators, ``k``/``m``/``bn`` and ``thousand``/``million``/``billion``,
and 千/万/百万/亿. A number without a currency (12 hours, 18,000 units, 1.8万台) is not money.
Chinese numerals written in characters (三十万元) are not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MULT = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9,
         "千": 1e3, "万": 1e4, "百万": 1e6, "亿": 1e8}
_AFTER = r"CNY|RMB|yuan|USD|EUR|GBP|dollars?|euros?|元|块|人民币|美元|欧元"
_BEFORE = r"CNY|RMB|USD|EUR|GBP|US\$|\$|¥|￥|€|£"
_AMOUNT = re.compile(
    r"(?<![A-Za-z0-9_.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<mult>百万|千|万|亿|thousand|million|billion|mn|bn|k|m)(?![A-Za-z]))?",
)


@dataclass(frozen=True)
class Figure:
    """An amount found in a text: its value and where it is (``text[start:end]``)."""

    value: float
    start: int
    end: int
    text: str


def money_figures(text: str, currency: str = "CNY") -> list[Figure]:
    """Every amount of money in ``text`` (``currency`` is the scenario's code, also recognised)."""
    extra = re.escape(currency) if currency else ""
    after = re.compile(r"\s?(?:" + _AFTER + (f"|{extra}" if extra else "") + r")(?![A-Za-z])", re.IGNORECASE)
    before = re.compile(r"(?:" + _BEFORE + (f"|{extra}" if extra else "") + r")\s?$", re.IGNORECASE)
    out = []
    for m in _AMOUNT.finditer(text):
        start, end = m.start(), m.end()
        tail = after.match(text, end)
        head = before.search(text[max(0, start - 8):start])
        if tail is None and head is None:
            continue
        if head is not None and head.group(0)[:1].isalpha() and start - len(head.group(0)) > 0:
            if text[start - len(head.group(0)) - 1].isalnum():  # "ACNY 5" is not a currency code
                continue
        value = float(m.group("num").replace(",", ""))
        mult = m.group("mult")
        if mult:
            value *= _MULT[mult.lower() if mult.isascii() else mult]
        s = start - len(head.group(0)) if head is not None else start
        e = tail.end() if tail is not None else end
        out.append(Figure(value, s, e, text[s:e]))
    return out


def _texts(value) -> list[tuple[str, str]]:
    """(language, text) pairs of a text field (one pair for a plain string)."""
    translations = getattr(value, "translations", None)
    if translations:
        return list(translations.items())
    return [("", str(value))] if value else []


_PAID = ("amount", "offer", "unit_cost", "cost_per_call")
"""Effect fields that are money paid: compensation, cost and fine amounts, an outreach's offer
and cost per call, a retrieval's cost per unit."""


def _amounts(item) -> set[float]:
    """What an option or action costs or pays: its ``cost`` and every money field of its effects
    (``_PAID``: a voucher offered on a call-back or a cost per kettle recalled is named in texts too)."""
    out = {float(item.cost)} if item.cost else set()
    for eff in item.effects:
        for field in _PAID:
            amount = getattr(eff, field, None)
            if isinstance(amount, (int, float)) and not isinstance(amount, bool) and amount:
                out.add(float(amount))
    return out


def money_problems(scenario) -> list[tuple[tuple, str, str]]:
    """Money figures in card prompts, option labels and action texts that no cost or amount backs,
    as ``(location of the text, language, message)``; ``crisissim validate`` warns of each at its
    place in the file.

    A figure in a card's prompt (or title) must be what one of its options costs or pays; a figure
    in an option's label (or an action's label or description) what that option (action) does.
    """
    cur = scenario.meta.currency
    out: list[tuple[tuple, str, str]] = []

    def check(loc: tuple, value, allowed: set[float]) -> None:
        for lang, text in _texts(value):
            for fig in money_figures(text, cur):
                if not any(abs(fig.value - a) <= 0.5 for a in allowed):
                    shown = ", ".join(f"{a:,.0f}" for a in sorted(allowed))
                    expected = f"expected one of its amounts: {shown}" if shown else "it has no cost or amount"
                    out.append((loc, lang, f"{fig.text!r} is not what it costs or pays ({expected})"))

    for i, card in enumerate(scenario.decisions):
        every = set().union(*(_amounts(o) for o in card.options))
        check(("decisions", i, "prompt"), card.prompt, every)
        check(("decisions", i, "title"), card.title, every)
        for k, opt in enumerate(card.options):
            check(("decisions", i, "options", k, "label"), opt.label, _amounts(opt))
    for i, act in enumerate(scenario.actions):
        check(("actions", i, "label"), act.label, _amounts(act))
        check(("actions", i, "description"), act.description, _amounts(act))
    return out


def disagreements(scenario) -> list[str]:
    """:func:`money_problems` as ``path: message`` lines."""
    from crisissim.scenario.errors import format_path

    return [f"{format_path(loc)}{f' ({lang})' if lang else ''}: {message}" for loc, lang, message in money_problems(scenario)]
