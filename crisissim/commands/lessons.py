"""``crisissim lessons FILE…``: check that every scenario teaches what it claims (paired replications)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from crisissim.commands._common import fail, write_atomic

MAX_WORKERS = 1024

RULE = ("holds: A beats B (strictly better on the metric) in a share of the compared replications whose exact "
        "95% lower bound (Clopper–Pearson) is at least the lesson's threshold, and A is better on average")


def difference_text(metric: str, mean: float, lo: float, hi: float, currency: str) -> str:
    """A paired mean difference of ``metric`` and its CI, in the metric's unit (given once)."""
    if metric == "total_loss" or metric.startswith("loss_"):
        fmt, unit = (lambda x: f"{x:+,.0f}"), f" {currency}"
    elif metric in ("service_level", "abandon_rate", "occupancy"):
        fmt, unit = (lambda x: f"{100 * x:+.1f}"), " pp"
    elif metric.startswith("reputation"):
        fmt, unit = (lambda x: f"{x:+.1f}"), " pts"
    elif metric.startswith("wait"):
        fmt, unit = (lambda x: f"{x:+.2f}"), " min"
    else:
        fmt, unit = (lambda x: f"{x:+,.1f}"), ""
    show = lambda x: "—" if x != x else fmt(x).replace("-", "−")  # noqa: E731
    return f"{show(mean)}{unit}\n[{show(lo)}, {show(hi)}]"


def table(path: Path, scenario, outcomes, reps: int, seed: int):
    """A rich table of one scenario's lessons."""
    from rich.table import Table
    from rich.text import Text

    cur = scenario.meta.currency
    t = Table(title=f"{path} — {scenario.meta.title} ({reps} paired replications, seed {seed})",
              title_justify="left", show_lines=True)
    t.add_column("", no_wrap=True)
    t.add_column("lesson")
    t.add_column("A vs B", overflow="fold")
    t.add_column("n", justify="right", no_wrap=True)
    t.add_column("mean A − B [95% CI]", justify="right")
    t.add_column("A better in [95% CI]", justify="right", no_wrap=True)
    t.add_column("needs", justify="right", no_wrap=True)
    for o in outcomes:
        p, les = o.comparison, o.lesson
        mark = Text("✓ holds", style="bold green") if o.holds else Text("✗ fails", style="bold red")
        lesson = Text(les.id, style="bold")
        lesson.append("\n" + o.text(scenario.meta.language))
        claim = f"{o.a}\nvs {o.b}\non {les.metric} ({p.better} is better)"
        if les.given:
            claim += f"\ngiven {les.given}"
        d = p.difference
        diff = difference_text(les.metric, d.mean, d.lo, d.hi, cur) if p.n else "—"
        share = f"{p.share:.0%} [{p.share_low:.0%}, {p.share_high:.0%}]" if p.n else "—"
        n = f"{p.n}" if p.n == p.reps else f"{p.n} of {p.reps}"
        t.add_row(mark, lesson, claim, n, diff, share, f"≥ {les.share:.0%}")
    return t


def register(app: typer.Typer) -> None:
    @app.command("lessons")
    def lessons(
        files: list[Path] = typer.Argument(..., help="Scenario YAML files, or names of bundled scenarios "
                                           "(crisissim list).", show_default=False),
        reps: int = typer.Option(30, "--reps", "-n", help="Paired replications per lesson."),
        seed: int | None = typer.Option(None, "--seed", min=0, help="Seed of the replications (default: each scenario's)."),
        workers: int | None = typer.Option(None, "--workers", "-j", help="Local worker processes (default: all cores)."),
        scheduler: str | None = typer.Option(None, "--scheduler", help="Run on Dask: tcp://HOST:PORT, or 'local'."),
        json_out: str | None = typer.Option(None, "--json", help="Write the outcomes as JSON to PATH, or - for stdout."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
    ) -> None:
        """Check each scenario's lessons with paired replications; exit 1 if any fails.

        Every lesson claims that A (an option or policy) beats B on a metric in at least a share
        of paired replications (same seeds and random streams in both). A lesson holds when the
        exact 95% lower bound of the share A wins is at least its threshold and A is better on
        average."""
        from rich.console import Console

        from crisissim.commands._args import find_or_report
        from crisissim.lessons import LessonError, evaluate_lessons, policy_problems
        from crisissim.lessons.evaluate import MAX_REPS
        from crisissim.scenario import validate_file
        from crisissim.study.executor import DaskExecutor, LocalExecutor
        from crisissim.study.grid import StudyError

        if not 2 <= reps <= MAX_REPS:
            raise typer.BadParameter(f"must be between 2 and {MAX_REPS:,}, got {reps}", param_hint="'--reps'")
        if workers is not None and not 1 <= workers <= MAX_WORKERS:
            raise typer.BadParameter(f"must be between 1 and {MAX_WORKERS}, got {workers}", param_hint="'--workers'")
        loaded = []
        bad = False
        for arg in files:
            path = find_or_report(arg)
            if path is None:
                bad = True
                continue
            sc, errors, warnings = validate_file(path)
            for p in warnings + errors:
                typer.echo(str(p), err=True)
            problems = policy_problems(sc, path.parent, source=str(path)) if sc is not None else []
            for line in problems:
                typer.echo(line, err=True)
            if sc is None or problems:
                bad = True
            else:
                loaded.append((path, sc))
        if bad:
            raise typer.Exit(1)
        to_stdout = json_out == "-"
        console = Console(file=sys.stderr if to_stdout else sys.stdout, width=None if sys.stdout.isatty() else 140,
                          highlight=False)
        report: dict[str, Any] = {"reps": reps, "rule": RULE, "scenarios": []}
        failed = False
        executor = None
        finished = False
        try:
            if any(sc.lessons for _, sc in loaded):
                executor = DaskExecutor(scheduler, workers) if scheduler else LocalExecutor(workers)
            for path, sc in loaded:
                run_seed = sc.meta.seed if seed is None else seed
                if not sc.lessons:
                    console.print(f"{path}: no lessons to check")
                    report["scenarios"].append({"file": str(path), "id": sc.meta.id, "seed": run_seed, "lessons": [],
                                                "holds": True})
                    continue
                try:
                    outcomes = evaluate_lessons(sc, reps, run_seed, base_dir=path.parent, executor=executor,
                                                quiet=quiet)
                except LessonError as e:
                    raise fail(f"{path}: {e}") from None
                console.print(table(path, sc, outcomes, reps, run_seed))
                for o in outcomes:
                    if not o.holds:
                        console.print(f"✗ {o.lesson.id}: {o.why}", soft_wrap=True)
                holds = all(o.holds for o in outcomes)
                failed |= not holds
                held = sum(o.holds for o in outcomes)
                console.print(f"{path}: {held} of {len(outcomes)} lessons hold" + ("" if holds else " ✗"))
                report["scenarios"].append({"file": str(path), "id": sc.meta.id, "seed": run_seed, "holds": holds,
                                            "lessons": [o.as_dict() for o in outcomes]})
            finished = True
        except StudyError as e:
            raise fail(str(e)) from None
        finally:
            if executor is not None:
                executor.close(wait=finished)
        if any(sc.lessons for _, sc in loaded):
            console.print(f"Rule — {RULE}.")
        report["holds"] = not failed
        if json_out:
            text = json.dumps(report, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
            if to_stdout:
                typer.echo(text, nl=False)
            else:
                try:
                    write_atomic(Path(json_out), text)
                except OSError as e:
                    raise fail(f"cannot write {json_out}: {e.strerror or e}") from None
        if failed:
            raise typer.Exit(1)
