"""The condition language of ``when:`` fields, parsed into a checked expression tree.

Grammar (nothing is ever passed to ``eval``)::

    expr   := and ("or" and)*
    and    := not ("and" not)*
    not    := "not" not | cmp
    cmp    := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum    := term (("+" | "-") term)*
    term   := unary (("*" | "/") unary)*
    unary  := "-" unary | atom
    atom   := NUMBER [s|m|h|d] | NAME ["." NAME] | "(" expr ")"

Names (all numbers; time in minutes, money in the scenario currency):
``time``, ``reputation``, ``abandon_rate``, ``service_level``, ``loss``, ``churned``,
``queue`` (sync contacts waiting), ``backlog`` (async and social contacts waiting), ``posts``
(unanswered negative social posts), ``arrived``, ``abandoned``; per contact type
``queue.T``, ``backlog.T``, ``arrived.T``, ``abandoned.T``; per pool ``busy.P``, ``agents.P``,
``occupancy.P``; per inject ``fired.I`` (times fired); ``incidents`` (all incidents so far) and
``incidents.K`` (incidents of kind K over every exposure), ``exposed`` (units exposed now, all
exposures) and per exposure ``exposed.E`` and ``retrieved.E`` (units taken back so far);
``at_risk`` (customers on the at-risk list who have not left yet, see ``churn.at_risk``; 0 unless
the scenario has an ``outreach`` effect) and ``won_back`` (customers outreach has won back). ``alarm.T``
is true while the early-warning alarm of contact type T is raised (see ``monitoring``);
``true``/``false`` are booleans.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crisissim.scenario.units import UNIT_MINUTES

SCALARS = (
    "time",
    "reputation",
    "abandon_rate",
    "service_level",
    "loss",
    "churned",
    "queue",
    "backlog",
    "posts",
    "arrived",
    "abandoned",
    "incidents",
    "exposed",
    "at_risk",
    "won_back",
)
PER_TYPE = ("queue", "backlog", "arrived", "abandoned")
PER_POOL = ("busy", "agents", "occupancy")
PER_INJECT = ("fired",)
PER_EXPOSURE = ("exposed", "retrieved")
PER_INCIDENT = ("incidents",)
BOOL_PER_TYPE = ("alarm",)

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?:[smhd](?![A-Za-z0-9_]))?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z_][A-Za-z0-9_\-]*)?)"
    r"|(?P<op><=|>=|==|!=|<|>|\+|-|\*|/|\(|\)))"
)
_CMP = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne}
_ARITH = {"+": operator.add, "-": operator.sub, "*": operator.mul}


MAX_NESTING = 16
"""Deepest nesting of parentheses, unary ``-`` and ``not`` in one condition."""
MAX_OPERATORS = 64
"""Most binary operators (``+ - * / < … and or``) in one condition."""
MAX_NUMBER = 1e15
"""Largest number written in a condition (minutes, money, counts)."""


class ConditionError(ValueError):
    """A bad condition; ``offset`` is the 0-based character position of the problem."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True)
class Names:
    """What exists in the scenario, for checking names."""

    types: frozenset[str]
    pools: frozenset[str]
    injects: frozenset[str]
    exposures: frozenset[str] = frozenset()
    incidents: frozenset[str] = frozenset()

    @classmethod
    def of(cls, sc) -> Names:
        """The names of a validated scenario."""
        return cls(
            frozenset(sc.contact_types),
            frozenset(sc.pools),
            frozenset(i.id for i in sc.injects),
            frozenset(sc.exposures),
            frozenset(k for e in sc.exposures.values() for k in e.incidents),
        )


@dataclass(frozen=True)
class Condition:
    """A parsed condition: ``evaluate(lookup)`` with ``lookup(kind, arg) -> float``."""

    source: str
    refs: tuple[tuple[str, str | None], ...]
    _fn: Callable[[Callable[[str, str | None], float]], Any]

    def evaluate(self, lookup: Callable[[str, str | None], float]) -> bool:
        return bool(self._fn(lookup))


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            bad = len(text[pos:]) - len(text[pos:].lstrip()) + pos
            raise ConditionError(_bad_character(text, bad), bad)
        kind = m.lastgroup or ""
        start = m.start(kind)
        out.append((kind, m.group(kind), start))
        pos = m.end()
    out.append(("end", "", len(text)))
    return out


class _Parser:
    def __init__(self, text: str, names: Names):
        self.text = text
        self.names = names
        self.toks = _tokens(text)
        self.i = 0
        self.refs: list[tuple[str, str | None]] = []
        self.nesting = 0
        self.operators = 0

    def nest(self, pos: int) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise ConditionError(f"nested too deeply (at most {MAX_NESTING} levels of parentheses, '-' and 'not')", pos)

    def operator(self, pos: int) -> None:
        self.operators += 1
        if self.operators > MAX_OPERATORS:
            raise ConditionError(f"too long (at most {MAX_OPERATORS} operators; split it into several injects or "
                                 "cards)", pos)

    def peek(self) -> tuple[str, str, int]:
        return self.toks[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def hint(self) -> str:
        """"did you mean …?" for the token at hand: a unit written as a word after a number
        (``1 hour`` → ``1h``), or ``AND``/``OR``/``NOT`` in capitals; else ""."""
        kind, val, _ = self.peek()
        if kind != "name":
            return ""
        before = self.toks[self.i - 1] if self.i > 0 else ("", "", 0)
        unit = _UNIT_WORDS.get(val.lower())
        if unit and before[0] == "num" and before[1][-1] not in "smhd":
            return f"did you mean '{before[1]}{unit}'? (a unit follows its number: 90s, 15m, 2h, 3d)"
        return _capitals(val)

    def unexpected(self, expected: str) -> ConditionError:
        kind, val, pos = self.peek()
        hint = self.hint()
        return ConditionError(f"unexpected {val or 'end'!r}; {hint}" if hint else f"unexpected {val!r} ({expected})",
                              pos)

    def word(self, w: str) -> bool:
        kind, val, _ = self.peek()
        return kind == "name" and val == w

    # each parse method returns (type, fn, offset) with type "num" or "bool"
    def parse(self):
        t, fn, off = self.or_()
        kind, val, pos = self.peek()
        if kind != "end":
            raise self.unexpected("expected and, or, or the end")
        if t != "bool":
            raise ConditionError("a condition must be true or false, e.g. `queue.defect > 40` (got a number)", off)
        return fn

    def _logic(self, word: str, sub, op):
        t, fn, off = sub()
        while self.word(word):
            _, _, pos = self.take()
            self.operator(pos)
            t2, fn2, off2 = sub()
            for tt, oo in ((t, off), (t2, off2)):
                if tt != "bool":
                    raise ConditionError(f"'{word}' needs true/false on both sides (got a number)", oo)
            fn = (lambda a, b: lambda L: op(a(L), b(L)))(fn, fn2)
        return t, fn, off

    def or_(self):
        return self._logic("or", self.and_, lambda a, b: a or b)

    def and_(self):
        return self._logic("and", self.not_, lambda a, b: a and b)

    def not_(self):
        if self.word("not"):
            _, _, pos = self.take()
            self.nest(pos)
            t, fn, off = self.not_()
            self.nesting -= 1
            if t != "bool":
                raise ConditionError("'not' needs true/false (got a number)", off)
            return "bool", (lambda f: lambda L: not f(L))(fn), pos
        return self.cmp()

    def cmp(self):
        t, fn, off = self.sum()
        kind, val, pos = self.peek()
        if kind == "op" and val in _CMP:
            self.take()
            self.operator(pos)
            t2, fn2, off2 = self.sum()
            for tt, oo in ((t, off), (t2, off2)):
                if tt != "num":
                    raise ConditionError(f"'{val}' compares numbers (got true/false)", oo)
            op = _CMP[val]
            return "bool", (lambda a, b: lambda L: op(a(L), b(L)))(fn, fn2), off
        return t, fn, off

    def _arith(self, ops: tuple[str, ...], sub):
        t, fn, off = sub()
        while True:
            kind, val, pos = self.peek()
            if not (kind == "op" and val in ops):
                return t, fn, off
            self.take()
            self.operator(pos)
            t2, fn2, off2 = sub()
            for tt, oo in ((t, off), (t2, off2)):
                if tt != "num":
                    raise ConditionError(f"'{val}' needs numbers (got true/false)", oo)
            if val == "/":
                fn = (lambda a, b: lambda L: (a(L) / d) if (d := b(L)) else 0.0)(fn, fn2)
            else:
                fn = (lambda a, b, o: lambda L: o(a(L), b(L)))(fn, fn2, _ARITH[val])

    def sum(self):
        return self._arith(("+", "-"), self.term)

    def term(self):
        return self._arith(("*", "/"), self.unary)

    def unary(self):
        kind, val, pos = self.peek()
        if kind == "op" and val == "-":
            self.take()
            self.nest(pos)
            t, fn, _ = self.unary()
            self.nesting -= 1
            if t != "num":
                raise ConditionError("'-' needs a number", pos)
            return "num", (lambda f: lambda L: -f(L))(fn), pos
        return self.atom()

    def atom(self):
        kind, val, pos = self.take()
        if kind == "num":
            number = float(val[:-1]) * UNIT_MINUTES[val[-1]] if val[-1] in "smhd" else float(val)
            if not number <= MAX_NUMBER:
                shown = val if len(val) <= 20 else val[:17] + "…"
                raise ConditionError(f"number {shown} is too large (at most {MAX_NUMBER:.0e})", pos)
            return "num", (lambda v: lambda L: v)(number), pos
        if kind == "op" and val == "(":
            self.nest(pos)
            t, fn, _ = self.or_()
            self.nesting -= 1
            k2, v2, p2 = self.take()
            if not (k2 == "op" and v2 == ")"):
                self.i -= 1
                if self.hint():
                    raise self.unexpected("")
                raise ConditionError(f"expected ')' (got {v2 or 'the end'!r})", p2)
            return t, fn, pos
        if kind == "name":
            return self.name(val, pos)
        if kind == "end":
            raise ConditionError("the condition ends too early (expected a name, number or '(')", pos)
        raise ConditionError(f"unexpected {val!r} (expected a name, number or '(')", pos)

    def name(self, val: str, pos: int):
        if val in ("true", "false"):
            b = val == "true"
            return "bool", (lambda L: b), pos
        if val in ("and", "or", "not"):
            raise ConditionError(f"unexpected {val!r} (expected a name, number or '(')", pos)
        if _capitals(val):
            raise ConditionError(f"unexpected {val!r}; {_capitals(val)}", pos)
        head, _, arg = val.partition(".")
        if not arg:
            if head not in SCALARS:
                raise ConditionError(_unknown(head, SCALARS + PER_POOL + PER_INJECT + BOOL_PER_TYPE, "name"), pos)
            self.refs.append((head, None))
            return "num", (lambda h: lambda L: L(h, None))(head), pos
        if head in PER_TYPE or head in BOOL_PER_TYPE:
            pool, what = self.names.types, "contact type"
        elif head in PER_POOL:
            pool, what = self.names.pools, "pool"
        elif head in PER_INJECT:
            pool, what = self.names.injects, "inject"
        elif head in PER_EXPOSURE:
            pool, what = self.names.exposures, "exposure"
        elif head in PER_INCIDENT:
            pool, what = self.names.incidents, "incident kind"
        else:
            heads = PER_TYPE + BOOL_PER_TYPE + PER_POOL + PER_INJECT + PER_EXPOSURE + PER_INCIDENT
            raise ConditionError(_unknown(head, heads, "name before '.'"), pos)
        if arg not in pool:
            raise ConditionError(_unknown(arg, tuple(sorted(pool)), what), pos + len(head) + 1)
        self.refs.append((head, arg))
        if head in BOOL_PER_TYPE:
            return "bool", (lambda h, a: lambda L: bool(L(h, a)))(head, arg), pos
        return "num", (lambda h, a: lambda L: L(h, a))(head, arg), pos


_UNIT_WORDS = {w: u for u, words in (("s", "s sec secs second seconds"), ("m", "min mins minute minutes"),
                                       ("h", "h hr hrs hour hours"), ("d", "d day days"))
               for w in words.split()}
_OPERATOR_HINTS = (("&&", "and"), ("||", "or"), ("&", "and"), ("|", "or"), ("!", "not"), ("=", "=="))


def _capitals(word: str) -> str:
    """"did you mean 'and'?" for ``AND``, ``Or``…; else ""."""
    if word.lower() in ("and", "or", "not") and word != word.lower():
        return f"did you mean {word.lower()!r}? (and, or, not are written in small letters)"
    return ""


def _bad_character(text: str, at: int) -> str:
    """The message for a character no token starts with, and what was probably meant."""
    for written, meant in _OPERATOR_HINTS:
        if text.startswith(written, at):
            return f"unexpected {written!r} in condition; did you mean {meant!r}?"
    return f"unexpected character {text[at]!r} in condition"


def _unknown(word: str, known: tuple[str, ...], what: str) -> str:
    import difflib

    close = difflib.get_close_matches(word, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    shown = ", ".join(known[:12]) + (", …" if len(known) > 12 else "")
    return f"unknown {what} {word!r}{hint} (expected one of: {shown})"


def parse_condition(text: str, names: Names) -> Condition:
    """Parse and check ``text``; raise :class:`ConditionError` with the offset of the problem."""
    if not text.strip():
        raise ConditionError("the condition is empty (expected e.g. `queue.defect > 40`)", 0)
    p = _Parser(text, names)
    fn = p.parse()
    return Condition(text, tuple(p.refs), fn)


def check_name(name: str, arg: str | None, names: Names) -> None:
    """Raise :class:`ConditionError` unless ``name`` (``name.arg``) is a value of the language that
    ``names`` has (a pair of a parsed condition's ``refs``)."""
    if not isinstance(name, str) or not (arg is None or isinstance(arg, str)):
        raise ConditionError(f"expected a name and an argument or None, got {name!r}, {arg!r}", 0)
    text = name if arg is None else f"{name}.{arg}"
    p = _Parser(text, names)
    kind, val, pos = p.take()
    if kind != "name" or val != text or p.peek()[0] != "end" or val in ("true", "false"):
        raise ConditionError(f"{text!r} is not a name (expected one such as time, queue or fired.ID)", 0)
    p.name(val, pos)
