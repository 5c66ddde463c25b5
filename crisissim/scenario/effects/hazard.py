"""``hazard``: scale how often an exposure's incidents happen."""

from __future__ import annotations

from typing import Literal

from crisissim.scenario.effects._base import EffectRun, Factor, Known, Problems, Started, Timed, an_exposure, unknown


class HazardEffect(Timed):
    """Scale the hazard of an exposure's incidents while in force:
    ``{effect: hazard, exposure: batch42, incident: injury, factor: 0.3}`` (a stop-using notice:
    most owners unplug the kettle)."""

    effect: Literal["hazard"]
    """The primitive's name (``hazard``)."""
    exposure: str
    """The exposure."""
    incident: str | None = None
    """One of its incident kinds; omitted means all of them."""
    factor: Factor
    """Multiplier on the hazard."""

    def check(self, known: Known) -> Problems:
        kinds = known.exposures.get(self.exposure)
        if kinds is None:
            yield from an_exposure(self.exposure, known)
        elif self.incident is not None and self.incident not in kinds:
            yield "incident", unknown("incident kind", self.incident, kinds)

    def begin(self, run: EffectRun) -> Started:
        end = run.hazard(self.exposure, self.incident, self.factor)
        return Started({"exposure": self.exposure, "incident": self.incident, "factor": self.factor}, end=end)
