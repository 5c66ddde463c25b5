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
bad = sorted(m for m in sys.modules if m.split('.')[0] in {'pygame', 'dask', 'distributed', 'matplotlib', 'pyarrow'})
bad += sorted(m for m in sys.modules if m.startswith(('crisissim.study', 'crisissim.game', 'crisissim.policy')))
print(','.join(bad))
"""


def test_engine_and_cli_import_without_heavy_or_upper_layers():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_engine_modules_do_not_import_upper_layers():
    from pathlib import Path

    import crisissim

    root = Path(crisissim.__file__).parent
    for layer, forbidden in (("scenario", ("crisissim.engine", "crisissim.policy", "crisissim.study", "crisissim.game")),
                             ("engine", ("crisissim.policy", "crisissim.study", "crisissim.game", "crisissim.commands"))):
        for f in (root / layer).rglob("*.py"):
            text = f.read_text(encoding="utf-8")
            for name in forbidden:
                assert f"import {name}" not in text and f"from {name}" not in text, f"{f} imports {name}"
