"""Exposures at run time: exposed units as a fluid, incidents as exact Poisson processes.

Units of an exposure are split into reachable ones R (a retrieval can take them back)
and unreachable ones U (share 1 − ``reachable``). Between the moments an effect starts
or ends, the inflow a, the retrieval rate r (Σ of the retrievals in force) and the
hazards g_k (hazard of kind k × its factors) are constant, with H = Σ_k g_k, and

    dR/dt = ρ·a − (r + H)·R        dU/dt = (1 − ρ)·a − H·U

(every incident takes its unit out, so units also leave at the total hazard H). Each
stretch is solved in closed form: x(s) = x₀·e^(−ks) + b·s·φ₁(ks) and
∫₀ˢ x = x₀·s·φ₁(ks) + b·s²·φ₂(ks), with φ₁(z) = (1 − e^(−z))/z and
φ₂(z) = (z − 1 + e^(−z))/z², both stable as k → 0.

Incidents of kind k form a Poisson process with intensity g_k·N(t), N = R + U. It is
simulated exactly by time rescaling: each kind draws unit exponentials E from its own
stream and the next incident comes when g_k·∫N reaches E; a change of parameters only
changes how fast the remaining mass is used up, so the same draws serve every decision
branch (common random numbers). Costs come from the kind's own stream, in order.

After the run, the units still exposed keep costing over the exposure's ``horizon``:
``tail`` gives the expected incidents (× mean cost) and retrieval costs with no more
inflow and the retrievals and hazard factors in force at the end, each until its own end.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from crisissim.engine.rng import Stream, dist_stream
from crisissim.scenario.units import PER_MINUTES

INF = math.inf


def phi1(z: float) -> float:
    """(1 − e^(−z)) / z, and 1 at z = 0."""
    return -math.expm1(-z) / z if z > 1e-12 else 1.0 - z / 2.0


def phi2(z: float) -> float:
    """(z − 1 + e^(−z)) / z², and 1/2 at z = 0."""
    if z < 1e-4:
        return 0.5 - z / 6.0 + z * z / 24.0
    return (z + math.expm1(-z)) / (z * z)


def decay(x0: float, b: float, k: float, s: float) -> tuple[float, float]:
    """Solve dx/dt = b − k·x from x₀ over ``s``: return (x(s), ∫₀ˢ x dt)."""
    z = k * s
    p1 = phi1(z)
    return x0 * math.exp(-z) + b * s * p1, x0 * s * p1 + b * s * s * phi2(z)


@dataclass
class Params:
    """What is in force on one stretch: inflow a, retrieval r and its cost rate, hazards g."""

    a: float = 0.0
    r: float = 0.0
    cost_rate: float = 0.0  # Σ rᵢ·unit_costᵢ: retrieval cost per reachable unit and minute
    g: dict[str, float] = field(default_factory=dict)
    H: float = field(init=False)  # total hazard Σ g_k

    def __post_init__(self) -> None:
        self.H = sum(self.g.values())


@dataclass
class Hold:
    """An effect in force on an exposure until ``until`` (minutes; inf: to the end)."""

    kind: str  # "rate" (expose), "inflow", "retrieve", "hazard"
    value: float
    until: float
    cost: float = 0.0
    incident: str | None = None


class ExposureState:
    """Exposed units of one exposure and what has happened to them, as of ``t0``."""

    def __init__(self, name: str, spec):
        self.name = name
        self.spec = spec
        self.rho = spec.reachable
        self.base_g = {k: inc.hazard_per_minute for k, inc in spec.incidents.items()}
        self.open = False
        self.opened_at: float | None = None
        self.t0 = 0.0
        self.R = 0.0
        self.U = 0.0
        self.exposed_total = 0.0  # units ever exposed
        self.retrieved = 0.0  # units taken back (fluid)
        self.retrieval_cost = 0.0
        self.holds: dict[int, Hold] = {}
        self.p = Params(g=dict(self.base_g))
        self.counts = {k: 0 for k in spec.incidents}
        self.costs = {k: 0.0 for k in spec.incidents}

    # ---------------------------------------------------------------- the fluid
    def params_at(self, t: float, inflow: bool = True) -> Params:
        """Parameters of the holds in force at ``t`` (``inflow=False``: none, as after the run)."""
        rate, factor, r, cost = 0.0, 1.0, 0.0, 0.0
        g = dict(self.base_g)
        for h in self.holds.values():
            if h.until <= t:
                continue
            if h.kind == "rate":
                rate += h.value
            elif h.kind == "inflow":
                factor *= h.value
            elif h.kind == "retrieve":
                r += h.value
                cost += h.value * h.cost
            else:
                for k in [h.incident] if h.incident else g:
                    g[k] *= h.value
        return Params(rate * factor if inflow else 0.0, r, cost, g)

    def hold(self, token: int, hold: Hold) -> None:
        """An effect starts holding (call :meth:`refold` after)."""
        self.holds[token] = hold

    def release(self, token: int) -> None:
        """An effect ends (call :meth:`refold` after)."""
        self.holds.pop(token, None)

    def refold(self) -> None:
        self.p = self.params_at(self.t0)

    def _stretch(self, s: float, p: Params) -> tuple[float, float, float, float]:
        """R(s), U(s), ∫R, ∫U from the current state under ``p``."""
        H = p.H
        R, iR = decay(self.R, self.rho * p.a, p.r + H, s)
        U, iU = decay(self.U, (1.0 - self.rho) * p.a, H, s)
        return R, U, iR, iU

    def exposed_at(self, t: float) -> float:
        """Units exposed at ``t`` ≥ ``t0`` (reads only)."""
        if t <= self.t0:
            return self.R + self.U
        R, U, _, _ = self._stretch(t - self.t0, self.p)
        return R + U

    def peek(self, t: float) -> tuple[float, float, float]:
        """(exposed, retrieved, retrieval cost) at ``t`` ≥ ``t0`` without changing the state."""
        if t <= self.t0:
            return self.R + self.U, self.retrieved, self.retrieval_cost
        R, U, iR, _ = self._stretch(t - self.t0, self.p)
        return R + U, self.retrieved + self.p.r * iR, self.retrieval_cost + self.p.cost_rate * iR

    def advance(self, t: float) -> float:
        """Move the state to ``t``; return ∫N over the stretch (incident mass = g_k × it)."""
        s = t - self.t0
        if s <= 0:
            return 0.0
        p = self.p
        R, U, iR, iU = self._stretch(s, p)
        self.retrieved += p.r * iR
        self.retrieval_cost += p.cost_rate * iR
        self.exposed_total += p.a * s
        self.R, self.U, self.t0 = R, U, t
        return iR + iU

    def open_now(self, now: float) -> None:
        """Open with the exposure's own units."""
        self.open = True
        self.opened_at = now
        self.add_units(self.spec.units)

    def record(self, kind: str, cost: float) -> None:
        """Count one incident of ``kind`` and its cost."""
        self.counts[kind] += 1
        self.costs[kind] += cost

    def add_units(self, units: float) -> None:
        self.R += self.rho * units
        self.U += (1.0 - self.rho) * units
        self.exposed_total += units

    def integral(self, s: float) -> tuple[float, float]:
        """(∫₀ˢ N, N(s)) from ``t0`` under the parameters in force."""
        R, U, iR, iU = self._stretch(s, self.p)
        return iR + iU, R + U

    def time_to(self, g: float, mass: float, horizon: float) -> float | None:
        """The s ≤ ``horizon`` at which g·∫₀ˢ N = ``mass`` (None if not reached by then).

        ∫N is increasing in s, so a Newton step kept inside a shrinking bracket converges."""
        if g <= 0 or horizon <= 0:
            return None
        total, _ = self.integral(horizon)
        if g * total < mass:
            return None
        lo, hi = 0.0, horizon
        n0 = self.R + self.U
        s = mass / (g * n0) if n0 > 0 else horizon / 2
        if not lo < s < hi:
            s = hi / 2
        for _ in range(200):
            val, n = self.integral(s)
            f = g * val - mass
            if f > 0:
                hi = s
            else:
                lo = s
            if abs(f) <= 1e-13 * max(1.0, mass) or hi - lo <= 1e-12 * max(1.0, hi):
                return s
            step = s - f / (g * n) if n > 0 else -1.0
            s = step if lo < step < hi else (lo + hi) / 2
        return s

    # ----------------------------------------------------------------- the tail
    def tail(self, horizon: float) -> dict:
        """Expected incidents, costs and retrievals over ``horizon`` after ``t0`` (the end of
        the run): no inflow, each hold in force until its own end."""
        kinds = self.spec.incidents
        count = {k: 0.0 for k in kinds}
        retrieved = cost = 0.0
        t, end = self.t0, self.t0 + horizon
        R, U = self.R, self.U
        cuts = sorted({h.until for h in self.holds.values() if t < h.until < end} | {end})
        for cut in cuts:
            s = cut - t
            p = self.params_at(t, inflow=False)
            H = p.H
            R1, iR = decay(R, 0.0, p.r + H, s)
            U1, iU = decay(U, 0.0, H, s)
            for k, g in p.g.items():
                count[k] += g * (iR + iU)
            retrieved += p.r * iR
            cost += p.cost_rate * iR
            R, U, t = R1, U1, cut
        costs = {k: count[k] * kinds[k].cost.mean for k in kinds}
        return {
            "incidents": count,
            "incident_costs": costs,
            "retrieved": retrieved,
            "retrieval_cost": cost,
            "exposed_after": R + U,
            "total": sum(costs.values()) + cost,
        }


class IncidentClock:
    """Random draws of one incident kind: unit-exponential masses and costs, each from its own stream."""

    def __init__(self, seed: int, exposure: str, kind: str, cost_dist):
        prefix = f"exposure:{exposure}:{kind}:"
        self.masses = Stream(seed, prefix + "time", lambda rng, n: rng.standard_exponential(n))
        self.costs = dist_stream(seed, prefix + "cost", cost_dist)
        self.mass = self.masses.next()  # what g·∫N must still reach, from the state's t0
        self.pending = None  # the event of the next incident (a stale one is ignored)

    def use(self, mass: float) -> None:
        """The intensity integrated to ``mass`` since the state's last t0."""
        self.mass -= mass

    def wait(self, event) -> None:
        """``event`` is the next incident (None: none before the end, as things stand)."""
        self.pending = event

    def next_incident(self) -> float:
        """An incident happened: draw the mass to the next one, and return this one's cost."""
        self.mass = self.masses.next()
        return self.costs.next()


def per_minute(rate: float, per: str) -> float:
    return rate / PER_MINUTES[per]
