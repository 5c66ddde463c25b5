"""``crisissim schema [--out PATH]``: the JSON Schema of the scenario format."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("schema")
    def schema(
        out: Path | None = typer.Option(None, "--out", "-o", help="Write to this file instead of stdout."),
    ) -> None:
        """Print the JSON Schema of scenario files (for editors such as VS Code)."""
        from crisissim.commands._common import fail, write_atomic
        from crisissim.scenario.jsonschema import schema_text

        text = schema_text()
        if out is None:
            typer.echo(text, nl=False)
            return
        try:
            write_atomic(out, text)
        except OSError as e:
            raise fail(f"cannot write {out}: {e.strerror or e}") from None
        typer.echo(f"wrote {out}")
