"""An effect kind is declared once: adding one module to ``crisissim/scenario/effects/`` is the
whole change. The schema, the validator's cross-reference check, the docs, the JSON Schema and
the engine all pick the new kind up from the registry."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import crisissim
from crisissim.scenario.effects import KINDS, EffectKind, Lasting

DUMMY = '''
"""``dummy``: a test kind: pays a fee, and doubles a pool's handle times while in force."""

from __future__ import annotations

from typing import Literal

from crisissim.scenario.effects import Lasting, Levers, Started, unknown


class DummyEffect(Lasting):
    """A test effect: ``{effect: dummy, fee: 5, pool: agents}``."""

    effect: Literal["dummy"]
    """The primitive's name (``dummy``)."""
    fee: float
    """Money paid when it starts."""
    pool: str
    """The pool whose handle times double."""

    def check(self, known):
        if self.pool not in known.pools:
            yield "pool", unknown("pool", self.pool, known.pools)

    def fold(self, levers: Levers) -> None:
        levers.ht_pool[levers.pool_names.index(self.pool)] *= 2.0

    def begin(self, run) -> Started:
        run.pay(self.fee)
        return Started({"fee": self.fee}, end=run.hold(self))
'''

SCENARIO = """
meta: {id: dummy, title: dummy, duration: 2h, seed: 1}
channels: {phone: {kind: sync, patience: {dist: exponential, mean: 3m}}}
contact_types:
  billing: {channel: phone, arrival: {rate: 60, per: hour}, handle_time: {dist: exponential, mean: 2m}}
pools: {agents: {size: 3, skills: [billing]}}
injects:
  - {id: odd, at: 30m, effects: [{effect: dummy, fee: 7.5, pool: POOL, duration: 20m}]}
"""

CHECK = textwrap.dedent(
    """
    import sys
    import crisissim
    assert crisissim.__file__.startswith(sys.argv[1]), crisissim.__file__
    from crisissim.engine import Simulation
    from crisissim.scenario import load_scenario_text, validate_text
    from crisissim.scenario.docs import generate
    from crisissim.scenario.jsonschema import schema_text

    text = sys.argv[2]
    _, errors, _ = validate_text(text.replace("POOL", "agentz"), "s.yaml")
    print("ERR", [str(e) for e in errors])
    sc = load_scenario_text(text.replace("POOL", "agents"), "s.yaml")
    sim = Simulation(sc, 1)
    sim.run_until(40)
    print("HT", sim.types[0].ht_scale)
    r = sim.result().to_dict()
    print("ACTIONS", r["losses"]["actions"])
    print("EVENTS", [(e["kind"], e["t"], e.get("fee")) for e in r["events"] if e["kind"].startswith("effect")])
    print("HT_END", sim.types[0].ht_scale)
    print("DOCS", "### DummyEffect" in generate(), '"dummy"' in schema_text())
    """
)


def test_adding_an_effect_kind_is_adding_one_module(tmp_path):
    src = Path(crisissim.__file__).parent
    shutil.copytree(src, tmp_path / "crisissim", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "crisissim" / "scenario" / "effects" / "dummy.py").write_text(DUMMY, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", CHECK, str(tmp_path), SCENARIO], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines())
    assert lines["ERR"] == (
        "[\"s.yaml:8:66: injects[0].effects[0].pool: unknown pool 'agentz'; did you mean 'agents'? "
        "(expected one of: agents)\"]"
    )
    assert lines["HT"] == "[2.0]"  # in force at 40 minutes: the pool's handle times doubled
    assert lines["HT_END"] == "[1.0]"  # and back after its 20 minutes
    assert float(lines["ACTIONS"]) == 7.5
    assert lines["EVENTS"] == "[('effect_start', 30.0, 7.5), ('effect_end', 50.0, None)]"
    assert lines["DOCS"] == "True True"


def test_every_kind_says_what_it_does():
    assert len(KINDS) >= 12
    for name, kind in KINDS.items():
        assert issubclass(kind, EffectKind)
        assert kind.model_fields["effect"].annotation.__args__ == (name,)
        assert f"{{effect: {name}" in (kind.__doc__ or ""), f"{name}: the docstring needs an inline example"
        assert kind.__module__ == f"crisissim.scenario.effects.{name}", "one module per kind, named after it"
        if kind.lasting:
            assert issubclass(kind, Lasting) and "fold" in vars(kind)


def test_a_kind_cannot_be_registered_after_the_schema_is_built():
    from typing import Literal

    from crisissim.scenario.schema import Scenario  # noqa: F401 - builds the schema: the registry is sealed

    with pytest.raises(RuntimeError, match="registered after the scenario schema was built"):

        class Late(EffectKind):  # noqa: F841
            effect: Literal["late"]

            def begin(self, run):
                raise AssertionError
    assert "late" not in KINDS
