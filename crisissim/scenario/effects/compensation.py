"""``compensation``: a payment per resolved contact: lower churn, goodwill, turned posts (service recovery)."""

from __future__ import annotations

from typing import Literal

from crisissim.scenario.effects._base import Known, Lasting, Levers, Money, Problems, type_or_channel, unknown


class CompensationEffect(Lasting):
    """Pay every customer whose contact is resolved: ``{effect: compensation, amount: 50, segment: vip}``.

    A compensated customer is less likely to leave, speaks well of us (goodwill) and may turn a
    negative post positive, with a strength that saturates past the fair amount (see ``recovery``).
    Several compensation effects in force for the same customers add up."""

    effect: Literal["compensation"]
    """The primitive's name (``compensation``)."""
    amount: Money
    """Money per resolved contact."""
    target: str | None = None
    """A contact type or channel name; omitted means every contact type."""
    segment: str | None = None
    """A customer segment; omitted means every segment."""

    def check(self, known: Known) -> Problems:
        yield from type_or_channel("target", self.target, known)
        if self.segment is not None and self.segment not in known.segments:
            yield "segment", unknown("segment", self.segment, known.segments)

    def fold(self, levers: Levers) -> None:
        segments = [levers.segment_names.index(self.segment)] if self.segment else range(len(levers.segment_names))
        for i in levers.targets(self.target):
            for k in segments:
                levers.compensation[i][k] += self.amount
