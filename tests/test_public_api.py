"""The package uses SimPy and typer through their public API only: no private attribute
(``env._queue``, ``event._ok`` …) and no private module (``typer._click``) anywhere."""

from __future__ import annotations

import re
from pathlib import Path

import crisissim

# SimPy's private attributes (core.Environment, events.Event and its subclasses, Process); names
# generic enough to be someone else's (``_events``, ``_check``) are left out
SIMPY_PRIVATE = ("_queue", "_now", "_eid", "_ok", "_value", "_defused", "_delay", "_target", "_generator",
                 "_resume", "_active_proc", "_desc", "_populate_value", "_build_value", "_remove_check_callbacks")
PRIVATE_ATTRIBUTE = re.compile(r"\.(" + "|".join(SIMPY_PRIVATE) + r")\b")
PRIVATE_MODULE = re.compile(r"\b(typer|click|simpy)(\.[A-Za-z_]+)*\._[A-Za-z]")


def _sources():
    root = Path(crisissim.__file__).parent
    return sorted(root.rglob("*.py"))


def test_no_private_simpy_attribute():
    bad = [f"{f.name}:{i}: {line.strip()}" for f in _sources()
           for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1) if PRIVATE_ATTRIBUTE.search(line)]
    assert bad == []


def test_no_private_module_of_a_dependency():
    bad = [f"{f.name}:{i}: {line.strip()}" for f in _sources()
           for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1) if PRIVATE_MODULE.search(line)]
    assert bad == []


def test_the_checks_would_catch_what_they_look_for():
    assert PRIVATE_ATTRIBUTE.search("q = env._queue") and PRIVATE_ATTRIBUTE.search("if not event._ok:")
    assert PRIVATE_MODULE.search("from typer._click import exceptions")
    assert PRIVATE_MODULE.search("import simpy.core._x") and not PRIVATE_MODULE.search("import simpy.core")
    assert not PRIVATE_ATTRIBUTE.search("self._queue_length = 0") and not PRIVATE_ATTRIBUTE.search("env.now")


def test_every_dependency_is_pinned_to_a_major_version():
    import re
    import tomllib

    root = Path(crisissim.__file__).parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = list(project["dependencies"]) + [d for group in project["optional-dependencies"].values() for d in group]
    loose = [d for d in deps if not d.startswith("crisissim[") and not re.search(r">=[^,]+,\s*<", d)]
    assert loose == [], "give each dependency a lower and an upper (major) bound"
