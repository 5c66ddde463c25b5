"""The decisions a run must take at set points: a replayed log, or a policy's timed actions.

A decision log entry is ``{t, step, card|action|inject|message|mark, …, by}`` (see
:data:`~crisissim.engine.crisis.ENTRY_KINDS`). Decisions taken between events (by the
trainee or a facilitator, and every action) are applied at their *step* — the number of
events processed before them — so a replay reproduces the run bit for bit however the
original was advanced. A policy's answer to a card is applied when that card shows.
"""

from __future__ import annotations

from crisissim.engine.crisis import entry_kind, replay_error


class DecisionPlan:
    """Decisions still to apply: ``hooks`` by step, card ``answers`` by card id, and
    ``timed`` actions ``(minutes, action_id)`` of a policy's schedule."""

    def __init__(self, scenario, replay=None, policy=None):
        self.replaying = replay is not None
        self.hooks: list[dict] = []
        self.answers: dict[str, dict] = {}
        self.timed: list[tuple[float, str]] = []
        if replay is not None:
            self._load(scenario, replay)
        elif policy is not None and hasattr(policy, "scheduled_actions"):
            self.timed = sorted((float(t), a) for t, a in policy.scheduled_actions())

    def _load(self, scenario, replay) -> None:
        cards = {c.id: {o.id for o in c.options} for c in scenario.decisions}
        actions = {a.id for a in scenario.actions}
        injects = {i.id for i in scenario.injects}
        duration = scenario.meta.duration
        for i, e in enumerate(replay):
            e = {k: v for k, v in dict(e).items() if v is not None}
            e["index"] = i
            kind = entry_kind(e)
            if kind is None:
                raise replay_error(i, None, "a decision needs exactly one of card, action, inject, message, mark")
            if kind == "action" and e["action"] not in actions:
                raise replay_error(i, "action", f"unknown action {e['action']!r}")
            if kind == "inject" and e["inject"] not in injects:
                raise replay_error(i, "inject", f"unknown inject {e['inject']!r}")
            if kind == "card" and e.get("option") not in cards.get(e["card"], ()):
                raise replay_error(i, "option", f"card {e['card']!r} has no option {e.get('option')!r}")
            if not 0 <= e.get("t", 0.0) <= duration:
                raise replay_error(i, "t", f"{e['t']:g} minutes is outside the run (0 to {duration:g})")
            if kind != "card" or e.get("by") == "trainee":
                if "step" not in e:
                    raise replay_error(i, None, "a decision taken between events needs its step")
                self.hooks.append(e)
            elif e.get("by") == "policy":
                self.answers[e["card"]] = e
        self.hooks.sort(key=lambda e: e["step"])

    def check_done(self, steps: int) -> None:
        """At the end of a replay: a decision whose step the run never reached is an error."""
        if self.hooks:
            e = self.hooks[0]
            raise replay_error(e["index"], "step", f"step {e['step']:,} is never reached (the run ends after "
                                                   f"{steps:,} steps; the save was edited or is of another run)")

    def answer(self, card_id: str) -> tuple[str, str] | None:
        """The replayed answer to a card as it shows: ``(option, by)``, or None."""
        e = self.answers.pop(card_id, None)
        return (e["option"], e["by"]) if e else None
