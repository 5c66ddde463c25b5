"""The built-in policies and the ``--policy`` resolver.

Policies: ``default`` (every card its default), ``first`` (every card its first
option), ``random`` (a uniformly random option per card, from a stream of its own
derived from the run seed), ``scripted`` (a YAML file, see
:mod:`crisissim.policy.scripted`) and any Python callable (see
:mod:`crisissim.policy.plugin`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path


class PolicyError(ValueError):
    """A policy name, file or callable that cannot be used (the message is one line per problem)."""


def option_ids(card) -> list[str]:
    """Option ids of a card given as a scenario ``DecisionCard`` or an engine ``CardView``."""
    return [o.id if hasattr(o, "id") else o[0] for o in card.options]


class Policy(ABC):
    """Base of the named policies: ``policy(snapshot, card) -> option_id`` and a ``name``."""

    name = "policy"

    @abstractmethod
    def __call__(self, snapshot, card) -> str:
        """The option id to take on ``card`` given the state ``snapshot``."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class DefaultPolicy(Policy):
    """Every card takes its default option at once."""

    name = "default"

    def __call__(self, snapshot, card) -> str:
        return card.default


class FirstPolicy(Policy):
    """Every card takes its first option at once."""

    name = "first"

    def __call__(self, snapshot, card) -> str:
        return option_ids(card)[0]


class RandomPolicy(Policy):
    """Every card takes a uniformly random option at once.

    Each card draws from its own stream ``policy:random:card:<id>`` derived from the
    run seed (``SeedSequence(seed, spawn_key=(crc32(name),))``, as the engine's
    streams are), so a run is reproducible from its seed, the choices share no
    randomness with arrivals or service, and one card's choice does not depend on
    which other cards were shown before it.
    """

    name = "random"
    STREAM = "policy:random:card:"

    def __init__(self, seed: int = 0):
        self.seed = int(seed)
        self._shown: dict[str, int] = {}

    def __call__(self, snapshot, card) -> str:
        from crisissim.engine.rng import generator

        ids = option_ids(card)
        k = self._shown.get(card.id, 0)  # a card shown again draws the next value of its stream
        self._shown[card.id] = k + 1
        rng = generator(self.seed, self.STREAM + card.id)
        draws = rng.integers(0, len(ids), size=k + 1)
        return ids[int(draws[k])]


BUILTIN: dict[str, type[DefaultPolicy] | type[FirstPolicy] | type[RandomPolicy]] = {
    "default": DefaultPolicy, "first": FirstPolicy, "random": RandomPolicy}
FORMS = "default, first, random, scripted:FILE.yaml, FILE.yaml, module.path:function"


def scripted_path(spec) -> str | None:
    """The file a ``scripted:FILE`` or ``FILE.yaml`` policy names, else None."""
    if not isinstance(spec, (str, Path)):
        return None
    text = str(spec).strip()
    if text.startswith("scripted:"):
        return text[len("scripted:"):].strip() or None
    return text if text.lower().endswith((".yaml", ".yml")) else None


def resolve(spec, scenario=None, seed: int = 0):
    """The policy that ``spec`` names, for ``scenario`` under run seed ``seed``.

    ``spec`` may be a callable (returned wrapped with a ``name`` and answer checks,
    or as it is if it is already a built-in policy), ``default``, ``first``,
    ``random``, ``scripted:PATH`` or a path ending in ``.yaml``/``.yml`` (a scripted
    policy checked against ``scenario``), or ``module.path:function`` /
    ``file.py:function`` (a Python policy or policy factory, see
    :func:`crisissim.policy.plugin.load_callable`). Raise :class:`PolicyError`.
    """
    from crisissim.policy.plugin import CallablePolicy, load_callable

    if isinstance(spec, Policy):
        return spec
    if callable(spec):
        return CallablePolicy.wrap(spec, scenario, seed)
    if isinstance(spec, Path):
        spec = str(spec)
    if not isinstance(spec, str):
        raise PolicyError(f"a policy is a name or a callable, not {type(spec).__name__} (expected one of: {FORMS})")
    text = spec.strip()
    if not text:
        raise PolicyError(f"empty policy name (expected one of: {FORMS})")
    if text in BUILTIN:
        return RandomPolicy(seed) if text == "random" else BUILTIN[text]()
    if text.startswith("scripted:") or text.lower().endswith((".yaml", ".yml")):
        from crisissim.policy.scripted import load_scripted

        path = text[len("scripted:"):] if text.startswith("scripted:") else text
        if not path.strip():
            raise PolicyError("scripted: needs a file, e.g. scripted:plan.yaml")
        return load_scripted(path.strip(), scenario)
    if ":" in text:
        return load_callable(text, scenario, seed)
    raise PolicyError(f"unknown policy {spec!r} (expected one of: {FORMS})")
