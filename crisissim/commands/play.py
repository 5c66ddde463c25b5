"""``crisissim play``: the trainee's game (pygame-ce), saved for ``crisissim run --replay``."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from crisissim.commands._common import fail


def _size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d{3,5})\s*[xX×]\s*(\d{3,5})\s*", text)
    if not m:
        raise ValueError(f"expected WIDTHxHEIGHT such as 1280x720, got {text!r}")
    w, h = int(m.group(1)), int(m.group(2))
    if not (320 <= w <= 10000 and 240 <= h <= 10000):
        raise ValueError(f"window size {w}x{h} out of range (320x240 to 10000x10000)")
    return w, h


def register(app: typer.Typer) -> None:
    @app.command("play")
    def play(
        file: Path | None = typer.Argument(None, help="Scenario YAML, or the name of a bundled one (default: choose "
                                              "a bundled one in the menu); with --resume, a save file.",
                                        show_default=False),
        seed: int | None = typer.Option(None, "--seed", min=0, max=2**63 - 1, help="Random seed (default: the scenario's)."),
        speed: float = typer.Option(2.0, "--speed", help="Simulated minutes per real second at 1× (2×, 4× in the game)."),
        save: Path | None = typer.Option(None, "--save", help="Save file (default ~/.crisissim/saves/<id>-<seed>-<time>.json)."),
        windowed: str | None = typer.Option(None, "--windowed", help="Window size WxH (default 1280x720, resizable)."),
        lang: str | None = typer.Option(None, "--lang", help="Language of the game: en or zh (default: the scenario's "
                                           "meta.language if it is one of them, else en; L switches in the game)."),
        resume: bool = typer.Option(False, "--resume", help="Go on with the last unfinished run saved in "
                                    "~/.crisissim/saves (or with the save FILE given), from where it was saved."),
        facilitator: bool = typer.Option(False, "--facilitator", help="Open the facilitator's panel (F9) when a run starts."),
        debrief_reps: int | None = typer.Option(None, "--debrief-reps", min=2, max=1000, help="Days the debrief re-runs "
                                                   "each alternative on (default: the scenario's scoring.debrief_reps, 30)."),
    ) -> None:
        """Play a scenario: live dashboard, decision cards, debrief; the run is saved for replay."""
        from crisissim.game import GameUnavailable, load_pygame

        if not speed > 0 or speed > 1000:
            raise fail(f"--speed: expected simulated minutes per second between 0 and 1000, got {speed:g}", 2)
        try:
            size = _size(windowed) if windowed is not None else (1280, 720)
        except ValueError as e:
            raise fail(f"--windowed: {e}", 2) from None
        if lang is not None and lang not in ("en", "zh"):
            raise fail(f"--lang: expected en or zh, got {lang!r}", 2)
        if resume:
            from crisissim.game.session import Session, last_unfinished, saves_dir
            from crisissim.save import SaveError

            for flag, value in (("--seed", seed), ("--save", save)):
                if value is not None:
                    raise fail(f"{flag}: a resumed run goes on with its save's seed, in its save file (drop {flag})", 2)
            if file is None:
                file = last_unfinished()
                if file is None:
                    raise fail(f"--resume: no unfinished run saved in {saves_dir()} (give a save: crisissim play "
                               "--resume FILE.json)", 1)
            try:
                sc = Session.check(file)
            except SaveError as e:
                typer.echo(str(e).splitlines()[0], err=True)
                raise typer.Exit(1) from None
            if lang is None and sc.meta.language in ("en", "zh"):
                lang = sc.meta.language
        elif file is not None:
            from crisissim.commands._args import scenario_path
            from crisissim.commands._common import first_line
            from crisissim.engine.workload import WorkloadError, check
            from crisissim.scenario import ScenarioError, load_scenario

            file = scenario_path(file)
            try:
                sc = load_scenario(file)
                check(sc)  # a game must finish too: refuse what would not, before the window opens
            except ScenarioError as e:
                typer.echo(first_line(str(e), f"; crisissim validate {file} lists them all"), err=True)
                raise typer.Exit(1) from None
            except WorkloadError as e:
                why = str(e).replace("raise the limit with --max-contacts N if you mean it",
                                     "too large to play (crisissim run --max-contacts N runs it headless)")
                typer.echo(f"{file}: {why}", err=True)
                raise typer.Exit(1) from None
            if lang is None and sc.meta.language in ("en", "zh"):
                lang = sc.meta.language
        try:
            load_pygame()
        except GameUnavailable as e:
            raise fail(str(e), 1) from None
        from crisissim.game.app import Options, run

        if resume:
            options = Options(speed=speed, size=size, lang=lang or "en", resume=file, facilitator=facilitator,
                              debrief_reps=debrief_reps)
        else:
            options = Options(file=file, seed=seed, speed=speed, save=save, size=size, lang=lang or "en",
                              facilitator=facilitator, debrief_reps=debrief_reps)
        rc = run(options)
        raise typer.Exit(rc)
