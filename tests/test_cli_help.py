"""Help in one style: values named by what they are (never a type name), defaults said once as
``(default: X)``, limits left to the one-line error, and whole descriptions in the command list."""

from __future__ import annotations

import re

import pytest

from crisissim.cli import COMMAND, main

COMMANDS = sorted(COMMAND.commands)


def help_text(capsys, *args) -> str:
    assert main([*args, "--help"]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("name", COMMANDS)
def test_help_has_one_style(name, capsys):
    text = help_text(capsys, name)
    assert not re.search(r"<(int|float|str|path|bool|list\[|Path|int range|float range)", text), text
    assert "[default" not in text and "[required" not in text and not re.search(r"x[<>]=|<=x", text), text
    assert not re.search(r"\(default [^:]", text), text  # always "(default: X)"
    assert "{" not in text.splitlines()[0]  # the usage line: FILES..., [FILE]


def test_every_default_is_said_in_the_description(capsys):
    text = " ".join(help_text(capsys, "study").split())
    assert "-n, --reps N Replications per level (default: 30)." in text
    assert "--max-contacts N Refuse the study if one run of any level has an upper estimate of contacts above " \
           "this (default: 5000000)." in text
    assert "--vary PATH=VALUES A scenario field and its values" in text
    text = " ".join(help_text(capsys, "validate").split())
    assert "Usage: crisissim validate [OPTIONS] FILES... " in text
    assert "FILES... Scenario YAML files, or names of bundled scenarios (crisissim list). Options:" in text


def test_the_command_list_shows_whole_descriptions(capsys):
    text = " ".join(help_text(capsys).split())
    assert "..." not in text.split("Commands:")[1]
    for name in COMMANDS:
        first = " ".join(COMMAND.commands[name].help.strip().split("\n\n")[0].split())
        assert f"{name} {first}" in text


def test_limits_are_still_checked_in_one_line(capsys):
    assert main(["run", "--seed", "-1"]) == 2
    assert capsys.readouterr().err == ("crisissim run: error: Invalid value for '--seed': Input should be greater "
                                       "than or equal to 0\n")
    assert main(["study", "--max-contacts", "0"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
