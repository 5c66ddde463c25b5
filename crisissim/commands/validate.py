"""``crisissim validate FILE...``: check scenario files and report every problem."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("validate")
    def validate(files: list[Path] = typer.Argument(..., help="Scenario YAML files, or names of bundled scenarios "
                                                    "(crisissim list).", show_default=False)) -> None:
        """Check scenario files; print one line per problem as FILE:LINE:COL: path: message."""
        from crisissim.commands._args import find_or_report
        from crisissim.scenario import validate_file

        failed = False
        for arg in files:
            path = find_or_report(arg)
            if path is None:
                failed = True
                continue
            sc, errors, warnings = validate_file(path)
            for p in warnings + errors:
                typer.echo(str(p), err=True)
            if sc is not None and (sc.lessons or sc.expert):
                from crisissim.lessons import policy_problems

                problems = policy_problems(sc, path.parent, missing_ok=True, source=str(path))
                for line in problems:
                    typer.echo(line, err=True)
                if problems:
                    sc = None
            if sc is None:
                failed = True
                continue
            typer.echo(
                f"{arg}: ok ({len(sc.contact_types)} contact types, {len(sc.pools)} pools, "
                f"{len(sc.decisions)} decisions)"
            )
        if failed:
            raise typer.Exit(1)
