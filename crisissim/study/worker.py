"""What a worker runs: one batch of replications of one level (picklable, no I/O).

A task carries the level's scenario as JSON-able data and a key for it; the worker
validates it once and keeps it (a small per-process cache), then runs each replication
with its own seed. Results are plain lists and dicts so they pickle and journal cheaply.

Interrupts lose nothing: a worker told to stop (SIGINT, from the terminal or from the study
that owns it) abandons the replication it is running and returns the batch so far, marked
``interrupted``, so every finished replication reaches the journal at once. A worker whose parent
dies (even by SIGKILL) exits within a second instead of waiting forever for work.
A replication that fails is one line: :class:`ReplicationError`, naming level, replication
and seed.
"""

from __future__ import annotations

import math
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crisissim.scenario.schema import Scenario
from crisissim.study.grid import StudyError

_CACHE: dict[str, Scenario] = {}
_CACHE_MAX = 64
_STOP = threading.Event()  # set in a worker process when it is asked to stop
_RUNNING = False  # a replication is running in this worker: a stop request interrupts it


class ReplicationError(StudyError):
    """A replication that failed (a policy that breaks, a run over its work limit); one line."""


@dataclass(frozen=True)
class Task:
    """Replications ``reps`` (with ``seeds``) of level ``level`` under ``policy``.

    ``policy_text`` is a scripted policy's YAML, read once by the study (so a file edited during
    the study changes nothing); ``max_contacts`` the work limit of each replication."""

    level: int
    key: str
    scenario: dict[str, Any]
    policy: str | None
    reps: tuple[int, ...]
    seeds: tuple[int, ...]
    replicate: Callable[..., Any] | None = None
    policy_text: str | None = None
    max_contacts: int | None = None


@dataclass
class Batch:
    """Finished replications of one task: per replication, its metrics and interval KPIs.

    ``interrupted`` marks a batch cut short by a stop request (its replications are all finished)."""

    level: int
    reps: list[int]
    seeds: list[int]
    metrics: list[dict[str, float]]
    intervals: list[dict[str, list[float]]]
    interrupted: bool = False


def _scenario(task: Task) -> Scenario:
    sc = _CACHE.get(task.key)
    if sc is None:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        sc = _CACHE[task.key] = Scenario.model_validate(task.scenario)
    return sc


def _default_replicate(task: Task, scenario: Scenario) -> Callable[..., Any]:
    from crisissim.engine import run_replication
    from crisissim.policy import parse_scripted, resolve

    script = None
    if task.policy_text is not None:
        script = parse_scripted(task.policy_text, scenario, file=(task.policy or "").removeprefix("scripted:"),
                                name=task.policy)

    def replicate(scenario: Scenario, seed: int, policy: str | None = None):
        pol = script if script is not None else resolve(policy or "default", scenario, seed)
        return run_replication(scenario, seed, pol, max_contacts=task.max_contacts)

    return replicate


def _float(x: Any) -> float:
    v = float(x)
    return v if math.isfinite(v) else math.nan


def run_batch(task: Task) -> Batch:
    """Run every replication of ``task`` in order and return their results.

    Stops early, with the replications finished so far, when the worker is asked to stop
    (or, run in the study's own process, on Ctrl-C)."""
    out = Batch(task.level, [], [], [], [])
    try:
        scenario = _scenario(task)
        replicate = task.replicate or _default_replicate(task, scenario)
    except StudyError:
        raise
    except Exception as e:  # noqa: BLE001 - a policy or scenario that cannot be used: one line
        raise ReplicationError(f"level {task.level}: {_one_line(e)}") from None
    global _RUNNING
    for rep, seed in zip(task.reps, task.seeds, strict=True):
        if _STOP.is_set():
            out.interrupted = True
            break
        try:
            _RUNNING = True
            try:
                res = replicate(scenario, seed=seed, policy=task.policy)
            finally:
                _RUNNING = False
        except KeyboardInterrupt:  # a stop request (or Ctrl-C, inline): keep what finished
            out.interrupted = True
            break
        except StudyError:
            raise
        except Exception as e:  # noqa: BLE001 - the study reports it in one line and stops
            raise ReplicationError(f"level {task.level}, replication {rep} (seed {seed}): {_one_line(e)}") from None
        out.reps.append(rep)
        out.seeds.append(seed)
        out.metrics.append({k: _float(v) for k, v in res.metrics().items()})
        out.intervals.append({k: [_float(x) for x in v] for k, v in (res.intervals or {}).items()})
    return out


def _one_line(e: BaseException) -> str:
    from crisissim.engine import DecisionError, WorkloadError
    from crisissim.policy import PolicyError

    text = str(e).strip()
    lines = text.splitlines() or [""]
    more = f" (and {len(lines) - 1} more)" if len(lines) > 1 else ""
    known = isinstance(e, (PolicyError, DecisionError, WorkloadError, ValueError))
    head = lines[0] if known else f"{type(e).__name__}: {lines[0]} (a bug in crisissim? please report it)"
    return head + more


# ----------------------------------------------------------------- in the worker process
def init_worker(parent: int) -> None:
    """Pool initializer: a stop request (SIGINT) abandons the replication running and returns the
    batch's finished ones; the worker exits when its parent ``parent`` is gone."""
    _STOP.clear()
    signal.signal(signal.SIGINT, _on_stop)
    threading.Thread(target=_watch_parent, args=(parent,), name="crisissim-parent-watch", daemon=True).start()


def _on_stop(*_) -> None:
    _STOP.set()
    if _RUNNING:  # abandon the replication in progress; run_batch returns the finished ones
        raise KeyboardInterrupt


def _watch_parent(parent: int, every: float = 0.5) -> None:
    while True:
        if os.getppid() != parent:  # the parent died: nobody will read our results
            os._exit(1)
        threading.Event().wait(every)
