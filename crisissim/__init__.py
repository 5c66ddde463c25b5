"""crisissim: crisis-simulation and training engine.

Time inside the engine is in minutes; money in the scenario's currency.
The package imports without pygame, Dask or matplotlib.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "load_scenario", "Simulation", "ScenarioError"]


def __getattr__(name: str):  # lazy: keep `import crisissim` cheap
    if name in ("load_scenario", "ScenarioError"):
        from crisissim import scenario

        return getattr(scenario, name)
    if name == "Simulation":
        from crisissim.engine.simulation import Simulation

        return Simulation
    raise AttributeError(f"module 'crisissim' has no attribute {name!r}")
