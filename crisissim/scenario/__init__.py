"""The scenario format: load, validate and fingerprint the YAML files trainers write.

``load_scenario(path)`` returns a validated :class:`Scenario` or raises
:class:`ScenarioError` listing every problem as ``FILE:LINE:COL: path: message``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import ValidationError

from crisissim.paths import data_dir
from crisissim.scenario.checks import Known, check_scenario
from crisissim.scenario.errors import Problem, ScenarioError, validation_problems
from crisissim.scenario.include import load_tree, load_tree_text
from crisissim.scenario.prune import prune_to_valid
from crisissim.scenario.schema import Scenario
from crisissim.scenario.yamlio import Node, to_plain

__all__ = [
    "Problem",
    "Scenario",
    "ScenarioError",
    "bundled_scenarios_dir",
    "default_scenario_path",
    "load_scenario",
    "load_scenario_text",
    "scenario_hash",
    "validate_file",
    "validate_text",
]


_STAND_IN_META = {"id": "x", "title": "x", "duration": 366 * 1440}  # no time is "after the end"


def _validate(root: Node) -> tuple[Scenario | None, list[Problem], list[Problem]]:
    data = to_plain(root)
    try:
        sc = Scenario.model_validate(data)
    except ValidationError as e:
        problems = validation_problems(e, root, Scenario)
        # report the cross-reference problems of the parts that did validate, too
        try:
            pruned = prune_to_valid(data, Scenario.model_validate, {"meta": _STAND_IN_META}, Scenario)
            more = check_scenario(pruned.model, root, Known.raw(data), pruned.original)[0] if pruned else []
            more = [p for p in more if pruned is not None and not pruned.hides(_loc(p.path), p.message)]
        except Exception:  # noqa: BLE001 - best effort only: the schema problems stand on their own
            more = []
        if more:
            seen = {(p.line, p.col, p.path) for p in problems}
            problems = sorted(problems + [p for p in more if (p.line, p.col, p.path) not in seen],
                              key=lambda p: (p.file, p.line, p.col))
        return None, problems, []
    except (RecursionError, MemoryError):  # pragma: no cover - bounded by yamlio's limits
        return None, [Problem(root.file, 1, 1, "", "the scenario is too large to validate")], []
    errors, warnings = check_scenario(sc, root)
    order = lambda p: (p.file, p.line, p.col)  # noqa: E731
    return (None if errors else sc), sorted(errors, key=order), sorted(warnings, key=order)


def _loc(path: str) -> tuple:
    """``decisions[0].options[1].label`` → ``("decisions", 0, "options", 1, "label")``."""
    import re

    return tuple(int(x) if x.isdigit() else x for x in re.findall(r"[^.\[\]]+", path))


def validate_file(path: str | Path) -> tuple[Scenario | None, list[Problem], list[Problem]]:
    """Return (scenario or None, errors, warnings) for a scenario file; never raises for bad input."""
    try:
        root = load_tree(path)
    except ScenarioError as e:
        return None, e.problems, []
    return _validate(root)


def validate_text(
    text: str, name: str = "<string>", base_dir: str | Path | None = None
) -> tuple[Scenario | None, list[Problem], list[Problem]]:
    """Like :func:`validate_file` for YAML text (includes relative to ``base_dir``)."""
    try:
        root = load_tree_text(text, name, base_dir)
    except ScenarioError as e:
        return None, e.problems, []
    return _validate(root)


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario file; raise :class:`ScenarioError` with all problems."""
    sc, errors, _ = validate_file(path)
    if sc is None:
        raise ScenarioError(errors)
    return sc


def load_scenario_text(text: str, name: str = "<string>", base_dir: str | Path | None = None) -> Scenario:
    """Load and validate scenario YAML text; raise :class:`ScenarioError` with all problems."""
    sc, errors, _ = validate_text(text, name, base_dir)
    if sc is None:
        raise ScenarioError(errors)
    return sc


def scenario_hash(scenario: Scenario | str | Path) -> str:
    """SHA-256 of the canonical JSON of a validated scenario (or of the scenario at a path)."""
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    data = sc.model_dump(mode="json", by_alias=True)
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def bundled_scenarios_dir() -> Path:
    """The bundled ``scenarios/`` folder (source tree or installed share folder)."""
    return data_dir("scenarios")


def default_scenario_path() -> Path:
    """The bundled default scenario, ``scenarios/default.yaml``."""
    return bundled_scenarios_dir() / "default.yaml"
