"""Helpers shared by the sub-commands."""

from __future__ import annotations

import typer

from crisissim.fileio import write_atomic  # noqa: F401  (re-exported for the commands)

INTERRUPT_REPORTED = False
"""Set by a command that has told the user about a Ctrl-C itself (the CLI then stays quiet)."""


def interrupted(message: str) -> typer.Exit:
    """Print one line about an interruption on stderr and return the exit (130) to raise."""
    global INTERRUPT_REPORTED
    INTERRUPT_REPORTED = True
    typer.echo(message, err=True)
    return typer.Exit(130)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print one line on stderr and return the exit to raise."""
    typer.echo(f"crisissim: error: {message}", err=True)
    return typer.Exit(code)


def first_line(text: str, hint: str = "") -> str:
    """The first line of a multi-line error, with how many more there are (``hint`` added to that)."""
    lines = [ln for ln in str(text).splitlines() if ln.strip()] or [""]
    return lines[0] + (f" (and {len(lines) - 1} more{hint})" if len(lines) > 1 else "")
