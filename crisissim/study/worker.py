"""What a worker runs: one batch of replications of one level (picklable, no I/O).

A task carries the level's scenario as JSON-able data and a key for it; the worker
validates it once and keeps it (a small per-process cache), then runs each replication
with its own seed. Results are plain lists and dicts so they pickle and journal cheaply.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crisissim.scenario.schema import Scenario

_CACHE: dict[str, Scenario] = {}
_CACHE_MAX = 64


@dataclass(frozen=True)
class Task:
    """Replications ``reps`` (with ``seeds``) of level ``level`` under ``policy``."""

    level: int
    key: str
    scenario: dict[str, Any]
    policy: str | None
    reps: tuple[int, ...]
    seeds: tuple[int, ...]
    replicate: Callable[..., Any] | None = None


@dataclass
class Batch:
    """Finished replications of one task: per replication, its metrics and interval KPIs."""

    level: int
    reps: list[int]
    seeds: list[int]
    metrics: list[dict[str, float]]
    intervals: list[dict[str, list[float]]]


def _scenario(task: Task) -> Scenario:
    sc = _CACHE.get(task.key)
    if sc is None:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        sc = _CACHE[task.key] = Scenario.model_validate(task.scenario)
    return sc


def _default_replicate() -> Callable[..., Any]:
    from crisissim.engine import run_replication
    from crisissim.policy import resolve

    def replicate(scenario: Scenario, seed: int, policy: str | None = None):
        return run_replication(scenario, seed, resolve(policy or "default", scenario, seed))

    return replicate


def _float(x: Any) -> float:
    v = float(x)
    return v if math.isfinite(v) else math.nan


def run_batch(task: Task) -> Batch:
    """Run every replication of ``task`` in order and return their results."""
    scenario = _scenario(task)
    replicate = task.replicate or _default_replicate()
    out = Batch(task.level, list(task.reps), list(task.seeds), [], [])
    for seed in task.seeds:
        res = replicate(scenario, seed=seed, policy=task.policy)
        out.metrics.append({k: _float(v) for k, v in res.metrics().items()})
        out.intervals.append({k: [_float(x) for x in v] for k, v in (res.intervals or {}).items()})
    return out
