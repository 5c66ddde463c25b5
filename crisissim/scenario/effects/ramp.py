"""``ramp``: a slow build-up of arrivals, the weak signal before a crisis erupts."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from crisissim.scenario.effects._base import EffectRun, Factor, Known, Problems, Started, Timed, type_or_channel
from crisissim.scenario.units import Duration


class RampEffect(Timed):
    """A slow build-up, the weak signal before a crisis erupts (the Amazon case of seed 000): the
    extra arrivals climb in a straight line from 0 to ``peak``×base over ``over``, then hold until
    the effect ends.

    ``{effect: ramp, target: defect, peak: 2, over: 6h}``
    """

    effect: Literal["ramp"]
    """The primitive's name (``ramp``)."""
    target: str | None = None
    """A contact type or channel name; omitted means every contact type."""
    peak: Factor
    """Extra arrivals at the top of the ramp, as a multiple of the base rate (2 = three times the normal rate)."""
    over: Duration = Field(gt=0)
    """Time the climb takes."""

    def check(self, known: Known) -> Problems:
        return type_or_channel("target", self.target, known)

    def begin(self, run: EffectRun) -> Started:
        names, end = run.ramp(self.target, self.peak, self.over)
        return Started({"types": names}, end=end)
