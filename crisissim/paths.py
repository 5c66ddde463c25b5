"""The bundled files: scenarios, policies, studies, the format reference and fonts.

They are package data, read through :mod:`importlib.resources`, so every kind of install
finds them (editable, regular, ``--user``, ``--target``): ``crisissim/scenarios/`` and
``crisissim/assets/``. In the repository these two are symbolic links to the top-level
``scenarios/`` and ``assets/`` folders, the one copy trainers edit.

A bundled scenario can be named instead of given as a path: ``crisissim run product-recall``
(see :func:`find_scenario`).
"""

from __future__ import annotations

import atexit
import contextlib
from importlib import resources
from pathlib import Path

_extracted: dict[str, Path] = {}


def data_dir(name: str) -> Path:
    """The bundled folder ``name`` (``scenarios`` or ``assets``) as a path on disk."""
    root = resources.files("crisissim").joinpath(name)
    if isinstance(root, Path):
        return root
    if name not in _extracted:  # a zipped install: extract the folder once for this process
        stack = contextlib.ExitStack()
        atexit.register(stack.close)
        _extracted[name] = Path(stack.enter_context(resources.as_file(root)))
    return _extracted[name]


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenario name → file (``default``, ``product-recall`` …), in name order."""
    folder = data_dir("scenarios")
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def bundled_studies() -> dict[str, Path]:
    """Bundled study file name → file (``default-staffing`` …), in name order."""
    folder = data_dir("scenarios") / "studies"
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def find_scenario(arg: str | Path, studies: bool = False) -> Path:
    """The file a command-line argument names: the path itself if it exists, else the bundled
    scenario (or, with ``studies``, study file) of that name, with or without ``.yaml``;
    otherwise the path unchanged (the loader then says it is missing, see :func:`missing_hint`)."""
    path = Path(arg)
    if path.exists() or len(path.parts) != 1:
        return path
    name = path.name.removesuffix(".yaml").removesuffix(".yml")
    found = bundled_scenarios().get(name)
    if found is None and studies:
        found = bundled_studies().get(name)
    return found if found is not None else path


def is_bundled(path: str | Path) -> bool:
    """True if ``path`` is one of the bundled files."""
    try:
        return Path(path).resolve().is_relative_to(data_dir("scenarios").resolve())
    except OSError:
        return False


def missing_hint(arg: str | Path, studies: bool = False) -> str:
    """What to say about a scenario argument that names no file: the bundled names to choose from."""
    names = list(bundled_scenarios()) + (list(bundled_studies()) if studies else [])
    stem = Path(arg).name.removesuffix(".yaml").removesuffix(".yml")
    if stem in names:
        return f"the bundled one is named {stem}; see crisissim list"
    if len(Path(arg).parts) != 1 or not names:  # a path elsewhere: the bundled names are no help
        return ""
    return f"bundled: {', '.join(names)}; see crisissim list"
