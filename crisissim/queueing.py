"""Queueing theory for checking the engine and for planners' staffing estimates.

Erlang C (M/M/c) in closed form; Erlang A (M/M/c+M) exactly from its birth–death chain.
Rates are per minute, times in minutes.
"""

from __future__ import annotations

import math

import numpy as np


def erlang_c(lam: float, mu: float, c: int) -> float:
    """Probability an arrival waits in M/M/c (Erlang C); 1.0 if the queue is unstable."""
    a = lam / mu
    if c <= 0 or a >= c:
        return 1.0
    # Erlang B by the stable recursion, then C from B.
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1 - rho + rho * b)


def erlang_c_mean_wait(lam: float, mu: float, c: int) -> float:
    """Mean time in queue (minutes) over all arrivals in M/M/c; inf if unstable."""
    if lam / mu >= c:
        return math.inf
    return erlang_c(lam, mu, c) / (c * mu - lam)


def erlang_c_service_level(lam: float, mu: float, c: int, t: float) -> float:
    """P(wait <= t) in M/M/c."""
    if lam / mu >= c:
        return 0.0
    return 1.0 - erlang_c(lam, mu, c) * math.exp(-(c * mu - lam) * t)


def erlang_c_staffing(lam: float, mu: float, target: float, t: float) -> int:
    """Fewest agents for service level ``target`` within ``t`` minutes (Erlang C)."""
    if lam <= 0:
        return 0
    c = max(1, math.floor(lam / mu) + 1)
    while erlang_c_service_level(lam, mu, c, t) < target:
        c += 1
    return c


def _erlang_a_states(lam: float, mu: float, c: int, theta: float, tol: float = 1e-14) -> np.ndarray:
    """Stationary distribution of the number in system of M/M/c+M, truncated where negligible."""
    logp = [0.0]
    n = 0
    while True:
        n += 1
        death = min(n, c) * mu + max(n - c, 0) * theta
        logp.append(logp[-1] + math.log(lam) - math.log(death))
        if n > c and logp[-1] - max(logp) < math.log(tol):
            break
    lp = np.array(logp)
    p = np.exp(lp - lp.max())
    return p / p.sum()


MAX_QUEUE = 100_000
"""Erlang A gives up (service level 0) when the queue it would need to track is longer than this."""


def erlang_a_service_level(lam: float, mu: float, c: int, theta: float, t: float) -> float:
    """Share of arrivals answered within ``t`` minutes in M/M/c+M, abandoned ones counting as
    missed (the engine's definition): P(answered and wait <= t).

    An arrival that finds ``c + k - 1`` in the system joins the queue at position ``k``; the
    queue ahead moves up at rate ``c·mu + (j - 1)·theta`` from position ``j`` while it hangs up
    at rate ``theta``. The chance of reaching an agent within ``t`` is computed for all starting
    positions at once by uniformisation (a sum of Poisson-weighted steps, every term >= 0)."""
    if c <= 0 or lam <= 0:
        return 1.0 if lam <= 0 else 0.0
    if c * mu < lam and (lam - c * mu) / theta > MAX_QUEUE:
        return 0.0
    p = _erlang_a_states(lam, mu, c, theta)
    answered_now = float(p[:c].sum())
    start = p[c:]  # joins at position 1, 2, …
    size = len(start)
    if size == 0 or t <= 0:
        return answered_now
    pos = np.arange(1, size + 1)
    ahead = c * mu + (pos - 1) * theta
    rate = c * mu + size * theta  # uniformisation rate: at least every position's exit rate
    move, stay = ahead / rate, 1.0 - (ahead + theta) / rate
    x = rate * t
    steps = int(x + 12.0 * math.sqrt(x) + 30.0)
    mass = start.copy()
    reached = 0.0  # mass that reached an agent within m steps
    within = 0.0
    logw = -x  # log of the Poisson(x) weight of m steps
    for m in range(steps + 1):
        within += math.exp(logw) * reached
        moved = mass * move
        reached += moved[0]
        mass = mass * stay
        mass[:-1] += moved[1:]
        logw += math.log(x) - math.log(m + 1)
    return answered_now + within


def erlang_a_staffing(lam: float, mu: float, theta: float, target: float, t: float) -> int:
    """Fewest agents for service level ``target`` within ``t`` minutes in M/M/c+M (Erlang A,
    abandoned calls missed). Usually fewer than Erlang C asks for (callers who hang up shorten
    the queue), but very impatient callers can make it more (they are missed even when the
    wait would have been short)."""
    if lam <= 0:
        return 0
    lo, hi = 0, max(1, erlang_c_staffing(lam, mu, target, t))
    while erlang_a_service_level(lam, mu, hi, theta, t) < target:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:  # the service level grows with c: find the first c that meets the target
        mid = (lo + hi) // 2
        if erlang_a_service_level(lam, mu, mid, theta, t) >= target:
            hi = mid
        else:
            lo = mid
    return hi


def erlang_a(lam: float, mu: float, c: int, theta: float, tol: float = 1e-14) -> dict[str, float]:
    """Steady state of M/M/c+M (Erlang A) from the birth–death chain.

    Returns ``p_wait`` (an arrival finds all agents busy), ``p_abandon``, ``mean_queue``,
    ``mean_wait_all`` (time in queue over all arrivals, minutes), ``mean_wait_served``
    (time in queue of those answered, minutes) and ``p_wait_served`` (share of answered who waited).
    """
    if theta <= 0:
        raise ValueError("theta must be > 0 (use the Erlang C functions without abandonment)")
    p = _erlang_a_states(lam, mu, c, theta, tol)
    ns = np.arange(len(p))
    q = np.maximum(ns - c, 0)
    mean_queue = float(np.dot(p, q))
    p_wait = float(p[c:].sum())  # PASTA
    p_abandon = theta * mean_queue / lam
    # An arrival finding n >= c in system is k = n - c + 1 -th in queue; it is served if its
    # patience outlasts the time to reach an agent. Each step ahead ends at rate c·mu + j·theta.
    served_wait = 0.0
    served_mass = 0.0
    for n_found in range(c, len(p)):
        k = n_found - c + 1  # position on joining
        surv = 1.0
        t_acc = 0.0
        # contacts ahead leave one by one; at each stage, j customers in queue including ours
        for j in range(k, 0, -1):
            rate_out = c * mu + (j - 1) * theta  # others leaving or service completions
            total = rate_out + theta  # plus our own abandonment
            t_acc += 1.0 / total
            surv *= rate_out / total
        # E[W; served | found n] = P(served) * E[W | served]; stages are exponential,
        # and conditioning on not abandoning leaves each stage Exp(total).
        served_mass += p[n_found] * surv
        served_wait += p[n_found] * surv * t_acc
    p_served = 1.0 - p_abandon
    p_no_wait = float(p[:c].sum())
    return {
        "p_wait": p_wait,
        "p_abandon": p_abandon,
        "mean_queue": mean_queue,
        "mean_wait_all": mean_queue / lam,
        "mean_wait_served": float(served_wait / p_served),
        "p_wait_served": float(served_mass / p_served) if p_served > 0 else 0.0,
        "p_served_immediately": p_no_wait,
    }
