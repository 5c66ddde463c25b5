"""Exposures: what a crisis puts at risk beyond the queues, and the costly incidents it breeds.

An exposure is a count of affected units (kettles of a faulty batch in homes, parcels
stuck at a hub, accounts whose data leaked). While units are exposed, each incident
kind happens as a Poisson process at ``hazard`` per exposed unit and time unit (an
injury claim, an order cancelled and refunded, a chargeback, a fraud loss), with a cost
drawn from its distribution, an optional reputation hit and an optional follow-on
inject. Effects open an exposure and add units (``expose``), take units back at a rate
(``retrieve``: a recall, a carrier switch), stop new units coming in (``inflow``) or
change the hazard (``hazard``: a stop-using notice). Every incident takes its unit out
of the exposure, so exposed units decay at the total incident hazard as well.

The run is short next to the weeks a recalled product stays in homes, so the expected
cost of the incidents and retrievals still to come over ``horizon`` after the run,
with the retrieval and hazards in force at the end, is counted as the loss part
``exposure_tail``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from crisissim.scenario.distributions import Distribution
from crisissim.scenario.text import LocalText40, LocalText200
from crisissim.scenario.units import Duration

MAX_MONEY = 1e12
"""Largest mean or standard deviation of an incident's cost (money)."""


def _plain_numbers(value: Any) -> Any:
    """Money distributions take plain numbers: a unit such as ``2h`` is a mistake there."""
    if isinstance(value, dict):
        for key in ("mean", "scale", "low", "high", "value"):
            v = value.get(key)
            if isinstance(v, str):
                raise ValueError(f"{key} of a cost is money, a plain number (got {v!r})")
        vals = value.get("values")
        if isinstance(vals, list) and any(isinstance(v, str) for v in vals):
            raise ValueError("values of a cost are money, plain numbers (got text)")
    return value


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class Incident(_Part):
    """A kind of costly incident among exposed units, e.g. an injury claim or a cancelled order.

    Incidents of a kind form a Poisson process with intensity ``hazard`` × exposed units
    (× the ``hazard`` effects in force); each one costs a draw from ``cost`` (loss part
    ``incidents``), moves reputation by ``reputation`` points and may fire an inject."""

    label: LocalText200 = ""
    """Display name (e.g. ``Burn injury claim``, or ``{en: …, zh: …}``)."""
    hazard: Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]
    """Incidents per exposed unit per ``per`` (e.g. 2e-5 per day: one in 50,000 kettles a day)."""
    per: Literal["minute", "hour", "day"] = "day"
    """Time unit of ``hazard`` (default a day: product and account hazards are quoted per day)."""
    cost: Annotated[Distribution, BeforeValidator(_plain_numbers)]
    """Money one incident costs, as a distribution (the same families as times, with plain numbers:
    ``{dist: lognormal, mean: 40000, cv: 1.5}``, ``{dist: fixed, value: 180}``)."""
    reputation: float = Field(0.0, ge=-100, le=100, allow_inf_nan=False)
    """Reputation points added per incident (negative: an injury in the news hurts; default 0)."""
    fires: str | None = None
    """An inject fired by each incident of this kind, up to that inject's ``limit`` (e.g. a media story)."""
    feed: bool | None = None
    """Show each incident in the event feed (the first 500 of the kind); default: only kinds with a
    reputation hit or a follow-on inject, so that thousands of refunds do not flood the feed (all are
    counted either way)."""

    @field_validator("cost")
    @classmethod
    def _bounded(cls, d):
        try:
            mean, sd = d.mean, math.sqrt(d.variance)
        except OverflowError:
            mean = sd = math.inf
        if not (mean <= MAX_MONEY and sd <= MAX_MONEY):
            raise ValueError(f"a cost's mean and standard deviation must be at most {MAX_MONEY:.0e}")
        return d

    @property
    def hazard_per_minute(self) -> float:
        from crisissim.scenario.units import PER_MINUTES

        return self.hazard / PER_MINUTES[self.per]

    @property
    def shown(self) -> bool:
        """Whether each incident goes to the event feed."""
        return self.feed if self.feed is not None else bool(self.reputation or self.fires)


class Exposure(_Part):
    """Units a crisis puts at risk (kettles of a faulty batch in homes, stuck parcels, leaked accounts).

    It opens at ``at`` with ``units`` exposed, or, without ``at``, on the first ``expose``
    effect that names it. Exposed units N = R + U (R reachable by a retrieval, share
    ``reachable``; U out of reach) follow dR/dt = reachable·a − (r + H)·R and
    dU/dt = (1 − reachable)·a − H·U, with a the inflow of ``expose`` rates (× ``inflow``
    factors), r the sum of the ``retrieve`` rates in force and H the total incident hazard
    (every incident takes its unit out), solved exactly between the moments effects start
    or end. Incidents of kind k are a Poisson process with intensity g_k·N(t), g_k its hazard
    × the ``hazard`` factors in force, simulated exactly by time rescaling from the kind's own
    random streams (so common random numbers hold across decisions). Loss parts:
    ``incidents`` (each incident's cost), ``retrieval`` (units back × ``unit_cost``) and
    ``exposure_tail``: after the run, with no more inflow and each retrieval and hazard factor
    in force until its own end, the expected cost over ``horizon`` of Σ_k mean cost_k·g_k·∫N
    plus unit_cost·r·∫R. The tail knows nothing of events after the run: an exposure that would
    resolve by itself (parcels delivered once the hub is back) needs a slow ``retrieve`` from its
    start, or the tail counts it as stuck for the whole horizon. Worked example: 9,700 kettles still out at the end, no recall, injury
    hazard 1e-4 a day at a mean cost of 40,000: over 30 days about 9,700 × 1e-4 × 30 ≈ 29
    injuries, a tail of about 1.2 million; a recall with a 3-day half-life reaching 80% of
    them leaves about a third of that in injuries (the fifth out of reach stays), but pays unit_cost
    for each kettle back."""

    label: LocalText200 = ""
    """Display name (e.g. ``Batch 42 kettles in homes``, or ``{en: …, zh: …}``)."""
    unit: LocalText40 = "units"
    """What one unit is, for display (``kettles``, ``orders``, ``accounts``)."""
    units: int = Field(0, ge=0, le=10**10)
    """Units exposed when it opens."""
    at: Duration | None = None
    """Open at this time; omitted: opens on the first ``expose`` effect naming it."""
    reachable: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 1.0
    """Share of units that any ``retrieve`` can reach; the rest stay exposed (owners who never hear
    of a recall). Default 1; public recall-effectiveness figures for consumer products are often 0.3–0.7."""
    horizon: Duration = Field(43200.0, le=3650 * 1440)
    """How long after the run the units still exposed keep costing (``exposure_tail``); default 30d: a
    recall campaign or an order dispute plays out over weeks, and further out the guess gets weak. 0 disables."""
    incidents: dict[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$", max_length=64)], Incident] = Field(
        min_length=1, max_length=50
    )
    """Incident kinds by name; ``incidents.NAME`` in conditions counts them over every exposure."""
