"""The dependency arrows point one way: the core imports no UI, cluster or plotting library."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import crisissim, crisissim.scenario, crisissim.engine, crisissim.cli
from crisissim.engine import Simulation
from crisissim.scenario import load_scenario, default_scenario_path
Simulation(load_scenario(default_scenario_path()), 1).result()
bad = sorted(m for m in sys.modules if m.split('.')[0] in {'pygame', 'dask', 'distributed', 'matplotlib', 'pyarrow',
                                                            'scipy', 'statsmodels', 'pandas'})
bad += sorted(m for m in sys.modules if m.startswith(('crisissim.study', 'crisissim.game', 'crisissim.policy',
                                                      'crisissim.lessons', 'crisissim.calibrate')))
print(','.join(bad))
"""


def test_engine_and_cli_import_without_heavy_or_upper_layers():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_engine_modules_do_not_import_upper_layers():
    from pathlib import Path

    import crisissim

    root = Path(crisissim.__file__).parent
    upper = ("crisissim.lessons", "crisissim.game", "crisissim.commands", "crisissim.cli")
    for layer, forbidden in (("scenario", ("crisissim.engine", "crisissim.policy", "crisissim.study",
                                           "crisissim.calibrate") + upper),
                             ("engine", ("crisissim.policy", "crisissim.study", "crisissim.calibrate") + upper),
                             ("policy", ("crisissim.study", "crisissim.calibrate") + upper),
                             ("study", ("crisissim.calibrate",) + upper),
                             ("calibrate", ("crisissim.study", "crisissim.policy") + upper),
                             ("lessons", upper[1:])):
        for f in (root / layer).rglob("*.py"):
            text = f.read_text(encoding="utf-8")
            for name in forbidden:
                assert f"import {name}" not in text and f"from {name}" not in text, f"{f} imports {name}"


def test_every_engine_module_is_on_the_map():
    """simulation.py's docstring names every engine module, so a newcomer finds each part by name."""
    from pathlib import Path

    import crisissim.engine.simulation as simulation

    root = Path(simulation.__file__).parent
    doc = simulation.__doc__ or ""
    for f in sorted(root.glob("*.py")):
        if f.stem in ("__init__", "simulation"):
            continue
        assert f"``{f.stem}" in doc, f"{f.name} is missing from the module map in simulation.py"
        assert (f.read_text(encoding="utf-8").lstrip().startswith('"""')), f"{f.name} needs a module docstring"


# Attribute writes an engine module may make on objects other than ``self``: the contact flow
# is the one writer of contact records, of each contact type's live counts and of the
# interval contact tallies (see crisissim/engine/flow.py); a queue marks its own contacts.
OWN_WRITES = {
    "flow.py": ("c.", "cnt.", "t.counts.", "t.neg_waiting", "self.intervals.", "ivs."),
    "contacts.py": ("c.",),
}


def test_no_engine_part_writes_another_ones_fields():
    import ast
    from pathlib import Path

    import crisissim.engine

    root = Path(crisissim.engine.__file__).parent
    bad = []
    for f in sorted(root.glob("*.py")):
        allowed = OWN_WRITES.get(f.name, ())
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                targets = [node.target]
            else:
                continue
            for target in targets:
                for x in ast.walk(target):
                    if not isinstance(x, (ast.Attribute, ast.Subscript)) or not isinstance(x.ctx, ast.Store):
                        continue
                    owner = x.value
                    if isinstance(x, ast.Subscript):
                        if not isinstance(owner, ast.Attribute):
                            continue  # an item of a local list or dict
                        owner = owner.value  # an item of a field: whose field?
                    if isinstance(owner, ast.Name) and owner.id == "self":
                        continue  # the object's own field
                    text = ast.unparse(x)
                    if not text.startswith(allowed):
                        bad.append(f"{f.name}:{node.lineno}: {text}")
    assert bad == []
