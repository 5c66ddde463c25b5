"""Who answers decision cards in headless runs: ``default``, ``first``, ``random``, ``scripted``.

A policy is any callable ``policy(snapshot, card) -> option_id``; it may also have
``scheduled_actions() -> [(minutes, action_id), ...]`` for actions it takes at set times.
"""

from __future__ import annotations

from crisissim.policy.builtin import PolicyError, resolve

__all__ = ["resolve", "PolicyError"]
