"""The experimental grid: ``--vary PATH=RANGE`` specs, scenario overrides and the levels.

A path names one scenario value by dict keys and list indices, e.g. ``pools.agents.size``,
``scoring.service_level.threshold`` or ``injects.0.effects.1.peak``. Its values are written as
the scenario format writes them, and the scenario's own schema checks each one: numbers,
durations (``20s``, ``1h30m``), shares (``0.8``, or ``80%`` for ``0.8``), names and times of day.
A range ``a:b:step`` (inclusive) steps numbers, durations or percentages; a list ``a,b,c`` takes
any values. Several varied fields form a full grid; several policies multiply it. Errors are
:class:`StudyError` with a one-line message.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ValidationError

from crisissim.scenario.schema import Scenario
from crisissim.scenario.text import format_time_of_day
from crisissim.scenario.units import format_duration, parse_duration

MAX_LEVELS = 10_000

_PERCENT = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*%\s*$")
_SHIFT = re.compile(r"^pools\.([^.]+)\.shifts\.(-?\d+)\.")


class StudyError(ValueError):
    """A bad study specification or a study that cannot proceed (one-line message)."""


@dataclass(frozen=True)
class Vary:
    """One varied field: its dotted ``path``, the ``values`` it takes and how each is ``shown``.

    Before :func:`resolve_vary` the values are as written (numbers or text); after it they are
    what the scenario holds (durations in minutes, shares as fractions) and ``title`` names the
    field for reports (the path, and a shift's hours)."""

    path: str
    values: tuple[Any, ...]
    shown: tuple[str, ...] = ()
    title: str = ""

    def show(self, value: Any) -> str:
        """How ``value`` (one of :attr:`values`) is written in reports."""
        for v, s in zip(self.values, self.shown, strict=False):
            if v == value and type(v) is type(value):
                return s
        return _fmt(value)


@dataclass(frozen=True)
class Level:
    """One cell of the grid: varied values, the policy, and the scenario as JSON-able data."""

    index: int
    values: dict[str, Any]
    policy: str | None
    scenario: dict[str, Any] = field(repr=False, compare=False)
    shown: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def label(self) -> str:
        """``path=value, …, policy=name`` (values as written; the policy file by its name)."""
        parts = [f"{p}={self.shown.get(p, _fmt(v))}" for p, v in self.values.items()]
        if self.policy is not None:
            parts.append(f"policy={policy_name(self.policy)}")
        return ", ".join(parts) or "baseline"


def policy_name(policy: str) -> str:
    """A policy as reports name it: ``scripted:dir/file.yaml`` → ``scripted:file.yaml``."""
    kind, sep, rest = policy.partition(":")
    rest = rest.replace("\\", "/")
    return f"{kind}:{rest.rsplit('/', 1)[-1]}" if sep and "/" in rest else policy


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return "null" if v is None else str(v)


def _number(text: str) -> float | int | None:
    t = text.strip()
    try:
        return int(t)
    except ValueError:
        pass
    try:
        v = float(t)
    except ValueError:
        return None
    return v if math.isfinite(v) else None


def _quantity(text: str) -> tuple[float | int, str] | None:
    """A range part: ``(value, kind)`` with kind ``number``, ``percent`` (value a fraction) or
    ``duration`` (minutes); None if it is none of them."""
    n = _number(text)
    if n is not None:
        return n, "number"
    m = _PERCENT.match(text)
    if m:
        return float(m.group(1)) / 100, "percent"
    if any(u in text.lower() for u in "smhd"):
        try:
            return parse_duration(text), "duration"
        except ValueError:
            return None
    return None


def _range(spec: str, what: str) -> tuple[Any, ...] | None:
    """The values of ``a:b`` or ``a:b:step``, written in the unit of its parts; None if ``spec``
    is not a range of numbers, durations or percentages."""
    parts = spec.split(":")
    if len(parts) not in (2, 3):
        return None
    q = [x for x in (_quantity(p) for p in parts) if x is not None]
    if len(q) != len(parts):
        return None
    kinds = {k for _, k in q}
    if len(kinds) > 1:
        raise StudyError(f"{what}: the parts of {spec!r} mix numbers, durations and percentages "
                         "(write them all alike, e.g. 20s:60s:10s)")
    kind = kinds.pop()
    a, b = q[0][0], q[1][0]
    step = q[2][0] if len(q) == 3 else 1
    if not step > 0:
        raise StudyError(f"{what}: step must be > 0, got {parts[2].strip()!r}")
    if b < a:
        raise StudyError(f"{what}: range end {parts[1].strip()} is below its start {parts[0].strip()}")
    n = math.floor((b - a) / step + 1e-9) + 1
    if n > MAX_LEVELS:
        raise StudyError(f"{what}: range {spec!r} has {n:,} values (at most {MAX_LEVELS:,})")
    if kind == "number" and all(isinstance(x, int) for x in (a, b, step)):
        return tuple(a + i * step for i in range(n))
    vals = [float(f"{a + i * step:.12g}") for i in range(n)]
    if kind == "percent":
        return tuple(f"{100 * v:.10g}%" for v in vals)
    if kind == "duration":
        return tuple(format_duration(v) for v in vals)
    return tuple(vals)


def parse_values(spec: Any, path: str = "") -> tuple[Any, ...]:
    """The values of a range ``a:b:step`` (inclusive of ``b`` when on the step), a list ``a,b,c``,
    a YAML list or one value, as written (the schema checks them in :func:`resolve_vary`)."""
    what = f"--vary {path}" if path else "--vary"
    if isinstance(spec, (list, tuple)):
        vals = tuple(spec)
        for v in vals:
            if isinstance(v, (list, dict, tuple)):
                raise StudyError(f"{what}: expected single values, got {type(v).__name__} {v!r}")
    elif isinstance(spec, str):
        text = spec.strip()
        if "," in text:
            vals = tuple(p.strip() for p in text.split(",") if p.strip() != "")
        else:
            vals = _range(text, what) or ((text,) if text else ())
    elif isinstance(spec, (bool, int, float)) or spec is None:
        vals = (spec,)
    else:
        raise StudyError(f"{what}: expected values, got {type(spec).__name__}")
    if not vals:
        raise StudyError(f"{what}: no values given")
    if len(set(map(_key, vals))) != len(vals):
        raise StudyError(f"{what}: repeated values in {spec!r}")
    return vals


def _key(v: Any) -> tuple[str, Any]:
    return (type(v).__name__, v)


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
    """Find the container and key of ``path`` in scenario ``data``; check it holds one value."""
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
            if isinstance(value, (dict, list)):
                raise StudyError(f"--vary {path}: not a single value ({path} is {_describe(value)}; "
                                 "vary one of its fields)")
            return node, key
        node = node[key]
        where = ".".join(parts[: i + 1])
    raise StudyError("--vary: empty path")  # pragma: no cover - split never yields nothing


def _written(value: Any) -> Any:
    """A value as the schema reads it: ``80%`` → 0.8 (a convenience for shares); others as written."""
    if isinstance(value, str):
        m = _PERCENT.match(value)
        if m:
            return float(m.group(1)) / 100
    return value


def _schema_message(e: ValidationError, path: str) -> tuple[str, str]:
    """The error at ``path`` (else the first), as (location, message)."""
    errs = e.errors()
    at = [x for x in errs if ".".join(map(str, x["loc"])).startswith(path)] or errs
    err = at[0]
    loc = ".".join(str(x) for x in err["loc"] if not (isinstance(x, str) and x in ("string", "translations")))
    return loc, str(err["msg"]).removeprefix("Value error, ")


def _validated(data: dict[str, Any]) -> Scenario:
    return Scenario.model_validate(data)


def resolve_vary(scenario: Scenario, vary: list[Vary]) -> list[Vary]:
    """Check every varied value with the scenario's schema; return the fields with the values
    the scenario holds, how each is shown, and their titles."""
    base = dump(scenario)
    out = []
    for v in vary:
        resolve(base, v.path)
        values, shown = [], []
        for raw in v.values:
            data = copy.deepcopy(base)
            node, key = resolve(data, v.path)
            node[key] = _written(raw)
            try:
                checked = dump(_validated(data))
            except ValidationError as e:
                loc, msg = _schema_message(e, v.path)
                where = "" if loc == v.path else f" (at {loc})"
                got = "" if repr(raw) in msg or str(raw) in msg else f", got {raw!r}"
                raise StudyError(f"--vary {v.path}={_fmt(raw)}: {msg}{got}{where}") from None
            node, key = resolve(checked, v.path)
            values.append(node[key])
            shown.append(_fmt(raw).strip() if isinstance(raw, str) else _fmt(node[key]))
        if len(set(map(_key, values))) != len(values):
            dup = next(s for s, x in zip(shown, values, strict=False) if [_key(y) for y in values].count(_key(x)) > 1)
            raise StudyError(f"--vary {v.path}: repeated values ({dup} is given twice, perhaps written two ways)")
        out.append(replace(v, values=tuple(values), shown=tuple(shown), title=field_title(scenario, v.path)))
    return out


def field_title(scenario: Scenario, path: str) -> str:
    """The path, and for a shift's field the hours of that shift (clock times with ``meta.start``)."""
    m = _SHIFT.match(path)
    if not m or m.group(1) not in scenario.pools:
        return path
    shifts = scenario.pools[m.group(1)].shifts or []
    i = int(m.group(2))
    if not -len(shifts) <= i < len(shifts):
        return path
    s = shifts[i]
    return f"{path} (shift {clock(scenario, s.start)}–{clock(scenario, s.end)})"


def clock(scenario: Scenario, minutes: float) -> str:
    """A time in the run: the time of day with ``meta.start`` (``09:30``), else the time since
    the start as hours and minutes (``1:30``, ``26:00``)."""
    if scenario.meta.start is not None:
        return format_time_of_day(scenario.meta.start + minutes)
    m = int(round(minutes))
    return f"{m // 60}:{m % 60:02d}"


def apply(base: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A validated copy of scenario ``base`` with ``values`` set at their paths (JSON-able dict)."""
    data = copy.deepcopy(base)
    for path, v in values.items():
        node, key = resolve(data, path)
        node[key] = v
    try:
        scenario = _validated(data)
    except ValidationError as e:
        loc, msg = _schema_message(e, "")
        setting = ", ".join(f"{p}={_fmt(v)}" for p, v in values.items())
        raise StudyError(f"--vary {setting}: invalid scenario at {loc}: {msg}") from None
    return dump(scenario)


def dump(scenario: Scenario) -> dict[str, Any]:
    """The scenario as JSON-able data (aliases, so it re-validates)."""
    return scenario.model_dump(mode="json", by_alias=True)


def build_levels(scenario: Scenario, vary: list[Vary], policies: list[str | None]) -> list[Level]:
    """Every combination of varied values (first field slowest) and policy, validated.
    ``vary`` must come from :func:`resolve_vary`."""
    seen = set()
    for v in vary:
        if v.path in seen:
            raise StudyError(f"--vary {v.path}: given twice")
        seen.add(v.path)
    if len(set(policies)) != len(policies):
        raise StudyError("--policy: a policy is given twice")
    n = math.prod(len(v.values) for v in vary) * max(1, len(policies))
    if n > MAX_LEVELS:
        raise StudyError(f"the grid has {n:,} levels (at most {MAX_LEVELS:,})")
    base = dump(scenario)
    levels: list[Level] = []
    for combo in itertools.product(*(range(len(v.values)) for v in vary)):
        values = {v.path: v.values[i] for v, i in zip(vary, combo, strict=False)}
        shown = {v.path: (v.shown[i] if v.shown else _fmt(v.values[i])) for v, i in zip(vary, combo, strict=False)}
        data = apply(base, values)
        for policy in policies or [None]:
            levels.append(Level(len(levels), values, policy, data, shown))
    return levels
