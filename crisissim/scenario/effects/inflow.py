"""``inflow``: scale how fast an exposure gains units."""

from __future__ import annotations

from typing import Literal

from crisissim.scenario.effects._base import EffectRun, Factor, Known, Problems, Started, Timed, an_exposure


class InflowEffect(Timed):
    """Scale the units an exposure gains from ``expose`` rates while in force:
    ``{effect: inflow, exposure: stuck, factor: 0}`` (new orders go to another carrier, so no more get stuck)."""

    effect: Literal["inflow"]
    """The primitive's name (``inflow``)."""
    exposure: str
    """The exposure."""
    factor: Factor
    """Multiplier on its inflow (0 stops it)."""

    def check(self, known: Known) -> Problems:
        return an_exposure(self.exposure, known)

    def begin(self, run: EffectRun) -> Started:
        return Started({"exposure": self.exposure, "factor": self.factor}, end=run.inflow(self.exposure, self.factor))
