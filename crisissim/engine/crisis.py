"""The crisis director: injects, decision cards and actions over the run.

Time-based injects and cards are scheduled up front; conditional ones are
checked on every clock tick. Every choice, by the trainee, a policy or the
deadline, goes through :meth:`Director.choose` and is recorded with the
simulation step it happened at, which makes a run replayable exactly. A
facilitator running a class may also fire any inject now, post a message to the
feed and mark a point in the log; those are recorded and replayed the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crisissim.engine.rng import generator
from crisissim.scenario.condition import Names, parse_condition


def happens(inj, seed: int) -> bool:
    """Whether an inject with a ``probability`` happens in this run: one draw from its own stream,
    the same in every decision branch of the seed (no draw when it is certain)."""
    if inj.probability >= 1.0:
        return True
    return bool(generator(seed, f"inject:{inj.id}:chance").random() < inj.probability)


def fire_time(inj, seed: int) -> float | None:
    """The time an inject's ``at`` says: fixed, or drawn once from its own stream."""
    if inj.at is None or isinstance(inj.at, float):
        return inj.at
    return float(inj.at.sample(generator(seed, f"inject:{inj.id}:time"), 1)[0])


TONES = ("negative", "neutral", "positive")
TEXT_MAX = 500  # characters of a facilitator's message or mark
MARK_KINDS = ("discussion", "pause", "resume", "speed")
"""What a facilitator's mark in the log stands for (the words are the game's)."""
ENTRY_KINDS = ("card", "action", "inject", "message", "mark")
"""The key that names what a decision-log entry does (exactly one per entry)."""


def entry_kind(entry: dict) -> str | None:
    """Which of :data:`ENTRY_KINDS` a decision-log entry is (None: none or several)."""
    kinds = [k for k in ENTRY_KINDS if entry.get(k) is not None]
    return kinds[0] if len(kinds) == 1 else None


class DecisionError(ValueError):
    """A decision or action that cannot be taken now (unknown id, card not open, on cooldown).

    For a replayed decision log, ``index`` and ``field`` say which entry is at fault and
    ``detail`` what is wrong with it."""

    def __init__(self, message: str, index: int | None = None, field: str | None = None, detail: str = ""):
        super().__init__(message)
        self.index, self.field, self.detail = index, field, detail


def replay_error(index: int, field: str | None, detail: str) -> DecisionError:
    """A :class:`DecisionError` about entry ``index`` (its ``field``) of a replayed decision log."""
    return DecisionError(f"decisions.{index}{'.' + field if field else ''}: {detail}", index, field, detail)


@dataclass
class OpenCard:
    """A card on the table: shown at ``shown`` (minutes), default taken at ``deadline``."""

    spec: Any  # the scenario's decision card
    shown: float
    deadline: float


class Director:
    """Runs injects, cards and actions for one simulation.

    It reaches the rest of the engine only through what it is given: the clock
    (time and timeouts), the event log, the effect runner, the ledger
    (option and action costs), the condition ``lookup`` and ``answer(card)``, which
    returns ``(option, by)`` when a policy or a replayed log answers a card at once, or
    None when the card waits for the trainee. ``seed`` draws whether and when random injects
    happen (each from its own stream).
    """

    def __init__(self, scenario, clock, log, effects, ledger, lookup, answer, seed: int = 0):
        sc = scenario
        self.clock = clock
        self.log = log
        self.effects = effects
        self.ledger = ledger
        self.lookup = lookup
        self.answer = answer
        names = Names.of(sc)
        self.fired_at: dict[str, float] = {}
        self.fire_count: dict[str, int] = {i.id: 0 for i in sc.injects}
        self.last_fired: dict[str, float] = {}
        self.cond_injects = [(i, parse_condition(i.when, names)) for i in sc.injects if i.when]
        self.cond_cards = [(c, parse_condition(c.when, names)) for c in sc.decisions if c.when]
        self.cards = {c.id: c for c in sc.decisions}
        self.actions = {a.id: a for a in sc.actions}
        self.open: dict[str, OpenCard] = {}
        self.closed: set[str] = set()
        self.uses: dict[str, int] = {a.id: 0 for a in sc.actions}
        self.ready_at: dict[str, float] = {a.id: 0.0 for a in sc.actions}
        self.decisions: list[dict] = []  # the replayable log
        self.awaiting = 0  # cards shown that waited for the trainee
        dur = sc.meta.duration
        self.happens = {i.id: happens(i, seed) for i in sc.injects}
        self.injects = {i.id: i for i in sc.injects}
        for inj in sc.injects:
            at = fire_time(inj, seed)
            if at is not None and at < dur and self.happens[inj.id]:
                self._at(at, lambda _e, inj=inj: self._timed_inject(inj))
        for card in sc.decisions:
            if card.at is not None and card.at < dur:
                self._at(card.at, lambda _e, card=card: self.show(card))

    def _at(self, t: float, fn) -> None:
        self.clock.after(max(0.0, t - self.clock.now), fn)

    # ------------------------------------------------------------------ injects
    def _limit(self, inj) -> float:
        if inj.limit is not None:
            return inj.limit
        return float("inf") if inj.every is not None else 1

    def _timed_inject(self, inj) -> None:
        self.fire(inj)
        if inj.every is not None and self.fire_count[inj.id] < self._limit(inj):
            self._at(self.clock.now + inj.every, lambda _e: self._timed_inject(inj))

    def fire(self, inj) -> None:
        now = self.clock.now
        self.fire_count[inj.id] += 1
        self.fired_at.setdefault(inj.id, now)
        self.last_fired[inj.id] = now
        self.log.add(now, "inject", id=inj.id, title=inj.title, text=inj.text, count=self.fire_count[inj.id])
        self.effects.schedule(inj.effects, source=f"inject:{inj.id}")

    def trigger(self, inject_id: str) -> None:
        """Fire an inject named by an incident, if it happens in this run and may fire again now."""
        inj = self.injects[inject_id]
        n = self.fire_count[inj.id]
        if not self.happens[inj.id] or n >= self._limit(inj):
            return
        if n and inj.every is not None and self.clock.now - self.last_fired[inj.id] < inj.every:
            return
        self.fire(inj)

    def check(self, now: float) -> None:
        """Fire conditional injects and show conditional cards whose conditions hold now."""
        lookup = self.lookup
        for inj, cond in self.cond_injects:
            if not self.happens[inj.id]:
                continue
            n = self.fire_count[inj.id]
            if n >= self._limit(inj):
                continue
            if n and (inj.every is None or now - self.last_fired[inj.id] < inj.every):
                continue
            if cond.evaluate(lookup):
                self.fire(inj)
        for card, cond in self.cond_cards:
            if card.id in self.closed or card.id in self.open:
                continue
            if cond.evaluate(lookup):
                self.show(card)

    # -------------------------------------------------------------------- cards
    def show(self, card) -> None:
        now = self.clock.now
        if card.id in self.open or card.id in self.closed:
            return
        oc = OpenCard(card, now, now + card.deadline)
        self.open[card.id] = oc
        self.log.add(now, "card_shown", id=card.id, title=card.title, deadline=oc.deadline)
        self._at(oc.deadline, lambda _e: self._deadline(card.id, oc))
        answer = self.answer(card)
        if answer is not None:
            self.choose(card.id, answer[0], by=answer[1])
        else:
            self.awaiting += 1

    def _deadline(self, card_id: str, oc: OpenCard) -> None:
        if self.open.get(card_id) is oc:
            self.choose(card_id, oc.spec.default, by="timeout")

    def choose(self, card_id: str, option_id: str, by: str = "trainee", step: int | None = None) -> dict:
        """Take ``option_id`` on the open card ``card_id``; return the decision record.

        ``step`` is the number of events processed before a decision taken between events
        (trainee, replay); None for one taken inside an event (policy at show, deadline).
        """
        if card_id not in self.cards:
            raise DecisionError(f"unknown decision card {card_id!r} (expected one of: {', '.join(self.cards)})")
        oc = self.open.get(card_id)
        if oc is None:
            state = "already decided" if card_id in self.closed else "not shown yet"
            raise DecisionError(f"decision card {card_id!r} is not open ({state})")
        options = {o.id: o for o in oc.spec.options}
        if option_id not in options:
            raise DecisionError(
                f"card {card_id!r} has no option {option_id!r} (expected one of: {', '.join(options)})"
            )
        opt = options[option_id]
        now = self.clock.now
        del self.open[card_id]
        self.closed.add(card_id)
        record = {"t": now, "step": step, "card": card_id, "option": option_id, "by": by}
        self.decisions.append(record)
        self.log.add(now, "decision", card=card_id, option=option_id, by=by, cost=opt.cost, waited=now - oc.shown)
        if opt.cost:
            self.ledger.add("actions", opt.cost)
        self.effects.schedule(opt.effects, source=f"card:{card_id}:{option_id}", delay=opt.delay, duration=opt.duration)
        return record

    # ------------------------------------------------------------------ actions
    def available(self, action_id: str, now: float) -> str | None:
        """Why ``action_id`` cannot be used now, or None if it can."""
        a = self.actions.get(action_id)
        if a is None:
            return f"unknown action {action_id!r} (expected one of: {', '.join(self.actions) or 'none'})"
        if a.limit is not None and self.uses[action_id] >= a.limit:
            return f"action {action_id!r} has been used its {a.limit} time(s)"
        if now < self.ready_at[action_id]:
            return f"action {action_id!r} is cooling down for {self.ready_at[action_id] - now:.1f} more minutes"
        return None

    def act(self, action_id: str, by: str = "trainee", step: int | None = None) -> dict:
        """Use an action now; raise :class:`DecisionError` if it is not available."""
        now = self.clock.now
        why = self.available(action_id, now)
        if why:
            raise DecisionError(why)
        a = self.actions[action_id]
        self.uses[action_id] += 1
        self.ready_at[action_id] = now + a.cooldown
        record = {"t": now, "step": step, "action": action_id, "by": by}
        self.decisions.append(record)
        self.log.add(now, "action", id=action_id, by=by, cost=a.cost)
        if a.cost:
            self.ledger.add("actions", a.cost)
        self.effects.schedule(a.effects, source=f"action:{action_id}", delay=a.delay, duration=a.duration)
        return record

    # -------------------------------------------------------------- facilitator
    def fire_now(self, inject_id: str, by: str = "facilitator", step: int | None = None) -> dict:
        """Fire inject ``inject_id`` now, whatever its time, condition, chance or limit."""
        inj = self.injects.get(inject_id)
        if inj is None:
            raise DecisionError(f"unknown inject {inject_id!r} (expected one of: {', '.join(self.injects) or 'none'})")
        record = self._record({"inject": inject_id, "by": by}, step)
        self.fire(inj)
        return record

    def post(self, text: str, tone: str = "neutral", by: str = "facilitator", step: int | None = None) -> dict:
        """A message in the social feed (it changes nothing else)."""
        text = _checked_text(text, "message")
        if tone not in TONES:
            raise DecisionError(f"message tone {tone!r} is not one of: {', '.join(TONES)}")
        record = self._record({"message": text, "tone": tone, "by": by}, step)
        self.log.add(self.clock.now, "message", text=text, tone=tone, by=by)
        return record

    def mark(self, kind: str = "discussion", text: str = "", by: str = "facilitator", step: int | None = None) -> dict:
        """A mark in the log: a discussion point, or the facilitator pausing or setting the speed."""
        if kind not in MARK_KINDS:
            raise DecisionError(f"mark {kind!r} is not one of: {', '.join(MARK_KINDS)}")
        text = _checked_text(text, "mark text", empty=True)
        record = self._record({"mark": kind, "text": text, "by": by}, step)
        self.log.add(self.clock.now, "mark", mark=kind, text=text, by=by)
        return record

    def _record(self, what: dict, step: int | None) -> dict:
        record = {"t": self.clock.now, "step": step, **what}
        self.decisions.append(record)
        return record

    def apply(self, entry: dict, step: int | None) -> dict:
        """Take a decision-log entry again (a replay) at ``step``."""
        by = entry.get("by", "trainee")
        kind = entry_kind(entry)
        if kind == "card":
            return self.choose(entry["card"], entry["option"], by=by, step=step)
        if kind == "action":
            return self.act(entry["action"], by=by, step=step)
        if kind == "inject":
            return self.fire_now(entry["inject"], by=by, step=step)
        if kind == "message":
            return self.post(entry["message"], entry.get("tone", "neutral"), by=by, step=step)
        if kind == "mark":
            return self.mark(entry["mark"], entry.get("text", ""), by=by, step=step)
        raise DecisionError(f"a decision needs one of: {', '.join(ENTRY_KINDS)}")


def _checked_text(text, what: str, empty: bool = False) -> str:
    if not isinstance(text, str):
        raise DecisionError(f"{what} must be text, got {type(text).__name__}")
    text = text.strip()
    if not text and not empty:
        raise DecisionError(f"{what} is empty")
    if len(text) > TEXT_MAX:
        raise DecisionError(f"{what} is {len(text)} characters long (at most {TEXT_MAX})")
    return text
