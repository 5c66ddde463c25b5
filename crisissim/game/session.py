"""One play of a scenario: the simulation, its clock and its save file. No pygame."""

from __future__ import annotations

import time
from pathlib import Path

from crisissim.engine import Simulation
from crisissim.game.clock import SimClock
from crisissim.save import build_save, write_save


def default_save_path(scenario_id: str, seed: int) -> Path:
    """``~/.crisissim/saves/<scenario id>-<seed>-<YYYYmmdd-HHMMSS>.json``."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return Path.home() / ".crisissim" / "saves" / f"{scenario_id}-{seed}-{stamp}.json"


class Session:
    """The trainee's run of ``scenario`` (loaded from ``path``) under ``seed``.

    ``minutes_per_second``: simulated minutes per real second at 1×. The save goes to
    ``save_path`` (default :func:`default_save_path`) at the end or when the trainee leaves.
    """

    def __init__(self, scenario, path, seed: int | None = None, minutes_per_second: float = 2.0, save_path=None):
        self.scenario = scenario
        self.path = Path(path).resolve() if path is not None else None
        self.sim = Simulation(scenario, seed)
        self.seed = self.sim.seed
        self.clock = SimClock(self.sim, minutes_per_second)
        self.save_path = Path(save_path) if save_path is not None else default_save_path(scenario.meta.id, self.seed)
        self.saved: Path | None = None

    @property
    def decisions(self) -> list[dict]:
        """The replayable decision log so far (cards and actions, with their steps)."""
        return self.sim.decisions

    def save(self) -> Path:
        """Write the save file atomically (total loss only for a finished run); return its path."""
        total = self.sim.result().to_dict()["total_loss"] if self.sim.finished else None
        data = build_save(self.scenario, self.seed, self.decisions, path=str(self.path) if self.path else None,
                          policy=None, total_loss=total)
        write_save(self.save_path, data)
        self.saved = self.save_path
        return self.save_path
