"""``crisissim calibrate CONTACTS``: fit a scenario to a contact centre's log, and back-test it."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer

from crisissim.commands._common import fail, write_atomic

CHECK_LIMIT = 50_000_000
"""Contacts the back-test may simulate (replications × the log's contacts): about a quarter of an hour."""


class _Progress:
    """Rows read, on stderr: a live bar on a terminal, a line every few seconds otherwise."""

    def __init__(self, what: str, quiet: bool):
        self.what = what
        self.quiet = quiet
        self._bar = None
        self._t0 = time.monotonic()
        self._last = self._t0
        if not quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn(what), BarColumn(), TextColumn("{task.completed:,.0f} / ~{task.total:,.0f}"),
                                 TimeElapsedColumn(), TimeRemainingColumn(), console=Console(file=sys.stderr),
                                 transient=True)
            self._task = self._bar.add_task(what, total=None)
            self._bar.start()

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=max(total, done))
            return
        now = time.monotonic()
        if now - self._last >= 5.0:
            self._last = now
            pct = f" ({min(100, 100 * done // max(1, total))}%)" if total else ""
            print(f"calibrate: {self.what} {done:,} of ~{max(total, done):,}{pct}, {now - self._t0:.0f}s",
                  file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def register(app: typer.Typer) -> None:
    @app.command("calibrate")
    def calibrate_cmd(
        contacts: Path = typer.Argument(..., help="Contact log (CSV, CSV.gz or Parquet); columns in scenarios/DATA.md.",
                                        show_default=False),
        staffing: Path | None = typer.Option(None, "--staffing", help="Agents on duty per interval and pool (CSV/Parquet)."),
        churn: Path | None = typer.Option(None, "--churn", help="Churn per customer (customer, churned[, churned_at])."),
        interval: str = typer.Option("30m", "--interval", help="Interval of the profile and the back-test; divides a day."),
        out: Path = typer.Option(Path("calibrated.yaml"), "--out", help="Scenario YAML to write."),
        mapping: str | None = typer.Option(None, "--map", help="Your column names: arrival=CallStart,wait_seconds=QueueTime,…"),
        tz: str | None = typer.Option(None, "--tz", help="Read timestamps as wall-clock time in this zone (e.g. Asia/Shanghai)."),
        time_format: str | None = typer.Option(None, "--time-format", help="strptime format of non-ISO timestamps."),
        title: str | None = typer.Option(None, "--title", help="Title of the scenario."),
        check: bool = typer.Option(False, "--check", help="Back-test: simulate the fit under the log's staffing."),
        reps: int = typer.Option(40, "--reps", min=2, max=100_000, help="Replications for --check."),
        seed: int = typer.Option(1, "--seed", min=0, help="Seed of the back-test replications."),
        quiet: bool = typer.Option(False, "--quiet", help="No progress output."),
    ) -> None:
        """Fit a scenario to a contact log; every fitted value is commented with how and how well."""
        from crisissim.calibrate import DataError, calibrate, check_interval, parse_mapping, scenario_yaml
        from crisissim.scenario import ScenarioError, load_scenario_text
        from crisissim.scenario.units import parse_duration

        try:
            minutes = check_interval(parse_duration(interval), interval)
        except ValueError as e:
            raise fail(f"--interval: {e}", 2) from None
        try:
            cols = parse_mapping(mapping)
        except ValueError as e:
            raise fail(f"--map: {e}", 2) from None
        if tz is not None:
            try:
                import zoneinfo

                zoneinfo.ZoneInfo(tz)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise fail(f"--tz: unknown time zone {tz!r} (expected an IANA name such as Europe/Berlin)", 2) from None
        if check and staffing is None:
            raise fail("--check needs --staffing FILE: the back-test runs under the log's own staffing", 2)
        progress = _Progress("rows", quiet)
        try:
            cal = calibrate(contacts, staffing=staffing, churn=churn, interval=minutes, mapping=cols, tz=tz,
                            time_format=time_format, progress=progress)
        except DataError as e:
            typer.echo(str(e), err=True)
            raise typer.Exit(1) from None
        finally:
            progress.close()
        text = scenario_yaml(cal, title)
        try:
            sc = load_scenario_text(text, str(out), out.parent)
        except ScenarioError as e:  # a bug: what we write must validate
            raise fail(f"the fitted scenario does not validate: {e.problems[0]}", 1) from None
        for ch in cal.channels.values():
            if ch.patience is None:
                typer.echo(f"{contacts}: channel {ch.label!r}: {ch.note}", err=True)
        bt = None
        if check and reps * cal.rows > CHECK_LIMIT:
            raise fail(f"--check would simulate about {reps * cal.rows:,} contacts ({reps} replications of "
                       f"{cal.rows:,}; at most {CHECK_LIMIT:,}): give fewer --reps or a shorter log", 2)
        if check:
            from crisissim.calibrate.backtest import backtest

            bar = _Progress("replications", quiet)
            try:
                bt = backtest(sc, cal.observed, reps=reps, seed=seed, progress=bar)
            finally:
                bar.close()
        write_atomic(out, text)
        typer.echo(f"wrote {out}: {len(cal.types)} contact types, {len(cal.channels)} channels, {len(cal.pools)} pools "
                   f"from {cal.rows:,} contacts over {cal.days} days")
        for n in cal.notes:
            typer.echo(f"note: {n}")
        if bt is not None:
            _report(bt, out)


def _report(bt, out: Path) -> None:
    from crisissim.calibrate.backtest import plot_png, table_lines, to_csv

    for line in table_lines(bt):
        typer.echo(line)
    csv_path = out.with_name(out.stem + ".check.csv")
    write_atomic(csv_path, to_csv(bt))
    png = plot_png(bt)
    if png is not None:
        png_path = out.with_name(out.stem + ".check.png")
        write_atomic(png_path, png)
        typer.echo(f"wrote {csv_path} and {png_path}")
    else:
        typer.echo(f"wrote {csv_path} (plot skipped: matplotlib is not installed; pip install 'crisissim[plot]')")
