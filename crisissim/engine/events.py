"""The event log: everything a trainee can act on or learn from, with loss and reputation then."""

from __future__ import annotations


class EventLog:
    """Append-only list of events: dicts with ``t`` (minutes) and a ``kind`` of ``inject``,
    ``card_shown``, ``decision``, ``action``, ``effect_start`` or ``effect_end``."""

    def __init__(self, total_loss, reputation_at):
        self._total_loss = total_loss  # total_loss(t)
        self._reputation_at = reputation_at  # reputation_at(t)
        self.events: list[dict] = []

    def add(self, t: float, kind: str, **detail) -> dict:
        ev = {
            "t": round(t, 9),
            "kind": kind,
            **detail,
            "loss": round(self._total_loss(t), 6),
            "reputation": round(self._reputation_at(t), 6),
        }
        self.events.append(ev)
        return ev
