"""The two sides of a paired comparison, and what one replication of a side reports.

An :class:`Arm` is a way of playing the scenario: a policy (a built-in name, a Python
policy spec from the command line, or a scripted policy already loaded), optionally with
some cards forced to an option, or a played decision log replayed by time. A
:class:`Replicate` runs an arm under one seed in a worker process and returns the run's
metrics plus, per watched card, whether it was shown and, per condition, whether it held
at the end of the run. Everything here pickles, so it runs on a process pool or Dask.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crisissim.engine import Result, Simulation
from crisissim.policy import BUILTIN, Policy, PolicyError, RandomPolicy, ScriptedPolicy, load_scripted, resolve
from crisissim.policy.plan import Step, plan_of, replay
from crisissim.scenario.condition import Names, parse_condition
from crisissim.scenario.lessons import check_policy, missing_policy, policy_path, resolve_policy_path


class LessonError(ValueError):
    """A lesson or comparison that cannot run (one line per problem)."""


class MissingPolicy(LessonError):
    """A scripted policy file a scenario names is not there."""


class PolicyFileError(LessonError):
    """Problems inside a scripted policy file (each line located in that file)."""


@dataclass(frozen=True)
class Arm:
    """One way of playing the scenario: ``policy`` answers cards, ``force`` overrides some cards
    (card id → option id), or ``plan`` replays a decision log by time (``policy`` unused)."""

    label: str
    policy: str | ScriptedPolicy = "default"
    force: tuple[tuple[str, str], ...] = ()
    plan: tuple[Step, ...] | None = None

    @property
    def key(self) -> tuple:
        """Arms with equal keys play identically (one run serves both)."""
        p = self.policy
        pk: Any = ("scripted", tuple(sorted(p.cards.items())), tuple(p.actions)) if isinstance(p, ScriptedPolicy) else p
        return (pk, tuple(sorted(self.force)), self.plan)

    def forcing(self, card: str, option: str, label: str) -> Arm:
        """This arm with ``card`` answered by ``option``."""
        force = dict(self.force)
        force[card] = option
        return Arm(label, self.policy, tuple(sorted(force.items())), self.plan)

    @classmethod
    def from_log(cls, decisions: list[dict], events: list[dict], label: str = "played") -> Arm:
        """The choices of a played run (its ``decisions`` and ``events``), replayed by time."""
        plan, _ = plan_of(decisions, events)
        return cls(label, plan=tuple(plan))


class Forced(Policy):
    """Some cards take a fixed option; the rest, and the timed actions, come from ``base``."""

    def __init__(self, base, force: dict[str, str]):
        self.base = base
        self.force = dict(force)
        self.name = f"{getattr(base, 'name', 'policy')} with " + ", ".join(f"{c}={o}" for c, o in self.force.items())

    def __call__(self, snapshot, card) -> str:
        return self.force[card.id] if card.id in self.force else self.base(snapshot, card)

    def scheduled_actions(self) -> list[tuple[float, str]]:
        return list(self.base.scheduled_actions()) if hasattr(self.base, "scheduled_actions") else []

    def reads(self) -> list[tuple[str, str | None]]:
        return list(self.base.reads()) if hasattr(self.base, "reads") else []


def policy_of(spec: str | ScriptedPolicy, scenario, seed: int):
    """The policy an arm's ``policy`` stands for under run ``seed``."""
    if isinstance(spec, Policy):
        return spec
    if spec in BUILTIN:
        return RandomPolicy(seed) if spec == "random" else BUILTIN[spec]()
    return resolve(spec, scenario, seed)


def run_arm(arm: Arm, scenario, seed: int) -> tuple[Simulation, Result]:
    """One replication of ``arm`` under ``seed``, run to the end: the simulation and its result."""
    if arm.plan is not None:
        sim = replay(scenario, seed, list(arm.plan))
    else:
        policy = policy_of(arm.policy, scenario, seed)
        if arm.force:
            policy = Forced(policy, dict(arm.force))
        sim = Simulation(scenario, seed, policy)
    return sim, sim.result()


@dataclass
class _Done:
    """What a worker hands back for one replication (the study worker reads these two)."""

    values: dict[str, float]
    intervals: dict

    def metrics(self) -> dict[str, float]:
        return self.values


SHOWN = "shown:"
GIVEN = "given:"


@dataclass(frozen=True)
class Replicate:
    """Runs ``arm`` for the study worker: metrics, ``shown:CARD`` for ``cards`` and ``given:COND``
    (1 or 0 at the end of the run) for ``given``."""

    arm: Arm
    cards: tuple[str, ...] = ()
    given: tuple[str, ...] = ()

    def __call__(self, scenario, seed: int, policy: str | None = None) -> _Done:
        sim, res = run_arm(self.arm, scenario, seed)
        values = dict(res.metrics())
        shown = {e["id"] for e in res.data["events"] if e.get("kind") == "card_shown"}
        for card in self.cards:
            values[SHOWN + card] = float(card in shown)
        if self.given:
            names = Names(frozenset(scenario.contact_types), frozenset(scenario.pools),
                          frozenset(i.id for i in scenario.injects))
            for text in self.given:
                values[GIVEN + text] = float(parse_condition(text, names).evaluate(sim.lookup))
        return _Done(values, {})


def load_policy(spec: str, scenario, base_dir: Path | None, where: str, from_scenario: bool) -> str | ScriptedPolicy:
    """A policy spec ready for an :class:`Arm`: scripted files are read and checked here, once.

    ``from_scenario`` specs are data from a scenario file (built-in names or scripted files
    inside ``base_dir`` only); others come from the command line or Python and may also name
    Python policies. Raise :class:`LessonError` naming ``where`` (e.g. ``lessons[2].policy``);
    problems inside a scripted file are located in that file.
    """
    text = spec.strip()
    if from_scenario and (why := check_policy(text, base_dir)):
        raise LessonError(f"{where}: {why}")
    if from_scenario and (why := missing_policy(text, base_dir)):
        raise MissingPolicy(f"{where}: {why}")
    path = policy_path(text)
    if path is not None:
        if from_scenario and base_dir is None:
            raise LessonError(f"{where}: scripted policy {text!r} is relative to the scenario file, "
                              "whose folder is not known (load the scenario from a file)")
        full = (resolve_policy_path(text, base_dir) if from_scenario and base_dir is not None
                else Path(base_dir or ".") / path)
        try:
            return load_scripted(full, scenario)
        except PolicyError as e:
            raise PolicyFileError(str(e)) from None
    if text in BUILTIN:
        return text
    try:
        resolve(text, scenario, 0)  # fail now, once, rather than in every worker
    except PolicyError as e:
        raise LessonError(f"{where}: {e}") from None
    return text
