"""Lessons: what a scenario teaches, written as claims that paired replications check.

A lesson says that one choice beats another on a metric in at least a share of paired
replications: an option lesson compares two options of one card (the other cards answered
by a stated policy), a policy lesson two policies. ``crisissim lessons FILE`` runs each
with common random numbers and reports whether it holds (the rule is under ``Lesson``).
Policies named in a scenario are data, never code: a built-in name or a scripted policy
file inside the scenario's folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from crisissim.scenario.text import LocalText5000

Ident = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$", max_length=64)]
PolicySpec = Annotated[str, Field(min_length=1, max_length=500)]

BUILTIN_POLICIES = ("default", "first", "random")
"""Policies a scenario may name besides its own scripted files (see ``crisissim.policy``)."""

METRICS: dict[str, Literal["lower", "higher"] | None] = {
    "total_loss": "lower",
    "loss_churn_margin": "lower",
    "loss_acquisition": "lower",
    "loss_churn_tail": "lower",
    "loss_compensation": "lower",
    "loss_retention": "lower",
    "loss_staff_regular": "lower",
    "loss_staff_overtime": "lower",
    "loss_actions": "lower",
    "loss_incidents": "lower",
    "loss_retrieval": "lower",
    "loss_fines": "lower",
    "loss_exposure_tail": "lower",
    "arrived": None,
    "served": None,
    "abandoned": "lower",
    "abandon_rate": "lower",
    "service_level": "higher",
    "wait_mean": "lower",
    "wait_p50": "lower",
    "wait_p90": "lower",
    "wait_p99": "lower",
    "reputation_final": "higher",
    "reputation_min": "higher",
    "churned": "lower",
    "incidents": "lower",
    "occupancy": None,
}
"""The metrics a lesson can compare (a run's ``Result.metrics()`` names) and which way is better:
lower for losses, waits, abandonment, churn and incidents, higher for reputation and service level; the
rest (``arrived``, ``served``, ``occupancy``) need ``better:``. A metric the engine adds is
added here too (a test compares the two lists)."""


class Lesson(BaseModel):
    """A claim the scenario teaches, checked by ``crisissim lessons`` on paired replications.

    An **option lesson** (``card``, ``option``, ``than``) claims that taking ``option`` on the
    card beats taking ``than``, every other card answered by ``others``. A **policy lesson**
    (``policy``, ``than``) claims that one policy beats another. Both arms of a replication use
    the same seed and random streams (common random numbers), so they differ only by the choice.
    Replications in which the card is never shown, or in which ``given`` is false at the end of
    the ``than`` arm's run, are left out. In each replication left in, A *beats* B when it is
    strictly better on ``metric``. The lesson **holds** when the lower end of the exact
    (Clopper–Pearson) 95% interval of the share of replications A beats B in is at least
    ``share``, and A is better on average (the paired mean difference is on the better side).
    So a false claim (a true share below ``share``) passes at most 1 time in 40 whatever the
    number of replications, and a true claim needs a margin over ``share`` to pass with few: with
    30 replications, winning all gives a lower end of 0.88 and winning 28 gives 0.78. State the
    share the case shows with margin, check it with ``--reps 200``, and pick the replications
    of quick checks from the margin."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    id: Ident
    """Identifier, unique among the lessons."""
    text: LocalText5000
    """What the trainee should learn: a sentence, or one per language (``{en: …, zh: …}``)."""
    card: Ident | None = None
    """Option lesson: the decision card."""
    option: Ident | None = None
    """Option lesson: the option claimed to be better (A)."""
    policy: PolicySpec | None = None
    """Policy lesson: the policy claimed to be better (A): ``default``, ``first``, ``random`` or
    ``scripted:FILE.yaml`` (relative to the scenario file, inside its folder)."""
    than: PolicySpec
    """What A beats (B): an option of ``card``, or a policy for a policy lesson."""
    others: PolicySpec | None = None
    """Option lesson: the policy answering the other cards (default: ``expert``, else ``default``)."""
    metric: str = Field("total_loss", max_length=64)
    """The metric compared: ``total_loss``, ``reputation_min``, ``service_level``, a loss part such
    as ``loss_compensation`` … (the names of a run's metrics, see the list under Lessons)."""
    better: Literal["lower", "higher"] | None = None
    """Which way is better; defaults by metric (lower for losses, higher for reputation and
    service level)."""
    share: Annotated[float, Field(ge=0.5, lt=1, allow_inf_nan=False)] = 0.5
    """Least share of the replications in which A must beat B."""
    given: str | None = Field(None, max_length=2000)
    """Only replications where this condition holds at the end of the ``than`` arm's run, e.g.
    ``fired.hub-down > 0``; a card whose better answer depends on what happens needs one lesson
    per branch (``given: X`` and ``given: not (X)``)."""

    @model_validator(mode="after")
    def _check(self) -> Lesson:
        if self.policy is not None:
            extra = [f for f in ("card", "option", "others") if getattr(self, f) is not None]
            if extra:
                raise ValueError(f"a policy lesson compares policies; drop {', '.join(extra)} "
                                 "(or drop policy for an option lesson)")
        elif self.card is None or self.option is None:
            raise ValueError("give card and option (an option lesson) or policy (a policy lesson)")
        elif self.option == self.than:
            raise ValueError(f"option and than are both '{self.option}' (expected two different options)")
        return self


EXAMPLE = """\
expert: scripted:policies/product-recall-responsive.yaml   # the game grades against it
lessons:
  - id: recall-early
    text: {en: A full recall beats waiting for more data., zh: 全面召回胜过等待更多数据。}
    card: recall
    option: full-recall
    than: wait               # other cards answered by `others`, default: the expert
    metric: total_loss       # lower is better
    share: 0.8               # A wins in at least 80% of the paired replications
  - id: team-keeps-trust
    text: A responsive team keeps reputation above doing nothing.
    policy: scripted:policies/product-recall-responsive.yaml
    than: default
    metric: reputation_min   # higher is better
    share: 0.9
  - id: apologise-when-in-the-news
    text: Once the national news has the story, apologise at once.
    card: statement
    option: apologise-now
    than: no-comment
    given: fired.press > 0   # only replications where the story broke (in the `than` run)
  - id: quiet-day
    text: On a quiet day an apology still beats silence.
    card: statement
    option: apologise-now
    than: no-comment
    given: not (fired.press > 0)
"""
"""A ``lessons:`` section for ``scenarios/product-recall.yaml`` (checked to validate by the tests)."""


def policy_path(spec: str) -> str | None:
    """The file a scripted policy spec names (``scripted:FILE`` or ``FILE.yaml``), else None."""
    text = spec.strip()
    if text.startswith("scripted:"):
        return text[len("scripted:"):].strip()
    if text.lower().endswith((".yaml", ".yml")):
        return text
    return None


def check_policy(spec: str, base_dir: Path | None) -> str | None:
    """Why a scenario may not name policy ``spec`` (None if it may).

    Allowed: a built-in name, or a scripted policy file given relative to the scenario's
    folder that stays inside it (symbolic links included, when ``base_dir`` is known). Python
    policies (``module:function``) are code and are refused: shared files are data. Whether
    the file exists is :func:`missing_policy`'s question.
    """
    text = spec.strip()
    if text in BUILTIN_POLICIES:
        return None
    path = policy_path(text)
    expected = "expected default, first, random or scripted:FILE.yaml inside the scenario's folder"
    if path is None:
        if ":" in text or text.endswith(".py"):
            return (f"a scenario cannot name Python policy {text!r}: shared files are data, Python policies are "
                    f"given on the command line only ({expected})")
        import difflib

        close = difflib.get_close_matches(text, BUILTIN_POLICIES, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"unknown policy {text!r}{hint} ({expected})"
    if not path:
        return f"scripted: needs a file ({expected})"
    p = Path(path)
    if p.is_absolute() or p.drive or path.startswith(("/", "\\")) or ".." in Path(path.replace("\\", "/")).parts:
        return f"policy file {path!r} must be a relative path inside the scenario's folder ({expected})"
    if base_dir is None:
        return None
    try:
        base = Path(os.path.realpath(base_dir))
        full = Path(os.path.realpath(base / path))
    except (OSError, ValueError):
        return f"policy file {path!r} cannot be resolved ({expected})"
    if not full.is_relative_to(base):
        return f"policy file {path!r} leads outside the scenario's folder ({expected})"
    return None


def missing_policy(spec: str, base_dir: Path | None) -> str | None:
    """Why the scripted policy file ``spec`` names cannot be read from ``base_dir`` (None if it can,
    or if ``spec`` names no file). A scenario copied without its policies still runs; its lessons
    and the game's grading need the file."""
    path = policy_path(spec)
    if path is None or base_dir is None or check_policy(spec, base_dir) is not None:
        return None
    if not resolve_policy_path(spec, base_dir).is_file():
        return (f"policy file {path!r} not found in {base_dir} (the scenario runs, but its lessons and the "
                "game's grading need the file)")
    return None


def resolve_policy_path(spec: str, base_dir: Path | str) -> Path:
    """The absolute file of a scripted policy spec checked by :func:`check_policy`."""
    path = policy_path(spec)
    if path is None:
        raise ValueError(f"{spec!r} is not a scripted policy")
    return Path(os.path.realpath(Path(base_dir) / path))
