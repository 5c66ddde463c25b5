"""``handle_time``: scale handle times of contact types or of a pool."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from crisissim.scenario.effects._base import Known, Lasting, Levers, Problems, unknown


class HandleTimeEffect(Lasting):
    """Scale handle times: ``{effect: handle_time, factor: 0.8, target: defect}`` (a script for agents)."""

    effect: Literal["handle_time"]
    """The primitive's name (``handle_time``)."""
    factor: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)]
    """Multiplier on handle time."""
    target: str | None = None
    """A contact type, channel or pool name; omitted means all."""

    def check(self, known: Known) -> Problems:
        names = known.types | known.channels | known.pools
        if self.target is not None and self.target not in names:
            yield "target", unknown("contact type, channel or pool", self.target, names)

    def fold(self, levers: Levers) -> None:
        if self.target in levers.pool_names:
            levers.ht_pool[levers.pool_names.index(self.target)] *= self.factor
        else:
            for i in levers.targets(self.target):
                levers.ht_type[i] *= self.factor
