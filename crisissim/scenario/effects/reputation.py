"""``reputation``: an instant reputation change."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from crisissim.scenario.effects._base import EffectKind, EffectRun, Started


class ReputationEffect(EffectKind):
    """An instant reputation change: ``{effect: reputation, delta: -15}`` (a media story) or ``+5``."""

    effect: Literal["reputation"]
    """The primitive's name (``reputation``)."""
    delta: float = Field(ge=-100, le=100, allow_inf_nan=False)
    """Points added to reputation (0–100 scale); negative for a shock."""

    def begin(self, run: EffectRun) -> Started:
        run.shift_reputation(self.delta)
        return Started({"delta": self.delta})
