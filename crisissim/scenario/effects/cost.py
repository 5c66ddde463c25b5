"""``cost``: a one-off payment."""

from __future__ import annotations

from typing import Literal

from crisissim.scenario.effects._base import EffectKind, EffectRun, Money, Started


class CostEffect(EffectKind):
    """A one-off payment: ``{effect: cost, amount: 50000}`` (e.g. a product recall)."""

    effect: Literal["cost"]
    """The primitive's name (``cost``)."""
    amount: Money
    """Money paid when the effect starts."""

    def begin(self, run: EffectRun) -> Started:
        run.pay(self.amount)
        return Started({"amount": self.amount})
