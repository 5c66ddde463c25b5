"""Cross-reference checks even when the schema found errors, so one run reports every problem.

When validation fails, a rejected value of a simple kind (a number, a text, a name, a choice
from a list) is replaced by a stand-in the schema accepts, and a missing field of such a kind is
filled the same way, so the part around it can still be read: the effect whose ``peak`` is
``lots`` still has its ``target`` checked. What cannot stand in (a missing mapping, a list too
short, a wrong effect kind) is cut out of a copy of the data (the offending value, or the
mapping or list item holding it). Validation is retried until the rest is a valid scenario. The
cross-reference checks then run on what is left, with list positions mapped back to the file,
and with the names of every part as written (a channel cut out for a bad patience still exists
for the contact types that name it); problems found at a stand-in (or naming one) are not
reported, since the schema already reported that place.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

MAX_ROUNDS = 25


STAND_IN = "_stand_in_"
"""Prefix of the texts put in for rejected or missing ones (never shown: see :meth:`Pruned.hides`)."""
MAX_STAND_INS = 2
"""Stand-ins tried at one place before the part holding it is cut instead."""


class Pruned:
    """A valid model of what survived, the map back to original list positions, and where
    stand-ins were put in (original positions)."""

    def __init__(self, model, index_maps: dict[tuple, list[int]], stand_ins: set[tuple] | None = None):
        self.model = model
        self.index_maps = index_maps
        self.stand_ins = stand_ins or set()

    def hides(self, loc: tuple, message: str = "") -> bool:
        """True for a problem at (or inside) a stand-in, or one whose message names a stand-in."""
        return STAND_IN in message or any(loc[: len(s)] == s for s in self.stand_ins)

    def original(self, loc: tuple) -> tuple:
        """``loc`` in the pruned data → the same place in the original data."""
        out: list = []
        for elem in loc:
            if isinstance(elem, int) and tuple(out) in self.index_maps:
                m = self.index_maps[tuple(out)]
                elem = m[elem] if 0 <= elem < len(m) else elem
            out.append(elem)
        return tuple(out)


def prune_to_valid(data: Any, validate: Callable[[Any], Any], stand_ins: dict | None = None,
                   model: type | None = None) -> Pruned | None:
    """Put stand-ins in for, or cut out, rejected parts of a copy of ``data`` until ``validate``
    accepts it; None if it never does.

    ``stand_ins`` replaces a rejected top-level part that cannot be left out (e.g. ``meta``);
    ``model`` (the schema's root model) tells what kind of value a missing field takes.
    """
    work = copy.deepcopy(data)
    if not isinstance(work, dict):
        return None
    maps: dict[tuple, list[int]] = {}
    stand_ins = stand_ins or {}
    placed: set[tuple] = set()
    tries: dict[tuple, int] = {}
    for _ in range(MAX_ROUNDS):
        try:
            return Pruned(validate(work), maps, placed)
        except ValidationError as e:
            cut = False
            # deepest first, so removing one list item does not shift another still to remove
            for err in sorted(e.errors(), key=lambda x: len(x["loc"]), reverse=True):
                loc = tuple(err["loc"])
                if loc and loc[0] in stand_ins and (len(loc) > 1 or err["type"] == "missing"):
                    if work.get(loc[0]) != stand_ins[loc[0]]:
                        work[loc[0]] = copy.deepcopy(stand_ins[loc[0]])
                        cut = True
                    continue
                if _stand_in(work, loc, err, model, maps, placed, tries):
                    cut = True
                    continue
                cut |= _cut(work, loc, err["type"] == "missing", maps)
            if not cut:
                return None
        except (RecursionError, MemoryError, TypeError, ValueError):
            return None
    return None


def _first_literal(expected: str) -> Any:
    import re

    m = re.search(r"'([^']*)'", expected)
    if m:
        return m.group(1)
    m = re.search(r"-?\d+(\.\d+)?", expected)
    return float(m.group(0)) if m else None


def _value_for(err: Any, kinds: set[str], n: int) -> Any:
    """A value the schema accepts in place of the rejected (or missing) one, or None."""
    kind, ctx = err["type"], err.get("ctx") or {}
    text = f"{STAND_IN}{n}"
    if kind == "missing":
        for name, value in (("str", text), ("int", 1), ("float", 1.0), ("bool", False)):
            if name in kinds:
                return value
        return None
    if kind.startswith("int_"):
        return 1
    if kind.startswith("float_"):
        return 1.0
    if kind.startswith("bool_"):
        return False
    if kind in ("string_type", "string_pattern_mismatch", "string_too_long", "string_too_short"):
        return text
    if kind == "literal_error":
        return _first_literal(str(ctx.get("expected", "")))
    bound = next((ctx[k] for k in ("gt", "ge", "lt", "le") if k in ctx), None)
    if isinstance(bound, (int, float)) and not isinstance(bound, bool):
        if kind == "greater_than":
            return bound + 1
        if kind == "less_than":
            return bound - 1 if bound <= 0 or isinstance(bound, int) else bound / 2
        if kind in ("greater_than_equal", "less_than_equal"):
            return bound
    if kind == "value_error" and isinstance(err.get("input"), str):
        return 1.0  # durations, times and numbers written as text all read a plain number
    return None


def _walk(data: Any, loc: tuple) -> tuple[list[tuple[Any, Any]], Any]:
    """Follow ``loc`` into ``data`` as far as it exists: the (container, key) pairs along the way and
    the node reached. Elements that are not keys or indices (a union branch name pydantic put in the
    location) are skipped."""
    path: list[tuple[Any, Any]] = []
    node = data
    for elem in loc:
        if isinstance(node, dict) and _has(node, elem):
            path.append((node, elem))
            node = node[elem]
        elif isinstance(node, list) and isinstance(elem, int) and 0 <= elem < len(node):
            path.append((node, elem))
            node = node[elem]
    return path, node


def _stand_in(data: Any, loc: tuple, err: Any, model: type | None, maps: dict[tuple, list[int]],
              placed: set[tuple], tries: dict[tuple, int]) -> bool:
    """Put a stand-in value at ``loc`` (a rejected simple value, or a missing simple field); True if done."""
    path, node = _walk(data, loc)
    missing = err["type"] == "missing"
    if missing:
        if not loc or not isinstance(loc[-1], str) or not isinstance(node, dict):
            return False
        container, key = node, loc[-1]
        where = _original_path(path, maps) + (key,)
    else:
        if not path or path[-1][1] != loc[-1] or isinstance(node, (dict, list)):
            return False
        container, key = path[-1]
        where = _original_path(path, maps)
    if tries.get(where, 0) >= MAX_STAND_INS:
        return False
    kinds: set[str] = set()
    if missing and model is not None:
        from crisissim.scenario.errors import _types_at

        kinds = {getattr(t, "__name__", "") for t in _types_at(model, loc)}
    value = _value_for(err, kinds, len(placed) + sum(tries.values()))
    if value is None:
        return False
    tries[where] = tries.get(where, 0) + 1
    container[key] = value
    placed.add(where)
    return True


def _cut(data: Any, loc: tuple, missing: bool, maps: dict[tuple, list[int]]) -> bool:
    """Remove the value at ``loc`` (its container if the field is missing); True if anything went."""
    path, node = _walk(data, loc)
    if missing or not path:
        # the field is absent: drop the mapping (or list item) that needed it
        if len(path) == 0:
            return False
    container, key = path[-1]
    _remove(data, path, container, key, maps)
    return True


def _remove(data, path, container, key, maps) -> None:
    if isinstance(container, list):
        orig = _original_path(path[:-1], maps)
        m = maps.setdefault(orig, list(range(len(container))))
        del m[key]
        del container[key]
    else:
        del container[key]


def _original_path(path: list[tuple[Any, Any]], maps: dict[tuple, list[int]]) -> tuple:
    out: list = []
    for container, key in path:
        if isinstance(container, list) and tuple(out) in maps:
            key = maps[tuple(out)][key]
        out.append(key)
    return tuple(out)


def _has(mapping: dict, key: Any) -> bool:
    try:
        return key in mapping
    except TypeError:
        return False
