"""Applying effect primitives: each kind is started (and, if it lasts, ended) in one place.

Effects of injects, decision options and actions all pass through
:meth:`EffectRunner.schedule`: after the option's delay the effect begins; if it
has a duration (its own, else the option's) it ends then, otherwise it lasts to
the end of the run.
"""

from __future__ import annotations

import math

LASTING = {"rate", "deflect", "resolution", "compensation", "handle_time", "amplification", "outage"}


class EffectRunner:
    """Starts and ends effects on a running simulation."""

    def __init__(self, sim):
        self.sim = sim

    def schedule(self, effects, source: str, delay: float = 0.0, duration: float | None = None) -> None:
        """Start ``effects`` after ``delay`` minutes; lasting ones end after their duration."""
        if not effects:
            return
        if delay > 0:
            ev = self.sim.env.timeout(delay)
            ev.callbacks.append(lambda _ev: self._begin_all(effects, source, duration))
        else:
            self._begin_all(effects, source, duration)

    def _begin_all(self, effects, source, duration) -> None:
        for e in effects:
            self.begin(e, source, duration)

    def begin(self, e, source: str, default_duration: float | None) -> None:
        sim = self.sim
        now = sim.env.now
        kind = e.effect
        duration = getattr(e, "duration", None)
        if duration is None:
            duration = default_duration
        detail: dict = {}
        undo = None
        if kind == "cost":
            sim.losses["actions"] += e.amount
            detail["amount"] = e.amount
        elif kind == "reputation":
            sim.rep.add(e.delta, now)
            sim.refresh_reputation(now)
            detail["delta"] = e.delta
        elif kind == "surge":
            idx = sim.mods.add_surge(e.target, now, e.peak, e.half_life)
            sim.rebound(idx)
            detail["types"] = [sim.types[i].name for i in idx]
        elif kind == "staff":
            pool = sim.pool_by_name[e.pool]
            self._staff(pool, e.add, now)
            detail["add"] = e.add
            undo = lambda: self._staff(pool, -e.add, sim.env.now)  # noqa: E731
        elif kind == "statement":
            fired = sim.director.fired_at.get(e.answers)
            lag = max(0.0, now - fired) if fired is not None else 0.0
            gain = e.reputation * math.pow(2.0, -lag / e.half_life)
            sim.rep.add(gain, now)
            sim.refresh_reputation(now)
            detail.update(gain=round(gain, 6), lag=round(lag, 6))  # "reputation" is the log's level
            if e.transparency > 0:
                token = sim.mods.add(e)
                undo = lambda: sim.mods.remove(token)  # noqa: E731
        elif kind in LASTING:
            token = sim.mods.add(e)
            # only a rate factor enters the thinning bound; rebound just the types it names,
            # so other types keep their candidate streams (common random numbers)
            idx = sim.mods.targets(e.target) if kind == "rate" else []
            sim.rebound(idx)

            def undo(token=token, idx=idx):
                sim.mods.remove(token)
                sim.rebound(idx)

        else:  # pragma: no cover - the schema admits no other kind
            raise AssertionError(kind)
        sim.log.add(now, "effect_start", source=source, effect=kind, **detail)
        if undo is not None and duration is not None:
            ev = sim.env.timeout(duration)

            def end(_ev, undo=undo):
                undo()
                sim.log.add(sim.env.now, "effect_end", source=source, effect=kind)

            ev.callbacks.append(end)

    def _staff(self, pool, add: int, now: float) -> None:
        pool.accrue_pay(now)
        pool.added += add
        new = pool.retarget(now)
        if new:
            self.sim.flow.dispatch_idle(pool, now, new)
