"""Flat metrics and loss parts come from one declaration each."""

from __future__ import annotations

import pytest

from crisissim.engine import METRIC_KEYS, Simulation
from crisissim.engine.ledger import LOSS_PARTS
from crisissim.engine.result import METRICS
from crisissim.scenario import default_scenario_path, load_scenario


@pytest.fixture(scope="module")
def result():
    sc = load_scenario(default_scenario_path())
    return Simulation(sc, 3).result()


def test_metrics_follow_their_declaration(result):
    m = result.metrics()
    assert tuple(m) == METRIC_KEYS == tuple(name for name, _ in METRICS)
    d = result.to_dict()
    assert m["total_loss"] == d["total_loss"] and m["churned"] == d["churned"]
    assert m["wait_p90"] == d["wait"]["p90"] and m["abandon_rate"] == d["abandon_rate"]
    for part in LOSS_PARTS:
        assert m[f"loss_{part}"] == d["losses"][part]


def test_loss_parts_are_named_once(result):
    d = result.to_dict()
    assert tuple(d["losses"]) == LOSS_PARTS
    assert [k for k in METRIC_KEYS if k.startswith("loss_")] == [f"loss_{p}" for p in LOSS_PARTS]
    assert d["total_loss"] == pytest.approx(sum(d["losses"].values()), abs=1e-3)
    assert d["losses"]["staff_regular"] > 0 and d["losses"]["churn_margin"] > 0
