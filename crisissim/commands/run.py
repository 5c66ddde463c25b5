"""``crisissim run``: one replication headless, a human summary, and the result files asked for."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import typer

from crisissim.commands._args import scenario_label, scenario_path
from crisissim.commands._common import fail, first_line, write_atomic
from crisissim.limits import DEFAULT_MAX_CONTACTS


def _money(x: float, cur: str) -> str:
    return f"{x:,.2f} {cur}"


def summary(d: dict, policy: str) -> str:
    """The short human summary of a result dict."""
    from crisissim.scenario.text import printable

    cur = d["currency"]
    c = d["contacts"]
    w = d["wait"]
    sl, target = d["service_level"], d["service_level_target"]
    thr = d["service_level_threshold"] * 60
    lines = [
        f"{d['scenario']} — {printable(d['title'], newlines=False)} (seed {d['seed']}, "
        f"policy {printable(policy, newlines=False)})",
        f"  total loss      {_money(d['total_loss'], cur)}",
    ]
    for k, v in d["losses"].items():
        if v:
            lines.append(f"    {k.replace('_', ' '):<14}{_money(v, cur)}")
    lines += [
        f"  contacts        arrived {c['arrived']:,}  served {c['served']:,}  abandoned {c['abandoned']:,}  "
        f"waiting {c['waiting']:,}  in service {c['in_service']:,}  backlog {c['backlog']:,}  repeat {c['repeat']:,}",
        f"  wait (minutes)  mean {w['mean']:.2f}  p50 {w['p50']:.2f}  p90 {w['p90']:.2f}  p99 {w['p99']:.2f}",
        f"  service level   {sl:.1%} within {thr:g}s (target {target:.0%}: {'met' if sl >= target else 'missed'})",
        f"  abandonment     {d['abandon_rate']:.1%}",
        f"  reputation      final {d['reputation']['final']:.1f} (min {d['reputation']['min']:.1f}, "
        f"start {d['reputation']['initial']:.1f})",
        f"  churned         {d['churned']:,.1f} customers (expected)",
    ]
    if d["decisions"]:
        made = ", ".join(_decision(x) for x in d["decisions"])
        lines.append(f"  decisions       {made}")
    return "\n".join(lines)


def _decision(x: dict) -> str:
    """One decision-log entry, short: ``card→option``, ``action@12m``, ``inject!@30m``, ``message@40m``."""
    if x.get("card") is not None:
        return f"{x['card']}→{x['option']}"
    if x.get("action") is not None:
        return f"{x['action']}@{x['t']:.0f}m"
    if x.get("inject") is not None:
        return f"{x['inject']}!@{x['t']:.0f}m"
    return f"{'message' if x.get('message') is not None else x.get('mark', '?')}@{x['t']:.0f}m"


def _csv(columns: list[str], rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["" if (isinstance(v, float) and v != v) else (f"{v:.6g}" if isinstance(v, float) else v) for v in r])
    return buf.getvalue()


def _policy_name(p) -> str:
    return getattr(p, "name", None) or getattr(p, "__name__", None) or type(p).__name__


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run(
        file: Path | None = typer.Argument(None, help="Scenario YAML, or the name of a bundled one (default: the "
                                              "bundled default scenario).", show_default=False),
        seed: int | None = typer.Option(None, "--seed", min=0, max=2**63 - 1, help="Random seed (default: the scenario's)."),
        policy: str = typer.Option("default", "--policy", help="default | first | random | scripted:FILE | FILE.yaml | module:function."),
        json_out: str | None = typer.Option(None, "--json", help="Write the full result as JSON to PATH, or - for stdout."),
        timeline: Path | None = typer.Option(None, "--timeline", help="Write the sampled time series as CSV."),
        intervals: Path | None = typer.Option(None, "--intervals", help="Write per-interval KPIs as CSV."),
        save: Path | None = typer.Option(None, "--save", help="Write a save file (scenario hash, seed, decisions) for replay."),
        replay: Path | None = typer.Option(None, "--replay", help="Reproduce a saved run exactly."),
        compare: str | None = typer.Option(None, "--compare", help="Comma-separated policies to run on the same seed for comparison."),
        interval: str | None = typer.Option(None, "--interval", help="KPI interval length, e.g. 15m (default: the scenario's meta.interval, 30m)."),
        contacts: Path | None = typer.Option(None, "--contacts", help="Write one row per contact, as a contact-centre export (CSV, or Parquet by extension; see scenarios/DATA.md)."),
        staffing: Path | None = typer.Option(None, "--staffing", help="Write agents on duty per interval and pool (CSV or Parquet)."),
        max_contacts: int = typer.Option(
            DEFAULT_MAX_CONTACTS, "--max-contacts", min=1,
            help="Refuse a run whose upper estimate of contacts (arrivals, surges, social posts, repeats) is above "
                 "this, before it starts; a run that outgrows twice its limit's work is stopped."),
    ) -> None:
        """Run one replication headless and print a short summary."""
        from crisissim.engine import DecisionError, Simulation, WorkloadError
        from crisissim.fileio import check_output
        from crisissim.policy import PolicyError, resolve
        from crisissim.save import SaveError, build_save, check_matches, check_reproduced, read_save, write_save
        from crisissim.scenario import ScenarioError, default_scenario_path, load_scenario

        for target in (json_out if json_out != "-" else None, timeline, intervals, save, contacts, staffing):
            if target is not None:
                check_output(target)  # a folder, a FIFO or a device is refused before the run, not after
        saved = None
        from_save = False
        if replay is not None:
            try:
                saved = read_save(replay)
            except SaveError as e:
                typer.echo(first_line(str(e)), err=True)
                raise typer.Exit(1) from None
            if file is None and saved.scenario.path:
                from_save = True
                file = Path(saved.scenario.path)
                if not file.is_absolute():
                    file = (replay.parent / file).resolve() if (replay.parent / file).exists() else file
        path = scenario_path(file) if file is not None else default_scenario_path()
        try:
            sc = load_scenario(path)
        except ScenarioError as e:
            if from_save and saved is not None:  # a path a shared save names: say what is wrong, never what the file holds
                typer.echo(f"{saved.where_scenario()}: {_unusable(e, path)}", err=True)
            else:
                typer.echo(first_line(str(e), f"; crisissim validate {path} lists them all"), err=True)
            raise typer.Exit(1) from None
        if saved is not None and replay is not None:  # (saved is read from replay)
            try:
                check_matches(saved, sc, replay)
            except SaveError as e:
                typer.echo(str(e), err=True)
                raise typer.Exit(1) from None
            if seed is not None and seed != saved.seed:
                raise fail(f"--seed {seed} contradicts the save's seed {saved.seed} (omit --seed to replay)", 2)
            run_seed = saved.seed
            pol, pol_name = None, saved.policy or "trainee"
            log = [d.model_dump() for d in saved.decisions]
        else:
            run_seed = sc.meta.seed if seed is None else seed
            try:
                pol = resolve(policy, sc, run_seed)
            except PolicyError as e:
                raise fail(first_line(str(e)), 2) from None
            pol_name, log = _policy_name(pol), None
        if interval is not None:
            from crisissim.scenario.units import parse_duration

            try:
                minutes = parse_duration(interval)
                if minutes <= 0 or sc.meta.duration / minutes > 100_000:
                    raise ValueError(f"expected a duration between {sc.meta.duration / 100_000:g} and the run's length, got {interval!r}")
            except ValueError as e:
                raise fail(f"--interval: {e}", 2) from None
            sc = sc.model_copy(update={"meta": sc.meta.model_copy(update={"interval": minutes})})
        if contacts is not None or staffing is not None:
            try:
                from crisissim.calibrate import export
            except ImportError:
                raise fail("--contacts and --staffing need pyarrow (pip install 'crisissim[calibrate]')", 2) from None
        try:
            res = Simulation(sc, run_seed, pol, replay=log, record_contacts=contacts is not None,
                             max_contacts=max_contacts).result()
        except PolicyError as e:
            raise fail(first_line(str(e)), 1) from None
        except WorkloadError as e:
            typer.echo(f"{path}: {e}", err=True)
            raise typer.Exit(1) from None
        except DecisionError as e:  # a save whose decisions do not fit the scenario
            where = saved.where(e.index, e.field) if saved is not None and e.index is not None else str(replay)
            typer.echo(f"{where}: {e.detail or e}", err=True)
            raise typer.Exit(1) from None
        d = res.to_dict()
        checked = None
        if saved is not None and replay is not None:
            try:
                checked = check_reproduced(saved, d, replay)
            except SaveError as e:
                typer.echo(str(e), err=True)
                raise typer.Exit(1) from None
        fresh = dict(d)
        d["policy"] = pol_name
        text = json.dumps(d, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
        to_stdout = json_out == "-"
        if json_out and not to_stdout:
            write_atomic(Path(json_out), text)
        if timeline is not None:
            cols, rows = res.timeline_rows()
            write_atomic(timeline, _csv(cols, rows))
        if intervals is not None:
            iv = res.intervals
            cols = list(iv)
            write_atomic(intervals, _csv(cols, zip(*(iv[c].tolist() for c in cols), strict=False)))
        if contacts is not None:
            export.write_table(export.contact_table(res, sc), contacts)
        if staffing is not None:
            export.write_table(export.staffing_table(res, sc), staffing)
        if save is not None:
            rel = scenario_label(path)
            write_save(save, build_save(sc, run_seed, d["decisions"], path=rel, policy=pol_name,
                                        total_loss=d["total_loss"], result=fresh))
        if to_stdout:
            typer.echo(text, nl=False)
        shown = pol_name
        if saved is not None and replay is not None:
            shown += f", replayed from {replay.name}" + {True: ", reproduced exactly", None: ""}[checked]
        typer.echo(summary(d, shown), err=to_stdout)
        if compare:
            rows = [(pol_name, d)]
            specs = list(dict.fromkeys(s.strip() for s in compare.split(",") if s.strip()))
            for spec in [s for s in specs if s != pol_name]:  # each policy once; the run itself is the first row
                try:
                    other = resolve(spec, sc, run_seed)
                except PolicyError as e:
                    raise fail(first_line(str(e)), 2) from None
                try:
                    rows.append((spec, Simulation(sc, run_seed, other, max_contacts=max_contacts).result().to_dict()))
                except PolicyError as e:
                    raise fail(str(e), 1) from None
                except WorkloadError as e:
                    raise fail(f"--compare {spec}: {e}", 1) from None
            typer.echo(comparison(rows), err=to_stdout)


def _unusable(e, path) -> str:
    """Why the scenario a save names cannot be used, without echoing anything the file holds."""
    first = e.problems[0]
    if first.line == 1 and first.col == 1 and not first.path and any(
            w in first.message for w in ("no such file", "is a ", "cannot read", "larger than", "bad file name")):
        return f"cannot load the scenario {path}: {first.message}"
    return (f"{path} is not a valid scenario (see crisissim validate {path}, or give the scenario on the "
            "command line: crisissim run SCENARIO --replay SAVE)")


def comparison(rows: list[tuple[str, dict]]) -> str:
    """A table of the same seed under several policies (common random numbers); first row is the run."""
    base = rows[0][1]["total_loss"]
    cur = rows[0][1]["currency"]
    out = [f"same seed, other policies (common random numbers; loss in {cur}):",
           f"  {'policy':<40}{'total loss':>16}{'vs this run':>16}{'service':>9}{'reputation':>12}{'churned':>9}"]
    for name, d in rows:
        if ":" in name and "/" in name:  # scripted:path/to/file.yaml → scripted:file.yaml
            kind, _, path = name.partition(":")
            name = f"{kind}:{Path(path).name}"
        delta = d["total_loss"] - base
        out.append(
            f"  {name[:39]:<40}{d['total_loss']:>16,.0f}{delta:>+16,.0f}{d['service_level']:>9.1%}"
            f"{d['reputation']['final']:>12.1f}{d['churned']:>9,.1f}"
        )
    return "\n".join(out)
