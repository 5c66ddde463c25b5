"""What each decision cost or saved: the same seed re-run with one decision changed.

A run is replayed *by time* (:mod:`crisissim.policy.plan`): replaying the unchanged log
reproduces the played run exactly, and a variant differs from it only in the one
decision changed, under common random numbers (the engine's streams are per contact
type and purpose). Money in the scenario currency, time in minutes. No pygame here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crisissim.policy.plan import Step, plan_of, replay

__all__ = ["Debrief", "Row", "Step", "counterfactuals", "debrief_rows", "plan_of", "replay"]


@dataclass
class Row:
    """A decision of the played run and the loss of the same run with it changed."""

    index: int
    kind: str
    id: str
    title: str
    option: str | None
    label: str
    by: str
    t: float
    debrief: str = ""
    default: str | None = None
    variants: dict[str, float] = field(default_factory=dict)  # option (or "without") -> total loss


@dataclass
class Debrief:
    """The rows, and the loss of the same day left alone (every card its default, no actions)."""

    rows: list[Row]
    hands_off: float


def debrief_rows(scenario, seed: int, decisions: list[dict], events: list[dict]):
    """Yield, one re-run at a time, ``None`` while working and finally a :class:`Debrief`.

    For a card: the loss with each other option taken at the same moment (a timeout's
    alternatives at its deadline). For an action: the loss without that use of it.
    """
    plan, steps = plan_of(decisions, events)
    hands_off = replay(scenario, seed, []).total_loss()
    yield None
    cards = {c.id: c for c in scenario.decisions}
    actions = {a.id: a for a in scenario.actions}
    rows = []
    for i, s in steps:
        d = decisions[i]
        if s.kind == "action":
            a = actions[s.id]
            rows.append(Row(i, "action", s.id, a.label, None, a.label, d.get("by", "trainee"), s.t, a.description))
            variants = {"without": [p for p in plan if p is not s]}
        else:
            c = cards[s.id]
            opts = {o.id: o for o in c.options}
            o = opts[s.option]
            rows.append(Row(i, "card", s.id, c.title, s.option, o.label, d.get("by", "trainee"), s.t, o.debrief, c.default))
            base = [p for p in plan if p is not s]
            pos = next((n for n, p in enumerate(plan) if p is s), None)
            variants = {}
            for alt in opts:
                if alt == s.option:
                    continue
                v = Step(s.t, "card", s.id, alt, s.shown)
                variants[alt] = base[:pos] + [v] + base[pos:] if pos is not None else _insert(base, v)
        for key, p in variants.items():
            rows[-1].variants[key] = replay(scenario, seed, p).total_loss()
            yield None
    yield Debrief(rows, hands_off)


def _insert(plan: list[Step], s: Step) -> list[Step]:
    """``plan`` with ``s`` placed after every step at or before its time."""
    n = sum(1 for p in plan if p.t <= s.t)
    return plan[:n] + [s] + plan[n:]


def counterfactuals(scenario, seed: int, decisions: list[dict], events: list[dict]) -> Debrief:
    """The whole debrief at once (see :func:`debrief_rows`)."""
    out = None
    for out in debrief_rows(scenario, seed, decisions, events):
        pass
    return out
