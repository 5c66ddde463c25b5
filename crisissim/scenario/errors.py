"""Problems found in scenario files, reported as ``FILE:LINE:COL: path: message``.

A :class:`ScenarioError` carries every :class:`Problem` of a load, so a trainer
fixes them all in one pass. Lines and columns are 1-based.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One problem (or, with ``severity="warning"``, one warning) at a place in a file."""

    file: str
    line: int
    col: int
    path: str
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        head = f"{self.file}:{self.line}:{self.col}: "
        if self.severity == "warning":
            head += "warning: "
        return _one_line(head + (f"{self.path}: " if self.path else "") + self.message)


class ScenarioError(Exception):
    """A scenario that cannot be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _one_line(text: str) -> str:
    """Escape control characters and line breaks so a problem is always one line."""
    return _BREAKS.sub(lambda m: repr(m.group())[1:-1], text)


def format_path(loc: tuple) -> str:
    """``("injects", 0, "at")`` → ``injects[0].at``."""
    out = ""
    for elem in loc:
        if isinstance(elem, int) and not isinstance(elem, bool):
            out += f"[{elem}]"
        else:
            out += ("." if out else "") + str(elem)
    return out


def show(value: object, limit: int = 40) -> str:
    """A short, one-line rendering of an offending value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str) and "\n" in value.strip("\n"):  # a value over several lines: its first line only
        first = repr(value.strip("\n").split("\n", 1)[0])
        return (first[:-1] if len(first) < limit else first[: limit - 2]) + "…" + first[-1]
    text = repr(value) if isinstance(value, str) else str(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- pydantic errors → problems at their YAML position -------------------------------------------

_EXPECT = {
    "string_type": "a string",
    "string_unicode": "a string",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "int_parsing_size": "an integer of sensible size",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
}
_BOUNDS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}
_IDENT_HINT = "an identifier (letters, digits, '_' or '-', starting with a letter or '_')"


def validation_problems(exc: Any, root: Any, model: type) -> list[Problem]:
    """Turn a pydantic ``ValidationError`` on ``to_plain(root)`` into problems at YAML positions."""
    errors = _drop_union_noise([e for e in exc.errors()])
    suggested = {
        (tuple(e["loc"][:-1]), s)
        for e in errors
        if e["type"] == "extra_forbidden"
        for s in [_suggest(e["loc"][-1], _field_names(model, e["loc"][:-1]))]
        if s
    }
    out: list[Problem] = []
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "missing" and loc and (loc[:-1], loc[-1]) in suggested:
            continue  # reported as "unknown field 'factr'; did you mean 'factor'?"
        out.append(_problem(err, loc, root, model))
    return sorted(set(out), key=lambda p: (p.file, p.line, p.col, p.path, p.message))


def _locate(root: Any, loc: tuple) -> tuple[Any, list, int | None]:
    """Follow ``loc`` through the Node tree, skipping union branch names; return (node, path, first skip)."""
    node, path, skipped = root, [], None
    for i, elem in enumerate(loc):
        if node.kind == "map" and _has_key(node.value, elem):
            node = node.value[elem]
        elif node.kind == "seq" and isinstance(elem, int) and 0 <= elem < len(node.value):
            node = node.value[elem]
        else:
            skipped = i if skipped is None else skipped
            continue
        path.append(elem)
    return node, path, skipped


def _has_key(mapping: dict, key: Any) -> bool:
    try:
        return key in mapping
    except TypeError:
        return False


def _problem(err: dict, loc: tuple, root: Any, model: type) -> Problem:
    kind = err["type"]
    if kind == "missing" and loc:
        node, path, _ = _locate(root, loc[:-1])
        if path and not isinstance(path[-1], int):  # at the key naming the mapping
            parent, _, _ = _locate(root, tuple(path[:-1]))
            node = parent.keys.get(path[-1], node) if parent.kind == "map" else node
        return Problem(node.file, node.line, node.col, format_path(tuple(path)),
                       f"missing required field '{loc[-1]}'")
    node, path, _ = _locate(root, loc)
    at = node
    if kind == "extra_forbidden" and loc:
        parent, _, _ = _locate(root, loc[:-1])
        at = parent.keys.get(loc[-1], node) if parent.kind == "map" else node
        names = _field_names(model, loc[:-1])
        hint = _suggest(loc[-1], names)
        msg = f"unknown field '{loc[-1]}'" + (
            f"; did you mean '{hint}'?" if hint else f" (expected one of: {', '.join(names)})"
        )
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        tags = [str(tag) for t in _models_at(model, loc) for tag in _tags(t)]
        msg, at = _tag_message(err, node, tags)
        if at is not node:
            path.append(str((err.get("ctx") or {}).get("discriminator", "")).strip("'"))
    else:
        msg = _message(err)
    return Problem(at.file, at.line, at.col, format_path(tuple(path)), msg)


def _message(err: dict) -> str:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    got = show(value)
    if kind in _EXPECT:
        return f"wrong type (expected {_EXPECT[kind]}, got {got})"
    if kind in _BOUNDS:
        bound = next(iter(ctx.values()), "?")
        return f"out of range (expected a value {_BOUNDS[kind]} {_num(bound)}, got {got})"
    if kind in ("too_short", "too_long"):
        n = ctx.get("min_length" if kind == "too_short" else "max_length")
        word = "at least" if kind == "too_short" else "at most"
        return f"wrong number of items (expected {word} {n}, got {ctx.get('actual_length')})"
    if kind in ("string_too_short", "string_too_long"):
        n = ctx.get("min_length" if kind == "string_too_short" else "max_length")
        word = "at least" if kind == "string_too_short" else "at most"
        size = len(value) if isinstance(value, str) else "?"
        return f"wrong length (expected {word} {n} characters, got {size})"
    if kind == "string_pattern_mismatch":
        want = _IDENT_HINT if "A-Za-z_" in str(ctx.get("pattern")) else f"text matching {ctx.get('pattern')}"
        return f"invalid name (expected {want}, got {got})"
    if kind == "literal_error":
        choices = _quoted(str(ctx.get("expected", "")))
        hint = _suggest(value, choices) if isinstance(value, str) else None
        lead = f"unknown value; did you mean '{hint}'?" if hint else "unknown value"
        return f"{lead} (expected {ctx.get('expected')}, got {got})"
    if kind in ("value_error", "assertion_error"):
        text = str(ctx.get("error", err["msg"])).replace("mean_", "mean")
        if text.startswith("expected "):
            lead = "bad duration" if "duration" in text else "invalid value"
            return f"{lead} ({text})"
        return text
    return f"{err['msg']} (got {got})"


def _tag_message(err: dict, node: Any, choices: list[str]) -> tuple[str, Any]:
    ctx = err.get("ctx") or {}
    key = str(ctx.get("discriminator", "")).strip("'")
    listed = ", ".join(choices)
    if err["type"] == "union_tag_not_found" or node.kind != "map" or key not in node.value:
        if node.kind != "map":
            return f"wrong type (expected a mapping with '{key}', got {show(err.get('input'))})", node
        return f"missing '{key}' (expected one of: {listed})", node
    tag = ctx.get("tag")
    hint = _suggest(tag, choices)
    lead = f"unknown {key} type" + (f"; did you mean '{hint}'?" if hint else "")
    return f"{lead} (expected one of: {listed}, got {show(tag)})", node.value[key]


def _quoted(text: str) -> list[str]:
    return re.findall(r"'([^']*)'", text)


def _num(v: Any) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    return str(v)


def _suggest(word: Any, names: list[str]) -> str | None:
    import difflib

    if not isinstance(word, str) or not names:
        return None
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    return close[0] if close else None


# --- plain-union noise: `list[str] | dict` gives one error per branch ----------------------------

def _drop_union_noise(errors: list[dict]) -> list[dict]:
    """Keep the branch that matches the value; merge pure type mismatches into one error."""
    groups: dict[tuple, dict[Any, list[dict]]] = {}
    for e in errors:
        i = _branch_index(e["loc"])
        if i is not None:
            groups.setdefault(tuple(e["loc"][:i]), {}).setdefault(e["loc"][i], []).append(e)
    drop: set[int] = set()
    extra: list[dict] = []
    for prefix, branches in groups.items():
        if len(branches) < 2:
            continue
        n = len(prefix)
        typeonly = {b for b, es in branches.items() if all(len(x["loc"]) == n + 1 and x["type"] in _EXPECT for x in es)}
        if len(typeonly) < len(branches):
            drop.update(id(x) for b in typeonly for x in branches[b])
            continue
        drop.update(id(x) for es in branches.values() for x in es)
        wants = list(dict.fromkeys(_EXPECT[x["type"]] for es in branches.values() for x in es))
        first = next(iter(branches.values()))[0]
        extra.append({"type": "union_type", "loc": prefix, "input": first.get("input"),
                      "msg": f"wrong type (expected {' or '.join(wants)}, got {show(first.get('input'))})"})
    kept = [e for e in errors if id(e) not in drop]
    for e in extra:
        e["ctx"] = {"error": e["msg"]}
        e["type"] = "value_error"
    return kept + extra


def _branch_index(loc: tuple) -> int | None:
    for i, elem in enumerate(loc):
        if isinstance(elem, str) and ("[" in elem or elem in ("str", "int", "float", "bool", "none")):
            return i
    return None


# --- which model sits at a loc (for "did you mean") ----------------------------------------------

def _members(tp: Any) -> list:
    import types
    from typing import Annotated, Union, get_args, get_origin

    origin = get_origin(tp)
    if origin is Annotated:
        return _members(get_args(tp)[0])
    if origin in (Union, types.UnionType):
        return [m for a in get_args(tp) if a is not type(None) for m in _members(a)]
    return [tp]


def _types_at(model: type, loc: tuple) -> list:
    """The candidate types at ``loc`` inside ``model`` (union members flattened)."""
    from typing import get_args, get_origin

    from pydantic import BaseModel

    current = [model]
    for elem in loc:
        nxt: list = []
        for t in current:
            if isinstance(t, type) and issubclass(t, BaseModel):
                f = next((f for n, f in t.model_fields.items() if elem in (n, f.alias)), None)
                if f is not None:
                    nxt += _members(f.annotation)
                elif elem in _tags(t):
                    nxt.append(t)
            elif get_origin(t) is dict:
                nxt += _members(get_args(t)[1])
            elif get_origin(t) is list and isinstance(elem, int):
                nxt += _members(get_args(t)[0])
        current = nxt or current
    return current


def _models_at(model: type, loc: tuple) -> list:
    from pydantic import BaseModel

    return [t for t in _types_at(model, loc) if isinstance(t, type) and issubclass(t, BaseModel)]


def _field_names(model: type, loc: tuple) -> list[str]:
    """Field names (aliases where given) of the model at ``loc`` in ``model``."""
    names = [f.alias or n for t in _models_at(model, loc) for n, f in t.model_fields.items()]
    return list(dict.fromkeys(names))


def _tags(model: type) -> tuple:
    from typing import Literal, get_args, get_origin

    out: tuple = ()
    for name in ("effect", "dist"):
        f = model.model_fields.get(name)  # type: ignore[attr-defined]
        if f is not None and get_origin(f.annotation) is Literal:
            out += get_args(f.annotation)
    return out
