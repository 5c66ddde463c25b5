"""``crisissim docs TOPIC``: the bundled references, wherever crisissim is installed."""

from __future__ import annotations

import typer

TOPICS = {"format": "the scenario format reference (FORMAT.md): every field with its meaning, default and limits"}


def register(app: typer.Typer) -> None:
    @app.command("docs")
    def docs(
        topic: str = typer.Argument(..., help="What to print. format: " + TOPICS["format"] + ".", show_default=False),
    ) -> None:
        """Print a bundled reference as Markdown: `crisissim docs format` is the scenario format reference."""
        from crisissim.commands._common import fail
        from crisissim.scenario.docs import format_path

        if topic not in TOPICS:
            raise fail(f"unknown topic {topic!r} (expected: {', '.join(TOPICS)})", 2)
        typer.echo(format_path().read_text(encoding="utf-8"), nl=False)
