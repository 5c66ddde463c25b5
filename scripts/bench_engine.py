"""Contacts simulated per second: crisissim's engine against an idiomatic SimPy model of the same queue.

The queue is M/M/c+M (Poisson arrivals, exponential handling and patience). The
bare model is written the way the SimPy docs teach: one process per customer,
``simpy.Resource`` for the agents, patience as ``request | timeout``. Our engine
runs with reputation feedback and churn switched on. Both run alternately in one
process; the script prints contacts/second for each and the ratio, for the queue given
(600 calls an hour to 11 agents by default) and for a centre ten times its size.

    python scripts/bench_engine.py [--rounds 5] [--hours 8] [--rate 600] [--agents 11]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import simpy

from crisissim.engine import Simulation
from crisissim.scenario.schema import Scenario


def scenario(hours: float, rate: float, agents: int) -> Scenario:
    return Scenario.model_validate(
        {
            "meta": {"id": "bench", "title": "bench", "duration": f"{hours}h", "seed": 1},
            "channels": {"phone": {"kind": "sync", "patience": {"dist": "exponential", "mean": "2m"}}},
            "contact_types": {
                "billing": {
                    "channel": "phone",
                    "arrival": {"rate": rate, "per": "hour"},
                    "handle_time": {"dist": "exponential", "mean": "1m"},
                    "first_contact_resolution": 0.9,
                }
            },
            "pools": {"agents": {"size": agents, "skills": ["billing"], "wage": 30}},
            "reputation": {"arrival_feedback": 1.0},  # reputation and churn on
        }
    )


def bare_simpy(hours: float, rate: float, agents: int, seed: int) -> int:
    """Idiomatic SimPy M/M/c+M; returns the number of customers that arrived."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=agents)
    lam = rate / 60.0
    stats = {"arrived": 0, "served": 0, "abandoned": 0, "wait": 0.0}

    def customer(env):
        arrive = env.now
        with desk.request() as req:
            patience = env.timeout(rng.exponential(2.0))
            got = yield req | patience
            if req in got:
                stats["served"] += 1
                stats["wait"] += env.now - arrive
                yield env.timeout(rng.exponential(1.0))
            else:
                stats["abandoned"] += 1

    def source(env):
        while True:
            yield env.timeout(rng.exponential(1.0 / lam))
            stats["arrived"] += 1
            env.process(customer(env))

    env.process(source(env))
    env.run(until=hours * 60)
    return stats["arrived"]


def ours(sc: Scenario, seed: int) -> int:
    r = Simulation(sc, seed).result().to_dict()
    c = r["contacts"]
    return c["arrived"]


def side_by_side(hours: float, rate: float, agents: int, rounds: int) -> float:
    """Alternating rounds of both models on one queue; prints the medians and returns the ratio."""
    sc = scenario(hours, rate, agents)
    ours(sc, 0)  # warm imports and caches
    bare_simpy(0.5, rate, agents, 0)
    rates: dict[str, list[float]] = {"crisissim": [], "bare simpy": []}
    for r in range(rounds):
        for name, fn in (("crisissim", lambda s: ours(sc, s)), ("bare simpy", lambda s: bare_simpy(hours, rate, agents, s))):
            t0 = time.perf_counter()
            n = fn(r + 1)
            rates[name].append(n / (time.perf_counter() - t0))
    med = {k: statistics.median(v) for k, v in rates.items()}
    print(f"M/M/{agents}+M, {rate:g}/h, {hours:g} h simulated, {rounds} alternating rounds (median)")
    for k, v in med.items():
        print(f"  {k:<11} {v:>10,.0f} contacts/s")
    return med["crisissim"] / med["bare simpy"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--hours", type=float, default=8.0)
    ap.add_argument("--rate", type=float, default=600.0)
    ap.add_argument("--agents", type=int, default=11)
    a = ap.parse_args()
    ratio = side_by_side(a.hours, a.rate, a.agents, a.rounds)
    print(f"  ratio       {ratio:.2f}x  (crisissim / bare SimPy; target >= 3x)")
    # A larger centre (the independent check): the per-minute clock tick (reputation,
    # silent churn, the time series) is spread over ten times the contacts.
    ratio = side_by_side(2.0, 6000.0, 105, a.rounds)
    print(f"  ratio       {ratio:.2f}x  (crisissim / bare SimPy, a centre ten times the size)")
    crisis_and_snapshots()


def crisis_and_snapshots() -> None:
    """Throughput on the bundled crisis cases, and the cost of one snapshot mid-crisis."""
    from crisissim.policy import resolve
    from crisissim.scenario import bundled_scenarios_dir, load_scenario

    print("bundled crisis cases (policy first: cards, injects, effects, social channel):")
    for name in ("default", "product-recall", "viral-rumour"):
        sc = load_scenario(bundled_scenarios_dir() / f"{name}.yaml")
        Simulation(sc, 2, resolve("first", sc, 2)).result()  # warm up
        t0 = time.perf_counter()
        d = Simulation(sc, 1, resolve("first", sc, 1)).result().to_dict()
        dt = time.perf_counter() - t0
        n = d["contacts"]["arrived"]
        print(f"  {name:<15} {n:>7,} contacts in {dt * 1e3:6.1f} ms = {n / dt:>9,.0f} contacts/s")
    sc = load_scenario(bundled_scenarios_dir() / "product-recall.yaml")
    sim = Simulation(sc, 1)
    sim.run_until(150)
    k = 2000
    t0 = time.perf_counter()
    for _ in range(k):
        sim.snapshot()
    per = (time.perf_counter() - t0) / k
    print(f"  snapshot mid-crisis: {per * 1e6:.0f} µs each; 60 per simulated hour cost {60 * per * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
