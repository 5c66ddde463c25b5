"""The ``crisissim`` command line: run | play | study | lessons | validate | new | schema | list | docs.

Each sub-command lives in ``crisissim/commands/<name>.py`` with a ``register(app)``;
heavy imports happen inside the commands so ``crisissim --help`` stays fast.
Usage errors and bad input print one line on stderr and exit non-zero.
"""

from __future__ import annotations

import sys

import typer

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


USAGE_ERROR = 2  # click's exit code for a usage error (bad option, missing argument)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 bad input or failure, 2 usage error)."""
    from crisissim.fileio import OutputError

    args = sys.argv[1:] if argv is None else list(argv)
    if not args:
        args = ["--help"]  # the root shows its help when called bare (no_args_is_help)
    try:
        rc = app(args=args, prog_name="crisissim", standalone_mode=False)
    except typer.Exit as e:
        return e.exit_code
    except typer.Abort:
        print("crisissim: interrupted", file=sys.stderr)
        return 130
    except typer.TyperException as e:  # the (vendored) click errors: usage errors and the like
        code = getattr(e, "exit_code", 1)
        if code == USAGE_ERROR:
            ctx = getattr(e, "ctx", None)
            cmd = ctx.command_path if ctx is not None else "crisissim"
            print(f"{cmd}: error: {e.format_message()}", file=sys.stderr)
            return USAGE_ERROR
        print(f"crisissim: error: {e.format_message()}", file=sys.stderr)
        return code
    except KeyboardInterrupt:
        _interrupted(argv)
        return 130
    except OutputError as e:  # an output file that cannot be written (full disk, a folder, a FIFO…)
        print(f"crisissim: error: {e}", file=sys.stderr)
        return 1
    # without standalone mode, click returns the code of a `typer.Exit` raised in a command
    rc = rc if isinstance(rc, int) and not isinstance(rc, bool) else 0
    if rc == 130:  # typer turns Ctrl-C into Exit(130): say so once, unless the command did
        from crisissim.commands import _common

        if not _common.INTERRUPT_REPORTED:
            _interrupted(argv)
    return rc


def _interrupted(argv: list[str] | None) -> None:
    args = sys.argv[1:] if argv is None else argv
    cmd = f"crisissim {args[0]}" if args and not args[0].startswith("-") else "crisissim"
    print(f"{cmd}: interrupted", file=sys.stderr)


def run() -> None:  # console script
    sys.exit(main())


if __name__ == "__main__":
    run()
