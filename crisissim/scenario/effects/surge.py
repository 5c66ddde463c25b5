"""``surge``: a crisis surge of arrivals that decays on its own."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from crisissim.scenario.effects._base import EffectKind, EffectRun, Factor, Known, Problems, Started, type_or_channel
from crisissim.scenario.units import Duration


class SurgeEffect(EffectKind):
    """A crisis surge: the rate rises by ``peak``×base and halves every ``half_life``.

    ``{effect: surge, target: defect, peak: 4, half_life: 3h}``
    """

    effect: Literal["surge"]
    """The primitive's name (``surge``)."""
    target: str | None = None
    """A contact type or channel name; omitted means every contact type."""
    peak: Factor
    """Extra arrivals at the start, as a multiple of the base rate (4 = five times the normal rate)."""
    half_life: Duration = Field(gt=0)
    """Time for the extra arrivals to halve."""

    def check(self, known: Known) -> Problems:
        return type_or_channel("target", self.target, known)

    def begin(self, run: EffectRun) -> Started:
        return Started({"types": run.surge(self.target, self.peak, self.half_life)})
