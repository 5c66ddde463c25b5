"""Running effects: when each starts and ends. *What* an effect does is declared by its kind
(``crisissim/scenario/effects/<kind>.py``: ``begin``, and ``fold`` for lasting kinds);
this module is the engine side of that contract, :class:`EffectRunner` implementing
:class:`~crisissim.scenario.effects.EffectRun`.

Effects of injects, decision options and actions all pass through
:meth:`EffectRunner.schedule`: after the option's delay the effect begins; if it
has a duration (its own, else the option's) it ends then, otherwise it lasts to
the end of the run.

Extension point: a kind that needs a new power from the engine adds a method to
``EffectRun`` and implements it here, reaching the part that owns the state.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable


class EffectRunner:
    """Starts and ends effects on a running simulation; the engine as effects see it."""

    def __init__(self, clock, ledger, reputation, mods, rebound, pools, dispatch, fired_at, log, exposures=None,
                 outreach=None, statement_repeat: float = 1.0):
        self.clock = clock
        self._outreach = outreach  # Outreach: the at-risk list and its calls
        self._statement_repeat = statement_repeat
        self._statements: dict[str, int] = {}  # statements made so far, by the inject they answer
        self._exposures = exposures  # incidents.Incidents: the exposures of the run
        self._until = math.inf  # when the effect being begun ends
        self._ledger = ledger
        self._reputation = reputation  # ReputationTicks: shocks are re-read at once
        self._mods = mods
        self._rebound = rebound  # rebound(type indices): restart those arrival bounds
        self._pool_by_name = {p.name: p for p in pools}
        self._dispatch = dispatch  # dispatch(pool, now, n): give work to agents who came on duty
        self._fired_at = fired_at  # fired_at(inject id) -> first firing time or None
        self._log = log

    def schedule(self, effects, source: str, delay: float = 0.0, duration: float | None = None) -> None:
        """Start ``effects`` after ``delay`` minutes; lasting ones end after their duration."""
        if not effects:
            return
        if delay > 0:
            self.clock.after(delay, lambda _ev: self._begin_all(effects, source, duration))
        else:
            self._begin_all(effects, source, duration)

    def _begin_all(self, effects, source, duration) -> None:
        for e in effects:
            self.begin(e, source, duration)

    def begin(self, e, source: str, default_duration: float | None) -> None:
        """Start one effect now and log it; schedule its end if it has one and a duration."""
        duration = getattr(e, "duration", None)
        if duration is None:
            duration = default_duration
        self._until = math.inf if duration is None else self.clock.now + duration
        started = e.begin(self)
        kind = e.effect
        self._log.add(self.clock.now, "effect_start", source=source, effect=kind, **started.detail)
        end = started.end
        if end is not None and duration is not None:

            def finish(_ev) -> None:
                end()
                self._log.add(self.clock.now, "effect_end", source=source, effect=kind)

            self.clock.after(duration, finish)

    # ------------------------------------------------ EffectRun: what effects may do
    @property
    def now(self) -> float:
        return self.clock.now

    def pay(self, amount: float) -> None:
        self._ledger.add("actions", amount)

    def shift_reputation(self, delta: float) -> float:
        return self._reputation.shock(delta, self.clock.now)

    def repeat_discount(self, inject: str) -> tuple[int, float]:
        n = self._statements.get(inject, 0)
        self._statements[inject] = n + 1
        return n, self._statement_repeat**n

    def reach_out(self, effect) -> None:
        camp = self._outreach.launch(effect)
        pool = camp.pool
        if pool.idle > 0:
            self._dispatch(pool, self.clock.now, pool.idle)

    def surge(self, target: str | None, peak: float, half_life: float) -> list[str]:
        idx = self._mods.add_surge(target, self.clock.now, peak, half_life)
        self._rebound(idx)
        return [self._mods.type_names[i] for i in idx]

    def add_staff(self, pool: str, add: int) -> None:
        p = self._pool_by_name[pool]
        now = self.clock.now
        new = p.add_agents(add, now)
        if new:
            self._dispatch(p, now, new)

    def fired_at(self, inject: str) -> float | None:
        return self._fired_at(inject)

    @property
    def until(self) -> float:
        return self._until

    def fine(self, amount: float) -> None:
        self._ledger.add("fines", amount)

    def ramp(self, target: str | None, peak: float, over: float) -> tuple[list[str], Callable[[], None]]:
        token, idx = self._mods.add_ramp(target, self.clock.now, peak, over)
        self._rebound(idx)

        def release() -> None:
            self._mods.remove_ramp(token, idx)
            self._rebound(idx)

        return [self._mods.type_names[i] for i in idx], release

    def expose(self, exposure: str, units: int, rate: float) -> Callable[[], None] | None:
        return self._exposures.expose(exposure, units, rate, self._until)

    def retrieve(self, exposure: str, rate: float, unit_cost: float) -> Callable[[], None]:
        return self._exposures.retrieve(exposure, rate, unit_cost, self._until)

    def inflow(self, exposure: str, factor: float) -> Callable[[], None]:
        return self._exposures.inflow(exposure, factor, self._until)

    def hazard(self, exposure: str, incident: str | None, factor: float) -> Callable[[], None]:
        return self._exposures.hazard(exposure, incident, factor, self._until)

    def hold(self, effect, rebound: Iterable[int] = ()) -> Callable[[], None]:
        idx = list(rebound)
        token = self._mods.add(effect)
        self._rebound(idx)

        def release() -> None:
            self._mods.remove(token)
            self._rebound(idx)

        return release

    def targets(self, target: str | None) -> list[int]:
        return self._mods.targets(target)
