"""The rule: a paired comparison's numbers, and whether a lesson holds on them.

:func:`paired` turns the per-replication values of two arms (same seeds) into a
:class:`Paired`: the share of replications A wins with its exact (Clopper–Pearson) interval
and the paired mean difference with its Student-t interval. :func:`judge` applies the rule
documented under ``Lesson`` in ``scenarios/FORMAT.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from crisissim.scenario.lessons import Lesson
from crisissim.scenario.text import Text, text_in
from crisissim.study.stats import Estimate, estimate, share_interval

LEVEL = 0.95
"""Confidence level of every interval reported."""


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
