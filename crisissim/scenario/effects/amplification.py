"""``amplification``: scale social spread."""

from __future__ import annotations

from typing import Literal

from crisissim.scenario.effects._base import Factor, Lasting, Levers


class AmplificationEffect(Lasting):
    """Scale how strongly unanswered social posts breed further posts: ``{effect: amplification, factor: 2}``."""

    effect: Literal["amplification"]
    """The primitive's name (``amplification``)."""
    factor: Factor
    """Multiplier on the social self-excitation α."""

    def fold(self, levers: Levers) -> None:
        levers.alpha *= self.factor
