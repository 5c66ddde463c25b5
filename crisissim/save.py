"""Save files: (scenario content hash, seed, decision log) as JSON, enough to replay a run exactly.

A save is written atomically. Reading one checks its shape (errors as
``FILE:LINE:COL: field: message``) and, against a scenario, that the scenario's
content hash is the one the run was played on. A finished run's save also records the
fingerprint of its result, so a replay can say whether it reproduced the run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from crisissim.engine.crisis import TEXT_MAX, entry_kind
from crisissim.fileio import write_atomic
from crisissim.scenario import Scenario, ScenarioError, scenario_hash
from crisissim.scenario.errors import validation_problems
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

    result_fingerprint: str | None = Field(None, pattern=r"^[0-9a-f]{64}$")
    """The result's fingerprint (:func:`result_fingerprint`), checked when the save is replayed."""

    _root: Any = PrivateAttr(None)

    def where_scenario(self) -> str:
        """``FILE:LINE:COL: scenario.path`` in the save, for messages."""
        node = self._root
        try:
            at = node.value["scenario"].value["path"]
            return f"{at.file}:{at.line}:{at.col}: scenario.path"
        except (AttributeError, KeyError, TypeError):
            return f"{getattr(node, 'file', '<save>')}:1:1: scenario.path"

    def where(self, i: int, field: str | None = None) -> str:
        """``FILE:LINE:COL: decisions[i].field`` of decision ``i`` in the save, for messages."""
        node = self._root
        file, line, col = (node.file, node.line, node.col) if node is not None else ("<save>", 1, 1)
        try:
            item = node.value["decisions"].value[i]
            at = item.value.get(field, item) if field else item
            file, line, col = at.file, at.line, at.col
        except (AttributeError, KeyError, IndexError, TypeError):
            pass
        return f"{file}:{line}:{col}: decisions[{i}]" + (f".{field}" if field else "")


def result_fingerprint(result: dict) -> str:
    """SHA-256 of a run's result (the dict ``Result.to_dict()`` gives, without the policy label):
    the same scenario, seed and decisions give the same fingerprint, bit for bit."""
    data = {k: v for k, v in result.items() if k != "policy"}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_save(scenario: Scenario, seed: int, decisions: list[dict], *, path: str | None = None,
               policy: str | None = None, total_loss: float | None = None, result: dict | None = None,
               at: float | None = None) -> dict:
    """The save record of a finished or interrupted run (``at``: where an autosave resumes);
    ``result`` (a finished run's result dict) is recorded as its fingerprint, so a replay can
    show it reproduced the run."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "scenario": {"id": scenario.meta.id, "path": path, "hash": scenario_hash(scenario)},
        "seed": int(seed),
        "policy": policy,
        "decisions": [{k: v for k, v in d.items() if v is not None or k == "step"} for d in decisions],
        "total_loss": total_loss,
        "at": at,
        "result_fingerprint": None if result is None else result_fingerprint(result),
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
    save._root = root
    for i, d in enumerate(save.decisions):
        if entry_kind(d.model_dump()) is None or (d.card is not None and d.option is None):
            raise SaveError(f"{save.where(i)}: a decision needs card and option, or action, inject, message or mark")
    return save


def check_reproduced(save: SaveFile, result: dict, save_path: str | Path) -> bool | None:
    """Compare a replay's ``result`` with the save's fingerprint: True if it matches, None if the
    save has none; raise :class:`SaveError` (one line) if the replay did not reproduce the run."""
    if save.result_fingerprint is None:
        return None
    got = result_fingerprint(result)
    if got == save.result_fingerprint:
        return True
    was = f"the saved run lost {save.total_loss:,.2f}, " if save.total_loss is not None else ""
    raise SaveError(
        f"{save_path}: result_fingerprint: the replay did not reproduce the saved run ({was}this replay lost "
        f"{result['total_loss']:,.2f}; result fingerprint {got[:12]}…, expected {save.result_fingerprint[:12]}…); the save "
        "was edited or written by another version of crisissim")


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
