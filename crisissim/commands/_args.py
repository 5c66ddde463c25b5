"""Command-line arguments that name a scenario: a path, or the name of a bundled one."""

from __future__ import annotations

from pathlib import Path

import typer


def find_or_report(arg: str | Path, studies: bool = False) -> Path | None:
    """The scenario file ``arg`` names (a path, or a bundled name such as ``product-recall``), or
    None after printing a one-line located error that lists the bundled names."""
    from crisissim.paths import find_scenario, missing_hint

    path = find_scenario(arg, studies=studies)
    if path.exists() or path.is_symlink():
        return path
    hint = missing_hint(arg, studies=studies)
    typer.echo(f"{arg}:1:1: no such file" + (f" ({hint})" if hint else ""), err=True)
    return None


def scenario_path(arg: str | Path, studies: bool = False) -> Path:
    """Like :func:`find_or_report`, but a missing file ends the command (exit status 1)."""
    path = find_or_report(arg, studies)
    if path is None:
        raise typer.Exit(1)
    return path


def scenario_label(path: Path) -> str:
    """How a save or a report names a scenario file: a bundled one by its name, others by path."""
    from crisissim.paths import bundled_scenarios, is_bundled

    if is_bundled(path):
        for name, p in bundled_scenarios().items():
            if p.resolve() == path.resolve():
                return name
    return str(path)
