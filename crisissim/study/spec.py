"""Study files: a YAML file that says what ``crisissim study`` flags say, for repeatable studies.

```yaml
scenario: ../scenarios/default.yaml   # relative to this file
reps: 50
vary: {pools.agents.size: "10:40:2"}  # or a list [10, 20, 30]
policies: [default]
seed: 7
loss_threshold: 2000000
precision: 2%                          # optional sequential stopping
```

Problems are reported as ``FILE:LINE:COL: field: message`` (the first one, with a count).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crisissim.study.grid import StudyError, Vary, dump, parse_values, resolve

Range = Annotated[str, Field(min_length=1)] | float | list[float]


class StudyFile(BaseModel):
    """The keys of a study file (all but ``scenario`` optional; flags given on the command line win)."""

    model_config = ConfigDict(extra="forbid")

    scenario: str
    """Scenario file, relative to the study file."""
    reps: int | None = Field(None, ge=2, le=10_000_000)
    """Replications per level."""
    vary: dict[str, Range] = Field(default_factory=dict)
    """Field path → range ``a:b:step``, list ``a,b,c`` or a YAML list."""
    policies: list[str] = Field(default_factory=list)
    """Policies to compare."""
    seed: int | None = Field(None, ge=0, le=2**63 - 1)
    """Study seed (default: the scenario's)."""
    loss_threshold: float | None = None
    """Report P(total loss > this)."""
    precision: float | str | None = None
    """Sequential stopping: CI half-width under this share of the mean (``2%`` or 0.02)."""
    max_reps: int | None = Field(None, ge=2)
    """Cap on replications per level for ``precision`` and ``optimize``."""
    optimize: bool = False
    """Use KN ranking and selection instead of the full grid."""
    confidence: float = Field(0.95, ge=0.5, lt=1)
    """KN confidence of picking the best level."""
    delta: float | None = Field(None, gt=0)
    """KN indifference zone (money; default 1% of the mean loss)."""
    crn: bool = True
    """Common random numbers (false: independent seeds per level)."""
    workers: int | None = Field(None, ge=1, le=4096)
    """Local worker processes."""
    scheduler: str | None = None
    """Dask scheduler address, or ``local`` for a Dask LocalCluster."""
    out: str | None = None
    """Output directory, relative to the study file."""

    @field_validator("precision")
    @classmethod
    def _share(cls, v: float | str | None) -> float | None:
        return None if v is None else parse_share(v)


def parse_share(v: float | str) -> float:
    """``2%`` or ``0.02`` → 0.02; must lie in (0, 1)."""
    text = str(v).strip()
    try:
        x = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise ValueError(f"expected a share such as 2% or 0.02, got {v!r}") from None
    if not 0 < x < 1:
        raise ValueError(f"expected a share between 0 and 100%, got {v!r}")
    return x


def is_study_file(path: Path) -> bool:
    """True if ``path`` is YAML whose top level has ``scenario:`` and no ``meta:``."""
    from crisissim.scenario.yamlio import load_yaml

    try:
        root = load_yaml(path)
    except Exception:  # let the scenario loader report unreadable files
        return False
    return root.kind == "map" and "scenario" in root.value and "meta" not in root.value


def load_study_file(path: Path) -> tuple[StudyFile, list[Vary], Any]:
    """Validate a study file; returns it, its parsed ``vary`` and the scenario it names."""
    from crisissim.scenario import ScenarioError, load_scenario
    from crisissim.scenario.errors import validation_problems
    from crisissim.scenario.yamlio import load_yaml, problem, to_plain

    try:
        root = load_yaml(path)
        spec = StudyFile.model_validate(to_plain(root))
    except ScenarioError as e:
        raise StudyError(_first(e.problems)) from None
    except ValidationError as e:
        raise StudyError(_first(validation_problems(e, root, StudyFile))) from None
    vnode = root.value.get("vary")
    vary = []
    for key, val in spec.vary.items():
        val = _source_range(path, vnode.value[key], val)
        try:
            vary.append(Vary(key, parse_values(val, key)))
        except StudyError as e:
            raise StudyError(str(problem(vnode.value[key], f"vary.{key}", str(e).split(": ", 1)[-1]))) from None
    sc_path = (path.parent / spec.scenario).resolve()
    try:
        scenario = load_scenario(sc_path)
    except ScenarioError as e:
        raise StudyError(_first(e.problems)) from None
    except OSError as e:
        raise StudyError(str(problem(root.value["scenario"], "scenario", f"cannot read {sc_path}: {e.strerror}"))) from None
    data = dump(scenario)
    for v in vary:
        try:
            resolve(data, v.path)
        except StudyError as e:
            raise StudyError(str(problem(vnode.keys.get(v.path, vnode), f"vary.{v.path}", str(e).split(": ", 1)[-1]))) from None
    spec.policies = [_relative_policy(path, p) for p in spec.policies]
    return spec, vary, scenario


def _relative_policy(study: Path, policy: str) -> str:
    """Scripted policy files named in a study file are relative to the study file, like its scenario."""
    kind, sep, rest = policy.partition(":")
    if sep and kind == "scripted" and rest and not Path(rest).is_absolute():
        return f"scripted:{(study.parent / rest).resolve()}"
    if not sep and policy.endswith((".yaml", ".yml")) and not Path(policy).is_absolute():
        return str((study.parent / policy).resolve())
    return policy


def _source_range(path: Path, node: Any, value: Any) -> Any:
    """An unquoted ``10:40`` is a YAML 1.1 base-60 integer; take the range as written instead."""
    if node.kind != "scalar" or type(node.value) is not int or node.style:
        return value
    try:
        line = path.read_text(encoding="utf-8").splitlines()[node.line - 1]
    except (OSError, IndexError, UnicodeDecodeError):
        return value
    token = line[node.col - 1 :].split("#")[0].strip().split()[0].rstrip(",}]") if line[node.col - 1 :].strip() else ""
    return token if ":" in token else value


def _first(problems: list) -> str:
    errs = [p for p in problems if getattr(p, "severity", "error") == "error"] or problems
    more = f" (and {len(errs) - 1} more)" if len(errs) > 1 else ""
    return f"{errs[0]}{more}" if errs else "invalid study file"
