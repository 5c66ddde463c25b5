"""Safe YAML loading that keeps the line and column of every value.

Files are read with guards (size, encoding, emptiness), composed with a safe
loader that rejects duplicate keys and bounds nesting, node count and alias
expansion, then turned into a tree of :class:`Node` (plain data plus where each
value came from). :func:`to_plain` gives the plain Python data to validate.
Every failure is a :class:`~crisissim.scenario.errors.ScenarioError`, never a
traceback and never a hang.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.resolver import Resolver

from crisissim.scenario.errors import Problem, ScenarioError, show

MAX_BYTES = 5 * 1024 * 1024
MAX_NODES = 1_000_000
MAX_DEPTH = 100
MAX_SECONDS = 20.0

_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_KEEP_TEXT = {"tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"}


class Node:
    """A YAML value with its origin: ``kind`` is ``map``, ``seq`` or ``scalar``.

    ``value`` is a dict of key → Node, a list of Node, or a plain scalar;
    ``keys`` maps each key of a mapping to the Node of the key itself.
    ``line``/``col`` are 1-based; ``style`` is the scalar's quoting style.
    """

    __slots__ = ("kind", "value", "keys", "file", "line", "col", "style")

    def __init__(self, kind: str, value: Any, file: str, line: int, col: int, keys=None, style=None):
        self.kind = kind
        self.value = value
        self.keys = keys if keys is not None else {}
        self.file = file
        self.line = line
        self.col = col
        self.style = style

    def __repr__(self) -> str:
        return f"Node({self.kind}, {self.file}:{self.line}:{self.col})"


def problem(node: Node, path: str, message: str, severity: str = "error") -> Problem:
    return Problem(node.file, node.line, node.col, path, message, severity)


def _fail(file: str, message: str, line: int = 1, col: int = 1) -> ScenarioError:
    return ScenarioError([Problem(file, line, col, "", message)])


class _Limits(Exception):
    def __init__(self, message: str, mark=None):
        super().__init__(message)
        self.mark = mark


class _StrictMixin:
    """Duplicate keys are errors; nesting, node count and parse time are bounded."""

    def _init_limits(self) -> None:
        self._depth = 0
        self._count = 0
        self._started = time.monotonic()

    def compose_node(self, parent, index):
        self._depth += 1
        self._count += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Limits(f"nesting deeper than {MAX_DEPTH} levels", self.peek_event().start_mark)
            if self._count > MAX_NODES:
                raise _Limits(f"more than {MAX_NODES:,} values", self.peek_event().start_mark)
            if self._count % 10_000 == 0 and time.monotonic() - self._started > MAX_SECONDS:
                raise _Limits(f"parsing took longer than {MAX_SECONDS:g}s", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                dup = key in seen
                seen.add(key)
            except TypeError:
                continue
            if dup:
                raise ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


class StrictLoader(_StrictMixin, yaml.SafeLoader):
    """``yaml.SafeLoader`` that rejects duplicate keys and bounds nesting and size."""

    def __init__(self, stream):
        super().__init__(stream)
        self._init_limits()


try:  # libyaml's parser with PyYAML's (bounded, recursion-checked) composer
    from yaml._yaml import CParser

    class _FastLoader(_StrictMixin, Composer, CParser, SafeConstructor, Resolver):
        def __init__(self, stream):
            CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            Composer.__init__(self)
            self._init_limits()

except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader = StrictLoader  # type: ignore[misc,assignment]


def read_text(path: str | Path, name: str | None = None) -> str:
    """Read a scenario file as UTF-8 text, refusing folders, FIFOs, devices, huge and binary files.

    The file is opened without blocking (see :func:`crisissim.fileio.read_input`)."""
    from crisissim.fileio import InputError, read_input

    name = name or str(path)
    try:
        data = read_input(path, MAX_BYTES)
    except InputError as e:
        raise _fail(name, str(e)) from None
    if len(data) > MAX_BYTES:
        raise _fail(name, f"file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        before = data[: e.start]
        line = before.count(b"\n") + 1
        col = e.start - (before.rfind(b"\n") + 1) + 1
        raise _fail(name, f"not UTF-8 text (byte 0x{data[e.start]:02x})", line, col) from None


def compose(text: str, name: str) -> Node:
    """Parse ``text`` into a :class:`Node` tree; raise ScenarioError on any problem."""
    raw = compose_raw(text, name)
    if raw is None:
        raise _fail(name, "the file is empty (expected a scenario mapping)")
    return _Builder(name).build(raw)


def compose_raw(text: str, name: str) -> yaml.Node | None:
    """PyYAML's node tree of ``text`` (None if empty), composed safely with every bound of this
    module (size, nesting, node count, parse time, alias expansion); raise ScenarioError."""
    if len(text) > MAX_BYTES:
        raise _fail(name, f"text is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        raw = _compose_raw(_FastLoader, text, name)
    except _TooDeepForLibyaml:
        # libyaml's scanner stops at its own nesting limit before our composer's
        # bound is reached; PyYAML's own scanner lets ours report the real place.
        raw = _compose_raw(StrictLoader, text, name)
    if raw is not None:
        _check_expansion(raw, name)
    return raw


class _TooDeepForLibyaml(Exception):
    pass


def _compose_raw(loader_class, text: str, name: str):
    """The raw PyYAML node of ``text``; every failure becomes a ScenarioError."""
    loader = loader_class(text)
    try:
        return loader.get_single_node()
    except _Limits as e:
        raise _at_mark(name, str(e), e.mark) from None
    except yaml.MarkedYAMLError as e:
        if loader_class is _FastLoader and "nesting depth" in str(e.problem):
            raise _TooDeepForLibyaml from None
        raise _at_mark(name, _yaml_message(e) + _hint(e, text), e.problem_mark or e.context_mark) from None
    except yaml.YAMLError as e:
        raise _reader_error(name, text, e) from None
    except RecursionError:
        raise _fail(name, f"nesting deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()


def load_yaml(path: str | Path, name: str | None = None) -> Node:
    """Read and compose a YAML file."""
    name = name or str(path)
    return compose(read_text(path, name), name)


def to_plain(node: Node) -> Any:
    """The plain Python data (dicts, lists, scalars) of a Node tree."""
    if node.kind == "map":
        return {k: to_plain(v) for k, v in node.value.items()}
    if node.kind == "seq":
        return [to_plain(v) for v in node.value]
    return node.value


def _at_mark(name: str, message: str, mark) -> ScenarioError:
    if mark is None:
        return _fail(name, message)
    return _fail(name, message, mark.line + 1, mark.column + 1)


def _yaml_message(e: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (e.problem, e.context) if p]
    if len(parts) == 2 and parts[0].startswith("but "):
        return f"{parts[1]}, {parts[0]}"
    if len(parts) == 2:
        return f"{parts[0]} ({parts[1]})"
    return parts[0] if parts else "invalid YAML"


def _line(text: str, number: int) -> str:
    lines = text.splitlines()
    return lines[number] if 0 <= number < len(lines) else ""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _hint(e: yaml.MarkedYAMLError, text: str) -> str:
    """"; hint: …" in plain words for the YAML slips trainers make most (indentation, tabs,
    quotes), or ""."""
    try:
        hint = _hint_text(e, text)
    except (IndexError, TypeError, AttributeError):  # pragma: no cover - a hint is a courtesy, never an error
        return ""
    return f"; hint: {hint}" if hint else ""


def _hint_text(e: yaml.MarkedYAMLError, text: str) -> str:
    problem, context = e.problem or "", e.context or ""
    at, start = e.problem_mark, e.context_mark
    if at is None:
        return ""
    here = _line(text, at.line)
    if ("cannot start any token" in problem or "tab character" in problem) and "\t" in here[: at.column + 1]:
        return "indent with spaces; YAML does not allow tabs"
    if problem.startswith("mapping values are not allowed"):
        if ": " in here[: at.column]:
            return "a value that contains ': ' must be quoted, as in text: \"Note: …\""
        above = next((n for n in range(at.line - 1, -1, -1)
                      if _line(text, n).strip() and not _line(text, n).lstrip().startswith("#")), None)
        if above is not None and _indent(here) > _indent(_line(text, above)):
            return (f"line {at.line + 1} is indented deeper than line {above + 1}, whose key already has a value; "
                    f"indent it to column {_indent(_line(text, above)) + 1} to add a field beside that one")
        return "check the indentation of this line against the lines above"
    if start is not None and ("expected key" in problem or "expected '-' indicator" in problem):
        if _indent(here) == start.column:  # aligned: a quote left open above runs on into this line
            for n in range(at.line - 1, start.line - 1, -1):
                line = _line(text, n).split(" #")[0]
                for q in "\"'":
                    if line.count(q) % 2 and f"{q}" in line.split(":", 1)[-1].lstrip()[:1]:
                        return f"the quote opened at line {n + 1}, column {line.index(q) + 1} is not closed on its line"
            return ""
        previous = _line(text, at.line - 1)
        item = len(previous) - len(previous.lstrip(" -")) if previous.lstrip(" ").startswith("- ") else None
        if "'-' indicator" in problem and item is not None and _indent(here) > start.column:
            return (f"to add a field to the item at line {at.line}, indent it to column {item + 1}, under its first "
                    f"field; to start a new item, write '- ' in column {start.column + 1}")
        what = "fields of the mapping" if "key" in problem else "items of the list"
        return (f"the {what} that starts at line {start.line + 1} begin in column {start.column + 1}, but line "
                f"{at.line + 1} starts in column {_indent(here) + 1}; indent the parts of one block alike")
    if "end of stream" in problem and "quoted scalar" in context and start is not None:
        return f"the quote opened at line {start.line + 1}, column {start.column + 1} is never closed"
    if "could not find expected ':'" in problem:
        return "every line of a mapping needs 'key: value'; a text that goes on over several lines needs quotes"
    return ""


def _reader_error(name: str, text: str, e: yaml.YAMLError) -> ScenarioError:
    pos = getattr(e, "position", None)
    reason = getattr(e, "reason", None) or "invalid YAML"
    if isinstance(pos, int) and 0 <= pos <= len(text):
        before = text[:pos]
        return _fail(name, reason, before.count("\n") + 1, pos - (before.rfind("\n") + 1) + 1)
    return _fail(name, reason)


def _check_expansion(root: yaml.Node, name: str) -> None:
    """Refuse documents whose aliases expand to more than MAX_NODES values (billion laughs)."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            continue
        kids = [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else node.value
        if done:
            total = 1 + sum(sizes[id(k)] for k in kids)
            if total > MAX_NODES:
                raise _fail(name, f"aliases expand to more than {MAX_NODES:,} values", node.start_mark.line + 1,
                            node.start_mark.column + 1)
            sizes[id(node)] = total
        else:
            stack.append((node, True))
            stack.extend((k, False) for k in kids if id(k) not in sizes)


class _Builder:
    """Turns a composed yaml node tree into a Node tree, collecting every problem."""

    def __init__(self, name: str):
        self.name = name
        self.loader = StrictLoader("")
        self.problems: list[Problem] = []

    def build(self, raw: yaml.Node) -> Node:
        node = self.node(raw)
        if self.problems:
            raise ScenarioError(self.problems)
        return node

    def _pos(self, raw: yaml.Node) -> tuple[int, int]:
        return raw.start_mark.line + 1, raw.start_mark.column + 1

    def _problem(self, raw: yaml.Node, message: str) -> None:
        line, col = self._pos(raw)
        self.problems.append(Problem(self.name, line, col, "", message))

    def node(self, raw: yaml.Node) -> Node:
        line, col = self._pos(raw)
        if isinstance(raw, yaml.MappingNode):
            return self.mapping(raw, line, col)
        if isinstance(raw, yaml.SequenceNode):
            if raw.tag != _SEQ:
                self._problem(raw, f"unsupported tag {raw.tag!r}")
            return Node("seq", [self.node(v) for v in raw.value], self.name, line, col)
        assert isinstance(raw, yaml.ScalarNode)  # the only other kind of node
        return Node("scalar", self.scalar(raw), self.name, line, col, style=raw.style)

    def scalar(self, raw: yaml.ScalarNode) -> Any:
        if raw.tag in _KEEP_TEXT:
            return raw.value
        ctor = self.loader.yaml_constructors.get(raw.tag)
        if ctor is None or raw.tag in ("tag:yaml.org,2002:set", "tag:yaml.org,2002:omap"):
            self._problem(raw, f"unsupported tag {raw.tag!r}")
            return raw.value
        try:
            return ctor(self.loader, raw)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError):
            self._problem(raw, f"bad {raw.tag.rsplit(':', 1)[-1]} value {show(raw.value)}")
            return raw.value

    def mapping(self, raw: yaml.MappingNode, line: int, col: int) -> Node:
        if raw.tag != _MAP:
            self._problem(raw, f"unsupported tag {raw.tag!r}")
        values: dict = {}
        keys: dict = {}
        own: set = set()
        for key_raw, val_raw in raw.value:
            if key_raw.tag == "tag:yaml.org,2002:merge":
                self.merge(val_raw, values, keys)
                continue
            if not isinstance(key_raw, yaml.ScalarNode):
                self._problem(key_raw, "mapping keys must be plain values, not mappings or lists")
                continue
            key_node = self.node(key_raw)
            key = key_node.value
            try:
                hash(key)
            except TypeError:  # pragma: no cover - scalars are hashable
                continue
            if key in own:
                self._problem(key_raw, f"duplicate key {show(key)}")
                continue
            own.add(key)
            values.pop(key, None)  # a key given here overrides a merged one, and comes last
            values[key] = self.node(val_raw)
            keys[key] = key_node
        return Node("map", values, self.name, line, col, keys)

    def merge(self, raw: yaml.Node, values: dict, keys: dict) -> None:
        """YAML merge keys (``<<: *base``): merged values never override the mapping's own."""
        sources = raw.value if isinstance(raw, yaml.SequenceNode) else [raw]
        for src in sources:
            if not isinstance(src, yaml.MappingNode):
                self._problem(src, "a merge key (<<) needs a mapping or a list of mappings")
                continue
            merged = self.node(src)
            for k, v in merged.value.items():
                if k not in values:
                    values[k] = v
                    keys[k] = merged.keys.get(k, v)
