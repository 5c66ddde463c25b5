"""``deflect``: self-service absorbs a share of new contacts."""

from __future__ import annotations

from typing import Literal

from crisissim.scenario.effects._base import Known, Lasting, Levers, Problems, Share, type_or_channel


class DeflectEffect(Lasting):
    """Self-service absorbs a share of new contacts: ``{effect: deflect, share: 0.2, target: billing}``."""

    effect: Literal["deflect"]
    """The primitive's name (``deflect``)."""
    share: Share
    """Share of new contacts that never reach an agent."""
    target: str | None = None
    """A contact type or channel name; omitted means every contact type."""

    def check(self, known: Known) -> Problems:
        return type_or_channel("target", self.target, known)

    def fold(self, levers: Levers) -> None:
        for i in levers.targets(self.target):
            levers.deflect_keep[i] *= 1.0 - self.share
