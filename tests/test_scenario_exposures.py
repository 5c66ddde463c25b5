"""The scenario format's exposures, random injects and early-warning names: what validates, and
every mistake as one located line."""

from __future__ import annotations

from pathlib import Path

import pytest

from crisissim.scenario import load_scenario, validate_text
from crisissim.scenario.schema import Inject

DATA = Path(__file__).parent / "data"
CASE = (DATA / "exposure.yaml").read_text()


def problems(old: str, new: str, extra: str = "") -> list[str]:
    assert old in CASE, old
    _, errors, warnings = validate_text(CASE.replace(old, new) + extra, "e.yaml")
    return [str(p) for p in errors + warnings]


def test_the_fixture_validates():
    sc = load_scenario(DATA / "exposure.yaml")
    batch = sc.exposures["batch"]
    assert batch.units == 10_000 and batch.reachable == 0.8 and batch.horizon == 30 * 1440
    assert batch.incidents["injury"].hazard_per_minute == pytest.approx(1e-4 / 1440)
    assert batch.incidents["injury"].shown and not batch.incidents["refund"].shown
    assert sc.monitoring.threshold > 9


@pytest.mark.parametrize("old,new,want", [
    ("{effect: retrieve, exposure: batch, half_life: 3d", "{effect: retrieve, exposure: btch, half_life: 3d",
     "e.yaml:57:42: decisions[0].options[0].effects[0].exposure: unknown exposure 'btch'; did you mean 'batch'? "
     "(expected one of: batch)"),
    ("incident: injury, factor: 0.5", "incident: injuri, factor: 0.5",
     "e.yaml:58:57: decisions[0].options[0].effects[1].incident: unknown incident kind 'injuri'; did you mean "
     "'injury'? (expected one of: injury, refund)"),
    ("fires: story", "fires: stroy",
     "e.yaml:29:16: exposures.batch.incidents.injury.fires: unknown inject 'stroy'; did you mean 'story'? "
     "(expected one of: regulator, story)"),
    ("fires: story", "fires: regulator",
     "e.yaml:36:5: injects[0]: inject 'story' can never fire (expected at or when, or an incident whose fires names it)"),
    ("when: incidents.injury >= 3", "when: incidents.injyry >= 3",
     "e.yaml:42:21: injects[1].when: bad condition: unknown incident kind 'injyry'; did you mean 'injury'? "
     "(expected one of: injury, refund)"),
    ("when: incidents.injury >= 3", "when: exposed.btch < 5000",
     "e.yaml:42:19: injects[1].when: bad condition: unknown exposure 'btch'; did you mean 'batch'? "
     "(expected one of: batch)"),
    ("when: incidents.injury >= 3", "when: alarm.safty",
     "e.yaml:42:17: injects[1].when: bad condition: unknown contact type 'safty'; did you mean 'safety'? "
     "(expected one of: safety)"),
    ("when: incidents.injury >= 3", "when: alarm.safety > 1",
     "e.yaml:42:11: injects[1].when: bad condition: '>' compares numbers (got true/false)"),
    ("cost: {dist: fixed, value: 200}", "cost: {dist: fixed, value: 2h}",
     "e.yaml:34:15: exposures.batch.incidents.refund.cost: value of a cost is money, a plain number (got '2h')"),
    ("cost: {dist: fixed, value: 200}", "cost: {dist: lognormal, mu: 25, sigma: 5}",
     "e.yaml:34:15: exposures.batch.incidents.refund.cost: a cost's mean and standard deviation must be at most 1e+12"),
    ("hazard: 0.001\n", "hazard: 900\n",
     "e.yaml:15:3: exposures.batch: this exposure could breed up to 4.5e+06 incidents in a run (expected at most "
     "1,000,000; lower its hazards or units)"),
    ("        fires: story\n", "",
     "e.yaml:35:5: injects[0]: inject 'story' can never fire (expected at or when, or an incident whose fires names it)"),
    ("    at: 0\n    reachable", "    at: 13h\n    reachable",
     "e.yaml:19:9: exposures.batch.at: after the end of the run (expected before 12h, got 13h)"),
    ("    at: 0\n    reachable", "    reachable",
     "e.yaml:15:3: warning: exposures.batch: exposure 'batch' never opens (no at, and no expose effect names it)"),
    ("  - id: regulator\n    when", "  - id: regulator\n    probability: 1.5\n    when",
     "e.yaml:42:18: injects[1].probability: out of range (expected a value <= 1, got 1.5)"),
    ("  - id: regulator\n    when", "  - id: regulator\n    at: 1h\n    when",
     "e.yaml:41:5: injects[1]: give at most one of at or when"),
    ("half_life: 3d, unit_cost: 150}", "half_life: 3d, share: 0.5, unit_cost: 150}",
     "e.yaml:57:13: decisions[0].options[0].effects[0]: give exactly one of half_life or share"),
    ("  - id: regulator\n    when: incidents.injury >= 3", "  - id: regulator\n    at: {dist: unifrm, low: 1h, high: 2h}",
     "e.yaml:42:16: injects[1].at.dist: unknown dist type; did you mean 'uniform'? (expected one of: exponential, "
     "lognormal, gamma, weibull, uniform, fixed, empirical, got 'unifrm')"),
    ("  - id: regulator\n    when: incidents.injury >= 3", "  - id: regulator\n    at: 3x",
     "e.yaml:42:9: injects[1].at: bad duration (expected a duration such as 90s, 15m, 2h, 3d or minutes, got '3x')"),
])
def test_located_problems(old, new, want):
    assert problems(old, new) == [want]


def test_an_action_that_adds_exposure_needs_a_bound():
    extra = "actions:\n  - id: more\n    label: More\n    effects:\n      - {effect: expose, exposure: batch, units: 5}\n"
    assert problems("", "", extra) == [
        "e.yaml:65:9: actions[0].effects[0]: an action that adds to exposure 'batch' needs a limit or a cooldown "
        "(expected the action to be usable a bounded number of times)"
    ]
    assert problems("", "", extra.replace("    label: More\n", "    label: More\n    limit: 3\n")) == []


def test_conditions_read_every_new_name():
    cond = ("alarm.safety and exposed.batch < 5000 and retrieved.batch > 10 and incidents > 2 and exposed > 1 "
            "and incidents.refund >= 1")
    assert problems("when: incidents.injury >= 3", f"when: {cond}") == []


def test_random_inject_times_and_chances_validate():
    inj = Inject.model_validate({"id": "hub", "at": {"dist": "uniform", "low": "2h", "high": "8h"}, "probability": 0.5})
    assert inj.at.mean == 300.0 and inj.probability == 0.5
    assert Inject.model_validate({"id": "x", "at": "90m"}).at == 90.0
    assert Inject.model_validate({"id": "x"}).at is None  # fired only by an incident
