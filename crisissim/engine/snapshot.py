"""Immutable views of a running simulation, cheap enough to take every simulated minute."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping


@dataclass(frozen=True)
class CardView:
    """An open decision card: options as (id, label, cost) and the deadline (minutes)."""

    id: str
    title: str
    prompt: str
    options: tuple[tuple[str, str, float], ...]
    default: str
    shown: float
    deadline: float


@dataclass(frozen=True)
class ActionView:
    """An action and whether it can be used now."""

    id: str
    label: str
    cost: float
    ready: bool
    ready_in: float
    uses_left: int | None


@dataclass(frozen=True)
class PoolView:
    """Agents of a pool: on duty, busy, and the headcount the pool is heading to."""

    on_duty: int
    busy: int
    target: int


@dataclass(frozen=True)
class Snapshot:
    """The state at ``time`` (minutes). Money in the scenario currency; counts since the warm-up."""

    time: float
    duration: float
    queues: Mapping[str, int]
    backlog: Mapping[str, int]
    pools: Mapping[str, PoolView]
    reputation: float
    losses: Mapping[str, float]
    total_loss: float
    churned: int
    arrived: int
    served: int
    abandoned: int
    service_level: float
    unanswered_posts: int
    recent_posts: tuple[tuple[float, str, bool], ...]
    open_cards: tuple[CardView, ...]
    actions: tuple[ActionView, ...]
    recent_events: tuple[Mapping, ...] = field(default=())
    finished: bool = False

    @staticmethod
    def freeze(d: dict) -> Mapping:
        return MappingProxyType(dict(d))
