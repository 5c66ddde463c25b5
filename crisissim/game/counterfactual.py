"""The honest debrief: what each decision cost or saved, over many days, with its uncertainty.

One day says little: an alternative that lost less on the day played may lose more on most
days. So every alternative of every decision is re-run on ``N`` days (``scoring.debrief_reps``,
30 by default) against the trainee's own choices on the *same* days: the day played and
``N − 1`` more from the seed (common random numbers: both sides of a day see the same
customers, patience and handle-time draws and injects, and differ only by the choice).
Choices are replayed by time (:mod:`crisissim.policy.plan`); a card that comes up at another
minute on another day is answered as long after it opens as the trainee took.

For each alternative the debrief gives the paired mean difference in total loss with its
95% interval, the share of days on which the alternative was better, and its effect on the
reputation's low point and the service level (:func:`crisissim.lessons.paired`, the same
comparison the scenario's lessons are checked with). A verdict ("saved", "cost you") is said
only where the interval leaves out zero; otherwise it is too close to call. A card's days
count only where the card came up. The scenario's lessons are marked met or missed, and a
grade sets the trainee's play against the scenario's expert policy and against leaving
every card to its default, on the same days. Money in the scenario currency. No pygame.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from crisissim.engine.crisis import entry_kind
from crisissim.lessons import Arm, LessonError, Paired, expert_arm, judge, paired
from crisissim.lessons.arms import SHOWN, Replicate
from crisissim.lessons.evaluate import better_of, lesson_arms
from crisissim.policy.plan import Step, plan_of, replay
from crisissim.scenario.condition import Names, parse_condition
from crisissim.study.seeds import rep_seed
from crisissim.study.worker import Batch

__all__ = ["DEFAULT_REPS", "Debrief", "Effect", "Grade", "LessonCheck", "Row", "Step", "debrief_seeds", "plan_of",
           "replay"]

DEFAULT_REPS = 30
KEYS = ("total_loss", "reputation_min", "service_level")
WITHOUT = "without"  # an action's alternative: the same play without that use of it
CHUNK = 3  # days per task: progress moves every few runs
GRADES = ((0.9, "A"), (0.7, "B"), (0.5, "C"), (0.25, "D"))  # share of the expert's gain over hands-off


def debrief_seeds(seed: int, reps: int) -> list[int]:
    """The days of the debrief: the day played, then ``reps − 1`` more drawn from its seed."""
    return [int(seed)] + [rep_seed(seed, i) for i in range(1, reps)]


def verdict_of(p: Paired) -> str:
    """``saved`` (the alternative loses more: the 95% interval of alternative − yours is above 0),
    ``cost`` (below 0) or ``close`` (the interval holds 0, or too few days to tell)."""
    d = p.difference
    if p.n < 2 or not (math.isfinite(d.lo) and math.isfinite(d.hi)):
        return "close"
    if d.lo > 0:
        return "saved"
    if d.hi < 0:
        return "cost"
    return "close"


@dataclass(frozen=True)
class Effect:
    """An alternative against the trainee's own play, day by day: ``loss``, ``reputation`` (low
    point) and ``service`` (level) compare alternative (A) with yours (B); ``n`` days counted."""

    alt: str
    loss: Paired
    reputation: Paired
    service: Paired

    @property
    def verdict(self) -> str:
        return verdict_of(self.loss)

    @property
    def better_days(self) -> int:
        """Days on which the alternative lost less than the trainee's play."""
        return self.loss.wins


@dataclass
class Row:
    """A trainee's decision (a card answered, or by its deadline; an action used) and its alternatives."""

    index: int
    kind: str  # "card" | "action"
    id: str
    title: object
    option: str | None
    label: object
    by: str
    t: float
    debrief: object = ""
    default: str | None = None
    alternatives: list[str] = field(default_factory=list)
    effects: dict[str, Effect] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return len(self.effects) == len(self.alternatives)


@dataclass(frozen=True)
class Grade:
    """The trainee's play against the expert's and against hands-off, on the same days.

    ``vs_expert`` and ``vs_hands_off`` compare the other (A) with yours (B) on total loss;
    ``score`` is the share of the expert's gain over hands-off that the trainee's play made
    (1: as good as the expert; None when the expert gains nothing); ``letter`` A–D, or F."""

    vs_expert: Paired | None
    vs_hands_off: Paired
    score: float | None
    letter: str | None
    expert: str | None


@dataclass(frozen=True)
class LessonCheck:
    """A lesson of the scenario and whether the trainee's play met it: ``met``, ``missed``, ``close``
    (too few days to tell) or ``untested`` (``why``: a catalogue key with its fields); policy lessons
    carry the comparison (the trainee's play against the lesson's ``than`` policy, judged by the
    lesson's own rule, :func:`crisissim.lessons.judge`)."""

    lesson: object
    status: str
    why: str
    fields: dict
    comparison: Paired | None = None


class Debrief:
    """Plans the re-runs of a played run, collects their results and works out the statistics.

    ``decisions`` and ``events`` are the played run's (``Result.to_dict()``), ``played`` the
    finished simulation (for lessons with a ``given`` condition), ``base_dir`` the scenario's
    folder (for the expert's and the lessons' scripted policies). Give :meth:`jobs` to
    worker processes, hand each finished batch to :meth:`take`, and call :meth:`settle` (a
    little at a time) to turn complete arms into rows, a grade and lessons.
    """

    def __init__(self, scenario, seed: int, decisions: list[dict], events: list[dict], *, reps: int | None = None,
                 base_dir: str | Path | None = None, played=None):
        self.scenario = sc = scenario
        self.seed = int(seed)
        self.reps = int(reps or getattr(sc.scoring, "debrief_reps", DEFAULT_REPS) or DEFAULT_REPS)
        self.seeds = debrief_seeds(self.seed, self.reps)
        self.base_dir = Path(base_dir) if base_dir is not None else None
        self.arms: list[Arm] = []
        self.watch: list[set[str]] = []
        self.keys: list[set[str]] = []
        self._index: dict[tuple, int] = {}
        self.facilitated = any(entry_kind(d) == "inject" for d in decisions)
        plan, steps = plan_of(decisions, events)
        cards = {c.id: c for c in sc.decisions}
        own_cards = {d["card"] for d in decisions if entry_kind(d) == "card"}
        self.own = self._arm(Arm.from_log(decisions, events, "yours"), own_cards)
        self.rows: list[Row] = []
        self._row_arms: list[dict[str, int]] = []
        for i, s in steps:
            d = decisions[i]
            by = d.get("by", "trainee")
            if s.kind == "action":
                a = next(a for a in sc.actions if a.id == s.id)
                row = Row(i, "action", s.id, a.label, None, a.label, by, s.t, a.description)
                variants = {WITHOUT: [p for p in plan if p is not s]}
            elif s.kind == "card":
                c = cards[s.id]
                o = next(o for o in c.options if o.id == s.option)
                row = Row(i, "card", s.id, c.title, s.option, o.label, by, s.t, o.debrief, c.default)
                variants = {alt.id: _swap(plan, s, Step(s.t, "card", s.id, alt.id, s.shown))
                            for alt in c.options if alt.id != s.option}
            else:
                continue  # a facilitator's move: taken again on every day, not a choice of the trainee's
            row.alternatives = list(variants)
            watch = {s.id} if s.kind == "card" else set()
            self._row_arms.append({k: self._arm(Arm(f"{s.id}={k}", plan=tuple(p)), watch) for k, p in variants.items()})
            self.rows.append(row)
        self.hands_off = self._arm(Arm("default", "default"))
        self.expert: int | None = None
        self.expert_problem = ""
        if sc.expert and sc.expert != "default":
            try:
                self.expert = self._arm(expert_arm(sc, self.base_dir))
            except LessonError as e:
                self.expert_problem = str(e).splitlines()[0]
        elif sc.expert == "default":
            self.expert = self.hands_off
        self._lessons = self._plan_lessons(decisions, played)
        self.values = [{k: np.full(self.reps, np.nan) for k in sorted(ks)} for ks in self.keys]
        self.done = np.zeros((len(self.arms), self.reps), dtype=bool)
        self.grade: Grade | None = None
        self.lessons: list[LessonCheck] | None = None
        self.vs_hands_off: Paired | None = None
        self._todo = self._statistics()

    # ------------------------------------------------------------------ planning
    def _arm(self, arm: Arm, watch: AbstractSet[str] = frozenset(), keys: AbstractSet[str] = frozenset()) -> int:
        i = self._index.get(arm.key)
        if i is None:
            i = self._index[arm.key] = len(self.arms)
            self.arms.append(arm)
            self.watch.append(set())
            self.keys.append(set(KEYS))
        self.watch[i] |= set(watch)
        self.keys[i] |= {SHOWN + c for c in watch} | set(keys)
        return i

    def _plan_lessons(self, decisions: list[dict], played) -> list[tuple]:
        """Per lesson: (lesson, kind, detail) — an option lesson judged from the trainee's
        choice, a policy lesson by comparing the trainee's play with its ``than`` policy."""
        sc = self.scenario
        out: list[tuple] = []
        chosen = {d["card"]: d for d in decisions if entry_kind(d) == "card"}
        for n, les in enumerate(getattr(sc, "lessons", None) or []):
            if les.card is not None:
                held = None
                if les.given and played is not None:
                    held = bool(parse_condition(les.given, Names.of(sc)).evaluate(played.lookup))
                out.append((les, "option", (chosen.get(les.card), held)))
                continue
            try:
                _, b = lesson_arms(les, n, sc, self.base_dir)
                way = better_of(les)
            except LessonError as e:
                out.append((les, "broken", str(e).splitlines()[0]))
                continue
            self.keys[self.own].add(les.metric)
            out.append((les, "policy", (self._arm(b, keys={les.metric}), way)))
        return out

    def jobs(self, chunk: int = CHUNK) -> list[tuple]:
        """``(replicate, arm, days, seeds)`` for :func:`crisissim.game.background.run_days`, a few days
        of one arm each: the trainee's own play first, then each decision's alternatives in
        order, then hands-off, the expert and the lessons' policies."""
        order = [self.own] + [i for arms in self._row_arms for i in arms.values()]
        order += [i for i in range(len(self.arms)) if i not in order]
        out = []
        for level in order:
            rep = Replicate(self.arms[level], tuple(sorted(self.watch[level])))
            for start in range(0, self.reps, chunk):
                days = tuple(range(start, min(self.reps, start + chunk)))
                out.append((rep, level, days, tuple(self.seeds[r] for r in days)))
        return out

    @property
    def total_runs(self) -> int:
        return self.done.size

    @property
    def runs_done(self) -> int:
        return int(self.done.sum())

    # ---------------------------------------------------------------- collecting
    def take(self, batch: Batch) -> None:
        """Record a finished batch (a batch seen twice counts once)."""
        cols = self.values[batch.level]
        for r, m in zip(batch.reps, batch.metrics, strict=False):
            if self.done[batch.level, r]:
                continue
            for k, column in cols.items():
                column[r] = m.get(k, math.nan)
            self.done[batch.level, r] = True

    def ready(self, *arms: int) -> bool:
        return all(bool(self.done[i].all()) for i in arms)

    @property
    def finished(self) -> bool:
        return not self._todo

    def settle(self, budget: float | None = None) -> bool:
        """Work out the statistics whose runs are all in, for up to ``budget`` real seconds (all
        when None); True when everything is worked out."""
        start = time.perf_counter()
        while self._todo:
            need, work = self._todo[0]
            if not self.ready(*need):
                # another piece may be ready already: look further down the list
                k = next((k for k, (n, _) in enumerate(self._todo) if self.ready(*n)), None)
                if k is None:
                    return False
                need, work = self._todo.pop(k)
            else:
                self._todo.pop(0)
            work()
            if budget is not None and time.perf_counter() - start > budget:
                break
        return not self._todo

    def _statistics(self) -> list[tuple[tuple[int, ...], Callable[[], None]]]:
        """The pieces of work, each with the arms it needs: one paired comparison at a time."""
        todo: list[tuple[tuple[int, ...], Callable[[], None]]] = []
        for row, arms in zip(self.rows, self._row_arms, strict=False):
            for alt, i in arms.items():
                todo.append(((self.own, i), partial(self._effect, row, alt, i)))
        todo.append(((self.own, self.hands_off), self._vs_hands_off))
        need = (self.own, self.hands_off) + ((self.expert,) if self.expert is not None else ())
        todo.append((need, self._grade))
        lesson_arms_ = tuple(d[0] for les, kind, d in self._lessons if kind == "policy")
        todo.append(((self.own,) + lesson_arms_, self._judge_lessons))
        return todo

    def _column(self, arm: int, key: str) -> np.ndarray:
        return self.values[arm][key]

    def _effect(self, row: Row, alt: str, arm: int) -> None:
        keep = None
        if row.kind == "card":
            flag = SHOWN + row.id
            keep = (self._column(self.own, flag) > 0) & (self._column(arm, flag) > 0)
        row.effects[alt] = Effect(alt, *(paired(self._column(arm, k), self._column(self.own, k), way, keep, k)
                                         for k, way in (("total_loss", "lower"), ("reputation_min", "higher"),
                                                        ("service_level", "higher"))))

    def _vs_hands_off(self) -> None:
        self.vs_hands_off = paired(self._column(self.hands_off, "total_loss"), self._column(self.own, "total_loss"),
                                   "lower", None, "total_loss")

    def _grade(self) -> None:
        hands = self.vs_hands_off
        assert hands is not None  # worked out first (settle takes the earliest ready piece; its arms are the grade's)
        if self.expert is None:
            self.grade = Grade(None, hands, None, None, None)
            return
        loss = "total_loss"
        vs = paired(self._column(self.expert, loss), self._column(self.own, loss), "lower", None, loss)
        behind = vs.mean_b - vs.mean_a  # how much more the trainee lost than the expert, on average
        expert_gain = hands.mean_a - vs.mean_a  # hands-off − expert
        own_gain = hands.mean_a - hands.mean_b  # hands-off − yours
        score = own_gain / expert_gain if expert_gain > 0 else None
        if score is None:
            letter = None
        elif behind <= 0 or score >= GRADES[0][0]:
            letter = "A"  # no worse than the expert on average
        else:
            letter = next((g for cut, g in GRADES if score >= cut), "F")
        self.grade = Grade(vs, hands, score, letter, self.scenario.expert)

    def _judge_lessons(self) -> None:
        out = []
        for les, kind, detail in self._lessons:
            if kind == "broken":
                out.append(LessonCheck(les, "untested", "lesson.broken", {"why": detail}))
            elif kind == "option":
                d, held = detail
                out.append(self._option_lesson(les, d, held))
            else:
                arm, way = detail
                p = paired(self._column(self.own, les.metric), self._column(arm, les.metric), way, None, les.metric)
                holds, _ = judge(les, p)
                if holds:
                    status = "met"
                elif p.n == 0:
                    status = "untested"
                elif p.advantage <= 0 or p.share_high < les.share:
                    status = "missed"  # worse on average, or beating it that often is out of reach
                else:
                    status = "close"  # it may hold: too few days to tell
                fields = {"than": les.than, "metric": les.metric, "wins": p.wins, "n": p.n}
                out.append(LessonCheck(les, status, "lesson.policy", fields, p))
        self.lessons = out

    @staticmethod
    def _option_lesson(les, d: dict | None, held: bool | None) -> LessonCheck:
        fields = {"option": les.option, "than": les.than, "given": les.given or ""}
        if d is None:
            return LessonCheck(les, "untested", "lesson.not_shown", fields)
        if held is False:
            return LessonCheck(les, "untested", "lesson.not_given", fields)
        fields["chosen"] = d["option"]
        if d["option"] == les.option:
            return LessonCheck(les, "met", "lesson.chose", fields)
        if d["option"] == les.than:
            return LessonCheck(les, "missed", "lesson.chose", fields)
        return LessonCheck(les, "untested", "lesson.other", fields)

    def __getstate__(self) -> dict:
        """A finished debrief travels to a worker (for the report); its work list is empty then."""
        state = dict(self.__dict__)
        state["_todo"] = []
        return state

    def run_inline(self) -> Debrief:
        """Run every job here, one after the other (tests; ``crisissim report --workers 1``)."""
        from crisissim.game.background import run_days

        for job in self.jobs():
            self.take(run_days(self.scenario, *job))
        self.settle()
        return self


def _swap(plan: list[Step], old: Step, new: Step) -> list[Step]:
    """``plan`` with step ``old`` replaced by ``new`` (inserted by time when ``old`` is not in it:
    a card that timed out)."""
    pos = next((n for n, p in enumerate(plan) if p is old), None)
    if pos is not None:
        return plan[:pos] + [new] + plan[pos + 1:]
    n = sum(1 for p in plan if p.t <= new.t)
    return plan[:n] + [new] + plan[n:]
