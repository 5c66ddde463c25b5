"""The engine's clock over SimPy's public API: exact times between events, the agenda's order,
and step counting."""

from __future__ import annotations

import math

import simpy

from crisissim.engine.clock import Clock, exact_delay


class _Plan:
    hooks: list = []
    timed: list = []


class _Director:
    awaiting = 0


def _clock(duration: float = 1000.0) -> Clock:
    clock = Clock(simpy.Environment(), duration)
    clock.drive(_Director(), _Plan())
    return clock


def test_events_land_at_the_exact_time_even_where_simpy_cannot_reach_it():
    base, target = 86.39573826073861, 215.25454491752052  # no float d gives base + d == target
    assert base + exact_delay(base, target) != target
    clock = _clock()
    seen = []
    clock.at(base, lambda ev: seen.append(("base", clock.now)))
    clock.advance(100.0, stop_on_card=False)
    assert clock.env.now == base and clock.now == 100.0  # held ahead of SimPy's clock
    clock.move_to(150.0)
    clock.at(target, lambda ev: seen.append(("target", clock.now, ev.value)), value="v")
    clock.advance(300.0, stop_on_card=False)
    assert seen == [("base", base), ("target", target, "v")]
    assert math.isclose(clock.env.now, target) and clock.now == 300.0


def test_after_is_relative_to_the_held_time_between_events():
    clock = _clock()
    clock.advance(12.345, stop_on_card=False)
    assert clock.held and clock.now == 12.345 and clock.env.now == 0.0
    at = []
    clock.after(0.1, lambda ev: at.append(clock.now))
    clock.advance(20.0, stop_on_card=False)
    assert at == [12.345 + 0.1]


def test_agenda_entries_run_in_time_order_ties_in_insertion_order_and_count_as_steps():
    clock = _clock()
    ran = []
    for t, name in ((5.0, "b"), (2.0, "a"), (5.0, "c"), (9.0, "d")):
        clock.agenda.add(t, lambda arg: ran.append((arg, clock.now)), name)
    clock.after(5.0, lambda ev: ran.append(("simpy", clock.now)))  # a tie with the agenda: SimPy first
    clock.advance(8.0, stop_on_card=False)
    assert ran == [("a", 2.0), ("simpy", 5.0), ("b", 5.0), ("c", 5.0)]
    assert clock.steps == 4 and clock.now == 8.0
    clock.advance(100.0, stop_on_card=False)
    assert ran[-1] == ("d", 9.0) and clock.steps == 5


def test_every_handle_time_distribution_is_classified_for_the_agenda():
    """A new distribution must say whether its services can end on another event's exact time."""
    from typing import get_args

    from crisissim.engine.contact_types import CONTINUOUS, DISCRETE
    from crisissim.scenario.distributions import Distribution

    union = get_args(Distribution)[0]
    names = {get_args(m.model_fields["dist"].annotation)[0] for m in get_args(union)}
    assert names == CONTINUOUS | DISCRETE and not CONTINUOUS & DISCRETE
