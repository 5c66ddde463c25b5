"""The screenshot and frame-time scripts run (small settings), so they do not rot as scenes change."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pygame = pytest.importorskip("pygame")

import game_helpers  # noqa: E402,F401 - sets the dummy video driver

SCRIPTS = Path(__file__).parent.parent / "scripts"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_screenshots_of_every_scene(tmp_path, capsys):
    shots = load("screenshots")
    assert shots.main(["--out", str(tmp_path), "--sizes", "960x540", "--langs", "zh", "--debrief-reps", "2"]) == 0
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    names = [n.split("-", 3)[-1] for n in pngs]
    assert names == ["menu.png", "briefing.png", "dashboard-early.png", "cards.png", "cards-folded.png", "confirm.png",
                     "help-card.png", "dashboard-mid.png", "help-dashboard.png", "facilitator.png",
                     "facilitator-typing.png", "paused.png", "rewind.png", "debrief-working.png", "debrief.png"]
    for p in tmp_path.glob("*-*-*-*.png"):
        img = pygame.image.load(str(p))
        assert img.get_size() == (960, 540)
        colours = {tuple(img.get_at((x, y))) for x in range(0, 960, 37) for y in range(0, 540, 23)}
        assert len(colours) > 4, p.name  # something was drawn
    assert "15 screenshots" in capsys.readouterr().out
    assert (tmp_path / "save-960x540-zh-report" / "report.html").is_file()


def test_bench_game_prints_a_row_per_window_and_speed(capsys):
    bench = load("bench_game")
    assert bench.main(["--frames", "20", "--sizes", "960x540", "--speeds", "1,4", "--debrief-frames", "30",
                       "--scenario", str(game_helpers.RECALL)]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line for line in out if line.startswith("960x540")]
    assert len(rows) == 3 and " 1×" in rows[0] and " 4×" in rows[1] and "debrief" in rows[2]
    assert "re-runs:" in rows[2]


def test_the_main_loop_runs_a_window_and_saves_on_quit(tmp_path):
    """``run`` itself (window, events, update, draw, flip) in a subprocess: Enter starts the run,
    a window close saves it."""
    import subprocess
    import sys

    code = f"""
import pygame
from pathlib import Path
from crisissim.game import app as game_app
real_init = game_app.App.__init__
def init(self, pg, options=None):
    real_init(self, pg, options)
    enter = pg.event.Event(pg.KEYDOWN, key=pg.K_RETURN, mod=0, unicode="")
    pg.time.set_timer(enter, 300, loops=1)
    pg.time.set_timer(pg.event.Event(pg.QUIT), 1500, loops=1)
game_app.App.__init__ = init
opts = game_app.Options(file=Path({str(game_helpers.RECALL)!r}), seed=5, save=Path({str(tmp_path / 'run.json')!r}),
                        size=(960, 540), lang="zh")
raise SystemExit(game_app.run(opts))
"""
    env = {**__import__("os").environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    import json

    save = json.loads((tmp_path / "run.json").read_text())
    assert save["seed"] == 5 and save["scenario"]["id"] == "product-recall" and save["total_loss"] is None
