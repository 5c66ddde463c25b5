"""The experimental grid: ``--vary PATH=RANGE`` specs, scenario overrides and the levels.

A path names a numeric scenario field by dict keys and list indices, e.g.
``pools.agents.size`` or ``injects.0.effects.1.peak``; a range is ``a:b:step``
(inclusive) or a list ``a,b,c``. Several varied fields form a full grid; several
policies multiply it. Errors are :class:`StudyError` with a one-line message.
"""

from __future__ import annotations

import difflib
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from crisissim.scenario.schema import Scenario

MAX_LEVELS = 10_000


class StudyError(ValueError):
    """A bad study specification or a study that cannot proceed (one-line message)."""


@dataclass(frozen=True)
class Vary:
    """One varied field: its dotted ``path`` and the ``values`` it takes."""

    path: str
    values: tuple[float | int, ...]


@dataclass(frozen=True)
class Level:
    """One cell of the grid: varied values, the policy, and the scenario as JSON-able data."""

    index: int
    values: dict[str, float | int]
    policy: str | None
    scenario: dict[str, Any] = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        parts = [f"{p.rsplit('.', 1)[-1] if len(p) > 24 else p}={_fmt(v)}" for p, v in self.values.items()]
        if self.policy is not None:
            kind, sep, rest = self.policy.partition(":")
            shown = f"{kind}:{rest.replace(chr(92), '/').rsplit('/', 1)[-1]}" if sep and "/" in rest.replace(chr(92), "/") else self.policy
            parts.append(f"policy={shown}")
        return ", ".join(parts) or "baseline"


def _fmt(v: float | int) -> str:
    return str(v) if isinstance(v, int) else f"{v:g}"


def _number(text: str, what: str) -> float | int:
    t = text.strip()
    try:
        return int(t)
    except ValueError:
        pass
    try:
        v = float(t)
    except ValueError:
        raise StudyError(f"{what}: {text!r} is not a number") from None
    if not math.isfinite(v):
        raise StudyError(f"{what}: {text!r} is not a finite number")
    return v


def parse_values(spec: str | list | tuple | float | int, path: str = "") -> tuple[float | int, ...]:
    """Values of a range ``a:b:step`` (inclusive of ``b`` when on the step) or a list ``a,b,c``."""
    what = f"--vary {path}" if path else "--vary"
    if isinstance(spec, bool):
        raise StudyError(f"{what}: expected numbers, got a boolean")
    if isinstance(spec, (int, float)):
        return (spec,)
    if isinstance(spec, (list, tuple)):
        vals = tuple(_number(str(v), what) for v in spec)
    elif ":" in spec:
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise StudyError(f"{what}: range must be a:b or a:b:step, got {spec!r}")
        a, b = _number(parts[0], what), _number(parts[1], what)
        step = _number(parts[2], what) if len(parts) == 3 else 1
        if step <= 0:
            raise StudyError(f"{what}: step must be > 0, got {parts[2]!r}")
        if b < a:
            raise StudyError(f"{what}: range end {b} is below its start {a}")
        n = math.floor((b - a) / step + 1e-9) + 1
        if n > MAX_LEVELS:
            raise StudyError(f"{what}: range {spec!r} has {n} values (at most {MAX_LEVELS})")
        if all(isinstance(x, int) for x in (a, b, step)):
            vals = tuple(a + i * step for i in range(n))
        else:
            vals = tuple(float(f"{a + i * step:.12g}") for i in range(n))
    else:
        vals = tuple(_number(p, what) for p in spec.split(",") if p.strip() != "")
    if not vals:
        raise StudyError(f"{what}: no values given")
    if len(set(vals)) != len(vals):
        raise StudyError(f"{what}: repeated values in {spec!r}")
    return vals


def parse_vary(spec: str) -> Vary:
    """Parse one ``PATH=RANGE`` command-line spec."""
    if "=" not in spec:
        raise StudyError(f"--vary {spec!r}: expected PATH=RANGE, e.g. pools.agents.size=10:40:2")
    path, _, rng = spec.partition("=")
    path = path.strip()
    if not path:
        raise StudyError(f"--vary {spec!r}: missing field path before '='")
    return Vary(path, parse_values(rng, path))


def _describe(node: Any) -> str:
    if isinstance(node, dict):
        keys = ", ".join(list(node)[:12]) + (", …" if len(node) > 12 else "")
        return f"a mapping (fields: {keys})" if node else "an empty mapping"
    if isinstance(node, list):
        return f"a list of {len(node)} (indices 0..{len(node) - 1})" if node else "an empty list"
    if node is None:
        return "unset"
    return f"{type(node).__name__} {node!r}"


def resolve(data: dict[str, Any], path: str) -> tuple[Any, str | int]:
    """Find the container and key of ``path`` in scenario ``data``; check it holds a number."""
    node: Any = data
    parts = path.split(".")
    where = "scenario"
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, dict):
            if part not in node:
                close = difflib.get_close_matches(part, [str(k) for k in node], n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f"; {where} has: {', '.join(map(str, node)) or 'nothing'}"
                raise StudyError(f"--vary {path}: no field {part!r} in {where}{hint}")
            key: str | int = part
        elif isinstance(node, list):
            if not part.lstrip("-").isdigit() or not -len(node) <= int(part) < len(node):
                raise StudyError(f"--vary {path}: {where} is {_describe(node)}, not indexable by {part!r}")
            key = int(part)
        else:
            raise StudyError(f"--vary {path}: {where} is {_describe(node)}, it has no field {part!r}")
        if last:
            value = node[key]
            if isinstance(value, bool) or not (value is None or isinstance(value, (int, float))):
                raise StudyError(f"--vary {path}: not a numeric field ({path} is {_describe(value)})")
            return node, key
        node = node[key]
        where = ".".join(parts[: i + 1])
    raise StudyError("--vary: empty path")  # pragma: no cover - split never yields nothing


def apply(base: dict[str, Any], values: dict[str, float | int]) -> dict[str, Any]:
    """A validated copy of scenario ``base`` with ``values`` set at their paths (JSON-able dict)."""
    import copy

    data = copy.deepcopy(base)
    for path, v in values.items():
        node, key = resolve(data, path)
        node[key] = v
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        loc = ".".join(str(x) for x in err["loc"])
        setting = ", ".join(f"{p}={_fmt(v)}" for p, v in values.items())
        raise StudyError(f"--vary {setting}: invalid scenario at {loc}: {err['msg']}") from None
    return dump(scenario)


def dump(scenario: Scenario) -> dict[str, Any]:
    """The scenario as JSON-able data (aliases, so it re-validates)."""
    return scenario.model_dump(mode="json", by_alias=True)


def build_levels(scenario: Scenario, vary: list[Vary], policies: list[str | None]) -> list[Level]:
    """Every combination of varied values (first field slowest) and policy, validated."""
    seen = set()
    for v in vary:
        if v.path in seen:
            raise StudyError(f"--vary {v.path}: given twice")
        seen.add(v.path)
    if len(set(policies)) != len(policies):
        raise StudyError("--policy: a policy is given twice")
    n = math.prod(len(v.values) for v in vary) * max(1, len(policies))
    if n > MAX_LEVELS:
        raise StudyError(f"the grid has {n} levels (at most {MAX_LEVELS})")
    base = dump(scenario)
    for v in vary:
        resolve(base, v.path)
    levels: list[Level] = []
    for combo in itertools.product(*(v.values for v in vary)):
        values = {v.path: x for v, x in zip(vary, combo, strict=False)}
        data = apply(base, values)
        for policy in policies or [None]:
            levels.append(Level(len(levels), values, policy, data))
    return levels
