"""``crisissim validate | schema | new`` and the generated files kept in the repository."""

from __future__ import annotations

import json
from pathlib import Path

from crisissim.cli import main
from crisissim.scenario import bundled_scenarios_dir, default_scenario_path, load_scenario
from crisissim.scenario.docs import DIST_EXAMPLES, all_models, effect_examples, generate
from crisissim.scenario.jsonschema import SCHEMA_FILE, schema_text

DATA = Path(__file__).parent / "data"


def test_validate_ok(capsys):
    f = DATA / "minimal.yaml"
    assert main(["validate", str(f)]) == 0
    out = capsys.readouterr()
    assert out.out == f"{f}: ok (1 contact types, 1 pools, 0 decisions)\n" and out.err == ""


def test_validate_reports_every_problem_in_every_file(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text((DATA / "minimal.yaml").read_text().replace("size: 11", "sizee: 11").replace("rate: 600", "rate: x"))
    missing = tmp_path / "missing.yaml"
    assert main(["validate", str(bad), str(DATA / "minimal.yaml"), str(missing), str(tmp_path)]) == 1
    out = capsys.readouterr()
    assert out.err.splitlines() == [
        f"{bad}:7:21: contact_types.billing.arrival.rate: wrong type (expected a number, got 'x')",
        f"{bad}:11:12: pools.agents.sizee: unknown field 'sizee'; did you mean 'size'?",
        f"{missing}:1:1: no such file",
        f"{tmp_path}:1:1: is a directory (expected a YAML file)",
    ]
    assert out.out == f"{DATA / 'minimal.yaml'}: ok (1 contact types, 1 pools, 0 decisions)\n"


def test_validate_prints_warnings_and_passes(tmp_path, capsys):
    f = tmp_path / "w.yaml"
    f.write_text((DATA / "minimal.yaml").read_text().replace("skills: [billing]", "skills: {billing: 1}")
                 + "injects: []\n")
    assert main(["validate", str(f)]) == 0
    text = (DATA / "minimal.yaml").read_text().replace("pools:\n  agents: {size: 11, skills: [billing]}\n", "")
    f.write_text(text)
    assert main(["validate", str(f)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [f"{f}:5:3: warning: contact_types.billing: no pool has the skill 'billing'; "
                   "these contacts will never be answered"]


def test_validate_usage_error(capsys):
    assert main(["validate"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_schema_stdout_and_file(tmp_path, capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"].startswith("https://json-schema.org/") and schema["title"] == "crisissim scenario"
    assert "include" in schema["properties"] and "meta" in schema["required"]
    assert schema["$defs"]["Meta"]["properties"]["duration"]["anyOf"][1]["pattern"]
    out = tmp_path / "sub" / "s.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert out.read_text() == schema_text()


def test_bundled_schema_is_up_to_date():
    path = bundled_scenarios_dir() / SCHEMA_FILE
    assert path.read_text(encoding="utf-8") == schema_text(), "run: crisissim schema --out scenarios/crisissim.schema.json"


def test_new_writes_a_valid_commented_scenario(tmp_path, capsys):
    assert main(["new", "flood-drill", "--dir", str(tmp_path)]) == 0
    f = tmp_path / "flood-drill.yaml"
    text = f.read_text()
    assert text.startswith("# yaml-language-server: $schema=") and SCHEMA_FILE in text.splitlines()[0]
    sc = load_scenario(f)
    assert sc.meta.id == "flood-drill" and set(sc.channels) == {"phone", "email", "social"}
    assert len(sc.contact_types) == 3 and len(sc.pools) == 2 and all(p.shifts for p in sc.pools.values())
    assert len(sc.injects) == 1 and len(sc.decisions[0].options) == 3 and sc.actions
    capsys.readouterr()
    assert main(["new", "flood-drill", "--dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f"crisissim: error: {f} already exists (use --force to overwrite)\n"
    f.write_text("changed")
    assert main(["new", "flood-drill", "--dir", str(tmp_path), "--force"]) == 0
    assert load_scenario(f).meta.id == "flood-drill"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_new_in_the_scenarios_folder_uses_the_relative_schema():
    from crisissim.commands.new import schema_ref

    assert schema_ref(bundled_scenarios_dir()) == f"./{SCHEMA_FILE}"


def test_new_rejects_bad_names(tmp_path, capsys):
    assert main(["new", "bad name", "--dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err.startswith("crisissim: error: bad name 'bad name'")


def test_paths():
    assert default_scenario_path() == bundled_scenarios_dir() / "default.yaml"
    assert (bundled_scenarios_dir() / "FORMAT.md").is_file()


# --- FORMAT.md -----------------------------------------------------------------------------------

def test_format_md_is_up_to_date():
    path = bundled_scenarios_dir() / "FORMAT.md"
    assert path.read_text(encoding="utf-8") == generate(), "run: python -m crisissim.scenario.docs --write"


def test_every_field_is_documented_and_listed():
    text = generate()
    for model in all_models():
        assert model.__doc__, model
        assert f"### {model.__name__}" in text or model.__name__ == "Scenario"
        for name, f in model.model_fields.items():
            assert f.description, f"{model.__name__}.{name} has no docstring"
            assert f"| `{f.alias or name}` |" in text


def test_every_example_validates():
    from pydantic import TypeAdapter

    from crisissim.scenario.distributions import Distribution
    from crisissim.scenario.effects import EFFECT_MODELS, Effect
    from crisissim.scenario.yamlio import compose, to_plain

    effects = TypeAdapter(Effect)
    for tag, example in effect_examples().items():
        assert effects.validate_python(to_plain(compose(example, "x"))).effect == tag
    assert set(effect_examples()) == set(EFFECT_MODELS)
    dists = TypeAdapter(Distribution)
    for tag, example in DIST_EXAMPLES.items():
        assert dists.validate_python(to_plain(compose(example, "x"))).dist == tag
    text = generate()
    for word in ("occupancy.P", "fired.I", "expr   :="):
        assert word in text
