"""Staff pools: headcount by shift, overtime additions, shrinkage, busy-time accounting.

Agents in a pool are interchangeable (same skills, training and pay), so a pool
keeps counts, not agent objects. When headcount falls, idle agents leave at
once and busy agents leave when they finish their contact.

**Shift handover.** When a shift ends, its agents on a contact finish it *on top of* the
incoming shift's headcount (as in real centres and in ciw without pre-emption): the
incoming agents all come on duty at once, the outgoing idle ones leave, and the
outgoing busy ones become *finishing* — still busy, no longer counted towards the
headcount, gone when their contact ends. Agents of shifts that go on through the
change (and agents added by effects) stay. Which of the pool's agents on a contact are
the outgoing ones is drawn at random (each set of that size equally likely, from the
pool's own stream ``shift:<pool>``): agents are interchangeable, so the outgoing ones are
a random subset. A pool with shift changes therefore keeps the contacts it serves
(``serving``); a pool without keeps only counts. Pay follows the shift plan (the minutes
an outgoing agent finishes past the end of the shift are not paid).

A pool's counts change only through its own methods: the contact flow calls
:meth:`StaffPool.seize`, :meth:`StaffPool.finish` and :meth:`StaffPool.rest`; shift
changes and ``staff`` effects call :meth:`StaffPool.shift_change` and
:meth:`StaffPool.add_agents`, which return how many agents became idle (to be given work).
"""

from __future__ import annotations

import math
from typing import Any


class StaffPool:
    """Runtime state of one pool. Money per hour in the scenario currency, time in minutes."""

    __slots__ = (
        "name",
        "index",
        "spec",
        "training",
        "shrinkage",
        "wage",
        "overtime_wage",
        "scheduled",
        "added",
        "target",
        "idle",
        "busy",
        "finishing",
        "serving",
        "leaving",
        "_seed",
        "_draws",
        "_t",
        "_pay_t",
        "busy_area",
        "avail_area",
        "regular_cost",
        "overtime_cost",
        "target_area",
        "_target_t",
    )

    def __init__(self, name: str, index: int, spec, scheduled: int, seed: int = 0, handover: bool = False):
        self.name = name
        self.index = index
        self.spec = spec
        self.training = spec.training
        self.shrinkage = spec.shrinkage
        self.wage = spec.wage
        self.overtime_wage = spec.overtime_rate
        self.scheduled = scheduled  # paid headcount from the shift plan
        self.added = 0  # agents added (or removed, if negative) by effects
        self.target = 0
        self.idle = 0
        self.busy = 0  # agents on a contact, finishing ones included
        self.finishing = 0  # agents of an ended shift finishing their contact (not counted in the headcount)
        self.serving: dict | None = {} if handover else None  # contacts in service (insertion-ordered)
        self.leaving: set = set()  # contacts whose agent leaves when they end
        self._seed = seed
        self._draws: Any = None  # the handover's random stream (a numpy Generator), made when first needed
        self._t = 0.0
        self._pay_t = 0.0
        self.busy_area = 0.0  # agent-minutes busy
        self.avail_area = 0.0  # agent-minutes on duty and available
        self.regular_cost = 0.0
        self.overtime_cost = 0.0
        self.target = self.available_headcount()
        self.idle = self.target  # everyone on duty at the start is free
        self.target_area = 0.0  # agent-minutes of headcount target (agents meant to be on duty)
        self._target_t = 0.0

    def available_headcount(self) -> int:
        """Agents available for contacts: (scheduled net of shrinkage) + added, at least 0."""
        return max(0, self._headcount(self.scheduled) + self.added)

    def _headcount(self, scheduled: int) -> int:
        """Scheduled agents net of shrinkage."""
        return math.floor(scheduled * (1.0 - self.shrinkage) + 0.5)

    def accrue(self, now: float) -> None:
        """Integrate busy and available agent time up to ``now`` (on every busy/idle change)."""
        dt = now - self._t
        if dt > 0:
            self.busy_area += self.busy * dt
            self.avail_area += (self.idle + self.busy) * dt
            self._t = now

    def accrue_pay(self, now: float) -> None:
        """Integrate pay up to ``now`` (before the paid headcount changes)."""
        dt = now - self._pay_t
        if dt > 0:
            self.regular_cost += self.scheduled * self.wage * dt / 60.0
            if self.added > 0:
                self.overtime_cost += self.added * self.overtime_wage * dt / 60.0
            self._pay_t = now

    def cost_at(self, now: float) -> tuple[float, float]:
        """(regular, overtime) pay up to ``now`` without changing state."""
        dt = max(0.0, now - self._pay_t)
        reg = self.regular_cost + self.scheduled * self.wage * dt / 60.0
        ot = self.overtime_cost + (self.added * self.overtime_wage * dt / 60.0 if self.added > 0 else 0.0)
        return reg, ot

    @property
    def on_duty(self) -> int:
        return self.idle + self.busy

    @property
    def active(self) -> int:
        """Agents counted towards the headcount: idle, and busy but not finishing."""
        return self.idle + self.busy - self.finishing

    # the contact flow's moves (hot path: ``accrue`` is inlined in both, the same three lines)
    def seize(self, now: float) -> None:
        """An idle agent takes a contact."""
        dt = now - self._t
        if dt > 0:
            self.busy_area += self.busy * dt
            self.avail_area += (self.idle + self.busy) * dt
            self._t = now
        self.idle -= 1
        self.busy += 1

    def begin(self, c) -> None:
        """A contact goes into service here (pools with shift changes keep track of them)."""
        self.serving[c] = None  # type: ignore[index]  # called only for pools with shift changes

    def finish(self, now: float, c) -> bool:
        """An agent finished contact ``c``: False if they go home (their shift has ended, or the
        pool is over headcount); True if they stay, still counted busy until given work or sent
        to :meth:`rest`."""
        dt = now - self._t
        if dt > 0:
            self.busy_area += self.busy * dt
            self.avail_area += (self.idle + self.busy) * dt
            self._t = now
        if self.serving is not None:
            del self.serving[c]
            if c in self.leaving:  # the agent's shift has ended: handover done
                self.leaving.discard(c)
                self.finishing -= 1
                self.busy -= 1
                return False
        if self.busy - self.finishing + self.idle > self.target:
            self.busy -= 1
            return False
        return True

    def rest(self) -> None:
        """A staying agent found no work: busy → idle (same instant, nothing to integrate)."""
        self.busy -= 1
        self.idle += 1

    def shift_change(self, now: float, scheduled: int, continuing: int) -> int:
        """Shifts end or start now: ``scheduled`` agents are paid from now, ``continuing`` of them on
        shifts that go on through now (see :func:`shift_plan`). The outgoing agents hand over, the
        incoming ones come on duty; return how many agents became idle (to be given work)."""
        self.accrue_pay(now)
        self.accrue(now)
        self.scheduled = scheduled
        staying = max(0, self._headcount(continuing) + self.added)
        outgoing = self.active - staying
        if outgoing > 0:
            self._hand_over(outgoing)
        return self.retarget(now)

    def _hand_over(self, outgoing: int) -> None:
        """``outgoing`` of the counted agents end their shift: a random subset of that size;
        its idle members leave now, its busy ones finish their contact first."""
        active_busy = [c for c in self.serving or () if c not in self.leaving]
        n_busy, n_idle = len(active_busy), self.idle
        if outgoing >= n_busy + n_idle:
            chosen, idle_out = active_busy, n_idle  # everyone goes: nothing to draw
        else:
            if self._draws is None:
                from crisissim.engine.rng import generator

                self._draws = generator(self._seed, f"shift:{self.name}")
            k = int(self._draws.hypergeometric(n_busy, n_idle, outgoing)) if n_busy and n_idle else (
                outgoing if n_busy else 0)
            picks = self._draws.choice(n_busy, size=k, replace=False) if k else []
            chosen, idle_out = [active_busy[i] for i in sorted(picks)], outgoing - k
        self.idle -= idle_out
        self.leaving.update(chosen)
        self.finishing += len(chosen)

    def add_agents(self, add: int, now: float) -> int:
        """Agents added (or removed, if negative) by an effect; return how many became idle."""
        self.accrue_pay(now)
        self.added += add
        return self.retarget(now)

    def accrue_target(self, now: float) -> None:
        """Integrate the headcount target up to ``now`` (before it changes, and at interval ends)."""
        dt = now - self._target_t
        if dt > 0:
            self.target_area += self.target * dt
            self._target_t = now

    def retarget(self, now: float) -> int:
        """Apply a headcount change; return how many new idle agents arrived (to be given work)."""
        self.accrue(now)
        self.accrue_target(now)
        self.target = self.available_headcount()
        gap = self.target - self.active
        if gap > 0:
            self.idle += gap
            return gap
        if gap < 0:
            self.idle -= min(self.idle, -gap)  # busy agents leave when they finish
        return 0

    def occupancy(self) -> float:
        """Busy share of available agent time so far."""
        return self.busy_area / self.avail_area if self.avail_area > 0 else 0.0


def scheduled_at(spec, t: float) -> int:
    """Paid headcount of a pool spec at time ``t`` (shifts that cover ``t`` add up)."""
    if spec.shifts is None:
        return int(spec.size)
    return sum(s.size for s in spec.shifts if s.start <= t < s.end)


def continuing_at(spec, t: float) -> int:
    """Paid headcount of the shifts that go on through time ``t`` (started before, end after)."""
    if spec.shifts is None:
        return int(spec.size)
    return sum(s.size for s in spec.shifts if s.start < t < s.end)


def shift_plan(spec, duration: float) -> list[tuple[float, int, int]]:
    """(time, paid headcount from then on, headcount of the shifts going on through then) at each
    time in (0, duration) where it may change, as :func:`scheduled_at` and :func:`continuing_at`
    give them; one sweep over the shifts' starts and ends, so 10,000 shifts cost no more than
    sorting them."""
    if spec.shifts is None:
        return []
    steps: dict[float, int] = {}
    starting: dict[float, int] = {}
    for s in spec.shifts:
        steps[s.start] = steps.get(s.start, 0) + s.size
        steps[s.end] = steps.get(s.end, 0) - s.size
        starting[s.start] = starting.get(s.start, 0) + s.size
    plan, level = [], 0
    for t in sorted(steps):
        level += steps[t]
        if 0 < t < duration:
            plan.append((t, level, level - starting.get(t, 0)))
    return plan


def schedule_shifts(clock, pools, duration: float, dispatch) -> None:
    """Put every pool's shift changes on the clock; ``dispatch(pool, now, n)`` gives work to
    the ``n`` agents who came on duty."""
    for pool in pools:
        for t, scheduled, continuing in shift_plan(pool.spec, duration):
            clock.after(t, lambda _e, pool=pool, n=scheduled, c=continuing: _shift(clock, pool, n, c, dispatch))


def _shift(clock, pool: StaffPool, scheduled: int, continuing: int, dispatch) -> None:
    now = clock.now
    new = pool.shift_change(now, scheduled, continuing)
    if new:
        dispatch(pool, now, new)
