"""The run's log in words: decision-log entries and logged events as the trainee reads them.

Shared by the rewind list, the debrief, the facilitator's panel and the after-action report,
in the current language (:class:`crisissim.game.i18n.Words`). No pygame.
"""

from __future__ import annotations

from crisissim.engine.crisis import entry_kind

WHO = {"trainee": "who.trainee", "timeout": "who.timeout", "policy": "who.policy", "facilitator": "who.facilitator"}
MARKS = {"discussion": "log.mark_discussion", "pause": "log.mark_pause", "resume": "log.mark_resume"}


def who(w, by: str) -> str:
    """``you``, ``time ran out, default``, ``policy``, ``facilitator`` in the current language."""
    return w(WHO[by]) if by in WHO else by


def option_label(sc, card_id: str, option_id: str):
    card = next((c for c in sc.decisions if c.id == card_id), None)
    opt = next((o for o in card.options if o.id == option_id), None) if card else None
    return (card.title if card else card_id), (opt.label if opt else option_id)


def inject_title(sc, inject_id: str):
    inj = next((i for i in sc.injects if i.id == inject_id), None)
    return (inj.title or inj.id) if inj is not None else inject_id


def entry_text(sc, w, e: dict) -> str:
    """One decision-log entry: ``Recall? → Full recall``, ``Action: Overtime``, ``Fired: Press story``…"""
    kind = entry_kind(e)
    if kind == "card":
        title, label = option_label(sc, e["card"], e["option"])
        return w("log.card", title=w.of(title), option=w.of(label))
    if kind == "action":
        a = next((a for a in sc.actions if a.id == e["action"]), None)
        return w("log.action", action=w.of(a.label) if a else e["action"])
    if kind == "inject":
        return w("log.inject", inject=w.of(inject_title(sc, e["inject"])))
    if kind == "message":
        return w("log.message", text=e["message"], tone=w(f"tone.{e.get('tone', 'neutral')}"))
    if kind == "mark":
        return mark_text(w, e.get("mark", "discussion"), e.get("text", ""))
    return "?"


def mark_text(w, mark: str, text: str = "") -> str:
    """A facilitator's mark: a discussion point (with its words), a pause, a speed."""
    if mark == "speed":
        return w("log.mark_speed", speed=text or "?")
    base = w(MARKS[mark]) if mark in MARKS else mark
    return w("log.mark_with_text", mark=base, text=text) if text else base
