"""Generate ``scenarios/FORMAT.md``, the scenario format reference, from the schema itself.

Every part and field comes from the pydantic models (type from the JSON Schema,
default from the field, text from the attribute docstring), every effect primitive
and distribution with a YAML example, and the condition language from
``condition.py``. Regenerate with ``python -m crisissim.scenario.docs --write``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel

from crisissim.scenario import condition, units
from crisissim.scenario.distributions import Distribution
from crisissim.scenario.effects import EFFECT_MODELS
from crisissim.scenario.errors import _members
from crisissim.scenario.jsonschema import SCHEMA_FILE, scenario_json_schema
from crisissim.scenario.schema import Scenario
from crisissim.scenario.text import CLOCK_PATTERN

DIST_EXAMPLES = {
    "exponential": "{dist: exponential, mean: 2m}",
    "lognormal": "{dist: lognormal, mean: 4m, cv: 0.8}",
    "gamma": "{dist: gamma, mean: 8m, cv: 0.6}",
    "weibull": "{dist: weibull, shape: 0.7, scale: 4m}",
    "uniform": "{dist: uniform, low: 1m, high: 5m}",
    "fixed": "{dist: fixed, value: 5m}",
    "empirical": "{dist: empirical, values: [2m, 3m, 10m], weights: [5, 3, 1]}",
}
"""One YAML example per distribution (checked to validate by the tests)."""

_DURATION_DESC = "minutes"


def all_models() -> list[type[BaseModel]]:
    """Every model reachable from :class:`Scenario`, in order of first appearance."""
    seen: list[type[BaseModel]] = []
    todo: list[type[BaseModel]] = [Scenario]
    while todo:
        model = todo.pop(0)
        if model in seen:
            continue
        seen.append(model)
        for f in model.model_fields.values():
            todo += [m for m in _nested(f.annotation) if m not in seen]
    return seen


def _nested(tp: Any) -> list[type[BaseModel]]:
    out: list[type[BaseModel]] = []
    for m in _members(tp):
        if isinstance(m, type) and issubclass(m, BaseModel):
            out.append(m)
        else:
            for arg in get_args(m):
                out += _nested(arg)
    return out


def effect_examples() -> dict[str, str]:
    """The inline ``{effect: …}`` example of each primitive's docstring."""
    out = {}
    for tag, model in EFFECT_MODELS.items():
        m = re.search(r"``(\{effect: [^`]*\})``", model.__doc__ or "")
        out[tag] = m.group(1) if m else "{effect: " + tag + "}"
    return out


def _effects_doc() -> str:
    """The first paragraph of the effect package's docstring (what a trainer needs)."""
    import crisissim.scenario.effects as effects

    return " ".join((effects.__doc__ or "").split("\n\n")[:2])


def _md(text: str) -> str:
    """RST-ish docstring text → one Markdown line (safe inside a table cell)."""
    text = re.sub(r"``([^`]+)``", r"`\1`", text or "")
    return " ".join(text.split()).replace("|", "\\|")


def _md_paragraphs(doc: str) -> list[str]:
    """A docstring → Markdown paragraphs (blank lines kept), its ``- `` items as a list."""
    import inspect

    out: list[str] = []
    for para in inspect.cleandoc(doc).split("\n\n"):
        items = re.split(r"\n(?=- )", para.strip())
        if len(items) > 1 or para.lstrip().startswith("- "):
            head = [] if items[0].startswith("- ") else [_md(items.pop(0))]
            out += [*head, *("- " + _md(i[2:]) for i in items)] + [""]
        elif para.strip():
            out += [_md(para), ""]
    return out[:-1] if out else [""]


def _anchor(name: str) -> str:
    return name.lower()


def _is_duration(s: dict) -> bool:
    alts = s.get("anyOf", [])
    return any(a.get("type") == "number" and a.get("description") == _DURATION_DESC for a in alts) and any(
        a.get("pattern") == units.DURATION_PATTERN for a in alts
    )


def _bounds(s: dict) -> str:
    marks = [("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<")]
    parts = [f"{sign} {_num(s[k])}" for k, sign in marks if k in s]
    return f" ({', '.join(parts)})" if parts else ""


def _num(v: Any) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e16:
        v = int(v)
    return f"{v:,}".replace(",", "\u2009") if isinstance(v, int) and abs(v) >= 100_000 else str(v)


def type_text(s: dict) -> str:
    """A JSON Schema fragment rendered as a short human type."""
    if "$ref" in s:
        name = s["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{_anchor(name)})"
    if _is_duration(s):
        return "duration"
    if any(a.get("pattern") == CLOCK_PATTERN for a in s.get("anyOf", [])):
        return 'time of day (`"HH:MM"`)'
    alts = s.get("anyOf") or s.get("oneOf")
    if alts:
        if "discriminator" in s and len(alts) > 3:
            kind = s["discriminator"]["propertyName"]
            return "[an effect](#effect-primitives)" if kind == "effect" else "[a distribution](#distributions)"
        shown = [type_text(a) for a in alts if a.get("type") != "null"]
        return " or ".join(dict.fromkeys(shown))
    if "const" in s:
        return f"`{s['const']}`"
    if "enum" in s:
        return " \\| ".join(f"`{v}`" for v in s["enum"])
    t = s.get("type")
    if t == "array":
        n = [f"{k.replace('Items', '')} {s[k]}" for k in ("minItems", "maxItems") if k in s]
        return "list of " + type_text(s.get("items", {})) + (f" ({', '.join(n)})" if n else "")
    if t == "object":
        inner = next(iter(s.get("patternProperties", {}).values()), s.get("additionalProperties", {}))
        return "mapping of name → " + type_text(inner if isinstance(inner, dict) else {})
    if t in ("number", "integer"):
        return ("integer" if t == "integer" else "number") + _bounds(s)
    if t == "string":
        return "name" if s.get("pattern") == r"^[A-Za-z_][A-Za-z0-9_\-]*$" else "text"
    if t == "boolean":
        return "true/false"
    return "any"


def default_text(model: type[BaseModel], name: str, is_duration: bool) -> str:
    f = model.model_fields[name]
    if f.is_required():
        return "**required**"
    if f.default_factory is not None:
        value = f.default_factory()  # type: ignore[call-arg]
        if isinstance(value, BaseModel):
            return "its defaults"
        return f"`{value!r}`".replace("'", "")
    v = f.default
    if v is None:
        return "—"
    if isinstance(v, bool):
        return f"`{str(v).lower()}`"
    if is_duration and isinstance(v, (int, float)):
        return f"`{units.format_duration(v)}`" if v else "`0`"
    if isinstance(v, str):
        return f'`"{v}"`' if v else '`""`'
    return f"`{_num(v)}`"


def model_section(model: type[BaseModel], schema: dict, level: str = "###") -> list[str]:
    """A heading, the model's docstring and a table of its fields."""
    props = schema.get("properties", {})
    lines = [f"{level} {model.__name__}", "", *_md_paragraphs(model.__doc__ or ""), ""]
    lines += ["| field | type | default | description |", "|---|---|---|---|"]
    for name, f in model.model_fields.items():
        key = f.alias or name
        ps = props.get(key, {})
        dur = _is_duration(ps) or _is_duration({"anyOf": [a for a in ps.get("anyOf", []) if "anyOf" not in a]})
        lines.append(f"| `{key}` | {type_text(ps)} | {default_text(model, name, dur)} | {_md(f.description or '')} |")
    return lines + [""]


def generate() -> str:
    """The full text of FORMAT.md."""
    schema = scenario_json_schema()
    defs = schema["$defs"]
    effects = set(EFFECT_MODELS.values())
    dists = {m for m in _members(Distribution)}
    models = all_models()
    parts = [m for m in models if m not in effects and m not in dists and m is not Scenario]
    out = [
        "# The crisissim scenario format",
        "",
        "<!-- Generated by `python -m crisissim.scenario.docs --write` from the schema; do not edit. -->",
        "",
        "A scenario is one YAML file (UTF-8, at most 5 MB) describing a complete training case. "
        "Check a file with `crisissim validate FILE`; start one with `crisissim new NAME`. "
        f"Editors that understand JSON Schema (VS Code's YAML extension) complete and check fields "
        f"when the first line is `# yaml-language-server: $schema=./{SCHEMA_FILE}`.",
        "",
        "- **Time**: " + _md(units.__doc__.strip().split("\n\n", 1)[1]),
        "- **Money** is in `meta.currency` (a label only).",
        "- **Names** (ids and mapping keys) use letters, digits, `_` and `-`, starting with a letter or `_`.",
        "- **include**: a path or list of paths (relative to the including file) loaded first and deep-merged: "
        "mappings merge key by key and the including file wins; lists are replaced whole.",
        "- Problems are reported as `FILE:LINE:COL: path.to.field: message (expected …, got …)`, all at once.",
        "- **Bounded work**: a run must finish. `validate` refuses explosive social self-excitation (a branching "
        "ratio of 1 or more), repeating injects and profile steps so small that a run would fire them more than "
        "a million times, and distributions that cannot be sampled; `run`, `study` and `play` estimate a run's "
        "contacts before it starts and refuse one above the limit (`--max-contacts`, see `crisissim run --help`).",
        "",
        "## Scenario",
        "",
    ]
    out += model_section(Scenario, schema, "###")[2:]
    out += ["## Parts", ""]
    for m in parts:
        out += model_section(m, defs.get(m.__name__, {}))
    out += ["## Effect primitives", "", _md(_effects_doc()), ""]
    examples = effect_examples()
    for tag, m in EFFECT_MODELS.items():
        out += model_section(m, defs.get(m.__name__, {}))[:-1]
        out += ["", "```yaml", "effects:", f"  - {examples[tag]}", "```", ""]
    out += ["## Distributions", "", _md(_dist_module_doc()), ""]
    for m in _members(Distribution):
        tag = get_args(m.model_fields["dist"].annotation)[0]
        out += model_section(m, defs.get(m.__name__, {}))[:-1]
        out += ["", "```yaml", f"handle_time: {DIST_EXAMPLES[tag]}", "```", ""]
    out += ["## Conditions (`when:`)", ""]
    out += [_condition_doc(), ""]
    out += ["## Lessons (`lessons:`, `expert:`)", ""]
    out += _lessons_doc()
    return "\n".join(out).rstrip() + "\n"


def _lessons_doc() -> list[str]:
    from crisissim.scenario import lessons

    out = [_md(lessons.__doc__ or "").replace("under `Lesson`", "under [Lesson](#lesson)"), "",
           "Check them with `crisissim lessons FILE… [--reps N] [--seed S] [--workers K] [--json OUT]`: a table "
           "per scenario (the paired mean difference A − B with its 95% CI, the share of replications A wins with "
           "its exact 95% CI, ✓ holds or ✗ fails) and exit status 1 if any lesson fails. The `given:` condition "
           "uses the language of `when:` and is read at the end of the run, so `time` is the duration and "
           "`fired.I` counts the whole run.", "",
           "| metric | better |", "|---|---|"]
    out += [f"| `{name}` | {way or '— (say `better:`)'} |" for name, way in lessons.METRICS.items()]
    out += ["", "Example (for `scenarios/product-recall.yaml`):", "", "```yaml", lessons.EXAMPLE.rstrip(), "```", ""]
    out += ["### Scripted policies (`scripted:FILE.yaml`)", "",
            "A scripted policy file maps cards to options (a card not listed takes its default) and lists "
            "actions taken at set times. A card whose better answer depends on what happens may map to a "
            "branch: `when` is a condition in the language of `when:` above, read as the card shows and is "
            "answered, from what is known then (a `fired.I` of an inject that comes later is still 0; "
            "unlike `given:`, which is read at the end of the run); `then` is taken if it holds, `else` if "
            "not. Unknown cards, options, actions and keys and bad conditions are located errors, as in a "
            "scenario.", "",
            "```yaml", SCRIPTED_EXAMPLE.rstrip(), "```", ""]
    return out


SCRIPTED_EXAMPLE = """\
# a policy for scenarios/default.yaml (its carrier card shows at 1h20m, after the update at 1h10m)
cards:
  carrier: {when: "fired.hub-long > 0", then: switch, else: wait}
  notify: sms
  goodwill: voucher-members
actions:
  - {action: overtime, at: 1h05m}
  - {action: social-update, at: 1h10m}
"""


def _dist_module_doc() -> str:
    from crisissim.scenario import distributions

    return distributions.__doc__ or ""


def _condition_doc() -> str:
    doc = (condition.__doc__ or "").strip()
    head, _, rest = doc.partition("::")
    grammar, _, names = rest.strip("\n").partition("\n\n")
    code = "\n".join(line[4:] if line.startswith("    ") else line for line in grammar.splitlines())
    return (
        _md(head) + ":\n\n```\n" + code.strip("\n") + "\n```\n\n" + _md(names)
        + "\n\nExample: `when: queue.defect > 40 and reputation < 60`. Numbers may carry a unit "
        f"(`time > 2h`). A condition has at most {condition.MAX_OPERATORS} operators, nests parentheses, `-` and "
        f"`not` at most {condition.MAX_NESTING} deep, and its numbers are at most {condition.MAX_NUMBER:.0e}."
    )


def format_path() -> Path:
    """Where FORMAT.md lives (the repository's ``scenarios/`` folder)."""
    from crisissim.scenario import bundled_scenarios_dir

    return bundled_scenarios_dir() / "FORMAT.md"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = generate()
    if "--write" in args:
        from crisissim.fileio import write_atomic

        write_atomic(format_path(), text)
        print(f"wrote {format_path()}")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
