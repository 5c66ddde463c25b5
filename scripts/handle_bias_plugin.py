"""A pytest plugin that makes the engine deliberately wrong: every handle time is longer by a factor.

Loaded by ``scripts/stats_offsets.py --bias-handle F`` (``-p handle_bias_plugin`` with this folder
on ``PYTHONPATH``) to show that the statistical checks catch a biased service rate: the tests
still compare with the theory of the unbiased scenario, while every ``Simulation`` they build
draws handle times ``F`` times too long (service rate ``1/F`` times too low). Nothing else changes.
"""

from __future__ import annotations

import os

import crisissim
import crisissim.engine
import crisissim.engine.simulation

FACTOR = float(os.environ.get("CRISISSIM_TEST_HANDLE_BIAS", "1.05"))
_SCALED = ("mean", "scale", "value", "low", "high", "values")


def _scaled(dist):
    d = dist.model_dump(by_alias=True, exclude_none=True)
    for key in _SCALED:
        if key in d:
            d[key] = [v * FACTOR for v in d[key]] if isinstance(d[key], list) else d[key] * FACTOR
    if "rate" in d:
        d["rate"] = d["rate"] / FACTOR
    if d.keys() & {"mu", "shape"} and not d.keys() & set(_SCALED):
        raise NotImplementedError(f"cannot scale {d} (give it as mean and cv)")
    return type(dist).model_validate(d)


class BiasedSimulation(crisissim.engine.simulation.Simulation):
    def __init__(self, scenario, *args, **kwargs):
        scenario = scenario.model_copy(deep=True)
        for ct in scenario.contact_types.values():
            ct.handle_time = _scaled(ct.handle_time)
        super().__init__(scenario, *args, **kwargs)


crisissim.Simulation = crisissim.engine.Simulation = crisissim.engine.simulation.Simulation = BiasedSimulation


def pytest_report_header(config):
    return f"handle_bias_plugin: every handle time x{FACTOR} (a deliberately wrong engine)"
