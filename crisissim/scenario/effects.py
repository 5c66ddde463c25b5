"""Effect primitives: the vocabulary every inject, decision option and action is written in.

Each primitive is one model here, keyed by ``effect:``; the engine applies each
in one place (``crisissim/engine/effects.py``). A ``duration`` on an effect
overrides the option's or action's duration; without either, it lasts to the end.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from crisissim.scenario.units import Duration

Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Factor = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]
Money = Annotated[float, Field(ge=0, le=1e15, allow_inf_nan=False)]


class _Effect(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class _Timed(_Effect):
    duration: Duration | None = None
    """How long the effect lasts (default: the option's duration, else to the end of the run)."""


class CostEffect(_Effect):
    """A one-off payment: ``{effect: cost, amount: 50000}`` (e.g. a product recall)."""

    effect: Literal["cost"]
    """The primitive's name (``cost``)."""
    amount: Money
    """Money paid when the effect starts."""


class ReputationEffect(_Effect):
    """An instant reputation change: ``{effect: reputation, delta: -15}`` (a media story) or ``+5``."""

    effect: Literal["reputation"]
    """The primitive's name (``reputation``)."""
    delta: float = Field(ge=-100, le=100, allow_inf_nan=False)
    """Points added to reputation (0–100 scale); negative for a shock."""


class RateEffect(_Timed):
    """Multiply arrival rates: ``{effect: rate, target: defect, factor: 0.6, duration: 4h}``."""

    effect: Literal["rate"]
    """The primitive's name (``rate``)."""
    target: str | None = None
    """A contact type or channel name; omitted means every contact type."""
    factor: Factor
    """Multiplier on the arrival rate (0.6 = 40% fewer contacts)."""


class SurgeEffect(_Effect):
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


class StaffEffect(_Timed):
    """Add (overtime, paid at the overtime wage) or remove agents: ``{effect: staff, pool: agents, add: 5}``."""

    effect: Literal["staff"]
    """The primitive's name (``staff``)."""
    pool: str
    """The staff pool."""
    add: int = Field(ge=-10_000, le=10_000)
    """Agents added (negative: agents lost, e.g. sickness)."""


class CompensationEffect(_Timed):
    """Pay every customer whose contact is resolved: ``{effect: compensation, amount: 50}``; lowers their churn."""

    effect: Literal["compensation"]
    """The primitive's name (``compensation``)."""
    amount: Money
    """Money per resolved contact."""
    target: str | None = None
    """A contact type or channel name; omitted means every contact type."""


class DeflectEffect(_Timed):
    """Self-service absorbs a share of new contacts: ``{effect: deflect, share: 0.2, target: billing}``."""

    effect: Literal["deflect"]
    """The primitive's name (``deflect``)."""
    share: Share
    """Share of new contacts that never reach an agent."""
    target: str | None = None
    """A contact type or channel name; omitted means every contact type."""


class AmplificationEffect(_Timed):
    """Scale how strongly unanswered social posts breed further posts: ``{effect: amplification, factor: 2}``."""

    effect: Literal["amplification"]
    """The primitive's name (``amplification``)."""
    factor: Factor
    """Multiplier on the social self-excitation α."""


class HandleTimeEffect(_Timed):
    """Scale handle times: ``{effect: handle_time, factor: 0.8, target: defect}`` (a script for agents)."""

    effect: Literal["handle_time"]
    """The primitive's name (``handle_time``)."""
    factor: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)]
    """Multiplier on handle time."""
    target: str | None = None
    """A contact type, channel or pool name; omitted means all."""


class ResolutionEffect(_Timed):
    """Change first-contact resolution: ``{effect: resolution, delta: 0.1, target: defect}``."""

    effect: Literal["resolution"]
    """The primitive's name (``resolution``)."""
    delta: float = Field(ge=-1, le=1, allow_inf_nan=False)
    """Added to the first-contact-resolution probability (clamped to [0, 1])."""
    target: str | None = None
    """A contact type or channel name; omitted means every contact type."""


class StatementEffect(_Timed):
    """A public statement answering a crisis inject. Its reputation gain halves every
    ``half_life`` of delay after the inject fired, and it cuts social spread by ``transparency``.

    ``{effect: statement, answers: recall-news, reputation: 8, half_life: 2h, transparency: 0.5}``
    """

    effect: Literal["statement"]
    """The primitive's name (``statement``)."""
    answers: str
    """The inject (crisis event) this statement responds to."""
    reputation: float = Field(ge=-100, le=100, allow_inf_nan=False)
    """Reputation gained if made the moment the inject fires."""
    half_life: Duration = Field(120.0, gt=0)
    """Delay after which the gain is halved."""
    transparency: Share = 0.0
    """Share by which social self-excitation is cut while the statement is in force."""


class OutageEffect(_Timed):
    """A channel goes down: new contacts on it fail at once (counted as abandoned). ``{effect: outage, channel: chat, duration: 1h}``"""

    effect: Literal["outage"]
    """The primitive's name (``outage``)."""
    channel: str
    """The channel that is down."""


PRIMITIVES = (
    CostEffect,
    ReputationEffect,
    RateEffect,
    SurgeEffect,
    StaffEffect,
    CompensationEffect,
    DeflectEffect,
    AmplificationEffect,
    HandleTimeEffect,
    ResolutionEffect,
    StatementEffect,
    OutageEffect,
)
"""Every effect primitive; a new one is added here (and applied in ``crisissim/engine/effects.py``)."""

Effect = Annotated[Union[PRIMITIVES], Field(discriminator="effect")]  # type: ignore[valid-type]
"""One effect primitive, chosen by its ``effect`` key."""

EFFECT_MODELS: dict[str, type[_Effect]] = {
    m.model_fields["effect"].annotation.__args__[0]: m for m in PRIMITIVES  # type: ignore[union-attr]
}
