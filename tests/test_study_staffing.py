"""Queueing theory for planners: Erlang A's service level and headcount, the forecast with the
scenario's own profile and surges, and the requirement at its peak interval."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.linalg import expm

from crisissim.queueing import (
    erlang_a_service_level,
    erlang_a_staffing,
    erlang_c_service_level,
    erlang_c_staffing,
)
from crisissim.queueing import _erlang_a_states as states
from crisissim.scenario.schema import Scenario
from crisissim.study.staffing import comparison, forecast, peak_requirement, pick_pool
from study_fake import SCENARIO


def _by_matrix_exponential(lam, mu, c, theta, t):
    """P(answered within t) of M/M/c+M from the transient of the queue-position chain (expm)."""
    p = states(lam, mu, c, theta)
    k = len(p) - c
    q = np.zeros((k + 2, k + 2))  # 0 answered, 1..k positions, k+1 hung up
    for j in range(1, k + 1):
        q[j, j - 1] = c * mu + (j - 1) * theta
        q[j, k + 1] = theta
        q[j, j] = -(c * mu + j * theta)
    reach = expm(q * t)[1:k + 1, 0]
    return float(p[:c].sum() + p[c:] @ reach)


@pytest.mark.parametrize("lam,mu,c,theta,t", [(2.0, 0.5, 5, 0.3, 0.5), (10, 0.25, 42, 1 / 3, 1 / 3),
                                               (10, 0.25, 35, 1 / 3, 0.5), (1, 1, 1, 2, 1.0), (30, 0.2, 140, 0.1, 1)])
def test_erlang_a_service_level_matches_the_matrix_exponential(lam, mu, c, theta, t):
    assert erlang_a_service_level(lam, mu, c, theta, t) == pytest.approx(_by_matrix_exponential(lam, mu, c, theta, t),
                                                                         abs=1e-12)


def test_erlang_a_tends_to_erlang_c_and_staffs_for_the_target():
    assert erlang_a_service_level(10, 0.25, 45, 1e-7, 0.5) == pytest.approx(erlang_c_service_level(10, 0.25, 45, 0.5),
                                                                            abs=1e-5)
    a = erlang_a_staffing(6, 0.25, 1 / 3, 0.8, 1 / 3)
    assert erlang_a_service_level(6, 0.25, a, 1 / 3, 1 / 3) >= 0.8 > erlang_a_service_level(6, 0.25, a - 1, 1 / 3, 1 / 3)
    assert a < erlang_c_staffing(6, 0.25, 0.8, 1 / 3) == 29
    # very impatient callers are missed even when the wait would be short: Erlang A asks for more
    assert erlang_a_staffing(10, 0.25, 50, 0.95, 5) > erlang_c_staffing(10, 0.25, 0.95, 5)
    assert erlang_a_service_level(10, 0.25, 30, 1e-9, 0.5) == 0.0  # overloaded, nobody leaves: no answer in time


def _scenario(**changes):
    data = {**SCENARIO, **changes}
    return Scenario.model_validate(data)


def test_peak_requirement_of_a_steady_queue():
    req = peak_requirement(_scenario(), "agents")
    assert (req.start, req.end, req.rate, req.handle, req.patience) == (0.0, 30.0, pytest.approx(360),
                                                                        pytest.approx(4), pytest.approx(3))
    assert req.erlang_c == 29 and req.erlang_a == erlang_a_staffing(6, 0.25, 1 / 3, 0.8, 1 / 3)
    assert req.on_duty == 25 and req.forecast_contacts == pytest.approx(180) and not req.async_types
    shrunk = _scenario(pools={"agents": {**SCENARIO["pools"]["agents"], "shrinkage": 0.2}})
    assert peak_requirement(shrunk, "agents").erlang_c == math.ceil(29 / 0.8)
    assert peak_requirement(_scenario(), None) is None and pick_pool(_scenario(), []) == "agents"


def test_forecast_follows_the_profile_and_the_fixed_time_surges():
    billing = {**SCENARIO["contact_types"]["billing"],
               "arrival": {"rate": 60, "per": "hour", "profile": [1, 2], "profile_step": 60}}
    injects = [
        {"id": "surge", "at": 60, "effects": [{"effect": "surge", "target": "billing", "peak": 2, "half_life": 30}]},
        {"id": "halve", "at": 30, "effects": [{"effect": "rate", "factor": 0.5, "duration": 30}]},
        {"id": "maybe", "at": 0, "probability": 0.4, "effects": [{"effect": "rate", "factor": 10}]},
        {"id": "if", "when": "time > 10", "effects": [{"effect": "rate", "factor": 10}]},
    ]
    fc = forecast(_scenario(contact_types={"billing": billing}, injects=injects))
    rate = fc.rate["billing"]
    assert fc.starts.tolist() == [0, 30, 60, 90]
    assert rate[0] == pytest.approx(1.0) and rate[1] == pytest.approx(0.5)  # profile 1, then halved for 30 min
    # profile 2 from 60 min, surge 2·2^(−(t−60)/30): its mean over [60, 90) is 2·(1 − 1/2)/ln 2
    assert rate[2] == pytest.approx(2 * (1 + 1 / math.log(2)), rel=1e-3)
    assert rate[3] == pytest.approx(2 * (1 + 0.5 / math.log(2)), rel=1e-3)


def test_comparison_counts_the_intervals_short_of_erlang():
    shifts = {**SCENARIO["pools"]["agents"], "size": None,
              "shifts": [{"start": 0, "end": "1h", "size": 40}, {"start": "1h", "end": "2h", "size": 20}]}
    sc = _scenario(pools={"agents": shifts})
    e = comparison(sc, "agents", [200.0, 200.0, 180.0, 180.0])
    assert e["on_duty"] == 40 and e["erlang_a"] < 40 and e["forecast_total"] == pytest.approx(720)
    assert e["offered_peak"] == 200.0 and e["offered_total"] == 760.0
    assert e["short_intervals"] == [60.0, 90.0] and e["intervals"] == 4
