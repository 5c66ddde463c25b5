"""``resolution``: change first-contact resolution."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from crisissim.scenario.effects._base import Known, Lasting, Levers, Problems, type_or_channel


class ResolutionEffect(Lasting):
    """Change first-contact resolution: ``{effect: resolution, delta: 0.1, target: defect}``."""

    effect: Literal["resolution"]
    """The primitive's name (``resolution``)."""
    delta: float = Field(ge=-1, le=1, allow_inf_nan=False)
    """Added to the first-contact-resolution probability (clamped to [0, 1])."""
    target: str | None = None
    """A contact type or channel name; omitted means every contact type."""

    def check(self, known: Known) -> Problems:
        return type_or_channel("target", self.target, known)

    def fold(self, levers: Levers) -> None:
        for i in levers.targets(self.target):
            levers.fcr_delta[i] += self.delta
