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

# What each option's value is, in the help (``--reps N``), instead of a type name.
METAVARS = {
    "reps": "N", "workers": "N", "batch_size": "N", "max_reps": "N", "max_contacts": "N", "debrief_reps": "N",
    "seed": "SEED", "vary": "PATH=VALUES", "policy": "POLICY", "compare": "POLICIES", "scheduler": "ADDRESS",
    "dask": "local", "json_out": "PATH", "out": "PATH", "save": "FILE", "replay": "FILE", "timeline": "FILE",
    "intervals": "FILE", "contacts": "FILE", "staffing": "FILE", "churn": "FILE", "interval": "DURATION",
    "precision": "SHARE", "loss_threshold": "MONEY", "delta": "MONEY", "confidence": "SHARE", "speed": "X",
    "windowed": "WxH", "lang": "en|zh", "tz": "ZONE", "time_format": "FORMAT", "title": "TEXT",
}


def tidy_help(command) -> None:
    """One help style for every command: values named by what they are (never a type name such as
    ``<list[str]>``), defaults said once, in the description, as ``(default: X)``, limits left to
    the one-line error, and each command's whole first sentence in the list of commands."""
    import re

    for sub in getattr(command, "commands", {}).values():
        tidy_help(sub)
        if sub.help and not sub.short_help:
            first = sub.help.strip().split("\n\n")[0]
            sub.short_help = " ".join(first.split())
    for param in getattr(command, "params", []):
        if param.param_type_name == "argument":
            _tidy_argument(param)
            continue
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            continue
        param.metavar = METAVARS.get(param.name, param.name.upper())
        param.help = re.sub(r"\(default (?!:)", "(default: ", param.help or "")
        default = param.default
        if param.show_default and default not in (None, False, "", ()) and "default" not in param.help:
            param.help = f"{param.help.rstrip('.')} (default: {default})."
        param.show_default = False
        param.min = param.max = None  # the range is checked all the same; a value outside it is a one-line error


def _tidy_argument(param) -> None:
    """``FILES...  Scenario YAML files…`` in the help and ``FILES...`` in the usage line, with no
    type name and no ``[required]`` (the usage line shows which arguments are optional)."""
    name = param.name.upper() + ("..." if param.nargs != 1 else "")
    param.metavar = param.name.upper()
    required = param.required

    def help_record(ctx, record=param.get_help_record):
        shown = record(ctx)
        if shown is None:
            return None
        return name, shown[1].replace("  [required]", "").replace("[required]", "").rstrip()

    def usage_pieces(ctx):
        return [name if required else f"[{name}]"]

    param.get_help_record = help_record
    param.get_usage_pieces = usage_pieces



COMMAND = typer.main.get_command(app)
tidy_help(COMMAND)

USAGE_ERROR = 2  # click's exit code for a usage error (bad option, missing argument)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 1 bad input or failure, 2 usage error)."""
    from crisissim.fileio import OutputError

    args = sys.argv[1:] if argv is None else list(argv)
    if not args:
        args = ["--help"]  # the root shows its help when called bare (no_args_is_help)
    try:
        rc = COMMAND.main(args=args, prog_name="crisissim", standalone_mode=False)
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
