"""Decisions and actions on their way: taken, not yet in effect, or in effect for a while (no pygame).

The engine starts an option's or action's effects exactly ``delay`` minutes after it was
taken and ends lasting ones after their duration, so the dashboard knows from the log
alone when each will take effect ("takes effect at 10:45") and until when it lasts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pending:
    """One use of an option or action: ``source`` as the engine names it (``card:recall:wait``,
    ``action:faq``), the spec it came from, when it was taken, starts and (if it lasts) ends."""

    source: str
    spec: object
    taken: float
    starts: float
    ends: float | None

    def state(self, now: float) -> str:
        """``pending`` (not yet in effect), ``active`` (in effect, lasting) or ``done``."""
        if now < self.starts - 1e-9:
            return "pending"
        if self.ends is not None and now < self.ends - 1e-9:
            return "active"
        return "done"


def lasting_end(spec, start: float) -> float | None:
    """When the last lasting effect of ``spec`` ends (None: the effects are instant or last to the end)."""
    ends = []
    for e in spec.effects:
        span = getattr(e, "duration", None)
        if span is None:
            span = spec.duration
        if e.effect in ("cost", "reputation", "surge"):
            continue
        if e.effect == "statement" and not e.transparency:
            continue
        if span is None:
            return None
        ends.append(start + span)
    return max(ends) if ends else None


def from_event(sc, e: dict) -> Pending | None:
    """The :class:`Pending` of a ``decision`` or ``action`` log event, or None when it does nothing."""
    if e["kind"] == "decision":
        card = next((c for c in sc.decisions if c.id == e["card"]), None)
        spec = next((o for o in card.options if o.id == e["option"]), None) if card else None
        source = f"card:{e['card']}:{e['option']}"
    elif e["kind"] == "action":
        spec = next((a for a in sc.actions if a.id == e["id"]), None)
        source = f"action:{e['id']}"
    else:
        return None
    if spec is None or not spec.effects:
        return None
    start = e["t"] + spec.delay
    return Pending(source, spec, e["t"], start, lasting_end(spec, start))
