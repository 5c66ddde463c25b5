"""``rate``: multiply arrival rates for a while."""

from __future__ import annotations

from typing import Literal

from crisissim.scenario.effects._base import (
    EffectRun,
    Factor,
    Known,
    Lasting,
    Levers,
    Problems,
    Started,
    type_or_channel,
)


class RateEffect(Lasting):
    """Multiply arrival rates: ``{effect: rate, target: defect, factor: 0.6, duration: 4h}``."""

    effect: Literal["rate"]
    """The primitive's name (``rate``)."""
    target: str | None = None
    """A contact type or channel name; omitted means every contact type."""
    factor: Factor
    """Multiplier on the arrival rate (0.6 = 40% fewer contacts)."""

    def check(self, known: Known) -> Problems:
        return type_or_channel("target", self.target, known)

    def fold(self, levers: Levers) -> None:
        for i in levers.targets(self.target):
            levers.rate[i] *= self.factor

    def begin(self, run: EffectRun) -> Started:
        # only a rate factor enters the thinning bound; rebound just the types it names,
        # so other types keep their candidate streams (common random numbers)
        return Started(end=run.hold(self, rebound=run.targets(self.target)))
