"""Effect primitives: the vocabulary every inject, decision option and action is written in.

A ``duration`` on an effect overrides the option's or action's duration; without either,
it lasts to the end of the run.

**One kind, one module.** Each module of this package (``cost.py``, ``rate.py`` …) declares
one effect kind completely, side by side: its schema (a pydantic model keyed by
``effect:``, whose docstring carries an inline ``{effect: …}`` example), its cross-reference
validation (``check``: which scenario names its fields must match) and its engine action
(``begin``; a lasting kind also ``fold``\\ s into the :class:`Levers` the hot path reads).
Subclassing :class:`EffectKind` registers the kind; every module here is imported on
start-up, so **adding a kind is adding one module** (and its test): the scenario schema,
the JSON Schema, FORMAT.md, ``validate`` and the engine all read the registry.

The engine side is written against :class:`EffectRun`, the narrow interface the engine
implements (``crisissim.engine.effects.EffectRunner``), so nothing here imports the engine
(arrows point one way: scenario ← engine). A kind that needs a new power from the engine
adds a method to :class:`EffectRun` and implements it in the runner; one that needs a new
lever adds a field to :class:`Levers` and a reader in the engine.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Annotated, Any, Union

from pydantic import Field

from crisissim.scenario.effects._base import (
    KINDS,
    EffectKind,
    EffectRun,
    Factor,
    Known,
    Lasting,
    Levers,
    Money,
    Problems,
    Share,
    Started,
    Timed,
    _sealed,
    an_exposure,
    type_or_channel,
    unknown,
)

__all__ = [
    "EFFECT_MODELS",
    "KINDS",
    "Effect",
    "EffectKind",
    "EffectRun",
    "Factor",
    "Known",
    "Lasting",
    "Levers",
    "Money",
    "Problems",
    "Share",
    "Started",
    "Timed",
    "an_exposure",
    "type_or_channel",
    "unknown",
]

for _m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if not _m.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_m.name}")


def __getattr__(name: str) -> Any:
    """``Effect`` (the union of every kind, chosen by its ``effect`` key) and ``EFFECT_MODELS``
    are built from the registry when first asked for, which seals it."""
    if name == "Effect":
        _sealed.append("schema")
        return Annotated[Union[tuple(KINDS.values())], Field(discriminator="effect")]  # noqa: UP007
    if name == "EFFECT_MODELS":
        _sealed.append("schema")
        return dict(KINDS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
