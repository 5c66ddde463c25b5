"""``crisissim new NAME``: write a commented starter scenario ``NAME.yaml``."""

from __future__ import annotations

import os
import re
from pathlib import Path

import typer

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,63}$")


def starter_text(name: str, schema_ref: str) -> str:
    """The starter scenario with its id, title and schema reference filled in."""
    from importlib import resources

    text = resources.files("crisissim").joinpath("data/starter.yaml").read_text(encoding="utf-8")
    title = re.sub(r"[-_]+", " ", name).strip().capitalize() or name
    return text.replace("@SCHEMA@", schema_ref).replace("@ID@", name).replace("@TITLE@", title)


def schema_ref(folder: Path) -> str:
    """Where a file in ``folder`` finds the schema: the bundled copy (relative inside the
    repository, a file URI outside it), else a copy written beside the file."""
    from crisissim.commands._common import write_atomic
    from crisissim.scenario import bundled_scenarios_dir
    from crisissim.scenario.jsonschema import SCHEMA_FILE, schema_text

    bundled = bundled_scenarios_dir() / SCHEMA_FILE
    if bundled.is_file():
        bundled, here = bundled.resolve(), folder.resolve()
        if not here.is_relative_to(bundled.parent.parent):
            return bundled.as_uri()
        rel = Path(os.path.relpath(bundled, here)).as_posix()
        return rel if rel.startswith(".") else "./" + rel
    local = folder / SCHEMA_FILE
    if not local.exists():
        write_atomic(local, schema_text())
    return "./" + SCHEMA_FILE


def register(app: typer.Typer) -> None:
    @app.command("new")
    def new(
        name: str = typer.Argument(..., help="Scenario id; the file written is NAME.yaml.", show_default=False),
        folder: Path = typer.Option(Path("."), "--dir", "-d", help="Folder to write into."),
        force: bool = typer.Option(False, "--force", "-f", help="Overwrite an existing file."),
    ) -> None:
        """Write a richly commented starter scenario NAME.yaml that validates."""
        from crisissim.commands._common import fail, write_atomic

        if not _NAME.match(name):
            raise fail(f"bad name {name!r} (expected letters, digits, '_' or '-', starting with a letter or '_')")
        target = folder / f"{name}.yaml"
        if folder.exists() and not folder.is_dir():
            raise fail(f"{folder} is not a folder")
        if target.exists() and not force:
            raise fail(f"{target} already exists (use --force to overwrite)")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(target, starter_text(name, schema_ref(folder)))
        except OSError as e:
            raise fail(f"cannot write {target}: {e.strerror or e}") from None
        typer.echo(f"wrote {target}")
