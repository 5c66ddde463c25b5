"""Save files: (scenario content hash, seed, decision log) as JSON, enough to replay a run exactly.

A save is written atomically. Reading one checks its shape (errors as
``FILE:LINE:COL: field: message``) and, against a scenario, that the scenario's
content hash is the one the run was played on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crisissim.engine.crisis import TEXT_MAX, entry_kind
from crisissim.fileio import write_atomic
from crisissim.scenario import Scenario, ScenarioError, scenario_hash
from crisissim.scenario.errors import Problem, validation_problems
from crisissim.scenario.yamlio import load_yaml, to_plain

FORMAT = "crisissim-save"
VERSION = 1


class SaveError(ValueError):
    """A save file that cannot be used; ``str()`` is one line per problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SavedScenario(_Strict):
    id: str
    path: str | None = None
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class SavedDecision(_Strict):
    t: float = Field(ge=0, allow_inf_nan=False)
    step: int | None = Field(None, ge=0)
    by: Literal["trainee", "policy", "timeout", "facilitator"]
    card: str | None = None
    option: str | None = None
    action: str | None = None
    inject: str | None = None
    message: str | None = Field(None, max_length=TEXT_MAX)
    tone: Literal["negative", "neutral", "positive"] | None = None
    mark: Literal["discussion", "pause", "resume", "speed"] | None = None
    text: str | None = Field(None, max_length=TEXT_MAX)


class SaveFile(_Strict):
    """The save file's shape."""

    format: Literal["crisissim-save"]
    version: Literal[1]
    scenario: SavedScenario
    seed: int = Field(ge=0, le=2**63 - 1)
    policy: str | None = None
    decisions: list[SavedDecision]
    total_loss: float | None = None
    at: float | None = Field(None, ge=0, allow_inf_nan=False)
    """Simulated minutes the run had reached when saved (a game's autosave: where it resumes)."""


def build_save(scenario: Scenario, seed: int, decisions: list[dict], *, path: str | None = None,
               policy: str | None = None, total_loss: float | None = None, at: float | None = None) -> dict:
    """The save record of a finished or interrupted run."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "scenario": {"id": scenario.meta.id, "path": path, "hash": scenario_hash(scenario)},
        "seed": int(seed),
        "policy": policy,
        "decisions": [{k: v for k, v in d.items() if v is not None or k == "step"} for d in decisions],
        "total_loss": total_loss,
        "at": at,
    }


def write_save(path: str | Path, save: dict) -> None:
    """Write a save atomically (temporary file in the same folder, then rename)."""
    write_atomic(path, json.dumps(save, ensure_ascii=False, indent=2, allow_nan=False) + "\n")


def read_save(path: str | Path) -> SaveFile:
    """Read and check a save file; raise :class:`SaveError` naming file, line and field."""
    try:
        root = load_yaml(path)  # JSON is YAML: this gives positions and the same input guards
    except ScenarioError as e:
        raise SaveError(str(e)) from None
    try:
        save = SaveFile.model_validate(to_plain(root))
    except ValidationError as e:
        raise SaveError("\n".join(str(p) for p in validation_problems(e, root, SaveFile))) from None
    for i, d in enumerate(save.decisions):
        if entry_kind(d.model_dump()) is None or (d.card is not None and d.option is None):
            raise SaveError(str(Problem(root.file, 1, 1, f"decisions.{i}",
                                        "a decision needs card and option, or action, inject, message or mark")))
    return save


def check_matches(save: SaveFile, scenario: Scenario, save_path: str | Path) -> None:
    """Raise :class:`SaveError` if ``scenario`` is not the one the save was played on."""
    h = scenario_hash(scenario)
    if h != save.scenario.hash:
        what = (
            f"scenario {scenario.meta.id!r}, the save is of {save.scenario.id!r}"
            if scenario.meta.id != save.scenario.id
            else f"scenario {scenario.meta.id!r} has changed since the save was written"
        )
        raise SaveError(
            f"{save_path}: scenario.hash: {what} (expected hash {save.scenario.hash[:12]}…, got {h[:12]}…)"
        )
