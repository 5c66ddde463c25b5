"""``retrieve``: take exposed units back (a recall, a carrier switch, a password reset)."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, model_validator

from crisissim.scenario.effects._base import EffectRun, Known, Money, Problems, Started, Timed, an_exposure
from crisissim.scenario.units import PER_MINUTES, Duration


class RetrieveEffect(Timed):
    """Take exposed units back while the effect lasts: a recall, a carrier switch, a password
    reset. Reachable units leave at a constant rate r (exponential retrieval), given as a
    ``half_life`` (r = ln 2 / half-life) or as the ``share`` retrieved per ``per``
    (r = −ln(1 − share) / per); several retrievals in force add their rates.

    ``{effect: retrieve, exposure: batch42, half_life: 10d, unit_cost: 150}``
    """

    effect: Literal["retrieve"]
    """The primitive's name (``retrieve``)."""
    exposure: str
    """The exposure."""
    half_life: Duration | None = Field(None, gt=0)
    """Time in which half the reachable units still out are retrieved."""
    share: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)] | None = None
    """Share of the reachable units still out retrieved per ``per`` (instead of ``half_life``)."""
    per: Literal["minute", "hour", "day"] = "day"
    """Time unit of ``share``."""
    unit_cost: Money = 0.0
    """Money per unit retrieved (refund, shipping, repair), booked as units come back (loss part
    ``retrieval``; units expected back after the run are costed in ``exposure_tail``)."""

    @model_validator(mode="after")
    def _check(self) -> RetrieveEffect:
        if (self.half_life is None) == (self.share is None):
            raise ValueError("give exactly one of half_life or share")
        return self

    @property
    def rate_per_minute(self) -> float:
        """The retrieval rate r per minute."""
        if self.half_life is not None:
            return math.log(2) / self.half_life
        return -math.log1p(-self.share) / PER_MINUTES[self.per]  # type: ignore[operator]

    def check(self, known: Known) -> Problems:
        return an_exposure(self.exposure, known)

    def begin(self, run: EffectRun) -> Started:
        end = run.retrieve(self.exposure, self.rate_per_minute, self.unit_cost)
        return Started({"exposure": self.exposure, "per_day": round(-math.expm1(-self.rate_per_minute * 1440), 6)},
                       end=end)
