"""``fine``: a regulator's fine or penalty."""

from __future__ import annotations

from typing import Literal

from crisissim.scenario.effects._base import EffectKind, EffectRun, Money, Started


class FineEffect(EffectKind):
    """A regulator's fine or penalty (compliance risk, seed 001): ``{effect: fine, amount: 500000}``,
    booked to the loss part ``fines``."""

    effect: Literal["fine"]
    """The primitive's name (``fine``)."""
    amount: Money
    """Money paid when the effect starts."""

    def begin(self, run: EffectRun) -> Started:
        run.fine(self.amount)
        return Started({"amount": self.amount})
