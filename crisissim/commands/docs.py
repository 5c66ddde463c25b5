"""``crisissim docs TOPIC``: the bundled references, wherever crisissim is installed."""

from __future__ import annotations

import typer

TOPICS = {
    "format": ("FORMAT.md", "the scenario format reference: every field with its meaning, default and limits"),
    "data": ("DATA.md", "the contact-log columns crisissim calibrate reads and run --contacts writes"),
}


def register(app: typer.Typer) -> None:
    @app.command("docs")
    def docs(
        topic: str = typer.Argument(..., show_default=False, help="What to print: " + "; ".join(
            f"{name} ({file}), {what}" for name, (file, what) in TOPICS.items()) + "."),
    ) -> None:
        """Print a bundled reference as Markdown: `crisissim docs format` is the scenario format reference."""
        from crisissim.commands._common import fail
        from crisissim.paths import data_dir

        if topic not in TOPICS:
            raise fail(f"unknown topic {topic!r} (expected: {', '.join(TOPICS)})", 2)
        typer.echo((data_dir("scenarios") / TOPICS[topic][0]).read_text(encoding="utf-8"), nl=False)
