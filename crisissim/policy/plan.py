"""Decisions replayed by time: a played run's choices applied to a run under any seed.

A plan is a list of :class:`Step`: every trainee choice applied at the simulated minute it
was taken (``run_until(t)`` then ``decide``/``act``), so replaying the unchanged log under the
played seed reproduces the played run exactly, and the same plan under another seed plays
the same choices on another day (common random numbers make two plans comparable seed by
seed). When a card opens at another time than in the played run (a conditional card), it is
answered as many minutes after it opens as the trainee took; a card that never opens is
skipped, an action that is not available is skipped. A facilitator's moves (an inject fired,
a message, a mark) are taken again at their minute. Time in minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from crisissim.engine import DecisionError, Simulation
from crisissim.engine.crisis import entry_kind

GRID = 1.0  # minutes between looks for a moved card


@dataclass(frozen=True)
class Step:
    """One planned choice: a card's option (``shown``: when the card opened) or an action."""

    t: float
    kind: str  # "card" | "action" | a facilitator's "inject" | "message" (id: tone) | "mark" (id: kind)
    id: str
    option: str | None = None
    shown: float | None = None
    text: str | None = None  # a facilitator's message or mark


def plan_of(decisions: list[dict], events: list[dict]) -> tuple[list[Step], list[tuple[int, Step]]]:
    """The replay plan of a played run and, per decision, the step it stands for.

    Timeouts are not in the plan (the engine takes them by itself); they are listed with
    their deadline as the moment an alternative would have been chosen.
    """
    shown: dict[str, float] = {}
    for e in events:
        if e["kind"] == "card_shown":
            shown.setdefault(e["id"], e["t"])
    plan, rows = [], []
    for i, d in enumerate(decisions):
        kind = entry_kind(d)
        if kind == "card":
            s = Step(d["t"], "card", d["card"], d["option"], shown.get(d["card"], d["t"]))
        elif kind == "message":
            s = Step(d["t"], "message", d.get("tone") or "neutral", text=d["message"])
        elif kind == "mark":
            s = Step(d["t"], "mark", d["mark"], text=d.get("text") or "")
        else:
            s = Step(d["t"], cast(str, kind), d[kind])
        if d.get("by") != "timeout":
            plan.append(s)
        rows.append((i, s))
    return plan, rows


def _when(s: Step, open_cards: dict) -> float | None:
    """When ``s`` is due now that we know which cards are open (None: its card is not open)."""
    if s.kind != "card":
        return s.t
    c = open_cards.get(s.id)
    if c is None:
        return None
    return s.t if c.shown == s.shown else c.shown + (s.t - cast(float, s.shown))  # a card step has both


def take(sim: Simulation, s: Step) -> None:
    """Take step ``s`` now (raise :class:`DecisionError` if it cannot be taken)."""
    if s.kind == "card":
        sim.decide(s.id, cast(str, s.option))
    elif s.kind == "action":
        sim.act(s.id)
    elif s.kind == "inject":
        sim.fire_inject(s.id)
    elif s.kind == "message":
        sim.post_message(s.text or "", s.id)
    else:
        sim.mark(s.id, s.text or "")


def replay(scenario, seed: int, plan: list[Step]) -> Simulation:
    """Run ``scenario`` under ``seed`` applying ``plan`` by time; return the finished simulation."""
    sim = Simulation(scenario, seed)
    todo = list(enumerate(plan))
    seen = 0
    shown: set[str] = set()
    while not sim.finished:
        now = sim.now
        new = sim.events_since(seen)
        for e in new:
            if e["kind"] == "card_shown":
                shown.add(e["id"])
        seen += len(new)
        open_cards = {c.id: c for c in sim.snapshot().open_cards}
        due, keep, waiting, nxt = [], [], False, sim.duration
        for k, s in todo:
            w = _when(s, open_cards)
            if w is None:
                if s.id not in shown:  # not shown yet: look again soon
                    waiting = True
                    keep.append((k, s))
                continue  # shown and closed by its deadline first: skipped
            if w <= now:
                due.append((k, s))
            else:
                keep.append((k, s))
                nxt = min(nxt, w)
        todo = keep
        if due:
            for _, s in due:
                try:
                    take(sim, s)
                except DecisionError:
                    pass  # not available in this variant
            continue
        if waiting:
            nxt = min(nxt, now + GRID)
        sim.run_until(nxt, stop_on_card=True)  # a card answered at once is answered the moment it opens
    return sim
