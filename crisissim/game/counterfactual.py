"""What each decision cost or saved: the same seed re-run with one decision changed.

A run is replayed *by time*: every trainee choice is applied at the simulated minute
it was taken (``run_until(t)`` then ``decide``/``act``), so replaying the unchanged
log reproduces the played run exactly, and a variant differs from it only in the one
decision changed, under common random numbers (the engine's streams are per contact
type and purpose). When a change moves a later card (a conditional card opens at
another time), that card is answered as many minutes after it opens as the trainee
took; a card that never opens is skipped, an action that is not available is
skipped. Money in the scenario currency, time in minutes. No pygame here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crisissim.engine import DecisionError, Simulation

GRID = 1.0  # minutes between looks for a moved card


@dataclass(frozen=True)
class Step:
    """One planned choice: a card's option (``shown``: when the card opened) or an action."""

    t: float
    kind: str  # "card" | "action"
    id: str
    option: str | None = None
    shown: float | None = None


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


def plan_of(decisions: list[dict], events: list[dict]) -> tuple[list[Step], list[tuple[int, Step]]]:
    """The replay plan of a played run and, per decision, the step it stands for.

    Timeouts are not in the plan (the engine takes them by itself); they are listed with
    their deadline as the moment an alternative would have been chosen.
    """
    shown = {}
    for e in events:
        if e["kind"] == "card_shown":
            shown.setdefault(e["id"], e["t"])
    plan, rows = [], []
    for i, d in enumerate(decisions):
        if "action" in d:
            s = Step(d["t"], "action", d["action"])
        else:
            s = Step(d["t"], "card", d["card"], d["option"], shown.get(d["card"], d["t"]))
        if d.get("by") != "timeout":
            plan.append(s)
        rows.append((i, s))
    return plan, rows


def _when(s: Step, open_cards: dict) -> float | None:
    """When ``s`` is due now that we know which cards are open (None: its card is not open)."""
    if s.kind == "action":
        return s.t
    c = open_cards.get(s.id)
    if c is None:
        return None
    return s.t if c.shown == s.shown else c.shown + (s.t - s.shown)


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
                    if s.kind == "action":
                        sim.act(s.id)
                    else:
                        sim.decide(s.id, s.option)
                except DecisionError:
                    pass  # not available in this variant
            continue
        if waiting:
            nxt = min(nxt, now + GRID)
        sim.run_until(nxt)
    return sim


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
