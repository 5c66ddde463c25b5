"""Running paired comparisons and judging lessons.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

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
from crisissim.policy import ScriptedPolicy
from crisissim.scenario.lessons import METRICS, Lesson
from crisissim.scenario.schema import Scenario
from crisissim.scenario.text import Text, text_in
from crisissim.study.executor import DaskExecutor, Executor, LocalExecutor
from crisissim.study.grid import StudyError, dump
from crisissim.study.journal import fingerprint
from crisissim.study.progress import Progress
from crisissim.study.seeds import rep_seed
from crisissim.study.stats import Estimate, estimate, share_interval
from crisissim.study.worker import Task

LEVEL = 0.95
"""Confidence level of every interval reported."""
MAX_REPS = 100_000
MAX_RUNS = 1_000_000
"""At most this many replications in one evaluation (all arms together), refused up front."""


@dataclass(frozen=True)
class Paired:
    """Arm A against arm B on ``metric`` over paired replications.

    ``reps`` replications ran; ``n`` of them are compared (the rest were left out: the card
    was not shown, the ``given`` condition was false, or the metric was undefined). ``wins``
    counts replications where A is strictly better, ``ties`` where both are equal;
    ``share`` = wins / n with its exact (Clopper–Pearson) 95% interval. ``difference`` is the paired mean of
    A − B in the metric's units with its 95% Student-t interval; ``advantage`` is the same
    turned so that positive means A is better.
    """

    metric: str
    better: str
    reps: int
    n: int
    wins: int
    ties: int
    share: float
    share_low: float
    share_high: float
    difference: Estimate
    mean_a: float
    mean_b: float

    @property
    def sign(self) -> int:
        return -1 if self.better == "lower" else 1

    @property
    def advantage(self) -> float:
        """Mean of how much better A is than B (positive: A better on average)."""
        return self.sign * self.difference.mean

    def as_dict(self) -> dict[str, Any]:
        d = self.difference
        return {"metric": self.metric, "better": self.better, "reps": self.reps, "compared": self.n,
                "wins": self.wins, "ties": self.ties, "share": _num(self.share),
                "share_ci": [_num(self.share_low), _num(self.share_high)],
                "difference": {"mean": _num(d.mean), "sd": _num(d.sd), "ci": [_num(d.lo), _num(d.hi)]},
                "mean_a": _num(self.mean_a), "mean_b": _num(self.mean_b)}


def _num(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def paired(a: np.ndarray, b: np.ndarray, better: str, keep: np.ndarray | None = None, metric: str = "") -> Paired:
    """Compare the per-replication values ``a`` and ``b`` (same seeds) on the replications ``keep``."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    mask = ~(np.isnan(a) | np.isnan(b))
    if keep is not None:
        mask &= np.asarray(keep, dtype=bool)
    a, b = a[mask], b[mask]
    n = int(a.size)
    diff = a - b
    sign = -1.0 if better == "lower" else 1.0
    wins = int(np.count_nonzero(sign * diff > 0))
    ties = int(np.count_nonzero(diff == 0))
    lo, hi = share_interval(wins, n, LEVEL)
    return Paired(metric, better, int(mask.size), n, wins, ties, wins / n if n else math.nan, lo, hi,
                  estimate(diff, LEVEL), float(a.mean()) if n else math.nan, float(b.mean()) if n else math.nan)


@dataclass(frozen=True)
class LessonOutcome:
    """A lesson, what was compared, the paired comparison and whether the lesson holds."""

    lesson: Lesson
    a: str
    b: str
    comparison: Paired
    holds: bool
    why: str = ""

    def text(self, language: str = "en") -> str:
        """The lesson's text in ``language`` (else English, else the first given)."""
        return text_in(self.lesson.text, language)

    def as_dict(self) -> dict[str, Any]:
        les = self.lesson
        text = les.text.translations if isinstance(les.text, Text) else {"en": str(les.text)}
        return {"id": les.id, "text": dict(text), "a": self.a, "b": self.b, "card": les.card,
                "given": les.given, "threshold": les.share, "holds": self.holds, "why": self.why or None,
                **self.comparison.as_dict()}


def judge(lesson: Lesson, p: Paired) -> tuple[bool, str]:
    """Whether ``lesson`` holds on comparison ``p``, and if not, why (one line).

    It holds when at least one replication is compared, the lower end of the exact 95%
    (Clopper–Pearson) interval of the share of replications A beats B in is at least ``lesson.share``, and
    A is better on average (the paired mean difference lies on the better side of 0).
    """
    if p.n == 0:
        left_out = "the card was never shown" if lesson.card else "no replication was left"
        if lesson.given:
            left_out = f"'{lesson.given}' never held" + (" or the card was never shown" if lesson.card else "")
        return False, f"no replication to compare: {left_out} in {p.reps}"
    problems = []
    if not p.share_low >= lesson.share:
        problem = f"share's 95% lower bound {p.share_low:.2f} is below {lesson.share:g}"
        if p.share_high >= lesson.share:
            problem += f" (too few replications to tell with {p.n}: run more)"
        problems.append(problem)
    if not p.advantage > 0:
        problems.append("A is not better on average")
    return (not problems), "; ".join(problems)


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
        return [Replicate(a, tuple(sorted(c)), tuple(sorted(g))) for a, c, g in zip(self.arms, self.cards, self.given)]


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
    jobs = [lambda: expert_arm(scenario, base)] if scenario.expert else []
    jobs += [lambda i=i, les=les: lesson_arms(les, i, scenario, base) for i, les in enumerate(scenario.lessons)]
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
            for r, m in zip(batch.reps, batch.metrics):
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
    for lesson, (ia, ib, _, _) in zip(sc.lessons, pairs):
        for i in (ia, ib):
            keys[i] |= {lesson.metric} | ({SHOWN + lesson.card} if lesson.card else set())
        if lesson.given:
            keys[ib].add(GIVEN + lesson.given)
    runs = run_arms(sc, plan.replicates(), reps, seed, keys, workers=workers, scheduler=scheduler,
                    executor=executor, quiet=quiet)
    out = []
    for lesson, (ia, ib, la, lb) in zip(sc.lessons, pairs):
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
