"""Work the window must not wait for: the debrief's re-runs and the report, on worker processes.

The game's process only draws. Planning the re-runs (reading the expert's policy, packing
the scenario) happens once on a helper thread; the replications run in worker processes
started fresh (``spawn``: no copy of the window's state), at a lower priority, one fewer
than the cores so the window keeps one. Each worker gets the scenario once and then jobs
through a queue; results come back through another that the frame loop drains
(:meth:`DebriefWork.poll`) before working out a few milliseconds of statistics per frame.
Workers are daemons, and :meth:`DebriefWork.close` (leaving the debrief, quitting) stops
them at once: a game never waits for them to finish. No pygame here.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import weakref
from typing import cast

from crisissim.game.counterfactual import Debrief
from crisissim.study.worker import Batch

STATS_BUDGET = 0.003  # real seconds of statistics per frame
_LIVE: weakref.WeakSet[Workers] = weakref.WeakSet()
_WORK: weakref.WeakSet[DebriefWork] = weakref.WeakSet()


def default_workers() -> int:
    """One fewer than the cores (the window keeps one), at least one."""
    return max(1, (os.cpu_count() or 2) - 1)


def run_days(scenario, replicate, level: int, reps: tuple[int, ...], seeds: tuple[int, ...]) -> Batch:
    """Replications ``reps`` (on ``seeds``) of one arm: what a debrief job runs in a worker."""
    out = Batch(level, list(reps), list(seeds), [], [])
    for seed in seeds:
        res = replicate(scenario, seed=seed)
        out.metrics.append({k: float(v) for k, v in res.metrics().items()})
        out.intervals.append({})
    return out


def _serve(inbox, outbox, scenario_data) -> None:
    """A worker: validate the scenario once, then run jobs ``(id, fn, args)`` until ``None``."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the game's to handle
    try:  # the window first: never at a real-time priority the game may run at, and a little nicer
        if os.sched_getscheduler(0) != os.SCHED_OTHER:
            os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
        os.nice(5)
    except (AttributeError, OSError):
        pass
    from crisissim.scenario.schema import Scenario

    scenario = Scenario.model_validate(scenario_data)
    while True:
        job = inbox.get()
        if job is None:
            return
        jid, fn, args = job
        try:
            outbox.put((jid, True, fn(scenario, *args)))
        except Exception as e:  # noqa: BLE001 - reported to the game, which says so on screen
            outbox.put((jid, False, f"{type(e).__name__}: {e}".splitlines()[0]))


class Workers:
    """``n`` worker processes serving jobs on one scenario (given as JSON-able data)."""

    def __init__(self, scenario_data: dict, n: int | None = None):
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self.next_id = 0
        self.open: set[int] = set()
        self.closed = False
        self.inbox = ctx.Queue()
        self.outbox = ctx.Queue()
        self.procs = [ctx.Process(target=_serve, args=(self.inbox, self.outbox, scenario_data), daemon=True,
                                  name=f"crisissim-debrief-{i}") for i in range(n or default_workers())]
        _LIVE.add(self)  # before any starts: close_all() from another thread must find them
        for p in self.procs:
            if self.closed:  # closed while starting
                break
            p.start()

    def submit(self, fn, *args) -> int:
        """Queue ``fn(scenario, *args)``; return its job id."""
        jid = self.next_id
        self.next_id += 1
        self.open.add(jid)
        self.inbox.put((jid, fn, args))
        return jid

    def results(self) -> list[tuple[int, bool, object]]:
        """Jobs finished since the last call: ``(id, ok, result or error text)``."""
        out = []
        while True:
            try:
                item = self.outbox.get_nowait()
            except queue.Empty:
                break
            self.open.discard(item[0])
            out.append(item)
        return out

    def dead(self) -> bool:
        """A worker died while jobs were open."""
        return bool(self.open) and any(not p.is_alive() for p in self.procs)

    def close(self) -> None:
        """Stop every worker now (jobs not finished are dropped)."""
        if self.closed:
            return
        self.closed = True
        live = [p for p in self.procs if p.is_alive()]
        for p in live:
            p.terminate()
        for p in live:  # gone before their queues are: a worker still starting never finds them missing
            p.join(1.0)
        for q in (self.inbox, self.outbox):
            q.cancel_join_thread()
            q.close()


def close_all() -> None:
    """Stop every background worker of this process (the app quitting; the tests between tests),
    and every debrief still being planned (it will start none)."""
    for work in list(_WORK):
        work.close()
    for w in list(_LIVE):
        w.close()


class DebriefWork:
    """The debrief of a played run, computed in the background.

    ``make()`` builds the :class:`Debrief` (on a helper thread); its jobs go to ``workers``
    processes. Call :meth:`poll` once a frame. ``debrief`` is None until planned; ``error``
    says why the work stopped, if it did.
    """

    def __init__(self, make, workers: int | None = None):
        self.debrief: Debrief | None = None
        self.error = ""
        self.pool: Workers | None = None
        self._n = workers
        self._lock = threading.Lock()
        self._closed = False
        self._reports: dict[int, object] = {}
        self.started = time.perf_counter()
        _WORK.add(self)
        self._thread = threading.Thread(target=self._start, args=(make,), name="crisissim-debrief", daemon=True)
        self._thread.start()

    def _start(self, make) -> None:
        from crisissim.study.grid import dump

        try:
            d = make()
            jobs = d.jobs()
            data = dump(d.scenario)
            with self._lock:
                if self._closed:
                    return
                self.pool = Workers(data, self._n)
                for job in jobs:
                    self.pool.submit(run_days, *job)
                self.debrief = d
        except Exception as e:  # noqa: BLE001 - shown on the debrief instead of stopping the game
            self.error = f"{type(e).__name__}: {e}".splitlines()[0]

    @property
    def planned(self) -> bool:
        return self.debrief is not None

    @property
    def finished(self) -> bool:
        return self.debrief is not None and self.debrief.finished

    def progress(self) -> tuple[int, int]:
        """(runs done, runs in all); (0, 0) while planning."""
        d = self.debrief
        return (d.runs_done, d.total_runs) if d is not None else (0, 0)

    def poll(self, budget: float | None = STATS_BUDGET) -> bool:
        """Take the jobs finished since the last call and work out statistics for up to ``budget``
        seconds (all when None); True when the whole debrief is done."""
        d = self.debrief
        if d is None or self.error or self.pool is None:
            return False
        for jid, ok, value in self.pool.results():
            if jid in self._reports:
                self._reports[jid] = (ok, value)
            elif not ok:
                self.error = str(value)
                return False
            else:
                d.take(cast(Batch, value))
        if not d.finished and self.pool.dead():
            self.error = "a worker process died (out of memory?); the re-runs stopped"
            return False
        return d.settle(budget)

    def wait(self, timeout: float = 600.0) -> bool:
        """Block until done (scripts and tests; never the frame loop)."""
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            if self.poll(budget=None) or self.error:
                break
            time.sleep(0.02)
        return self.finished

    def submit_report(self, fn, *args) -> int | None:
        """Run ``fn(scenario, *args)`` on a worker (the report, once the debrief is done); its job id."""
        if self.pool is None or self.pool.closed:
            return None
        jid = self.pool.submit(fn, *args)
        self._reports[jid] = None
        return jid

    def report(self, jid: int):
        """``None`` while job ``jid`` runs, then ``(ok, result or error text)``."""
        if self.pool is not None and not self.pool.closed:
            for rid, ok, value in self.pool.results():
                if rid in self._reports:
                    self._reports[rid] = (ok, value)
        return self._reports.get(jid)

    def close(self) -> None:
        """Stop the workers (leaving the debrief or quitting): the window never waits for them."""
        with self._lock:
            self._closed = True
            if self.pool is not None:
                self.pool.close()
