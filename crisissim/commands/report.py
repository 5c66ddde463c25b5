"""``crisissim report SAVE``: the after-action report of a saved run (report.html, report.md, charts)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import typer

from crisissim.commands._common import fail


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        save: Path = typer.Argument(..., help="A save file written by crisissim play (or run --save).", show_default=False),
        out: Path | None = typer.Option(None, "--out", help="Folder for report.html, report.md and the charts "
                                           "(default: <save>-report beside the save)."),
        lang: str | None = typer.Option(None, "--lang", help="en or zh (default: the scenario's meta.language if "
                                           "it is one of them, else en)."),
        reps: int | None = typer.Option(None, "--reps", min=2, max=1000, help="Days each alternative is re-run on "
                                           "(default: the scenario's scoring.debrief_reps, 30)."),
        workers: int | None = typer.Option(None, "--workers", min=1, max=512, help="Worker processes (default: all cores)."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress on stderr."),
    ) -> None:
        """Write the after-action report of a saved run: timeline, charts, each decision's effect
        over many days with its 95% interval, lessons met or missed, the grade against the expert."""
        from crisissim.engine import Simulation
        from crisissim.game.background import DebriefWork
        from crisissim.game.counterfactual import Debrief
        from crisissim.game.report import write_report
        from crisissim.game.session import open_save
        from crisissim.save import SaveError

        if lang is not None and lang not in ("en", "zh"):
            raise fail(f"--lang: expected en or zh, got {lang!r}", 2)
        try:
            saved, sc, path, log = open_save(save)
        except SaveError as e:
            typer.echo(str(e).splitlines()[0], err=True)
            raise typer.Exit(1) from None
        target = out if out is not None else save.parent / f"{save.stem}-report"
        if target.exists() and not target.is_dir():
            raise fail(f"--out: {target} is a file (expected a folder)", 2)
        lang = lang or (sc.meta.language if sc.meta.language in ("en", "zh") else "en")
        sim = Simulation(sc, saved.seed, replay=log)
        res = sim.result()
        d = res.to_dict()
        base = path.parent if path is not None else None
        debrief = Debrief(sc, saved.seed, d["decisions"], d["events"], reps=reps, base_dir=base, played=sim)
        work = DebriefWork(lambda: debrief, workers=workers or os.cpu_count() or 1)
        shown, decile = -1, -1
        try:
            while not work.poll(budget=None):
                if work.error:
                    raise fail(f"the re-runs stopped: {work.error}", 1)
                done, total = work.progress()
                if not quiet and total and done != shown:
                    shown = done
                    if sys.stderr.isatty():
                        sys.stderr.write(f"\rre-running alternatives: {done}/{total} runs")
                        sys.stderr.flush()
                    elif done * 10 // total != decile:
                        decile = done * 10 // total
                        typer.echo(f"re-running alternatives: {done}/{total} runs", err=True)
                time.sleep(0.05)
        finally:
            work.close()
        if not quiet and sys.stderr.isatty():
            typer.echo("", err=True)
        tl = res.timeline
        series = {k: [float(x) for x in tl[k]] for k in ("time", "loss", "reputation")}
        from crisissim.fileio import OutputError

        try:
            paths = write_report(target, sc, d, debrief, lang, str(save), series)
        except OutputError as e:
            raise fail(str(e), 1) from None
        typer.echo(f"wrote {paths[0]} and {paths[1]} (charts beside them)")
