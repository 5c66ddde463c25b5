"""``crisissim study``: Monte-Carlo staffing studies over a grid of levels (see crisissim.study)."""

from __future__ import annotations

import contextlib
import signal
import sys
from pathlib import Path

import typer

from crisissim.commands._common import interrupted
from crisissim.limits import DEFAULT_MAX_CONTACTS


def _fail(message: str, code: int = 1) -> typer.Exit:
    print(f"crisissim study: error: {message}", file=sys.stderr)
    return typer.Exit(code)


def study(
    file: Path | None = typer.Argument(None, help="Scenario YAML, or a study YAML (with scenario:, reps:, vary: …), "
                                          "or the name of a bundled one (default: the bundled default scenario)."),
    reps: int | None = typer.Option(None, "--reps", "-n", help="Replications per level (default 30)."),
    vary: list[str] | None = typer.Option(None, "--vary", help="A scenario field and its values: PATH=a:b:step (numbers, "
                                             "durations such as 20s:60s:10s, or percentages) or PATH=a,b,c (any values "
                                             "the field takes, e.g. 20s,30s); repeat for a grid."),
    policy: list[str] | None = typer.Option(None, "--policy", help="Decision policy; repeat to compare."),
    seed: int | None = typer.Option(None, "--seed", min=0, max=2**63 - 1, help="Study seed (default: the scenario's)."),
    workers: int | None = typer.Option(None, "--workers", "-j", help="Local worker processes (default: all cores)."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Run on Dask: tcp://HOST:PORT."),
    dask: str | None = typer.Option(None, "--dask", help="'local': run on a Dask LocalCluster."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Output directory (default: study-<scenario id>)."),
    resume: bool = typer.Option(False, "--resume", help="Continue a stopped study in --out."),
    loss_threshold: float | None = typer.Option(None, "--loss-threshold", help="Report P(total loss > X)."),
    precision: str | None = typer.Option(None, "--precision", help="Add replications until every CI half-width < this share of its mean (e.g. 2%)."),
    max_reps: int | None = typer.Option(None, "--max-reps", help="Cap per level for --precision/--optimize (default 10 × reps)."),
    optimize: bool = typer.Option(False, "--optimize", help="KN ranking and selection instead of the full grid."),
    confidence: float | None = typer.Option(None, "--confidence", help="--optimize: probability of correct selection (default 0.95)."),
    delta: float | None = typer.Option(None, "--delta", help="--optimize: indifference zone in money (default 1% of mean loss)."),
    independent: bool = typer.Option(False, "--independent", help="Independent seeds per level instead of common random numbers."),
    batch_size: int | None = typer.Option(None, "--batch-size", help="Replications per task (default: sized to the workers)."),
    no_plots: bool = typer.Option(False, "--no-plots", help="Skip the PNG plots."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
    force: bool = typer.Option(False, "--force", help="Write into an --out folder that is not empty and holds no study."),
    max_contacts: int = typer.Option(
        DEFAULT_MAX_CONTACTS, "--max-contacts", min=1,
        help="Refuse the study if one run of any level has an upper estimate of contacts above this."),
    allow_code: bool = typer.Option(
        False, "--allow-code",
        help="Trust the study file: let it name Python policies (module:function, file.py:function) and a Dask "
             "scheduler address. Without it a study file is data: built-in policies and scripted policy files "
             "in its own folder only. Their code runs with your rights; use it only for files you wrote or read."),
) -> None:
    """Replicate a scenario over a grid of levels and recommend staffing (results in --out)."""
    from crisissim.scenario import ScenarioError, default_scenario_path, load_scenario
    from crisissim.study import StudyError, parse_vary, run_study
    from crisissim.study.spec import StudyFile, is_study_file, load_study_file, parse_share

    try:
        vary_l = [parse_vary(v) for v in vary or []]
    except StudyError as e:
        raise typer.BadParameter(str(e).removeprefix("--vary "), param_hint="'--vary'") from None
    try:
        prec = parse_share(precision) if precision is not None else None
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="'--precision'") from None
    if scheduler and dask:
        raise typer.BadParameter("give --scheduler or --dask, not both", param_hint="'--dask'")
    if dask is not None and dask != "local":
        raise typer.BadParameter("--dask takes 'local' (use --scheduler tcp://HOST:PORT for a cluster)",
                                 param_hint="'--dask'")
    if workers is not None and workers < 1:
        raise typer.BadParameter("must be >= 1", param_hint="'--workers'")

    from crisissim.commands._args import scenario_path
    from crisissim.paths import is_bundled

    path = scenario_path(file, studies=True) if file is not None else default_scenario_path()
    spec = StudyFile(scenario=str(path))
    base = Path.cwd()
    try:
        if is_study_file(path):
            spec, file_vary, scenario = load_study_file(path, allow_code=allow_code)
            base = Path.cwd() if is_bundled(path) else path.parent  # results of a bundled study go here
            vary_l = vary_l or file_vary
        else:
            scenario = load_scenario(path)
    except ScenarioError as e:
        errs = [p for p in e.problems if p.severity == "error"] or e.problems
        raise _fail(f"{errs[0]}" + (f" (and {len(errs) - 1} more)" if len(errs) > 1 else "")) from None
    except StudyError as e:
        raise _fail(str(e)) from None

    pick = lambda cli, fallback: cli if cli is not None else fallback  # noqa: E731
    out_dir = out or (base / spec.out if spec.out else Path(f"study-{scenario.meta.id}"))
    sched = scheduler or dask or spec.scheduler
    try:
        with _terminate_as_interrupt():
            result = run_study(
                scenario, reps=pick(reps, spec.reps) or 30, vary=vary_l, policies=policy or spec.policies or None,
                seed=pick(seed, spec.seed), workers=pick(workers, spec.workers), scheduler=sched, out=out_dir,
                resume=resume, loss_threshold=pick(loss_threshold, spec.loss_threshold),
                precision=pick(prec, spec.precision), max_reps=pick(max_reps, spec.max_reps),
                optimize=optimize or spec.optimize, confidence=pick(confidence, spec.confidence),
                delta=pick(delta, spec.delta), crn=spec.crn and not independent, batch_size=batch_size,
                quiet=quiet, plots=not no_plots, max_contacts=max_contacts, force=force)
    except StudyError as e:
        raise _fail(str(e)) from None
    except KeyboardInterrupt:
        raise interrupted(f"crisissim study: interrupted; finished replications are kept in {out_dir} "
                          "(run again with --resume to continue)") from None
    except ImportError as e:
        raise _fail(f"the engine is not available: {e}") from None

    from crisissim.scenario.text import printable
    from crisissim.study.report import recommendation_lines

    n = len(result.replications["rep"])
    print(f"{len(result.levels)} levels, {n} replications")
    for line in recommendation_lines(result, scenario.meta.currency):
        print(printable(line, newlines=False))
    print(f"results in {out_dir}/ (report.md, summary.csv, summary.json, intervals.csv, replications)")


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM stops a study the way Ctrl-C does: finished replications are kept for --resume."""
    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (tests, embedding): leave SIGTERM alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def register(app: typer.Typer) -> None:
    app.command("study")(study)
