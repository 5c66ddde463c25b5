"""One play of a scenario: the simulation, its clock and its save file. No pygame.

A run is never lost: it is saved every :data:`AUTOSAVE_EVERY` simulated minutes (written
by a background thread, so a slow disk never stalls a frame), when the trainee leaves,
and by the app on Ctrl-C, SIGTERM, an error or a closed window. A save holds the scenario's
hash, the seed, the decision log and the simulated minute reached (``at``), so
:meth:`Session.resume` rebuilds the run exactly where it stopped (the engine replays each
decision at its step) and the resumed run goes on as the uninterrupted one would have.
:meth:`Session.rewound` goes back to the moment of a past decision the same way, to choose
again; the new branch is saved beside the old run, which stays as it was.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from crisissim.engine import DecisionError, Simulation
from crisissim.engine.replay import DecisionPlan
from crisissim.fileio import OutputError
from crisissim.game.clock import SimClock
from crisissim.save import SaveError, build_save, check_matches, read_save, write_save

AUTOSAVE_EVERY = 15.0  # simulated minutes between autosaves
CATCH_UP_STEP = 5.0  # simulated minutes per step when rebuilding a run (the charts' samples)


def saves_dir() -> Path:
    """``~/.crisissim/saves``: where runs are saved unless ``--save`` says otherwise."""
    return Path.home() / ".crisissim" / "saves"


def default_save_path(scenario_id: str, seed: int) -> Path:
    """``~/.crisissim/saves/<scenario id>-<seed>-<YYYYmmdd-HHMMSS>.json``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return saves_dir() / f"{scenario_id}-{seed}-{stamp}.json"


def branch_path(path: Path) -> Path:
    """A free name beside ``path`` for a rewound branch of its run: ``run-r1.json``, ``run-r2.json``…"""
    stem = path.stem
    base = stem.rsplit("-r", 1)[0] if "-r" in stem and stem.rsplit("-r", 1)[1].isdigit() else stem
    n = 1
    while (path.parent / f"{base}-r{n}{path.suffix}").exists():
        n += 1
    return path.parent / f"{base}-r{n}{path.suffix}"


def last_unfinished(folder: Path | None = None, newest: int = 200) -> Path | None:
    """The most recently written save in ``folder`` (default :func:`saves_dir`) of a run not
    yet finished; None if there is none (the ``newest`` files are looked at)."""
    folder = saves_dir() if folder is None else folder
    try:
        files = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)[:newest]
    except OSError:
        return None
    for p in files:
        try:
            save = read_save(p)
        except (SaveError, OSError):
            continue
        if save.total_loss is None:
            return p
    return None


def open_save(save_path, scenario=None):
    """(save, scenario, scenario path, decision log) of the save at ``save_path``, checked: the
    scenario is read from the path the save names (relative to the save's folder if need be)
    unless given, must be the one played, and the log must fit it; else :class:`SaveError`."""
    from crisissim.scenario import ScenarioError, load_scenario

    save_path = Path(save_path)
    save = read_save(save_path)
    path = Path(save.scenario.path) if save.scenario.path else None
    if scenario is None:
        if path is None:
            raise SaveError(f"{save_path}: scenario.path: the save does not say which scenario file it was played on")
        if not path.is_absolute() and not path.exists():
            path = save_path.parent / path
        try:
            scenario = load_scenario(path)
        except ScenarioError as e:
            raise SaveError(str(e).splitlines()[0]) from None
    check_matches(save, scenario, save_path)
    log = [d.model_dump() for d in save.decisions]
    try:
        DecisionPlan(scenario, log)
    except DecisionError as e:
        where = save.where(e.index, e.field) if e.index is not None else str(save_path)
        raise SaveError(f"{where}: {e.detail or e}") from None
    return save, scenario, path, log


class Autosaver:
    """Writes saves on a background thread, the newest first and each path at most once queued.

    :meth:`flush` waits until everything queued is on disk (the app calls it before a final,
    synchronous save and before it exits)."""

    def __init__(self):
        self._lock = threading.Condition()
        self._pending: dict[Path, dict] = {}
        self._busy = False
        self._thread: threading.Thread | None = None
        self.written = 0
        self.error: str | None = None

    def submit(self, path: Path, data: dict) -> None:
        with self._lock:
            self._pending[Path(path)] = data
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="crisissim-autosave", daemon=True)
                self._thread.start()
            self._lock.notify_all()

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._busy = False
                    self._lock.notify_all()
                    self._thread = None
                    return
                path, data = self._pending.popitem()
                self._busy = True
            try:
                write_save(path, data)
                self.written += 1
            except OutputError as e:  # a full disk or a vanished folder: said on screen, the run goes on
                self.error = str(e).removeprefix("cannot write ")
            except OSError as e:
                self.error = f"{path}: {e.strerror or e}"

    def flush(self, timeout: float = 30.0) -> None:
        with self._lock:
            self._lock.wait_for(lambda: not self._pending and not self._busy, timeout)


class Session:
    """The trainee's run of ``scenario`` (loaded from ``path``) under ``seed``.

    ``minutes_per_second``: simulated minutes per real second at 1×. The save goes to
    ``save_path`` (default :func:`default_save_path`). ``replay``: a decision log to take
    again at its steps (a resumed or rewound run); the caller then runs the clock to the
    minute to go on from (:meth:`catch_up`).
    """

    def __init__(self, scenario, path, seed: int | None = None, minutes_per_second: float = 2.0, save_path=None,
                 replay=None):
        self.scenario = scenario
        self.path = Path(path).resolve() if path is not None else None
        self.sim = Simulation(scenario, seed, replay=list(replay) if replay else None)
        self.seed = self.sim.seed
        self.clock = SimClock(self.sim, minutes_per_second)
        self.save_path = Path(save_path) if save_path is not None else default_save_path(scenario.meta.id, self.seed)
        self.saved: Path | None = None
        self.autosaver = Autosaver()
        self.autosaved_at = 0.0  # simulated minute of the last autosave
        self.resumed_at: float | None = None  # where a resumed or rewound run took up

    @property
    def decisions(self) -> list[dict]:
        """The replayable decision log so far (cards, actions and a facilitator's moves, with their steps)."""
        return self.sim.decisions

    @property
    def now(self) -> float:
        return self.clock.snap.time

    # ------------------------------------------------------------------ saving
    def save_data(self) -> dict:
        """The save record of the run as it stands (``at``: the simulated minute reached)."""
        finished = self.sim.finished
        result = self.sim.result().to_dict() if finished else None
        total = result["total_loss"] if result is not None else None
        return build_save(self.scenario, self.seed, self.decisions, path=str(self.path) if self.path else None,
                          policy=None, total_loss=total, result=result, at=self.sim.duration if finished else self.now)

    def save(self) -> Path:
        """Write the save file now, atomically, after any autosave still on its way; return its path."""
        self.autosaver.flush()
        write_save(self.save_path, self.save_data())
        self.saved = self.save_path
        self.autosaved_at = self.now
        return self.save_path

    def autosave_due(self) -> bool:
        return not self.sim.finished and self.now - self.autosaved_at >= AUTOSAVE_EVERY - 1e-9

    def autosave(self) -> None:
        """Queue a save of the run as it stands (written in the background)."""
        self.autosaver.submit(self.save_path, self.save_data())
        self.autosaved_at = self.now

    # ------------------------------------------------- resuming and rewinding
    def catch_up(self, minute: float, reason: str = "resumed") -> None:
        """Run the clock to ``minute`` (the charts sampled on the way) and pause there (``reason``)."""
        c = self.clock
        while c.snap.time < minute - 1e-9 and not c.finished:
            before = c.snap.time
            c.advance(min(CATCH_UP_STEP, minute - c.snap.time))
            if c.snap.time <= before:
                break
        c.refresh()
        c.pause(reason)
        self.resumed_at = c.snap.time
        self.autosaved_at = c.snap.time

    @classmethod
    def check(cls, save_path) -> Any:
        """The scenario of the save at ``save_path`` if the run can be resumed; else :class:`SaveError`."""
        return open_save(save_path)[1]

    @classmethod
    def resume(cls, save_path, minutes_per_second: float = 2.0, scenario=None) -> Session:
        """The run saved at ``save_path``, rebuilt to the minute it was saved at and paused there.

        The scenario is read from the path the save names (relative to the save's folder if
        need be) unless given; raise :class:`SaveError` (one line) if it cannot be used."""
        save_path = Path(save_path)
        save, scenario, path, log = open_save(save_path, scenario)
        at = save.at
        if at is None:
            at = scenario.meta.duration if save.total_loss is not None else max([d["t"] for d in log] + [0.0])
        s = cls(scenario, path, save.seed, minutes_per_second, save_path, replay=log)
        s.catch_up(min(at, scenario.meta.duration))
        if s.sim.finished:
            s.saved = save_path
        return s

    def rewound(self, index: int) -> Session:
        """A new branch of this run, rebuilt to the moment decision ``index`` was taken, without it
        and anything after; paused there, its card (if it was one) open again. Saved beside this run."""
        log = self.decisions
        if not 0 <= index < len(log):
            raise IndexError(f"no decision {index} (the run has {len(log)})")
        target = log[index]
        keep = log[:index]
        s = Session(self.scenario, self.path, self.seed, self.clock.rate, branch_path(self.save_path), replay=keep)
        s.clock.speed = self.clock.speed
        s.catch_up(target["t"], "rewound")
        return s
