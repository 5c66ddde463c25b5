"""Scripted policies: a YAML file saying which option each card takes and which actions run when.

```yaml
cards:                                                   # cards not listed take their default
  statement: apologise-now
  recall: full-recall
  batch43: {when: "fired.b43-faulty > 0", then: extend, else: hold}   # a branch
actions:                                                 # optional, taken at these times
  - {action: overtime, at: 1h30m}
  - {action: faq, at: 2h}
```

A card may map to a branch instead of an option: ``when`` is a condition in the scenario's
own language (that of its ``when:`` and ``given:`` fields), evaluated as the card shows and is
answered, from what the engine knows then (the snapshot's ``readings``, never anything later):
``then`` if it holds, else ``else``.

The file is read safely (composed with the scenario loader's safe, bounded loader: nothing
is constructed, ids are taken as written, nesting, size and aliases are bounded) and checked
against the scenario; every problem is reported as ``FILE:LINE:COL: path: message``, one line
each (the first twenty, then a count), in one :class:`~crisissim.policy.PolicyError`. Actions are checked against their limit and
cooldown too, so a script never asks for an action the engine would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from crisissim.policy.builtin import Policy, PolicyError
from crisissim.scenario.condition import Condition, ConditionError, Names, parse_condition
from crisissim.scenario.errors import Problem, ScenarioError
from crisissim.scenario.yamlio import Node, compose_raw, read_text

KEYS = ("cards", "actions")
MAX_ACTIONS = 10_000  # timed actions in one script
MAX_SHOWN = 20  # problems listed (the rest are counted)
ACTION_KEYS = ("action", "at")
BRANCH_KEYS = ("when", "then", "else")
_MAP, _SEQ = yaml.MappingNode, yaml.SequenceNode


@dataclass(frozen=True)
class Branch:
    """A card answered by what is known as it shows: ``then`` if the condition ``when`` holds
    (read from the snapshot the policy is given), else ``otherwise`` (the file's ``else``)."""

    when: str
    then: str
    otherwise: str
    names: Names = field(repr=False, compare=False)
    condition: Condition = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "condition", parse_condition(self.when, self.names))

    def __reduce__(self):  # the parsed condition is closures: parse again where it is unpickled
        return (Branch, (self.when, self.then, self.otherwise, self.names))

    def answer(self, snapshot) -> str:
        return self.then if snapshot.holds(self.condition) else self.otherwise


class ScriptedPolicy(Policy):
    """Cards take the option the script maps them to (else their default), or the branch's
    option for what is known as they show; actions run at set times."""

    def __init__(self, cards: dict[str, str | Branch], actions: list[tuple[float, str]], name: str = "scripted"):
        self.cards = dict(cards)
        self.actions = sorted(actions)
        self.name = name

    def __call__(self, snapshot, card) -> str:
        answer = self.cards.get(card.id, card.default)
        return answer if isinstance(answer, str) else answer.answer(snapshot)

    def scheduled_actions(self) -> list[tuple[float, str]]:
        return list(self.actions)

    def reads(self) -> list[tuple[str, str | None]]:
        """The condition names the branches read (the engine puts their values in each snapshot)."""
        out: list[tuple[str, str | None]] = []
        for answer in self.cards.values():
            if isinstance(answer, Branch):
                for ref in answer.condition.refs:
                    if ref not in out:
                        out.append(ref)
        return out


def _fmt(minutes: float) -> str:
    from crisissim.scenario.units import format_duration

    return format_duration(minutes)


class _Checker:
    def __init__(self, file: str, scenario):
        self.file = file
        self.scenario = scenario
        self.names = Names.of(scenario)
        self.problems: list[Problem] = []

    def add(self, node, path: str, message: str) -> None:
        m = node.start_mark
        self.problems.append(Problem(self.file, m.line + 1, m.column + 1, path, message))

    def mapping(self, node, path: str) -> list[tuple[yaml.Node, yaml.Node]] | None:
        """Pairs of a mapping node; duplicate and non-scalar keys are problems (and dropped)."""
        if not isinstance(node, _MAP):
            self.add(node, path, f"expected a mapping, got {_kind(node)}")
            return None
        seen: set[str] = set()
        pairs: list[tuple[yaml.Node, yaml.Node]] = []
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode):
                self.add(k, path, "keys must be plain names")
                continue
            if k.value in seen:
                self.add(k, _join(path, k.value), "duplicate key")
                continue
            seen.add(k.value)
            pairs.append((k, v))
        return pairs

    def name(self, node, path: str, what: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or _null(node):
            self.add(node, path, f"expected {what} id, got {_kind(node)}")
            return None
        return node.value

    def check(self, root) -> tuple[dict[str, str | Branch], list[tuple[float, str]]]:
        cards: dict[str, str | Branch] = {}
        actions: list[tuple[float, str, yaml.Node, int]] = []
        pairs = self.mapping(root, "")
        if pairs is None:
            return cards, []
        for k, v in pairs:
            if k.value not in KEYS:
                self.add(k, k.value, f"unknown key (expected one of: {', '.join(KEYS)})")
            elif k.value == "cards":
                if not _null(v):
                    self._cards(v, cards)
            elif not _null(v):
                self._actions(v, actions)
        self._schedule(actions)
        return cards, [(t, a) for t, a, _, _ in actions]

    def fields(self, node, path: str, keys: tuple[str, ...], shape: str = "") -> dict | None:
        """The values of a mapping whose keys are ``keys``, by key; an unknown key and the first
        missing one are reported (``shape``: what the mapping should look like). None if not a mapping."""
        pairs = self.mapping(node, path)
        if pairs is None:
            return None
        out = {}
        for k, v in pairs:
            if k.value not in keys:
                self.add(k, f"{path}.{k.value}", f"unknown key (expected one of: {', '.join(keys)})")
            else:
                out[k.value] = v
        missing = [f for f in keys if f not in out]
        if missing:
            self.add(node, path, f"missing key {missing[0]!r}" + (f" ({shape})" if shape else ""))
        return out

    def _cards(self, node, out: dict[str, str | Branch]) -> None:
        pairs = self.mapping(node, "cards")
        if pairs is None:
            return
        known = {c.id: c for c in self.scenario.decisions}
        for k, v in pairs:
            path = f"cards.{k.value}"
            card = known.get(k.value)
            if card is None:
                self.add(k, path, f"unknown card {k.value!r} (expected one of: {', '.join(known) or 'none'})")
                continue
            answer = self._branch(v, path, card) if isinstance(v, _MAP) else self._option(v, path, card)
            if answer is not None:
                out[k.value] = answer

    def _option(self, node, path: str, card) -> str | None:
        option = self.name(node, path, "an option")
        if option is None:
            return None
        ids = [o.id for o in card.options]
        if option not in ids:
            self.add(node, path, f"unknown option {option!r} (expected one of: {', '.join(ids)})")
            return None
        return option

    def _branch(self, node, path: str, card) -> Branch | None:
        """``{when: CONDITION, then: OPTION, else: OPTION}``."""
        fields = self.fields(node, path, BRANCH_KEYS, "a branch is {when: CONDITION, then: OPTION, else: OPTION}")
        if fields is None:
            return None
        then = self._option(fields["then"], f"{path}.then", card) if "then" in fields else None
        otherwise = self._option(fields["else"], f"{path}.else", card) if "else" in fields else None
        when = self._condition(fields["when"], f"{path}.when") if "when" in fields else None
        if when is None or then is None or otherwise is None:
            return None
        return Branch(when, then, otherwise, self.names)

    def _condition(self, node, path: str) -> str | None:
        """A condition checked as the scenario's ``when:`` fields are, located at its character."""
        from crisissim.scenario.checks import condition_position

        if not isinstance(node, yaml.ScalarNode) or _null(node):
            self.add(node, path, f"expected a condition such as 'fired.ID > 0' or 'queue > 40', got {_kind(node)}")
            return None
        try:
            parse_condition(node.value, self.names)
        except ConditionError as e:
            m = node.start_mark
            where = Node("scalar", node.value, self.file, m.line + 1, m.column + 1, style=node.style)
            line, col = condition_position(where, node.value, e.offset)
            self.problems.append(Problem(self.file, line, col, path, f"bad condition: {e}"))
            return None
        return node.value

    def _actions(self, node, out: list) -> None:
        if not isinstance(node, _SEQ):
            self.add(node, "actions", f"expected a list of {{action: ID, at: TIME}}, got {_kind(node)}")
            return
        if len(node.value) > MAX_ACTIONS:
            self.add(node, "actions", f"{len(node.value):,} timed actions (at most {MAX_ACTIONS:,})")
            return
        known = [a.id for a in self.scenario.actions]
        duration = self.scenario.meta.duration
        for i, item in enumerate(node.value):
            path = f"actions[{i}]"
            fields = self.fields(item, path, ACTION_KEYS)
            if fields is None:
                continue
            action = at = None
            if "action" in fields:
                action = self.name(fields["action"], f"{path}.action", "an action")
                if action is not None and action not in known:
                    self.add(
                        fields["action"],
                        f"{path}.action",
                        f"unknown action {action!r} (expected one of: {', '.join(known) or 'none'})",
                    )
                    action = None
            if "at" in fields:
                at = self._time(fields["at"], f"{path}.at", duration)
            if action is not None and at is not None:
                out.append((at, action, item, i))

    def _time(self, node, path: str, duration: float) -> float | None:
        from crisissim.scenario.units import parse_duration

        if not isinstance(node, yaml.ScalarNode):
            self.add(node, path, f"expected a time such as 90s, 15m, 2h or minutes, got {_kind(node)}")
            return None
        raw = node.value
        try:
            value = parse_duration(raw)
        except ValueError as e:
            self.add(node, path, str(e))
            return None
        if value >= duration:
            self.add(node, path, f"{raw} is not before the end of the run ({_fmt(duration)})")
            return None
        return value

    def _schedule(self, actions: list[tuple[float, str, yaml.Node, int]]) -> None:
        """Limits and cooldowns: a script must not ask for an action the engine would refuse."""
        spec = {a.id: a for a in self.scenario.actions}
        order = sorted(range(len(actions)), key=lambda i: (actions[i][0], i))
        uses: dict[str, int] = {}
        last: dict[str, float] = {}
        keep = []
        for i in order:
            t, action, node, k = actions[i]
            a = spec[action]
            n = uses.get(action, 0)
            path = f"actions[{k}]"
            if a.limit is not None and n >= a.limit:
                self.add(node, path, f"action {action!r} can be used at most {a.limit} time(s)")
                continue
            if action in last and t < last[action] + a.cooldown:
                self.add(
                    node,
                    path,
                    f"action {action!r} is cooling down until {_fmt(last[action] + a.cooldown)}"
                    f" (cooldown {_fmt(a.cooldown)} after its use at {_fmt(last[action])})",
                )
                continue
            uses[action] = n + 1
            last[action] = t
            keep.append(actions[i])
        actions[:] = keep


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _null(node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")


def _kind(node) -> str:
    if isinstance(node, _MAP):
        return "a mapping"
    if isinstance(node, _SEQ):
        return "a list"
    if node.tag.endswith(":null"):
        return "nothing"
    return f"{node.value!r}"


def parse_scripted(text: str, scenario, file: str = "<string>", name: str | None = None) -> ScriptedPolicy:
    """A scripted policy from YAML ``text`` checked against ``scenario``; raise :class:`PolicyError`."""
    if scenario is None:
        raise PolicyError(f"{file}: a scripted policy needs the scenario to check it against")
    try:  # the scenario loader's bounds: nesting, node count, parse time, alias expansion
        root = compose_raw(text, file)
    except ScenarioError as e:
        p = e.problems[0]
        raise PolicyError(f"{p.file}:{p.line}:{p.col}: YAML syntax error: {p.message}") from None
    if root is None or _null(root):
        raise PolicyError(f"{file}:1:1: empty policy file (expected a mapping with cards and/or actions)")
    checker = _Checker(file, scenario)
    cards, actions = checker.check(root)
    if checker.problems:
        probs = sorted(checker.problems, key=lambda p: (p.line, p.col))
        shown = [str(p) for p in probs[:MAX_SHOWN]]
        if len(probs) > MAX_SHOWN:
            shown.append(f"{file}: … and {len(probs) - MAX_SHOWN:,} more problems")
        err = PolicyError("\n".join(shown))
        err.problems = probs  # type: ignore[attr-defined]
        raise err
    return ScriptedPolicy(cards, actions, name=name or f"scripted:{file}")


def load_scripted(path: str | Path, scenario) -> ScriptedPolicy:
    """A scripted policy from the YAML file at ``path``; raise :class:`PolicyError`."""
    try:
        text = read_text(path)  # the scenario loader's guards: size, UTF-8, directories, missing files
    except ScenarioError as e:
        raise PolicyError(str(e)) from None
    return parse_scripted(text, scenario, file=str(path))
