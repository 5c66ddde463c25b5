"""``statement``: a public statement answering a crisis inject."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field

from crisissim.scenario.effects._base import EffectRun, Known, Lasting, Levers, Problems, Share, Started, unknown
from crisissim.scenario.units import Duration


class StatementEffect(Lasting):
    """A public statement answering a crisis inject. Its reputation gain halves every
    ``half_life`` of delay after the inject fired, and it cuts social spread by ``transparency``.
    A further statement answering the same inject counts ``reputation.statement_repeat`` times
    the one before, and every gain has diminishing returns near the ceiling (see ``reputation``).

    ``{effect: statement, answers: recall-news, reputation: 8, half_life: 2h, transparency: 0.5}``
    """

    effect: Literal["statement"]
    """The primitive's name (``statement``)."""
    answers: str
    """The inject (crisis event) this statement responds to."""
    reputation: float = Field(ge=-100, le=100, allow_inf_nan=False)
    """Reputation gained if made the moment the inject fires."""
    half_life: Duration = Field(120.0, gt=0)
    """Delay after which the gain is halved."""
    transparency: Share = 0.0
    """Share by which social self-excitation is cut while the statement is in force."""

    def check(self, known: Known) -> Problems:
        if self.answers not in known.injects:
            yield "answers", unknown("inject", self.answers, known.injects)

    def fold(self, levers: Levers) -> None:
        levers.alpha *= 1.0 - self.transparency

    def begin(self, run: EffectRun) -> Started:
        now = run.now
        fired = run.fired_at(self.answers)
        lag = max(0.0, now - fired) if fired is not None else 0.0
        repeat, discount = run.repeat_discount(self.answers)
        nominal = self.reputation * math.pow(2.0, -lag / self.half_life) * discount
        gain = run.shift_reputation(nominal)
        # "reputation" is the log's level, so the change is logged as "gain" (after diminishing
        # returns; "nominal" before them)
        started = Started({"gain": round(gain, 6), "nominal": round(nominal, 6), "lag": round(lag, 6),
                           "repeat": repeat})
        if self.transparency > 0:
            started.end = run.hold(self)
        return started
