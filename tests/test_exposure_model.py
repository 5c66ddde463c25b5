"""Exposures: the fluid of exposed units against its ODE, retrieval curves, the tail formula,
and incidents against their Poisson law (counts, and time-rescaled gaps).

Statistical checks (exact Poisson, Kolmogorov-Smirnov, t) take their share of the suite's
false-alarm budget (``tests/stats_budget.py``); their seeds move with the seed offset.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy
from scipy import integrate, stats

from crisissim.engine.exposure import ExposureState, decay, phi1, phi2
from crisissim.engine.incidents import Incidents
from crisissim.scenario.exposures import Exposure
from stats_budget import assert_ks, assert_mean, assert_poisson, seed, seeds


def exposure(units=10_000, reachable=1.0, horizon="30d", **kinds) -> Exposure:
    kinds = kinds or {"injury": {"hazard": 0.01, "per": "day", "cost": {"dist": "fixed", "value": 100}}}
    return Exposure.model_validate({"units": units, "at": 0, "reachable": reachable, "horizon": horizon,
                                    "incidents": kinds})


class Scn:
    """The parts of a scenario that Incidents reads."""

    def __init__(self, duration: float, **exposures):
        self.meta = type("M", (), {"duration": duration})()
        self.exposures = exposures


class Hooks:
    def __init__(self):
        self.booked: dict[str, float] = {}
        self.entries: list[tuple[str, float]] = []
        self.rep = 0.0
        self.fired: list[str] = []
        self.logged: list[tuple] = []

    def book(self, part, amount):
        self.booked[part] = self.booked.get(part, 0.0) + amount
        self.entries.append((part, amount))

    def shift_reputation(self, delta):
        self.rep += delta

    def trigger(self, inject):
        self.fired.append(inject)

    def log(self, now, kind, **detail):
        self.logged.append((now, kind, detail))


def incidents(env, scn: Scn, seed: int, hooks: Hooks) -> Incidents:
    from crisissim.engine.clock import Clock

    # the engine's clock over a bare SimPy environment (env.run drives it here)
    inc = Incidents(Clock(env, float("inf")), scn, seed, hooks.book, hooks.shift_reputation, hooks.trigger, hooks.log)
    inc.start()
    return inc


def run(scn: Scn, seed: int, until: float, changes=()):
    """Run Incidents alone on a SimPy clock; ``changes``: (time, callable(incidents)) applied then."""
    env = simpy.Environment()
    hooks = Hooks()
    inc = incidents(env, scn, seed, hooks)
    for t, fn in changes:
        env.timeout(t).callbacks.append(lambda _e, fn=fn: fn(inc))
    env.run(until=until)
    return inc, hooks


# ----------------------------------------------------------------------- the fluid
@pytest.mark.parametrize("x0,b,k,s", [
    (100.0, 0.0, 0.01, 50.0), (100.0, 3.0, 0.01, 500.0), (0.0, 2.0, 0.0, 30.0),
    (5.0, 1.0, 1e-9, 1000.0), (1e6, 0.0, 2.0, 10.0), (10.0, 4.0, 1e-3, 1e5),
])
def test_decay_solves_the_ode(x0, b, k, s):
    sol = integrate.solve_ivp(lambda t, y: [b - k * y[0], y[0]], (0, s), [x0, 0.0], rtol=1e-11, atol=1e-9)
    x, area = decay(x0, b, k, s)
    assert x == pytest.approx(sol.y[0, -1], rel=1e-7, abs=1e-7)
    assert area == pytest.approx(sol.y[1, -1], rel=1e-7, abs=1e-7)


def test_phi_functions_are_smooth_at_zero():
    for z in (0.0, 1e-14, 1e-9, 1e-5, 1e-4, 1.0001e-4, 0.5, 30.0):
        exact1 = 1.0 if z == 0 else -math.expm1(-z) / z
        exact2 = 0.5 if z < 1e-6 else (z + math.expm1(-z)) / (z * z)
        assert phi1(z) == pytest.approx(exact1, rel=1e-9)
        assert phi2(z) == pytest.approx(exact2, rel=1e-6)


def test_conservation_units_in_equal_units_out_plus_left():
    spec = exposure(units=8000, reachable=0.7,
                    a={"hazard": 0.2, "per": "day", "cost": {"dist": "fixed", "value": 1}},
                    b={"hazard": 0.05, "per": "day", "cost": {"dist": "fixed", "value": 1}})
    st = ExposureState("e", spec)
    st.add_units(8000)
    from crisissim.engine.exposure import Hold

    st.holds[1] = Hold("rate", 5.0, math.inf)
    st.holds[2] = Hold("retrieve", math.log(2) / 2880, math.inf, cost=3.0)
    st.refold()
    used = st.advance(3000.0)
    incidents = st.p.H * used
    assert 8000 + 5.0 * 3000 == pytest.approx(st.R + st.U + st.retrieved + incidents, rel=1e-12)
    assert st.exposed_total == pytest.approx(8000 + 5.0 * 3000)
    assert st.retrieval_cost == pytest.approx(3.0 * st.retrieved)


def test_recall_retrieval_curve():
    """Only reachable units come back: N(t) = N₀·(ρ·2^(−t/half-life) + 1 − ρ) (no hazard)."""
    spec = exposure(units=18_000, reachable=0.6, injury={"hazard": 0, "cost": {"dist": "fixed", "value": 1}})
    env = simpy.Environment()
    inc = incidents(env, Scn(20 * 1440.0, batch=spec), 1, Hooks())
    end = inc.retrieve("batch", math.log(2) / (5 * 1440), 150.0, math.inf)
    for day in range(1, 16):
        env.run(until=day * 1440)
        expected = 18_000 * (0.6 * 2 ** (-day / 5) + 0.4)
        assert inc.exposed("batch", env.now) == pytest.approx(expected, rel=1e-9)
        assert inc.retrieved("batch", env.now) == pytest.approx(18_000 - expected, rel=1e-9)
        assert inc.retrieval_cost(env.now) == pytest.approx(150.0 * (18_000 - expected), rel=1e-9)
    end()  # the recall stops: the curve is flat from here
    flat = inc.exposed("batch", env.now)
    env.run(until=17 * 1440)
    assert inc.exposed("batch", env.now) == pytest.approx(flat, rel=1e-12)
    view = inc.views(env.now)["batch"]
    assert view.retrieval_per_day == 0.0 and view.exposed == pytest.approx(flat)


def test_share_per_day_and_half_life_are_the_same_rate():
    from crisissim.scenario.effects import EFFECT_MODELS

    by_share = EFFECT_MODELS["retrieve"].model_validate({"effect": "retrieve", "exposure": "x", "share": 0.5})
    by_half = EFFECT_MODELS["retrieve"].model_validate({"effect": "retrieve", "exposure": "x", "half_life": "1d"})
    assert by_share.rate_per_minute == pytest.approx(by_half.rate_per_minute, rel=1e-12)


def test_tail_matches_closed_form():
    """No inflow after the run: E[incidents of k] = g_k·(R·(1−e^(−(r+H)L))/(r+H) + U·(1−e^(−HL))/H)."""
    kinds = {"injury": {"hazard": 0.002, "cost": {"dist": "lognormal", "mean": 40_000, "cv": 1.2}},
             "refund": {"hazard": 0.01, "cost": {"dist": "fixed", "value": 200}}}
    spec = exposure(units=10_000, reachable=0.75, horizon="30d", **kinds)
    env = simpy.Environment()
    hooks = Hooks()
    inc = incidents(env, Scn(720.0, batch=spec), 3, hooks)
    r = math.log(2) / (7 * 1440)
    inc.retrieve("batch", r, 100.0, math.inf)
    env.run(until=720.0)
    inc.finish(720.0)
    st = inc.states["batch"]
    assert st.t0 == 720.0
    R, U = st.R, st.U
    g = {k: v["hazard"] / 1440 for k, v in kinds.items()}
    H, L = sum(g.values()), 30 * 1440
    area = R * -math.expm1(-(r + H) * L) / (r + H) + U * -math.expm1(-H * L) / H
    tail = inc.tails["batch"]
    for k in kinds:
        assert tail["incidents"][k] == pytest.approx(g[k] * area, rel=1e-9)
    assert tail["retrieved"] == pytest.approx(r * R * -math.expm1(-(r + H) * L) / (r + H), rel=1e-9)
    want = g["injury"] * area * 40_000 + g["refund"] * area * 200 + 100.0 * tail["retrieved"]
    assert tail["total"] == pytest.approx(want, rel=1e-9)
    assert hooks.booked["exposure_tail"] == pytest.approx(want, rel=1e-9)


def test_tail_ends_each_hold_at_its_own_end():
    """A retrieval that stops 2 days after the run retrieves for 2 days of the horizon only."""
    spec = exposure(units=1000, injury={"hazard": 0, "cost": {"dist": "fixed", "value": 1}})
    env = simpy.Environment()
    inc = incidents(env, Scn(600.0, batch=spec), 1, Hooks())
    r = math.log(2) / 1440
    inc.retrieve("batch", r, 0.0, 600.0 + 2 * 1440)
    env.run(until=600.0)
    left = inc.exposed("batch", 600.0)
    inc.finish(600.0)
    assert inc.tails["batch"]["retrieved"] == pytest.approx(left * 0.75, rel=1e-9)


# ------------------------------------------------------------------- incidents
def test_time_to_inverts_the_integral():
    spec = exposure(units=5000, reachable=0.5)
    st = ExposureState("e", spec)
    st.add_units(5000)
    from crisissim.engine.exposure import Hold

    st.holds[1] = Hold("retrieve", 0.01, math.inf)
    st.holds[2] = Hold("rate", 2.0, math.inf)
    st.refold()
    for mass in (1e-6, 0.3, 1.0, 7.5, 40.0):
        s = st.time_to(1e-4, mass, 1e6)
        assert 1e-4 * st.integral(s)[0] == pytest.approx(mass, rel=1e-10)
    assert st.time_to(1e-4, 1e9, 100.0) is None


def _decaying_case(hazard=0.5):
    """Units retrieved with a 6h half-life, plus a trickle in: intensity falls, then levels."""
    spec = exposure(units=2000, reachable=0.9, cancel={"hazard": hazard, "per": "hour",
                                                     "cost": {"dist": "gamma", "mean": 180, "cv": 0.5}})
    return Scn(720.0, stuck=spec)


def _mass(scn, st, t):  # noqa: D103
    """g·∫₀ᵗ N for the holds of ``st`` in force from 0 (what the intensity integrates to)."""
    probe = ExposureState("p", scn.exposures["stuck"])
    probe.add_units(scn.exposures["stuck"].units)
    probe.holds = dict(st.holds)
    probe.refold()
    return probe.p.g["cancel"] * probe.integral(t)[0]


def _start(inc):
    inc.retrieve("stuck", math.log(2) / 360, 0.0, math.inf)
    inc.expose("stuck", 0, 1.0, math.inf)


def test_incident_counts_follow_the_hazard():
    """The total count over 40 independent runs is Poisson with mean 40 × g·∫N (exact test; the law
    of the times themselves is the next test's)."""
    scn = _decaying_case(hazard=0.03)
    counts = []
    for s in seeds(40, 10_000):
        inc, _ = run(scn, s, 720.0, [(0.0, _start)])
        counts.append(inc.incident_count("cancel"))
    expected = _mass(scn, inc.states["stuck"], 720.0)
    assert_poisson(sum(counts), 40 * expected, "incidents in 40 runs")


def test_rescaled_gaps_are_unit_exponential():
    """Time rescaling: Λ between successive incidents is Exp(1) (KS test on one long run)."""
    scn = _decaying_case(hazard=2.0)
    times = []
    env = simpy.Environment()
    hooks = Hooks()
    inc = incidents(env, scn, seed(77), hooks)
    _start(inc)
    st = inc.states["stuck"]
    orig = inc._incident

    def spy(state, kind, ev):
        if inc.clocks["stuck"][kind].pending is ev:
            times.append(env.now)
        orig(state, kind, ev)

    inc._incident = spy
    env.run(until=720.0)
    lam = [_mass(scn, st, t) for t in times]
    gaps = np.diff([0.0, *lam])
    assert len(gaps) > 500
    assert_ks(gaps, stats.expon.cdf, "time-rescaled gaps between incidents")


def test_costs_come_from_the_kind_distribution():
    scn = _decaying_case(hazard=2.0)
    costs = []
    for s in seeds(4, 500):
        inc, hooks = run(scn, s, 720.0, [(0.0, _start)])
        costs += [amount for part, amount in hooks.entries if part == "incidents"]
        assert len(costs) and hooks.booked["incidents"] == pytest.approx(inc.states["stuck"].costs["cancel"])
    assert_mean(costs, 180.0, "incident cost (gamma, mean 180)")


def test_common_random_numbers_across_a_decision():
    """A recall at 4h leaves every incident before 4h unchanged, and only thins the later ones."""
    kinds = {"injury": {"hazard": 0.02, "per": "hour", "cost": {"dist": "lognormal", "mean": 100, "cv": 1}},
             "refund": {"hazard": 0.05, "per": "hour", "cost": {"dist": "fixed", "value": 20}}}
    scn = Scn(720.0, batch=exposure(units=3000, **kinds))

    def times(changes):
        env = simpy.Environment()
        hooks = Hooks()
        inc = incidents(env, scn, 5, hooks)
        seen = []
        orig = inc._incident

        def spy(state, kind, ev):
            if inc.clocks["batch"][kind].pending is ev:
                seen.append((round(env.now, 9), kind))
            orig(state, kind, ev)

        inc._incident = spy
        for t, fn in changes:
            env.timeout(t).callbacks.append(lambda _e, fn=fn: fn(inc))
        env.run(until=720.0)
        return seen, inc

    base, _ = times([])
    recall, inc = times([(240.0, lambda i: i.retrieve("batch", math.log(2) / 60, 0.0, math.inf))])
    assert [x for x in base if x[0] < 240] == [x for x in recall if x[0] < 240]
    assert len([x for x in recall if x[0] >= 240]) < len([x for x in base if x[0] >= 240])
    # the costs of the first incidents of each kind are the same draws
    again, inc2 = times([])
    assert again == base
    assert inc2.states["batch"].costs == times([])[1].states["batch"].costs


def test_hazard_factor_only_changes_its_kind():
    kinds = {"injury": {"hazard": 0.02, "per": "hour", "cost": {"dist": "fixed", "value": 1}},
             "refund": {"hazard": 0.05, "per": "hour", "cost": {"dist": "fixed", "value": 1}}}
    scn = Scn(720.0, batch=exposure(units=3000, **kinds))
    a, _ = run(scn, 9, 720.0)
    b, _ = run(scn, 9, 720.0, [(100.0, lambda i: i.hazard("batch", "injury", 0.1, math.inf))])
    assert b.incident_count("injury") < a.incident_count("injury")
    # refunds draw the same unit exponentials; fewer injuries leave more units, so at least as many refunds
    assert b.incident_count("refund") >= a.incident_count("refund")


def test_incident_hooks_reputation_feed_and_follow_on():
    kinds = {"injury": {"hazard": 1.0, "per": "hour", "cost": {"dist": "fixed", "value": 5},
                        "reputation": -0.5, "fires": "story"},
             "refund": {"hazard": 1.0, "per": "hour", "cost": {"dist": "fixed", "value": 2}}}
    inc, hooks = run(Scn(120.0, batch=exposure(units=10, **kinds)), 2, 120.0)
    n_inj, n_ref = inc.incident_count("injury"), inc.incident_count("refund")
    assert n_inj > 0 and n_ref > 0
    assert hooks.rep == pytest.approx(-0.5 * n_inj)
    assert hooks.fired == ["story"] * n_inj
    assert hooks.booked["incidents"] == pytest.approx(5 * n_inj + 2 * n_ref)
    shown = [d for _, k, d in hooks.logged if k == "incident"]
    assert [d["incident"] for d in shown] == ["injury"] * n_inj  # refunds are counted, not shown


def test_closed_exposure_breeds_nothing_until_it_opens():
    spec = Exposure.model_validate({"units": 500, "incidents": {"x": {"hazard": 1, "per": "hour",
                                                                       "cost": {"dist": "fixed", "value": 1}}}})
    env = simpy.Environment()
    inc = incidents(env, Scn(600.0, e=spec), 1, Hooks())
    env.run(until=300.0)
    assert inc.incident_count() == 0 and inc.exposed("e", 300.0) == 0
    inc.expose("e", 100, 0.0, math.inf)
    assert inc.exposed("e", 300.0) == 600
    env.run(until=600.0)
    assert inc.incident_count() > 0


def test_the_documented_worked_example():
    """Exposure's docstring: 9,700 kettles, injury hazard 1e-4/day at 40,000 → ~29 injuries (~1.2M) over
    30 days; a 3-day half-life recall reaching 80% leaves about a third of that."""
    from crisissim.scenario.exposures import Exposure as Spec

    spec = exposure(units=9700, reachable=0.8, injury={"hazard": 1e-4, "cost": {"dist": "fixed", "value": 40_000}})
    tails = []
    for recall in (False, True):
        env = simpy.Environment()
        inc = incidents(env, Scn(1.0, batch=spec), 1, Hooks())
        if recall:
            inc.retrieve("batch", math.log(2) / (3 * 1440), 0.0, math.inf)
        inc.finish(0.0)
        tails.append(inc.tails["batch"])
    assert tails[0]["incidents"]["injury"] == pytest.approx(29, abs=0.5)
    assert tails[0]["total"] == pytest.approx(1.16e6, rel=0.01)
    assert tails[1]["total"] / tails[0]["total"] == pytest.approx(1 / 3, abs=0.03)
    doc = " ".join(Spec.__doc__.split())
    assert "≈ 29 injuries" in doc and "about a third" in doc


def test_the_feed_lists_at_most_feed_limit_incidents_of_a_kind():
    from crisissim.engine.incidents import FEED_LIMIT

    kinds = {"claim": {"hazard": 2.0, "per": "hour", "cost": {"dist": "fixed", "value": 1}, "feed": True}}
    inc, hooks = run(Scn(720.0, batch=exposure(units=1000, **kinds)), 1, 720.0)
    assert inc.incident_count("claim") > FEED_LIMIT
    assert len([1 for _, k, _ in hooks.logged if k == "incident"]) == FEED_LIMIT
    assert hooks.booked["incidents"] == inc.incident_count("claim")
