"""The ``crisissim`` command line: validate | run | study | play | schema | new.

Each sub-command lives in ``crisissim/commands/<name>.py`` with a ``register(app)``;
heavy imports happen inside the commands so ``crisissim --help`` stays fast.
Usage errors and bad input print one line on stderr and exit non-zero.
"""

from __future__ import annotations

import sys

import typer

try:  # typer >= 0.20 vendors click
    from typer._click import exceptions as _cx
except ImportError:  # pragma: no cover - older typer uses click itself
    from click import exceptions as _cx

from crisissim import __version__

app = typer.Typer(
    name="crisissim",
    help="Crisis-simulation and training engine: play, author and study crisis scenarios.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crisissim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """Crisis-simulation and training engine."""


def _register() -> None:
    import importlib
    import pkgutil

    from crisissim import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"crisissim.commands.{info.name}").register(app)


_register()


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 bad input or failure, 2 usage error)."""
    try:
        rc = app(args=argv, prog_name="crisissim", standalone_mode=False)
    except typer.Exit as e:
        return e.exit_code
    except typer.Abort:
        print("crisissim: interrupted", file=sys.stderr)
        return 130
    except _cx.NoArgsIsHelpError as e:
        e.show()
        return 0
    except _cx.UsageError as e:
        cmd = e.ctx.command_path if e.ctx is not None else "crisissim"
        print(f"{cmd}: error: {e.format_message()}", file=sys.stderr)
        return 2
    except _cx.ClickException as e:
        print(f"crisissim: error: {e.format_message()}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("crisissim: interrupted", file=sys.stderr)
        return 130
    # without standalone mode, click returns the code of a `typer.Exit` raised in a command
    return rc if isinstance(rc, int) and not isinstance(rc, bool) else 0


def run() -> None:  # console script
    sys.exit(main())


if __name__ == "__main__":
    run()
