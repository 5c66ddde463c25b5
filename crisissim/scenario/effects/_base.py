"""What every effect kind is built from: the base models, the registry, and the two narrow
interfaces a kind works against (:class:`Known` for validation, :class:`EffectRun` and
:class:`Levers` for the engine).

Nothing here imports the engine: the engine implements :class:`EffectRun` and fills
:class:`Levers` (``crisissim/engine/effects.py`` and ``crisissim/engine/modifiers.py``).
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, Field

from crisissim.scenario.units import Duration

Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Factor = Annotated[float, Field(ge=0, le=1000, allow_inf_nan=False)]
Money = Annotated[float, Field(ge=0, le=1e15, allow_inf_nan=False)]

KINDS: dict[str, type[EffectKind]] = {}
"""Every registered effect kind by its ``effect:`` name, in registration order."""

_sealed: list[str] = []  # set once the scenario schema has been built from KINDS


class Known(Protocol):
    """Names that exist in the scenario (what an effect's fields may refer to)."""

    types: frozenset[str]
    channels: frozenset[str]
    pools: frozenset[str]
    injects: frozenset[str]
    exposures: Mapping[str, frozenset[str]]  # exposure -> its incident kinds
    segments: frozenset[str]


Problems = Iterator[tuple[str, str]]
"""What ``check`` yields: (field name, message) for each problem."""


def unknown(what: str, name: str, known: Iterable[str]) -> str:
    """The message for a name that does not exist, with a close match when there is one."""
    import difflib

    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    listed = ", ".join(names[:12]) + (", …" if len(names) > 12 else "") if names else f"no {what}s defined"
    return f"unknown {what} '{name}'{hint} (expected one of: {listed})"


def an_exposure(name: str, known: Known) -> Problems:
    """An ``exposure`` field that must name an exposure of the scenario."""
    if name not in known.exposures:
        yield "exposure", unknown("exposure", name, known.exposures)


def type_or_channel(fieldname: str, target: str | None, known: Known) -> Problems:
    """A ``target`` that must name a contact type or a channel (None: every contact type)."""
    names = known.types | known.channels
    if target is not None and target not in names:
        yield fieldname, unknown("contact type or channel", target, names)


@dataclass
class Started:
    """What beginning an effect did: ``detail`` goes into the ``effect_start`` log entry;
    ``end``, if given, is called when the effect's duration is over."""

    detail: dict[str, Any] = field(default_factory=dict)
    end: Callable[[], None] | None = None


class EffectRun(Protocol):
    """The engine as an effect sees it (implemented by ``crisissim.engine.effects.EffectRunner``).

    An effect that needs something new from the engine adds it here and in the runner.
    """

    @property
    def now(self) -> float:
        """The clock (minutes)."""
        ...

    def pay(self, amount: float) -> None:
        """Book a one-off cost (the ``actions`` loss part)."""

    def shift_reputation(self, delta: float) -> float:
        """Add ``delta`` points to reputation now (churn and arrivals see it at once); return the
        change made (gains have diminishing returns near the ceiling)."""
        ...

    def repeat_discount(self, inject: str) -> tuple[int, float]:
        """For a statement answering ``inject`` now: how many answered it before, and the factor
        it counts (``reputation.statement_repeat`` to that power)."""
        ...

    def reach_out(self, effect) -> None:
        """Start a retention outreach (an ``outreach`` effect): its pool calls customers at risk."""

    def surge(self, target: str | None, peak: float, half_life: float) -> list[str]:
        """Start a decaying rate surge on the target's contact types; return their names."""
        ...

    def add_staff(self, pool: str, add: int) -> None:
        """Add (or remove, if negative) agents to a pool now."""

    def fired_at(self, inject: str) -> float | None:
        """When an inject first fired (None if it has not)."""
        ...

    @property
    def until(self) -> float:
        """When the effect being begun will end (inf: it lasts to the end of the run)."""
        ...

    def fine(self, amount: float) -> None:
        """Book a fine or penalty (the ``fines`` loss part)."""

    def ramp(self, target: str | None, peak: float, over: float) -> tuple[list[str], Callable[[], None]]:
        """Start a linear climb of arrivals on the target's contact types; return their names and
        the call that ends it."""
        ...

    def expose(self, exposure: str, units: int, rate: float) -> Callable[[], None] | None:
        """Open ``exposure`` if needed, add ``units`` now and ``rate`` units a minute while in force."""
        ...

    def retrieve(self, exposure: str, rate: float, unit_cost: float) -> Callable[[], None]:
        """Retrieve reachable units at ``rate`` per minute while in force, paying ``unit_cost`` each."""
        ...

    def inflow(self, exposure: str, factor: float) -> Callable[[], None]:
        """Multiply the exposure's inflow by ``factor`` while in force."""
        ...

    def hazard(self, exposure: str, incident: str | None, factor: float) -> Callable[[], None]:
        """Multiply the hazard of one incident kind (all when None) while in force."""
        ...

    def hold(self, effect: Lasting, rebound: Iterable[int] = ()) -> Callable[[], None]:
        """Keep ``effect`` in force (its :meth:`Lasting.fold` applies) until the returned
        callable is called. ``rebound``: contact types whose arrival bound the effect can
        raise (their candidate streams restart; every other type keeps its draws)."""
        ...

    def targets(self, target: str | None) -> list[int]:
        """Contact-type indices a target names (a type, a channel, or every type when None)."""
        ...


@dataclass
class Levers:
    """The factors the hot path reads, one entry per contact type (or pool); lasting effects
    in force fold into a fresh set whenever one starts or ends.

    Adding a lever: a field here, its neutral value in :meth:`neutral`, a reader in the engine."""

    type_names: list[str]
    type_channels: list[str]
    pool_names: list[str]
    segment_names: list[str]
    rate: list[float]
    deflect_keep: list[float]
    fcr_delta: list[float]
    compensation: list[list[float]]  # by contact type, then customer segment
    ht_type: list[float]
    ht_pool: list[float]
    down: list[bool]
    alpha: float = 1.0  # social self-excitation multiplier

    @classmethod
    def neutral(cls, type_names: list[str], type_channels: list[str], pool_names: list[str],
                segment_names: Sequence[str] = ("all",)) -> Levers:
        n, p = len(type_names), len(pool_names)
        return cls(type_names, type_channels, pool_names, list(segment_names), rate=[1.0] * n,
                   deflect_keep=[1.0] * n, fcr_delta=[0.0] * n,
                   compensation=[[0.0] * len(segment_names) for _ in range(n)], ht_type=[1.0] * n,
                   ht_pool=[1.0] * p, down=[False] * n)

    def targets(self, target: str | None) -> list[int]:
        """Contact-type indices a target names (type, channel, or all when None)."""
        if target is None:
            return list(range(len(self.type_names)))
        return [i for i, (t, c) in enumerate(zip(self.type_names, self.type_channels, strict=True)) if target in (t, c)]


class EffectKind(BaseModel):
    """Base of every effect primitive. A subclass with ``effect: Literal["name"]`` registers
    itself; it says what it means (docstring with an inline ``{effect: …}`` example), what
    its names must refer to (:meth:`check`) and what it does (:meth:`begin`)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    lasting: ClassVar[bool] = False

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        f = cls.model_fields.get("effect")
        args: tuple[Any, ...] = getattr(f.annotation, "__args__", ()) if f is not None else ()
        if len(args) != 1 or not isinstance(args[0], str):
            return  # an abstract base (no single Literal name)
        name = args[0]
        if _sealed:
            raise RuntimeError(f"effect kind {name!r} registered after the scenario schema was built "
                               f"(register effect kinds before importing crisissim.scenario.schema)")
        if name in KINDS and KINDS[name] is not cls:
            raise ValueError(f"effect kind {name!r} is declared twice ({KINDS[name].__module__}, {cls.__module__})")
        KINDS[name] = cls

    def check(self, known: Known) -> Problems:
        """Problems with names this effect refers to (none by default)."""
        return iter(())

    @abstractmethod
    def begin(self, run: EffectRun) -> Started:
        """Start the effect on a running simulation."""


class Timed(EffectKind):
    """An effect that can last for a while."""

    duration: Duration | None = None
    """How long the effect lasts (default: the option's duration, else to the end of the run)."""


class Lasting(Timed):
    """An effect whose state holds while it is in force: it folds into the :class:`Levers`."""

    lasting: ClassVar[bool] = True

    @abstractmethod
    def fold(self, levers: Levers) -> None:
        """Apply this effect to ``levers`` (called on every refold, in start order)."""

    def begin(self, run: EffectRun) -> Started:
        return Started(end=run.hold(self))
