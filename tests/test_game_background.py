"""The debrief's background work stops when the game closes, whatever it is doing then."""

from __future__ import annotations

import multiprocessing as mp
import threading
from types import SimpleNamespace

from crisissim.game import background as bg
from crisissim.scenario import bundled_scenarios_dir, load_scenario


def _debrief_workers() -> list:
    return [p for p in mp.active_children() if p.name.startswith("crisissim-debrief")]


def test_closing_while_the_debrief_is_planned_starts_no_worker_afterwards():
    scenario = load_scenario(bundled_scenarios_dir() / "coffee-tutorial.yaml")
    planning, go_on = threading.Event(), threading.Event()

    def make():  # the debrief's planning, held until the game has closed
        planning.set()
        go_on.wait(30)
        return SimpleNamespace(jobs=lambda: [], scenario=scenario, finished=False)

    work = bg.DebriefWork(make, workers=1)
    assert planning.wait(30)
    bg.close_all()  # the trainee quits while the re-runs are being planned
    go_on.set()
    work._thread.join(30)
    assert not work._thread.is_alive()
    assert work.pool is None and work.debrief is None
    assert _debrief_workers() == []


def test_closed_workers_are_gone_before_their_queues_are_closed():
    scenario = load_scenario(bundled_scenarios_dir() / "coffee-tutorial.yaml")
    from crisissim.study.grid import dump

    workers = bg.Workers(dump(scenario), 2)
    workers.close()  # at once, while they may still be starting
    assert all(p.exitcode is not None for p in workers.procs)  # joined: none is left to find its queues gone
    assert _debrief_workers() == []
