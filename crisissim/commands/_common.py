"""Helpers shared by the sub-commands."""

from __future__ import annotations

import typer

from crisissim.fileio import write_atomic  # noqa: F401  (re-exported for the commands)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one line on stderr and return the exit to raise."""
    typer.echo(f"crisissim: error: {message}", err=True)
    return typer.Exit(code)
