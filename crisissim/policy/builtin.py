"""The built-in policies and the ``--policy`` name resolver."""

from __future__ import annotations


class PolicyError(ValueError):
    """A policy name or file that cannot be used."""


class DefaultPolicy:
    """Every card takes its default option at once."""

    name = "default"

    def __call__(self, snapshot, card) -> str:
        return card.default


class FirstPolicy:
    """Every card takes its first option at once."""

    name = "first"

    def __call__(self, snapshot, card) -> str:
        return card.options[0].id


BUILTIN = {"default": DefaultPolicy, "first": FirstPolicy}


def resolve(spec, scenario=None, seed: int = 0):
    """A policy from a name (``default``, ``first``), or a callable returned as it is."""
    if callable(spec):
        return spec
    if spec in BUILTIN:
        return BUILTIN[spec]()
    raise PolicyError(f"unknown policy {spec!r} (expected one of: {', '.join(BUILTIN)})")
