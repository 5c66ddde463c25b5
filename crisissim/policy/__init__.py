"""Who answers decision cards in headless runs.

A policy is any callable ``policy(snapshot, card) -> option_id`` with a ``name``; it may
also have ``scheduled_actions() -> [(minutes, action_id), ...]`` for actions it takes at
set times. :func:`resolve` turns a ``--policy`` value into one:

* ``default`` — every card takes its default option;
* ``first`` — every card takes its first option;
* ``random`` — a uniformly random option per card, from a stream derived from the run
  seed (reproducible, independent of every other source of randomness);
* ``scripted:FILE`` or ``FILE.yaml`` — a YAML file mapping card ids to option ids (or to a
  branch on what is known as the card shows), with optional timed actions
  (:mod:`crisissim.policy.scripted`);
* ``module.path:function`` or ``file.py:function`` — a Python policy, or a factory
  ``(scenario, seed) -> policy`` (:mod:`crisissim.policy.plugin`);
* a callable, wrapped with a name and answer checks.

Anything wrong is a :class:`PolicyError` with a one-line message per problem.
"""

from __future__ import annotations

from crisissim.policy.builtin import (
    BUILTIN,
    DefaultPolicy,
    FirstPolicy,
    Policy,
    PolicyError,
    RandomPolicy,
    option_ids,
    resolve,
    scripted_path,
)
from crisissim.policy.plugin import CallablePolicy, load_callable, policy_factory
from crisissim.policy.scripted import Branch, ScriptedPolicy, load_scripted, parse_scripted

__all__ = [
    "BUILTIN",
    "Branch",
    "CallablePolicy",
    "DefaultPolicy",
    "FirstPolicy",
    "Policy",
    "PolicyError",
    "RandomPolicy",
    "ScriptedPolicy",
    "load_callable",
    "load_scripted",
    "option_ids",
    "parse_scripted",
    "policy_factory",
    "resolve",
    "scripted_path",
]
