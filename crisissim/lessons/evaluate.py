"""Running paired comparisons: the arms a lesson needs, run once each, seed by seed.

Replication ``i`` of every arm runs under the same seed ``rep_seed(seed, i)`` (the study's
common random numbers), so arm A and arm B of a replication see the same customers, the
same patience and handle-time draws and the same injects; they differ only by the choices.
Arms shared by several lessons run once. Runs go through the study executors (a local
process pool on all cores by default, or Dask), and the outcome depends only on the
scenario, the arms, ``reps`` and ``seed``: never on the number of workers or the backend.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from crisissim.lessons.arms import (
    GIVEN,
    SHOWN,
    Arm,
    LessonError,
    MissingPolicy,
    PolicyFileError,
    Replicate,
    load_policy,
)
from crisissim.lessons.outcome import LessonOutcome, Paired, judge, paired
from crisissim.policy import ScriptedPolicy
from crisissim.scenario.lessons import METRICS, Lesson
from crisissim.scenario.schema import Scenario
from crisissim.study.executor import DaskExecutor, Executor, LocalExecutor
from crisissim.study.grid import StudyError, dump
from crisissim.study.journal import fingerprint
from crisissim.study.progress import Progress
from crisissim.study.seeds import rep_seed
from crisissim.study.worker import Task

MAX_REPS = 100_000
MAX_RUNS = 1_000_000
"""At most this many replications in one evaluation (all arms together), refused up front."""


class _Plan:
    """The distinct arms the lessons need, and per lesson which two it compares."""

    def __init__(self):
        self.arms: list[Arm] = []
        self.cards: list[set[str]] = []
        self.given: list[set[str]] = []
        self._index: dict[tuple, int] = {}

    def add(self, arm: Arm, card: str | None = None, given: str | None = None) -> int:
        i = self._index.get(arm.key)
        if i is None:
            i = self._index[arm.key] = len(self.arms)
            self.arms.append(arm)
            self.cards.append(set())
            self.given.append(set())
        if card:
            self.cards[i].add(card)
        if given:
            self.given[i].add(given)
        return i

    def replicates(self) -> list[Replicate]:
        return [Replicate(a, tuple(sorted(c)), tuple(sorted(g))) for a, c, g in zip(self.arms, self.cards, self.given, strict=False)]


def scenario_of(scenario: Scenario | str | Path, base_dir: str | Path | None) -> tuple[Scenario, Path | None]:
    """A loaded scenario and the folder its policy files are relative to."""
    if isinstance(scenario, Scenario):
        return scenario, Path(base_dir) if base_dir is not None else None
    from crisissim.scenario import load_scenario

    path = Path(scenario)
    return load_scenario(path), Path(base_dir) if base_dir is not None else path.parent


def expert_arm(scenario: Scenario, base_dir: Path | None) -> Arm:
    """The scenario's ``expert`` policy as an arm (``default`` when it names none)."""
    spec = scenario.expert or "default"
    return Arm(spec, load_policy(spec, scenario, base_dir, "expert", from_scenario=True))


def lesson_arms(lesson: Lesson, index: int, scenario: Scenario, base_dir: Path | None) -> tuple[Arm, Arm]:
    """Arms A and B of a lesson; raise :class:`LessonError`."""
    where = f"lessons[{index}]"
    if lesson.card is not None:
        cards = {c.id: c for c in scenario.decisions}
        card = cards.get(lesson.card)
        if card is None:
            raise LessonError(f"{where}.card: unknown card {lesson.card!r}")
        for name in ("option", "than"):
            if getattr(lesson, name) not in {o.id for o in card.options}:
                raise LessonError(f"{where}.{name}: card {lesson.card!r} has no option {getattr(lesson, name)!r}")
        if lesson.others is not None:
            base = Arm(lesson.others, load_policy(lesson.others, scenario, base_dir, f"{where}.others", True))
        else:
            base = expert_arm(scenario, base_dir)
        return (_forcing(base, card, lesson.option), _forcing(base, card, lesson.than))  # type: ignore[arg-type]
    a = Arm(lesson.policy, load_policy(lesson.policy, scenario, base_dir, f"{where}.policy", True))  # type: ignore[arg-type]
    b = Arm(lesson.than, load_policy(lesson.than, scenario, base_dir, f"{where}.than", True))
    return a, b


def policy_problems(scenario: Scenario, base_dir: str | Path | None, missing_ok: bool = False,
                    source: str | None = None) -> list[str]:
    """Problems with the policies the scenario's ``expert`` and lessons name (files read and checked
    against the scenario), one line each; empty when every lesson can run. ``missing_ok`` passes
    over files that do not exist (validation already warned about them, at their line); lines
    not located in a policy file start with ``source`` (the scenario file)."""
    base = Path(base_dir) if base_dir is not None else None
    out: list[str] = []
    jobs: list[Callable[[], Any]] = [lambda: expert_arm(scenario, base)] if scenario.expert else []
    jobs += [partial(lesson_arms, les, i, scenario, base) for i, les in enumerate(scenario.lessons)]
    for job in jobs:
        try:
            job()
        except LessonError as e:
            if missing_ok and isinstance(e, MissingPolicy):
                continue
            lead = f"{source}: " if source and not isinstance(e, PolicyFileError) else ""
            out += [lead + line for line in str(e).splitlines() if lead + line not in out]
    return out


def _forcing(base: Arm, card, option: str) -> Arm:
    """``base`` with ``card`` answered by ``option`` (``base`` itself, and its one run, when it
    answers so anyway)."""
    p = base.policy
    answers = (p.cards.get(card.id, card.default) if isinstance(p, ScriptedPolicy) else
               card.default if p == "default" else card.options[0].id if p == "first" else None)
    label = f"{card.id}={option}"
    if answers == option and not base.force and base.plan is None:
        return Arm(label, base.policy)
    return base.forcing(card.id, option, label)


def better_of(lesson: Lesson) -> str:
    """The lesson's direction: its ``better`` or the metric's own."""
    way = lesson.better or METRICS.get(lesson.metric)
    if way is None:
        raise LessonError(f"lesson {lesson.id!r}: metric {lesson.metric!r} needs better: lower or higher")
    return way


def run_arms(scenario: Scenario, replicates: Sequence[Replicate], reps: int, seed: int, keys: Sequence[set[str]], *,
             workers: int | None = None, scheduler: str | None = None, executor: Executor | None = None,
             quiet: bool = True) -> list[dict[str, np.ndarray]]:
    """Run replications 0..reps−1 of every arm (same seeds across arms); per arm, the values of
    its ``keys`` (metric names, ``shown:``/``given:`` flags) over the replications."""
    if not 1 <= reps <= MAX_REPS:
        raise LessonError(f"--reps must be between 1 and {MAX_REPS:,}, got {reps}")
    total = reps * len(replicates)
    if total > MAX_RUNS:
        raise LessonError(f"this would run {total:,} replications ({len(replicates)} ways of playing × {reps} "
                          f"replications), more than {MAX_RUNS:,}; lower --reps")
    data = dump(scenario)
    key = fingerprint(data)[:16]
    seeds = [rep_seed(seed, r) for r in range(reps)]
    out = [{k: np.full(reps, math.nan) for k in sorted(ks)} for ks in keys]
    done = np.zeros((len(replicates), reps), dtype=bool)
    own = executor is None
    progress = Progress(quiet=quiet, stream=sys.stderr, label="lessons")
    finished = False
    try:
        if executor is None:
            executor = DaskExecutor(scheduler, workers) if scheduler else LocalExecutor(workers)
        size = max(1, min(200, math.ceil(total / (4 * executor.workers))))
        tasks = []
        for level, rep in enumerate(replicates):
            for start in range(0, reps, size):
                chunk = tuple(range(start, min(reps, start + size)))
                tasks.append(Task(level, key, data, None, chunk, tuple(seeds[r] for r in chunk), rep))
        progress.set_total(total)
        for batch in executor.run(tasks):
            new = 0
            for r, m in zip(batch.reps, batch.metrics, strict=False):
                if done[batch.level, r]:
                    continue  # a batch run twice after a worker died
                done[batch.level, r] = True
                new += 1
                for k, column in out[batch.level].items():
                    if k not in m:
                        raise LessonError(f"the runs report no metric {k!r} (expected one of: {', '.join(m)})")
                    column[r] = m[k]
            progress.advance(new)
        finished = True
    except StudyError as e:
        raise LessonError(str(e)) from None
    finally:
        progress.close()
        if own and executor is not None:
            executor.close(wait=finished)
    return out


def evaluate_lessons(scenario: Scenario | str | Path, reps: int = 30, seed: int | None = None,
                     workers: int | None = None, *, base_dir: str | Path | None = None,
                     scheduler: str | None = None, executor: Executor | None = None,
                     quiet: bool = True) -> list[LessonOutcome]:
    """Run every lesson of ``scenario`` on ``reps`` paired replications and judge it.

    ``scenario`` is a loaded scenario (give ``base_dir``, the scenario file's folder, when its
    lessons name scripted policies) or a path. ``seed`` defaults to the scenario's. Runs on
    ``workers`` local processes (default all cores), a Dask ``scheduler`` or an ``executor``.
    Raise :class:`LessonError` for a lesson that cannot run.
    """
    sc, base = scenario_of(scenario, base_dir)
    seed = sc.meta.seed if seed is None else int(seed)
    plan = _Plan()
    pairs = []
    for i, lesson in enumerate(sc.lessons):
        a, b = lesson_arms(lesson, i, sc, base)
        pairs.append((plan.add(a, lesson.card), plan.add(b, lesson.card, lesson.given), a.label, b.label))
    if not pairs:
        return []
    keys: list[set[str]] = [set() for _ in plan.arms]
    for lesson, (ia, ib, _, _) in zip(sc.lessons, pairs, strict=False):
        for i in (ia, ib):
            keys[i] |= {lesson.metric} | ({SHOWN + lesson.card} if lesson.card else set())
        if lesson.given:
            keys[ib].add(GIVEN + lesson.given)
    runs = run_arms(sc, plan.replicates(), reps, seed, keys, workers=workers, scheduler=scheduler,
                    executor=executor, quiet=quiet)
    out = []
    for lesson, (ia, ib, la, lb) in zip(sc.lessons, pairs, strict=False):
        keep = np.ones(reps, dtype=bool)
        if lesson.card:
            keep &= (runs[ia][SHOWN + lesson.card] > 0) & (runs[ib][SHOWN + lesson.card] > 0)
        if lesson.given:
            keep &= runs[ib][GIVEN + lesson.given] > 0
        p = paired(runs[ia][lesson.metric], runs[ib][lesson.metric], better_of(lesson), keep, lesson.metric)
        holds, why = judge(lesson, p)
        out.append(LessonOutcome(lesson, la, lb, p, holds, why))
    return out


def compare(scenario: Scenario | str | Path, a: Arm | str, b: Arm | str, reps: int = 30, seed: int | None = None,
            workers: int | None = None, *, metric: str = "total_loss", better: str | None = None,
            base_dir: str | Path | None = None, scheduler: str | None = None, executor: Executor | None = None,
            quiet: bool = True) -> Paired:
    """Paired comparison of two ways of playing ``scenario`` over ``reps`` CRN replications.

    ``a`` and ``b`` are :class:`Arm` (e.g. ``Arm.from_log(decisions, events)`` for a played
    run, replayed by time under every seed) or policy specs (``default``, ``first``,
    ``random``, ``scripted:FILE.yaml`` relative to ``base_dir``, ``module:function``).
    """
    sc, base = scenario_of(scenario, base_dir)
    seed = sc.meta.seed if seed is None else int(seed)
    way = better or METRICS.get(metric)
    if way not in ("lower", "higher"):
        raise LessonError(f"metric {metric!r}: say better='lower' or 'higher'")
    arms = [x if isinstance(x, Arm) else Arm(x, load_policy(x, sc, base, name, from_scenario=False))
            for x, name in ((a, "a"), (b, "b"))]
    runs = run_arms(sc, [Replicate(arm) for arm in arms], reps, seed, [{metric}, {metric}], workers=workers,
                    scheduler=scheduler, executor=executor, quiet=quiet)
    return paired(runs[0][metric], runs[1][metric], way, None, metric)
