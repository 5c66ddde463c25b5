"""The simulation engine: SimPy processes for arrivals, routing, staff, reputation, churn and losses.

Pure simulation: no pygame, no Dask, no plotting, no printing.
"""

from __future__ import annotations

from crisissim.engine.crisis import DecisionError
from crisissim.engine.result import METRIC_KEYS, Result
from crisissim.engine.simulation import Simulation
from crisissim.engine.workload import DEFAULT_MAX_CONTACTS, WorkloadError

__all__ = ["Simulation", "Result", "DecisionError", "METRIC_KEYS", "WorkloadError", "DEFAULT_MAX_CONTACTS",
           "run_replication"]


def run_replication(scenario, seed: int, policy=None, **kw) -> Result:
    """Run one replication to the end and return its :class:`Result` (``policy``: a callable or None)."""
    return Simulation(scenario, seed, policy, **kw).result()
