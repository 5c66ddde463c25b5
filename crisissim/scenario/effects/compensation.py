"""``compensation``: a payment per resolved contact, which lowers churn."""

from __future__ import annotations

from typing import Literal

from crisissim.scenario.effects._base import Known, Lasting, Levers, Money, Problems, type_or_channel


class CompensationEffect(Lasting):
    """Pay every customer whose contact is resolved: ``{effect: compensation, amount: 50}``; lowers their churn."""

    effect: Literal["compensation"]
    """The primitive's name (``compensation``)."""
    amount: Money
    """Money per resolved contact."""
    target: str | None = None
    """A contact type or channel name; omitted means every contact type."""

    def check(self, known: Known) -> Problems:
        return type_or_channel("target", self.target, known)

    def fold(self, levers: Levers) -> None:
        for i in levers.targets(self.target):
            levers.compensation[i] += self.amount
