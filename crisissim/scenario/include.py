"""``include:`` — other YAML files merged under a scenario file.

Included files (paths relative to the including file) are loaded first, in
order, and deep-merged: mappings merge recursively, the including file wins,
lists are replaced whole. Nodes keep their own file, so problems inside an
included file name that file and line. Cycles are reported with their chain.
"""

from __future__ import annotations

import os
from pathlib import Path

from crisissim.scenario.errors import Problem, ScenarioError
from crisissim.scenario.yamlio import Node, compose, load_yaml, problem, read_text

MAX_INCLUDES = 100


def load_tree(path: str | Path) -> Node:
    """Load a file and everything it includes into one merged Node tree."""
    return _resolve(load_yaml(path), Path(path).parent, [(_key(path), str(path))], [0])


def load_tree_text(text: str, name: str, base_dir: str | Path | None = None) -> Node:
    """Like :func:`load_tree` for text; includes are relative to ``base_dir`` (default: cwd)."""
    return _resolve(compose(text, name), Path(base_dir or "."), [(name, name)], [0])


def merge(base: Node, over: Node) -> Node:
    """Deep merge: mappings key by key (``over`` wins), anything else replaced by ``over``."""
    if base.kind != "map" or over.kind != "map":
        return over
    values = dict(base.value)
    keys = dict(base.keys)
    for k, v in over.value.items():
        values[k] = merge(values[k], v) if k in values else v
        keys[k] = over.keys.get(k, v)
    return Node("map", values, over.file, over.line, over.col, keys)


def _key(path: str | Path) -> str:
    try:
        return os.path.normcase(os.path.realpath(path))
    except (OSError, ValueError):  # unresolvable: reading it reports the problem
        return os.path.normcase(os.path.abspath(str(path).replace("\0", "")))


def _shown(path: Path) -> str:
    return os.path.normpath(path)


def _resolve(root: Node, base_dir: Path, chain: list[tuple[str, str]], count: list[int]) -> Node:
    if root.kind != "map" or "include" not in root.value:
        return root
    spec = root.value["include"]
    entries = [spec] if spec.kind == "scalar" else spec.value if spec.kind == "seq" else None
    if entries is None or any(e.kind != "scalar" or not isinstance(e.value, str) or not e.value for e in entries):
        raise ScenarioError([problem(spec, "include", "wrong type (expected a file path or a list of paths)")])
    problems: list[Problem] = []
    merged: Node | None = None
    for i, entry in enumerate(entries):
        where = "include" if spec.kind == "scalar" else f"include[{i}]"
        target = base_dir / entry.value
        key = _key(target)
        if key in (k for k, _ in chain):
            loop = " -> ".join([shown for _, shown in chain] + [_shown(target)])
            problems.append(problem(entry, where, f"include cycle: {loop}"))
            continue
        count[0] += 1
        if count[0] > MAX_INCLUDES:
            problems.append(problem(entry, where, f"more than {MAX_INCLUDES} included files"))
            break
        try:
            text = read_text(target, _shown(target))
        except ScenarioError as e:
            problems.append(problem(entry, where, f"cannot include {entry.value!r}: {e.problems[0].message}"))
            continue
        try:
            sub = compose(text, _shown(target))
        except ScenarioError as e:
            problems.extend(e.problems)
            continue
        if sub.kind != "map":
            what = "a list" if sub.kind == "seq" else "plain text"
            problems.append(problem(entry, where, f"cannot include {entry.value!r}: expected a mapping of scenario "
                                                  f"parts (such as customers: or channels:), got {what}"))
            continue
        try:
            sub = _resolve(sub, target.parent, chain + [(key, _shown(target))], count)
        except ScenarioError as e:
            problems.extend(e.problems)
            continue
        merged = sub if merged is None else merge(merged, sub)
    if problems:
        raise ScenarioError(problems)
    own = Node("map", {k: v for k, v in root.value.items() if k != "include"}, root.file, root.line, root.col,
               {k: v for k, v in root.keys.items() if k != "include"})
    return own if merged is None else merge(merged, own)
