"""``staff``: agents added (overtime) or lost."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from crisissim.scenario.effects._base import EffectRun, Known, Problems, Started, Timed, unknown


class StaffEffect(Timed):
    """Add (overtime, paid at the overtime wage) or remove agents: ``{effect: staff, pool: agents, add: 5}``."""

    effect: Literal["staff"]
    """The primitive's name (``staff``)."""
    pool: str
    """The staff pool."""
    add: int = Field(ge=-10_000, le=10_000)
    """Agents added (negative: agents lost, e.g. sickness)."""

    def check(self, known: Known) -> Problems:
        if self.pool not in known.pools:
            yield "pool", unknown("pool", self.pool, known.pools)

    def begin(self, run: EffectRun) -> Started:
        run.add_staff(self.pool, self.add)
        return Started({"add": self.add}, end=lambda: run.add_staff(self.pool, -self.add))
