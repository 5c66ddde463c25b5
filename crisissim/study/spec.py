"""Study files: a YAML file that says what ``crisissim study`` flags say, for repeatable studies.

```yaml
scenario: ../scenarios/default.yaml   # relative to this file
reps: 50
vary: {pools.agents.size: "10:40:2"}  # or a list [10, 20, 30]; durations too: "20s:60s:10s"
policies: [default]
seed: 7
loss_threshold: 2000000
precision: 2%                          # optional sequential stopping
```

Problems are reported as ``FILE:LINE:COL: field: message`` (the first one, with a count).

A study file is data: it may name only built-in policies and scripted policy files inside its
own folder, write only inside its own folder, and never name a scheduler address. Python
policies and addresses come from the command line (or ``--allow-code`` for a trusted file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crisissim.study.grid import StudyError, Vary, dump, parse_values, resolve, resolve_vary

Range = Annotated[str, Field(min_length=1)] | int | float | list[int | float | str]


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
    """Policies to compare: built-in names and scripted policy files in this file's folder (Python
    policies only with ``--allow-code``)."""
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
    """``local`` for a Dask LocalCluster (an address only with ``--allow-code``; give it with ``--scheduler``)."""
    out: str | None = None
    """Output directory inside the study file's folder, relative to it."""

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


def load_study_file(path: Path, allow_code: bool = False) -> tuple[StudyFile, list[Vary], Any]:
    """Validate a study file; returns it, its parsed ``vary`` and the scenario it names.

    A study file is data someone may have sent: it names only built-in policies and scripted
    policy files inside its own folder, writes only inside its own folder, and never names a
    Dask scheduler address; ``allow_code=True`` (``--allow-code``) lifts the code and address rules."""
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
        node = vnode.value[v.path]
        items = node.value if node.kind == "seq" and len(node.value) == len(v.values) else [node] * len(v.values)
        for x, item in zip(v.values, items, strict=False):  # each value checked by the scenario's schema, located
            try:
                resolve_vary(scenario, [Vary(v.path, (x,))])
            except StudyError as e:
                what = str(e).removeprefix(f"--vary {v.path}=")
                raise StudyError(str(problem(item, f"vary.{v.path}", what))) from None
        try:
            resolve_vary(scenario, [v])
        except StudyError as e:
            raise StudyError(str(problem(node, f"vary.{v.path}", str(e).removeprefix(f"--vary {v.path}: ")))) from None
    pnode = root.value.get("policies")
    spec.policies = [_file_policy(path, p, pnode.value[i] if pnode is not None and pnode.kind == "seq" else root,
                                  f"policies[{i}]", allow_code) for i, p in enumerate(spec.policies)]
    if spec.scheduler is not None and spec.scheduler.strip() != "local" and not allow_code:
        raise StudyError(str(problem(root.value["scheduler"], "scheduler",
                                     "a study file may not send the study to a network address (give --scheduler "
                                     "on the command line, or pass --allow-code if you trust this file)")))
    if spec.out is not None:
        spec.out = _inside_out(path, spec.out, root.value["out"])
    return spec, vary, scenario


def _inside(target: Path, folder: Path) -> bool:
    return target == folder or target.is_relative_to(folder)


def _file_policy(study: Path, policy: str, node: Any, where: str, allow_code: bool) -> str:
    """A policy named in a study file, as data: a built-in name, or a scripted policy file inside the
    study file's folder (relative to it) or among crisissim's bundled files. Python policies
    (``module:function``, ``file.py:function``) only with ``allow_code``."""
    from crisissim.policy import BUILTIN
    from crisissim.scenario import bundled_scenarios_dir
    from crisissim.scenario.yamlio import problem

    text = policy.strip()
    if text in BUILTIN:
        return text
    kind, sep, rest = text.partition(":")
    scripted = (sep and kind == "scripted") or (not sep and text.lower().endswith((".yaml", ".yml")))
    if not scripted:
        if allow_code:  # a Python file named by the study file is relative to it, like everything else
            module, _, attr = text.rpartition(":")
            if module.endswith(".py") and not Path(module).is_absolute():
                return f"{(study.parent / module).resolve()}:{attr}"
            return text
        raise StudyError(str(problem(node, where, f"{text!r} is Python code, and a study file may not run code "
                                                  "(give it on the command line with --policy, or pass --allow-code "
                                                  "if you trust this file)")))
    name = rest if sep else text
    folder = study.parent.resolve()
    target = (study.parent / name).resolve()
    bundled = bundled_scenarios_dir().resolve()
    if not (_inside(target, folder) or _inside(target, bundled)):
        raise StudyError(str(problem(node, where, f"policy file {name!r} is outside the study file's folder (a study "
                                                  "file may name built-in policies and scripted policy files in its "
                                                  "own folder)")))
    return f"scripted:{target}"


def _inside_out(study: Path, out: str, node: Any) -> str:
    """A study file's ``out:`` is a relative folder inside the study file's folder."""
    from crisissim.scenario.yamlio import problem

    folder = study.parent.resolve()
    if not out.strip() or Path(out).is_absolute() or not _inside((study.parent / out).resolve(), folder):
        raise StudyError(str(problem(node, "out", f"expected a folder inside the study file's folder, such as "
                                                  f"results (got {out!r}); give --out on the command line to write "
                                                  "elsewhere")))
    return out


def _source_range(path: Path, node: Any, value: Any) -> Any:
    """An unquoted ``10:40`` is a YAML 1.1 base-60 integer; take the range as written instead."""
    if node.kind != "scalar" or type(node.value) is not int or node.style:
        return value
    from crisissim.scenario import ScenarioError
    from crisissim.scenario.yamlio import read_text

    try:
        line = read_text(path).splitlines()[node.line - 1]
    except (ScenarioError, IndexError):
        return value
    token = line[node.col - 1 :].split("#")[0].strip().split()[0].rstrip(",}]") if line[node.col - 1 :].strip() else ""
    return token if ":" in token else value


def _first(problems: list) -> str:
    errs = [p for p in problems if getattr(p, "severity", "error") == "error"] or problems
    more = f" (and {len(errs) - 1} more)" if len(errs) > 1 else ""
    return f"{errs[0]}{more}" if errs else "invalid study file"
