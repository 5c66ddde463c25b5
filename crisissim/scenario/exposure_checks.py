"""Cross-reference checks of exposures and random injects: names that must exist, exposures
that never open, injects that can never fire, and a bound on the incidents a run can breed
(so that what ``validate`` accepts, ``run`` finishes in bounded time and memory).
"""

from __future__ import annotations

import math

from crisissim.scenario.checks import Known, _all_effects, _Report, _unknown
from crisissim.scenario.schema import Scenario
from crisissim.scenario.units import PER_MINUTES, format_duration

MAX_INCIDENTS = 1_000_000
"""Most incidents a run may be expected to breed (each one is an event of the simulation)."""

def check_exposures(sc: Scenario, r: _Report, k: Known) -> None:
    """Add the problems of exposures, exposure effects and inject triggers to ``r``."""
    _references(sc, r, k)
    _triggers(sc, r, k)
    _openings(sc, r)
    _bounds(sc, r)


def _references(sc: Scenario, r: _Report, k: Known) -> None:
    """An incident's ``fires`` must name an inject (effects check their own ``exposure``)."""
    for name, e in sc.exposures.items():
        for kind, inc in e.incidents.items():
            if inc.fires is not None and inc.fires not in k.injects:
                r.add(("exposures", name, "incidents", kind, "fires"), _unknown("inject", inc.fires, k.injects))


def _triggers(sc: Scenario, r: _Report, k: Known) -> None:
    """An inject written with neither ``at`` nor ``when`` must be fired by some incident (unless an
    incident's ``fires`` names an unknown inject: that typo is reported already)."""
    if not k.all_fires_known:
        return
    for i, inj in enumerate(sc.injects):
        if inj.id in k.untimed and inj.id not in k.fires:
            r.add(("injects", i), f"inject '{inj.id}' can never fire (expected at or when, or an incident "
                                  f"whose fires names it)")


def _openings(sc: Scenario, r: _Report) -> None:
    end = sc.meta.duration
    opened = {eff.exposure for _, eff in _all_effects(sc) if eff.effect == "expose"}  # type: ignore[attr-defined]
    for name, e in sc.exposures.items():
        if e.at is not None and e.at >= end:
            r.add(("exposures", name, "at"), f"after the end of the run (expected before "
                                             f"{format_duration(end)}, got {format_duration(e.at)})")
        elif e.at is None and name not in opened:
            r.add(("exposures", name), f"exposure '{name}' never opens (no at, and no expose effect names it)",
                  severity="warning", key=True)


def _uses(sc: Scenario, loc: tuple) -> float | None:
    """How often the effect at ``loc`` can start in a run (None: without bound)."""
    end = sc.meta.duration
    if loc[0] == "injects":
        inj = sc.injects[loc[1]]
        if inj.limit is not None:
            return float(inj.limit)
        return math.floor(end / inj.every) + 1.0 if inj.every is not None else 1.0
    if loc[0] == "actions":
        act = sc.actions[loc[1]]
        if act.limit is not None:
            return float(act.limit)
        return math.floor(end / act.cooldown) + 1.0 if act.cooldown > 0 else None
    return 1.0  # a decision card is shown once


def _bounds(sc: Scenario, r: _Report) -> None:
    """Refuse a scenario that could breed more than MAX_INCIDENTS incidents in expectation.

    Units are bounded by the exposure's own plus every ``expose`` effect's units and inflow
    over the whole run, times how often each can start; rates and hazards by every
    ``inflow`` and ``hazard`` factor above 1 raised to its number of uses (in logs).
    """
    end = sc.meta.duration
    for name, e in sc.exposures.items():
        units, rate, log_inflow = float(e.units), 0.0, 0.0
        log_hazard = {k: 0.0 for k in e.incidents}
        for loc, eff in _all_effects(sc):
            kind = eff.effect  # type: ignore[attr-defined]
            if kind not in ("expose", "inflow", "hazard") or eff.exposure != name:  # type: ignore[attr-defined]
                continue
            if kind != "expose" and eff.factor <= 1:  # type: ignore[attr-defined]
                continue
            uses = _uses(sc, loc)
            if uses is None:
                r.add(loc, f"an action that adds to exposure '{name}' needs a limit or a cooldown "
                           "(expected the action to be usable a bounded number of times)")
                return
            if kind == "expose":
                units += uses * eff.units  # type: ignore[attr-defined]
                rate += uses * eff.rate / PER_MINUTES[eff.per]  # type: ignore[attr-defined]
            elif kind == "inflow":
                log_inflow += uses * math.log(eff.factor)  # type: ignore[attr-defined]
            else:
                for k in ([eff.incident] if eff.incident else e.incidents):  # type: ignore[attr-defined]
                    if k in log_hazard:
                        log_hazard[k] += uses * math.log(eff.factor)  # type: ignore[attr-defined]
        peak = units + rate * math.exp(min(log_inflow, 700.0)) * end
        expected = sum(
            inc.hazard_per_minute * math.exp(min(log_hazard[k], 700.0)) * peak * end for k, inc in e.incidents.items()
        )
        if expected > MAX_INCIDENTS:
            r.add(("exposures", name), f"this exposure could breed up to {expected:.3g} incidents in a run (expected at "
                                       f"most {MAX_INCIDENTS:,}; lower its hazards or units)", key=True)
