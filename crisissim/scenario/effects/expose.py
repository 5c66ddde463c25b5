"""``expose``: open an exposure and add units to it (see ``crisissim/scenario/exposures.py``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from crisissim.scenario.effects._base import EffectRun, Known, Problems, Started, Timed, an_exposure
from crisissim.scenario.units import PER_MINUTES


class ExposeEffect(Timed):
    """Open an exposure (with its own ``units``) if it is not open yet, and add units to it: at
    once (``units``) and at a ``rate`` while the effect lasts (parcels piling up at a broken hub).

    ``{effect: expose, exposure: stuck, units: 3000, rate: 400, per: hour}``
    """

    effect: Literal["expose"]
    """The primitive's name (``expose``)."""
    exposure: str
    """The exposure."""
    units: int = Field(0, ge=0, le=10**10)
    """Units added at once (besides the exposure's own ``units`` when this opens it)."""
    rate: Annotated[float, Field(ge=0, le=1e9, allow_inf_nan=False)] = 0.0
    """Units added per ``per`` while the effect lasts."""
    per: Literal["minute", "hour", "day"] = "hour"
    """Time unit of ``rate``."""

    def check(self, known: Known) -> Problems:
        return an_exposure(self.exposure, known)

    def begin(self, run: EffectRun) -> Started:
        end = run.expose(self.exposure, self.units, self.rate / PER_MINUTES[self.per])
        return Started({"exposure": self.exposure, "units": self.units, "rate": self.rate}, end=end)
