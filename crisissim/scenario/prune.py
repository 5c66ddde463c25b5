"""Cross-reference checks even when the schema found errors, so one run reports every problem.

When validation fails, the parts it rejected are cut out of a copy of the data
(the offending value, or the mapping or list item holding a missing field) and
validation is retried until the rest is a valid scenario. The cross-reference
checks then run on what is left, with list positions mapped back to the file,
and with the names of every part as written (a channel cut out for a bad
patience still exists for the contact types that name it).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

MAX_ROUNDS = 25


class Pruned:
    """A valid model of what survived, and the map back to original list positions."""

    def __init__(self, model, index_maps: dict[tuple, list[int]]):
        self.model = model
        self.index_maps = index_maps

    def original(self, loc: tuple) -> tuple:
        """``loc`` in the pruned data → the same place in the original data."""
        out: list = []
        for elem in loc:
            if isinstance(elem, int) and tuple(out) in self.index_maps:
                m = self.index_maps[tuple(out)]
                elem = m[elem] if 0 <= elem < len(m) else elem
            out.append(elem)
        return tuple(out)


def prune_to_valid(data: Any, validate: Callable[[Any], Any], stand_ins: dict | None = None) -> Pruned | None:
    """Cut rejected parts out of a copy of ``data`` until ``validate`` accepts it; None if it never does.

    ``stand_ins`` replaces a rejected top-level part that cannot be left out (e.g. ``meta``).
    """
    work = copy.deepcopy(data)
    if not isinstance(work, dict):
        return None
    maps: dict[tuple, list[int]] = {}
    stand_ins = stand_ins or {}
    for _ in range(MAX_ROUNDS):
        try:
            return Pruned(validate(work), maps)
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
                cut |= _cut(work, loc, err["type"] == "missing", maps)
            if not cut:
                return None
        except (RecursionError, MemoryError, TypeError, ValueError):
            return None
    return None


def _cut(data: Any, loc: tuple, missing: bool, maps: dict[tuple, list[int]]) -> bool:
    """Remove the value at ``loc`` (its container if the field is missing); True if anything went."""
    path: list[tuple[Any, Any]] = []  # (container, key) pairs along the existing prefix
    node = data
    for elem in loc:
        if isinstance(node, dict) and _has(node, elem):
            path.append((node, elem))
            node = node[elem]
        elif isinstance(node, list) and isinstance(elem, int) and 0 <= elem < len(node):
            path.append((node, elem))
            node = node[elem]
        # else: a union branch name pydantic put in the location; skip it
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
